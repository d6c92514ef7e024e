"""Text analytics: sentiment and emotion models, language support, evaluation, honest shares.

The ``fast`` tier is trained by the project (``python -m grapevine.text.train``) and shipped
inside the package as small numpy arrays; running it needs only numpy and scipy.

Examples
--------
>>> from grapevine.text import load_model
>>> model = load_model("sentiment")
>>> model.predict(["I love this phone", "worst service ever"])
['positive', 'negative']
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grapevine.text._fast import FastModel

__all__ = ["TASKS", "TIERS", "FastModel", "load_model"]

TASKS = ("emotion", "sentiment")
TIERS = ("fast",)


def load_model(task: str, tier: str = "fast") -> FastModel:
    """Return the shipped model for ``task`` ("sentiment" or "emotion") and ``tier`` (cached).

    The sentiment model has ``labels`` negative/neutral/positive and ``score()`` = P(pos) - P(neg);
    the emotion model has ``labels`` anger/joy/optimism/sadness plus a multi-label head
    (``predict_multilabel``) over the 11 SemEval-2018 E-c emotions.
    """
    if task not in TASKS:
        raise ValueError(f"Unknown task {task!r}; choose one of {', '.join(TASKS)}.")
    if tier not in TIERS:
        raise ValueError(f"Unknown tier {tier!r}; this install has {', '.join(TIERS)}.")
    return _load(task, tier)


@cache
def _load(task: str, tier: str) -> FastModel:
    # Imported here so that `import grapevine.text` (e.g. for the query language) stays light.
    from grapevine.text._fast import load_fast_model

    return load_fast_model(task)


def __getattr__(name: str) -> Any:
    if name == "FastModel":
        from grapevine.text._fast import FastModel

        return FastModel
    raise AttributeError(f"module 'grapevine.text' has no attribute {name!r}")
