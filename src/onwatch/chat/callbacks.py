"""What every inbound callback does once verified: find the person, act once, answer in words.

Telegram buttons, SMS replies and key presses in calls all end here and run the same
acknowledge/resolve commands as the API and the signed links. Each callback carries the service's
own id; the first time it is seen it acts, a replay or redelivery finds it recorded and changes
nothing (db/inbound.py).
"""

from __future__ import annotations

from collections.abc import Callable

from onwatch.config.cache import ConfigCache
from onwatch.config.schema import Person
from onwatch.db import inbound
from onwatch.db.uow import Database
from onwatch.kernel.clock import Clock
from onwatch.kernel.enums import Interface
from onwatch.kernel.errors import DomainError
from onwatch.kernel.timeline import Actor
from onwatch.paging.commands import AlertGroupCommands


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
