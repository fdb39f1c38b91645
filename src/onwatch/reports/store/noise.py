"""The noise report: per alert rule (its integration and alertname), how much it pages and how much
of that anyone needed, and each rule's latest groups, in one statement that reads the range's
groups, pages and feedback by time (a week's strip reads the week, whatever the history)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from onwatch.db.tables import alert_groups, alerts, timeline_events
from onwatch.db.tables_feedback import alert_feedback
from onwatch.kernel.enums import EventKind
from onwatch.paging.pager import ROLE_PAGE_SOURCE
from onwatch.reports.domain.filters import ReportFilter
from onwatch.reports.domain.results import RuleNoise
from onwatch.reports.store.common import group_conditions, summary_columns
from onwatch.reports.store.sql import Dialect

LATEST_GROUPS = 10
CHOICES = ("actionable", "not_actionable", "incorrect", "flappy")  # reports/feedback's choices


class NoiseQueries:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.sql = Dialect(conn)

    def _groups(self, f: ReportFilter) -> sa.CTE:
        """One row per alert group opened in the range: its rule, pages, flaps and time open."""
        g, t, fb = alert_groups.c, timeline_events.c, alert_feedback.c
        # the rule is its first alert's alertname (every alert of a group shares the grouping labels)
        alertname = (
            sa.select(alerts.c.labels["alertname"].as_string())
            .where(alerts.c.group_id == g.id)
            .order_by(alerts.c.id)
            .limit(1)
            .scalar_subquery()
        )
        # A group's pages, flaps and feedback come after it opened: none before the range's start.
        # Each is read by time first (MATERIALIZED), then counted per group: left to group by
        # group id, SQLite walked the whole timeline in group-id order, so the 7-day strip read the
        # year (10 s); incident events group under NULL, never joined.
        events = (
            sa.select(t.group_id, t.kind)
            .where(t.kind.in_([EventKind.PAGED.value, EventKind.FLAPPING.value]), t.at >= f.start)
            .cte("events")
            .prefix_with("MATERIALIZED")
        )
        counted = (
            sa.select(
                events.c.group_id,
                sa.func.count().filter(events.c.kind == EventKind.PAGED.value).label("pages"),
                sa.func.count().filter(events.c.kind == EventKind.FLAPPING.value).label("flaps"),
            )
            .group_by(events.c.group_id)
            .subquery("counted")
        )
        given = (
            sa.select(fb.group_id, fb.choice)
            .where(fb.choice.is_not(None), fb.created_at >= f.start)
            .cte("given")
            .prefix_with("MATERIALIZED")
        )
        feedback = (
            sa.select(
                given.c.group_id, *(sa.func.count().filter(given.c.choice == c).label(c) for c in CHOICES)
            )
            .group_by(given.c.group_id)
            .subquery("feedback")
        )
        return (
            sa.select(
                g.id,
                *(sa.func.coalesce(feedback.c[c], 0).label(c) for c in CHOICES),
                g.integration_id.label("integration"),
                sa.func.coalesce(alertname, g.title).label("alertname"),
                sa.func.coalesce(counted.c.pages, 0).label("pages"),
                sa.func.coalesce(counted.c.flaps, 0).label("flaps"),
                sa.case((sa.and_(g.resolved_at.is_not(None), g.acknowledged_at.is_(None)), 1), else_=0).label(
                    "auto_resolved"
                ),
                self.sql.seconds(g.created_at, g.resolved_at).label("open_s"),
            )
            .select_from(
                alert_groups.outerjoin(counted, counted.c.group_id == g.id).outerjoin(
                    feedback, feedback.c.group_id == g.id
                )
            )
            # pages to a role, and reports, are people asking for people: no alert rule to tune
            .where(*group_conditions(f), g.integration_id != ROLE_PAGE_SOURCE)
            # computed once (both databases know MATERIALIZED): inlined, PostgreSQL ran each group's
            # alertname subquery again wherever the rule is compared
            .cte("groups")
            .prefix_with("MATERIALIZED")
        )

    def rules(self, f: ReportFilter, limit: int = 100) -> list[RuleNoise]:
        """The noisiest rules first: most pages, then most groups; each with its latest groups."""
        groups = self._groups(f)
        keys = ["integration", "alertname"]
        totals = (
            sa.select(
                groups.c.integration,
                groups.c.alertname,
                sa.func.count().label("groups"),
                sa.func.sum(groups.c.pages).label("pages"),
                sa.func.sum(groups.c.flaps).label("flaps"),
                sa.func.sum(groups.c.auto_resolved).label("auto_resolved"),
                *(sa.func.sum(groups.c[c]).label(c) for c in CHOICES),
            )
            .group_by(groups.c.integration, groups.c.alertname)
            .subquery("totals")
        )
        resolved = sa.select(groups.c.integration, groups.c.alertname, groups.c.open_s).where(
            groups.c.open_s.is_not(None)
        )
        medians = summary_columns(resolved.subquery("resolved"), keys, "open_s").subquery("medians")
        order = (totals.c.pages.desc(), totals.c.groups.desc(), totals.c.integration, totals.c.alertname)
        top = (
            sa.select(totals, medians.c.p50)
            .select_from(
                totals.outerjoin(
                    medians,
                    sa.and_(
                        medians.c.integration == totals.c.integration,
                        medians.c.alertname == totals.c.alertname,
                    ),
                )
            )
            .order_by(*order)
            .limit(limit)
            .cte("top")
        )
        same_rule = sa.and_(groups.c.integration == top.c.integration, groups.c.alertname == top.c.alertname)
        # each top rule's latest groups, in the same statement (the groups are computed once)
        ranked = (
            sa.select(
                groups.c.id,
                groups.c.integration,
                groups.c.alertname,
                sa.func.row_number()
                .over(partition_by=(groups.c.integration, groups.c.alertname), order_by=groups.c.id.desc())
                .label("rn"),
            )
            .select_from(groups.join(top, same_rule))
            .subquery("ranked")
        )
        query: sa.Select[Any] = (
            sa.select(top, ranked.c.id.label("group_id"))
            .select_from(
                top.outerjoin(
                    ranked,
                    sa.and_(
                        ranked.c.integration == top.c.integration,
                        ranked.c.alertname == top.c.alertname,
                        ranked.c.rn <= LATEST_GROUPS,
                    ),
                )
            )
            .order_by(
                top.c.pages.desc(), top.c.groups.desc(), top.c.integration, top.c.alertname, ranked.c.rn
            )
        )
        found: dict[tuple[str, str], tuple[Any, list[int]]] = {}
        for row in self.conn.execute(query):
            _, ids = found.setdefault((row.integration, row.alertname), (row, []))
            if row.group_id is not None:
                ids.append(int(row.group_id))
        return [
            RuleNoise(
                integration=r.integration,
                alertname=r.alertname,
                groups=int(r.groups),
                pages=int(r.pages or 0),
                auto_resolved=int(r.auto_resolved or 0),
                flaps=int(r.flaps or 0),
                median_open=r.p50,
                feedback={c: int(getattr(r, c) or 0) for c in CHOICES},
                actionable_ratio=_ratio(
                    int(r.actionable or 0), sum(int(getattr(r, c) or 0) for c in CHOICES)
                ),
                group_ids=ids,
            )
            for r, ids in found.values()
        ]


def _ratio(part: int, whole: int) -> float | None:
    """Actionable verdicts over all verdicts given on the rule's pages (None: none given)."""
    return round(part / whole, 3) if whole else None
