"""The integration URL table: each old tool's integration (URL and key) beside the onwatch URL and
key its sender moves to, printed and written next to the imported config."""

from __future__ import annotations

from dataclasses import dataclass

from onwatch.alerts.receivers import receivers
from onwatch.config.schema import OnwatchConfig


@dataclass(frozen=True)
class OldIntegration:
    """`source` names it in the old tool; `integration` is the onwatch integration id it became."""

    source: str
    name: str
    kind: str  # how the old tool calls it ("Events API v2")
    url: str
    key: str
    integration: str
    note: str = ""


@dataclass(frozen=True)
class UrlRow:
    old: OldIntegration
    url: str
    key: str
    setup: str


def url_rows(old: list[OldIntegration], config: OnwatchConfig, public_url: str) -> list[UrlRow]:
    """One row per imported integration, with onwatch's receiver URL and key for it."""
    new = {r.id: r for r in receivers(config, public_url)}
    return [
        UrlRow(o, new[o.integration].url, new[o.integration].key, new[o.integration].setup)
        for o in sorted(old, key=lambda o: o.source)
        if o.integration in new
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_table(rows: list[UrlRow], tool: str) -> str:
    """A Markdown table: what each sender posts to now, and what it posts to after the cut-over."""
    head = [
        f"# Integration URLs: {tool} -> onwatch",
        "",
        "Point each sender at its onwatch URL (the key stays the same where the old tool's key is kept).",
        "",
        f"| {tool} integration | old URL | old key | onwatch URL | onwatch key | setup |",
        "|---|---|---|---|---|---|",
    ]
    body = [
        "| "
        + " | ".join(
            _cell(x)
            for x in (
                f"{r.old.name} ({r.old.source}, {r.old.kind})",
                r.old.url,
                r.old.key,
                r.url,
                r.key,
                f"{r.setup}{'; ' + r.old.note if r.old.note else ''}",
            )
        )
        + " |"
        for r in rows
    ]
    return "\n".join(head + body) + "\n"
