"""How `onwatch import … --dry-run` reads the revision onwatch has applied: from the database every
command on this machine uses (ONWATCH_DATABASE_URL), never creating one that is not there."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from onwatch.cli.context import onwatch
from onwatch.config.store import ConfigRepository
from onwatch.importers.applied import Applied, AppliedUnreadable
from onwatch.settings import Settings


def applied_revision() -> Applied:
    """The latest applied revision; `revision` None when there is none (no database file yet, not
    migrated, nothing applied). Raises AppliedUnreadable when the database cannot be read."""
    url = sa.make_url(Settings().database_url)
    where = f"the {url.get_backend_name()} database {url.render_as_string(hide_password=True)}"
    file = url.database if url.get_backend_name() == "sqlite" and url.database != ":memory:" else None
    if file and not Path(file).exists():  # reading must not leave an empty database file behind
        return Applied(where, note="no database file")
    db = onwatch().db
    try:
        if not sa.inspect(db.engine).has_table("config_revisions"):
            return Applied(where, note="not migrated: `onwatch migrate`")
        with db.read() as uow:
            current = uow.repo(ConfigRepository).current()
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise AppliedUnreadable(f"{where}: {reason}") from None
    if current is None:
        return Applied(where)
    return Applied(where, current[0], current[1])
