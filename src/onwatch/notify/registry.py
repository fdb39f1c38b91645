"""Build the delivery channels from settings: one instance of each, keyed by channel name."""

from __future__ import annotations

from collections.abc import Callable

from onwatch.db.outbox import OutboxMessage
from onwatch.notify.apprise_channel import AppriseChannel
from onwatch.notify.base import Channel
from onwatch.notify.chat_posts import DiscordChannel, MatrixChannel, MattermostChannel, TeamsChannel
from onwatch.notify.email import EmailChannel
from onwatch.notify.ntfy import NtfyChannel
from onwatch.notify.phone.channels import SmsChannel, VoiceChannel
from onwatch.notify.phone.providers import PhoneProvider
from onwatch.notify.phone.twilio import TwilioProvider
from onwatch.notify.phone.vonage import VonageProvider
from onwatch.notify.pushover import PushoverApi, PushoverChannel
from onwatch.notify.slack import SlackChannel
from onwatch.notify.telegram import TelegramChannel
from onwatch.notify.webhook import WebhookChannel
from onwatch.settings import Settings


def build_channels(
    settings: Settings, receipts: Callable[[str, OutboxMessage], None] | None = None
) -> dict[str, Channel]:
    """Channels by `name`, matching `OutboxMessage.channel` ("webhook", "slack", "email", ...);
    `receipts` schedules the polling of a Pushover emergency message's receipt."""
    channels: list[Channel] = [
        WebhookChannel(default_secret=settings.webhook_secret),
        SlackChannel(),
        EmailChannel(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        ),
        NtfyChannel(),
        TelegramChannel(settings.telegram_bot_token, settings.telegram_api_url),
        SmsChannel(phone_providers(settings)),
        VoiceChannel(phone_providers(settings)),
        PushoverChannel(PushoverApi(settings.pushover_app_token, settings.pushover_api_url), receipts),
        TeamsChannel(),
        MattermostChannel(),
        DiscordChannel(),
        MatrixChannel(settings.matrix_homeserver, settings.matrix_access_token),
        AppriseChannel(),
    ]
    return {channel.name: channel for channel in channels}


def phone_providers(settings: Settings) -> list[PhoneProvider]:
    """The SMS/voice providers of ONWATCH_PHONE_PROVIDERS, in order."""
    built: list[PhoneProvider] = []
    for p in settings.phone_providers:
        if p.kind == "twilio":
            built.append(
                TwilioProvider(p.name, p.account, p.secret, p.sender, api_url=p.api_url, prefixes=p.prefixes)
            )
        else:
            built.append(
                VonageProvider(
                    p.name, p.account, p.secret, p.sender, application_id=p.application_id,
                    private_key=p.private_key, api_url=p.api_url, prefixes=p.prefixes,
                )
            )  # fmt: skip
    return built
