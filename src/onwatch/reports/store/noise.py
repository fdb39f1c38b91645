"""The noise report: per alert rule (its integration and alertname), how much it pages and how much
of that anyone needed. One statement for the figures, one for each rule's latest groups."""

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
        g, t = alert_groups.c, timeline_events.c
        # the rule is its first alert's alertname (every alert of a group shares the grouping labels)
        alertname = (
            sa.select(alerts.c.labels["alertname"].as_string())
            .where(alerts.c.group_id == g.id)
            .order_by(alerts.c.id)
            .limit(1)
            .scalar_subquery()
        )
        counted = (
            sa.select(
                t.group_id,
                sa.func.count().filter(t.kind == EventKind.PAGED.value).label("pages"),
                sa.func.count().filter(t.kind == EventKind.FLAPPING.value).label("flaps"),
            )
            # a group's pages and flaps come after it opened: none before the range's start
            # no `group_id IS NOT NULL`: SQLite then scanned the timeline by group id instead of
            # reading the range's pages by (kind, at); incident events group under NULL, never joined
            .where(t.kind.in_([EventKind.PAGED.value, EventKind.FLAPPING.value]), t.at >= f.start)
            .group_by(t.group_id)
            .subquery("counted")
        )
        fb = alert_feedback.c
        feedback = (
            sa.select(fb.group_id, *(sa.func.count().filter(fb.choice == c).label(c) for c in CHOICES))
            .where(fb.choice.is_not(None))
            .group_by(fb.group_id)
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
            # alertname subquery again wherever
            # the rule is compared (the window's sort took 10 s for 2,000 groups)
            .cte("groups")
            .prefix_with("MATERIALIZED")
        )

    def rules(self, f: ReportFilter, limit: int = 100) -> list[RuleNoise]:
        """The noisiest rules first: most pages, then most groups."""
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
        medians = summary_columns(resolved.subquery("resolved"), keys, "open_s")
        medians_q = medians.subquery("medians")
        query = (
            sa.select(totals, medians_q.c.p50)
            .select_from(
                totals.outerjoin(
                    medians_q,
                    sa.and_(
                        medians_q.c.integration == totals.c.integration,
                        medians_q.c.alertname == totals.c.alertname,
                    ),
                )
            )
            .order_by(totals.c.pages.desc(), totals.c.groups.desc(), totals.c.integration, totals.c.alertname)
            .limit(limit)
        )
        rows = list(self.conn.execute(query))
        latest = self._latest(groups, [(r.integration, r.alertname) for r in rows])
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
                group_ids=latest.get((r.integration, r.alertname), []),
            )
            for r in rows
        ]

    def _latest(self, groups: sa.CTE, rules: list[tuple[str, str]]) -> dict[tuple[str, str], list[int]]:
        if not rules:
            return {}
        ranked = sa.select(
            groups.c.id,
            groups.c.integration,
            groups.c.alertname,
            sa.func.row_number()
            .over(partition_by=(groups.c.integration, groups.c.alertname), order_by=groups.c.id.desc())
            .label("rn"),
        ).subquery("ranked")
        query: sa.Select[Any] = (
            sa.select(ranked.c.integration, ranked.c.alertname, ranked.c.id)
            .where(
                ranked.c.rn <= LATEST_GROUPS, sa.tuple_(ranked.c.integration, ranked.c.alertname).in_(rules)
            )
            .order_by(ranked.c.integration, ranked.c.alertname, ranked.c.rn)
        )
        wanted = set(rules)
        found: dict[tuple[str, str], list[int]] = {}
        for row in self.conn.execute(query):
            if (row.integration, row.alertname) in wanted:
                found.setdefault((row.integration, row.alertname), []).append(int(row.id))
        return found


def _ratio(part: int, whole: int) -> float | None:
    """Actionable verdicts over all verdicts given on the rule's pages (None: none given)."""
    return round(part / whole, 3) if whole else None
