"""The annotated types every route takes its ids, counts and instants as, so that an extreme
value is a 422 naming the field, never an overflow further in (bounds: kernel.bounds)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from onwatch.kernel.bounds import ID_MAX, INT64_MAX, OUT_OF_RANGE, in_range

Id = Annotated[int, Field(ge=1, le=ID_MAX)]
"""A row id in a path, query or body: a positive integer that fits the id columns."""

Offset = Annotated[int, Field(ge=0, le=INT64_MAX)]
"""How many rows to skip: a non-negative 64-bit integer."""

After = Annotated[int, Field(ge=0, le=ID_MAX)]
"""An id to read after (0: from the start): compared with an id column, so it must fit one (a
64-bit value made PostgreSQL's 32-bit comparison overflow: a 500, found by the fuzzing run)."""


def _instant(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give a time zone: end with Z or an offset such as +01:00")
    if not in_range(value):
        raise ValueError(OUT_OF_RANGE)
    return value.astimezone(UTC)


Instant = Annotated[datetime, AfterValidator(_instant)]
"""A zone-aware instant onwatch can compute with, in UTC."""
