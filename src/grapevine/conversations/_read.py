"""Reading conversations back: one thread as a nested tree, the list with metrics, the problems."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from grapevine._window import window_clauses
from grapevine.conversations._build import threaded_through, update_threads
from grapevine.errors import GrapevineError

if TYPE_CHECKING:  # the store's migrations import this package: no cycle at run time
    from grapevine.store import Store

__all__ = ["SORTS", "list_conversations", "list_thread_problems", "refresh_threads", "thread_tree"]

SORTS = {
    "recent": "ended_at DESC NULLS LAST",
    "turns": "turns DESC",
    "participants": "participants DESC",
    "depth": "depth DESC",
    "duration": "duration_s DESC NULLS LAST",
}

# The best score of each post: the accurate tier over the fast one, then the newest version
# (care reads scores the same way).
BEST_SCORE = (
    "QUALIFY row_number() OVER (PARTITION BY platform, id "
    "ORDER BY contains(model, '-accurate') DESC, model DESC) = 1"
)


def refresh_threads(store: Store) -> None:
    """Thread any posts ingested since the last run (cheap when there are none).

    A store opened read-only is read as it is.
    """
    (latest,) = store.run("SELECT max(ingested_at) FROM posts")[0]
    done = threaded_through(store)
    stale = latest is not None and (done is None or done < latest)
    if stale and store.run("SELECT current_setting('access_mode')")[0][0] != "read_only":
        update_threads(store)


def thread_tree(
    store: Store, post_id: str, platform: str | None = None, refresh: bool = True
) -> dict[str, Any]:
    """The whole conversation holding ``post_id``, as nested turns from its root.

    Each turn is ``{"id", "author", "created_at", "text", "sentiment", "emotion", "missing",
    "children"}``; ``missing`` marks a placeholder, a parent known only from its replies
    (author and text None). Children are in time order. Sentiment and emotion are the labels
    of the best model that scored the post (None when unscored). ``platform`` is needed only
    when the id exists on several platforms.
    """
    if refresh:
        refresh_threads(store)
    sql = "SELECT platform, conversation_key FROM post_threads WHERE id = ?"
    params: list[Any] = [post_id]
    if platform:
        sql += " AND platform = ?"
        params.append(platform)
    found = store.run(sql, params)
    if not found:
        raise GrapevineError(_not_found(store, post_id, platform))
    if len(found) > 1:
        names = ", ".join(sorted(row[0] for row in found))
        raise GrapevineError(
            f"post {post_id} exists on several platforms ({names}); name one with --platform"
        )
    where_platform, key = found[0]
    rows = store.run(
        f"""
        WITH turns AS (
            SELECT platform, id, parent_id, depth, is_placeholder FROM post_threads
            WHERE platform = ? AND conversation_key = ?
        ), sentiment AS (
            SELECT platform, id, label FROM post_sentiment SEMI JOIN turns USING (platform, id) {BEST_SCORE}
        ), emotion AS (
            SELECT platform, id, label FROM post_emotion SEMI JOIN turns USING (platform, id) {BEST_SCORE}
        )
        SELECT t.id, t.parent_id, t.is_placeholder, coalesce(p.author_handle, p.author_id), p.created_at,
               p.text, s.label, e.label
        FROM turns t
        LEFT JOIN posts p USING (platform, id)
        LEFT JOIN sentiment s USING (platform, id)
        LEFT JOIN emotion e USING (platform, id)
        ORDER BY t.depth, p.created_at NULLS LAST, t.id
        """,
        [where_platform, key],
    )
    nodes: dict[str, dict[str, Any]] = {}
    root: dict[str, Any] | None = None
    # Rows come level by level, so every parent exists before its children: no recursion,
    # however deep the thread.
    for id_, parent_id, placeholder, author, created_at, text, sentiment, emotion in rows:
        node = {
            "id": id_,
            "author": author,
            "created_at": created_at,
            "text": text,
            "sentiment": sentiment,
            "emotion": emotion,
            "missing": bool(placeholder),
            "children": [],
        }
        nodes[id_] = node
        if parent_id is None:
            root = node
        else:
            nodes[parent_id]["children"].append(node)
    if root is None:  # pragma: no cover - every stored tree has a root
        raise GrapevineError(f"conversation {key} has no root; run a full rethreading")
    return root


def _not_found(store: Store, post_id: str, platform: str | None) -> str:
    sql = "SELECT platform, repost_of_id FROM posts WHERE id = ?"
    params: list[Any] = [post_id]
    if platform:
        sql += " AND platform = ?"
        params.append(platform)
    rows = store.run(sql, params)
    if rows and all(row[1] is not None for row in rows):
        return f"post {post_id} is a repost of {rows[0][1]}; reposts are not turns of a conversation"
    where = f" on {platform}" if platform else ""
    return f"no post {post_id}{where} in this workspace; check the id, or ingest the file that has it"


def list_conversations(
    store: Store,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    platform: str | None = None,
    min_turns: int = 2,
    sort: str = "recent",
    limit: int | None = None,
    refresh: bool = True,
    brand: str | None = None,
    state: str | None = None,
) -> list[dict[str, Any]]:
    """Conversations with their metrics, most recently active first.

    ``since``/``until`` keep conversations with a post at or after ``since`` and starting
    before ``until``. ``min_turns`` (default 2) leaves out posts nobody answered. ``sort`` is
    ``recent``, ``turns``, ``participants``, ``depth`` or ``duration``. Each row has
    ``platform``, ``conversation_key`` (the root's id), ``turns``, ``participants``,
    ``depth``, ``breadth``, ``started_at``, ``ended_at``, ``duration_s``, ``complete``,
    ``missing`` (placeholders), ``root_stored``, ``quotes_out``, ``quotes_in``, and the root
    post's ``root_author`` and ``root_text`` (None when the root is not stored).

    Brand conversations (see :mod:`grapevine.care`) also have ``brand``, ``brand_answered``,
    ``first_response_s`` (the brand's quickest first answer to a customer), ``brand_turns``,
    ``customers``, ``unanswered_customers`` (customers whose latest turns have no brand answer)
    and ``worst_state``; None elsewhere. ``brand`` keeps one brand's conversations, ``state``
    those where some customer is in that state (angry, frustrated, neutral, satisfied).
    """
    from grapevine.care import LEVELS, refresh_care  # care builds on this module

    if state is not None and state not in LEVELS:
        raise GrapevineError(f"unknown state {state!r}; expected one of {', '.join(LEVELS)}")
    if sort not in SORTS:
        raise GrapevineError(f"unknown sort {sort!r}; expected one of {', '.join(SORTS)}")
    if refresh:
        refresh_threads(store)
        refresh_care(store)
    window, window_params = window_clauses(since, until, column="ended_at", until_column="started_at")
    where: list[str] = ["turns >= ?", *window]
    params: list[Any] = [int(min_turns), *window_params]
    if platform:
        where.append("platform = ?")
        params.append(platform)
    care_where: list[str] = []
    if brand:
        care_where.append("lower(brand) = lower(?)")
        params.append(brand)
    if state:
        care_where.append("list_contains(states, ?)")
        params.append(state)
    if care_where:
        where.append(
            f"(platform, conversation_key) IN (SELECT (platform, conversation_key) FROM ({_CARE}) "
            f"WHERE {' AND '.join(care_where)})"
        )
    order = f"ORDER BY {SORTS[sort]}, platform, conversation_key"
    chosen = (
        "SELECT platform, conversation_key, turns, participants, depth, breadth, started_at, ended_at, "
        "epoch(ended_at - started_at) AS duration_s, complete, missing, root_stored, quotes_out, quotes_in "
        f"FROM conversations WHERE {' AND '.join(where)} {order}"
    )
    if limit is not None:
        chosen += f" LIMIT {int(limit)}"
    sql = (
        "SELECT c.*, coalesce(p.author_handle, p.author_id) AS root_author, p.text AS root_text, "
        "k.brand, k.brand_answered, k.first_response_s, k.brand_turns, k.customers, k.unanswered_customers, "
        "k.worst_state "
        f"FROM ({chosen}) c LEFT JOIN posts p ON p.platform = c.platform AND p.id = c.conversation_key "
        f"LEFT JOIN ({_CARE}) k ON k.platform = c.platform AND k.conversation_key = c.conversation_key "
        f"{order}"
    )
    return store.query(sql, params).to_pylist()


# One row per brand conversation, from the customer rows of grapevine.care.
_CARE = (
    "SELECT platform, conversation_key, any_value(brand) AS brand, bool_or(answered) AS brand_answered, "
    "min(first_response_s) AS first_response_s, max(brand_turns) AS brand_turns, count(*) AS customers, "
    "count(unanswered_since) AS unanswered_customers, "
    "['satisfied', 'neutral', 'frustrated', 'angry']"
    "[max(list_position(['satisfied', 'neutral', 'frustrated', 'angry'], state))] AS worst_state, "
    "list(DISTINCT state) AS states "
    "FROM care_customers GROUP BY platform, conversation_key"
)


def list_thread_problems(
    store: Store, reason: str | None = None, limit: int | None = None, refresh: bool = True
) -> list[dict[str, Any]]:
    """Posts whose reply fields could not be taken at their word, with the reason and what was done."""
    if refresh:
        refresh_threads(store)
    sql = "SELECT platform, id, reason, detail FROM thread_problems"
    params: list[Any] = []
    if reason:
        sql += " WHERE reason = ?"
        params.append(reason)
    sql += " ORDER BY reason, platform, id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return store.query(sql, params).to_pylist()
