"""Reports, read in one transaction each: the entry point api/web/cli call.

The figures are SQL (reports/store); what is computed here is what is not in the database: who is
on call (the schedules, resolved as oncall resolves them), people's zones, and the filters that name
a team or a schedule, turned into the set of people they stand for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from onwatch.config.cache import AppliedConfig, ConfigCache
from onwatch.db.uow import Database, UnitOfWork
from onwatch.kernel.clock import Clock
from onwatch.kernel.enums import Role, Severity
from onwatch.kernel.errors import InvalidInput
from onwatch.oncall.domain.resolve import resolve
from onwatch.oncall.domain.schedules import Shift
from onwatch.oncall.store import OnCallRepository
from onwatch.reports.domain.bands import HourBand
from onwatch.reports.domain.filters import Period, ReportFilter
from onwatch.reports.domain.results import (
    Learning,
    LoadReport,
    PersonLoad,
    ResponseReport,
    RotationFairness,
    RuleNoise,
    ServiceMonth,
)
from onwatch.reports.domain.shifts import per_shift
from onwatch.reports.domain.stats import gini
from onwatch.reports.store.learning import LearningQueries
from onwatch.reports.store.load import Banded, LoadQueries, hours
from onwatch.reports.store.noise import NoiseQueries
from onwatch.reports.store.response import ResponseQueries
from onwatch.reports.store.slo import SloQueries


@dataclass(frozen=True)
class Filters:
    """A report's filters as a caller gives them (ids from the config)."""

    start: datetime
    end: datetime
    service: str | None = None
    team: str | None = None
    schedule: str | None = None
    person: str | None = None
    severity: Severity | None = None
    hidden_incidents: frozenset[int] = frozenset()


STRIP_DAYS = timedelta(days=7)


@dataclass(frozen=True)
class Strip:
    pages: int
    sleep_pages: int
    noisiest: RuleNoise | None


class Reports:
    def __init__(self, db: Database, clock: Clock, cache: ConfigCache) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache

    @contextmanager
    def _read(self) -> Iterator[UnitOfWork]:
        """A report's read transaction. PostgreSQL's JIT compiler is off in it: the year's reports
        cost enough for it to start, and compiling the noise report took half of its 6 s."""
        with self.db.read() as uow:
            if uow.conn.dialect.name == "postgresql":
                uow.conn.exec_driver_sql("SET LOCAL jit = off")
            yield uow

    def _filter(self, uow: UnitOfWork, given: Filters) -> tuple[ReportFilter, AppliedConfig]:
        applied = self.cache.get(uow)
        config = applied.config
        people: set[str] | None = None

        def narrow(found: set[str]) -> None:
            nonlocal people
            people = found if people is None else people & found

        if given.person is not None:
            if given.person not in config.people:
                raise InvalidInput(f"unknown person {given.person!r}", field="person")
            narrow({given.person})
        if given.team is not None:
            team = config.teams.get(given.team)
            if team is None:
                raise InvalidInput(f"unknown team {given.team!r}", field="team")
            narrow(set(team.members))
        if given.schedule is not None:
            schedule = applied.schedules.get(given.schedule)
            if schedule is None:
                raise InvalidInput(f"unknown schedule {given.schedule!r}", field="schedule")
            narrow({p for layer in schedule.layers for p in layer.rotation.members})
        if given.service is not None and given.service not in config.services:
            raise InvalidInput(f"unknown service {given.service!r}", field="service")
        flt = ReportFilter(
            start=given.start,
            end=given.end,
            services=frozenset({given.service}) if given.service else None,
            severity=given.severity,
            people=frozenset(people) if people is not None else None,
            hidden_incidents=given.hidden_incidents,
        )
        return flt, applied

    def response(
        self,
        given: Filters,
        period: Period | None = Period.WEEK,
        *,
        split: bool = True,
        per_service: bool = True,
    ) -> ResponseReport:
        """Response times per period (None: the whole range), service and severity (`split`
        False: all together; `per_service` False: per severity, the services together)."""
        with self._read() as uow:
            flt, _ = self._filter(uow, given)
            return ResponseQueries(uow.conn).report(flt, period, split=split, per_service=per_service)

    def learning(self, given: Filters) -> Learning:
        """Reviews and corrective actions on time, open actions' age, repeats, near misses."""
        with self._read() as uow:
            flt, _ = self._filter(uow, given)
            return LearningQueries(uow.conn).report(flt, self.clock.now())

    def slo(self, given: Filters) -> list[ServiceMonth]:
        """Per service and month: error budget consumed, and minutes in each incident status."""
        with self._read() as uow:
            flt, applied = self._filter(uow, given)
            queries = SloQueries(uow.conn)
            samples = queries.samples(flt)
            minutes = queries.status_minutes(flt)
        services = applied.config.services
        rows = []
        for service, month in sorted(set(samples) | set(minutes)):
            requests, errors = samples.get((service, month), (0.0, 0.0))
            slo = services[service].slo if service in services else None
            rows.append(
                ServiceMonth(
                    service, month, requests, errors, slo.error_budget if slo else None,
                    minutes.get((service, month), {}),
                )
            )  # fmt: skip
        return rows

    def noise(self, given: Filters, limit: int = 100) -> list[RuleNoise]:
        with self._read() as uow:
            flt, _ = self._filter(uow, given)
            return NoiseQueries(uow.conn).rules(flt, limit)

    def strip(self, now: datetime | None = None, hidden_incidents: frozenset[int] = frozenset()) -> Strip:
        """The dashboard's last 7 days: pages, those in the paged person's sleep hours, and the
        noisiest rule (what belongs to `hidden_incidents` left out, as everywhere)."""
        # up to and including now: a page this second counts
        end = (now or self.clock.now()) + timedelta(seconds=1)
        flt = ReportFilter(start=end - STRIP_DAYS, end=end, hidden_incidents=hidden_incidents)
        with self._read() as uow:
            pages, sleep_pages = page_counts(uow, self.cache.get(uow), flt)
            noisiest = NoiseQueries(uow.conn).rules(flt, limit=1)
        return Strip(pages=pages, sleep_pages=sleep_pages, noisiest=noisiest[0] if noisiest else None)

    def load(self, given: Filters) -> LoadReport:
        with self._read() as uow:
            flt, applied = self._filter(uow, given)
            return load_report(uow, applied, flt)


def page_counts(uow: UnitOfWork, applied: AppliedConfig, flt: ReportFilter) -> tuple[int, int]:
    """(pages, pages in the paged person's sleep hours) of the range."""
    zones = {p: ZoneInfo(person.timezone) for p, person in applied.config.people.items()}
    banded = LoadQueries(uow.conn).pages(flt, zones).values()
    return sum(sum(b.pages.values()) for b in banded), sum(b.pages[HourBand.SLEEP] for b in banded)


def load_report(uow: UnitOfWork, applied: AppliedConfig, flt: ReportFilter) -> LoadReport:
    """The on-call load report, inside the caller's transaction (the API's, or the digest timer's)."""
    config = applied.config
    shifts = _shifts(uow, applied, flt)
    eoc = applied.config.roles.get(Role.EOC)
    eoc_shifts = shifts.get(eoc.schedule, []) if eoc is not None and eoc.schedule else []
    wanted = set(config.people) if flt.people is None else set(flt.people) & set(config.people)
    zones = {p: ZoneInfo(config.people[p].timezone) for p in wanted}
    queries = LoadQueries(uow.conn)
    pages = queries.pages(flt, zones)
    on_eoc = queries.incidents_on_shifts(flt, [s for s in eoc_shifts if s.person in wanted])
    over, most = queries.windows_over_bound(flt)
    on_call: dict[str, timedelta] = {}
    on_call_eoc: dict[str, timedelta] = {}
    for schedule_id, found in shifts.items():
        for s in found:
            on_call[s.person] = on_call.get(s.person, timedelta(0)) + s.duration
            if eoc is not None and schedule_id == eoc.schedule:
                on_call_eoc[s.person] = on_call_eoc.get(s.person, timedelta(0)) + s.duration
    rows = []
    for person in sorted(wanted):
        banded = pages.get(person, Banded())
        count = sum(banded.pages.values())
        if count == 0 and person not in on_call:
            continue
        eoc_time = on_call_eoc.get(person, timedelta(0))
        rows.append(
            PersonLoad(
                person=person,
                name=config.people[person].name,
                zone=config.people[person].timezone,
                hours_on_call=hours(on_call.get(person, timedelta(0))),
                eoc_hours=hours(eoc_time),
                pages=count,
                interruptions=banded.interruptions,
                incidents_on_eoc=on_eoc.get(person, 0),
                incidents_per_12h=_round(per_shift(on_eoc.get(person, 0), eoc_time)),
            )
        )
    return LoadReport(rows, _fairness(shifts, rows), over, most)


def _shifts(uow: UnitOfWork, applied: AppliedConfig, flt: ReportFilter) -> dict[str, list[Shift]]:
    """Each schedule's final shifts in the range (overrides included), as oncall resolves them."""
    repo = uow.repo(OnCallRepository)
    return {
        sid: resolve(schedule, repo.overrides(sid, flt.start, flt.end), flt.start, flt.end)
        for sid, schedule in sorted(applied.schedules.items())
    }


def _fairness(shifts: dict[str, list[Shift]], rows: list[PersonLoad]) -> list[RotationFairness]:
    """How evenly each rotation shares its hours, pages and sleep interruptions."""
    by_person = {r.person: r for r in rows}
    out = []
    for schedule_id, found in shifts.items():
        held: dict[str, float] = {}
        for s in found:
            held[s.person] = held.get(s.person, 0.0) + s.duration.total_seconds() / 3600
        members = sorted(p for p in held if p in by_person)
        if not members:
            continue
        out.append(
            RotationFairness(
                schedule=schedule_id,
                people=members,
                hours_gini=_round(gini([held[p] for p in members])),
                pages_gini=_round(gini([by_person[p].pages for p in members])),
                sleep_gini=_round(gini([by_person[p].interruptions[HourBand.SLEEP] for p in members])),
            )
        )
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
