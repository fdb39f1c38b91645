"""Reading a closed-set value someone typed (a form field, a chat word) into its enum, or an
InvalidInput that names the field and the values allowed."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from onwatch.kernel.enums import Severity
from onwatch.kernel.errors import InvalidInput

E = TypeVar("E", bound=Enum)


def choose(kind: type[E], value: str, field: str, *, loose: bool = False) -> E:
    """`loose` also takes what people type in chat: any case, spaces or hyphens for underscores."""
    wanted = value.strip().lower().replace(" ", "_").replace("-", "_") if loose else value
    try:
        return kind(wanted)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in kind)
        raise InvalidInput(f"unknown {field} {value!r}; use one of {allowed}", field=field) from None


def severity(value: object) -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="severity") from None
