"""What happens to the configuration that other slices react to (onwatch.kernel.events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onwatch.config.schema import OnwatchConfig


@dataclass(frozen=True)
class ConfigApplied:
    """A configuration was applied (or applied again unchanged): what it needs running starts,
    e.g. the SLO evaluation chain (slo/evaluate.py)."""

    config: OnwatchConfig
    at: datetime
