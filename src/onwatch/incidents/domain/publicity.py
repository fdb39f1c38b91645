"""What the public sees of an incident (PROCESS.md §9): the CMOC is the voice to the public (the
owner until a CMOC engages); the status page shows the public title, never the internal one."""

from __future__ import annotations

from onwatch.kernel.errors import InvalidInput, NotOwner

MAX_PUBLIC_TITLE = 200


def default_public_title(component_names: list[str]) -> str:
    """Neutral words that name no cause, no customer and no person."""
    if not component_names:
        return "Investigating an issue"
    return f"Investigating issues with {', '.join(component_names)}"


def checked_public_title(title: str | None, *, may_publish: bool, owner_id: str) -> str | None:
    """The title as it will be shown (None: the default), or the refusal."""
    cleaned = " ".join((title or "").split()) or None
    if cleaned is not None and len(cleaned) > MAX_PUBLIC_TITLE:
        raise InvalidInput(f"public title is longer than {MAX_PUBLIC_TITLE} characters", field="public_title")
    if not may_publish:
        raise NotOwner(
            f"only the CMOC or the owner, {owner_id}, can set the public title", field="public_title"
        )
    return cleaned
