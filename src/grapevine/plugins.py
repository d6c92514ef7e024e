"""The plugin registry: sources (and later analyzers and engines) are found by entry point.

grapevine's own sources are declared in ``pyproject.toml`` under the same
``[project.entry-points."grapevine.sources"]`` group that a third-party package would use,
so the hook API is exercised by every built-in.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from grapevine.errors import GrapevineError

if TYPE_CHECKING:
    from grapevine.analyzers import Analyzer
    from grapevine.sources.base import Source

__all__ = ["ANALYZER_GROUP", "SOURCE_GROUP", "Registry", "UnknownSourceError", "default_registry"]

SOURCE_GROUP = "grapevine.sources"
ANALYZER_GROUP = "grapevine.analyzers"


class UnknownSourceError(GrapevineError):
    """A source name that no installed plugin provides."""


class Registry:
    """Named plugins, loaded lazily from entry points, plus any registered by hand."""

    def __init__(self, load_entry_points: bool = True) -> None:
        self._sources: dict[str, Source] = {}
        self._analyzers: dict[str, Analyzer] = {}
        self._load_entry_points = load_entry_points
        self._loaded = False

    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if not self._load_entry_points:
            return
        for ep in entry_points(group=SOURCE_GROUP):
            if ep.name not in self._sources:
                self.register_source(ep.load()(), name=ep.name)
        for ep in entry_points(group=ANALYZER_GROUP):
            if ep.name not in self._analyzers:
                self.register_analyzer(ep.load()(), name=ep.name)

    def register_source(self, source: Source, name: str | None = None) -> Source:
        """Add a source instance; its ``name`` (or ``name=``) is how users pick it with ``--source``."""
        key = name or source.name
        if not key:
            raise ValueError(f"source {source!r} has no name")
        self._sources[key] = source
        return source

    def register_analyzer(self, analyzer: Analyzer, name: str | None = None) -> Analyzer:
        """Add an analyzer; :meth:`analyzers` runs them in their ``order``."""
        self._analyzers[name or analyzer.name] = analyzer
        return analyzer

    def analyzers(self) -> dict[str, Analyzer]:
        self._ensure_loaded()
        return dict(sorted(self._analyzers.items(), key=lambda item: (item[1].order, item[0])))

    def sources(self) -> dict[str, Source]:
        self._ensure_loaded()
        return dict(sorted(self._sources.items()))

    def source(self, name: str) -> Source:
        self._ensure_loaded()
        try:
            return self._sources[name]
        except KeyError:
            known = ", ".join(sorted(self._sources)) or "none installed"
            raise UnknownSourceError(f"unknown source {name!r}; known sources: {known}") from None


_default: Registry | None = None


def default_registry() -> Registry:
    """The process-wide registry holding every installed plugin."""
    global _default
    if _default is None:
        _default = Registry()
    return _default
