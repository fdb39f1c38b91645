"""The fast lane of alert ingest (PostgreSQL): a batch of triggers that all join groups already open
is committed by ONE statement on an autocommit connection, one round trip to the database.

This is the steady state of monitoring (alerts re-firing, or new alerts of groups that are already
paging). Anything else (an alert opening a group, acknowledges and resolves, a config applied since
the lane last saw it, no config read yet) makes the lane write nothing and say so, and the batch
goes through `IngestRun` in an ordinary transaction.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from onwatch.alerts.ingest.apply import AlertIngest
from onwatch.alerts.ingest.rows import Grouping, IngestResult, results_in_open_groups, rows_with_group_keys
from onwatch.alerts.store import batch as alert_batch
from onwatch.paging.domain.alerts import AlertAction, AlertEvent
from onwatch.paging.store.groups import IntegrationRecord

log = logging.getLogger(__name__)

MAX_KNOWN_GROUPS = 50_000


@dataclass(frozen=True)
class Batch:
    """A batch the fast statement can take: its rows, grouped by the config of `revision`."""

    rows: list[dict[str, Any]]
    revision: int


class OpenGroups:
    """The group keys seen open, shared by every fast lane of a process (the group-commit writers'
    and the event loop's): a hint, not the truth. The statement checks, and a miss costs one try."""

    def __init__(self, ingest: AlertIngest) -> None:
        self.ingest = ingest
        self._keys: set[str] = set()

    def batch(self, integration: IntegrationRecord, events: Sequence[AlertEvent]) -> Batch | None:
        """The rows for the fast statement, or None when the batch needs the ordinary path: not all
        triggers, no config read yet, or a group it needs not known to be open (the statement would
        likely write nothing, and even that costs a commit, its row locks taking a transaction id)."""
        if any(e.action is not AlertAction.TRIGGER for e in events):
            return None
        applied = self.ingest.cache.cached
        if applied is None:
            return None
        rows = rows_with_group_keys(events, Grouping(applied, integration))
        if any(row["gk"] not in self._keys for row in rows):
            return None
        return Batch(rows, applied.revision)

    def results(
        self, events: Sequence[AlertEvent], batch: Batch, found: dict[str, tuple[int, str | None]] | None
    ) -> list[IngestResult] | None:
        """What the statement answered, as results; None (forgetting its groups) if it wrote nothing."""
        if found is None:
            self._keys.difference_update(row["gk"] for row in batch.rows)
            return None
        return results_in_open_groups(events, found)

    def learn(self, integration: IntegrationRecord, events: Sequence[AlertEvent]) -> None:
        """The ordinary path committed these events: the groups of their triggers are open now."""
        applied = self.ingest.cache.cached
        if applied is None:
            return
        if len(self._keys) > MAX_KNOWN_GROUPS:
            self._keys.clear()
        grouping = Grouping(applied, integration)
        self._keys.update(
            grouping.group_key(e, grouping.service_of(e)) for e in events if e.action is AlertAction.TRIGGER
        )

    def learn_keys(self, keys: set[str]) -> None:
        """Groups known open now by their keys."""
        if len(self._keys) > MAX_KNOWN_GROUPS:
            self._keys.clear()
        self._keys |= keys


class FastLane:
    """Used by one thread (a group-commit writer): it owns one connection, kept open."""

    def __init__(self, ingest: AlertIngest, open_groups: OpenGroups) -> None:
        self.ingest = ingest
        self.enabled = ingest.db.dialect == "postgresql"
        self._conn: sa.Connection | None = None
        self.open_groups = open_groups

    def apply(
        self, integration: IntegrationRecord, events: Sequence[AlertEvent]
    ) -> list[IngestResult] | None:
        """Results if the batch was committed here; None if it was not (nothing written)."""
        batch = self.open_groups.batch(integration, events) if self.enabled else None
        if batch is None:
            return None
        conn = self._connection()
        try:
            found = alert_batch.triggers_in_open_groups(
                conn, integration.id, batch.rows, self.ingest.clock.now(), batch.revision
            )
            conn.commit()  # ends SQLAlchemy's bookkeeping; the statement committed itself
        except sa.exc.DBAPIError:
            # the statement is atomic: nothing was written. The ordinary path retries what is
            # retryable (deadlocks) and reports the rest.
            log.warning("ingest fast lane failed; using the ordinary path", exc_info=True)
            self.close()
            return None
        return self.open_groups.results(events, batch, found)

    def _connection(self) -> sa.Connection:
        if self._conn is None:
            # a connection of its own, not checked out per batch: no pool pre-ping round trip
            # (the statement looks each key up by index, so the generic plan that prepared statements
            # settle on after a few executions is as good as one planned for each batch, and saves
            # planning a statement of seven parts every time)
            self._conn = self.ingest.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sa.exc.DBAPIError):
                self._conn.close()
            self._conn = None
