"""What a declaration does beyond the record (PROCESS.md §4: each is optional, chosen by the
declarer according to severity): the working document, the announcements and the pages. None means
"the severity's default" (`severities.<S>.declare` in the config)."""

from __future__ import annotations

from dataclasses import dataclass

from onwatch.config.schema import DeclareDefaults
from onwatch.kernel.enums import Role


@dataclass(frozen=True)
class DeclareOptions:
    document: bool | None = None
    announce: bool | None = None
    page: frozenset[Role] | None = None

    def resolved(self, defaults: DeclareDefaults) -> tuple[bool, bool, frozenset[Role] | None]:
        """(document, announce, roles chosen or None for the defaults) for this severity."""
        return (
            defaults.document if self.document is None else self.document,
            defaults.announce if self.announce is None else self.announce,
            self.page,
        )


DEFAULT_OPTIONS = DeclareOptions()
