"""Canonical records that every source maps its raw payloads to.

A field a platform did not report is ``None``: a missing metric is unknown, never ``0``.
Records are plain slotted dataclasses so that sources stay pure functions and the store
can turn a batch of them into columns without any per-row framework overhead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from operator import attrgetter
from typing import Any

__all__ = [
    "Account",
    "ContactChannel",
    "Edge",
    "Mapped",
    "Post",
    "PostRow",
    "SourceRef",
    "post_row",
]


@dataclass(slots=True, frozen=True)
class SourceRef:
    """Where a record came from: the file, its fingerprint and the 1-based line/record number."""

    file: str
    file_key: str
    record: int


@dataclass(slots=True)
class Account:
    """One account on one platform (a blog counts as an account: its items are its posts)."""

    platform: str
    id: str
    handle: str | None = None
    display_name: str | None = None
    bio: str | None = None
    url: str | None = None  # the profile page on the platform
    links: list[str] = field(default_factory=list)  # websites listed in the profile
    followers_count: int | None = None
    following_count: int | None = None
    post_count: int | None = None
    created_at: datetime | None = None
    verified: bool | None = None
    location: str | None = None
    is_blog: bool = False


@dataclass(slots=True)
class Post:
    """One post, reply, repost, comment or blog item."""

    platform: str
    id: str
    author_id: str | None = None
    author_handle: str | None = None
    text: str | None = None  # plain text; HTML is converted by the source
    created_at: datetime | None = None
    lang: str | None = None
    reply_to_id: str | None = None
    reply_to_author_id: str | None = None
    quote_of_id: str | None = None
    repost_of_id: str | None = None
    conversation_id: str | None = None  # the platform's own root/thread id, where it has one
    mentions: list[str] = field(default_factory=list)  # handles, without the leading @
    hashtags: list[str] = field(default_factory=list)  # without the leading #
    links: list[str] = field(default_factory=list)
    like_count: int | None = None
    repost_count: int | None = None
    reply_count: int | None = None
    quote_count: int | None = None
    title: str | None = None  # blog items and Reddit submissions
    url: str | None = None  # permalink
    community: str | None = None  # subreddit, list or feed the post was published in
    deleted: bool = False


@dataclass(slots=True)
class Edge:
    """A directed relation ``src -> dst``: ``src`` follows, replies to, mentions or points to ``dst``."""

    platform: str
    src: str
    dst: str
    kind: str = "follow"  # follow | interaction | reply | mention | repost | quote | link
    weight: float | None = None
    created_at: datetime | None = None


@dataclass(slots=True)
class ContactChannel:
    """A way to reach an account: email, phone (E.164), website or a handle elsewhere."""

    platform: str
    account_id: str
    kind: str  # email | phone | website | handle
    value: str
    found_in: str  # bio | profile | post
    evidence: str | None = None


@dataclass(slots=True)
class Mapped:
    """What one raw record maps to. A record may yield many posts (an API page) or none."""

    posts: list[Post] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def extend(self, other: Mapped) -> None:
        self.posts.extend(other.posts)
        self.accounts.extend(other.accounts)
        self.edges.extend(other.edges)

    def __len__(self) -> int:
        return len(self.posts) + len(self.accounts) + len(self.edges)


def field_names(cls: type) -> tuple[str, ...]:
    """The column order of a record type, as the store lays it out."""
    return tuple(f.name for f in fields(cls))


#: A post as the tuple of its fields, in :class:`Post`'s order: what the store batches, and what a
#: source's fast lane may build directly (see ``Source.map_into``). ``Post(*row)`` is the post.
PostRow = tuple[Any, ...]
post_row: Any = attrgetter(*field_names(Post))  # Post -> PostRow, in one C-level call
