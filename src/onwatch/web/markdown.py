"""Markdown for the working document: CommonMark plus tables, raw HTML off (a document is written
by responders and shown to others: it must not be able to inject markup)."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")
SHIFT = 2  # the page has its h1 and the section its h2: the document's "# Title" renders as h3


def render(text: str) -> Markup:
    tokens = _md.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + SHIFT)}"
    return Markup(_md.renderer.render(tokens, _md.options, {}))  # raw HTML is off: safe to mark up
