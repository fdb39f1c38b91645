"""What every inbound callback does once verified: find the person, act once, answer in words.

Telegram buttons, SMS replies and key presses in calls all end here and run the same
acknowledge/resolve commands as the API and the signed links. Each callback carries the service's
own id; the first time it is seen it acts, a replay or redelivery finds it recorded and changes
nothing (db/inbound.py).
"""

from __future__ import annotations

from collections.abc import Callable

from onwatch.config.cache import ConfigCache
from onwatch.config.contacts import ContactType
from onwatch.config.schema import Person
from onwatch.db import inbound
from onwatch.db.uow import Database
from onwatch.kernel.clock import Clock
from onwatch.kernel.enums import Interface
from onwatch.kernel.errors import DomainError
from onwatch.kernel.timeline import Actor
from onwatch.notify.phone.channels import parse_reply
from onwatch.paging.commands import AlertGroupCommands
from onwatch.paging.links import LinkClaim
from onwatch.paging.store.groups import AlertRepository


def person_where(db: Database, cache: ConfigCache, matches: Callable[[Person], bool]) -> str | None:
    with db.read() as uow:
        people = cache.get(uow).config.people
    return next((pid for pid, person in people.items() if matches(person)), None)


def act_once(
    groups: AlertGroupCommands,
    clock: Clock,
    source: str,
    ref: str,
    *,
    person: str,
    action: str,
    group_id: int,
    interface: Interface,
) -> str:
    """Acknowledge or resolve `group_id` as `person`, unless callback (`source`, `ref`) was seen;
    returns what to tell them."""
    with groups.db.write() as uow:
        fresh = inbound.first_time(uow.conn, source, ref, clock.now())
    if not fresh:
        return "Already done"
    actor = Actor.person(person, interface)
    try:
        if action == "acknowledge":
            group = groups.acknowledge(group_id, actor)
        else:
            group = groups.resolve(group_id, actor)
    except DomainError as exc:
        return exc.message
    except Exception:
        with groups.db.write() as uow:  # not acted on: a redelivery may try again
            inbound.forget(uow.conn, source, ref)
        raise
    return f"Alert group #{group.id} is {group.status.value}"


def answer_sms(
    groups: AlertGroupCommands,
    clock: Clock,
    cache: ConfigCache,
    source: str,
    ref: str,
    sender: str,
    body: str,
) -> str:
    """An SMS reply from `sender` ("12" acknowledges alert group 12, "R12" resolves it), acted on
    once per provider message id `ref`; the answer to text back."""
    person = person_where(
        groups.db,
        cache,
        lambda p: any(m.type is ContactType.SMS and m.number == sender for m in p.contact_methods),
    )
    parsed = parse_reply(body)
    if person is None:
        return "This number is not linked to an onwatch person."
    if parsed is None:
        return "Reply with the code of the page: 12 acknowledges alert group 12, R12 resolves it."
    action, group_id = parsed
    if not _paged(groups, group_id, person):
        return f"Alert group #{group_id} did not page you: acknowledge it in onwatch instead."
    return act_once(
        groups, clock, source, ref, person=person, action=action, group_id=group_id, interface=Interface.PHONE
    )


def _paged(groups: AlertGroupCommands, group_id: int, person: str) -> bool:
    """Whether the group paged `person`: a phone number proves only that it is theirs, so a reply
    acts only on a page it answers (a mistyped code cannot acknowledge someone else's group)."""
    with groups.db.read() as uow:
        return uow.repo(AlertRepository).was_paged(group_id, person)


def acknowledge_claim(groups: AlertGroupCommands, token: str) -> LinkClaim | None:
    """What a call's signed token names (the page's acknowledge link), if it is valid still."""
    with groups.db.read() as uow:
        signer = groups.signer(uow)
    claim = signer.verify(token, groups.clock.now())
    return claim if claim is not None and claim.action == "acknowledge" else None


def call_words(groups: AlertGroupCommands, group_id: int) -> str:
    """What a page's call says before "press 1"."""
    group, _alerts, _events, _escalation = groups.detail(group_id)
    return f"This is onwatch. {group.severity} page for {group.service_id}: {group.title}."
