"""Shares from a handful of posts must say how little they know."""

from __future__ import annotations

import numpy as np

from grapevine.people._shares import batch_share_intervals
from grapevine.text.shares import positive_share_interval

CONFUSION = np.array([[80, 15, 5], [10, 80, 10], [5, 15, 80]])


def test_two_negative_posts_do_not_prove_a_zero_positive_share() -> None:
    result = positive_share_interval([2, 0, 0], CONFUSION)
    assert result.share == 0.0
    assert result.high > 0.3  # two posts leave a wide interval, not 0%-0%


def test_the_interval_narrows_as_posts_accumulate() -> None:
    widths = [
        positive_share_interval([n * 3, n * 4, n * 3], CONFUSION).high
        - positive_share_interval([n * 3, n * 4, n * 3], CONFUSION).low
        for n in (1, 10, 100)
    ]
    assert widths[0] > widths[1] > widths[2] > 0


def test_batch_intervals_agree_with_the_single_estimator() -> None:
    counts = np.array([[2, 0, 0], [30, 40, 30], [0, 0, 0]])
    share, low, high = batch_share_intervals(counts, CONFUSION, columns=(2,))
    for row, c in enumerate(counts[:2]):
        single = positive_share_interval(c, CONFUSION)
        assert abs(share[row, 0] - single.share) < 1e-9
        # Different random streams (and a simplex projection in the batch path): bootstrap noise only.
        assert abs(low[row, 0] - single.low) < 0.06 and abs(high[row, 0] - single.high) < 0.06
    assert np.isnan(share[2, 0])  # no scored post: unknown


def test_a_groups_interval_does_not_depend_on_the_other_groups() -> None:
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 40, size=(300, 3))
    share, low, high = batch_share_intervals(counts, CONFUSION)
    for i in (0, 17, 299):
        alone = batch_share_intervals(counts[i : i + 1], CONFUSION)
        np.testing.assert_allclose([a[0] for a in alone], [share[i], low[i], high[i]], atol=1e-12)
    reordered = batch_share_intervals(counts[::-1], CONFUSION)
    np.testing.assert_allclose(reordered[1][::-1], low, atol=1e-12)
