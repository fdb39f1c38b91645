"""The onwatch app as `onwatch serve` builds it, plus a static mount of the baseline files, so the
baseline is served by the same server process: `uvicorn --factory bench.status.app:app`."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import Response

from onwatch.bootstrap import build


def app() -> FastAPI:
    api = build().api()
    static = Path(os.environ["ONWATCH_BENCH_STATIC"])
    api.mount("/bench-static", StaticFiles(directory=static), name="bench-static")

    # a second reference: the same bytes from memory, the ceiling of any cache in this server
    async def from_memory(request: Request) -> Response:
        path = static / request.path_params["name"]
        body = _memory.get(path.name)
        if body is None:
            body = _memory[path.name] = path.read_bytes()
        return Response(body, media_type="application/octet-stream")

    api.add_route("/bench-memory/{name}", from_memory, methods=["GET"], include_in_schema=False)
    return api


_memory: dict[str, bytes] = {}
