"""Keeping ``care_customers`` up to date: one row per customer per brand conversation.

A *care conversation* is a reply tree in which a brand account posted or which mentions one.
Its *customers* are the other authors who addressed the brand: they mentioned a brand
account, replied to a brand turn, or got a brand reply. For each, the brand metrics (answered,
first response, waiting), the state and trajectory (:mod:`grapevine.care.state`) and the
forecast (:mod:`grapevine.care.forecast`) are stored.

The refresh is incremental: it recomputes the conversations holding posts ingested since its
last run (a late parent joining two trees included: threading gives the new key, and rows under
keys that no longer exist are dropped). It starts over when the brand accounts, the forecast
model or the scores of already-seen posts change (a fingerprint says so).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import pyarrow as pa

from grapevine.care.accounts import list_brand_accounts
from grapevine.care.forecast import features, load_forecaster
from grapevine.care.state import RULES_VERSION, Turn, customer_state
from grapevine.conversations import refresh_threads
from grapevine.conversations._read import BEST_SCORE

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = ["CareConversation", "care_turns", "refresh_care"]


@dataclass
class CareConversation:
    """One care conversation: its brand, its turns in time order, its customers and their handles."""

    brand: str
    turns: list[Turn] = field(default_factory=list)
    customers: set[str] = field(default_factory=set)
    handles: dict[str, str] = field(default_factory=dict)


def refresh_care(store: Store, full: bool = False) -> dict[str, Any]:
    """Bring ``care_customers`` up to date; returns what was done (mode, conversations, rows, seconds)."""
    started = time.perf_counter()
    if store.run("SELECT current_setting('access_mode')")[0][0] == "read_only":
        return {"mode": "read_only"}
    refresh_threads(store)
    accounts = list_brand_accounts(store)
    forecaster = load_forecaster()
    (latest,) = store.run("SELECT max(ingested_at) FROM posts")[0]
    done = store.run("SELECT computed_through, fingerprint FROM care_refresh WHERE name = 'care'")
    through, old_print = done[0] if done else (None, None)
    fingerprint = _fingerprint(store, accounts, forecaster.version if forecaster else None, through)
    current = old_print == fingerprint and (latest is None or (through is not None and through >= latest))
    if done and current and not full:
        return {"mode": "none", "conversations": 0, "rows": 0, "seconds": time.perf_counter() - started}
    mode = "full" if full or not done or old_print != fingerprint or through is None else "incremental"
    if mode == "full":
        through = None
    fingerprint = _fingerprint(store, accounts, forecaster.version if forecaster else None, latest)
    turns_by_conversation = care_turns(store, accounts, since=through)
    rows = _customer_rows(turns_by_conversation, forecaster)
    with store.transaction() as con:
        if mode == "full":
            con.execute("DELETE FROM care_customers").fetchall()
        else:
            con.register("_touched", _touched_table(store, through))
            con.execute(
                "DELETE FROM care_customers c USING _touched t "
                "WHERE c.platform = t.platform AND c.conversation_key = t.conversation_key"
            ).fetchall()
            con.unregister("_touched")
            # a late parent moved these trees under another root
            con.execute(
                "DELETE FROM care_customers c WHERE NOT EXISTS (SELECT 1 FROM conversations v "
                "WHERE v.platform = c.platform AND v.conversation_key = c.conversation_key)"
            ).fetchall()
        if rows:
            con.register("_care_rows", pa.Table.from_pylist(rows))
            con.execute("INSERT INTO care_customers BY NAME SELECT * FROM _care_rows").fetchall()
            con.unregister("_care_rows")
        con.execute("DELETE FROM care_refresh WHERE name = 'care'").fetchall()
        con.execute("INSERT INTO care_refresh VALUES ('care', ?, ?, now())", [latest, fingerprint]).fetchall()
    return {
        "mode": mode,
        "conversations": len(turns_by_conversation),
        "rows": len(rows),
        "seconds": round(time.perf_counter() - started, 3),
    }


def _fingerprint(
    store: Store, accounts: list[dict[str, Any]], model: str | None, through: datetime | None
) -> str:
    """What the stored rows depend on besides new posts: accounts, rules, model, scores of the posts seen."""
    scored = _scored(store, through)
    key = orjson.dumps([[a["platform"], a["handle"], a["brand"]] for a in accounts]) + orjson.dumps(
        [RULES_VERSION, model, scored]
    )
    return hashlib.sha1(key).hexdigest()


def _scored(store: Store, through: datetime | None) -> list[int]:
    if through is None:
        return [0, 0]
    counts = []
    for table in ("post_sentiment", "post_emotion"):
        (n,) = store.run(
            f"SELECT count(*) FROM {table} s JOIN posts p USING (platform, id) WHERE p.ingested_at <= ?",
            [through],
        )[0]
        counts.append(int(n))
    return counts


def _touched_table(store: Store, through: datetime | None) -> pa.Table:
    return store.query(
        "SELECT DISTINCT t.platform, t.conversation_key FROM post_threads t JOIN posts p USING (platform, id) "
        "WHERE p.ingested_at > ?",
        [through],
    )


def care_turns(
    store: Store, accounts: list[dict[str, Any]], since: datetime | None = None
) -> dict[tuple[str, str], CareConversation]:
    """Every care conversation (or those touched by posts ingested after ``since``), by key."""
    platforms = [row[0] for row in store.run("SELECT DISTINCT platform FROM posts")]
    expanded = [
        (platform, a["handle"], a["brand"])
        for a in accounts
        for platform in (platforms if a["platform"] == "" else [a["platform"]])
    ]
    if not expanded:
        return {}
    con = store.con
    con.register(
        "_care_accounts",
        pa.table(
            {
                k: pa.array([e[i] for e in expanded], pa.string())
                for i, k in enumerate(("platform", "handle", "brand"))
            }
        ),
    )
    scope = "" if since is None else "WHERE p.ingested_at > ?"
    params: list[Any] = [] if since is None else [since]
    try:
        table = store.query(
            f"""
            WITH by_brand AS (
                SELECT p.platform, p.id, min(a.brand) AS brand FROM posts p JOIN _care_accounts a
                  ON a.platform = p.platform AND (a.handle = lower(p.author_handle) OR a.handle = lower(p.author_id))
                GROUP BY ALL
            ), mentioning AS (
                SELECT m.platform, m.id, min(a.brand) AS brand
                FROM (SELECT platform, id, lower(unnest(mentions)) AS handle FROM posts WHERE len(mentions) > 0) m
                JOIN _care_accounts a USING (platform, handle) GROUP BY ALL
            ), touched AS (
                SELECT DISTINCT t.platform, t.conversation_key FROM post_threads t JOIN posts p USING (platform, id)
                {scope}
            ), care AS (
                SELECT t.platform, t.conversation_key,
                       coalesce(arg_min(b.brand, p.created_at) FILTER (b.brand IS NOT NULL),
                                arg_min(m.brand, p.created_at) FILTER (m.brand IS NOT NULL)) AS brand
                FROM post_threads t SEMI JOIN touched USING (platform, conversation_key)
                JOIN posts p USING (platform, id)
                LEFT JOIN by_brand b USING (platform, id)
                LEFT JOIN mentioning m USING (platform, id)
                GROUP BY ALL
                HAVING count(b.brand) + count(m.brand) > 0
            ), turns AS (
                SELECT t.platform, t.conversation_key, c.brand AS conversation_brand, p.id, p.author_id,
                       coalesce(p.author_handle, p.author_id) AS handle, p.created_at, p.text,
                       b.brand IS NOT NULL AS by_brand, m.brand IS NOT NULL AS mentions_brand,
                       pb.brand IS NOT NULL AS replies_to_brand, parent.author_id AS parent_author
                FROM post_threads t JOIN care c USING (platform, conversation_key)
                JOIN posts p USING (platform, id)
                LEFT JOIN by_brand b USING (platform, id)
                LEFT JOIN mentioning m USING (platform, id)
                LEFT JOIN posts parent ON parent.platform = p.platform AND parent.id = p.reply_to_id
                LEFT JOIN by_brand pb ON pb.platform = parent.platform AND pb.id = parent.id
            ), sentiment AS (
                SELECT platform, id, label, score FROM post_sentiment SEMI JOIN turns USING (platform, id) {BEST_SCORE}
            ), emotion AS (
                SELECT platform, id, scores['anger'] AS anger FROM post_emotion SEMI JOIN turns USING (platform, id)
                {BEST_SCORE}
            )
            SELECT t.*, s.label AS sentiment, s.score, e.anger FROM turns t
            LEFT JOIN sentiment s USING (platform, id) LEFT JOIN emotion e USING (platform, id)
            ORDER BY t.platform, t.conversation_key, t.created_at NULLS FIRST, t.id
            """,
            params,
        )
    finally:
        con.unregister("_care_accounts")
    out: dict[tuple[str, str], CareConversation] = {}
    for row in table.to_pylist():
        key = (row["platform"], row["conversation_key"])
        if key not in out:
            out[key] = CareConversation(row["conversation_brand"])
        conversation = out[key]
        turn = Turn.of(
            post_id=row["id"],
            author_id=row["author_id"],
            created_at=row["created_at"],
            text=row["text"],
            by_brand=row["by_brand"],
            sentiment=row["sentiment"],
            score=row["score"],
            anger=row["anger"],
        )
        conversation.turns.append(turn)
        conversation.handles[row["author_id"]] = row["handle"]
        if not row["by_brand"] and (row["mentions_brand"] or row["replies_to_brand"]):
            conversation.customers.add(row["author_id"])
        if row["by_brand"] and row["parent_author"] is not None:
            conversation.customers.add(row["parent_author"])
    brand_authors = {t.author_id for c in out.values() for t in c.turns if t.by_brand}
    for conversation in out.values():
        conversation.customers -= brand_authors
    return out


def _customer_rows(
    conversations: dict[tuple[str, str], CareConversation], forecaster: Any
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    vectors: list[np.ndarray] = []
    for (platform, key), conversation in conversations.items():
        turns, brand = conversation.turns, conversation.brand
        brand_times = [t.created_at for t in turns if t.by_brand and t.created_at is not None]
        last_brand = max(brand_times) if brand_times else None
        times = [t.created_at for t in turns if t.created_at is not None]
        for customer in sorted(conversation.customers):
            mine = [t for t in turns if t.author_id == customer and not t.by_brand]
            if not mine:
                continue  # answered by the brand but their own post is not stored
            state = customer_state(turns, customer)
            first = mine[0].created_at
            answers = [t for t in brand_times if first is None or t >= first]
            last_mine = max((t.created_at for t in mine if t.created_at is not None), default=None)
            waiting = None
            # a customer whose latest word is satisfied ("thanks, fixed") is not waiting for anything
            unanswered = last_mine is not None and (last_brand is None or last_mine > last_brand)
            if unanswered and state.state != "satisfied":
                waiting = min(
                    t.created_at
                    for t in mine
                    if t.created_at is not None and (last_brand is None or t.created_at > last_brand)
                )
            rows.append(
                {
                    "platform": platform,
                    "conversation_key": key,
                    "customer_id": customer,
                    "customer_handle": conversation.handles.get(customer),
                    "brand": brand,
                    "customer_turns": len(mine),
                    "brand_turns": sum(1 for t in turns if t.by_brand),
                    "answered": bool(answers),
                    "first_customer_at": first,
                    "first_response_s": (min(answers) - first).total_seconds() if answers and first else None,
                    "last_customer_at": last_mine,
                    "last_brand_at": last_brand,
                    "last_activity_at": max(times) if times else None,
                    "unanswered_since": waiting,
                    "state": state.state,
                    "state_evidence": orjson.dumps(state.evidence).decode(),
                    "trajectory": state.trajectory,
                    "last_level": state.levels[-1],
                    "p_satisfied": None,
                    "forecast_model": None,
                }
            )
            vectors.append(features(turns, customer))
    if forecaster is not None and rows:
        probabilities = forecaster.predict(np.vstack(vectors))
        for row, p in zip(rows, probabilities.tolist(), strict=True):
            row["p_satisfied"] = p
            row["forecast_model"] = forecaster.version
    return rows
