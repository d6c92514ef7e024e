"""Threading the store: reply trees from each platform's reply fields, kept up to date incrementally.

Every source already maps its platform's reply fields into ``posts.reply_to_id`` (and the
platform's own thread root, where it has one, into ``posts.conversation_id``), so threading is
one relational definition for all platforms, in four steps over a *scope* of posts:

1. **Nodes**: the scope's posts, plus a *placeholder* for every parent that is not stored.
   When the replies under a placeholder name their platform's thread root (a Reddit
   ``link_id``, a Bluesky reply root, a Twitter ``conversation_id``), the placeholder hangs
   under that root (``parent_inferred``), so a thread with a gap stays one conversation; the
   root is a placeholder too when it is not stored (a Reddit submission, say).
2. **Forest**: nodes get integer codes in SQL, the parent codes go to numpy, and pointer
   jumping (:mod:`._forest`) finds each node's root and depth, cutting reply cycles.
3. **Write**: ``post_threads`` rows (root = ``conversation_key``, parent, depth, children),
   ``conversations`` rows (turns, participants, depth, breadth, times, quote links) and
   ``thread_problems`` (self-replies, cycles, parents newer than their replies).
4. **Watermark**: ``thread_state`` records the newest ``posts.ingested_at`` threaded.

The first run's scope is every post. Later runs take the posts ingested after the watermark
plus every tree they touch (the trees holding their ids as placeholders, their parents, their
platform roots, the posts they quote and the posts quoting them), delete those trees and build
them again: a late parent re-roots its orphan subtree, and the cost follows the new posts and
the conversations they join, not the size of the store. Reposts are not turns and stay out.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa

from grapevine.conversations._forest import IntArray, resolve_forest

if TYPE_CHECKING:  # the store's migrations import this package: no cycle at run time
    from grapevine.store import Store

__all__ = ["threaded_through", "update_threads"]

#: Above this share of new posts a full rebuild is cheaper than finding the touched trees.
FULL_REBUILD_SHARE = 0.3
_STATE = "posts"
_TEMP = (
    "_thread_new",
    "_thread_touched",
    "_thread_scope",
    "_thread_members",
    "_thread_leaks",
    "_thread_nodes",
    "_thread_built",
    "_thread_roots",
    "_thread_quotes",
)


def threaded_through(store: Store) -> datetime | None:
    """The ``ingested_at`` of the newest post already threaded (None before the first run)."""
    rows = store.run("SELECT threaded_through FROM thread_state WHERE name = ?", [_STATE])
    return rows[0][0] if rows else None


def update_threads(store: Store, full: bool = False) -> dict[str, Any]:
    """Thread the posts ingested since the last run (all of them with ``full``); returns counts.

    The result says which ``mode`` ran (``full``, ``incremental`` or ``none``), how many
    ``new_posts`` arrived, how many posts were ``threaded`` (the new ones plus the trees they
    touched), how many ``conversations`` and ``placeholders`` were written, and the
    ``problems`` found among them by reason.
    """
    start = time.perf_counter()
    result: dict[str, Any] = {"mode": "none", "new_posts": 0, "threaded": 0, "conversations": 0}
    result |= {"placeholders": 0, "problems": {}}
    (latest,) = store.run("SELECT max(ingested_at) FROM posts")[0]
    watermark = None if full or latest is None else threaded_through(store)
    if latest is None or (watermark is not None and watermark >= latest):
        result["seconds"] = time.perf_counter() - start
        return result
    with store.transaction() as con:  # a failure rolls everything back, temp tables included
        new, total = _counts(con, watermark, latest)
        result["new_posts"] = new
        if watermark is None or new > FULL_REBUILD_SHARE * total:
            result["mode"] = "full"
            _full_scope(con, latest)
        else:
            result["mode"] = "incremental"
            _incremental_scope(con, watermark, latest)
        result |= _build(con)
        con.execute(
            "INSERT INTO thread_state VALUES (?, ?, now()) ON CONFLICT (name) DO UPDATE SET "
            "threaded_through = EXCLUDED.threaded_through, updated_at = EXCLUDED.updated_at",
            [_STATE, latest],
        ).fetchall()
        for name in _TEMP:
            con.execute(f"DROP TABLE IF EXISTS {name}").fetchall()
    result["seconds"] = time.perf_counter() - start
    return result


def _counts(con: duckdb.DuckDBPyConnection, watermark: datetime | None, latest: datetime) -> tuple[int, int]:
    """Posts ingested after the watermark (all when None), and posts in all, up to ``latest``."""
    if watermark is None:
        rows = con.execute("SELECT count(*), count(*) FROM posts WHERE ingested_at <= ?", [latest]).fetchall()
    else:
        rows = con.execute(
            "SELECT count(*) FILTER (WHERE ingested_at > ?), count(*) FROM posts WHERE ingested_at <= ?",
            [watermark, latest],
        ).fetchall()
    return int(rows[0][0]), int(rows[0][1])


# -- scope ---------------------------------------------------------------------------------

_SCOPE_COLUMNS = "platform, id, reply_to_id, conversation_id, quote_of_id, author_id, created_at"


def _full_scope(con: duckdb.DuckDBPyConnection, latest: datetime) -> None:
    for table in ("post_threads", "conversations", "thread_problems"):
        con.execute(f"DELETE FROM {table}").fetchall()
    con.execute(
        f"CREATE TEMP TABLE _thread_scope AS SELECT {_SCOPE_COLUMNS} FROM posts "
        "WHERE repost_of_id IS NULL AND ingested_at <= ?",
        [latest],
    ).fetchall()
    _nodes(con)


def _incremental_scope(con: duckdb.DuckDBPyConnection, watermark: datetime, latest: datetime) -> None:
    """The new posts plus every stored tree they touch; those trees' rows are deleted."""
    con.execute(
        "CREATE TEMP TABLE _thread_new AS SELECT platform, id, reply_to_id, conversation_id, quote_of_id "
        "FROM posts WHERE ingested_at > ? AND ingested_at <= ?",
        [watermark, latest],
    ).fetchall()
    # Ids whose trees change: the new posts themselves (a placeholder filled in, or a post
    # re-mapped), their parents and platform roots (they gain a reply), the posts they quote
    # (quotes_in) and the posts quoting them (quotes_out now finds its target).
    con.execute(
        "CREATE TEMP TABLE _thread_touched AS SELECT DISTINCT t.platform, t.conversation_key "
        "FROM post_threads t JOIN ("
        "  SELECT platform, unnest([id, reply_to_id, conversation_id, quote_of_id]) AS key FROM _thread_new"
        "  UNION ALL SELECT q.platform, q.id FROM posts q JOIN _thread_new n"
        "  ON q.platform = n.platform AND q.quote_of_id = n.id"
        ") k ON t.platform = k.platform AND t.id = k.key"
    ).fetchall()
    con.execute(
        f"CREATE TEMP TABLE _thread_scope AS SELECT {_SCOPE_COLUMNS} FROM posts p "
        "WHERE p.repost_of_id IS NULL AND p.ingested_at > ? AND p.ingested_at <= ?",
        [watermark, latest],
    ).fetchall()
    _take_touched(con, latest)
    # Safety net: a placeholder that is really a stored post (in an untouched tree, or whose
    # row was lost) would split a tree. Pull those posts and every tree near them in, until
    # the scope is closed. With consistent tables the first check finds nothing.
    for _ in range(100):
        _nodes(con)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _thread_leaks AS "
            "SELECT n.platform, n.id, t.conversation_key FROM _thread_nodes n "
            "JOIN post_threads t ON t.platform = n.platform AND t.id = n.id WHERE n.is_placeholder "
            "UNION ALL SELECT n.platform, n.id, NULL FROM _thread_nodes n "
            "SEMI JOIN posts p ON p.platform = n.platform AND p.id = n.id "
            "AND p.repost_of_id IS NULL AND p.ingested_at <= ? "
            "ANTI JOIN post_threads t ON t.platform = n.platform AND t.id = n.id WHERE n.is_placeholder",
            [latest],
        ).fetchall()
        if not _scalar(con, "SELECT count(*) FROM _thread_leaks"):
            return
        con.execute("DELETE FROM _thread_touched").fetchall()
        con.execute(
            "INSERT INTO _thread_touched SELECT DISTINCT platform, conversation_key FROM ("
            "  SELECT platform, conversation_key FROM _thread_leaks WHERE conversation_key IS NOT NULL"
            "  UNION ALL SELECT t.platform, t.conversation_key FROM post_threads t"
            "  JOIN _thread_leaks l ON l.platform = t.platform AND l.id = t.parent_id"
            "  UNION ALL SELECT t.platform, t.conversation_key FROM post_threads t"
            "  JOIN _thread_leaks l ON l.platform = t.platform AND l.id = t.conversation_key)"
        ).fetchall()
        _take_touched(con, latest)
        con.execute(
            f"INSERT INTO _thread_scope SELECT {_SCOPE_COLUMNS} FROM posts p "
            "SEMI JOIN _thread_leaks l ON l.platform = p.platform AND l.id = p.id "
            "ANTI JOIN _thread_scope s ON s.platform = p.platform AND s.id = p.id "
            "WHERE p.repost_of_id IS NULL AND p.ingested_at <= ?",
            [latest],
        ).fetchall()
    raise AssertionError("thread scope did not close")  # pragma: no cover


def _take_touched(con: duckdb.DuckDBPyConnection, latest: datetime) -> None:
    """Move the stored posts of the touched trees into the scope and delete those trees' rows."""
    # Two steps, so that the big posts table is only probed with the few ids of the touched trees.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _thread_members AS SELECT t.platform, t.id FROM post_threads t "
        "SEMI JOIN _thread_touched x ON x.platform = t.platform AND x.conversation_key = t.conversation_key "
        "ANTI JOIN _thread_scope s ON s.platform = t.platform AND s.id = t.id "
        "WHERE NOT t.is_placeholder"
    ).fetchall()
    con.execute(
        f"INSERT INTO _thread_scope SELECT {_SCOPE_COLUMNS} FROM posts p "
        "SEMI JOIN _thread_members m ON m.platform = p.platform AND m.id = p.id "
        "WHERE p.repost_of_id IS NULL AND p.ingested_at <= ?",
        [latest],
    ).fetchall()
    for table in ("post_threads", "conversations"):
        con.execute(
            f"DELETE FROM {table} t USING _thread_touched x "
            "WHERE t.platform = x.platform AND t.conversation_key = x.conversation_key"
        ).fetchall()


def _nodes(con: duckdb.DuckDBPyConnection) -> None:
    """Number the scope's posts and their placeholders (``_thread_nodes``)."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _thread_nodes AS
        WITH holes AS (
            SELECT s.platform, s.reply_to_id AS id,
                   min(s.conversation_id) FILTER (
                       WHERE s.conversation_id <> s.reply_to_id AND s.conversation_id <> s.id
                   ) AS parent_id
            FROM _thread_scope s
            ANTI JOIN _thread_scope q ON q.platform = s.platform AND q.id = s.reply_to_id
            WHERE s.reply_to_id IS NOT NULL AND s.reply_to_id <> s.id
            GROUP BY ALL
        ), tops AS (
            SELECT DISTINCT h.platform, h.parent_id AS id FROM holes h
            ANTI JOIN _thread_scope q ON q.platform = h.platform AND q.id = h.parent_id
            ANTI JOIN holes g ON g.platform = h.platform AND g.id = h.parent_id
            WHERE h.parent_id IS NOT NULL
        )
        SELECT (row_number() OVER () - 1)::BIGINT AS code, * FROM (
            SELECT platform, id, reply_to_id AS parent_id, false AS is_placeholder, author_id, created_at,
                   quote_of_id
            FROM _thread_scope
            UNION ALL SELECT platform, id, parent_id, true, NULL, NULL, NULL FROM holes
            UNION ALL SELECT platform, id, NULL, true, NULL, NULL, NULL FROM tops
        )
        """
    ).fetchall()


# -- forest and writes ---------------------------------------------------------------------


def _build(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    n = int(_scalar(con, "SELECT count(*) FROM _thread_nodes"))
    edges = con.execute(
        "SELECT c.code AS child, p.code AS parent, coalesce(p.created_at > c.created_at, false) AS newer "
        "FROM _thread_nodes c JOIN _thread_nodes p ON p.platform = c.platform AND p.id = c.parent_id "
        "WHERE c.parent_id <> c.id"
    ).fetchnumpy()
    parent = np.arange(n, dtype=np.int64)
    parent[np.asarray(edges["child"], dtype=np.int64)] = np.asarray(edges["parent"], dtype=np.int64)
    forest = resolve_forest(parent, lambda nodes: _cut_order(con, nodes))
    codes = np.arange(n, dtype=np.int64)
    cut = np.zeros(n, dtype=bool)
    cut[forest.cut] = True
    size = np.bincount(forest.root, minlength=n)
    con.register(
        "_thread_result",
        pa.table(
            {
                "code": pa.array(codes),
                "root": pa.array(forest.root),
                "depth": pa.array(forest.depth.astype(np.int32)),
                "children": pa.array(forest.children.astype(np.int32)),
                "cut": pa.array(cut),
                "alone": pa.array(size[forest.root] == 1),
            }
        ),
    )
    con.register("_thread_shape", _shapes(forest.root, forest.depth, size))
    try:
        con.execute(
            "CREATE TEMP TABLE _thread_built AS SELECT n.code, x.root, n.platform, n.id, "
            "CASE WHEN x.cut OR n.parent_id = n.id THEN NULL ELSE n.parent_id END AS parent_id, "
            "x.depth, x.children, n.is_placeholder, "
            "(n.is_placeholder AND n.parent_id IS NOT NULL AND NOT x.cut) AS parent_inferred, "
            "x.alone, n.author_id, n.created_at, n.quote_of_id FROM _thread_nodes n JOIN _thread_result x USING (code)"
        ).fetchall()
        con.execute(
            "CREATE TEMP TABLE _thread_roots AS SELECT code AS root, platform, id AS conversation_key "
            "FROM _thread_built WHERE code = root"
        ).fetchall()
        con.execute(
            "INSERT INTO post_threads SELECT b.platform, b.id, r.conversation_key, b.parent_id, b.depth, "
            "b.children, b.is_placeholder, b.parent_inferred FROM _thread_built b JOIN _thread_roots r USING (root)"
        ).fetchall()
        problems = _problems(con, edges, forest.cycle_nodes, forest.cycle_of)
        _conversations(con)
    finally:
        con.unregister("_thread_result")
        con.unregister("_thread_shape")
    roots = int((forest.root == codes).sum())
    placeholders = _scalar(con, "SELECT count(*) FROM _thread_built WHERE is_placeholder")
    return {
        "threaded": n - placeholders,
        "conversations": roots,
        "placeholders": placeholders,
        "problems": problems,
    }


def _shapes(root: IntArray, depth: IntArray, size: IntArray) -> pa.Table:
    """Depth and breadth (most nodes on one level) of every tree with more than one node."""
    multi = size[root] > 1
    levels = int(depth.max()) + 1 if len(depth) else 1
    keys, width = np.unique(root[multi] * levels + depth[multi], return_counts=True)
    tree = keys // levels
    starts = np.flatnonzero(np.r_[True, tree[1:] != tree[:-1]]) if len(tree) else np.empty(0, np.int64)
    return pa.table(
        {
            "root": pa.array(tree[starts]),
            "tree_depth": pa.array(np.maximum.reduceat(keys % levels, starts) if len(starts) else starts),
            "breadth": pa.array(np.maximum.reduceat(width, starts) if len(starts) else starts),
        }
    )


def _cut_order(con: duckdb.DuckDBPyConnection, nodes: IntArray) -> IntArray:
    """Which edge of a cycle to cut: a placeholder's inferred link first, then the oldest post's reply.

    Ties go by id, so the same data is always cut the same way, however it was numbered.
    """
    ranked = con.execute(
        "SELECT code FROM _thread_nodes WHERE code IN (SELECT unnest(?::BIGINT[])) "
        "ORDER BY is_placeholder DESC, created_at NULLS LAST, platform, id",
        [nodes.tolist()],
    ).fetchnumpy()["code"]
    rank = np.empty(len(nodes), dtype=np.int64)
    rank[np.searchsorted(nodes, np.asarray(ranked, dtype=np.int64))] = np.arange(len(nodes))
    return rank


def _problems(
    con: duckdb.DuckDBPyConnection, edges: dict[str, Any], cycle_nodes: IntArray, cycle_of: IntArray
) -> dict[str, int]:
    newer = np.asarray(edges["child"], dtype=np.int64)[np.asarray(edges["newer"], dtype=bool)]
    sizes = np.unique(cycle_of, return_counts=True)
    size_of = dict(zip(sizes[0].tolist(), sizes[1].tolist(), strict=True))
    con.register(
        "_thread_flagged",
        pa.table(
            {
                "code": pa.array(np.concatenate([newer, cycle_nodes])),
                "reason": pa.array(["parent_newer"] * len(newer) + ["reply_cycle"] * len(cycle_nodes)),
                "cut_code": pa.array(np.concatenate([np.full(len(newer), -1), cycle_of]), pa.int64()),
                "cycle_size": pa.array([0] * len(newer) + [size_of[int(c)] for c in cycle_of], pa.int64()),
            }
        ),
    )
    con.execute(
        "DELETE FROM thread_problems t USING _thread_scope s WHERE t.platform = s.platform AND t.id = s.id"
    ).fetchall()
    con.execute(
        """
        INSERT INTO thread_problems
        SELECT platform, id, 'self_reply', 'replies to itself; shown as the root of its own conversation'
        FROM _thread_scope WHERE reply_to_id = id
        UNION ALL
        SELECT n.platform, n.id, f.reason, CASE f.reason
            WHEN 'parent_newer' THEN format('posted at {} but replies to {}, posted later at {}',
                                            n.created_at, p.id, p.created_at)
            ELSE format('on a reply cycle of {} nodes; the link from {} to {} was cut to open it',
                        f.cycle_size, c.id, c.parent_id) END
        FROM _thread_flagged f JOIN _thread_nodes n ON n.code = f.code
        LEFT JOIN _thread_nodes p ON p.platform = n.platform AND p.id = n.parent_id
        LEFT JOIN _thread_nodes c ON c.code = f.cut_code
        WHERE NOT n.is_placeholder OR f.reason = 'reply_cycle'
        """
    ).fetchall()
    con.unregister("_thread_flagged")
    rows = con.execute(
        "SELECT reason, count(*) FROM thread_problems t SEMI JOIN _thread_scope s "
        "ON s.platform = t.platform AND s.id = t.id GROUP BY reason ORDER BY reason"
    ).fetchall()
    return {reason: int(count) for reason, count in rows}


def _conversations(con: duckdb.DuckDBPyConnection) -> None:
    """Aggregate the rebuilt trees into ``conversations`` rows, one-post trees without grouping."""
    # Quote links between conversations, counted for the rebuilt ones only: the quotes their
    # posts make, and the quotes of their posts (looked up by the quoted ids, a cheap probe).
    con.execute(
        """
        CREATE TEMP TABLE _thread_quotes AS
        WITH outgoing AS (
            SELECT r.platform, r.conversation_key, count(*) AS quotes
            FROM _thread_built b JOIN _thread_roots r USING (root)
            JOIN post_threads t ON t.platform = b.platform AND t.id = b.quote_of_id
            WHERE b.quote_of_id IS NOT NULL AND NOT b.is_placeholder AND t.conversation_key <> r.conversation_key
            GROUP BY ALL
        ), quoting AS (
            SELECT q.platform, q.id, r.conversation_key AS target
            FROM posts q
            JOIN _thread_built b ON b.platform = q.platform AND b.id = q.quote_of_id
            JOIN _thread_roots r USING (root)
            WHERE q.quote_of_id IS NOT NULL AND q.repost_of_id IS NULL
        ), incoming AS (
            SELECT q.platform, q.target AS conversation_key, count(*) AS quotes
            FROM quoting q JOIN post_threads t ON t.platform = q.platform AND t.id = q.id
            WHERE t.conversation_key <> q.target
            GROUP BY ALL
        )
        SELECT platform, conversation_key, coalesce(o.quotes, 0)::INTEGER AS quotes_out,
               coalesce(i.quotes, 0)::INTEGER AS quotes_in
        FROM outgoing o FULL JOIN incoming i USING (platform, conversation_key)
        """
    ).fetchall()
    con.execute(
        """
        INSERT INTO conversations
        WITH trees AS (
            SELECT root, bool_or(code = root AND NOT is_placeholder) AS root_stored,
                   count(*) FILTER (WHERE NOT is_placeholder) AS turns,
                   count(*) FILTER (WHERE is_placeholder) AS missing,
                   count(DISTINCT author_id) AS participants,
                   min(created_at) AS started_at, max(created_at) AS ended_at
            FROM _thread_built WHERE NOT alone GROUP BY root
        ), everything AS (
            SELECT t.root, t.root_stored, t.missing = 0 AS complete, t.turns, t.missing, t.participants,
                   s.tree_depth AS depth, s.breadth, t.started_at, t.ended_at
            FROM trees t JOIN _thread_shape s USING (root)
            UNION ALL
            SELECT root, NOT is_placeholder, NOT is_placeholder, (NOT is_placeholder)::INTEGER,
                   is_placeholder::INTEGER, (author_id IS NOT NULL)::INTEGER, 0, 1, created_at, created_at
            FROM _thread_built WHERE alone
        )
        SELECT r.platform, r.conversation_key, e.root_stored, e.complete, e.turns, e.missing,
               e.participants, e.depth, e.breadth, e.started_at, e.ended_at,
               coalesce(q.quotes_out, 0), coalesce(q.quotes_in, 0)
        FROM everything e JOIN _thread_roots r USING (root)
        LEFT JOIN _thread_quotes q USING (platform, conversation_key)
        """
    ).fetchall()


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> int:
    rows = con.execute(sql, params or []).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0
