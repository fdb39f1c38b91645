"""The configuration-as-code schema: one YAML document describing the organisation.

Every model forbids unknown keys, so a typo is an error with its path rather than a silently
ignored setting.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Any

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from onwatch.config.base import Strict
from onwatch.config.contacts import (
    ContactMethod,
    ContactType,
    Target,
    Urgency,
    WorkingHours,
    target_problem,
)
from onwatch.config.follow_ups import FollowUpsConfig
from onwatch.config.handoff import HandoffReportsConfig
from onwatch.config.paging import EscalationPolicyConfig, HeartbeatConfig, IntegrationConfig
from onwatch.config.reports import ReportsConfig
from onwatch.config.reviews import ReviewsConfig
from onwatch.config.runbooks import RunbooksConfig
from onwatch.config.schedules import ScheduleConfig
from onwatch.config.slo import Slo, SloSettings
from onwatch.config.types import Duration, Email, TimeZone, Url
from onwatch.kernel.enums import AccessLevel, Role, Severity

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

# sections whose entries have ids (checked, diffed and synced entry by entry)
ENTITY_SECTIONS = (
    "people", "teams", "services", "channels", "schedules",
    "escalation_policies", "integrations", "heartbeats", "expertise",
)  # fmt: skip


__all__ = ["ContactMethod", "ContactType", "Strict"]


class Person(Strict):
    name: str = Field(min_length=1, max_length=200)
    email: Email
    timezone: TimeZone = "UTC"
    contact_methods: list[ContactMethod] = Field(default_factory=list)
    chat_id: str | None = Field(
        default=None, max_length=64, description="chat user id (Slack's U…), for slash commands"
    )
    access: AccessLevel = Field(
        default=AccessLevel.RESPONDER,
        description="what the person may do in the web UI, chat and the CLI: viewer, responder or admin",
    )
    working_hours: WorkingHours = Field(
        default_factory=WorkingHours, description="when low-urgency pages reach them, in their zone"
    )
    title: str = Field(default="", max_length=200, description="their job title, shown on the team page")
    team: str | None = Field(default=None, description="their home team (they are listed in its members)")
    manager: str | None = Field(
        default=None, description="the person an unanswered responder page escalates to (then theirs)"
    )
    expertise: list[str] = Field(
        default_factory=list, description="areas they know (ids of the `expertise` section)"
    )


class Team(Strict):
    name: str = Field(min_length=1, max_length=200)
    members: list[str] = Field(default_factory=list)
    description: str = Field(default="", max_length=2000)
    owner: str | None = Field(default=None, description="the person who runs the team")
    schedule: str | None = Field(
        default=None, description="its on-call schedule: 'someone who knows X' pages whoever is on it"
    )


class ExpertiseArea(Strict):
    """An area of expertise (PROCESS.md §2 rule 8: the team page lists them): a component, a
    system, a skill; the team that owns it is paged first when someone who knows it is needed."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    team: str | None = Field(default=None, description="the team that owns it")


class ChecklistItem(Strict):
    """One duty of a role (PROCESS.md §2 rule 9: "each role has a checklist"), ticked on the incident."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="ticked by this id (CLI, chat, API)")
    text: str = Field(min_length=1, max_length=500)
    required: bool = Field(default=True, description="left unticked, the review's prefill lists it")


class RoleConfig(Strict):
    """A role of the process: who may hold it (`team`) and the schedule that says who does."""

    name: str = Field(min_length=1, max_length=200)
    team: str | None = None
    schedule: str | None = Field(default=None, description="the schedule that says who holds the role")
    description: str = ""
    checklist: list[ChecklistItem] = Field(
        default_factory=list, description="shown on the incident once the role engages, and in its page"
    )


class Service(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    public: bool = True
    team: str | None = None
    slo: Slo = Field(default_factory=Slo)
    urgency: Urgency = Field(
        default=Urgency.HIGH, description="low: pages wait for working hours and skip the loud methods"
    )


class ChannelType(StrEnum):
    SLACK = "slack"
    WEBHOOK = "webhook"
    EMAIL = "email"
    TEAMS = "teams"
    MATTERMOST = "mattermost"
    MATRIX = "matrix"
    DISCORD = "discord"
    TELEGRAM = "telegram"
    NTFY = "ntfy"
    APPRISE = "apprise"


class IncidentChange(StrEnum):
    """The internal updates a channel may carry (PROCESS.md §9)."""

    STATE = "state"
    STATUS = "status"
    SEVERITY = "severity"
    ROLES = "roles"
    PUBLIC_UPDATES = "public_updates"


class Channel(Target):
    """A chat or notification channel. Well-known ids: production, incident_management, advocates."""

    type: ChannelType
    name: str = Field(min_length=1, max_length=200)
    incident_updates: list[IncidentChange] | None = Field(
        default=None,
        description=(
            "the incident changes posted here as they happen; default: all of them for "
            "incident_management, none elsewhere"
        ),
    )

    @model_validator(mode="after")
    def _target_matches_type(self) -> Channel:
        problem = target_problem(ContactType(self.type.value), self.model_dump())
        if problem:
            raise ValueError(problem.replace("target", "channel", 1))
        return self


class UpdateCadence(Strict):
    """How often the public status must be updated in each active state."""

    investigating: Duration
    identified: Duration
    monitoring: Duration


class DeclareDefaults(Strict):
    """What declaring an incident of this severity does unless the declarer chooses (PROCESS.md §4:
    the working document, the announcements and the pages are each optional)."""

    document: bool = Field(default=True, description="write the working document")
    announce: bool = Field(default=True, description="announce in production, incident-management, advocates")
    page: list[Role] = Field(default_factory=list, description="roles paged (S1/S2 always page the IMOC)")


class SeverityRule(Strict):
    description: str = ""
    time_to_mitigate: Duration
    time_to_resolve: Duration
    corrective_actions_due: Duration
    update_cadence: UpdateCadence
    declare: DeclareDefaults = Field(default_factory=DeclareDefaults)


def _rule(
    mitigate: str, resolve: str, actions: str, cadence: tuple[str, str, str], text: str
) -> SeverityRule:
    return SeverityRule.model_validate(
        {
            "description": text,
            "time_to_mitigate": mitigate,
            "time_to_resolve": resolve,
            "corrective_actions_due": actions,
            "update_cadence": dict(zip(("investigating", "identified", "monitoring"), cadence, strict=True)),
        }
    )


def default_severities() -> dict[str, SeverityRule]:
    """PROCESS.md §5 and §9."""
    return {
        "S1": _rule(
            "8h",
            "48h",
            "7d",
            ("10m", "10m", "30m"),
            ">= 20% of users blocked with no workaround, or any customer data loss",
        ),
        "S2": _rule(
            "24h",
            "7d",
            "30d",
            ("15m", "30m", "60m"),
            "typical workflow blocked; >= 20% with a workaround or 5-20% without",
        ),
        "S3": _rule(
            "72h", "30d", "60d", ("15m", "30m", "60m"), "broad but minor inconvenience, <= 5% of users"
        ),
        "S4": _rule("7d", "60d", "90d", ("15m", "30m", "60m"), "minimal impact, < 5% of users, or none"),
    }


class TemplateConfig(Strict):
    """A Jinja2 template: `file` (relative to the config file; apply-config stores its text) or `text`."""

    file: str | None = None
    text: str | None = Field(default=None, max_length=100_000)

    @model_validator(mode="after")
    def _has_text(self) -> TemplateConfig:
        if self.text is None:
            raise ValueError("give 'file' (read when the config is loaded) or 'text'")
        return self


class Templates(Strict):
    """Override the built-in templates (src/onwatch/templates/*.j2)."""

    document: TemplateConfig | None = None
    announcement: TemplateConfig | None = None


class ProcessTimers(Strict):
    ack_timeout: Duration = timedelta(minutes=15)
    responder_ack_timeouts: dict[str, Duration] = Field(
        default_factory=lambda: {"S1": timedelta(minutes=10), "S2": timedelta(minutes=10)},
        description=(
            "per incident severity, how long a responder paged beyond the roles has to acknowledge "
            "before their manager is paged (then the manager's manager); other severities: ack_timeout"
        ),
    )
    flapping_threshold: int = Field(default=4, ge=1, description="resolve/re-fire cycles that mark flapping")
    flapping_window: Duration = timedelta(hours=1)
    investigating_escalation: Duration = timedelta(minutes=30)
    partial_monitoring: Duration = Field(
        default=timedelta(minutes=30),
        description="a Partial Service Disruption is monitored longer than this before it may resolve",
    )
    public_update_within: Duration = timedelta(hours=1)
    first_update_flag: Duration = Field(
        default=timedelta(minutes=5), description="flag an incident this old with no public update"
    )
    review_due: Duration = timedelta(days=14)
    escalation_policy: str | None = Field(
        default=None,
        description="policy that role pages (IMOC, CMOC, ...) continue along; default: 'default' if defined",
    )
    announce_channels: list[str] | None = Field(
        default=None, description="where declarations are announced; default: production, incident_management"
    )
    advocates_channel: str | None = Field(
        default=None, description="notified when an incident starts; default: advocates"
    )
    low_urgency_severities: list[str] = Field(
        default_factory=list,
        description="alert severities (e.g. warning, info) whose pages are low urgency on every service",
    )
    advocates_handle: str | None = Field(
        default=None,
        pattern=r"^S[A-Z0-9]{2,30}$",
        description="Slack user group of the community advocates, mentioned as <!subteam^ID> in the notice",
    )
    cmoc_auto_page: list[Severity] = Field(
        default_factory=lambda: [Severity.S1], description="severities whose declaration pages the CMOC"
    )
    templates: Templates = Field(default_factory=Templates)

    @field_validator("cmoc_auto_page", mode="before")
    @classmethod
    def _severities(cls, value: Any) -> Any:
        return [Severity.parse(v) for v in value] if isinstance(value, list) else value

    @field_validator("responder_ack_timeouts", mode="before")
    @classmethod
    def _severity_keys(cls, value: Any) -> Any:
        return {Severity.parse(k).label: v for k, v in value.items()} if isinstance(value, dict) else value

    def responder_ack_timeout(self, severity: Severity) -> timedelta:
        return self.responder_ack_timeouts.get(severity.label, self.ack_timeout)


class StatusWebhooks(Strict):
    allow_private_targets: bool = Field(
        default=False,
        description=(
            "let status page webhook subscriptions reach loopback, private, link-local and other "
            "non-public addresses (tests, closed networks); off, anyone could make onwatch POST inside"
        ),
    )


class StatusPageConfig(Strict):
    webhooks: StatusWebhooks = Field(default_factory=StatusWebhooks)
    severities: list[Severity] = Field(
        default_factory=lambda: [Severity.S1, Severity.S2, Severity.S3],
        description="severities shown on the public page at all (once their first public update is out)",
    )

    @field_validator("severities", mode="before")
    @classmethod
    def _severities(cls, value: Any) -> Any:
        return [Severity.parse(v) for v in value] if isinstance(value, list) else value


class Organisation(Strict):
    name: str = Field(min_length=1, max_length=200)
    situation_room: Url | None = None
    timezone: TimeZone = "UTC"


class OnwatchConfig(Strict):
    """The whole configuration document."""

    version: int = 1
    organisation: Organisation
    people: dict[str, Person] = Field(default_factory=dict)
    teams: dict[str, Team] = Field(default_factory=dict)
    expertise: dict[str, ExpertiseArea] = Field(default_factory=dict)
    roles: dict[Role, RoleConfig] = Field(default_factory=dict)
    schedules: dict[str, ScheduleConfig] = Field(default_factory=dict)
    escalation_policies: dict[str, EscalationPolicyConfig] = Field(default_factory=dict)
    integrations: dict[str, IntegrationConfig] = Field(default_factory=dict)
    heartbeats: dict[str, HeartbeatConfig] = Field(default_factory=dict)
    services: dict[str, Service] = Field(default_factory=dict)
    channels: dict[str, Channel] = Field(default_factory=dict)
    severities: dict[str, SeverityRule] = Field(default_factory=default_severities)
    process: ProcessTimers = Field(default_factory=ProcessTimers)
    slo: SloSettings | None = None
    status_page: StatusPageConfig = Field(default_factory=StatusPageConfig)
    reviews: ReviewsConfig = Field(default_factory=ReviewsConfig)
    follow_ups: FollowUpsConfig = Field(default_factory=FollowUpsConfig)
    handoff_reports: HandoffReportsConfig = Field(default_factory=HandoffReportsConfig)
    reports: ReportsConfig = Field(default_factory=ReportsConfig)
    runbooks: RunbooksConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _check_version(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("version", 1) != 1:
            raise ValueError(
                f"unsupported config version {data.get('version')!r}; this onwatch reads version 1"
            )
        return data


def is_valid_id(key: str) -> bool:
    return bool(_ID.match(key))
