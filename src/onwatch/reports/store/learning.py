"""The learning report: reviews and corrective actions on time, how old the open actions are,
repeat incidents, near misses per incident. A handful of aggregate statements."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from onwatch.db.tables import (
    alert_groups,
    corrective_actions,
    incident_services,
    incidents,
    reviews,
)
from onwatch.reports.domain.filters import ReportFilter
from onwatch.reports.domain.results import Learning
from onwatch.reports.store.common import incident_conditions, summary_columns
from onwatch.reports.store.sql import Dialect

INCIDENT, NEAR_MISS, COMPLETED = "incident", "near_miss", "completed"
OPEN_ACTION = ("open", "in_progress")


class LearningQueries:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.sql = Dialect(conn)

    def _reviews(self, f: ReportFilter) -> list[sa.ColumnElement[bool]]:
        """Incident reviews created in the range, through the incident's filters."""
        r = reviews.c
        where: list[sa.ColumnElement[bool]] = [
            r.kind == INCIDENT,
            r.created_at >= f.start,
            r.created_at < f.end,
        ]
        if f.hidden_incidents:
            where.append(r.incident_id.not_in(sorted(f.hidden_incidents)))
        if f.severity is not None:
            where.append(r.severity == int(f.severity))
        if f.services is not None:
            where.append(
                sa.exists().where(
                    incident_services.c.incident_id == r.incident_id,
                    incident_services.c.service_id.in_(sorted(f.services)),
                )
            )
        if f.people is not None:
            where.append(r.owner_id.in_(sorted(f.people)))
        return where

    @staticmethod
    def _created(f: ReportFilter) -> list[sa.ColumnElement[bool]]:
        return [reviews.c.created_at >= f.start, reviews.c.created_at < f.end]

    def report(self, f: ReportFilter, now: datetime) -> Learning:
        r, a = reviews.c, corrective_actions.c
        until = min(now, f.end)
        review_row = self.conn.execute(
            sa.select(
                sa.func.count().filter(sa.or_(r.status == COMPLETED, r.due_at < until)),
                sa.func.count().filter(r.status == COMPLETED, r.completed_at <= r.due_at),
            ).where(*self._reviews(f))
        ).one()
        of_reviews = sa.select(r.id).where(*self._reviews(f))
        actions = [a.review_id.in_(of_reviews), a.status != "wont_do"]
        # an action's last change is when it was done: actions keep no separate completion time
        action_row = self.conn.execute(
            sa.select(
                sa.func.count().filter(sa.or_(a.status == "done", a.due_at < until)),
                sa.func.count().filter(a.status == "done", a.updated_at <= a.due_at),
                sa.func.count().filter(a.status.in_(OPEN_ACTION)),
            ).where(*actions)
        ).one()
        ages = (
            sa.select(
                sa.literal(1).label("k"),
                self.sql.seconds(a.created_at, sa.literal(until, a.created_at.type)).label("age"),
            )
            .where(*actions, a.status.in_(OPEN_ACTION))
            .subquery("ages")
        )
        age = self.conn.execute(summary_columns(ages, ["k"], "age")).first()
        counted = self.conn.execute(
            sa.select(sa.func.count(), sa.func.count().filter(self._repeat())).where(*incident_conditions(f))
        ).one()
        near_misses = self.conn.execute(
            sa.select(sa.func.count()).where(
                r.kind == NEAR_MISS, r.created_at >= f.start, r.created_at < f.end
            )
        ).scalar_one()
        return Learning(
            reviews_due=int(review_row[0]),
            reviews_on_time=int(review_row[1]),
            actions_due=int(action_row[0]),
            actions_on_time=int(action_row[1]),
            open_actions=int(action_row[2]),
            open_action_age_p50=age.p50 if age else None,
            open_action_age_p90=age.p90 if age else None,
            incidents=int(counted[0]),
            repeats=int(counted[1]),
            near_misses=int(near_misses),
        )

    def _repeat(self) -> sa.ColumnElement[bool]:
        """An earlier incident with a completed review shares this one's alert (a linked group's
        key) or a service and this incident's own review's root cause."""
        i = incidents.c
        past = incidents.alias("past")
        past_review = reviews.alias("past_review")
        own_review = reviews.alias("own_review")
        past_group, own_group = alert_groups.alias("past_group"), alert_groups.alias("own_group")
        past_service, own_service = (
            incident_services.alias("past_service"),
            incident_services.alias("own_service"),
        )
        same_alert = sa.exists().where(
            own_group.c.incident_id == i.id,
            past_group.c.incident_id == past.c.id,
            past_group.c.group_key == own_group.c.group_key,
        )
        same_cause = sa.exists().where(
            own_review.c.incident_id == i.id,
            own_review.c.category.is_not(None),
            past_review.c.category == own_review.c.category,
            own_service.c.incident_id == i.id,
            past_service.c.incident_id == past.c.id,
            past_service.c.service_id == own_service.c.service_id,
        )
        return sa.exists().where(
            past.c.declared_at < i.declared_at,
            past_review.c.incident_id == past.c.id,
            past_review.c.status == COMPLETED,
            sa.or_(same_alert, same_cause),
        )
