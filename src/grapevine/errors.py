"""Exceptions that front ends turn into one clear message instead of a traceback."""

from __future__ import annotations

__all__ = ["GrapevineError", "IngestError"]


class GrapevineError(Exception):
    """Base class for errors a user can act on; the message says what was expected."""


class IngestError(GrapevineError):
    """A file cannot be imported at all (unknown format, empty, unreadable, wrong encoding)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
