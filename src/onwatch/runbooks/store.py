"""The mirrored pages and the mirror's state: a refresh swaps every page in one transaction (readers
see the old copy or the new one); a failed attempt keeps the pages and records why. Search is the
database's own full-text engine (PostgreSQL's stored tsvector, SQLite's FTS5; migration 0027)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from onwatch.db.tables import timers
from onwatch.db.tables_runbooks import runbook_mirror, runbook_pages
from onwatch.runbooks.domain import MirrorState, Page, Snapshot

MIRROR_ID = 1
MAX_WORDS = 20
INSERT_BATCH = 500
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Entry:
    path: str
    title: str


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)][:MAX_WORDS]


class RunbookRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    # ---- reading ---------------------------------------------------------------------------

    def mirror(self) -> MirrorState | None:
        r = (
            self.conn.execute(sa.select(runbook_mirror).where(runbook_mirror.c.id == MIRROR_ID))
            .mappings()
            .first()
        )
        if r is None:
            return None
        return MirrorState(
            r["source"], r["revision"], r["refreshed_at"], r["attempted_at"], r["error"], r["failures"],
            r["failures_total"], r["pages"], r["skipped"],
        )  # fmt: skip

    def index(self) -> list[Entry]:
        rows = self.conn.execute(
            sa.select(runbook_pages.c.path, runbook_pages.c.title).order_by(runbook_pages.c.path)
        )
        return [Entry(p, t) for p, t in rows]

    def page(self, path: str) -> Page | None:
        row = self.conn.execute(
            sa.select(runbook_pages.c.path, runbook_pages.c.title, runbook_pages.c.body).where(
                runbook_pages.c.path == path
            )
        ).first()
        return Page(row[0], row[1], row[2]) if row is not None else None

    def search(self, text: str, limit: int = 50) -> list[Entry]:
        """Pages whose title or body has every word, best first."""
        found = words(text)
        if not found:
            return []
        if self.conn.dialect.name == "sqlite":
            rows = self.conn.execute(
                sa.text(
                    "SELECT p.path, p.title FROM fts_runbook_pages f JOIN runbook_pages p ON p.id = f.rowid "
                    "WHERE fts_runbook_pages MATCH :q ORDER BY f.rank, p.path LIMIT :n"
                ),
                {"q": " ".join(f'"{w}"' for w in found), "n": limit},
            )
        else:
            rows = self.conn.execute(
                sa.text(
                    "SELECT path, title FROM runbook_pages WHERE fts_vector @@ to_tsquery('english', :q) "
                    "ORDER BY ts_rank(fts_vector, to_tsquery('english', :q)) DESC, path LIMIT :n"
                ),
                {"q": " & ".join(found), "n": limit},
            )
        return [Entry(p, t) for p, t in rows]

    def pending_refresh(self, kind: str) -> datetime | None:
        """When the next refresh timer is due (None: none pending)."""
        due: datetime | None = self.conn.execute(
            sa.select(sa.func.min(timers.c.due_at)).where(timers.c.kind == kind, timers.c.dead_at.is_(None))
        ).scalar_one()
        return due

    # ---- writing ---------------------------------------------------------------------------

    def _save_state(self, values: dict[str, object]) -> None:
        updated = self.conn.execute(
            sa.update(runbook_mirror).where(runbook_mirror.c.id == MIRROR_ID).values(**values)
        ).rowcount
        if not updated:
            base: dict[str, object] = {"failures": 0, "failures_total": 0, "pages": 0, "skipped": 0}
            self.conn.execute(sa.insert(runbook_mirror).values(id=MIRROR_ID, **{**base, **values}))

    def replace(self, source: str, snapshot: Snapshot, now: datetime) -> None:
        """Every page swapped for the snapshot's, in this transaction."""
        self.conn.execute(sa.delete(runbook_pages))
        rows = [{"path": p.path, "title": p.title, "body": p.body} for p in snapshot.pages]
        for start in range(0, len(rows), INSERT_BATCH):
            self.conn.execute(sa.insert(runbook_pages), rows[start : start + INSERT_BATCH])
        self._save_state(
            {
                "source": source, "revision": snapshot.revision, "refreshed_at": now, "attempted_at": now,
                "error": None, "failures": 0, "pages": len(rows), "skipped": len(snapshot.skipped),
            }
        )  # fmt: skip

    def unchanged(self, source: str, now: datetime) -> None:
        """The source was read and is at the mirrored revision: the copy is current as of now."""
        self._save_state(
            {"source": source, "refreshed_at": now, "attempted_at": now, "error": None, "failures": 0}
        )

    def failed(self, source: str, error: str, now: datetime) -> None:
        """The source could not be read: the pages stay, the state says why."""
        state = self.mirror()
        self._save_state(
            {
                "source": state.source if state is not None and state.refreshed_at is not None else source,
                "attempted_at": now,
                "error": error,
                "failures": (state.failures if state else 0) + 1,
                "failures_total": (state.failures_total if state else 0) + 1,
            }
        )
