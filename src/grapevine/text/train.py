"""Rebuild the shipped ``fast`` sentiment and emotion models from the shared datasets.

Run ``python -m grapevine.text.train --task all`` (a few minutes on two cores). Needs the training
extras scikit-learn and vaderSentiment, which the runtime models do not need.

The recipe, for each one-vs-rest output: binary word (1-2 gram, negation-marked) and char_wb
(2-5 gram, hashed) features scaled by their naive-Bayes log-count ratio (NB-LR, Wang & Manning
2012), plus eight VADER-lexicon polarity features, then a class-balanced logistic regression. The
ratio is folded into the weights, so the shipped model is a plain linear model over binary
features. Hyper-parameters were picked once on TweetEval val (model selection only); the
held-out confusion matrix and decision thresholds come from cross-validation on the TRAIN data.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from grapevine.text._fast import MODELS_DIR, char_ngram_hashes, load_fast_model
from grapevine.text._features import (
    CHAR_BITS,
    HASH_MIX,
    LEXICON_FEATURES,
    lexicon_features,
    normalize,
    normalize_batch,
    word_features,
    word_tokens,
)

__all__ = [
    "EMOTION",
    "SENTIMENT",
    "Featurizer",
    "NBLRFit",
    "TrainResult",
    "build_lexicon",
    "fit_nblr",
    "main",
    "train_emotion",
    "train_sentiment",
]

RANDOM_STATE = 0
FOLDS = 5
SENTIMENT: dict[str, Any] = {
    "version": "sentiment-fast-1",
    "labels": ["negative", "neutral", "positive"],  # TweetEval ids 0, 1, 2
    "C": 0.05,
    "word_min_df": 2,
    "char_min_df": 3,
    "nb_alpha": 1.0,
}
EMOTION: dict[str, Any] = {
    "version": "emotion-fast-1",
    "labels": ["anger", "joy", "optimism", "sadness"],  # TweetEval ids 0, 1, 2, 3
    "C": 1.0,
    "word_min_df": 2,
    "char_min_df": 2,
    "nb_alpha": 1.0,
}
EC_LABELS = [
    "anger",
    "anticipation",
    "disgust",
    "fear",
    "joy",
    "love",
    "optimism",
    "pessimism",
    "sadness",
    "surprise",
    "trust",
]


# -- data ------------------------------------------------------------------------------------------


def default_data_dir() -> Path:
    """Return GRAPEVINE_DATA, else ``shared/data`` beside the checkout (as the tests do)."""
    env = os.environ.get("GRAPEVINE_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[4] / "shared" / "data"


def read_lines(path: Path) -> list[str]:
    """Read one item per line (TweetEval format), keeping empty lines so texts and labels align."""
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").rstrip("\r") for line in f]


def load_tweeteval(data_dir: Path, task: str, split: str) -> tuple[list[str], np.ndarray]:
    """Return TweetEval ``task`` ``split`` texts and integer labels."""
    base = data_dir / "tweeteval" / task
    texts = read_lines(base / f"{split}_text.txt")
    labels = np.array([int(x) for x in read_lines(base / f"{split}_labels.txt")])
    if len(texts) != len(labels):
        raise ValueError(f"{base}: {len(texts)} texts but {len(labels)} labels")
    return texts, labels


def load_sentiment_train(data_dir: Path) -> tuple[list[str], np.ndarray]:
    """Return the SemEval-2017 4A training tweets (TweetEval's sentiment train pool)."""
    path = data_dir / "tweeteval" / "semeval2017_task4A" / "train_combined.tsv"
    texts, labels = [], []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            texts.append(row["text"])
            labels.append(int(row["label_id"]))
    return texts, np.array(labels)


def load_ec(data_dir: Path, split: str) -> tuple[list[str], np.ndarray]:
    """Return SemEval-2018 E-c ``train``/``dev`` tweets and their 11 binary labels (EC_LABELS order)."""
    path = data_dir / "semeval2018_ec" / f"2018-E-c-En-{split}.txt"
    texts, rows = [], []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        if header[2:] != EC_LABELS:
            raise ValueError(f"{path}: unexpected columns {header}")
        for row in reader:
            texts.append(row[1])
            rows.append([int(x) for x in row[2:]])
    return texts, np.array(rows, dtype=np.int64)


def overlap_key(text: str) -> str:
    """Key used to find the same tweet in two datasets (masking, case and punctuation ignored)."""
    return re.sub(r"\W+", "", normalize(text).lower().replace("@user", ""))


# -- features --------------------------------------------------------------------------------------


def build_lexicon() -> dict[str, float]:
    """Return VADER's word/emoticon valences plus emoji valences (MIT, C.J. Hutto).

    Emoji get the VADER compound score of their description (times 4, VADER's scale). Only
    entries that our tokenizer yields as one token are kept, so the lexicon is usable as is.
    """
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit("Training needs vaderSentiment: pip install vaderSentiment") from exc
    analyzer = SentimentIntensityAnalyzer()
    lexicon = {k.lower(): float(v) for k, v in analyzer.lexicon.items()}
    for emoji, description in analyzer.emojis.items():
        compound = analyzer.polarity_scores(description)["compound"]
        if abs(compound) >= 0.05:
            lexicon.setdefault(emoji, round(4 * compound, 3))
    return {k: v for k, v in sorted(lexicon.items()) if word_tokens(k) == [k] and not k.startswith("#")}


class Featurizer:
    """Fit the vocabularies on training texts and turn texts into (binary sparse, dense) matrices."""

    def __init__(self, lexicon: dict[str, float], word_min_df: int, char_min_df: int) -> None:
        self.lexicon = lexicon
        self.word_min_df = word_min_df
        self.char_min_df = char_min_df

    def fit_transform(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray]:
        from sklearn.feature_extraction.text import CountVectorizer

        docs = normalize_batch(list(texts))
        self.words = CountVectorizer(analyzer=word_features, min_df=self.word_min_df, binary=True)
        word_matrix = self.words.fit_transform(docs)
        counts = char_counts(docs)
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.char_buckets = np.flatnonzero(df >= self.char_min_df).astype(np.uint32)
        return self._stack(word_matrix, counts, docs)

    def transform(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray]:
        docs = normalize_batch(list(texts))
        return self._stack(self.words.transform(docs), char_counts(docs), docs)

    def _stack(self, words: Any, chars: sp.csr_matrix, docs: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
        matrix = sp.hstack([words, chars[:, self.char_buckets]], format="csr")
        matrix.data[:] = 1.0
        dense = np.array([lexicon_features(d, self.lexicon) for d in docs]).reshape(len(docs), -1)
        return matrix, dense

    @property
    def vocabulary(self) -> list[str]:
        return list(self.words.get_feature_names_out())


def char_counts(docs: Sequence[str]) -> sp.csr_matrix:
    """Counts of hashed char_wb n-grams per normalised text (2**CHAR_BITS columns)."""
    hashes, doc = char_ngram_hashes(docs)
    buckets = ((hashes * np.uint64(HASH_MIX)) >> np.uint64(64 - CHAR_BITS)).astype(np.int64)
    matrix = sp.csr_matrix(
        (np.ones(len(buckets)), (doc, buckets)), shape=(len(docs), 1 << CHAR_BITS), dtype=np.float64
    )
    matrix.sum_duplicates()
    return matrix


# -- model -----------------------------------------------------------------------------------------


@dataclass
class NBLRFit:
    """Fitted one-vs-rest NB-LR: folded weights as shipped, plus the scikit-learn estimators.

    The estimators' coefficients are overwritten with the shipped (float16-rounded) weights, so
    ``estimators[j].predict_proba(hstack([X.multiply(ratios[j]), dense]))`` is exactly what the
    numpy runtime computes; the tests check that.
    """

    weights: np.ndarray  # (n_sparse, n_outputs), NB ratio folded in
    dense_weights: np.ndarray  # (n_dense, n_outputs)
    intercepts: np.ndarray  # (n_outputs,)
    estimators: list[Any] = field(default_factory=list)
    ratios: list[np.ndarray] = field(default_factory=list)


def fit_nblr(
    matrix: sp.csr_matrix, dense: np.ndarray, targets: np.ndarray, C: float, alpha: float
) -> NBLRFit:
    """Fit one NB-LR per target column and round the weights to their shipped precision.

    Sparse weights are stored as float16, dense weights and intercepts as float32; every metric
    computed from the result is therefore the shipped model's.
    """
    from sklearn.linear_model import LogisticRegression

    n_sparse, n_out = matrix.shape[1], targets.shape[1]
    fit = NBLRFit(np.zeros((n_sparse, n_out)), np.zeros((dense.shape[1], n_out)), np.zeros(n_out))
    for j in range(n_out):
        y = targets[:, j]
        ratio = nb_ratio(matrix, y, alpha)
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, random_state=RANDOM_STATE)
        model.fit(sp.hstack([matrix.multiply(ratio).tocsr(), sp.csr_matrix(dense)], format="csr"), y)
        coef = model.coef_.ravel()
        folded = (ratio * coef[:n_sparse]).astype(np.float16).astype(np.float64)
        dense_coef = coef[n_sparse:].astype(np.float32).astype(np.float64)
        intercept = np.float64(np.float32(model.intercept_[0]))
        # Write the rounded weights back (unfolded) so the estimator is the shipped model.
        unfolded = np.divide(folded, ratio, out=np.zeros_like(folded), where=ratio != 0)
        model.coef_ = np.concatenate([unfolded, dense_coef])[None, :]
        model.intercept_ = np.array([intercept])
        fit.weights[:, j], fit.dense_weights[:, j], fit.intercepts[j] = folded, dense_coef, intercept
        fit.estimators.append(model)
        fit.ratios.append(ratio)
    return fit


def nb_ratio(matrix: sp.csr_matrix, y: np.ndarray, alpha: float) -> np.ndarray:
    """Naive-Bayes log-count ratio of each binary feature for target ``y`` (Wang & Manning 2012)."""
    positive = alpha + np.asarray(matrix[y == 1].sum(axis=0)).ravel()
    negative = alpha + np.asarray(matrix[y == 0].sum(axis=0)).ravel()
    return np.log(positive / positive.sum()) - np.log(negative / negative.sum())


def output_proba(matrix: sp.csr_matrix, dense: np.ndarray, fit: NBLRFit) -> np.ndarray:
    """Probability of each one-vs-rest output (the same arithmetic as the runtime)."""
    logits = matrix @ fit.weights + dense @ fit.dense_weights + fit.intercepts
    return 0.5 * (1.0 + np.tanh(0.5 * logits))


def cross_val_proba(
    matrix: sp.csr_matrix, dense: np.ndarray, targets: np.ndarray, strata: np.ndarray, cfg: dict[str, Any]
) -> np.ndarray:
    """Out-of-fold output probabilities (vocabulary shared, NB ratios and weights fitted in-fold)."""
    from sklearn.model_selection import StratifiedKFold

    out = np.zeros(targets.shape, dtype=np.float64)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=RANDOM_STATE)
    for train_idx, test_idx in folds.split(np.zeros(len(strata)), strata):
        fit = fit_nblr(matrix[train_idx], dense[train_idx], targets[train_idx], cfg["C"], cfg["nb_alpha"])
        out[test_idx] = output_proba(matrix[test_idx], dense[test_idx], fit)
    return out


def confusion(true: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(true * k + pred, minlength=k * k).reshape(k, k)


def best_threshold(proba: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Return the (threshold, F1) that maximises F1 of ``proba >= threshold`` on held-out data."""
    best = (0.5, -1.0)
    for threshold in np.round(np.arange(0.05, 0.951, 0.025), 3):
        pred = proba >= threshold
        tp = float(np.sum(pred & (y == 1)))
        f1 = 2 * tp / max(float(pred.sum() + y.sum()), 1.0)
        if f1 > best[1] + 1e-12:
            best = (float(threshold), f1)
    return best


def save_model(
    out_dir: Path,
    task: str,
    featurizer: Featurizer,
    fit: NBLRFit,
    meta: dict[str, Any],
) -> None:
    """Write ``<task>-fast.npz`` (arrays only) and ``<task>-fast.json``."""
    weights, dense_weights, intercepts = fit.weights, fit.dense_weights, fit.intercepts
    n_word = len(featurizer.vocabulary)
    lexicon = featurizer.lexicon
    out_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out_dir / f"{task}-fast.npz",
        word_vocab=np.frombuffer("\n".join(featurizer.vocabulary).encode("utf-8"), dtype=np.uint8),
        char_buckets=featurizer.char_buckets,
        word_weights=weights[:n_word].astype(np.float16),
        char_weights=weights[n_word:].astype(np.float16),
        dense_weights=dense_weights.astype(np.float32),
        intercept=intercepts.astype(np.float32),
        lexicon_tokens=np.frombuffer("\n".join(lexicon).encode("utf-8"), dtype=np.uint8),
        lexicon_values=np.array(list(lexicon.values()), dtype=np.float32),
    )
    (out_dir / f"{task}-fast.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def _common_meta(
    task: str, cfg: dict[str, Any], outputs: list[str], featurizer: Featurizer
) -> dict[str, Any]:
    import sklearn

    return {
        "task": task,
        "tier": "fast",
        "version": cfg["version"],
        "outputs": outputs,
        "labels": cfg["labels"],
        "features": {
            "word": "1-2 grams + first/last word, negation-marked (_NEG), binary, min_df "
            f"{cfg['word_min_df']}: {len(featurizer.vocabulary)} features",
            "char": f"char_wb 2-5 grams hashed into 2**{CHAR_BITS} buckets, binary, min_df "
            f"{cfg['char_min_df']}: {len(featurizer.char_buckets)} buckets",
            "dense": list(LEXICON_FEATURES),
            "lexicon": f"VADER lexicon + emoji ({len(featurizer.lexicon)} entries; MIT, C.J. Hutto)",
        },
        "model": f"one-vs-rest NB-LR, logistic regression C={cfg['C']}, class_weight=balanced, "
        f"NB alpha={cfg['nb_alpha']}, weights stored as float16",
        "trained_with": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
        "random_state": RANDOM_STATE,
    }


# -- tasks -----------------------------------------------------------------------------------------


@dataclass
class TrainResult:
    """What a training run produced: the metadata written, the featurizer and the fitted model."""

    meta: dict[str, Any]
    featurizer: Featurizer
    fit: NBLRFit


def train_sentiment(
    data_dir: Path, out_dir: Path, limit: int | None = None, folds: bool = True
) -> TrainResult:
    """Train, cross-validate, save and evaluate the fast sentiment model."""
    from grapevine.text.evaluate import evaluate

    cfg = SENTIMENT
    texts, labels = load_sentiment_train(data_dir)
    if limit:
        texts, labels = texts[:limit], labels[:limit]
    log(f"Training sentiment on {len(texts):,} SemEval-2017 4A tweets")
    featurizer = Featurizer(build_lexicon(), cfg["word_min_df"], cfg["char_min_df"])
    matrix, dense = featurizer.fit_transform(texts)
    targets = np.eye(3, dtype=np.int64)[labels]
    meta = _common_meta("sentiment", cfg, cfg["labels"], featurizer)
    meta["training_data"] = {
        "file": "tweeteval/semeval2017_task4A/train_combined.tsv",
        "n": len(texts),
        "class_counts": np.bincount(labels, minlength=3).tolist(),
    }
    if folds:
        oof = cross_val_proba(matrix, dense, targets, labels, cfg)
        pred = oof.argmax(axis=1)
        matrix_cv = confusion(labels, pred, 3)
        meta["heldout_confusion"] = {
            "labels": cfg["labels"],
            "matrix": matrix_cv.tolist(),
            "source": f"{FOLDS}-fold stratified cross-validation on the training tweets (not TweetEval val)",
        }
        meta["metrics"] = {"train_cv": _metrics_from_confusion(matrix_cv)}
        log(f"  cross-validated macro-recall {meta['metrics']['train_cv']['macro_recall']:.4f}")
    fit = fit_nblr(matrix, dense, targets, cfg["C"], cfg["nb_alpha"])
    save_model(out_dir, "sentiment", featurizer, fit, meta)
    val_dir = data_dir / "tweeteval" / "sentiment"
    if (val_dir / "val_text.txt").is_file():
        val_texts, val_labels = load_tweeteval(data_dir, "sentiment", "val")
        report = evaluate("sentiment", val_texts, val_labels.tolist(), load_fast_model("sentiment", out_dir))
        meta.setdefault("metrics", {})["tweeteval_val"] = _short(report)
        save_model(out_dir, "sentiment", featurizer, fit, meta)
        log(f"  TweetEval val macro-recall {report['macro_recall']:.4f}")
    return TrainResult(meta, featurizer, fit)


def train_emotion(data_dir: Path, out_dir: Path, limit: int | None = None, folds: bool = True) -> TrainResult:
    """Train, cross-validate, save and evaluate the fast emotion model."""
    from grapevine.text.evaluate import evaluate, multilabel_report

    cfg = EMOTION
    texts, targets = load_ec(data_dir, "train")
    val_texts, val_labels = load_tweeteval(data_dir, "emotion", "val")
    # TweetEval emotion val was drawn from E-c; drop any training tweet that is also a val tweet.
    val_keys = {overlap_key(t) for t in val_texts}
    keep = [i for i, t in enumerate(texts) if overlap_key(t) not in val_keys]
    removed = len(texts) - len(keep)
    texts, targets = [texts[i] for i in keep], targets[keep]
    if limit:
        texts, targets = texts[:limit], targets[:limit]
    log(f"Training emotion on {len(texts):,} SemEval-2018 E-c tweets ({removed} val overlaps removed)")
    featurizer = Featurizer(build_lexicon(), cfg["word_min_df"], cfg["char_min_df"])
    matrix, dense = featurizer.fit_transform(texts)
    core = [EC_LABELS.index(label) for label in cfg["labels"]]
    meta = _common_meta("emotion", cfg, EC_LABELS, featurizer)
    meta["training_data"] = {
        "file": "semeval2018_ec/2018-E-c-En-train.txt",
        "n": len(texts),
        "removed_val_overlaps": removed,
        "label_counts": dict(zip(EC_LABELS, targets.sum(axis=0).tolist(), strict=True)),
    }
    thresholds = dict.fromkeys(EC_LABELS, 0.5)
    if folds:
        # Stratify on the core single label where there is one (else a shared "other" stratum).
        single = targets[:, core].sum(axis=1) == 1
        strata = np.where(single, targets[:, core].argmax(axis=1), len(core))
        oof = cross_val_proba(matrix, dense, targets, strata, cfg)
        cv_f1 = {}
        for j, label in enumerate(EC_LABELS):
            thresholds[label], cv_f1[label] = best_threshold(oof[:, j], targets[:, j])
        pred = oof[:, core].argmax(axis=1)
        matrix_cv = confusion(strata[single], pred[single], len(core))
        meta["heldout_confusion"] = {
            "labels": cfg["labels"],
            "matrix": matrix_cv.tolist(),
            "source": f"{FOLDS}-fold cross-validation on E-c train tweets with exactly one of the four labels",
        }
        meta["metrics"] = {
            "train_cv": _metrics_from_confusion(matrix_cv),
            "train_cv_multilabel_f1": {k: round(v, 4) for k, v in cv_f1.items()},
        }
        log(f"  cross-validated 4-class macro-F1 {meta['metrics']['train_cv']['macro_f1']:.4f}")
    meta["thresholds"] = thresholds
    meta["thresholds_source"] = "per-label F1-optimal threshold on out-of-fold training predictions"
    fit = fit_nblr(matrix, dense, targets, cfg["C"], cfg["nb_alpha"])
    save_model(out_dir, "emotion", featurizer, fit, meta)
    model = load_fast_model("emotion", out_dir)
    report = evaluate("emotion", val_texts, val_labels.tolist(), model)
    meta.setdefault("metrics", {})["tweeteval_val"] = _short(report)
    dev_texts, dev_targets = load_ec(data_dir, "dev")
    meta["metrics"]["ec_dev_multilabel"] = multilabel_report(model, dev_texts, dev_targets, EC_LABELS)
    save_model(out_dir, "emotion", featurizer, fit, meta)
    log(f"  TweetEval val macro-F1 {report['macro_f1']:.4f}")
    return TrainResult(meta, featurizer, fit)


def _metrics_from_confusion(matrix: np.ndarray) -> dict[str, float]:
    from grapevine.text.evaluate import metrics_from_confusion

    return {k: round(float(v), 4) for k, v in metrics_from_confusion(matrix).items() if k != "per_class"}


def _short(report: dict[str, Any]) -> dict[str, Any]:
    keys = ("n", "macro_recall", "macro_f1", "accuracy", "confusion_matrix", "labels")
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in report.items() if k in keys}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m grapevine.text.train [--task sentiment|emotion|all] [--tier fast]``."""
    parser = argparse.ArgumentParser(
        prog="python -m grapevine.text.train",
        description="Rebuild the shipped fast sentiment/emotion models from the shared datasets.",
        epilog="Example: python -m grapevine.text.train --task all --data ../shared/data",
    )
    parser.add_argument("--task", choices=["sentiment", "emotion", "all"], default="all")
    parser.add_argument("--tier", choices=["fast"], default="fast")
    parser.add_argument(
        "--data", type=Path, default=None, help="the shared data folder (default GRAPEVINE_DATA)"
    )
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="where to write the model files")
    parser.add_argument(
        "--limit", type=int, default=None, help="train on the first N rows only (smoke tests)"
    )
    parser.add_argument(
        "--no-cv", action="store_true", help="skip cross-validation (no confusion/thresholds)"
    )
    args = parser.parse_args(argv)
    data_dir = args.data or default_data_dir()
    if not data_dir.is_dir():
        parser.error(f"data folder {data_dir} not found; pass --data or set GRAPEVINE_DATA")
    started = time.perf_counter()
    tasks = ["sentiment", "emotion"] if args.task == "all" else [args.task]
    for task in tasks:
        trainer = train_sentiment if task == "sentiment" else train_emotion
        trainer(data_dir, args.out, limit=args.limit, folds=not args.no_cv)
    log(f"Done in {time.perf_counter() - started:.0f} s; models in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
