"""Promote a streaming standby during ingest and escalation.

Two private clusters: a primary and its standby (`pg_basebackup -R`, synchronous replication, so
a commit the primary acknowledged is on the standby too: with asynchronous replication a failover
may lose the last commits, which no client of the database can prevent). `onwatch serve --no-engine`
and an `onwatch worker` are given the libpq multi-host URL
`postgresql://postgres@127.0.0.1:P1,127.0.0.1:P2/onwatch?target_session_attrs=read-write`; clients
post Alertmanager notifications (joining five open groups, every fourth opening a group of its own),
each group pages its EOC at once and its IMOC 3 s later. Mid-run the primary stops (immediate: as if
its machine died) and, `--outage` seconds later, the standby is promoted. onwatch answers 503 (with
Retry-After) meanwhile, the clients retry as Alertmanager does, and afterwards every alert answered
2xx is stored, every group paged its EOC and its IMOC, no page decided twice.

Run alone: .venv/bin/python -m bench.chaos.standby [--outage 2]
"""

from __future__ import annotations

import argparse
import time

import httpx
from tests.pg_cluster import PrivateCluster
from tests.receivers import WebhookSink

from bench.chaos import harness
from bench.chaos.clients import Clients, Notification, alertmanager
from bench.chaos.harness import figure
from bench.chaos.memory import RssSampler


def notification(n: int) -> Notification:
    if n % 4 == 0:
        return alertmanager([(f"Open{n}", f"am-{n}-0")])
    return alertmanager([(f"Join{n % 5}", f"am-{n}-{a}") for a in range(5)])


def scenario(outage: float) -> dict[str, object]:
    with harness.workdir("standby") as tmp, WebhookSink() as sink:
        primary = harness.cluster()
        standby: PrivateCluster | None = None
        ow = None
        try:
            harness.create_database(primary)
            standby_port = harness.suite_port()
            url = (
                f"postgresql://postgres@127.0.0.1:{primary.port},127.0.0.1:{standby_port}/onwatch"
                "?target_session_attrs=read-write"
            )
            ow = harness.Onwatch(url, tmp, {"ONWATCH_WORKER_LEASE_SECONDS": "5"})
            ow.prepare(harness.demo_config(sink, eoc_for="3s", imoc_for="1h"))
            standby = PrivateCluster.standby_of(primary, standby_port)
            standby.start()
            harness.replicate_synchronously(primary)
            api = ow.serve(harness.suite_port())
            worker = ow.worker()
            with RssSampler(api.pid) as rss, Clients(api.base, notification, 4, per_second=40) as clients:
                harness.wait_until(
                    lambda: clients.notifications >= 200, 60, "200 answers before the failover"
                )
                harness.wait_until(
                    lambda: len(harness.pages(sink).delivered) >= 20,
                    60,
                    "pages before the failover",
                    detail=worker.tail,
                )
                primary.stop("immediate")
                stopped = time.monotonic()
                harness.wait_until(lambda: clients.count(503) > 0, 30, "503s while there is no primary")
                time.sleep(max(0.0, outage - (time.monotonic() - stopped)))
                health = httpx.get(f"{api.base}/healthz", timeout=10).status_code
                before = clients.notifications
                standby.promote()
                promoted = time.monotonic()
                back = harness.wait_until(
                    lambda: clients.notifications > before, 60, "an answer from the promoted standby"
                )
                harness.wait_until(lambda: clients.notifications >= before + 200, 60, "200 answers after")
                clients.stop()
            figure(
                f"primary stopped; standby promoted {promoted - stopped:.1f} s later; first 2xx "
                f"{back:.1f} s after the promotion; clients went {clients.longest_silence():.1f} s "
                f"without a 2xx; /healthz during the outage: {health}"
            )
            assert health == 503, f"/healthz answered {health} with no primary"
            assert set(clients.statuses) <= {200, 503}, clients.statuses
            # the escalations run on: every group's IMOC page too (3 s after its EOC page)
            total = harness.stored(url)
            harness.wait_until(
                lambda: len(harness.pages(sink).steps) >= 2 * len(total.groups),
                90,
                "every group's EOC and IMOC pages",
                detail=lambda: (
                    f"{len(harness.pages(sink).steps)} of {2 * len(total.groups)} pages;"
                    f" worker log:\n{worker.tail()}"
                ),
            )
            assert api.popen.poll() is None and worker.popen.poll() is None, "a process died"
            assert httpx.get(f"{api.base}/healthz", timeout=10).status_code == 200
            figures = harness.account(clients, url, sink, steps=2)
            harness.bounded(rss.peak)
            return {
                **figures,
                "outage_s": round(promoted - stopped, 1),
                "first_2xx_after_promotion_s": round(back, 2),
                "longest_without_2xx_s": round(clients.longest_silence(), 2),
                "server_rss_peak_mib": round(rss.peak),
            }
        finally:
            if ow is not None:
                ow.stop()
            primary.remove()
            if standby is not None:
                standby.remove()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--outage", type=float, default=2.0, help="seconds between the stop and the promotion"
    )
    args = parser.parse_args()
    return harness.run_scenario(lambda: scenario(args.outage))


if __name__ == "__main__":
    raise SystemExit(main())
