"""Who is handling a conversation, and where it stands: open, pending (waiting on the customer) or closed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grapevine.crm._common import checked, now_utc
from grapevine.errors import GrapevineError

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = ["STATUSES", "conversation_key", "conversation_record", "conversation_records", "set_conversation"]

STATUSES = ("open", "pending", "closed")


def conversation_key(store: Store, ref: str) -> tuple[str, str]:
    """``(platform, conversation_key)`` of ``platform:root_id``; the conversation must exist."""
    platform, sep, root = (ref or "").partition(":")
    if not sep or not platform or not root:
        raise GrapevineError(f"invalid conversation {ref!r}; expected platform:root_id, e.g. twitter:1234")
    if not store.run(
        "SELECT 1 FROM conversations WHERE platform = ? AND conversation_key = ?", [platform, root]
    ):
        raise GrapevineError(f"no conversation {ref!r}; see `grapevine conversations`")
    return platform, root


def set_conversation(
    store: Store,
    ref: str,
    status: str | None = None,
    assignee: str | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    """Set the status and/or assignee of the conversation ``platform:root_id`` (``assignee=""`` unassigns)."""
    platform, root = conversation_key(store, ref)
    if status is None and assignee is None:
        raise GrapevineError("give a status, an assignee or both")
    current = conversation_record(store, platform, root)
    new_status = checked(status, STATUSES, "status") if status is not None else current["status"]
    new_assignee = current["assignee"] if assignee is None else (assignee.strip() or None)
    if new_assignee is not None and len(new_assignee) > 80:
        raise GrapevineError("an assignee name holds at most 80 characters")
    store.run(
        "INSERT INTO crm_conversations VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, conversation_key) "
        "DO UPDATE SET status = excluded.status, assignee = excluded.assignee, "
        "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        [platform, root, new_status, new_assignee, now_utc(), by],
    )
    return conversation_record(store, platform, root)


def conversation_record(store: Store, platform: str, key: str) -> dict[str, Any]:
    """Status (``open`` until set), assignee and notes of one conversation."""
    from grapevine.crm._people import notes

    row = store.run(
        "SELECT status, assignee, updated_at, updated_by FROM crm_conversations "
        "WHERE platform = ? AND conversation_key = ?",
        [platform, key],
    )
    status, assignee, updated_at, updated_by = row[0] if row else ("open", None, None, None)
    return {
        "conversation": f"{platform}:{key}",
        "status": status,
        "assignee": assignee,
        "updated_at": updated_at,
        "updated_by": updated_by,
        "notes": notes(store, "conversation", f"{platform}:{key}"),
    }


def conversation_records(store: Store) -> dict[tuple[str, str], dict[str, Any]]:
    """Status and assignee of every conversation that has one, by ``(platform, conversation_key)``."""
    return {
        (p, k): {"status": s, "assignee": a}
        for p, k, s, a in store.run(
            "SELECT platform, conversation_key, status, assignee FROM crm_conversations"
        )
    }
