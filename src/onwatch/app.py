"""ASGI entry points for uvicorn; the application itself is built by onwatch.bootstrap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from onwatch import bootstrap, gc_tuning

if TYPE_CHECKING:
    from fastapi import FastAPI


def asgi_app() -> FastAPI:
    """Factory for `uvicorn --factory onwatch.app:asgi_app` (API only; run `onwatch worker` beside it)."""
    return bootstrap.build().api()


def serving_process_app() -> FastAPI:
    """The API of one of `onwatch serve --processes N`'s server processes: settled for a long life.
    Its commits wake the engine (in the parent process, or `onwatch worker`s) by NOTIFY."""
    api = asgi_app()
    gc_tuning.settle()
    return api
