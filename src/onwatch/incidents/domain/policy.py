"""The process's tunable rules that the incident aggregate enforces (PROCESS.md §2, §5, §7), pure.

Commands build them from the applied configuration; the defaults are PROCESS.md's numbers, so a
test or an unconfigured database enforces exactly what the process says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from onwatch.kernel.durations import format_duration


@dataclass(frozen=True)
class ProcessRules:
    # a Partial Service Disruption is monitored this long before it may resolve (§7)
    partial_monitoring: timedelta = timedelta(minutes=30)
    # who may re-classify a resolved incident's severity besides its own IMOC: the IMOC role's
    # team (roles.imoc.team), until the review takes the final classification over (§5, §10)
    imoc_team: frozenset[str] = frozenset()

    @property
    def partial_monitoring_text(self) -> str:
        return format_duration(self.partial_monitoring)


DEFAULT_RULES = ProcessRules()
