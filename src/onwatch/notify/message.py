"""The one message every medium carries, fitted to its limits: title, severity, service, why you are
paged, the runbook, and the signed acknowledge link.

Media differ in length (an SMS segment holds 160 GSM-7 characters, a push title ~250, a Telegram
message 4096) and markup; each channel takes the pieces here and clips them, always keeping the
acknowledge link or code, which is what a woken person needs.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from onwatch.notify.base import Notification

SMS_SEGMENT = 160


@dataclass(frozen=True)
class Message:
    title: str
    severity: str
    service: str
    why: str  # why you are paged: the text of the page
    runbook: str | None
    runbook_copy: str | None  # onwatch's mirrored copy of the runbook (its host may be what is down)
    acknowledge: str | None  # the signed link
    resolve: str | None
    view: str | None
    group: int | None  # the alert group, for ack codes and buttons

    @classmethod
    def of(cls, notification: Notification) -> Message:
        links = notification.links
        group = notification.ref.get("alert_group")
        return cls(
            title=" ".join(notification.title.split()) or "onwatch notification",
            severity=notification.severity,
            service=notification.service,
            why=notification.text.strip(),
            runbook=notification.alert_context.runbook_url or links.get("runbook"),
            runbook_copy=links.get("runbook_copy"),
            acknowledge=links.get("acknowledge"),
            resolve=links.get("resolve"),
            view=links.get("view"),
            group=group if isinstance(group, int) else None,
        )

    @property
    def headline(self) -> str:
        """ "[critical] web: title"."""
        tag = f"[{self.severity}] " if self.severity else ""
        where = f"{self.service}: " if self.service else ""
        return f"{tag}{where}{self.title}"

    def lines(self) -> list[str]:
        """The facts as plain-text lines (no links but the runbook)."""
        lines = [self.why] if self.why else []
        facts = [
            f"Severity: {self.severity}" if self.severity else "",
            f"Service: {self.service}" if self.service else "",
        ]
        lines += [f for f in facts if f]
        if self.runbook:
            lines.append(f"Runbook: {self.runbook}")
        if self.runbook_copy:
            lines.append(f"Runbook copy: {self.runbook_copy}")
        return lines

    def text(self, limit: int, *, links: bool = True) -> str:
        """Plain text of at most `limit` characters; the why is clipped first, links are kept."""
        tail = [f"Acknowledge: {self.acknowledge}"] if links and self.acknowledge else []
        body = "\n".join(self.lines())
        room = limit - len("\n".join(tail)) - (1 if tail else 0)
        return "\n".join([clip(body, max(room, 0)), *tail])[:limit] if body else "\n".join(tail)[:limit]


def clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…" if limit > 0 else ""


# ASCII characters outside GSM-7's basic table: the extension table costs two septets each
_GSM_EXTENSION = str.maketrans({"[": "(", "]": ")", "{": "(", "}": ")", "\\": "/", "^": "'", "`": "'",
                                "|": "/", "~": "-"})  # fmt: skip


def gsm_safe(text: str) -> str:
    """ASCII transliteration into GSM-7's basic table, so an SMS holds 160 characters per segment
    (not UCS-2's 70, nor fewer with the extension table's two-septet characters)."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in decomposed if c.isascii() and (c.isprintable() or c == "\n"))
    return ascii_only.translate(_GSM_EXTENSION)


def sms_text(message: Message, code: str | None) -> str:
    """One SMS segment: headline, then how to answer. Never more than 160 GSM-7 characters."""
    answer = f" Reply {code} to ack, R{code} to resolve" if code else ""
    head = gsm_safe(" ".join(message.headline.split()))
    room = SMS_SEGMENT - len(answer)
    if len(head) > room:
        head = head[: room - 3] + "..."
    return head + answer
