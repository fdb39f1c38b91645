"""Who may see and act on what: the one rule every interface (API, web, chat, CLI, iCal) asks.

Access levels are the same for every way in: an API token has one (`viewer`, `responder`,
`admin`), a person has one in the configuration (`people.<id>.access`, default `responder`) that
the web UI, chat and the CLI use.

- viewer: reads; never acts, never sees a confidential incident.
- responder: acts on incidents, alert groups, overrides and handoffs.
- admin: everything, and administers (configuration, tokens, anyone's calendar feeds).

Confidential (security) incidents, and everything that names one (its alert groups and role
pages, their timelines, metrics labels, chat replies, web pages, exports), are seen and acted on
only by the *circle*: admins, the security team and the incident managers (the teams of the
`security` and `imoc` roles in the configuration), the incident's owner, and the people who hold,
were asked to take, or were paged for a role on it. Anyone else, and any viewer, is told such an
incident does not exist (404), so its existence does not leak either. A token without a person is
in the circle only as an admin.

Schedules: the security on-call's schedule (`roles.security.schedule`) says whom to approach about
a vulnerability, so viewers do not see it (nor its shifts, overrides, on-call entry, gaps or
calendar feeds); responders and admins do. Calendar feeds: anyone creates one of a schedule they see,
or of their own shifts (an admin, of anyone's); only the feed's owner (who created it, or the person
whose shifts it carries) or an admin revokes it.

Callers outside the circle are few questions away from a leak, so everything that shows incidents
asks one thing: `hidden_incidents(conn, caller)`, the confidential incidents this caller may not
see (a small set: security incidents are rare), and leaves those out.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa

from onwatch.config.cache import ConfigCache
from onwatch.config.schema import OnwatchConfig
from onwatch.db.tables import alert_groups, incident_roles, incidents, teams, timeline_events
from onwatch.db.uow import UnitOfWork
from onwatch.kernel.enums import AccessLevel, EventKind, Role
from onwatch.kernel.errors import NotFound

# the roles whose teams see every confidential incident (PROCESS.md §2: security on call, and the
# incident managers, who are the only ones told of a security incident)
CIRCLE_ROLES = (Role.SECURITY, Role.IMOC)
# the incident managers' channel: the one channel that hears a confidential incident by name (its
# announcement, its pages' escalation posts); any other channel reads only its number
CIRCLE_CHANNEL = "incident_management"


@dataclass(frozen=True)
class Caller:
    """Who asks: a person (or an API token without one) and their access level."""

    person_id: str | None
    level: AccessLevel
    # member of the security team or of the incident managers: sees every confidential incident
    in_circle_teams: bool = False

    @property
    def may_act(self) -> bool:
        return self.level.allows(AccessLevel.RESPONDER)

    @property
    def is_admin(self) -> bool:
        return self.level.allows(AccessLevel.ADMIN)

    @property
    def sees_every_confidential(self) -> bool:
        return self.is_admin or (self.may_act and self.in_circle_teams)

    def may_see_confidential(self, owner_id: str | None, participants: Collection[str]) -> bool:
        """The rule for one confidential incident, given its owner and its participants."""
        if self.sees_every_confidential:
            return True
        if not self.may_act or self.person_id is None:
            return False
        return self.person_id == owner_id or self.person_id in participants


# An operator at the database (the CLI without --as) sees everything, as a database dump would.
OPERATOR = Caller(person_id=None, level=AccessLevel.ADMIN)


def person_level(config: OnwatchConfig | None, person_id: str) -> AccessLevel:
    """A person's access level in the web UI, chat and the CLI (`people.<id>.access`); someone the
    configuration does not name only reads."""
    person = config.people.get(person_id) if config is not None else None
    return person.access if person is not None else AccessLevel.VIEWER


def caller(
    conn: sa.Connection,
    config: OnwatchConfig | None,
    person_id: str | None,
    level: AccessLevel | None = None,
) -> Caller:
    """The caller: a token's `level`, else the person's configured one, with their membership of
    the security team or the incident managers read from the applied directory."""
    if level is None:
        level = person_level(config, person_id) if person_id is not None else AccessLevel.VIEWER
    wanted = (
        {rc.team for role, rc in config.roles.items() if role in CIRCLE_ROLES and rc.team}
        if config
        else set()
    )
    in_teams = False
    if person_id is not None and wanted and level.allows(AccessLevel.RESPONDER):
        rows = conn.execute(
            sa.select(teams.c.members).where(teams.c.id.in_(sorted(wanted)), teams.c.active.is_(True))
        ).scalars()
        in_teams = any(person_id in (members or []) for members in rows)
    return Caller(person_id=person_id, level=level, in_circle_teams=in_teams)


def hidden_incidents(conn: sa.Connection, who: Caller, only: Collection[int] | None = None) -> frozenset[int]:
    """The confidential incidents `who` may not see (optionally among `only`)."""
    if who.sees_every_confidential:
        return frozenset()
    query = sa.select(incidents.c.id, incidents.c.owner_id).where(incidents.c.confidential.is_(True))
    if only is not None:
        if not only:
            return frozenset()
        query = query.where(incidents.c.id.in_(sorted(set(only))))
    owners = {int(r.id): r.owner_id for r in conn.execute(query)}
    if not owners:
        return frozenset()
    if not who.may_act or who.person_id is None:
        return frozenset(owners)
    participants = _participants(conn, who.person_id, owners)
    return frozenset(
        i for i, owner in owners.items() if not who.may_see_confidential(owner, participants.get(i, ()))
    )


def _participants(conn: sa.Connection, person_id: str, ids: Collection[int]) -> dict[int, set[str]]:
    """For each incident, whether `person_id` holds, was asked for, or was paged for a role on it."""
    found: dict[int, set[str]] = {}
    holds = sa.select(incident_roles.c.incident_id).where(
        incident_roles.c.incident_id.in_(sorted(ids)),
        incident_roles.c.person_id == person_id,
        incident_roles.c.renounced_at.is_(None),
    )
    paged = (
        sa.select(alert_groups.c.incident_id)
        .join(timeline_events, timeline_events.c.group_id == alert_groups.c.id)
        .where(
            alert_groups.c.incident_id.in_(sorted(ids)),
            timeline_events.c.kind == EventKind.PAGED.value,
            timeline_events.c.person == person_id,
        )
    )
    for incident_id in conn.execute(sa.union(holds, paged)).scalars():
        found.setdefault(int(incident_id), set()).add(person_id)
    return found


def is_confidential(conn: sa.Connection, incident_id: int | None) -> bool:
    """Whether `incident_id` (None: no incident) is a confidential incident."""
    if incident_id is None:
        return False
    found = conn.execute(
        sa.select(incidents.c.confidential).where(incidents.c.id == incident_id)
    ).scalar_one_or_none()
    return bool(found)


def hidden_schedules(config: OnwatchConfig | None, level: AccessLevel) -> frozenset[str]:
    """The schedules a caller of `level` may not see: the security on-call's, for viewers."""
    if config is None or level.allows(AccessLevel.RESPONDER):
        return frozenset()
    security = config.roles.get(Role.SECURITY)
    return frozenset({security.schedule}) if security and security.schedule else frozenset()


def may_revoke_feed(who: Caller, *, created_by: str, kind: str, target_id: str) -> bool:
    """The feed's owner (its creator, or the person whose shifts it carries) or an admin."""
    if who.is_admin:
        return True
    if who.person_id is None:
        return False
    return who.person_id == created_by or (kind == "person" and who.person_id == target_id)


def applied_config(uow: UnitOfWork, cache: ConfigCache) -> OnwatchConfig | None:
    """The configuration in force, or None before the first `apply-config`."""
    try:
        return cache.get(uow).config
    except NotFound:
        return None


def caller_in(
    uow: UnitOfWork, cache: ConfigCache, person_id: str | None, level: AccessLevel | None = None
) -> Caller:
    """`caller` with the configuration in force."""
    return caller(uow.conn, applied_config(uow, cache), person_id, level)


def require_visible_incident(conn: sa.Connection, who: Caller, incident_id: int) -> None:
    """404 for an incident `who` may not see, as if it did not exist (its existence is confidential)."""
    if incident_id in hidden_incidents(conn, who, only=(incident_id,)):
        raise NotFound(f"incident {incident_id} does not exist", field="id")


def require_visible_group(conn: sa.Connection, who: Caller, group_id: int) -> None:
    """404 for an alert group that belongs to an incident `who` may not see."""
    incident_id = conn.execute(
        sa.select(alert_groups.c.incident_id).where(alert_groups.c.id == group_id)
    ).scalar_one_or_none()
    if incident_id is not None and incident_id in hidden_incidents(conn, who, only=(incident_id,)):
        raise NotFound(f"alert group {group_id} does not exist", field="id")
