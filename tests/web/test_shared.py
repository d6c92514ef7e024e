"""Results shared between pages: the same answers as the library computes afresh, forgotten on writes."""

from __future__ import annotations

from typing import Any

from grapevine import crm
from grapevine.people import people_table
from grapevine.web import _views
from grapevine.web._render import AppState
from grapevine.web._shared import SharedResults
from tests.web.conftest import LiveServer, World


def _state(server: LiveServer) -> AppState:
    return server.server.config.app.state.grapevine  # type: ignore[no-any-return]


def test_reach_suggestions_and_people_rows_match_the_library(server: LiveServer, world: World) -> None:
    state = _state(server)
    shared = SharedResults()

    def library_top_ten() -> list[dict[str, Any]]:
        rows = people_table(world.ws.store, sort="influence", top=10, with_influence=True)
        crm.annotate_people(world.ws.store, rows)
        return rows

    expected = state.call(library_top_ten)
    assert any(r["influence"] is not None for r in expected)
    people = state.call(_views.people_view, world.ws, shared=shared)  # fills the shared results
    assert shared.get("influence_table", (None,), lambda: None) is not None
    reach = state.call(_views.reach_view, world.ws, [], shared=shared)  # uses them
    assert reach["suggestions"] == expected
    assert state.call(_views.reach_view, world.ws, [])["suggestions"] == expected  # without sharing
    # The people page's rows were copied, not changed in place by the reach page.
    again = state.call(_views.people_view, world.ws, shared=shared)
    assert again["rows"] == people["rows"]
    assert again["rows"][0] is not people["rows"][0]
    fresh = state.call(_views.people_view, world.ws)
    assert [(r["person_id"], r["influence"]) for r in fresh["rows"]] == [
        (r["person_id"], r["influence"]) for r in people["rows"]
    ]


def test_a_write_forgets_the_shared_results(server: LiveServer) -> None:
    state = _state(server)
    state.shared.get("influence_table", ("probe",), lambda: ["old"])
    assert state.shared.get("influence_table", ("probe",), lambda: ["new"]) == ["old"]
    state.wrote()
    assert state.shared.get("influence_table", ("probe",), lambda: ["new"]) == ["new"]
    state.wrote()
