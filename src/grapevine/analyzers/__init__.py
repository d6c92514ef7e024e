"""Analyzers enrich the store after each import: reply threads, tracked-query matches, sentiment, emotion.

An analyzer is an object with a ``name`` and ``run(store, **options) -> dict`` that only does
work for posts it has not seen yet (incremental) and records the version of whatever model it
used. Built-ins register under the ``grapevine.analyzers`` entry-point group, exactly as a third
party's would, and :func:`enrich` runs them in that order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from grapevine.analyzers.scoring import score_posts
from grapevine.analyzers.tracking import update_matches

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = ["Analyzer", "EmotionAnalyzer", "SentimentAnalyzer", "ThreadingAnalyzer", "TrackingAnalyzer"]


class Analyzer:
    """Base class: set ``name``; implement ``run``."""

    name: ClassVar[str] = ""
    #: analyzers run in increasing order (tracking first: it is cheap and people look at it)
    order: ClassVar[int] = 100

    def run(self, store: Store, **options: Any) -> dict[str, Any]:
        raise NotImplementedError


class TrackingAnalyzer(Analyzer):
    name = "tracking"
    order = 10

    def run(self, store: Store, **options: Any) -> dict[str, Any]:
        return {"new_matches": update_matches(store)}


class ThreadingAnalyzer(Analyzer):
    """Threads new posts into reply trees; a late parent joins the trees waiting for it."""

    name = "threading"
    order = 5

    def run(self, store: Store, **options: Any) -> dict[str, Any]:
        from grapevine.conversations import update_threads

        return update_threads(store)


class SentimentAnalyzer(Analyzer):
    name = "sentiment"
    order = 20

    def run(self, store: Store, **options: Any) -> dict[str, Any]:
        return score_posts(store, "sentiment", options.get("model", "auto"), options.get("progress"))


class EmotionAnalyzer(Analyzer):
    name = "emotion"
    order = 30

    def run(self, store: Store, **options: Any) -> dict[str, Any]:
        return score_posts(store, "emotion", options.get("model", "auto"), options.get("progress"))
