"""The applied configuration, parsed once per revision and shared by every request."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import sqlalchemy as sa

from onwatch.config.schedules import to_schedule
from onwatch.config.schema import OnwatchConfig
from onwatch.config.store import ConfigRepository
from onwatch.db.tables import config_revisions
from onwatch.db.uow import UnitOfWork
from onwatch.kernel.enums import Role
from onwatch.kernel.errors import NotFound
from onwatch.oncall.domain.schedules import Schedule


@dataclass(frozen=True)
class AppliedConfig:
    revision: int
    config: OnwatchConfig
    schedules: dict[str, Schedule]

    def schedule(self, schedule_id: str) -> Schedule:
        found = self.schedules.get(schedule_id)
        if found is None:
            raise NotFound(f"schedule {schedule_id!r} does not exist", field="schedule")
        return found

    def role_schedule(self, role: Role) -> Schedule | None:
        rc = self.config.roles.get(role)
        return self.schedules.get(rc.schedule) if rc and rc.schedule else None


class ConfigCache:
    """Checks the latest revision id (one indexed query) and re-parses only when it changed."""

    def __init__(self) -> None:
        self._current: AppliedConfig | None = None
        self._lock = threading.Lock()

    @property
    def cached(self) -> AppliedConfig | None:
        """The config last read, without asking the database whether it is still the latest."""
        return self._current

    def get(self, uow: UnitOfWork) -> AppliedConfig:
        latest = uow.conn.execute(sa.select(sa.func.max(config_revisions.c.id))).scalar_one()
        cached = self._current
        if cached is not None and cached.revision == latest:
            return cached
        if latest is None:
            raise NotFound("no configuration has been applied yet; run `onwatch apply-config FILE`")
        current = uow.repo(ConfigRepository).current()
        assert current is not None
        config = OnwatchConfig.model_validate(current[1])
        applied = AppliedConfig(
            revision=current[0],
            config=config,
            schedules={sid: to_schedule(sid, s) for sid, s in config.schedules.items()},
        )
        with self._lock:
            self._current = applied
        return applied
