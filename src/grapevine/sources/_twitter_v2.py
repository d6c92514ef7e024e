"""Mapping Twitter API v2 objects: response pages, twarc "flattened" tweets, users.

A v2 page is ``{data, includes: {users, tweets, media, places, polls}, errors, meta}``; the
tweets in ``includes.tweets`` (retweeted, quoted, replied-to, pinned) are real posts too, and
``includes.users`` gives each author's handle. ``errors`` list the objects the API could not
return (deleted, suspended); they are ignored, so a page with only errors maps to nothing.

Edits: since 2022 an edited tweet is a new tweet id and every version lists the whole chain in
``edit_history_tweet_ids`` (oldest first). When the newest version is in the same record, the
older versions are dropped and references to them are pointed at the newest one, so one edited
post is stored once, with its current text. An older version whose newest one is not in the
record is kept: it is the only copy there is.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from grapevine.models import Account, Edge, Mapped, Post
from grapevine.sources._common import (
    as_bool,
    as_str,
    extract_hashtags,
    extract_links,
    extract_mentions,
    parse_datetime,
)
from grapevine.sources._twitter_v1 import (
    PLATFORM,
    Builder,
    count,
    entity_strings,
    items,
    obj,
    profile_url,
    status_url,
    text_or_none,
    unescape,
)
from grapevine.sources.base import MappingError

__all__ = [
    "REFERENCE_FIELDS",
    "complete_retweets",
    "is_cut_retweet",
    "is_v2_tweet",
    "is_v2_user",
    "map_v2_flat_tweet",
    "map_v2_page",
    "map_v2_user",
    "user_created",
]

# /2/users/<id>/followers lists who follows <id>; /2/users/<id>/following whom <id> follows.
_FOLLOW_PATH = re.compile(r"/2/users/(\d+)/(followers|following)\b")

#: referenced_tweets types -> the Post field that holds the referenced id
REFERENCE_FIELDS = {"replied_to": "reply_to_id", "quoted": "quote_of_id", "retweeted": "repost_of_id"}

#: How deep twarc's inline ``referenced_tweets`` expansions are followed in flattened tweets.
MAX_FLAT_DEPTH = 3


def is_v2_tweet(item: dict[str, Any]) -> bool:
    """A v2 tweet object (and not a DM event, list, space, count bucket or user)."""
    if "id" not in item or "event_type" in item or "username" in item:
        return False
    return (
        "text" in item
        or "author_id" in item
        or "edit_history_tweet_ids" in item
        or ("withheld" in item and "conversation_id" in item)
    )


def is_v2_user(item: dict[str, Any]) -> bool:
    return "username" in item and "id" in item


# The same users come back on page after page (each page's includes.users): a user object equal to
# the last one seen for its id maps to the same Account, which nobody changes afterwards.
_SEEN_USERS: dict[str, tuple[dict[str, Any], Account]] = {}
_SEEN_USERS_MAX = 1 << 13


def map_v2_user(user: Any) -> Account:
    """Map a v2 user object (``public_metrics``, ``entities.url.urls``) to an :class:`Account`."""
    user_id = user.get("id") if type(user) is dict else None
    if type(user_id) is str:
        seen = _SEEN_USERS.get(user_id)
        if seen is not None and seen[0] == user:
            return seen[1]
        account = _map_v2_user(user)
        if len(_SEEN_USERS) >= _SEEN_USERS_MAX:
            _SEEN_USERS.clear()
        _SEEN_USERS[user_id] = (user, account)
        return account
    return _map_v2_user(user)


def _map_v2_user(user: Any) -> Account:
    if not isinstance(user, dict):
        raise MappingError(f"expected a user object, got {type(user).__name__}")
    get = user.get
    user_id = as_str(get("id"))
    if not user_id:
        raise MappingError("user has no id")
    handle = as_str(get("username")) or None
    metrics = obj(get("public_metrics"), "user public_metrics") or {}
    entities = obj(get("entities"), "user entities")
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
        url = as_str(get("url"))
        if url:
            links = [url]
    display_name = as_str(get("name")) or None
    bio = as_str(get("description")) or None
    followers = count(metrics.get("followers_count"))
    following = count(metrics.get("following_count"))
    tweets = count(metrics.get("tweet_count"))
    created = get("created_at")
    created_at = user_created(created) if type(created) is str else parse_datetime(created)
    # Positional, in the field order of Account: long keyword calls cost several times more.
    return Account(
        PLATFORM,
        user_id,
        handle,
        display_name,
        bio,
        profile_url(handle),
        links,
        followers,
        following,
        tweets,  # post_count
        created_at,
        as_bool(get("verified")),
        as_str(get("location")) or None,
    )


@lru_cache(maxsize=1 << 14)
def user_created(value: str) -> datetime | None:
    """A user's creation date, memoized: the same users come back on page after page."""
    return parse_datetime(value)


def _tweet_id(tweet: dict[str, Any]) -> str:
    tweet_id = as_str(tweet.get("id"))
    if not tweet_id:
        raise MappingError("tweet has no id")
    return tweet_id


def _map_tweet(tweet: dict[str, Any], users: dict[str, dict[str, Any]], newest: dict[str, str]) -> Post:
    get = tweet.get
    tweet_id = _tweet_id(tweet)
    author_id = as_str(get("author_id"))
    author = get("author")  # twarc's flattened tweets carry the author inline
    if not isinstance(author, dict):
        author = users.get(author_id) if author_id else None
    handle = as_str(author.get("username")) if author else None
    if author_id is None and author:
        author_id = as_str(author.get("id"))

    note = get("note_tweet")  # posts over 280 characters: "text" is cut, the whole is here
    if isinstance(note, dict) and isinstance(note.get("text"), str):
        text: str | None = note["text"]
        entities = obj(note.get("entities"), "note_tweet entities") or obj(get("entities"), "tweet entities")
    else:
        text = text_or_none(get("text"), "tweet text")
        entities = obj(get("entities"), "tweet entities")
    text = unescape(text)

    references: dict[str, str] = {}  # Post field -> id, the first reference of each kind
    for reference in items(get("referenced_tweets"), "referenced_tweets"):
        if not isinstance(reference, dict):
            raise MappingError("a referenced_tweets entry is not an object")
        field = REFERENCE_FIELDS.get(reference.get("type"))  # type: ignore[arg-type]
        ref_id = as_str(reference.get("id"))
        if field and ref_id and field not in references:
            references[field] = newest.get(ref_id, ref_id)
    repost_of_id = references.get("repost_of_id")
    conversation_id = as_str(get("conversation_id"))
    conversation_id = newest.get(conversation_id, conversation_id) if conversation_id else None
    reply_to_author_id = as_str(get("in_reply_to_user_id")) or None
    created_at = parse_datetime(get("created_at"))
    lang = as_str(get("lang"))
    if lang == "und":
        lang = None
    if entities is not None:
        mentions = entity_strings(entities, "mentions", "username")
        hashtags = entity_strings(entities, "hashtags", "tag")
        links = _links(entities)
    elif text:
        # "entities" was not requested (tweet.fields): fall back on the text itself.
        mentions = extract_mentions(text)
        hashtags = extract_hashtags(text)
        links = extract_links(text)
    else:
        mentions, hashtags, links = [], [], []
    metrics = obj(get("public_metrics"), "tweet public_metrics")
    likes = retweets = replies = quotes = None
    if metrics and repost_of_id is None:
        # A retweet reports its original's counts; they belong to the original post.
        likes = count(metrics.get("like_count"))
        retweets = count(metrics.get("retweet_count"))
        replies = count(metrics.get("reply_count"))
        quotes = count(metrics.get("quote_count"))
    # Positional, in the field order of Post: long keyword calls cost several times more.
    return Post(
        PLATFORM,
        tweet_id,
        author_id,
        handle,
        text,
        created_at,
        lang,
        references.get("reply_to_id"),
        reply_to_author_id,
        references.get("quote_of_id"),
        repost_of_id,
        conversation_id,
        mentions,
        hashtags,
        links,
        likes,
        retweets,
        replies,
        quotes,
        None,  # title
        status_url(handle, tweet_id),
    )


def _links(entities: dict[str, Any] | None) -> list[str]:
    if not entities:
        return []
    urls = entities.get("urls")
    if not isinstance(urls, list):
        return []
    out = []
    for entity in urls:
        # Attached photos and videos also appear here (with a media_key); v1.1 lists them apart.
        if isinstance(entity, dict) and "media_key" not in entity:
            value = entity.get("expanded_url") or entity.get("url")
            if isinstance(value, str) and value and value not in out:
                out.append(value)
    return out


def _newest_versions(tweets: list[dict[str, Any]]) -> dict[str, str]:
    """Map each superseded version id to the newest version id present among ``tweets``."""
    newest: dict[str, str] = {}
    for tweet in tweets:
        history = tweet.get("edit_history_tweet_ids")
        if isinstance(history, list) and len(history) > 1 and isinstance(history[-1], str):
            for old in history[:-1]:
                if isinstance(old, str) and old != history[-1]:
                    newest[old] = history[-1]
    if newest:
        present = {tweet.get("id") for tweet in tweets}
        newest = {old: new for old, new in newest.items() if new in present}
    return newest


def _add_tweets(out: Builder, tweets: list[dict[str, Any]], users: dict[str, dict[str, Any]]) -> None:
    newest = _newest_versions(tweets)
    reposts = []
    for tweet in tweets:
        tweet_id = _tweet_id(tweet)
        if tweet_id in newest or out.has_post(tweet_id):
            continue
        post = _map_tweet(tweet, users, newest)
        out.add_post(post)
        if is_cut_retweet(post):
            reposts.append(post)
    if reposts:
        complete_retweets(reposts, out.posts)


def is_cut_retweet(post: Post) -> bool:
    """A retweet whose own text is missing or cut ("RT @x: ...…")."""
    return bool(post.repost_of_id) and (not post.text or post.text.endswith("…"))


def complete_retweets(reposts: list[Post], posts: list[Post]) -> None:
    """Rebuild each cut retweet's text from its original, when the original is among ``posts``."""
    originals = {post.id: post for post in posts}
    for post in reposts:
        original = originals.get(post.repost_of_id)  # type: ignore[arg-type]
        if original and original.text and original.author_handle:
            post.text = f"RT @{original.author_handle}: {original.text}"


def _follow_edges(url: str | None, users: list[Account]) -> list[Edge]:
    if not url or "/users/" not in url or not users:
        return []
    match = _FOLLOW_PATH.search(url)
    if not match:
        return []
    subject, relation = match.groups()
    if relation == "followers":
        return [Edge(PLATFORM, account.id, subject, "follow") for account in users]
    return [Edge(PLATFORM, subject, account.id, "follow") for account in users]


def map_v2_page(page: dict[str, Any], url: str | None = None) -> Mapped:
    """Map one v2 API response page (``data`` one object or a list) to canonical records.

    Tweets in ``data`` and ``includes.tweets`` become posts (once each), users in ``data``
    and ``includes.users`` become accounts. Items of other kinds (lists, spaces, count
    buckets, DM events, compliance jobs) are skipped. ``url`` is the request URL (else
    ``__twarc.url`` is used): a followers/following page also yields follow edges.

    Examples
    --------
    >>> page = {"data": [{"id": "2", "text": "hi", "author_id": "9"}],
    ...         "includes": {"users": [{"id": "9", "username": "a"}]}}
    >>> mapped = map_v2_page(page)
    >>> mapped.posts[0].url, mapped.accounts[0].handle
    ('https://twitter.com/a/status/2', 'a')
    """
    if not isinstance(page, dict):
        raise MappingError(f"expected a v2 response page object, got {type(page).__name__}")
    data = page.get("data")
    if data is None:
        data_items: list[Any] = []
    elif isinstance(data, dict):
        data_items = [data]
    elif isinstance(data, list):
        data_items = data
    else:
        raise MappingError(f"page 'data' should be an object or a list, got {type(data).__name__}")
    includes = obj(page.get("includes"), "page includes") or {}

    users: dict[str, dict[str, Any]] = {}
    user_objects: list[dict[str, Any]] = []
    tweets: list[dict[str, Any]] = []
    for item in data_items:
        if not isinstance(item, dict):
            raise MappingError(f"a 'data' item should be an object, got {type(item).__name__}")
        if is_v2_tweet(item):
            tweets.append(item)
        elif is_v2_user(item):
            user_objects.append(item)
    data_user_count = len(user_objects)
    for item in items(includes.get("users"), "includes.users"):
        if isinstance(item, dict) and "id" in item:
            user_objects.append(item)
    for user in user_objects:
        user_id = user.get("id")
        if isinstance(user_id, str):
            users.setdefault(user_id, user)
    for item in items(includes.get("tweets"), "includes.tweets"):
        if isinstance(item, dict) and is_v2_tweet(item):
            tweets.append(item)

    out = Builder()
    _add_tweets(out, tweets, users)
    data_accounts = []
    for index, user in enumerate(user_objects):
        account = map_v2_user(user)
        out.add_account(account)
        if index < data_user_count:
            data_accounts.append(account)
    if url is None:
        twarc = page.get("__twarc")
        url = as_str(twarc.get("url")) if isinstance(twarc, dict) else None
    out.edges.extend(_follow_edges(url, data_accounts))
    return out.mapped()


def _collect_flat(
    tweet: dict[str, Any], tweets: list[dict[str, Any]], users: list[dict[str, Any]], depth: int
) -> None:
    tweets.append(tweet)
    for key in ("author", "in_reply_to_user"):
        user = tweet.get(key)
        if isinstance(user, dict) and is_v2_user(user):
            users.append(user)
    entities = tweet.get("entities")
    if isinstance(entities, dict) and isinstance(entities.get("mentions"), list):
        # twarc expands each mention with the mentioned user's fields
        users.extend(m for m in entities["mentions"] if isinstance(m, dict) and "id" in m and "username" in m)
    if depth >= MAX_FLAT_DEPTH:
        return
    for reference in items(tweet.get("referenced_tweets"), "referenced_tweets"):
        if isinstance(reference, dict) and ("text" in reference or "author_id" in reference):
            _collect_flat(reference, tweets, users, depth + 1)


def map_v2_flat_tweet(tweet: dict[str, Any]) -> Mapped:
    """Map one twarc "flattened" tweet: authors and referenced tweets are expanded inline."""
    if not isinstance(tweet, dict):
        raise MappingError(f"expected a tweet object, got {type(tweet).__name__}")
    tweets: list[dict[str, Any]] = []
    user_objects: list[dict[str, Any]] = []
    _collect_flat(tweet, tweets, user_objects, 0)
    users = {u["id"]: u for u in user_objects if isinstance(u.get("id"), str)}
    out = Builder()
    _add_tweets(out, tweets, users)
    for user in user_objects:
        if out.account(user["id"]) is None:
            out.add_account(map_v2_user(user))
    return out.mapped()
