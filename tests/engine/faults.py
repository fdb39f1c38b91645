"""Real faults for timer handlers: the database itself refuses what a handler writes."""

from __future__ import annotations

import re

import httpx

from onwatch.db.uow import Database

REFUSAL = "outbox refuses new rows (test fault)"


class RefusingOutbox:
    """A trigger that makes every INSERT into the outbox fail, as a full disk or a broken constraint
    would: any timer that pages raises inside its handler, on SQLite and PostgreSQL alike."""

    def __init__(self, db: Database, keys_like: str = "%") -> None:
        self.db = db
        self.keys_like = keys_like  # only rows whose idempotency key is LIKE this are refused

    def on(self) -> None:
        with self.db.write() as uow:
            if self.db.dialect == "sqlite":
                uow.conn.exec_driver_sql(
                    "CREATE TRIGGER test_refuse_outbox BEFORE INSERT ON outbox "
                    f"WHEN NEW.idempotency_key LIKE '{self.keys_like}' "
                    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
                )
            else:
                uow.conn.exec_driver_sql(
                    "CREATE FUNCTION test_refuse_outbox() RETURNS trigger LANGUAGE plpgsql AS "
                    f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
                )
                uow.conn.exec_driver_sql(
                    "CREATE TRIGGER test_refuse_outbox BEFORE INSERT ON outbox FOR EACH ROW "
                    f"WHEN (NEW.idempotency_key LIKE '{self.keys_like.replace('%', '%%')}') "
                    "EXECUTE FUNCTION test_refuse_outbox()"
                )

    def off(self) -> None:
        with self.db.write() as uow:
            if self.db.dialect == "sqlite":
                uow.conn.exec_driver_sql("DROP TRIGGER test_refuse_outbox")
            else:
                uow.conn.exec_driver_sql("DROP TRIGGER test_refuse_outbox ON outbox")
                uow.conn.exec_driver_sql("DROP FUNCTION test_refuse_outbox()")


def metric(client: httpx.Client, name: str, **labels: str) -> float:
    """One sample of GET /metrics (0 when the series is absent)."""
    text = client.get("/metrics").text
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = rf"^{re.escape(name)}{re.escape('{' + wanted + '}') if labels else ''} (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0
