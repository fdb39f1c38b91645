"""Test a person's contact methods: each one (or one by its number) sent a test now, through its
channel, with the result. The person may test their own; an admin anyone's."""

from __future__ import annotations

from collections.abc import Mapping

from onwatch.config.cache import ConfigCache
from onwatch.db.uow import Database
from onwatch.kernel.clock import Clock
from onwatch.kernel.errors import NotFound
from onwatch.notify.base import Channel
from onwatch.notify.trial import TrialResult, send_trial, trial_notification
from onwatch.paging.outreach import contact_methods


class ContactTrials:
    def __init__(
        self, db: Database, clock: Clock, cache: ConfigCache, channels: Mapping[str, Channel], public_url: str
    ) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache
        self.channels = channels
        self.public_url = public_url.rstrip("/")

    def test(self, person_id: str, method: int | None = None) -> list[TrialResult]:
        """Send a test to the person's method number `method` (0-based, in the config's order), or
        to every one; NotFound for an unknown person or method."""
        with self.db.read() as uow:
            applied = self.cache.get(uow)
        person = applied.config.people.get(person_id)
        if person is None:
            raise NotFound(f"person {person_id!r} does not exist", field="person_id")
        # in the config's order (the fallback, their email, when they list none)
        methods = [{"channel": m.type.value, **m.target()} for m in person.contact_methods] or [
            {k: v for k, v in m.items() if k not in ("delay", "urgency")}
            for m in contact_methods(applied, person_id)
        ]
        if method is not None and not 0 <= method < len(methods):
            raise NotFound(f"{person_id} has no contact method #{method}", field="method")
        now = self.clock.now()
        results = []
        for index, m in enumerate(methods):
            if method is not None and index != method:
                continue
            target = {k: v for k, v in m.items() if k != "channel"}
            note = trial_notification(person_id, person.name, index, m["channel"], f"{self.public_url}/", now)
            results.append(send_trial(self.channels, m["channel"], target, note, index))
        return results
