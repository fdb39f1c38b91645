"""Telegram: pages as sendMessage with inline buttons; a press acknowledges, verified by the bot's
secret token header; a forged or replayed callback changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.chat.telegram import SECRET_HEADER
from onwatch.notify.telegram import TelegramChannel
from onwatch.settings import Settings
from tests.databases import settings_for
from tests.notify.bench import notify_bench
from tests.notify.services import FakeService
from tests.paging_helpers import PagingBench
from tests.receivers import SmtpSink, WebhookSink

BOT = "123456:ABC-bot-token"
SECRET = "telegram-webhook-secret-1"
AMARA_TELEGRAM_ID = 700100200


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url, telegram_webhook_secret=SECRET)


@pytest.fixture
def telegram() -> Iterator[FakeService]:
    with FakeService() as service:
        sent = {"ok": True, "result": {"message_id": 42, "chat": {"id": AMARA_TELEGRAM_ID}, "date": 0}}
        service.route("POST", f"/bot{BOT}/sendMessage", (200, sent))
        yield service


@pytest.fixture
def bench(
    onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink, telegram: FakeService
) -> Iterator[PagingBench]:
    methods = {"amara": f"[{{type: telegram, chat: '{AMARA_TELEGRAM_ID}'}}]"}
    channels = {"telegram": TelegramChannel(BOT, telegram.url)}
    with notify_bench(onwatch, webhook_sink, smtp_sink, methods, channels) as bench:
        yield bench


def press(update_id: int, data: str, user: int = AMARA_TELEGRAM_ID) -> dict[str, Any]:
    """A callback_query update as the Bot API documents it."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": {"id": user, "is_bot": False, "first_name": "Amara"},
            "chat_instance": "-1234",
            "data": data,
            "message": {"message_id": 42, "date": 0, "chat": {"id": user, "type": "private"}},
        },
    }


def test_a_page_is_sent_as_a_telegram_message_with_buttons(bench: PagingBench, telegram: FakeService) -> None:
    group_id = bench.fire().json()["groups"][0]
    [sent] = telegram.calls
    assert sent.path == f"/bot{BOT}/sendMessage" and sent.headers["content-type"] == "application/json"
    body = sent.json
    assert body["chat_id"] == str(AMARA_TELEGRAM_ID)
    assert body["text"].startswith("[critical] web: HighErrorRate") and len(body["text"]) <= 4096
    assert body["reply_markup"]["inline_keyboard"] == [
        [
            {"text": "Acknowledge", "callback_data": f"ack:{group_id}"},
            {"text": "Resolve", "callback_data": f"res:{group_id}"},
        ],
        [{"text": "Open", "url": f"http://onwatch.test/alerts/{group_id}"}],
    ]


def test_telegram_button_acknowledges_and_a_forged_callback_is_refused(
    bench: PagingBench, telegram: FakeService
) -> None:
    group_id = bench.fire().json()["groups"][0]
    forged = bench.api.post(
        "/api/v1/chat/telegram",
        json=press(1, f"res:{group_id}"),
        headers={"X-Telegram-Bot-Api-Secret-Token": "guessed"},
    )
    assert forged.status_code == 401 and forged.headers["content-type"] == "application/problem+json"
    unsigned = bench.api.post("/api/v1/chat/telegram", json=press(1, f"res:{group_id}"))
    assert unsigned.status_code == 401
    assert bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "triggered"

    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    answer = bench.api.post("/api/v1/chat/telegram", json=press(2, f"ack:{group_id}"), headers=headers)
    assert answer.status_code == 200
    assert answer.json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": "cb2",
        "text": f"Alert group #{group_id} is acknowledged",
    }
    group = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    assert group["status"] == "acknowledged" and group["acknowledged_by"] == "amara"
    [ack] = [e for e in group["timeline"] if e["kind"] == "acknowledged"]
    assert ack["interface"] == "chat"
    bench.advance(60)
    assert bench.pages_to("nadia") == []  # the escalation stopped


def test_a_replayed_telegram_callback_changes_nothing(bench: PagingBench) -> None:
    group_id = bench.fire().json()["groups"][0]
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    bench.api.post("/api/v1/chat/telegram", json=press(7, f"ack:{group_id}"), headers=headers)
    bench.client().post(f"/api/v1/alert-groups/{group_id}/resolve")
    replay = bench.api.post("/api/v1/chat/telegram", json=press(7, f"ack:{group_id}"), headers=headers)
    assert replay.json()["text"] == "Already done"
    assert bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "resolved"


def test_a_press_by_someone_not_linked_to_a_person_acts_on_nothing(bench: PagingBench) -> None:
    group_id = bench.fire().json()["groups"][0]
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    answer = bench.api.post(
        "/api/v1/chat/telegram", json=press(9, f"ack:{group_id}", user=5), headers=headers
    )
    assert "not linked to an onwatch person" in answer.json()["text"]
    assert bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "triggered"


def test_the_telegram_callback_is_documented_with_its_update_and_secret_header(bench: PagingBench) -> None:
    operation = bench.api.get("/openapi.json").json()["paths"]["/api/v1/chat/telegram"]["post"]
    update = operation["requestBody"]["content"]["application/json"]["schema"]
    assert update["required"] == ["update_id"]
    assert set(update["properties"]["callback_query"]["required"]) == {"id", "from"}
    [header] = operation["parameters"]
    assert (header["name"], header["in"], header["required"]) == (SECRET_HEADER, "header", True)
    assert set(operation["responses"]) == {"200", "400", "401", "404", "413"}
    assert "security" not in operation  # the secret is the credential, not a token


@pytest.mark.parametrize(
    ("body", "field"),
    [({"update_id": "7"}, "update_id"), ({"update_id": True}, "update_id"), ([1], "update_id"),
     ({"update_id": -1}, "update_id"), ({"update_id": 7, "callback_query": "ack:1"}, "callback_query"),
     ({"update_id": 7, "callback_query": {"from": {"id": 1}}}, "callback_query.id"),
     ({"update_id": 7, "callback_query": {"id": "c", "from": "amara"}}, "callback_query.from.id"),
     ({"update_id": 7, "callback_query": {"id": "c", "from": {"id": 1}, "data": 5}}, "callback_query.data")],
)  # fmt: skip
def test_a_signed_body_that_is_not_an_update_is_refused_naming_the_field(
    bench: PagingBench, body: object, field: str
) -> None:
    group_id = bench.fire().json()["groups"][0]
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    answer = bench.api.post("/api/v1/chat/telegram", json=body, headers=headers)
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == field
    assert bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "triggered"


def test_ids_written_as_whole_floats_are_read_as_the_schema_reads_them(bench: PagingBench) -> None:
    group_id = bench.fire().json()["groups"][0]
    update = press(11, f"ack:{group_id}")
    update["update_id"], update["callback_query"]["from"]["id"] = 11.0, float(AMARA_TELEGRAM_ID)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    answer = bench.api.post("/api/v1/chat/telegram", json=update, headers=headers)
    assert answer.json()["text"] == f"Alert group #{group_id} is acknowledged"
