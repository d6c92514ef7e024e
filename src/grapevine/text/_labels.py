"""What every text classifier derives from its class probabilities: labels and a sentiment score."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["LabelMethods"]


class LabelMethods:
    """``predict`` and ``score`` for a model that has ``labels``, ``version`` and ``predict_proba``."""

    labels: tuple[str, ...]
    version: str

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def predict(self, texts: Sequence[str]) -> list[str]:
        """Return the most likely label of each text."""
        if not len(texts):
            return []
        best = self.predict_proba(texts).argmax(axis=1)
        return [self.labels[i] for i in best.tolist()]

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """Return ``P(positive) - P(negative)`` in [-1, 1] (sentiment models only)."""
        if "positive" not in self.labels or "negative" not in self.labels:
            raise ValueError(f"score() needs a sentiment model; this is {self.version!r}.")
        proba = self.predict_proba(texts)
        return proba[:, self.labels.index("positive")] - proba[:, self.labels.index("negative")]
