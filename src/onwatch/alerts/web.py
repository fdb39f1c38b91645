"""A service's page: what it is, and where its monitoring sends alerts (receiver URLs and keys for
admins; everyone else sees which integrations exist, without their secrets)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from onwatch.alerts.receivers import receivers
from onwatch.kernel.errors import NotFound
from onwatch.web.auth import WebUser
from onwatch.web.context import Web, signed_in, web

router = APIRouter(include_in_schema=False)

User = Annotated[WebUser, Depends(signed_in)]
W = Annotated[Web, Depends(web)]


@router.get("/services/{service_id}")
def service_page(request: Request, service_id: str, w: W, user: User) -> Response:
    try:
        config = w.oncall.applied().config
    except NotFound:
        config = None
    service = config.services.get(service_id) if config is not None else None
    if config is None or service is None:
        return w.page(request, "not_found.html", user, status_code=404, what=f"service {service_id}")
    found = [r for r in receivers(config, w.public_url) if r.service == service_id]
    return w.page(request, "service.html", user, service_id=service_id, service=service, receivers=found)
