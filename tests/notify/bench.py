"""The paging bench with people reached on the new channels: the demo organisation, some people's
contact methods replaced, the engine delivering to loopback stand-ins of the services."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from onwatch.notify.base import Channel
from tests.paging_helpers import PagingBench, channels_to, demo_with_receivers
from tests.receivers import SmtpSink, WebhookSink


def with_methods(text: str, methods: Mapping[str, str]) -> str:
    """`text` with each named person's contact_methods replaced by the YAML flow list given."""
    for person, flow in methods.items():
        pattern = re.compile(rf"(\n  {person}:\s.*?contact_methods: )\[.*?\]\}}", re.DOTALL)
        text, count = pattern.subn(lambda m, flow=flow: f"{m.group(1)}{flow}}}", text, count=1)
        assert count == 1, person
    return text


@contextmanager
def notify_bench(
    ow: Onwatch,
    webhook: WebhookSink,
    smtp: SmtpSink,
    methods: Mapping[str, str],
    channels: Mapping[str, Channel],
    *,
    edit: Callable[[str], str] | None = None,
) -> Iterator[PagingBench]:
    """The demo with `methods` (and `edit` applied to the YAML), the engine on `channels` (plus the
    usual webhook, Slack and email ones), the API running."""
    text = with_methods(demo_with_receivers(webhook), methods)
    text = edit(text) if edit is not None else text
    apply_config(ow.db, load_config(text), now=ow.clock.now(), applied_by="tests")
    worker = ow.worker({**channels_to(smtp), **channels})
    app = ow.api()
    bench = PagingBench(ow, app, TestClient(app), worker, webhook, smtp)
    with bench.api:
        yield bench


def path_of(url: str) -> str:
    """The path of one of onwatch's own links (public URL http://onwatch.test/...), for the TestClient."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def low_urgency_warnings(text: str) -> str:
    """The config with alerts of severity `warning` made low urgency."""
    return text.replace("\nprocess:\n", "\nprocess:\n  low_urgency_severities: [warning]\n", 1)
