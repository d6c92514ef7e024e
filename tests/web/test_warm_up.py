"""Warming the view cache at startup: the main pages are cached without blocking requests."""

from __future__ import annotations

import time
from typing import Any

from grapevine.web import _views
from grapevine.web._render import AppState
from grapevine.web._warm import WARM_PATHS, start_warm_up, view_defaults
from tests.web.conftest import LiveServer, World


def _state(server: LiveServer) -> AppState:
    return server.server.config.app.state.grapevine  # type: ignore[no-any-return]


def _warm_keys(state: AppState) -> set[tuple[Any, ...]]:
    keys = set()
    for path in WARM_PATHS:
        name, view = state.pages[path]
        keys.add(state.cache_key(name, view_defaults(view)))
    return keys


def test_startup_warm_up_caches_the_main_pages(server: LiveServer, http: Any) -> None:
    state = _state(server)
    assert state.warmed.wait(180), "the start-up warm-up did not finish"
    assert [entry["path"] for entry in state.warm_log[: len(WARM_PATHS)]] == list(WARM_PATHS)
    assert all(entry["error"] is None for entry in state.warm_log), state.warm_log
    status = http.get("/status.json").json()
    assert status["warmed"] is True
    assert [entry["path"] for entry in status["warm_up"][: len(WARM_PATHS)]] == list(WARM_PATHS)


def test_warm_up_fills_the_keys_a_visit_uses_and_requests_are_answered_meanwhile(
    server: LiveServer, http: Any, world: World
) -> None:
    state = _state(server)
    state.wrote()  # an empty cache, as at startup
    thread = start_warm_up(server.server.config.app, state)  # type: ignore[arg-type]
    # Requests during the warm-up answer, and correctly (the same rows as the library gives).
    inbox = http.get("/inbox.json")
    assert inbox.status_code == 200
    expected = state.call(_views.inbox_view, world.ws)
    assert [r["conversation"] for r in inbox.json()["rows"]] == [r["conversation"] for r in expected["rows"]]
    assert http.get("/people").status_code == 200
    deadline = time.monotonic() + 180
    while not _warm_keys(state) <= state.cache_keys():
        assert time.monotonic() < deadline, f"not warmed: {_warm_keys(state) - state.cache_keys()}"
        time.sleep(0.05)
    thread.join(300)
    assert not thread.is_alive(), "the warm-up did not finish"
    # A plain visit finds the warmed entry: it adds no key of its own.
    before = state.cache_keys()
    for path in WARM_PATHS:
        page = http.get(path)
        assert page.status_code == 200
        assert http.get(("/index" if path == "/" else path) + ".json").status_code == 200
    assert state.cache_keys() == before


def test_warm_up_also_caches_each_brands_overview_and_people_pages(server: LiveServer, http: Any) -> None:
    state = _state(server)
    state.wrote()
    logged_before = len(state.warm_log)
    thread = start_warm_up(server.server.config.app, state)  # type: ignore[arg-type]
    thread.join(300)
    assert not thread.is_alive(), "the warm-up did not finish"
    brands = [row[0] for row in state.call(state.ws.store.run, "SELECT name FROM tracks ORDER BY name")]
    assert brands
    warmed = [entry["path"] for entry in state.warm_log[logged_before:]]
    for brand in brands:
        assert f"/?brand={brand}" in warmed and f"/people?brand={brand}" in warmed
    before = state.cache_keys()
    for brand in brands:
        assert http.get(f"/people?brand={brand}").status_code == 200
        assert http.get(f"/index.json?brand={brand}").status_code == 200
    assert state.cache_keys() == before
