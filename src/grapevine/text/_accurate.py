"""The ``accurate`` tier: a fine-tuned MiniLM sentence encoder (int8 weights) run with onnxruntime.

A model is three files under ``models/``: ``<task>-accurate.onnx`` (the quantised network, inputs
``input_ids`` and ``attention_mask``, output ``logits``), ``<task>-accurate.tokenizer.json`` (the
encoder's WordPiece tokenizer, read with the light ``tokenizers`` package) and
``<task>-accurate.json`` (labels, version, maximum length, held-out confusion, metrics). Running
it needs numpy, onnxruntime and tokenizers; torch is used only to train it
(``python -m grapevine.text.train_accurate``).

Texts are normalised as for the fast tier (TweetEval's ``@user`` masking, URLs removed) and emoji
are spelt out by their Unicode names, because the encoder's vocabulary has none of them and would
otherwise see ``[UNK]`` where a tweet's emotion often sits.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from grapevine.text._features import normalize_batch
from grapevine.text._labels import LabelMethods

__all__ = ["THREADS_ENV", "AccurateModel", "encode", "load_accurate_model", "prepare"]

MODELS_DIR = Path(__file__).resolve().parent / "models"
MAX_CHARS = 2_000  # a post longer than this is cut before tokenising; the encoder sees 64-128 tokens
BATCH = 16  # texts per onnxruntime call, sorted by length; with float activations larger batches run slower
THREADS_ENV = "GRAPEVINE_ONNX_THREADS"  # onnxruntime intra-op threads when not given (default 1)

# Pictographs, dingbats, arrows and other symbol blocks where emoji live.
_EMOJI = re.compile(
    "[\u2190-\u21ff\u2300-\u23ff\u2460-\u27bf\u2900-\u297f\u2b00-\u2bff\u3030\u303d\u3297\u3299"
    "\U0001f000-\U0001faff]"
)
_JOINERS = re.compile("[\u200d\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")  # ZWJ, variation selectors, skin tones


@lru_cache(maxsize=4096)
def _emoji_words(char: str) -> str:
    name = unicodedata.name(char, "")
    return f" {name.lower()} " if name else " "


def prepare(texts: Sequence[object]) -> list[str]:
    """Return the texts as the encoder sees them: normalised, emoji spelt out, at most MAX_CHARS.

    Examples
    --------
    >>> prepare(["@Delta lost my bag again \U0001f621 https://t.co/x"])
    ['@user lost my bag again pouting face']
    """
    docs = normalize_batch([t[:MAX_CHARS] if isinstance(t, str) else "" for t in texts])
    try:
        "".join(docs).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: the Rust tokenizer accepts valid Unicode only
        docs = [d.encode("utf-8", "replace").decode("utf-8") for d in docs]
    out = []
    for doc in docs:
        if _EMOJI.search(doc):
            doc = " ".join(_EMOJI.sub(lambda m: _emoji_words(m.group()), _JOINERS.sub("", doc)).split())
        out.append(doc)
    return out


def encode(tokenizer: Any, docs: Sequence[str], max_length: int) -> list[list[int]]:
    """Token ids of prepared texts, ``[CLS] ... [SEP]``, cut to ``max_length`` tokens."""
    tokenizer.enable_truncation(max_length)
    tokenizer.no_padding()
    return [e.ids for e in tokenizer.encode_batch(list(docs), add_special_tokens=True)]


def pad(ids: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad token id lists with 0 into ``(input_ids, attention_mask)`` int64 arrays."""
    width = max((len(row) for row in ids), default=0)
    input_ids = np.zeros((len(ids), width), dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for i, row in enumerate(ids):
        input_ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return input_ids, mask


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class AccurateModel(LabelMethods):
    """A fine-tuned transformer text classifier run with onnxruntime.

    Attributes
    ----------
    task, version : str
        ``"sentiment"``/``"emotion"`` and e.g. ``"emotion-accurate-1"`` (stored next to each score).
    labels : tuple of str
        Classes, in the column order of ``predict_proba``.
    meta : dict
        Everything in the model's JSON file: held-out confusion matrix, metrics, training setup.
    threads : int
        onnxruntime intra-op threads this session uses.
    """

    def __init__(self, onnx_path: Path, tokenizer_path: Path, meta: dict[str, Any], threads: int = 1) -> None:
        import onnxruntime as ort  # type: ignore[import-untyped,import-not-found,unused-ignore]
        from tokenizers import Tokenizer  # type: ignore[import-untyped,import-not-found,unused-ignore]

        self.meta = meta
        self.task: str = meta["task"]
        self.tier: str = meta["tier"]
        self.version: str = meta["version"]
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.max_length = int(meta["max_length"])
        self.threads = threads
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Return the raw class scores, one row per text and one column per label."""
        n = len(texts)
        out = np.zeros((n, len(self.labels)), dtype=np.float32)
        if not n:
            return out
        ids = encode(self._tokenizer, prepare(texts), self.max_length)
        # Length-sorted batches: padding is what costs time in a transformer, not batch count.
        order = np.argsort([len(row) for row in ids], kind="stable")
        for start in range(0, n, BATCH):
            chunk = order[start : start + BATCH]
            input_ids, mask = pad([ids[i] for i in chunk])
            (result,) = self._session.run(["logits"], {"input_ids": input_ids, "attention_mask": mask})
            out[chunk] = result
        return out

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return class probabilities; rows sum to 1, columns as ``labels``."""
        return softmax(self.logits(texts).astype(np.float64))

    @property
    def confusion(self) -> np.ndarray:
        """Held-out confusion counts (rows = true, columns = predicted), from a split of TRAIN."""
        if "heldout_confusion" not in self.meta:
            raise ValueError(f"{self.version} was trained without a held-out split; it has no confusion.")
        return np.asarray(self.meta["heldout_confusion"]["matrix"], dtype=np.float64)

    def __repr__(self) -> str:
        return f"AccurateModel({self.version!r}, labels={list(self.labels)}, threads={self.threads})"


def model_paths(task: str, models_dir: Path = MODELS_DIR) -> tuple[Path, Path, Path]:
    """``(onnx, tokenizer, meta)`` paths of the accurate ``task`` model in ``models_dir``."""
    stem = models_dir / f"{task}-accurate"
    return stem.with_suffix(".onnx"), Path(f"{stem}.tokenizer.json"), stem.with_suffix(".json")


def load_accurate_model(
    task: str, models_dir: Path = MODELS_DIR, threads: int | None = None
) -> AccurateModel:
    """Load ``<task>-accurate`` from ``models_dir``.

    ``threads`` is onnxruntime's intra-op thread count; by default the ``GRAPEVINE_ONNX_THREADS``
    environment variable, else 1 (one thread per scoring process scales best across workers).
    """
    onnx_path, tokenizer_path, meta_path = model_paths(task, models_dir)
    missing = [p.name for p in (onnx_path, tokenizer_path, meta_path) if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            f"No accurate {task} model in {models_dir} (missing {', '.join(missing)}); build it with "
            f"`python -m grapevine.text.train_accurate --task {task}` or use the fast tier."
        )
    try:
        import onnxruntime  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: F401
        import tokenizers  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: F401
    except ImportError as exc:
        raise FileNotFoundError(
            f"The accurate {task} model needs onnxruntime and tokenizers ({exc}); "
            "pip install onnxruntime tokenizers, or use the fast tier."
        ) from exc
    if threads is None:
        threads = int(os.environ.get(THREADS_ENV, "1") or 1)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    return AccurateModel(onnx_path, tokenizer_path, meta, threads=max(1, threads))
