"""The ``fast`` tier: linear models over word, character and lexicon features, in numpy/scipy only.

A model is two files under ``models/``: ``<task>-fast.npz`` (arrays only, read with
``allow_pickle=False``) and ``<task>-fast.json`` (labels, thresholds, held-out confusion, metrics).
Features are computed for a whole batch at once: the regular expressions run over the joined
texts and the character n-grams are hashed with vectorised numpy arithmetic, which is what makes
this faster than a per-post Python loop such as VADER.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from grapevine.text._features import (
    CHAR_BITS,
    CHAR_MAX_N,
    CHAR_MIN_N,
    HASH_BASE,
    HASH_MIX,
    LEXICON_FEATURES,
    NEGATED_VALENCE,
    TOKEN_PATTERN,
    is_negator,
    is_scope_end,
    normalize_batch,
)
from grapevine.text._labels import LabelMethods

__all__ = ["MAX_CHARS", "FastModel", "load_fast_model"]

MODELS_DIR = Path(__file__).resolve().parent / "models"
MAX_CHARS = 10_000  # longer texts are cut: posts are short, and this bounds memory per batch
BATCH = 4096  # texts featurised at once; bounds the size of the temporary arrays
_BATCH_TOKEN = re.compile(r"\n|" + TOKEN_PATTERN)
_SEP, _UNKNOWN = 0, -1


class FastModel(LabelMethods):
    """A one-vs-rest linear text classifier loaded from the package's shipped weights.

    Attributes
    ----------
    task, version : str
        ``"sentiment"``/``"emotion"`` and e.g. ``"sentiment-fast-1"`` (stored next to each score).
    labels : tuple of str
        Classes of the single-label head, in the column order of ``predict_proba``.
    outputs : tuple of str
        Every one-vs-rest output; ``multilabel_labels`` lists the ones with a decision threshold.
    meta : dict
        Everything in the model's JSON file: held-out confusion matrix, metrics, training setup.
    """

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        self.meta = meta
        self.task: str = meta["task"]
        self.tier: str = meta["tier"]
        self.version: str = meta["version"]
        self.outputs: tuple[str, ...] = tuple(meta["outputs"])
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self._label_columns = np.array([self.outputs.index(label) for label in self.labels])
        thresholds: dict[str, float] = meta.get("thresholds", {})
        self.multilabel_labels: tuple[str, ...] = tuple(o for o in self.outputs if o in thresholds)
        self.thresholds = np.array([thresholds[o] for o in self.multilabel_labels], dtype=np.float64)
        self._multilabel_columns = np.array(
            [self.outputs.index(o) for o in self.multilabel_labels], dtype=int
        )
        self._build_word_tables(arrays)
        self._build_char_table(arrays)
        self.weights = np.vstack([arrays["word_weights"], arrays["char_weights"]]).astype(np.float64)
        self.dense_weights = arrays["dense_weights"].astype(np.float64)
        self.intercept = arrays["intercept"].astype(np.float64)

    # -- loading ---------------------------------------------------------------------------------

    def _build_word_tables(self, arrays: dict[str, np.ndarray]) -> None:
        # Turn the vocabulary strings into lookup arrays indexed by token type, so that batch
        # featurisation needs one dict lookup per token and numpy for the rest.
        vocab = bytes(arrays["word_vocab"]).decode("utf-8").split("\n")
        lex_tokens = bytes(arrays["lexicon_tokens"]).decode("utf-8").split("\n")
        lex_values = arrays["lexicon_values"].astype(np.float64)
        self.n_word = len(vocab)
        types: dict[str, int] = {"\n": _SEP}
        marked: dict[str, int] = {}  # marked unigram ("good", "good_NEG") -> id

        def type_id(token: str) -> int:
            return types.setdefault(token, len(types))

        def marked_id(feature: str) -> int:
            type_id(feature.removesuffix("_NEG"))
            return marked.setdefault(feature, len(marked))

        unigram_rows: dict[int, int] = {}
        bigrams: list[tuple[int, int, int]] = []
        firsts: dict[int, int] = {}
        lasts: dict[int, int] = {}
        for row, feature in enumerate(vocab):
            parts = feature.split(" ")
            if len(parts) == 1:
                unigram_rows[marked_id(feature)] = row
            elif parts[0] == "<first>":
                firsts[marked_id(parts[1])] = row
            elif parts[1] == "<last>":
                lasts[marked_id(parts[0])] = row
            else:
                bigrams.append((marked_id(parts[0]), marked_id(parts[1]), row))
        for token in lex_tokens:
            type_id(token)
            type_id("#" + token)
        n_types, n_marked = len(types), len(marked)
        self._types = types
        plain = np.full(n_types, -1, dtype=np.int64)
        negated = np.full(n_types, -1, dtype=np.int64)
        for feature, mid in marked.items():
            if feature.endswith("_NEG"):
                negated[types[feature[:-4]]] = mid
            else:
                plain[types[feature]] = mid
        self._plain_marked, self._negated_marked = plain, negated
        self._unigram_row = _lookup_array(unigram_rows, n_marked)
        self._first_row = _lookup_array(firsts, n_marked)
        self._last_row = _lookup_array(lasts, n_marked)
        keys = np.array([a * n_marked + b for a, b, _ in bigrams], dtype=np.int64)
        rows = np.array([r for _, _, r in bigrams], dtype=np.int64)
        order = np.argsort(keys)
        self._bigram_keys, self._bigram_rows, self._n_marked = keys[order], rows[order], n_marked
        token_list = sorted(types, key=types.__getitem__)
        self._is_negator = np.array([is_negator(t) for t in token_list])
        self._is_reset = np.array([t == "\n" or is_scope_end(t) for t in token_list])
        self._exclamations = np.array([t.count("!") if t[0] in "!?" else 0 for t in token_list])
        valence = np.zeros(n_types)
        for token, value in zip(lex_tokens, lex_values, strict=True):
            valence[types[token]] = value
            valence[types["#" + token]] = value
        self._valence = valence

    def _build_char_table(self, arrays: dict[str, np.ndarray]) -> None:
        buckets = arrays["char_buckets"].astype(np.int64)
        table = np.full(1 << CHAR_BITS, -1, dtype=np.int32)
        table[buckets] = np.arange(len(buckets)) + self.n_word
        self._char_row = table
        self.n_char = len(buckets)

    # -- features --------------------------------------------------------------------------------

    def features(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray]:
        """Return the binary word+char feature matrix and the dense lexicon features of a batch."""
        docs = normalize_batch([t[:MAX_CHARS] if isinstance(t, str) else "" for t in texts])
        n = len(docs)
        word_docs, word_rows, dense = self._word_features(docs)
        char_docs, char_rows = self._char_features(docs)
        n_features = self.n_word + self.n_char
        keys = np.concatenate([word_docs * n_features + word_rows, char_docs * n_features + char_rows])
        keys.sort()  # sort + neighbour test: much faster than np.unique's hash table here
        keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys
        doc_of = keys // n_features
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(doc_of, minlength=n), out=indptr[1:])
        matrix = sp.csr_matrix(
            (np.ones(len(keys)), keys - doc_of * n_features, indptr), shape=(n, n_features)
        )
        return matrix, dense

    def _word_features(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(docs)
        tokens = _BATCH_TOKEN.findall("\n".join(docs).lower())
        if not tokens:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros((n, len(LEXICON_FEATURES)))
        ids = np.fromiter(map(self._types.get, tokens, repeat(_UNKNOWN)), dtype=np.int64, count=len(tokens))
        unknown = np.flatnonzero(ids == _UNKNOWN)
        safe = np.where(ids == _UNKNOWN, _SEP, ids)
        negator_flags = self._is_negator[safe]
        reset_flags = self._is_reset[safe]
        exclamations = self._exclamations[safe]
        for i in unknown.tolist():  # tokens outside the vocabulary: only their flags matter
            token = tokens[i]
            negator_flags[i] = is_negator(token)
            reset_flags[i] = is_scope_end(token)
            exclamations[i] = token.count("!") if token[0] in "!?" else 0
        is_sep = ids == _SEP
        doc = np.cumsum(is_sep)
        position = np.arange(len(tokens))
        # A token is negated when a negator precedes it with no scope end (or new post) between.
        last_negator = np.maximum.accumulate(np.where(negator_flags, position, -1))
        last_negator = np.concatenate([[-1], last_negator[:-1]])
        last_reset = np.maximum.accumulate(np.where(reset_flags, position, -1))
        negated = last_negator > last_reset
        marked = np.where(negated, self._negated_marked[safe], self._plain_marked[safe])
        marked[unknown] = -1
        words = ~is_sep
        # unigrams
        rows = np.where(marked >= 0, self._unigram_row[marked], -1)
        parts_doc, parts_row = [doc[words]], [rows[words]]
        # bigrams: two neighbouring tokens of the same post, both known
        pair = words[:-1] & words[1:] & (marked[:-1] >= 0) & (marked[1:] >= 0)
        keys = marked[:-1][pair] * self._n_marked + marked[1:][pair]
        at = np.minimum(np.searchsorted(self._bigram_keys, keys), max(len(self._bigram_keys) - 1, 0))
        found = self._bigram_keys[at] == keys if len(self._bigram_keys) else np.zeros(len(keys), bool)
        parts_doc.append(doc[:-1][pair][found])
        parts_row.append(self._bigram_rows[at[found]])
        # first and last word of each post
        before = np.concatenate([[True], is_sep[:-1]])
        after = np.concatenate([is_sep[1:], [True]])
        for edge, table in ((words & before, self._first_row), (words & after, self._last_row)):
            m = marked[edge]
            parts_doc.append(doc[edge])
            parts_row.append(np.where(m >= 0, table[m], -1))
        all_doc, all_row = np.concatenate(parts_doc), np.concatenate(parts_row)
        keep = all_row >= 0
        dense = self._lexicon_features(n, doc, words, safe, negated, exclamations)
        return all_doc[keep], all_row[keep], dense

    def _lexicon_features(
        self,
        n: int,
        doc: np.ndarray,
        words: np.ndarray,
        safe: np.ndarray,
        negated: np.ndarray,
        exclamations: np.ndarray,
    ) -> np.ndarray:
        valence = self._valence[safe]
        valence = np.where(negated, NEGATED_VALENCE * valence, valence)
        hit = np.flatnonzero(words & (valence != 0))
        value, where = valence[hit], doc[hit]
        positive, negative = value > 0, value < 0
        dense = np.zeros((n, len(LEXICON_FEATURES)))
        dense[:, 0] = np.log1p(np.bincount(where[positive], weights=value[positive], minlength=n))
        dense[:, 1] = np.log1p(-np.bincount(where[negative], weights=value[negative], minlength=n))
        dense[:, 2] = np.bincount(where[positive], minlength=n) / 3
        dense[:, 3] = np.bincount(where[negative], minlength=n) / 3
        if len(hit):
            high = np.full(n, -np.inf)
            low = np.full(n, np.inf)
            np.maximum.at(high, where, value)
            np.minimum.at(low, where, value)
            has = np.isfinite(high)
            dense[has, 4] = high[has] / 4
            dense[has, 5] = low[has] / 4
            last = np.flatnonzero(np.concatenate([where[1:] != where[:-1], [True]]))
            dense[where[last], 6] = value[last] / 4
        dense[:, 7] = np.log1p(np.bincount(doc[words], weights=exclamations[words], minlength=n))
        return dense

    def _char_features(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        hashes, doc = char_ngram_hashes(docs)
        buckets = (hashes * np.uint64(HASH_MIX)) >> np.uint64(64 - CHAR_BITS)
        rows = self._char_row[buckets.astype(np.int64)]
        keep = rows >= 0
        return doc[keep], rows[keep]

    # -- scoring ---------------------------------------------------------------------------------

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Return the raw one-vs-rest scores (logits), one column per entry of ``outputs``."""
        parts = []
        for start in range(0, len(texts), BATCH):
            matrix, dense = self.features(texts[start : start + BATCH])
            parts.append(matrix @ self.weights + dense @ self.dense_weights + self.intercept)
        if not parts:
            return np.zeros((0, len(self.outputs)))
        return np.vstack(parts)

    def output_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return the independent probability of every output (columns as ``outputs``)."""
        return _sigmoid(self.decision_function(texts))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return class probabilities of the single-label head; rows sum to 1, columns as ``labels``."""
        # p_c / sum(p) with p_c = sigmoid(z_c), computed in log space so it never divides by 0.
        log_p = -np.logaddexp(0.0, -self.decision_function(texts)[:, self._label_columns])
        log_p -= log_p.max(axis=1, keepdims=True) if len(log_p) else 0.0
        proba = np.exp(log_p)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict_multilabel_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return the probability of each multi-label output (columns as ``multilabel_labels``)."""
        return self.output_proba(texts)[:, self._multilabel_columns]

    def predict_multilabel(self, texts: Sequence[str]) -> list[list[str]]:
        """Return, for each text, the multi-label outputs whose probability reaches its threshold."""
        hits = self.predict_multilabel_proba(texts) >= self.thresholds
        return [[self.multilabel_labels[j] for j in np.flatnonzero(row)] for row in hits]

    @property
    def confusion(self) -> np.ndarray:
        """Held-out confusion counts of the single-label head (rows = true, columns = predicted)."""
        if "heldout_confusion" not in self.meta:
            raise ValueError(
                f"{self.version} was trained without cross-validation; it has no held-out confusion."
            )
        return np.asarray(self.meta["heldout_confusion"]["matrix"], dtype=np.float64)

    def __repr__(self) -> str:
        return f"FastModel({self.version!r}, labels={list(self.labels)})"


def char_ngram_hashes(docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hash every char_wb n-gram of normalised texts; returns ``(hashes, doc_index)``.

    Equal to ``hash_ngram`` over ``char_wb_ngrams`` of each text (before the bucket step), but
    computed for the whole batch with numpy: the padded words of all texts sit in one code point
    array, and a window is kept when it holds no separator and no inner space.
    """
    joined = "".join([" " + d.lower() + " \x00" if d else "\x00" for d in docs])
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    space = points == 32  # normalised text holds single spaces only
    separator = points == 0
    doc = np.cumsum(separator)
    size = len(points)
    hashes, docs_out = [], []
    h = points.copy()
    valid = ~separator
    base = np.uint64(HASH_BASE)
    with np.errstate(over="ignore"):
        for n in range(2, CHAR_MAX_N + 1):
            length = size - n + 1
            if length <= 0:
                break
            h = h[:length] * base + points[n - 1 :]
            valid = valid[:length] & ~separator[n - 1 :]
            if n >= 3:
                valid &= ~space[n - 2 : n - 2 + length]
            if n >= CHAR_MIN_N:
                at = np.flatnonzero(valid)
                hashes.append(h[at])
                docs_out.append(doc[at])
    if not hashes:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    return np.concatenate(hashes), np.concatenate(docs_out)


def _lookup_array(mapping: dict[int, int], size: int) -> np.ndarray:
    out = np.full(size, -1, dtype=np.int64)
    if mapping:
        out[np.fromiter(mapping.keys(), dtype=np.int64)] = np.fromiter(mapping.values(), dtype=np.int64)
    return out


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def load_fast_model(task: str, models_dir: Path = MODELS_DIR) -> FastModel:
    """Load ``<task>-fast`` from ``models_dir`` (arrays with ``allow_pickle=False``)."""
    weights = models_dir / f"{task}-fast.npz"
    meta_path = models_dir / f"{task}-fast.json"
    if not weights.is_file() or not meta_path.is_file():
        raise FileNotFoundError(
            f"No fast {task} model in {models_dir}; rebuild it with `python -m grapevine.text.train --task {task}`."
        )
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    with np.load(weights, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    return FastModel(arrays, meta)
