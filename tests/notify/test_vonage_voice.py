"""Calls through Vonage's Voice API: POST /v1/calls with a JWT the application's private key signs
(RS256), the call fetching its NCCO from onwatch (talk, then input of one dtmf key), pressing 1
acknowledging; voice follows the providers' order (a failing Twilio hands the call to Vonage); a
webhook without Vonage's signature (a JWT with the signature secret, over the body) is 401 and
changes nothing."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from onwatch.bootstrap import Onwatch
from onwatch.notify.phone.channels import VoiceChannel
from onwatch.notify.registry import phone_providers
from onwatch.settings import PhoneProvider, Settings
from tests.databases import settings_for
from tests.notify.bench import notify_bench, path_of
from tests.notify.services import FakeService
from tests.paging_helpers import PagingBench
from tests.receivers import SmtpSink, WebhookSink

SID = "AC0123456789abcdef0123456789abcdef"
AMARA = "+447700900123"
FROM = "+15005550006"
VKEY = "vkey"
SIGNATURE_SECRET = "vonage-signature-secret-voice-0123456789"
APPLICATION = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
CALL = "63f61863-4a51-4f6b-86e1-46edebcf9356"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEM = KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
CREATED = {"uuid": CALL, "status": "started", "direction": "outbound", "conversation_uuid": "CON-f972836a"}


@pytest.fixture
def twilio() -> Iterator[FakeService]:
    with FakeService() as service:
        service.route("POST", f"/2010-04-01/Accounts/{SID}/Calls.json", (201, {"sid": "CA1"}))
        yield service


@pytest.fixture
def vonage() -> Iterator[FakeService]:
    with FakeService() as service:
        service.route("POST", "/v1/calls", (201, CREATED))
        yield service


@pytest.fixture
def settings(database_url: str, twilio: FakeService, vonage: FakeService) -> Settings:
    providers = [
        PhoneProvider(name="twilio", kind="twilio", account=SID, secret="auth", sender=FROM, api_url=twilio.url),
        PhoneProvider(
            name="vonage", kind="vonage", account=VKEY, secret="vsecret", sender=FROM, api_url=vonage.url,
            application_id=APPLICATION, private_key=PEM, signature_secret=SIGNATURE_SECRET,
        ),
    ]  # fmt: skip
    return settings_for(database_url, phone_providers=providers)


def bench_calling(onwatch: Onwatch, webhook: WebhookSink, smtp: SmtpSink, method: str) -> Any:
    channels = {"voice": VoiceChannel(phone_providers(onwatch.settings))}
    return notify_bench(onwatch, webhook, smtp, {"amara": f"[{method}]"}, channels)


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    method = f"{{type: voice, number: '{AMARA}', provider: vonage}}"
    with bench_calling(onwatch, webhook_sink, smtp_sink, method) as bench:
        yield bench


def vonage_post(
    bench: PagingBench,
    path: str,
    event: dict[str, Any],
    *,
    secret: str = SIGNATURE_SECRET,
    api_key: str = VKEY,
    age_seconds: float = 0,
    sent: bytes | None = None,
) -> httpx.Response:
    """POST as Vonage's signed webhooks do: JSON, with a JWT (HS256, the signature secret) whose
    claims name the account and hold the body's SHA-256; `sent` replaces the body signed."""
    body = json.dumps(event, separators=(",", ":")).encode()
    claims = {
        "iat": int(bench.clock.now().timestamp() - age_seconds),
        "jti": str(uuid.uuid4()),
        "iss": "Vonage",
        "payload_hash": hashlib.sha256(body).hexdigest(),
        "api_key": api_key,
        "application_id": APPLICATION,
    }
    token = jwt.encode(claims, secret, algorithm="HS256")
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    return bench.api.post(path, content=body if sent is None else sent, headers=headers)


def answered() -> dict[str, str]:
    return {"uuid": CALL, "conversation_uuid": "CON-f972836a", "from": FROM[1:], "to": AMARA[1:]}


def pressed(digits: str) -> dict[str, Any]:
    return {**answered(), "dtmf": {"digits": digits, "timed_out": False}, "timestamp": "2026-12-07T10:00:00Z"}


def placed_call(vonage: FakeService) -> str:
    """The path of the answer_url of the one call Vonage was asked to place."""
    [placed] = vonage.requests_to("/v1/calls")
    [answer_url] = placed.json["answer_url"]
    return path_of(answer_url)


def test_a_vonage_call_says_the_page_and_pressing_1_acknowledges(
    bench: PagingBench, vonage: FakeService, twilio: FakeService
) -> None:
    group_id = bench.fire().json()["groups"][0]
    [placed] = vonage.requests_to("/v1/calls")
    token = placed.headers["authorization"].removeprefix("Bearer ")
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    claims = jwt.decode(token, KEY.public_key(), algorithms=["RS256"])
    assert claims["application_id"] == APPLICATION and claims["jti"] and claims["exp"] > claims["iat"]
    body = placed.json
    assert body["to"] == [{"type": "phone", "number": AMARA[1:]}]
    assert body["from"] == {"type": "phone", "number": FROM[1:]} and body["answer_method"] == "POST"
    [answer_url] = body["answer_url"]
    assert answer_url.startswith("http://onwatch.test/api/v1/chat/vonage/voice/")
    assert twilio.calls == []

    ncco = vonage_post(bench, path_of(answer_url), answered())
    assert ncco.status_code == 200 and ncco.headers["content-type"] == "application/json"
    talk, listen = ncco.json()
    assert talk["action"] == "talk" and "HighErrorRate" in talk["text"]
    assert talk["text"].endswith("Press 1 to acknowledge.")
    assert listen == {
        "action": "input",
        "type": ["dtmf"],
        "dtmf": {"maxDigits": 1, "timeOut": 10},
        "eventUrl": [f"{answer_url}/key"],
        "eventMethod": "POST",
    }
    other = vonage_post(bench, path_of(answer_url) + "/key", pressed("2"))
    assert other.json() == [{"action": "talk", "text": "Not acknowledged. The page stays open. Goodbye."}]
    assert bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "triggered"

    one = vonage_post(bench, path_of(answer_url) + "/key", pressed("1"))
    assert one.json() == [{"action": "talk", "text": f"Alert group #{group_id} is acknowledged. Goodbye."}]
    group = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    assert group["status"] == "acknowledged" and group["acknowledged_by"] == "amara"
    assert [e["interface"] for e in group["timeline"] if e["kind"] == "acknowledged"] == ["phone"]
    replay = vonage_post(bench, path_of(answer_url) + "/key", pressed("1"))
    assert replay.json() == [{"action": "talk", "text": "Already done. Goodbye."}]
    bench.advance(60)
    assert bench.pages_to("nadia") == []  # the escalation stopped


def test_a_failing_twilio_call_hands_the_call_to_vonage(
    onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink, twilio: FakeService, vonage: FakeService
) -> None:
    twilio.route("POST", f"/2010-04-01/Accounts/{SID}/Calls.json", (503, {"code": 20503}))
    with bench_calling(onwatch, webhook_sink, smtp_sink, f"{{type: voice, number: '{AMARA}'}}") as bench:
        group_id = bench.fire().json()["groups"][0]
        assert len(twilio.requests_to(f"/2010-04-01/Accounts/{SID}/Calls.json")) == 1  # first, as configured
        path = placed_call(vonage)
        vonage_post(bench, path + "/key", pressed("1"))
        assert bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["acknowledged_by"] == "amara"


def test_a_forged_or_unsigned_vonage_call_webhook_is_refused_and_changes_nothing(
    bench: PagingBench, vonage: FakeService
) -> None:
    group_id = bench.fire().json()["groups"][0]
    key = placed_call(vonage) + "/key"
    forged = [
        vonage_post(bench, key, pressed("1"), secret="guessed-as-long-as-a-real-secret-0123"),
        vonage_post(bench, key, pressed("1"), api_key="another-account"),
        vonage_post(bench, key, pressed("1"), age_seconds=600),  # a replay, ten minutes on
        vonage_post(bench, key, pressed("1"), sent=json.dumps({**pressed("1"), "uuid": "other"}).encode()),
        bench.api.post(key, json=pressed("1")),
        bench.api.post(key, json=pressed("1"), headers={"Authorization": "Bearer not-a-jwt"}),
    ]
    assert [(a.status_code, a.headers["content-type"]) for a in forged] == [
        (401, "application/problem+json")
    ] * len(forged)
    assert bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "triggered"


def test_a_signed_webhook_without_its_call_or_its_key_is_refused_naming_the_field(
    bench: PagingBench, vonage: FakeService
) -> None:
    bench.fire()
    path = placed_call(vonage)
    no_call = vonage_post(bench, path, {"conversation_uuid": "CON-1"})
    assert no_call.status_code == 400 and no_call.json()["errors"][0]["field"] == "uuid"
    no_key = vonage_post(bench, path + "/key", {**answered(), "dtmf": "1"})
    assert no_key.status_code == 400 and no_key.json()["errors"][0]["field"] == "dtmf"


def test_the_vonage_call_webhooks_are_documented_with_their_bodies(bench: PagingBench) -> None:
    paths = bench.api.get("/openapi.json").json()["paths"]
    for path, fields in (
        ("/api/v1/chat/vonage/voice/{token}", ["uuid"]),
        ("/api/v1/chat/vonage/voice/{token}/key", ["uuid", "dtmf"]),
    ):
        operation = paths[path]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["required"] == fields and set(fields) <= set(body["properties"])
        assert set(operation["responses"]) == {"200", "400", "401", "413"}
        assert "security" not in operation  # Vonage's JWT is the credential, not an API token


def test_a_vonage_application_needs_its_private_key() -> None:
    with pytest.raises(ValidationError, match="private_key"):
        PhoneProvider(
            name="v", kind="vonage", account=VKEY, secret="s", sender=FROM, application_id=APPLICATION
        )
    sms_only = PhoneProvider(name="v", kind="vonage", account=VKEY, secret="s", sender=FROM)
    [provider] = phone_providers(settings_for("sqlite://", phone_providers=[sms_only]))
    assert provider.voice is False
