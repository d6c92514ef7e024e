"""The fast lane for Mastodon JSON Lines: a status decoded straight into typed structs.

Most lines of a big export are plain statuses. ``msgspec`` decodes such a line into the few
fields grapevine reads (skipping the rest without building it) and checks their types in C, so
the mapper below needs none of the general mapper's ``isinstance`` checks. It is an
optimisation only: it maps a status to exactly what :func:`grapevine.sources.mastodon.map_status`
maps it to, with the same helpers, or it declines (returns None) and the line goes the general
way. It declines anything unusual: a field of an unexpected type (msgspec refuses it while
decoding), a quote, a reblog of a reblog, a status without content, a count out of range. The
tests compare both lanes on every sample and on generated lines.
"""

from __future__ import annotations

from typing import Any

import msgspec

from grapevine.models import Account, PostRow
from grapevine.sources._common import metric_count as _count
from grapevine.sources._html import mastodon_content, strip_quote_inline
from grapevine.sources._mastodon_values import PLATFORM
from grapevine.sources._mastodon_values import account_created as _account_created
from grapevine.sources._mastodon_values import bio_text as _bio
from grapevine.sources._mastodon_values import profile_links as _profile_links
from grapevine.sources._mastodon_values import status_datetime as _datetime
from grapevine.sources._typed import Count, Decline, Int, RawMemo, Rows, decode_line
from grapevine.sources.base import MappingError

__all__ = ["TypedStatus", "decode_status", "map_typed_status_rows"]

_UNSET = msgspec.UNSET


class _Field(msgspec.Struct):
    value: str | None = None


class _Account(msgspec.Struct):
    """The fields of a Mastodon Account that grapevine maps."""

    id: str
    acct: str | None = None
    display_name: str | None = None
    note: str | None = None
    url: str | None = None
    followers_count: Int | None = None
    following_count: Int | None = None
    statuses_count: Int | None = None
    created_at: str | None = None
    fields: list[_Field] | None = None


class _Mention(msgspec.Struct):
    acct: str | None = None


class _Tag(msgspec.Struct):
    name: str | None = None


class _Card(msgspec.Struct):
    url: str | None = None


class TypedStatus(msgspec.Struct):
    """The fields of a Mastodon Status that grapevine maps; ``UNSET`` tells a missing key from null."""

    id: str
    # Left undecoded: an author comes with each of their statuses, byte for byte the same, so the
    # account is decoded and mapped once per distinct copy (see _account).
    account: msgspec.Raw | msgspec.UnsetType = _UNSET
    content: str | msgspec.UnsetType | None = _UNSET
    created_at: str | None = None
    in_reply_to_id: str | None = None
    in_reply_to_account_id: str | None = None
    spoiler_text: str | None = None
    language: str | None = None
    url: str | None = None
    uri: str | None = None
    replies_count: Count | None = None
    reblogs_count: Count | None = None
    favourites_count: Count | None = None
    quotes_count: Count | None = None
    reblog: TypedStatus | None = None
    quote: Any = None
    card: _Card | None = None
    mentions: list[_Mention] | None = None
    tags: list[_Tag] | None = None


_decode = msgspec.json.Decoder(TypedStatus).decode


def decode_status(line: bytes) -> TypedStatus | None:
    """The line as a TypedStatus, or None when it is not one (or not valid UTF-8 JSON)."""
    return decode_line(_decode, line)


def _map_account(raw: _Account) -> Account:
    """:func:`grapevine.sources.mastodon.map_account` for a typed account (raises Decline)."""
    if not raw.id:
        raise Decline
    links: list[str] = []
    if raw.fields:
        for field in raw.fields:
            value = field.value
            if value is not None and "<a" in value:
                links.extend(_profile_links(value))
        if len(links) > 1:
            links = list(dict.fromkeys(links))
    note = raw.note
    created = raw.created_at
    return Account(
        PLATFORM,
        raw.id,
        raw.acct or None,
        raw.display_name or None,
        None if note is None else _bio(note),
        raw.url or None,
        links,
        _count(raw.followers_count),
        _count(raw.following_count),
        _count(raw.statuses_count),
        None if created is None else _account_created(created),
    )


_accounts = RawMemo(msgspec.json.Decoder(_Account), _map_account)


def _map(status: TypedStatus, rows: list[PostRow], authors: list[Account], nested: bool) -> str:
    """:func:`grapevine.sources.mastodon.map_status` for a typed status (raises Decline), posts
    as rows."""
    raw_account = status.account
    content = status.content
    if not status.id or status.quote is not None or content is None or content is _UNSET:
        raise Decline
    if not isinstance(raw_account, msgspec.Raw):
        raise Decline
    author = _accounts.get(raw_account)
    authors.append(author)
    repost_of_id = None
    reblog = status.reblog
    text: str | None
    links: list[str]
    if reblog is not None:
        if nested or reblog.reblog is not None:
            raise Decline
        repost_of_id = _map(reblog, rows, authors, True)
        text, links = None, []
    else:
        assert isinstance(content, str)
        if "quote-inline" in content:
            content = strip_quote_inline(content)
        text, links = mastodon_content(content)
        spoiler = status.spoiler_text
        if spoiler:
            text = f"{spoiler}\n{text}" if text else spoiler
    card = status.card
    if card is not None and card.url and card.url not in links:
        links.append(card.url)
    mentions = [m.acct for m in status.mentions if m.acct is not None] if status.mentions else []
    hashtags = [t.name for t in status.tags if t.name is not None] if status.tags else []
    created = status.created_at
    rows.append(
        (  # Post's fields, in order
            PLATFORM,
            status.id,
            author.id,
            author.handle,
            text,
            None if created is None else _datetime(created),
            status.language or None,
            status.in_reply_to_id or None,
            status.in_reply_to_account_id or None,
            None,  # quote_of_id: quotes are declined
            repost_of_id,
            None,  # conversation_id: Mastodon has none
            mentions,
            hashtags,
            links,
            status.favourites_count,
            status.reblogs_count,
            status.replies_count,
            status.quotes_count,
            None,
            status.url or status.uri,
            None,
            False,
        )
    )
    return status.id


def map_typed_status_rows(status: TypedStatus) -> Rows | None:
    """What the general mapper maps this status to, posts as rows, or None to leave it to the
    general mapper."""
    rows: list[PostRow] = []
    authors: list[Account] = []
    try:
        _map(status, rows, authors, False)
    except (Decline, MappingError):
        return None
    if len(rows) > 1:  # a reblog: drop repeats within the record, first kept, as map() does
        first: dict[str, PostRow] = {}
        for row in rows:
            first.setdefault(row[1], row)
        unique: dict[str, Account] = {}
        for account in authors:
            unique.setdefault(account.id, account)
        rows, authors = list(first.values()), list(unique.values())
    return rows, authors
