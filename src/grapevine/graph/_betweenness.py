"""Betweenness centrality by Brandes' algorithm, exact or from ``k`` sampled sources.

Shortest paths count hops (edge weights are interaction counts, not distances); parallel edges
are one hop each and add paths, as in a multigraph. Sources are split over threads, each
accumulating into its own row, so the result does not depend on the thread count.
Scaling follows ``networkx.betweenness_centrality`` (3.5 and later) exactly, sampled or not; see
:func:`_rescale`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from grapevine.errors import GrapevineError
from grapevine.graph._graph import Graph

__all__ = ["betweenness"]

Array = Any


def betweenness(
    graph: Graph,
    k: int | None = None,
    normalized: bool = True,
    seed: int | None = None,
    sources: Any = None,
) -> np.ndarray:
    """Betweenness of every node: the share of shortest paths between other nodes through it.

    Parameters
    ----------
    k : int, optional
        Use ``k`` source nodes drawn uniformly without replacement (an unbiased estimate,
        scaled by ``n / k``); all nodes when None (exact, O(n m)).
    normalized : bool
        Divide by the number of ordered pairs of other nodes, as networkx does.
    seed : int, optional
        Seed for drawing the sources.
    sources : sequence of labels, optional
        These source nodes instead of a random draw (scaled like a draw of their number).

    Examples
    --------
    >>> from grapevine.graph import build_graph
    >>> path = build_graph([0, 1], [1, 2])
    >>> betweenness(path).tolist()
    [0.0, 0.5, 0.0]
    """
    n = graph.n_nodes
    if n == 0:
        return np.zeros(0)
    if sources is not None:
        chosen = graph.index_of(sources)
    elif k is None or k >= n:
        chosen = np.arange(n)
    else:
        if k < 1:
            raise GrapevineError(f"k must be at least 1, not {k}")
        chosen = np.random.default_rng(seed).choice(n, size=k, replace=False)
    chosen = np.unique(np.asarray(chosen, dtype=np.int64))
    chunks = max(1, min(64, chosen.size // 8))
    scores = _brandes(graph.indptr, graph.indices, chosen, chunks).sum(axis=0)
    return _rescale(scores, chosen, normalized, graph.directed)


def _rescale(scores: np.ndarray, sources: np.ndarray, normalized: bool, directed: bool) -> np.ndarray:
    """networkx's rescaling (endpoints excluded), applied to sums over ordered (s, t) pairs.

    With every node a source: divide by the ``(n - 1)(n - 2)`` ordered pairs of other nodes
    (normalised), or by 2 on an undirected graph (not normalised). With ``k`` sampled sources
    the sums are scaled up to all sources; a sampled node cannot lie inside paths from itself, so
    it is scaled as one of ``k - 1`` sources.
    """
    n = scores.size
    pairs_from = n - 1  # N in networkx: the possible targets t != s
    if pairs_from < 2:
        return scores
    correction = 1.0 if directed else 2.0
    k = sources.size
    if k == n:
        scale = 1.0 / (n - 1) / (n - 2) if normalized else 1.0 / correction
        return scores * scale
    if normalized:
        source_scale = 1.0 / ((k - 1) * (n - 2)) if k > 1 else np.nan
        other_scale = 1.0 / (k * (n - 2))
    else:
        source_scale = pairs_from / ((k - 1) * correction) if k > 1 else np.nan
        other_scale = pairs_from / (k * correction)
    per_node = np.full(n, other_scale)
    per_node[sources] = source_scale
    return scores * per_node


@njit(cache=True, parallel=True)
def _brandes(indptr: Array, indices: Array, sources: Array, chunks: int) -> Array:
    """Dependency sums from each source, one row per chunk of sources."""
    n = indptr.size - 1
    out = np.zeros((chunks, n))
    per = (sources.size + chunks - 1) // chunks
    for c in prange(chunks):
        sigma = np.zeros(n)
        dist = np.full(n, -1, np.int64)
        delta = np.zeros(n)
        order = np.empty(n, np.int64)
        row = out[c]
        for j in range(c * per, min((c + 1) * per, sources.size)):
            s = sources[j]
            # breadth-first search counting shortest paths; ``order`` is the visit order
            sigma[s] = 1.0
            dist[s] = 0
            head, tail = 0, 1
            order[0] = s
            while head < tail:
                v = order[head]
                head += 1
                for e in range(indptr[v], indptr[v + 1]):
                    w = indices[e]
                    if dist[w] < 0:
                        dist[w] = dist[v] + 1
                        order[tail] = w
                        tail += 1
                    if dist[w] == dist[v] + 1:
                        sigma[w] += sigma[v]
            # accumulate dependencies in reverse BFS order: a predecessor v of w lies one hop closer
            for i in range(tail - 1, -1, -1):
                w = order[i]
                for e in range(indptr[w], indptr[w + 1]):
                    x = indices[e]
                    if dist[x] == dist[w] + 1:
                        delta[w] += sigma[w] / sigma[x] * (1.0 + delta[x])
                if w != s:
                    row[w] += delta[w]
            for i in range(tail):
                w = order[i]
                sigma[w] = 0.0
                dist[w] = -1
                delta[w] = 0.0
    return out
