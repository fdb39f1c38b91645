"""An alert's context (runbook, description, links, labels, details) as plain text and as HTML.

The runbook comes right after the title: it is what a reader woken at 3 a.m. needs first. Every
dynamic string is escaped in HTML and only http(s) URLs become anchors (alert sources are not
trusted)."""

from __future__ import annotations

import html

from onwatch.kernel.alert_context import AlertContext


def runbook_line(context: AlertContext) -> list[str]:
    return [f"Runbook: {context.runbook_url}", ""] if context.runbook_url else []


def text_lines(context: AlertContext) -> list[str]:
    """Everything but the runbook, in reading order, each block followed by a blank line."""
    lines: list[str] = []
    if context.description:
        lines += [context.description, ""]
    if context.links or context.images:
        lines += [f"{link.text}: {link.href}" for link in context.links]
        lines += [f"Image{': ' + image.alt if image.alt else ''}: {image.src}" for image in context.images]
        lines.append("")
    for title, pairs in (
        ("Annotations", context.annotations),
        ("Details", context.details),
        ("Labels", context.labels),
    ):
        if pairs:
            lines += [f"{title}:", *(f"  {key}: {value}" for key, value in pairs), ""]
    return lines


def runbook_html(context: AlertContext) -> str:
    if not context.runbook_url:
        return ""
    url = html.escape(context.runbook_url)
    return f"<p style='font-size:1.1em'><strong>Runbook:</strong> <a href=\"{url}\">{url}</a></p>\n"


def body_html(context: AlertContext) -> str:
    esc = html.escape
    parts: list[str] = []
    if context.description:
        parts.append("<p>" + esc(context.description).replace("\n", "<br>\n") + "</p>\n")
    if context.links:
        items = "".join(f'<li><a href="{esc(x.href)}">{esc(x.text)}</a></li>' for x in context.links)
        parts.append(f"<ul>{items}</ul>\n")
    for image in context.images:
        img = f'<img src="{esc(image.src)}" alt="{esc(image.alt)}" style="max-width:100%">'
        parts.append(f'<p><a href="{esc(image.href)}">{img}</a></p>\n' if image.href else f"<p>{img}</p>\n")
    for title, pairs in (
        ("Annotations", context.annotations),
        ("Details", context.details),
        ("Labels", context.labels),
    ):
        if pairs:
            rows = "".join(
                f"<tr><th align='left' style='padding-right:1em'>{esc(k)}</th><td>{esc(v)}</td></tr>"
                for k, v in pairs
            )
            parts.append(f"<h3>{title}</h3>\n<table>{rows}</table>\n")
    return "".join(parts)
