"""Reply drafts: what a team member would answer in a conversation, kept with a status. Never sent.

grapevine posts nothing anywhere: a draft is a note with a status that a person moves along
(``draft`` -> ``ready`` for review -> ``sent`` once *they* have posted it on the platform, or
``discarded``). Drafts are kept in the workspace's ``reply_drafts`` table (store migration 7,
defined with the CRM tables in :mod:`grapevine.crm._schema`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from grapevine import crm
from grapevine.errors import GrapevineError

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = [
    "DRAFT_STATUSES",
    "MAX_DRAFT",
    "add_draft",
    "draft_statuses",
    "drafts",
    "update_draft",
]

DRAFT_STATUSES = ("draft", "ready", "sent", "discarded")
MAX_DRAFT = 5_000
_COLUMNS = (
    "id",
    "conversation",
    "reply_to",
    "text",
    "status",
    "author",
    "created_at",
    "updated_at",
    "updated_by",
)


def _text(text: str | None) -> str:
    body = (text or "").strip()
    if not body:
        raise GrapevineError("a reply draft needs some text")
    if len(body) > MAX_DRAFT:
        raise GrapevineError(
            f"a reply draft holds at most {MAX_DRAFT:,} characters; this one has {len(body):,}"
        )
    return body


def _status(status: str) -> str:
    if status not in DRAFT_STATUSES:
        raise GrapevineError(f"unknown draft status {status!r}; expected one of {', '.join(DRAFT_STATUSES)}")
    return status


def _select(where: str) -> str:
    return (
        "SELECT id, platform || ':' || conversation_key, reply_to, text, status, author, created_at, "
        f"updated_at, updated_by FROM reply_drafts WHERE {where}"
    )


def add_draft(
    store: Store, conversation: str, text: str, reply_to: str | None = None, author: str | None = None
) -> dict[str, Any]:
    """Save a reply draft (status ``draft``) on the conversation ``platform:root_id``; returns it."""
    platform, key = crm.conversation_key(store, conversation)
    body = _text(text)
    if reply_to and not store.run(
        "SELECT 1 FROM post_threads WHERE platform = ? AND conversation_key = ? AND id = ? AND NOT is_placeholder",
        [platform, key, reply_to],
    ):
        raise GrapevineError(f"post {reply_to!r} is not part of conversation {platform}:{key}")
    now = datetime.now(UTC)
    (row,) = store.run(
        "INSERT INTO reply_drafts (platform, conversation_key, reply_to, text, status, author, created_at, "
        "updated_at, updated_by) VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?) RETURNING id",
        [platform, key, reply_to or None, body, author, now, now, author],
    )
    return _one(store, int(row[0])) or {}


def update_draft(
    store: Store,
    conversation: str,
    draft_id: int,
    text: str | None = None,
    status: str | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    """Change a draft's text and/or status; a draft marked ``sent`` or ``discarded`` keeps its text."""
    platform, key = crm.conversation_key(store, conversation)
    if text is None and status is None:
        raise GrapevineError("give the draft's new text, its status or both")
    current = _one(store, draft_id)
    if current is None or current["conversation"] != f"{platform}:{key}":
        raise GrapevineError(f"no reply draft {draft_id} on conversation {platform}:{key}")
    if text is not None and current["status"] in ("sent", "discarded"):
        raise GrapevineError(f"draft {draft_id} is {current['status']}; start a new draft instead")
    store.run(
        "UPDATE reply_drafts SET text = ?, status = ?, updated_at = ?, updated_by = ? WHERE id = ?",
        [
            _text(text) if text is not None else current["text"],
            _status(status) if status is not None else current["status"],
            datetime.now(UTC),
            by,
            draft_id,
        ],
    )
    return _one(store, draft_id) or {}


def _one(store: Store, draft_id: int) -> dict[str, Any] | None:
    rows = store.run(_select("id = ?"), [draft_id])
    return dict(zip(_COLUMNS, rows[0], strict=True)) if rows else None


def drafts(store: Store, platform: str, key: str) -> list[dict[str, Any]]:
    """The drafts of one conversation, newest first."""
    rows = store.run(
        _select("platform = ? AND conversation_key = ?") + " ORDER BY created_at DESC, id DESC",
        [platform, key],
    )
    return [dict(zip(_COLUMNS, row, strict=True)) for row in rows]


def draft_statuses(store: Store) -> dict[tuple[str, str], str]:
    """Per conversation with drafts, the status of its newest one that is still open (draft or ready).

    Conversations whose drafts were all sent or discarded are left out: nothing waits on them.
    """
    return {
        (p, k): s
        for p, k, s in store.run(
            "SELECT platform, conversation_key, arg_max(status, id) FROM reply_drafts "
            "WHERE status IN ('draft', 'ready') GROUP BY ALL"
        )
    }
