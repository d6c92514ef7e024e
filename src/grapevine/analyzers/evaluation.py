"""Evaluate a text model on labelled files in the TweetEval layout (one text / label per line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grapevine.analyzers.scoring import load
from grapevine.errors import GrapevineError

__all__ = ["LABELS", "evaluate_files", "read_labelled"]

#: TweetEval's label ids, in order, for each task.
LABELS = {
    "sentiment": ("negative", "neutral", "positive"),
    "emotion": ("anger", "joy", "optimism", "sadness"),
}


def read_labelled(task: str, text_file: Path, labels_file: Path) -> tuple[list[str], list[str]]:
    """Texts and label names; a bad label names its file and line."""
    names = LABELS[task]
    try:
        texts = text_file.read_text(encoding="utf-8").split("\n")
        raw_labels = labels_file.read_text(encoding="utf-8").split("\n")
    except UnicodeDecodeError as exc:
        raise GrapevineError(f"{text_file} or {labels_file} is not UTF-8: {exc}") from exc
    texts = texts[:-1] if texts and texts[-1] == "" else texts
    raw_labels = raw_labels[:-1] if raw_labels and raw_labels[-1] == "" else raw_labels
    if len(texts) != len(raw_labels):
        raise GrapevineError(
            f"{text_file} has {len(texts):,} lines but {labels_file} has {len(raw_labels):,}; expected one label per text"
        )
    labels = []
    for number, value in enumerate(raw_labels, 1):
        try:
            labels.append(names[int(value.strip())])
        except (ValueError, IndexError):
            raise GrapevineError(
                f"{labels_file}:{number}: label {value!r} is not one of 0..{len(names) - 1} ({', '.join(names)})"
            ) from None
    return texts, labels


def evaluate_files(task: str, text_file: Path, labels_file: Path, tier: str = "fast") -> dict[str, Any]:
    """The official metric (sentiment: macro recall; emotion: macro F1), accuracy, confusion, speed."""
    from grapevine.text.evaluate import evaluate

    if task not in LABELS:
        raise GrapevineError(f"unknown task {task!r}; expected sentiment or emotion")
    texts, labels = read_labelled(task, text_file, labels_file)
    model = load(task, tier)
    result = dict(evaluate(task, texts, labels, model))
    result["model"] = model.version
    return result
