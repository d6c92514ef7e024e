"""Follow graphs for the simulated world, sampled with numpy in a few vectorised passes.

The person graph is a directed Chung-Lu graph with communities: every person ``u`` draws a
number of accounts to follow (lognormal) and an attractiveness weight (Pareto, so followers
are heavy-tailed). Each of ``u``'s follows picks a target in ``u``'s own community with
probability ``homophily`` and anywhere otherwise, proportionally to the targets' weights.
Self-loops and repeated pairs are dropped. Everything is integer arrays; there is no Python
object per node or edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FollowGraph", "dedupe_edges", "sample_person_graph", "sorted_unique"]

_CHUNK = 1 << 20


@dataclass(slots=True)
class FollowGraph:
    """Directed follow edges ``src -> dst`` (src follows dst) over ``n`` accounts, with CSR views."""

    n: int
    src: np.ndarray  # int32, sorted by (src, dst)
    dst: np.ndarray  # int32
    followers_indptr: np.ndarray  # int64, n + 1: followers of v are followers[indptr[v]:indptr[v + 1]]
    followers: np.ndarray  # int32
    in_degree: np.ndarray  # int64: followers_count
    out_degree: np.ndarray  # int64: following_count

    @classmethod
    def from_edges(cls, n: int, src: np.ndarray, dst: np.ndarray) -> FollowGraph:
        src, dst = dedupe_edges(n, src, dst)
        order = np.argsort(dst, kind="stable")
        in_degree = np.bincount(dst, minlength=n).astype(np.int64)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(in_degree, out=indptr[1:])
        return cls(
            n=n,
            src=src,
            dst=dst,
            followers_indptr=indptr,
            followers=src[order],
            in_degree=in_degree,
            out_degree=np.bincount(src, minlength=n).astype(np.int64),
        )

    def follows(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """Whether each ``src[i]`` follows ``dst[i]`` (vectorised membership test)."""
        keys = self.src.astype(np.int64) * self.n + self.dst
        probe = np.asarray(src, dtype=np.int64) * self.n + np.asarray(dst, dtype=np.int64)
        pos = np.searchsorted(keys, probe)
        pos = np.minimum(pos, len(keys) - 1) if len(keys) else pos
        return (keys[pos] == probe) if len(keys) else np.zeros(len(probe), dtype=bool)


def dedupe_edges(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop self-loops and repeated pairs; return edges sorted by (src, dst) as int32."""
    keys = np.asarray(src, dtype=np.int64) * n
    keys += dst
    keys = keys[src != dst]
    keys.sort()
    keys = sorted_unique(keys, presorted=True)
    return (keys // n).astype(np.int32), (keys % n).astype(np.int32)


def sorted_unique(values: np.ndarray, presorted: bool = False) -> np.ndarray:
    """Sorted distinct values; a plain sort beats numpy 2's hash-based ``np.unique`` on int64."""
    if not presorted:
        values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def sample_person_graph(
    rng: np.random.Generator,
    community: np.ndarray,
    weight: np.ndarray,
    out_degree: np.ndarray,
    homophily: float,
    celebrity: float = 1.25,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample follow edges: each person follows ``out_degree`` others, mostly in their community.

    Targets inside the community are drawn proportionally to ``weight``, targets anywhere
    proportionally to ``weight ** celebrity`` (inverse-CDF sampling on cumulative weights of
    people sorted by community, so a community is one contiguous block).
    """
    n = len(community)
    order = np.argsort(community, kind="stable")
    sorted_comm = community[order]
    cum = np.cumsum(weight[order].astype(np.float64))
    # Follows across communities favour the famous even more (weight ** celebrity): that is
    # what makes a few accounts followed from everywhere.
    cum_global = np.cumsum(weight[order].astype(np.float64) ** celebrity)
    n_comm = int(community.max()) + 1 if n else 0
    block_end = np.searchsorted(sorted_comm, np.arange(n_comm), side="right")
    block_start = np.searchsorted(sorted_comm, np.arange(n_comm), side="left")
    lo = np.where(block_start > 0, cum[np.maximum(block_start - 1, 0)], 0.0)
    hi = cum[np.maximum(block_end - 1, 0)]

    src = np.repeat(np.arange(n, dtype=np.int32), out_degree)
    dst = np.empty(len(src), dtype=np.int32)
    for start in range(0, len(src), _CHUNK):  # in chunks, to keep the temporaries small
        part = src[start : start + _CHUNK]
        inside = rng.random(len(part)) < homophily
        u = rng.random(len(part))
        c = community[part]
        pos_inside = np.searchsorted(cum, lo[c] + u * (hi[c] - lo[c]), side="right")
        pos_global = np.searchsorted(cum_global, u * cum_global[-1], side="right")
        dst[start : start + len(part)] = order[np.minimum(np.where(inside, pos_inside, pos_global), n - 1)]
    return src, dst
