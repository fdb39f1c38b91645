"""What every paging-side command needs: the database, the clock, the applied config, the link
signer, and a way to wake the engine after a commit that queued work."""

from __future__ import annotations

from collections.abc import Callable

from onwatch.commands.config_cache import ConfigCache
from onwatch.commands.links import LinkSigner
from onwatch.domain.clock import Clock
from onwatch.store.uow import Database, UnitOfWork


class PagingCommands:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        cache: ConfigCache,
        signer: Callable[[UnitOfWork], LinkSigner],
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache
        self.signer = signer
        self.on_commit = on_commit
