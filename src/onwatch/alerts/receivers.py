"""Where monitoring sends alerts: each configured integration's receiver URL (and heartbeats'), so
pointing Alertmanager or a PagerDuty client at onwatch needs no reading of the config file (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from onwatch.config.schema import OnwatchConfig


@dataclass(frozen=True)
class Receiver:
    id: str
    kind: str  # alertmanager | pagerduty | generic | heartbeat
    service: str
    escalation_policy: str
    url: str  # where to send (PagerDuty: the enqueue URL; the key goes in the body)
    key: str
    setup: str  # what to put where, in the sender's own terms

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "kind": self.kind,
            "service": self.service,
            "escalation_policy": self.escalation_policy,
            "url": self.url,
            "key": self.key,
            "setup": self.setup,
        }


def receivers(config: OnwatchConfig, public_url: str) -> list[Receiver]:
    """Every integration and heartbeat of `config`, with the URL a sender uses, by id."""
    base = public_url.rstrip("/")
    found: list[Receiver] = []
    for iid, integ in sorted(config.integrations.items()):
        kind, key = integ.type.value, integ.key
        if kind == "alertmanager":
            url = f"{base}/api/v1/integrations/alertmanager/{key}"
            setup = (
                f"receivers: [{{name: onwatch, webhook_configs: [{{url: '{url}', send_resolved: true}}]}}]"
            )
        elif kind == "pagerduty":
            url = f"{base}/v2/enqueue"
            setup = f"Events API v2: POST {url} with routing_key {key}"
        else:
            url = f"{base}/api/v1/integrations/generic/{key}"
            setup = f"POST {url} with {{summary, status, dedup_key, severity, labels, details, links}}"
        found.append(Receiver(iid, kind, integ.service, integ.escalation_policy, url, key, setup))
    for hid, beat in sorted(config.heartbeats.items()):
        url = f"{base}/api/v1/heartbeats/{beat.key}"
        every = int(beat.interval.total_seconds())
        setup = f"POST (or GET) {url} at least every {every} s"
        found.append(Receiver(hid, "heartbeat", beat.service, beat.escalation_policy, url, beat.key, setup))
    return found
