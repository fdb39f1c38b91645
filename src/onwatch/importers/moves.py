"""The integration URL table: where a sender pointed before the import, and where it points now."""

from __future__ import annotations

from dataclasses import dataclass

# the receiver paths onwatch serves, per integration type (as `onwatch integrations` lists them)
RECEIVER_PATHS = {
    "alertmanager": "/api/v1/integrations/alertmanager/{key}",
    "generic": "/api/v1/integrations/generic/{key}",
    "pagerduty": "/v2/enqueue",
}


@dataclass(frozen=True, order=True)
class IntegrationMove:
    integration: str  # onwatch integration id
    old_url: str
    kind: str  # onwatch integration type
    key: str

    def new_url(self, public_url: str = "$ONWATCH_PUBLIC_URL") -> str:
        return public_url.rstrip("/") + RECEIVER_PATHS[self.kind].format(key=self.key)

    def __str__(self) -> str:
        return f"{self.integration}: {self.old_url} -> {self.new_url()} ({self.kind})"
