"""Communities by the Leiden algorithm (Traag, Waltman & van Eck 2019), maximising modularity.

Own implementation (numba) rather than ``leidenalg``, which is GPL-3 and could not be a
dependency of an Apache-2.0 package. Each level does what the paper describes:

1. *fast local moving*: nodes are visited from a queue and moved to the neighbouring community
   (or an empty one) with the largest modularity gain; the neighbours of a moved node that lie
   outside its new community are queued again;
2. *refinement*: inside each community, nodes start alone and are merged greedily (largest
   positive gain) into well-connected sub-communities, so every community stays connected;
3. *aggregation*: the refined sub-communities become the nodes of the next level, which starts
   from the communities of step 1.

Levels repeat until local moving leaves every node of the aggregate graph alone; the whole run
is repeated ``iterations`` times from its own result, as leidenalg does. Refinement merges
greedily rather than by the paper's randomised choice (theta -> 0), which keeps the guarantee
that communities are connected.

A directed graph is made undirected first: the weight between u and v is ``w(u, v) + w(v, u)``.
Modularity is networkx's, ``sum_c L_c / m - gamma * (d_c / 2m) ** 2``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from grapevine.errors import GrapevineError
from grapevine.graph._graph import Graph

__all__ = ["leiden", "modularity"]

Array = Any


def leiden(graph: Graph, resolution: float = 1.0, iterations: int = 2, seed: int | None = None) -> np.ndarray:
    """Community of every node (0 = the largest community), found by the Leiden algorithm.

    Parameters
    ----------
    resolution : float
        Modularity's gamma: above 1 gives smaller communities, below 1 larger ones.
    iterations : int
        Times the algorithm runs, each from the previous result (leidenalg's default is 2).
    seed : int, optional
        Seed for the node visiting orders; the same seed gives the same communities.

    Examples
    --------
    >>> from grapevine.graph import build_graph
    >>> two_triangles = build_graph([0, 1, 2, 3, 4, 5, 2], [1, 2, 0, 4, 5, 3, 3], directed=False)
    >>> leiden(two_triangles, seed=1).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    if resolution <= 0:
        raise GrapevineError(f"resolution must be positive, not {resolution}")
    if iterations < 1:
        raise GrapevineError(f"iterations must be at least 1, not {iterations}")
    n = graph.n_nodes
    if n == 0:
        return np.zeros(0, np.int64)
    indptr, indices, weights, degrees = _symmetric(graph)
    two_m = float(degrees.sum())
    if two_m == 0:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    membership = np.arange(n, dtype=np.int64)
    for _ in range(iterations):
        membership = _run(indptr, indices, weights, degrees, membership, two_m, resolution, rng)
    return _by_size(membership)


def modularity(graph: Graph, communities: np.ndarray, resolution: float = 1.0) -> float:
    """Modularity of a partition (one community id per node), as ``networkx.community.modularity``.

    A directed graph is read as undirected with ``w(u, v) + w(v, u)`` between u and v.
    """
    communities = np.asarray(communities)
    if communities.shape != (graph.n_nodes,):
        raise GrapevineError(f"need one community per node ({graph.n_nodes}), got shape {communities.shape}")
    indptr, indices, weights, degrees = _symmetric(graph)
    two_m = degrees.sum()
    if two_m == 0:
        return float("nan")
    src = np.repeat(np.arange(graph.n_nodes), np.diff(indptr))
    inside = communities[src] == communities[indices]
    _, codes = np.unique(communities, return_inverse=True)
    self_loops = degrees - np.bincount(src, weights=weights, minlength=graph.n_nodes)  # 2 w(v, v)
    internal = weights[inside].sum() + self_loops.sum()  # sum over c of 2 L_c
    totals = np.bincount(codes, weights=degrees)
    return float(internal / two_m - resolution * ((totals / two_m) ** 2).sum())


def _symmetric(graph: Graph) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Undirected CSR without self-loops (parallel edges summed) and each node's degree.

    A self-loop of weight w adds 2w to its node's degree, as networkx counts it.
    """
    n = graph.n_nodes
    src, dst, w = graph.edges()
    w = np.ones(src.size) if w is None else w
    if graph.directed:
        src, dst, w = np.concatenate([src, dst]), np.concatenate([dst, src]), np.concatenate([w, w])
    loops = src == dst
    loop_weight = np.bincount(src[loops], weights=w[loops], minlength=n)
    keep = ~loops
    key = src[keep].astype(np.int64) * n + dst[keep]
    unique, inverse = np.unique(key, return_inverse=True)
    summed = np.bincount(inverse, weights=w[keep], minlength=unique.size)
    rows = unique // n
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    indices = (unique % n).astype(np.int64)
    # each undirected self-loop is stored once (counts 2w); a directed one was doubled above
    degrees = np.bincount(rows, weights=summed, minlength=n) + (1.0 if graph.directed else 2.0) * loop_weight
    return indptr, indices, summed, degrees


def _run(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    degrees: np.ndarray,
    start: np.ndarray,
    two_m: float,
    gamma: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """One Leiden run from partition ``start``; returns the community of each original node."""
    node_of = np.arange(degrees.size, dtype=np.int64)  # original node -> aggregate node
    communities = _relabel(start)
    for _level in range(64):
        n = degrees.size
        communities = _relabel(
            _move_nodes(
                indptr, indices, weights, degrees, communities.copy(), two_m, gamma, rng.permutation(n)
            )
        )
        count = int(communities.max()) + 1
        if count == n:
            break
        refined = _relabel(
            _refine(indptr, indices, weights, degrees, communities, two_m, gamma, rng.permutation(n))
        )
        if int(refined.max()) + 1 == n:  # refinement merged nothing: aggregate by the communities
            refined = communities
        parent = np.zeros(int(refined.max()) + 1, np.int64)
        parent[refined] = communities
        indptr, indices, weights, degrees = _aggregate(indptr, indices, weights, degrees, refined)
        node_of = refined[node_of]
        communities = parent
    return communities[node_of]


def _relabel(labels: np.ndarray) -> np.ndarray:
    return np.unique(labels, return_inverse=True)[1].astype(np.int64)


def _by_size(membership: np.ndarray) -> np.ndarray:
    """Renumber communities by size, largest first (ties by smallest member)."""
    codes = _relabel(membership)
    sizes = np.bincount(codes)
    first = np.full(sizes.size, codes.size)
    np.minimum.at(first, codes, np.arange(codes.size))
    order = np.lexsort((first, -sizes))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[codes]


def _aggregate(
    indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray, degrees: np.ndarray, groups: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The graph whose nodes are ``groups``; edges inside a group vanish (kept in the degrees)."""
    count = int(groups.max()) + 1
    src = groups[np.repeat(np.arange(degrees.size), np.diff(indptr))]
    dst = groups[indices]
    keep = src != dst
    key = src[keep] * count + dst[keep]
    unique, inverse = np.unique(key, return_inverse=True)
    summed = np.bincount(inverse, weights=weights[keep], minlength=unique.size)
    new_indptr = np.zeros(count + 1, np.int64)
    np.cumsum(np.bincount(unique // count, minlength=count), out=new_indptr[1:])
    return (
        new_indptr,
        (unique % count).astype(np.int64),
        summed,
        np.bincount(groups, weights=degrees, minlength=count),
    )


@njit(cache=True)
def _move_nodes(
    indptr: Array,
    indices: Array,
    weights: Array,
    k: Array,
    comm: Array,
    two_m: float,
    gamma: float,
    order: Array,
) -> Array:
    """Fast local moving: a queue of nodes, each moved to its best community (or a new one)."""
    n = k.size
    total = np.zeros(n)
    size = np.zeros(n, np.int64)
    for v in range(n):
        total[comm[v]] += k[v]
        size[comm[v]] += 1
    empty = np.empty(n, np.int64)
    n_empty = 0
    for c in range(n):
        if size[c] == 0:
            empty[n_empty] = c
            n_empty += 1
    queue = order.copy()
    queued = np.ones(n, np.bool_)
    head, length = 0, n
    to_comm = np.zeros(n)
    touched = np.empty(n, np.int64)
    while length > 0:
        v = queue[head]
        head = (head + 1) % n
        length -= 1
        queued[v] = False
        old = comm[v]
        n_touched = 0
        for e in range(indptr[v], indptr[v + 1]):
            c = comm[indices[e]]
            if to_comm[c] == 0.0:
                touched[n_touched] = c
                n_touched += 1
            to_comm[c] += weights[e]
        total[old] -= k[v]
        size[old] -= 1
        scale = gamma * k[v] / two_m
        best = old
        best_gain = to_comm[old] - scale * total[old]
        for i in range(n_touched):
            c = touched[i]
            gain = to_comm[c] - scale * total[c]
            if gain > best_gain:
                best, best_gain = c, gain
        if best_gain < 0.0:  # alone is better than any neighbouring community
            if size[old] == 0:
                best = old
            else:
                n_empty -= 1
                best = empty[n_empty]
        for i in range(n_touched):
            to_comm[touched[i]] = 0.0
        total[best] += k[v]
        size[best] += 1
        if size[old] == 0 and best != old:
            empty[n_empty] = old
            n_empty += 1
        comm[v] = best
        if best != old:
            for e in range(indptr[v], indptr[v + 1]):
                u = indices[e]
                if not queued[u] and comm[u] != best:
                    queued[u] = True
                    queue[(head + length) % n] = u
                    length += 1
    return comm


@njit(cache=True)
def _refine(
    indptr: Array,
    indices: Array,
    weights: Array,
    k: Array,
    comm: Array,
    two_m: float,
    gamma: float,
    order: Array,
) -> Array:
    """Split each community into well-connected sub-communities by greedy merging from singletons."""
    n = k.size
    community_total = np.zeros(n)
    for v in range(n):
        community_total[comm[v]] += k[v]
    refined = np.arange(n)
    r_total = k.copy()
    r_size = np.ones(n, np.int64)
    external = np.zeros(n)  # for each sub-community: its edge weight to the rest of its community
    for v in range(n):
        for e in range(indptr[v], indptr[v + 1]):
            if comm[indices[e]] == comm[v]:
                external[v] += weights[e]
    to_sub = np.zeros(n)
    touched = np.empty(n, np.int64)
    for v in order:
        if r_size[refined[v]] != 1:
            continue
        whole = community_total[comm[v]]
        if external[v] < gamma * k[v] * (whole - k[v]) / two_m:
            continue  # v is not well connected to its community: it stays alone
        n_touched = 0
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            if comm[u] != comm[v]:
                continue
            t = refined[u]
            if to_sub[t] == 0.0:
                touched[n_touched] = t
                n_touched += 1
            to_sub[t] += weights[e]
        best, best_gain = -1, 0.0
        scale = gamma * k[v] / two_m
        for i in range(n_touched):
            t = touched[i]
            if t == refined[v]:
                continue
            if external[t] < gamma * r_total[t] * (whole - r_total[t]) / two_m:
                continue  # merge only into sub-communities well connected to the rest
            gain = to_sub[t] - scale * r_total[t]
            if gain > best_gain:
                best, best_gain = t, gain
        if best >= 0:
            mine = refined[v]
            external[best] = external[best] + external[mine] - 2.0 * to_sub[best]
            r_total[best] += k[v]
            r_size[best] += 1
            r_size[mine] = 0
            refined[v] = best
        for i in range(n_touched):
            to_sub[touched[i]] = 0.0
    return refined
