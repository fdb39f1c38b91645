"""The weekly digest as a durable engine timer (`report_digest`), like the reviews' overdue digest:
one timer per week, due on `reports.digest.weekday` at `at` in `zone` (the organisation's by
default) and keyed by that week (`report-digest:<ISO week>`), so scheduling twice schedules once
and a timer runs once (its deletion commits with its messages). When it comes due, the 7 days up to
it are counted by the reports' own queries, sent by email to each person of `to` and posted to
`channel`, and the next week's timer is scheduled.

Each message's outbox key names the week and the recipient, so however often a week's digest is
decided (a retry, a second worker, a config applied again at the hour, a restart), each recipient
gets it once. Confidentiality as everywhere: a person's digest leaves out the confidential incidents
they may not see (directory/access.py), the channel's leaves out every confidential incident.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from onwatch.config.cache import AppliedConfig, ConfigCache
from onwatch.config.contacts import ContactType
from onwatch.config.events import ConfigApplied
from onwatch.config.reports import ReportDigestConfig, ReportDigestEvery
from onwatch.config.schema import OnwatchConfig
from onwatch.db.tables import timers
from onwatch.db.timers import TimerRecord
from onwatch.db.uow import UnitOfWork
from onwatch.directory.access import Caller, caller, hidden_incidents
from onwatch.engine.timers import TimerKinds
from onwatch.kernel.enums import AccessLevel
from onwatch.kernel.errors import NotFound
from onwatch.kernel.events import EventBus
from onwatch.notify.base import Notification
from onwatch.paging.outreach import outbox_row, post_to_channel
from onwatch.reports.digest import domain
from onwatch.reports.digest.figures import week_figures
from onwatch.reviews.domain.digest import next_slot

REPORT_DIGEST = "report_digest"
PREFIX = "report-digest:"
# a channel is read by whoever is in it: it sees what a viewer sees (no confidential incident)
CHANNEL_READER = Caller(person_id=None, level=AccessLevel.VIEWER)


def _weekly(config: OnwatchConfig) -> ReportDigestConfig | None:
    digest = config.reports.digest
    return digest if digest is not None and digest.every is ReportDigestEvery.WEEK else None


def zone_of(config: OnwatchConfig) -> str:
    digest = config.reports.digest
    return (digest.timezone if digest is not None else None) or config.organisation.timezone


def schedule_next(uow: UnitOfWork, config: OnwatchConfig, after: datetime, now: datetime) -> None:
    """The timer of the first digest strictly after `after` (none when digests are off)."""
    digest = _weekly(config)
    if digest is None:
        return
    slot = next_slot(after, weekly=True, weekday=int(digest.weekday), at=digest.at, zone=zone_of(config))
    payload = {"period": slot.period, "at": slot.at.isoformat()}
    uow.timers.schedule(REPORT_DIGEST, slot.at, payload, f"{PREFIX}{slot.period}", now)


def ensure_scheduled(uow: UnitOfWork, config: OnwatchConfig, now: datetime) -> None:
    """The next digest's timer, unless one is pending (an engine started; idempotent)."""
    pending = uow.conn.execute(sa.select(timers.c.id).where(timers.c.dedup_key.startswith(PREFIX))).first()
    if pending is None:
        schedule_next(uow, config, now, now)


def week_before(end: datetime, zone: str) -> datetime:
    """The same wall-clock time a week before `end` in `zone`: the previous digest's instant, so
    consecutive digests cover the weeks end to end (a DST week is 167 or 169 hours)."""
    local = end.astimezone(ZoneInfo(zone))
    return datetime.combine(local.date() - domain.WEEK, local.time(), tzinfo=local.tzinfo).astimezone(UTC)


def email_address(applied: AppliedConfig, person_id: str) -> str | None:
    """The person's first email contact method, else their directory email."""
    person = applied.config.people.get(person_id)
    if person is None:
        return None
    for method in person.contact_methods:
        if method.type is ContactType.EMAIL and method.address:
            return str(method.address)
    return person.email


class DigestTimer:
    def __init__(self, cache: ConfigCache, public_url: str) -> None:
        self.cache = cache
        self.public_url = public_url.rstrip("/")

    def send(self, uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        try:
            applied = self.cache.get(uow)
        except NotFound:  # nothing applied yet: applying a config starts the chain
            return
        config = applied.config
        digest = _weekly(config)
        if digest is None:
            return  # digests were turned off: the chain ends here
        period = str(timer.payload["period"])
        end = datetime.fromisoformat(str(timer.payload["at"]))
        zone = zone_of(config)
        start = week_before(end, zone)
        seen: dict[frozenset[int], domain.WeekFigures] = {}

        def figures(hidden: frozenset[int]) -> domain.WeekFigures:
            if hidden not in seen:
                seen[hidden] = week_figures(uow, applied, start, end, zone, hidden, now)
            return seen[hidden]

        correlation = f"{PREFIX}{period}"
        for person_id in digest.to:
            address = email_address(applied, person_id)
            if address is None:
                continue
            hidden = hidden_incidents(uow.conn, caller(uow.conn, config, person_id))
            note = self._note(figures(hidden), person_id, applied.config.people[person_id].name, period)
            key = f"{PREFIX}{period}:{person_id}"
            row = outbox_row(key, ContactType.EMAIL.value, {"address": address}, note, now, now, correlation)
            uow.outbox.enqueue([row])
        if digest.channel is not None:
            shown = figures(hidden_incidents(uow.conn, CHANNEL_READER))
            note = self._note(shown, digest.channel, "", period)
            post_to_channel(uow, applied, digest.channel, note, f"{PREFIX}{period}:channel", now, correlation)
        # after an engine was down for weeks: this late digest, then the next on its day (no backlog)
        schedule_next(uow, config, max(end, now), now)

    def links(self, f: domain.WeekFigures) -> dict[str, str]:
        """The web reports of the week's UTC days (the web pages filter by whole days)."""
        query = urlencode({"from": f"{f.start:%Y-%m-%d}", "to": f"{f.end - timedelta(seconds=1):%Y-%m-%d}"})
        base = f"{self.public_url}/reports"
        return {
            "response_times": f"{base}?{query}",
            "on_call_load": f"{base}/load?{query}",
            "alert_noise": f"{base}/noise?{query}",
            "learning": f"{base}/learning?{query}",
        }

    def _note(self, f: domain.WeekFigures, recipient: str, name: str, period: str) -> Notification:
        return Notification(
            kind="digest",
            title=domain.title(f),
            text=domain.text(f),
            recipient=recipient,
            recipient_name=name,
            links=self.links(f),
            facts=domain.facts(f),
            ref={"report_digest": period, "from": f.start.isoformat(), "to": f.end.isoformat()},
            urgency="low",
        )


def subscribe(bus: EventBus[UnitOfWork]) -> None:
    """A config applied moves the digest to its day and hour (or ends it): reschedule its timer."""

    def config_applied(uow: UnitOfWork, event: ConfigApplied) -> None:
        uow.timers.cancel_timers(PREFIX)
        # from just before now: a digest due this very instant whose timer has not run yet keeps it
        # (if it ran, the outbox's keys send nothing twice)
        schedule_next(uow, event.config, event.at - timedelta(seconds=1), event.at)

    bus.subscribe(ConfigApplied, config_applied)


def register(kinds: TimerKinds, cache: ConfigCache, public_url: str) -> None:
    kinds.register(REPORT_DIGEST, DigestTimer(cache, public_url).send)
