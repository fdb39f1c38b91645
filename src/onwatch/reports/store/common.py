"""Pieces every report query shares: the filters as SQL, and n/mean/p50/p90 by window functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from onwatch.db.tables import alert_groups, incident_roles, incident_services, incidents, timeline_events
from onwatch.kernel.enums import EventKind
from onwatch.reports.domain.filters import ReportFilter


def incident_conditions(
    f: ReportFilter, *, open_during: bool = False, in_range: bool = True
) -> list[sa.ColumnElement[bool]]:
    """Incidents declared in the range (`open_during`: open at some time in it; `in_range` False:
    the caller bounds declared_at itself) that pass the service, severity and people filters."""
    i = incidents.c
    where: list[sa.ColumnElement[bool]] = []
    if in_range:
        where = [i.declared_at >= f.start, i.declared_at < f.end]
    if open_during:
        where = [i.declared_at < f.end, sa.or_(i.resolved_at.is_(None), i.resolved_at > f.start)]
    if f.hidden_incidents:
        where.append(i.id.not_in(sorted(f.hidden_incidents)))
    if f.severity is not None:
        where.append(i.severity == int(f.severity))
    if f.services is not None:
        # an alias: the response report joins incident_services itself, which would correlate it away
        of_service = incident_services.alias("of_service")
        where.append(
            sa.exists().where(
                of_service.c.incident_id == i.id, of_service.c.service_id.in_(sorted(f.services))
            )
        )
    if f.people is not None:
        people = sorted(f.people)
        paged = sa.exists().where(
            timeline_events.c.kind == EventKind.PAGED.value,
            timeline_events.c.person.in_(people),
            sa.or_(
                timeline_events.c.incident_id == i.id,
                timeline_events.c.group_id.in_(
                    sa.select(alert_groups.c.id).where(alert_groups.c.incident_id == i.id)
                ),
            ),
        )
        held = sa.exists().where(incident_roles.c.incident_id == i.id, incident_roles.c.person_id.in_(people))
        where.append(sa.or_(paged, held))
    return where


def group_conditions(f: ReportFilter) -> list[sa.ColumnElement[bool]]:
    """Alert groups opened in the range that pass the service, severity and people filters (the
    severity filter keeps the groups of incidents of that severity)."""
    g = alert_groups.c
    where: list[sa.ColumnElement[bool]] = [g.created_at >= f.start, g.created_at < f.end]
    if f.services is not None:
        where.append(g.service_id.in_(sorted(f.services)))
    if f.hidden_incidents:
        where.append(sa.or_(g.incident_id.is_(None), g.incident_id.not_in(sorted(f.hidden_incidents))))
    if f.severity is not None:
        # never correlated: the response report selects groups joined to their incidents
        of_severity = sa.select(incidents.c.id).where(incidents.c.severity == int(f.severity))
        where.append(g.incident_id.in_(of_severity.correlate(None)))
    if f.people is not None:
        where.append(
            sa.exists().where(
                timeline_events.c.group_id == g.id,
                timeline_events.c.kind == EventKind.PAGED.value,
                timeline_events.c.person.in_(sorted(f.people)),
            )
        )
    return where


def summary_columns(source: sa.Subquery, keys: Sequence[str], value: str) -> sa.Select[Any]:
    """n, mean, p50 and p90 (nearest rank: reports/domain/stats.py) of `value` per `keys` of a
    subquery, as a select of keys + (n, mean, p50, p90). The ranks come from window functions, so
    the database sorts each group once and no value travels to Python."""
    key_cols = [source.c[k] for k in keys]
    ranked = sa.select(
        *key_cols,
        source.c[value].label("v"),
        sa.func.row_number().over(partition_by=key_cols, order_by=source.c[value]).label("rn"),
        sa.func.count().over(partition_by=key_cols).label("cnt"),
    ).subquery("ranked")
    rk = [ranked.c[k] for k in keys]

    def rank(percent: int) -> sa.ColumnElement[Any]:
        return sa.func.min(sa.case((ranked.c.rn * 100 >= ranked.c.cnt * percent, ranked.c.v)))

    query: sa.Select[Any] = sa.select(
        *rk,
        sa.func.count().label("n"),
        sa.func.avg(ranked.c.v).label("mean"),
        rank(50).label("p50"),
        rank(90).label("p90"),
    ).group_by(*rk)
    return query
