"""`onwatch db copy`: every table from one database into another (SQLite -> PostgreSQL when a team
outgrows one machine), verified.

The target must be migrated to the source's revision and empty: a copy never merges. Rows go in
foreign-key order, in one transaction on the target (all or nothing), read and written through the
tables' column types, so instants, JSON and booleans arrive as the same values on either database.
PostgreSQL's sequences are then moved past the copied ids. Each table is verified afterwards: its row
count and a SHA-256 over its rows (in primary-key order, each value in one canonical form) must be
the same on both sides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from onwatch.db import migrate
from onwatch.db.tables import metadata

BATCH = 2000


class CopyRefused(Exception):
    """The target cannot take the copy (not migrated like the source, or not empty)."""


@dataclass(frozen=True)
class TableCopy:
    table: str
    rows: int
    checksum: str  # of the target's rows, equal to the source's
    verified: bool


def copy_database(source: Engine, target: Engine) -> list[TableCopy]:
    """Copy every table of `source` into `target`; the verification of each, in copy order."""
    _check_target(source, target)
    tables = metadata.sorted_tables
    with source.connect() as src, target.begin() as dst:
        for table in tables:
            for rows in _batches(src, table):
                dst.execute(table.insert(), rows)
        if target.dialect.name == "postgresql":
            _move_sequences(dst, tables)
    report = []
    with source.connect() as src, target.connect() as dst:
        for table in tables:
            count, digest = table_checksum(src, table)
            copied, copied_digest = table_checksum(dst, table)
            report.append(
                TableCopy(table.name, copied, copied_digest, (count, digest) == (copied, copied_digest))
            )
    return report


def _check_target(source: Engine, target: Engine) -> None:
    have, want = migrate.current_revision(target), migrate.current_revision(source)
    if have != want:
        raise CopyRefused(
            f"the target is at revision {have}, the source at {want}: run `onwatch migrate` on both"
        )
    with target.connect() as conn:
        full = [
            t.name
            for t in metadata.sorted_tables
            if conn.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first()
        ]
    if full:
        raise CopyRefused(f"the target is not empty (rows in {', '.join(full)}): copy into an empty database")


def _ordered(table: sa.Table) -> sa.Select[Any]:
    keys = list(table.primary_key.columns) or list(table.columns)
    return sa.select(table).order_by(*keys)


def _batches(conn: sa.Connection, table: sa.Table) -> Iterator[list[dict[str, Any]]]:
    result = conn.execution_options(stream_results=True).execute(_ordered(table))
    while rows := result.mappings().fetchmany(BATCH):
        yield [dict(row) for row in rows]


def _move_sequences(conn: sa.Connection, tables: list[sa.Table]) -> None:
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            sequence = conn.execute(
                sa.select(sa.func.pg_get_serial_sequence(table.name, column.name))
            ).scalar_one()
            if sequence is not None:
                top = conn.execute(sa.select(sa.func.max(column))).scalar_one()
                if top is not None:
                    conn.execute(sa.select(sa.func.setval(sequence, top)))


def table_checksum(conn: sa.Connection, table: sa.Table) -> tuple[int, str]:
    """The table's row count and a SHA-256 of its rows in primary-key order."""
    digest = hashlib.sha256()
    count = 0
    for row in conn.execute(_ordered(table)).mappings():
        count += 1
        digest.update(
            orjson.dumps({str(k): _canonical(v) for k, v in row.items()}, option=orjson.OPT_SORT_KEYS)
        )
        digest.update(b"\n")
    return count, digest.hexdigest()


def _canonical(value: Any) -> Any:
    """One form per value whichever database it was read from."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)  # onwatch stores UTC instants
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value
