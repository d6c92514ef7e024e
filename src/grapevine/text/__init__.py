"""Text analytics: sentiment and emotion models, language support, evaluation, honest shares.

The ``fast`` tier is trained by the project (``python -m grapevine.text.train``) and shipped
inside the package as small numpy arrays; running it needs only numpy and scipy. The
``accurate`` tier is a fine-tuned MiniLM encoder shipped as int8 ONNX
(``python -m grapevine.text.train_accurate``); running it needs onnxruntime and tokenizers.

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
    from grapevine.text._accurate import AccurateModel
    from grapevine.text._fast import FastModel

__all__ = ["TASKS", "TIERS", "AccurateModel", "FastModel", "load_model"]

TASKS = ("emotion", "sentiment")
TIERS = ("fast", "accurate")


def load_model(task: str, tier: str = "fast") -> FastModel | AccurateModel:
    """Return the shipped model for ``task`` ("sentiment" or "emotion") and ``tier`` (cached).

    The sentiment model has ``labels`` negative/neutral/positive and ``score()`` = P(pos) - P(neg);
    the emotion model has ``labels`` anger/joy/optimism/sadness plus a multi-label head
    (``predict_multilabel``) over the 11 SemEval-2018 E-c emotions (fast tier only).
    ``tier="accurate"`` raises FileNotFoundError when that model (or onnxruntime) is not installed,
    so that callers can fall back to the fast tier.
    """
    if task not in TASKS:
        raise ValueError(f"Unknown task {task!r}; choose one of {', '.join(TASKS)}.")
    if tier not in TIERS:
        raise ValueError(f"Unknown tier {tier!r}; this install has {', '.join(TIERS)}.")
    return _load(task, tier)


@cache
def _load(task: str, tier: str) -> FastModel | AccurateModel:
    # Imported here so that `import grapevine.text` (e.g. for the query language) stays light.
    if tier == "accurate":
        from grapevine.text._accurate import load_accurate_model

        return load_accurate_model(task)
    from grapevine.text._fast import load_fast_model

    return load_fast_model(task)


def __getattr__(name: str) -> Any:
    if name == "FastModel":
        from grapevine.text._fast import FastModel

        return FastModel
    if name == "AccurateModel":
        from grapevine.text._accurate import AccurateModel

        return AccurateModel
    raise AttributeError(f"module 'grapevine.text' has no attribute {name!r}")
