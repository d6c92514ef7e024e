"""Reciprocal edges and the dense reciprocal cores that follow-for-follow rings leave behind.

A follow-for-follow ring is a group of accounts that all follow each other so that each one's
follower count (and any PageRank over follows) grows with the size of the group. Two friends
who follow each other are normal; five or more accounts that *all* follow each other are the
ring's signature. The test is structural: keep only mutual pairs (u -> v and v -> u), take the
undirected graph they form, and flag a mutual pair when both ends lie in its ``min_core``-core
(every node of a k-core has at least k mutual partners inside it; a clique of s accounts is an
(s - 1)-core).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from grapevine.errors import GrapevineError
from grapevine.graph._centrality import core_number
from grapevine.graph._graph import Graph, build_graph

__all__ = ["reciprocal_core_edges", "reciprocal_edges", "union_graph"]


def reciprocal_edges(graph: Graph) -> np.ndarray:
    """A boolean mask over ``graph.indices``: True where the reverse edge exists too (self-loops excluded)."""
    src, dst, _ = graph.edges()
    n = np.int64(graph.n_nodes)
    forward = src.astype(np.int64) * n + dst
    backward = dst.astype(np.int64) * n + src
    return np.isin(backward, forward) & (src != dst)


def reciprocal_core_edges(graph: Graph, min_core: int = 4) -> np.ndarray:
    """A boolean mask over ``graph.indices``: mutual edges whose two ends share a dense mutual core.

    Parameters
    ----------
    graph : Graph
        A directed graph (a follow graph, typically).
    min_core : int
        Both ends of a mutual pair must have at least this core number in the graph of mutual
        pairs; 4 flags groups of five or more accounts that all follow each other.

    Examples
    --------
    >>> import itertools
    >>> ring = [(a, b) for a, b in itertools.permutations("abcde", 2)]
    >>> g = build_graph([a for a, _ in ring] + ["x"], [b for _, b in ring] + ["a"])
    >>> int(reciprocal_core_edges(g).sum()), g.n_edges
    (20, 21)
    """
    if not graph.directed:
        raise GrapevineError("reciprocal edges need a directed graph")
    if min_core < 1:
        raise GrapevineError(f"min_core must be at least 1, not {min_core}")
    mutual = reciprocal_edges(graph)
    if not mutual.any():
        return mutual
    src, dst, _ = graph.edges()
    once = mutual & (src < dst)
    pairs = build_graph(
        src[once], dst[once], directed=False, labels=pd.RangeIndex(graph.n_nodes), duplicates="first"
    )
    cores = core_number(pairs)
    return mutual & (cores[src] >= min_core) & (cores[dst] >= min_core)


def union_graph(
    graphs: list[Graph],
    factors: list[float] | None = None,
    kind: str = "interaction",
    extra_labels: pd.Index | None = None,
) -> Graph:
    """One weighted graph holding the edges of several, over the union of their labels.

    Each graph's edge weights (1 when unweighted) are multiplied by its factor; edges between the
    same pair are summed. ``extra_labels`` adds nodes without edges (they count in PageRank's n).
    """
    factors = factors or [1.0] * len(graphs)
    if len(factors) != len(graphs):
        raise GrapevineError(f"{len(factors)} factors for {len(graphs)} graphs")
    labels = extra_labels if extra_labels is not None else None
    for g in graphs:
        labels = g.labels if labels is None else labels.append(g.labels)
    if labels is None:
        raise GrapevineError("union_graph needs at least one graph or extra labels")
    labels = labels.unique()
    srcs, dsts, weights = [], [], []
    for g, factor in zip(graphs, factors, strict=True):
        src, dst, w = g.edges()
        codes = labels.get_indexer(g.labels)
        srcs.append(codes[src])
        dsts.append(codes[dst])
        weights.append(factor * (np.ones(src.size) if w is None else w))
    return build_graph(
        np.concatenate(srcs) if srcs else np.zeros(0, np.int64),
        np.concatenate(dsts) if dsts else np.zeros(0, np.int64),
        np.concatenate(weights) if weights else np.zeros(0),
        labels=labels,
        kind=kind,
        duplicates="sum",
    )
