"""On-call: each schedule's next 14 days (layers, overrides, final), overrides, my shifts, the iCal
link and handoff notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from onwatch.api.params import Id
from onwatch.directory.access import hidden_schedules
from onwatch.directory.store import DirectoryRepository
from onwatch.kernel.enums import Role
from onwatch.kernel.errors import DomainError, InvalidInput
from onwatch.oncall.domain.schedules import Shift
from onwatch.web.auth import WebUser
from onwatch.web.context import Posted, Web, acting, posted, see_other, signed_in, web

router = APIRouter(include_in_schema=False)

User = Annotated[WebUser, Depends(signed_in)]
Form = Annotated[Posted, Depends(posted)]  # viewers too: their own calendar feeds
Acting = Annotated[Posted, Depends(acting)]  # overrides and handoff notes: responders and admins
W = Annotated[Web, Depends(web)]

DAYS = 14


@dataclass(frozen=True)
class Bar:
    """A shift drawn on a timeline row: left and width in percent of the 14 days."""

    shift: Shift
    left: float
    width: float


PALETTE = 12  # distinct bar colours (onwatch.css .bar.p0 ... .p11)
WIDE = 9.0  # percent of the row: wider bars carry the whole name, narrower ones the initials


def initials(name: str) -> str:
    """'Amara Okafor' -> 'AO'; one word -> its first two letters."""
    words = name.split()
    return ("".join(w[0] for w in words[:3]) if len(words) > 1 else name[:2]).upper()


def legend(people: set[str], names: dict[str, str]) -> list[dict[str, object]]:
    """Everyone drawn on the page with a colour of their own (by name, distinct up to PALETTE people)
    and their initials, for the legend under the bars."""
    ordered = sorted(people, key=lambda p: names.get(p, p))
    return [
        {"person": p, "name": names.get(p, p), "initials": initials(names.get(p, p)), "color": i % PALETTE}
        for i, p in enumerate(ordered)
    ]


def _bars(shifts: list[Shift], start: datetime, end: datetime) -> list[Bar]:
    span = (end - start).total_seconds()

    def percent(d: timedelta) -> float:
        return round(d.total_seconds() / span * 100, 3)

    clipped = [(s, max(s.start, start), min(s.end, end)) for s in shifts]
    return [Bar(s, percent(lo - start), percent(hi - lo)) for s, lo, hi in clipped if hi > lo]


def _page(request: Request, w: Web, user: WebUser, *, error: str | None = None, status_code: int = 200,
          feed_url: str | None = None, values: dict[str, str] | None = None) -> Response:  # fmt: skip
    now = w.clock.now()
    start = now.replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(days=DAYS)
    applied = w.oncall.applied()
    schedules: list[dict[str, Any]] = []
    mine: list[tuple[str, Shift]] = []
    drawn_shifts: dict[str, list[Shift]] = {}  # everyone a bar shows, for the legend's colours
    hidden = hidden_schedules(applied.config, user.access.level)  # the security on-call's, for viewers
    for sid, schedule in sorted(applied.schedules.items()):
        if sid in hidden:
            continue
        final = w.oncall.shifts(sid, start, end)
        overrides = w.oncall.overrides(sid, start, end)
        drawn_shifts[sid] = [
            *final, *[sh for layer in schedule.layers for sh in layer.shifts(start, end)],
            *[Shift(o.start, o.end, o.person, o.source) for o in overrides],
        ]  # fmt: skip
        layers = [
            {"name": layer.name, "bars": _bars(layer.shifts(start, end), start, end)}
            for layer in schedule.layers
        ]
        override_shifts = [Shift(o.start, o.end, o.person, o.source) for o in overrides]
        schedules.append(
            {
                "id": sid, "name": schedule.name, "layers": layers,
                "overrides": overrides, "override_bars": _bars(override_shifts, start, end),
                "final": _bars(final, start, end), "shifts": final,
            }
        )  # fmt: skip
        mine += [(schedule.name, s) for s in final if s.person == user.person_id]
    mine.sort(key=lambda x: x[1].start)
    notes = {}
    roles = [r for r in Role if not ((rs := applied.role_schedule(r)) and rs.id in hidden)]
    for role in roles:
        current, role_notes = w.oncall.notes_for_current_shift(role)
        notes[role] = {"current": current, "notes": role_notes}
    ticks = [{"left": round(d / DAYS * 100, 3), "day": start + timedelta(days=d)} for d in range(DAYS)]
    names = w.people()
    for s in schedules:  # colours and initials per schedule: distinct among the people it draws
        key = legend({shift.person for shift in drawn_shifts[str(s["id"])]}, names)
        s["legend"] = key
        s["colors"] = {str(k["person"]): k["color"] for k in key}
        s["short"] = {str(k["person"]): k["initials"] for k in key}
    now_left = round((now - start).total_seconds() / (end - start).total_seconds() * 100, 3)
    with w.db.read() as uow:
        people = uow.repo(DirectoryRepository).people()
    return w.page(
        request, "oncall.html", user, status_code=status_code,
        schedules=schedules, mine=mine, notes=notes, ticks=ticks, start=start, end=end, error=error,
        feed_url=feed_url, people=people, names=names, values=values or {}, roles=roles,
        now_left=now_left, wide=WIDE,
    )  # fmt: skip


@router.get("/oncall")
def oncall_page(request: Request, w: W, user: User) -> Response:
    return _page(request, w, user)


def _instant(value: str, field: str) -> datetime:
    """A datetime-local field (no zone in HTML forms): read as UTC, which the form says."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"enter a date and time for {field} (YYYY-MM-DDTHH:MM, UTC)", field=field
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@router.post("/oncall/overrides")
def add_override(request: Request, w: W, form: Acting) -> Response:
    try:
        w.oncall.add_override(
            form.get("schedule"), form.get("person"),
            _instant(form.get("start"), "start"), _instant(form.get("end"), "end"),
            form.user.actor, note=form.get("note"),
        )  # fmt: skip
    except DomainError as exc:
        return _page(request, w, form.user, error=exc.message, status_code=exc.status_code, values=form.form)
    return see_other("/oncall#overrides")


@router.post("/oncall/overrides/{schedule_id}/{override_id}/delete")
def remove_override(request: Request, schedule_id: str, override_id: Id, w: W, form: Acting) -> Response:
    try:
        w.oncall.remove_override(schedule_id, override_id)
    except DomainError as exc:
        return _page(request, w, form.user, error=exc.message, status_code=exc.status_code)
    return see_other("/oncall#overrides")


@router.post("/oncall/feeds")
def create_feed(request: Request, w: W, form: Form) -> Response:
    kind = form.get("kind", "person")
    target = form.user.person_id if kind == "person" else form.get("schedule")
    try:
        applied = w.oncall.applied()
        secret, _ = w.oncall.create_feed(
            "person" if kind == "person" else "schedule", target, form.user.actor,
            hidden_schedules(applied.config, form.user.access.level),
        )  # fmt: skip
    except DomainError as exc:
        return _page(request, w, form.user, error=exc.message, status_code=exc.status_code)
    return _page(request, w, form.user, feed_url=f"{w.public_url.rstrip('/')}/ical/{secret}.ics")


@router.post("/oncall/handoffs")
def leave_handoff(request: Request, w: W, form: Acting) -> Response:
    try:
        try:
            role = Role(form.get("role"))
        except ValueError:
            raise InvalidInput(f"unknown role {form.get('role')!r}", field="role") from None
        w.oncall.leave_note(role, form.get("text"), form.user.actor)
    except DomainError as exc:
        return _page(request, w, form.user, error=exc.message, status_code=exc.status_code, values=form.form)
    return see_other("/oncall#handoffs")
