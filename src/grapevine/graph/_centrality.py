"""Centrality on CSR graphs: degrees, PageRank, HITS and k-core numbers.

Each function takes a :class:`~grapevine.graph.Graph` first and returns a float or int array
aligned with ``graph.labels`` (``graph.series(values)`` labels it). PageRank follows
networkx's definition and stop rule exactly (see :func:`pagerank`), so the same graph gives the
same scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from grapevine.errors import GrapevineError
from grapevine.graph import _kernels
from grapevine.graph._graph import Graph

__all__ = [
    "ConvergenceError",
    "core_number",
    "degree",
    "hits",
    "in_degree",
    "out_degree",
    "pagerank",
]


class ConvergenceError(GrapevineError):
    """A power iteration did not reach its tolerance within ``max_iter`` iterations."""


def out_degree(graph: Graph, weight: bool = False) -> np.ndarray:
    """Edges leaving each node (their total weight with ``weight=True``); parallel edges count."""
    if weight and graph.weights is not None:
        src = np.repeat(np.arange(graph.n_nodes), np.diff(graph.indptr))
        return np.bincount(src, weights=graph.weights, minlength=graph.n_nodes)
    return np.diff(graph.indptr)


def in_degree(graph: Graph, weight: bool = False) -> np.ndarray:
    """Edges arriving at each node (their total weight with ``weight=True``)."""
    weights = graph.weights if weight else None
    counts = np.bincount(graph.indices, weights=weights, minlength=graph.n_nodes)
    return counts if weights is not None else counts.astype(np.int64)


def degree(graph: Graph, weight: bool = False) -> np.ndarray:
    """In- plus out-degree for a directed graph; the neighbour count for an undirected one.

    An undirected graph stores a self-loop once, so it adds 1 here (networkx counts 2).
    """
    if not graph.directed:
        return out_degree(graph, weight)
    return out_degree(graph, weight) + in_degree(graph, weight)


def pagerank(
    graph: Graph,
    damping: float = 0.85,
    tol: float = 1e-10,
    max_iter: int = 1000,
    personalization: Mapping[Any, float] | np.ndarray | None = None,
    weight: bool = True,
    nstart: Mapping[Any, float] | np.ndarray | None = None,
    dangling: Mapping[Any, float] | np.ndarray | None = None,
) -> np.ndarray:
    """PageRank of every node, as ``networkx.pagerank`` computes it.

    The same power iteration and stop rule as networkx (L1 change below ``n * tol``): the
    row-normalised adjacency (parallel edges summed, as for a MultiDiGraph), dangling nodes
    (no out-weight) spreading their score by ``dangling`` (default: the personalization,
    uniform when none), and teleport by ``personalization``. On a graph whose parallel edges
    are merged (``build_graph(duplicates="last")``, or none to begin with) the scores equal
    networkx's on the DiGraph of the same edges.

    Parameters
    ----------
    damping : float
        The probability of following an edge (networkx's ``alpha``).
    tol, max_iter : float, int
        Stop once the L1 change is below ``n * tol``; :class:`ConvergenceError` after
        ``max_iter`` iterations. The default ``tol`` is stricter than networkx's 1e-6.
    personalization, nstart, dangling : mapping or array, optional
        Per-node weights (by label, or an array aligned with the codes), normalised to sum 1;
        nodes left out weigh 0.
    weight : bool
        Use the edge weights when the graph has them; False counts every edge as 1.

    Returns
    -------
    numpy.ndarray
        Scores aligned with ``graph.labels``, summing to 1.

    Examples
    --------
    >>> from grapevine.graph import build_graph
    >>> g = build_graph(["a", "b", "c"], ["b", "c", "a"])
    >>> pagerank(g).round(4).tolist()
    [0.3333, 0.3333, 0.3333]
    """
    n = graph.n_nodes
    if n == 0:
        return np.zeros(0)
    if not 0 <= damping <= 1:
        raise GrapevineError(f"damping must be in [0, 1], not {damping}")
    in_indptr, in_indices, edge_ids = graph.in_csr()
    weighted = weight and graph.weights is not None
    if weighted:
        assert graph.weights is not None
        in_weights = graph.weights[edge_ids]
        out_weight = out_degree(graph, weight=True).astype(np.float64)
    else:
        in_weights = np.zeros(0)
        out_weight = np.diff(graph.indptr).astype(np.float64)
    inv_out = np.zeros(n)
    np.divide(1.0, out_weight, out=inv_out, where=out_weight != 0)
    teleport = _node_vector(graph, personalization, "personalization")
    dangling_weights = teleport if dangling is None else _node_vector(graph, dangling, "dangling")
    x = _node_vector(graph, nstart, "nstart")
    power = _kernels.pagerank_threaded if _threaded(graph) else _kernels.pagerank_serial
    scores, iterations = power(
        in_indptr, in_indices, in_weights, inv_out, x, teleport, dangling_weights, damping, tol, max_iter
    )
    if iterations < 0:
        raise ConvergenceError(f"PageRank did not converge to tol={tol} in {max_iter} iterations")
    return np.asarray(scores)


def hits(
    graph: Graph, max_iter: int = 1000, tol: float = 1e-10, weight: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Hub and authority scores ``(hubs, authorities)``, each summing to 1 (as networkx.hits).

    Authorities are the principal eigenvector of ``A^T A`` (``A`` the adjacency, parallel
    edges summed), found by power iteration from a uniform start until the L1 change of the
    normalised vector is below ``tol``; hubs are ``A @ authorities``, normalised. When the top
    eigenvalue is shared (say, two identical components) the answer is one of many, as with
    networkx's SVD.
    """
    n = graph.n_nodes
    if n == 0:
        return np.zeros(0), np.zeros(0)
    in_indptr, in_indices, edge_ids = graph.in_csr()
    use_weights = weight and graph.weights is not None
    out_weights = graph.weights if use_weights and graph.weights is not None else np.zeros(0)
    in_weights = out_weights[edge_ids] if use_weights else np.zeros(0)
    spmv = _kernels.spmv_pull_threaded if _threaded(graph) else _kernels.spmv_pull_serial
    authorities = np.full(n, 1.0 / n)
    hubs = np.empty(n)
    new = np.empty(n)
    for _ in range(max_iter):
        spmv(graph.indptr, graph.indices, out_weights, authorities, hubs)
        spmv(in_indptr, in_indices, in_weights, hubs, new)
        total = new.sum()
        if total == 0:  # no edges: every score is 0 in networkx too, up to normalisation
            return np.full(n, 1.0 / n), np.full(n, 1.0 / n)
        new /= total
        err = np.abs(new - authorities).sum()
        authorities, new = new, authorities
        if err < tol:
            break
    else:
        raise ConvergenceError(f"HITS did not converge to tol={tol} in {max_iter} iterations")
    spmv(graph.indptr, graph.indices, out_weights, authorities, hubs)
    return hubs / hubs.sum(), authorities.copy()


def core_number(graph: Graph) -> np.ndarray:
    """The k-core number of every node (the largest k of a k-core holding it).

    A node's degree counts its in- and out-edges on a directed graph (as networkx's
    ``core_number`` on a DiGraph) and its neighbours on an undirected one; self-loops are
    ignored and parallel edges count once each (networkx refuses both).
    """
    n = graph.n_nodes
    if graph.directed:
        in_indptr, in_indices, _ = graph.in_csr()
    else:
        in_indptr, in_indices = np.zeros(n + 1, np.int64), np.zeros(0, np.int32)
    return np.asarray(_kernels.core_numbers(n, graph.indptr, graph.indices, in_indptr, in_indices))


def _threaded(graph: Graph) -> bool:
    return graph.n_edges >= _kernels.THREADED_FROM_EDGES


def _node_vector(graph: Graph, values: Mapping[Any, float] | np.ndarray | None, what: str) -> np.ndarray:
    """A per-node vector summing to 1: uniform when ``values`` is None."""
    n = graph.n_nodes
    if values is None:
        return np.full(n, 1.0 / n)
    if isinstance(values, Mapping):
        vector = np.zeros(n)
        if values:
            codes = graph.index_of(list(values.keys()))
            np.add.at(vector, codes, np.fromiter(values.values(), dtype=np.float64, count=len(values)))
    else:
        vector = np.array(values, dtype=np.float64)
        if vector.shape != (n,):
            raise GrapevineError(f"{what} needs one value per node ({n}), got shape {vector.shape}")
    total = vector.sum()
    if not np.isfinite(total) or total <= 0 or (vector < 0).any():
        raise GrapevineError(f"{what} must be non-negative with a positive sum")
    return vector / total
