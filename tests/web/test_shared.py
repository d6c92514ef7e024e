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
    assert shared.get("influence_table", (None, None, None), lambda: None) is not None
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


def test_a_write_forgets_the_shared_results_but_those_from_posts_alone(server: LiveServer) -> None:
    state = _state(server)
    state.shared.get("people_table", ("probe",), lambda: ["old"])
    state.shared.get("influence_table", ("probe",), lambda: ["old"])
    assert state.shared.get("people_table", ("probe",), lambda: ["new"]) == ["old"]
    state.wrote()  # a CRM write: people rows carry stages and tags, influence scores do not
    assert state.shared.get("people_table", ("probe",), lambda: ["new"]) == ["new"]
    assert state.shared.get("influence_table", ("probe",), lambda: ["new"]) == ["old"]
    state.shared.clear()
    assert state.shared.get("influence_table", ("probe",), lambda: ["new"]) == ["new"]
    state.shared.clear()


class CountingResults(SharedResults):
    def __init__(self) -> None:
        super().__init__()
        self.computed: list[str] = []

    def get(self, name: str, params: tuple[Any, ...], compute: Any) -> Any:
        def run() -> Any:
            self.computed.append(name)
            return compute()

        return super().get(name, params, run)


def test_person_pages_share_the_workspace_wide_results_and_match_the_library(
    server: LiveServer, world: World
) -> None:
    state = _state(server)
    shared = CountingResults()
    person = world.evil_person
    fresh = state.call(world.ws.person, person, explain=True)
    first = state.call(_views.person_view, world.ws, person, shared=shared)
    assert sorted(shared.computed) == ["audience_columns", "influence_table"]
    again = state.call(_views.person_view, world.ws, person, shared=shared)
    assert sorted(shared.computed) == ["audience_columns", "influence_table"]  # nothing scored again
    assert first["profile"] == fresh == again["profile"]


def test_whole_workspace_results_are_pinned_while_filtered_ones_take_turns() -> None:
    shared = SharedResults(size=2)
    shared.get("influence_table", (None, None, None), lambda: "everyone")
    shared.get("people_table", (None, None, "influence", None), lambda: "rows", pin=True)
    for brand in ("acme", "globex", "initech", "umbrella"):
        shared.get("influence_table", (brand, None, None), lambda b=brand: b)  # type: ignore[misc]
    kept = shared._values
    assert kept[("influence_table", (None, None, None))] == "everyone"
    assert kept[("people_table", (None, None, "influence", None))] == "rows"
    assert [k[1][0] for k in kept if k[1][0] is not None] == ["initech", "umbrella"]  # the two most recent
