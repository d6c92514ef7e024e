"""numba kernels for Independent Cascade: reverse-reachable (RR) sets and forward simulation.

Samples are split in chunks, each with its own splitmix64 stream seeded from the caller's seed
and the chunk number: results depend on the seed and the number of chunks, never on how many
threads ran them. The estimation kernels spread chunks over threads with ``prange``; besides
threads, numba compiles a ``prange`` body to noticeably faster code than the same loop in a
plain function (about 1.6x here), which is worth its longer first compile.

Two ways to flip the coins of a node's in-edges in an RR set:

- per edge, with the edge's own probability (given probabilities);
- per node, when every in-edge of a node has the same probability p (weighted cascade, where
  p = 1 / in-degree, and uniform IC): the gaps between live edges are geometric, so the next
  live edge is found with one draw (``floor(log U / log(1 - p))`` edges ahead) and a node
  costs O(1 + live edges) instead of O(in-degree). Under weighted cascade a node has one live
  in-edge on average, which is what makes RR sets cheap (SUBSIM, Guo et al., SIGMOD 2020).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["forward_spread", "rr_hits", "rr_sets"]

Array = np.ndarray

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_UNIT = 1.0 / 9007199254740992.0  # 2**-53
_SURE = -40.0  # log P(miss) below which a hit is certain to double precision (exp(-40) ~ 4e-18)
#: Up to this many live edges, positions are drawn by rejection; more use selection sampling.
_FEW = 8


@njit(cache=True, inline="always")
def _next(state: np.uint64) -> tuple[np.uint64, np.uint64]:
    """splitmix64: ``(new_state, random 64-bit value)``."""
    state = state + _GAMMA
    z = state
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return state, z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def _uniform(state: np.uint64) -> tuple[np.uint64, float]:
    """A float in [0, 1)."""
    state, z = _next(state)
    return state, float(z >> np.uint64(11)) * _UNIT


@njit(cache=True)
def _chunk_state(seed: int, chunk: int) -> np.uint64:
    state = np.uint64(seed) ^ (np.uint64(chunk + 1) * _MIX2)
    state, _ = _next(state)
    return state


@njit(cache=True, inline="always")
def _gap(state: np.uint64, log_q: float) -> tuple[np.uint64, float]:
    """Failed trials before the next success, for success probability p = 1 - exp(log_q)."""
    state, u = _uniform(state)
    return state, np.floor(np.log(1.0 - u) / log_q)


@njit(cache=True, inline="always")
def _take(
    u: int,
    mark: Array,
    stamp: int,
    queue: Array,
    tail: int,
    blocked: Array,
    seed_log_q: Array,
    log_miss: float,
) -> tuple[int, float]:
    """Add ``u`` to the search unless seen or blocked; returns ``(tail, log_miss)``."""
    if mark[u] == stamp:
        return tail, log_miss
    mark[u] = stamp
    if blocked.size > 0:
        if blocked[u]:
            return tail, log_miss
        log_miss += seed_log_q[u]
    queue[tail] = u
    return tail + 1, log_miss


@njit(cache=True, inline="always")
def _below(state: np.uint64, bound: int) -> tuple[np.uint64, int]:
    """A uniform integer in [0, bound) for bound < 2**32 (Lemire's multiply-shift, no division)."""
    state, z = _next(state)
    return state, int(((z >> np.uint64(32)) * np.uint64(bound)) >> np.uint64(32))


@njit(cache=True, nogil=True)
def _live_positions(
    state: np.uint64, degree: int, q0: float, ratio: float, picked: Array
) -> tuple[np.uint64, int]:
    """Which of ``degree`` coins of probability p come up, as positions in ``picked[:count]``.

    The count is Binomial(degree, p), drawn by inverse CDF from P(0) = ``q0`` = (1 - p)^degree
    with the ratio P(k + 1) / P(k) = (degree - k) / (k + 1) * ``ratio`` (``ratio`` = p / (1 - p));
    then that many distinct positions uniformly. Cheap when few coins come up (weighted
    cascade: one on average), which is when it is used. ``picked`` must hold ``degree`` values.
    """
    state, u = _uniform(state)
    count = 0
    pmf = q0
    cdf = q0
    while u >= cdf and count < degree:
        pmf *= (degree - count) / (count + 1) * ratio
        count += 1
        cdf += pmf
    if count <= _FEW:
        for i in range(count):
            while True:  # rejection: a repeat is rare while count << degree
                state, pos = _below(state, degree)
                repeat = False
                for j in range(i):
                    if picked[j] == pos:
                        repeat = True
                        break
                if not repeat:
                    break
            picked[i] = pos
        return state, count
    chosen = 0  # selection sampling (Knuth's algorithm S): exact for any count
    for t in range(degree):
        state, r = _uniform(state)
        if (degree - t) * r < count - chosen:
            picked[chosen] = t
            chosen += 1
    return state, count


@njit(cache=True)
def _max_degree(indptr: Array) -> int:
    best = 0
    for v in range(indptr.size - 1):
        best = max(best, indptr[v + 1] - indptr[v])
    return best


@njit(cache=True, nogil=True)
def _reverse_search(
    root: int,
    in_indptr: Array,
    in_sources: Array,
    edge_p: Array,
    node_coins: Array,
    blocked: Array,
    seed_log_q: Array,
    mark: Array,
    stamp: int,
    queue: Array,
    picked: Array,
    state: np.uint64,
) -> tuple[np.uint64, int, float]:
    """The nodes that reach ``root`` over live edges, into ``queue[:size]``.

    Coins: per in-edge from ``edge_p``, or, when ``node_coins`` has rows, per node from
    ``(log(1 - p), (1 - p)^d or -1, p / (1 - p))`` (a count and positions where q0 >= 0, else
    geometric gaps). With ``blocked`` (the seeds) the search does not enter seeds and instead
    adds up, over the nodes it reaches, ``seed_log_q[u]`` = log P(no edge from a seed to u is
    live); it stops once that sum makes a hit certain to double precision. Returns
    ``(state, size, log_miss)``; pass an empty ``blocked`` for plain sets.
    """
    per_node = node_coins.shape[0] > 0
    log_miss = 0.0
    tail, log_miss = _take(root, mark, stamp, queue, 0, blocked, seed_log_q, log_miss)
    head = 0
    while head < tail:
        if log_miss < _SURE:  # 1 - exp(log_miss) is 1.0 in floating point already
            break
        v = queue[head]
        head += 1
        start, end = in_indptr[v], in_indptr[v + 1]
        if start == end:
            continue
        if per_node:
            log_q = node_coins[v, 0]
            q0 = node_coins[v, 1]
            if log_q == 0.0:  # p = 0: no live in-edge
                continue
            if q0 >= 0.0:
                state, count = _live_positions(state, end - start, q0, node_coins[v, 2], picked)
                for i in range(count):
                    tail, log_miss = _take(
                        in_sources[start + picked[i]], mark, stamp, queue, tail, blocked, seed_log_q, log_miss
                    )
                continue
            state, gap = _gap(state, log_q)
            k = start
            while gap < end - k:
                k += int(gap)
                tail, log_miss = _take(in_sources[k], mark, stamp, queue, tail, blocked, seed_log_q, log_miss)
                k += 1
                state, gap = _gap(state, log_q)
        else:
            for k in range(start, end):
                u = in_sources[k]
                if mark[u] == stamp:
                    continue
                state, r = _uniform(state)
                if r < edge_p[k]:
                    tail, log_miss = _take(u, mark, stamp, queue, tail, blocked, seed_log_q, log_miss)
    return state, tail, log_miss


@njit(cache=True, parallel=True)
def rr_hits(
    in_indptr: Array,
    in_sources: Array,
    edge_p: Array,
    node_coins: Array,
    is_seed: Array,
    seed_log_q: Array,
    control: Array,
    roots: Array,
    root_ptr: Array,
    chunk_stratum: Array,
    chunk_size: Array,
    seed: int,
) -> Array:
    """Conditional hit probabilities h of RR sets, chunk by chunk.

    Chunk c draws ``chunk_size[c]`` roots uniformly from its stratum,
    ``roots[root_ptr[k]:root_ptr[k + 1]]`` with k = ``chunk_stratum[c]``. For each set, the
    search avoids the seeds and returns P(some seed edge into the set is live | the set) =
    1 - exp(sum of ``seed_log_q``): the exact conditional expectation of "the RR set meets a
    seed" (the seed edges are independent of the rest), so the mean is unchanged and the
    variance smaller than the 0/1 hit's. With c = ``control[root]``, returns per chunk the
    sums of h, h^2, c, c^2, h*c, and the nodes explored.
    """
    n = in_indptr.size - 1
    chunks = chunk_size.size
    sums = np.zeros((chunks, 6))
    max_degree = _max_degree(in_indptr)
    for c in prange(chunks):
        first = root_ptr[chunk_stratum[c]]
        n_roots = np.uint64(root_ptr[chunk_stratum[c] + 1] - first)
        state = _chunk_state(seed, c)
        mark = np.zeros(n, np.int32)
        queue = np.empty(n, np.int32)
        picked = np.empty(max_degree, np.int64)
        h_sum, h_sq, c_sum, c_sq, hc_sum, cost = 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
        for s in range(chunk_size[c]):
            state, z = _next(state)
            root = roots[first + int(((z >> np.uint64(32)) * n_roots) >> np.uint64(32))]  # Lemire
            state, size, log_miss = _reverse_search(
                root,
                in_indptr,
                in_sources,
                edge_p,
                node_coins,
                is_seed,
                seed_log_q,
                mark,
                s + 1,
                queue,
                picked,
                state,
            )
            hit = -np.expm1(log_miss)
            guess = control[root]
            h_sum += hit
            h_sq += hit * hit
            c_sum += guess
            c_sq += guess * guess
            hc_sum += hit * guess
            cost += size
        sums[c, 0] = h_sum
        sums[c, 1] = h_sq
        sums[c, 2] = c_sum
        sums[c, 3] = c_sq
        sums[c, 4] = hc_sum
        sums[c, 5] = cost
    return sums


@njit(cache=True, nogil=True)
def approximate_activation(indptr: Array, indices: Array, probs: Array, is_seed: Array, rounds: int) -> Array:
    """P(node active) if in-neighbours were independent, after ``rounds`` steps from the seeds.

    ``a[v] = 1 - prod(1 - p(u, v) * a[u])`` over in-edges, seeds fixed at 1, touching only the
    nodes within ``rounds`` hops of a seed. Not the spread (it ignores shared paths), but close
    to each root's hit probability, which makes it a good control variate.
    """
    n = indptr.size - 1
    a = np.zeros(n)
    log_miss = np.zeros(n)
    touched = np.zeros(n, np.bool_)
    reached = np.empty(n, np.int64)
    count = 0
    for v in range(n):
        if is_seed[v]:
            a[v] = 1.0
            reached[count] = v
            touched[v] = True
            count += 1
    for _ in range(rounds):
        frontier = count
        for i in range(frontier):
            u = reached[i]
            for k in range(indptr[u], indptr[u + 1]):
                v = indices[k]
                if is_seed[v]:
                    continue
                if not touched[v]:
                    touched[v] = True
                    reached[count] = v
                    count += 1
                log_miss[v] += np.log1p(-min(probs[k] * a[u], 1.0))
        for i in range(count):
            v = reached[i]
            if not is_seed[v]:
                a[v] = -np.expm1(log_miss[v])
                log_miss[v] = 0.0
    return a


@njit(cache=True, nogil=True)
def rr_sets(
    in_indptr: Array,
    in_sources: Array,
    edge_p: Array,
    node_coins: Array,
    samples: int,
    seed: int,
    chunk: int,
) -> tuple[Array, Array]:
    """``samples`` whole RR sets as CSR ``(offsets, nodes)`` (one chunk; run chunks in threads)."""
    n = in_indptr.size - 1
    state = _chunk_state(seed, chunk)
    mark = np.zeros(n, np.int32)
    queue = np.empty(n, np.int32)
    picked = np.empty(_max_degree(in_indptr), np.int64)
    no_block = np.zeros(0, np.bool_)
    no_log_q = np.zeros(0)
    offsets = np.zeros(samples + 1, np.int64)
    nodes = np.empty(max(16, 4 * samples), np.int32)
    used = 0
    for s in range(samples):
        state, z = _next(state)
        root = int(((z >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))
        state, size, _ = _reverse_search(
            root,
            in_indptr,
            in_sources,
            edge_p,
            node_coins,
            no_block,
            no_log_q,
            mark,
            s + 1,
            queue,
            picked,
            state,
        )
        if used + size > nodes.size:
            grown = np.empty(max(2 * nodes.size, used + size), np.int32)
            grown[:used] = nodes[:used]
            nodes = grown
        nodes[used : used + size] = queue[:size]
        used += size
        offsets[s + 1] = used
    return offsets, nodes[:used].copy()


@njit(cache=True, parallel=True)
def forward_spread(
    indptr: Array, indices: Array, edge_p: Array, seeds: Array, runs: int, seed: int, chunks: int
) -> Array:
    """Monte Carlo Independent Cascade: the number of active nodes at the end of each run.

    Each newly active node tries each of its out-edges once, with the edge's probability.
    """
    n = indptr.size - 1
    sizes = np.zeros(runs, np.int64)
    for c in prange(chunks):
        lo = runs * c // chunks
        hi = runs * (c + 1) // chunks
        state = _chunk_state(seed, c)
        mark = np.zeros(n, np.int32)
        queue = np.empty(n, np.int32)
        for r in range(lo, hi):
            stamp = r - lo + 1
            tail = 0
            for s in seeds:
                if mark[s] != stamp:
                    mark[s] = stamp
                    queue[tail] = s
                    tail += 1
            head = 0
            while head < tail:
                u = queue[head]
                head += 1
                for k in range(indptr[u], indptr[u + 1]):
                    v = indices[k]
                    if mark[v] == stamp:
                        continue
                    state, x = _uniform(state)
                    if x < edge_p[k]:
                        mark[v] = stamp
                        queue[tail] = v
                        tail += 1
            sizes[r] = tail
    return sizes


@njit(cache=True, nogil=True)
def greedy_cover(n: int, offsets: Array, nodes: Array, k: int) -> tuple[Array, Array]:
    """Greedy maximum coverage: ``k`` nodes covering the most RR sets, with each one's gain."""
    sets = offsets.size - 1
    count = np.zeros(n, np.int64)
    for i in range(nodes.size):
        count[nodes[i]] += 1
    # node -> the sets holding it, by counting sort
    node_ptr = np.zeros(n + 1, np.int64)
    for v in range(n):
        node_ptr[v + 1] = node_ptr[v] + count[v]
    fill = node_ptr[:-1].copy()
    node_sets = np.empty(nodes.size, np.int64)
    for r in range(sets):
        for i in range(offsets[r], offsets[r + 1]):
            v = nodes[i]
            node_sets[fill[v]] = r
            fill[v] += 1
    covered = np.zeros(sets, np.bool_)
    chosen = np.empty(k, np.int64)
    gains = np.empty(k, np.int64)
    for j in range(k):
        best = np.argmax(count)
        chosen[j] = best
        gains[j] = count[best]
        for i in range(node_ptr[best], node_ptr[best + 1]):
            r = node_sets[i]
            if covered[r]:
                continue
            covered[r] = True
            for t in range(offsets[r], offsets[r + 1]):
                count[nodes[t]] -= 1
        count[best] = -1  # never chosen twice, even at gain 0
    return chosen, gains
