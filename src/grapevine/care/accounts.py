"""Which accounts speak for a brand: explicit registrations, tracked queries, inference.

grapevine needs to tell a brand's own turns from its customers'. Three sources, the first that
knows an account wins:

1. **explicit**: ``grapevine brand-accounts add BRAND @handle`` (or ``exclude @handle`` to say an
   account is *not* a brand's, whatever the other two say), kept in ``brand_accounts``;
2. **query**: the ``@handle`` and ``author:handle`` terms of a tracked brand query
   (``grapevine track add acme '"acme" OR @AcmeSupport'`` makes ``acmesupport`` an Acme
   account), read live from ``tracks`` so a changed query changes the accounts;
3. **inferred**: an account that answers many different people who addressed it, and hardly
   ever posts anything but replies: at least ``INFER_MIN_CUSTOMERS`` distinct authors answered,
   at least ``INFER_REPLY_SHARE`` of its posts replies, and at least half of the posts it
   answers mention it or reply to it, and fewer than half of its posts name another such
   account (customers chatting in a group name the brand in every post). That is how support desks behave (the TWCS company
   accounts, the IBM customer-care agents) and not how people do; the brand is the account's
   own handle.

Handles are compared case-insensitively with a post's ``author_handle`` or ``author_id``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grapevine.errors import GrapevineError
from grapevine.text.query import parse_query
from grapevine.text.query._ast import And, Field, Mention, Near, Node, Not, Or

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = [
    "INFER_MIN_CUSTOMERS",
    "INFER_REPLY_SHARE",
    "add_brand_account",
    "exclude_brand_account",
    "forget_brand_account",
    "list_brand_accounts",
    "query_handles",
]

INFER_MIN_CUSTOMERS = 3
INFER_REPLY_SHARE = 0.9


def _handle(value: str) -> str:
    handle = value.strip().removeprefix("@").lower()
    if not handle or any(ch.isspace() for ch in handle):
        raise GrapevineError(f"invalid account handle {value!r}; expected e.g. @AcmeSupport")
    return handle


def add_brand_account(store: Store, brand: str, handle: str, platform: str | None = None) -> None:
    """Register ``handle`` as an account of ``brand`` (on ``platform``, or on every platform)."""
    if not brand or not brand.strip():
        raise GrapevineError("a brand account needs a brand name")
    store.run(
        "INSERT OR REPLACE INTO brand_accounts VALUES (?, ?, ?, false, now())",
        [_handle(handle), platform or "", brand.strip()],
    )


def exclude_brand_account(store: Store, handle: str, platform: str | None = None) -> None:
    """Say ``handle`` is no brand's account, overriding tracked queries and inference."""
    store.run(
        "INSERT OR REPLACE INTO brand_accounts VALUES (?, ?, NULL, true, now())",
        [_handle(handle), platform or ""],
    )


def forget_brand_account(store: Store, handle: str, platform: str | None = None) -> None:
    """Drop an explicit registration or exclusion (queries and inference apply again)."""
    gone = store.run(
        "DELETE FROM brand_accounts WHERE handle = ? AND platform = ? RETURNING handle",
        [_handle(handle), platform or ""],
    )
    if not gone:
        raise GrapevineError(f"no explicit brand account {handle!r}; see `grapevine brand-accounts list`")


def query_handles(query: str) -> list[str]:
    """The handles a tracked query names positively: ``@handle`` and ``author:handle`` terms.

    >>> query_handles('"acme" OR @AcmeSupport OR (author:acme_care AND refund) NOT @troll')
    ['acmesupport', 'acme_care']
    """
    return _positive_terms(query)[0]


def query_sites(query: str) -> list[str]:
    """The domains a tracked query names positively with ``site:`` or ``link:``.

    >>> query_sites('@acme OR site:Acme.example NOT site:spam.example')
    ['acme.example']
    """
    return _positive_terms(query)[1]


def _positive_terms(query: str) -> tuple[list[str], list[str]]:
    found: dict[str, None] = {}
    sites: dict[str, None] = {}

    def walk(node: Node) -> None:
        if isinstance(node, Mention) and not node.prefix:
            found[node.handle.lower()] = None
        elif isinstance(node, Field) and node.name in ("site", "link") and "*" not in node.value:
            sites[node.value.lower().removeprefix("www.")] = None
        elif isinstance(node, Field) and node.name == "author" and "*" not in node.value:
            found[node.value.removeprefix("@").lower()] = None
        elif isinstance(node, And | Or):
            for item in node.items:
                walk(item)
        elif isinstance(node, Near):
            walk(node.left)
            walk(node.right)
        # Not: a handle a query excludes is not the brand's.
        elif isinstance(node, Not):
            return

    walk(parse_query(query))
    return list(found), list(sites)


def _fediverse_accounts(store: Store, handles: list[str], sites: list[str]) -> list[tuple[str, str]]:
    """(platform, handle) of ``user@host`` accounts whose user is one of ``handles`` and whose host
    is one of the brand's ``sites`` or under it: ``@AcmeMobile`` with ``site:acmemobile.example``
    names ``AcmeMobile@social.acmemobile.example`` too, but not ``AcmeMobile@elsewhere.example``."""
    if not handles or not sites:
        return []
    rows = store.run(
        "SELECT DISTINCT platform, lower(handle) FROM ("
        "  SELECT platform, handle FROM accounts UNION ALL SELECT platform, author_handle FROM posts"
        ") WHERE handle LIKE '%@%' AND lower(split_part(handle, '@', 1)) IN (SELECT unnest(?)) "
        "ORDER BY ALL",
        [handles],
    )
    out = []
    for platform, handle in rows:
        host = handle.partition("@")[2]
        if any(host == site or host.endswith("." + site) for site in sites):
            out.append((platform, handle))
    return out


def list_brand_accounts(store: Store, infer: bool = True) -> list[dict[str, Any]]:
    """Every brand account with where it comes from (``origin``: explicit, query, inferred).

    Rows: ``platform`` ('' for every platform), ``handle``, ``brand``, ``origin``; exclusions
    are applied, not listed.
    """
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    excluded: set[tuple[str, str]] = set()
    for handle, platform, brand, is_excluded in store.run(
        "SELECT handle, platform, brand, excluded FROM brand_accounts ORDER BY ALL"
    ):
        if is_excluded:
            excluded.add((platform, handle))
        else:
            rows[(platform, handle)] = _account_row(platform, handle, brand, "explicit")

    def blocked(platform: str, handle: str) -> bool:
        known = {(platform, handle), ("", handle)}
        return bool(known & excluded) or any(key in rows for key in known)

    for name, query in store.run("SELECT name, query FROM tracks ORDER BY name"):
        handles, sites = _positive_terms(query)
        for platform, handle in [("", h) for h in handles] + _fediverse_accounts(store, handles, sites):
            if not blocked(platform, handle):
                rows[(platform, handle)] = _account_row(platform, handle, name, "query")
    if infer:
        for platform, handle in _inferred(store):
            if not blocked(platform, handle):
                rows[(platform, handle)] = _account_row(platform, handle, handle, "inferred")
    return sorted(rows.values(), key=lambda r: (r["brand"].lower(), r["platform"], r["handle"]))


def _account_row(platform: str, handle: str, brand: str, origin: str) -> dict[str, Any]:
    return {"platform": platform, "handle": handle, "brand": brand, "origin": origin}


def _inferred(store: Store) -> list[tuple[str, str]]:
    """Accounts that behave like a support desk (see the module docstring)."""
    rows = store.run(
        """
        WITH answers AS (
            SELECT c.platform, lower(coalesce(c.author_handle, c.author_id)) AS handle, c.author_id,
                   p.author_id AS asker,
                   list_contains(list_transform(p.mentions, lambda m: lower(m)),
                                 lower(coalesce(c.author_handle, c.author_id)))
                   OR coalesce(p.reply_to_author_id = c.author_id, false)
                   OR gp.author_id = c.author_id AS addressed
            FROM posts c
            JOIN posts p ON p.platform = c.platform AND p.id = c.reply_to_id
            LEFT JOIN posts gp ON gp.platform = p.platform AND gp.id = p.reply_to_id
            WHERE c.reply_to_id IS NOT NULL AND p.author_id <> c.author_id
        ), per_account AS (
            SELECT platform, author_id, any_value(handle) AS handle, count(DISTINCT asker) AS customers,
                   avg(CASE WHEN addressed THEN 1.0 ELSE 0.0 END) AS addressed_share
            FROM answers GROUP BY platform, author_id
            HAVING count(DISTINCT asker) >= ?
        ), totals AS (
            SELECT platform, author_id, count(*) AS posts, count(reply_to_id) AS replies
            FROM posts SEMI JOIN per_account USING (platform, author_id) GROUP BY ALL
        )
        , candidates AS (
            SELECT a.platform, a.author_id, a.handle FROM per_account a JOIN totals t USING (platform, author_id)
            WHERE t.replies >= ? * t.posts AND a.addressed_share >= 0.5
        ), naming_others AS (
            -- customers in a group chat answer each other and name the brand in every post;
            -- a support desk names the customer it answers, not another desk
            SELECT c.platform, c.author_id,
                   avg(CASE WHEN EXISTS (
                       SELECT 1 FROM candidates o WHERE o.platform = c.platform AND o.author_id <> c.author_id
                       AND list_contains(list_transform(p.mentions, lambda m: lower(m)), o.handle)
                   ) THEN 1.0 ELSE 0.0 END) AS share
            FROM candidates c JOIN posts p ON p.platform = c.platform AND p.author_id = c.author_id
            GROUP BY ALL
        )
        SELECT c.platform, c.handle FROM candidates c JOIN naming_others n USING (platform, author_id)
        WHERE n.share < 0.5
        ORDER BY ALL
        """,
        [INFER_MIN_CUSTOMERS, INFER_REPLY_SHARE],
    )
    return [(platform, handle) for platform, handle in rows]
