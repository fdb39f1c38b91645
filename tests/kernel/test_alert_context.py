"""An alert's context survives the trip through a page's payload, and nothing but http(s) becomes a link."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from onwatch.kernel.alert_context import AlertContext
from onwatch.notify.base import Notification
from onwatch.notify.slack import slack_payload

text = st.text(max_size=40)
urls = st.builds(
    lambda host, path: f"https://{host}.example/{path}", st.from_regex(r"[a-z]{1,10}", fullmatch=True), text
)
labels = st.dictionaries(st.text(min_size=1, max_size=20), text, max_size=8)
annotations = st.dictionaries(st.text(min_size=1, max_size=20), text, max_size=8)


@given(labels, annotations, st.one_of(st.none(), urls), st.lists(urls, max_size=3))
def test_a_context_read_back_from_its_payload_is_the_same(
    alert_labels: dict[str, str], notes: dict[str, str], runbook: str | None, links: list[str]
) -> None:
    if runbook:
        notes = {**notes, "runbook_url": runbook}
    context = AlertContext.of_alert(alert_labels, {"details": {"annotations": notes}, "links": links})
    assert AlertContext.from_payload(context.to_payload()) == context
    assert context.runbook_url == (runbook or "")


def test_only_web_urls_become_runbooks_links_or_images() -> None:
    context = AlertContext.of_alert(
        {"runbook_url": "javascript:alert(1)"},
        {
            "details": {
                "links": [{"href": "data:text/html,x", "text": "x"}],
                "images": [{"src": "file:///etc/passwd"}],
            },
            "links": ["javascript:alert(2)"],
        },
    )
    assert (context.runbook_url, context.links, context.images) == ("", (), ())
    forged = AlertContext.from_payload({"runbook_url": "javascript:x", "links": [{"href": "vbscript:x"}]})
    assert not forged.runbook_url and not forged.links


def test_slack_pages_put_the_runbook_right_under_the_title_and_the_labels_after_the_buttons() -> None:
    context = AlertContext.of_alert(
        {"alertname": "DiskFull", "instance": "db-1"},
        {
            "details": {
                "annotations": {"runbook_url": "https://runbooks.example/disk", "description": "95% full"}
            }
        },
    )
    notification = Notification(
        kind="page",
        title="DiskFull",
        text="1 firing alert(s) on db",
        links={"acknowledge": "https://onwatch.example/a/x"},
        context=context.to_payload(),
    )
    blocks = slack_payload(notification)["blocks"]
    assert blocks[0]["type"] == "header"
    assert (
        blocks[1]["text"]["text"]
        == "*Runbook:* <https://runbooks.example/disk|https://runbooks.example/disk>"
    )
    kinds = [b["type"] for b in blocks]
    assert kinds.index("actions") < len(kinds) - 1
    shown = str(blocks[kinds.index("actions") + 1 :])
    assert "95% full" in shown and "*instance*\\ndb-1" in shown


def test_a_page_without_context_keeps_its_payload_as_before() -> None:
    payload = Notification(kind="page", title="t", text="x").to_payload()
    assert "context" not in payload
