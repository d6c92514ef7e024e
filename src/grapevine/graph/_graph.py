"""The graph container: compressed sparse rows over integer node codes, plus the labels they stand for.

Nodes are coded 0..n-1; ``graph.labels[code]`` is the id a code stands for (a pandas Index, a
MultiIndex ``(platform, id)`` for graphs read from the store). Edges are kept as the out-edge
CSR (``indptr``, ``indices``, optional ``weights``); the in-edge CSR is built on first use and
cached. Parallel edges are kept as separate entries unless ``build_graph(duplicates=...)`` says
otherwise, so an edge list with repeated lines is a multigraph, as networkx's MultiDiGraph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from grapevine.errors import GrapevineError
from grapevine.graph import _kernels

__all__ = ["Graph", "build_graph"]

Duplicates = Literal["keep", "sum", "first", "last"]
_MAX_NODES = 2**31 - 1
#: Integer ids are coded through a presence array when their range is at most this many times
#: the number of edge endpoints (plus slack for tiny graphs); sparser ids are hashed instead.
_DENSE_RANGE_FACTOR = 4


class Graph:
    """A directed graph as CSR arrays over node codes 0..n-1, with the labels the codes stand for.

    Build one with :func:`build_graph` or :func:`grapevine.graph.graph_from_store`.

    Attributes
    ----------
    indptr, indices : numpy.ndarray
        Out-edge CSR: the targets of node ``u`` are ``indices[indptr[u]:indptr[u + 1]]``.
    weights : numpy.ndarray or None
        Edge weights aligned with ``indices``; None when every edge weighs 1.
    labels : pandas.Index
        ``labels[code]`` is the node id a code stands for.
    directed : bool
        False when each undirected edge is stored both ways.
    kind : str
        What an edge ``u -> v`` means: ``"influence"`` (u influences v), or a relation such as
        ``"follow"``, ``"reply"``, ``"mention"``, ``"repost"``, ``"quote"``, ``"interaction"``
        (u pays attention to v, so influence flows v -> u). Reach reads it to pick a direction.
    """

    __slots__ = ("_in", "directed", "indices", "indptr", "kind", "labels", "weights")

    def __init__(
        self,
        indptr: np.ndarray,
        indices: np.ndarray,
        weights: np.ndarray | None,
        labels: pd.Index,
        directed: bool = True,
        kind: str = "influence",
    ) -> None:
        if len(labels) != indptr.size - 1:
            raise ValueError(f"{len(labels)} labels for {indptr.size - 1} nodes")
        self.indptr = indptr
        self.indices = indices
        self.weights = weights
        self.labels = labels
        self.directed = directed
        self.kind = kind
        self._in: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def n_nodes(self) -> int:
        return int(self.indptr.size - 1)

    @property
    def n_edges(self) -> int:
        """Stored edges (an undirected edge counts twice, a self-loop once)."""
        return int(self.indices.size)

    def __len__(self) -> int:
        return self.n_nodes

    def __repr__(self) -> str:
        shape = "directed" if self.directed else "undirected"
        weighted = "weighted" if self.weights is not None else "unweighted"
        return f"<Graph {self.kind} {shape} {weighted}: {self.n_nodes:,} nodes, {self.n_edges:,} edges>"

    def in_csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """In-edge CSR ``(indptr, sources, edge_ids)``; ``edge_ids`` index the out-CSR entries."""
        if self._in is None:
            self._in = _kernels.transpose(self.indptr, self.indices)
        return self._in

    def in_weights(self) -> np.ndarray | None:
        """Edge weights in in-CSR order (None when unweighted)."""
        if self.weights is None:
            return None
        return self.weights[self.in_csr()[2]]

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``(src, dst, weights)`` code arrays in CSR order."""
        src = np.repeat(np.arange(self.n_nodes, dtype=np.int32), np.diff(self.indptr))
        return src, self.indices, self.weights

    def reverse(self, kind: str | None = None) -> Graph:
        """The graph with every edge turned around (``kind`` defaults to this graph's)."""
        indptr, indices, edge_ids = self.in_csr()
        weights = None if self.weights is None else self.weights[edge_ids]
        reversed_graph = Graph(indptr, indices, weights, self.labels, self.directed, kind or self.kind)
        order = np.empty_like(edge_ids)
        order[edge_ids] = np.arange(edge_ids.size)
        reversed_graph._in = (self.indptr, self.indices, order)
        return reversed_graph

    def index_of(self, labels: Any) -> np.ndarray:
        """Node codes of ``labels`` (an id, or a sequence of ids); KeyError names any unknown one."""
        many = isinstance(labels, list | tuple | np.ndarray | pd.Index | pd.Series | pa.Array)
        if isinstance(labels, tuple) and isinstance(self.labels, pd.MultiIndex):
            many = bool(labels) and isinstance(labels[0], tuple)
        if isinstance(labels, pa.Array):
            labels = labels.to_pylist()
        wanted = list(labels) if many else [labels]
        codes = self.labels.get_indexer(pd.Index(wanted))
        if (codes < 0).any():
            missing = [w for w, c in zip(wanted, codes, strict=True) if c < 0]
            raise KeyError(f"not a node of this graph: {missing[:5]!r}")
        return codes.astype(np.int64)

    def series(self, values: np.ndarray, name: str | None = None) -> pd.Series:
        """Per-node ``values`` as a pandas Series indexed by the node labels."""
        return pd.Series(values, index=self.labels, name=name)

    def to_scipy(self) -> Any:
        """The adjacency as a ``scipy.sparse.csr_array`` (parallel edges summed)."""
        from scipy import sparse

        data = np.ones(self.n_edges) if self.weights is None else self.weights
        matrix = sparse.csr_array((data, self.indices, self.indptr), shape=(self.n_nodes, self.n_nodes))
        matrix.sum_duplicates()
        return matrix


def build_graph(
    src_ids: Any,
    dst_ids: Any,
    weights: Any = None,
    directed: bool = True,
    *,
    labels: Sequence[Any] | pd.Index | None = None,
    kind: str = "influence",
    duplicates: Duplicates = "keep",
    self_loops: bool = True,
    default_weight: float = 1.0,
) -> Graph:
    """Build a :class:`Graph` from edge arrays ``src_ids[i] -> dst_ids[i]``.

    Parameters
    ----------
    src_ids, dst_ids : array-like
        numpy arrays, pyarrow arrays, pandas Series or lists of node ids (ints or strings).
        They are coded without a Python loop per edge: integer ids through a presence array
        (labels ascending) or a hash (when the ids are sparse), strings through a dictionary
        encoding (labels in order of first appearance).
    weights : array-like, optional
        One float per edge; a missing value (NaN, null) becomes ``default_weight``, as a missing
        ``weight`` attribute counts 1 in networkx. Weights must not be negative.
    directed : bool
        False stores each edge both ways (a self-loop once).
    labels : sequence, optional
        When given, ``src_ids``/``dst_ids`` already are codes ``0..len(labels)-1`` into it, and
        nodes without edges are kept (they count in PageRank's n, as nodes added to a networkx
        graph without edges do).
    kind : str
        What an edge means; see :class:`Graph`. ``"influence"`` unless said otherwise.
    duplicates : {"keep", "sum", "first", "last"}
        Parallel edges (same source and target): ``keep`` them as separate entries (a
        multigraph: PageRank sums them, as networkx does for a MultiDiGraph, and each is its
        own trial in a cascade), ``sum`` them into one edge weighing their total (the count
        when unweighted), or keep only the ``first``/``last`` one's weight. networkx's DiGraph
        keeps one edge per pair with the last weight given, so ``duplicates="last"`` builds
        the same graph as ``nx.DiGraph(edges)`` (and, undirected, where ``u v`` and ``v u``
        are one edge, as ``nx.Graph(edges)``).
    self_loops : bool
        False drops edges ``u -> u`` (their nodes stay).

    Examples
    --------
    >>> g = build_graph(["a", "b", "b"], ["b", "c", "a"])
    >>> g.n_nodes, g.n_edges, list(g.labels)
    (3, 3, ['a', 'b', 'c'])
    """
    if duplicates not in ("keep", "sum", "first", "last"):
        raise GrapevineError(f"duplicates must be keep, sum, first or last, not {duplicates!r}")
    if labels is not None:
        node_labels = labels if isinstance(labels, pd.Index) else pd.Index(labels)
        if not node_labels.is_unique:
            raise GrapevineError("labels must be unique: one per node")
        src = _as_codes(src_ids, len(node_labels))
        dst = _as_codes(dst_ids, len(node_labels))
    else:
        src, dst, node_labels = _factorize(_as_numpy(src_ids), _as_numpy(dst_ids))
    if src.size != dst.size:
        raise GrapevineError(f"{src.size} sources but {dst.size} targets")
    n = len(node_labels)
    if n > _MAX_NODES:
        raise GrapevineError(f"{n:,} nodes is more than the {_MAX_NODES:,} a graph can hold")
    w = _weights(weights, src.size, default_weight)
    if not self_loops:
        keep = src != dst
        src, dst = src[keep], dst[keep]
        w = None if w is None else w[keep]
    if duplicates != "keep":
        if not directed:  # u-v and v-u are the same edge: merge them before storing both ways
            src, dst = np.minimum(src, dst), np.maximum(src, dst)
        src, dst, w = _merge_parallel(src, dst, w, n, duplicates)
    if not directed:
        back = src != dst  # a self-loop is stored once
        src, dst = np.concatenate([src, dst[back]]), np.concatenate([dst, src[back]])
        w = None if w is None else np.concatenate([w, w[back]])
    indptr, indices, order = _kernels.coo_to_csr(n, src, dst)
    csr_weights = None if w is None else w[order]
    return Graph(indptr, indices, csr_weights, node_labels, directed, kind)


def _as_numpy(values: Any) -> np.ndarray:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        if values.null_count:
            raise GrapevineError("node ids must not be null")
        if pa.types.is_dictionary(values.type):
            values = values.dictionary_decode()
        return values.to_numpy(zero_copy_only=False)
    if isinstance(values, pd.Series | pd.Index):
        if values.isna().any():
            raise GrapevineError("node ids must not be null")
        return values.to_numpy()
    return np.asarray(values)


def _as_codes(values: Any, n: int) -> np.ndarray:
    codes = _as_numpy(values)
    if codes.size and (codes.dtype.kind not in "iu" or codes.min() < 0 or codes.max() >= n):
        raise GrapevineError(f"with labels given, edges must be integer codes in 0..{n - 1}")
    return codes.astype(np.int32, copy=False)


def _factorize(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Integer codes for both endpoint arrays over one shared node list."""
    if src.dtype.kind in "iu" and dst.dtype.kind in "iu":
        if src.size == 0:
            return src.astype(np.int32), dst.astype(np.int32), pd.Index([], dtype=np.int64)
        low = int(min(src.min(), dst.min()))
        span = int(max(src.max(), dst.max())) - low + 1
        if span <= _DENSE_RANGE_FACTOR * (src.size + dst.size) + 1024 and low + span <= 2**63:
            src_codes, dst_codes, ids = _kernels.dense_codes(_int32_or_64(src), _int32_or_64(dst), low, span)
            return src_codes, dst_codes, pd.Index(ids)
        codes, uniques = pd.factorize(np.concatenate([src, dst]), sort=True)
    else:
        both = np.concatenate([src.astype(object, copy=False), dst.astype(object, copy=False)])
        if pd.isna(both).any():
            raise GrapevineError("node ids must not be null")
        codes, uniques = pd.factorize(both)
    codes = codes.astype(np.int32, copy=False)
    return codes[: src.size], codes[src.size :], pd.Index(uniques)


def _int32_or_64(ids: np.ndarray) -> np.ndarray:
    """The kernels are compiled for these two (uint64 arithmetic would turn into floats)."""
    return ids if ids.dtype in (np.int32, np.int64) else ids.astype(np.int64)


def _weights(weights: Any, m: int, default: float) -> np.ndarray | None:
    if weights is None:
        return None
    if isinstance(weights, pa.ChunkedArray | pa.Array):
        w = np.asarray(weights.to_numpy(zero_copy_only=False), dtype=np.float64)
    else:
        w = np.asarray(weights, dtype=np.float64)
    if w.shape != (m,):
        raise GrapevineError(f"{w.size} weights for {m} edges")
    w = np.where(np.isnan(w), default, w)
    if (w < 0).any() or not np.isfinite(w).all():
        raise GrapevineError("edge weights must be finite and not negative")
    return w


def _merge_parallel(
    src: np.ndarray, dst: np.ndarray, w: np.ndarray | None, n: int, how: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """One edge per (src, dst) pair, sorted by pair; the weight as ``how`` says."""
    if not src.size:
        return src, dst, (np.zeros(0) if how == "sum" or w is not None else None)
    key = src.astype(np.int64) * n + dst
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    if how == "sum":
        values = np.ones(key.size) if w is None else w
        merged = np.add.reduceat(values[order], starts) if key.size else np.zeros(0)
        pick = order[starts]
        return src[pick], dst[pick], merged
    ends = np.r_[starts[1:], key.size] - 1
    pick = order[starts] if how == "first" else order[ends]
    return src[pick], dst[pick], None if w is None else w[pick]
