"""Stores applied configuration: the entity tables and the revision history of documents."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from onwatch.db.tables import channels, config_revisions, integrations, people, services, teams
from onwatch.directory.tokens import hash_token


class ConfigRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def current(self) -> tuple[int, dict[str, Any]] | None:
        row = self.conn.execute(
            sa.select(config_revisions.c.id, config_revisions.c.document)
            .order_by(config_revisions.c.id.desc())
            .limit(1)
        ).first()
        return (int(row.id), dict(row.document)) if row else None

    def record_revision(self, document: dict[str, Any], checksum: str, applied_by: str, now: datetime) -> int:
        return int(
            self.conn.execute(
                sa.insert(config_revisions)
                .values(applied_at=now, applied_by=applied_by, checksum=checksum, document=document)
                .returning(config_revisions.c.id)
            ).scalar_one()
        )

    def sync_people(self, entries: Mapping[str, Mapping[str, Any]]) -> None:
        self._sync(
            people,
            {
                pid: {
                    "name": p["name"],
                    "email": p["email"],
                    "timezone": p["timezone"],
                    "contact_methods": p["contact_methods"],
                }
                for pid, p in entries.items()
            },
        )

    def sync_teams(self, entries: Mapping[str, Mapping[str, Any]]) -> None:
        self._sync(teams, {tid: {"name": t["name"], "members": t["members"]} for tid, t in entries.items()})

    def sync_services(self, entries: Mapping[str, Mapping[str, Any]]) -> None:
        self._sync(
            services,
            {
                sid: {"name": s["name"], "description": s["description"], "slo": s["slo"]}
                for sid, s in entries.items()
            },
        )

    def sync_channels(self, entries: Mapping[str, Mapping[str, Any]]) -> None:
        self._sync(channels, {cid: {"spec": dict(c)} for cid, c in entries.items()})

    def sync_integrations(
        self, entries: Mapping[str, Mapping[str, Any]], heartbeats: Mapping[str, Mapping[str, Any]]
    ) -> None:
        """Integrations and heartbeats both receive signals by key; only the key's hash is kept."""
        wanted = {
            iid: {
                "kind": i["type"],
                "key_hash": hash_token(i["key"]),
                "service_id": i["service"],
                "policy_id": i["escalation_policy"],
                "group_by": list(i["group_by"]),
            }
            for iid, i in entries.items()
        }
        for hid, h in heartbeats.items():
            wanted[f"heartbeat:{hid}"] = {
                "kind": "heartbeat",
                "key_hash": hash_token(h["key"]),
                "service_id": h["service"],
                "policy_id": h["escalation_policy"],
                "group_by": ["alertname"],
            }
        # a key moved from one integration to another must not collide with its old row
        self.conn.execute(
            sa.update(integrations).values(key_hash=sa.func.concat("retired:", integrations.c.id))
            if self.conn.dialect.name == "postgresql"
            else sa.update(integrations).values(key_hash="retired:" + integrations.c.id)
        )
        self._sync(integrations, wanted)

    def _sync(self, table: sa.Table, wanted: Mapping[str, Mapping[str, Any]]) -> None:
        """Insert new rows, update changed ones, deactivate removed ones.

        Removed entries are kept inactive, never deleted: incidents and their timelines
        keep referring to the people and services they involved.
        """
        existing = set(self.conn.execute(sa.select(table.c.id)).scalars())
        new = [{"id": key, **values, "active": True} for key, values in wanted.items() if key not in existing]
        if new:
            self.conn.execute(sa.insert(table), new)
        for key, values in wanted.items():
            if key in existing:
                self.conn.execute(sa.update(table).where(table.c.id == key).values(**values, active=True))
        gone = existing - set(wanted)
        if gone:
            self.conn.execute(sa.update(table).where(table.c.id.in_(gone)).values(active=False))
