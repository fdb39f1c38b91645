"""Prometheus Alertmanager webhook (`webhook_configs`), payload version 4.

Each alert is keyed by its own fingerprint (or a hash of its labels when absent): alerts are
never merged by summary. `status: resolved` resolves that alert.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Literal, overload

import msgspec

from onwatch.alerts.sources.base import (
    MAX_ALERTS_PER_REQUEST,
    MAX_SUMMARY,
    PayloadError,
    load_json,
    loose_severity,
    parse_time,
    refuse_nul,
    string_map,
)
from onwatch.kernel.bounds import NUL_ESCAPE
from onwatch.paging.domain.alerts import AlertAction, AlertEvent, fingerprint


# The payload as Alertmanager sends it, for `parse_body`'s fast path: msgspec checks these types while
# it decodes, in C. Narrower than what `parse` accepts (a label given as a number, a null where an
# object may be, ...): whatever does not fit takes `parse`, which gives the same events or names each
# field at fault.
class _Alert(msgspec.Struct):
    labels: dict[str, str]
    status: Literal["firing", "resolved"] | msgspec.UnsetType = msgspec.UNSET
    annotations: dict[str, str] = msgspec.field(default_factory=dict)
    startsAt: str | None = None
    fingerprint: str | None = None
    generatorURL: str | None = None


class _Payload(msgspec.Struct):
    alerts: list[_Alert]
    status: str | None = None
    externalURL: str = ""


_DECODER = msgspec.json.Decoder(_Payload)


class _Unusual(Exception):
    """The fast path's types held, but something is for `parse` to judge."""


def parse_body(raw: bytes, now: datetime) -> Sequence[AlertEvent]:
    """The events of a raw request body; PayloadError naming each field at fault. The same answer as
    `parse(load_json(raw), now)`, several times faster for a well-formed body, whose events are built
    when first read (see _Checked). A body with a NUL character (JSON's only way to carry one is
    the escape) is `parse`'s to refuse."""
    if NUL_ESCAPE not in raw:
        try:
            return _checked(_DECODER.decode(raw), now)
        except (msgspec.MsgspecError, ValueError, _Unusual):
            pass
    return parse(load_json(raw), now)


def _checked(body: _Payload, now: datetime) -> _Checked:
    """Everything `parse` would refuse is refused here (by `_Unusual`, for `parse` to name it)."""
    alerts = body.alerts
    if not alerts or len(alerts) > MAX_ALERTS_PER_REQUEST:
        raise _Unusual
    times = []
    errors: list[tuple[str, str]] = []
    for alert in alerts:
        key = alert.fingerprint
        if key == "" or (key is not None and len(key) > 255):
            raise _Unusual
        if _status(body, alert) not in ("firing", "resolved"):
            raise _Unusual
        times.append(now if alert.startsAt is None else parse_time(alert.startsAt, "startsAt", errors, now))
    if errors:
        raise _Unusual
    return _Checked(body, times)


class _Checked(Sequence[AlertEvent]):
    """A checked body's events, built when first read (by whoever writes them). Built at most once
    per reader (two threads reading at once would build the same events twice)."""

    __slots__ = ("_body", "_events", "_times")

    def __init__(self, body: _Payload, times: list[datetime]) -> None:
        self._body = body
        self._times = times
        self._events: list[AlertEvent] | None = None

    def __len__(self) -> int:
        return len(self._times)

    @overload
    def __getitem__(self, index: int) -> AlertEvent: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[AlertEvent]: ...
    def __getitem__(self, index: int | slice) -> AlertEvent | Sequence[AlertEvent]:
        return self._built()[index]

    def __iter__(self) -> Iterator[AlertEvent]:
        return iter(self._built())

    def _built(self) -> list[AlertEvent]:
        if self._events is None:
            self._events = _events(self._body, self._times)
        return self._events


def _status(body: _Payload, alert: _Alert) -> str | None:
    """The alert's own status, else the notification's."""
    return body.status if alert.status is msgspec.UNSET else alert.status


def _events(body: _Payload, times: list[datetime]) -> list[AlertEvent]:
    external = body.externalURL
    return [
        _event(
            _status(body, alert),
            alert.fingerprint,
            alert.labels,
            alert.annotations,
            at,
            alert.generatorURL,
            external,
        )
        for alert, at in zip(body.alerts, times, strict=True)
    ]


def _event(
    status: object,
    key: str | None,
    labels: dict[str, str],
    annotations: dict[str, str],
    at: datetime,
    url: str | None,
    external: object,
) -> AlertEvent:
    """One checked alert as an event (both parsers build them here)."""
    summary = (
        annotations.get("summary") or annotations.get("description") or labels.get("alertname") or "alert"
    )
    return AlertEvent(
        AlertAction.TRIGGER if status == "firing" else AlertAction.RESOLVE,
        key or fingerprint(labels),
        summary[:MAX_SUMMARY],
        at,
        loose_severity(labels.get("severity")),
        (url or labels.get("instance") or "alertmanager")[:255],
        labels,
        {"annotations": annotations, "externalURL": external},
        [url] if url else [],
    )


def parse(body: Any, now: datetime) -> list[AlertEvent]:
    """The events of a decoded webhook body; PayloadError naming each field at fault."""
    refuse_nul(body)
    if not isinstance(body, dict):
        raise PayloadError([("body", "must be an Alertmanager webhook object")])
    alerts = body.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise PayloadError([("alerts", "required: a non-empty list of alerts")])
    if len(alerts) > MAX_ALERTS_PER_REQUEST:
        raise PayloadError([("alerts", f"at most {MAX_ALERTS_PER_REQUEST} alerts per request")])
    errors: list[tuple[str, str]] = []
    events: list[AlertEvent] = []
    for i, alert in enumerate(alerts):
        path = f"alerts[{i}]"
        if not isinstance(alert, dict):
            errors.append((path, "must be an object"))
            continue
        status = alert.get("status", body.get("status"))
        if status not in ("firing", "resolved"):
            errors.append((f"{path}.status", "must be 'firing' or 'resolved'"))
        labels = string_map(alert.get("labels"), f"{path}.labels", errors)
        if not labels and "labels" not in alert:
            errors.append((f"{path}.labels", "required"))
        annotations = string_map(alert.get("annotations"), f"{path}.annotations", errors)
        at = parse_time(alert.get("startsAt"), f"{path}.startsAt", errors, now)
        key = alert.get("fingerprint")
        if key is not None and (not isinstance(key, str) or not key or len(key) > 255):
            errors.append((f"{path}.fingerprint", "must be a non-empty string of at most 255 characters"))
            continue
        url = str(alert["generatorURL"]) if alert.get("generatorURL") else None
        events.append(_event(status, key, labels, annotations, at, url, body.get("externalURL", "")))
    if errors:
        raise PayloadError(errors)
    return events
