"""Spread estimation: RR sets against exact answers, against Monte Carlo, on NetHEPT and Congress."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import grapevine
from grapevine.errors import GrapevineError
from grapevine.graph import build_graph, degree, graph_from_store
from grapevine.reach import (
    edge_probabilities,
    expected_spread,
    influence_graph,
    monte_carlo_spread,
    select_seeds,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "graph"


def exact_spread(graph, probs: np.ndarray, seeds: list[int]) -> float:
    """sigma(S) by enumerating every live-edge graph (a handful of edges only)."""
    src, dst, _ = graph.edges()
    total = 0.0
    for live in itertools.product((False, True), repeat=len(src)):
        chance = float(np.prod(np.where(live, probs, 1 - probs)))
        active, frontier = set(seeds), list(seeds)
        while frontier:
            u = frontier.pop()
            for i in np.flatnonzero((src == u) & np.array(live)):
                if dst[i] not in active:
                    active.add(int(dst[i]))
                    frontier.append(int(dst[i]))
        total += chance * len(active)
    return total


@pytest.fixture(scope="module")
def small_graph():
    rng = np.random.default_rng(4)  # 8 nodes, 13 edges with a parallel pair and a self-loop
    return build_graph(rng.integers(0, 8, 13), rng.integers(0, 8, 13), labels=list(range(8)))


@pytest.mark.parametrize(("model", "p"), [("wc", None), ("ic", 0.3)])
@pytest.mark.parametrize("seeds", [[0], [1, 2]])
def test_rr_and_monte_carlo_agree_with_exact_spread(small_graph, model, p, seeds):
    exact = exact_spread(small_graph, edge_probabilities(small_graph, model, p), seeds)
    rr = expected_spread(small_graph, seeds, model, p, samples=400_000, seed=3)
    assert rr.low <= exact <= rr.high
    assert rr.estimate == pytest.approx(exact, rel=2e-3)
    mc = monte_carlo_spread(small_graph, seeds, model, p, runs=200_000, seed=3)
    assert mc.low <= exact <= mc.high


def test_rr_given_probabilities_on_a_hub_uses_exact_coins():
    # 30 leaves each activated with probability 1/2 (from seed 100 or from non-seed 200),
    # then a hub with 30 in-edges: enough for the gap-skipping coins under uniform IC
    leaves = np.arange(1, 31)
    src = np.r_[np.full(30, 100), np.full(30, 200), leaves, 0]
    dst = np.r_[leaves, leaves, np.zeros(30, int), 31]
    g = build_graph(src, dst)
    hub = 1 - (1 - 0.5 / 30) ** 30
    wc = expected_spread(g, [100], samples=300_000, seed=1)
    assert wc.low <= 1 + 15 + 2 * hub <= wc.high
    p = 0.2
    hub = 1 - (1 - p * p) ** 30
    ic = expected_spread(g, [100], "ic", p, samples=300_000, seed=1)
    assert ic.low <= 1 + 30 * p + hub + hub * p <= ic.high
    weighted = build_graph(src, dst, np.full(src.size, p))
    given = expected_spread(weighted, [100], "ic", samples=300_000, seed=1)
    assert given.low <= 1 + 30 * p + hub + hub * p <= given.high


def test_certain_and_impossible_spread():
    chain = build_graph([0, 1, 2], [1, 2, 3])
    assert expected_spread(chain, [0], "ic", 1.0, samples=1000, seed=1) == (4.0, 4.0, 4.0)
    nothing = expected_spread(chain, [3], "ic", 0.5, samples=1000, seed=1)
    assert nothing.estimate == 1.0 and nothing.low == 1.0
    assert 1.0 < nothing.high < 1.02  # never seen is not proof of never: rule of three
    assert expected_spread(chain, [0, 1, 2, 3], samples=10).estimate == 4.0
    assert monte_carlo_spread(chain, [0], "ic", 1.0, runs=10, seed=1).estimate == 4.0


def test_same_seed_same_answer_and_adaptive_precision(small_graph):
    first = expected_spread(small_graph, [0], samples=50_000, seed=7)
    assert expected_spread(small_graph, [0], samples=50_000, seed=7) == first
    assert expected_spread(small_graph, [0], samples=50_000, seed=8) != first
    adaptive = expected_spread(small_graph, [0], seed=7, precision=0.002)
    assert (adaptive.high - adaptive.low) / 2 <= 0.002 * adaptive.estimate


def test_arguments_are_checked(small_graph):
    with pytest.raises(GrapevineError, match="leave p out"):
        expected_spread(small_graph, [0], "wc", 0.1)
    with pytest.raises(GrapevineError, match="has none"):
        expected_spread(small_graph, [0], "ic")
    with pytest.raises(GrapevineError, match="model must be"):
        expected_spread(small_graph, [0], "lt")
    with pytest.raises(GrapevineError, match=r"\[0, 1\]"):
        expected_spread(small_graph, [0], "ic", 1.5)
    with pytest.raises(GrapevineError, match="one probability per edge"):
        expected_spread(small_graph, [0], "ic", np.ones(3))
    with pytest.raises(GrapevineError, match="empty"):
        expected_spread(small_graph, [])
    with pytest.raises(KeyError):
        expected_spread(small_graph, [99])
    with pytest.raises(GrapevineError, match="direction"):
        expected_spread(small_graph, [0], direction="sideways")  # type: ignore[arg-type]
    with pytest.raises(GrapevineError, match="runs"):
        monte_carlo_spread(small_graph, [0], runs=1)
    with pytest.raises(GrapevineError, match="samples"):
        expected_spread(small_graph, [0], samples=0)


def test_follow_graphs_spread_against_the_edges(tmp_path):
    with grapevine.open_workspace(tmp_path / "ws") as ws:
        ws.ingest([FIXTURES / "follows.edgelist"], enrich=False)
        follows = graph_from_store(ws, "follow")
    # bob and carol follow alice, dave follows carol: alice's posts reach all four
    alice, dave = ("mastodon", "1001"), ("mastodon", "1004")
    assert expected_spread(follows, [alice], "ic", 1.0, samples=2000, seed=1).estimate == 4.0
    assert expected_spread(follows, [dave], "ic", 1.0, samples=2000, seed=1).estimate == 1.0
    assert (
        expected_spread(follows, [dave], "ic", 1.0, samples=2000, seed=1, direction="forward").estimate == 4.0
    )
    assert influence_graph(follows).kind == "influence"
    undirected = build_graph([0], [1], directed=False, kind="follow")
    assert influence_graph(undirected) is undirected


@pytest.fixture(scope="module")
def nethept(data_dir: Path):
    """NetHEPT as the influence-maximisation papers use it: undirected, parallel edges kept."""
    edges = pd.read_csv(data_dir / "graphs" / "nethept.txt", sep=r"\s+", skiprows=1, header=None).to_numpy()
    return build_graph(edges[:, 0], edges[:, 1], directed=False, self_loops=False)


def test_nethept_weighted_cascade_rr_within_one_percent_of_monte_carlo(nethept):
    assert (nethept.n_nodes, nethept.n_edges) == (15_233, 2 * (58_891 - 39))
    top = np.argsort(-degree(nethept), kind="stable")[:50]
    seeds = nethept.labels[top].tolist()
    rr = expected_spread(nethept, seeds, model="wc", seed=11)
    assert (rr.high - rr.low) / 2 <= 0.005 * rr.estimate
    mc = monte_carlo_spread(nethept, seeds, model="wc", runs=10_000, seed=11)
    # both are estimates: 1% is about 3.7 standard errors of their difference here
    assert abs(rr.estimate - mc.estimate) <= 0.01 * mc.estimate
    assert rr.low <= mc.high and mc.low <= rr.high
    assert 700 < mc.estimate < 900


def test_select_seeds_beats_top_degree_on_nethept(nethept):
    picked = select_seeds(nethept, 10, samples=100_000, seed=2)
    assert len(picked.labels) == len(set(picked.labels)) == 10
    assert (np.diff(picked.gains) <= 1e-9).all()  # greedy gains never grow
    top = nethept.labels[np.argsort(-degree(nethept), kind="stable")[:10]].tolist()
    by_degree = expected_spread(nethept, top, seed=2)
    assert picked.spread.low > by_degree.high
    with pytest.raises(GrapevineError, match="k must be"):
        select_seeds(nethept, 0)


def test_select_seeds_finds_the_obvious_hub():
    # 0 reaches 1..20 for sure; everyone else reaches one node
    src = np.r_[np.zeros(20, int), np.arange(21, 30)]
    dst = np.r_[np.arange(1, 21), np.arange(22, 31)]
    picked = select_seeds(build_graph(src, dst), 2, "ic", 1.0, samples=20_000, seed=1)
    assert picked.labels[0] == 0
    assert picked.spread.estimate == pytest.approx(21 + 10, abs=2)


def test_congress_given_probabilities_rr_matches_monte_carlo(data_dir: Path):
    edges = pd.read_csv(data_dir / "graphs" / "congress_twitter.edgelist", sep=r"\s+", header=None)
    g = build_graph(edges[0].to_numpy(), edges[1].to_numpy(), edges[2].to_numpy())
    assert (g.n_nodes, g.n_edges) == (475, 13_289)
    seeds = g.labels[np.argsort(-degree(g), kind="stable")[:10]].tolist()
    rr = expected_spread(g, seeds, "ic", precision=0.002, seed=5)
    mc = monte_carlo_spread(g, seeds, "ic", runs=20_000, seed=5)
    assert abs(rr.estimate - mc.estimate) <= 0.01 * mc.estimate
    assert rr.low <= mc.high and mc.low <= rr.high
    assert 10 < rr.estimate < 30  # transmission probabilities are small: a few beyond the seeds
