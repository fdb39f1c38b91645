"""Local accounts for the web UI: argon2 password hashes, server-side sessions, CSRF tokens.

The session cookie carries a random secret plus an HMAC of it (so a forged cookie is refused
without a database look-up); the table holds only the secret's hash. Signing out revokes the row,
so it ends the session on every replica at once. Every form POST must carry the session's CSRF
token; forms shown before sign-in (sign-in, status page subscriptions) use a double-submit cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.requests import Request
from starlette.responses import Response

from onwatch.config.cache import ConfigCache
from onwatch.db.secrets import shared_secret
from onwatch.db.uow import Database
from onwatch.directory.access import Caller, caller_in
from onwatch.directory.accounts import WebRepository, WebSession
from onwatch.directory.store import DirectoryRepository
from onwatch.kernel.clock import Clock
from onwatch.kernel.enums import Interface
from onwatch.kernel.errors import InvalidInput
from onwatch.kernel.timeline import Actor

SESSION_COOKIE = "onwatch_session"
FORM_COOKIE = "onwatch_form"
SESSION_LIFETIME = timedelta(days=14)
MIN_PASSWORD = 10

_hasher = PasswordHasher()
# verifying against this keeps a sign-in for an unknown person as slow as for a known one
_DUMMY_HASH = _hasher.hash("not a real password, only here to spend the same time")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password needs at least {MIN_PASSWORD} characters", field="password")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class WebUser:
    person_id: str
    name: str
    session: WebSession
    # the person's access level and circle (directory/access.py), read at each request
    access: Caller

    @property
    def may_act(self) -> bool:
        """Responders and admins act; viewers see no action buttons and their posts are refused."""
        return self.access.may_act

    @property
    def is_admin(self) -> bool:
        return self.access.is_admin

    @property
    def actor(self) -> Actor:
        return Actor(name=self.person_id, interface=Interface.WEB, person_id=self.person_id)

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token


class SignInRequired(Exception):
    """Raised by pages that need a signed-in person; answered with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Sessions:
    def __init__(
        self, db: Database, clock: Clock, *, secure_cookies: bool = False, cache: ConfigCache | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache or ConfigCache()
        self.secure_cookies = secure_cookies
        self._key: bytes | None = None

    def _signing_key(self) -> bytes:
        if self._key is None:
            with self.db.write() as uow:
                self._key = shared_secret(uow.conn, "web-session-cookies").encode()
        return self._key

    def _sign(self, secret: str) -> str:
        mac = hmac.new(self._signing_key(), secret.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{secret}.{mac}"

    def _unsign(self, value: str) -> str | None:
        secret, _, _mac = value.rpartition(".")
        if not secret or not hmac.compare_digest(self._sign(secret), value):
            return None
        return secret

    # ---- sign in / out ---------------------------------------------------------------------

    def sign_in(self, person_id: str, password: str) -> tuple[str, WebSession] | None:
        """A new session for a correct password; None otherwise (the same answer for any failure)."""
        with self.db.read() as uow:
            person = uow.repo(DirectoryRepository).person(person_id)
            stored = WebRepository(uow.conn).password_hash(person_id) if person and person.active else None
        if not verify_password(stored, password):
            return None
        now = self.clock.now()
        with self.db.write() as uow:
            secret, session = WebRepository(uow.conn).create_session(person_id, now, now + SESSION_LIFETIME)
        return self._sign(secret), session

    def set_password(self, person_id: str, password: str) -> None:
        """Set a person's password and end their sessions everywhere."""
        hashed = hash_password(password)
        now = self.clock.now()
        with self.db.write() as uow:
            uow.repo(DirectoryRepository).require_person(person_id)
            repo = WebRepository(uow.conn)
            repo.set_password_hash(person_id, hashed, now)
            repo.revoke_person(person_id, now)

    def sign_out(self, user: WebUser) -> None:
        with self.db.write() as uow:
            WebRepository(uow.conn).revoke_session(user.session.id, self.clock.now())

    def user(self, request: Request) -> WebUser | None:
        raw = request.cookies.get(SESSION_COOKIE)
        secret = self._unsign(raw) if raw else None
        if secret is None:
            return None
        with self.db.read() as uow:
            session = WebRepository(uow.conn).find_session(secret, self.clock.now())
            person = uow.repo(DirectoryRepository).person(session.person_id) if session else None
            if session is None or person is None or not person.active:
                return None
            access = caller_in(uow, self.cache, person.id)
        return WebUser(person.id, person.name, session, access)

    # ---- cookies ---------------------------------------------------------------------------

    def set_cookie(self, response: Response, value: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            value,
            max_age=int(SESSION_LIFETIME.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=self.secure_cookies,
            path="/",
        )

    def clear_cookie(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")

    @staticmethod
    def form_token(request: Request) -> str:
        """The double-submit token for forms shown before sign-in (see `set_form_cookie`)."""
        return request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)

    def set_form_cookie(self, response: Response, token: str) -> None:
        response.set_cookie(
            FORM_COOKIE, token, httponly=True, samesite="lax", secure=self.secure_cookies, path="/"
        )


def csrf_ok(expected: str | None, sent: object) -> bool:
    return bool(expected) and isinstance(sent, str) and hmac.compare_digest(expected or "", sent)
