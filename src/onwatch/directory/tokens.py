"""API tokens, stored as SHA-256 hashes: the secret itself is shown once and never kept."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, fields
from datetime import datetime

import sqlalchemy as sa

from onwatch.db.tables import api_tokens
from onwatch.kernel.enums import AccessLevel

TOKEN_PREFIX = "onw_"


# a token's role is an access level, as a person's is (kernel/enums.py)
TokenRole = AccessLevel


@dataclass(frozen=True)
class TokenRecord:
    id: int
    name: str
    role: TokenRole
    person_id: str | None
    created_at: datetime
    revoked_at: datetime | None


def hash_token(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough; a slow KDF would only cost latency.
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def create(self, *, name: str, role: TokenRole, person_id: str | None, now: datetime) -> tuple[str, int]:
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token_id = self.conn.execute(
            sa.insert(api_tokens)
            .values(
                name=name, token_hash=hash_token(secret), role=role.value, person_id=person_id, created_at=now
            )
            .returning(api_tokens.c.id)
        ).scalar_one()
        return secret, int(token_id)

    def find(self, secret: str) -> TokenRecord | None:
        row = (
            self.conn.execute(sa.select(api_tokens).where(api_tokens.c.token_hash == hash_token(secret)))
            .mappings()
            .first()
        )
        if row is None or row["revoked_at"] is not None:
            return None
        return self._record(row)

    def all(self) -> list[TokenRecord]:
        rows = self.conn.execute(sa.select(api_tokens).order_by(api_tokens.c.id)).mappings()
        return [self._record(r) for r in rows]

    def revoke(self, token_id: int, now: datetime) -> bool:
        result = self.conn.execute(
            sa.update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount == 1

    @staticmethod
    def _record(row: sa.RowMapping) -> TokenRecord:
        values = {f.name: row[f.name] for f in fields(TokenRecord)}  # every column but the hash
        return TokenRecord(**{**values, "role": TokenRole(row["role"])})
