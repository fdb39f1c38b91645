"""The overdue digest as a durable engine timer: overdue reviews and corrective actions, sent on
the schedule of `reviews.digest` (weekly on Monday 09:00 by default) to each owner (theirs, at
the hour of their own zone, or of the organisation's) and in full to the IMOC on call (`imoc`),
`to` and `channel`.

One timer chain per zone, each timer keyed by its zone and period (`review-digest:<zone>:<period>`):
scheduling twice schedules once, and a timer runs once (its deletion commits with its messages).
Each message's outbox key names the period and the recipient, so however often a period's digest
is decided (a retry, a config applied again, a restart), each recipient gets it once. A changed
hour or day applies from the next digest on.
"""

from __future__ import annotations

from datetime import datetime

from onwatch.config.cache import AppliedConfig, ConfigCache
from onwatch.config.reviews import DigestConfig, DigestEvery, DigestZone
from onwatch.config.schema import OnwatchConfig
from onwatch.db.timers import TimerRecord
from onwatch.db.uow import UnitOfWork
from onwatch.kernel.errors import NotFound
from onwatch.notify.base import Notification
from onwatch.paging.outreach import notify_person, post_to_channel
from onwatch.reviews.domain.actions import CorrectiveAction
from onwatch.reviews.domain.digest import digest_message, next_slot
from onwatch.reviews.domain.review import Review
from onwatch.reviews.imoc import imoc_on_call
from onwatch.reviews.store.actions import ActionRepository
from onwatch.reviews.store.reviews import ReviewFilter, ReviewRepository

DIGEST = "review_digest"
PREFIX = "review-digest:"
EVERYTHING = 100_000  # overdue items a digest lists at most


def full_zone(config: OnwatchConfig) -> str:
    """The zone of the full digest (to `to` and `channel`): `timezone`, or the organisation's."""
    return config.reviews.digest.timezone or config.organisation.timezone


def zones(config: OnwatchConfig) -> set[str]:
    """The zones a digest goes out in: the full digest's, and each person's when owners get theirs
    at their own hour."""
    digest = config.reviews.digest
    if digest.every is DigestEvery.NEVER:
        return set()
    found = {full_zone(config)}
    if digest.zone is DigestZone.OWNER:
        found |= {p.timezone for p in config.people.values()}
    return found


def schedule_next(uow: UnitOfWork, digest: DigestConfig, zone: str, now: datetime) -> None:
    slot = next_slot(
        now, weekly=digest.every is DigestEvery.WEEK, weekday=int(digest.weekday), at=digest.at, zone=zone
    )
    uow.timers.schedule(
        DIGEST, slot.at, {"zone": zone, "period": slot.period}, f"{PREFIX}{zone}:{slot.period}", now
    )


def ensure_digests(uow: UnitOfWork, config: OnwatchConfig, now: datetime) -> None:
    """Start each zone's chain (a config applied, an engine started); idempotent: a zone whose next
    digest is already scheduled keeps it."""
    for zone in sorted(zones(config)):
        schedule_next(uow, config.reviews.digest, zone, now)


class DigestTimer:
    def __init__(self, cache: ConfigCache, public_url: str) -> None:
        self.cache = cache
        self.public_url = public_url

    def send(self, uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        try:
            applied = self.cache.get(uow)
        except NotFound:  # no config yet: nothing to digest, and applying one starts the chains
            return
        config = applied.config
        zone, period = str(timer.payload["zone"]), str(timer.payload["period"])
        if zone not in zones(config):
            return  # nobody is in this zone any more (or digests are off): the chain ends here
        reviews = uow.repo(ReviewRepository).find(ReviewFilter(overdue_at=now, limit=EVERYTHING))
        actions = uow.repo(ActionRepository).overdue(now)
        digest = config.reviews.digest
        owners = sorted({r.owner_id for r in reviews} | {a.owner_id for a in actions})
        for owner in owners:
            person = config.people.get(owner)
            if person is None:
                continue
            own_zone = person.timezone if digest.zone is DigestZone.OWNER else full_zone(config)
            if own_zone != zone:
                continue
            mine = [r for r in reviews if r.owner_id == owner]
            self._tell(uow, applied, owner, mine, [a for a in actions if a.owner_id == owner], period, now)
        full_to = list(digest.to)
        if zone == full_zone(config) and digest.imoc:
            imoc = imoc_on_call(uow, applied, now)
            if imoc is not None and imoc not in full_to:
                full_to.append(imoc)
        if zone == full_zone(config) and (full_to or digest.channel):
            # a digest beyond the owners names no confidential incident's review
            secret = uow.repo(ReviewRepository).of_confidential_incidents()
            shown = [r for r in reviews if r.id not in secret]
            listed = [a for a in actions if a.review_id not in secret]
            for person_id in full_to:
                self._tell(uow, applied, person_id, shown, listed, period, now, full=True)
            if digest.channel and (shown or listed):
                title, text = digest_message(shown, listed, now)
                note = self._note(title, text, digest.channel, period)
                post_to_channel(
                    uow, applied, digest.channel, note, f"{PREFIX}{period}:channel:{digest.channel}",
                    now, f"{PREFIX}{period}",
                )  # fmt: skip
        schedule_next(uow, digest, zone, now)

    def _tell(
        self,
        uow: UnitOfWork,
        applied: AppliedConfig,
        person_id: str,
        reviews: list[Review],
        actions: list[CorrectiveAction],
        period: str,
        now: datetime,
        *,
        full: bool = False,
    ) -> None:
        if not reviews and not actions:
            return
        title, text = digest_message(reviews, actions, now)
        who = "all" if full else "own"
        notify_person(
            uow, applied, person_id, self._note(title, text, person_id, period),
            f"{PREFIX}{period}:{who}:{person_id}", now, f"{PREFIX}{period}", first_method_only=True,
        )  # fmt: skip

    def _note(self, title: str, text: str, recipient: str, period: str) -> Notification:
        return Notification(
            kind="reminder",
            title=title,
            text=text,
            recipient=recipient,
            links={"reviews": f"{self.public_url}/reviews?overdue=1"},
            ref={"digest": period},
            urgency="low",
        )
