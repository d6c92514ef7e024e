"""Train and evaluate the care forecast on the customer-care data in ``../shared/data``.

``python -m grapevine.care.train [--data DIR]`` rebuilds ``models/care-forecast.json``;
:func:`evaluate_trajectory` (``grapevine eval trajectory``) measures it.

Data. TWCS (the first 5,000 rows of Customer Support on Twitter) and the IBM customer-care
dialogs (twitter_cdp dev) are ingested into a scratch workspace and threaded. Brand accounts
come from the data's own annotations: TWCS rows with ``inbound=False`` and the IBM ``agent``
turns and companies. The turns are scored with the *accurate* sentiment/emotion models by
default, since those are what the inbox reads when a store has them; the scores are memoised
per text and model version under ``$GRAPEVINE_CACHE`` (default ``~/.cache/grapevine``), so a
second run takes seconds. The airline tweets have no reply structure (their ids were destroyed
by a spreadsheet), so they cannot teach how a conversation ends; they check the per-turn levels
against crowd sentiment labels.

Label (from the data): a customer qualifies when they have two turns or more and their *last*
turn comes after a brand answer. Outcome 1 (satisfied) when that last turn reads satisfied
(:func:`grapevine.care.state.turn_level` is 0), 0 otherwise. Forecast points: after every turn
from the customer's first up to, not including, their last, with the features of the turns so
far, as the inbox sees a conversation in progress. A customer's points share one weight, so
that a 50-turn thread counts as one customer. Two horizons are reported: ``every turn`` (all
points, weighted) and ``before the last turn`` (one point per customer, right before the turn
that decides the label).

Evaluation, never on data the model saw: the shipped model is fitted on 70% of the
conversations (a fixed-seed hash) and measured on the other 30%; and the whole procedure
(standardise, choose the L2 penalty by inner cross-validation, fit) is repeated 5 times over 5
stratified folds by conversation, next to both baselines on exactly the same points. Intervals
are 95% bootstraps over conversations.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from grapevine.care._refresh import CareConversation, care_turns
from grapevine.care.accounts import add_brand_account, list_brand_accounts
from grapevine.care.forecast import FEATURES, MODEL_PATH, Forecaster, features, fit_logistic, load_forecaster
from grapevine.care.state import Turn, turn_level
from grapevine.conversations import refresh_threads
from grapevine.errors import GrapevineError

__all__ = [
    "SEED",
    "TEST_SHARE",
    "Dataset",
    "build_dataset",
    "cross_validate",
    "evaluate_trajectory",
    "fit_forecast",
    "roc_auc",
    "train",
]

SEED = 20240604
TEST_SHARE = 0.3
L2_GRID = (1.0, 10.0, 100.0, 1000.0)
INNER_FOLDS = 5
CV_REPEATS = 5
CV_FOLDS = 5
BOOTSTRAP_ROUNDS = 1000
VERSION = "care-forecast-2"
TIER = "accurate"
FILES = ("twcs_slice/twcs_first5000.csv", "twitter_cdp/dev.json")
AIRLINE = "airline_tweets/airline_tweets_clean.csv"
HORIZONS = ("every turn", "before the last turn")


@dataclass
class Dataset:
    """Forecast points, one row each, with what the baselines and the splits need."""

    x: np.ndarray  # features of the turns so far
    y: np.ndarray  # 1 = the customer ends satisfied
    weight: np.ndarray  # 1 / the customer's number of points
    conversation: np.ndarray  # "platform:key", the unit of every split
    customer: np.ndarray  # "platform:key:customer"
    final: np.ndarray  # the point right before the customer's last turn
    last_score: np.ndarray  # the last customer turn's sentiment score so far (baseline)
    last_positive: np.ndarray  # ... and whether it reads positive (baseline's prediction)
    test: np.ndarray  # in the fixed held-out part

    def subset(self, rows: np.ndarray) -> Dataset:
        return Dataset(**{name: value[rows] for name, value in vars(self).items()})

    def horizon(self, name: str) -> Dataset:
        """All points (``every turn``) or the last point of each customer, weighted 1."""
        if name == "every turn":
            return self
        last = self.subset(self.final)
        last.weight = np.ones(len(last.y))
        return last


def is_test(platform: str, conversation_key: str, seed: int = SEED) -> bool:
    digest = hashlib.sha256(f"{seed}:{platform}:{conversation_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < TEST_SHARE


def _data_files(data: Path) -> list[Path]:
    paths = [data / name for name in FILES]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise GrapevineError(
            f"customer-care data not found: {', '.join(missing)}; pass --data or set GRAPEVINE_DATA"
        )
    return paths


def _truth_accounts(data: Path) -> list[tuple[str, str]]:
    """(brand, handle) from the data's own annotations: TWCS outbound authors, IBM agents."""
    found: dict[str, str] = {}
    with open(data / FILES[0], encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("inbound") == "False" and row.get("author_id"):
                found[row["author_id"].lower()] = row["author_id"]
    for conversation in orjson.loads((data / FILES[1]).read_bytes()):
        company = conversation.get("dialogHeader", {}).get("company")
        if company:
            found[company.lower()] = company
        for turn in conversation.get("dialogContent", []):
            if turn.get("agent"):
                found[turn["agent"].lower()] = company or turn["agent"]
    return sorted((brand, handle) for handle, brand in found.items())


def forecast_cuts(turns: list[Turn], customer: str) -> tuple[int, list[int]] | None:
    """(index of the customer's last turn, prefix lengths to forecast from), or None when the
    customer does not qualify (fewer than two turns, or no brand answer before the last)."""
    positions = [i for i, t in enumerate(turns) if t.author_id == customer and not t.by_brand]
    if len(positions) < 2 or not any(t.by_brand for t in turns[: positions[-1]]):
        return None
    return positions[-1], list(range(positions[0] + 1, positions[-1] + 1))


def _cache_dir() -> Path:
    return Path(os.environ.get("GRAPEVINE_CACHE") or Path.home() / ".cache" / "grapevine")


def _score_turns(store: Any, conversations: list[CareConversation], tier: str) -> list[str]:
    """Fill sentiment, score and anger of every turn as the store's enrichment would (same
    models, same language filter), memoised per text and model version."""
    from grapevine.analyzers.scoring import load
    from grapevine.text.language import is_supported

    sentiment, emotion = load("sentiment", tier), load("emotion", tier)
    cache_path = _cache_dir() / f"care-scores-{sentiment.version}-{emotion.version}.json"
    memo: dict[str, list[Any]] = orjson.loads(cache_path.read_bytes()) if cache_path.is_file() else {}
    langs = dict(store.run("SELECT id, lang FROM posts"))
    turns = [
        t for c in conversations for t in c.turns if t.text and is_supported(t.text, langs.get(t.post_id))
    ]
    keys = [hashlib.sha1(t.text.encode()).hexdigest() for t in turns if t.text]
    todo = sorted({k: t.text for k, t in zip(keys, turns, strict=True) if k not in memo}.items())
    if todo:
        texts = [text for _, text in todo if text]
        sp, ep = sentiment.predict_proba(texts), emotion.predict_proba(texts)
        s_labels, e_labels = list(sentiment.labels), list(emotion.labels)
        neg, pos, anger = s_labels.index("negative"), s_labels.index("positive"), e_labels.index("anger")
        for k, (key, _) in enumerate(todo):
            memo[key] = [s_labels[int(sp[k].argmax())], float(sp[k, pos] - sp[k, neg]), float(ep[k, anger])]
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        cache_path.write_bytes(orjson.dumps(memo))
    for key, turn in zip(keys, turns, strict=True):
        turn.sentiment, turn.score, turn.anger = memo[key]
    return [sentiment.version, emotion.version]


def build_dataset(data: Path, workdir: Path, tier: str = TIER, seed: int = SEED) -> tuple[Dataset, list[str]]:
    """Ingest and thread the care data in ``workdir``, score the qualifying conversations with
    ``tier``; return the forecast points and the versions of the models that scored them."""
    from grapevine.workspace import open_workspace

    paths = _data_files(data)
    with open_workspace(workdir) as ws:
        ws.ingest(paths, enrich=False)
        refresh_threads(ws.store)
        for brand, handle in _truth_accounts(data):
            add_brand_account(ws.store, brand, handle)
        conversations = care_turns(ws.store, list_brand_accounts(ws.store, infer=False))
        qualifying = {
            key: c
            for key, c in sorted(conversations.items())
            if any(forecast_cuts(c.turns, customer) for customer in c.customers)
        }
        scored_by = _score_turns(ws.store, list(qualifying.values()), tier)
    rows: dict[str, list[Any]] = {name: [] for name in Dataset.__dataclass_fields__}
    for (platform, key), conversation in qualifying.items():
        turns = conversation.turns
        for customer in sorted(conversation.customers):
            found = forecast_cuts(turns, customer)
            if found is None:
                continue
            end, cuts = found
            outcome = 1 if turn_level(turns[end])[0] == 0 else 0
            for cut in cuts:
                prefix = turns[:cut]
                last = [t for t in prefix if t.author_id == customer and not t.by_brand][-1]
                rows["x"].append(features(prefix, customer))
                rows["y"].append(outcome)
                rows["weight"].append(1 / len(cuts))
                rows["conversation"].append(f"{platform}:{key}")
                rows["customer"].append(f"{platform}:{key}:{customer}")
                rows["final"].append(cut == end)
                rows["last_score"].append(last.score if last.score is not None else 0.0)
                rows["last_positive"].append(last.sentiment == "positive")
                rows["test"].append(is_test(platform, key, seed))
    if not rows["y"]:
        raise GrapevineError("no customer ends after a brand answer in this data; nothing to learn from")
    arrays = {name: np.asarray(values) for name, values in rows.items()}
    arrays["x"] = np.vstack(rows["x"])
    return Dataset(**arrays), scored_by


def roc_auc(y: np.ndarray, score: np.ndarray, weight: np.ndarray | None = None) -> float | None:
    """Area under the ROC curve, pairs weighted by ``weight`` (default 1), ties counting half;
    None when only one class is present."""
    y = np.asarray(y, dtype=bool)
    w = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=np.float64)
    total_pos, total_neg = float(w[y].sum()), float(w[~y].sum())
    if total_pos == 0 or total_neg == 0:
        return None
    _, value = np.unique(np.asarray(score, dtype=np.float64), return_inverse=True)
    pos = np.bincount(value, weights=np.where(y, w, 0.0))
    neg = np.bincount(value, weights=np.where(y, 0.0, w))
    below = np.cumsum(neg) - neg
    return float((pos * (below + neg / 2)).sum() / (total_pos * total_neg))


def _standardiser(x: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = np.average(x, axis=0, weights=weight)
    scale = np.sqrt(np.average((x - mean) ** 2, axis=0, weights=weight))
    scale[scale == 0] = 1.0
    return mean, scale


def _folds(groups: np.ndarray, y: np.ndarray, k: int, seed: int) -> np.ndarray:
    """A fold per row: whole conversations, dealt so that each fold gets its share of satisfied."""
    names, index = np.unique(groups, return_inverse=True)
    share = np.bincount(index, weights=y) / np.bincount(index)
    order = np.random.default_rng(seed).permutation(len(names))
    order = order[np.argsort(-share[order], kind="stable")]
    fold_of = np.empty(len(names), dtype=int)
    fold_of[order] = np.arange(len(names)) % k
    return fold_of[index]


def _log_loss(y: np.ndarray, z: np.ndarray, w: np.ndarray) -> float:
    return float(np.average(np.logaddexp(0.0, z) - y * z, weights=w))


def fit_forecast(data: Dataset, seed: int = SEED) -> dict[str, Any]:
    """The whole training procedure on ``data``: standardise, pick the L2 penalty by weighted
    log-loss over inner folds by conversation, fit on all of ``data``."""
    inner = _folds(data.conversation, data.y, INNER_FOLDS, seed)
    cv: dict[str, float] = {}
    for l2 in L2_GRID:
        losses = []
        for fold in range(INNER_FOLDS):
            fit, held = inner != fold, inner == fold
            mean, scale = _standardiser(data.x[fit], data.weight[fit])
            w = fit_logistic((data.x[fit] - mean) / scale, data.y[fit], l2, weight=data.weight[fit])
            z = w[0] + ((data.x[held] - mean) / scale) @ w[1:]
            losses.append(_log_loss(data.y[held], z, data.weight[held]))
        cv[str(l2)] = float(np.mean(losses))
    best = min(L2_GRID, key=lambda l2: cv[str(l2)])
    mean, scale = _standardiser(data.x, data.weight)
    weights = fit_logistic((data.x - mean) / scale, data.y, best, weight=data.weight)
    return {
        "l2": best,
        "inner_cv_log_loss_by_l2": cv,
        "mean": mean.tolist(),
        "scale": scale.tolist(),
        "weights": weights.tolist(),
    }


def _bootstrap(
    groups: np.ndarray, statistic: Any, seed: int, rounds: int = BOOTSTRAP_ROUNDS
) -> tuple[float, float] | None:
    """95% interval of ``statistic(rows)`` over conversations drawn with replacement."""
    names, index = np.unique(groups, return_inverse=True)
    members = np.split(np.argsort(index, kind="stable"), np.cumsum(np.bincount(index))[:-1])
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(rounds):
        rows = np.concatenate([members[g] for g in rng.integers(0, len(names), len(names))])
        value = statistic(rows)
        if value is not None:
            values.append(value)
    if not values:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def _compare(
    part: Dataset, p: np.ndarray, majority: np.ndarray, evaluation: str, horizon: str, seed: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows for the model (probabilities ``p``) and both baselines on the same points, and the
    model's AUC minus the sentiment baseline's, with intervals."""
    y, w = part.y, part.weight

    def row(method: str, predicted: np.ndarray, score: np.ndarray | None) -> dict[str, Any]:
        auc = roc_auc(y, score, w) if score is not None else 0.5
        interval = (
            _bootstrap(part.conversation, lambda r: roc_auc(y[r], score[r], w[r]), seed)
            if score is not None
            else None
        )
        return {
            "evaluation": evaluation,
            "horizon": horizon,
            "method": method,
            "customers": len(np.unique(part.customer)),
            "accuracy": float(np.average(predicted == y, weights=w)),
            "roc_auc": auc,
            "auc_low": interval[0] if interval else None,
            "auc_high": interval[1] if interval else None,
            "mean_predicted": float(np.average(p, weights=w)) if score is p else None,
        }

    label = "satisfied" if majority.mean() >= 0.5 else "unresolved"
    rows = [
        row(f"model ({VERSION})", (p >= 0.5).astype(int), p),
        row(f"baseline: majority class ({label})", majority, None),
        row(
            "baseline: last customer turn's sentiment so far", part.last_positive.astype(int), part.last_score
        ),
    ]

    def gain(r: np.ndarray) -> float | None:
        a, b = roc_auc(y[r], p[r], w[r]), roc_auc(y[r], part.last_score[r], w[r])
        return None if a is None or b is None else a - b

    interval = _bootstrap(part.conversation, gain, seed)
    difference = {
        "evaluation": evaluation,
        "horizon": horizon,
        "auc_gain": gain(np.arange(len(y))),
        "low": interval[0] if interval else None,
        "high": interval[1] if interval else None,
    }
    return rows, difference


def _held_out(
    data: Dataset, forecaster: Forecaster, seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    train_part, test_part = data.subset(~data.test), data.subset(data.test)
    majority = int(np.average(train_part.y, weights=train_part.weight) >= 0.5)
    rows, gains = [], []
    for horizon in HORIZONS:
        part = test_part.horizon(horizon)
        r, g = _compare(
            part, forecaster.predict(part.x), np.full(len(part.y), majority), "held-out 30%", horizon, seed
        )
        rows += r
        gains.append(g)
    return rows, gains


def cross_validate(
    data: Dataset, seed: int = SEED, repeats: int = CV_REPEATS, folds: int = CV_FOLDS
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Repeated stratified k-fold by conversation of the whole training procedure; the model's
    out-of-fold probability of each point is averaged over the repeats (its AUC is also the mean
    of the per-repeat AUCs, recorded as ``auc_by_repeat``); the baselines score the same points."""
    p = np.zeros((repeats, len(data.y)))
    majority = np.zeros((repeats, len(data.y)), dtype=int)
    for r in range(repeats):
        fold_of = _folds(data.conversation, data.y, folds, seed + r)
        for fold in range(folds):
            fit, held = fold_of != fold, fold_of == fold
            meta = fit_forecast(data.subset(fit), seed)
            z = meta["weights"][0] + ((data.x[held] - meta["mean"]) / np.asarray(meta["scale"])) @ np.asarray(
                meta["weights"][1:]
            )
            p[r, held] = 1 / (1 + np.exp(-z))
            majority[r, held] = int(np.average(data.y[fit], weights=data.weight[fit]) >= 0.5)
    rows, gains = [], []
    for horizon in HORIZONS:
        keep = np.ones(len(data.y), dtype=bool) if horizon == "every turn" else data.final
        part = data.horizon(horizon)
        r_rows, gain = _compare(
            part, p[:, keep].mean(axis=0), majority[0, keep], f"{repeats}x{folds}-fold cv", horizon, seed
        )
        r_rows[0]["auc_by_repeat"] = [roc_auc(part.y, p[r, keep], part.weight) for r in range(repeats)]
        r_rows[0]["accuracy"] = float(
            np.mean([np.average((p[r, keep] >= 0.5) == part.y, weights=part.weight) for r in range(repeats)])
        )
        r_rows[1]["accuracy"] = float(
            np.mean([np.average(majority[r, keep] == part.y, weights=part.weight) for r in range(repeats)])
        )
        rows += r_rows
        gains.append(gain)
    return rows, gains


def _airline_check(data: Path) -> dict[str, Any] | None:
    """Per-turn levels against the airline crowd labels: frustrated/angry vs 'negative'.

    Uses the fast tier: it checks the state rules, and 14,640 tweets take minutes with the
    accurate one on a laptop."""
    path = data / AIRLINE
    if not path.is_file():
        return None
    from grapevine.analyzers.scoring import load

    with open(path, encoding="utf-8", newline="") as handle:
        rows = [(r["text"], r["airline_sentiment"]) for r in csv.DictReader(handle) if r.get("text")]
    texts = [text for text, _ in rows]
    sentiment, emotion = load("sentiment", "fast"), load("emotion", "fast")
    sp, ep = sentiment.predict_proba(texts), emotion.predict_proba(texts)
    s_labels, e_labels = list(sentiment.labels), list(emotion.labels)
    neg, pos, anger = s_labels.index("negative"), s_labels.index("positive"), e_labels.index("anger")
    predicted, truth = [], []
    for k, (text, label) in enumerate(rows):
        turn = Turn.of(
            post_id=str(k), author_id="c", created_at=None, text=text, by_brand=False,
            sentiment=s_labels[int(sp[k].argmax())], score=float(sp[k, pos] - sp[k, neg]), anger=float(ep[k, anger]),
        )  # fmt: skip
        predicted.append(turn_level(turn)[0] >= 2)
        truth.append(label == "negative")
    p, t = np.asarray(predicted), np.asarray(truth)
    return {
        "n": len(t),
        "scores_from": [sentiment.version, emotion.version],
        "precision": float((p & t).sum() / max(p.sum(), 1)),
        "recall": float((p & t).sum() / max(t.sum(), 1)),
        "crowd_negative_share": float(t.mean()),
    }


def _summary(data: Dataset) -> dict[str, Any]:
    test = data.subset(data.test)
    return {
        "customers": len(np.unique(data.customer)),
        "conversations": len(np.unique(data.conversation)),
        "points": len(data.y),
        "n_train": len(np.unique(data.customer[~data.test])),
        "n_test": len(np.unique(test.customer)),
        "satisfied_share": float(np.average(data.y, weights=data.weight)),
        "satisfied_share_test": float(np.average(test.y, weights=test.weight)),
    }


def evaluate_trajectory(
    data: Path, tier: str = TIER, model: Path = MODEL_PATH, seed: int = SEED, airline: bool = True
) -> dict[str, Any]:
    """Accuracy and ROC AUC of the shipped forecast on the held-out part and of the training
    procedure under repeated cross-validation, each next to both baselines on the same points."""
    forecaster = load_forecaster(model)
    if forecaster is None:
        raise GrapevineError(f"no forecast model at {model}; build it with `python -m grapevine.care.train`")
    with tempfile.TemporaryDirectory() as scratch:
        dataset, scored_by = build_dataset(data, Path(scratch) / "ws", tier, seed)
    held_rows, held_gains = _held_out(dataset, forecaster, seed)
    cv_rows, cv_gains = cross_validate(dataset, seed)
    return {
        **_summary(dataset),
        "model": forecaster.version,
        "model_scores_from": forecaster.meta.get("scores_from"),
        "scores_from": scored_by,
        "label": "satisfied = the customer's last turn after a brand answer reads satisfied",
        "split": f"by conversation, seed {seed}, {TEST_SHARE:.0%} held out; cv {CV_REPEATS}x{CV_FOLDS}-fold",
        "weighting": "every customer counts once (its forecast points share one weight)",
        "rows": held_rows + cv_rows,
        "auc_gain_over_sentiment": held_gains + cv_gains,
        "airline_state_check": _airline_check(data) if airline else None,
    }


def train(data: Path, out: Path = MODEL_PATH, tier: str = TIER, seed: int = SEED) -> dict[str, Any]:
    """Fit the forecast on the training part and write it with its metadata to ``out``."""
    with tempfile.TemporaryDirectory() as scratch:
        dataset, scored_by = build_dataset(data, Path(scratch) / "ws", tier, seed)
    train_part = dataset.subset(~dataset.test)
    meta: dict[str, Any] = {
        "version": VERSION,
        "kind": "logistic regression (numpy, Newton, L2 on standardised features, L2 by inner 5-fold CV)",
        "features": list(FEATURES),
        **fit_forecast(train_part, seed),
        "label": "1 = the customer's last turn after a brand answer reads satisfied; features from earlier turns",
        "points": "after every turn from the customer's first to before their last; weight 1/points per customer",
        "trained_on": {name: hashlib.sha256((data / name).read_bytes()).hexdigest()[:16] for name in FILES},
        "scores_from": scored_by,
        "split": {"by": "conversation", "seed": seed, "test_share": TEST_SHARE},
        **_summary(dataset),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    rows, gains = _held_out(dataset, Forecaster(meta), seed)
    meta["held_out"] = {"rows": rows, "auc_gain_over_sentiment": gains}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2) + b"\n")
    load_forecaster.cache_clear()
    return meta


def main(argv: list[str] | None = None) -> None:
    from grapevine.text.train import default_data_dir

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--tier", choices=("fast", "accurate"), default=TIER)
    args = parser.parse_args(argv)
    meta = train(args.data, args.out, args.tier)
    print(
        f"wrote {args.out}: {meta['customers']} customers ({meta['points']} points), {meta['n_test']} held out"
    )
    for row in meta["held_out"]["rows"]:
        print(
            f"  {row['horizon']}: {row['method']}: accuracy {row['accuracy']:.3f}, ROC AUC {row['roc_auc']:.3f}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
