"""Honest shares: the share of positive posts, corrected for classifier mistakes, with an interval.

Counting a classifier's "positive" predictions gives a biased share: every model confuses some
neutral posts for positive and misses some positive ones. With the model's confusion matrix
measured on held-out data (``M[i, j] = P(predicted j | true i)``), the predicted distribution is
``q = M.T @ p``, so the true distribution is recovered by inverting that system (the
"adjusted classify and count" / Rogan-Gladen correction, generalised to k classes). The
interval is a parametric bootstrap over both sources of error: which posts were sampled (``n``)
and how well the confusion matrix itself is known (its held-out row counts).

The predicted distribution is drawn from its Jeffreys posterior, Dirichlet(counts + 1/2), rather
than re-sampled from the observed shares: with two posts, both negative, re-sampling would never
draw a positive one and would report a 0%-0% interval, as if two posts proved the share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = [
    "ShareInterval",
    "corrected_shares",
    "positive_share_interval",
    "project_simplex",
    "sample_observed",
]

SENTIMENT_LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class ShareInterval:
    """A corrected share with its confidence interval.

    Attributes
    ----------
    share : float
        Estimated share of the class among all posts, corrected for confusion.
    low, high : float
        Bounds of the ``level`` confidence interval.
    raw_share : float
        The uncorrected share of posts the model labelled with the class.
    shares : tuple of float
        The corrected distribution over all classes.
    """

    share: float
    low: float
    high: float
    raw_share: float
    shares: tuple[float, ...]
    level: float
    n: int
    method: str

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict (for JSON output)."""
        return asdict(self)


def positive_share_interval(
    pred_counts: Sequence[float] | Mapping[str, float],
    confusion: np.ndarray | Sequence[Sequence[float]] | None = None,
    n: int | None = None,
    level: float = 0.95,
    *,
    positive: int = 2,
    labels: Sequence[str] = SENTIMENT_LABELS,
    n_boot: int = 2000,
    seed: int = 0,
) -> ShareInterval:
    """Return the share of positive posts corrected for classifier confusion, with an interval.

    Parameters
    ----------
    pred_counts : sequence or mapping
        Posts per predicted class, in ``labels`` order (or a mapping ``label -> count``). Shares
        that sum to 1 are accepted when ``n`` is given.
    confusion : array (k, k), optional
        Held-out confusion COUNTS of the classifier, rows = true class, columns = predicted.
        Defaults to the shipped fast sentiment model's cross-validated confusion matrix.
    n : int, optional
        Number of classified posts; defaults to ``sum(pred_counts)``.
    level : float
        Confidence level of the interval.
    positive : int
        Column of the class whose share is wanted (2 = positive in the sentiment order).
    n_boot, seed : int
        Bootstrap replicates and random seed (the result is reproducible).

    Examples
    --------
    >>> confusion = [[80, 15, 5], [10, 80, 10], [5, 15, 80]]
    >>> r = positive_share_interval([300, 400, 300], confusion)
    >>> round(r.raw_share, 2), round(r.share, 3), r.low < r.share < r.high
    (0.3, 0.308, True)
    """
    counts = _as_counts(pred_counts, labels)
    if confusion is None:
        from grapevine.text import load_model

        confusion = load_model("sentiment").confusion
    cm = np.asarray(confusion, dtype=np.float64)
    k = len(counts)
    if cm.shape != (k, k):
        raise ValueError(f"confusion must be {k}x{k} (rows = true, columns = predicted); got {cm.shape}.")
    if np.any(cm < 0) or np.any(cm.sum(axis=1) <= 0):
        raise ValueError("confusion must hold non-negative counts with at least one post per true class.")
    total = float(counts.sum())
    if n is None:
        n = round(total)
    elif abs(total - 1.0) < 1e-6 and n > 1:
        counts = counts * n  # shares were given
    elif abs(total - n) > 1e-6 * max(n, 1):
        raise ValueError(f"pred_counts sum to {total:g} but n is {n}; pass counts, or shares with n.")
    if n <= 0:
        raise ValueError("There are no classified posts; n must be positive.")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1; got {level}.")
    observed = counts / counts.sum()
    rates = cm / cm.sum(axis=1, keepdims=True)
    point = corrected_shares(observed, rates)
    rng = np.random.default_rng(seed)
    boot_observed = sample_observed(rng, counts[None, :], n_boot)[0]
    row_totals = cm.sum(axis=1).round().astype(np.int64)
    boot_rates = np.stack([rng.multinomial(row_totals[i], rates[i], size=n_boot) for i in range(k)], axis=1)
    boot_rates = boot_rates / row_totals[None, :, None]
    boot = _corrected_batch(boot_observed, boot_rates)[:, positive]
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(boot, [alpha, 1.0 - alpha])
    return ShareInterval(
        share=float(point[positive]),
        low=float(min(low, point[positive])),
        high=float(max(high, point[positive])),
        raw_share=float(observed[positive]),
        shares=tuple(float(x) for x in point),
        level=level,
        n=int(n),
        method="confusion-matrix inversion (adjusted classify-and-count), parametric bootstrap "
        "(Jeffreys posterior for the predicted shares)",
    )


def sample_observed(rng: np.random.Generator, counts: np.ndarray, n_boot: int) -> np.ndarray:
    """Draws of each group's predicted-class distribution, shape (groups, n_boot, classes).

    Jeffreys posterior Dirichlet(counts + 1/2): as wide as multinomial re-sampling for large
    counts, and honest at the edges (no 0%-0% interval from a handful of posts).
    """
    alpha = np.asarray(counts, dtype=np.float64)[:, None, :] + 0.5
    gamma = rng.gamma(np.broadcast_to(alpha, (alpha.shape[0], n_boot, alpha.shape[2])))
    return gamma / gamma.sum(axis=2, keepdims=True)


def corrected_shares(observed: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Return the class distribution ``p`` with ``rates.T @ p = observed``, projected onto the simplex.

    ``rates[i, j]`` is P(predicted j | true i); ``observed`` is the predicted distribution.
    """
    return _corrected_batch(
        np.asarray(observed, dtype=np.float64)[None], np.asarray(rates, dtype=np.float64)[None]
    )[0]


def _corrected_batch(observed: np.ndarray, rates: np.ndarray) -> np.ndarray:
    # Solve rates^T p = q for each replicate; a singular replicate falls back to least squares.
    system = np.transpose(rates, (0, 2, 1))
    try:
        p = np.linalg.solve(system, observed[..., None])[..., 0]
    except np.linalg.LinAlgError:
        p = np.stack([np.linalg.lstsq(a, b, rcond=None)[0] for a, b in zip(system, observed, strict=True)])
    return project_simplex(p)


def project_simplex(v: np.ndarray) -> np.ndarray:
    """Euclidean projection of each vector (last axis) onto the probability simplex (Duchi et al. 2008).

    Non-finite entries count as 0; any leading shape is kept.
    """
    shape = v.shape
    flat = np.where(np.isfinite(v), v, 0.0).reshape(-1, shape[-1])
    k = shape[-1]
    u = -np.sort(-flat, axis=1)
    css = np.cumsum(u, axis=1) - 1.0
    idx = np.arange(1, k + 1)
    cond = u - css / idx > 0
    rho = k - 1 - np.argmax(cond[:, ::-1], axis=1)
    theta = css[np.arange(len(flat)), rho] / (rho + 1)
    return np.maximum(flat - theta[:, None], 0.0).reshape(shape)


def _as_counts(pred_counts: Sequence[float] | Mapping[str, float], labels: Sequence[str]) -> np.ndarray:
    if isinstance(pred_counts, Mapping):
        unknown = set(pred_counts) - set(labels)
        if unknown:
            raise ValueError(f"Unknown labels {sorted(unknown)}; expected {list(labels)}.")
        values = [float(pred_counts.get(label, 0)) for label in labels]
    else:
        values = [float(x) for x in pred_counts]
    counts = np.asarray(values, dtype=np.float64)
    if counts.ndim != 1 or len(counts) < 2 or np.any(counts < 0) or not np.all(np.isfinite(counts)):
        raise ValueError("pred_counts must be at least two non-negative numbers, one per class.")
    if counts.sum() <= 0:
        raise ValueError("pred_counts are all zero; there is nothing to estimate.")
    return counts
