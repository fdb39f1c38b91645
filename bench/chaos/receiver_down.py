"""The receiver is down for a minute: every page queued meanwhile is delivered once it is back.

A private cluster; `onwatch serve --no-engine` and an `onwatch worker`; the demo organisation pages
everyone by webhook. The sink refuses connections for the first half of `--down` seconds (default
60) and answers 503 for the second half, while clients open new alert groups (two a second). The
outbox retries with backoff (1 s, 2 s, 4 s ... capped at 5 minutes, with jitter); once the sink
answers again every group's EOC page arrives, none lost, none twice (the sink counts idempotency
keys), and the server's memory is bounded.

Run alone: .venv/bin/python -m bench.chaos.receiver_down [--down 60]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from tests.receivers import WebhookSink

from bench.chaos import harness
from bench.chaos.clients import Clients, Notification, alertmanager
from bench.chaos.harness import figure
from bench.chaos.memory import RssSampler


def notification(n: int) -> Notification:
    return alertmanager([(f"Down{n}", f"am-{n}-{a}") for a in range(3)])


def scenario(down: float) -> dict[str, object]:
    with harness.workdir("receiver-down") as tmp, WebhookSink() as sink:
        db = harness.cluster()
        ow = None
        try:
            harness.create_database(db)
            url = f"postgresql://postgres@127.0.0.1:{db.port}/onwatch"
            ow = harness.Onwatch(url, tmp)
            ow.prepare(harness.demo_config(sink, imoc_for="1h"))
            api = ow.serve(harness.suite_port())
            worker = ow.worker()
            with RssSampler(api.pid) as rss:
                with Clients(api.base, notification, 2, per_second=2) as clients:
                    harness.wait_until(lambda: len(harness.pages(sink).delivered) >= 3, 60, "first pages")
                    sink.stop()  # connection refused
                    went_down = time.monotonic()
                    time.sleep(down / 2)
                    sink.start()
                    sink.fail_with(503)
                    time.sleep(max(0.0, down - (time.monotonic() - went_down)))
                    sink.fail_with(None)
                    back = time.monotonic()
                    clients.stop()
                groups = harness.stored(url).groups
                # backoff doubles up to the outage's length: the last retry may come that much later
                took = harness.wait_until(
                    lambda: harness.pages(sink).groups >= groups, 3 * down + 60, "every group's page",
                    detail=lambda: f"{len(harness.pages(sink).groups)} of {len(groups)} groups paged",
                )  # fmt: skip
            attempts = Counter(r.idempotency_key for r in sink.requests if r.idempotency_key)
            failed = sum(1 for r in sink.requests if r.status == 503)
            figure(
                f"receiver down {back - went_down:.0f} s ({len(groups)} groups opened meanwhile and "
                f"before); every page delivered {took:.1f} s after it came back; {failed} deliveries "
                f"answered 503, at most {max(attempts.values())} attempts for one page"
            )
            assert worker.popen.poll() is None, "the worker died"
            figures = harness.account(clients, url, sink, steps=1)
            assert harness.pages(sink).redelivered == 0, "a page delivered twice"
            harness.bounded(rss.peak)
            return {
                **figures,
                "down_s": round(back - went_down, 1),
                "all_delivered_after_back_s": round(took, 1),
                "answered_503_by_receiver": failed,
                "most_attempts_for_one_page": max(attempts.values()),
                "server_rss_peak_mib": round(rss.peak),
            }
        finally:
            if ow is not None:
                ow.stop()
            db.remove()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--down", type=float, default=60.0, help="seconds the receiver is down")
    args = parser.parse_args()
    return harness.run_scenario(lambda: scenario(args.down))


if __name__ == "__main__":
    raise SystemExit(main())
