"""What an import could not express in onwatch: every such item is listed, never silently dropped."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Unsupported:
    """`source` names the object in the source tool (``escalation_policies.PABC.rules[0]``)."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


class SourceError(Exception):
    """The source could not be read (refused token, unreachable URL, malformed answer)."""


class InvalidOption(Exception):
    """A command-line option names something the source does not have (`--role eoc=NOPE`)."""
