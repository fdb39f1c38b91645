"""Deciding whom to page: run escalation steps, write the outbox, schedule the next step.

Everything here runs inside the caller's transaction: a page, its timeline event and the timer
for the next step commit together or not at all. Delivery happens later, from the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from onwatch.config.cache import AppliedConfig
from onwatch.config.contacts import Urgency
from onwatch.db.uow import UnitOfWork
from onwatch.directory.access import CIRCLE_CHANNEL, is_confidential
from onwatch.kernel.alert_context import AlertContext
from onwatch.kernel.enums import EventKind, FeedbackChoice, Interface, Role
from onwatch.notify.base import Notification
from onwatch.oncall.domain.resolve import on_call_at
from onwatch.oncall.store import OnCallRepository
from onwatch.paging.domain.escalation import PolicySnapshot, Position, Target, TargetKind, page_key
from onwatch.paging.domain.urgency import HIGH, LOW, page_urgency, working_start
from onwatch.paging.links import LinkSigner, feedback_link_key
from onwatch.paging.outreach import channel_row, contact_methods, method_row
from onwatch.paging.page_writes import DirectWrites, PageWrites
from onwatch.paging.store.escalations import EscalationRepository
from onwatch.paging.store.groups import AlertGroupRecord, AlertRepository
from onwatch.paging.store.responders import ResponderRepository
from onwatch.paging.store.role_pages import RolePageRepository

ESCALATE = "escalate"
ROLE_PAGE_SOURCE = "onwatch"  # integration id of role pages and reports (incidents/role_pages.py)


def correlation(group_id: int) -> str:
    return f"group:{group_id}"


def timer_prefix(escalation_id: int) -> str:
    return f"esc:{escalation_id}:"


@dataclass(frozen=True)
class Recipient:
    person: str
    via: str  # how the page reads: "EOC", "IMOC", "person", "IMOC (by amara)"
    role: Role | None = None  # the role they are paged as (a fact: acknowledging engages it)


class Pager:
    """Pages people and channels for alert groups, inside one unit of work."""

    def __init__(
        self,
        uow: UnitOfWork,
        applied: AppliedConfig,
        signer: LinkSigner,
        now: datetime,
        oncall_memo: dict[Role, Recipient | None] | None = None,
        writes: PageWrites | None = None,
    ) -> None:
        self.uow = uow
        # pages, events, timers and escalation updates: direct, or buffered by a batch that flushes
        self.writes: PageWrites = writes if writes is not None else DirectWrites(uow)
        self.applied = applied
        self.signer = signer
        self.now = now
        # who holds each role at `now`, worked out once per transaction however many groups page
        self.oncall_memo: dict[Role, Recipient | None] = {} if oncall_memo is None else oncall_memo
        # what each group's alert says (runbook, description, links), read once per group; a group
        # opened in this transaction is told it by the alert that opened it (no query)
        self.contexts: dict[int, AlertContext] = {}
        # when the step being paged really reaches its people (later than now for a low-urgency page
        # outside working hours): the next step waits its delay from then
        self._reached_at = now

    # ---- escalations ---------------------------------------------------------------------

    def start(self, group: AlertGroupRecord, policy_id: str) -> None:
        """Snapshot the policy in force and run its first step now."""
        policy_config = self.applied.config.escalation_policies.get(policy_id)
        if policy_config is None:
            self._event(
                group,
                EventKind.ESCALATION_MISSING,
                f"escalation policy {policy_id!r} no longer exists; nobody paged",
            )
            return
        self.start_snapshot(group, policy_config.snapshot(policy_id), {"policy": policy_id})

    def start_snapshot(
        self, group: AlertGroupRecord, snapshot: PolicySnapshot, data: dict[str, Any] | None = None
    ) -> None:
        """Start an escalation along `snapshot` (a configured policy, or one built for a role page)."""
        escalation_id = self.uow.repo(EscalationRepository).start_escalation(group.id, snapshot, self.now)
        self._event(group, EventKind.ESCALATION_STARTED, f"escalation started: {snapshot.name}", data or {})
        self.run(group, escalation_id, snapshot, Position(0, 0))

    def run(
        self, group: AlertGroupRecord, escalation_id: int, policy: PolicySnapshot, position: Position
    ) -> None:
        """Page the step at `position`; schedule the next one. A step that reaches nobody moves on at once."""
        current: Position | None = position
        while current is not None:
            paged = self.page_step(group, escalation_id, policy, current)
            following = policy.after(current)
            if following is None:
                self.writes.update_escalation(escalation_id, self.now, position=current, next_at=None)
                if paged == 0:
                    self._event(
                        group, EventKind.ESCALATION_EXHAUSTED, "escalation exhausted: nobody could be paged"
                    )
                return
            if paged > 0:
                due = self._reached_at + policy.step(current).delay
                self.writes.schedule(
                    ESCALATE,
                    due,
                    {"escalation_id": escalation_id, "step": following.step, "round": following.round},
                    f"{timer_prefix(escalation_id)}{following.round}.{following.step}",
                    self.now,
                )
                self.writes.update_escalation(escalation_id, self.now, position=current, next_at=due)
                return
            current = following

    def page_step(
        self, group: AlertGroupRecord, escalation_id: int, policy: PolicySnapshot, at: Position
    ) -> int:
        step = policy.step(at)
        reached = 0
        self._reached_at = self.now
        for target in step.targets:
            if target.kind is TargetKind.CHANNEL:
                reached += self.post_to_channel(
                    group, target.ref, f"post:{group.id}:{escalation_id}:{at.round}.{at.step}"
                )
                continue
            recipient = self.resolve_target(target)
            if recipient is None:
                self._event(
                    group, EventKind.NOBODY_ON_CALL, f"nobody is on call as {target.ref.upper()}: skipped"
                )
                continue
            keys = [
                page_key(group.id, escalation_id, at, recipient.person, i)
                for i in range(max(1, len(self._methods(recipient.person, group))))
            ]
            reached += self.page_person(group, recipient, keys, step=at)
        return reached

    def resolve_target(self, target: Target) -> Recipient | None:
        if target.kind is TargetKind.PERSON:
            known = target.ref in self.applied.config.people
            return Recipient(target.ref, target.label or "person") if known else None
        role = Role(target.ref)
        if role not in self.oncall_memo:
            self.oncall_memo[role] = self._on_call(role)
        return self.oncall_memo[role]

    def _on_call(self, role: Role) -> Recipient | None:
        schedule = self.applied.role_schedule(role)
        if schedule is None:
            return None
        overrides = self.uow.repo(OnCallRepository).overrides(
            schedule.id, self.now - timedelta(days=1), self.now + timedelta(days=1)
        )
        found = on_call_at(schedule, overrides, self.now, horizon=timedelta(days=1))
        return Recipient(found.shift.person, role.name, role) if found.shift else None

    # ---- notifications -------------------------------------------------------------------

    def urgency(self, group: AlertGroupRecord) -> str:
        service = self.applied.config.services.get(group.service_id)
        return page_urgency(
            service.urgency.value if service else HIGH,
            group.severity,
            self.applied.config.process.low_urgency_severities,
        )

    def _methods(self, person_id: str, group: AlertGroupRecord) -> list[dict[str, Any]]:
        return contact_methods(self.applied, person_id, Urgency(self.urgency(group)))

    def _starts(self, person_id: str, group: AlertGroupRecord) -> datetime:
        """When a page to the person begins: now, or for a low-urgency page their working hours."""
        person = self.applied.config.people.get(person_id)
        if person is None or self.urgency(group) != LOW:
            return self.now
        hours = person.working_hours
        return working_start(self.now, person.timezone, hours.start, hours.end, hours.weekdays())

    def page_person(
        self, group: AlertGroupRecord, recipient: Recipient, keys: list[str], *, step: Position | None = None
    ) -> int:
        """Queue one message per contact method (at its delay). Returns 1 if anything was queued."""
        methods = self._methods(recipient.person, group)
        if not methods:
            return 0
        person = self.applied.config.people[recipient.person]
        notification = self.notification(group, recipient.person, person.name)
        start = self._starts(recipient.person, group)
        self._reached_at = max(self._reached_at, start)
        rows = [
            method_row(method, key, notification, self.now, correlation(group.id), start)
            for key, method in zip(keys, methods, strict=False)
        ]
        self.writes.enqueue(rows)
        plan = ", ".join(f"{m['channel']} at {int(m['delay'].total_seconds() // 60)}m" for m in methods)
        if start > self.now:
            plan += f" (low urgency: from {start.isoformat()}, their working hours)"
        where = (
            f" (step {step.step + 1}" + (f", round {step.round + 1})" if step.round else ")") if step else ""
        )
        self._event(
            group,
            EventKind.PAGED,
            f"paged {recipient.person} as {recipient.via}{where} via {plan}",
            {"person": recipient.person, "via": recipient.via, "keys": keys[: len(methods)]},
            role=recipient.role,
            person=recipient.person,
        )
        return 1

    def post_to_channel(self, group: AlertGroupRecord, channel_id: str, key: str) -> int:
        channel = self.applied.config.channels.get(channel_id)
        if channel is None:
            self._event(group, EventKind.CHANNEL_MISSING, f"channel {channel_id!r} no longer exists: skipped")
            return 0
        notification = self.notification(group, channel_id, channel.name)
        if channel_id != CIRCLE_CHANNEL and is_confidential(self.uow.conn, group.incident_id):
            notification = withheld(notification, group.incident_id)
        self.writes.enqueue(
            [channel_row(channel, channel_id, notification, key, self.now, correlation(group.id))]
        )
        self._event(group, EventKind.POSTED, f"posted to {channel.name}", {"channel": channel_id})
        return 1

    def notification(self, group: AlertGroupRecord, recipient: str, recipient_name: str) -> Notification:
        service = self.applied.config.services.get(group.service_id)
        links = {"view": f"{self.signer.public_url}/alerts/{group.id}"}
        if recipient in self.applied.config.people:
            links["acknowledge"] = self.signer.url(group.id, "acknowledge", recipient, self.now)
            links["resolve"] = self.signer.url(group.id, "resolve", recipient, self.now)
            if group.integration_id != ROLE_PAGE_SOURCE:  # a verdict on the alert, not on a person's call
                for choice in FeedbackChoice:
                    links[feedback_link_key(choice)] = self.signer.feedback_url(
                        group.id, choice, recipient, self.now
                    )
        text = f"{group.firing_count} firing alert(s) on {service.name if service else group.service_id}"
        if group.integration_id == ROLE_PAGE_SOURCE:  # a page to a role, or a report: say why
            page = self.uow.repo(RolePageRepository).role_page_for_group(group.id)
            responder = None if page else self.uow.repo(ResponderRepository).for_group(group.id)
            if page is not None:
                text = f"You are paged as {page.role.name} by {page.requested_by}: {page.reason}"
                role = self.applied.config.roles.get(page.role)
                if role is not None and role.checklist:  # what the role does once engaged (§2 rule 9)
                    text += f"\n\nYour {page.role.name} checklist:\n" + "\n".join(
                        f"[ ] {i.text}" for i in role.checklist
                    )
            elif responder is not None:
                text = responder.page_text(recipient)
        facts = {
            "alert group": f"#{group.id}",
            "status": group.status.value,
            "alerts": str(group.alert_count),
        }
        if group.flapping:  # resolving and firing again: the reader should know before acting
            facts["flapping"] = "yes: it keeps resolving and firing again; fix the alert rule"
        context = self.context_of(group) if group.integration_id != ROLE_PAGE_SOURCE else None
        mirror = self.applied.config.runbooks
        copy = mirror.copy_url(context.runbook_url) if mirror and context and context.runbook_url else None
        if copy:  # the runbook's host may be what is down: onwatch's own copy too
            links["runbook_copy"] = f"{self.signer.public_url}{copy}"
        return Notification(
            kind="page",
            title=f"[flapping] {group.title}" if group.flapping else group.title,
            text=text,
            severity=group.severity,
            service=group.service_id,
            recipient=recipient,
            recipient_name=recipient_name,
            links=links,
            facts=facts,
            ref={"alert_group": group.id, "incident": group.incident_id},
            context=context.to_payload() if context is not None else {},
            urgency=self.urgency(group),
        )

    def context_of(self, group: AlertGroupRecord) -> AlertContext:
        found = self.contexts.get(group.id)
        if found is None:
            found = self.contexts[group.id] = self.uow.repo(AlertRepository).context_of(group.id)
        return found

    def _event(
        self,
        group: AlertGroupRecord,
        kind: EventKind,
        message: str,
        data: dict[str, Any] | None = None,
        *,
        role: Role | None = None,
        person: str | None = None,
    ) -> None:
        """On the group's timeline (which the incident it belongs to, if any, shows too)."""
        self.writes.add_event(
            group.id,
            self.now,
            kind,
            "onwatch",
            Interface.ENGINE.value,
            message,
            data,
            role=role,
            person=person,
        )


def withheld(notification: Notification, incident_id: int | None) -> Notification:
    """A channel post about a confidential incident for a channel outside its circle: the number, the
    severity and a link (which answers only the circle), never the title, the alerts or the reason."""
    return replace(
        notification,
        title=f"Page for confidential incident #{incident_id}",
        text="Not acknowledged yet. Its title and details are shown only to the people on it.",
        service="",
        facts={k: v for k, v in notification.facts.items() if k in ("alert group", "status")},
        context={},
    )
