"""The view cache: one computation per view and parameters, emptied by writes, refreshed in the background."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from grapevine import open_workspace
from grapevine.web import Access, _render
from grapevine.web._render import AppState


def test_views_are_cached_cleared_by_writes_and_refreshed_when_old(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_workspace(tmp_path / "ws") as ws:
        state = AppState(ws, Access(ws.store), "127.0.0.1")
        calls: list[int] = []
        done = threading.Event()

        def compute() -> int:
            calls.append(1)
            done.set()
            return len(calls)

        assert state.view("people", {"brand": None}, compute) == 1
        assert state.view("people", {"brand": None}, compute) == 1  # cached
        assert state.view("people", {"brand": "acme"}, compute) == 2  # other parameters
        state.wrote()
        assert state.view("people", {"brand": None}, compute) == 3
        monkeypatch.setattr(_render, "VIEW_TTL_S", 0.0)
        done.clear()
        assert state.view("people", {"brand": None}, compute) == 3  # stale, served at once ...
        assert done.wait(10)
        monkeypatch.setattr(_render, "VIEW_TTL_S", 60.0)
        deadline = time.monotonic() + 10
        while state.view("people", {"brand": None}, lambda: -1) == 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert state.view("people", {"brand": None}, lambda: -1) == 4  # ... and refreshed behind it
        assert len(calls) == 4


def test_a_view_being_computed_is_waited_for_not_computed_again(tmp_path: Path) -> None:
    with open_workspace(tmp_path / "ws") as ws:
        state = AppState(ws, Access(ws.store), "127.0.0.1")
        started, release = threading.Event(), threading.Event()
        calls: list[str] = []

        def slow() -> str:
            calls.append("slow")
            started.set()
            assert release.wait(10)
            return "first"

        answers: list[str] = []
        first = threading.Thread(target=lambda: answers.append(state.view("inbox", {}, slow)))
        first.start()
        assert started.wait(10)
        second = threading.Thread(target=lambda: answers.append(state.view("inbox", {}, lambda: "second")))
        second.start()
        time.sleep(0.1)
        assert answers == []  # the second request waits ...
        release.set()
        first.join(10)
        second.join(10)
        assert answers == ["first", "first"]  # ... for the first one's answer
        assert calls == ["slow"]

        def broken() -> str:
            raise ValueError("no")

        with pytest.raises(ValueError):
            state.view("person", {}, broken)
        assert state.view("person", {}, lambda: "after a failure") == "after a failure"  # nobody left waiting
