"""Reddit: API listings and comment trees, Pushshift-style NDJSON dumps and recorded API cassettes.

Accepted files:

- API responses saved as JSON: a ``Listing`` (``{"kind": "Listing", "data": {"children": [...]}}``),
  the two-element array that ``/comments/<id>`` returns (submission listing, comment listing with
  nested ``replies`` listings), a ``/api/morechildren`` answer (``{"json": {"data": {"things"}}}``)
  or a single thing (``t1`` comment, ``t3`` submission, ``t2`` redditor). ``more`` stubs map to
  nothing. One such document per file, or one per line.
- Pushshift-style NDJSON: one comment or submission object per line (``id``, ``parent_id``,
  ``link_id``, ``author``, ``body`` or ``title``/``selftext``, ``created_utc``, ``score`` ...).
- Recorded cassettes (see :mod:`grapevine.sources._recorded`) of ``reddit.com`` API calls; each
  2xx interaction is one record, numbered by its place in the cassette (other statuses are skipped).

Mapping choices:

- ``Post.id`` is the fullname (``t1_abc``, ``t3_xyz``), so ``parent_id`` is ``reply_to_id`` as is:
  a top-level comment replies to its submission. ``conversation_id`` is the submission fullname.
- Accounts are keyed by username, because usernames are what Reddit shows and what other records
  refer to; ``[deleted]`` or missing authors give ``author_id=None``.
- A body of ``[deleted]``/``[removed]`` gives ``text=None`` and ``deleted=True``; the post is kept
  so that its replies stay connected to the thread. A submission whose self text is gone keeps
  its title as text (Reddit still shows it) and is marked deleted too.
- A submission's ``text`` is its title, followed by a blank line and the self text when there is
  one: analyzers read ``text``, and a link post says everything in its title. ``title`` holds the
  title alone.
- ``score`` is ``like_count`` (Reddit reports only the net score; a hidden score is unknown).
  ``num_comments`` is a submission's ``reply_count``.
- ``reply_to_author_id`` is filled when the parent is in the same record (comment trees) or the
  comment carries ``link_author`` (top-level comments in user listings).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any, ClassVar

import orjson

from grapevine.models import Account, Mapped, Post
from grapevine.sources._common import as_int, extract_links, iter_json_lines, parse_datetime
from grapevine.sources._recorded import interaction_status, is_cassette_sample, iter_interactions, sample_uris
from grapevine.sources.base import BadRecord, MappingError, RawRecord, Source

__all__ = ["RedditSource"]

REDDIT = "https://www.reddit.com"
_DELETED_TEXT = frozenset({"[deleted]", "[removed]"})
_THING_KINDS = frozenset({"t1", "t2", "t3"})
_MENTION = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_-]{3,20})(?![\w-])")
_THING_AT_START = re.compile(rb'^\s*\[?\s*\{\s*"kind"\s*:\s*"(?:Listing|t[1-6]|more)"')
_THING_KIND = re.compile(rb'"kind"\s*:\s*"(?:Listing|t[13])"')
_FLAT_KEYS = (b'"link_id"', b'"parent_id"', b'"num_comments"', b'"selftext"')


class _Rewound(io.RawIOBase):
    """A stream that replays the bytes already read to sniff it, then goes on with the rest."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _created(value: Any) -> datetime | None:
    """``created_utc`` is a Unix time, as a number or (in some dumps) a string of one."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise MappingError(f"invalid created_utc {value!r}") from exc
    if isinstance(value, str):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return parse_datetime(value)


def _str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise MappingError(f"field {key!r} should be a string, got {type(value).__name__}")


def _fullname(data: dict[str, Any], prefix: str) -> str:
    """The thing's fullname (``t1_abc``), from ``name`` or from its bare ``id``."""
    name = data.get("name")
    if isinstance(name, str) and name.startswith(prefix):
        return name
    raw_id = data.get("id")
    if isinstance(raw_id, str) and raw_id:
        return raw_id if raw_id.startswith(prefix) else prefix + raw_id
    raise MappingError(f"Reddit thing has no usable 'id' or 'name' (got {raw_id!r:.40})")


def _prefixed(value: Any, prefix: str) -> str | None:
    """A reference that some dumps write without its ``t3_`` prefix."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MappingError(f"expected a Reddit id string, got {value!r:.40}")
    return value if value[2:3] == "_" else prefix + value


def _author(data: dict[str, Any], key: str = "author") -> str | None:
    author = data.get(key)
    if author is None or author == "[deleted]" or author == "":
        return None
    if not isinstance(author, str):
        raise MappingError(f"field {key!r} should be a username, got {type(author).__name__}")
    return author


def _score(data: dict[str, Any]) -> int | None:
    if data.get("score_hidden") is True:
        return None
    return as_int(data.get("score"))


def _permalink(value: str | None) -> str | None:
    if not value:
        return None
    return REDDIT + value if value.startswith("/") else value


def _mentions(text: str | None) -> list[str]:
    return _MENTION.findall(text) if text and "u/" in text else []


def _links(text: str | None) -> list[str]:
    """Bare URLs and Markdown link targets (``[label](https://...)``) in a Markdown body."""
    if not text or "http" not in text:
        return []
    found: list[str] = []
    for link in extract_links(text):
        # extract_links keeps a Markdown ``](`` tail when label and target touch; cut it there.
        link = link.split("](", 1)[-1]
        if link not in found:
            found.append(link)
    return found


def _comment(data: dict[str, Any], parent_authors: dict[str, str | None]) -> Post:
    post_id = _fullname(data, "t1_")
    link_id = _prefixed(data.get("link_id"), "t3_")
    parent_id = data.get("parent_id")
    if parent_id is not None and not isinstance(parent_id, str):
        raise MappingError(f"field 'parent_id' should be a string, got {parent_id!r:.40}")
    if parent_id and parent_id[2:3] != "_":  # bare parent id: top-level when it is the submission
        parent_id = link_id if link_id and link_id[3:] == parent_id else "t1_" + parent_id
    body = _str(data, "body")
    deleted = body in _DELETED_TEXT
    text = None if deleted else body
    reply_to_author = parent_authors.get(parent_id) if parent_id else None
    if reply_to_author is None and parent_id is not None and parent_id == link_id:
        reply_to_author = _author(data, "link_author")
    author = _author(data)
    url = _permalink(_str(data, "permalink"))
    if url is None and link_id:
        url = f"{REDDIT}/comments/{link_id[3:]}/_/{post_id[3:]}/"
    return Post(
        platform="reddit",
        id=post_id,
        author_id=author,
        author_handle=author,
        text=text,
        created_at=_created(data.get("created_utc")),
        reply_to_id=parent_id or link_id,
        reply_to_author_id=reply_to_author,
        conversation_id=link_id,
        mentions=_mentions(text),
        links=_links(text),
        like_count=_score(data),
        title=None,
        url=url,
        community=_str(data, "subreddit"),
        deleted=deleted,
    )


def _submission(data: dict[str, Any]) -> Post:
    post_id = _fullname(data, "t3_")
    title = _str(data, "title")
    selftext = _str(data, "selftext")
    deleted = selftext in _DELETED_TEXT
    body = None if deleted or not selftext else selftext
    if title and body:
        text: str | None = f"{title}\n\n{body}"
    else:
        text = title or body
    author = _author(data)
    permalink = _permalink(_str(data, "permalink"))
    links = _links(body)
    target = _str(data, "url")
    if target and data.get("is_self") is not True and target != permalink and target not in links:
        links.insert(0, target)  # a link post points at its external URL
    return Post(
        platform="reddit",
        id=post_id,
        author_id=author,
        author_handle=author,
        text=text,
        created_at=_created(data.get("created_utc")),
        repost_of_id=_prefixed(data.get("crosspost_parent"), "t3_"),
        conversation_id=post_id,
        mentions=_mentions(body),
        links=links,
        like_count=_score(data),
        reply_count=as_int(data.get("num_comments")),
        title=title,
        url=permalink or f"{REDDIT}/comments/{post_id[3:]}/",
        community=_str(data, "subreddit"),
        deleted=deleted,
    )


def _redditor(data: dict[str, Any]) -> Account:
    """A ``t2`` thing (``/user/<name>/about``); karma is not an audience, so followers stay unknown."""
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise MappingError("redditor has no 'name'")
    profile = data.get("subreddit")
    profile = profile if isinstance(profile, dict) else {}
    bio = profile.get("public_description")
    display_name = profile.get("title")
    return Account(
        platform="reddit",
        id=name,
        handle=name,
        display_name=display_name if isinstance(display_name, str) and display_name else None,
        bio=bio if isinstance(bio, str) and bio else None,
        url=f"{REDDIT}/user/{name}/",
        created_at=_created(data.get("created_utc")),
    )


def _things(root: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every t1/t2/t3 thing under ``root`` in document order (parents before their replies).

    Walks with an explicit stack: comment trees nest deeper than Python's recursion allows.
    """
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        kind = node.get("kind")
        data = node.get("data")
        if kind == "Listing":
            children = data.get("children") if isinstance(data, dict) else None
            if isinstance(children, list):
                stack.extend(reversed(children))
        elif kind in _THING_KINDS:
            if not isinstance(data, dict):
                raise MappingError(f"Reddit {kind} thing has no 'data' object")
            yield kind, data
            replies = data.get("replies")
            if isinstance(replies, dict):  # "" when there are none
                stack.append(replies)
        elif kind is None and isinstance(node.get("json"), dict):  # /api/morechildren
            answer = node["json"].get("data")
            things = answer.get("things") if isinstance(answer, dict) else None
            if isinstance(things, list):
                stack.extend(reversed(things))
        # "more" stubs, subreddits (t5), messages ... carry no posts


def _flat_kind(payload: dict[str, Any]) -> str:
    """Whether a Pushshift-style object is a comment (t1) or a submission (t3)."""
    if "body" in payload or ("parent_id" in payload and "title" not in payload):
        return "t1"
    if "title" in payload or "selftext" in payload:
        return "t3"
    raise MappingError("not a Reddit comment or submission: no 'body', 'parent_id' or 'title'")


def _map_things(things: Iterator[tuple[str, dict[str, Any]]]) -> Mapped:
    mapped = Mapped()
    authors: dict[str, str | None] = {}
    accounts: dict[str, Account] = {}
    for kind, data in things:
        if kind == "t2":
            account = _redditor(data)
            accounts[account.id] = account
            continue
        post = _comment(data, authors) if kind == "t1" else _submission(data)
        authors[post.id] = post.author_id
        mapped.posts.append(post)
        if post.author_id is not None and post.author_id not in accounts:
            accounts[post.author_id] = Account(
                platform="reddit",
                id=post.author_id,
                handle=post.author_id,
                url=f"{REDDIT}/user/{post.author_id}/",
            )
    mapped.accounts.extend(accounts.values())
    return mapped


class RedditSource(Source):
    """Reddit API listings and comment trees, Pushshift-style NDJSON and recorded API cassettes."""

    splittable = True  # JSON Lines: every line stands alone

    name: ClassVar[str] = "reddit"
    platform = "reddit"
    description: ClassVar[str] = (
        "Read Reddit API listings and comment trees, Pushshift-style NDJSON dumps and recorded API calls."
    )
    #: Line numbers for NDJSON and one-document files; cassette records count interactions.
    numbering: ClassVar[str] = "line"

    def detect(self, sample: bytes, name: str) -> float:
        """Sure for Reddit things, Listings and reddit.com cassettes; fairly sure for flat dumps."""
        if is_cassette_sample(sample):
            return 0.95 if any("reddit.com/" in uri for uri in sample_uris(sample)) else 0.0
        body = sample.lstrip(b"\xef\xbb\xbf \t\r\n")
        if body[:1] not in (b"{", b"["):
            return 0.0
        if _THING_AT_START.match(body):
            return 0.95
        first_line = body.split(b"\n", 1)[0]
        has_subreddit = b'"subreddit"' in first_line
        if b'"json"' in body[:64] and b'"things"' in body and _THING_KIND.search(body):
            return 0.9
        if has_subreddit and b'"created_utc"' in first_line and any(key in first_line for key in _FLAT_KEYS):
            return 0.9
        if has_subreddit and _THING_KIND.search(body):
            return 0.8
        return 0.0

    def read(self, stream: IO[bytes], name: str) -> Iterator[RawRecord | BadRecord]:
        """Yield cassette interactions, NDJSON lines, or the file as one JSON document."""
        head = stream.read(65536)
        if is_cassette_sample(head):
            for record in iter_interactions(_whole(head, stream), name):
                if isinstance(record, BadRecord):
                    yield record
                    continue
                status = interaction_status(record.payload)
                if status is None or 200 <= status < 300:
                    yield record
            return
        body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not body:
            return  # an empty file holds no records
        first_line = body.split(b"\n", 1)[0].rstrip()
        if first_line.startswith(b"{") and first_line.endswith(b"}"):
            # One object per line. A pretty-printed document never has a whole object on line 1.
            yield from iter_json_lines(io.BufferedReader(_Rewound(head, stream), 1 << 20))
            return
        data = _whole(head, stream).read()
        try:
            document = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            yield BadRecord(1, f"invalid JSON: {exc}", data[:10_000])
            return
        yield RawRecord(1, document, data)

    def map(self, record: RawRecord) -> Mapped:
        """Posts and accounts from one API response, interaction or dump line."""
        payload = record.payload
        if isinstance(payload, list):
            return _map_things(_things(payload))
        if not isinstance(payload, dict):
            raise MappingError(f"expected a JSON object or array, got {type(payload).__name__}")
        if "request" in payload and "body" in payload:  # a cassette interaction
            return _map_things(_things(payload["body"]))
        if "kind" in payload or "json" in payload:
            return _map_things(_things(payload))
        return _map_things(iter([(_flat_kind(payload), payload)]))


def _whole(head: bytes, stream: IO[bytes]) -> IO[bytes]:
    return io.BytesIO(head + stream.read())
