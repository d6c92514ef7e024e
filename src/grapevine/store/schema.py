"""The store's schema as small, numbered migrations, each applied once in its own transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from grapevine._sqlscript import run_script
from grapevine.care._schema import migrate_care
from grapevine.conversations._schema import migrate_conversations
from grapevine.crm._schema import migrate_crm, migrate_drafts
from grapevine.people._schema import migrate_people

__all__ = ["MIGRATIONS", "Migration", "column_definitions", "migrate"]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[duckdb.DuckDBPyConnection], None]


def _sql(statements: str) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def run(con: duckdb.DuckDBPyConnection) -> None:
        run_script(con, statements)

    return run


_CORE = """
CREATE TABLE files (
    file_key VARCHAR PRIMARY KEY,     -- content fingerprint: the same bytes under another name are the same file
    path VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    size BIGINT,
    records BIGINT,
    status VARCHAR NOT NULL,          -- started | complete
    archive VARCHAR,                  -- the original bytes, kept in the workspace (relative path)
    first_ingested_at TIMESTAMPTZ NOT NULL,
    last_ingested_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE posts (
    platform VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    author_id VARCHAR,
    author_handle VARCHAR,
    text VARCHAR,
    created_at TIMESTAMPTZ,
    lang VARCHAR,
    reply_to_id VARCHAR,
    reply_to_author_id VARCHAR,
    quote_of_id VARCHAR,
    repost_of_id VARCHAR,
    conversation_id VARCHAR,
    mentions VARCHAR[],
    hashtags VARCHAR[],
    links VARCHAR[],
    like_count BIGINT,
    repost_count BIGINT,
    reply_count BIGINT,
    quote_count BIGINT,
    title VARCHAR,
    url VARCHAR,
    community VARCHAR,
    deleted BOOLEAN NOT NULL DEFAULT false,
    source VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    file_key VARCHAR NOT NULL,
    record INTEGER NOT NULL,
    ingested_at TIMESTAMPTZ NOT NULL
    -- one row per (platform, id): the store inserts only keys it does not hold (see Store.write_tables)
);
CREATE TABLE accounts (
    platform VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    handle VARCHAR,
    display_name VARCHAR,
    bio VARCHAR,
    url VARCHAR,
    links VARCHAR[],
    followers_count BIGINT,
    following_count BIGINT,
    post_count BIGINT,
    created_at TIMESTAMPTZ,
    verified BOOLEAN,
    location VARCHAR,
    is_blog BOOLEAN NOT NULL DEFAULT false,
    source VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    file_key VARCHAR NOT NULL,
    record INTEGER NOT NULL,
    ingested_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, id)
);
CREATE TABLE edges (
    platform VARCHAR NOT NULL,
    src VARCHAR NOT NULL,
    dst VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    weight DOUBLE,
    created_at TIMESTAMPTZ,
    source VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    file_key VARCHAR NOT NULL,
    record INTEGER NOT NULL,
    seq INTEGER NOT NULL,             -- position among the edges of one record (parallel edges are kept)
    ingested_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (file_key, record, seq)
);
CREATE TABLE quarantine (
    file_key VARCHAR NOT NULL,
    record INTEGER NOT NULL,
    numbering VARCHAR NOT NULL,       -- line | record
    path VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    raw BLOB,
    quarantined_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (file_key, record)
)
"""

_TEXT = """
CREATE TABLE tracks (
    name VARCHAR PRIMARY KEY,
    query VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    matched_through TIMESTAMPTZ        -- posts ingested up to here have been matched
);
CREATE TABLE track_matches (
    track VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    PRIMARY KEY (track, platform, id)
);
CREATE TABLE post_sentiment (
    platform VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    model VARCHAR NOT NULL,            -- the model's version, e.g. sentiment-fast-1
    label VARCHAR,                     -- negative | neutral | positive; NULL when unscored
    score DOUBLE,                      -- P(positive) - P(negative), in [-1, 1]
    p_negative DOUBLE,
    p_neutral DOUBLE,
    p_positive DOUBLE,
    unscored_reason VARCHAR,           -- e.g. "language de is not supported by sentiment-fast-1"
    PRIMARY KEY (platform, id, model)
);
CREATE TABLE post_emotion (
    platform VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    model VARCHAR NOT NULL,
    label VARCHAR,                     -- the strongest of the model's classes; NULL when unscored
    scores MAP(VARCHAR, DOUBLE),       -- every emotion the model knows, with its probability
    unscored_reason VARCHAR,
    PRIMARY KEY (platform, id, model)
)
"""


def column_definitions(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """``table``'s columns as SQL (types, NOT NULL, defaults), without its keys."""
    columns = con.execute(
        "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
        "WHERE table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return ", ".join(
        f"{name} {kind}"
        + ("" if nullable == "YES" else " NOT NULL")
        + ("" if default is None else f" DEFAULT {default}")
        for name, kind, nullable, default in columns
    )


def _drop_posts_primary_key(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild ``posts`` without its primary key (workspaces made before migration 8).

    DuckDB keeps a primary key in an ART index that costs more than half of an import's
    database time and doubles the file; the store now keeps (platform, id) unique itself.
    DuckDB cannot drop a constraint, so the table is copied.
    """
    (keys,) = con.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'posts' AND constraint_type = 'PRIMARY KEY'"
    ).fetchone() or (0,)
    if not keys:
        return
    for statement in (
        f"CREATE TABLE posts_without_key ({column_definitions(con, 'posts')})",
        "INSERT INTO posts_without_key SELECT * FROM posts",
        "DROP TABLE posts",
        "ALTER TABLE posts_without_key RENAME TO posts",
    ):
        con.execute(statement).fetchall()


MIGRATIONS: list[Migration] = [
    Migration(1, "core tables: files, posts, accounts, edges, quarantine", _sql(_CORE)),
    Migration(2, "text: tracked queries and their matches, sentiment and emotion scores", _sql(_TEXT)),
    Migration(3, "conversations: reply trees, their metrics and threading problems", migrate_conversations),
    Migration(4, "care: brand accounts, customer states and where they are heading", migrate_care),
    Migration(5, "people: identity links, merges and splits, person ids, contact channels", migrate_people),
    Migration(6, "crm: stages, tags, notes, assignment, outreach, do-not-contact; web tokens", migrate_crm),
    Migration(7, "reply drafts kept for the web inbox (never sent)", migrate_drafts),
    Migration(8, "posts without a primary key index (the store keeps keys unique)", _drop_posts_primary_key),
]


def migrate(con: duckdb.DuckDBPyConnection, migrations: list[Migration] | None = None) -> list[int]:
    """Apply the migrations not yet recorded; return the versions applied now."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    ).fetchall()
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for migration in sorted(migrations or MIGRATIONS, key=lambda m: m.version):
        if migration.version in done:
            continue
        con.execute("BEGIN TRANSACTION").fetchall()
        try:
            migration.apply(con)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, now())", [migration.version, migration.name]
            ).fetchall()
            con.execute("COMMIT").fetchall()
        except BaseException:
            con.execute("ROLLBACK").fetchall()
            raise
        applied.append(migration.version)
    return applied
