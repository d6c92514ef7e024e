"""Confusion-corrected positive and negative shares for many groups at once (one per person).

The same estimator as :func:`grapevine.text.shares.positive_share_interval` (used for whole
brands in :mod:`grapevine.brands`): the model's predicted label counts are corrected with its
held-out confusion matrix, and a parametric bootstrap over both the sampled posts and the
confusion counts gives the interval. Calling that function once per person costs milliseconds
each, too slow for a table of 100,000 people, so here:

- groups with equal label counts share one computation (small counts repeat a lot);
- the bootstrap replicates of the confusion matrix are drawn once and shared by all groups
  (they describe one model, so sharing them is what their uncertainty means), and inverted
  once; each group's replicates are then a matrix product;
- each group's draws of its own label shares come from a generator seeded by its counts, so a
  person's interval is the same whether computed with everyone (the people table) or alone
  (their page), and costs what one vectorised draw for all groups did.

Point estimates are identical to ``positive_share_interval``; the bounds agree within
bootstrap noise (a test checks both).
"""

from __future__ import annotations

import numpy as np

from grapevine.text.shares import project_simplex, sample_observed

__all__ = ["batch_share_intervals"]

_CHUNK = 256  # groups per vectorised chunk: 256 x 2000 x 3 doubles = 12 MB


def batch_share_intervals(
    counts: np.ndarray,
    confusion: np.ndarray,
    columns: tuple[int, ...] = (2, 0),
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Corrected shares with intervals for each row of ``counts`` (groups x classes).

    Returns ``(share, low, high)``, each of shape ``(groups, len(columns))``; rows whose counts
    are all zero get NaN (no scored post: unknown).
    """
    counts = np.asarray(counts, dtype=np.int64)
    cm = np.asarray(confusion, dtype=np.float64)
    k = cm.shape[0]
    out_shape = (len(counts), len(columns))
    share = np.full(out_shape, np.nan)
    low = np.full(out_shape, np.nan)
    high = np.full(out_shape, np.nan)
    if len(counts) == 0:
        return share, low, high
    unique, inverse = np.unique(counts, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    totals = unique.sum(axis=1)
    scored = totals > 0
    rates = cm / cm.sum(axis=1, keepdims=True)
    rng = np.random.default_rng(seed)
    row_totals = cm.sum(axis=1).round().astype(np.int64)
    boot_rates = np.stack([rng.multinomial(row_totals[i], rates[i], size=n_boot) for i in range(k)], axis=1)
    boot_rates = boot_rates / row_totals[None, :, None]
    # p = solve(R^T, q) for each replicate: invert the B transposed systems once
    systems = np.transpose(boot_rates, (0, 2, 1))
    try:
        inverses = np.linalg.inv(systems)
    except np.linalg.LinAlgError:
        inverses = np.linalg.pinv(systems)
    try:
        point_inverse = np.linalg.inv(rates.T)
    except np.linalg.LinAlgError:
        point_inverse = np.linalg.pinv(rates.T)
    alpha = (1.0 - level) / 2.0
    u_share = np.full((len(unique), len(columns)), np.nan)
    u_low = np.full_like(u_share, np.nan)
    u_high = np.full_like(u_share, np.nan)
    rows = np.flatnonzero(scored)
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        n = totals[chunk]
        observed = unique[chunk] / n[:, None]
        # Each count vector draws from its own seed, so a person's interval is the same whether it
        # is computed with everyone's (the people table) or alone (their page).
        draws = np.concatenate(
            [
                sample_observed(np.random.default_rng((seed, *row.tolist())), row[None], n_boot)
                for row in unique[chunk]
            ]
        )
        boot = project_simplex(np.einsum("bij,gbj->gbi", inverses, draws))
        bounds = np.quantile(boot[:, :, list(columns)], [alpha, 1.0 - alpha], axis=1)
        point = project_simplex(observed @ point_inverse.T)[:, list(columns)]
        u_share[chunk] = point
        u_low[chunk] = np.minimum(bounds[0], point)
        u_high[chunk] = np.maximum(bounds[1], point)
    return u_share[inverse], u_low[inverse], u_high[inverse]
