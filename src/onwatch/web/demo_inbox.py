"""/demo/inbox: what the demo (`make run`, ONWATCH_DEMO=1) would have mailed or posted to Slack,
newest first, with the messages' own links (acknowledge, resolve, open in onwatch). 404 outside
demo mode."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from onwatch.kernel.alert_context import is_web_url
from onwatch.notify.base import Notification
from onwatch.notify.inbox import inbox
from onwatch.notify.slack import link_label
from onwatch.web.auth import WebUser
from onwatch.web.context import Web, signed_in, web

router = APIRouter(include_in_schema=False)

User = Annotated[WebUser, Depends(signed_in)]
W = Annotated[Web, Depends(web)]


@router.get("/demo/inbox")
def demo_inbox(request: Request, w: W, user: User) -> Response:
    if not request.app.state.settings.demo:
        return w.page(
            request, "not_found.html", user, status_code=404, what="the demo inbox (demo mode only)"
        )
    messages = []
    for row in inbox(w.db):
        note = Notification.from_payload(dict(row["payload"]))
        links = [(link_label(k), url) for k, url in note.links.items() if is_web_url(url)]
        messages.append({"row": row, "note": note, "links": links, "context": note.alert_context})
    return w.page(request, "demo_inbox.html", user, messages=messages)
