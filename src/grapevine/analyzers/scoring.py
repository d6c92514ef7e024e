"""Sentiment and emotion for every post, incremental and versioned.

Each score row carries the model's version; a post counts as scored for a model when it has a
row for that version, so a new version rescoring the store is one command and an interrupted
run resumes where it stopped. Posts in a language the model was not trained for get a row
with ``label = NULL`` and the reason, never a wrong label.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from grapevine.errors import GrapevineError

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = ["BULK_THRESHOLD", "TASKS", "choose_tier", "load", "score_posts"]

TASKS = ("sentiment", "emotion")
TIERS = ("fast", "accurate")
#: Above this many posts to score, ``tier="auto"`` uses the fast model (a bulk backfill).
#: The accurate tier scores about 480 posts/s per task on one core, so 20,000 posts cost about
#: 40 s per task; beyond that the fast tier (about 40,000 posts/s) keeps imports interactive.
BULK_THRESHOLD = 20_000
CHUNK = 20_000


def load(task: str, tier: str) -> Any:
    """Load a shipped model; a missing tier says how to get it instead of failing obscurely."""
    from grapevine import text

    if task not in TASKS:
        raise GrapevineError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    if tier not in TIERS:
        raise GrapevineError(f"unknown model tier {tier!r}; expected fast or accurate")
    try:
        return text.load_model(task, tier)
    except (FileNotFoundError, ValueError) as exc:
        raise GrapevineError(
            f"the {tier} {task} model is not installed ({exc}); use --model fast, or build it with "
            + (
                f"`python -m grapevine.text.train_accurate --task {task}`"
                if tier == "accurate"
                else f"`python -m grapevine.text.train --task {task}`"
            )
        ) from exc


def choose_tier(tier: str, pending: int, task: str) -> str:
    """``auto``: accurate for everyday volumes, fast for bulk backfills above BULK_THRESHOLD."""
    if tier != "auto":
        return tier
    if pending > BULK_THRESHOLD:
        return "fast"
    try:
        load(task, "accurate")
    except GrapevineError:
        return "fast"  # accurate weights not shipped in this install
    return "accurate"


def _pending(store: Store, table: str, model: str) -> int:
    (count,) = store.run(
        f"SELECT count(*) FROM posts p ANTI JOIN {table} s "
        "ON s.platform = p.platform AND s.id = p.id AND s.model = ?",
        [model],
    )[0]
    return int(count)


def _has_scores(store: Store, table: str, model: str) -> bool:
    return bool(store.run(f"SELECT 1 FROM {table} WHERE model = ? LIMIT 1", [model]))


def score_posts(
    store: Store,
    task: str,
    tier: str = "auto",
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Score every post that has no score from this model version yet; returns counts."""
    from grapevine.text.language import is_supported

    table = "post_sentiment" if task == "sentiment" else "post_emotion"
    probe = load(task, "fast")
    fast_pending = pending = _pending(store, table, probe.version)
    requested, tier = tier, choose_tier(tier, pending, task)
    model = probe if tier == "fast" else load(task, tier)
    if tier != "fast":
        pending = _pending(store, table, model.version)
        if requested == "auto" and pending > BULK_THRESHOLD and not _has_scores(store, table, model.version):
            # The fast model scored a bulk import and the accurate one nothing yet: an everyday
            # run keeps to the fast one rather than start an accurate backfill (hours for a million
            # posts). Readers use one tier for all posts, the accurate one once it has any scores,
            # so once it has some, it backfills as before. `enrich --model accurate` starts it.
            tier, model, pending = "fast", probe, fast_pending
    done = scored = 0
    cursor = store.con.cursor()  # streams the posts to score while the main connection writes
    cursor.execute(
        f"SELECT p.platform, p.id, p.text, p.lang FROM posts p ANTI JOIN {table} s "
        "ON s.platform = p.platform AND s.id = p.id AND s.model = ? ORDER BY p.platform, p.id",
        [model.version],
    )
    try:
        while rows := cursor.fetchmany(CHUNK):
            table_rows = _score_chunk(model, task, rows, is_supported)
            scored += sum(1 for label in table_rows["label"] if label is not None)
            with store.transaction() as con:
                con.register("_scores", pa.table(table_rows))
                con.execute(
                    f"INSERT INTO {table} BY NAME SELECT * FROM _scores ON CONFLICT DO NOTHING"
                ).fetchall()
                con.unregister("_scores")
            done += len(rows)
            if progress:
                progress(done, pending)
    finally:
        cursor.close()
    return {"task": task, "model": model.version, "posts": done, "scored": scored, "unscored": done - scored}


def _score_chunk(model: Any, task: str, rows: list[tuple[Any, ...]], is_supported: Any) -> dict[str, Any]:
    platforms = [r[0] for r in rows]
    ids = [r[1] for r in rows]
    supported = [bool(text) and is_supported(text, lang) for _, _, text, lang in rows]
    reasons: list[str | None] = [
        None if ok else (f"language {lang} is not supported by {model.version}" if text else "no text")
        for ok, (_, _, text, lang) in zip(supported, rows, strict=True)
    ]
    texts = [r[2] for r, ok in zip(rows, supported, strict=True) if ok]
    probs = model.predict_proba(texts) if texts else np.zeros((0, len(model.labels)))
    labels = list(model.labels)
    out_labels: list[str | None] = [None] * len(rows)
    full = np.full((len(rows), len(labels)), np.nan)
    index = np.flatnonzero(np.array(supported, dtype=bool))
    if len(index):
        full[index] = probs
        best = probs.argmax(axis=1)
        for i, b in zip(index, best, strict=True):
            out_labels[i] = labels[b]
    base: dict[str, Any] = {
        "platform": platforms,
        "id": ids,
        "model": [model.version] * len(rows),
        "label": out_labels,
        "unscored_reason": reasons,
    }
    if task == "sentiment":
        column = {name: full[:, k] for k, name in enumerate(labels)}
        pos, neg = column.get("positive"), column.get("negative")
        score = pos - neg if pos is not None and neg is not None else np.full(len(rows), np.nan)
        for name in ("negative", "neutral", "positive"):
            values = column.get(name, np.full(len(rows), np.nan))
            base[f"p_{name}"] = pa.array(values, pa.float64(), from_pandas=True)
        base["score"] = pa.array(score, pa.float64(), from_pandas=True)
    else:
        base["scores"] = pa.array(
            [
                None if out_labels[i] is None else list(zip(labels, full[i].tolist(), strict=True))
                for i in range(len(rows))
            ],
            pa.map_(pa.string(), pa.float64()),
        )
    return base
