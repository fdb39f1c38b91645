"""SMS replies through Vonage: its inbound SMS webhook, signed as Vonage documents it (the sorted
parameters, md5hash with the signature secret appended or an HMAC keyed with it), acknowledges and
resolves like a Twilio reply; a wrong signature or a stale timestamp is 403 and changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.notify.phone.channels import SmsChannel
from onwatch.notify.registry import phone_providers
from onwatch.settings import PhoneProvider, Settings
from tests.databases import rebuilt, settings_for
from tests.notify.bench import notify_bench
from tests.notify.services import FakeService
from tests.paging_helpers import PagingBench
from tests.receivers import SmtpSink, WebhookSink

AMARA = "+447700900123"
PATH = "/api/v1/chat/vonage/sms"
# two Vonage accounts: one signing with HMAC-SHA256, one with the legacy md5hash
SHA256_SECRET = "vonage-signature-secret-sha256"
MD5_SECRET = "vonage-signature-secret-md5"


def vonage_sig(params: dict[str, str], secret: str, method: str) -> str:
    """Vonage's documented signing: every parameter but sig sorted by name, each `&name=value` with
    "&" and "=" in the value replaced by "_"; md5hash appends the secret and takes the MD5, the
    others are the HMAC of the string with the secret as key; hex."""
    data = "".join(
        "&" + k + "=" + params[k].replace("&", "_").replace("=", "_") for k in sorted(params) if k != "sig"
    )
    if method == "md5hash":
        return hashlib.md5((data + secret).encode("utf-8")).hexdigest()
    return hmac.new(secret.encode("utf-8"), data.encode("utf-8"), getattr(hashlib, method)).hexdigest()


@pytest.fixture
def vonage() -> Iterator[FakeService]:
    with FakeService() as service:
        answer = {"message-count": "1", "messages": [{"to": AMARA[1:], "message-id": "v1", "status": "0"}]}
        service.route("POST", "/sms/json", (200, answer))
        yield service


@pytest.fixture
def settings(database_url: str, vonage: FakeService) -> Settings:
    providers = [
        PhoneProvider(
            name="vonage", kind="vonage", account="vkey", secret="vsecret", sender="onwatch",
            api_url=vonage.url, signature_secret=SHA256_SECRET, signature_method="sha256",
        ),
        PhoneProvider(
            name="vonage-legacy", kind="vonage", account="vkey2", secret="vsecret2", sender="onwatch",
            api_url=vonage.url, signature_secret=MD5_SECRET, signature_method="md5hash",
        ),
    ]  # fmt: skip
    return settings_for(database_url, phone_providers=providers)


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    methods = {"amara": f"[{{type: sms, number: '{AMARA}'}}]"}
    channels = {"sms": SmsChannel(phone_providers(onwatch.settings))}
    with notify_bench(onwatch, webhook_sink, smtp_sink, methods, channels) as bench:
        yield bench


def inbound(
    bench: PagingBench, text: str, message_id: str, *, number: str = AMARA, age_seconds: float = 0
) -> dict[str, str]:
    """The parameters of Vonage's inbound SMS webhook, unsigned yet."""
    return {
        "msisdn": number.lstrip("+"),
        "to": "447700900000",
        "messageId": message_id,
        "text": text,
        "type": "text",
        "keyword": text.split()[0].upper() if text.split() else "",
        "api-key": "vkey",
        "message-timestamp": bench.clock.now().strftime("%Y-%m-%d %H:%M:%S"),
        "timestamp": str(int(bench.clock.now().timestamp() - age_seconds)),
    }


def deliver(
    bench: PagingBench,
    params: dict[str, str],
    *,
    how: str = "POST form",
    secret: str = SHA256_SECRET,
    method: str = "sha256",
) -> httpx.Response:
    """Send the webhook as Vonage does with the account's chosen HTTP method, signed."""
    signed = {**params, "sig": vonage_sig(params, secret, method)}
    if how == "GET":
        return bench.api.get(PATH, params=signed)
    if how == "POST JSON":
        return bench.api.post(PATH, content=json.dumps(signed), headers={"Content-Type": "application/json"})
    return bench.api.post(
        PATH, content=urlencode(signed), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )


def status_of(bench: PagingBench, group_id: int) -> str:
    return str(bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["status"])


@pytest.mark.parametrize("how", ["POST form", "POST JSON", "GET"])
def test_a_vonage_sms_reply_with_the_ack_code_acknowledges(
    bench: PagingBench, vonage: FakeService, how: str
) -> None:
    group_id = bench.fire().json()["groups"][0]
    [sent] = vonage.requests_to("/sms/json")
    assert sent.form["text"].endswith(f" Reply {group_id} to ack, R{group_id} to resolve")
    answer = deliver(bench, inbound(bench, f" {group_id} ", "0B00000123456789"), how=how)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"text": f"Alert group #{group_id} is acknowledged"}
    group = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    assert group["status"] == "acknowledged" and group["acknowledged_by"] == "amara"
    bench.advance(30)
    assert bench.pages_to("nadia") == []  # the escalation stopped


def test_a_vonage_reply_signed_with_md5hash_resolves_once_and_a_replay_changes_nothing(
    bench: PagingBench,
) -> None:
    group_id = bench.fire().json()["groups"][0]
    params = inbound(bench, f"R{group_id}", "0B00000000000777")
    first = deliver(bench, params, how="GET", secret=MD5_SECRET, method="md5hash")
    assert first.json() == {"text": f"Alert group #{group_id} is resolved"}
    assert status_of(bench, group_id) == "resolved"
    replay = deliver(bench, params, how="GET", secret=MD5_SECRET, method="md5hash")
    assert replay.status_code == 200 and replay.json() == {"text": "Already done"}


def test_a_vonage_reply_with_a_wrong_signature_is_403_and_changes_nothing(bench: PagingBench) -> None:
    group_id = bench.fire().json()["groups"][0]
    params = inbound(bench, f"R{group_id}", "0B0000000000F001")
    forged = deliver(bench, params, secret="guess")
    assert forged.status_code == 403 and forged.json()["errors"][0]["field"] == "sig"
    wrong_method = deliver(bench, params, secret=SHA256_SECRET, method="sha512")
    assert wrong_method.status_code == 403
    unsigned = bench.api.post(PATH, data=params)
    assert unsigned.status_code == 403
    tampered = {**params, "sig": vonage_sig(params, SHA256_SECRET, "sha256"), "text": f"R{group_id + 1}"}
    assert bench.api.post(PATH, data=tampered).status_code == 403
    assert status_of(bench, group_id) == "triggered"
    # the same message, honestly signed, still acts: the refusals recorded nothing
    assert deliver(bench, params).json() == {"text": f"Alert group #{group_id} is resolved"}


def test_a_vonage_reply_signed_more_than_5_minutes_ago_is_refused(bench: PagingBench) -> None:
    group_id = bench.fire().json()["groups"][0]
    stale = deliver(bench, inbound(bench, f"{group_id}", "0B0000000000A001", age_seconds=301))
    assert stale.status_code == 403 and stale.json()["errors"][0]["field"] == "timestamp"
    future = deliver(bench, inbound(bench, f"{group_id}", "0B0000000000A002", age_seconds=-301))
    assert future.status_code == 403
    no_timestamp = {
        k: v for k, v in inbound(bench, f"{group_id}", "0B0000000000A003").items() if k != "timestamp"
    }
    assert deliver(bench, no_timestamp).status_code == 403
    assert status_of(bench, group_id) == "triggered"
    within = deliver(bench, inbound(bench, f"{group_id}", "0B0000000000A004", age_seconds=290))
    assert within.json() == {"text": f"Alert group #{group_id} is acknowledged"}


def test_a_vonage_reply_from_a_number_of_nobody_or_for_a_page_not_theirs_changes_nothing(
    bench: PagingBench,
) -> None:
    group_id = bench.fire().json()["groups"][0]
    stranger = deliver(bench, inbound(bench, f"R{group_id}", "0B0000000000B001", number="+15550001111"))
    assert stranger.status_code == 200 and "not linked" in stranger.json()["text"]
    gibberish = deliver(bench, inbound(bench, "on my way", "0B0000000000B002"))
    assert "Reply with the code" in gibberish.json()["text"]
    not_theirs = deliver(bench, inbound(bench, f"R{group_id + 1}", "0B0000000000B003"))
    assert not_theirs.json() == {
        "text": f"Alert group #{group_id + 1} did not page you: acknowledge it in onwatch instead."
    }
    nameless = deliver(bench, inbound(bench, f"R{group_id}", ""))
    assert nameless.status_code == 400 and nameless.json()["errors"][0]["field"] == "messageId"
    assert status_of(bench, group_id) == "triggered"


def test_without_a_signature_secret_the_vonage_webhook_answers_404(bench: PagingBench) -> None:
    group_id = bench.fire().json()["groups"][0]
    providers = [
        p.model_copy(update={"signature_secret": ""}) for p in bench.onwatch.settings.phone_providers
    ]
    with TestClient(rebuilt(bench.onwatch, phone_providers=providers).api()) as unconfigured:
        params = inbound(bench, f"R{group_id}", "0B0000000000C001")
        signed = {**params, "sig": vonage_sig(params, "", "md5hash")}
        answer = unconfigured.post(PATH, data=signed)
    assert answer.status_code == 404 and "signature_secret" in answer.json()["detail"]
    assert status_of(bench, group_id) == "triggered"


def test_a_vonage_reply_acts_only_on_a_page_that_went_to_the_sender(
    onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink, vonage: FakeService
) -> None:
    nadia = "+447700900456"
    methods = {"amara": f"[{{type: sms, number: '{AMARA}'}}]", "nadia": f"[{{type: sms, number: '{nadia}'}}]"}
    channels = {"sms": SmsChannel(phone_providers(onwatch.settings))}
    with notify_bench(onwatch, webhook_sink, smtp_sink, methods, channels) as bench:
        group_id = bench.fire().json()["groups"][0]
        early = deliver(bench, inbound(bench, f"{group_id}", "0B0000000000D001", number=nadia))
        assert early.json() == {
            "text": f"Alert group #{group_id} did not page you: acknowledge it in onwatch instead."
        }
        assert status_of(bench, group_id) == "triggered"
        bench.advance(30)  # unacknowledged, the escalation reaches nadia by SMS
        assert [r.form["to"] for r in vonage.requests_to("/sms/json")] == [AMARA[1:], nadia[1:]]
        answer = deliver(bench, inbound(bench, f"{group_id}", "0B0000000000D002", number=nadia))
        assert answer.json() == {"text": f"Alert group #{group_id} is acknowledged"}
        assert bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["acknowledged_by"] == "nadia"
