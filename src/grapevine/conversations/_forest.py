"""The one non-relational step: roots and depths of a reply forest by pointer jumping in numpy.

Nodes are integer codes ``0..n-1`` and ``parent[v]`` is v's parent code, or v itself for a
root. Each round every unfinished node jumps to its pointer's pointer and adds that
pointer's distance to its own, so the work is ``O(n log depth)`` array operations and never
a Python loop per post. The same rounds written as a self-join (``ptr = ptr.ptr``) run on
Spark or in plain SQL; numpy is simply the fastest place to run them in one process.

Bad data cannot make this loop forever: a node still unfinished after ``log2(n) + 1`` rounds
is bound to a reply cycle (only a cycle keeps a pointer from reaching a root), and each cycle
is cut at one edge chosen by ``cut_order`` before the rounds run again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Forest", "resolve_forest"]

IntArray = npt.NDArray[np.int64]


@dataclass
class Forest:
    """Where each node ended up: its root, its depth, its direct children, and the cut edges."""

    parent: IntArray  # after cutting cycles: v itself for a root
    root: IntArray
    depth: IntArray
    children: IntArray
    cycle_nodes: IntArray  # every node that lay on a reply cycle
    cycle_of: IntArray  # for each of cycle_nodes, the node whose edge was cut to open its cycle
    cut: IntArray  # the nodes whose parent edge was cut (one per cycle)


def resolve_forest(
    parent: npt.ArrayLike,
    cut_order: Callable[[IntArray], IntArray] | None = None,
) -> Forest:
    """Roots and depths of every node of the forest given by ``parent`` (v -> parent, root -> v).

    ``cut_order(nodes)`` returns a sort key for each of the (sorted) ``nodes``; in each reply
    cycle the edge of the node with the smallest key is cut (default: the smallest code). It is
    only called when cycles exist, so callers can look keys up lazily.

    Examples
    --------
    >>> f = resolve_forest([0, 0, 1, 3])
    >>> f.root.tolist(), f.depth.tolist(), f.children.tolist()
    ([0, 0, 0, 3], [0, 1, 2, 0], [1, 1, 0, 0])
    >>> f = resolve_forest([1, 2, 0, 0])  # 0 -> 1 -> 2 -> 0 is a cycle; 3 hangs off it
    >>> f.cut.tolist(), f.root.tolist(), f.depth.tolist()
    ([0], [0, 0, 0, 0], [0, 2, 1, 1])
    """
    par = np.asarray(parent, dtype=np.int64).copy()
    n = len(par)
    codes = np.arange(n, dtype=np.int64)
    if n and (par.min() < 0 or par.max() >= n):
        raise ValueError("parent codes must lie in 0..n-1")
    ptr, dist, stuck = _jump(par, codes)
    cycle_nodes = cycle_of = cut = np.empty(0, dtype=np.int64)
    if len(stuck):
        cycle_nodes, cycle_of = _cycles(par, ptr, stuck, cut_order)
        cut = np.unique(cycle_of)
        par[cut] = cut
        # Only the nodes that were stuck need new rounds; the others already point at roots.
        ptr[stuck] = par[stuck]
        dist[stuck] = (par[stuck] != stuck).astype(np.int64)
        _, _, still = _jump(par, stuck, ptr, dist)
        if len(still):  # cannot happen: one cut per cycle leaves a forest
            raise AssertionError("reply cycles remain after cutting one edge of each")
    children = np.bincount(par[par != codes], minlength=n).astype(np.int64)
    return Forest(par, ptr, dist, children, cycle_nodes, cycle_of, cut)


def _jump(
    par: IntArray,
    active: IntArray,
    ptr: IntArray | None = None,
    dist: IntArray | None = None,
) -> tuple[IntArray, IntArray, IntArray]:
    """Pointer-jump ``active`` nodes until each points at a root; return the nodes that never do."""
    if ptr is None or dist is None:
        ptr = par.copy()
        dist = (par != np.arange(len(par))).astype(np.int64)
    # A node is finished once its pointer is a root (a fixed point of par).
    active = active[par[ptr[active]] != ptr[active]]
    rounds = 0
    limit = int(np.ceil(np.log2(max(len(par), 2)))) + 1
    while len(active) and rounds < limit:
        via = ptr[active]
        dist[active] += dist[via]  # reads finish before writes: one synchronous round
        ptr[active] = ptr[via]
        active = active[par[ptr[active]] != ptr[active]]
        rounds += 1
    return ptr, dist, active


def _cycles(
    par: IntArray, ptr: IntArray, stuck: IntArray, cut_order: Callable[[IntArray], IntArray] | None
) -> tuple[IntArray, IntArray]:
    """The nodes on cycles and, for each, the node whose edge to cut (smallest key on its cycle)."""
    # A stuck node jumped every round, so its pointer is 2**rounds >= n parents up: on its cycle.
    # Parents map the cycle nodes one-to-one onto themselves, so these pointers are all of them.
    nodes = np.unique(ptr[stuck])
    keys = cut_order(nodes) if cut_order is not None else nodes
    order = np.lexsort((nodes, np.asarray(keys)))
    rank = np.empty(len(nodes), dtype=np.int64)
    rank[order] = np.arange(len(nodes))
    # Min-rank round each cycle by doubling: after k rounds each node saw 2**k of its successors.
    position = np.searchsorted(nodes, par[nodes])
    best = rank.copy()
    for _ in range(int(np.ceil(np.log2(max(len(nodes), 2)))) + 1):
        best = np.minimum(best, best[position])
        position = position[position]
    return nodes, nodes[order[best]]
