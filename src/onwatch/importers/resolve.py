"""onwatch's side of `--verify`: the imported schedule resolved with the imported overrides."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from onwatch.config.schedules import to_schedule
from onwatch.config.schema import OnwatchConfig
from onwatch.importers.overrides import ImportedOverride
from onwatch.importers.verify import Span
from onwatch.oncall.domain.resolve import resolve


def onwatch_spans(
    config: OnwatchConfig,
    schedule: str,
    overrides: Sequence[ImportedOverride],
    start: datetime,
    end: datetime,
) -> list[Span]:
    mine = [o.to_override() for o in overrides if o.schedule == schedule]
    shifts = resolve(to_schedule(schedule, config.schedules[schedule]), mine, start, end)
    return [Span(s.start, s.end, s.person) for s in shifts]
