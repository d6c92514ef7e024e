"""Graphs read from the store: follow edges, or who replied to, mentioned, reposted or quoted whom.

The edge list is one SQL query (so the same definition can run on another engine); numbering
the nodes and building the CSR happen in memory. Node labels are ``(platform, id)`` pairs.

Edge meanings, all ``src -> dst`` with src paying attention to dst (influence flows dst -> src):

- ``follow`` (and any other kind stored in the ``edges`` table, such as ``influence``): the
  stored edges as they are, parallel ones kept; a missing weight counts 1.
- ``reply``: the author of a reply -> the author replied to.
- ``mention``: the author -> each account mentioned. Mentions are handles: they are matched
  case-insensitively to ``accounts.handle`` on the same platform, and an unknown handle stays
  a node of its own. A mention of the account being replied to is left out (Twitter puts it
  there by itself; the reply edge already counts it).
- ``repost`` / ``quote``: the reposter (quoter) -> the original post's author, when the original
  post is in the store.
- ``interaction``: all four, each weighted (``weights``) and summed per pair.

Derived edges weigh the number of interactions between the pair; self-interactions (a thread
replying to itself) and deleted posts are left out. ``since``/``until`` bound the posts'
``created_at``; stored edges without a date (most follow lists) are kept whatever the window.
``exclude_posts`` leaves chosen posts out of the derived edges (the influence score card drops
burst copies and bot reposts that way).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from grapevine._window import window_clauses
from grapevine.errors import GrapevineError
from grapevine.graph._graph import Duplicates, Graph, build_graph

__all__ = ["INTERACTION_KINDS", "check_track", "duckdb_connection", "graph_from_store"]

INTERACTION_KINDS = ("reply", "mention", "repost", "quote")
_SEPARATOR = "\x1f"  # joins platform and id into one key; never part of a platform name

_POSTS = "SELECT * FROM posts{anti} WHERE NOT deleted AND author_id IS NOT NULL{where}"
_EXCLUDED = "_grapevine_excluded_posts"  # the name ``exclude_posts`` is registered under, per call

_DERIVED = {
    "reply": "SELECT platform, author_id AS src, reply_to_author_id AS dst FROM p "
    "WHERE reply_to_author_id IS NOT NULL",
    "mention": (
        "SELECT m.platform, m.author_id AS src, coalesce(a.id, m.handle) AS dst "
        "FROM (SELECT platform, author_id, reply_to_author_id, unnest(mentions) AS handle FROM p) m "
        "LEFT JOIN (SELECT platform, lower(handle) AS key, min(id) AS id FROM accounts "
        "WHERE handle IS NOT NULL GROUP BY ALL) a ON a.platform = m.platform AND a.key = lower(m.handle) "
        "WHERE m.handle IS NOT NULL AND m.handle <> '' "
        "AND coalesce(a.id, m.handle) IS DISTINCT FROM m.reply_to_author_id"
    ),
    "repost": "SELECT p.platform, p.author_id AS src, o.author_id AS dst FROM p "
    "JOIN posts o ON o.platform = p.platform AND o.id = p.repost_of_id",
    "quote": "SELECT p.platform, p.author_id AS src, o.author_id AS dst FROM p "
    "JOIN posts o ON o.platform = p.platform AND o.id = p.quote_of_id",
}


def graph_from_store(
    con: Any,
    kind: str = "follow",
    platform: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    weights: Mapping[str, float] | None = None,
    duplicates: Duplicates = "keep",
    exclude_posts: pa.Table | None = None,
    track: str | None = None,
) -> Graph:
    """Build a directed graph of one relation from the store.

    Parameters
    ----------
    con : Workspace, Store or duckdb connection
        Where to read.
    kind : str
        ``follow``, ``reply``, ``mention``, ``repost``, ``quote``, ``interaction``, or another
        kind in the ``edges`` table (``influence``: the edges already point the way influence
        flows). See the module docstring for what each edge means.
    platform : str, optional
        Only this platform's edges.
    since, until : datetime or ISO string, optional
        Posts (and dated edges) with ``since <= created_at < until``.
    weights : mapping, optional
        For ``interaction``: how much each of reply, mention, repost and quote counts (1 each by
        default; 0 leaves one out).
    duplicates : {"keep", "sum", "first", "last"}
        What to do with parallel stored edges; see :func:`~grapevine.graph.build_graph`.
    exclude_posts : pyarrow.Table, optional
        Posts (columns ``platform``, ``id``) whose replies, mentions, reposts and quotes are
        left out of derived graphs.
    track : str, optional
        A tracked query's name: derived edges come only from posts matching it (the brand's
        conversation), stored edges only between accounts that wrote such posts.

    Returns
    -------
    Graph
        Labels are a MultiIndex ``(platform, id)``; ``graph.kind`` is ``kind``.
    """
    connection = duckdb_connection(con)
    sql, params = _edge_query(
        connection, kind, platform, since, until, weights, exclude_posts is not None, track
    )
    if exclude_posts is not None:
        missing = {"platform", "id"} - set(exclude_posts.column_names)
        if missing:
            raise GrapevineError(f"exclude_posts needs columns platform and id; missing {sorted(missing)}")
        connection.register(_EXCLUDED, exclude_posts.select(["platform", "id"]))
    try:
        table = connection.sql(sql, params=params or None).to_arrow_table()
    finally:
        if exclude_posts is not None:
            connection.unregister(_EXCLUDED)
    if table.num_rows == 0:
        empty = pd.MultiIndex.from_arrays([[], []], names=["platform", "id"])
        return build_graph([], [], None, labels=empty, kind=kind)
    src_keys = pc.binary_join_element_wise(table["platform"], table["src"], _SEPARATOR)
    dst_keys = pc.binary_join_element_wise(table["platform"], table["dst"], _SEPARATOR)
    encoded = pa.chunked_array(src_keys.chunks + dst_keys.chunks).combine_chunks().dictionary_encode()
    codes = encoded.indices.to_numpy()
    parts = pc.split_pattern(encoded.dictionary, _SEPARATOR, max_splits=1)
    labels = pd.MultiIndex.from_arrays(
        [
            pc.list_element(parts, 0).to_numpy(zero_copy_only=False),
            pc.list_element(parts, 1).to_numpy(zero_copy_only=False),
        ],
        names=["platform", "id"],
    )
    m = table.num_rows
    weight_column = table["weight"]
    edge_weights = None if weight_column.null_count == m else weight_column.to_numpy()
    return build_graph(codes[:m], codes[m:], edge_weights, labels=labels, kind=kind, duplicates=duplicates)


def _posts_sql(where: str, exclude: bool) -> str:
    anti = f" ANTI JOIN {_EXCLUDED} USING (platform, id)" if exclude else ""
    return _POSTS.format(anti=anti, where=where)


def duckdb_connection(con: Any) -> duckdb.DuckDBPyConnection:
    """The DuckDB connection behind a Workspace, a Store or a connection."""
    store = getattr(con, "store", con)  # a Workspace holds a Store
    connection = getattr(store, "con", store)  # a Store holds a connection
    if not isinstance(connection, duckdb.DuckDBPyConnection):
        raise GrapevineError(f"expected a Workspace, Store or DuckDB connection, got {type(con).__name__}")
    return connection


def _edge_query(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    platform: str | None,
    since: datetime | str | None,
    until: datetime | str | None,
    weights: Mapping[str, float] | None,
    exclude: bool = False,
    track: str | None = None,
) -> tuple[str, list[Any]]:
    """SQL giving ``platform, src, dst, weight`` rows ordered for stable node numbering."""
    where, params = "", []
    if platform is not None:
        where += " AND platform = ?"
        params.append(platform)
    if track is not None:
        check_track(con, track)
    window_sql, window_params = window_clauses(since, until)
    window = "".join(f" AND {clause}" for clause in window_sql)
    if kind in _DERIVED or kind == "interaction":
        if track is not None:
            where += (
                " AND EXISTS (SELECT 1 FROM track_matches m "
                "WHERE m.track = ? AND m.platform = posts.platform AND m.id = posts.id)"
            )
            params.append(track)
        factors = _interaction_factors(weights) if kind == "interaction" else {kind: 1.0}
        # the factors are parameters too: they follow the posts' parameters in the text
        derived = " UNION ALL ".join(
            f"SELECT platform, src, dst, CAST(? AS DOUBLE) AS weight FROM ({_DERIVED[name]})"
            for name in factors
        )
        sql = (
            f"WITH p AS ({_posts_sql(where + window, exclude)}) "
            "SELECT platform, src, dst, sum(weight) AS weight "
            f"FROM ({derived}) WHERE src IS NOT NULL AND dst IS NOT NULL AND src <> dst "
            "GROUP BY platform, src, dst HAVING sum(weight) > 0 ORDER BY platform, src, dst"
        )
        return sql, [*params, *window_params, *factors.values()]
    known = {row[0] for row in con.execute("SELECT DISTINCT kind FROM edges").fetchall()}
    if kind not in known and kind not in ("follow", "influence"):
        choices = sorted(known | {"follow", "influence", "interaction", *_DERIVED})
        raise GrapevineError(f"unknown graph kind {kind!r}; expected one of {', '.join(choices)}")
    dated = f" AND (created_at IS NULL OR ({' AND '.join(window_sql)}))" if window_sql else ""
    voices = ""
    if track is not None:
        voices = (
            " AND EXISTS (SELECT 1 FROM {speakers} s WHERE s.platform = edges.platform AND s.author_id = edges.src)"
            " AND EXISTS (SELECT 1 FROM {speakers} s WHERE s.platform = edges.platform AND s.author_id = edges.dst)"
        ).format(
            speakers="(SELECT DISTINCT p.platform, p.author_id FROM posts p JOIN track_matches m "
            "ON m.platform = p.platform AND m.id = p.id WHERE m.track = ?)"
        )
        window_params += [track, track]
    sql = (
        "SELECT platform, src, dst, weight FROM edges "
        f"WHERE kind = ?{where}{dated}{voices} ORDER BY platform, src, dst, file_key, record, seq"
    )
    return sql, [kind, *params, *window_params]


def _interaction_factors(weights: Mapping[str, float] | None) -> dict[str, float]:
    """How much each interaction kind counts (1 unless ``weights`` says otherwise); zeros left out."""
    factors = {name: 1.0 for name in INTERACTION_KINDS}
    for name, value in (weights or {}).items():
        if name not in INTERACTION_KINDS:
            unknown = sorted(set(weights or {}) - set(INTERACTION_KINDS))
            raise GrapevineError(f"unknown interaction kinds {unknown}; use {INTERACTION_KINDS}")
        try:
            factor = float(value)
        except (TypeError, ValueError):
            factor = math.nan
        if not math.isfinite(factor) or factor < 0:
            raise GrapevineError(f"interaction weight {name}={value!r} must be a number, 0 or more")
        factors[name] = factor
    chosen = {name: factor for name, factor in factors.items() if factor != 0}
    if not chosen:
        raise GrapevineError("every interaction weight is 0: nothing to build")
    return chosen


def check_track(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Raise a clear error unless ``name`` is a tracked query."""
    if not con.execute("SELECT 1 FROM tracks WHERE name = ?", [name]).fetchall():
        raise GrapevineError(f"no tracked query named {name!r}; see `grapevine track list`")
