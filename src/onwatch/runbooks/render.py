"""A runbook's Markdown as HTML that cannot carry script into a responder's browser: CommonMark
plus tables, raw HTML off (shown as text), and links and images only with safe schemes (http, https,
mailto, or relative inside the mirror); anything else (javascript:, data:, vbscript:, file:) stays
plain text. Relative links resolve under /runbooks/, where the page's own path is its URL."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markupsafe import Markup

SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
# browsers drop these before reading a scheme: "java\tscript:" is "javascript:"
_IGNORED = re.compile(r"[\x00-\x20\x7f]")


def safe_link(url: str) -> bool:
    """True for links a runbook may carry: relative ones and the safe schemes."""
    cleaned = _IGNORED.sub("", url)
    found = _SCHEME.match(cleaned)
    if found is None:  # relative (or protocol-relative: the page's own scheme)
        return True
    return found.group(1).lower() in SAFE_SCHEMES


class _RunbookMarkdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        return safe_link(url) and super().validateLink(url)


_md = (
    _RunbookMarkdown("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable("table")
    .enable("strikethrough")
)


def render(text: str) -> Markup:
    """The runbook's HTML; links open outside onwatch without handing it the referrer."""
    tokens = _md.parse(text)
    for token in tokens:
        for child in token.children or []:
            if child.type == "link_open":
                href = str(child.attrGet("href") or "")
                if href.startswith("/") and not href.startswith("//"):  # the repository's root
                    child.attrSet("href", "/runbooks" + href)
                elif _SCHEME.match(href):  # leaves the mirror: a new tab, no referrer
                    child.attrSet("rel", "noopener noreferrer")
                    child.attrSet("target", "_blank")
    return Markup(_md.renderer.render(tokens, _md.options, {}))  # raw HTML is off: safe to mark up
