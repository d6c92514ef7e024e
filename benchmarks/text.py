"""Benchmark the text models: speed against VADER on the same posts, and accuracy.

Prints three tables: posts/s (fast sentiment, fast emotion and VADER, measured in this run on the
same posts, best of ``--repeat``), the accurate tier's posts/s in one thread (target: 200) with
its TweetEval val scores, and quality on TweetEval val plus three out-of-domain sets
(airline brand tweets, STS-Gold, VADER's own rated tweets: VADER was built on that last one).

Example: python benchmarks/text.py --data ../shared/data --repeat 3
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from grapevine.text._fast import MODELS_DIR, load_fast_model
from grapevine.text.evaluate import evaluate, metrics_from_confusion, read_labels, read_texts

SENTIMENT = ("negative", "neutral", "positive")


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the fast sentiment/emotion models against VADER.")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("GRAPEVINE_DATA", "../shared/data")))
    parser.add_argument("--repeat", type=int, default=3, help="timing runs; the best is reported")
    parser.add_argument(
        "--copies", type=int, default=5, help="how many times the val posts are repeated for timing"
    )
    parser.add_argument(
        "--accurate-posts", type=int, default=1000, help="posts timed for the accurate tier (slower)"
    )
    args = parser.parse_args()
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]
    except ImportError:
        raise SystemExit("This benchmark compares against VADER: pip install vaderSentiment") from None

    started = time.perf_counter()
    sentiment, emotion = load_fast_model("sentiment"), load_fast_model("emotion")
    load_s = time.perf_counter() - started
    vader = SentimentIntensityAnalyzer()

    val_texts = read_texts(args.data / "tweeteval/sentiment/val_text.txt")
    val_labels = read_labels(args.data / "tweeteval/sentiment/val_labels.txt")
    posts = val_texts * args.copies

    def vader_scores(texts: Sequence[str]) -> np.ndarray:
        return np.array([vader.polarity_scores(t)["compound"] for t in texts])

    timings = [
        ("VADER (vaderSentiment 3.3.2) compound", lambda: vader_scores(posts)),
        (f"fast sentiment ({sentiment.version}) predict_proba", lambda: sentiment.predict_proba(posts)),
        (f"fast emotion ({emotion.version}) all outputs", lambda: emotion.output_proba(posts)),
    ]
    print(
        f"Speed on {len(posts):,} posts (TweetEval sentiment val x{args.copies}), best of {args.repeat}, one process"
    )
    print(f"| {'model':<50} | {'posts/s':>10} |")
    print(f"|{'-' * 52}|{'-' * 12}|")
    rates = {}
    for name, run in timings:
        best = min(_time(run) for _ in range(args.repeat))
        rates[name] = len(posts) / best
        print(f"| {name:<50} | {rates[name]:>10,.0f} |")
    ratio = rates[timings[1][0]] / rates[timings[0][0]]
    emotion_ratio = rates[timings[2][0]] / rates[timings[0][0]]
    print(
        f"speed vs VADER: fast sentiment {ratio:.2f}x, fast emotion {emotion_ratio:.2f}x; "
        f"models loaded in {load_s:.2f} s"
    )
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.2f} MB" for p in sorted(MODELS_DIR.glob("*.npz")))
    print(f"model files: {sizes}\n")
    _accurate_tier(args.data, val_texts[: args.accurate_posts], args.repeat)

    rows: list[tuple[str, str, str, str]] = []
    report = evaluate("sentiment", val_texts, val_labels, sentiment)
    vader_val = _three_way(vader_scores(val_texts))
    gold = np.array([int(x) for x in val_labels])
    rows.append(
        (
            "TweetEval sentiment val (n=2,000)",
            "macro-recall",
            f"{report['macro_recall']:.4f}",
            f"{_macro_recall(gold, vader_val):.4f}",
        )
    )
    rows.append(("", "accuracy", f"{report['accuracy']:.4f}", f"{np.mean(gold == vader_val):.4f}"))
    emo_texts = read_texts(args.data / "tweeteval/emotion/val_text.txt")
    emo_report = evaluate(
        "emotion", emo_texts, read_labels(args.data / "tweeteval/emotion/val_labels.txt"), emotion
    )
    rows.append(("TweetEval emotion val (n=374)", "macro-F1", f"{emo_report['macro_f1']:.4f}", "-"))

    airline = _airline(args.data)
    if airline:
        texts, labels = airline
        pred = sentiment.predict_proba(texts).argmax(axis=1)
        rows.append(
            (
                f"Airline tweets, 3-class (n={len(texts):,})",
                "macro-recall",
                f"{_macro_recall(labels, pred):.4f}",
                f"{_macro_recall(labels, _three_way(vader_scores(texts))):.4f}",
            )
        )
    sts = _sts_gold(args.data)
    if sts:
        texts, positive = sts
        fast_pos = sentiment.score(texts) >= 0
        vader_pos = vader_scores(texts) >= 0
        rows.append(
            (
                f"STS-Gold, pos vs neg (n={len(texts):,})",
                "accuracy",
                f"{np.mean(fast_pos == positive):.4f}",
                f"{np.mean(vader_pos == positive):.4f}",
            )
        )
    rated = _vader_tweets(args.data)
    if rated:
        texts, mean = rated
        rows.append(
            (
                f"VADER rated tweets (n={len(texts):,})",
                "Pearson r",
                f"{np.corrcoef(sentiment.score(texts), mean)[0, 1]:.4f}",
                f"{np.corrcoef(vader_scores(texts), mean)[0, 1]:.4f}",
            )
        )

    print("Quality (VADER: compound >= 0.05 positive, <= -0.05 negative)")
    print(f"| {'data':<40} | {'metric':<12} | {'fast':>8} | {'VADER':>8} |")
    print(f"|{'-' * 42}|{'-' * 14}|{'-' * 10}|{'-' * 10}|")
    for data, metric, fast, other in rows:
        print(f"| {data:<40} | {metric:<12} | {fast:>8} | {other:>8} |")


def _accurate_tier(data: Path, posts: list[str], repeat: int) -> None:
    """One-thread speed and TweetEval val scores of the shipped accurate (int8 ONNX) models."""
    try:
        from grapevine.text._accurate import load_accurate_model
    except ImportError as exc:
        print(f"accurate tier skipped: {exc}\n")
        return
    print(f"Accurate tier, one thread, {len(posts):,} posts (best of {repeat})")
    print(f"| {'model':<28} | {'posts/s':>8} | {'TweetEval val':>22} | {'MB':>5} |")
    print(f"|{'-' * 30}|{'-' * 10}|{'-' * 24}|{'-' * 7}|")
    for task, metric in (("sentiment", "macro_recall"), ("emotion", "macro_f1")):
        model = load_accurate_model(task, threads=1)
        model.predict(posts[:32])  # warm-up: onnxruntime prepares its kernels on the first call
        best = min(_time(lambda: model.predict(posts)) for _ in range(repeat))  # noqa: B023
        rate = len(posts) / best
        report = evaluate(
            task,
            read_texts(data / f"tweeteval/{task}/val_text.txt"),
            read_labels(data / f"tweeteval/{task}/val_labels.txt"),
            model,
        )
        size = model.meta["size_bytes"] / 1e6
        score = f"{metric} {report[metric]:.4f}"
        print(f"| {model.version:<28} | {rate:>8,.0f} | {score:>22} | {size:>5.1f} |")
    print()


def _time(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _three_way(compound: np.ndarray) -> np.ndarray:
    return np.where(compound >= 0.05, 2, np.where(compound <= -0.05, 0, 1))


def _macro_recall(gold: np.ndarray, pred: np.ndarray) -> float:
    k = 3
    matrix = np.bincount(np.asarray(gold) * k + np.asarray(pred), minlength=k * k).reshape(k, k)
    return float(metrics_from_confusion(matrix)["macro_recall"])


def _airline(data: Path) -> tuple[list[str], np.ndarray] | None:
    path = data / "airline_tweets" / "airline_tweets_clean.csv"
    if not path.is_file():
        return None
    with open(path, encoding="utf-8", newline="") as f:
        rows = [(r["text"], SENTIMENT.index(r["airline_sentiment"])) for r in csv.DictReader(f)]
    return [t for t, _ in rows], np.array([y for _, y in rows])


def _sts_gold(data: Path) -> tuple[list[str], np.ndarray] | None:
    path = data / "sts_gold" / "sts_gold_tweet.csv"
    if not path.is_file():
        return None
    with open(path, encoding="utf-8", newline="") as f:
        rows = [(r[2], r[1] == "4") for r in csv.reader(f, delimiter=";") if len(r) == 3]
    return [t for t, _ in rows], np.array([y for _, y in rows])


def _vader_tweets(data: Path) -> tuple[list[str], np.ndarray] | None:
    path = data / "vader_groundtruth" / "tweets_GroundTruth.txt"
    if not path.is_file():
        return None
    texts, mean = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) >= 3:
                mean.append(float(parts[1]))
                texts.append(parts[2])
    return texts, np.array(mean)


if __name__ == "__main__":
    main()
