"""Analyzers enrich the store after each import: reply threads, tracked-query matches, sentiment,
emotion, then who is who across platforms and where each customer stands.

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

__all__ = [
    "Analyzer",
    "CareAnalyzer",
    "EmotionAnalyzer",
    "PeopleAnalyzer",
    "SentimentAnalyzer",
    "ThreadingAnalyzer",
    "TrackingAnalyzer",
]


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


class PeopleAnalyzer(Analyzer):
    """Contact channels and identity resolution (person ids), so the people pages need not wait.

    The people commands and pages would do it on first read; here an import pays for it once.
    """

    name = "people"
    order = 40

    def run(self, store: Store, **options: Any) -> dict[str, Any]:
        from grapevine.people import refresh_people

        summary = refresh_people(store)
        return {"contacts": summary["contacts"], "people": summary["people"], "links": summary.get("links")}


class CareAnalyzer(Analyzer):
    """Each customer's state, trajectory and forecast in brand conversations (after the scores)."""

    name = "care"
    order = 50

    def run(self, store: Store, **options: Any) -> dict[str, Any]:
        from grapevine.care import refresh_care

        return refresh_care(store)
