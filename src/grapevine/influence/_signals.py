"""What the score card reads from the store: per-account counts as SQL, the attention graph in memory.

Every count here ignores the posts :mod:`grapevine.influence._bursts` leaves out (burst copies
and burst accounts' reposts), self-replies, self-mentions and self-reposts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from grapevine._window import window_clauses
from grapevine.graph import Graph, graph_from_store
from grapevine.graph._reciprocity import reciprocal_edges, union_graph
from grapevine.graph._store import check_track
from grapevine.influence._bursts import burst_posts

__all__ = ["FOLLOW_WEIGHT", "Signals", "read_signals"]

#: A follow counts as much as one reply, mention, repost or quote in the attention graph.
FOLLOW_WEIGHT = 1.0
#: Mutual follows (u follows v and v follows u) count neither as followers nor as attention: a
#: follow-back is a courtesy, and follow-for-follow rings are made of nothing else, so a ring of
#: any size adds nothing. (Dense-core tests flag ordinary friend groups on real and simulated
#: graphs alike; dropping every mutual follow is the rule that is both simple and ring-proof.)

_EXCLUDED = "_grapevine_influence_excluded"

_ACCOUNTS = """
SELECT platform, id AS account_id, handle, followers_count FROM accounts
UNION ALL
SELECT platform, author_id, arg_max(author_handle, created_at), NULL
FROM posts p WHERE author_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.platform = p.platform AND a.id = p.author_id)
GROUP BY platform, author_id
ORDER BY platform, account_id
"""

_KEPT = f"SELECT * FROM posts ANTI JOIN {_EXCLUDED} USING (platform, id) WHERE NOT deleted{{window}}"

_COUNTS = f"""
WITH p AS ({_KEPT}),
own AS (
    SELECT platform, author_id AS account_id, count(*) AS posts FROM p
    WHERE author_id IS NOT NULL AND repost_of_id IS NULL
        AND (reply_to_author_id IS NULL OR reply_to_author_id <> author_id)
    GROUP BY ALL
),
amplified AS (
    SELECT platform, account_id, count(*) AS amplifications FROM (
        SELECT DISTINCT o.platform, o.author_id AS account_id, o.id, r.author_id
        FROM (
            SELECT platform, author_id, repost_of_id AS cited FROM p WHERE repost_of_id IS NOT NULL
            UNION ALL
            SELECT platform, author_id, quote_of_id FROM p WHERE quote_of_id IS NOT NULL
        ) r JOIN posts o ON o.platform = r.platform AND o.id = r.cited
        WHERE r.author_id <> o.author_id
    ) GROUP BY ALL
),
replied AS (
    SELECT platform, reply_to_author_id AS account_id, count(*) AS replies_drawn FROM p
    WHERE reply_to_author_id IS NOT NULL AND author_id IS NOT NULL AND reply_to_author_id <> author_id
    GROUP BY ALL
)
SELECT platform, account_id, own.posts, amplified.amplifications, replied.replies_drawn
FROM own FULL JOIN amplified USING (platform, account_id) FULL JOIN replied USING (platform, account_id)
"""

_BRAND_POSTS = f"""
WITH p AS ({_KEPT})
SELECT p.platform, p.author_id AS account_id, count(*) AS brand_posts
FROM p JOIN track_matches m ON m.platform = p.platform AND m.id = p.id AND m.track = ?
WHERE p.author_id IS NOT NULL AND p.repost_of_id IS NULL
    AND (p.reply_to_author_id IS NULL OR p.reply_to_author_id <> p.author_id)
GROUP BY ALL
"""


@dataclass
class Signals:
    """Per-account inputs of the score card, aligned with ``accounts`` rows."""

    accounts: pd.DataFrame  # platform, account_id, handle, followers_count, posts, amplifications, ...
    attention: Graph  # one-way follows + interactions, weighted, over accounts and others
    mutual_followers: np.ndarray  # per account: followers it follows back (not counted)
    follow_platforms: set[str]  # platforms with any follow edge
    interaction_platforms: set[str]  # platforms with any interaction edge
    excluded: pa.Table  # posts left out (burst copies, burst accounts' reposts)
    brand_posters: pd.Index | None  # (platform, id) of accounts that posted brand matches


def read_signals(
    con: duckdb.DuckDBPyConnection,
    brand: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
) -> Signals:
    """Read everything the score card needs in a few queries."""
    clauses, params = window_clauses(since, until)
    window = "".join(f" AND {clause}" for clause in clauses)
    if brand is not None:
        check_track(con, brand)
    excluded = burst_posts(con, window, params)
    accounts = con.sql(_ACCOUNTS).df()
    con.register(_EXCLUDED, excluded.select(["platform", "id"]))
    try:
        counts = con.sql(_COUNTS.format(window=window), params=params or None).df()
        brand_posts = None
        if brand is not None:
            brand_posts = con.sql(_BRAND_POSTS.format(window=window), params=[*params, brand]).df()
    finally:
        con.unregister(_EXCLUDED)
    accounts = accounts.merge(counts, on=["platform", "account_id"], how="left")
    if brand_posts is not None:
        accounts = accounts.merge(brand_posts, on=["platform", "account_id"], how="left")
    for column in ("posts", "amplifications", "replies_drawn", "brand_posts"):
        if column in accounts:
            accounts[column] = accounts[column].fillna(0).astype(np.int64)
    keys = pd.MultiIndex.from_frame(accounts[["platform", "account_id"]], names=["platform", "id"])

    follows = graph_from_store(con, "follow", since=since, until=until, duplicates="first")
    interactions = graph_from_store(con, "interaction", since=since, until=until, exclude_posts=excluded)
    mutual = reciprocal_edges(follows)
    src, dst, _ = follows.edges()
    honest = build_subgraph(follows, ~mutual)
    attention = union_graph([honest, interactions], [FOLLOW_WEIGHT, 1.0], "interaction", extra_labels=keys)

    mutual_in = np.bincount(dst[mutual], minlength=follows.n_nodes)
    mutual_followers = np.zeros(len(accounts), np.int64)
    where = follows.labels.get_indexer(keys)
    mutual_followers[where >= 0] = mutual_in[where[where >= 0]]
    follow_in = np.zeros(len(accounts), np.int64)
    honest_in = np.bincount(honest.indices, minlength=honest.n_nodes)
    follow_in[where >= 0] = honest_in[where[where >= 0]]
    accounts["follow_in"] = follow_in
    inter_where = interactions.labels.get_indexer(keys)
    interactors = np.bincount(interactions.indices, minlength=interactions.n_nodes)
    reach_by_interaction = np.zeros(len(accounts), np.int64)
    reach_by_interaction[inter_where >= 0] = interactors[inter_where[inter_where >= 0]]
    accounts["interactors"] = reach_by_interaction

    brand_posters = None
    if brand_posts is not None:
        posted = accounts[accounts["brand_posts"] > 0]
        brand_posters = pd.MultiIndex.from_frame(posted[["platform", "account_id"]], names=["platform", "id"])
    return Signals(
        accounts=accounts,
        attention=attention,
        mutual_followers=mutual_followers,
        follow_platforms=set(follows.labels.get_level_values("platform")[src]) if src.size else set(),
        interaction_platforms=_edge_platforms(interactions),
        excluded=excluded,
        brand_posters=brand_posters,
    )


def build_subgraph(graph: Graph, keep: np.ndarray) -> Graph:
    """The graph with only the edges where ``keep`` is True (all nodes kept)."""
    from grapevine.graph import build_graph

    src, dst, weights = graph.edges()
    return build_graph(
        src[keep], dst[keep], None if weights is None else weights[keep], labels=graph.labels, kind=graph.kind
    )


def _edge_platforms(graph: Graph) -> set[str]:
    if graph.n_edges == 0:
        return set()
    src, _, _ = graph.edges()
    return set(pd.unique(graph.labels.get_level_values("platform")[src]))
