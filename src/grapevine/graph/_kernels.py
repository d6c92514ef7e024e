"""numba kernels over CSR arrays: the loops that numpy cannot express without per-edge temporaries.

Every kernel takes plain arrays (``indptr`` int64, ``indices`` int32, optional float64
weights) and is compiled once and cached on disk (``cache=True``), so only the first run after
an install pays the compile time. Threaded kernels split work over nodes with ``prange``; each
output element is written by one thread, so results do not depend on the thread count except
for the order of floating-point sums in the reductions.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

Array = np.ndarray

__all__ = [
    "THREADED_FROM_EDGES",
    "coo_to_csr",
    "core_numbers",
    "dense_codes",
    "pagerank_serial",
    "pagerank_threaded",
    "spmv_pull_serial",
    "spmv_pull_threaded",
    "transpose",
]

#: Graphs with at least this many edges use the threaded kernels.
THREADED_FROM_EDGES = 500_000


@njit(cache=True, nogil=True)
def dense_codes(src: Array, dst: Array, low: int, span: int) -> tuple[Array, Array, Array]:
    """Codes 0..n-1 for integer ids in ``[low, low + span)``, in ascending id order.

    Returns ``(src_codes, dst_codes, present_ids)``. A presence array replaces a sort: O(m + span).
    """
    present = np.zeros(span, np.bool_)
    for i in range(src.size):
        present[src[i] - low] = True
    for i in range(dst.size):
        present[dst[i] - low] = True
    if low == 0 and present.all():  # already 0..n-1 with no gaps: the ids are the codes
        return src.astype(np.int32), dst.astype(np.int32), np.arange(span, dtype=np.int64)
    code = np.empty(span, np.int32)
    count = 0
    for i in range(span):
        if present[i]:
            code[i] = count
            count += 1
    ids = np.empty(count, np.int64)
    for i in range(span):
        if present[i]:
            ids[code[i]] = i + low
    src_codes = np.empty(src.size, np.int32)
    for i in range(src.size):
        src_codes[i] = code[src[i] - low]
    dst_codes = np.empty(dst.size, np.int32)
    for i in range(dst.size):
        dst_codes[i] = code[dst[i] - low]
    return src_codes, dst_codes, ids


@njit(cache=True, nogil=True)
def coo_to_csr(n: int, rows: Array, cols: Array) -> tuple[Array, Array, Array]:
    """Counting sort of edges by row: ``(indptr, indices, order)``, stable within a row.

    ``order[k]`` is the input position of the k-th CSR entry, to permute weights with.
    """
    indptr = np.zeros(n + 1, np.int64)
    for i in range(rows.size):
        indptr[rows[i] + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    fill = indptr[:-1].copy()
    indices = np.empty(rows.size, np.int32)
    order = np.empty(rows.size, np.int64)
    for i in range(rows.size):
        r = rows[i]
        k = fill[r]
        indices[k] = cols[i]
        order[k] = i
        fill[r] = k + 1
    return indptr, indices, order


@njit(cache=True, nogil=True)
def transpose(indptr: Array, indices: Array) -> tuple[Array, Array, Array]:
    """The transposed CSR: ``(t_indptr, t_indices, edge_ids)``; ``edge_ids`` index the input's entries."""
    n = indptr.size - 1
    t_indptr = np.zeros(n + 1, np.int64)
    for k in range(indices.size):
        t_indptr[indices[k] + 1] += 1
    for i in range(n):
        t_indptr[i + 1] += t_indptr[i]
    fill = t_indptr[:-1].copy()
    t_indices = np.empty(indices.size, np.int32)
    edge_ids = np.empty(indices.size, np.int64)
    for u in range(n):
        for k in range(indptr[u], indptr[u + 1]):
            v = indices[k]
            j = fill[v]
            t_indices[j] = u
            edge_ids[j] = k
            fill[v] = j + 1
    return t_indptr, t_indices, edge_ids


@njit(cache=True, inline="always")
def _row_total(indptr: Array, indices: Array, weights: Array, x: Array, v: int) -> float:
    """Sum of ``w[k] * x[indices[k]]`` over row v; ``weights`` of size 0 means all ones."""
    total = 0.0
    if weights.size > 0:
        for k in range(indptr[v], indptr[v + 1]):
            total += weights[k] * x[indices[k]]
    else:
        for k in range(indptr[v], indptr[v + 1]):
            total += x[indices[k]]
    return total


# Each kernel comes twice, threaded and not: waking threads costs microseconds per loop (far
# more on a busy machine), which small graphs do not repay. The loop bodies are shared.


@njit(cache=True, parallel=True)
def spmv_pull_threaded(indptr: Array, indices: Array, weights: Array, x: Array, out: Array) -> None:
    """``out[v] = sum(w[k] * x[indices[k]])`` over row v, rows split over threads."""
    for v in prange(indptr.size - 1):
        out[v] = _row_total(indptr, indices, weights, x, v)


@njit(cache=True)
def spmv_pull_serial(indptr: Array, indices: Array, weights: Array, x: Array, out: Array) -> None:
    """``out[v] = sum(w[k] * x[indices[k]])`` over row v."""
    for v in range(indptr.size - 1):
        out[v] = _row_total(indptr, indices, weights, x, v)


@njit(cache=True, inline="always")
def _pagerank_value(
    in_indptr: Array,
    in_indices: Array,
    in_weights: Array,
    scaled: Array,
    teleport: Array,
    dangling: Array,
    dangling_mass: float,
    alpha: float,
    v: int,
) -> float:
    total = _row_total(in_indptr, in_indices, in_weights, scaled, v)
    return alpha * (total + dangling_mass * dangling[v]) + (1.0 - alpha) * teleport[v]


@njit(cache=True, parallel=True)
def pagerank_threaded(
    in_indptr: Array,
    in_indices: Array,
    in_weights: Array,
    inv_out: Array,
    x: Array,
    teleport: Array,
    dangling: Array,
    alpha: float,
    tol: float,
    max_iter: int,
) -> tuple[Array, int]:
    """:func:`pagerank_serial` with the nodes of each sweep split over threads."""
    n = in_indptr.size - 1
    scaled = np.empty(n)
    new = np.empty(n)
    for iteration in range(max_iter):
        dangling_mass = 0.0
        for i in prange(n):
            if inv_out[i] == 0.0:
                dangling_mass += x[i]
            scaled[i] = x[i] * inv_out[i]
        err = 0.0
        for v in prange(n):
            value = _pagerank_value(
                in_indptr, in_indices, in_weights, scaled, teleport, dangling, dangling_mass, alpha, v
            )
            err += abs(value - x[v])
            new[v] = value
        x, new = new, x
        if err < n * tol:
            return x, iteration + 1
    return x, -1


@njit(cache=True)
def pagerank_serial(
    in_indptr: Array,
    in_indices: Array,
    in_weights: Array,
    inv_out: Array,
    x: Array,
    teleport: Array,
    dangling: Array,
    alpha: float,
    tol: float,
    max_iter: int,
) -> tuple[Array, int]:
    """Power iteration of PageRank on the in-edge CSR, the same update and stop rule as networkx.

    ``x <- alpha * (x @ P + sum(x[dangling nodes]) * dangling) + (1 - alpha) * teleport``, where
    P is the row-normalised adjacency (``inv_out`` = 1 / out-weight, 0 for dangling nodes), until
    the L1 change is below ``n * tol``. Returns ``(x, iterations)``; iterations is -1 when
    ``max_iter`` passed without converging.
    """
    n = in_indptr.size - 1
    scaled = np.empty(n)
    new = np.empty(n)
    for iteration in range(max_iter):
        dangling_mass = 0.0
        for i in range(n):
            if inv_out[i] == 0.0:
                dangling_mass += x[i]
            scaled[i] = x[i] * inv_out[i]
        err = 0.0
        for v in range(n):
            value = _pagerank_value(
                in_indptr, in_indices, in_weights, scaled, teleport, dangling, dangling_mass, alpha, v
            )
            err += abs(value - x[v])
            new[v] = value
        x, new = new, x
        if err < n * tol:
            return x, iteration + 1
    return x, -1


@njit(cache=True, nogil=True)
def core_numbers(n: int, out_indptr: Array, out_indices: Array, in_indptr: Array, in_indices: Array) -> Array:
    """Batagelj-Zaversnik O(m) k-core decomposition; neighbours are out- plus in-edges.

    Pass an in-CSR with ``in_indptr`` all zeros to use the out-edges alone (undirected graphs
    store each edge both ways). Self-loops are ignored; parallel edges count once each.
    """
    degree = np.zeros(n, np.int64)
    for v in range(n):
        d = 0
        for k in range(out_indptr[v], out_indptr[v + 1]):
            if out_indices[k] != v:
                d += 1
        for k in range(in_indptr[v], in_indptr[v + 1]):
            if in_indices[k] != v:
                d += 1
        degree[v] = d
    max_degree = 0
    for v in range(n):
        max_degree = max(max_degree, degree[v])
    bin_start = np.zeros(max_degree + 2, np.int64)
    for v in range(n):
        bin_start[degree[v] + 1] += 1
    for d in range(max_degree + 1):
        bin_start[d + 1] += bin_start[d]
    fill = bin_start.copy()
    position = np.empty(n, np.int64)
    order = np.empty(n, np.int64)
    for v in range(n):
        p = fill[degree[v]]
        position[v] = p
        order[p] = v
        fill[degree[v]] = p + 1
    for i in range(n):
        v = order[i]
        for side in range(2):
            ptr = out_indptr if side == 0 else in_indptr
            idx = out_indices if side == 0 else in_indices
            for k in range(ptr[v], ptr[v + 1]):
                u = idx[k]
                if u == v or degree[u] <= degree[v]:
                    continue
                du = degree[u]
                pu = position[u]
                pw = bin_start[du]
                w = order[pw]
                if u != w:
                    position[u] = pw
                    order[pu] = w
                    position[w] = pu
                    order[pw] = u
                bin_start[du] += 1
                degree[u] = du - 1
    return degree
