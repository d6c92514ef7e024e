"""Conversations: reply trees across every platform, kept up to date as posts arrive.

A conversation is a reply tree with a root. Every source maps its platform's reply fields
(Twitter ``in_reply_to_status_id`` and ``referenced_tweets``, Mastodon ``in_reply_to_id``,
Bluesky reply refs, Reddit ``parent_id``, ...) into ``posts.reply_to_id``, so threading is one
relational definition over the ``posts`` table, written to three tables:

``post_threads``
    one row per post and per *placeholder* (a parent known only from its replies): its
    ``conversation_key`` (the root's id), parent, depth and number of children.
``conversations``
    one row per tree: turns, participants, depth, breadth, start and end, whether it is
    complete, and quote links to other conversations (quotes link trees, never merge them).
``thread_problems``
    self-replies, reply cycles (cut at one edge so nothing loops) and replies older than
    their parents, each with a reason.

:func:`update_threads` is incremental: it threads the posts ingested since its last run plus
the trees they touch, so a parent arriving late joins its orphaned replies to their tree.
Keys are ``(platform, id)``: post ids are unique per platform only.

Examples
--------
>>> import grapevine, tempfile
>>> from grapevine.conversations import update_threads
>>> ws = grapevine.open_workspace(tempfile.mkdtemp())
>>> update_threads(ws.store)["mode"]
'none'
>>> ws.close()
"""

from grapevine.conversations._build import threaded_through, update_threads
from grapevine.conversations._forest import Forest, resolve_forest
from grapevine.conversations._read import (
    SORTS,
    list_conversations,
    list_thread_problems,
    refresh_threads,
    thread_tree,
)
from grapevine.conversations._schema import CONVERSATIONS_SQL, migrate_conversations

__all__ = [
    "CONVERSATIONS_SQL",
    "SORTS",
    "Forest",
    "list_conversations",
    "list_thread_problems",
    "migrate_conversations",
    "refresh_threads",
    "resolve_forest",
    "thread_tree",
    "threaded_through",
    "update_threads",
]
