"""SLO's timer kind: one evaluation cycle (`slo_evaluate`), measured before the pass's write
transaction opens (onwatch.slo.evaluate)."""

from __future__ import annotations

from onwatch.config.cache import ConfigCache
from onwatch.engine.timers import TimerKinds
from onwatch.slo.evaluate import SLO_EVALUATE, SloEvaluator


def register(kinds: TimerKinds, cache: ConfigCache) -> SloEvaluator:
    evaluator = SloEvaluator(cache)
    kinds.register(SLO_EVALUATE, evaluator.handle, prepare=evaluator.prepare)
    return evaluator
