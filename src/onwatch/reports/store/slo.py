"""The SLO report: per service and UTC month, requests and errors from the SLO samples, and the
minutes its incidents spent in each status (from the timeline: the status at declaration, then
each change, until the next or the resolution)."""

from __future__ import annotations

import sqlalchemy as sa

from onwatch.db.tables import incident_services, incidents, slo_samples, timeline_events
from onwatch.kernel.enums import EventKind
from onwatch.reports.domain.filters import Period, ReportFilter
from onwatch.reports.store.common import incident_conditions
from onwatch.reports.store.sql import Dialect, Expr


def _later(a: Expr, b: Expr) -> Expr:
    return sa.case((a > b, a), else_=b)


def _earlier(a: Expr, b: Expr) -> Expr:
    return sa.case((a < b, a), else_=b)


def _only(service: Expr, f: ReportFilter) -> list[sa.ColumnElement[bool]]:
    return [service.in_(sorted(f.services))] if f.services is not None else []


class SloQueries:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.sql = Dialect(conn)

    def samples(self, f: ReportFilter) -> dict[tuple[str, str], tuple[float, float]]:
        """(service, month) -> (requests, errors) summed over the range's samples."""
        s = slo_samples.c
        keyed = (
            sa.select(
                s.service_id.label("service"),
                self.sql.period(s.at, Period.MONTH).label("month"),
                s.requests,
                s.errors,
            )
            .where(s.at >= f.start, s.at < f.end, *_only(s.service_id, f))
            .subquery("keyed")
        )
        query = sa.select(
            keyed.c.service, keyed.c.month, sa.func.sum(keyed.c.requests), sa.func.sum(keyed.c.errors)
        ).group_by(keyed.c.service, keyed.c.month)
        return {(r[0], r[1]): (float(r[2] or 0), float(r[3] or 0)) for r in self.conn.execute(query)}

    def status_minutes(self, f: ReportFilter) -> dict[tuple[str, str], dict[str, float]]:
        """(service, month) -> status -> minutes its incidents spent in it within the range; an
        interval counts in the month it starts in."""
        t, i = timeline_events.c, incidents.c
        changes = (
            sa.select(
                t.incident_id,
                t.at,
                sa.func.coalesce(t.data["to"].as_string(), t.data["status"].as_string()).label("status"),
                sa.func.lead(t.at).over(partition_by=t.incident_id, order_by=(t.at, t.id)).label("next_at"),
            )
            .where(
                t.kind.in_([EventKind.DECLARED.value, EventKind.STATUS_CHANGED.value]),
                # an incident still open when the range starts counts from the start
                t.incident_id.in_(sa.select(i.id).where(*incident_conditions(f, open_during=True))),
            )
            .subquery("changes")
        )
        until = sa.literal(f.end, i.declared_at.type)
        since = sa.literal(f.start, i.declared_at.type)
        stop = _earlier(sa.func.coalesce(changes.c.next_at, i.resolved_at, until), until)
        begin = _later(changes.c.at, since)
        intervals = (
            sa.select(
                incident_services.c.service_id.label("service"),
                self.sql.period(begin, Period.MONTH).label("month"),
                changes.c.status,
                self.sql.seconds(begin, stop).label("seconds"),
            )
            .select_from(
                changes.join(incidents, i.id == changes.c.incident_id).join(
                    incident_services, incident_services.c.incident_id == i.id
                )
            )
            .where(begin < stop, *_only(incident_services.c.service_id, f))
            .subquery("intervals")
        )
        query = sa.select(
            intervals.c.service, intervals.c.month, intervals.c.status, sa.func.sum(intervals.c.seconds)
        ).group_by(intervals.c.service, intervals.c.month, intervals.c.status)
        found: dict[tuple[str, str], dict[str, float]] = {}
        for service, month, status, seconds in self.conn.execute(query):
            found.setdefault((service, month), {})[str(status)] = round(float(seconds) / 60, 1)
        return found
