"""On-call queries and commands: shifts, who is on call, overrides, gaps, handoff notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from onwatch.config.cache import AppliedConfig, ConfigCache
from onwatch.config.role_teams import override_refusal
from onwatch.config.schedules import to_schedule
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database, UnitOfWork
from onwatch.directory.access import Caller, may_revoke_feed
from onwatch.directory.experts import Expert, experts
from onwatch.directory.store import DirectoryRepository
from onwatch.kernel.clock import Clock
from onwatch.kernel.enums import Role
from onwatch.kernel.errors import Forbidden, InvalidInput, NotFound, NotInTeam
from onwatch.kernel.timeline import Actor
from onwatch.oncall.domain.resolve import OnCall, gaps, on_call_at, resolve
from onwatch.oncall.domain.schedules import Override, Schedule, Shift
from onwatch.oncall.events import ShiftsChanged
from onwatch.oncall.store import FeedRecord, HandoffNote, OnCallRepository

MAX_RANGE = timedelta(days=366)
MAX_NOTE = 5000


class OnceOutcome(StrEnum):
    ADDED = "added"
    PRESENT = "already there"
    ENDED = "ended"


@dataclass(frozen=True)
class RoleOnCall:
    role: Role
    schedule: Schedule | None
    oncall: OnCall | None


@dataclass(frozen=True)
class Gap:
    role: Role | None
    schedule_id: str
    start: datetime
    end: datetime


def check_range(start: datetime, end: datetime) -> None:
    if end <= start:
        raise InvalidInput("'to' must be after 'from'", field="to")
    if end - start > MAX_RANGE:
        raise InvalidInput(f"the range may span at most {MAX_RANGE.days} days", field="to")


class OnCallService:
    def __init__(self, db: Database, clock: Clock, cache: ConfigCache) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache

    def applied(self) -> AppliedConfig:
        with self.db.read() as uow:
            return self.cache.get(uow)

    def shifts(self, schedule_id: str, start: datetime, end: datetime) -> list[Shift]:
        check_range(start, end)
        with self.db.read() as uow:
            schedule = self.cache.get(uow).schedule(schedule_id)
            return resolve(
                schedule, uow.repo(OnCallRepository).overrides(schedule_id, start, end), start, end
            )

    def who(self, role: Role | None = None, at: datetime | None = None) -> list[RoleOnCall]:
        """Who holds each role (or one role) at `at` (default now), from the schedules."""
        when = at or self.clock.now()
        with self.db.read() as uow:
            applied = self.cache.get(uow)
            roles = [role] if role else list(Role)
            out = []
            for r in roles:
                schedule = applied.role_schedule(r)
                if schedule is None:
                    out.append(RoleOnCall(r, None, None))
                    continue
                horizon = timedelta(days=35)
                overrides = uow.repo(OnCallRepository).overrides(schedule.id, when - horizon, when + horizon)
                out.append(RoleOnCall(r, schedule, on_call_at(schedule, overrides, when, horizon)))
            return out

    def on_call_now(self) -> dict[str, list[str]]:
        """Each person on call now, with the schedules they are on (directory/experts.py reads it)."""
        now = self.clock.now()
        with self.db.read() as uow:
            return people_on_call(uow, self.cache.get(uow), now)

    def who_knows(self, expertise: str) -> list[Expert]:
        """The people who know `expertise`, those reachable now first (PROCESS.md §2 rule 8)."""
        now = self.clock.now()
        with self.db.read() as uow:
            applied = self.cache.get(uow)
            return experts(applied.config, expertise, people_on_call(uow, applied, now), now)

    def add_override(
        self, schedule_id: str, person: str, start: datetime, end: datetime, actor: Actor, note: str = ""
    ) -> Override:
        if end <= start:
            raise InvalidInput("'end' must be after 'start'", field="end")
        if end - start > MAX_RANGE:
            raise InvalidInput(f"an override may span at most {MAX_RANGE.days} days", field="end")
        now = self.clock.now()
        if end <= now:  # it would change nobody's shift, only what the past appears to have been
            raise InvalidInput(
                f"the override is in the past: it ends {end:%Y-%m-%d %H:%M} UTC, and it is "
                f"{now:%Y-%m-%d %H:%M} UTC now; an override covers now or later",
                field="end",
            )
        with self.db.write() as uow:
            applied = self.cache.get(uow)
            applied.schedule(schedule_id)
            uow.repo(DirectoryRepository).require_person(person)
            refused = override_refusal(applied.config, schedule_id, person)
            if refused is not None:  # they would hold the schedule's role
                raise NotInTeam(refused, field="person")
            added = uow.repo(OnCallRepository).add_override(
                schedule_id,
                Override(person, start, end, note=note.strip()[:500]),
                actor.name,
                self.clock.now(),
            )
            uow.publish(ShiftsChanged(schedule_id, now))
            return added

    def add_override_once(
        self, schedule_id: str, person: str, start: datetime, end: datetime, actor: Actor, note: str = ""
    ) -> tuple[OnceOutcome, Override | None]:
        """For scripts that may run more than once (an import's overrides): the same override (person
        and range) already there is left as it is, and one that has ended since is skipped."""
        if end <= self.clock.now():
            return OnceOutcome.ENDED, None
        with self.db.read() as uow:
            for o in uow.repo(OnCallRepository).overrides(schedule_id, start, end):
                if (o.person, o.start, o.end) == (person, start, end):
                    return OnceOutcome.PRESENT, o
        return OnceOutcome.ADDED, self.add_override(schedule_id, person, start, end, actor, note)

    def remove_override(self, schedule_id: str, override_id: int) -> None:
        with self.db.write() as uow:
            if not uow.repo(OnCallRepository).remove_override(schedule_id, override_id):
                raise NotFound(
                    f"override {override_id} does not exist on schedule {schedule_id!r}", field="id"
                )
            uow.publish(ShiftsChanged(schedule_id, self.clock.now()))

    def overrides(self, schedule_id: str, start: datetime, end: datetime) -> list[Override]:
        with self.db.read() as uow:
            self.cache.get(uow).schedule(schedule_id)
            return uow.repo(OnCallRepository).overrides(schedule_id, start, end)

    def gaps(self, days: int = 14, start: datetime | None = None) -> list[Gap]:
        """Ranges in the next `days` days where a role (or an unmapped schedule) has nobody."""
        begin = start or self.clock.now()
        end = begin + timedelta(days=days)
        check_range(begin, end)
        with self.db.read() as uow:
            applied = self.cache.get(uow)
            return find_gaps(applied, uow, begin, end)

    # ---- calendar feeds ------------------------------------------------------------------

    def create_feed(
        self, kind: str, target_id: str, actor: Actor, hidden: frozenset[str] = frozenset()
    ) -> tuple[str, int]:
        """A secret feed URL token for a schedule or a person; only its hash is stored. A schedule
        among `hidden` (directory/access.py: hidden_schedules) does not exist for this caller."""
        with self.db.write() as uow:
            if kind == "schedule":
                if target_id in hidden:
                    raise NotFound(f"schedule {target_id!r} does not exist", field="schedule")
                self.cache.get(uow).schedule(target_id)
            else:
                uow.repo(DirectoryRepository).require_person(target_id)
            return uow.repo(OnCallRepository).create_feed(kind, target_id, actor.name, self.clock.now())

    def find_feed(self, secret: str) -> FeedRecord | None:
        with self.db.read() as uow:
            return uow.repo(OnCallRepository).find_feed(secret)

    def revoke_feed(self, feed_id: int, who: Caller) -> None:
        """Only the feed's owner or an admin revokes it (directory/access.py: may_revoke_feed)."""
        with self.db.write() as uow:
            feed = uow.repo(OnCallRepository).feed(feed_id)
            if feed is None:
                raise NotFound(f"feed {feed_id} does not exist or is already revoked", field="id")
            if not may_revoke_feed(who, created_by=feed.created_by, kind=feed.kind, target_id=feed.target_id):
                raise Forbidden(
                    f"only the feed's owner, {feed.created_by}, or an admin can revoke it", field="id"
                )
            uow.repo(OnCallRepository).revoke_feed(feed_id, self.clock.now())

    # ---- handoff notes -------------------------------------------------------------------

    def leave_note(self, role: Role, text: str, actor: Actor) -> HandoffNote:
        body = text.strip()
        if not body:
            raise InvalidInput("the handoff note is empty", field="text")
        if len(body) > MAX_NOTE:
            raise InvalidInput(f"the handoff note is longer than {MAX_NOTE} characters", field="text")
        if actor.person_id is None:
            raise InvalidInput("handoff notes are written by a person", field="author")
        with self.db.write() as uow:
            uow.repo(DirectoryRepository).require_person(actor.person_id, field="author")
            return uow.repo(OnCallRepository).add_note(role.value, actor.person_id, body, self.clock.now())

    def notes_for_current_shift(self, role: Role) -> tuple[RoleOnCall, list[HandoffNote]]:
        """Notes left for whoever holds `role` now: written since the previous shift began."""
        now = self.clock.now()
        current = self.who(role, now)[0]
        since = now - timedelta(days=7)
        if current.schedule is not None and current.oncall is not None and current.oncall.shift is not None:
            shift_start = current.oncall.shift.start
            previous = self.who(role, shift_start - timedelta(seconds=1))[0]
            if previous.oncall is not None and previous.oncall.shift is not None:
                since = max(since, previous.oncall.shift.start)
            else:
                since = max(since, shift_start - timedelta(days=1))
        with self.db.read() as uow:
            return current, uow.repo(OnCallRepository).notes(role.value, since)


def find_gaps(applied: AppliedConfig, uow: UnitOfWork, start: datetime, end: datetime) -> list[Gap]:
    """Each role's gaps, then those of the schedules no role uses."""
    mapped = [(role, s) for role in Role if (s := applied.role_schedule(role)) is not None]
    used = {s.id for _, s in mapped}
    unmapped = [(None, s) for sid, s in applied.schedules.items() if sid not in used]
    out: list[Gap] = []
    for role, schedule in [*mapped, *unmapped]:
        shifts = resolve(schedule, uow.repo(OnCallRepository).overrides(schedule.id, start, end), start, end)
        out += [Gap(role, schedule.id, a, b) for a, b in gaps(shifts, start, end)]
    return out


def coverage_warnings(db: Database, config: OnwatchConfig, start: datetime, days: int = 14) -> list[Gap]:
    """Gaps the given (perhaps not yet applied) configuration would leave in the next `days` days."""
    candidate = AppliedConfig(
        revision=-1,
        config=config,
        schedules={sid: to_schedule(sid, s) for sid, s in config.schedules.items()},
    )
    with db.read() as uow:
        return find_gaps(candidate, uow, start, start + timedelta(days=days))


def schedule_on_call(uow: UnitOfWork, applied: AppliedConfig, schedule_id: str, at: datetime) -> str | None:
    """Who is on call on the schedule at `at` (overrides included), or None."""
    schedule = applied.schedules.get(schedule_id)
    if schedule is None:
        return None
    day = timedelta(days=1)
    overrides = uow.repo(OnCallRepository).overrides(schedule_id, at - day, at + day)
    found = on_call_at(schedule, overrides, at, horizon=day)
    return found.shift.person if found.shift else None


def people_on_call(uow: UnitOfWork, applied: AppliedConfig, at: datetime) -> dict[str, list[str]]:
    """person -> the schedules they are on call on at `at`."""
    out: dict[str, list[str]] = {}
    for schedule_id in sorted(applied.schedules):
        person = schedule_on_call(uow, applied, schedule_id, at)
        if person is not None:
            out.setdefault(person, []).append(schedule_id)
    return out
