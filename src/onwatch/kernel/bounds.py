"""The bounds every input is held to, so that extreme values are refused (4xx naming the field)
instead of overflowing somewhere inside (a 500).

- Ids fit the id columns (`integer`: 32-bit on PostgreSQL, ID_MAX); counts and offsets are 64-bit
  (SQLite's INTEGER and PostgreSQL's bigint OFFSET overflow past 2**63 - 1).
- Instants lie in [EARLIEST, LATEST): datetime arithmetic near year 1 or 9999 overflows (a shift
  range, a lookback window, a conversion to UTC); nothing onwatch plans happens outside it.
- JSON nests at most MAX_JSON_DEPTH levels: orjson reads 1,024 levels but writes 254, and the
  standard library's parser recurses (RecursionError) well before either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

INT64_MAX = 2**63 - 1
# ids are `integer` columns: 32-bit on PostgreSQL (a larger one fails to bind there, a 500)
ID_MAX = 2**31 - 1
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
MAX_JSON_DEPTH = 64

OUT_OF_RANGE = f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}"
TOO_DEEP = f"nests deeper than {MAX_JSON_DEPTH} levels"


def in_range(value: datetime) -> bool:
    """Is this (zone-aware) instant one onwatch can compute with?"""
    return EARLIEST <= value < LATEST


def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> str | None:
    """The path (`samples[0].details`) of the field of a decoded JSON value that nests deeper than
    `limit` levels, or None. The path names the field down to the third level, where a person can
    still find it; walked without recursion (the value may nest as deep as the decoder allows)."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        item, depth, path = stack.pop()
        if type(item) is dict:
            children: Any = ((f"{path}.{k}" if path else str(k), v) for k, v in item.items())
        elif type(item) is list:
            children = ((f"{path}[{i}]", v) for i, v in enumerate(item))
        else:
            continue
        if depth > limit:
            return path or "body"
        for child_path, child in children:
            if type(child) is dict or type(child) is list:
                stack.append((child, depth + 1, child_path if depth <= 3 else path))
    return None


def raw_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Does the JSON text `raw` nest deeper than `limit` (brackets inside strings do not count),
    whether or not it is valid JSON? At C speed for bodies with few brackets, the common case."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for byte in _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS):
        depth += 1 if byte in _OPENING else -1
        if depth > limit:
            return True
    return False


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_OPENING = b"[{"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


NUL = "\x00"
NUL_ESCAPE = b"\\u0000"  # how a JSON body carries a NUL character (a raw NUL byte is invalid JSON)
NUL_MESSAGE = "contains a NUL character (\\u0000), which cannot be stored"


def nul_form_field(form: Mapping[str, str]) -> str | None:
    """The first field of a decoded form (key or value) holding a NUL character, as a field name
    a problem can show (the NUL written \\u0000), or None."""
    field = next((k for k, v in form.items() if NUL in k or NUL in v), None)
    return None if field is None else field.replace(NUL, "\\u0000")


def nul_fields(body: Any) -> list[tuple[str, str]]:
    """(field, message) for every field (and key) of a decoded JSON body holding a NUL character.

    PostgreSQL's text and jsonb cannot store one (SQLite could): refused on both alike, before
    anything is stored or answered. The only character JSON can carry that PostgreSQL cannot hold
    (the decoders already refuse lone surrogates as invalid JSON). Walked without recursion: bodies
    may nest as deep as the decoder allows."""
    errors: list[tuple[str, str]] = []
    stack: list[tuple[str, Any]] = [("", body)]
    while stack:
        path, value = stack.pop()
        if type(value) is str:
            if NUL in value:
                errors.append((path or "body", NUL_MESSAGE))
        elif type(value) is dict:
            children = []
            for key, item in value.items():
                name = f"{path}.{key}" if path else key
                if NUL in key:
                    name = name.replace(NUL, "\\u0000")
                    errors.append((name, f"its name {NUL_MESSAGE}"))
                children.append((name, item))
            stack.extend(reversed(children))  # popped in document order
        elif type(value) is list:
            stack.extend(reversed([(f"{path}[{i}]", item) for i, item in enumerate(value)]))
    return errors
