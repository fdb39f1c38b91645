"""Jinja2 environment of the web UI: autoescaped templates and filters for times and durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).resolve().parent / "templates"


def duration(delta: timedelta) -> str:
    """'3d 4h', '2h 05m', '12m', '40s': short, for tables on small screens."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def utc_stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@pass_context
def stamp_text(context: Context, value: datetime | None) -> str:
    """`stamp` as plain text, for attributes (title, aria-label): the local time with its zone."""
    if value is None:
        return "—"
    zone = context.get("tz")
    if not isinstance(zone, ZoneInfo) or zone.key in ("UTC", "Etc/UTC"):
        return utc_stamp(value)
    local = value.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


@pass_context
def stamp(context: Context, value: datetime | None) -> str:
    """An instant in the signed-in person's zone (`tz` in the page's context, from their `timezone`
    in the config) with UTC on hover; in UTC where there is no one (the public pages) or their zone
    is UTC."""
    if value is None:
        return "—"
    zone = context.get("tz")
    if not isinstance(zone, ZoneInfo) or zone.key in ("UTC", "Etc/UTC"):
        return utc_stamp(value)
    local = value.astimezone(zone)
    shown = f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
    return Markup('<span class="local-time" title="{}">{}</span>').format(utc_stamp(value), shown)


def iso(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Templates:
    def __init__(self) -> None:
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html", "xml"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["duration"] = duration
        self.env.filters["stamp"] = stamp
        self.env.filters["stamp_text"] = stamp_text
        self.env.filters["iso"] = iso
        self.env.filters["title_case"] = lambda s: " ".join(w.capitalize() for w in str(s).split("_"))

    def render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context)

    def response(
        self, name: str, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any
    ) -> HTMLResponse:
        return HTMLResponse(self.render(name, **context), status_code=status_code, headers=headers)
