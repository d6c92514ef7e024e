"""Field values of Mastodon payloads, shared by the general mapper and the typed fast lane."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from grapevine.sources._common import parse_datetime
from grapevine.sources._html import mastodon_html_links, mastodon_html_to_text

__all__ = ["PLATFORM", "account_created", "bio_text", "profile_links", "status_datetime"]

PLATFORM = "mastodon"


def status_datetime(value: Any) -> datetime | None:
    """``parse_datetime`` with a fast lane for the ``...Z`` timestamps Mastodon writes."""
    if type(value) is str and value.endswith("Z"):
        try:
            parsed = datetime.fromisoformat(value)  # "Z" parses to UTC itself
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is UTC:
            return parsed
    return parse_datetime(value)


@lru_cache(maxsize=1 << 14)
def profile_links(value: str) -> tuple[str, ...]:
    """The links of one profile field; memoized, since an account's fields repeat on every status."""
    return tuple(mastodon_html_links(value))


@lru_cache(maxsize=1 << 14)
def bio_text(note: str) -> str | None:
    """An account's note as plain text (memoized: the same note comes with every status)."""
    return mastodon_html_to_text(note) or None


@lru_cache(maxsize=1 << 14)
def account_created(value: str) -> datetime | None:
    return status_datetime(value)
