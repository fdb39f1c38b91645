"""Real receivers for notification tests: an HTTP webhook sink and an SMTP sink, both on 127.0.0.1.

Both record what arrives, thread-safely, and offer `wait_for(predicate, timeout)` because deliveries
happen on other threads (the sink's and, in outbox tests, the worker's).

    with WebhookSink() as sink:                 # or the `webhook_sink` fixture
        channel.send(message_to(sink.url))
        sink.fail_with(503)                     # answer 503 until told otherwise
        sink.stop()                             # nothing listens: connection refused
        sink.start()                            # back on the same port, same URL
        sink.wait_for(lambda reqs: len(reqs) == 3)
        assert sink.deliveries("key-1") == 1    # accepted (2xx) requests with that Idempotency-Key

    with SmtpSink() as smtp:                    # or the `smtp_sink` fixture
        smtp.reject("gone@example.com", "550 5.1.1 No such user")
        ...
        mail = smtp.wait_for(lambda mails: len(mails) == 1)[0]
"""

from __future__ import annotations

import email.policy
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Self, TypeVar

import httpx
import orjson
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

T = TypeVar("T")

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


class _Recorder(Generic[T]):
    """A thread-safe list that can be waited on."""

    def __init__(self) -> None:
        self._items: list[T] = []
        self._changed = threading.Condition()

    def add(self, item: T) -> None:
        with self._changed:
            self._items.append(item)
            self._changed.notify_all()

    def snapshot(self) -> list[T]:
        with self._changed:
            return list(self._items)

    def wait_for(self, predicate: Callable[[list[T]], bool], timeout: float, what: str) -> list[T]:
        with self._changed:
            if self._changed.wait_for(lambda: predicate(list(self._items)), timeout=timeout):
                return list(self._items)
            raise AssertionError(f"{what}: condition not met within {timeout}s; received {len(self._items)}")


# --- HTTP ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: httpx.Headers  # case-insensitive: request.headers["idempotency-key"]
    body: bytes  # raw, exactly as received: what signatures are computed over
    json: Any  # parsed body, or None if it was not JSON
    received_at: float  # time.time()
    status: int  # what the sink answered

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("Idempotency-Key")

    @property
    def paged_group(self) -> int | None:
        """The alert group an onwatch page notification is about; None for anything else."""
        body = self.json if isinstance(self.json, dict) else {}
        notification = body.get("notification") or {}
        if notification.get("kind") != "page":
            return None
        group = (notification.get("ref") or {}).get("alert_group")
        return group if isinstance(group, int) else None


def _challenge_in(body: Any) -> str | None:
    notification = body.get("notification") if isinstance(body, dict) else None
    if not isinstance(notification, dict) or notification.get("kind") != "status_webhook_challenge":
        return None
    challenge = (notification.get("ref") or {}).get("challenge")
    return challenge if isinstance(challenge, str) else None


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops connections from onwatch's concurrent senders,
    # and each drop costs the sender a retry: a real receiver would not be that small
    request_queue_size = 1024

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client closed a kept-alive connection: normal, not worth a traceback
        super().handle_error(request, client_address)


class WebhookSink:
    """An HTTP server that records every request and answers 200, or the status set by `fail_with`.

    It speaks HTTP/1.0 (one request per connection), so after `stop()` the very next request is refused
    rather than slipping through on a kept-alive connection; `keep_alive=True` (benchmarks) speaks
    HTTP/1.1 and keeps connections open, as real receivers do.
    """

    def __init__(self, path: str = "/hook", *, keep_alive: bool = False) -> None:
        self.path = path
        # HTTP/1.1 keeps connections open, as real receivers do (benchmarks); the default HTTP/1.0
        # closes each one, so that after stop() the very next request is refused (tests)
        self.keep_alive = keep_alive
        self.port = free_port()
        self._requests: _Recorder[ReceivedRequest] = _Recorder()
        self._lock = threading.Lock()
        self._fail_status: int | None = None
        self._fail_body: str | None = None
        self._delay = 0.0
        self._echo_challenges = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}{self.path}"

    # -- behaviour --

    def fail_with(self, status: int | None, body: str | None = None) -> None:
        """Answer every request with `status` from now on (e.g. 503 while "down"); None recovers (200).

        The response text is `body`, by default "sink failing with <status>".
        """
        with self._lock:
            self._fail_status = status
            self._fail_body = body

    def echo_challenges(self, echo: bool = True) -> None:
        """Answer a status page subscription challenge with it (as its owner would), or not."""
        with self._lock:
            self._echo_challenges = echo

    def delay(self, seconds: float) -> None:
        """Wait this long before answering each request (to make senders time out); 0 to stop."""
        with self._lock:
            self._delay = seconds

    def start(self) -> None:
        """Listen (again) on this sink's port; its URL stays the same across stop()/start()."""
        if self._server is not None:
            return
        server = _Server((LOOPBACK, self.port), self._handler_class())
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="webhook-sink", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Close the listening socket: connections to the URL are refused until start()."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what arrived --

    @property
    def requests(self) -> list[ReceivedRequest]:
        return self._requests.snapshot()

    def deliveries(self, idempotency_key: str) -> int:
        """Requests with this Idempotency-Key that the sink accepted (answered 2xx)."""
        return sum(1 for r in self.requests if r.idempotency_key == idempotency_key and 200 <= r.status < 300)

    def attempts(self, idempotency_key: str) -> int:
        """All requests with this Idempotency-Key, including the ones the sink failed."""
        return sum(1 for r in self.requests if r.idempotency_key == idempotency_key)

    def wait_for(
        self, predicate: Callable[[list[ReceivedRequest]], bool], timeout: float = 5.0
    ) -> list[ReceivedRequest]:
        """Block until `predicate(requests)` holds; return the requests. AssertionError on timeout."""
        return self._requests.wait_for(predicate, timeout, "webhook sink")

    # -- internals --

    def _respond_with(self) -> tuple[int, bytes, float]:
        with self._lock:
            if self._fail_status is None:
                return 200, b"ok", self._delay
            body = (
                self._fail_body if self._fail_body is not None else f"sink failing with {self._fail_status}"
            )
            return self._fail_status, body.encode(), self._delay

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if sink.keep_alive else "HTTP/1.0"
            # headers and body go out as two writes: without TCP_NODELAY a kept-alive connection
            # waits for the peer's delayed ACK (~40 ms) between them
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                self._record_and_answer()

            def do_PUT(self) -> None:
                self._record_and_answer()

            def _record_and_answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, reply, delay = sink._respond_with()
                try:
                    parsed: Any = orjson.loads(body)
                except orjson.JSONDecodeError:
                    parsed = None
                if sink._echo_challenges and status == 200 and (challenge := _challenge_in(parsed)):
                    reply = orjson.dumps({"challenge": challenge})
                sink._requests.add(
                    ReceivedRequest(
                        method=self.command,
                        path=self.path,
                        headers=httpx.Headers(list(self.headers.items())),
                        body=body,
                        json=parsed,
                        received_at=time.time(),
                        status=status,
                    )
                )
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up first (see `delay`); it was recorded, that is what counts

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep pytest output clean; the recorded requests are the log

        return Handler


# --- SMTP ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str  # envelope sender
    rcpt_tos: list[str]  # envelope recipients
    message: EmailMessage  # parsed with email.policy.default: message["Subject"], get_body(), ...
    raw: bytes

    def part(self, content_type: str) -> str:
        """The decoded text of the first part with this content type, e.g. "text/html"."""
        for part in self.message.walk():
            if part.get_content_type() == content_type and not part.is_multipart():
                assert isinstance(part, EmailMessage)
                return str(part.get_content())
        raise AssertionError(f"no {content_type} part in {self.message['Subject']!r}")


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self._sink._rejections.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = BytesParser(policy=email.policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        self._sink._mails.add(ReceivedMail(str(envelope.mail_from), list(envelope.rcpt_tos), message, raw))
        return "250 Message accepted"


class SmtpSink:
    """An aiosmtpd server on a free loopback port that accepts and records all mail.

    `reject(address, reply)` makes it refuse one recipient at RCPT TO with `reply` ("550 ..." permanent,
    "450 ..." temporary), to exercise the sender's failure handling.
    """

    def __init__(self) -> None:
        self.host = LOOPBACK
        self.port = free_port()
        self._mails: _Recorder[ReceivedMail] = _Recorder()
        self._rejections: dict[str, str] = {}
        # server_hostname: otherwise aiosmtpd resolves the FQDN, which can take seconds in sandboxes.
        self._controller = Controller(
            _Handler(self), hostname=self.host, port=self.port, server_hostname="onwatch-test-smtp"
        )
        self._running = False

    def reject(self, address: str, reply: str = "550 5.1.1 No such user") -> None:
        self._rejections[address.lower()] = reply

    def start(self) -> None:
        if not self._running:
            self._controller.start()
            self._running = True

    def stop(self) -> None:
        if self._running:
            self._controller.stop()
            self._running = False

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def mails(self) -> list[ReceivedMail]:
        return self._mails.snapshot()

    def wait_for(
        self, predicate: Callable[[list[ReceivedMail]], bool], timeout: float = 5.0
    ) -> list[ReceivedMail]:
        """Block until `predicate(mails)` holds; return the mails. AssertionError on timeout."""
        return self._mails.wait_for(predicate, timeout, "SMTP sink")
