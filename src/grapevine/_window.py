"""Time windows as SQL, read the same way by every analysis: ``since <= t < until``.

``since`` and ``until`` are ISO 8601 dates or times (``2024-03-01``, ``2024-03-01T09:00Z``) or
datetimes; a bad one is a clear error naming it, not a database cast error. A time without an
offset is read in the store's time zone, as DuckDB reads it. The values always travel as SQL
parameters; only the column names, which the caller's code chooses, go into the text.
"""

from __future__ import annotations

from datetime import datetime

from grapevine.errors import GrapevineError

__all__ = ["parse_time", "window_clauses"]


def parse_time(value: datetime | str, require_timezone: bool = False) -> datetime:
    """``value`` as a datetime; with ``require_timezone`` a time without an offset is refused.

    >>> parse_time("2024-03-01T09:00Z").isoformat()
    '2024-03-01T09:00:00+00:00'
    """
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise GrapevineError(f"invalid date {value!r}; expected YYYY-MM-DD or an ISO 8601 time") from None
    if require_timezone and parsed.tzinfo is None:
        raise GrapevineError(f"time {parsed.isoformat()} has no timezone; add one, e.g. +00:00")
    return parsed


def window_clauses(
    since: datetime | str | None,
    until: datetime | str | None,
    column: str = "created_at",
    until_column: str | None = None,
) -> tuple[list[str], list[str]]:
    """SQL conditions (to join with AND) and their parameters for ``since <= column < until``.

    ``until_column`` bounds another column by ``until`` (a conversation overlaps a window when
    it ends at or after ``since`` and starts before ``until``). Missing bounds give no condition.

    >>> window_clauses("2024-03-01", None, "p.created_at")
    (['p.created_at >= CAST(? AS TIMESTAMPTZ)'], ['2024-03-01T00:00:00'])
    """
    clauses: list[str] = []
    params: list[str] = []
    if since is not None:
        clauses.append(f"{column} >= CAST(? AS TIMESTAMPTZ)")
        params.append(parse_time(since).isoformat())
    if until is not None:
        clauses.append(f"{until_column or column} < CAST(? AS TIMESTAMPTZ)")
        params.append(parse_time(until).isoformat())
    return clauses, params
