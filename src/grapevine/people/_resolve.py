"""Keeping people up to date, and the user's word on them: ``merge`` and ``split``.

:func:`refresh_people` rebuilds identities and contact channels only when accounts, posts
or overrides changed since the last run (a fingerprint in ``people_state``), so every reader
can call it first at almost no cost.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from grapevine.errors import GrapevineError
from grapevine.people._contacts import default_region, refresh_contacts
from grapevine.people._identity import (
    HUB_LIMIT,
    RULES_VERSION,
    THRESHOLD,
    resolve_identities,
    write_identities,
)
from grapevine.people._urls import read_url

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = ["find_accounts", "merge_people", "refresh_people", "split_person"]

_PERSON_ID = re.compile(r"^P[0-9a-f]{10}$")
Account = tuple[str, str]


def refresh_people(
    store: Store,
    force: bool = False,
    region: str | None = None,
    threshold: float = THRESHOLD,
    hub_limit: int = HUB_LIMIT,
) -> dict[str, Any]:
    """Bring contact channels and person ids up to date; returns what was done."""
    region = (region or default_region()).upper()
    summary: dict[str, Any] = {"contacts": refresh_contacts(store, region, full=force)}
    accounts, newest_account = store.run("SELECT count(*), max(ingested_at) FROM accounts")[0]
    posts, newest_post = store.run("SELECT count(*), max(ingested_at) FROM posts")[0]
    overrides, last_override = store.run("SELECT count(*), max(seq) FROM people_overrides")[0]
    fingerprint = (
        f"{RULES_VERSION}|{threshold}|{hub_limit}|{region}|{accounts}|{newest_account}|{posts}|{newest_post}"
        f"|{overrides}|{last_override}"
    )
    got = store.run("SELECT fingerprint FROM people_state WHERE name = 'identity'")
    if not force and got and got[0][0] == fingerprint:
        summary["people"] = None  # unchanged
        return summary
    result = resolve_identities(store, threshold=threshold, hub_limit=hub_limit, region=region)
    summary["people"] = write_identities(store, result)
    summary["links"] = sum(1 for link in result.links if link["status"] == "joined")
    summary["hubs"] = result.hubs
    store.run("INSERT OR REPLACE INTO people_state VALUES ('identity', ?, now())", [fingerprint])
    return summary


def find_accounts(store: Store, ref: str) -> list[Account]:
    """The accounts ``ref`` names: a person id, ``platform:handle-or-id``, ``@handle``, a profile URL, or an id.

    Handles are compared without case and without a leading ``@``.
    """
    text = ref.strip()
    if not text:
        raise GrapevineError("an empty name was given; expected a handle, platform:handle or person id")
    if _PERSON_ID.match(text):
        rows = store.run(
            "SELECT platform, id FROM person_accounts WHERE person_id = ? ORDER BY platform, id", [text]
        )
        return [(r[0], r[1]) for r in rows]
    platforms = {row[0] for row in store.run("SELECT DISTINCT platform FROM accounts")}
    platform, _, rest = text.partition(":")
    if "://" in text:
        return _by_url(store, text)
    if rest and platform in platforms:
        return _by_name(store, rest, platform)
    return _by_name(store, text, None)


def _by_name(store: Store, name: str, platform: str | None) -> list[Account]:
    handle = name.lstrip("@")
    where = "(lower(handle) = lower(?) OR lower(handle) = lower(?) OR id = ?)"
    params: list[Any] = [handle, handle.split("@")[0] if "@" in handle else handle, name]
    if "@" in handle:  # a fediverse address: the local part alone matches only on its own instance
        user, _, host = handle.partition("@")
        where = "(lower(handle) = lower(?) OR (lower(handle) = lower(?) AND lower(url) LIKE ?) OR id = ?)"
        params = [handle, user, f"%://{host.lower()}/%", name]
    sql = f"SELECT platform, id FROM accounts WHERE {where}"
    if platform is not None:
        sql += " AND platform = ?"
        params.append(platform)
    rows = store.run(sql + " ORDER BY platform, id", params)
    if not rows:  # an author known from posts only
        sql = "SELECT DISTINCT platform, author_id FROM posts WHERE (lower(author_handle) = lower(?) OR author_id = ?)"
        extra: list[Any] = [handle, name]
        if platform is not None:
            sql += " AND platform = ?"
            extra.append(platform)
        rows = store.run(sql + " ORDER BY 1, 2", extra)
    return [(r[0], r[1]) for r in rows]


def _by_url(store: Store, url: str) -> list[Account]:
    meaning = read_url(url)
    rows = store.run("SELECT platform, id FROM accounts WHERE lower(url) = lower(?) ORDER BY 1, 2", [url])
    if not rows and meaning.kind == "profile" and meaning.key:
        platform, _, handle = meaning.key.partition(":")
        return _by_name(store, handle, platform if platform != "mastodon" else None)
    return [(r[0], r[1]) for r in rows]


def one_account(store: Store, ref: str, what: str = "account") -> Account:
    """The single account ``ref`` names; a clear error when it names none or several."""
    found = find_accounts(store, ref)
    if not found:
        raise GrapevineError(f"no {what} matches {ref!r}; use platform:handle, a person id or an account id")
    if len(found) > 1 and not _PERSON_ID.match(ref.strip()):
        names = ", ".join(f"{p}:{i}" for p, i in found[:8])
        raise GrapevineError(f"{ref!r} names {len(found)} accounts ({names}); prefix it with the platform")
    return found[0]


def merge_people(store: Store, a: str, b: str, note: str | None = None) -> str:
    """Say that ``a`` and ``b`` are one person (each a handle, platform:handle or person id); returns its id."""
    first, second = one_account(store, a), one_account(store, b)
    if first == second:
        raise GrapevineError(f"{a!r} and {b!r} name the same account; nothing to merge")
    _add_override(store, "merge", first, second, note)
    refresh_people(store)
    return str(
        store.run("SELECT person_id FROM person_accounts WHERE platform = ? AND id = ?", list(first))[0][0]
    )


def split_person(store: Store, ref: str, note: str | None = None) -> str:
    """Detach one account from its person: no automatic link joins it any more; returns its new person id."""
    refresh_people(store)
    if _PERSON_ID.match(ref.strip()):
        found = find_accounts(store, ref)
        if len(found) > 1:
            names = ", ".join(f"{p}:{i}" for p, i in found)
            raise GrapevineError(
                f"person {ref} has {len(found)} accounts ({names}); name the one to split off"
            )
    account = one_account(store, ref)
    _add_override(store, "split", account, None, note)
    refresh_people(store)
    return str(
        store.run("SELECT person_id FROM person_accounts WHERE platform = ? AND id = ?", list(account))[0][0]
    )


def _add_override(store: Store, action: str, a: Account, b: Account | None, note: str | None) -> None:
    seq = store.run("SELECT coalesce(max(seq), 0) + 1 FROM people_overrides")[0][0]
    store.run(
        "INSERT INTO people_overrides VALUES (?, ?, ?, ?, ?, ?, ?, now())",
        [seq, action, a[0], a[1], b[0] if b else None, b[1] if b else None, note],
    )
