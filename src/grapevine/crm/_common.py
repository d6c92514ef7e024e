"""Small helpers the CRM modules share: resolving people, clock, validation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from grapevine.errors import GrapevineError

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = ["checked", "now_utc", "resolve_person", "timestamp"]


def resolve_person(store: Store, ref: str) -> str:
    """The person id of ``ref`` (person id, handle, platform:handle or profile URL)."""
    from grapevine.people import person_of

    if not ref or not ref.strip():
        raise GrapevineError("a person is needed: give a person id, a handle or platform:handle")
    return person_of(store, ref.strip())


def now_utc() -> datetime:
    return datetime.now(UTC)


def timestamp(value: datetime | str | None) -> datetime:
    """``value`` as an aware datetime (now when None); a naive time is refused rather than guessed."""
    if value is None:
        return now_utc()
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise GrapevineError(f"invalid time {value!r}; expected an ISO 8601 time") from None
    if value.tzinfo is None:
        raise GrapevineError(f"time {value.isoformat()} has no timezone; add one, e.g. +00:00")
    return value


def checked(value: str, allowed: tuple[str, ...], what: str) -> str:
    """``value`` lower-cased when it is one of ``allowed``; else a clear error naming them."""
    chosen = (value or "").strip().lower()
    if chosen not in allowed:
        raise GrapevineError(f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")
    return chosen
