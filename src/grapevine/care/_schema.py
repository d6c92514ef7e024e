"""Tables of the customer-care analysis (store migration 4).

``brand_accounts`` is what people said (explicit registrations and exclusions); the other two
are derived data that :func:`grapevine.care.refresh_care` rebuilds from posts, threads and
scores, so like the conversation tables they carry no primary keys.
"""

from __future__ import annotations

import duckdb

from grapevine._sqlscript import run_script

__all__ = ["CARE_SQL", "migrate_care"]

CARE_SQL = """
CREATE TABLE brand_accounts (
    handle VARCHAR NOT NULL,            -- lower case, no "@"; matches posts.author_handle or author_id
    platform VARCHAR NOT NULL,          -- '' for every platform
    brand VARCHAR,                      -- NULL when excluded
    excluded BOOLEAN NOT NULL,          -- never a brand account, whatever queries or inference say
    added_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (handle, platform)
);
CREATE TABLE care_customers (
    platform VARCHAR NOT NULL,
    conversation_key VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    customer_handle VARCHAR,
    brand VARCHAR NOT NULL,
    customer_turns INTEGER NOT NULL,
    brand_turns INTEGER NOT NULL,        -- the brand's turns in the whole conversation
    answered BOOLEAN NOT NULL,           -- a brand account posted after this customer's first turn
    first_customer_at TIMESTAMPTZ,
    first_response_s DOUBLE,             -- first brand turn after the customer's first turn
    last_customer_at TIMESTAMPTZ,
    last_brand_at TIMESTAMPTZ,
    last_activity_at TIMESTAMPTZ,        -- the conversation's latest turn
    unanswered_since TIMESTAMPTZ,        -- the customer's first turn after the brand's last one
                                         -- (NULL when answered, or when the customer is satisfied)
    state VARCHAR NOT NULL,              -- angry | frustrated | neutral | satisfied
    state_evidence VARCHAR NOT NULL,     -- JSON list of {turn, post_id, signal, detail}
    trajectory VARCHAR NOT NULL,         -- escalating | calming | resolved | steady | new
    last_level INTEGER NOT NULL,         -- 0 satisfied .. 3 angry, of the customer's latest turn
    p_satisfied DOUBLE,                  -- forecast; NULL when no model is installed
    forecast_model VARCHAR
);
CREATE TABLE care_refresh (
    name VARCHAR PRIMARY KEY,
    computed_through TIMESTAMPTZ,        -- posts ingested up to here are reflected
    fingerprint VARCHAR,                 -- brand accounts, models and score counts it was computed with
    updated_at TIMESTAMPTZ NOT NULL
)
"""


def migrate_care(con: duckdb.DuckDBPyConnection) -> None:
    """Create the customer-care tables (the store runs this once, as migration 4)."""
    run_script(con, CARE_SQL)
