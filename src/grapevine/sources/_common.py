"""Helpers shared by the sources: JSON streaming, dates, HTML to text, entities in text.

Everything here is pure and fast; sources call these instead of re-writing them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import orjson

from grapevine.sources._html import html_links, html_to_text
from grapevine.sources.base import BadRecord, MappingError, RawRecord

__all__ = [
    "as_bool",
    "as_int",
    "as_str",
    "extract_hashtags",
    "extract_links",
    "extract_mentions",
    "first_by_id",
    "html_links",
    "html_to_text",
    "iter_json_lines",
    "json_sample_kind",
    "metric_count",
    "parse_datetime",
    "parse_twitter_datetime",
    "read_json_document",
    "require",
]

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def iter_json_lines(stream: IO[bytes]) -> Iterator[RawRecord | BadRecord]:
    """Yield one record per non-blank line of a JSON Lines stream; bad lines become BadRecords."""
    for number, line in enumerate(stream, 1):
        stripped = line.strip()
        if not stripped:
            continue
        try:
            payload = orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            yield BadRecord(number, f"invalid JSON: {exc}", stripped[:10_000])
            continue
        yield RawRecord(number, payload, stripped)


def read_json_document(stream: IO[bytes], name: str) -> Any:
    """Parse a whole (small) JSON document; raises MappingError with the position on failure."""
    data = stream.read()
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise MappingError(f"{name}: invalid JSON: {exc}") from exc


def json_sample_kind(sample: bytes) -> str | None:
    """Return ``"array"``, ``"object"`` or ``None`` for the first non-blank byte of a sample."""
    head = sample.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"[":
        return "array"
    if head == b"{":
        return "object"
    return None


def parse_twitter_datetime(value: str) -> datetime:
    """Parse ``Wed Jan 07 11:07:51 +0000 2015`` without strptime (which is slow)."""
    try:
        _, mon, day, clock, offset, year = value.split()
        hh, mm, ss = clock.split(":")
        dt = datetime(int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss), tzinfo=UTC)
    except (ValueError, KeyError) as exc:
        raise MappingError(f"invalid Twitter date {value!r}") from exc
    if offset not in ("+0000", "-0000"):
        sign = -1 if offset[0] == "-" else 1
        delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
        dt = dt - sign * delta
    return dt


def parse_datetime(value: Any) -> datetime | None:
    """Parse an ISO 8601 string, a Twitter-style date or a Unix timestamp to an aware UTC datetime.

    Returns None for None/empty; raises MappingError for anything unreadable.
    """
    if type(value) is str and value[-1:] == "Z":  # the usual "2024-03-01T00:00:04.990Z"
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None  # the general path below says why (or reads a Twitter-style date)
        if parsed is not None and parsed.tzinfo is UTC:
            return parsed
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise MappingError(f"invalid date {value!r}")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise MappingError(f"invalid timestamp {value!r}") from exc
    if not isinstance(value, str):
        raise MappingError(f"invalid date {value!r}")
    text = value.strip()
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        if len(text) > 25 and text[3] == " " and text[-5] == " ":
            return parse_twitter_datetime(text)
        try:
            return datetime.fromtimestamp(float(text), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise MappingError(f"invalid date {value!r}") from None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    if dt.utcoffset() == timedelta(0):
        return dt if dt.tzinfo is UTC else dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


_MAX_COUNT = 2**63  # counts are BIGINT columns


def metric_count(value: Any) -> int | None:
    """A metric: None when missing or negative (a server's broken counter), else a whole number."""
    number = value if type(value) is int else as_int(value)
    if number is None or 0 <= number < _MAX_COUNT:
        return number
    if number < 0:
        return None
    raise MappingError(f"count out of range: {number!r:.40}")


def as_int(value: Any) -> int | None:
    """An integer count, or None when missing; raises MappingError on a non-number."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise MappingError(f"expected a number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value)) if "." in value else int(value)
        except ValueError:
            pass
    raise MappingError(f"expected a number, got {value!r:.60}")


def as_str(value: Any) -> str | None:
    """A string id or text, or None; numbers become strings; other types raise MappingError."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise MappingError(f"expected a string, got {type(value).__name__} {value!r:.60}")


def as_bool(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise MappingError(f"expected true/false, got {value!r:.60}")


def require(mapping: Any, key: str, what: str = "record") -> Any:
    """``mapping[key]``, with a MappingError naming the missing field instead of a KeyError."""
    if not isinstance(mapping, dict):
        raise MappingError(f"expected a JSON object for {what}, got {type(mapping).__name__}")
    try:
        value = mapping[key]
    except KeyError:
        raise MappingError(f"{what} has no {key!r} field") from None
    if value is None:
        raise MappingError(f"{what} field {key!r} is null")
    return value


def first_by_id(items: list[Any]) -> list[Any]:
    """Drop repeated ids (one batch may not upsert a row twice), keeping the first of each."""
    unique: dict[str, Any] = {}
    for item in items:
        unique.setdefault(item.id, item)
    return list(unique.values())


_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{1,30}(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)")
_HASHTAG = re.compile(r"(?<![\w#&])#(\w*[^\W\d_]\w*)")
_LINK = re.compile(r"https?://[^\s<>\"'\u3000]+")


def extract_mentions(text: str | None) -> list[str]:
    """``@handle`` (and Mastodon's ``@user@host``) mentions in plain text, without the @."""
    return _MENTION.findall(text) if text and "@" in text else []


def extract_hashtags(text: str | None) -> list[str]:
    """``#tags`` in plain text, without the #; digits-only tags are not hashtags."""
    return _HASHTAG.findall(text) if text and "#" in text else []


def extract_links(text: str | None) -> list[str]:
    """http(s) links in plain text, with trailing punctuation trimmed."""
    if not text or "http" not in text:
        return []
    return [m.rstrip(".,;:!?)]}'\"") for m in _LINK.findall(text)]
