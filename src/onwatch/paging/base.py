"""What every paging-side command needs: the database, the clock, the applied config, the link
signer, and a way to wake the engine after a commit that queued work."""

from __future__ import annotations

from collections.abc import Callable

from onwatch.config.cache import ConfigCache
from onwatch.db.uow import Database, UnitOfWork
from onwatch.kernel.clock import Clock
from onwatch.paging.links import LinkSigner


class PagingCommands:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        cache: ConfigCache,
        signer: Callable[[UnitOfWork], LinkSigner],
        on_commit: Callable[[], None],
    ) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache
        self.signer = signer
        self.on_commit = on_commit
