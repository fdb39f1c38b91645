"""Webhooks onwatch sends are HMAC-signed: each webhook target needs a key, its own `secret` or
ONWATCH_WEBHOOK_SECRET. With neither, a receiver could not tell onwatch's pages from anyone's, so a
config that leaves one unsigned is refused, naming the path (the demo's `make run` generates one)."""

from __future__ import annotations

from onwatch.config.contacts import ContactType
from onwatch.config.loader import ConfigError, ConfigIssue
from onwatch.config.schema import ChannelType, OnwatchConfig

MESSAGE = (
    "a webhook needs a signing secret: set `secret` here or ONWATCH_WEBHOOK_SECRET "
    "(an empty key signs nothing a receiver can trust)"
)


def unsigned_webhooks(config: OnwatchConfig) -> list[str]:
    """Paths of the webhook contact methods and channels without a secret of their own."""
    paths = [
        f"people.{pid}.contact_methods[{i}].secret"
        for pid, person in config.people.items()
        for i, method in enumerate(person.contact_methods)
        if method.type is ContactType.WEBHOOK and not method.secret
    ]
    paths += [
        f"channels.{cid}.secret"
        for cid, channel in config.channels.items()
        if channel.type is ChannelType.WEBHOOK and not channel.secret
    ]
    return paths


def require_signing_secrets(config: OnwatchConfig, default_secret: str) -> None:
    """ConfigError naming every webhook that would go out unsigned (none when a default key is set)."""
    if default_secret:
        return
    paths = unsigned_webhooks(config)
    if paths:
        raise ConfigError([ConfigIssue(path, MESSAGE) for path in paths])
