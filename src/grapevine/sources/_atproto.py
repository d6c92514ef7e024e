"""AT Protocol identifier syntax: DIDs, handles, NSIDs, record keys, AT-URIs and datetimes.

The rules follow the atproto specs (atproto.com/specs) and are checked against the official
interop fixtures (``atproto-interop-tests/syntax``). They are plain compiled regexes plus the
few length and edge-case rules that a regex cannot say, so a check costs well under a
microsecond and can run on every post.

AT-URIs use the *restricted* syntax that records use: ``at://AUTHORITY[/COLLECTION[/RKEY]]``
with no query and no fragment.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TypeGuard

from grapevine.sources.base import MappingError

__all__ = [
    "did_from_at_uri",
    "is_valid_at_uri",
    "is_valid_datetime",
    "is_valid_did",
    "is_valid_handle",
    "is_valid_nsid",
    "is_valid_record_key",
    "parse_at_datetime",
    "split_at_uri",
]

_DID = re.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]")
_HANDLE = re.compile(
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
)
_NSID = re.compile(
    r"[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+"
    r"\.[a-zA-Z][a-zA-Z0-9]{0,62}"
)
_RECORD_KEY = re.compile(r"[a-zA-Z0-9_~.:-]{1,512}")
_DATETIME = re.compile(
    r"[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9](?:\.[0-9]{1,20})?"
    r"(?:Z|[+-][0-2][0-9]:[0-5][0-9])"
)
_MAX_DID = 2048
_MAX_HANDLE = 253
_MAX_NSID = 317
_MAX_AT_URI = 8192


def is_valid_did(value: object) -> TypeGuard[str]:
    """``did:method:identifier`` with a lowercase method, at most 2 KiB."""
    return isinstance(value, str) and len(value) <= _MAX_DID and _DID.fullmatch(value) is not None


def is_valid_handle(value: object) -> TypeGuard[str]:
    """A DNS name of at least two labels whose last label starts with a letter, at most 253 chars."""
    return isinstance(value, str) and len(value) <= _MAX_HANDLE and _HANDLE.fullmatch(value) is not None


def is_valid_nsid(value: object) -> TypeGuard[str]:
    """A namespaced identifier such as ``app.bsky.feed.post``."""
    return isinstance(value, str) and len(value) <= _MAX_NSID and _NSID.fullmatch(value) is not None


def is_valid_record_key(value: object) -> TypeGuard[str]:
    """1-512 characters of ``A-Za-z0-9._:~-``, but not ``.`` or ``..``."""
    return isinstance(value, str) and value not in (".", "..") and _RECORD_KEY.fullmatch(value) is not None


def split_at_uri(value: object) -> tuple[str, str | None, str | None] | None:
    """``(authority, collection, rkey)`` of a valid AT-URI, or None when it is malformed."""
    if not isinstance(value, str) or len(value) > _MAX_AT_URI or not value.startswith("at://"):
        return None
    parts = value[5:].split("/")
    if len(parts) > 3:
        return None
    authority = parts[0]
    if authority.startswith("did:"):
        if not is_valid_did(authority):
            return None
    elif not is_valid_handle(authority):
        return None
    collection = parts[1] if len(parts) > 1 else None
    if collection is not None and not is_valid_nsid(collection):
        return None
    rkey = parts[2] if len(parts) > 2 else None
    if rkey is not None and not is_valid_record_key(rkey):
        return None
    return authority, collection, rkey


def is_valid_at_uri(value: object) -> TypeGuard[str]:
    """``at://AUTHORITY[/COLLECTION[/RKEY]]`` where the authority is a DID or a handle."""
    return split_at_uri(value) is not None


def did_from_at_uri(value: object) -> str | None:
    """The DID that owns the record an AT-URI names; None when the URI is malformed or names a handle."""
    parts = split_at_uri(value)
    if parts is None or not parts[0].startswith("did:"):
        return None
    return parts[0]


def is_valid_datetime(value: object) -> TypeGuard[str]:
    """The atproto datetime syntax: RFC 3339 with seconds and a required timezone, and ISO 8601 too."""
    return (
        isinstance(value, str)
        and _DATETIME.fullmatch(value) is not None
        and not value.endswith("-00:00")  # valid RFC 3339 but not ISO 8601
    )


def parse_at_datetime(value: object) -> datetime | None:
    """Parse an atproto datetime to an aware UTC datetime.

    Returns None for a missing value and for a valid one that Python cannot represent (year
    0000, which the spec allows); raises MappingError for bad syntax or an impossible date.
    """
    if value is None:
        return None
    if not is_valid_datetime(value):
        raise MappingError(f"invalid datetime {value!r:.80}")
    text = value
    year_zero = text.startswith("0000")
    if year_zero:
        # Check the rest of the date on year 1; a date that is still valid there is real but
        # out of Python's range, one that normalizes to before year 1 is invalid.
        text = "0001" + text[4:]
    try:
        parsed = datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError):
        raise MappingError(f"invalid datetime {value!r:.80}") from None
    return None if year_zero else parsed
