"""Web UI accounts: local password hashes and server-side sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from onwatch.db.connect import dialect_insert
from onwatch.db.tables import web_passwords, web_sessions


def hash_secret(secret: str) -> str:
    # session secrets carry 256 random bits: a fast hash suffices (passwords use argon2, elsewhere)
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class WebSession:
    id: int
    person_id: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime


class WebRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    # ---- passwords -------------------------------------------------------------------------

    def set_password_hash(self, person_id: str, password_hash: str, now: datetime) -> None:
        stmt = dialect_insert(self.conn, web_passwords).values(
            person_id=person_id, password_hash=password_hash, updated_at=now
        )
        self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["person_id"], set_={"password_hash": password_hash, "updated_at": now}
            )
        )

    def password_hash(self, person_id: str) -> str | None:
        value: str | None = self.conn.execute(
            sa.select(web_passwords.c.password_hash).where(web_passwords.c.person_id == person_id)
        ).scalar_one_or_none()
        return value

    # ---- sessions --------------------------------------------------------------------------

    def create_session(self, person_id: str, now: datetime, expires_at: datetime) -> tuple[str, WebSession]:
        """A new session; returns the cookie secret (only its hash is stored) and the session."""
        secret = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        session_id = self.conn.execute(
            sa.insert(web_sessions)
            .values(
                secret_hash=hash_secret(secret),
                person_id=person_id,
                csrf_token=csrf,
                created_at=now,
                expires_at=expires_at,
            )
            .returning(web_sessions.c.id)
        ).scalar_one()
        return secret, WebSession(int(session_id), person_id, csrf, now, expires_at)

    def find_session(self, secret: str, now: datetime) -> WebSession | None:
        row = (
            self.conn.execute(
                sa.select(web_sessions).where(
                    web_sessions.c.secret_hash == hash_secret(secret),
                    web_sessions.c.revoked_at.is_(None),
                    web_sessions.c.expires_at > now,
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return WebSession(
            row["id"], row["person_id"], row["csrf_token"], row["created_at"], row["expires_at"]
        )

    def revoke_session(self, session_id: int, now: datetime) -> None:
        self.conn.execute(
            sa.update(web_sessions)
            .where(web_sessions.c.id == session_id, web_sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    def revoke_person(self, person_id: str, now: datetime) -> int:
        """End every session of a person (a new password signs them out everywhere)."""
        result = self.conn.execute(
            sa.update(web_sessions)
            .where(web_sessions.c.person_id == person_id, web_sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(result.rowcount)
