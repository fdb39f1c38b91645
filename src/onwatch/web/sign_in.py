"""Signing in, guarded against password guessing.

Failed sign-ins are counted per account and per client address (an IPv6 client by its /64, which one
subscriber usually holds whole); an account or an address that used up its failures is refused with
429 and Retry-After until its window has passed, even with the right password, so guessing gains
nothing by going on. The address is the one uvicorn reports: behind a reverse proxy, let uvicorn trust
it (`--forwarded-allow-ips`) so X-Forwarded-For names the real client.

Password hashes (argon2: tens of milliseconds of CPU and 64 MiB each) are checked on a small thread
pool of their own (half the machine's cores, at least one), never on the event loop and never on the
pool that serves the other requests; when more sign-ins wait than `max_waiting`, the next is answered
503 at once. So parallel guessing costs the rest of the API at most those few threads.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from onwatch.directory.accounts import WebSession
from onwatch.kernel.clock import Clock
from onwatch.kernel.rate_limit import RateLimiter, client_key, in_words
from onwatch.web.auth import Sessions

# One pool for the process: it bounds the CPU and memory spent on argon2 to half the cores, whatever
# guessers do (bench/README.md).
HASHING_THREADS = max(1, (os.cpu_count() or 2) // 2)
_HASHING = ThreadPoolExecutor(max_workers=HASHING_THREADS, thread_name_prefix="onwatch-password")


@dataclass(frozen=True)
class SignInLimits:
    account_failures: int = 10
    address_failures: int = 30
    window: timedelta = timedelta(minutes=15)
    max_waiting: int = 16


class SignInRefused(Exception):
    """Not even checked: throttled (429) or too many sign-ins waiting (503). Says when to retry."""

    def __init__(self, status_code: int, retry_after: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retry_after = retry_after
        self.message = message


class SignInGuard:
    def __init__(self, sessions: Sessions, clock: Clock, limits: SignInLimits | None = None) -> None:
        self.sessions = sessions
        self.limits = limits = limits or SignInLimits()
        self.accounts = RateLimiter(clock, limits.account_failures, limits.window)
        self.addresses = RateLimiter(clock, limits.address_failures, limits.window)
        self._waiting = 0  # touched only on the event loop

    async def sign_in(self, person: str, password: str, host: str | None) -> tuple[str, WebSession] | None:
        """A new session for a correct password; None for a wrong one; SignInRefused when throttled."""
        address = client_key(host)
        if self._waiting >= self.limits.max_waiting:
            raise SignInRefused(503, 1, "Too many sign-ins at once; try again in a moment.")
        # counted before the check (and given back on success), so parallel guesses cannot all slip
        # through before the first failure is recorded
        account_wait = self.accounts.take(person)
        address_wait = self.addresses.take(address)
        if account_wait is not None or address_wait is not None:
            if account_wait is None:
                self.accounts.refund(person)
            if address_wait is None:
                self.addresses.refund(address)
            wait = max(account_wait or 0, address_wait or 0)
            raise SignInRefused(
                429,
                wait,
                "Too many failed sign-ins for this account or from your address. "
                f"Try again in {in_words(wait)}.",
            )
        self._waiting += 1
        try:
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(_HASHING, self.sessions.sign_in, person, password)
        except BaseException:
            self.accounts.refund(person)
            self.addresses.refund(address)
            raise
        finally:
            self._waiting -= 1
        if result is not None:
            self.accounts.refund(person)
            self.addresses.refund(address)
        return result
