"""How often each tracked brand is talked about, and what share of it is positive, honestly.

"% positive" is the share of a brand's scored mentions that the sentiment model labels
positive, corrected for the model's known confusion (measured on held-out data and shipped with
the model) and given with a confidence interval that covers both sample size and that
correction (:func:`grapevine.text.shares.positive_share_interval`). With few mentions the
interval is wide, which is the point: a user can tell a real change from noise.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from grapevine._window import window_clauses
from grapevine.errors import GrapevineError

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = ["brand_sentiment", "sentiment_model_version"]

LEVEL = 0.95


def _version_number(version: str) -> tuple[int, str]:
    """Order ``sentiment-fast-9`` before ``sentiment-fast-10``."""
    number = version.rsplit("-", 1)[-1]
    return (int(number), version) if number.isdigit() else (-1, version)


def sentiment_model_version(store: Store, prefer: str = "auto") -> str | None:
    """The sentiment model whose scores to read: the accurate tier when present, else fast."""
    versions = [row[0] for row in store.run("SELECT DISTINCT model FROM post_sentiment ORDER BY model")]
    if prefer not in ("auto", "fast", "accurate"):
        raise GrapevineError(f"unknown model tier {prefer!r}; expected auto, fast or accurate")
    order = ["accurate", "fast"] if prefer == "auto" else [prefer]
    for tier in order:
        matching = [v for v in versions if v.startswith(f"sentiment-{tier}")]
        if matching:
            return max(matching, key=_version_number)  # the newest version of that tier
    return None


def brand_sentiment(
    store: Store,
    brand: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    model: str = "auto",
) -> list[dict[str, Any]]:
    """One row per tracked query: mentions, scored mentions and shares with 95% intervals."""
    from grapevine.text import load_model
    from grapevine.text.shares import positive_share_interval

    version = sentiment_model_version(store, model)
    tracks = [row[0] for row in store.run("SELECT name FROM tracks ORDER BY name")]
    if brand is not None:
        if brand not in tracks:
            raise GrapevineError(f"no tracked query named {brand!r}; see `grapevine track list`")
        tracks = [brand]
    clauses, params = window_clauses(since, until, "p.created_at")
    where = "".join(f" AND {clause}" for clause in clauses)
    rows = store.run(
        "SELECT m.track, count(*) AS mentions, "
        "count(s.label) FILTER (WHERE s.label = 'negative'), count(s.label) FILTER (WHERE s.label = 'neutral'), "
        "count(s.label) FILTER (WHERE s.label = 'positive') "
        "FROM track_matches m JOIN posts p USING (platform, id) "
        "LEFT JOIN post_sentiment s ON s.platform = p.platform AND s.id = p.id AND s.model = ? "
        f"WHERE m.track IN (SELECT unnest(?)){where} GROUP BY m.track",
        [version, tracks, *params],
    )
    counts = {row[0]: row[1:] for row in rows}
    confusion = None
    if version is not None:
        # correct with the confusion of the model that produced these labels
        confusion = load_model("sentiment", "accurate" if "-accurate" in version else "fast").confusion
    result = []
    for name in tracks:
        mentions, negative, neutral, positive = counts.get(name, (0, 0, 0, 0))
        scored = negative + neutral + positive
        row: dict[str, Any] = {
            "brand": name,
            "mentions": mentions,
            "scored": scored,
            "model": version,
            "positive_share": None,
            "positive_low": None,
            "positive_high": None,
            "negative_share": None,
            "negative_low": None,
            "negative_high": None,
            "raw_positive_share": None,
        }
        if scored:
            pos = positive_share_interval([negative, neutral, positive], confusion, level=LEVEL)
            neg = positive_share_interval([negative, neutral, positive], confusion, level=LEVEL, positive=0)
            row.update(
                positive_share=pos.share,
                positive_low=pos.low,
                positive_high=pos.high,
                negative_share=neg.share,
                negative_low=neg.low,
                negative_high=neg.high,
                raw_positive_share=pos.raw_share,
            )
        result.append(row)
    return result
