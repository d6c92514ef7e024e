"""How a customer's conversation will end: P(satisfied), from the turns so far.

A small L2-penalised logistic regression over a handful of features of the conversation *up to
now* (the turns passed in, never later ones), fitted in numpy by :mod:`grapevine.care.train`
and shipped as ``models/care-forecast.json`` with its metadata (features, standardisation,
training data, held-out metrics). Inference needs numpy only.

The features are few on purpose: about 600 customers in the public care data end after a brand
answer, and a model with 18 features fitted to them did worse on held-out conversations than
the customer's last sentiment alone. The scores come from the best tier the store has (the
inbox reads accurate scores over fast ones), so the shipped model is trained on accurate scores.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from grapevine.care.state import Turn, turn_level

__all__ = ["FEATURES", "MODEL_PATH", "Forecaster", "features", "fit_logistic", "load_forecaster"]

MODEL_PATH = Path(__file__).with_name("models") / "care-forecast.json"

FEATURES = (
    "last_customer_score",  # sentiment score (P(pos) - P(neg)) of the customer's latest turn
    "mean_customer_score",
    "min_customer_score",
    "last_customer_anger",  # the emotion model's anger probability for the latest turn
    "customer_was_satisfied",  # 1 when any turn so far read satisfied (thanks, clearly positive)
    "customer_complained",  # 1 when any turn so far had a waiting, repeat, unresolved or threat cue
    "log_customer_turns",
    "brand_answered",  # a brand turn after the customer's first
    "brand_spoke_last",  # the latest turn is the brand's: the next move is the customer's
    "log_first_response_h",  # 0 when not answered (brand_answered says which)
    "last_brand_score",  # sentiment of the brand's latest turn; 0 when none
)


def features(turns: list[Turn], customer_id: str) -> np.ndarray:
    """The feature vector of one customer from ``turns`` (the conversation so far, in time order).

    Unscored turns count as neutral (score 0, anger 0), as they do in :func:`turn_level`.
    """
    mine = [t for t in turns if t.author_id == customer_id and not t.by_brand]
    brand = [t for t in turns if t.by_brand]
    scores = [t.score if t.score is not None else 0.0 for t in mine] or [0.0]
    last = mine[-1] if mine else None
    first_at = mine[0].created_at if mine else None
    answers = [t for t in brand if first_at is None or t.created_at is None or t.created_at >= first_at]
    response_h = 0.0
    if answers and first_at is not None and answers[0].created_at is not None:
        response_h = max((answers[0].created_at - first_at).total_seconds(), 0.0) / 3600
    levels = [turn_level(t)[0] for t in mine]
    values = [
        scores[-1],
        float(np.mean(scores)),
        float(min(scores)),
        last.anger if last is not None and last.anger is not None else 0.0,
        1.0 if 0 in levels else 0.0,
        1.0 if any(t.cue("waiting", "repeat", "unresolved", "threat") for t in mine) else 0.0,
        math.log1p(len(mine)),
        1.0 if answers else 0.0,
        1.0 if turns and turns[-1].by_brand else 0.0,
        math.log1p(response_h),
        brand[-1].score if brand and brand[-1].score is not None else 0.0,
    ]
    return np.asarray(values, dtype=np.float64)


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    l2: float = 1.0,
    iterations: int = 50,
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """Weights (intercept first) of an L2-penalised logistic regression, by Newton's method.

    ``x`` should be standardised; the intercept is not penalised. ``weight`` (default 1 per
    row) lets several forecast points of one customer count as one customer.
    """
    w_row = np.ones(len(x)) if weight is None else np.asarray(weight, dtype=np.float64)
    design = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(design @ w)))
        gradient = design.T @ (w_row * (p - y)) + penalty * w
        curvature = w_row * p * (1 - p)
        hessian = (design * curvature[:, None]).T @ design + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w


class Forecaster:
    """A shipped forecast model: standardise, then the logistic function."""

    def __init__(self, meta: dict[str, Any]) -> None:
        if tuple(meta["features"]) != FEATURES:
            raise ValueError(
                f"model {meta.get('version')} was trained on other features; retrain with "
                "`python -m grapevine.care.train`"
            )
        self.meta = meta
        self.version: str = meta["version"]
        self.mean = np.asarray(meta["mean"], dtype=np.float64)
        self.scale = np.asarray(meta["scale"], dtype=np.float64)
        self.weights = np.asarray(meta["weights"], dtype=np.float64)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """P(satisfied) for each row of ``x`` (rows of :func:`features`)."""
        x = np.atleast_2d(x)
        z = self.weights[0] + ((x - self.mean) / self.scale) @ self.weights[1:]
        return 1.0 / (1.0 + np.exp(-z))


@cache
def load_forecaster(path: Path = MODEL_PATH) -> Forecaster | None:
    """The shipped model, or None when it is not there (the forecast is then None, never a guess)."""
    if not path.is_file():
        return None
    return Forecaster(orjson.loads(path.read_bytes()))
