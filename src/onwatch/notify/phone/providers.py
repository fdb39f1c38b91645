"""The SMS/voice provider interface, and the order providers are tried in for a number.

Order for one message: the provider the contact method names (`provider:`), then those whose
`prefixes` match the number (longest prefix first: "+1" for North America, "+44" for the UK), then
the others in the order configured. A provider that fails hands the message to the next one; only
when every provider failed does the delivery fail (and the outbox retry it later, unless every
failure was permanent).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar, Protocol

import httpx

from onwatch.notify.base import DeliveryError


class PhoneProvider(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def prefixes(self) -> Sequence[str]:
        """Numbers starting with one of these try this provider first ("+1", "+44")."""
        ...

    @property
    def voice(self) -> bool:
        """Can it place calls."""
        ...

    def send_sms(self, to: str, text: str, key: str) -> str:
        """Send one SMS; return the provider's id of it. Raise DeliveryError on failure."""
        ...

    def call(self, to: str, public_url: str, token: str, key: str) -> str:
        """Call `to` for the page whose signed acknowledge token is `token`: the provider fetches what
        to say from onwatch (at `public_url`, under its own webhook path). Returns its id of the call."""
        ...


class HttpPhoneProvider:
    """What every HTTP provider account holds: its name in config, the account and its secret, the
    sender number, the API base URL (a loopback server in tests) and the prefixes it is preferred for."""

    kind: ClassVar[str]
    voice: bool  # per class, or per account (a Vonage account places calls with an application)
    default_api_url: ClassVar[str]

    def __init__(
        self,
        name: str,
        account: str,
        secret: str,
        sender: str,
        *,
        api_url: str = "",
        prefixes: Sequence[str] = (),
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.name = name
        self.account = account
        self.secret = secret
        self.sender = sender
        self.api_url = (api_url or self.default_api_url).rstrip("/")
        self.prefixes = tuple(prefixes)
        self._client = client or httpx.Client()
        self.timeout = timeout


def order_for(
    providers: Sequence[PhoneProvider], number: str, preferred: str | None, *, voice: bool = False
) -> list[PhoneProvider]:
    usable = [p for p in providers if p.voice or not voice]

    def rank(indexed: tuple[int, PhoneProvider]) -> tuple[int, int, int]:
        position, provider = indexed
        matched = max((len(x) for x in provider.prefixes if number.startswith(x)), default=0)
        return (0 if provider.name == preferred else 1, -matched, position)

    return [p for _, p in sorted(enumerate(usable), key=rank)]


def hand_over(
    providers: Sequence[PhoneProvider],
    number: str,
    preferred: str | None,
    attempt: Callable[[PhoneProvider], str],
    *,
    voice: bool = False,
) -> str:
    """Run `attempt(provider)` on each provider in order until one succeeds; its id. DeliveryError
    naming every failure if none does (retryable if any failure was)."""
    ordered = order_for(providers, number, preferred, voice=voice)
    if not ordered:
        what = "voice" if voice else "SMS"
        raise DeliveryError(f"no {what} provider configured (ONWATCH_PHONE_PROVIDERS)", retryable=False)
    failures: list[DeliveryError] = []
    for provider in ordered:
        try:
            return attempt(provider)
        except DeliveryError as exc:
            failures.append(DeliveryError(f"{provider.name}: {exc}", retryable=exc.retryable))
    raise DeliveryError("; ".join(str(f) for f in failures), retryable=any(f.retryable for f in failures))
