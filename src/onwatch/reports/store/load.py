"""The on-call load report's figures from the database: pages and interruptions per person and hour
band, incidents during EOC shifts, and 12-hour windows over the SRE bound. Set-based: the zones'
offset spans and the EOC shifts travel in as VALUES lists, the database does the counting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from onwatch.db.tables import alert_groups, incidents, timeline_events
from onwatch.db.types import UTCDateTime
from onwatch.kernel.enums import EventKind
from onwatch.oncall.domain.schedules import Shift
from onwatch.reports.domain.bands import (
    BUSINESS_END,
    BUSINESS_START,
    SLEEP_END,
    SLEEP_START,
    HourBand,
    offset_spans,
)
from onwatch.reports.domain.filters import ReportFilter
from onwatch.reports.domain.interruptions import WINDOW
from onwatch.reports.domain.shifts import SHIFT, SRE_BOUND
from onwatch.reports.store.common import incident_conditions
from onwatch.reports.store.sql import Dialect, Expr


def local_hour_and_weekday(epoch: Expr, offset_seconds: Expr) -> tuple[Expr, Expr]:
    """The wall-clock hour (0-23) and ISO weekday (1 Monday ... 7 Sunday) of an instant given as
    whole seconds since 1970, shifted by an offset (a zone's UTC offset over a span:
    reports/domain/bands.py). Integer arithmetic, the same on both databases: SQLite parsed and
    formatted each page's text datetime six times (the year's load report spent seconds there);
    1970-01-01 was a Thursday (ISO 4)."""
    local = epoch + offset_seconds
    return (local // 3600) % 24, ((local // 86400) + 3) % 7 + 1


def band_case(hour: Expr, weekday: Expr) -> Expr:
    """reports/domain/bands.band_of_wall_clock, in SQL."""
    return sa.case(
        (sa.or_(hour >= SLEEP_START, hour < SLEEP_END), HourBand.SLEEP.value),
        (sa.and_(weekday <= 5, hour >= BUSINESS_START, hour < BUSINESS_END), HourBand.BUSINESS.value),
        else_=HourBand.OFF_HOURS.value,
    )


def page_conditions(f: ReportFilter) -> list[sa.ColumnElement[bool]]:
    """Pages to a person (timeline `paged` events naming them), filtered through their group."""
    t, g = timeline_events.c, alert_groups.c
    where: list[sa.ColumnElement[bool]] = [t.kind == EventKind.PAGED.value, t.person.is_not(None)]
    if f.people is not None:
        where.append(t.person.in_(sorted(f.people)))
    if f.services is not None:
        where.append(g.service_id.in_(sorted(f.services)))
    if f.hidden_incidents:
        where.append(sa.or_(g.incident_id.is_(None), g.incident_id.not_in(sorted(f.hidden_incidents))))
    if f.severity is not None:
        where.append(
            g.incident_id.in_(sa.select(incidents.c.id).where(incidents.c.severity == int(f.severity)))
        )
    return where


def _bands() -> dict[HourBand, int]:
    return {b: 0 for b in HourBand}


@dataclass
class Banded:
    """One person's pages and interruptions, per hour band."""

    pages: dict[HourBand, int] = field(default_factory=_bands)
    interruptions: dict[HourBand, int] = field(default_factory=_bands)


class LoadQueries:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.sql = Dialect(conn)

    def pages(self, f: ReportFilter, zones: Mapping[str, ZoneInfo]) -> dict[str, Banded]:
        """Per person: pages and interruptions per hour band of their own zone (a page within 60 s
        of the one before to the same person is not a new interruption)."""
        if not zones:
            return {}
        t = timeline_events.c
        spans = [
            (person, s.start, s.end, int(s.offset.total_seconds()))
            for person, zone in sorted(zones.items(), key=lambda kv: kv[0])
            for s in offset_spans(zone, f.start, f.end)
        ]
        values = (
            sa.values(
                sa.column("person", sa.String),
                sa.column("span_start", UTCDateTime),
                sa.column("span_end", UTCDateTime),
                sa.column("offset_s", sa.Integer),
                name="spans",
            )
            .data(spans)
            .cte("spans")
        )
        # from a minute before the range, so its first page knows whether one came just before
        paged = (
            sa.select(
                t.person,
                t.at,
                self.sql.epoch(t.at).label("epoch"),
                sa.func.lag(t.at).over(partition_by=t.person, order_by=(t.at, t.id)).label("previous"),
            )
            .select_from(
                # the group only when a filter reads it: a join per page otherwise (200,000 a year)
                timeline_events.outerjoin(alert_groups, alert_groups.c.id == t.group_id)
                if f.services is not None or f.hidden_incidents or f.severity is not None
                else timeline_events
            )
            .where(*page_conditions(f), t.at >= f.start - WINDOW, t.at < f.end, t.person.in_(sorted(zones)))
            .subquery("paged")
        )
        hour, weekday = local_hour_and_weekday(paged.c.epoch, values.c.offset_s)
        new = sa.or_(
            paged.c.previous.is_(None),
            self.sql.seconds(paged.c.previous, paged.c.at) > WINDOW.total_seconds(),
        )
        banded = (
            sa.select(
                paged.c.person,
                band_case(hour, weekday).label("band"),
                sa.case((new, 1), else_=0).label("new"),
            )
            .select_from(
                paged.join(
                    values,
                    sa.and_(
                        values.c.person == paged.c.person,
                        paged.c.at >= values.c.span_start,
                        paged.c.at < values.c.span_end,
                    ),
                )
            )
            .where(paged.c.at >= f.start)
            .subquery("banded")
        )
        query = sa.select(
            banded.c.person,
            banded.c.band,
            sa.func.count().label("pages"),
            sa.func.sum(banded.c.new).label("new"),
        ).group_by(banded.c.person, banded.c.band)
        found: dict[str, Banded] = {}
        for row in self.conn.execute(query):
            person = found.setdefault(row.person, Banded())
            person.pages[HourBand(row.band)] = int(row.pages)
            person.interruptions[HourBand(row.band)] = int(row.new or 0)
        return found

    def incidents_on_shifts(self, f: ReportFilter, shifts: Sequence[Shift]) -> dict[str, int]:
        """Per person: incidents declared while they held the shift (the EOC schedule's shifts)."""
        if not shifts:
            return {}
        values = (
            sa.values(
                sa.column("person", sa.String),
                sa.column("shift_start", UTCDateTime),
                sa.column("shift_end", UTCDateTime),
                name="shifts",
            )
            .data([(s.person, s.start, s.end) for s in shifts])
            .cte("shifts")
        )
        i = incidents.c
        query = (
            sa.select(values.c.person, sa.func.count().label("n"))
            .select_from(
                incidents.join(
                    values, sa.and_(i.declared_at >= values.c.shift_start, i.declared_at < values.c.shift_end)
                )
            )
            # the shifts are clipped to the range: bounded by the range too, SQLite read the range's
            # incidents by it once per shift instead of each shift's by its own bounds (30 s a year)
            .where(*incident_conditions(f, in_range=False))
            .group_by(values.c.person)
        )
        return {row.person: int(row.n) for row in self.conn.execute(query)}

    def windows_over_bound(self, f: ReportFilter) -> tuple[int, int]:
        """(12-hour windows from the range's start with more than 2 incidents, the most in one)."""
        i = incidents.c
        since = self.sql.epoch(i.declared_at) - int(f.start.timestamp())
        per_window = (
            sa.select((since // int(SHIFT.total_seconds())).label("w"), sa.func.count().label("n"))
            .where(*incident_conditions(f))
            .group_by(sa.literal_column("w"))
            .subquery("windows")
        )
        row = self.conn.execute(
            sa.select(
                sa.func.count().filter(per_window.c.n > SRE_BOUND),
                sa.func.coalesce(sa.func.max(per_window.c.n), 0),
            )
        ).one()
        return int(row[0]), int(row[1])


def hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)
