"""Tables of the conversations analysis (store migration 3).

They are derived data: :func:`grapevine.conversations.update_threads` rebuilds any part of
them from ``posts`` alone, so they carry no primary keys (keys would only slow the bulk
rewrites); the code keeps ``(platform, id)`` and ``(platform, conversation_key)`` unique.
"""

from __future__ import annotations

import duckdb

from grapevine._sqlscript import run_script

__all__ = ["CONVERSATIONS_SQL", "migrate_conversations"]

CONVERSATIONS_SQL = """
CREATE TABLE post_threads (
    platform VARCHAR NOT NULL,
    id VARCHAR NOT NULL,                -- a stored post, or a placeholder for a parent not stored
    conversation_key VARCHAR NOT NULL,  -- the id of the tree's root (a post or a placeholder)
    parent_id VARCHAR,                  -- the parent in the tree; NULL at the root
    depth INTEGER NOT NULL,             -- 0 at the root
    children INTEGER NOT NULL,          -- direct replies (placeholders included)
    is_placeholder BOOLEAN NOT NULL,    -- known only as the parent of a stored reply
    parent_inferred BOOLEAN NOT NULL    -- a placeholder hung under the platform's own thread root
                                        -- (Reddit link_id, Bluesky root, Twitter conversation_id):
                                        -- the real path between them is not stored
);
CREATE TABLE conversations (
    platform VARCHAR NOT NULL,
    conversation_key VARCHAR NOT NULL,  -- the root's id
    root_stored BOOLEAN NOT NULL,       -- false: the root itself is a placeholder
    complete BOOLEAN NOT NULL,          -- no placeholder anywhere in the tree
    turns INTEGER NOT NULL,             -- stored posts
    missing INTEGER NOT NULL,           -- placeholders
    participants INTEGER NOT NULL,      -- distinct authors of the stored posts
    depth INTEGER NOT NULL,             -- longest root-to-leaf path, in replies
    breadth INTEGER NOT NULL,           -- most posts on one level of the tree
    started_at TIMESTAMPTZ,
    ended_at TIMESTAMPTZ,
    quotes_out INTEGER NOT NULL,        -- its posts quoting a post of another conversation
    quotes_in INTEGER NOT NULL          -- posts of other conversations quoting one of its posts
);
CREATE TABLE thread_problems (
    platform VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,            -- self_reply | reply_cycle | parent_newer
    detail VARCHAR NOT NULL
);
CREATE TABLE thread_state (
    name VARCHAR PRIMARY KEY,
    threaded_through TIMESTAMPTZ,       -- posts ingested up to here are threaded
    updated_at TIMESTAMPTZ NOT NULL
)
"""


def migrate_conversations(con: duckdb.DuckDBPyConnection) -> None:
    """Create the conversations tables (the store runs this once, as migration 3)."""
    run_script(con, CONVERSATIONS_SQL)
