"""The influence score card: one row per account, every component with its value, weight and points."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from grapevine.graph import in_degree, pagerank
from grapevine.graph._store import duckdb_connection
from grapevine.influence._formula import (
    BRAND_MENTIONS_FULL,
    BRAND_WEIGHTS,
    DAMPING,
    FORMULA_VERSION,
    RATE_FULL,
    REACH_FULL,
    WEIGHTS,
    Component,
    combine,
    log_fraction,
    percentiles,
    rate,
)
from grapevine.influence._signals import Signals, read_signals

__all__ = ["explain", "influence_table"]


def influence_table(
    store: Any,
    brand: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
) -> list[dict[str, Any]]:
    """The ``influence-1`` score card of every account in the store.

    Parameters
    ----------
    store : Workspace, Store or DuckDB connection
    brand : str, optional
        A tracked query's name: adds brand centrality (PageRank personalised to the accounts
        that posted about it) and brand mentions, and reweighs (see docs/influence.md).
    since, until : datetime or ISO string, optional
        Posts with ``since <= created_at < until``; follower counts are the stored profiles'.

    Returns
    -------
    list of dict
        One per account, ordered by platform and id: ``platform``, ``account_id``, ``handle``,
        ``influence`` (0-100, None when nothing could be measured), ``formula`` and
        ``components`` (``name, value, weight, points, share, explain``).
    """
    signals = read_signals(duckdb_connection(store), brand, since, until)
    accounts = signals.accounts
    keys = pd.MultiIndex.from_frame(accounts[["platform", "account_id"]], names=["platform", "id"])
    platforms = accounts["platform"].to_numpy()
    graph = signals.attention
    codes = graph.labels.get_indexer(keys)  # every account is a node (extra_labels)
    attention_pct = np.full(len(accounts), np.nan)
    scores = np.zeros(len(accounts))
    if graph.n_edges:
        scores = pagerank(graph, damping=DAMPING)[codes]
        drew = in_degree(graph, weight=True)[codes] > 0
        attention_pct = percentiles(scores, drew, platforms)
    brand_pct = np.full(len(accounts), np.nan)
    brand_scores = np.zeros(len(accounts))
    if brand is not None and signals.brand_posters is not None and len(signals.brand_posters):
        teleport = np.zeros(graph.n_nodes)
        teleport[graph.labels.get_indexer(signals.brand_posters)] = 1.0
        brand_scores = pagerank(graph, damping=DAMPING, personalization=teleport)[codes]
        brand_pct = percentiles(brand_scores, brand_scores > 0, platforms)

    weights = WEIGHTS if brand is None else BRAND_WEIGHTS
    rows = []
    for i, account in enumerate(accounts.itertuples(index=False)):
        components = [
            _reach(account, signals, i),
            _attention(account, signals, attention_pct[i], scores[i]),
            _amplification(account),
            _conversation(account),
        ]
        if brand is not None:
            components += [
                _brand_centrality(account, signals, brand, brand_pct[i]),
                _brand_mentions(account, brand),
            ]
        influence, parts = combine(components, weights)
        rows.append(
            {
                "platform": account.platform,
                "account_id": account.account_id,
                "handle": account.handle,
                "influence": influence,
                "formula": FORMULA_VERSION,
                "components": parts,
            }
        )
    return rows


def _reach(account: Any, signals: Signals, i: int) -> Component:
    mutual = int(signals.mutual_followers[i])
    mutual_note = f", less {mutual:,} it follows back" if mutual else ""
    followers = account.followers_count
    if followers is not None and not pd.isna(followers):
        value = max(int(followers) - mutual, 0)
        text = f"{value:,} followers (profile count {int(followers):,}{mutual_note})"
    elif account.platform in signals.follow_platforms:
        value = int(account.follow_in)
        text = f"{value:,} one-way followers in the stored follow graph{mutual_note}"
    elif account.platform in signals.interaction_platforms:
        value = int(account.interactors)
        text = f"{value:,} accounts replied to, mentioned, reposted or quoted them (no follower data)"
    else:
        return Component(
            "reach", None, None, "no follower count, follow edges or interactions on this platform"
        )
    return Component(
        "reach", value, log_fraction(value, REACH_FULL), text + f"; full points at {REACH_FULL:,}"
    )


def _attention(account: Any, signals: Signals, percentile: float, score: float) -> Component:
    if account.platform not in signals.interaction_platforms | signals.follow_platforms:
        return Component("attention", None, None, "no follows or interactions stored on this platform")
    if np.isnan(percentile):
        return Component(
            "attention", 0.0, 0.0, "drew no attention: no follows, replies, mentions, reposts or quotes"
        )
    return Component(
        "attention",
        round(float(percentile), 2),
        float(percentile) / 100,
        f"PageRank {score:.3g} on the attention graph (one-way follows, replies, mentions, reposts, "
        f"quotes): percentile {percentile:.1f} among the {account.platform} accounts that drew any (100 = top)",
    )


def _amplification(account: Any) -> Component:
    return _per_post(
        "amplification", int(account.amplifications), int(account.posts), "reposts and quotes by others"
    )


def _conversation(account: Any) -> Component:
    return _per_post(
        "conversation",
        int(account.replies_drawn),
        int(account.posts),
        "replies from others",
        " (self-replies ignored)",
    )


def _per_post(name: str, drawn: int, posts: int, what: str, note: str = "") -> Component:
    """A component counting what an account's posts drew, per post (see :func:`rate`)."""
    per_post = rate(drawn, posts)
    return Component(
        name,
        round(per_post, 4),
        log_fraction(per_post, RATE_FULL),
        f"{drawn:,} {what} over {posts:,} posts: {per_post:.2f} per post{note}",
    )


def _brand_centrality(account: Any, signals: Signals, brand: str, percentile: float) -> Component:
    if signals.brand_posters is None or not len(signals.brand_posters):
        return Component("brand_centrality", None, None, f"no posts match {brand!r} in this window")
    if np.isnan(percentile):
        return Component("brand_centrality", 0.0, 0.0, f"outside {brand!r}'s conversation")
    return Component(
        "brand_centrality",
        round(float(percentile), 2),
        float(percentile) / 100,
        f"PageRank personalised to the accounts that posted about {brand!r}: percentile {percentile:.1f}",
    )


def _brand_mentions(account: Any, brand: str) -> Component:
    count = int(account.brand_posts)
    return Component(
        "brand_mentions",
        count,
        log_fraction(count, BRAND_MENTIONS_FULL),
        f"{count:,} posts about {brand!r} (burst copies, reposts and self-replies not counted); full points at {BRAND_MENTIONS_FULL}",
    )


def explain(row: dict[str, Any]) -> str:
    """The score card of one row as text: the score, then one line per component."""
    who = f"@{row['handle']}" if row.get("handle") else row["account_id"]
    score = "not measurable" if row["influence"] is None else f"{row['influence']:.1f} / 100"
    lines = [f"{who} on {row['platform']}: influence {score} ({row['formula']}, see docs/influence.md)"]
    for c in row["components"]:
        if c["points"] is None:
            lines.append(f"  {c['name']:<17} not measured: {c['explain']}")
            continue
        share = "" if c["share"] is None else f", {100 * c['share']:.0f}% of the score"
        lines.append(
            f"  {c['name']:<17} {c['points']:5.1f} of {c['weight']:4.1f} points{share}: {c['explain']}"
        )
    return "\n".join(lines)
