"""Score a text model against labelled texts with the official TweetEval metrics.

Sentiment's official metric is macro-averaged recall, emotion's is macro-averaged F1; both are
always reported, with accuracy, the confusion matrix and the speed of the model on these texts.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

__all__ = ["evaluate", "metrics_from_confusion", "multilabel_report", "read_labels", "read_texts"]


class TextModel(Protocol):
    labels: tuple[str, ...]
    version: str

    def predict(self, texts: Sequence[str]) -> list[str]: ...


def evaluate(
    task: str, texts: Sequence[str], labels: Sequence[int | str], model: TextModel | None = None
) -> dict[str, Any]:
    """Predict ``texts`` with ``model`` and compare with the gold ``labels``.

    Parameters
    ----------
    task : {"sentiment", "emotion"}
        Which model to load when ``model`` is None.
    texts : sequence of str
    labels : sequence of int or str
        Gold labels: names from ``model.labels``, or their positions (TweetEval's integer ids,
        e.g. sentiment 0 negative, 1 neutral, 2 positive).
    model : optional
        A loaded model (``grapevine.text.load_model(task)`` by default).

    Returns
    -------
    dict
        ``macro_recall``, ``macro_f1``, ``accuracy``, ``confusion_matrix`` (rows = true, columns =
        predicted, in ``labels`` order), ``labels``, ``n``, ``posts_per_s``, ``per_class`` and ``model``.

    Examples
    --------
    >>> report = evaluate("sentiment", ["I love it", "this is awful"], ["positive", "negative"])
    >>> report["n"], report["accuracy"]
    (2, 1.0)
    """
    if model is None:
        from grapevine.text import load_model

        model = load_model(task)
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels; give one label per text.")
    names = list(model.labels)
    gold = np.array([_label_index(label, names) for label in labels], dtype=np.int64)
    started = time.perf_counter()
    predicted = model.predict(list(texts))
    elapsed = time.perf_counter() - started
    index = {name: i for i, name in enumerate(names)}
    pred = np.array([index[p] for p in predicted], dtype=np.int64)
    k = len(names)
    matrix = np.bincount(gold * k + pred, minlength=k * k).reshape(k, k)
    report: dict[str, Any] = dict(metrics_from_confusion(matrix, names))
    report.update(
        {
            "confusion_matrix": matrix.tolist(),
            "labels": names,
            "n": len(texts),
            "posts_per_s": round(len(texts) / elapsed, 1) if elapsed > 0 else None,
            "model": model.version,
            "task": task,
        }
    )
    return report


def metrics_from_confusion(matrix: np.ndarray, labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Return macro recall, macro F1, accuracy and per-class scores of a confusion matrix.

    Rows are true classes, columns predicted ones. A class with no gold example (or no
    prediction) scores 0 recall (or precision), as scikit-learn does with ``zero_division=0``.
    """
    m = np.asarray(matrix, dtype=np.float64)
    tp = np.diag(m)
    support, predicted = m.sum(axis=1), m.sum(axis=0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    names = list(labels) if labels is not None else [str(i) for i in range(len(tp))]
    total = m.sum()
    return {
        "macro_recall": float(recall.mean()),
        "macro_f1": float(f1.mean()),
        "accuracy": float(tp.sum() / total) if total else 0.0,
        "per_class": {
            name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for name, p, r, f, s in zip(names, precision, recall, f1, support, strict=True)
        },
    }


def multilabel_report(
    model: Any, texts: Sequence[str], targets: np.ndarray, names: Sequence[str]
) -> dict[str, Any]:
    """Per-label precision/recall/F1 of a model's multi-label head on binary ``targets`` (columns = names)."""
    predicted = model.predict_multilabel_proba(list(texts)) >= model.thresholds
    columns = {name: i for i, name in enumerate(model.multilabel_labels)}
    out: dict[str, Any] = {}
    for j, name in enumerate(names):
        pred, gold = predicted[:, columns[name]], np.asarray(targets)[:, j] == 1
        tp = int(np.sum(pred & gold))
        precision = tp / pred.sum() if pred.sum() else 0.0
        recall = tp / gold.sum() if gold.sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[name] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": int(gold.sum()),
        }
    out["macro_f1"] = round(float(np.mean([out[name]["f1"] for name in names])), 4)
    out["n"] = len(texts)
    return out


def read_texts(path: str | Path) -> list[str]:
    """Read one text per line (TweetEval ``*_text.txt``), keeping blank lines so labels align."""
    with open(path, encoding="utf-8", errors="replace") as f:
        return [line.rstrip("\r\n") for line in f]


def read_labels(path: str | Path) -> list[int | str]:
    """Read one label per line: integers (TweetEval ids) become ints, anything else stays a name."""
    out: list[int | str] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            value = line.strip()
            out.append(int(value) if value.lstrip("-").isdigit() else value)
    return out


def _label_index(label: int | str, names: list[str]) -> int:
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
        if 0 <= int(label) < len(names):
            return int(label)
        raise ValueError(
            f"Label id {label} is out of range; the model's labels are {names} (ids 0..{len(names) - 1})."
        )
    name = str(label).strip().lower()
    if name in names:
        return names.index(name)
    if name.isdigit() and int(name) < len(names):
        return int(name)
    raise ValueError(f"Unknown label {label!r}; use one of {names} or their ids 0..{len(names) - 1}.")
