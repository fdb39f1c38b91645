"""The shared message fitted to each medium: properties over any title and any code."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from onwatch.notify.base import Notification
from onwatch.notify.message import SMS_SEGMENT, Message, sms_text
from onwatch.notify.phone.channels import parse_reply
from onwatch.notify.telegram import callback_data, parse_callback

# GSM 03.38's basic table: one septet each (what a 160-character segment counts)
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)


def page(title: str, service: str = "web", group: int = 12) -> Notification:
    return Notification(
        kind="page", title=title, text="why", severity="critical", service=service,
        links={"acknowledge": "https://onwatch.example/a/x"}, ref={"alert_group": group},
    )  # fmt: skip


@given(st.text(max_size=2000), st.text(max_size=40), st.integers(min_value=1, max_value=2**31 - 1))
def test_an_sms_is_one_gsm7_segment_and_always_ends_with_the_code(
    title: str, service: str, group: int
) -> None:
    text = sms_text(Message.of(page(title, service=service, group=group)), str(group))
    assert len(text) <= SMS_SEGMENT
    assert set(text) <= GSM7_BASIC
    assert text.endswith(f"Reply {group} to ack, R{group} to resolve")
    assert parse_reply(str(group)) == ("acknowledge", group)
    assert parse_reply(f"R{group}") == ("resolve", group)


@given(st.text(max_size=200))
def test_any_reply_is_read_without_error(body: str) -> None:
    parsed = parse_reply(body)
    assert parsed is None or (parsed[0] in ("acknowledge", "resolve") and parsed[1] >= 0)


@given(st.sampled_from(["ack", "res"]), st.integers(min_value=1, max_value=2**31 - 1))
def test_telegram_callback_data_round_trips_within_64_bytes(action: str, group: int) -> None:
    data = callback_data(action, group)
    assert len(data.encode()) <= 64
    assert parse_callback(data) == ({"ack": "acknowledge", "res": "resolve"}[action], group)


@given(st.text(max_size=100))
def test_forged_callback_data_is_refused_or_read_as_a_group(data: str) -> None:
    parsed = parse_callback(data)
    assert parsed is None or parsed[1] >= 0


def test_digits_that_are_not_ascii_are_not_codes() -> None:
    assert parse_reply("R²") is None and parse_callback("ack:²") is None


@given(st.permutations(["view", "resolve", "acknowledge", "runbook"]))
def test_acknowledge_is_the_first_button_whatever_order_the_database_kept_the_links(
    order: list[str],
) -> None:
    # PostgreSQL's JSONB hands keys back sorted by length: "resolve" before "acknowledge"
    stored = {"kind": "page", "links": {key: f"https://onwatch.example/{key}" for key in order}}
    links = list(Notification.from_payload(stored).links)
    assert links[:3] == ["acknowledge", "resolve", "view"]
    assert links[3] == "runbook"
