"""Twitter sources: API v1.1 statuses, API v2 pages (twarc2) and RumourEval threads.

``twitter-v1`` (:class:`TwitterV1Source`)
    v1.1 status objects as JSON Lines, a JSON array or one document; responses that wrap
    them (search ``{"statuses": [...]}``, followers/friends pages ``{"users": [...]}``, user
    lookups); recorded API cassettes whose requests go mostly to ``/1.1/``.
``twitter-v2`` (:class:`TwitterV2Source`)
    v2 response pages ``{data, includes, errors, meta, __twarc}`` (twarc2 JSON Lines, one
    page per line), twarc's "flattened" tweets (one tweet per line, author and referenced
    tweets inline), users pages, and cassettes whose requests go mostly to ``/2/``.
``rumoureval`` (:class:`RumourEvalSource`)
    RumourEval 2017 threads, one per line: ``{event, thread_id, split, veracity, source,
    replies, structure, stance}``; the tweets are v1.1 objects and every one of them gets
    ``conversation_id = thread_id``.

In a cassette every interaction is one record; it maps by its own request URI (``/1.1/`` with
the v1.1 mapper, ``/2/`` with the v2 one), so either source maps a mixed cassette fully and
each interaction once. Non-2xx responses, direct messages and endpoints that return neither
tweets nor users (ids, lists, geo, spaces, counts, compliance jobs) map to nothing.

Pages from twarc2 that hold no tweets or users (``counts``, ``lists``) are claimed with a low
confidence and map to nothing, so they import cleanly and their raw pages are archived.
Compliance event files (``{"id", "action", "reason"}`` lines) carry nothing that says Twitter
and are not claimed; read with ``--source twitter-v2`` they also map to nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any
from urllib.parse import urlsplit

import orjson

from grapevine.models import Mapped
from grapevine.sources._common import as_str, require
from grapevine.sources._jsonrecords import iter_json_records
from grapevine.sources._recorded import interaction_status, is_cassette_sample, sample_uris
from grapevine.sources._twitter_v1 import (
    Builder,
    is_v1_status,
    is_v1_user,
    items,
    map_v1_body,
    map_v1_status,
    map_v1_status_into,
)
from grapevine.sources._twitter_v2 import (
    is_v2_tweet,
    is_v2_user,
    map_v2_flat_tweet,
    map_v2_page,
    map_v2_user,
)
from grapevine.sources._twitter_v2_typed import TypedPage, decode_page, map_typed_page_rows
from grapevine.sources._typed import TypedLinesSource
from grapevine.sources.base import SAMPLE_BYTES, BadRecord, MappingError, RawRecord, Source

__all__ = [
    "RumourEvalSource",
    "TwitterV1Source",
    "TwitterV2Source",
    "map_interaction",
    "map_rumoureval_thread",
    "map_v1_status",
    "map_v2_page",
]

_BOM = b"\xef\xbb\xbf"
_TWITTER_DATE = re.compile(
    rb'"created_at"\s*:\s*"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d [+-]\d{4} \d{4}"'
)
_OTHER_PLATFORMS = (
    b'"did:',
    b'"at://',
    b'"kind": "Listing"',
    b'"kind":"Listing"',
    b'"kind": "t1"',
    b'"kind":"t1"',
)
_PAGE_KEYS = ("data", "includes", "errors", "meta")
# Exceptions a mapper can hit on shapes nobody checked for; they become a MappingError with a reason.
_SHAPE_ERRORS = (TypeError, AttributeError, KeyError, IndexError, RecursionError)


# -- detection -----------------------------------------------------------------------------


def _kind_of(value: dict[str, Any]) -> str | None:
    """Which Twitter format one parsed record is: v1, v2, v2-other (no tweets), rumoureval or None."""
    if "thread_id" in value and isinstance(value.get("source"), dict):
        return (
            "rumoureval" if any(k in value for k in ("structure", "stance", "veracity", "replies")) else None
        )
    if value.get("kind") in ("Listing", "t1", "t3", "more"):
        return None  # Reddit things also wrap their content in "data"
    if "data" in value or "includes" in value:
        data = value.get("data")
        first = data[0] if isinstance(data, list) and data else data
        if isinstance(first, dict) and (is_v2_tweet(first) or is_v2_user(first)):
            return "v2"
        if "__twarc" in value or isinstance(value.get("includes"), dict):
            return "v2-other"
        return None
    if "__twarc" in value:
        return "v2" if is_v2_tweet(value) or is_v2_user(value) else "v2-other"
    if "account" in value or "did" in value:
        return None  # Mastodon statuses, Bluesky records
    statuses, users = value.get("statuses"), value.get("users")
    # An empty page only counts with the v1.1 envelope: Mastodon's search has "statuses" too.
    if isinstance(statuses, list):
        if statuses:
            return "v1" if isinstance(statuses[0], dict) and "id_str" in statuses[0] else None
        return "v1" if "search_metadata" in value else None
    if isinstance(users, list):
        if users:
            return "v1" if isinstance(users[0], dict) and "screen_name" in users[0] else None
        return "v1" if "next_cursor_str" in value else None
    user = value.get("user")
    if is_v1_status(value) and ("id_str" in value or (isinstance(user, dict) and "screen_name" in user)):
        return "v1"
    if is_v1_user(value) and "id_str" in value:
        return "v1"
    flat_markers = ("author", "author_id", "edit_history_tweet_ids", "public_metrics")
    if (
        is_v2_tweet(value)
        and "id_str" not in value
        and isinstance(value.get("id"), str)
        and any(k in value for k in flat_markers)
    ):
        return "v2"  # a flattened tweet
    if is_v2_user(value) and isinstance(value.get("public_metrics"), dict):
        return "v2"
    return None


def _kind_from_markers(body: bytes) -> tuple[str | None, float]:
    """Guess from byte markers when the first record does not fit in the sample."""
    if any(marker in body for marker in _OTHER_PLATFORMS):
        return None, 0.0
    head = body[:2048]
    if (
        b'"thread_id"' in head
        and b'"id_str"' in body
        and any(marker in body for marker in (b'"veracity"', b'"structure"', b'"stance"'))
    ):
        return "rumoureval", 0.9
    has_id_str = b'"id_str"' in body
    if b'"__twarc"' in body and not has_id_str:
        return "v2", 0.85
    if not has_id_str and b'"public_metrics"' in body:
        if b'"edit_history_tweet_ids"' in body or b'"author_id"' in body:
            return "v2", 0.8  # tweets
        if b'"username"' in body and b'"followers_count"' in body:
            return "v2", 0.75  # users
    if not has_id_str and b'"edit_history_tweet_ids"' in body:
        return "v2", 0.8
    if has_id_str and b'"screen_name"' in body and _TWITTER_DATE.search(body):
        return "v1", 0.8
    return None, 0.0


def sniff(sample: bytes) -> tuple[str | None, float]:
    """Which Twitter format a file starting with ``sample`` is, and how sure that is.

    Kinds: ``v1``, ``v2``, ``v2-other`` (twarc pages without tweets or users),
    ``rumoureval``, ``cassette-v1`` and ``cassette-v2`` (by the majority of request URIs).
    """
    body = sample.lstrip(_BOM + b" \t\r\n")
    if body[:1] not in (b"{", b"["):
        return None, 0.0
    if is_cassette_sample(body):
        v1 = v2 = 0
        for uri in sample_uris(body):
            host = urlsplit(uri).hostname or ""
            if host.endswith(("twitter.com", "x.com")):
                path = urlsplit(uri).path
                v1 += path.startswith("/1.1/")
                v2 += path.startswith("/2/")
        if v1 or v2:
            return ("cassette-v1" if v1 >= v2 else "cassette-v2"), 0.9
        return None, 0.0
    whole = len(sample) < SAMPLE_BYTES  # a shorter sample is the whole file
    parsed: Any = None
    if whole or b"\n" in body:
        candidate = body if whole and body[:1] == b"[" else body.split(b"\n", 1)[0]
        try:
            parsed = orjson.loads(candidate)
        except orjson.JSONDecodeError:
            if whole:  # a small pretty-printed document
                try:
                    parsed = orjson.loads(body)
                except orjson.JSONDecodeError:
                    parsed = None
    if isinstance(parsed, list):
        parsed = parsed[0] if parsed else None
    if isinstance(parsed, dict):
        kind = _kind_of(parsed)
        confidence = {"rumoureval": 0.95, "v2-other": 0.5}.get(kind or "", 0.9)
        if kind == "v2" and "__twarc" in parsed:
            confidence = 0.95
        return (kind, confidence) if kind else (None, 0.0)
    return _kind_from_markers(body)


# -- mapping -------------------------------------------------------------------------------


def _is_interaction(payload: Any) -> bool:
    return (
        isinstance(payload, dict) and isinstance(payload.get("request"), dict) and "uri" in payload["request"]
    )


def map_interaction(interaction: dict[str, Any]) -> Mapped:
    """Map one recorded Twitter API interaction by its request URI (``/1.1/`` or ``/2/``).

    Non-2xx responses, empty bodies, direct messages, other hosts and endpoints without
    tweets or users map to nothing; a ``statuses/destroy`` response maps to a deleted post.
    """
    uri = as_str(interaction["request"].get("uri")) or ""
    status = interaction_status(interaction)
    body = interaction.get("body")
    if status is None or not 200 <= status < 300 or body is None:
        return Mapped()
    parts = urlsplit(uri)
    if not (parts.hostname or "").endswith(("twitter.com", "x.com")):
        return Mapped()
    path = parts.path
    if path.startswith("/2/"):
        if not isinstance(body, dict) or path.startswith(("/2/dm_", "/2/compliance/")):
            return Mapped()
        return map_v2_page(body, url=uri)
    if path.startswith("/1.1/") and "/direct_messages/" not in path:
        mapped = map_v1_body(body, strict=False)
        if path.startswith("/1.1/statuses/destroy/") and mapped.posts:
            mapped.posts[0].deleted = True
        return mapped
    return Mapped()


def map_v2_record(payload: Any) -> Mapped:
    """Map one v2 record: a response page, a flattened tweet, a user or a compliance event."""
    if isinstance(payload, list):  # a one-line JSON array of pages or tweets
        mapped = Mapped()
        for element in payload:
            mapped.extend(map_v2_record(element))
        return mapped
    if not isinstance(payload, dict):
        raise MappingError(f"expected a JSON object, got {type(payload).__name__}")
    if _is_interaction(payload):
        return map_interaction(payload)
    if any(key in payload for key in _PAGE_KEYS):
        return map_v2_page(payload)
    if is_v2_tweet(payload):
        return map_v2_flat_tweet(payload)
    if is_v2_user(payload):
        return Mapped(accounts=[map_v2_user(payload)])
    if "action" in payload and "id" in payload:
        return Mapped()  # a compliance event (delete/protect/suspend): nothing to store
    keys = ", ".join(list(payload)[:6])
    raise MappingError(f"not a Twitter API v2 page, tweet or user (keys: {keys})")


def map_rumoureval_thread(thread: Any) -> Mapped:
    """Map one RumourEval thread: its source tweet and replies, all in ``conversation_id = thread_id``."""
    if isinstance(thread, list):  # a one-line JSON array of threads
        mapped = Mapped()
        for element in thread:
            mapped.extend(map_rumoureval_thread(element))
        return mapped
    if not isinstance(thread, dict):
        raise MappingError(f"expected a thread object, got {type(thread).__name__}")
    thread_id = as_str(require(thread, "thread_id", "thread"))
    members = [require(thread, "source", "thread"), *items(thread.get("replies"), "thread replies")]
    out = Builder()
    for status in members:
        map_v1_status_into(out, status).conversation_id = thread_id
    return out.mapped()


def _shape_error(exc: Exception) -> MappingError:
    return MappingError(f"unexpected record shape ({type(exc).__name__}: {exc!s:.200})")


class TwitterV1Source(Source):
    """Twitter API v1.1 statuses and users."""

    splittable = True  # JSON Lines: every line stands alone

    name = "twitter-v1"
    platform = "twitter"
    description = (
        "Twitter API v1.1 statuses/users (JSON Lines, arrays, search and followers responses, cassettes)"
    )
    numbering = "line"

    def detect(self, sample: bytes, name: str) -> float:
        kind, confidence = sniff(sample)
        if kind in ("v1", "cassette-v1"):
            return confidence
        return 0.5 if kind == "cassette-v2" else 0.0

    def read(self, stream: IO[bytes], name: str) -> Iterator[RawRecord | BadRecord]:
        return iter_json_records(stream)

    def map(self, record: RawRecord) -> Mapped:
        payload = record.payload
        try:
            if _is_interaction(payload):
                return map_interaction(payload)
            return map_v1_body(payload)
        except _SHAPE_ERRORS as exc:
            raise _shape_error(exc) from exc


class TwitterV2Source(TypedLinesSource):
    """Twitter API v2 response pages, twarc2 output and flattened tweets."""

    splittable = True  # JSON Lines: every line stands alone

    name = "twitter-v2"
    platform = "twitter"
    description = "Read Twitter API v2 pages (twarc2 JSON Lines, flattened tweets, users pages, cassettes)."
    numbering = "line"
    typed = TypedPage  # the fast lane (see _twitter_v2_typed), posts as rows
    decode_typed = staticmethod(decode_page)
    map_typed_rows = staticmethod(map_typed_page_rows)

    def detect(self, sample: bytes, name: str) -> float:
        kind, confidence = sniff(sample)
        if kind in ("v2", "v2-other", "cassette-v2"):
            return confidence
        return 0.5 if kind == "cassette-v1" else 0.0

    def map_general(self, payload: Any) -> Mapped:
        try:
            return map_v2_record(payload)
        except _SHAPE_ERRORS as exc:
            raise _shape_error(exc) from exc


class RumourEvalSource(Source):
    """RumourEval 2017 conversation threads (one JSON line per thread, v1.1 tweets inside)."""

    splittable = True  # JSON Lines: every line stands alone

    name = "rumoureval"
    platform = "twitter"
    description = "Read RumourEval 2017 threads (one JSON line per thread of v1.1 tweets)."
    numbering = "line"

    def detect(self, sample: bytes, name: str) -> float:
        kind, confidence = sniff(sample)
        return confidence if kind == "rumoureval" else 0.0

    def read(self, stream: IO[bytes], name: str) -> Iterator[RawRecord | BadRecord]:
        return iter_json_records(stream)

    def map(self, record: RawRecord) -> Mapped:
        try:
            return map_rumoureval_thread(record.payload)
        except _SHAPE_ERRORS as exc:
            raise _shape_error(exc) from exc
