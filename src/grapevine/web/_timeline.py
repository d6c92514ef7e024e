"""Brand mentions and sentiment per day, share of voice, and the spikes with who and what is behind them.

These are the numbers of the overview page and of the HTML report. Daily sentiment is the share
of each day's scored mentions that the model labels positive or negative, uncorrected: a day
has too few mentions for the corrected interval of :func:`grapevine.brands.brand_sentiment`
(which the overview shows for the whole period) to say much.
"""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from grapevine.brands import sentiment_model_version

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = [
    "SPIKE_MIN_MENTIONS",
    "SPIKE_SIGMAS",
    "brand_timeline",
    "find_spikes",
    "share_of_voice",
    "spike_detail",
]

#: a day is a spike when it has at least this many mentions ...
SPIKE_MIN_MENTIONS = 5
#: ... and lies this many standard deviations above the brand's other days
SPIKE_SIGMAS = 3.0


def brand_timeline(
    store: Store, brand: str | None = None, model: str = "auto"
) -> dict[str, list[dict[str, Any]]]:
    """Per tracked brand, one row per UTC day from the first to the last dated mention (gaps as 0).

    Each row: ``day``, ``mentions``, ``scored``, ``positive``, ``negative``, ``positive_share``
    and ``negative_share`` (of the scored mentions; None when none was scored).
    """
    version = sentiment_model_version(store, model)
    where, params = "", [version]
    if brand is not None:
        where = " AND m.track = ?"
        params.append(brand)
    rows = store.run(
        "SELECT m.track, CAST(timezone('UTC', p.created_at) AS DATE) AS day, count(*), count(s.label), "
        "count(*) FILTER (WHERE s.label = 'positive'), count(*) FILTER (WHERE s.label = 'negative') "
        "FROM track_matches m JOIN posts p ON p.platform = m.platform AND p.id = m.id "
        "LEFT JOIN post_sentiment s ON s.platform = p.platform AND s.id = p.id AND s.model = ? "
        f"WHERE NOT p.deleted AND p.created_at IS NOT NULL{where} GROUP BY ALL ORDER BY 1, 2",
        params,
    )
    brands = [r[0] for r in store.run("SELECT name FROM tracks ORDER BY name")]
    if brand is not None:
        brands = [b for b in brands if b == brand]
    if not rows:
        return {b: [] for b in brands}
    first: date = min(r[1] for r in rows)
    last: date = max(r[1] for r in rows)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    counts = {(r[0], r[1]): r[2:] for r in rows}
    out: dict[str, list[dict[str, Any]]] = {}
    for name in brands:
        series = []
        for day in days:
            mentions, scored, positive, negative = counts.get((name, day), (0, 0, 0, 0))
            series.append(
                {
                    "day": day.isoformat(),
                    "mentions": mentions,
                    "scored": scored,
                    "positive": positive,
                    "negative": negative,
                    "positive_share": round(positive / scored, 4) if scored else None,
                    "negative_share": round(negative / scored, 4) if scored else None,
                }
            )
        out[name] = series
    return out


def share_of_voice(timeline: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each brand's mentions as a share of all brands' mentions (a post naming two brands counts for both)."""
    totals = {name: sum(r["mentions"] for r in rows) for name, rows in timeline.items()}
    everything = sum(totals.values())
    return [
        {"brand": name, "mentions": n, "share": round(n / everything, 4) if everything else None}
        for name, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def find_spikes(series: list[dict[str, Any]]) -> list[str]:
    """Days (ISO dates) whose mentions stand out from the brand's other days.

    A day is a spike when it has at least :data:`SPIKE_MIN_MENTIONS` mentions and lies
    :data:`SPIKE_SIGMAS` standard deviations above the mean of the other days (leave-one-out, so
    the spike does not hide itself by inflating the spread).
    """
    counts = [r["mentions"] for r in series]
    spikes = []
    for i, row in enumerate(series):
        others = counts[:i] + counts[i + 1 :]
        if row["mentions"] < SPIKE_MIN_MENTIONS or len(others) < 3:
            continue
        mean = statistics.fmean(others)
        spread = statistics.pstdev(others)
        if row["mentions"] > mean + SPIKE_SIGMAS * max(spread, 1.0):
            spikes.append(row["day"])
    return spikes


def spike_detail(store: Store, brand: str, day: str, top: int = 5) -> dict[str, Any]:
    """Who posted most about ``brand`` on ``day`` (UTC), and the conversations that carried it."""
    matched = (
        "SELECT p.* FROM track_matches m JOIN posts p ON p.platform = m.platform AND p.id = m.id "
        "WHERE m.track = ? AND CAST(timezone('UTC', p.created_at) AS DATE) = CAST(? AS DATE) AND NOT p.deleted"
    )
    people = store.query(
        f"WITH d AS ({matched}) SELECT any_value(pa.person_id) AS person_id, d.platform, "
        "coalesce(d.author_handle, d.author_id) AS handle, count(*) AS posts FROM d "
        "LEFT JOIN person_accounts pa ON pa.platform = d.platform AND pa.id = d.author_id "
        "GROUP BY d.platform, handle ORDER BY posts DESC, handle LIMIT ?",
        [brand, day, top],
    ).to_pylist()
    conversations = store.query(
        f"WITH d AS ({matched}) SELECT t.platform, t.conversation_key, count(*) AS posts FROM d "
        "JOIN post_threads t ON t.platform = d.platform AND t.id = d.id "
        "GROUP BY ALL ORDER BY posts DESC, t.conversation_key LIMIT ?",
        [brand, day, top],
    ).to_pylist()
    return {"brand": brand, "day": day, "people": people, "conversations": conversations}
