"""Run a parsed chat command as a person, through the same commands as the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from onwatch.chat.parse import USAGE, ChatCommand
from onwatch.directory.access import Caller, require_visible_group, require_visible_incident
from onwatch.incidents.commands import IncidentCommands
from onwatch.incidents.domain.checklists import text_lines
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.reports import ProcessCommands
from onwatch.kernel.choices import choose, severity
from onwatch.kernel.enums import FeedbackChoice, Role, Severity, State, Status
from onwatch.kernel.errors import Forbidden, InvalidInput
from onwatch.kernel.timeline import Actor
from onwatch.oncall.commands import OnCallService
from onwatch.paging.commands import AlertGroupCommands
from onwatch.reports.feedback.commands import FeedbackCommands
from onwatch.reviews.commands import ReviewCommands


@dataclass(frozen=True)
class Reply:
    text: str
    # announcements everyone should see; errors, lookups and anything about a confidential
    # incident are ephemeral (only the person who typed the command sees them)
    in_channel: bool = False


def _line(incident: Incident) -> str:
    return (
        f"#{incident.id} [{incident.severity.label}] {incident.title}: {incident.state.value}, "
        f"{incident.status.title}, owner {incident.owner_id}"
    )


def _about(incident: Incident, text: str | None = None) -> Reply:
    """A reply about the incident: in the channel unless the incident is confidential."""
    return Reply(text if text is not None else _line(incident), in_channel=not incident.confidential)


# commands anyone linked may run; everything else changes something and needs a responder
_READS = frozenset({"help", "oncall", "who_knows"})


@dataclass
class ChatActions:
    incidents: IncidentCommands
    process: ProcessCommands
    groups: AlertGroupCommands
    oncall: OnCallService
    reviews: ReviewCommands | None = None
    feedback: FeedbackCommands | None = None

    def run(self, command: ChatCommand, actor: Actor, who: Caller) -> Reply:
        """Run the command as `who`: a viewer only looks things up, and an incident outside the
        caller's circle (directory/access.py) does not exist for them."""
        writes = command.verb not in _READS and not (command.verb == "handoff" and not command.text)
        if writes and not who.may_act:
            raise Forbidden(
                f"your access is {who.level.value}; {command.verb} needs responder", field="command"
            )
        if command.incident_id is not None:
            with self.incidents.db.read() as uow:
                require_visible_incident(uow.conn, who, command.incident_id)
        if command.group_id is not None:
            with self.incidents.db.read() as uow:
                require_visible_group(uow.conn, who, command.group_id)
        handler = getattr(self, f"_{command.verb}")
        reply: Reply = handler(command, actor)
        return reply

    def _help(self, _c: ChatCommand, _a: Actor) -> Reply:
        return Reply(f"```{USAGE}```")

    def _declare(self, c: ChatCommand, actor: Actor) -> Reply:
        incident = self.incidents.declare(
            actor,
            title=c.text,
            severity=c.severity or Severity.S3,
            page=c.roles if c.page_chosen else None,
            document=c.document,
            announce=c.announce,
        )
        return Reply(f"{actor.name} declared incident {_line(incident)}", in_channel=True)

    def _report(self, c: ChatCommand, actor: Actor) -> Reply:
        group = self.process.report(actor, c.text)
        return Reply(f"Thanks, the EOC is paged (alert group #{group}); you will hear when they engage.")

    def _near_miss(self, c: ChatCommand, actor: Actor) -> Reply:
        """A near miss: only the person who typed it sees the answer (nothing is announced)."""
        if self.reviews is None:
            raise InvalidInput("near misses are not available here", field="command")
        review = self.reviews.file_near_miss(
            actor, title=c.text, severity=c.severity or Severity.S3, anonymous=c.anonymous
        )
        return Reply(
            f"Near miss filed: review #{review.id} ({review.severity.label} had it happened), owned by you; "
            "nobody was paged. Add what caught it and where we got lucky in the review."
        )

    def _state(self, c: ChatCommand, actor: Actor) -> Reply:
        assert c.incident_id is not None
        state = choose(State, c.text, "state", loose=True)
        return _about(self.incidents.change_state(c.incident_id, state, actor))

    def _status(self, c: ChatCommand, actor: Actor) -> Reply:
        assert c.incident_id is not None
        status = choose(Status, c.text, "status", loose=True)
        return _about(self.incidents.change_status(c.incident_id, status, actor))

    def _severity(self, c: ChatCommand, actor: Actor) -> Reply:
        assert c.incident_id is not None
        # `/incident severity 12 S2 more users than we thought`: the words after the value are the
        # reason (a resolved incident's severity changes only with one)
        value, _, reason = c.text.strip().partition(" ")
        changed = self.incidents.change_severity(
            c.incident_id, severity(value), actor, reason=reason.strip() or None
        )
        return _about(changed)

    def _note(self, c: ChatCommand, actor: Actor) -> Reply:
        assert c.incident_id is not None
        self.incidents.add_note(c.incident_id, c.text, actor)
        return Reply(f"Noted on incident #{c.incident_id}.")

    def _resolve(self, c: ChatCommand, actor: Actor) -> Reply:
        assert c.incident_id is not None
        return _about(self.incidents.resolve(c.incident_id, actor))

    def _ack(self, c: ChatCommand, actor: Actor) -> Reply:
        """Acknowledge the incident's open page to you (engaging its role); with no page to you,
        engage as EOC."""
        assert c.incident_id is not None and actor.person_id is not None
        page = self.incidents.page_to(c.incident_id, actor.person_id)
        if page is not None:
            self.groups.acknowledge(page, actor)
        else:
            self.incidents.engage_role(c.incident_id, Role.EOC, actor)
        incident = self.incidents.get(c.incident_id)
        held = [a.role for a in incident.roles if a.engaged and a.person_id == actor.person_id]
        lines = [_line(incident)]
        for found in self.incidents.checklists(c.incident_id):
            if found.role in held:  # the role just engaged: its checklist comes with the answer
                how = f"/incident tick {c.incident_id} {found.role.value} <item>"
                lines += [f"Your {found.role.name} checklist ({how}):"]
                lines += text_lines(found)
        return _about(incident, "\n".join(lines))

    def _page(self, c: ChatCommand, actor: Actor) -> Reply:
        assert c.incident_id is not None
        paged = [
            f"{role.name} (alert group #{self.incidents.page_role(c.incident_id, role, actor)})"
            for role in sorted(c.roles)
        ]
        text = f"{actor.name} paged {', '.join(paged)} for incident #{c.incident_id}"
        return _about(self.incidents.get(c.incident_id), text)

    def _tick(self, c: ChatCommand, actor: Actor, *, done: bool = True) -> Reply:
        assert c.incident_id is not None
        (role,) = c.roles
        found = self.incidents.tick(c.incident_id, role, c.text, actor, done=done)
        lines = [
            f"{role.name} checklist on incident #{c.incident_id}: {found.done} of {len(found.items)} done"
        ]
        return _about(self.incidents.get(c.incident_id), "\n".join([*lines, *text_lines(found)]))

    def _untick(self, c: ChatCommand, actor: Actor) -> Reply:
        return self._tick(c, actor, done=False)

    def _engage_responder(self, c: ChatCommand, actor: Actor) -> Reply:
        assert c.incident_id is not None
        group = self.incidents.engage_responder_for(c.incident_id, actor, c.text, c.reason or None)
        found = next(r for r, _ in self.incidents.responders(c.incident_id) if r.group_id == group)
        text = f"{actor.name} {found.summary()} for incident #{c.incident_id} (alert group #{group})"
        text += f": {found.reason}"
        return _about(self.incidents.get(c.incident_id), text)

    def _page_role(self, c: ChatCommand, actor: Actor) -> Reply:
        paged = [
            f"{role.name} (alert group #{self.process.page_role(role, c.text, actor)})"
            for role in sorted(c.roles)
        ]
        return Reply(f"{actor.name} paged the {', '.join(paged)}: {c.text}", in_channel=True)

    def _oncall(self, c: ChatCommand, _a: Actor) -> Reply:
        role = None
        if c.text:
            try:
                role = Role(c.text)
            except ValueError:
                raise InvalidInput(
                    f"unknown role {c.text!r}; use eoc, imoc, cmoc or security", field="role"
                ) from None
        lines = []
        for entry in self.oncall.who(role):
            shift = entry.oncall.shift if entry.oncall else None
            who = f"{shift.person} until {shift.end:%a %H:%M} UTC" if shift else "nobody"
            lines.append(f"{entry.role.name}: {who}")
        return Reply("\n".join(lines))

    def _who_knows(self, c: ChatCommand, _a: Actor) -> Reply:
        found = self.oncall.who_knows(c.text)
        if not found:
            return Reply(f"Nobody is listed as knowing {c.text}.")
        lines = [f"Who knows {c.text}:"]
        for e in found:
            title = f", {e.title}" if e.title else ""
            lines.append(
                f"• {e.name}{title} ({e.person_id}): {e.availability()}, {e.local_time:%a %H:%M} their time"
            )
        return Reply("\n".join(lines))

    def _handoff(self, c: ChatCommand, actor: Actor) -> Reply:
        if c.text:
            self.oncall.leave_note(Role.EOC, c.text, actor)
            return Reply("Handoff note left for the next EOC.")
        _current, notes = self.oncall.notes_for_current_shift(Role.EOC)
        if not notes:
            return Reply("No handoff notes for the current EOC shift.")
        return Reply("\n".join(f"{n.created_at:%a %H:%M} {n.author}: {n.text}" for n in notes))

    def _feedback(self, c: ChatCommand, actor: Actor) -> Reply:
        """Only the person who typed it sees the answer; the thread is on the group's page."""
        if self.feedback is None or c.group_id is None:
            raise InvalidInput("feedback is not available here", field="command")
        verdict, _, comment = c.text.partition(" ")
        choice = None if verdict == "comment" else choose(FeedbackChoice, verdict, "choice", loose=True)
        given = self.feedback.give(c.group_id, choice, comment, actor)
        said = choice.label.lower() if choice else "commented on"
        text = f"Alert group #{c.group_id}: {said}, thanks."
        if given.follow_up is not None:
            item = given.follow_up
            text += f" Follow-up #{item.id} is open for {item.rule}, owner {item.owner_id or 'nobody'}."
        return Reply(text)
