"""The shift handoff report, pure: what a shift saw, and how it reads in a notification (PROCESS.md
§3.4: "when an alert rule is changed because it was noisy, the EOC leaves a note for the next EOC")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from onwatch.kernel.enums import Role

MAX_LISTED = 10  # per section: the report is read on a phone at handoff


@dataclass(frozen=True)
class Line:
    """One item of a section: what people read, and the id it links to."""

    text: str
    ref: int | None = None


@dataclass(frozen=True)
class ShiftReport:
    role: Role
    at: datetime  # the handoff
    shift_start: datetime
    outgoing: str | None
    incoming: str | None
    pages: list[Line] = field(default_factory=list)  # to the outgoing person during the shift
    incidents: list[Line] = field(default_factory=list)  # declared during the shift, or still open
    open_groups: list[Line] = field(default_factory=list)  # alert groups not resolved at handoff
    follow_ups_opened: list[Line] = field(default_factory=list)
    rule_changes: list[Line] = field(default_factory=list)  # follow-ups closed: an alert rule changed
    notes: list[Line] = field(default_factory=list)  # handoff notes left for the next shift
    withheld: int = 0  # confidential incidents (and their groups) left out of a report sent by mail

    @property
    def title(self) -> str:
        who = f"{self.outgoing or 'nobody'} to {self.incoming or 'nobody'}"
        return f"{self.role.name} handoff {self.at:%a %d %b %H:%M} UTC: {who}"

    def sections(self) -> list[tuple[str, list[Line]]]:
        return [
            (f"Pages this shift ({len(self.pages)})", self.pages),
            (f"Incidents ({len(self.incidents)})", self.incidents),
            (f"Open alert groups ({len(self.open_groups)})", self.open_groups),
            (f"Follow-ups opened ({len(self.follow_ups_opened)})", self.follow_ups_opened),
            (f"Alert-rule changes ({len(self.rule_changes)})", self.rule_changes),
            (f"Handoff notes ({len(self.notes)})", self.notes),
        ]

    def text(self) -> str:
        """Plain text: the shift, then each section (at most MAX_LISTED items; "none" when empty)."""
        out = [
            f"Shift {self.shift_start:%a %d %b %H:%M} to {self.at:%a %d %b %H:%M} UTC, "
            f"{self.outgoing or 'nobody'} hands {self.role.name} to {self.incoming or 'nobody'}."
        ]
        for heading, lines in self.sections():
            out.append("")
            out.append(heading)
            out += [f"- {line.text}" for line in lines[:MAX_LISTED]] or ["- none"]
            if len(lines) > MAX_LISTED:
                out.append(f"- and {len(lines) - MAX_LISTED} more")
        if self.withheld:
            out += ["", f"{self.withheld} confidential item(s) left out: see onwatch."]
        return "\n".join(out)

    def facts(self) -> dict[str, str]:
        return {
            "shift": f"{self.shift_start:%Y-%m-%d %H:%M} to {self.at:%Y-%m-%d %H:%M} UTC",
            "pages": str(len(self.pages)),
            "incidents": str(len(self.incidents)),
            "open alert groups": str(len(self.open_groups)),
            "follow-ups opened": str(len(self.follow_ups_opened)),
            "handoff notes": str(len(self.notes)),
        }
