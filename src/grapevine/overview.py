"""A first look at a workspace: what is in it and who is loudest, as plain rows.

The demo, the CLI and notebooks print these; later analyses (brands, conversations,
influence) add their own sections.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grapevine.workspace import Workspace

__all__ = ["most_followed", "most_replied", "overview", "top_hashtags"]


def top_hashtags(ws: Workspace, n: int = 10) -> list[dict[str, Any]]:
    """The most used hashtags (case-folded) and how many posts carry each."""
    rows = ws.store.run(
        "SELECT lower(tag) AS hashtag, count(*) AS posts FROM (SELECT unnest(hashtags) AS tag FROM posts) "
        "GROUP BY 1 ORDER BY posts DESC, hashtag LIMIT ?",
        [n],
    )
    return [{"hashtag": h, "posts": c} for h, c in rows]


def most_followed(ws: Workspace, n: int = 10) -> list[dict[str, Any]]:
    """Accounts with the most followers, where the platform reported a count."""
    rows = ws.store.run(
        "SELECT platform, handle, display_name, followers_count, "
        "(SELECT count(*) FROM posts p WHERE p.platform = a.platform AND p.author_id = a.id) AS posts "
        "FROM accounts a WHERE followers_count IS NOT NULL "
        "ORDER BY followers_count DESC, platform, id LIMIT ?",
        [n],
    )
    keys = ("platform", "handle", "display_name", "followers", "posts")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def most_replied(ws: Workspace, n: int = 5) -> list[dict[str, Any]]:
    """Posts that drew the most direct replies in the store."""
    rows = ws.store.run(
        "SELECT p.platform, p.author_handle, p.text, r.replies FROM "
        "(SELECT platform, reply_to_id, count(*) AS replies FROM posts WHERE reply_to_id IS NOT NULL "
        " GROUP BY 1, 2) r JOIN posts p ON p.platform = r.platform AND p.id = r.reply_to_id "
        "ORDER BY r.replies DESC, p.id LIMIT ?",
        [n],
    )
    keys = ("platform", "author", "text", "replies")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def overview(ws: Workspace) -> dict[str, Any]:
    """Everything above in one dictionary."""
    return {
        "stats": ws.stats(),
        "top_hashtags": top_hashtags(ws),
        "most_followed": most_followed(ws),
        "most_replied": most_replied(ws),
    }
