"""A hook through which a caller can keep workspace-wide results that several calls would recompute.

Library functions that need a result about everyone (influence scores, audience numbers) to
answer about one person take an optional ``memo``; the web app passes one that keeps results
between pages until it writes, the CLI passes none and computes them once per command.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

__all__ = ["Memo", "compute_now"]

T = TypeVar("T")


class Memo(Protocol):
    """``memo(name, params, compute)``: ``compute()``'s value for (name, params), perhaps kept from before."""

    def __call__(self, name: str, params: tuple[Any, ...], compute: Callable[[], T]) -> T: ...


def compute_now(name: str, params: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """The memo that keeps nothing."""
    return compute()
