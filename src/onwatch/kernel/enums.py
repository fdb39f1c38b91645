"""Closed sets of the process (PROCESS.md §2, §5, §6, §7)."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Severity(IntEnum):
    """Impact on users; S1 is the worst."""

    S1 = 1
    S2 = 2
    S3 = 3
    S4 = 4

    @property
    def label(self) -> str:
        return f"S{self.value}"

    @classmethod
    def parse(cls, value: object) -> Severity:
        """Accept 2, "2", "S2" or "s2"; anything else raises ValueError naming the allowed values."""
        text = str(value).strip().upper().removeprefix("S") if not isinstance(value, bool) else ""
        if text.isdigit() and int(text) in {s.value for s in cls}:
            return cls(int(text))
        raise ValueError(f"unknown severity {value!r}; use one of S1, S2, S3, S4 (or 1-4)")


class State(StrEnum):
    """How far the response is."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class Status(StrEnum):
    """What the public sees; set independently of state."""

    OPERATIONAL = "operational"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_SERVICE_DISRUPTION = "partial_service_disruption"
    SERVICE_DISRUPTION = "service_disruption"
    SECURITY_ISSUE = "security_issue"

    @property
    def title(self) -> str:  # type: ignore[override]
        return " ".join(w.capitalize() for w in self.value.split("_"))

    @property
    def requires_imoc(self) -> bool:
        return self in (Status.PARTIAL_SERVICE_DISRUPTION, Status.SERVICE_DISRUPTION)


class SecurityImpact(StrEnum):
    """Security findings that need the IMOC engaged (PROCESS.md §9)."""

    BLOCKS_PATH_OR_FEATURE = "blocks_path_or_feature"
    UNAUTHORISED_ACCESS = "unauthorised_access"

    @property
    def description(self) -> str:
        return {
            SecurityImpact.BLOCKS_PATH_OR_FEATURE: "a whole path or feature is blocked",
            SecurityImpact.UNAUTHORISED_ACCESS: "unauthorised access to production",
        }[self]


class Role(StrEnum):
    """Roles of the process. The first three form the ownership cascade, in order."""

    EOC = "eoc"
    IMOC = "imoc"
    CMOC = "cmoc"
    SECURITY = "security"

    @property
    def cascade_rank(self) -> int | None:
        """Position in the ownership cascade EOC -> IMOC -> CMOC; None for roles outside it."""
        return _CASCADE.get(self)


_CASCADE = {Role.EOC: 0, Role.IMOC: 1, Role.CMOC: 2}


class AccessLevel(StrEnum):
    """What a caller may do, the same for API tokens and people (web UI, chat, CLI):
    viewer reads, responder runs incidents, admin administers. Ordered: each allows the ones before."""

    VIEWER = "viewer"
    RESPONDER = "responder"
    ADMIN = "admin"

    def allows(self, needed: AccessLevel) -> bool:
        order = [AccessLevel.VIEWER, AccessLevel.RESPONDER, AccessLevel.ADMIN]
        return order.index(self) >= order.index(needed)


class Interface(StrEnum):
    """Where a command came from; recorded on every timeline event."""

    API = "api"
    CLI = "cli"
    WEB = "web"
    CHAT = "chat"
    ENGINE = "engine"
    CONFIG = "config"
    INTEGRATION = "integration"
    LINK = "link"
    PHONE = "phone"  # an SMS reply or a key pressed in a call
    PUSH = "push"  # acknowledged in a push app (Pushover's receipt)


class FeedbackChoice(StrEnum):
    """What the person paged thinks of the page (PROCESS.md §3.3, §3.8): was it worth waking for?
    Shared by paging (a signed link per choice in every page) and the reports slice (its table)."""

    ACTIONABLE = "actionable"
    NOT_ACTIONABLE = "not_actionable"
    INCORRECT = "incorrect"
    FLAPPY = "flappy"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def needs_follow_up(self) -> bool:
        """An incorrect or flappy alert is noise to fix: it opens a follow-up item for the rule."""
        return self in (FeedbackChoice.INCORRECT, FeedbackChoice.FLAPPY)


class EventKind(StrEnum):
    """What a timeline event records: one set for incidents and alert groups (one timeline table)."""

    # incidents
    DECLARED = "declared"
    STATE_CHANGED = "state_changed"
    STATUS_CHANGED = "status_changed"
    SEVERITY_CHANGED = "severity_changed"
    TITLE_CHANGED = "title_changed"
    ROLE_ASSIGNED = "role_assigned"
    ROLE_ENGAGED = "role_engaged"
    ROLE_RENOUNCED = "role_renounced"
    OWNER_CHANGED = "owner_changed"
    IMOC_REQUIRED = "imoc_required"
    NOTE = "note"
    REOPENED = "reopened"
    ALERTS_LINKED = "alerts_linked"
    PAGED = "paged"
    ALERTS_ACKNOWLEDGED = "alerts_acknowledged"
    ALERTS_RESOLVED = "alerts_resolved"
    PUBLIC_UPDATE = "public_update"
    PUBLIC_TITLE_CHANGED = "public_title_changed"
    PUBLIC_UPDATE_EDITED = "public_update_edited"
    SECURITY_FLAGGED = "security_flagged"
    PUBLIC_POST_WITHHELD = "public_post_withheld"
    DISCLOSED = "disclosed"
    ANNOUNCED = "announced"
    REMINDER = "reminder"
    PUBLIC_UPDATE_MISSING = "public_update_missing"
    DOCUMENT_EDITED = "document_edited"
    REPORTED = "reported"
    REFUSED = "refused"  # a rule refused an action: who tried what, and why not (for the review)
    REVIEW = "review"  # its post-incident review was created, completed or reopened (reviews slice)
    RESPONDER_REQUESTED = "responder_requested"  # someone who knows X, or a named person, paged
    RESPONDER_JOINED = "responder_joined"  # ... and acknowledged: they joined
    CHECKLIST_TICKED = "checklist_ticked"  # an item of a role's checklist ticked (or unticked)
    # alert groups (PAGED above is shared: a page to a person, for a group or asked on an incident)
    OPENED = "opened"
    FLAPPING = "flapping"
    MAINTENANCE = "maintenance"
    ESCALATION_STARTED = "escalation_started"
    ESCALATION_MISSING = "escalation_missing"
    ESCALATION_EXHAUSTED = "escalation_exhausted"
    NOBODY_ON_CALL = "nobody_on_call"
    POSTED = "posted"
    CHANNEL_MISSING = "channel_missing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    ESCALATED = "escalated"
    LINKED = "linked"
    CONTACT_TOLD = "contact_told"
    FEEDBACK = "feedback"  # someone's verdict on the page (actionable, flappy, ...) or a comment: its thread
    FOLLOW_UP = "follow_up"  # a follow-up item to fix the alert rule was opened or closed
    # deliveries of pages and posts (the engine's outcome, on the group's or incident's timeline)
    DELIVERED = "delivered"
    DELIVERY_RETRYING = "delivery_retrying"
    DELIVERY_FAILED = "delivery_failed"
    # the engine (either timeline): a timer that failed every attempt, and an admin retrying it
    TIMER_DEAD = "timer_dead"
    TIMER_RETRIED = "timer_retried"

    @property
    def on_incident(self) -> EventKind | None:
        """How an event of an alert group shows on the timeline of the incident the group belongs
        to (a page, an acknowledgement, a resolution), or None when it stays on the group's own."""
        return _ON_INCIDENT.get(self)


_ON_INCIDENT = {
    EventKind.PAGED: EventKind.PAGED,
    EventKind.NOBODY_ON_CALL: EventKind.PAGED,
    EventKind.ESCALATION_EXHAUSTED: EventKind.PAGED,
    EventKind.ACKNOWLEDGED: EventKind.ALERTS_ACKNOWLEDGED,
    EventKind.RESOLVED: EventKind.ALERTS_RESOLVED,
    EventKind.DELIVERY_RETRYING: EventKind.DELIVERY_RETRYING,
    EventKind.DELIVERY_FAILED: EventKind.DELIVERY_FAILED,
}
