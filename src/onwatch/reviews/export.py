"""A review as Markdown and JSON, and the list of reviews as CSV (due dates, status, owners)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson

from onwatch.reviews.domain.actions import CorrectiveAction
from onwatch.reviews.domain.review import Review
from onwatch.reviews.domain.template import headings

ANONYMOUS = "anonymous"


def _when(value: Any) -> str:
    return str(value).replace("T", " ")[:16] + " UTC" if value else "—"


def _minutes(value: Any) -> str:
    return "—" if value is None else f"{value:g} min"


def _times(prefill: Mapping[str, Any]) -> list[str]:
    times = prefill.get("times") or {}
    lines = ["| measure | took | target | met |", "|---|---|---|---|"]
    for name in ("detect", "acknowledge", "mitigate", "resolve"):
        m = times.get(name) or {}
        met = {True: "yes", False: "**no**", None: "—"}[m.get("met")]
        lines.append(
            f"| time to {name} | {_minutes(m.get('minutes'))} | {_minutes(m.get('target_minutes'))} | {met} |"
        )
    for role, m in (times.get("engage") or {}).items():
        lines.append(f"| time to engage the {role.upper()} | {_minutes(m.get('minutes'))} | — | — |")
    return lines


def owner_shown(review: Review, reveal: bool) -> tuple[str, str | None]:
    hide = review.anonymous and not reveal
    owner = ANONYMOUS if hide and review.owner_id == review.reported_by else review.owner_id
    return owner, (ANONYMOUS if hide else review.reported_by)


def markdown(review: Review, actions: Sequence[CorrectiveAction], *, reveal: bool = True) -> str:
    """The review as one Markdown document: facts, metrics, the template's sections, the timeline
    (starred first, hidden left out, annotations shown), corrective actions."""
    owner, reporter = owner_shown(review, reveal)
    kind = "Near miss" if review.near_miss_review else f"Incident #{review.incident_id}"
    out = [f"# Review #{review.id}: {review.title}", ""]
    out += [
        f"- {kind}, severity {review.severity.label}"
        + (f", final severity {review.final_severity.label}" if review.final_severity else ""),
        f"- Status: {review.status.title}; due {review.due_at:%Y-%m-%d}",
        f"- Owner: {owner}" + (f"; conducted by {review.conductor_id}" if review.conductor_id else ""),
        f"- Labels: {', '.join(review.labels)}",
    ]
    if reporter:
        out.append(f"- Noticed by: {reporter}")
    if review.services:
        out.append(f"- Services: {', '.join(review.services)}")
    if review.category:
        out.append(f"- Root-cause category: {review.category.value}")
    prefill: Mapping[str, Any] = review.prefill
    if prefill:
        impact = prefill.get("impact_minutes") or {}
        out += ["", "## Metrics", ""]
        out.append(f"Minutes of impact: {prefill.get('total_impact_minutes', 0):g}")
        for status, minutes in impact.items():
            out.append(f"- {status.replace('_', ' ')}: {minutes:g} min")
        out += ["", *_times(prefill), ""]
        out.append(
            f"Pages: {len(prefill.get('pages') or [])}; "
            f"acknowledgements: {len(prefill.get('acknowledgements') or [])}; "
            f"public updates: {len(prefill.get('public_updates') or [])}"
        )
        burnt = prefill.get("slo_budget_burnt") or {}
        for service, share in burnt.items():
            out.append(f"- {service}: {share * 100:.2f}% of the 30-day error budget")
        suspects = [c for c in prefill.get("suspected_triggers") or [] if isinstance(c, Mapping)]
        if suspects:
            out += ["", "Suspected triggers (changes in the 24 h before the declaration):"]
            out += [
                f"- {c['summary']} ({c['service']}, {c['minutes_before']:g} min before)" for c in suspects
            ]
        unticked = [u for u in prefill.get("unticked_checklist") or [] if isinstance(u, Mapping)]
        if unticked:
            out += ["", "Checklist items left unticked:"]
            out += [f"- {str(u['role']).upper()}: {u['text']} ({u['item']})" for u in unticked]
    for key, title in headings(review.near_miss_review).items():
        out += ["", f"## {title}", "", review.sections.get(key, "").strip() or "_(not written yet)_"]
    timeline = [e for e in prefill.get("timeline") or [] if isinstance(e, Mapping)]
    if timeline:
        out += ["", "## Timeline", ""]
        marks = review.marks
        shown = [e for e in timeline if not marks.get(int(e["id"]), None) or not marks[int(e["id"])].hidden]
        shown.sort(key=lambda e: (not (marks.get(int(e["id"])) and marks[int(e["id"])].starred), e["id"]))
        for e in shown:
            mark = marks.get(int(e["id"]))
            star = "★ " if mark and mark.starred else ""
            tag = f" [{mark.tag.value.replace('_', ' ')}]" if mark and mark.tag else ""
            note = f" — {mark.note}" if mark and mark.note else ""
            out.append(f"- {star}{_when(e['at'])} {e['message']}{tag}{note}")
    out += ["", "## Corrective actions", ""]
    if actions:
        out += ["| # | action | owner | due | status | link |", "|---|---|---|---|---|---|"]
        for a in actions:
            status = a.status.value.replace("_", " ") + (f" ({a.reason})" if a.reason else "")
            out.append(
                f"| {a.id} | {a.title} | {a.owner_id} | {a.due_at:%Y-%m-%d} | {status} | {a.link or ''} |"
            )
    else:
        out.append(f"None needed: {review.no_actions_reason}" if review.no_actions_reason else "_(none yet)_")
    return "\n".join(out) + "\n"


def as_json(review: Review, actions: Sequence[CorrectiveAction], *, reveal: bool = True) -> bytes:
    owner, reporter = owner_shown(review, reveal)
    document = {
        "id": review.id,
        "kind": review.kind.value,
        "incident_id": review.incident_id,
        "title": review.title,
        "severity": review.severity.label,
        "final_severity": review.final_severity.label if review.final_severity else None,
        "status": review.status.value,
        "owner": owner,
        "conductor": review.conductor_id,
        "reported_by": reporter,
        "due_at": review.due_at,
        "created_at": review.created_at,
        "completed_at": review.completed_at,
        "category": review.category.value if review.category else None,
        "labels": review.labels,
        "services": review.services,
        "sections": review.sections,
        "prefill": review.prefill,
        "marks": {
            str(k): {
                "starred": m.starred,
                "hidden": m.hidden,
                "tag": m.tag.value if m.tag else None,
                "note": m.note,
            }
            for k, m in review.marks.items()
        },
        "no_actions_reason": review.no_actions_reason,
        "corrective_actions": [
            {
                "id": a.id,
                "title": a.title,
                "owner": a.owner_id,
                "due_at": a.due_at,
                "status": a.status.value,
                "reason": a.reason,
                "link": a.link,
            }
            for a in actions
        ],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2)


CSV_COLUMNS = (
    "id", "kind", "incident_id", "title", "severity", "status", "owner", "conductor", "due_at", "overdue",
    "category", "open_actions",
)  # fmt: skip


def csv_list(
    reviews: Sequence[Review], open_actions: Mapping[int, int], now: datetime, *, reveal: bool
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for r in reviews:
        owner, _ = owner_shown(r, reveal)
        writer.writerow(
            [
                r.id,
                r.kind.value,
                r.incident_id or "",
                r.title,
                (r.final_severity or r.severity).label,
                r.status.value,
                owner,
                r.conductor_id or "",
                r.due_at.isoformat(),
                "yes" if r.overdue(now) else "no",
                r.category.value if r.category else "",
                open_actions.get(r.id or 0, 0),
            ]
        )
    return buffer.getvalue()
