"""A page whose runbook_url points into the mirrored repository also links onwatch's own copy: on the
alert group's page and in the page's notification (email, chat, SMS and push carry it)."""

from __future__ import annotations

import sqlalchemy as sa

from onwatch.db.tables import outbox
from onwatch.notify.base import Notification
from onwatch.notify.message import Message
from tests.runbooks.helpers import WEB_URL, Mirror

AM_KEY = "demo-alertmanager-key-0001"


def fire(mirror: Mirror, runbook_url: str) -> int:
    body = {
        "version": "4",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "fingerprint": "fp-gitaly",
                "labels": {"alertname": "GitalyDown", "service": "git", "severity": "critical"},
                "annotations": {"summary": "Gitaly primary is down", "runbook_url": runbook_url},
                "startsAt": mirror.clock.now().isoformat(),
            }
        ],
    }
    answer = mirror.site.post(f"/api/v1/integrations/alertmanager/{AM_KEY}", json=body)
    assert answer.status_code == 200, answer.text
    mirror.worker.run_once()
    return int(answer.json()["groups"][0])


def pages(mirror: Mirror) -> list[Notification]:
    with mirror.onwatch.db.read() as uow:
        rows = uow.conn.execute(sa.select(outbox.c.payload)).scalars().all()
    return [Notification.from_payload(dict(p)) for p in rows if p.get("kind") == "page"]


def test_a_pages_runbook_url_into_the_mirror_links_the_local_copy(mirror: Mirror) -> None:
    group = fire(mirror, WEB_URL + "gitaly/README.md")
    page = mirror.browser.get(f"/alerts/{group}").text
    assert f'<a href="{WEB_URL}gitaly/README.md"' in page
    assert '<a id="runbook-copy" href="/runbooks/gitaly/README.md">onwatch\'s copy</a>' in page
    [first, *_] = pages(mirror)
    assert first.links["runbook_copy"] == "http://onwatch.test/runbooks/gitaly/README.md"
    assert "Runbook copy: http://onwatch.test/runbooks/gitaly/README.md" in Message.of(first).lines()
    assert mirror.browser.get("/runbooks/gitaly/README.md").status_code == 200


def test_a_runbook_elsewhere_gets_no_local_link(mirror: Mirror) -> None:
    group = fire(mirror, "https://wiki.example.com/gitaly")
    assert 'id="runbook-copy"' not in mirror.browser.get(f"/alerts/{group}").text
    assert all("runbook_copy" not in p.links for p in pages(mirror))
