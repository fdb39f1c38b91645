"""`onwatch reports response|load|noise` print the reports as tables, CSV or JSON."""

from __future__ import annotations

import json

from onwatch.bootstrap import Onwatch
from tests.e2e.conftest import Cli
from tests.paging_helpers import make_bench, running
from tests.receivers import SmtpSink, WebhookSink

RANGE = ["--from", "2026-11-30T00:00:00Z", "--to", "2026-12-02T00:00:00Z"]


def test_reports_print_a_table_csv_and_json(
    cli: Cli, onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink
) -> None:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        bench.fire("DiskFull", fingerprint="fp-disk")  # pages amara at 09:00 on the fake clock
        bench.advance(10)
        bench.fire("DiskFull", fingerprint="fp-disk", status="resolved")

    table = cli("reports", "noise", *RANGE).stdout.splitlines()
    assert table[0].split()[:4] == ["integration", "alertname", "groups", "pages"]
    assert table[1].split()[:7] == ["prometheus", "DiskFull", "1", "1", "1.0", "0", "10.0"]

    csv = cli("reports", "load", *RANGE, "--person", "amara", "--format", "csv").stdout.splitlines()
    assert csv[0].startswith("person,zone,hours_on_call,eoc_hours,pages,interruptions_business")
    assert csv[1].startswith("amara,Europe/London,") and ",1,1,0,0," in csv[1]

    report = json.loads(cli("reports", "response", *RANGE, "--period", "all", "--format", "json").stdout)
    assert report["unacknowledged"][0]["unacknowledged"] == 1

    unknown = cli("reports", "load", *RANGE, "--team", "nobody", ok=False)
    assert unknown.returncode == 1 and "team: unknown team 'nobody'" in unknown.stderr
