"""Set-based alert writes for ingest: a whole group-commit batch in a few statements.

Every statement takes the batch as ONE JSON parameter (PostgreSQL: `jsonb_to_recordset`, SQLite:
`json_each`) instead of one bound parameter per value: binding thousands of parameters, not the
database, was the cost of executemany here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import psycopg
import sqlalchemy as sa

from onwatch.db.types import UTCDateTime


@dataclass(frozen=True)
class AlertState:
    """What ingest needs to know about a stored alert to decide where a new event goes."""

    id: int
    status: str
    group_id: int


# PostgreSQL: one index lookup per key (LATERAL), whatever the table's statistics say: a plan
# chosen from the stats of a table that just grew from nothing scanned every alert of the
# integration. Locked in dedup-key order, the same order as the fast lane's statement, so two
# batches on different replicas cannot deadlock on each other's alerts.
def _locked_alerts(keys: str) -> str:
    """`keys`: a query of the keys, in a column k."""
    return (
        "SELECT a.dedup_key, a.id, a.status, a.group_id "
        f"FROM (SELECT DISTINCT k FROM ({keys}) AS keys ORDER BY k) AS i "
        "CROSS JOIN LATERAL (SELECT dedup_key, id, status, group_id FROM alerts "
        "  WHERE integration_id = :integration AND dedup_key = i.k FOR UPDATE) AS a"
    )


_STATES = {
    "postgresql": sa.text(_locked_alerts("SELECT unnest(CAST(:keys AS text[])) AS k")),
    "sqlite": sa.text(
        "SELECT dedup_key, id, status, group_id FROM alerts "
        "WHERE integration_id = :integration AND dedup_key IN (SELECT value FROM json_each(:keys))"
    ),
}

_COLUMNS = (
    "integration_id, dedup_key, group_id, status, summary, severity, source, labels, details, "
    "event_count, first_seen, last_seen, resolved_at"
)
_ON_CONFLICT = (
    "ON CONFLICT (integration_id, dedup_key) DO UPDATE SET group_id = excluded.group_id, "
    "status = excluded.status, summary = excluded.summary, severity = excluded.severity, "
    "source = excluded.source, labels = excluded.labels, details = excluded.details, "
    "event_count = alerts.event_count + excluded.event_count, last_seen = excluded.last_seen, "
    "resolved_at = NULL"
)
_UPSERT = {
    "postgresql": sa.text(
        f"INSERT INTO alerts ({_COLUMNS}) "
        "SELECT :integration, r.k, r.g, 'firing', r.s, r.v, r.o, r.l, r.d, r.n, :now, :now, NULL "
        "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
        "AS r(k text, g integer, s text, v text, o text, l jsonb, d jsonb, n integer) "
        f"{_ON_CONFLICT} RETURNING dedup_key, xmax <> 0 AS existed"
    ).bindparams(sa.bindparam("now", type_=UTCDateTime())),
    # `WHERE true`: SQLite's parser needs it between a SELECT and ON CONFLICT
    "sqlite": sa.text(
        f"INSERT INTO alerts ({_COLUMNS}) SELECT :integration, "
        + ", ".join(f"json_extract(value, '$.{f}')" for f in "kg")
        + ", 'firing', "
        + ", ".join(f"json_extract(value, '$.{f}')" for f in "svoldn")
        + f", :now, :now, NULL FROM json_each(:rows) WHERE true {_ON_CONFLICT}"
    ).bindparams(sa.bindparam("now", type_=UTCDateTime())),
}


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def alert_states(conn: sa.Connection, integration_id: str, keys: list[str]) -> dict[str, AlertState]:
    """The stored alerts among `keys`, locked for this transaction (in key order, so concurrent
    batches on other replicas lock them in the same order)."""
    if not keys:
        return {}
    sqlite = conn.dialect.name == "sqlite"
    rows = conn.execute(
        _STATES[conn.dialect.name], {"integration": integration_id, "keys": _json(keys) if sqlite else keys}
    ).all()
    return {key: AlertState(int(aid), status, int(gid)) for key, aid, status, gid in rows}


def upsert_firing(
    conn: sa.Connection, integration_id: str, rows: list[dict[str, Any]], now: datetime
) -> set[str]:
    """Insert or update firing alerts in one statement. Each row: k (dedup key, unique within the
    batch), g (group id), s (summary), v (severity), o (source), l (labels), d (details) and n (events
    to add to the alert's count; a new alert starts at n). Returns the keys that were updated rather
    than inserted although the caller's lookup did not find them: a concurrent transaction inserted
    them meanwhile (PostgreSQL; SQLite has one writer at a time)."""
    if not rows:
        return set()
    done = conn.execute(
        _UPSERT[conn.dialect.name], {"integration": integration_id, "rows": _json(rows), "now": now}
    )
    if conn.dialect.name != "postgresql":
        return set()
    return {key for key, existed in done if existed}


# PostgreSQL, the common case in ONE statement: every alert of the batch joins a group that is
# already open (or stays in its group while it fires). The statement locks the batch's stored alerts,
# share-locks their open groups (they stay open meanwhile; other writers may join them too), upserts
# the alerts and appends to the groups' counts (paging/store/counts.py: no group row is updated, so
# concurrent batches do not wait for each other's commit), and returns where each alert went. If some
# alert needs a group that is not open, or the config the caller grouped by is no longer the applied
# one, it writes nothing and says so: the caller then takes the path that opens groups and pages.
# Sent with psycopg itself (one parameter per name, %(name)s): SQLAlchemy's statement execution
# cost more client CPU than the rest of a small batch's round trip.
_FAST_TRIGGERS = (
    "WITH input AS (SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
    "  AS r(k text, gk text, s text, v text, o text, l jsonb, d jsonb, n integer)), "
    f"old AS ({_locked_alerts('SELECT k FROM input')}), "
    "grp AS (SELECT id, group_key FROM alert_groups "
    "  WHERE group_key = ANY(ARRAY(SELECT gk FROM input)) AND status <> 'resolved' ORDER BY id FOR SHARE), "
    "target AS (SELECT i.*, old.status AS old_status, "
    "  CASE WHEN old.status = 'firing' THEN old.group_id ELSE grp.id END AS g "
    "  FROM input i LEFT JOIN old ON old.dedup_key = i.k LEFT JOIN grp ON grp.group_key = i.gk), "
    "ready AS (SELECT bool_and(g IS NOT NULL) "
    "  AND (SELECT max(id) FROM config_revisions) = CAST(:revision AS integer) AS ok FROM target), "
    f"up AS (INSERT INTO alerts ({_COLUMNS}) "
    "  SELECT :integration, k, g, 'firing', s, v, o, l, d, n, :now, :now, NULL "
    f"  FROM target WHERE (SELECT ok FROM ready) {_ON_CONFLICT} "
    "  RETURNING dedup_key, xmax = 0 AS inserted), "
    # an alert not there when looked up but there when upserted was inserted (firing) by a concurrent
    # batch, which counts it: here it is an update of a firing alert
    "fixed AS (SELECT t.k, t.g, t.n, CASE WHEN up.inserted THEN NULL "
    "  ELSE coalesce(t.old_status, 'firing') END AS before FROM target t JOIN up ON up.dedup_key = t.k), "
    "counted AS (INSERT INTO alert_group_counts (group_id, alerts, firing, events, at) "
    "  SELECT g, count(*) FILTER (WHERE before IS NULL), "
    "    count(*) FILTER (WHERE before IS DISTINCT FROM 'firing'), sum(n), :now "
    "  FROM fixed GROUP BY g) "
    "SELECT t.k, t.g, f.before, (SELECT ok FROM ready) FROM target t LEFT JOIN fixed f ON f.k = t.k"
)
_FAST_TRIGGERS_PSYCOPG = re.sub(r"(?<!:):(\w+)", r"%(\1)s", _FAST_TRIGGERS)


async def triggers_in_open_groups(
    conn: psycopg.AsyncConnection[Any],
    integration_id: str,
    rows: list[dict[str, Any]],
    now: datetime,
    config_revision: int,
) -> dict[str, tuple[int, str | None]] | None:
    """PostgreSQL only. `rows` as for `upsert_firing`, with gk (the group key a new or re-firing alert
    belongs to) instead of g. If every alert can go to an open group and `config_revision` is still
    the latest applied config, writes the batch and returns, per dedup key, (group id, the alert's
    status before: None when this batch inserted it). Otherwise writes nothing and returns None.
    One statement: on an autocommit connection, one round trip commits the whole batch."""
    if not rows:
        return {}
    params = {"integration": integration_id, "rows": _json(rows), "now": now, "revision": config_revision}
    cursor = await conn.execute(_FAST_TRIGGERS_PSYCOPG, params, prepare=True)
    found = await cursor.fetchall()
    if not found or not found[0][3]:
        return None
    return {k: (int(g), status) for k, g, status, _ok in found}
