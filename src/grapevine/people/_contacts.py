"""Contact channels of every account, found in bios, profile fields and the account's own posts.

Bios and profile fields are read again whenever accounts change (there are few of them);
posts are read once, as they arrive (a watermark on ``ingested_at``), and only those that a
cheap SQL pattern flags as holding an address or a number are parsed in Python. Reposts are
skipped (their words are someone else's); a post's address or number counts only where the post
says it is the author's own ("call me at", "email us", "my number"), and one that another
account lists in its own profile is that account's, not the author's.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from grapevine.people._extract import (
    find_emails,
    find_handles,
    find_phones,
    find_urls,
    profile_channels,
    said_to_be_own,
)
from grapevine.people._identity import account_keys
from grapevine.people._urls import read_url

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = ["DEFAULT_REGION", "default_region", "refresh_contacts"]

DEFAULT_REGION = "US"
# Posts worth parsing: something like an address (also "[at]" forms) or a run of 7+ digits with separators.
_POST_PATTERN = r"[A-Za-z0-9]@[A-Za-z0-9-]+\.[A-Za-z]|[\[({]at[\])}]|\d[\d ().-]{5,}\d"
_SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("account_id", pa.string()),
        ("kind", pa.string()),
        ("value", pa.string()),
        ("found_in", pa.string()),
        ("evidence", pa.string()),
    ]
)


def default_region() -> str:
    """The region phone numbers without a country code are read in: ``$GRAPEVINE_PHONE_REGION`` or US."""
    return os.environ.get("GRAPEVINE_PHONE_REGION", DEFAULT_REGION).upper()


def account_channels(row: dict[str, Any], region: str) -> list[tuple[str, str, str, str]]:
    """(kind, value, found_in, evidence) for one account row (bio, links, url, is_blog)."""
    own = set(account_keys(row["platform"], row.get("handle"), row.get("url"), bool(row.get("is_blog"))))
    out: list[tuple[str, str, str, str]] = []
    if row.get("is_blog") and row.get("url"):
        meaning = read_url(row["url"])
        if meaning.kind == "site" and meaning.key:
            out.append(("website", meaning.key, "profile", row["url"]))
    for found in profile_channels(list(row.get("links") or ())):
        out.append((found.kind, found.value, "profile", found.evidence))
    bio = row.get("bio")
    if bio:
        for found in [*find_emails(bio), *find_phones(bio, region), *find_handles(bio)]:
            out.append((found.kind, found.value, "bio", found.evidence))
        for found in profile_channels(find_urls(bio, bare_domains=True)):
            out.append((found.kind, found.value, "bio", found.evidence))
    seen: set[tuple[str, str]] = set()
    unique = []
    for kind, value, found_in, evidence in out:
        if (kind, value) in seen or (kind == "handle" and value in own) or f"site:{value}" in own:
            continue
        seen.add((kind, value))
        unique.append((kind, value, found_in, evidence))
    return unique


def refresh_contacts(store: Store, region: str | None = None, full: bool = False) -> dict[str, int]:
    """Bring ``contact_channels`` up to date; returns how many channels came from accounts and new posts."""
    region = (region or default_region()).upper()
    counts = {"accounts": 0, "posts": 0}
    fingerprint = f"{region}|{_accounts_fingerprint(store)}"
    state = dict(store.run("SELECT name, fingerprint FROM people_state"))
    if full or state.get("contacts_accounts") != fingerprint:
        rows: list[tuple[str, str, str, str, str, str]] = []
        accounts = store.query(
            "SELECT platform, id, handle, url, links, bio, is_blog FROM accounts "
            "WHERE bio IS NOT NULL OR len(links) > 0 OR is_blog"
        ).to_pylist()
        for row in accounts:
            for kind, value, found_in, evidence in account_channels(row, region):
                rows.append((row["platform"], row["id"], kind, value, found_in, evidence))
        with store.transaction() as con:
            con.execute("DELETE FROM contact_channels WHERE found_in <> 'post'").fetchall()
            _insert(con, rows)
            _set_state(con, "contacts_accounts", fingerprint)
        counts["accounts"] = len(rows)
    counts["posts"] = _refresh_post_channels(store, region, full or state.get("contacts_region") != region)
    return counts


def _refresh_post_channels(store: Store, region: str, full: bool) -> int:
    watermark = None
    if not full:
        got = store.run("SELECT fingerprint FROM people_state WHERE name = 'contacts_posts'")
        watermark = got[0][0] if got else None
    where = "" if watermark is None else " AND ingested_at > CAST(? AS TIMESTAMPTZ)"
    params: list[Any] = [_POST_PATTERN] + ([watermark] if watermark is not None else [])
    newest = store.run("SELECT max(ingested_at) FROM posts")[0][0]
    candidates = store.run(
        "SELECT platform, author_id, id, text FROM posts "
        "WHERE author_id IS NOT NULL AND repost_of_id IS NULL AND NOT deleted "
        f"AND regexp_matches(text, ?){where}",
        params,
    )
    rows = []
    for platform, author_id, post_id, text in candidates:
        for found in [*find_emails(text), *find_phones(text, region)]:
            if not said_to_be_own(text, found):
                continue
            rows.append((platform, author_id, found.kind, found.value, "post", post_id))
    with store.transaction() as con:
        if full:
            con.execute("DELETE FROM contact_channels WHERE found_in = 'post'").fetchall()
        _insert(con, rows)
        if newest is not None:
            _set_state(con, "contacts_posts", newest.isoformat())
        _set_state(con, "contacts_region", region)
    return len(rows)


def _insert(con: Any, rows: list[tuple[str, str, str, str, str, str]]) -> None:
    if not rows:
        return
    columns = list(zip(*rows, strict=True))
    table = pa.Table.from_arrays([pa.array(c, pa.string()) for c in columns], schema=_SCHEMA)
    con.register("new_contact_channels", table)
    con.execute("INSERT INTO contact_channels SELECT * FROM new_contact_channels").fetchall()
    con.unregister("new_contact_channels")


def _set_state(con: Any, name: str, fingerprint: str) -> None:
    con.execute("INSERT OR REPLACE INTO people_state VALUES (?, ?, now())", [name, fingerprint]).fetchall()


def _accounts_fingerprint(store: Store) -> str:
    count, newest = store.run("SELECT count(*), max(ingested_at) FROM accounts")[0]
    return f"{count}|{newest}"


def post_channels_of_others_excluded() -> str:
    """SQL for the channels, an address or number in a post kept only when no other account lists it."""
    return (
        "SELECT c.* FROM contact_channels c WHERE c.found_in <> 'post' OR NOT EXISTS ("
        "SELECT 1 FROM contact_channels o WHERE o.found_in <> 'post' AND o.kind = c.kind "
        "AND o.value = c.value AND NOT (o.platform = c.platform AND o.account_id = c.account_id))"
    )
