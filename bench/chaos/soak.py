"""Soak: 200 alerts/s for an hour (`--minutes`, 2 in `make chaos`), memory must stay flat.

A private cluster; one `onwatch serve` with its engine in the process (the single-node shape).
Clients send 20 Alertmanager notifications a second, 10 alerts each: half fire new alerts (their
alertname changes every two seconds, so a new group opens and pages its EOC every two seconds), half
resolve the alerts that fired 20 s earlier, as a real estate of alerts churns. The server's resident
memory is sampled every second; after a warm-up (a quarter of the run, at least 20 s) the median of
the last third of the samples must be within 20 % of the first third's. Every alert answered 2xx is
stored, every group paged.

Run alone: .venv/bin/python -m bench.chaos.soak [--minutes 2] [--rate 200]
"""

from __future__ import annotations

import argparse
import time

from tests.receivers import WebhookSink

from bench.chaos import harness
from bench.chaos.clients import Clients, Notification, alertmanager, percentile
from bench.chaos.harness import figure
from bench.chaos.memory import RssSampler

PER_NOTIFICATION = 10
RESOLVE_AFTER = 400  # notifications: 20 s at 20 a second


def notification(n: int) -> Notification:
    """Even: ten new alerts; odd: the alerts of an even notification RESOLVE_AFTER earlier resolved."""
    if n % 2 == 1:
        fired = n - 1 - RESOLVE_AFTER
        if fired >= 0:
            keys = [(f"Soak{fired // 40}", f"soak-{fired}-{a}") for a in range(PER_NOTIFICATION)]
            return alertmanager(keys, status="resolved")
        n -= 1  # nothing to resolve yet: fire instead
        return alertmanager([(f"Warm{n // 40}", f"warm-{n}-{a}") for a in range(PER_NOTIFICATION)])
    return alertmanager([(f"Soak{n // 40}", f"soak-{n}-{a}") for a in range(PER_NOTIFICATION)])


def scenario(minutes: float, rate: float) -> dict[str, object]:
    seconds = minutes * 60
    with harness.workdir("soak") as tmp, WebhookSink(keep_alive=True) as sink:
        db = harness.cluster()
        ow = None
        try:
            harness.create_database(db)
            url = f"postgresql://postgres@127.0.0.1:{db.port}/onwatch"
            ow = harness.Onwatch(url, tmp)
            ow.prepare(harness.demo_config(sink, imoc_for="1h"))
            api = ow.serve(harness.suite_port(), engine=True)
            per_second = rate / PER_NOTIFICATION
            with RssSampler(api.pid) as rss:
                with Clients(api.base, notification, 32, per_second=per_second) as clients:
                    started = time.monotonic()
                    time.sleep(seconds)
                    clients.stop()
                    sent_for = time.monotonic() - started
                groups = harness.stored(url).groups
                harness.wait_until(
                    lambda: harness.pages(sink).groups >= groups, 60, "every group's page",
                    detail=lambda: f"{len(harness.pages(sink).groups)} of {len(groups)} groups paged",
                )  # fmt: skip
            warmup = max(20.0, seconds / 4)
            first, last = rss.thirds(warmup)
            achieved = len(clients.answered) / sent_for  # distinct alerts fired
            events = clients.notifications * PER_NOTIFICATION / sent_for
            figure(
                f"{events:.0f} alert events/s for {sent_for:.0f} s ({achieved:.0f} distinct alerts/s), "
                f"p99 answer {percentile(clients.latencies, 99) * 1000:.0f} ms; server RSS median "
                f"{first:.0f} MiB in the first third after warm-up, {last:.0f} MiB in the last "
                f"(x{last / first:.2f}), peak {rss.peak:.0f} MiB"
            )
            assert api.popen.poll() is None, "the server died"
            figures = harness.account(clients, url, sink, steps=1)
            # the clients are paced: a slower rate means the server (sharing this machine) fell behind
            assert events >= 0.5 * rate, f"only {events:.0f} alert events/s of {rate:.0f}"
            assert last <= 1.2 * first, f"server memory grew from {first:.0f} to {last:.0f} MiB"
            harness.bounded(rss.peak)
            return {
                **figures,
                "seconds": round(sent_for),
                "alert_events_per_s": round(events, 1),
                "rss_first_third_mib": round(first, 1),
                "rss_last_third_mib": round(last, 1),
                "rss_ratio": round(last / first, 3),
                "server_rss_peak_mib": round(rss.peak),
                "rss_samples": len(rss.samples),
            }
        finally:
            if ow is not None:
                ow.stop()
            db.remove()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=60.0, help="how long to send (default: an hour)")
    parser.add_argument("--rate", type=float, default=200.0, help="alert events per second")
    args = parser.parse_args()
    return harness.run_scenario(lambda: scenario(args.minutes, args.rate))


if __name__ == "__main__":
    raise SystemExit(main())
