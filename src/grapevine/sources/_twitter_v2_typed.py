"""The fast lane for Twitter API v2 JSON Lines: a response page decoded into typed structs.

A twarc2 export is one page per line: ``data`` (tweets), ``includes.users`` and
``includes.tweets``. ``msgspec`` decodes such a page into the fields grapevine reads, checking
their types in C and skipping the rest without building it. Like the Mastodon lane, it is an
optimisation only: a page maps to exactly what :func:`grapevine.sources._twitter_v2.map_v2_page`
gives, through the same helpers, or the lane declines (returns None) and the line goes the
general way. It declines anything unusual: a field of an unexpected type, a ``data`` object
instead of a list, users or other entities in ``data``, inline authors, long-form
``note_tweet`` text, a withheld tweet without text. The conformance tests compare both lanes.
"""

from __future__ import annotations

from typing import Any

import msgspec

from grapevine.models import Account, Post, PostRow, field_names
from grapevine.sources._common import extract_hashtags, extract_links, extract_mentions, parse_datetime
from grapevine.sources._twitter_v1 import PLATFORM, count, profile_url, status_url, unescape
from grapevine.sources._twitter_v2 import REFERENCE_FIELDS, user_created
from grapevine.sources._typed import Decline, Int, RawMemo, Rows, decode_line
from grapevine.sources.base import MappingError

__all__ = ["TypedPage", "decode_page", "map_typed_page_rows"]

_UNSET: Any = msgspec.UNSET


class _Url(msgspec.Struct):
    url: str | None = None
    expanded_url: str | None = None
    media_key: Any = _UNSET  # its presence marks an attached photo or video


class _Mention(msgspec.Struct):
    username: str | None = None


class _Hashtag(msgspec.Struct):
    tag: str | None = None


class _Entities(msgspec.Struct):
    mentions: list[_Mention] | None = None
    hashtags: list[_Hashtag] | None = None
    urls: list[_Url] | None = None


class _Metrics(msgspec.Struct):
    like_count: Int | None = None
    retweet_count: Int | None = None
    reply_count: Int | None = None
    quote_count: Int | None = None


class _Reference(msgspec.Struct):
    type: str | None = None
    id: str | None = None


class _Tweet(msgspec.Struct):
    id: str
    text: str | None  # required: a "tweet" without it (a user, a withheld stub) goes the general way
    author_id: str | None = None
    conversation_id: str | None = None
    in_reply_to_user_id: str | None = None
    created_at: str | None = None
    lang: str | None = None
    edit_history_tweet_ids: list[str] | msgspec.UnsetType | None = _UNSET
    referenced_tweets: list[_Reference] | None = None
    entities: _Entities | None = None
    public_metrics: _Metrics | None = None
    # Keys whose mere presence sends the page the general way (see the module doc): no JSON
    # value decodes as UNSET, so msgspec refuses the page while decoding it.
    author: msgspec.UnsetType = _UNSET
    note_tweet: msgspec.UnsetType = _UNSET
    username: msgspec.UnsetType = _UNSET
    event_type: msgspec.UnsetType = _UNSET


class _UrlList(msgspec.Struct):
    urls: list[_Url] | None = None


class _UserEntities(msgspec.Struct):
    url: _UrlList | None = None
    description: _UrlList | None = None


class _UserMetrics(msgspec.Struct):
    followers_count: Int | None = None
    following_count: Int | None = None
    tweet_count: Int | None = None


class _User(msgspec.Struct):
    """The fields of a v2 user object that grapevine maps."""

    id: str
    username: str | None = None
    name: str | None = None
    description: str | None = None
    url: str | None = None
    location: str | None = None
    verified: bool | None = None
    created_at: str | None = None
    public_metrics: _UserMetrics | None = None
    entities: _UserEntities | None = None


class _Includes(msgspec.Struct):
    # Left undecoded: the same users come back page after page, byte for byte, so each distinct
    # copy is decoded and mapped once (see _user).
    users: list[msgspec.Raw] | None = None
    tweets: list[_Tweet] | None = None


class _Twarc(msgspec.Struct):
    url: str | None = None  # read (and so type-checked) by the general mapper for follow edges


class TypedPage(msgspec.Struct):
    """A v2 response page with a list of tweets in ``data``."""

    data: list[_Tweet] | msgspec.UnsetType | None = _UNSET
    includes: _Includes | None = None
    twarc: _Twarc | None = msgspec.field(default=None, name="__twarc")
    request: Any = _UNSET  # a recorded interaction, not a page


_decode = msgspec.json.Decoder(TypedPage).decode


def decode_page(line: bytes) -> TypedPage | None:
    """The line as a TypedPage, or None when it is not one (or not valid UTF-8 JSON)."""
    page = decode_line(_decode, line)
    if page is None or page.data is _UNSET or page.request is not _UNSET:
        return None  # not a page with "data" (the general lane tells what it is)
    return page


def _url_strings(entities: _UrlList | None) -> list[str]:
    """``entity_strings(entities, "urls", "expanded_url", "url")`` of the general mapper."""
    out: list[str] = []
    if entities is None or not entities.urls:
        return out
    for entity in entities.urls:
        value = entity.expanded_url or entity.url
        if value and value not in out:
            out.append(value)
    return out


def _account(user: _User) -> tuple[str, str | None, Account]:
    """A user's id, raw username (the handle posts show) and Account (raises Decline)."""
    if not user.id:
        raise Decline
    handle = user.username or None
    metrics = user.public_metrics or _UserMetrics()
    links: list[str] = []
    entities = user.entities
    if entities is not None:
        links = _url_strings(entities.url)
        links += [u for u in _url_strings(entities.description) if u not in links]
    if not links and user.url:
        links = [user.url]
    created = user.created_at
    account = Account(
        PLATFORM,
        user.id,
        handle,
        user.name or None,
        user.description or None,
        profile_url(handle),
        links,
        count(metrics.followers_count),
        count(metrics.following_count),
        count(metrics.tweet_count),
        None if created is None else user_created(created),
        user.verified,
        user.location or None,
    )
    return user.id, user.username, account


_users = RawMemo(msgspec.json.Decoder(_User), _account)


def _newest_versions(tweets: list[_Tweet]) -> dict[str, str]:
    newest: dict[str, str] = {}
    for tweet in tweets:
        history = tweet.edit_history_tweet_ids
        if isinstance(history, list) and len(history) > 1:
            for old in history[:-1]:
                if old != history[-1]:
                    newest[old] = history[-1]
    if newest:
        present = {tweet.id for tweet in tweets}
        newest = {old: new for old, new in newest.items() if new in present}
    return newest


def _unique(values: list[Any], attribute: str) -> list[str]:
    out: list[str] = []
    for value in values:
        text = getattr(value, attribute)
        if text and text not in out:
            out.append(text)
    return out


def _tweet_links(urls: list[_Url] | None) -> list[str]:
    """``_links`` of the general mapper: attached media (with a ``media_key``) are not links."""
    out: list[str] = []
    for entity in urls or ():
        if entity.media_key is _UNSET:
            value = entity.expanded_url or entity.url
            if value and value not in out:
                out.append(value)
    return out


def _post_row(tweet: _Tweet, handles: dict[str, str | None], newest: dict[str, str]) -> PostRow:
    tweet_id = tweet.id
    author_id = tweet.author_id
    handle = handles.get(author_id) if author_id else None
    text = unescape(tweet.text)
    references: dict[str, str] = {}
    for reference in tweet.referenced_tweets or ():
        field = REFERENCE_FIELDS.get(reference.type) if reference.type is not None else None
        if field and reference.id and field not in references:
            references[field] = newest.get(reference.id, reference.id)
    repost_of_id = references.get("repost_of_id")
    conversation_id = tweet.conversation_id
    conversation_id = newest.get(conversation_id, conversation_id) if conversation_id else None
    lang = tweet.lang
    if lang == "und":
        lang = None
    entities = tweet.entities
    if entities is not None:
        mentions = _unique(entities.mentions or [], "username")
        hashtags = _unique(entities.hashtags or [], "tag")
        links = _tweet_links(entities.urls)
    elif text:
        mentions, hashtags, links = extract_mentions(text), extract_hashtags(text), extract_links(text)
    else:
        mentions, hashtags, links = [], [], []
    metrics = tweet.public_metrics
    likes = retweets = replies = quotes = None
    if metrics is not None and repost_of_id is None:
        # Int fields: already what count() makes of an integer
        likes = metrics.like_count
        retweets = metrics.retweet_count
        replies = metrics.reply_count
        quotes = metrics.quote_count
    return (  # Post's fields, in order
        PLATFORM,
        tweet_id,
        author_id,
        handle,
        text,
        parse_datetime(tweet.created_at),
        lang,
        references.get("reply_to_id"),
        tweet.in_reply_to_user_id or None,
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
        None,
        status_url(handle, tweet_id),
        None,  # community
        False,  # deleted
    )


_TEXT = field_names(Post).index("text")
_REPOST_OF = field_names(Post).index("repost_of_id")
_AUTHOR_HANDLE = field_names(Post).index("author_handle")


def _map(page: TypedPage) -> tuple[list[PostRow], list[Account]]:
    data = page.data
    tweets: list[_Tweet] = list(data) if isinstance(data, list) else []
    includes = page.includes
    users = [_users.get(raw) for raw in includes.users or ()] if includes is not None else []
    if includes is not None and includes.tweets:
        tweets += includes.tweets  # each must be a tweet, checked below, as those of data
    handles: dict[str, str | None] = {}  # the first user object of each id gives the handle
    for user_id, username, _ in users:
        handles.setdefault(user_id, username)
    if not all(tweet.id for tweet in tweets):
        raise Decline  # the general mapper names the tweet without an id
    newest = _newest_versions(tweets)
    rows: dict[str, PostRow] = {}  # the first of each id, as the general mapper keeps
    cut_retweets = []
    for tweet in tweets:
        if tweet.id in newest or tweet.id in rows:
            continue
        row = rows[tweet.id] = _post_row(tweet, handles, newest)
        repost_of_id, text = row[_REPOST_OF], row[_TEXT]
        if repost_of_id and (not text or text.endswith("\u2026")):  # _twitter_v2.is_cut_retweet
            cut_retweets.append(tweet.id)
    for tweet_id in cut_retweets:  # _twitter_v2.complete_retweets, on rows
        row = rows[tweet_id]
        original = rows.get(row[_REPOST_OF])
        if original is not None and original[_TEXT] and original[_AUTHOR_HANDLE]:
            text = f"RT @{original[_AUTHOR_HANDLE]}: {original[_TEXT]}"
            rows[tweet_id] = (*row[:_TEXT], text, *row[_TEXT + 1 :])
    accounts: dict[str, Account] = {}
    for _, _, account in users:
        accounts.setdefault(account.id, account)
    return list(rows.values()), list(accounts.values())


def map_typed_page_rows(page: TypedPage) -> Rows | None:
    """What the general mapper maps this page to, posts as rows, or None to leave it to the
    general mapper."""
    try:
        return _map(page)
    except (Decline, MappingError):
        return None
