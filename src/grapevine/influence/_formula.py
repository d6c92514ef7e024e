"""The influence formula ``influence-1``: its constants, its components and how they add up.

The formula is public (docs/influence.md) and versioned: any change to a constant or a
component is a new version, so a stored score can always be traced to the rule that made it.
Each component turns one measured value into a fraction in [0, 1] on a fixed scale (a log scale
or a percentile); its points are that fraction times its weight. The score is the sum of the
points, 0-100. A component whose value cannot be measured (None) drops out and the weights of
the others are scaled up to sum 100, which the component list shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "BRAND_MENTIONS_FULL",
    "BRAND_WEIGHTS",
    "DAMPING",
    "FORMULA_VERSION",
    "PRIOR_POSTS",
    "RATE_FULL",
    "REACH_FULL",
    "WEIGHTS",
    "Component",
    "combine",
    "log_fraction",
    "percentiles",
    "rate",
]

FORMULA_VERSION = "influence-1"

#: Nominal weights without a brand, and with one; each set sums to 100.
WEIGHTS = {"reach": 30.0, "attention": 30.0, "amplification": 20.0, "conversation": 20.0}
BRAND_WEIGHTS = {
    "reach": 20.0,
    "attention": 15.0,
    "amplification": 15.0,
    "conversation": 15.0,
    "brand_centrality": 20.0,
    "brand_mentions": 15.0,
}
REACH_FULL = 1_000_000  # followers for full reach points (log10 scale)
RATE_FULL = 10.0  # reposts (or replies) drawn per post for full points (log2 scale)
PRIOR_POSTS = 1  # one post that drew nothing is added, so a single lucky post does not max out
BRAND_MENTIONS_FULL = 100  # posts about the brand for full points (log10 scale)
DAMPING = 0.85  # PageRank damping for attention and brand centrality


@dataclass
class Component:
    """One part of the score: the measured value, its fraction of full points, and why."""

    name: str
    value: float | int | None
    fraction: float | None
    explain: str


def log_fraction(value: float, full: float) -> float:
    """``log(1 + value) / log(1 + full)``, capped at 1: doubling counts the same at every size."""
    return min(1.0, math.log1p(max(value, 0.0)) / math.log1p(full))


def rate(drawn: int, posts: int) -> float:
    """Drawn per post, with ``PRIOR_POSTS`` extra posts that drew nothing."""
    return drawn / (posts + PRIOR_POSTS)


def percentiles(scores: np.ndarray, eligible: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Percentile (0-100] of each eligible score among the eligible ones of its group; NaN elsewhere.

    The percentile is ``100 * (1 + #lower) / #eligible``: the top account gets 100, and adding
    accounts that are not eligible (ones that drew no attention) changes nobody's percentile.
    Scores equal to 1e-9 of the largest are ties.
    """
    out = np.full(scores.size, np.nan)
    for group in np.unique(groups[eligible]):
        members = np.flatnonzero(eligible & (groups == group))
        values = scores[members]
        top = values.max()
        keys = np.round(values / top, 9) if top > 0 else values
        ordered = np.sort(keys)
        lower = np.searchsorted(ordered, keys, side="left")
        out[members] = 100.0 * (1 + lower) / members.size
    return out


def combine(
    components: list[Component], weights: dict[str, float]
) -> tuple[float | None, list[dict[str, Any]]]:
    """The score and the component rows ``{name, value, weight, points, share, explain}``.

    Weights of components without a value are shared out over the others in proportion, so the
    points always sum to the score.
    """
    available = sum(weights[c.name] for c in components if c.fraction is not None)
    scale = 100.0 / available if available > 0 else 0.0
    rows: list[dict[str, Any]] = []
    total = 0.0
    for c in components:
        if c.fraction is None:
            rows.append(
                {
                    "name": c.name,
                    "value": None,
                    "weight": 0.0,
                    "points": None,
                    "share": None,
                    "explain": c.explain,
                }
            )
            continue
        weight = weights[c.name] * scale
        points = weight * c.fraction
        total += points
        rows.append(
            {
                "name": c.name,
                "value": c.value,
                "weight": round(weight, 2),
                "points": round(points, 2),
                "share": None,
                "explain": c.explain,
            }
        )
    for row in rows:
        if row["points"] is not None and total > 0:
            row["share"] = round(row["points"] / total, 4)
    score = round(total, 1) if available > 0 else None
    return score, rows
