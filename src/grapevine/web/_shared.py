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

SHARED_SIZE = 16
# Results computed from posts, accounts and edges alone, which the app's writes (CRM records,
# drafts) never change; they survive a write.
POST_DERIVED = frozenset({"influence_table", "audience_columns"})


class SharedResults:
    """``compute()``'s answer per (name, parameters), kept until :meth:`clear` (least used dropped first)."""

    def __init__(self, size: int = SHARED_SIZE) -> None:
        self.size = size
        self.generation = 0
        self._values: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, name: str, params: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
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
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
        return value

    def clear(self, keep: frozenset[str] = frozenset()) -> None:
        """Forget every result except those named in ``keep`` (which the write cannot have changed)."""
        with self._lock:
            self.generation += 1
            for key in [k for k in self._values if k[0] not in keep]:
                del self._values[key]


def shared_result(
    shared: SharedResults | None, name: str, params: tuple[Any, ...], compute: Callable[[], Any]
) -> Any:
    """From ``shared`` when given (and there), else computed now."""
    return compute() if shared is None else shared.get(name, params, compute)
