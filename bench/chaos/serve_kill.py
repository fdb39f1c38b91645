"""kill -9 `onwatch serve` during Alertmanager and PagerDuty Events v2 load, and start it again (as
systemd's Restart=always would).

A private cluster; `onwatch serve --no-engine` and an `onwatch worker`. Four clients post
Alertmanager notifications (20 alerts each, across ten alertnames) and four post Events v2 events
(across ten classes), each retrying until answered 2xx, as the real senders do. Once both kinds have
been answered, the server is killed with SIGKILL mid-request and restarted a second later on the
same port; the clients' retries carry on. Afterwards every alert answered 2xx is stored, every group
paged its EOC once (one key per page; a key delivered twice would be counted), and the restarted
server's memory is bounded.

Run alone: .venv/bin/python -m bench.chaos.serve_kill
"""

from __future__ import annotations

import os
import signal
import threading
import time

from tests.receivers import WebhookSink

from bench.chaos import harness
from bench.chaos.clients import Clients, Notification, alertmanager, events_v2
from bench.chaos.harness import figure
from bench.chaos.memory import RssSampler


def am(n: int) -> Notification:
    return alertmanager([(f"Storm{(n + a) % 10}", f"am-{n}-{a}") for a in range(20)])


def pd(n: int) -> Notification:
    return events_v2(f"Event{n % 10}", f"pd-{n}")


def scenario() -> dict[str, object]:
    with harness.workdir("serve-kill") as tmp, WebhookSink() as sink:
        db = harness.cluster()
        ow = None
        try:
            harness.create_database(db)
            url = f"postgresql://postgres@127.0.0.1:{db.port}/onwatch"
            ow = harness.Onwatch(url, tmp)
            ow.prepare(harness.demo_config(sink, imoc_for="1h"))
            port = harness.suite_port()
            victim = ow.serve(port, name="serve-killed")
            ow.worker()
            with Clients(victim.base, am, 4) as am_clients, Clients(victim.base, pd, 4) as pd_clients:
                harness.wait_until(
                    lambda: am_clients.notifications >= 30 and pd_clients.notifications >= 100,
                    60,
                    "answers of both kinds before the kill",
                )
                answered = (am_clients.notifications, pd_clients.notifications)
                os.kill(victim.pid, signal.SIGKILL)
                victim.popen.wait()
                time.sleep(1)
                started = time.monotonic()
                restarted = ow.serve(port, name="serve-restarted")
                restart = time.monotonic() - started
                with RssSampler(restarted.pid) as rss:
                    harness.wait_until(
                        lambda: (
                            am_clients.notifications >= answered[0] + 30
                            and pd_clients.notifications >= answered[1] + 100
                        ),
                        60,
                        "answers of both kinds after the restart",
                    )
                    stoppers = [threading.Thread(target=c.stop) for c in (am_clients, pd_clients)]
                    for t in stoppers:
                        t.start()
                    for t in stoppers:
                        t.join()
            figure(
                f"killed after {answered[0]} Alertmanager and {answered[1]} Events v2 answers; "
                f"restarted server healthy after {restart:.1f} s; "
                f"{am_clients.transport_errors + pd_clients.transport_errors} requests"
                " without an answer, retried"
            )
            for clients in (am_clients, pd_clients):
                assert set(clients.statuses) <= {200, 202, 503}, clients.statuses
            both = Clients(restarted.base, am, 0)  # the two kinds' promises, accounted together
            for clients in (am_clients, pd_clients):
                both.answered |= clients.answered
                both.notifications += clients.notifications
                both.statuses.update(clients.statuses)
                both.transport_errors += clients.transport_errors
                both.abandoned += clients.abandoned
                both.latencies += clients.latencies
            groups = harness.stored(url).groups
            harness.wait_until(
                lambda: harness.pages(sink).groups >= groups, 60, "every group's EOC page",
                detail=lambda: f"{len(harness.pages(sink).groups)} of {len(groups)} groups paged",
            )  # fmt: skip
            figures = harness.account(both, url, sink, steps=1)
            assert harness.pages(sink).redelivered == 0, "a page delivered twice without a worker crash"
            harness.bounded(rss.peak)
            return {
                **figures,
                "answered_before_kill": {"alertmanager": answered[0], "events_v2": answered[1]},
                "restart_to_healthy_s": round(restart, 1),
                "events_v2_answered": len(pd_clients.answered),
                "alertmanager_alerts_answered": len(am_clients.answered),
                "server_rss_peak_mib": round(rss.peak),
            }
        finally:
            if ow is not None:
                ow.stop()
            db.remove()


def main() -> int:
    return harness.run_scenario(scenario)


if __name__ == "__main__":
    raise SystemExit(main())
