"""Runtime settings, from the environment (prefix ONWATCH_)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class PhoneProvider(BaseModel):
    """One SMS/voice provider (ONWATCH_PHONE_PROVIDERS is a JSON list of these, tried in order).

    kind "twilio": `account` is the Account SID, `secret` the auth token (it also verifies the
    X-Twilio-Signature of replies and key presses). kind "vonage": `account` is the API key, `secret`
    the API secret; with `signature_secret` (and the account's `signature_method`) its signed inbound
    SMS webhook takes replies; with a Voice API `application_id` and its private key (`private_key`,
    PEM, or `private_key_file`) it places calls too, whose signed webhooks the same
    `signature_secret` verifies. `prefixes` (e.g. ["+1"]) make it the first choice for those
    numbers."""

    name: str
    kind: Literal["twilio", "vonage"] = "twilio"
    account: str
    secret: str
    sender: str  # the number (or alphanumeric sender id) messages come from
    api_url: str = ""  # default: the provider's public API
    prefixes: list[str] = []
    # Vonage: the account's signature secret and method, which verify its signed inbound SMS webhooks
    signature_secret: str = ""
    signature_method: Literal["md5hash", "md5", "sha1", "sha256", "sha512"] = "md5hash"
    # Vonage Voice API: the application whose private key signs the calls' JWTs
    application_id: str = ""
    private_key: str = ""
    private_key_file: str = ""

    @model_validator(mode="after")
    def _voice_needs_its_key(self) -> PhoneProvider:
        if self.application_id and not (self.private_key or self.private_key_file):
            raise ValueError("a vonage application_id needs its private_key (PEM) or private_key_file")
        if self.private_key_file and not self.private_key:
            try:
                with open(self.private_key_file, encoding="utf-8") as key:
                    self.private_key = key.read()
            except OSError as exc:
                raise ValueError(f"private_key_file: {exc.strerror}: {self.private_key_file}") from exc
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONWATCH_", extra="ignore")

    database_url: str = "sqlite:///./onwatch.db"
    host: str = "127.0.0.1"
    port: int = 8080
    # Requests larger than this are refused with 413 before they are read whole.
    max_body_bytes: int = 1_048_576
    # Base URL users reach onwatch at, used in links we send out.
    public_url: str = "http://127.0.0.1:8080"
    # Outgoing email (the email notification channel).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "onwatch@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # Demo mode (`make run`): email and Slack messages are kept in the demo inbox (/demo/inbox).
    demo: bool = False
    # HMAC key for webhook signatures when a webhook target has no secret of its own.
    webhook_secret: str = ""
    # Server processes of `onwatch serve` sharing its port (PostgreSQL only).
    processes: int = 1
    # Slack app signing secret: enables POST /api/v1/chat/slack/commands (slash commands).
    slack_signing_secret: str = ""
    # Telegram bot: sends to contact methods and channels of type telegram; with a webhook secret
    # (setWebhook's secret_token) POST /api/v1/chat/telegram takes the buttons' callbacks
    telegram_bot_token: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_secret: str = ""
    # Pushover application token (contact methods of type pushover)
    pushover_app_token: str = ""
    pushover_api_url: str = "https://api.pushover.net"
    # SMS and voice providers, tried in order (see PhoneProvider)
    phone_providers: list[PhoneProvider] = []
    # Mattermost slash command token: enables POST /api/v1/chat/mattermost/commands
    mattermost_command_token: str = ""
    # Matrix account onwatch posts as (contact methods and channels of type matrix)
    matrix_homeserver: str = ""
    matrix_access_token: str = ""
    # Engine: how long a worker holds claimed deliveries before another may take them (a crashed
    # worker's work returns after this), and how often an idle worker looks for due work.
    worker_lease_seconds: float = 60.0
    worker_poll_seconds: float = 1.0
    # Runs of a timer whose handler keeps failing (retried with backoff: 1 s, 2 s, 4 s ... 5 min)
    # before it is kept as dead, for an admin to see and retry (`onwatch timers dead`).
    timer_max_attempts: int = Field(default=8, ge=1, le=100)
