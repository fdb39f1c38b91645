"""The issue creator: each new corrective action becomes an issue in the production tracker, by
the tracker's own REST API (an outbox channel, so a tracker that is down is retried):

- GitHub: `POST {api_url}/repos/{owner}/{repo}/issues` `{"title", "body", "labels"}` with
  `Authorization: Bearer <token>`; the answer's `html_url` is the issue;
- GitLab: `POST {api_url}/projects/{url-encoded id or path}/issues` `{"title", "description",
  "labels": "a,b"}` with `PRIVATE-TOKEN: <token>`; the answer's `web_url` is the issue.

The token is read from the environment variable `reviews.tracker.token_env`. The issue's URL is
stored on the action (`external_url`); an action that has one is not filed again.
"""

from __future__ import annotations

import os
from urllib.parse import quote

import httpx
import orjson

from onwatch.config.cache import ConfigCache
from onwatch.config.reviews import TrackerConfig, TrackerType
from onwatch.db.outbox import OutboxMessage
from onwatch.db.uow import Database
from onwatch.kernel.clock import Clock
from onwatch.kernel.errors import NotFound
from onwatch.notify.base import DeliveryError
from onwatch.notify.webhook import is_retryable_status
from onwatch.reviews.mirror import TRACKER_CHANNEL
from onwatch.reviews.store.actions import ActionRepository


def issue_request(
    tracker: TrackerConfig, token: str, title: str, body: str
) -> tuple[str, dict[str, str], bytes]:
    """URL, headers and JSON body of the tracker's "create an issue" call."""
    base = str(tracker.api_url).rstrip("/")
    if tracker.type is TrackerType.GITHUB:
        url = f"{base}/repos/{tracker.project}/issues"
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        payload: dict[str, object] = {"title": title, "body": body, "labels": list(tracker.labels)}
    else:
        url = f"{base}/projects/{quote(tracker.project, safe='')}/issues"
        headers = {"PRIVATE-TOKEN": token}
        payload = {"title": title, "description": body, "labels": ",".join(tracker.labels)}
    headers["Content-Type"] = "application/json"
    return url, headers, orjson.dumps(payload)


def issue_url(tracker: TrackerConfig, answer: bytes) -> str:
    data = orjson.loads(answer)
    key = "html_url" if tracker.type is TrackerType.GITHUB else "web_url"
    url = data.get(key) if isinstance(data, dict) else None
    if not isinstance(url, str):
        raise DeliveryError(f"the tracker's answer has no {key}", retryable=False)
    return url


class TrackerChannel:
    """Outbox channel `review_tracker`."""

    name = TRACKER_CHANNEL

    def __init__(self, db: Database, clock: Clock, cache: ConfigCache, timeout: float = 10.0) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache
        self._client = httpx.Client(timeout=timeout)

    def send(self, message: OutboxMessage) -> None:
        ref = message.payload.get("ref") or {}
        action_id = ref.get("corrective_action")
        if not isinstance(action_id, int):
            raise DeliveryError("the message lost its corrective action", retryable=False)
        with self.db.read() as uow:
            try:
                tracker = self.cache.get(uow).config.reviews.tracker
                action = uow.repo(ActionRepository).get(action_id)
            except NotFound:
                return  # no config any more, or the action is gone: nothing to file
        if tracker is None or action.external_url is not None:
            return
        token = os.environ.get(tracker.token_env, "")
        if not token:
            raise DeliveryError(f"no tracker token: set {tracker.token_env}", retryable=True)
        url, headers, body = issue_request(
            tracker, token, str(message.payload.get("title", "")), str(message.payload.get("text", ""))
        )
        try:
            answer = self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True) from exc
        if not answer.is_success:
            raise DeliveryError(
                f"HTTP {answer.status_code}: {' '.join(answer.text.split())[:200]}",
                retryable=is_retryable_status(answer.status_code),
            )
        created = issue_url(tracker, answer.content)
        with self.db.write() as uow:
            repo = uow.repo(ActionRepository)
            found = repo.get(action_id, for_update=True)
            found.external_url = created
            repo.save(found)

    def close(self) -> None:
        self._client.close()
