"""Tables of the social CRM and of web access (store migration 6).

Unlike the derived tables of the analyses, every row here was written by a person (or by a
team's tooling): stages, tags, notes, conversation assignment, the outreach log, the
do-not-contact list and the settings of the contact-frequency cap. Nothing rebuilds them, so
they are keyed by ids that stay stable across re-runs: person ids (see
:mod:`grapevine.people`) and a conversation's platform and root id.

``web_tokens`` holds the API tokens of ``grapevine serve`` (only their SHA-256, never the
token itself) with their scope, read or write.
"""

from __future__ import annotations

import duckdb

from grapevine._sqlscript import run_script

__all__ = ["CRM_SQL", "DRAFTS_SQL", "migrate_crm", "migrate_drafts"]

CRM_SQL = """
CREATE SEQUENCE crm_ids START 1;
CREATE TABLE crm_people (
    person_id VARCHAR PRIMARY KEY,
    stage VARCHAR NOT NULL,             -- unknown | aware | engaged | advocate | detractor
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by VARCHAR
);
CREATE TABLE crm_tags (
    person_id VARCHAR NOT NULL,
    tag VARCHAR NOT NULL,               -- lower-case, no spaces
    added_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (person_id, tag)
);
CREATE TABLE crm_notes (
    id BIGINT PRIMARY KEY DEFAULT nextval('crm_ids'),
    subject VARCHAR NOT NULL,           -- person | conversation
    subject_id VARCHAR NOT NULL,        -- a person id, or platform:conversation_key
    text VARCHAR NOT NULL,
    author VARCHAR,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE crm_conversations (
    platform VARCHAR NOT NULL,
    conversation_key VARCHAR NOT NULL,
    status VARCHAR NOT NULL,            -- open | pending | closed
    assignee VARCHAR,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by VARCHAR,
    PRIMARY KEY (platform, conversation_key)
);
CREATE TABLE crm_outreach (
    id BIGINT PRIMARY KEY DEFAULT nextval('crm_ids'),
    person_id VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,           -- email | phone | website | handle | other, as given
    summary VARCHAR,
    logged_by VARCHAR,
    contacted_at TIMESTAMPTZ NOT NULL,
    warning VARCHAR                     -- the cap's warning when it was logged anyway
);
CREATE TABLE crm_do_not_contact (
    person_id VARCHAR PRIMARY KEY,
    reason VARCHAR,
    added_at TIMESTAMPTZ NOT NULL,
    added_by VARCHAR
);
CREATE TABLE crm_settings (
    name VARCHAR PRIMARY KEY,           -- contact_limit | contact_window_days
    value VARCHAR NOT NULL
);
CREATE TABLE web_tokens (
    name VARCHAR PRIMARY KEY,
    token_sha256 VARCHAR NOT NULL UNIQUE,
    scope VARCHAR NOT NULL,             -- read | write
    created_at TIMESTAMPTZ NOT NULL
)
"""


def migrate_crm(con: duckdb.DuckDBPyConnection) -> None:
    """Create the CRM and web-access tables (the store runs this once, as migration 6)."""
    run_script(con, CRM_SQL)


# Reply drafts (the web inbox's "draft a reply"): never sent by grapevine, only kept with a status.
DRAFTS_SQL = """
CREATE SEQUENCE reply_draft_ids START 1;
CREATE TABLE reply_drafts (
    id BIGINT PRIMARY KEY DEFAULT nextval('reply_draft_ids'),
    platform VARCHAR NOT NULL,
    conversation_key VARCHAR NOT NULL,
    reply_to VARCHAR,                   -- the post id the reply answers, when chosen
    text VARCHAR NOT NULL,
    status VARCHAR NOT NULL,            -- draft | ready | sent | discarded
    author VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by VARCHAR
)
"""


def migrate_drafts(con: duckdb.DuckDBPyConnection) -> None:
    """Create the reply-drafts table (the store runs this once, as migration 7)."""
    run_script(con, DRAFTS_SQL)
