"""The RR-set estimator of a seed set's spread: conditional hits, a control variate, strata.

sigma(S) = |S| + (n - |S|) * E[h(root)], the root uniform among non-seeds and h its RR set's
conditional hit probability (see :func:`grapevine.reach._kernels.rr_hits`). Two standard
variance reductions on top, neither of which moves the mean:

- a control variate: c(root), each node's activation probability under an independence
  approximation (:func:`~grapevine.reach._kernels.approximate_activation`), whose mean over the
  roots is known exactly; the estimate is ``mean(h) - beta * (mean(c) - E[c])`` with beta
  fitted by least squares (its O(1/samples) bias is far below the noise);
- strata: the roots the approximation gives no chance, and the others cut at the quartiles of
  that chance, each sampled in proportion to its weight times its residual spread (Neyman
  allocation, from the rounds so far).

On NetHEPT (weighted cascade, 50 top-degree seeds) the conditional hits alone cut the variance
per RR set 1.7x against plain 0/1 hits from uniform roots, and all three together 4.4x.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

from grapevine.errors import GrapevineError
from grapevine.graph import Graph
from grapevine.reach import _kernels

__all__ = ["CoinPlan", "chunk_count", "rr_spread", "run_chunks"]

T = TypeVar("T")

_Z95 = 1.959963984540054
#: Samples are split in chunks, each with its own random stream: as many as the work is worth,
#: up to a fixed 64, so a seed gives the same answer whatever the thread count.
_MAX_CHUNKS = 64
_PER_CHUNK = 1024
_FIRST_ROUND = 20_000
_CONTROL_ROUNDS = 3  # hops of the approximation; more did not track h better on NetHEPT
#: Each stratum keeps at least this share of its proportional allocation: a stratum whose
#: first rounds showed no hits may still hold some.
_FLOOR = 0.1
_MIN_PER_STRATUM = 32

CoinPlan = tuple[np.ndarray, np.ndarray]


class _Strata:
    """Running sums per stratum of roots: h, h^2, c, c^2, h*c and the count."""

    def __init__(self, strata: list[np.ndarray], n_roots: int, control: np.ndarray) -> None:
        self.roots = strata
        self.weights = np.array([s.size / n_roots for s in strata])
        self.control_means = np.array([control[s].mean() for s in strata])
        self.count = np.zeros(len(strata), np.int64)
        self.sums = np.zeros((len(strata), 5))

    def add(self, stratum: int, count: int, sums: np.ndarray) -> None:
        self.count[stratum] += count
        self.sums[stratum] += sums[:5]

    def _moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Per stratum: the control-variate estimate of E[h] and the residual variance of one sample."""
        count = np.maximum(self.count, 2).astype(np.float64)
        h, h_sq, c, c_sq, hc = (self.sums[:, i] / count for i in range(5))
        var_h = np.maximum(h_sq - h * h, 0.0)
        var_c = np.maximum(c_sq - c * c, 0.0)
        cov = hc - h * c
        beta = np.divide(cov, var_c, out=np.zeros_like(cov), where=var_c > 1e-300)
        means = h - beta * (c - self.control_means)
        residual = np.maximum(var_h - beta * cov, 0.0) * count / (count - 1)
        return means, residual

    def mean_and_variance(self) -> tuple[float, float]:
        """The weighted mean over the strata and the variance of that estimate."""
        means, residual = self._moments()
        count = np.maximum(self.count, 1)
        return float((self.weights * means).sum()), float((self.weights**2 * residual / count).sum())

    def samples_for(self, target_sd: float) -> int:
        """RR sets that Neyman allocation needs for the estimate's sd to reach ``target_sd``."""
        _, residual = self._moments()
        per_sample = float((self.weights * np.sqrt(residual)).sum()) ** 2
        if target_sd <= 0:
            return int(self.count.sum()) * 4
        return int(per_sample / (target_sd * target_sd)) + 1

    def allocate(self, samples: int) -> np.ndarray:
        """Split ``samples`` between the strata: Neyman once there is data, else by weight."""
        share = self.weights
        if self.count.min() >= 2:
            _, residual = self._moments()
            neyman = self.weights * np.sqrt(residual)
            if neyman.sum() > 0:
                share = np.maximum(neyman / neyman.sum(), _FLOOR * self.weights)
                share = share / share.sum()
        return np.maximum(np.round(share * samples).astype(np.int64), _MIN_PER_STRATUM)


def rr_spread(
    view: Graph,
    probs: np.ndarray,
    seed_codes: np.ndarray,
    plan: CoinPlan,
    samples: int | None,
    base_seed: int,
    precision: float,
    max_samples: int,
) -> tuple[float, float, float]:
    """``(estimate, low, high)`` of sigma(S) on the influence graph ``view``."""
    n = view.n_nodes
    is_seed = np.zeros(n, np.bool_)
    is_seed[seed_codes] = True
    n_seeds = int(is_seed.sum())
    non_seeds = np.flatnonzero(~is_seed).astype(np.int32)
    if non_seeds.size == 0:
        return float(n), float(n), float(n)
    seed_log_q = _seed_log_q(view, probs, is_seed)
    control = _kernels.approximate_activation(view.indptr, view.indices, probs, is_seed, _CONTROL_ROUNDS)
    strata = _Strata(_strata_by_control(non_seeds, control), non_seeds.size, control)
    in_indptr, in_sources, _ = view.in_csr()
    edge_p, node_coins = plan
    round_number = 0

    roots = np.concatenate(strata.roots)
    root_ptr = np.zeros(len(strata.roots) + 1, np.int64)
    np.cumsum([part.size for part in strata.roots], out=root_ptr[1:])

    def draw(allocation: np.ndarray) -> None:
        """One round: every stratum's share in one threaded kernel call."""
        nonlocal round_number
        stratum_of, sizes = [], []
        for h, count in enumerate(allocation):
            chunks = chunk_count(int(count))
            stratum_of += [h] * chunks
            sizes += [int(count) * (c + 1) // chunks - int(count) * c // chunks for c in range(chunks)]
        chunk_stratum = np.array(stratum_of, np.int64)
        sums = _kernels.rr_hits(
            in_indptr,
            in_sources,
            edge_p,
            node_coins,
            is_seed,
            seed_log_q,
            control,
            roots,
            root_ptr,
            chunk_stratum,
            np.array(sizes, np.int64),
            base_seed + round_number,
        )
        for h, count in enumerate(allocation):
            strata.add(h, int(count), sums[chunk_stratum == h].sum(axis=0))
        round_number += 1

    def result() -> tuple[float, float, float]:
        mean, variance = strata.mean_and_variance()
        half = _Z95 * math.sqrt(variance)
        high = mean + half
        if strata.sums[:, 0].sum() == 0:  # nothing seen: the rule of three bounds a rate never observed
            high = max(high, 3.0 / int(strata.count.sum()))
        scale = non_seeds.size
        mean = min(max(mean, 0.0), 1.0)
        return (
            n_seeds + scale * mean,
            n_seeds + scale * max(0.0, mean - half),
            n_seeds + scale * min(1.0, high),
        )

    if samples is not None:
        if samples < 1:
            raise GrapevineError("samples must be at least 1")
        pilot = max(samples // 5, 1)
        draw(strata.allocate(pilot))
        draw(strata.allocate(max(samples - pilot, 1)))
        return result()
    batch = _FIRST_ROUND
    while True:
        draw(strata.allocate(batch))
        estimate, low, high = result()
        drawn = int(strata.count.sum())
        half_width = (high - low) / 2
        if half_width <= precision * estimate or drawn >= max_samples:
            return estimate, low, high
        # Ask for what Neyman allocation needs to reach the target (drawn rounds count too).
        target_sd = precision * (estimate - n_seeds) / non_seeds.size / _Z95 if estimate > n_seeds else 0.0
        wanted = strata.samples_for(target_sd) - drawn
        batch = int(max(_FIRST_ROUND, min(wanted * 1.05, drawn * 100, max_samples - drawn)))


def chunk_count(samples: int, per_chunk: int = _PER_CHUNK) -> int:
    """How many chunks (random streams, units of threaded work) ``samples`` are split in.

    Up to 64 of at least ``per_chunk`` samples: it depends on ``samples`` only, so a seed gives
    the same answer whatever the thread count.
    """
    return int(min(_MAX_CHUNKS, max(1, samples // per_chunk)))


def run_chunks(work: Callable[[int, int], T], samples: int) -> list[T]:
    """``work(chunk, size)`` over the chunks of ``samples``, in threads (for GIL-free kernels)."""
    chunks = chunk_count(samples)
    sizes = [samples * (c + 1) // chunks - samples * c // chunks for c in range(chunks)]
    if chunks == 1:
        return [work(0, sizes[0])]
    with ThreadPoolExecutor(max_workers=min(chunks, os.cpu_count() or 1)) as pool:
        return list(pool.map(work, range(chunks), sizes))


def _strata_by_control(roots: np.ndarray, control: np.ndarray) -> list[np.ndarray]:
    """The roots the approximation gives no chance (more than a few hops from any seed), and
    the rest cut at quartiles of that chance; empty strata left out."""
    chance = control[roots]
    positive = chance[chance > 0]
    cuts = np.unique(np.quantile(positive, [0.25, 0.5, 0.75])) if positive.size else np.zeros(0)
    bins = np.where(chance > 0, 1 + np.searchsorted(cuts, chance, side="right"), 0)
    return [roots[bins == b] for b in range(cuts.size + 2) if (bins == b).any()]


def _seed_log_q(view: Graph, probs: np.ndarray, is_seed: np.ndarray) -> np.ndarray:
    """log P(no edge from a seed into u is live), for every node u (-inf when one is sure)."""
    seeds = np.flatnonzero(is_seed)
    starts, ends = view.indptr[seeds], view.indptr[seeds + 1]
    lengths = ends - starts
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    seed_edges = offsets + np.arange(int(lengths.sum()))
    seed_log_q = np.zeros(view.n_nodes)
    with np.errstate(divide="ignore"):
        np.add.at(seed_log_q, view.indices[seed_edges], np.log1p(-probs[seed_edges]))
    return seed_log_q
