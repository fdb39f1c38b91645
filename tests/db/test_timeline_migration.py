"""Upgrading to one timeline: a database holding both timelines of the release before (incidents
with linked alert groups, role pages, acknowledgements, pages made by hand) migrates without loss,
and every incident and alert group shows the same timeline, in the API and on the web, as before.

The rows "before" are written the way that release wrote them: group events in alert_group_events,
and on the incident, copies of a linked group's pages and acknowledgements (prefixed "alert group
#N: ") plus, when a group was linked, a copy of its whole history with the kinds rewritten.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.schema import OnwatchConfig
from onwatch.db import migrate
from onwatch.db.tables import alert_groups, incidents, role_pages
from onwatch.db.types import JSONType, UTCDateTime
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from tests.api_helpers import client_factory
from tests.databases import migration_named, onwatch_at_revision, selected_backends
from tests.web_helpers import Browser, set_passwords

ONE_TIMELINE, BEFORE = migration_named("one timeline")


@pytest.fixture(params=selected_backends())
def old_onwatch(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[Onwatch]:
    """onwatch on a database of its own, migrated to the revision before one timeline."""
    with onwatch_at_revision(request.param, tmp_path, clock, BEFORE) as ow:
        yield ow


@pytest.fixture
def old_db(old_onwatch: Onwatch) -> Database:
    return old_onwatch.db


def _events_table(name: str, owner: str) -> sa.TableClause:
    return sa.table(
        name,
        sa.column("id", sa.Integer),
        sa.column(owner, sa.Integer),
        sa.column("at", UTCDateTime()),
        sa.column("kind", sa.String),
        sa.column("actor", sa.String),
        sa.column("interface", sa.String),
        sa.column("message", sa.Text),
        sa.column("data", JSONType),
    )


OLD_INCIDENT_EVENTS = _events_table("timeline_events", "incident_id")
OLD_GROUP_EVENTS = _events_table("alert_group_events", "group_id")
LIVE_COPIES = {
    "paged": "paged",
    "nobody_on_call": "paged",
    "escalation_exhausted": "paged",
    "acknowledged": "alerts_acknowledged",
    "resolved": "alerts_resolved",
}


@dataclass
class OldRelease:
    """Writes timelines as the release before one timeline did."""

    conn: sa.Connection
    linked: dict[int, int] = field(default_factory=dict)  # group -> incident

    def incident(self, number: int, at: datetime, by: str, title: str) -> None:
        self.conn.execute(
            sa.insert(incidents).values(
                id=number, title=title, severity=2, state="investigating", status="degraded_performance",
                declared_by=by, declared_at=at, owner_id=by, owner_role=None, imoc_required=False,
                review_requested=False, updated_at=at, version=1,
            )
        )  # fmt: skip
        self.on_incident(number, at, "declared", by, "api", f"{by} declared the incident: {title}", {})

    def group(self, number: int, at: datetime, title: str, incident: int | None = None) -> None:
        self.conn.execute(
            sa.insert(alert_groups).values(
                id=number, group_key=f"key-{number}", integration_id="alertmanager", service_id="web",
                title=title, severity="critical", status="triggered", alert_count=1, firing_count=1,
                event_count=1, flap_history=[], flapping=False, in_maintenance=False, incident_id=incident,
                created_at=at, updated_at=at,
            )
        )  # fmt: skip
        if incident is not None:
            self.linked[number] = incident

    def on_incident(
        self,
        number: int,
        at: datetime,
        kind: str,
        actor: str,
        interface: str,
        message: str,
        data: dict[str, Any],
    ) -> None:
        self.conn.execute(
            sa.insert(OLD_INCIDENT_EVENTS).values(
                incident_id=number,
                at=at,
                kind=kind,
                actor=actor,
                interface=interface,
                message=message,
                data=data,
            )
        )

    def on_group(
        self, number: int, at: datetime, kind: str, actor: str, interface: str, message: str, **data: Any
    ) -> None:
        self.conn.execute(
            sa.insert(OLD_GROUP_EVENTS).values(
                group_id=number,
                at=at,
                kind=kind,
                actor=actor,
                interface=interface,
                message=message,
                data=data,
            )
        )
        incident = self.linked.get(number)
        if incident is not None and kind in LIVE_COPIES:  # written twice: on the incident too
            copy = {"alert_group": number, **data}
            self.on_incident(
                incident, at, LIVE_COPIES[kind], actor, interface, f"alert group #{number}: {message}", copy
            )

    def link(self, number: int, incident: int, at: datetime, actor: str, interface: str, title: str) -> None:
        """Linking copied the group's history onto the incident, kinds rewritten."""
        self.conn.execute(
            sa.update(alert_groups).where(alert_groups.c.id == number).values(incident_id=incident)
        )
        history = self.conn.execute(
            sa.select(OLD_GROUP_EVENTS)
            .where(OLD_GROUP_EVENTS.c.group_id == number)
            .order_by(OLD_GROUP_EVENTS.c.id)
        ).mappings()
        for e in list(history):
            kind = "paged" if e["kind"] == "paged" else "alerts_linked"
            data = {"alert_group": number, "original_kind": e["kind"]}
            self.on_incident(
                incident, e["at"], kind, e["actor"], interface, f"alert group #{number}: {e['message']}", data
            )
        self.on_incident(
            incident,
            at,
            "alerts_linked",
            actor,
            interface,
            f"{actor} linked alert group #{number}: {title}",
            {"alert_group": number},
        )
        self.on_group(number, at, "linked", actor, interface, f"linked to incident #{incident}")
        self.linked[number] = incident


def paged(who: str, via: str) -> dict[str, Any]:
    return {"person": who, "via": via, "keys": [f"page:{who}:0"]}


def fill(conn: sa.Connection, t0: datetime) -> None:
    """Incident 1 declared from alert group 1 (paged, paged by hand, acknowledged, then linked and
    resolved), with a role page to the IMOC (group 2) acknowledged by nadia; alert group 3 on its
    own; incident 2 with no groups. Some events share an instant, as one command's events do."""
    old = OldRelease(conn)
    minute = timedelta(minutes=1)
    old.group(1, t0, "HighErrorRate on web")
    old.on_group(
        1, t0, "opened", "integration:alertmanager", "integration", "alert group opened: HighErrorRate on web"
    )
    old.on_group(1, t0, "escalation_started", "onwatch", "engine", "escalation started: Web", policy="web")
    old.on_group(
        1,
        t0,
        "paged",
        "onwatch",
        "engine",
        "paged amara as EOC (step 1) via webhook at 0m",
        **paged("amara", "EOC"),
    )
    old.on_group(
        1,
        t0 + minute,
        "paged",
        "onwatch",
        "engine",
        "paged grace as IMOC (by amara) via webhook at 0m",
        **paged("grace", "IMOC (by amara)"),
    )
    old.on_group(1, t0 + 2 * minute, "acknowledged", "amara", "api", "amara acknowledged")
    t5 = t0 + 5 * minute
    old.incident(1, t5, "amara", "HighErrorRate on web")
    old.link(1, 1, t5, "amara", "web", "HighErrorRate on web")
    old.on_incident(
        1, t5, "role_engaged", "amara", "web", "amara engaged as EOC", {"role": "eoc", "person": "amara"}
    )
    old.on_incident(
        1,
        t5,
        "paged",
        "amara",
        "web",
        "amara paged the IMOC: S2 needs the IMOC",
        {"role": "imoc", "alert_group": 2, "reason": "S2 needs the IMOC"},
    )
    old.group(2, t5, "IMOC needed for incident #1 (S2): HighErrorRate on web", incident=1)
    conn.execute(
        sa.insert(role_pages).values(
            group_id=2,
            incident_id=1,
            role="imoc",
            reason="S2 needs the IMOC",
            requested_by="amara",
            created_at=t5,
        )
    )
    old.on_group(2, t5, "opened", "amara", "web", "IMOC paged: S2 needs the IMOC")
    old.on_group(
        2, t5, "escalation_started", "onwatch", "engine", "escalation started: IMOC page", role="imoc"
    )
    old.on_group(
        2,
        t5,
        "paged",
        "onwatch",
        "engine",
        "paged nadia as IMOC (step 1) via webhook at 0m",
        **paged("nadia", "IMOC"),
    )
    old.on_incident(
        1, t5, "announced", "amara", "web", "announced in #production", {"channels": ["#production"]}
    )
    t7 = t0 + 7 * minute
    old.on_group(2, t7, "acknowledged", "nadia", "link", "nadia acknowledged")
    old.on_incident(
        1, t7, "role_engaged", "nadia", "link", "nadia engaged as IMOC", {"role": "imoc", "person": "nadia"}
    )
    old.on_incident(
        1,
        t7,
        "owner_changed",
        "nadia",
        "link",
        "owner: amara -> nadia (IMOC)",
        {"from": "amara", "to": "nadia"},
    )
    old.on_group(
        1,
        t0 + 9 * minute,
        "resolved",
        "integration:alertmanager",
        "integration",
        "integration:alertmanager resolved the alert group: every alert in the group resolved at the source",
    )
    old.group(3, t0 + 3 * minute, "DiskFull on git")
    old.on_group(
        3,
        t0 + 3 * minute,
        "opened",
        "integration:alertmanager",
        "integration",
        "alert group opened: DiskFull on git",
    )
    old.on_group(
        3, t0 + 3 * minute, "nobody_on_call", "onwatch", "engine", "nobody is on call as CMOC: skipped"
    )
    old.on_group(
        3,
        t0 + 3 * minute,
        "paged",
        "onwatch",
        "engine",
        "paged lukas as EOC (step 1) via webhook at 0m",
        **paged("lukas", "EOC"),
    )
    old.incident(2, t0 + 8 * minute, "lukas", "Slow pages")
    old.on_incident(2, t0 + 8 * minute, "note", "lukas", "cli", "rolled back the CDN config", {})
    if conn.dialect.name == "postgresql":  # rows were written with explicit ids
        for table in ("incidents", "alert_groups"):
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )


def old_timeline(conn: sa.Connection, table: sa.TableClause, owner: str, number: int) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(table).where(table.c[owner] == number).order_by(table.c.id)).mappings()
    return [dict(r) for r in rows]


def shown(event: dict[str, Any]) -> tuple[Any, ...]:
    return (datetime.fromisoformat(str(event["at"])) if not isinstance(event["at"], datetime) else event["at"],
            event["kind"], event["actor"], event["interface"], event["message"])  # fmt: skip


def as_shown_now(
    before: list[dict[str, Any]], groups: dict[int, list[dict[str, Any]]]
) -> list[tuple[Any, ...]]:
    """The incident timeline the migration must give: the same events, in time order, each once.
    A copy made at link time showed a rewritten kind and the linker's interface; it now shows the
    event as its group recorded it (an acknowledgement is "alerts_acknowledged")."""
    expected = []
    for e in sorted(before, key=lambda e: e["at"]):  # stable: one instant keeps the incident's order
        original = e["data"].get("original_kind")
        if original in LIVE_COPIES:
            group = e["data"]["alert_group"]
            [source] = [
                g for g in groups[group] if g["at"] == e["at"] and e["message"].endswith(g["message"])
            ]
            e = {**e, "kind": LIVE_COPIES[original], "interface": source["interface"]}
        expected.append(shown(e))
    return expected


def test_both_timelines_move_into_one_and_every_incident_and_group_shows_the_same(
    old_onwatch: Onwatch, old_db: Database, clock: FakeClock, demo_config: OnwatchConfig
) -> None:
    apply_config(old_db, demo_config, now=clock.now(), applied_by="tests")
    t0 = clock.now()
    with old_db.engine.begin() as conn:
        fill(conn, t0)
    with old_db.engine.connect() as conn:
        incident_before = {n: old_timeline(conn, OLD_INCIDENT_EVENTS, "incident_id", n) for n in (1, 2)}
        group_before = {g: old_timeline(conn, OLD_GROUP_EVENTS, "group_id", g) for g in (1, 2, 3)}
    stored_before = sum(map(len, incident_before.values())) + sum(map(len, group_before.values()))

    migrate.upgrade(old_db.engine)
    assert migrate.current_revision(old_db.engine) == migrate.head_revision()

    set_passwords(old_db, clock, "nadia")
    with TestClient(old_onwatch.api()) as site:  # the app's lifespan, as a server runs it
        api = client_factory(site, old_db, clock)("nadia")
        browser = Browser(site)
        browser.sign_in("nadia")
        for number, before in incident_before.items():
            after = api.get(f"/api/v1/incidents/{number}/timeline").json()
            assert [shown(e) for e in after] == as_shown_now(before, group_before)
            page = browser.get(f"/incidents/{number}").text
            assert_in_order(page, [html.escape(e["message"], quote=False) for e in reversed(after)])
        for number, before in group_before.items():
            after = api.get(f"/api/v1/alert-groups/{number}").json()["timeline"]
            assert [shown(e) for e in after] == [shown(e) for e in before]
            page = browser.get(f"/alerts/{number}").text
            assert_in_order(page, [html.escape(e["message"], quote=False) for e in reversed(before)])

        # written twice before, stored once now: only copies of pages and acks were dropped
        copies = [
            e
            for events in incident_before.values()
            for e in events
            if e["message"].startswith("alert group #")
        ]
        page_copies = [
            e
            for e in copies
            if e["data"].get("original_kind", e["kind"]) in {*LIVE_COPIES, *LIVE_COPIES.values()}
        ]
        with old_db.read() as uow:
            stored = uow.conn.execute(sa.text("SELECT count(*) FROM timeline_events")).scalar_one()
        assert stored == stored_before - len(page_copies)
        # the role a page was for is a column now, read once from the text it used to be parsed from
        roles = {
            (e["person"], e["role"])
            for g in (1, 2, 3)
            for e in api.get(f"/api/v1/alert-groups/{g}").json()["timeline"]
            if e["kind"] == "paged"
        }
        assert roles == {("amara", "eoc"), ("grace", "imoc"), ("nadia", "imoc"), ("lukas", "eoc")}


def test_downgrading_splits_the_timeline_again_as_the_incident_showed_it(
    old_onwatch: Onwatch, old_db: Database, clock: FakeClock, demo_config: OnwatchConfig
) -> None:
    apply_config(old_db, demo_config, now=clock.now(), applied_by="tests")
    with old_db.engine.begin() as conn:
        fill(conn, clock.now())
    with old_db.engine.connect() as conn:
        incident_before = {n: old_timeline(conn, OLD_INCIDENT_EVENTS, "incident_id", n) for n in (1, 2)}
        group_before = {g: old_timeline(conn, OLD_GROUP_EVENTS, "group_id", g) for g in (1, 2, 3)}
    migrate.upgrade(old_db.engine)
    with TestClient(old_onwatch.api()) as site:  # the app's lifespan, as a server runs it
        api = client_factory(site, old_db, clock)("nadia")
        upgraded = {n: api.get(f"/api/v1/incidents/{n}/timeline").json() for n in (1, 2)}

        config = migrate.alembic_config()
        with old_db.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, BEFORE)
        with old_db.engine.connect() as conn:
            for n, before in incident_before.items():
                again = old_timeline(conn, OLD_INCIDENT_EVENTS, "incident_id", n)
                assert [shown(e) for e in again] == as_shown_now(before, group_before)
            for g, before in group_before.items():
                assert [shown(e) for e in old_timeline(conn, OLD_GROUP_EVENTS, "group_id", g)] == [
                    shown(e) for e in before
                ]
        migrate.upgrade(old_db.engine)
        for n, first in upgraded.items():
            assert [shown(e) for e in api.get(f"/api/v1/incidents/{n}/timeline").json()] == [
                shown(e) for e in first
            ]


def assert_in_order(page: str, messages: list[str]) -> None:
    at = 0
    for message in messages:
        found = page.find(message, at)
        assert found >= 0, f"{message!r} missing or out of order"
        at = found + len(message)
