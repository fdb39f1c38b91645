"""Email channel: one SMTP transaction per notification (target {"address"}).

Each message is multipart/alternative (plain text + HTML with the same content and links). The
Message-ID is derived from the idempotency key, so when a retry repeats a delivery the server already
accepted (e.g. the connection dropped after DATA), mail clients and many servers collapse the copies.

Failures: connection problems, disconnects and 4xx replies are transient and retried; 5xx replies are
permanent (RFC 5321: the same transaction will fail again), including a 5xx refusal of the recipient.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, parseaddr

from onwatch.db.outbox import OutboxMessage
from onwatch.notify import context_text
from onwatch.notify.base import DeliveryError, Notification
from onwatch.notify.slack import is_web_url, link_label, shown_facts


def message_id(idempotency_key: str) -> str:
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@onwatch>"


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The email for `message`; raises DeliveryError (not retryable) for an unusable address or payload."""
    try:
        notification = Notification.from_payload(message.payload)
        recipient = _recipient(message.target.get("address"), notification.recipient_name)
        email = EmailMessage()
        # Collapse whitespace: a newline in a header is refused (and would be header injection).
        email["Subject"] = "[onwatch] " + " ".join(notification.title.split())
        email["From"] = sender
        email["To"] = recipient
        email["Date"] = formatdate(usegmt=True)
        email["Message-ID"] = message_id(message.idempotency_key)
        email["X-Onwatch-Idempotency-Key"] = message.idempotency_key
        email.set_content(plain_text(notification))
        email.add_alternative(html_body(notification), subtype="html")
    except (TypeError, ValueError) as exc:  # covers email.errors.HeaderParseError and bad addresses
        raise DeliveryError(f"cannot build email: {exc}", retryable=False) from exc
    return email


def _recipient(address: object, display_name: str) -> Address:
    if not isinstance(address, str) or not address.strip():
        raise ValueError("target has no email address")
    # parseaddr quietly keeps the first of several addresses and drops what follows a newline; a target
    # like that is corrupt, so refuse it instead of mailing a guess.
    parsed = getaddresses([address])
    if "\r" in address or "\n" in address or len(parsed) != 1 or "@" not in parsed[0][1]:
        raise ValueError(f"not a single email address: {address!r}")
    name, addr_spec = parsed[0]
    return Address(display_name=" ".join((name or display_name).split()), addr_spec=addr_spec)


def plain_text(notification: Notification) -> str:
    context = notification.alert_context
    parts = [notification.title, "", *context_text.runbook_line(context)]
    if notification.text:
        parts += [notification.text, ""]
    facts = shown_facts(notification)
    if facts:
        parts += [f"{key}: {value}" for key, value in facts] + [""]
    parts += [f"{link_label(key)}: {url}" for key, url in notification.links.items()]
    if context:
        parts += ["", *context_text.text_lines(context)]
    return "\n".join(parts).rstrip() + "\n"


def html_body(notification: Notification) -> str:
    """HTML part; every dynamic string goes through html.escape (titles come from alert sources)."""
    esc = html.escape
    rows = "".join(
        f"<tr><th align='left' style='padding-right:1em'>{esc(key)}</th><td>{esc(value)}</td></tr>"
        for key, value in shown_facts(notification)
    )
    links = " &middot; ".join(
        f'<a href="{esc(url)}">{esc(link_label(key))}</a>'
        if is_web_url(url)
        else f"{esc(link_label(key))}: {esc(url)}"  # never an href for javascript: and friends
        for key, url in notification.links.items()
    )
    text = esc(notification.text).replace("\n", "<br>\n")
    context = notification.alert_context
    return (
        "<!DOCTYPE html>\n<html><body style='font-family:sans-serif'>\n"
        f"<h2>{esc(notification.title)}</h2>\n"
        + context_text.runbook_html(context)
        + (f"<p>{text}</p>\n" if text else "")
        + (f"<table>{rows}</table>\n" if rows else "")
        + (f"<p>{links}</p>\n" if links else "")
        + context_text.body_html(context)
        + "</body></html>\n"
    )


def classify_smtp_error(exc: smtplib.SMTPException | OSError) -> DeliveryError:
    """Map an smtplib failure to DeliveryError: 5xx replies are permanent, everything else transient."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(f"{addr}: {code} {_text(reply)}" for addr, (code, reply) in exc.recipients.items())
        return DeliveryError(f"recipient refused: {detail}", retryable=not any(code >= 500 for code in codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        return DeliveryError(f"SMTP {code}: {_text(exc.smtp_error)}", retryable=not 500 <= code < 600)
    if isinstance(exc, smtplib.SMTPNotSupportedError):  # e.g. STARTTLS configured, server lacks it
        return DeliveryError(f"SMTP server does not support: {exc}", retryable=False)
    return DeliveryError(f"SMTP {type(exc).__name__}: {exc}", retryable=True)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else reply


class EmailChannel:
    """Sends through one SMTP server; thread-safe (a fresh connection per message, nothing shared)."""

    def __init__(
        self,
        name: str = "email",
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout

    def send(self, message: OutboxMessage) -> None:
        email = build_email(message, self.sender)
        recipient = email["To"].addresses[0].addr_spec
        envelope_from = parseaddr(self.sender)[1] or self.sender
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (smtplib.SMTPException, OSError) as exc:
            raise classify_smtp_error(exc) from exc
        try:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(email, from_addr=envelope_from, to_addrs=[recipient])
        except (smtplib.SMTPException, OSError) as exc:
            raise classify_smtp_error(exc) from exc
        finally:
            _quit(smtp)


def _quit(smtp: smtplib.SMTP) -> None:
    # The message is accepted once DATA got its 250; a failing QUIT must not turn that into an error
    # (the retry would deliver a duplicate), so QUIT problems are ignored.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        with contextlib.suppress(OSError):
            smtp.close()
