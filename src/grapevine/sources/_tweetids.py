"""Small facts about Twitter ids that the file-based Twitter sources share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from grapevine.sources.base import MappingError

__all__ = ["clean_id", "snowflake_time"]

_TWITTER_EPOCH = datetime(2010, 11, 4, 1, 42, 54, 657000, tzinfo=UTC)
# Snowflake ids began in November 2010 around 2.9e16; older sequential ids (< 3e10) carry no time.
_FIRST_SNOWFLAKE = 1 << 40


def snowflake_time(tweet_id: str | None) -> datetime | None:
    """The creation time a Twitter snowflake id encodes (to the millisecond), or None.

    The time sits in the id's high bits, so it survives the rounding a spreadsheet applies
    to long ids (an error under 1,000 moves it by at most 1 ms).
    """
    if not tweet_id or len(tweet_id) > 19 or not (tweet_id.isascii() and tweet_id.isdigit()):
        return None
    value = int(tweet_id)
    if value < _FIRST_SNOWFLAKE or value >= 1 << 63:
        return None
    return _TWITTER_EPOCH + timedelta(milliseconds=value >> 22)


def clean_id(value: str, field: str) -> str | None:
    """A numeric id as text; pandas' float spelling ``"3.0"`` becomes ``"3"``; empty is None."""
    text = value.strip()
    if not text:
        return None
    if text.endswith(".0"):
        text = text[:-2]
    if text.isascii() and text.isdigit() and len(text) <= 30:
        return text
    raise MappingError(f"{field} is not an id: {value!r:.60}")
