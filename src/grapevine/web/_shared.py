"""Library results that several pages compute alike, shared between them until the app writes.

The people table, a person's page and the reach planner all score influence over the whole
workspace (seconds on a large one); the people table and the reach planner read the same people
rows. Like the page cache, these only change when the app writes, which empties this too.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["POST_DERIVED", "SharedResults", "shared_result"]

SHARED_SIZE = 8
# Results computed from posts, accounts and edges alone, which the app's writes (CRM records,
# drafts) never change; they survive a write. (While it serves, the app is the workspace's only
# writer: DuckDB lets one process open a database for writing.)
POST_DERIVED = frozenset({"influence_table", "audience_columns"})


class SharedResults:
    """``compute()``'s answer per (name, parameters), kept until :meth:`clear`.

    Results for the whole workspace (every parameter None: influence of every account, the
    audience numbers) are pinned, since every person page reads them; up to ``size`` others
    (a brand's influence, a filtered people table; tens of MB each on a large workspace) are
    kept, the least recently used dropped first.
    """

    def __init__(self, size: int = SHARED_SIZE) -> None:
        self.size = size
        self.generation = 0
        self._values: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._pinned: set[tuple[Any, ...]] = set()
        self._lock = threading.Lock()

    def get(
        self, name: str, params: tuple[Any, ...], compute: Callable[[], Any], pin: bool | None = None
    ) -> Any:
        """The kept value, or ``compute()``'s, kept; ``pin`` defaults to "every parameter is None"."""
        key = (name, params)
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            generation = self.generation
        value = compute()
        with self._lock:
            if generation == self.generation:  # nothing was written while it was computed
                self._values[key] = value
                if pin if pin is not None else all(p is None for p in params):
                    self._pinned.add(key)
                unpinned = [k for k in self._values if k not in self._pinned]
                for old in unpinned[: max(0, len(unpinned) - self.size)]:
                    del self._values[old]
        return value

    def names(self) -> set[str]:
        """The names of the results kept now."""
        with self._lock:
            return {name for name, _ in self._values}

    def clear(self, keep: frozenset[str] = frozenset()) -> None:
        """Forget every result except those named in ``keep`` (which the write cannot have changed)."""
        with self._lock:
            self.generation += 1
            for key in [k for k in self._values if k[0] not in keep]:
                del self._values[key]
            self._pinned &= set(self._values)


def shared_result(
    shared: SharedResults | None,
    name: str,
    params: tuple[Any, ...],
    compute: Callable[[], Any],
    pin: bool | None = None,
) -> Any:
    """From ``shared`` when given (and there), else computed now."""
    return compute() if shared is None else shared.get(name, params, compute, pin)
