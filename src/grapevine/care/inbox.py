"""The care inbox: conversations needing attention, highest priority first, each saying why.

Priority is a sum of readable components (each row carries them all):

``state``       angry 3, frustrated 2, neutral 1, satisfied 0
``trajectory``  escalating +1.5, steady/new/abandoned +0.5, calming -0.5, resolved -3
``waiting``     only while the customer's latest turns are unanswered: log10(1 + minutes),
                at most 3 (5 minutes 0.8, 5 hours 2.5, a day or more 3)
``reach``       log10(1 + followers) / 2.5, at most 2 (12k followers 1.6); without a follower
                count, the number of distinct people who replied to the customer (same
                formula), and 0 when neither is known ("reach unknown")
``forecast``    1 - P(satisfied) from the shipped forecast; 0 when no model is installed

Resolved conversations, and satisfied customers not waiting for an answer, drop out unless
``include_resolved``. Waiting and abandonment are measured against ``now``: by default the
latest post time in the store, so an archive reads as it was when collected.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from grapevine._window import parse_time
from grapevine.care._refresh import refresh_care
from grapevine.care.state import apply_abandoned
from grapevine.errors import GrapevineError

if TYPE_CHECKING:
    from grapevine.store import Store
    from grapevine.workspace import Workspace

__all__ = ["STATE_POINTS", "TRAJECTORY_POINTS", "duration_text", "inbox", "inbox_summary"]

STATE_POINTS = {"angry": 3.0, "frustrated": 2.0, "neutral": 1.0, "satisfied": 0.0}
TRAJECTORY_POINTS = {
    "escalating": 1.5,
    "steady": 0.5,
    "new": 0.5,
    "abandoned": 0.5,
    "calming": -0.5,
    "resolved": -3.0,
}


def inbox(
    store: Store,
    brand: str | None = None,
    limit: int | None = 20,
    now: datetime | str | None = None,
    include_resolved: bool = False,
    refresh: bool = True,
    conversation: tuple[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Customers in brand conversations, highest priority first (see the module docstring).

    ``conversation`` (``(platform, conversation_key)``) keeps only that conversation's rows,
    chosen in SQL before anything is scored: the same rows the full inbox has for it, at the
    cost of one conversation rather than the whole inbox.

    Each row: ``platform``, ``conversation_key``, ``brand``, ``customer``, ``state``,
    ``trajectory``, ``waiting_s`` (None when answered), ``answered``, ``first_response_s``,
    ``brand_turns``, ``customer_turns``, ``followers``, ``reach_proxy``, ``p_satisfied``,
    ``priority``, the components ``state_points`` .. ``forecast_points``, ``why`` and ``evidence``.
    """
    if refresh:
        refresh_care(store)
    when = _now(store, now)
    conditions: list[str] = []
    params: list[Any] = []
    if brand:
        conditions.append("lower(c.brand) = lower(?)")
        params.append(brand)
        if not store.run("SELECT 1 FROM care_customers WHERE lower(brand) = lower(?) LIMIT 1", [brand]):
            known = [r[0] for r in store.run("SELECT DISTINCT brand FROM care_customers ORDER BY 1 LIMIT 20")]
            raise GrapevineError(
                f"no care conversations for brand {brand!r}; known: {', '.join(known) or 'none'} "
                "(see `grapevine brand-accounts list`)"
            )
    if conversation is not None:
        conditions.append("c.platform = ? AND c.conversation_key = ?")
        params += list(conversation)
    where = "WHERE " + " AND ".join(conditions) if conditions else ""
    rows = store.query(
        f"""
        WITH c AS (SELECT * FROM care_customers c {where}),
        repliers AS (
            SELECT parent.platform, parent.author_id, count(DISTINCT r.author_id) AS n
            FROM posts parent JOIN posts r ON r.platform = parent.platform AND r.reply_to_id = parent.id
            WHERE (parent.platform, parent.author_id) IN (SELECT (platform, customer_id) FROM c)
              AND r.author_id <> parent.author_id
            GROUP BY ALL
        )
        SELECT c.*, a.followers_count AS followers, rp.n AS reach_proxy
        FROM c
        LEFT JOIN accounts a ON a.platform = c.platform AND a.id = c.customer_id
        LEFT JOIN repliers rp ON rp.platform = c.platform AND rp.author_id = c.customer_id
        """,
        params,
    ).to_pylist()
    out: list[dict[str, Any]] = []
    for row in rows:
        ranked = _rank(row, when, keep=include_resolved)
        if ranked is not None:
            out.append(ranked)
    out.sort(key=lambda r: (-r["priority"], r["platform"], r["conversation_key"], r["customer"]))
    return out[:limit] if limit else out


def _now(store: Store, now: datetime | str | None) -> datetime:
    if now is not None:
        # stored times carry their offset; a naive "now" could not be compared with them
        return parse_time(now, require_timezone=True)
    (latest,) = store.run("SELECT max(created_at) FROM posts")[0]
    if latest is None:
        raise GrapevineError("the workspace has no dated posts; ingest some first")
    return latest


def _rank(row: dict[str, Any], now: datetime, keep: bool = False) -> dict[str, Any] | None:
    state = row["state"]
    trajectory = apply_abandoned(
        row["trajectory"], state, row["last_brand_at"], row["last_customer_at"], row["last_activity_at"], now
    )
    waiting_s = None
    if row["unanswered_since"] is not None:
        waiting_s = max((now - row["unanswered_since"]).total_seconds(), 0.0)
    if not keep and (trajectory == "resolved" or (state == "satisfied" and waiting_s is None)):
        return None
    followers, proxy = row["followers"], row["reach_proxy"]
    reach_basis = followers if followers is not None else proxy
    components = {
        "state_points": STATE_POINTS[state],
        "trajectory_points": TRAJECTORY_POINTS[trajectory],
        "waiting_points": 0.0 if waiting_s is None else min(3.0, math.log10(1 + waiting_s / 60)),
        "reach_points": 0.0 if reach_basis is None else min(2.0, math.log10(1 + reach_basis) / 2.5),
        "forecast_points": 0.0 if row["p_satisfied"] is None else 1.0 - row["p_satisfied"],
    }
    evidence = orjson.loads(row["state_evidence"])
    return {
        "platform": row["platform"],
        "conversation_key": row["conversation_key"],
        "brand": row["brand"],
        "customer": row["customer_handle"] or row["customer_id"],
        "state": state,
        "trajectory": trajectory,
        "waiting_s": waiting_s,
        "answered": row["answered"],
        "first_response_s": row["first_response_s"],
        "brand_turns": row["brand_turns"],
        "customer_turns": row["customer_turns"],
        "followers": followers,
        "reach_proxy": proxy,
        "p_satisfied": row["p_satisfied"],
        "priority": round(sum(components.values()), 3),
        **{k: round(v, 3) for k, v in components.items()},
        "why": _why(state, evidence, trajectory, waiting_s, row, followers, proxy),
        "evidence": evidence,
    }


def _why(
    state: str,
    evidence: list[dict[str, Any]],
    trajectory: str,
    waiting_s: float | None,
    row: dict[str, Any],
    followers: int | None,
    proxy: int | None,
) -> str:
    first = evidence[0] if evidence else None
    if first is None:
        parts = [state, trajectory]
    else:
        where = " in turn " if first["signal"] == "cue" else ", turn "
        parts = [f"{state} ({first['detail']}{where}{first['turn']})", trajectory]
    if waiting_s is not None:
        parts.append(f"waiting {duration_text(waiting_s)} unanswered")
    elif row["first_response_s"] is not None:
        parts.append(f"answered in {duration_text(row['first_response_s'])}")
    if followers is not None:
        parts.append(f"{_count(followers)} followers")
    elif proxy is not None:
        parts.append(f"{proxy} {'person replies' if proxy == 1 else 'people reply'} to them")
    else:
        parts.append("reach unknown")
    if row["p_satisfied"] is not None:
        parts.append(f"{row['p_satisfied']:.0%} likely to end satisfied")
    return ", ".join(parts)


def duration_text(seconds: float) -> str:
    """A wait as the inbox shows it: ``45s``, ``12m``, ``5h``, ``3d``."""
    minutes = seconds / 60
    if minutes < 1:
        return f"{int(seconds)}s"
    if minutes < 60:
        return f"{int(minutes)}m"
    if minutes < 48 * 60:
        return f"{int(minutes // 60)}h"
    return f"{int(minutes // 1440)}d"


def _count(value: int) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 1000:
        return f"{value / 1000:.0f}k"
    return str(value)


def inbox_summary(ws: Workspace, limit: int = 5) -> str:
    """The top of the inbox for the demo: one line per conversation, its full reason beneath."""
    rows = inbox(ws.store, limit=limit)
    if not rows:
        return "(no brand conversation needs attention)"
    lines = []
    for rank, r in enumerate(rows, 1):
        lines.append(f"{rank}. {r['brand']} / {r['customer']}  (priority {r['priority']:.2f})")
        lines.append(f"   why: {r['why']}")
    return "\n".join(lines)
