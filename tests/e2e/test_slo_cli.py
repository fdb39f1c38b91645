"""`onwatch slo [SERVICE]` prints the states, per-window SLIs, thresholds and budgets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from onwatch.bootstrap import build
from onwatch.db.uow import Database
from onwatch.kernel.clock import SystemClock
from onwatch.slo.store import Sample, SloRepository
from tests.databases import settings_for
from tests.e2e.conftest import Cli


def test_slo_table_and_one_service_in_detail(cli: Cli, db: Database) -> None:
    engine = build(settings_for(db.url), SystemClock(), engine=db.engine)  # the real clock, as the CLI's
    cli("apply-config", "examples/illumidesk.yaml")
    now = datetime.now(UTC)
    samples = [Sample("git", now - timedelta(seconds=30 * i), 240, 0, 238, 2) for i in range(20)]
    with db.write() as uow:
        uow.repo(SloRepository).add_samples(samples, now)
    # the engine's first evaluation (apply-config scheduled it for "now")
    assert engine.worker().run_timers() == 1

    table = cli("slo").stdout.splitlines()
    assert table[0].split()[:3] == ["SERVICE", "STATE", "SINCE"]
    rows = {line.split()[0]: line.split()[1] for line in table[1:]}
    assert rows == {
        "web": "unknown",
        "api": "unknown",
        "git": "healthy",
        "pages": "unknown",
        "registry": "unknown",
    }
    git = next(line for line in table if line.startswith("git"))
    assert "100.0%" in git and "operational" in git

    detail = cli("slo", "git").stdout
    assert "Git (git): healthy" in detail and "source pushed" in detail
    five = next(line for line in detail.splitlines() if line.strip().startswith("5m"))
    assert five.split() == ["5m", "8", "0", "0.0072", "0.9958", "0.9712", "14.4x"]
    six = next(line for line in detail.splitlines() if line.strip().startswith("6h"))
    assert six.split()[3] == "0.003" and six.split()[-1] == "6x"

    missing = cli("slo", "mainframe", ok=False)
    assert missing.returncode == 1 and "unknown service 'mainframe'" in missing.stderr
