"""`follow_ups:` section of the configuration: where follow-up items (opened by "incorrect" and
"flappy" feedback on a page) are mirrored, so a tracker can keep its own copy of each."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FollowUpsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    webhook: str | None = Field(
        default=None,
        description="a `channels.<id>` of type webhook that hears of every follow-up created and closed "
        "(signed with HMAC-SHA256 like every onwatch webhook, through the outbox)",
    )


def check_follow_ups(
    section: FollowUpsConfig, webhook_channels: set[str], channels: set[str]
) -> list[tuple[str, str]]:
    """(path, message) for a webhook that names no channel, or a channel that is not a webhook."""
    if section.webhook is None:
        return []
    if section.webhook not in channels:
        return [("follow_ups.webhook", f"unknown channel {section.webhook!r}")]
    if section.webhook not in webhook_channels:
        return [("follow_ups.webhook", f"channel {section.webhook!r} is not of type webhook")]
    return []
