"""How many people someone reaches: followers, de-duplicated audiences, two hops, blogs, interactions.

Every number here counts **people** (``person_accounts``), not accounts: a follower who
follows someone on two platforms counts once, and so does a follower shared by two people of
a set. Accounts seen only in an edge list (no profile, no post) count as people of their own.

- ``followers``: the follower counts the platforms report in profiles, summed over a person's
  accounts (None when no account reports one). Across people this double-counts; use
  :func:`audience` for a set.
- ``audience``: distinct people who follow any of the person's accounts in the stored follow
  edges. Unknown (None) when none of the accounts appears in any follow edge.
- ``two_hop``: the audience plus the people who follow someone of that audience: how many
  people connect to the set through one intermediary.
- ``blog_reach``: distinct other people whose posts link to the person's website or blog (the
  normalised site, see :func:`grapevine.people._urls.site_key`); None without a site.
- ``interaction_reach``: distinct other people who replied to, reposted, quoted or mentioned
  the person; None when the person has no post and no one interacted (nothing to go on).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = ["audience", "audience_columns"]

# Accounts of people, plus a stand-in person for every account known only from edges.
_WHO = "coalesce({pa}.person_id, {e}.platform || ':' || {e}.{side})"

# src -> dst: src interacted with dst (replied, reposted, quoted, mentioned); accounts, per platform.
_INTERACTIONS = """
    SELECT platform, author_id AS src, reply_to_author_id AS dst FROM posts
    WHERE reply_to_author_id IS NOT NULL AND author_id IS NOT NULL AND NOT deleted
    UNION ALL
    SELECT p.platform, p.author_id, o.author_id FROM posts p
    JOIN posts o ON o.platform = p.platform AND o.id = coalesce(p.repost_of_id, p.quote_of_id)
    WHERE p.author_id IS NOT NULL AND NOT p.deleted
    UNION ALL
    SELECT m.platform, m.author_id, a.id FROM (
        SELECT platform, author_id, lower(unnest(mentions)) AS handle FROM posts
        WHERE len(mentions) > 0 AND author_id IS NOT NULL AND NOT deleted
    ) m JOIN (
        SELECT platform, lower(handle) AS handle, min(id) AS id FROM accounts
        WHERE handle IS NOT NULL GROUP BY ALL
    ) a ON a.platform = m.platform AND a.handle = m.handle
"""

# Link targets of posts, normalised the way site_key normalises (host without www, no trailing /).
_LINKED_SITES = r"""
    SELECT platform, author_id,
        regexp_replace(regexp_replace(lower(link), '^[a-z]+://(www\.)?', ''), '[?#].*$|/+$', '') AS target
    FROM (SELECT platform, author_id, unnest(links) AS link FROM posts
          WHERE len(links) > 0 AND author_id IS NOT NULL AND NOT deleted)
"""


def audience_columns(store: Store) -> dict[str, dict[str, Any]]:
    """Per person id: followers, audience, blog_reach, inbound_posts and interaction_reach."""
    out: dict[str, dict[str, Any]] = {}

    def put(rows: list[tuple[Any, ...]], *names: str) -> None:
        for person_id, *values in rows:
            entry = out.setdefault(person_id, {})
            entry.update(zip(names, values, strict=True))

    put(
        store.run(
            "SELECT pa.person_id, sum(a.followers_count) FROM accounts a JOIN person_accounts pa "
            "USING (platform, id) WHERE a.followers_count IS NOT NULL GROUP BY pa.person_id"
        ),
        "followers",
    )
    put(
        store.run(
            "WITH f AS (SELECT platform, src, dst FROM edges WHERE kind = 'follow'), "
            "seen AS (SELECT DISTINCT platform, src AS id FROM f UNION SELECT DISTINCT platform, dst FROM f) "
            "SELECT DISTINCT pa.person_id, 0 FROM seen JOIN person_accounts pa USING (platform, id)"
        ),
        "audience",
    )
    put(
        store.run(
            "SELECT d.person_id, count(DISTINCT "
            + _WHO.format(pa="s", e="e", side="src")
            + ") FROM edges e JOIN person_accounts d ON d.platform = e.platform AND d.id = e.dst "
            "LEFT JOIN person_accounts s ON s.platform = e.platform AND s.id = e.src "
            "WHERE e.kind = 'follow' AND s.person_id IS DISTINCT FROM d.person_id GROUP BY d.person_id"
        ),
        "audience",
    )
    put(
        store.run(
            "WITH sites AS (SELECT DISTINCT pa.person_id, c.value AS site FROM contact_channels c "
            "JOIN person_accounts pa ON pa.platform = c.platform AND pa.id = c.account_id "
            "WHERE c.kind = 'website' AND c.found_in <> 'post'), "
            f"links AS ({_LINKED_SITES}) "
            "SELECT s.person_id, count(DISTINCT coalesce(pa.person_id, l.platform || ':' || l.author_id)), "
            "count(DISTINCT (l.platform, l.author_id, l.target)) FILTER (WHERE l.target IS NOT NULL) "
            "FROM sites s LEFT JOIN links l "
            "ON split_part(l.target, '/', 1) = split_part(s.site, '/', 1) "
            "AND (l.target = s.site OR starts_with(l.target, s.site || '/')) "
            "LEFT JOIN person_accounts pa ON pa.platform = l.platform AND pa.id = l.author_id "
            "WHERE pa.person_id IS DISTINCT FROM s.person_id GROUP BY s.person_id"
        ),
        "blog_reach",
        "inbound_links",
    )
    put(
        store.run(
            f"WITH i AS ({_INTERACTIONS}) "
            "SELECT d.person_id, count(DISTINCT " + _WHO.format(pa="s", e="i", side="src") + ") "
            "FROM i JOIN person_accounts d ON d.platform = i.platform AND d.id = i.dst "
            "LEFT JOIN person_accounts s ON s.platform = i.platform AND s.id = i.src "
            "WHERE s.person_id IS DISTINCT FROM d.person_id GROUP BY d.person_id"
        ),
        "interaction_reach",
    )
    # A person who posts but drew no interaction has an interaction reach of 0, which is known.
    for (person_id,) in store.run(
        "SELECT DISTINCT pa.person_id FROM posts p JOIN person_accounts pa "
        "ON pa.platform = p.platform AND pa.id = p.author_id"
    ):
        out.setdefault(person_id, {}).setdefault("interaction_reach", 0)
    return out


def audience(store: Store, person_ids: Sequence[str]) -> dict[str, Any]:
    """The de-duplicated audience of a set of people, and the two-hop audience through them.

    Returns ``{"people", "accounts", "followers_sum", "audience", "two_hop",
    "accounts_with_follow_data"}``; ``audience`` and ``two_hop`` are None when no account of
    the set appears in the follow edges.
    """
    ids = sorted(set(person_ids))
    params = {"ids": ids}
    seeds = "SELECT platform, id FROM person_accounts WHERE person_id IN (SELECT unnest($ids))"
    accounts, followers_sum, known_followers = store.run(
        f"SELECT count(*), sum(a.followers_count), count(a.followers_count) FROM ({seeds}) s "
        "LEFT JOIN accounts a USING (platform, id)",
        params,
    )[0]
    with_edges = store.run(
        f"SELECT count(*) FROM ({seeds}) s WHERE EXISTS (SELECT 1 FROM edges e WHERE e.kind = 'follow' "
        "AND e.platform = s.platform AND (e.src = s.id OR e.dst = s.id))",
        params,
    )[0][0]
    result: dict[str, Any] = {
        "people": len(ids),
        "accounts": accounts,
        "followers_sum": int(followers_sum) if known_followers else None,
        "audience": None,
        "two_hop": None,
        "accounts_with_follow_data": with_edges,
    }
    if not with_edges:
        return result
    who = _WHO.format(pa="pa", e="e", side="src")
    hop = (
        "SELECT DISTINCT " + who + " AS person, e.platform, e.src FROM edges e "
        "JOIN {targets} t ON t.platform = e.platform AND t.id = e.dst "
        "LEFT JOIN person_accounts pa ON pa.platform = e.platform AND pa.id = e.src "
        "WHERE e.kind = 'follow'"
    )
    one, two = store.run(
        f"""
        WITH seeds AS ({seeds}),
        hop1 AS ({hop.format(targets="seeds")}),
        hop1_people AS (SELECT DISTINCT person FROM hop1 WHERE person NOT IN (SELECT unnest($ids))),
        hop1_accounts AS (
            SELECT platform, id FROM person_accounts WHERE person_id IN (SELECT person FROM hop1_people)
            UNION SELECT platform, src FROM hop1
        ),
        hop2 AS ({hop.format(targets="hop1_accounts")}),
        reached AS (
            SELECT person FROM hop1_people
            UNION SELECT person FROM hop2 WHERE person NOT IN (SELECT unnest($ids))
        )
        SELECT (SELECT count(*) FROM hop1_people), (SELECT count(*) FROM reached)
        """,
        params,
    )[0]
    result.update(audience=one, two_hop=two)
    return result
