"""Optimistic concurrency for aggregates with a `version` column: the one shape of "write this row
only if nobody wrote it since I read it", shared by incidents, reviews and corrective actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from onwatch.kernel.errors import ConcurrentModification


def update_versioned(
    conn: sa.Connection,
    table: sa.Table,
    row_id: int,
    read_version: int,
    values: Mapping[str, Any],
    *,
    what: str,
) -> None:
    """UPDATE the row `row_id` of `table` with `values` (its new `version` among them) where its
    version is still `read_version`; otherwise someone saved it meanwhile: ConcurrentModification
    (409, "retry the command"), and nothing of this command is written (the caller's transaction
    rolls back)."""
    result = conn.execute(
        sa.update(table).where(table.c.id == row_id, table.c.version == read_version).values(dict(values))
    )
    if result.rowcount != 1:
        raise ConcurrentModification(f"{what} changed meanwhile; retry the command", field="version")
