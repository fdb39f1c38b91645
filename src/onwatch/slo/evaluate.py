"""One SLO evaluation cycle, run by the engine's durable `slo_evaluate` timer.

The timer runs inside the claiming transaction, so exactly one worker evaluates each cycle; it
measures every service, steps its persisted tracker, and when the set of SLO alerts a service
should have changes, queues one `slo_alert` outbox message. The outbox sender hands that to the
alert pipeline (`onwatch.slo.alert_channel`) after this transaction commits: ingest opens its own
transaction, which cannot nest inside the timer's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from onwatch.config.cache import ConfigCache
from onwatch.config.events import ConfigApplied
from onwatch.config.schema import OnwatchConfig
from onwatch.config.slo import SloSettings, SloSource
from onwatch.db.timers import TimerRecord
from onwatch.db.uow import Database, UnitOfWork
from onwatch.kernel.events import EventBus
from onwatch.slo.domain import Measurement, SloState, Tracker, Verdict, judge, step, suggest
from onwatch.slo.prometheus import PrometheusClient
from onwatch.slo.sources import MeasureError, PrometheusSource, Result, measure_pushed
from onwatch.slo.store import SloRepository, StateRecord

log = logging.getLogger(__name__)

SLO_EVALUATE = "slo_evaluate"
SLO_ALERT_CHANNEL = "slo_alert"
SAMPLE_RETENTION = timedelta(days=31)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def next_due(now: datetime, interval: timedelta) -> datetime:
    """The next instant on the interval grid: every chain (one per bootstrap) lands on the same
    instants, so duplicates merge through the timer's dedup key."""
    periods = (now - _EPOCH) // interval
    return _EPOCH + (periods + 1) * interval


def timer_key(due: datetime) -> str:
    return f"slo-eval:{due.isoformat()}"


def evaluated_services(config: OnwatchConfig) -> list[str]:
    return [sid for sid, svc in config.services.items() if svc.slo.source is not None]


def pushed_services(config: OnwatchConfig) -> list[str]:
    return [sid for sid, svc in config.services.items() if svc.slo.source is SloSource.PUSHED]


def prometheus_services(config: OnwatchConfig) -> list[str]:
    return [sid for sid, svc in config.services.items() if svc.slo.source is SloSource.PROMETHEUS]


def subscribe(bus: EventBus[UnitOfWork]) -> None:
    """A config applied starts the evaluation chain it needs (onwatch.bootstrap subscribes this)."""

    def config_applied(uow: UnitOfWork, event: ConfigApplied) -> None:
        ensure_scheduled(uow, event.config, event.at)

    bus.subscribe(ConfigApplied, config_applied)


def ensure_scheduled(uow: UnitOfWork, config: OnwatchConfig, now: datetime) -> bool:
    """Start the evaluation chain if the config measures anything and none is pending."""
    if (
        config.slo is None
        or not evaluated_services(config)
        or uow.repo(SloRepository).has_timer(SLO_EVALUATE)
    ):
        return False
    uow.timers.schedule(SLO_EVALUATE, now, {}, timer_key(now), now)
    return True


class PrometheusClients:
    """One client per (url, timeout), kept across cycles for its connection pool."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, float], PrometheusClient] = {}

    def get(self, settings: SloSettings) -> PrometheusClient | None:
        if settings.prometheus is None:
            return None
        key = (settings.prometheus.url, settings.prometheus.timeout.total_seconds())
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = PrometheusClient(
                settings.prometheus.url, settings.prometheus.timeout
            )
        return client


@dataclass(frozen=True)
class Prefetched:
    at: datetime
    revision: int
    results: dict[str, Result]


class SloEvaluator:
    """The `slo_evaluate` timer handler."""

    def __init__(self, cache: ConfigCache, clients: PrometheusClients | None = None) -> None:
        self.cache = cache
        self.clients = clients or PrometheusClients()
        self._prefetched: Prefetched | None = None
        self._quiet_until: datetime | None = None  # no evaluation is due before this

    def prepare(self, db: Database, now: datetime) -> None:
        """Called by the worker before it opens a pass's write transaction: when an evaluation is
        due, measure now (pushed samples in a read transaction, Prometheus over HTTP), so neither
        the window sums nor hundreds of round trips hold the database's write lock (SQLite has one
        writer). The pass that claims the timer uses the answers; a replica that measured but lost
        the claim drops them. Samples stored in between count in the next cycle."""
        if self._quiet_until is not None and now < self._quiet_until:
            return
        with db.read() as uow:
            applied = self.cache.get(uow)
            due = uow.repo(SloRepository).earliest_timer(SLO_EVALUATE)
        settings = applied.config.slo
        if settings is None or due is None or due > now:
            self._quiet_until = due if due is not None else now + timedelta(seconds=30)
            return
        self._quiet_until = next_due(now, settings.evaluation_interval)
        config = applied.config
        with db.read() as uow:  # a read: on SQLite (WAL) it does not block writers
            results = measure_pushed(uow, pushed_services(config), now, settings.condition_window)
        prometheus = prometheus_services(config)
        if prometheus:
            results.update(self._measure_prometheus(config, prometheus, now))
        self._prefetched = Prefetched(now, applied.revision, results)

    def handle(self, uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        applied = self.cache.get(uow)
        config = applied.config
        if config.slo is None or not evaluated_services(config):
            return  # the chain ends; applying a config that measures something starts it again
        prefetched, self._prefetched = self._prefetched, None
        fresh = (
            prefetched is not None
            and prefetched.revision == applied.revision
            and timedelta(0) <= now - prefetched.at < config.slo.evaluation_interval
        )
        savepoint = uow.conn.begin_nested()
        try:
            self.evaluate(uow, config, now, prefetched.results if fresh and prefetched else None)
            savepoint.commit()
        except Exception:  # a failed cycle must not end the chain
            savepoint.rollback()
            log.exception("SLO evaluation at %s failed", now.isoformat())
        due = next_due(now, config.slo.evaluation_interval)
        uow.timers.schedule(SLO_EVALUATE, due, {}, timer_key(due), now)

    def _measure_prometheus(
        self, config: OnwatchConfig, services: list[str], now: datetime
    ) -> dict[str, Result]:
        assert config.slo is not None
        client = self.clients.get(config.slo)
        if client is None:
            return {sid: MeasureError("no Prometheus server configured") for sid in services}
        slos = {sid: config.services[sid].slo for sid in services}
        return PrometheusSource(client).measure(slos, now, config.slo.condition_window)

    def measure(
        self,
        uow: UnitOfWork,
        config: OnwatchConfig,
        now: datetime,
        prefetched: dict[str, Result] | None = None,
    ) -> dict[str, Result]:
        assert config.slo is not None
        wanted = evaluated_services(config)
        if prefetched is not None and all(sid in prefetched for sid in wanted):
            return {sid: prefetched[sid] for sid in wanted}
        results = measure_pushed(uow, pushed_services(config), now, config.slo.condition_window)
        prometheus = prometheus_services(config)
        if prometheus:
            results.update(self._measure_prometheus(config, prometheus, now))
        return results

    def evaluate(
        self,
        uow: UnitOfWork,
        config: OnwatchConfig,
        now: datetime,
        prefetched: dict[str, Result] | None = None,
    ) -> list[StateRecord]:
        """Measure (Prometheus answers may come `prefetched`), step every tracker, persist, and
        queue alert changes (all in `uow`)."""
        assert config.slo is not None
        settings = config.slo
        policy = settings.policy()
        results = self.measure(uow, config, now, prefetched)
        previous = uow.repo(SloRepository).states(list(results), for_update=True)
        records, messages = [], []
        for sid, result in results.items():
            prev = previous.get(sid)
            slo = config.services[sid].slo
            objectives = slo.objectives()
            tracker = prev.tracker if prev else Tracker()
            verdict: Verdict | None = None
            if isinstance(result, MeasureError):
                new = step(tracker, None, now, policy, result.reason, page_if_unknown=result.pages)
            else:
                verdict = judge(objectives, result)
                new = step(tracker, verdict, now, policy)
            snapshot = snapshot_of(result, verdict, objectives.thresholds(), now)
            alerts = sorted(new.alerts)
            seq, alert = (prev.seq, prev.alert) if prev else (0, {})
            if alerts != (prev.alerts if prev else []):
                seq += 1
                alert = alert_content(config, sid, new, verdict, snapshot, now)
                messages.append(
                    {
                        "idempotency_key": f"slo:{sid}:{seq}",
                        "channel": SLO_ALERT_CHANNEL,
                        "target": {"service": sid, "integration": settings.integration},
                        "payload": {"seq": seq},
                        "next_attempt_at": now,
                        "created_at": now,
                        "correlation": f"slo:{sid}",
                    }
                )
                log.info("SLO %s: %s -> %s (alerts %s)", sid, tracker.state, new.state, alerts)
            records.append(StateRecord(sid, new, seq, alerts, alert, snapshot))
        uow.repo(SloRepository).save_states(records)
        uow.outbox.enqueue(messages)
        uow.repo(SloRepository).prune_samples(list(results), now - SAMPLE_RETENTION)
        return records


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def snapshot_of(
    result: Result, verdict: Verdict | None, thresholds: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """What the API shows: per window the request rate, error ratio and Apdex."""
    out: dict[str, Any] = {"at": now.isoformat(), "thresholds": dict(thresholds)}
    if isinstance(result, MeasureError):
        out["error"] = result.reason
        return out
    assert isinstance(result, Measurement)

    def sli(s: Any) -> dict[str, Any]:
        return {
            "request_rate": _round(s.request_rate),
            "error_ratio": _round(s.error_ratio),
            "apdex": _round(s.apdex),
        }

    out["condition"] = {"window": int(result.condition.window.total_seconds()), **sli(result.condition)}
    out["windows"] = {str(int(w.total_seconds())): sli(s) for w, s in result.windows.items()}
    if verdict is not None:
        out["verdict"] = {
            "degraded": verdict.degraded,
            "outage": verdict.outage,
            "fast_burn": verdict.fast_burn,
            "slow_burn": verdict.slow_burn,
            "breaching": [i.value for i in verdict.breaching],
            "traffic": verdict.traffic,
        }
    return out


def alert_content(
    config: OnwatchConfig,
    sid: str,
    tracker: Tracker,
    verdict: Verdict | None,
    snapshot: Mapping[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """What the alerts carry: the state, why, measured values, thresholds, the suggestion."""
    name = config.services[sid].name
    state = tracker.known_state if tracker.state is SloState.UNKNOWN else tracker.state
    suggestion = suggest(state, verdict.breaching if verdict else ())
    condition = snapshot.get("condition", {})
    measured = ", ".join(
        f"{k.replace('_', ' ')} {v:.4g}" for k, v in condition.items() if k != "window" and v is not None
    )
    summary = f"{name}: {state.value}"
    if measured:
        summary += f" ({measured} over the last {condition.get('window')}s)"
    if suggestion is not None and suggestion.severity is not None:
        summary += f"; suggested status {suggestion.status.title}, severity {suggestion.severity.label}"
    content: dict[str, Any] = {
        "service": sid,
        "state": tracker.state.value,
        "decided_state": state.value,
        "at": now.isoformat(),
        "summary": summary,
        "name": name,
        "reason": tracker.reason,
        "measured": dict(snapshot),
    }
    if suggestion is not None:
        content["suggested_status"] = suggestion.status.value
        content["suggested_severity"] = suggestion.severity.label if suggestion.severity else ""
    return content
