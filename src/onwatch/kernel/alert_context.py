"""What an alert says beyond its summary, in one shape whatever its source (pure).

A 3 a.m. reader wants, in this order: the runbook, what is wrong (the description), where it came
from (the generator's graph, PagerDuty links and images) and the rest of what the source sent
(labels, other annotations, custom details). Alertmanager, PagerDuty Events v2 and the generic
webhook store these differently inside an alert's `details` (see alerts/sources); `of_alert` reads
any of them. Pages carry the context as JSON (`to_payload`) so the delivery channels, which know no
slice, can render it; the web page and the API show the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson

MAX_VALUE = 500  # characters of one shown value (a label, an annotation, a detail)
MAX_ENTRIES = 30  # shown entries per kind (labels, annotations, details, links)
RUNBOOK_KEYS = ("runbook_url", "runbook", "runbook_link", "playbook_url", "playbook")
_PROSE = ("summary", "description", "message")


def is_web_url(value: object) -> bool:
    """Only http(s) addresses become links: anything else (javascript:, data:) could run in a reader."""
    return isinstance(value, str) and len(value) <= 2048 and urlsplit(value).scheme in ("http", "https")


def _clip(value: str) -> str:
    return value if len(value) <= MAX_VALUE else value[: MAX_VALUE - 1] + "…"


def _shown(value: object) -> str:
    """A value as one line of text: strings as they are, anything else as compact JSON."""
    if isinstance(value, str):
        return _clip(value)
    try:
        return _clip(orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode())
    except (TypeError, orjson.JSONEncodeError):
        return _clip(str(value))


@dataclass(frozen=True)
class Link:
    href: str
    text: str


@dataclass(frozen=True)
class Image:
    src: str
    alt: str = ""
    href: str = ""


@dataclass(frozen=True)
class AlertContext:
    runbook_url: str = ""
    description: str = ""
    links: tuple[Link, ...] = ()
    images: tuple[Image, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    details: tuple[tuple[str, str], ...] = field(default=())

    def __bool__(self) -> bool:
        return any(
            (
                self.runbook_url,
                self.description,
                self.links,
                self.images,
                self.labels,
                self.annotations,
                self.details,
            )
        )

    @classmethod
    def of_alert(cls, labels: Mapping[str, Any], stored: Mapping[str, Any]) -> AlertContext:
        """The context of a stored alert: its labels and its `details` column
        ({"details": <what the source sent>, "links": [url, ...]})."""
        inner = stored.get("details")
        source: Mapping[str, Any] = inner if isinstance(inner, dict) else {}
        annotations = source.get("annotations")
        notes: Mapping[str, Any] = annotations if isinstance(annotations, dict) else {}
        custom = source.get("custom_details", source.get("details"))
        extra: Mapping[str, Any] = custom if isinstance(custom, dict) else {}
        runbook = next(
            (
                str(where[key])
                for where in (notes, extra, labels)
                for key in RUNBOOK_KEYS
                if is_web_url(where.get(key))
            ),
            "",
        )
        description, used = "", ""
        for where, name in ((notes, "annotations"), (extra, "details")):
            for key in ("description", "message"):
                if not description and isinstance(where.get(key), str) and where[key]:
                    description, used = str(where[key]), f"{name}.{key}"
        if not description and isinstance(custom, str):
            description = custom
        links = [Link(str(url), _link_text(str(url), i)) for i, url in enumerate(stored.get("links") or ())]
        for item in source.get("links") or ():  # PagerDuty's links keep their text
            if isinstance(item, dict) and is_web_url(item.get("href")):
                link = Link(str(item["href"]), str(item.get("text") or item["href"]))
                links = [link, *[x for x in links if x.href != link.href]]
        images = tuple(
            Image(str(i["src"]), str(i.get("alt") or ""), str(i["href"]) if is_web_url(i.get("href")) else "")
            for i in source.get("images") or ()
            if isinstance(i, dict) and is_web_url(i.get("src"))
        )
        shown_notes = [(str(k), _shown(v)) for k, v in notes.items() if k not in (*_PROSE, *RUNBOOK_KEYS)]
        details = [
            (str(k), _shown(v)) for k, v in extra.items() if k not in RUNBOOK_KEYS and f"details.{k}" != used
        ]
        if custom is not None and not isinstance(custom, dict | str):
            details = [("details", _shown(custom))]
        return cls(
            runbook_url=runbook,
            description=_clip(description) if description else "",
            links=tuple(link for link in links if is_web_url(link.href))[:MAX_ENTRIES],
            images=images[:MAX_ENTRIES],
            labels=tuple((str(k), _shown(v)) for k, v in sorted(labels.items()))[:MAX_ENTRIES],
            annotations=tuple(shown_notes)[:MAX_ENTRIES],
            details=tuple(details)[:MAX_ENTRIES],
        )

    def to_payload(self) -> dict[str, Any]:
        """As JSON, for a page's payload and the API."""
        return {
            "runbook_url": self.runbook_url or None,
            "description": self.description,
            "links": [{"href": x.href, "text": x.text} for x in self.links],
            "images": [{"src": x.src, "alt": x.alt, "href": x.href} for x in self.images],
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "details": dict(self.details),
        }

    @classmethod
    def from_payload(cls, data: object) -> AlertContext:
        """Back from `to_payload` (an absent or malformed one is empty); only web URLs survive."""
        if not isinstance(data, dict):
            return cls()

        def pairs(key: str) -> tuple[tuple[str, str], ...]:
            value = data.get(key)
            return tuple((str(k), str(v)) for k, v in value.items()) if isinstance(value, dict) else ()

        def items(key: str) -> list[dict[str, Any]]:
            value = data.get(key)
            return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []

        runbook = data.get("runbook_url")
        return cls(
            runbook_url=str(runbook) if is_web_url(runbook) else "",
            description=str(data.get("description") or ""),
            links=tuple(
                Link(str(x["href"]), str(x.get("text") or x["href"]))
                for x in items("links")
                if is_web_url(x.get("href"))
            ),
            images=tuple(
                Image(
                    str(x["src"]),
                    str(x.get("alt") or ""),
                    str(x["href"]) if is_web_url(x.get("href")) else "",
                )
                for x in items("images")
                if is_web_url(x.get("src"))
            ),
            labels=pairs("labels"),
            annotations=pairs("annotations"),
            details=pairs("details"),
        )


def _link_text(url: str, index: int) -> str:
    """Alertmanager's generatorURL is the alert rule's graph in Prometheus."""
    host = urlsplit(url).hostname or "link"
    return f"Source ({host})" if index == 0 else host
