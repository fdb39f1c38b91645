"""Config as code: validated, diffed, applied in one transaction, on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from onwatch.config.apply import apply_config
from onwatch.config.loader import ConfigError, load_config
from onwatch.config.schema import OnwatchConfig
from onwatch.db.tables import config_revisions, people, services
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from tests.conftest import DEMO_CONFIG

MINIMAL = """
organisation: {name: Acme}
people:
  ann: {name: Ann, email: ann@acme.example}
  bob: {name: Bob, email: bob@acme.example}
services:
  web: {name: Web, slo: {apdex: 0.99, error_ratio: 0.999}}
"""


def rows(db: Database, table: sa.Table) -> dict[str, bool]:
    with db.read() as uow:
        return {r.id: r.active for r in uow.conn.execute(sa.select(table.c.id, table.c.active))}


def revisions(db: Database) -> int:
    with db.read() as uow:
        return int(uow.conn.execute(sa.select(sa.func.count()).select_from(config_revisions)).scalar_one())


def test_demo_config_applies_the_illumidesk_organisation(db: Database, clock: FakeClock) -> None:
    result = apply_config(db, load_config(DEMO_CONFIG.read_text()), now=clock.now(), applied_by="t")
    assert result.applied and result.revision == 1
    assert set(rows(db, services)) == {"web", "api", "git", "pages", "registry"}
    assert {"amara", "nadia", "sofia", "omar"} <= set(rows(db, people))


def test_reapplying_the_same_config_changes_nothing(db: Database, clock: FakeClock) -> None:
    config = load_config(MINIMAL)
    apply_config(db, config, now=clock.now(), applied_by="t")
    again = apply_config(db, config, now=clock.now(), applied_by="t")
    assert again.unchanged and not again.applied and revisions(db) == 1


def test_dry_run_prints_the_diff_and_writes_nothing(db: Database, clock: FakeClock) -> None:
    apply_config(db, load_config(MINIMAL), now=clock.now(), applied_by="t")
    edited = MINIMAL.replace("apdex: 0.99", "apdex: 0.995").replace(
        "  bob: {name: Bob, email: bob@acme.example}\n", ""
    )
    edited += "  api: {name: API}\n"
    result = apply_config(db, load_config(edited), now=clock.now(), applied_by="t", dry_run=True)
    assert [str(c) for c in result.changes] == [
        "- people.bob: deactivated",
        "+ services.api: API",
        "~ services.web: slo.apdex 0.99 -> 0.995",
    ]
    assert not result.applied and revisions(db) == 1
    assert rows(db, people) == {"ann": True, "bob": True}


def test_removed_people_are_deactivated_not_deleted(db: Database, clock: FakeClock) -> None:
    apply_config(db, load_config(MINIMAL), now=clock.now(), applied_by="t")
    without_bob = MINIMAL.replace("  bob: {name: Bob, email: bob@acme.example}\n", "")
    apply_config(db, load_config(without_bob), now=clock.now(), applied_by="t")
    assert rows(db, people) == {"ann": True, "bob": False}
    apply_config(db, load_config(MINIMAL), now=clock.now(), applied_by="t")
    assert rows(db, people) == {"ann": True, "bob": True}


def test_a_failure_during_apply_leaves_the_previous_config_whole(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_config(db, load_config(MINIMAL), now=clock.now(), applied_by="t")
    from onwatch.config.store import ConfigRepository

    def broken(self: ConfigRepository, entries: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ConfigRepository, "sync_services", broken)
    bigger = MINIMAL.replace("people:\n", "people:\n  cy: {name: Cy, email: cy@acme.example}\n")
    with pytest.raises(RuntimeError):
        apply_config(db, load_config(bigger), now=clock.now(), applied_by="t")
    assert rows(db, people) == {"ann": True, "bob": True}  # people were synced, then rolled back
    assert revisions(db) == 1


def test_invalid_config_is_rejected_before_anything_is_written(
    db: Database, demo_config: OnwatchConfig
) -> None:
    with pytest.raises(ConfigError):
        load_config(MINIMAL.replace("0.99", "1.5"))
    assert revisions(db) == 0
