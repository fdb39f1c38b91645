"""How people and channels are reached: contact methods, channel targets, working hours and urgency.

Every target is checked when the config is loaded, so a typo in a phone number, an ntfy topic or an
Apprise URL is a config error with its path instead of a page that never arrives.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field, model_validator

from onwatch.config.base import Strict
from onwatch.config.types import Duration, Email

# E.164: a plus, a country code that does not start with 0, at most 15 digits in all
_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
# ntfy's own rule for topic names
_TOPIC = re.compile(r"^[-_A-Za-z0-9]{1,64}$")
_HTTP = re.compile(r"^https?://[^\s/]+")
# Telegram: a numeric chat id (negative for groups) or @channelusername
_TELEGRAM_CHAT = re.compile(r"^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$")
# Matrix room ids (!opaque:server) or aliases (#name:server)
_MATRIX_ROOM = re.compile(r"^[!#][^\s:]+:[^\s]+$")
_PUSHOVER_KEY = re.compile(r"^[A-Za-z0-9]{30}$")


class ContactType(StrEnum):
    EMAIL = "email"
    SLACK = "slack"
    WEBHOOK = "webhook"
    NTFY = "ntfy"
    TELEGRAM = "telegram"
    SMS = "sms"
    VOICE = "voice"
    PUSHOVER = "pushover"
    TEAMS = "teams"
    MATTERMOST = "mattermost"
    MATRIX = "matrix"
    DISCORD = "discord"
    APPRISE = "apprise"


# the types that post to a URL the service gave (the URL is the credential)
URL_TYPES = frozenset(
    {ContactType.SLACK, ContactType.WEBHOOK, ContactType.TEAMS, ContactType.MATTERMOST, ContactType.DISCORD}
)


class Urgency(StrEnum):
    HIGH = "high"
    LOW = "low"


class MethodUrgency(StrEnum):
    """Which pages a contact method carries: every page, or only high-urgency ones (the loud ones)."""

    ANY = "any"
    HIGH = "high"


def apprise_problem(url: str) -> str | None:
    """Why `url` is not an Apprise URL onwatch can send to, or None."""
    # loaded only when a config uses Apprise (it registers some 200 plugins)
    import apprise
    from apprise.manager_plugins import NotificationManager

    scheme, sep, _rest = url.partition("://")
    if not sep or not scheme:
        return f"{url!r} is not an Apprise URL (scheme://...)"
    if scheme.lower() not in NotificationManager().schemas():  # type: ignore[no-untyped-call]
        return f"unknown Apprise scheme {scheme!r}"
    if apprise.Apprise.instantiate(url) is None:
        return f"Apprise cannot use this {scheme}:// URL (missing or invalid parts)"
    return None


def target_problem(kind: ContactType, fields: dict[str, Any]) -> str | None:
    """What is missing or wrong in the target of a contact method or channel of `kind`."""
    url, topic, number, chat = (fields.get(k) for k in ("url", "topic", "number", "chat"))
    if kind is ContactType.EMAIL:
        return None if fields.get("address") else "an email target needs 'address'"
    if kind in URL_TYPES:
        if not url:
            return f"a {kind.value} target needs 'url'"
        return None if _HTTP.match(url) else f"{url!r} is not an http(s) URL"
    if kind is ContactType.NTFY:
        if not topic or not _TOPIC.match(topic):
            return f"invalid ntfy topic {topic!r}: 1-64 letters, digits, '-' or '_'"
        server = fields.get("server")
        return None if server is None or _HTTP.match(server) else f"{server!r} is not an http(s) URL"
    if kind in (ContactType.SMS, ContactType.VOICE):
        if not number or not _PHONE.match(number):
            return f"invalid phone number {number!r}: use E.164, e.g. +447700900123"
        return None
    if kind is ContactType.TELEGRAM:
        ok = chat and _TELEGRAM_CHAT.match(chat)
        return None if ok else f"invalid Telegram chat {chat!r}: a numeric chat id or @channel"
    if kind is ContactType.PUSHOVER:
        key = fields.get("user_key")
        return None if key and _PUSHOVER_KEY.match(key) else "invalid Pushover user key: 30 letters/digits"
    if kind is ContactType.MATRIX:
        room = fields.get("room")
        return None if room and _MATRIX_ROOM.match(room) else f"invalid Matrix room {room!r}: !id:server"
    if kind is ContactType.APPRISE:
        return apprise_problem(url) if url else "an apprise target needs 'url'"
    return None  # pragma: no cover


class Target(Strict):
    """Where a message goes; which fields count depends on the type (see `target_problem`)."""

    address: Email | None = None
    url: str | None = Field(default=None, max_length=2000)
    secret: str | None = Field(
        default=None, description="HMAC key for a webhook (default: ONWATCH_WEBHOOK_SECRET)"
    )
    server: str | None = Field(default=None, description="ntfy server (default: https://ntfy.sh)")
    topic: str | None = Field(default=None, description="ntfy topic")
    token: str | None = Field(default=None, max_length=500, description="ntfy access token")
    chat: str | None = Field(default=None, description="Telegram chat id (a person's is their user id)")
    number: str | None = Field(default=None, description="phone number in E.164 (sms, voice)")
    provider: str | None = Field(default=None, description="SMS/voice provider to try first")
    user_key: str | None = Field(default=None, description="Pushover user key")
    room: str | None = Field(default=None, description="Matrix room id")

    def target(self) -> dict[str, Any]:
        """The outbox target: the fields that are set."""
        return {k: v for k, v in self.model_dump(include=TARGET_FIELDS).items() if v is not None}


TARGET_FIELDS = {"address", "url", "secret", "server", "topic", "token", "chat", "number", "provider"} | {
    "user_key",
    "room",
}


class ContactMethod(Target):
    """One way to reach a person. `delay` orders notification rules (Slack at 0m, email at 2m)."""

    type: ContactType
    delay: Duration = timedelta(0)
    urgency: MethodUrgency = Field(
        default=MethodUrgency.ANY, description="'high': used only for high-urgency pages (loud methods)"
    )

    @model_validator(mode="after")
    def _target_matches_type(self) -> ContactMethod:
        problem = target_problem(self.type, self.model_dump())
        if problem:
            raise ValueError(problem.replace("target", "contact method", 1))
        return self


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WorkingHours(Strict):
    """When low-urgency pages may reach a person, in their own time zone."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: time = Field(default=time(9, 0), alias="from")
    end: time = Field(default=time(17, 0), alias="to")
    days: list[str] = Field(default_factory=lambda: list(_DAYS[:5]))

    @model_validator(mode="after")
    def _valid(self) -> WorkingHours:
        unknown = [d for d in self.days if d not in _DAYS]
        if unknown:
            raise ValueError(f"unknown day {unknown[0]!r}; use {', '.join(_DAYS)}")
        if self.end <= self.start:
            raise ValueError("'to' must be after 'from'")
        return self

    def weekdays(self) -> frozenset[int]:
        return frozenset(_DAYS.index(d) for d in self.days)
