"""A paging test bench: the demo organisation wired to real loopback receivers, a fake clock,
the API in process and a worker that runs when told to."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import httpx
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch, build
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from onwatch.db.tables import alerts
from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRole
from onwatch.engine.worker import Worker
from onwatch.kernel.clock import FakeClock
from onwatch.notify.base import Channel
from onwatch.notify.email import EmailChannel
from onwatch.notify.slack import SlackChannel
from onwatch.notify.webhook import WebhookChannel
from tests.api_helpers import same_loop, token_for
from tests.conftest import DEMO_CONFIG
from tests.receivers import SmtpSink, WebhookSink

AM_KEY = "demo-alertmanager-key-0001"
PD_KEY = "demo-pagerduty-routing-key-01"
GENERIC_KEY = "demo-generic-webhook-key-0001"


def demo_with_receivers(webhook: WebhookSink) -> str:
    """The demo config, with the EOC (amara), IMOC (nadia) and director (grace) reachable on loopback:
    amara by webhook at once and by email 2 minutes later; the others by webhook."""
    text = DEMO_CONFIG.read_text()
    for person, methods in {
        "amara": f"[{{type: webhook, url: '{webhook.url}?to=amara', secret: s3cret}}, "
        "{type: email, address: amara@illumidesk.example, delay: 2m}]",
        "nadia": f"[{{type: webhook, url: '{webhook.url}?to=nadia'}}]",
        "grace": f"[{{type: webhook, url: '{webhook.url}?to=grace'}}]",
    }.items():
        text = text.replace(
            f"contact_methods: [{{type: email, address: {person}@illumidesk.example}}]",
            f"contact_methods: {methods}",
        )
    return text.replace(
        "http://127.0.0.1:9/hooks/incident-management", f"{webhook.url}?to=incident-management"
    )


def everyone_on_webhook(text: str, webhook: WebhookSink) -> str:
    """Every person reachable only by webhook (tests that page whoever the real clock puts on call)."""
    import re

    return re.sub(
        r"contact_methods: \[\{type: email, address: (\w+)@illumidesk.example\}\]",
        lambda m: f"contact_methods: [{{type: webhook, url: '{webhook.url}?to={m.group(1)}'}}]",
        text,
    )


@dataclass
class PagingBench:
    onwatch: Onwatch
    app: FastAPI
    api: httpx.Client  # in-process TestClient, or an httpx client of a live server
    worker: Worker
    webhook: WebhookSink
    smtp: SmtpSink

    @property
    def db(self) -> Database:
        return self.onwatch.db

    @property
    def clock(self) -> FakeClock:
        assert isinstance(self.onwatch.clock, FakeClock)
        return self.onwatch.clock

    def client(self, person: str = "amara", role: TokenRole = TokenRole.RESPONDER) -> httpx.Client:
        secret = token_for(self.db, self.clock, role, person)
        headers = {"Authorization": f"Bearer {secret}"}
        if isinstance(self.api, TestClient):
            return same_loop(self.api, headers)
        return httpx.Client(base_url=str(self.api.base_url), headers=headers, timeout=10)

    def restarted_worker(self) -> Worker:
        """The engine of another onwatch process on the same database: its own caches, same receivers."""
        return build(self.onwatch.settings, self.clock, engine=self.db.engine).worker(channels_to(self.smtp))

    def advance(self, minutes: float) -> None:
        """Move time on and let the engine do everything that came due."""
        self.clock.advance(timedelta(minutes=minutes))
        self.worker.run_once()

    def fire(
        self,
        alertname: str = "HighErrorRate",
        status: str = "firing",
        fingerprint: str = "fp-1",
        **labels: str,
    ) -> httpx.Response:
        body = {
            "version": "4",
            "status": status,
            "receiver": "onwatch",
            "groupLabels": {"alertname": alertname},
            "alerts": [
                {
                    "status": status,
                    "fingerprint": fingerprint,
                    "labels": {"alertname": alertname, "severity": "critical", **labels},
                    "annotations": {"summary": f"{alertname} on {labels.get('service', 'web')}"},
                    "startsAt": self.clock.now().isoformat(),
                }
            ],
        }
        response = self.api.post(f"/api/v1/integrations/alertmanager/{AM_KEY}", json=body)
        self.worker.run_once()
        return response

    def group_of(self, fingerprint: str = "fp-1") -> int:
        """The group an alert `fire`d is in."""
        with self.db.read() as uow:
            group_id = uow.conn.execute(
                sa.select(alerts.c.group_id).where(alerts.c.dedup_key == fingerprint)
            ).scalar_one()
        return int(group_id)

    def pages_to(self, who: str) -> list[str]:
        """Idempotency keys of webhook deliveries that reached `who`."""
        return [
            r.idempotency_key or ""
            for r in self.webhook.requests
            if f"to={who}" in r.path and r.status == 200
        ]


def channels_to(smtp: SmtpSink) -> dict[str, Channel]:
    return {
        "webhook": WebhookChannel(default_secret="default"),
        "slack": SlackChannel(),
        "email": EmailChannel(host=smtp.host, port=smtp.port, sender="onwatch@illumidesk.example"),
    }


def make_bench(ow: Onwatch, webhook: WebhookSink, smtp: SmtpSink) -> PagingBench:
    """`demo_with_receivers` applied and the engine built, through bootstrap. The API is not started
    yet: enter it with `running(bench)`, or serve `bench.app` on a live server, so that the app's
    lifespan runs ingest's writer as in production."""
    apply_config(ow.db, load_config(demo_with_receivers(webhook)), now=ow.clock.now(), applied_by="tests")
    worker = ow.worker(channels_to(smtp))
    app = ow.api()
    return PagingBench(ow, app, TestClient(app), worker, webhook, smtp)


@contextmanager
def running(bench: PagingBench) -> Iterator[PagingBench]:
    """The bench's API inside its lifespan (the TestClient entered), as a server runs it."""
    assert isinstance(bench.api, TestClient)
    with bench.api:
        yield bench
