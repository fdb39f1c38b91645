"""Alert ingest, from the route to the page: every integration, both databases, one model —
each alert is applied before its request is answered.

    POST /api/v1/integrations/alertmanager/{key} | /generic/{key} | /v2/enqueue   (alerts/routes.py)
      -> parse and check the body (alerts/sources/): 400 naming each field, NUL included; 404 key
      -> IngestPipeline.submit: the request queues, and waits
           fast lane (PostgreSQL, ingest/fast_lane.py): triggers joining open groups, one statement
             from the event loop, batched with the requests that arrived meanwhile
           group commit (ingest/group_commit.py), everything else: one supervised writer thread
             commits all pending requests in one transaction of set-based statements (IngestRun,
             ingest/apply.py: dedup, group, count; a new group starts its escalation, whose first
             step's pages go to the outbox in that same transaction)
      -> answered once committed: 2xx; a database fault 503 with Retry-After (nothing promised)
      -> the engine delivers the outbox's pages (engine/worker.py) and runs the escalation timers

Whatever is answered 2xx is committed; whatever cannot be stored is refused before the answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from onwatch.alerts.ingest.apply import AlertIngest
from onwatch.alerts.ingest.fast_lane import FastLane, OpenGroups
from onwatch.alerts.ingest.group_commit import GroupCommit
from onwatch.alerts.ingest.rows import IngestResult
from onwatch.paging.domain.alerts import AlertEvent
from onwatch.paging.store.groups import IntegrationRecord


class IngestPipeline:
    """One server process's ingest path: `start` and `stop` with the app (its lifespan)."""

    def __init__(self, ingest: AlertIngest) -> None:
        self.ingest = ingest
        self.open_groups = OpenGroups(ingest)
        self.group_commit = GroupCommit(ingest, applied=self.open_groups.learn)
        self.fast_lane = FastLane(ingest, self.group_commit, self.open_groups)

    async def start(self) -> None:
        self.group_commit.supervise()
        await self.fast_lane.start()

    async def stop(self) -> None:
        await self.fast_lane.stop()
        await asyncio.to_thread(self.group_commit.close)

    async def submit(
        self, integration: IntegrationRecord, events: Sequence[AlertEvent]
    ) -> list[IngestResult]:
        """The results once the alerts are committed."""
        return await self.fast_lane.submit(integration, events)

    def problem(self) -> str | None:
        """Why this process cannot ingest now (for /healthz), or None."""
        return self.group_commit.problem()
