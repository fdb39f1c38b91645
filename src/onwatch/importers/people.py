"""People of a source matched to the people an existing config already has (by email)."""

from __future__ import annotations

from typing import Any

from onwatch.importers.ids import assign_ids


def match_people(users: list[tuple[str, str]], existing: dict[str, Any]) -> dict[str, str]:
    """{source id: onwatch id} for (source id, email) pairs: a known email keeps its person's id,
    a new one gets the slug of its local part."""
    known = {str(p.get("email", "")).lower(): pid for pid, p in (existing.get("people") or {}).items()}
    taken = {uid: known[email.lower()] for uid, email in users if email.lower() in known}
    return assign_ids([(uid, email.split("@")[0]) for uid, email in users], taken)
