"""The /network page and its JSON twin, and the community filter of /people, checked against independent computations."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import networkx as nx
import numpy as np
import pytest

from grapevine.graph import graph_from_store, leiden, pagerank
from grapevine.people import person_of
from grapevine.web._network import PALETTE, layout
from tests.web.conftest import MENTION_PAYLOAD, World

STATIC = Path(__file__).parents[2] / "src" / "grapevine" / "web" / "static"


def _networkx(world: World, brand: str | None) -> nx.DiGraph:
    graph = graph_from_store(world.ws.store, "interaction", track=brand)
    digraph = nx.DiGraph()
    digraph.add_nodes_from(f"{p}:{i}" for p, i in graph.labels)
    for u in range(graph.n_nodes):
        for j in range(graph.indptr[u], graph.indptr[u + 1]):
            v = graph.indices[j]
            weight = 1.0 if graph.weights is None else float(graph.weights[j])
            a, b = (f"{p}:{i}" for p, i in (graph.labels[u], graph.labels[v]))
            digraph.add_edge(a, b, weight=digraph.get_edge_data(a, b, {"weight": 0})["weight"] + weight)
    return digraph


def test_network_nodes_are_the_top_accounts_by_pagerank(http: httpx.Client, world: World) -> None:
    full = http.get("/network.json", params={"brand": "acme", "limit": 1000}).json()
    digraph = _networkx(world, "acme")
    expected = nx.pagerank(digraph, weight="weight", tol=1e-10)
    assert full["accounts"] == digraph.number_of_nodes() == full["shown"]
    assert full["interactions"] == digraph.number_of_edges()
    assert full["note"] is None
    for node in full["nodes"]:
        assert node["pagerank"] == pytest.approx(expected[node["key"]], abs=1e-8)
    ranks = [n["pagerank"] for n in full["nodes"]]
    assert ranks == sorted(ranks, reverse=True)
    # The shown edges are the interactions among shown accounts, either way round, summed.
    pairs = {tuple(sorted((e["source"], e["target"]))): e["weight"] for e in full["edges"]}
    undirected: dict[tuple[str, str], float] = {}
    for a, b, w in digraph.edges(data="weight"):
        if a != b:
            key = (min(a, b), max(a, b))
            undirected[key] = undirected.get(key, 0.0) + w
    assert pairs == undirected

    top = http.get("/network.json", params={"brand": "acme", "limit": 5}).json()
    assert [n["key"] for n in top["nodes"]] == [n["key"] for n in full["nodes"][:5]]
    assert top["shown"] == 5 and "5 accounts with the highest PageRank of" in top["note"]
    shown = {n["key"] for n in top["nodes"]}
    assert all(e["source"] in shown and e["target"] in shown for e in top["edges"])


def test_network_communities_colours_and_people(http: httpx.Client, world: World) -> None:
    data = http.get("/network.json", params={"brand": "acme"}).json()
    graph = graph_from_store(world.ws.store, "interaction", track="acme")
    communities = leiden(graph, seed=0)
    expected = {f"{p}:{i}": int(c) for (p, i), c in zip(graph.labels, communities, strict=True)}
    assert {n["key"]: n["community"] for n in data["nodes"]} == expected
    sizes = np.bincount(communities)
    assert [c["accounts"] for c in data["communities"]] == sizes[: len(data["communities"])].tolist()
    for node in data["nodes"]:
        assert node["colour"] == (
            PALETTE[node["community"]] if node["community"] < len(PALETTE) else "#9aa5b1"
        )
        assert -1 <= node["x"] <= 1 and -1 <= node["y"] <= 1
        if node["handle"]:
            assert (
                node["url"]
                == f"/people/{person_of(world.ws.store, node['key'].split(':')[0] + ':' + node['handle'])}"
            )
    # The unknown handle a stranger mentioned is a node, with its text as it was written.
    assert MENTION_PAYLOAD in {n["label"] for n in data["nodes"]}
    one = http.get("/network.json", params={"brand": "acme", "community": 1}).json()
    assert one["nodes"] and {n["community"] for n in one["nodes"]} == {1}
    assert one["accounts"] == sizes[1]
    assert http.get("/network.json", params={"community": 10_000}).status_code == 404
    assert http.get("/network.json", params={"brand": "nope"}).status_code == 404


def test_network_page_embeds_its_data_safely(http: httpx.Client) -> None:
    page = http.get("/network", params={"brand": "acme", "community": "", "limit": 50})
    assert page.status_code == 200
    assert '<script type="application/json" id="network-data">' in page.text
    assert "<img src=x" not in page.text  # the mention payload is escaped in the table and the JSON block
    assert "&lt;img src=x onerror=" in page.text and "\\u003cimg src=x" in page.text
    for src in re.findall(r'<script src="([^"]+)"', page.text) + re.findall(
        r'data-sigma="([^"]+)"', page.text
    ):
        assert http.get(src).status_code == 200, src


def test_css_community_colours_match_the_palette() -> None:
    css = (STATIC / "app.css").read_text()
    found = dict(re.findall(r"\.community\.c(\d+) \{ background: (#[0-9a-f]{6}); \}", css))
    assert [found[str(i)] for i in range(len(PALETTE))] == list(PALETTE)


def test_layout_separates_two_cliques() -> None:
    # Two 6-cliques joined by one edge: each clique ends up closer to itself than to the other.
    a, b = [], []
    for base in (0, 6):
        for i in range(base, base + 6):
            for j in range(i + 1, base + 6):
                a.append(i)
                b.append(j)
    a.append(0)
    b.append(6)
    pos = layout(12, np.array(a), np.array(b), np.array([0] * 6 + [1] * 6))
    centre = [pos[:6].mean(0), pos[6:].mean(0)]
    for i in range(12):
        own, other = (0, 1) if i < 6 else (1, 0)
        assert np.linalg.norm(pos[i] - centre[own]) < np.linalg.norm(pos[i] - centre[other])


def test_people_community_filter_and_breakdown(http: httpx.Client, world: World) -> None:
    everyone = http.get("/people.json", params={"limit": 1000}).json()
    graph = graph_from_store(world.ws.store, "interaction")
    communities = leiden(graph, seed=0)
    # A person's community is their best-PageRank account's; check one person with an account there.
    row = next(r for r in everyone["rows"] if r["community"] is not None)
    accounts = world.ws.store.run(
        "SELECT platform, id FROM person_accounts WHERE person_id = ?", [row["person_id"]]
    )
    codes = [graph.labels.get_loc(a) for a in accounts if a in graph.labels]
    best = max(codes, key=lambda c: pagerank(graph)[c])
    assert row["community"] == int(communities[best])
    chosen = row["community"]
    got = http.get("/people.json", params={"community": chosen, "limit": 1000}).json()
    assert got["total"] == sum(1 for r in everyone["rows"] if r["community"] == chosen) > 0
    assert {r["community"] for r in got["rows"]} == {chosen}
    assert http.get("/people", params={"community": ""}).status_code == 200
    assert http.get("/people.json", params={"community": "x"}).status_code == 422
    # Same order as the library's influence sort; every score's parts add up to it.
    assert [r["person_id"] for r in everyone["rows"]] == [r["person_id"] for r in world.ws.people()]
    scored = [r for r in everyone["rows"] if r["influence"] is not None]
    assert scored
    for r in scored:
        parts = [c["points"] for c in r["influence_breakdown"] if c["points"] is not None]
        assert sum(parts) == pytest.approx(r["influence"], abs=0.05 * len(parts))
    page = http.get("/people", params={"limit": 5}).text
    assert page.count('<details class="breakdown">') == sum(
        1 for r in everyone["rows"][:5] if r["influence_breakdown"]
    )
