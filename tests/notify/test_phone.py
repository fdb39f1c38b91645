"""SMS and voice: Twilio-shaped SMS with an ack code to reply, calls that ask to press 1, both
answered through webhooks signed as Twilio signs them; Vonage as the second provider; a failing
provider hands the message over to the next."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from onwatch.bootstrap import Onwatch
from onwatch.notify.phone.channels import SmsChannel, VoiceChannel, parse_reply
from onwatch.notify.registry import phone_providers
from onwatch.settings import PhoneProvider, Settings
from tests.databases import settings_for
from tests.notify.bench import notify_bench, path_of
from tests.notify.services import FakeService
from tests.paging_helpers import PagingBench
from tests.receivers import SmtpSink, WebhookSink

SID = "AC0123456789abcdef0123456789abcdef"
AUTH = "twilio-auth-token-0001"
AMARA = "+447700900123"
FROM = "+15005550006"


@pytest.fixture
def twilio() -> Iterator[FakeService]:
    with FakeService() as service:
        service.route(
            "POST", f"/2010-04-01/Accounts/{SID}/Messages.json", (201, {"sid": "SM1", "status": "queued"})
        )
        service.route(
            "POST", f"/2010-04-01/Accounts/{SID}/Calls.json", (201, {"sid": "CA1", "status": "queued"})
        )
        yield service


@pytest.fixture
def vonage() -> Iterator[FakeService]:
    with FakeService() as service:
        answer = {"message-count": "1", "messages": [{"to": AMARA[1:], "message-id": "v1", "status": "0"}]}
        service.route("POST", "/sms/json", (200, answer))
        yield service


@pytest.fixture
def settings(database_url: str, twilio: FakeService, vonage: FakeService) -> Settings:
    providers = [
        PhoneProvider(name="twilio", kind="twilio", account=SID, secret=AUTH, sender=FROM, api_url=twilio.url),
        PhoneProvider(
            name="vonage", kind="vonage", account="vkey", secret="vsecret", sender="onwatch",
            api_url=vonage.url, prefixes=["+1"],
        ),
    ]  # fmt: skip
    return settings_for(database_url, phone_providers=providers)


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    methods = {"amara": f"[{{type: sms, number: '{AMARA}'}}, {{type: voice, number: '{AMARA}', delay: 5m}}]"}
    providers = phone_providers(onwatch.settings)
    channels = {"sms": SmsChannel(providers), "voice": VoiceChannel(providers)}
    with notify_bench(onwatch, webhook_sink, smtp_sink, methods, channels) as bench:
        yield bench


def twilio_post(bench: PagingBench, path: str, form: dict[str, str], *, token: str = AUTH):
    """POST as Twilio does: form-encoded, signed with the auth token over onwatch's public URL."""
    url = f"http://onwatch.test{path}"
    signature = RequestValidator(token).compute_signature(url, form)
    return bench.api.post(
        path,
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
    )


def sms_from(number: str, body: str, sid: str) -> dict[str, str]:
    return {"MessageSid": sid, "AccountSid": SID, "From": number, "To": FROM, "Body": body, "NumMedia": "0"}


def test_a_page_is_one_sms_segment_with_the_ack_code(bench: PagingBench, twilio: FakeService) -> None:
    group_id = bench.fire().json()["groups"][0]
    [sent] = twilio.requests_to(f"/2010-04-01/Accounts/{SID}/Messages.json")
    assert sent.headers["authorization"].startswith("Basic ")
    form = sent.form
    assert (form["To"], form["From"]) == (AMARA, FROM)
    assert form["Body"].endswith(f" Reply {group_id} to ack, R{group_id} to resolve")
    assert form["Body"].startswith("(critical) web: HighErrorRate") and len(form["Body"]) <= 160


def test_sms_reply_with_the_ack_code_acknowledges(bench: PagingBench) -> None:
    group_id = bench.fire().json()["groups"][0]
    answer = twilio_post(bench, "/api/v1/chat/twilio/sms", sms_from(AMARA, f" {group_id} ", "SM900"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
    assert f"<Message>Alert group #{group_id} is acknowledged</Message>" in answer.text
    group = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    assert group["status"] == "acknowledged" and group["acknowledged_by"] == "amara"
    bench.advance(30)
    assert bench.pages_to("nadia") == []  # and the call 5 minutes later was cancelled too


def test_a_forged_sms_reply_is_refused_and_changes_nothing(bench: PagingBench) -> None:
    group_id = bench.fire().json()["groups"][0]
    forged = twilio_post(
        bench, "/api/v1/chat/twilio/sms", sms_from(AMARA, f"R{group_id}", "SM1"), token="guess"
    )
    assert forged.status_code == 401
    unsigned = bench.api.post("/api/v1/chat/twilio/sms", data=sms_from(AMARA, f"R{group_id}", "SM1"))
    assert unsigned.status_code == 401
    stranger = twilio_post(bench, "/api/v1/chat/twilio/sms", sms_from("+15550001111", f"R{group_id}", "SM2"))
    assert "not linked" in stranger.text
    assert bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "triggered"


def test_a_twilio_sms_reply_for_a_group_that_did_not_page_the_sender_changes_nothing(
    bench: PagingBench,
) -> None:
    group_id = bench.fire().json()["groups"][0]
    mistyped = twilio_post(bench, "/api/v1/chat/twilio/sms", sms_from(AMARA, f"R{group_id + 1}", "SM7"))
    assert f"Alert group #{group_id + 1} did not page you" in mistyped.text
    assert bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "triggered"


def test_an_sms_reply_resolves_once_and_a_replay_changes_nothing(bench: PagingBench) -> None:
    group_id = bench.fire().json()["groups"][0]
    twilio_post(bench, "/api/v1/chat/twilio/sms", sms_from(AMARA, f"r{group_id}", "SM5"))
    assert bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "resolved"
    replay = twilio_post(bench, "/api/v1/chat/twilio/sms", sms_from(AMARA, f"r{group_id}", "SM5"))
    assert "Already done" in replay.text


def test_the_call_reads_the_page_and_pressing_1_acknowledges(bench: PagingBench, twilio: FakeService) -> None:
    group_id = bench.fire().json()["groups"][0]
    bench.advance(5)
    [call] = twilio.requests_to(f"/2010-04-01/Accounts/{SID}/Calls.json")
    assert (call.form["To"], call.form["From"], call.form["Method"]) == (AMARA, FROM, "POST")
    answer_url = call.form["Url"]
    assert answer_url.startswith("http://onwatch.test/api/v1/chat/twilio/voice/")
    voice = {"CallSid": "CA77", "AccountSid": SID, "From": FROM, "To": AMARA, "CallStatus": "in-progress"}
    said = twilio_post(bench, path_of(answer_url), voice)
    assert (
        said.status_code == 200
        and '<Gather numDigits="1"' in said.text
        and "Press 1 to acknowledge" in said.text
    )
    assert "HighErrorRate" in said.text
    forged = twilio_post(bench, path_of(answer_url) + "/key", {**voice, "Digits": "1"}, token="guess")
    assert forged.status_code == 401
    assert bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "triggered"
    pressed = twilio_post(bench, path_of(answer_url) + "/key", {**voice, "Digits": "1"})
    assert f"Alert group #{group_id} is acknowledged" in pressed.text
    group = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    assert group["acknowledged_by"] == "amara"
    assert [e["interface"] for e in group["timeline"] if e["kind"] == "acknowledged"] == ["phone"]


def test_a_failing_sms_provider_hands_over_to_the_next(
    bench: PagingBench, twilio: FakeService, vonage: FakeService
) -> None:
    twilio.route(
        "POST",
        f"/2010-04-01/Accounts/{SID}/Messages.json",
        (503, {"code": 20503, "message": "Service unavailable"}),
    )
    group_id = bench.fire().json()["groups"][0]
    assert len(twilio.requests_to(f"/2010-04-01/Accounts/{SID}/Messages.json")) == 1
    [sent] = vonage.requests_to("/sms/json")
    form = sent.form
    assert (form["api_key"], form["api_secret"], form["from"], form["to"]) == (
        "vkey",
        "vsecret",
        "onwatch",
        AMARA[1:],
    )
    assert form["text"].endswith(f"Reply {group_id} to ack, R{group_id} to resolve")
    assert form["client-ref"].startswith("page:")


def test_a_north_american_number_goes_to_the_provider_of_its_prefix_first(
    onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink, twilio: FakeService, vonage: FakeService
) -> None:
    methods = {"amara": "[{type: sms, number: '+14155550100'}]"}
    channels = {"sms": SmsChannel(phone_providers(onwatch.settings))}
    with notify_bench(onwatch, webhook_sink, smtp_sink, methods, channels) as bench:
        bench.fire()
    assert [c.form["to"] for c in vonage.calls] == ["14155550100"] and twilio.calls == []


def test_a_contact_method_can_name_its_provider(
    onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink, twilio: FakeService, vonage: FakeService
) -> None:
    methods = {"amara": "[{type: sms, number: '+14155550100', provider: twilio}]"}
    channels = {"sms": SmsChannel(phone_providers(onwatch.settings))}
    with notify_bench(onwatch, webhook_sink, smtp_sink, methods, channels) as bench:
        bench.fire()
    assert len(twilio.calls) == 1 and vonage.calls == []


def test_when_every_provider_fails_the_outbox_retries_later(
    bench: PagingBench, twilio: FakeService, vonage: FakeService
) -> None:
    twilio.route("POST", f"/2010-04-01/Accounts/{SID}/Messages.json", (500, "down"))
    vonage.route(
        "POST",
        "/sms/json",
        (200, {"message-count": "1", "messages": [{"status": "1", "error-text": "Throttled"}]}),
    )
    bench.fire()
    assert len(vonage.calls) == 1
    twilio.route("POST", f"/2010-04-01/Accounts/{SID}/Messages.json", (201, {"sid": "SM2"}))
    bench.advance(0.1)
    assert len(twilio.requests_to(f"/2010-04-01/Accounts/{SID}/Messages.json")) == 2


@pytest.mark.parametrize(
    ("reply", "parsed"),
    [("12", ("acknowledge", 12)), ("ack 12", ("acknowledge", 12)), ("R12", ("resolve", 12)),
     ("resolve #12", ("resolve", 12)), ("yes", None), ("", None), ("R", None)],
)  # fmt: skip
def test_sms_replies_are_read_as_people_write_them(reply: str, parsed: tuple[str, int] | None) -> None:
    assert parse_reply(reply) == parsed


def test_the_phone_callbacks_are_documented_with_their_form_and_signature_header(bench: PagingBench) -> None:
    paths = bench.api.get("/openapi.json").json()["paths"]
    for path, fields in (
        ("/api/v1/chat/twilio/sms", {"AccountSid", "MessageSid", "From", "Body"}),
        ("/api/v1/chat/twilio/voice/{token}", {"AccountSid", "CallSid"}),
        ("/api/v1/chat/twilio/voice/{token}/key", {"AccountSid", "CallSid", "Digits"}),
    ):
        operation = paths[path]["post"]
        form = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
        assert set(form["required"]) == fields <= set(form["properties"])
        header = next(p for p in operation["parameters"] if p["in"] == "header")
        assert (header["name"], header["required"]) == ("X-Twilio-Signature", True)
        assert set(operation["responses"]) == {"200", "400", "401", "413"}
        assert "text/xml" in operation["responses"]["200"]["content"]
        assert "security" not in operation  # the signature is the credential, not a token


def test_a_signed_twilio_form_with_a_nul_character_is_refused_naming_the_field(bench: PagingBench) -> None:
    group_id = bench.fire().json()["groups"][0]
    answer = twilio_post(bench, "/api/v1/chat/twilio/sms", sms_from(AMARA, str(group_id), "SM\x009"))
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "MessageSid"
    assert bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "triggered"
