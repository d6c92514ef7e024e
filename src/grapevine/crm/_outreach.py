"""The outreach log and its contact-frequency cap, so that nobody is spammed.

The cap allows at most ``limit`` contacts with one person in any ``window_days`` days
(default 3 in 30; change it with :func:`set_contact_cap`). The contact that reaches the limit is
logged with a warning that says when the next one becomes possible; one more inside the window
is refused (:class:`ContactRefused`), and so is any contact with a person on the do-not-contact
list. The cap counts the contacts logged here, whoever logged them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from grapevine.crm._common import resolve_person, timestamp
from grapevine.errors import GrapevineError

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = [
    "ContactCap",
    "ContactRefused",
    "contact_cap",
    "contact_check",
    "log_outreach",
    "outreach_history",
    "set_contact_cap",
]

DEFAULT_LIMIT = 3
DEFAULT_WINDOW_DAYS = 30
MAX_SUMMARY = 2_000


class ContactRefused(GrapevineError):
    """Outreach that must not happen: the person is on the do-not-contact list, or was contacted too often."""

    def __init__(self, person_id: str, reason: str) -> None:
        super().__init__(f"contact with {person_id} refused: {reason}")
        self.person_id = person_id
        self.reason = reason


@dataclass(frozen=True)
class ContactCap:
    """At most ``limit`` contacts with one person in any ``window_days`` days."""

    limit: int = DEFAULT_LIMIT
    window_days: int = DEFAULT_WINDOW_DAYS

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise GrapevineError(f"contact limit must be at least 1, got {self.limit}")
        if not 1 <= self.window_days <= 3650:
            raise GrapevineError(f"contact window must be 1 to 3650 days, got {self.window_days}")


def contact_cap(store: Store) -> ContactCap:
    """The workspace's cap (the defaults until :func:`set_contact_cap` changes it)."""
    values = dict(store.run("SELECT name, value FROM crm_settings WHERE name LIKE 'contact_%'"))
    return ContactCap(
        int(values.get("contact_limit", DEFAULT_LIMIT)),
        int(values.get("contact_window_days", DEFAULT_WINDOW_DAYS)),
    )


def set_contact_cap(store: Store, limit: int, window_days: int) -> ContactCap:
    """Allow at most ``limit`` contacts per person in any ``window_days`` days."""
    cap = ContactCap(int(limit), int(window_days))
    with store.transaction() as con:
        for name, value in (("contact_limit", cap.limit), ("contact_window_days", cap.window_days)):
            con.execute(
                "INSERT INTO crm_settings VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                [name, str(value)],
            ).fetchall()
    return cap


def contact_check(store: Store, person_id: str, at: datetime | str | None = None) -> dict[str, Any]:
    """Whether one more contact with ``person_id`` at ``at`` (default now) is allowed, and why not.

    Returns ``allowed``, ``warning`` (this contact would reach the limit), ``reason``,
    ``contacts_in_window``, ``limit``, ``window_days`` and ``next_allowed_at`` (None when allowed now
    or never, as for do-not-contact).
    """
    when = timestamp(at)
    cap = contact_cap(store)
    window = timedelta(days=cap.window_days)
    times = [
        row[0]
        for row in store.run(
            "SELECT contacted_at FROM crm_outreach WHERE person_id = ? AND contacted_at > ? AND contacted_at <= ? "
            "ORDER BY contacted_at",
            [person_id, when - window, when],
        )
    ]
    result: dict[str, Any] = {
        "allowed": True,
        "warning": None,
        "reason": None,
        "contacts_in_window": len(times),
        "limit": cap.limit,
        "window_days": cap.window_days,
        "next_allowed_at": None,
    }
    dnc = store.run("SELECT reason FROM crm_do_not_contact WHERE person_id = ?", [person_id])
    if dnc:
        result["allowed"] = False
        result["reason"] = "on the do-not-contact list" + (f" ({dnc[0][0]})" if dnc[0][0] else "")
        return result
    if len(times) >= cap.limit:
        # The contact that must fall out of the window before the count drops below the limit.
        next_at = times[len(times) - cap.limit] + window
        result["allowed"] = False
        result["next_allowed_at"] = next_at
        result["reason"] = (
            f"already contacted {len(times)} times in the last {cap.window_days} days "
            f"(limit {cap.limit}); next possible {next_at:%Y-%m-%d %H:%M} UTC"
        )
    elif len(times) == cap.limit - 1:
        next_at = (times[0] if times else when) + window
        result["warning"] = (
            f"this is contact {cap.limit} of {cap.limit} allowed in {cap.window_days} days; "
            f"another before {next_at:%Y-%m-%d %H:%M} UTC will be refused"
        )
    return result


def log_outreach(
    store: Store,
    ref: str,
    channel: str,
    summary: str | None = None,
    by: str | None = None,
    at: datetime | str | None = None,
) -> dict[str, Any]:
    """Record a contact with the person ``ref`` names, unless the cap or the do-not-contact list forbids it.

    Raises :class:`ContactRefused` when it is forbidden; the returned entry carries the cap's
    ``warning`` when this contact reached the limit.
    """
    pid = resolve_person(store, ref)
    medium = (channel or "").strip().lower()
    if not medium or len(medium) > 40:
        raise GrapevineError(
            "outreach needs a channel such as email, phone, handle or dm (at most 40 characters)"
        )
    text = (summary or "").strip() or None
    if text is not None and len(text) > MAX_SUMMARY:
        raise GrapevineError(f"an outreach summary holds at most {MAX_SUMMARY:,} characters")
    when = timestamp(at)
    with store.transaction():  # the check and the insert together: two tabs cannot both pass the cap
        check = contact_check(store, pid, when)
        if not check["allowed"]:
            raise ContactRefused(pid, check["reason"])
        (row,) = store.run(
            "INSERT INTO crm_outreach (person_id, channel, summary, logged_by, contacted_at, warning) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id, person_id, channel, summary, logged_by, contacted_at, warning",
            [pid, medium, text, by, when, check["warning"]],
        )
    keys = ("id", "person_id", "channel", "summary", "logged_by", "contacted_at", "warning")
    return dict(zip(keys, row, strict=True))


def outreach_history(store: Store, person_id: str) -> list[dict[str, Any]]:
    """Every logged contact with one person id, newest first."""
    return store.query(
        "SELECT id, channel, summary, logged_by, contacted_at, warning FROM crm_outreach WHERE person_id = ? "
        "ORDER BY contacted_at DESC, id DESC",
        [person_id],
    ).to_pylist()
