"""Warming the view cache when the server starts, so that the first person to open a page does not wait.

The main pages (overview, people, inbox, network) are computed once, with the parameters a plain
visit sends, then the overview and people pages of each tracked brand, in a background thread
and through :meth:`AppState.view`: each takes the workspace lock only while it computes, so
requests that arrive meanwhile are answered between two views.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import Request
from pydantic.fields import FieldInfo

if TYPE_CHECKING:
    from fastapi import FastAPI

    from grapevine.web._render import AppState

__all__ = ["WARM_PATHS", "start_warm_up", "view_defaults"]

WARM_PATHS = ("/", "/people", "/inbox", "/network")
BRAND_PATHS = ("/", "/people")  # also warmed with ?brand= for each tracked brand
WARM_BRANDS = 12  # at most this many brands are warmed; the rest wait for their first visitor

# uvicorn's own logger: its handlers are set up by `serve`, so the lines appear with the server's.
log = logging.getLogger("uvicorn.error")


def view_defaults(view: Callable[..., Any]) -> dict[str, Any]:
    """The parameters FastAPI passes ``view`` for a visit without a query string (the request aside)."""
    params = {}
    for name, param in inspect.signature(view).parameters.items():
        if name == "request":
            continue
        default = param.default
        params[name] = default.default if isinstance(default, FieldInfo) else default
    return params


def start_warm_up(app: FastAPI, state: AppState, paths: tuple[str, ...] = WARM_PATHS) -> threading.Thread:
    """Compute the views of ``paths`` into the cache in a daemon thread; ``state.warmed`` is set when done.

    A view that fails is logged and left for its first visitor, who then sees the error as usual.
    """
    thread = threading.Thread(
        target=_warm_up, args=(app, state, paths), name="grapevine-warm-up", daemon=True
    )
    state.warmed.clear()
    thread.start()
    return thread


def _warm_up(app: FastAPI, state: AppState, paths: tuple[str, ...]) -> None:
    try:
        for path in paths:
            if state.closing.is_set():
                return
            _warm_one(app, state, path, {})
        # Then each brand's overview and people pages (the people page scores influence for the brand).
        try:
            brands = state.call(
                lambda: [row[0] for row in state.ws.store.run("SELECT name FROM tracks ORDER BY name")]
            )
        except Exception as exc:  # the main pages are warm; the brand pages wait for their visitors
            log.warning("warming the brand pages failed: %s", exc)
            brands = []
        for brand in brands[:WARM_BRANDS]:
            for path in BRAND_PATHS:
                if state.closing.is_set():
                    return
                if path in paths:
                    _warm_one(app, state, path, {"brand": brand})
        done = ", ".join(f"{e['path']} {e['seconds']} s" for e in state.warm_log if e["error"] is None)
        log.info("page cache warmed: %s", done or "nothing")
    finally:
        state.warmed.set()


def _warm_one(app: FastAPI, state: AppState, path: str, query: dict[str, Any]) -> None:
    name, view = state.pages[path]
    params = {**view_defaults(view), **query}
    label = path + "".join(f"?{k}={v}" for k, v in query.items())
    # The views only read the app from their request.
    request = Request({"type": "http", "app": app, "method": "GET", "path": path, "headers": []})
    started = time.monotonic()
    try:
        state.view(name, params, functools.partial(view, request=request, **params))
    except Exception as exc:  # a broken view must not stop the others warming
        log.warning("warming %s failed: %s", label, exc)
        state.warm_log.append({"path": label, "seconds": None, "error": str(exc)})
        return
    state.warm_log.append({"path": label, "seconds": round(time.monotonic() - started, 3), "error": None})
