"""The data behind every page: one function per page, returning plain JSON-ready dicts.

The web app renders these with a template for ``/page`` and serialises them for
``/page.json``, so a page and its JSON twin can never disagree. They only read through the
library (people, care, conversations, reach, crm); the do-not-contact list is applied here to
every row that could offer a way to reach someone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grapevine import crm
from grapevine.errors import GrapevineError
from grapevine.web._drafts import DRAFT_STATUSES, draft_statuses, drafts
from grapevine.web._shared import SharedResults, shared_result
from grapevine.web._timeline import brand_timeline, find_spikes, share_of_voice, spike_detail

if TYPE_CHECKING:
    from grapevine.workspace import Workspace

__all__ = [
    "NotFound",
    "conversation_view",
    "inbox_view",
    "network_view",
    "overview_view",
    "people_view",
    "person_id",
    "person_view",
    "reach_view",
]

MAX_SPIKES = 6
INBOX_STATUSES = ("active", "all", *crm.STATUSES)


class NotFound(GrapevineError):
    """The person, conversation or brand a URL names does not exist."""


def _brands(ws: Workspace) -> list[str]:
    return [row[0] for row in ws.store.run("SELECT name FROM tracks ORDER BY name")]


def _platforms(ws: Workspace) -> list[str]:
    return [row[0] for row in ws.store.run("SELECT DISTINCT platform FROM accounts ORDER BY 1")]


def _known_brand(ws: Workspace, brand: str | None) -> str | None:
    if brand and brand not in _brands(ws):
        raise NotFound(f"no tracked brand {brand!r}; known: {', '.join(_brands(ws)) or 'none'}")
    return brand or None


def overview_view(ws: Workspace, brand: str | None = None) -> dict[str, Any]:
    """Per brand: mentions and sentiment per day, corrected shares, share of voice, spikes and who is behind them."""
    brand = _known_brand(ws, brand)
    timeline = brand_timeline(ws.store, brand)
    spikes = []
    for name, rows in timeline.items():
        for day in find_spikes(rows)[:MAX_SPIKES]:
            detail = spike_detail(ws.store, name, day)
            detail["mentions"] = next(r["mentions"] for r in rows if r["day"] == day)
            spikes.append(detail)
    return {
        "brand": brand,
        "brands": _brands(ws),
        "stats": ws.stats(),
        "sentiment": ws.brand_sentiment(brand) if timeline else [],
        "timeline": timeline,
        "share_of_voice": share_of_voice(brand_timeline(ws.store)) if brand else share_of_voice(timeline),
        "spikes": spikes,
    }


def people_view(
    ws: Workspace,
    brand: str | None = None,
    platform: str | None = None,
    reachable: bool | None = None,
    q: str | None = None,
    stage: str | None = None,
    tag: str | None = None,
    community: int | None = None,
    sort: str = "influence",
    limit: int = 100,
    offset: int = 0,
    shared: SharedResults | None = None,
) -> dict[str, Any]:
    """The influencer table, filtered and sorted, with CRM stage, tags, do-not-contact, community and score breakdown.

    ``community`` is a Leiden community of the interaction graph (of the brand's posts when a
    brand is given; see :mod:`grapevine.web._network`): a person belongs to the community of
    their account with the highest PageRank there, and to none without an account in the graph.
    ``shared`` keeps the people rows and influence scores for the other pages that need them.
    """
    from grapevine.people import SORTS
    from grapevine.web._network import community_choices, network_analysis, person_communities

    brand = _known_brand(ws, brand)
    if platform and platform not in _platforms(ws):
        raise NotFound(f"no platform {platform!r} in this workspace; known: {', '.join(_platforms(ws))}")
    if stage:
        stage = stage.lower()
        if stage not in crm.STAGES:
            raise GrapevineError(f"unknown stage {stage!r}; expected one of {', '.join(crm.STAGES)}")
    if sort not in SORTS:
        raise GrapevineError(f"unknown sort {sort!r}; expected one of {', '.join(SORTS)}")
    network = network_analysis(ws.store, brand)
    communities = len(network.community_sizes)
    if community is not None and not 0 <= community < communities:
        raise NotFound(f"no community {community}; this network has {communities} (0 is the largest)")
    # Influence is scored once, here, so each row can carry its breakdown (people_table would
    # score it again and keep only the total).
    rows = _people_rows(ws, shared, brand=brand, platform=platform or None, sort=sort, reachable=reachable)
    _add_influence(ws, rows, brand, sort, shared)
    crm.annotate_people(ws.store, rows)
    membership = person_communities(network)
    for row in rows:
        row["community"] = membership.get(row["person_id"])
    if reachable is True:  # do-not-contact people lost their channels above
        rows = [r for r in rows if r["reachable"]]
    if q:
        needle = q.strip().lower().lstrip("@")
        rows = [
            r
            for r in rows
            if needle in (r["handle"] or "").lower()
            or any(needle in a.lower() for a in r["accounts"])
            or needle == r["person_id"].lower()
        ]
    if stage:
        rows = [r for r in rows if r["stage"] == stage]
    if tag:
        wanted = tag.strip().lower().lstrip("#")
        rows = [r for r in rows if wanted in r["tags"]]
    if community is not None:
        rows = [r for r in rows if r["community"] == community]
    return {
        "filters": {
            "brand": brand,
            "platform": platform or None,
            "reachable": reachable,
            "q": q or None,
            "stage": stage or None,
            "tag": tag or None,
            "community": community,
            "sort": sort,
            "limit": limit,
            "offset": offset,
        },
        "choices": {
            "brands": _brands(ws),
            "platforms": _platforms(ws),
            "sorts": list(SORTS),
            "stages": list(crm.STAGES),
            "communities": community_choices(network),
        },
        "total": len(rows),
        "rows": rows[offset : offset + limit],
    }


def _people_rows(
    ws: Workspace,
    shared: SharedResults | None,
    brand: str | None,
    platform: str | None,
    sort: str,
    reachable: bool | None,
) -> list[dict[str, Any]]:
    """:func:`grapevine.people.people_table` without influence, as copies the caller may change."""
    from grapevine.people import people_table

    rows = shared_result(
        shared,
        "people_table",
        (brand, platform, sort, reachable),
        lambda: people_table(
            ws.store, brand=brand, platform=platform, sort=sort, reachable=reachable, with_influence=False
        ),
        pin=brand is None and platform is None and reachable is None,  # the people and reach pages' rows
    )
    return [dict(row) for row in rows]


def _add_influence(
    ws: Workspace,
    rows: list[dict[str, Any]],
    brand: str | None,
    sort: str,
    shared: SharedResults | None = None,
) -> None:
    """Each person's influence score card (their best-scored account's) on their row, then sort by it if asked.

    The same choice and order as :func:`grapevine.people.people_table` with influence: the best
    account per person; best first, unknown last, ties by mentions, then person id.
    """
    from grapevine.people import influence_by_person

    best, _ = influence_by_person(
        ws.store, brand, None, None, memo=shared.get if shared is not None else None
    )
    for row in rows:
        found = best.get(row["person_id"])
        row["influence"] = found["influence"] if found else None
        row["influence_account"] = (
            f"{found['platform']}:{found['handle'] or found['account_id']}" if found else None
        )
        row["influence_formula"] = found["formula"] if found else None
        row["influence_breakdown"] = found["components"] if found else None
    if sort == "influence":
        rows.sort(
            key=lambda r: (r["influence"] is None, -(r["influence"] or 0), -r["mentions"], r["person_id"])
        )


def person_id(ws: Workspace, ref: str) -> str:
    """The person id ``ref`` names, or :class:`NotFound`."""
    from grapevine.people import person_of

    try:
        return person_of(ws.store, ref)
    except GrapevineError as exc:
        raise NotFound(str(exc)) from None


def person_view(
    ws: Workspace, ref: str, brand: str | None = None, shared: SharedResults | None = None
) -> dict[str, Any]:
    """One person across platforms with contact channels, brand stats, posts, notes, outreach and stage.

    For a do-not-contact person the channels are withheld (``channels_withheld`` says so).
    ``shared`` keeps the workspace-wide influence scores and audience numbers between pages.
    """
    brand = _known_brand(ws, brand)
    pid = person_id(ws, ref)
    profile = ws.person(pid, brand=brand, explain=True, memo=shared.get if shared is not None else None)
    record = crm.person_record(ws.store, pid)
    withheld = record["do_not_contact"]
    if withheld:
        profile["channels"] = []
    handles = [a["handle"] or a["id"] for a in profile["accounts"]]
    return {
        "person_id": pid,
        "name": next((a["display_name"] for a in profile["accounts"] if a["display_name"]), None),
        "handles": handles,
        "profile": profile,
        "crm": record,
        "channels_withheld": withheld,
        "stages": list(crm.STAGES),
    }


def _customer_people(ws: Workspace, rows: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    keys = [f"{r['platform']}:{r['customer']}".lower() for r in rows]
    if not keys:
        return {}
    found = ws.store.run(
        "SELECT pa.platform, a.handle, pa.person_id FROM person_accounts pa JOIN accounts a USING (platform, id) "
        "WHERE lower(pa.platform || ':' || a.handle) IN (SELECT unnest(?))",
        [keys],
    )
    return {(p, h.lower()): pid for p, h, pid in found}


def inbox_view(
    ws: Workspace,
    brand: str | None = None,
    status: str = "active",
    assignee: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """Customers waiting on a brand, highest priority first, each with why, status, assignee, do-not-contact."""
    from grapevine.care.inbox import inbox

    brand = _known_brand(ws, brand)
    if status not in INBOX_STATUSES:
        raise GrapevineError(f"unknown status {status!r}; expected one of {', '.join(INBOX_STATUSES)}")
    rows = inbox(ws.store, brand=brand, limit=None) if _has_care(ws, brand) else []
    records = crm.conversation_records(ws.store)
    people = _customer_people(ws, rows)
    blocked = crm.do_not_contact_ids(ws.store)
    open_drafts = draft_statuses(ws.store)
    out = []
    for row in rows:
        record = records.get((row["platform"], row["conversation_key"]), {"status": "open", "assignee": None})
        if status == "active" and record["status"] == "closed":
            continue
        if status not in ("active", "all") and record["status"] != status:
            continue
        if assignee and (record["assignee"] or "").lower() != assignee.lower():
            continue
        pid = people.get((row["platform"], (row["customer"] or "").lower()))
        out.append(
            {
                **row,
                "conversation": f"{row['platform']}:{row['conversation_key']}",
                "status": record["status"],
                "assignee": record["assignee"],
                "person_id": pid,
                "do_not_contact": pid in blocked if pid else False,
                "draft": open_drafts.get((row["platform"], row["conversation_key"])),
            }
        )
    return {
        "filters": {"brand": brand, "status": status, "assignee": assignee or None, "limit": limit},
        "choices": {"brands": _brands(ws), "statuses": list(INBOX_STATUSES)},
        "total": len(out),
        "rows": out[:limit],
    }


def _has_care(ws: Workspace, brand: str | None) -> bool:
    """Whether any brand conversation exists (the inbox raises for a brand without one)."""
    from grapevine.care import refresh_care

    refresh_care(ws.store)
    if brand is None:
        return bool(ws.store.run("SELECT 1 FROM care_customers LIMIT 1"))
    return bool(ws.store.run("SELECT 1 FROM care_customers WHERE lower(brand) = lower(?) LIMIT 1", [brand]))


def _flatten(root: dict[str, Any]) -> list[dict[str, Any]]:
    """The tree as a list in reading order with each turn's depth (iterative: threads can be deep)."""
    turns: list[dict[str, Any]] = []
    stack = [(root, 0, None)]
    while stack:
        node, depth, parent = stack.pop()
        turns.append(
            {**{k: v for k, v in node.items() if k != "children"}, "depth": depth, "parent_id": parent}
        )
        for child in reversed(node["children"]):
            stack.append((child, depth + 1, node["id"]))
    return turns


def conversation_view(ws: Workspace, ref: str) -> dict[str, Any]:
    """One conversation (``platform:root_id``): every turn with its emotion, the care rows with why, status and notes."""
    from grapevine.care.inbox import inbox

    try:
        platform, key = crm.conversation_key(ws.store, ref)
    except GrapevineError as exc:
        raise NotFound(str(exc)) from None
    turns = _flatten(ws.thread(key, platform=platform))
    # Only this conversation is scored (the whole inbox took seconds on a large workspace).
    care = inbox(ws.store, limit=None, include_resolved=True, conversation=(platform, key))
    stored = [t for t in turns if not t.get("missing") and t.get("created_at") is not None]
    newest = max(stored, key=lambda t: t["created_at"]) if stored else None
    return {
        "conversation": f"{platform}:{key}",
        "platform": platform,
        "conversation_key": key,
        "turns": turns,
        "care": care,
        "crm": crm.conversation_record(ws.store, platform, key),
        "statuses": list(crm.STATUSES),
        "drafts": drafts(ws.store, platform, key),
        "draft_statuses": list(DRAFT_STATUSES),
        # A new draft answers the newest turn and starts by addressing its author.
        "reply_to": newest["id"] if newest else None,
        "reply_start": f"@{newest['author']} " if newest and newest.get("author") else "",
    }


def reach_view(
    ws: Workspace, people: list[str] | None = None, seed: int = 0, shared: SharedResults | None = None
) -> dict[str, Any]:
    """The de-duplicated audience of the chosen people and the expected spread of a message they all post.

    With no people chosen, suggests the ten most influential. Spread is the weighted-cascade
    estimate on the follow graph (the interaction graph when there are no follow edges), with
    its 95% interval, from :func:`grapevine.reach.expected_spread`. The suggestions are
    :func:`grapevine.people.people_table`'s top ten by influence, from the rows and scores the
    people page shares through ``shared``.
    """
    from grapevine.people import people_spread, person_of

    chosen: list[str] = []
    problems = []
    for ref in people or []:
        if not ref.strip():
            continue
        try:
            pid = person_of(ws.store, ref.strip())
        except GrapevineError as exc:
            problems.append({"ref": ref, "reason": str(exc)})
            continue
        if pid not in chosen:
            chosen.append(pid)
    suggestions = _people_rows(ws, shared, brand=None, platform=None, sort="influence", reachable=None)
    _add_influence(ws, suggestions, None, "influence", shared)
    suggestions = suggestions[:10]
    for row in suggestions:  # the columns of people_table's own influence
        del row["influence_formula"], row["influence_breakdown"]
    crm.annotate_people(ws.store, suggestions)
    result: dict[str, Any] = {
        "people": chosen,
        "problems": problems,
        "suggestions": suggestions,
        "audience": None,
        "spread": None,
        "spread_note": None,
    }
    if not chosen:
        return result
    result["audience"] = ws.audience(chosen)
    spread = people_spread(ws.store, chosen, seed=seed)
    if spread is None:
        result["spread_note"] = "none of these people's accounts is in a follow or interaction graph"
    else:
        result["spread"] = {
            "graph": spread["graph"],
            "model": "weighted cascade",
            "seed_accounts": spread["seeds"],
            "expected": spread["expected_spread"],
            "low": spread["low"],
            "high": spread["high"],
        }
    return result


def network_view(
    ws: Workspace, brand: str | None = None, limit: int | None = None, community: int | None = None
) -> dict[str, Any]:
    """A brand's conversation network: the top accounts by PageRank, coloured by Leiden community.

    Without a brand, the interaction graph of every post. ``community`` keeps one community.
    """
    from grapevine.web._network import (
        DEFAULT_NODES,
        MAX_NODES,
        community_choices,
        network_analysis,
        network_data,
    )

    brand = _known_brand(ws, brand)
    limit = min(limit or DEFAULT_NODES, MAX_NODES)
    analysis = network_analysis(ws.store, brand)
    communities = len(analysis.community_sizes)
    if community is not None and not 0 <= community < communities:
        raise NotFound(f"no community {community}; this network has {communities} (0 is the largest)")
    data = network_data(analysis, limit=limit, community=community)
    note = None
    if data["shown"] < data["accounts"]:
        note = (
            f"Showing the {data['shown']:,} accounts with the highest PageRank of {data['accounts']:,}"
            f"{' in this community' if community is not None else ''}; "
            f"ask for up to {MAX_NODES:,} with limit, or pick a community."
        )
    return {
        "brand": brand,
        "brands": _brands(ws),
        "community": community,
        "limit": limit,
        "max_limit": MAX_NODES,
        "communities": community_choices(analysis),
        "note": note,
        **data,
    }
