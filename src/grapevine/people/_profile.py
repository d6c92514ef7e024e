"""One person in full (``grapevine person``), and the brand summary the demo prints."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from grapevine._memo import Memo, compute_now
from grapevine.errors import GrapevineError
from grapevine.people._audience import audience, audience_columns
from grapevine.people._resolve import find_accounts, refresh_people
from grapevine.people._stats import brand_stats, person_posts
from grapevine.people._table import do_not_contact_ids, influence_by_person, people_table, person_channels

if TYPE_CHECKING:
    from grapevine.store import Store
    from grapevine.workspace import Workspace

__all__ = ["people_spread", "people_summary", "person_of", "person_profile"]

POSTS_SHOWN = 20


def person_of(store: Store, ref: str) -> str:
    """The person id ``ref`` (handle, platform:handle, profile URL or person id) belongs to."""
    refresh_people(store)
    accounts = find_accounts(store, ref)
    if not accounts:
        raise GrapevineError(f"no account or person matches {ref!r}; see `grapevine people` for handles")
    people = sorted(
        {
            row[0]
            for row in store.run(
                "SELECT person_id FROM person_accounts WHERE (platform || ':' || id) IN (SELECT unnest(?))",
                [[f"{p}:{i}" for p, i in accounts]],
            )
        }
    )
    if len(people) > 1:
        names = ", ".join(f"{p}:{i}" for p, i in accounts[:8])
        raise GrapevineError(
            f"{ref!r} names accounts of {len(people)} people ({names}); prefix it with the platform"
        )
    return people[0]


def person_profile(
    store: Store,
    ref: str,
    brand: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    explain: bool = False,
    memo: Memo | None = None,
) -> dict[str, Any]:
    """Everything known about one person: accounts, identity links, channels, brand stats, audience, influence.

    Influence and the audience numbers are computed over the whole workspace (seconds on a large
    one); ``memo`` lets a caller keep them between profiles (:mod:`grapevine._memo`).
    """
    memo = memo or compute_now
    pid = person_of(store, ref)
    accounts = store.query(
        "SELECT pa.platform, pa.id, a.handle, a.display_name, a.url, a.links, a.bio, a.followers_count, "
        "a.following_count, a.post_count, a.is_blog FROM person_accounts pa LEFT JOIN accounts a USING (platform, id) "
        "WHERE pa.person_id = ? ORDER BY pa.platform, pa.id",
        [pid],
    ).to_pylist()
    keys = [f"{a['platform']}:{a['id']}" for a in accounts]
    links = store.query(
        "SELECT a_platform, a_id, b_platform, b_id, confidence, reasons, status FROM people_links "
        "WHERE (a_platform || ':' || a_id) IN (SELECT unnest($k)) OR (b_platform || ':' || b_id) IN (SELECT unnest($k)) "
        "ORDER BY status <> 'joined', confidence DESC",
        {"k": keys},
    ).to_pylist()
    stats = brand_stats(store, brand, since, until, per_brand=True, person_id=pid)
    brands = [row for _, row in sorted(stats.items())]
    posts = person_posts(store, pid, brand, since, until)
    numbers = memo("audience_columns", (), lambda: audience_columns(store)).get(pid, {})
    influence_rows, why_not = influence_by_person(store, brand, since, until, memo=memo)
    scored = influence_rows.get(pid)
    blocked = pid in do_not_contact_ids(store)
    profile: dict[str, Any] = {
        "person_id": pid,
        "accounts": accounts,
        "links": links,
        "do_not_contact": blocked,
        "channels": [] if blocked else person_channels(store, [pid]).get(pid, []),
        "brands": brands,
        "posts": posts[:POSTS_SHOWN],
        "post_count": len(posts),
        "post_ids": [f"{p['platform']}:{p['id']}" for p in posts],
        "audience": {
            **audience(store, [pid]),
            "followers": numbers.get("followers"),
            "interaction_reach": numbers.get("interaction_reach"),
            "blog_reach": numbers.get("blog_reach"),
            "inbound_links": numbers.get("inbound_links"),
        },
        "influence": scored["influence"] if scored else None,
        "influence_components": scored["components"] if scored else [],
        "influence_formula": scored["formula"] if scored else None,
    }
    if explain:
        if scored is None:
            profile["explanation"] = (
                why_not or "no influence score: none of this person's accounts could be scored"
            )
        else:
            from grapevine.influence import explain as explain_row

            profile["explanation"] = explain_row(scored)
    return profile


def people_summary(ws: Workspace | Store, brand: str | None, top: int = 5, seed: int = 0) -> dict[str, Any]:
    """Top people for a brand, the score breakdown of the first, and the reach of the top ``top`` together.

    Reach is the expected spread of a message the top people post at once, under the weighted
    cascade model on the follow graph (the interaction graph when there are no follow edges),
    from :func:`grapevine.reach.expected_spread`, with its 95% interval.
    """
    store = cast("Store", getattr(ws, "store", ws))  # a Workspace holds its Store
    rows = people_table(store, brand=brand, sort="influence", top=top)
    summary: dict[str, Any] = {
        "brand": brand,
        "top": rows,
        "explanation": None,
        "reach": None,
        "audience": None,
    }
    if not rows:
        return summary
    influence_rows, why_not = influence_by_person(store, brand, None, None)
    first = influence_rows.get(rows[0]["person_id"])
    if first is not None:
        from grapevine.influence import explain as explain_row

        summary["explanation"] = explain_row(first)
    else:
        summary["explanation"] = why_not or f"{rows[0]['handle']} has no influence score"
    ids = [row["person_id"] for row in rows]
    summary["audience"] = audience(store, ids)
    summary["reach"] = people_spread(store, ids, seed)
    return summary


def people_spread(store: Store, person_ids: list[str], seed: int = 0) -> dict[str, Any] | None:
    """How far a message the people post at once spreads, with its 95% interval.

    The weighted cascade (:func:`grapevine.reach.expected_spread`) on the follow graph, or on
    the interaction graph when none of their accounts has a follow edge; None when neither
    graph holds any of their accounts. Returns ``{"graph", "model", "seeds", "expected_spread",
    "low", "high"}`` (``seeds``: their accounts found in that graph).
    """
    from grapevine.graph import graph_from_store
    from grapevine.reach import expected_spread

    accounts = store.run(
        "SELECT platform, id FROM person_accounts WHERE person_id IN (SELECT unnest(?))", [person_ids]
    )
    seeds = [(platform, account_id) for platform, account_id in accounts]
    for kind in ("follow", "interaction"):
        graph = graph_from_store(store, kind)
        present = [s for s in seeds if s in graph.labels]
        if graph.n_edges and present:
            spread = expected_spread(graph, present, model="wc", seed=seed)
            return {
                "graph": kind,
                "model": "wc",
                "seeds": len(present),
                "expected_spread": spread.estimate,
                "low": spread.low,
                "high": spread.high,
            }
    return None
