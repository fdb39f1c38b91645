"""Stable onwatch ids for imported objects: a slug of the name, the source id added on a clash."""

from __future__ import annotations

import re

_NOT_ID = re.compile(r"[^a-z0-9]+")


def slug(text: str, fallback: str) -> str:
    s = _NOT_ID.sub("-", text.lower()).strip("-")[:48].strip("-")
    return s or _NOT_ID.sub("-", fallback.lower()).strip("-")[:48] or "x"


def assign_ids(objects: list[tuple[str, str]], taken: dict[str, str] | None = None) -> dict[str, str]:
    """{source id: onwatch id} for (source id, name) pairs; `taken` fixes ids already chosen."""
    out = dict(taken or {})
    used = set(out.values())
    for source_id, name in sorted(objects, key=lambda o: (o[1].lower(), o[0])):
        if source_id in out:
            continue
        candidate = slug(name, source_id)
        if candidate in used:
            candidate = f"{candidate}-{slug(source_id, 'x')}"[:64]
        out[source_id] = candidate
        used.add(candidate)
    return out
