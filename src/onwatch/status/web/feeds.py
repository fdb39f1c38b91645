"""RSS 2.0 and Atom feeds of the public updates (newest first)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from onwatch.incidents.domain.updates import PublicUpdate
from onwatch.status.web.model import StatusModel

LIMIT = 50


def _entries(model: StatusModel) -> list[tuple[int, str, PublicUpdate]]:
    entries = [(i.id, i.title, u) for i in model.incidents for u in i.updates]
    entries.sort(key=lambda e: e[2].at, reverse=True)
    return entries[:LIMIT]


def _title(title: str, update: PublicUpdate) -> str:
    return f"{title} — {update.state.value.capitalize()} ({update.status.title})"


def rss(model: StatusModel) -> str:
    items = []
    for incident_id, title, u in _entries(model):
        link = f"{model.url}/incidents/{incident_id}"
        items.append(
            "<item>"
            f"<title>{escape(_title(title, u))}</title>"
            f"<link>{escape(link)}</link>"
            f'<guid isPermaLink="false">{escape(f"{link}#update-{u.id}")}</guid>'
            f"<pubDate>{format_datetime(u.at.astimezone(UTC), usegmt=True)}</pubDate>"
            f"<description>{escape(u.body)}</description>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0"><channel>'
        f"<title>{escape(model.name)} status</title>"
        f"<link>{escape(model.url)}</link>"
        f"<description>{escape(model.name)} status updates</description>"
        f"<lastBuildDate>{format_datetime(model.updated_at.astimezone(UTC), usegmt=True)}</lastBuildDate>"
        + "".join(items)
        + "</channel></rss>\n"
    )


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def atom(model: StatusModel) -> str:
    entries = []
    for incident_id, title, u in _entries(model):
        link = f"{model.url}/incidents/{incident_id}"
        entries.append(
            "<entry>"
            f"<id>{escape(f'{link}#update-{u.id}')}</id>"
            f"<title>{escape(_title(title, u))}</title>"
            f'<link rel="alternate" href="{escape(link)}"/>'
            f"<updated>{_iso(u.at)}</updated>"
            f'<content type="text">{escape(u.body)}</content>'
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{escape(model.url)}</id>"
        f"<title>{escape(model.name)} status</title>"
        f'<link rel="alternate" href="{escape(model.url)}"/>'
        f'<link rel="self" href="{escape(model.url)}/feed.atom"/>'
        f"<updated>{_iso(model.updated_at)}</updated>"
        f"<author><name>{escape(model.name)}</name></author>" + "".join(entries) + "</feed>\n"
    )
