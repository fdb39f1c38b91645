"""The response report: time to acknowledge, detect, mitigate and resolve per period, service and
severity (README "Reports" has the definitions), in one statement per report."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from onwatch.db.tables import alert_groups, incident_services, incidents, timeline_events
from onwatch.kernel.enums import EventKind, Severity
from onwatch.reports.domain.filters import Period, ReportFilter
from onwatch.reports.domain.results import Measure, ResponseReport, ResponseRow, Unacknowledged
from onwatch.reports.store.common import group_conditions, incident_conditions, summary_columns
from onwatch.reports.store.sql import Dialect, Expr

_NO_SERVICE: Expr = sa.literal_column("''")
_NO_SEVERITY: Expr = sa.cast(sa.null(), sa.SmallInteger)


def _earliest(a: Expr, b: Expr) -> Expr:
    """The earlier of two instants, either of which may be NULL."""
    return sa.case((a.is_(None), b), (b.is_(None), a), (a < b, a), else_=b)


class ResponseQueries:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.sql = Dialect(conn)

    def _paged_groups(self, f: ReportFilter, period: Period | None, split: bool, per_service: bool) -> sa.CTE:
        """One row per alert group that paged someone: what PagerDuty and Opsgenie call an alert
        (or incident) and measure acknowledgement on."""
        g, t = alert_groups.c, timeline_events.c
        # the range's pages read by (kind, at), once: a group's pages come after it opened, so none
        # before the range's start (an EXISTS per group read each group's timeline, a year: 100,000)
        paged = g.id.in_(sa.select(t.group_id).where(t.kind == EventKind.PAGED.value, t.at >= f.start))
        return (
            sa.select(
                self._label(g.created_at, period),
                (g.service_id if split and per_service else _NO_SERVICE).label("service"),
                (incidents.c.severity if split else _NO_SEVERITY).label("severity"),
                self.sql.seconds(g.created_at, g.acknowledged_at).label("acknowledge"),
            )
            .select_from(alert_groups.outerjoin(incidents, incidents.c.id == g.incident_id))
            .where(*group_conditions(f), paged)
            .cte("paged_groups")
        )

    def _label(self, at: Expr, period: Period | None) -> sa.Label[Any]:
        return (self.sql.period(at, period) if period else sa.literal_column("'all'")).label("period")

    def _incidents(self, f: ReportFilter, period: Period | None, split: bool, per_service: bool) -> sa.CTE:
        """One row per incident and service: its times to detect, mitigate and resolve, from its
        start (its first linked alert group's, or its declaration if that came first)."""
        i = incidents.c
        groups = (
            sa.select(alert_groups.c.incident_id, sa.func.min(alert_groups.c.created_at).label("first_alert"))
            .where(alert_groups.c.incident_id.is_not(None))
            .group_by(alert_groups.c.incident_id)
            .subquery("g")
        )
        start = _earliest(groups.c.first_alert, i.declared_at)
        seconds = self.sql.seconds
        joined = incidents.outerjoin(groups, groups.c.incident_id == i.id)
        by_service = split and per_service
        if by_service:  # an incident of two services counts once for each
            joined = joined.outerjoin(incident_services, incident_services.c.incident_id == i.id)
        return (
            sa.select(
                self._label(i.declared_at, period),
                (sa.func.coalesce(incident_services.c.service_id, "") if by_service else _NO_SERVICE).label(
                    "service"
                ),
                (i.severity if split else _NO_SEVERITY).label("severity"),
                sa.case(
                    (groups.c.first_alert < i.declared_at, seconds(groups.c.first_alert, i.declared_at))
                ).label("detect"),
                seconds(start, i.mitigated_at).label("mitigate"),
                seconds(start, i.resolved_at).label("resolve"),
            )
            .select_from(joined)
            .where(*incident_conditions(f))
            .cte("base")
            .prefix_with("MATERIALIZED")  # read three times: computed once
        )

    def report(
        self, f: ReportFilter, period: Period | None, *, split: bool = True, per_service: bool = True
    ) -> ResponseReport:
        """Rows per (period, service, severity, measure); `period` None sums up the whole range,
        `split` False every service and severity together (service "", severity None), `per_service`
        False per severity with the services together (service "": an incident counts once)."""
        base = self._incidents(f, period, split, per_service)
        groups = self._paged_groups(f, period, split, per_service)
        keys = ["period", "service", "severity"]
        parts = [(groups, Measure.ACKNOWLEDGE)] + [
            (base, m) for m in (Measure.DETECT, Measure.MITIGATE, Measure.RESOLVE)
        ]
        measures = sa.union_all(
            *(
                sa.select(
                    *(q.c[k] for k in keys),
                    sa.literal(m.value).label("measure"),
                    q.c[m.value].label("seconds"),
                ).where(q.c[m.value].is_not(None))
                for q, m in parts
            )
        ).subquery("measures")
        query = summary_columns(measures, [*keys, "measure"], "seconds")
        cols = query.selected_columns
        order = [cols.period, cols.service, sa.func.coalesce(cols.severity, 9), cols.measure]
        rows = [
            ResponseRow(
                period=r.period,
                service=r.service,
                severity=Severity(r.severity) if r.severity is not None else None,
                measure=Measure(r.measure),
                n=r.n,
                mean=_round(r.mean),
                p50=r.p50,
                p90=r.p90,
            )
            for r in self.conn.execute(query.order_by(*order))
        ]
        group_keys = [groups.c[k] for k in keys]
        unacked = sa.select(
            *group_keys,
            sa.func.count().label("paged"),
            sa.func.count().filter(groups.c.acknowledge.is_(None)).label("unacknowledged"),
        ).group_by(*group_keys)
        unack = [
            Unacknowledged(
                r.period,
                r.service,
                Severity(r.severity) if r.severity is not None else None,
                r.paged,
                r.unacknowledged,
            )
            for r in self.conn.execute(
                unacked.order_by(groups.c.period, groups.c.service, sa.func.coalesce(groups.c.severity, 9))
            )
        ]
        return ResponseReport(rows, unack)


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)
