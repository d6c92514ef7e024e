"""The people table: one row per person, with brand numbers, reachability, reach and influence.

Built from a handful of set-oriented queries (identity, contact channels, brand stats, audience)
joined in memory by person id, so its cost grows with the number of people, not with per-post
Python work. ``reach`` is the platforms' follower counts where any account reports one
(``reach_basis = "followers"``), else the people who interacted with the person
(``"interactions"``), else the people who link to their site (``"inbound links"``); None when
nothing is known.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from grapevine._memo import Memo, compute_now
from grapevine._window import window_clauses
from grapevine.errors import GrapevineError
from grapevine.people._audience import audience_columns
from grapevine.people._contacts import post_channels_of_others_excluded
from grapevine.people._resolve import refresh_people
from grapevine.people._stats import ALL_BRANDS, brand_stats

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = ["SORTS", "TABLE_COLUMNS", "influence_by_person", "people_table", "person_channels", "reachability"]

SORTS = ("influence", "mentions", "positive", "reach")
TABLE_COLUMNS = (
    "handle",
    "platform",
    "mentions",
    "positive_share",
    "negative_share",
    "trend",
    "reachable",
    "reach",
    "influence",
    "person_id",
)
CHANNEL_KINDS = ("email", "phone", "website", "handle")
# The brand columns of a person with no mention in the window: counts are a true 0, the shares,
# dates and trend are unknown.
_NO_MENTIONS: dict[str, Any] = {
    "mentions": 0,
    "positive_share": None,
    "positive_low": None,
    "positive_high": None,
    "negative_share": None,
    "negative_low": None,
    "negative_high": None,
    "scored": 0,
    "first_mention": None,
    "last_mention": None,
    "mentions_now": 0,
    "mentions_before": 0,
    "trend": None,
}


def _people_base(store: Store, platform: str | None) -> dict[str, dict[str, Any]]:
    """Each person's main account (most followed), all its accounts, and its platforms."""
    where = ""
    params: list[Any] = []
    if platform is not None:
        where = "WHERE pa.person_id IN (SELECT person_id FROM person_accounts WHERE platform = ?)"
        params.append(platform)
    rows = store.run(
        "SELECT pa.person_id, "
        "arg_max(coalesce(a.handle, p.author_handle, pa.id), "
        "  (coalesce(a.followers_count, -1), pa.platform = 'twitter', pa.id)) AS handle, "
        "arg_max(pa.platform, (coalesce(a.followers_count, -1), pa.platform = 'twitter', pa.id)), "
        "list(pa.platform || ':' || coalesce(a.handle, p.author_handle, pa.id) ORDER BY pa.platform, pa.id), "
        "list(DISTINCT pa.platform ORDER BY pa.platform) "
        "FROM person_accounts pa LEFT JOIN accounts a USING (platform, id) "
        "LEFT JOIN (SELECT platform, author_id, any_value(author_handle) AS author_handle FROM posts "
        "  WHERE author_handle IS NOT NULL GROUP BY ALL) p ON p.platform = pa.platform AND p.author_id = pa.id "
        f"{where} GROUP BY pa.person_id",
        params,
    )
    return {
        r[0]: {"person_id": r[0], "handle": r[1], "platform": r[2], "accounts": r[3], "platforms": r[4]}
        for r in rows
    }


def do_not_contact_ids(store: Store) -> set[str]:
    """Person ids on the do-not-contact list (empty before the CRM tables exist)."""
    from grapevine.crm import do_not_contact_ids as listed

    return listed(store)


def _without_brand_accounts(
    store: Store, brand: str, base: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """``base`` less the people who hold one of ``brand``'s own accounts."""
    from grapevine.care import list_brand_accounts

    own = {
        (row["platform"], row["handle"].lower())
        for row in list_brand_accounts(store)
        if row["brand"] == brand
    }
    if not own:
        return base

    def is_own(account: str) -> bool:
        platform, _, handle = account.partition(":")
        return (platform, handle.lower()) in own or ("", handle.lower()) in own

    return {pid: row for pid, row in base.items() if not any(is_own(a) for a in row["accounts"])}


def person_channels(store: Store, person_ids: list[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Contact channels per person id: kind, value, where found, from which account, evidence."""
    where, params = "", []
    if person_ids is not None:
        where = " WHERE pa.person_id IN (SELECT unnest(?))"
        params.append(person_ids)
    rows = store.run(
        f"SELECT pa.person_id, c.kind, c.value, c.found_in, c.platform, c.account_id, c.evidence "
        f"FROM ({post_channels_of_others_excluded()}) c "
        f"JOIN person_accounts pa ON pa.platform = c.platform AND pa.id = c.account_id{where} "
        "ORDER BY pa.person_id, c.kind, c.value, c.found_in",
        params,
    )
    out: dict[str, list[dict[str, Any]]] = {}
    seen: set[tuple[str, str, str]] = set()
    for person_id, kind, value, found_in, platform, account_id, evidence in rows:
        if (person_id, kind, value) in seen:  # the same address on two accounts: list it once
            continue
        seen.add((person_id, kind, value))
        out.setdefault(person_id, []).append(
            {
                "kind": kind,
                "value": value,
                "found_in": found_in,
                "account": f"{platform}:{account_id}",
                "evidence": evidence,
            }
        )
    return out


def influence_by_person(
    store: Store,
    brand: str | None,
    since: datetime | str | None,
    until: datetime | str | None,
    memo: Memo | None = None,
) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The best-scored account's influence row per person, and why there is none when missing."""
    try:
        from grapevine.influence import influence_table
    except ImportError as exc:  # the influence package is optional for this table
        return {}, f"influence scores are not available: {exc}"
    rows = (memo or compute_now)(
        "influence_table",
        (brand, since, until),
        lambda: influence_table(store, brand=brand, since=since, until=until),
    )
    person_of = {
        (p, i): pid for p, i, pid in store.run("SELECT platform, id, person_id FROM person_accounts")
    }
    best: dict[str, dict[str, Any]] = {}
    for row in rows:
        pid = person_of.get((row["platform"], row["account_id"]))
        if pid is None or row.get("influence") is None:
            continue
        if pid not in best or row["influence"] > best[pid]["influence"]:
            best[pid] = row
    return best, None


def people_table(
    store: Store,
    brand: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    platform: str | None = None,
    sort: str = "influence",
    top: int | None = None,
    reachable: bool | None = None,
    with_influence: bool = True,
    model: str = "auto",
    own_accounts: bool = False,
) -> list[dict[str, Any]]:
    """One row per person (with ``brand``: per person who mentioned it), sorted, best first.

    ``platform`` keeps people with an account there and counts their posts there only;
    ``reachable=True`` keeps people with at least one contact channel (False: none). With a
    ``brand``, the brand's own accounts (see :func:`grapevine.care.list_brand_accounts`) are
    left out unless ``own_accounts=True``: a brand is not its own influencer.
    """
    if sort not in SORTS:
        raise GrapevineError(f"unknown sort {sort!r}; expected one of {', '.join(SORTS)}")
    refresh_people(store)
    base = _people_base(store, platform)
    stats = brand_stats(store, brand, since, until, platform=platform, model=model)
    key_brand = brand if brand is not None else ALL_BRANDS
    if brand is not None:
        base = {
            pid: row
            for pid, row in base.items()
            if (pid, key_brand) in stats and stats[(pid, key_brand)]["mentions"]
        }
        if not own_accounts:
            base = _without_brand_accounts(store, brand, base)
    channels = person_channels(store)
    reach = audience_columns(store)
    influence: dict[str, dict[str, Any]] = {}
    if with_influence:
        influence, _ = influence_by_person(store, brand, since, until)
    blocked = do_not_contact_ids(store)
    rows = []
    for pid, row in base.items():
        # Nobody on the do-not-contact list is offered as reachable, in any table or export.
        found = [] if pid in blocked else channels.get(pid, [])
        if reachable is not None and bool(found) != reachable:
            continue
        stat = stats.get((pid, key_brand))
        numbers = reach.get(pid, {})
        reach_value, basis = _reach(numbers)
        scored = influence.get(pid)
        rows.append(
            {
                **row,
                "brand": brand,
                **{name: stat[name] if stat else missing for name, missing in _NO_MENTIONS.items()},
                "reachable": bool(found),
                "do_not_contact": pid in blocked,
                "channels": sorted({c["kind"] for c in found}, key=CHANNEL_KINDS.index),
                "reach": reach_value,
                "reach_basis": basis,
                "followers": numbers.get("followers"),
                "audience": numbers.get("audience"),
                "interaction_reach": numbers.get("interaction_reach"),
                "blog_reach": numbers.get("blog_reach"),
                "influence": scored["influence"] if scored else None,
                "influence_account": f"{scored['platform']}:{scored['handle'] or scored['account_id']}"
                if scored
                else None,
            }
        )
    field = {
        "influence": "influence",
        "mentions": "mentions",
        "positive": "positive_share",
        "reach": "reach",
    }[sort]
    # Best first; unknown values last; ties by mentions, then id, so the order is stable.
    rows.sort(key=lambda r: (r[field] is None, -(r[field] or 0), -r["mentions"], r["person_id"]))
    return rows[:top] if top else rows


def _reach(numbers: dict[str, Any]) -> tuple[int | None, str | None]:
    for name, basis in (
        ("followers", "followers"),
        ("interaction_reach", "interactions"),
        ("blog_reach", "inbound links"),
    ):
        value = numbers.get(name)
        if value is not None:
            return int(value), basis
    return None, None


def reachability(
    store: Store,
    brand: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
) -> list[dict[str, Any]]:
    """Per segment (brand x platform) the people who mentioned it and the share with each channel kind.

    A person counts in a platform's segment when they mentioned the brand there; ``brand=None``
    gives one row per tracked brand and platform.
    """
    refresh_people(store)
    window, params = window_clauses(since, until, "p.created_at")
    where: list[str] = ["NOT p.deleted", *window]
    if brand is not None:
        where.append("m.track = ?")
        params.append(brand)
    kinds = ", ".join(
        f"count(DISTINCT s.person_id) FILTER (WHERE list_contains(k.kinds, '{kind}')) AS {kind}"
        for kind in CHANNEL_KINDS
    )
    rows = store.query(
        "WITH s AS (SELECT DISTINCT m.track AS brand, p.platform, a.person_id FROM track_matches m "
        "JOIN posts p ON p.platform = m.platform AND p.id = m.id "
        "JOIN person_accounts a ON a.platform = p.platform AND a.id = p.author_id "
        f"WHERE {' AND '.join(where)}), "
        "k AS (SELECT pa.person_id, list(DISTINCT c.kind) AS kinds "
        f"FROM ({post_channels_of_others_excluded()}) c "
        "JOIN person_accounts pa ON pa.platform = c.platform AND pa.id = c.account_id GROUP BY pa.person_id) "
        f"SELECT s.brand, s.platform, count(DISTINCT s.person_id) AS people, "
        f"count(DISTINCT s.person_id) FILTER (WHERE k.person_id IS NOT NULL) AS reachable, {kinds} "
        "FROM s LEFT JOIN k USING (person_id) GROUP BY ALL ORDER BY s.brand, s.platform",
        params,
    ).to_pylist()
    for row in rows:
        row["reachable_share"] = round(row["reachable"] / row["people"], 4) if row["people"] else None
        for kind in CHANNEL_KINDS:
            row[f"{kind}_share"] = round(row[kind] / row["people"], 4) if row["people"] else None
    return rows
