"""`onwatch slo [SERVICE]`: SLO states, per-window SLIs, thresholds and error budgets."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from onwatch.cli.context import fail, onwatch, reported
from onwatch.slo.evaluate import PrometheusClients
from onwatch.slo.report import service_slo
from onwatch.slo.store import SloRepository


def _num(value: Any, spec: str = ".4g") -> str:
    return "-" if value is None else format(value, spec)


def _pct(value: Any) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def summary_lines(reports: list[dict[str, Any]]) -> list[str]:
    lines = [
        f"{'SERVICE':<12} {'STATE':<9} {'SINCE':<20} {'ERRORS 5m':>10} {'APDEX 5m':>9} "
        f"{'BUDGET LEFT':>11}  SUGGESTED"
    ]
    for r in reports:
        five = r["windows"][0]
        since = (r["since"] or "-")[:19].replace("T", " ")
        suggested = (r["suggested_status"] or "-").replace("_", " ")
        if r["suggested_severity"]:
            suggested += f" ({r['suggested_severity']})"
        lines.append(
            f"{r['service']:<12} {r['state']:<9} {since:<20} {_num(five['error_ratio']):>10} "
            f"{_num(five['apdex']):>9} {_pct(r['error_budget']['remaining']):>11}  {suggested}"
        )
    return lines


def detail_lines(r: dict[str, Any]) -> list[str]:
    objectives = r["objectives"]
    suggested = (r["suggested_status"] or "-").replace("_", " ")
    if r["suggested_severity"]:
        suggested += f" ({r['suggested_severity']})"
    lines = [
        f"{r['name']} ({r['service']}): {r['state']}" + (f" since {r['since'][:19]}Z" if r["since"] else ""),
        f"  objectives  apdex {_num(objectives['apdex'])}  error ratio {_num(objectives['error_ratio'])}"
        f"  source {r['source'] or 'not measured'}",
        f"  reason      {r['reason'] or '-'}",
        f"  budget      {_pct(r['error_budget']['remaining'])} of the 30-day error budget left",
        f"  suggested   {suggested}",
        "",
        f"  {'WINDOW':<7} {'REQ/S':>9} {'ERROR RATIO':>12} {'> LINE':>9} "
        f"{'APDEX':>8} {'< LINE':>8} {'FACTOR':>7}",
    ]
    for w in r["windows"]:
        lines.append(
            f"  {w['window']:<7} {_num(w['request_rate']):>9} {_num(w['error_ratio']):>12} "
            f"{_num(w['error_ratio_threshold']):>9} {_num(w['apdex']):>8} {_num(w['apdex_threshold']):>8} "
            f"{w['burn_factor']:>6g}x"
        )
    return lines


def slo(
    service: Annotated[
        str | None, typer.Argument(help="a service id; default: every measured service")
    ] = None,
) -> None:
    """SLO detection: each service's state, SLIs per window and the error budget left."""
    ow = onwatch()
    clients = PrometheusClients()
    with reported(), ow.db.read() as uow:
        config = ow.cache.get(uow).config
        if service is not None and service not in config.services:
            fail(f"unknown service {service!r}; known: {', '.join(sorted(config.services))}")
        ids = [service] if service else [s for s, svc in config.services.items() if svc.slo.source]
        states = uow.repo(SloRepository).states(ids)
        now = ow.clock.now()
        reports = [service_slo(uow, config, sid, states.get(sid), now, clients) for sid in ids]
    if not reports:
        typer.echo("no service is measured (set services.<id>.slo.source in the config)")
        return
    typer.echo("\n".join(detail_lines(reports[0]) if service else summary_lines(reports)))
