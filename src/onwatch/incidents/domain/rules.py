"""The process's clocks and escalation rules for one incident (PROCESS.md §2, §3, §6, §9), pure.

The engine asks these functions when a timer is due and what to do when it fires; nothing here
reads the clock or the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from onwatch.incidents.domain.cadence import DEFAULT_CADENCE, update_due
from onwatch.incidents.domain.incident import Incident
from onwatch.kernel.enums import Role, Severity, State

Cadence = Mapping[Severity, Mapping[State, timedelta]]  # PROCESS.md §9 by default (domain/cadence.py)


def update_interval(severity: Severity, state: State, cadence: Cadence = DEFAULT_CADENCE) -> timedelta | None:
    """How often the public must hear from us in this state; None once resolved."""
    return cadence.get(severity, {}).get(state)


def public_updates_expected(incident: Incident) -> bool:
    """Confidential incidents are not posted (security decides), nor withheld ones, nor closed ones."""
    return incident.active and not incident.confidential and incident.public_withheld_reason is None


def next_update_due(incident: Incident, cadence: Cadence = DEFAULT_CADENCE) -> datetime | None:
    """When the next public update is due: the last one (or the declaration) plus the cadence."""
    if not public_updates_expected(incident):
        return None
    return update_due(
        incident.severity, incident.state, incident.last_public_update_at or incident.declared_at, cadence
    )


def next_reminder(due: datetime, interval: timedelta, now: datetime) -> datetime:
    """The next reminder slot strictly after `now`: `due` itself while it is ahead, then every
    `interval` after it (so each slot reminds once, however often the timers are rescheduled)."""
    if due > now:
        return due
    missed = (now - due) // interval
    return due + interval * (missed + 1)


def communications_holder(incident: Incident) -> str:
    """Who gets the update reminders: the engaged CMOC; until one engages, the owner (§2 rule 2)."""
    cmoc = incident.holder(Role.CMOC)
    return cmoc.person_id if cmoc is not None else incident.owner_id


def eoc_engaged_at(incident: Incident) -> datetime | None:
    """When the EOC first engaged on this incident, if they did."""
    times = [a.engaged_at for a in incident.roles if a.role is Role.EOC and a.engaged_at is not None]
    return min(times) if times else None


def investigating_deadline(incident: Incident, limit: timedelta) -> datetime | None:
    """Investigating for more than `limit` after the EOC engaged escalates to the IMOC (§6); None
    when the rule cannot fire (no EOC yet, not investigating, or the IMOC already engaged)."""
    engaged = eoc_engaged_at(incident)
    if engaged is None or incident.state is not State.INVESTIGATING or incident.holder(Role.IMOC):
        return None
    return engaged + limit


def needs_imoc_page(incident: Incident) -> bool:
    """The rules asked for the IMOC (S1/S2, a disruption status, ...) and none is engaged."""
    return incident.active and incident.imoc_required and incident.holder(Role.IMOC) is None


@dataclass(frozen=True)
class PublicDeadlines:
    """Incidents lasting over 5 minutes are communicated publicly within 1 hour (§9)."""

    flag_at: datetime  # over 5 minutes and nothing public yet: say so, early
    deadline: datetime


def public_deadlines(incident: Incident, grace: timedelta, within: timedelta) -> PublicDeadlines:
    return PublicDeadlines(incident.declared_at + grace, incident.declared_at + within)
