"""Mapping Twitter API v1.1 objects (statuses, users and the responses that wrap them).

Also holds the small pieces both Twitter mappers share: the output builder that keeps one
post and one account per id, permalinks, and the type-checked accessors that turn hostile
input into :class:`MappingError` instead of a crash.
"""

from __future__ import annotations

import html
from typing import Any

from grapevine.models import Account, Edge, Mapped, Post
from grapevine.sources._common import as_bool, as_int, as_str, parse_twitter_datetime
from grapevine.sources.base import MappingError

__all__ = [
    "PLATFORM",
    "Builder",
    "count",
    "map_v1_body",
    "map_v1_status",
    "map_v1_status_into",
    "map_v1_user",
    "profile_url",
    "status_url",
]

PLATFORM = "twitter"

#: How deep ``retweeted_status``/``quoted_status`` are followed (a retweet of a quote is 2 deep);
#: deeper nesting only happens in crafted input and would otherwise recurse without bound.
MAX_EMBED_DEPTH = 3

# Keys of objects that carry "text" and an id but are not public posts (old-style direct messages).
_NOT_A_STATUS = ("sender", "recipient", "message_create", "sender_id")


def status_url(handle: str | None, post_id: str) -> str:
    """The permalink of a tweet; ``/i/web/status/`` works when the author's handle is unknown."""
    if handle:
        return f"https://twitter.com/{handle}/status/{post_id}"
    return f"https://twitter.com/i/web/status/{post_id}"


def profile_url(handle: str | None) -> str | None:
    return f"https://twitter.com/{handle}" if handle else None


class Builder:
    """Collects one record's posts and accounts, keeping the first of each id."""

    __slots__ = ("_accounts", "_post_ids", "accounts", "edges", "posts")

    def __init__(self) -> None:
        self.posts: list[Post] = []
        self.accounts: list[Account] = []
        self.edges: list[Edge] = []
        self._post_ids: set[str] = set()
        self._accounts: dict[str, Account] = {}

    def has_post(self, post_id: str) -> bool:
        return post_id in self._post_ids

    def add_post(self, post: Post) -> bool:
        if post.id in self._post_ids:
            return False
        self._post_ids.add(post.id)
        self.posts.append(post)
        return True

    def account(self, account_id: str) -> Account | None:
        return self._accounts.get(account_id)

    def add_account(self, account: Account) -> None:
        if account.id not in self._accounts:
            self._accounts[account.id] = account
            self.accounts.append(account)

    def mapped(self) -> Mapped:
        return Mapped(self.posts, self.accounts, self.edges)


def items(value: Any, what: str) -> list[Any]:
    """``value`` when it is a list, ``[]`` when missing; anything else is a MappingError."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise MappingError(f"{what} should be a list, got {type(value).__name__}")


def obj(value: Any, what: str) -> dict[str, Any] | None:
    """``value`` when it is a JSON object, None when missing; anything else is a MappingError."""
    if value is None or isinstance(value, dict):
        return value
    raise MappingError(f"{what} should be an object, got {type(value).__name__}")


def text_or_none(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise MappingError(f"{what} should be a string, got {type(value).__name__}")


def unescape(text: str | None) -> str | None:
    """Twitter escapes ``&``, ``<`` and ``>`` in post text as HTML entities; Post.text is plain."""
    if text and "&" in text:
        return html.unescape(text)
    return text


def entity_strings(
    entities: dict[str, Any] | None, kind: str, key: str, fallback: str | None = None
) -> list[str]:
    """The ``key`` string of each entity of one kind (tolerates malformed entries by skipping them)."""
    if not entities:
        return []
    found = entities.get(kind)
    if not isinstance(found, list):
        return []
    out = []
    for entity in found:
        if isinstance(entity, dict):
            value = entity.get(key)
            if not isinstance(value, str) or not value:
                value = entity.get(fallback) if fallback else None
            if isinstance(value, str) and value and value not in out:
                out.append(value)
    return out


def _id(container: dict[str, Any], what: str) -> str:
    value = container.get("id_str")
    if value is None:
        value = container.get("id")
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise MappingError(f"{what} has no usable id (id_str/id)")


def _twitter_date(value: Any, what: str) -> Any:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MappingError(f"{what} created_at should be a string, got {type(value).__name__}")
    return parse_twitter_datetime(value)


def count(value: Any) -> int | None:
    """A metric: ints pass straight through (the hot path), the rest goes through ``as_int``."""
    return value if type(value) is int else as_int(value)


def _optional_id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return as_str(value)


def map_v1_user(user: Any) -> Account:
    """Map a v1.1 user object to an :class:`Account`."""
    if not isinstance(user, dict):
        raise MappingError(f"expected a user object, got {type(user).__name__}")
    handle = as_str(user.get("screen_name")) or None
    entities = obj(user.get("entities"), "user entities")
    links: list[str] = []
    if entities:
        url_entities = entities.get("url")
        if isinstance(url_entities, dict):
            links = entity_strings(url_entities, "urls", "expanded_url", "url")
        description_entities = entities.get("description")
        if isinstance(description_entities, dict):
            links += [
                u
                for u in entity_strings(description_entities, "urls", "expanded_url", "url")
                if u not in links
            ]
    if not links:
        url = as_str(user.get("url"))
        if url:
            links = [url]
    return Account(
        platform=PLATFORM,
        id=_id(user, "user"),
        handle=handle,
        display_name=as_str(user.get("name")) or None,
        bio=as_str(user.get("description")) or None,
        url=profile_url(handle),
        links=links,
        followers_count=count(user.get("followers_count")),
        following_count=count(user.get("friends_count")),
        post_count=count(user.get("statuses_count")),
        created_at=_twitter_date(user.get("created_at"), "user"),
        verified=as_bool(user.get("verified")),
        location=as_str(user.get("location")) or None,
    )


def map_v1_status_into(
    out: Builder, status: Any, depth: int = 0, fallback_user: dict[str, Any] | None = None
) -> Post:
    """Map one status into ``out`` (its author, and the retweeted/quoted statuses it embeds).

    Returns the status's own post, which this call adds first (unless ``out`` already holds
    a post with its id, which is kept).
    ``fallback_user`` is the author when the status has no ``user`` (a user's latest status
    embedded in a user object).
    """
    if not isinstance(status, dict):
        raise MappingError(f"expected a status object, got {type(status).__name__}")
    post_id = _id(status, "status")
    user = obj(status.get("user"), "status user") or fallback_user
    author_id = handle = None
    if user is not None:
        author_id = user.get("id_str")
        known = out.account(author_id) if isinstance(author_id, str) else None
        account = known or map_v1_user(user)  # a thread or timeline repeats its authors
        out.add_account(account)
        author_id, handle = account.id, account.handle

    extended = status.get("extended_tweet")
    if isinstance(extended, dict) and isinstance(extended.get("full_text"), str):
        # Compatibility mode: "text" is cut at 140 characters, the whole post is here.
        text: str | None = extended["full_text"]
        entities = obj(extended.get("entities"), "extended_tweet entities") or obj(
            status.get("entities"), "status entities"
        )
    else:
        text = status.get("full_text")
        if text is None:
            text = status.get("text")
        text = text_or_none(text, "status text")
        entities = obj(status.get("entities"), "status entities")

    original = status.get("retweeted_status")
    quoted = status.get("quoted_status")
    repost_of_id = _id(original, "retweeted_status") if isinstance(original, dict) else None
    if isinstance(quoted, dict):
        quote_of_id: str | None = _id(quoted, "quoted_status")
    else:
        quote_of_id = _optional_id(status.get("quoted_status_id_str") or status.get("quoted_status_id"))

    reply_to_id = _optional_id(status.get("in_reply_to_status_id_str") or status.get("in_reply_to_status_id"))
    reply_to_author_id = _optional_id(
        status.get("in_reply_to_user_id_str") or status.get("in_reply_to_user_id")
    )
    lang = as_str(status.get("lang"))
    post = Post(
        platform=PLATFORM,
        id=post_id,
        author_id=author_id,
        author_handle=handle,
        text=unescape(text),
        created_at=_twitter_date(status.get("created_at"), "status"),
        lang=None if lang == "und" else lang,
        reply_to_id=reply_to_id,
        reply_to_author_id=reply_to_author_id,
        quote_of_id=quote_of_id,
        repost_of_id=repost_of_id,
        mentions=entity_strings(entities, "user_mentions", "screen_name"),
        hashtags=entity_strings(entities, "hashtags", "text"),
        links=entity_strings(entities, "urls", "expanded_url", "url"),
        url=status_url(handle, post_id),
    )
    if repost_of_id is None:
        # A retweet reports its original's counts (and 0 likes); they belong to the original post.
        post.like_count = count(status.get("favorite_count"))
        post.repost_count = count(status.get("retweet_count"))
        post.reply_count = count(status.get("reply_count"))
        post.quote_count = count(status.get("quote_count"))
    out.add_post(post)

    if depth < MAX_EMBED_DEPTH:
        if isinstance(original, dict):
            original_post = map_v1_status_into(out, original, depth + 1)
            if (
                original_post.text
                and original_post.author_handle
                and (not post.text or post.text.endswith("…"))
            ):
                # The retweet's own text is cut ("RT @x: ...…"); rebuild it the way clients show it.
                post.text = f"RT @{original_post.author_handle}: {original_post.text}"
        if isinstance(quoted, dict):
            map_v1_status_into(out, quoted, depth + 1)
    return post


def map_v1_status(status: dict[str, Any]) -> Mapped:
    """Map one v1.1 status to canonical records.

    The status is the first post; a retweeted or quoted status embedded in it is mapped as
    a post of its own (``repost_of_id``/``quote_of_id`` point at it), and every user object
    becomes an account. Raises :class:`MappingError` for a payload that is not a status.

    Examples
    --------
    >>> mapped = map_v1_status({"id_str": "1", "text": "hi #x", "user": {"id_str": "9", "screen_name": "a"},
    ...                         "entities": {"hashtags": [{"text": "x"}]}})
    >>> mapped.posts[0].url, mapped.posts[0].hashtags, mapped.accounts[0].handle
    ('https://twitter.com/a/status/1', ['x'], 'a')
    """
    out = Builder()
    map_v1_status_into(out, status)
    return out.mapped()


def is_v1_status(value: dict[str, Any]) -> bool:
    return (
        ("text" in value or "full_text" in value or "extended_tweet" in value)
        and ("id_str" in value or "id" in value)
        and not any(key in value for key in _NOT_A_STATUS)
    )


def is_v1_user(value: dict[str, Any]) -> bool:
    return "screen_name" in value and ("id_str" in value or "id" in value) and "text" not in value


def _map_user_into(out: Builder, user: dict[str, Any]) -> None:
    out.add_account(map_v1_user(user))
    latest = user.get("status")
    if isinstance(latest, dict) and is_v1_status(latest):
        map_v1_status_into(out, latest, fallback_user=user)


def map_v1_body(body: Any, strict: bool = True) -> Mapped:
    """Map a v1.1 payload: a status, a user, a list of either, or ``{"statuses"|"users": [...]}``.

    With ``strict`` a payload of any other shape is a MappingError; without it (API responses
    of other endpoints in recorded cassettes: ids, lists, geo, settings) it maps to nothing.
    """
    out = Builder()
    values = body if isinstance(body, list) else [body]
    for value in values:
        if not isinstance(value, dict):
            if strict:
                raise MappingError(f"expected a v1.1 status or user object, got {type(value).__name__}")
            continue
        if isinstance(value.get("statuses"), list):
            for status in value["statuses"]:
                map_v1_status_into(out, status)
        elif isinstance(value.get("users"), list):
            for user in value["users"]:
                _map_user_into(out, user)
        elif is_v1_status(value):
            map_v1_status_into(out, value)
        elif is_v1_user(value):
            _map_user_into(out, value)
        elif strict:
            keys = ", ".join(list(value)[:6])
            raise MappingError(f"not a Twitter v1.1 status, user or statuses/users response (keys: {keys})")
    return out.mapped()
