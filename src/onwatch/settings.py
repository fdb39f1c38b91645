"""Runtime settings, from the environment (prefix ONWATCH_)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


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
    # HMAC key for webhook signatures when a webhook target has no secret of its own.
    webhook_secret: str = ""
    # Server processes of `onwatch serve` sharing its port (PostgreSQL only).
    processes: int = 1
    # Slack app signing secret: enables POST /api/v1/chat/slack/commands (slash commands).
    slack_signing_secret: str = ""
    # Engine: how long a worker holds claimed deliveries before another may take them (a crashed
    # worker's work returns after this), and how often an idle worker looks for due work.
    worker_lease_seconds: float = 60.0
    worker_poll_seconds: float = 1.0
