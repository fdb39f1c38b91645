"""/api/v1/oncall, /api/v1/schedules, /api/v1/handoffs and the iCalendar feeds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from onwatch.api.auth import Principal, Responder, Viewer
from onwatch.api.params import Id, Instant
from onwatch.api.problems import responses
from onwatch.config.cache import AppliedConfig
from onwatch.db.uow import Database
from onwatch.directory.access import hidden_schedules
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.enums import Role
from onwatch.kernel.errors import InvalidInput, NotFound
from onwatch.oncall.commands import OnCallService, RoleOnCall
from onwatch.oncall.domain.schedules import Schedule
from onwatch.oncall.ical import render_calendar

router = APIRouter(tags=["on-call"])


def _service(request: Request) -> OnCallService:
    service: OnCallService = request.app.state.oncall
    return service


def _hidden(request: Request, who: Principal) -> frozenset[str]:
    """Schedules this token may not see (directory/access.py: the security on-call's, for viewers)."""
    return hidden_schedules(_service(request).applied().config, who.role)


def _visible(request: Request, who: Principal, schedule_id: str) -> str:
    if schedule_id in _hidden(request, who):
        raise NotFound(f"schedule {schedule_id!r} does not exist", field="schedule")
    return schedule_id


class ShiftOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from a Shift

    person: str
    start: datetime
    end: datetime
    source: str = Field(description="the layer name, or override:<id>")


class OnCallOut(BaseModel):
    role: Role
    schedule: str | None
    person: str | None
    source: str | None
    shift_start: datetime | None
    shift_end: datetime | None
    next: ShiftOut | None

    @classmethod
    def of(cls, r: RoleOnCall) -> OnCallOut:
        shift = r.oncall.shift if r.oncall else None
        nxt = r.oncall.next if r.oncall else None
        return cls(
            role=r.role,
            schedule=r.schedule.id if r.schedule else None,
            person=shift.person if shift else None,
            source=shift.source if shift else None,
            shift_start=shift.start if shift else None,
            shift_end=shift.end if shift else None,
            next=ShiftOut.model_validate(nxt) if nxt else None,
        )


@router.get("/api/v1/oncall", response_model=list[OnCallOut])
def who_is_on_call(
    request: Request, who: Viewer, role: Role | None = None, at: Annotated[Instant | None, Query()] = None
) -> list[OnCallOut]:
    """Who holds every role (or `role`) now or `at`, why, until when, and who is next (a role
    whose schedule the caller may not see is left out)."""
    hidden = _hidden(request, who)
    entries = _service(request).who(role, at)
    return [OnCallOut.of(r) for r in entries if not (r.schedule and r.schedule.id in hidden)]


class GapOut(BaseModel):
    role: Role | None
    schedule: str
    start: datetime
    end: datetime


@router.get("/api/v1/oncall/gaps", response_model=list[GapOut])
def coverage_gaps(
    request: Request, who: Viewer, days: Annotated[int, Query(ge=1, le=366)] = 14
) -> list[GapOut]:
    """Time ranges in the next `days` days in which a role has nobody on call."""
    hidden = _hidden(request, who)
    return [
        GapOut(role=g.role, schedule=g.schedule_id, start=g.start, end=g.end)
        for g in _service(request).gaps(days)
        if g.schedule_id not in hidden
    ]


class LayerOut(BaseModel):
    name: str
    members: list[str]
    shift_minutes: int
    handoff: str
    timezone: str
    start: str
    windows: list[str]


class ScheduleOut(BaseModel):
    id: str
    name: str
    timezone: str
    roles: list[Role]
    layers: list[LayerOut]


def _schedule_out(s: Schedule, applied: AppliedConfig) -> ScheduleOut:
    return ScheduleOut(
        id=s.id,
        name=s.name,
        timezone=s.zone.key,
        roles=[r for r in Role if (rs := applied.role_schedule(r)) and rs.id == s.id],
        layers=[
            LayerOut(
                name=layer.name,
                members=list(layer.rotation.members),
                shift_minutes=int(layer.rotation.shift.total_seconds() // 60),
                handoff=layer.rotation.handoff.strftime("%H:%M"),
                timezone=layer.rotation.zone.key,
                start=layer.rotation.start.isoformat(),
                windows=[
                    f"{','.join(d.name.lower() for d in sorted(w.days))} {w.since:%H:%M}-{w.until:%H:%M}"
                    for w in layer.windows
                ],
            )
            for layer in s.layers
        ],
    )


@router.get("/api/v1/schedules", response_model=list[ScheduleOut])
def list_schedules(request: Request, who: Viewer) -> list[ScheduleOut]:
    applied = _service(request).applied()
    hidden = _hidden(request, who)
    return [_schedule_out(s, applied) for sid, s in applied.schedules.items() if sid not in hidden]


@router.get("/api/v1/schedules/{schedule_id}", response_model=ScheduleOut)
def get_schedule(schedule_id: str, request: Request, who: Viewer) -> ScheduleOut:
    _visible(request, who, schedule_id)
    applied = _service(request).applied()
    return _schedule_out(applied.schedule(schedule_id), applied)


def _range(start: datetime | None, end: datetime | None, request: Request) -> tuple[datetime, datetime]:
    begin = start or _service(request).clock.now()
    return begin, end or begin + timedelta(days=14)


@router.get("/api/v1/schedules/{schedule_id}/shifts", response_model=list[ShiftOut])
def shifts(
    schedule_id: str,
    request: Request,
    who: Viewer,
    start: Annotated[Instant | None, Query(alias="from")] = None,
    end: Annotated[Instant | None, Query(alias="to")] = None,
) -> list[ShiftOut]:
    """Final shifts (layers stacked, overrides applied) in [from, to); default the next 14 days."""
    _visible(request, who, schedule_id)
    begin, finish = _range(start, end, request)
    return [ShiftOut.model_validate(s) for s in _service(request).shifts(schedule_id, begin, finish)]


class OverrideIn(BaseModel):
    person: str
    start: Instant
    end: Instant
    note: str = Field(default="", max_length=500)


class OverrideOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from an Override

    id: int
    person: str
    start: datetime
    end: datetime
    note: str


@router.get("/api/v1/schedules/{schedule_id}/overrides", response_model=list[OverrideOut])
def list_overrides(
    schedule_id: str,
    request: Request,
    who: Viewer,
    start: Annotated[Instant | None, Query(alias="from")] = None,
    end: Annotated[Instant | None, Query(alias="to")] = None,
) -> list[OverrideOut]:
    _visible(request, who, schedule_id)
    begin, finish = _range(start, end, request)
    return [OverrideOut.model_validate(o) for o in _service(request).overrides(schedule_id, begin, finish)]


@router.post("/api/v1/schedules/{schedule_id}/overrides", response_model=OverrideOut, status_code=201)
def add_override(schedule_id: str, body: OverrideIn, request: Request, who: Responder) -> OverrideOut:
    """`person` covers [start, end) on this schedule, whatever the layers say."""
    made = _service(request).add_override(
        schedule_id, body.person, body.start, body.end, who.actor(), body.note
    )
    return OverrideOut.model_validate(made)


@router.delete("/api/v1/schedules/{schedule_id}/overrides/{override_id}", status_code=204)
def remove_override(schedule_id: str, override_id: Id, request: Request, _who: Responder) -> None:
    _service(request).remove_override(schedule_id, override_id)


# ---- handoff notes ------------------------------------------------------------------------


class HandoffIn(BaseModel):
    role: Role
    text: str = Field(min_length=1, max_length=5000)


class HandoffNoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from a HandoffNote

    id: int
    role: Role
    author: str
    text: str
    created_at: datetime


class HandoffOut(BaseModel):
    oncall: OnCallOut
    notes: list[HandoffNoteOut]


@router.post("/api/v1/handoffs", response_model=HandoffNoteOut, status_code=201)
def leave_handoff(body: HandoffIn, request: Request, who: Responder) -> HandoffNoteOut:
    """Leave a note for the next person on `role` ("changed alert X because it flapped")."""
    return HandoffNoteOut.model_validate(_service(request).leave_note(body.role, body.text, who.actor()))


@router.get("/api/v1/handoffs", response_model=HandoffOut)
def read_handoff(request: Request, who: Viewer, role: Role = Role.EOC) -> HandoffOut:
    """The current holder of `role` and the notes left since the previous shift began."""
    current, notes = _service(request).notes_for_current_shift(role)
    if current.schedule is not None:
        _visible(request, who, current.schedule.id)
    return HandoffOut(oncall=OnCallOut.of(current), notes=[HandoffNoteOut.model_validate(n) for n in notes])


# ---- iCalendar feeds ----------------------------------------------------------------------


class FeedOut(BaseModel):
    id: int
    url: str = Field(description="secret subscription URL, shown once; revoke to invalidate it")


def _feed(request: Request, kind: str, target: str, who: Principal) -> FeedOut:
    service = _service(request)
    secret, feed_id = service.create_feed(kind, target, who.actor(), _hidden(request, who))
    base = str(request.base_url).rstrip("/")
    return FeedOut(id=feed_id, url=f"{base}/ical/{secret}.ics")


@router.post(
    "/api/v1/schedules/{schedule_id}/feeds", response_model=FeedOut, status_code=201, responses=responses(403)
)
def schedule_feed(schedule_id: str, request: Request, who: Viewer) -> FeedOut:
    """A secret iCalendar URL for this schedule's final shifts (not of a schedule the caller may
    not see: 404)."""
    return _feed(request, "schedule", schedule_id, who)


@router.post(
    "/api/v1/people/{person_id}/feeds", response_model=FeedOut, status_code=201, responses=responses(403)
)
def person_feed(person_id: str, request: Request, who: Viewer) -> FeedOut:
    """A secret iCalendar URL for one person's shifts on every schedule ("my shifts")."""
    if who.person_id != person_id and not who.role.allows(TokenRole.ADMIN):
        raise HTTPException(403, "only the person themselves or an admin can create their feed")
    return _feed(request, "person", person_id, who)


@router.delete("/api/v1/feeds/{feed_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(403))
def revoke_feed(feed_id: Id, request: Request, who: Viewer) -> None:
    """Only the feed's owner (its creator, or the person whose shifts it carries) or an admin."""
    db: Database = request.app.state.db
    with db.read() as uow:
        caller = who.caller(uow, request)
    _service(request).revoke_feed(feed_id, caller)


@router.get("/ical/{secret}.ics", include_in_schema=False)
def ical_feed(secret: str, request: Request) -> Response:
    service = _service(request)
    feed = service.find_feed(secret)
    if feed is None:
        raise HTTPException(404, "unknown or revoked calendar feed")
    now = service.clock.now()
    start, end = now - timedelta(days=7), now + timedelta(days=60)
    applied = service.applied()
    if feed.kind == "schedule":
        schedule = applied.schedule(feed.target_id)
        pairs = [(schedule.name, s) for s in service.shifts(schedule.id, start, end)]
        title, zone = f"On call: {schedule.name}", schedule.zone
    else:
        pairs = sorted(
            ((s.name, sh) for s in applied.schedules.values() for sh in service.shifts(s.id, start, end)
             if sh.person == feed.target_id),
            key=lambda p: p[1].start,
        )  # fmt: skip
        person = applied.config.people.get(feed.target_id)
        if person is None:
            raise InvalidInput(f"unknown person {feed.target_id!r}", field="person")
        title, zone = f"My on-call shifts ({person.name})", ZoneInfo(person.timezone)
    names = {pid: p.name for pid, p in applied.config.people.items()}
    body = render_calendar(
        calendar_id=f"feed-{feed.id}", name=title, shifts=pairs, zone=zone, names=names, now=now,
        window_start=start,
    )  # fmt: skip
    return Response(body, media_type="text/calendar; charset=utf-8")
