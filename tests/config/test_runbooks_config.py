"""The `runbooks:` section: one source (a git repository or a folder), checked with its path; the
runbook_url prefixes that map a page's runbook into the mirror."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from onwatch.config.loader import ConfigError, load_config
from onwatch.config.runbooks import RunbooksConfig
from tests.conftest import DEMO_CONFIG

BASE = "organisation: {name: Acme}\nrunbooks: %s\n"


def issues(section: str) -> dict[str, str]:
    with pytest.raises(ConfigError) as err:
        load_config(BASE % section)
    return {i.path: i.message for i in err.value.issues}


def test_the_demo_shows_a_runbooks_mirror_that_validates_when_switched_on() -> None:
    text = DEMO_CONFIG.read_text()
    block = re.search(r"^# runbooks:\n(?:#   .*\n)+", text, re.MULTILINE)
    assert block is not None, "the demo config shows the runbooks section"
    config = load_config(text + "\n" + re.sub(r"^# ?", "", block.group(0), flags=re.MULTILINE))
    assert config.runbooks is not None
    assert (config.runbooks.git, config.runbooks.branch) == (
        "https://gitlab.com/gitlab-com/runbooks.git",
        "master",
    )
    assert config.runbooks.refresh == timedelta(minutes=15)
    assert load_config(text).runbooks is None  # off in the demo: it reaches no network


def test_a_mirror_has_exactly_one_source() -> None:
    assert "exactly one of `git`" in issues("{branch: main}")["runbooks"]
    assert "exactly one of `git`" in issues("{git: 'https://git.example/r.git', path: /srv/r}")["runbooks"]


def test_bad_sources_branches_and_intervals_are_named_by_path() -> None:
    assert "not a git repository URL" in issues("{git: 'not a url'}")["runbooks.git"]
    assert "absolute" in issues("{path: relative/folder}")["runbooks"]
    assert (
        "not a branch name"
        in issues("{git: 'https://git.example/r.git', branch: '--upload-pack=x'}")["runbooks.branch"]
    )
    assert "at least 1m" in issues("{git: 'https://git.example/r.git', refresh: 10s}")["runbooks"]
    assert "URL prefix" in issues("{path: /srv/r, web_urls: ['ftp://x']}")["runbooks.web_urls[0]"]


def test_a_runbook_url_under_a_web_url_maps_into_the_mirror() -> None:
    mirror = RunbooksConfig(
        git="git@gitlab.example.com:ops/runbooks.git",
        web_urls=["https://gitlab.example.com/ops/runbooks/-/blob/main"],
    )
    assert (
        mirror.local_path("https://gitlab.example.com/ops/runbooks/-/blob/main/gitaly/README.md#failover")
        == "gitaly/README.md"
    )
    assert (
        mirror.copy_url("https://gitlab.example.com/ops/runbooks/-/blob/main/a%20b.md")
        == "/runbooks/a%20b.md"
    )
    assert mirror.local_path("https://wiki.example.com/gitaly") is None
    assert mirror.local_path("https://gitlab.example.com/ops/runbooks/-/blob/main/") is None
