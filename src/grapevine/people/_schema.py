"""Tables of the people analysis (store migration 5).

``people_overrides`` is the only table a user writes (``grapevine people merge/split``); the
others are derived and rebuilt from accounts, posts and the overrides whenever those change
(:func:`grapevine.people.refresh_people`). ``person_accounts`` is also the memory that keeps a
person's id stable across re-runs.
"""

from __future__ import annotations

import duckdb

from grapevine._sqlscript import run_script

__all__ = ["PEOPLE_SQL", "migrate_people"]

PEOPLE_SQL = """
CREATE TABLE people_overrides (
    seq INTEGER PRIMARY KEY,            -- order in which they were given: a later one wins
    action VARCHAR NOT NULL,            -- merge | split
    a_platform VARCHAR NOT NULL,
    a_id VARCHAR NOT NULL,
    b_platform VARCHAR,                 -- the other account of a merge; NULL for a split
    b_id VARCHAR,
    note VARCHAR,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE people_links (
    a_platform VARCHAR NOT NULL,        -- (a, b) ordered so that a < b
    a_id VARCHAR NOT NULL,
    b_platform VARCHAR NOT NULL,
    b_id VARCHAR NOT NULL,
    confidence DOUBLE NOT NULL,         -- all the evidence together, in [0, 1]
    reasons VARCHAR[] NOT NULL,         -- each piece of evidence in words, with its own confidence
    status VARCHAR NOT NULL             -- joined | redundant | weak | conflict | split
);
CREATE TABLE person_accounts (
    platform VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    PRIMARY KEY (platform, id)
);
CREATE TABLE contact_channels (
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,              -- email | phone | website | handle
    value VARCHAR NOT NULL,             -- normalised: lower-case e-mail, E.164 phone, site key, platform:handle
    found_in VARCHAR NOT NULL,          -- bio | profile | post
    evidence VARCHAR                    -- the words it was read from (the post id for posts)
);
CREATE TABLE people_state (
    name VARCHAR PRIMARY KEY,           -- identity | contacts_accounts | contacts_posts
    fingerprint VARCHAR,                -- what the derived rows were built from
    updated_at TIMESTAMPTZ NOT NULL
)
"""


def migrate_people(con: duckdb.DuckDBPyConnection) -> None:
    """Create the people tables (the store runs this once, as migration 5)."""
    run_script(con, PEOPLE_SQL)
