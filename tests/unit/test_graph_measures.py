"""Betweenness, Leiden communities, reciprocity and exports, checked against networkx on real graphs."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import grapevine
from grapevine.errors import GrapevineError
from grapevine.graph import (
    betweenness,
    build_graph,
    graph_from_store,
    leiden,
    modularity,
    reciprocal_core_edges,
    reciprocal_edges,
    write_graph,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "graph"


@pytest.fixture(scope="module")
def congress(data_dir: Path) -> pd.DataFrame:
    """SNAP congress-twitter: 475 members, 13,289 weighted directed interaction edges."""
    return pd.read_csv(
        data_dir / "graphs" / "congress_twitter.edgelist", sep=r"\s+", header=None, usecols=[0, 1, 2]
    )


@pytest.fixture(scope="module")
def facebook(data_dir: Path) -> np.ndarray:
    return pd.read_csv(data_dir / "graphs" / "facebook_combined.txt", sep=" ", header=None).to_numpy()


class FixedSample(random.Random):
    """Makes networkx 'sample' exactly the sources we pass, to compare sampled betweenness."""

    def __init__(self, nodes: list) -> None:
        super().__init__(0)
        self.nodes = nodes

    def sample(self, population, k, **kwargs):  # type: ignore[override]
        return list(self.nodes)


def test_betweenness_equals_networkx_exact_and_sampled_on_congress(congress):
    g = build_graph(congress[0].to_numpy(), congress[1].to_numpy(), duplicates="last")
    G = nx.DiGraph(list(zip(congress[0], congress[1], strict=True)))
    exact = nx.betweenness_centrality(G)
    assert np.abs(betweenness(g) - [exact[v] for v in g.labels]).max() < 1e-12
    sources = list(g.labels[::9])
    for normalized in (True, False):
        sampled = nx.betweenness_centrality(
            G, k=len(sources), normalized=normalized, seed=FixedSample(sources)
        )
        ours = betweenness(g, sources=sources, normalized=normalized)
        assert np.allclose(ours, [sampled[v] for v in g.labels], rtol=1e-10, atol=1e-12)
    # a random draw of k sources estimates the exact values without bias: the top nodes agree
    estimate = np.mean([betweenness(g, k=120, seed=s) for s in range(5)], axis=0)
    top_exact = set(sorted(exact, key=exact.get)[-10:])
    assert len(top_exact & set(g.labels[np.argsort(estimate)[-10:]])) >= 7


def test_betweenness_undirected_and_errors():
    G = nx.karate_club_graph()
    g = build_graph([u for u, _ in G.edges()], [v for _, v in G.edges()], directed=False, labels=list(G))
    ref = nx.betweenness_centrality(G)
    assert np.abs(betweenness(g) - [ref[v] for v in G]).max() < 1e-12
    with pytest.raises(GrapevineError, match="k must be at least 1"):
        betweenness(g, k=0)


def test_leiden_beats_louvain_on_ego_facebook_and_communities_are_connected(facebook):
    g = build_graph(facebook[:, 0], facebook[:, 1], directed=False)
    communities = leiden(g, seed=1)
    G = nx.Graph(facebook.tolist())
    parts = [set(g.labels[communities == c]) for c in range(communities.max() + 1)]
    ours = nx.community.modularity(G, parts)
    assert modularity(g, communities) == pytest.approx(ours, abs=1e-12)
    louvain = nx.community.modularity(G, nx.community.louvain_communities(G, seed=1))
    assert ours >= louvain - 0.002  # Leiden is at least as good (0.836 vs 0.835 when written)
    assert all(nx.is_connected(G.subgraph(p)) for p in parts)
    sizes = np.bincount(communities)
    assert (np.diff(sizes) <= 0).all()  # numbered by size


def test_leiden_recovers_planted_communities():
    G = nx.planted_partition_graph(8, 40, 0.3, 0.01, seed=3)
    g = build_graph([u for u, _ in G.edges()], [v for _, v in G.edges()], directed=False, labels=list(G))
    found = leiden(g, seed=2)
    truth = np.arange(G.number_of_nodes()) // 40
    # every planted block maps to exactly one community and back
    pairs = set(zip(truth.tolist(), found.tolist(), strict=True))
    assert len(pairs) == 8 and len({t for t, _ in pairs}) == len({f for _, f in pairs}) == 8
    # on a directed graph with both directions the answer is the same as undirected
    src, dst, _ = g.edges()
    directed = build_graph(src, dst, labels=g.labels)
    assert modularity(directed, found) == pytest.approx(modularity(g, found), abs=1e-12)


def test_leiden_on_congress_interactions_is_reproducible(congress):
    g = build_graph(congress[0].to_numpy(), congress[1].to_numpy(), congress[2].to_numpy())
    first, second = leiden(g, seed=7), leiden(g, seed=7)
    assert (first == second).all()
    assert modularity(g, first) > 0.3


def test_reciprocal_edges_and_dense_reciprocal_cores():
    ring = list(itertools.permutations("abcdef", 2))
    pair = [("x", "y"), ("y", "x"), ("x", "a"), ("z", "a")]
    edges = ring + pair
    g = build_graph([u for u, _ in edges], [v for _, v in edges])
    mutual = reciprocal_edges(g)
    assert mutual.sum() == len(ring) + 2
    core = reciprocal_core_edges(g, min_core=4)
    src, dst, _ = g.edges()
    flagged = {(g.labels[s], g.labels[d]) for s, d in zip(src[core], dst[core], strict=True)}
    assert flagged == set(ring)  # the friendly pair x <-> y is not a ring


def test_gexf_graphml_and_csv_round_trip_through_networkx(tmp_path, congress):
    g = build_graph(congress[0].to_numpy(), congress[1].to_numpy(), congress[2].to_numpy())
    src, dst, w = g.edges()
    expected = {(str(g.labels[s]), str(g.labels[d])): wt for s, d, wt in zip(src, dst, w, strict=True)}
    for fmt, reader in (("gexf", nx.read_gexf), ("graphml", nx.read_graphml)):
        path = tmp_path / f"congress.{fmt}"
        assert write_graph(g, path) == len(expected)
        read = reader(path)
        assert read.is_directed() and read.number_of_nodes() == g.n_nodes
        got = {(u, v): d["weight"] for u, v, d in read.edges(data=True)}
        assert got.keys() == expected.keys()
        assert all(abs(got[k] - expected[k]) < 1e-12 for k in expected)
    table = pd.read_csv(tmp_path / "out.csv") if write_graph(g, tmp_path / "out.csv") else None
    assert table is not None and len(table) == len(expected)
    assert table["weight"].sum() == pytest.approx(sum(expected.values()))


def test_store_graph_export_keeps_handles_and_parallel_edges_summed(tmp_path):
    ws = grapevine.open_workspace(tmp_path / "ws")
    try:
        ws.ingest([FIXTURES / "statuses.jsonl"], enrich=False)
        g = graph_from_store(ws, "interaction")
        path = tmp_path / "i.gexf"
        write_graph(g, path, node_attributes={"handle": ["<&\x01>"] + [None] * (g.n_nodes - 1)})
        read = nx.read_gexf(path)
        assert read["mastodon:1004"]["mastodon:1002"]["weight"] == 2.0  # a reply and a quote
        first = read.nodes[f"mastodon:{g.labels[0][1]}"]
        assert first["platform"] == "mastodon" and first["handle"] == "<&\ufffd>"
        with pytest.raises(GrapevineError, match="export format"):
            write_graph(g, tmp_path / "x.dot")
    finally:
        ws.close()


def test_people_and_influence_work_on_a_workspace_without_edges(tmp_path: Path) -> None:
    """A store with posts but no replies, mentions, reposts or follows still scores and lists people."""
    import json

    from grapevine import open_workspace
    from grapevine.influence import influence_table
    from grapevine.people import people_table

    statuses = [
        {
            "id": str(i),
            "created_at": f"2024-03-01T10:0{i}:00.000Z",
            "content": f"<p>acme post {i}</p>",
            "account": {
                "id": f"u{i}",
                "username": f"u{i}",
                "acct": f"u{i}",
                "url": f"https://m.example/@u{i}",
            },
        }
        for i in range(3)
    ]
    path = tmp_path / "statuses.json"
    path.write_text(json.dumps(statuses), encoding="utf-8")
    with open_workspace(tmp_path / "ws") as ws:
        ws.ingest([path], source="mastodon")
        ws.track("acme", "acme")
        assert len(influence_table(ws.store)) == 3
        assert len(people_table(ws.store, brand="acme")) == 3
