"""What the public sees of an incident (PROCESS.md §9): the CMOC is the voice to the public (the
owner until a CMOC engages); the status page shows the public title, never the internal one.
Holds the incident's publicity commands (updates, public title, security, disclosure), which the
Incident aggregate delegates to."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from onwatch.incidents.domain.roles import Cascade, holder, is_owner, require_imoc
from onwatch.incidents.domain.updates import MAX_REASON, PublicUpdate, clean_body
from onwatch.kernel.enums import EventKind, Role, SecurityImpact, State
from onwatch.kernel.errors import InvalidInput, InvalidTransition, NotOwner
from onwatch.kernel.timeline import Actor

MAX_PUBLIC_TITLE = 200


def default_public_title(component_names: list[str]) -> str:
    """Neutral words that name no cause, no customer and no person."""
    if not component_names:
        return "Investigating an issue"
    return f"Investigating issues with {', '.join(component_names)}"


def checked_public_title(title: str | None, *, may_publish: bool, owner_id: str) -> str | None:
    """The title as it will be shown (None: the default), or the refusal."""
    cleaned = " ".join((title or "").split()) or None
    if cleaned is not None and len(cleaned) > MAX_PUBLIC_TITLE:
        raise InvalidInput(f"public title is longer than {MAX_PUBLIC_TITLE} characters", field="public_title")
    if not may_publish:
        raise NotOwner(
            f"only the CMOC or the owner, {owner_id}, can set the public title", field="public_title"
        )
    return cleaned


class Publicised(Cascade, Protocol):
    """What the publicity commands read and change of the incident aggregate."""

    state: State
    security: bool
    confidential: bool
    public_withheld_reason: str | None
    last_public_update_at: datetime | None
    public_title: str | None
    new_updates: list[PublicUpdate]


def may_publish(incident: Cascade, actor: Actor) -> bool:
    """The CMOC is the voice to the public; until one engages, the owner (PROCESS.md §9)."""
    cmoc = holder(incident.roles, Role.CMOC)
    return actor.person_id is not None and actor.person_id in {incident.owner_id, cmoc and cmoc.person_id}


def post_update(incident: Publicised, body: str, actor: Actor, now: datetime) -> PublicUpdate:
    """Post to the public status page; resets the update cadence clock. The CMOC is the voice to
    the public, the owner until one engages (§9): nobody else posts, with or without a status."""
    text = clean_body(body)
    if not may_publish(incident, actor):
        raise NotOwner(
            f"only the CMOC or the owner, {incident.owner_id}, can post public updates", field="body"
        )
    if incident.confidential:
        raise InvalidTransition(
            "this incident is confidential: the owner must disclose it before anything is posted publicly",
            field="body",
        )
    update = PublicUpdate(at=now, state=incident.state, status=incident.status, body=text, author=actor.name)
    incident.new_updates.append(update)
    incident.last_public_update_at = now
    incident.add_event(
        EventKind.PUBLIC_UPDATE,
        actor,
        now,
        f"{actor.name} posted a public update: {text}",
        {"state": incident.state.value, "status": incident.status.value},
    )
    return update


def set_public_title(incident: Publicised, title: str | None, actor: Actor, now: datetime) -> None:
    """What the status page calls the incident; None goes back to the neutral default."""
    cleaned = checked_public_title(
        title, may_publish=may_publish(incident, actor), owner_id=incident.owner_id
    )
    if cleaned != incident.public_title:
        incident.public_title = cleaned
        said = f"set the public title: {cleaned}" if cleaned else "reset the public title"
        incident.add_event(
            EventKind.PUBLIC_TITLE_CHANGED, actor, now, f"{actor.name} {said}", {"to": cleaned}
        )


def flag_security(
    incident: Publicised, actor: Actor, now: datetime, *, impact: SecurityImpact | None = None
) -> None:
    """Security related: confidential from now on, until the owner discloses it. Blocking a whole
    path or feature, or unauthorised access to production, needs the IMOC (PROCESS.md §9)."""
    if not incident.security:
        incident.security = True
        incident.confidential = True
        incident.add_event(
            EventKind.SECURITY_FLAGGED,
            actor,
            now,
            f"{actor.name} flagged the incident as security related; it is confidential",
            {"impact": impact.value if impact else None},
        )
    if impact is not None and incident.active:
        require_imoc(incident, actor, now, f"security: {impact.description}")


def withhold_public_post(incident: Publicised, reason: str, actor: Actor, now: datetime) -> None:
    """The owner decides not to post publicly (e.g. to protect self-managed users until a fix
    ships), with the reason on the record; no public-update reminders while withheld."""
    text = clean_body(reason, field="reason", limit=MAX_REASON)
    if not is_owner(incident, actor):
        raise NotOwner(f"only the owner, {incident.owner_id}, can withhold the public post", field="reason")
    if not incident.security:
        raise InvalidTransition("only a security incident's public post can be withheld", field="reason")
    incident.public_withheld_reason = text
    incident.add_event(
        EventKind.PUBLIC_POST_WITHHELD,
        actor,
        now,
        f"{actor.name} withheld the public post: {text}",
        {"reason": text},
    )


def disclose(incident: Publicised, actor: Actor, now: datetime) -> None:
    """The owner makes a confidential incident public (it then shows on the status page)."""
    if not incident.confidential:
        return
    if not is_owner(incident, actor):
        raise NotOwner(
            f"only the owner, {incident.owner_id}, can disclose this incident", field="confidential"
        )
    incident.confidential = False
    incident.public_withheld_reason = None
    incident.add_event(EventKind.DISCLOSED, actor, now, f"{actor.name} disclosed the incident publicly", {})
