"""Who knows an area (PROCESS.md §2 rule 8: "the team page, which lists areas of expertise"), and which
of them can answer now: on call on some schedule, or inside their working hours in their own zone.

Who is on call is the oncall slice's knowledge; it reaches this module as a mapping (person -> the
schedules they are on now), so the directory stays below every slice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from onwatch.config.schema import ExpertiseArea, OnwatchConfig, Person
from onwatch.kernel.errors import InvalidInput


class OnCallNow(Protocol):
    """What the oncall slice answers (onwatch.oncall.commands.OnCallService)."""

    def on_call_now(self) -> Mapping[str, Sequence[str]]: ...


@dataclass(frozen=True)
class Expert:
    person_id: str
    name: str
    title: str
    team: str | None
    timezone: str
    local_time: datetime
    on_call: tuple[str, ...]  # the schedules they are on call on now
    in_working_hours: bool

    @property
    def reachable_now(self) -> bool:
        return bool(self.on_call) or self.in_working_hours

    def availability(self) -> str:
        """How they can be reached now, in a few words (CLI, chat, web)."""
        parts = [f"on call ({', '.join(self.on_call)})"] if self.on_call else []
        if self.in_working_hours:
            parts.append("in working hours")
        return ", ".join(parts) or "off hours"


def require_expertise(config: OnwatchConfig, expertise_id: str, *, field: str = "expertise") -> ExpertiseArea:
    """The configured area, or a 422 naming the field and the areas there are."""
    found = config.expertise.get(expertise_id.strip().lower())
    if found is None:
        known = ", ".join(sorted(config.expertise)) or "none are configured"
        raise InvalidInput(f"unknown expertise {expertise_id!r}; known: {known}", field=field)
    return found


def in_working_hours(person: Person, now: datetime) -> bool:
    hours = person.working_hours
    local = now.astimezone(ZoneInfo(person.timezone))
    return (
        local.weekday() in hours.weekdays() and hours.start <= local.time().replace(tzinfo=None) < hours.end
    )


def expert(
    config: OnwatchConfig, person_id: str, on_call: Mapping[str, Sequence[str]], now: datetime
) -> Expert:
    person = config.people[person_id]
    return Expert(
        person_id=person_id,
        name=person.name,
        title=person.title,
        team=person.team,
        timezone=person.timezone,
        local_time=now.astimezone(ZoneInfo(person.timezone)),
        on_call=tuple(on_call.get(person_id, ())),
        in_working_hours=in_working_hours(person, now),
    )


def experts(
    config: OnwatchConfig, expertise_id: str, on_call: Mapping[str, Sequence[str]], now: datetime
) -> list[Expert]:
    """The people who know the area: those on call first, then those in working hours, then the rest;
    inside each, the owning team's people first, then by name."""
    area_id = expertise_id.strip().lower()
    area = require_expertise(config, area_id)
    found = [expert(config, pid, on_call, now) for pid, p in config.people.items() if area_id in p.expertise]
    return sorted(
        found,
        key=lambda e: (not e.on_call, not e.in_working_hours, e.team != area.team, e.name.lower()),
    )


def managers_of(config: OnwatchConfig, person_id: str) -> list[str]:
    """Their manager, the manager's manager, ... up the chart (the config refuses cycles)."""
    chain: list[str] = []
    current = config.people.get(person_id)
    while current is not None and current.manager is not None and current.manager not in chain:
        chain.append(current.manager)
        current = config.people.get(current.manager)
    return chain
