"""Choose the accurate models' training settings on TweetEval val, then train the winner.

``python -m grapevine.text.sweep_accurate --task emotion --device cuda`` fine-tunes one model per
setting of a small grid (learning rate, epochs, batch size, whether the word embeddings train),
scores each on TweetEval val (the only data used for the choice; the test set is never seen),
re-runs the best few with other seeds so that the choice rests on a mean rather than one lucky
run, and prints the table as JSON lines. With ``--train`` it then trains, exports and quantises
the chosen setting exactly as ``python -m grapevine.text.train_accurate`` would with the same
flags, which is how the shipped models were made (their metadata records the sweep).

The grid is meant for a GPU (a few seconds per emotion run); on a CPU pass ``--grid small``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from grapevine.text import train_accurate as ta

__all__ = ["GRIDS", "main", "sweep"]

GRIDS: dict[str, dict[str, dict[str, list[Any]]]] = {
    "emotion": {
        "full": {
            "lr": [4e-5, 8e-5, 1.2e-4],
            "epochs": [4, 8],
            "batch": [16, 32],
            "freeze_embeddings": [True, False],
        },
        "small": {"lr": [8e-5], "epochs": [3], "batch": [32], "freeze_embeddings": [True]},
    },
    "sentiment": {
        "full": {"lr": [4e-5, 8e-5], "epochs": [2], "batch": [32], "balanced": [True, False]},
        "small": {"lr": [8e-5], "epochs": [1], "batch": [32], "balanced": [True]},
    },
}


def _settings(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    keys = sorted(grid)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(grid[k] for k in keys))]


def sweep(
    task: str,
    data_dir: Path,
    grid: dict[str, list[Any]],
    *,
    device: str = "cpu",
    reseed_top: int = 3,
    extra_seeds: Sequence[int] = (1, 2),
    budget_seconds: float | None = None,
    limit: int | None = None,
    report: Any = None,
) -> list[dict[str, Any]]:
    """Fine-tune each setting once (seed 0), then the ``reseed_top`` best with ``extra_seeds``.

    Returns one row per run: the setting, its seed, the best val metric and its epoch. Runs stop
    being started once ``budget_seconds`` have passed.
    """
    import torch  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from tokenizers import Tokenizer  # type: ignore[import-untyped,import-not-found,unused-ignore]

    base = dict(ta.TASKS[task])
    texts, labels, val_texts, val_labels, _ = ta.load_task_data(task, data_dir)
    if base["holdout"] > 0:  # the same split train_accurate uses: the held-out part stays unseen
        train_idx, _ = ta.stratified_split(labels, base["holdout"], ta.RANDOM_STATE)
    else:
        train_idx = np.random.default_rng(ta.RANDOM_STATE).permutation(len(labels))
    if limit:
        train_idx = ta.stratified_subset(labels, train_idx, limit, ta.RANDOM_STATE)
    tokenizer = Tokenizer.from_file(str(ta.encoder_dir() / "tokenizer.json"))
    ids = ta.encode(tokenizer, ta.prepare([texts[i] for i in train_idx]), base["max_length"])
    val_ids = ta.encode(tokenizer, ta.prepare(val_texts), base["max_length"])
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []

    def run(setting: dict[str, Any], seed: int) -> None:
        cfg = {**base, **setting, "seed": seed}
        torch.manual_seed(seed)
        model = ta.build_classifier(len(cfg["labels"])).to(device)
        t0 = time.perf_counter()
        history = ta.fine_tune(task, model, ids, labels[train_idx], val_ids, val_labels, cfg, None)
        scores = [epoch[f"val_{cfg['metric']}"] for epoch in history["epochs"]]
        row = {
            **setting,
            "seed": seed,
            "best_val": history["best_val"],
            "best_epoch": int(np.argmax(scores)) + 1,
            "seconds": round(time.perf_counter() - t0, 1),
        }
        rows.append(row)
        if report is not None:
            report(row)

    def over_budget() -> bool:
        return budget_seconds is not None and time.perf_counter() - started > budget_seconds

    for setting in _settings(grid):
        if over_budget():
            break
        run(setting, ta.RANDOM_STATE)
    top = sorted(rows, key=lambda r: -r["best_val"])[:reseed_top]
    for row in top:
        setting = {k: row[k] for k in grid}
        for seed in extra_seeds:
            if over_budget():
                break
            run(setting, seed)
    return rows


def choose(rows: list[dict[str, Any]], keys: Sequence[str]) -> tuple[dict[str, Any], float, int]:
    """The setting with the best mean val over its seeds (ties: more seeds), and that mean."""
    groups: dict[tuple[Any, ...], list[float]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row["best_val"])
    best = max(groups.items(), key=lambda item: (float(np.mean(item[1])), len(item[1])))
    return dict(zip(keys, best[0], strict=True)), float(np.mean(best[1])), len(best[1])


def main(argv: Sequence[str] | None = None) -> int:
    from grapevine.text.train import default_data_dir

    parser = argparse.ArgumentParser(
        prog="python -m grapevine.text.sweep_accurate",
        description="Choose the accurate model's settings on TweetEval val; optionally train the winner.",
        epilog="Example: python -m grapevine.text.sweep_accurate --task emotion --device cuda --train",
    )
    parser.add_argument("--task", choices=sorted(ta.TASKS), required=True)
    parser.add_argument("--data", type=Path, default=None, help="shared data folder (default GRAPEVINE_DATA)")
    parser.add_argument("--grid", choices=("full", "small"), default="full")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--budget", type=float, default=None, help="stop starting runs after N seconds")
    parser.add_argument("--limit", type=int, default=None, help="sweep on a stratified N-tweet subset")
    parser.add_argument("--train", action="store_true", help="train, export and quantise the winner")
    parser.add_argument("--out", type=Path, default=ta.MODELS_DIR, help="where --train writes the model")
    args = parser.parse_args(argv)
    data_dir = args.data or default_data_dir()
    grid = GRIDS[args.task][args.grid]
    rows = sweep(
        args.task,
        data_dir,
        grid,
        device=args.device,
        budget_seconds=args.budget,
        limit=args.limit,
        report=lambda row: print(json.dumps(row), flush=True),
    )
    setting, mean, n = choose(rows, sorted(grid))
    ta.log(f"chosen {setting}: mean val {mean:.4f} over {n} seed(s), from {len(rows)} runs")
    if args.train:
        seeds = [r for r in rows if all(r[k] == setting[k] for k in setting)]
        seed = max(seeds, key=lambda r: r["best_val"])["seed"]
        best_epoch = max(seeds, key=lambda r: r["best_val"])["best_epoch"]
        meta = ta.train(
            args.task,
            data_dir,
            args.out,
            epochs=setting["epochs"],
            lr=setting["lr"],
            batch=setting["batch"],
            balanced=bool(setting.get("balanced", False)),
            freeze_embeddings=bool(setting.get("freeze_embeddings", True)),
            device=args.device,
            seed=int(seed),
            limit=args.limit,
        )
        meta["training"]["sweep"] = {
            "grid": grid,
            "runs": rows,
            "chosen": setting,
            "chosen_mean_val": round(mean, 4),
            "chosen_seed": seed,
            "chosen_best_epoch_in_sweep": best_epoch,
            "selection": "mean TweetEval val over seeds; the test set was never used",
        }
        _, _, meta_path = ta.model_paths(args.task, args.out)
        meta_path.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
