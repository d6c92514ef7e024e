"""Expected reach of a seed set under Independent Cascade, and the seeds that reach the most.

Under the Independent Cascade (IC) model each edge ``u -> v`` of an influence graph gets one
chance, with probability ``p(u, v)``, to activate v once u is active. Three ways to set p:

- ``model="wc"`` (weighted cascade): ``p(u, v) = 1 / in-degree(v)``, parallel edges counted;
- ``model="ic"`` with ``p=0.01``: the same probability on every edge;
- ``model="ic"`` with ``p=None``: the graph's edge weights are the probabilities.

The spread sigma(S) is the expected number of active nodes, seeds included. It is estimated
with reverse-reachable (RR) sets (Borgs et al. 2014): the nodes that reach a uniform random
root over live edges meet S with probability sigma(S) / n, so sigma(S) = n * P(hit). Two exact
refinements cut the variance: roots are drawn among the non-seeds only (each seed counts 1 for
sure), and instead of the 0/1 hit each RR set contributes the probability that one of the
seeds' own edges into it is live, given the set grown without entering a seed (those edges
are independent of the others, so this is the hit's conditional expectation: same mean, less
noise). A control variate and stratified roots cut it further (:mod:`grapevine.reach._rr`),
and coins are only drawn where an edge could be live (:mod:`grapevine.reach._kernels`). The
95% interval is the normal one on the mean; on NetHEPT it covered a 200,000-run Monte Carlo
in 143 of 150 seeds, and the estimates averaged within 0.01% of it.

Direction: influence flows against attention. On a graph of kind ``follow`` (u follows v) or
any interaction kind (u replied to / mentioned / reposted v), influence flows v -> u, so these
functions work on the reversed graph; a graph of kind ``influence`` and an undirected graph are
used as they are (``direction`` overrides).
"""

from __future__ import annotations

import math
import secrets
from typing import Any, Literal, NamedTuple

import numpy as np

from grapevine.errors import GrapevineError
from grapevine.graph import Graph, in_degree
from grapevine.reach import _kernels
from grapevine.reach._rr import CoinPlan, chunk_count, rr_spread, run_chunks

__all__ = [
    "SeedSelection",
    "Spread",
    "edge_probabilities",
    "expected_spread",
    "influence_graph",
    "monte_carlo_spread",
    "select_seeds",
]

Direction = Literal["auto", "forward", "reverse"]
_Z95 = 1.959963984540054
_FEW_LIVE = 2.0  # expected live in-edges up to which a node's coins are drawn as count + positions
_DEFAULT_PRECISION = 0.005


class Spread(NamedTuple):
    """An expected number of activated nodes with its 95% interval."""

    estimate: float
    low: float
    high: float


class SeedSelection(NamedTuple):
    """Seeds picked greedily over RR sets, with the reach a fresh sample gives them."""

    labels: list[Any]
    nodes: np.ndarray
    gains: np.ndarray
    spread: Spread


def influence_graph(graph: Graph, direction: Direction = "auto") -> Graph:
    """The graph oriented so that an edge ``u -> v`` means u can activate v."""
    if direction == "auto":
        direction = "forward" if graph.kind == "influence" or not graph.directed else "reverse"
    if direction == "forward":
        return graph
    if direction == "reverse":
        return graph.reverse(kind="influence")
    raise GrapevineError(f"direction must be auto, forward or reverse, not {direction!r}")


def edge_probabilities(graph: Graph, model: str = "wc", p: float | np.ndarray | None = None) -> np.ndarray:
    """Activation probability of each edge of an influence graph, aligned with ``graph.indices``."""
    if model == "wc":
        if p is not None:
            raise GrapevineError("model='wc' sets p = 1 / in-degree; leave p out, or use model='ic'")
        indegree = in_degree(graph).astype(np.float64)
        return 1.0 / indegree[graph.indices]
    if model != "ic":
        raise GrapevineError(f"model must be 'wc' or 'ic', not {model!r}")
    if p is None:
        if graph.weights is None:
            raise GrapevineError(
                "model='ic' with p=None reads probabilities from edge weights; this graph has none"
            )
        probs = graph.weights
    elif np.isscalar(p):
        probs = np.full(graph.n_edges, float(p))  # type: ignore[arg-type]
    else:
        probs = np.asarray(p, dtype=np.float64)
        if probs.shape != (graph.n_edges,):
            raise GrapevineError(
                f"p needs one probability per edge ({graph.n_edges}), got shape {probs.shape}"
            )
    if not ((probs >= 0) & (probs <= 1)).all():
        raise GrapevineError("edge probabilities must lie in [0, 1]")
    return np.asarray(probs, dtype=np.float64)


def expected_spread(
    graph: Graph,
    seeds: Any,
    model: str = "wc",
    p: float | np.ndarray | None = None,
    samples: int | None = None,
    seed: int | None = None,
    precision: float = _DEFAULT_PRECISION,
    max_samples: int = 50_000_000,
    direction: Direction = "auto",
) -> Spread:
    """Expected number of nodes a seed set activates, ``(estimate, low, high)`` with a 95% interval.

    Parameters
    ----------
    graph : Graph
        See the module docstring for how its direction is read.
    seeds : label or sequence of labels
        The initially active nodes.
    model, p
        ``"wc"`` (weighted cascade), or ``"ic"`` with a uniform ``p``, a per-edge array aligned
        with the influence graph's edges, or None for the edge weights.
    samples : int, optional
        Number of RR sets; by default they are drawn in rounds until the interval's half-width
        is within ``precision`` of the estimate (0.5%), or ``max_samples`` is reached.
    seed : int, optional
        Random seed; the same seed gives the same answer.

    Examples
    --------
    >>> from grapevine.graph import build_graph
    >>> chain = build_graph([0, 1], [1, 2])  # kind "influence": 0 -> 1 -> 2
    >>> expected_spread(chain, [0], model="ic", p=1.0, samples=1000, seed=1).estimate
    3.0
    """
    view = influence_graph(graph, direction)
    probs = edge_probabilities(view, model, p)
    plan = _coin_plan(view, probs, view.in_csr()[2], model, p)
    estimate, low, high = rr_spread(
        view, probs, _seed_codes(view, seeds), plan, samples, _base_seed(seed), precision, max_samples
    )
    return Spread(estimate, low, high)


def monte_carlo_spread(
    graph: Graph,
    seeds: Any,
    model: str = "wc",
    p: float | np.ndarray | None = None,
    runs: int = 10_000,
    seed: int | None = None,
    direction: Direction = "auto",
) -> Spread:
    """The same expectation as :func:`expected_spread`, by simulating the cascade ``runs`` times.

    The textbook estimator, kept to cross-check the RR estimate; its interval is the normal
    one around the mean of the runs.
    """
    if runs < 2:
        raise GrapevineError("runs must be at least 2")
    view = influence_graph(graph, direction)
    probs = edge_probabilities(view, model, p)
    seed_codes = _seed_codes(view, seeds).astype(np.int32)
    chunks = chunk_count(runs, per_chunk=16)
    sizes = _kernels.forward_spread(
        view.indptr, view.indices, probs, seed_codes, runs, _base_seed(seed), chunks
    )
    sizes = sizes.astype(np.float64)
    mean = float(sizes.mean())
    half = _Z95 * float(sizes.std(ddof=1)) / math.sqrt(runs)
    return Spread(mean, mean - half, mean + half)


def select_seeds(
    graph: Graph,
    k: int,
    model: str = "wc",
    p: float | np.ndarray | None = None,
    samples: int = 200_000,
    seed: int | None = None,
    direction: Direction = "auto",
) -> SeedSelection:
    """``k`` seeds that reach the most people: greedy maximum coverage over ``samples`` RR sets.

    Greedy coverage is within (1 - 1/e) of the best seed set on the sampled sets (Borgs et al.
    2014; IMM chooses the sample size adaptively, here it is fixed). The coverage of the
    sampled sets overstates reach, so ``spread`` is estimated on fresh RR sets.
    """
    view = influence_graph(graph, direction)
    n = view.n_nodes
    if not 1 <= k <= n:
        raise GrapevineError(f"k must be between 1 and the number of nodes ({n}), not {k}")
    if samples < 1:
        raise GrapevineError("samples must be at least 1")
    probs = edge_probabilities(view, model, p)
    in_indptr, in_sources, edge_ids = view.in_csr()
    edge_p, node_coins = _coin_plan(view, probs, edge_ids, model, p)
    base = _base_seed(seed)

    def chunk(c: int, size: int) -> tuple[np.ndarray, np.ndarray]:
        return _kernels.rr_sets(in_indptr, in_sources, edge_p, node_coins, size, base, c)

    parts = run_chunks(chunk, samples)
    sizes = np.concatenate([np.diff(offsets) for offsets, _ in parts])
    offsets = np.zeros(sizes.size + 1, np.int64)
    np.cumsum(sizes, out=offsets[1:])
    nodes = np.concatenate([part for _, part in parts])
    chosen, gains = _kernels.greedy_cover(n, offsets, nodes, k)
    labels = [view.labels[int(code)] for code in chosen]
    spread = expected_spread(view, labels, model, p, seed=base + 1, direction="forward")
    return SeedSelection(labels, np.asarray(chosen), n * np.asarray(gains) / samples, spread)


def _seed_codes(graph: Graph, seeds: Any) -> np.ndarray:
    codes = graph.index_of(seeds)
    if codes.size == 0:
        raise GrapevineError("the seed set is empty")
    return codes


def _coin_plan(graph: Graph, probs: np.ndarray, edge_ids: np.ndarray, model: str, p: Any) -> CoinPlan:
    """How RR searches flip the coins of a node's in-edges: ``(edge_p, node_coins)``.

    When all in-edges of a node share one p (weighted cascade, uniform p), ``node_coins`` has a
    row per node ``(log(1 - p), q0, p / (1 - p))``: with q0 = (1 - p)^d >= 0 the search draws how
    many coins come up and where (few expected: d * p <= 2), else (q0 = -1) the gaps between
    them. Otherwise ``edge_p`` holds each in-edge's probability and ``node_coins`` is empty.
    """
    if not (model == "wc" or (p is not None and np.isscalar(p))):
        return probs[edge_ids], np.zeros((0, 3))
    node_p = np.zeros(graph.n_nodes)
    node_p[graph.indices] = probs  # the probability depends on the target only
    degree = in_degree(graph).astype(np.float64)
    coins = np.empty((graph.n_nodes, 3))
    with np.errstate(divide="ignore", over="ignore"):
        coins[:, 0] = np.log1p(-node_p)  # -inf where p = 1
        coins[:, 1] = np.where(
            (degree * node_p <= _FEW_LIVE) & (node_p < 1), np.exp(degree * coins[:, 0]), -1.0
        )
        coins[:, 2] = np.where(node_p < 1, node_p / (1 - node_p), 0.0)
    return np.zeros(0), coins


def _base_seed(seed: int | None) -> int:
    if seed is None:
        return secrets.randbits(62)
    return int(seed) & ((1 << 62) - 1)
