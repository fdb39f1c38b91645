"""`runbooks:` section of the configuration: the Markdown runbooks onwatch mirrors into its own
database and serves at /runbooks, so they stay readable when the platform that hosts them is down.

    runbooks:
      git: https://gitlab.com/gitlab-com/runbooks.git   # or `path: /srv/runbooks` (a folder)
      branch: master
      refresh: 15m
      web_urls: [https://gitlab.com/gitlab-com/runbooks/-/blob/master/]

`web_urls` are where the repository's files are browsed on its host: a page's runbook_url under
one of them also links onwatch's copy (the same path under /runbooks/).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote, unquote

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from onwatch.config.types import Duration

# a git URL (https, ssh, git, file) or scp-like `user@host:path`, or an absolute local path
_GIT = re.compile(r"^(?:(?:https?|ssh|git|file)://\S+|[\w.-]+@[\w.-]+:\S+|/\S*)$")
_BRANCH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}$")


def _git(value: str) -> str:
    if not _GIT.match(value):
        raise ValueError(
            f"{value!r} is not a git repository URL (https://, ssh://, git@host:path) or an absolute path"
        )
    return value


def _branch(value: str) -> str:
    if not _BRANCH.match(value) or ".." in value:
        raise ValueError(f"{value!r} is not a branch name")
    return value


def _prefix(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+/\S*$", value):
        raise ValueError(
            f"{value!r} is not an http(s) URL prefix such as https://host/group/runbooks/-/blob/main/"
        )
    return value if value.endswith("/") else value + "/"


class RunbooksConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    git: Annotated[str, AfterValidator(_git)] | None = Field(
        default=None, description="the repository to mirror (read with the `git` command)"
    )
    path: str | None = Field(default=None, min_length=1, description="or a local folder of Markdown")
    branch: Annotated[str, AfterValidator(_branch)] = Field(
        default="main", description="the branch of `git` to mirror"
    )
    refresh: Duration = Field(default=timedelta(minutes=15), description="how often the engine pulls it")
    web_urls: list[Annotated[str, AfterValidator(_prefix)]] = Field(
        default_factory=list, max_length=10, description="where its files are browsed (runbook_url prefixes)"
    )

    @model_validator(mode="after")
    def _one_source(self) -> RunbooksConfig:
        if (self.git is None) == (self.path is None):
            raise ValueError("give exactly one of `git` (a repository) or `path` (a folder)")
        if self.path is not None and not self.path.startswith("/"):
            raise ValueError("`path` must be absolute (the engine's working directory is not yours)")
        if self.refresh < timedelta(minutes=1):
            raise ValueError("`refresh` must be at least 1m")
        return self

    @property
    def source(self) -> str:
        return self.git or self.path or ""

    def copy_url(self, url: str) -> str | None:
        """onwatch's path of the mirrored copy of `url` ("/runbooks/gitaly/failover.md"), if mirrored."""
        path = self.local_path(url)
        return f"/runbooks/{quote(unquote(path))}" if path else None

    def local_path(self, url: str) -> str | None:
        """The path in the mirror of a runbook_url under one of `web_urls` (None: not mirrored)."""
        for prefix in self.web_urls:
            if url.startswith(prefix):
                rest = url[len(prefix) :].split("#", 1)[0].split("?", 1)[0]
                return rest or None
        return None
