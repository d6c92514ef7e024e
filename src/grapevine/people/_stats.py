"""How often each person talks about a tracked brand, how positively, and whether it is rising.

One SQL aggregation over ``track_matches x posts x person_accounts x post_sentiment`` gives,
per person (and brand): mentions, the sentiment model's label counts, first and last mention,
and the mentions in this period and the one before. Shares are then corrected for the
model's confusion in one vectorised pass (:mod:`grapevine.people._shares`), with the same
estimator and model as :func:`grapevine.brands.brand_sentiment`.

Periods: with ``since`` and ``until`` the period is ``[since, until)`` and the previous one is
as long and ends at ``since``. Without them every mention counts, and the trend compares the
last ``trend_days`` before the newest mention with the ``trend_days`` before that.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from grapevine._window import parse_time, window_clauses
from grapevine.brands import LEVEL, sentiment_model_version
from grapevine.errors import GrapevineError
from grapevine.people._shares import batch_share_intervals

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = ["ALL_BRANDS", "Window", "brand_stats", "person_posts", "trend_window"]

ALL_BRANDS = "*"  # the brand column when every tracked query counts together
TREND_DAYS = 7


class Window:
    """The period the numbers cover and the two periods the trend compares."""

    def __init__(
        self,
        since: datetime | None,
        until: datetime | None,
        current: tuple[datetime, datetime] | None,
        previous: tuple[datetime, datetime] | None,
    ) -> None:
        self.since, self.until, self.current, self.previous = since, until, current, previous


def trend_window(
    store: Store,
    since: datetime | str | None,
    until: datetime | str | None,
    trend_days: int = TREND_DAYS,
) -> Window:
    """The window for ``since``/``until`` (see the module docstring)."""
    start = None if since is None else parse_time(since)
    end = None if until is None else parse_time(until)
    if start is not None and start.tzinfo is None:
        start = start.astimezone()
    if end is not None and end.tzinfo is None:
        end = end.astimezone()
    if start is not None and end is not None and end <= start:
        raise GrapevineError(f"until ({until}) must come after since ({since})")
    if start is not None and end is not None:
        return Window(start, end, (start, end), (start - (end - start), start))
    if end is None:
        # the newest mention that counts: a deleted post is in no number, so it ends no period
        (newest,) = store.run(
            "SELECT max(p.created_at) FROM track_matches m JOIN posts p USING (platform, id) WHERE NOT p.deleted"
        )[0]
        if newest is None:
            return Window(start, end, None, None)
        end_of_data = newest + timedelta(microseconds=1)
    else:
        end_of_data = end
    length = timedelta(days=trend_days)
    current_start = max(start, end_of_data - length) if start is not None else end_of_data - length
    span = end_of_data - current_start
    return Window(start, end, (current_start, end_of_data), (current_start - span, current_start))


def brand_stats(
    store: Store,
    brand: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    platform: str | None = None,
    per_brand: bool = False,
    model: str = "auto",
    trend_days: int = TREND_DAYS,
    person_id: str | None = None,
) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (person_id, brand): mentions, corrected shares with 95% intervals, trend, first/last mention.

    ``brand=None`` counts every tracked query together (brand ``*``, each post once) unless
    ``per_brand`` asks for one row per person and brand; ``person_id`` keeps one person's rows
    (the same figures as in everyone's). Needs ``person_accounts`` filled
    (:func:`grapevine.people.refresh_people`).
    """
    from grapevine.text import load_model

    tracks = [row[0] for row in store.run("SELECT name FROM tracks ORDER BY name")]
    if brand is not None and brand not in tracks:
        raise GrapevineError(f"no tracked query named {brand!r}; see `grapevine track list`")
    window = trend_window(store, since, until, trend_days)
    version = sentiment_model_version(store, model)
    current = window.current or (None, None)
    previous = window.previous or (None, None)
    params: dict[str, Any] = {
        "model": version,
        "tracks": tracks if brand is None else [brand],
        "since": window.since,
        "until": window.until,
        "now_start": current[0],
        "now_end": current[1],
        "before_start": previous[0],
        "before_end": previous[1],
    }
    where = "m.track IN (SELECT unnest($tracks)) AND NOT p.deleted"
    if platform is not None:
        where += " AND p.platform = $platform"
        params["platform"] = platform
    if person_id is not None:
        where += " AND a.person_id = $person"
        params["person"] = person_id
    key = "m.track" if (brand is not None or per_brand) else f"'{ALL_BRANDS}'"
    # The period counts look outside [since, until): the previous period lies before since.
    sql = f"""
        WITH matched AS (
            SELECT DISTINCT a.person_id, {key} AS brand, p.platform, p.id, p.created_at, s.label,
                (CAST($since AS TIMESTAMPTZ) IS NULL OR p.created_at >= CAST($since AS TIMESTAMPTZ))
                AND (CAST($until AS TIMESTAMPTZ) IS NULL OR p.created_at < CAST($until AS TIMESTAMPTZ))
                AS in_window
            FROM track_matches m
            JOIN posts p ON p.platform = m.platform AND p.id = m.id
            JOIN person_accounts a ON a.platform = p.platform AND a.id = p.author_id
            LEFT JOIN post_sentiment s ON s.platform = p.platform AND s.id = p.id AND s.model = $model
            WHERE {where}
        )
        SELECT person_id, brand,
            count(*) FILTER (WHERE in_window) AS mentions,
            count(*) FILTER (WHERE in_window AND label = 'negative') AS negative,
            count(*) FILTER (WHERE in_window AND label = 'neutral') AS neutral,
            count(*) FILTER (WHERE in_window AND label = 'positive') AS positive,
            min(created_at) FILTER (WHERE in_window) AS first_mention,
            max(created_at) FILTER (WHERE in_window) AS last_mention,
            count(*) FILTER (WHERE created_at >= CAST($now_start AS TIMESTAMPTZ)
                AND created_at < CAST($now_end AS TIMESTAMPTZ)) AS mentions_now,
            count(*) FILTER (WHERE created_at >= CAST($before_start AS TIMESTAMPTZ)
                AND created_at < CAST($before_end AS TIMESTAMPTZ)) AS mentions_before
        FROM matched
        GROUP BY person_id, brand
        HAVING mentions > 0 OR mentions_now > 0 OR mentions_before > 0
    """
    table = store.query(sql, params)
    data = table.to_pydict()
    counts = np.column_stack([data["negative"], data["neutral"], data["positive"]]).astype(np.int64)
    confusion = None
    if version is not None:
        confusion = load_model("sentiment", "accurate" if "-accurate" in version else "fast").confusion
    if confusion is not None and len(counts):
        share, low, high = batch_share_intervals(counts, confusion, columns=(2, 0), level=LEVEL)
    else:
        share = low = high = np.full((len(counts), 2), np.nan)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for i, person_id in enumerate(data["person_id"]):
        scored = int(counts[i].sum())
        now, before = data["mentions_now"][i], data["mentions_before"][i]
        out[(person_id, data["brand"][i])] = {
            "person_id": person_id,
            "brand": data["brand"][i],
            "mentions": data["mentions"][i],
            "scored": scored,
            "model": version,
            "positive_share": _num(share[i, 0]),
            "positive_low": _num(low[i, 0]),
            "positive_high": _num(high[i, 0]),
            "negative_share": _num(share[i, 1]),
            "negative_low": _num(low[i, 1]),
            "negative_high": _num(high[i, 1]),
            "first_mention": data["first_mention"][i],
            "last_mention": data["last_mention"][i],
            "mentions_now": now,
            "mentions_before": before,
            "trend": _trend(now, before),
            "period": [current[0], current[1]] if window.current else None,
        }
    return out


def _num(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 4)


def _trend(now: int, before: int) -> float | None:
    """Relative change of mentions from the previous period to this one; None when there were none before."""
    if before == 0:
        return None
    return round((now - before) / before, 4)


def person_posts(
    store: Store,
    person_id: str,
    brand: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    model: str = "auto",
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The posts behind a person's brand numbers, newest first, with the label each one counted as."""
    version = sentiment_model_version(store, model)
    window, window_params = window_clauses(since, until, "p.created_at")
    where, params = ["a.person_id = ?", "NOT p.deleted", *window], [person_id, *window_params]
    if brand is not None:
        where.append("m.track = ?")
        params.append(brand)
    sql = (
        "SELECT p.platform, p.id, p.author_handle, p.created_at, list(DISTINCT m.track ORDER BY m.track) "
        "AS brands, any_value(s.label) AS sentiment, any_value(p.url) AS url, any_value(p.text) AS text "
        "FROM track_matches m JOIN posts p ON p.platform = m.platform AND p.id = m.id "
        "JOIN person_accounts a ON a.platform = p.platform AND a.id = p.author_id "
        "LEFT JOIN post_sentiment s ON s.platform = p.platform AND s.id = p.id AND s.model = ? "
        f"WHERE {' AND '.join(where)} GROUP BY p.platform, p.id, p.author_handle, p.created_at "
        "ORDER BY p.created_at DESC NULLS LAST, p.platform, p.id"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return store.query(sql, [version, *params]).to_pylist()
