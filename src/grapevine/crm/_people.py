"""What a team records about a person: relationship stage, tags, notes, do-not-contact.

The do-not-contact list is the one record every front end must honour: people rows carry
``do_not_contact`` (:func:`annotate_people`), their contact channels are withheld from pages and
exports, and :func:`grapevine.crm.log_outreach` refuses to log a contact with them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from grapevine.crm._common import checked, now_utc, resolve_person
from grapevine.errors import GrapevineError

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = [
    "STAGES",
    "add_do_not_contact",
    "add_note",
    "add_tag",
    "annotate_people",
    "crm_people",
    "do_not_contact_ids",
    "do_not_contact_list",
    "notes",
    "person_record",
    "remove_do_not_contact",
    "remove_tag",
    "set_stage",
]

#: relationship stages, in the order a relationship usually moves through them
STAGES = ("unknown", "aware", "engaged", "advocate", "detractor")
NOTE_SUBJECTS = ("person", "conversation")
MAX_NOTE = 10_000
_TAG = re.compile(r"^[\w][\w.:-]{0,63}$")


def set_stage(store: Store, ref: str, stage: str, by: str | None = None) -> dict[str, Any]:
    """Set the relationship stage of the person ``ref`` names; returns their CRM record."""
    chosen = checked(stage, STAGES, "stage")
    pid = resolve_person(store, ref)
    store.run(
        "INSERT INTO crm_people VALUES (?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET "
        "stage = excluded.stage, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        [pid, chosen, now_utc(), by],
    )
    return person_record(store, pid)


def _tag(tag: str) -> str:
    cleaned = (tag or "").strip().lower().removeprefix("#")
    if not _TAG.match(cleaned):
        raise GrapevineError(
            f"invalid tag {tag!r}: use 1-64 letters, digits, '_', '-', '.' or ':' with no spaces"
        )
    return cleaned


def add_tag(store: Store, ref: str, tag: str) -> dict[str, Any]:
    """Tag a person (tags are lower-cased; adding one twice changes nothing)."""
    pid = resolve_person(store, ref)
    store.run("INSERT OR IGNORE INTO crm_tags VALUES (?, ?, ?)", [pid, _tag(tag), now_utc()])
    return person_record(store, pid)


def remove_tag(store: Store, ref: str, tag: str) -> dict[str, Any]:
    """Remove a tag from a person (a tag they do not have is an error, so typos show)."""
    pid = resolve_person(store, ref)
    cleaned = _tag(tag)
    if not store.run("SELECT 1 FROM crm_tags WHERE person_id = ? AND tag = ?", [pid, cleaned]):
        raise GrapevineError(f"person {pid} has no tag {cleaned!r}")
    store.run("DELETE FROM crm_tags WHERE person_id = ? AND tag = ?", [pid, cleaned])
    return person_record(store, pid)


def add_note(
    store: Store, subject: str, subject_id: str, text: str, author: str | None = None
) -> dict[str, Any]:
    """Add a note to a person (``subject="person"``, any person reference) or a conversation.

    A conversation is named ``platform:conversation_key``. Returns the note.
    """
    kind = checked(subject, NOTE_SUBJECTS, "note subject")
    body = (text or "").strip()
    if not body:
        raise GrapevineError("a note needs some text")
    if len(body) > MAX_NOTE:
        raise GrapevineError(f"a note holds at most {MAX_NOTE:,} characters; this one has {len(body):,}")
    if kind == "person":
        key = resolve_person(store, subject_id)
    else:
        from grapevine.crm._conversations import conversation_key

        platform, root = conversation_key(store, subject_id)
        key = f"{platform}:{root}"
    (row,) = store.run(
        "INSERT INTO crm_notes (subject, subject_id, text, author, created_at) VALUES (?, ?, ?, ?, ?) "
        "RETURNING id, subject, subject_id, text, author, created_at",
        [kind, key, body, author, now_utc()],
    )
    return dict(zip(("id", "subject", "subject_id", "text", "author", "created_at"), row, strict=True))


def notes(store: Store, subject: str, subject_id: str) -> list[dict[str, Any]]:
    """Notes on one person id or one ``platform:conversation_key``, newest first."""
    kind = checked(subject, NOTE_SUBJECTS, "note subject")
    return store.query(
        "SELECT id, subject, subject_id, text, author, created_at FROM crm_notes "
        "WHERE subject = ? AND subject_id = ? ORDER BY created_at DESC, id DESC",
        [kind, subject_id],
    ).to_pylist()


def add_do_not_contact(
    store: Store, ref: str, reason: str | None = None, by: str | None = None
) -> dict[str, Any]:
    """Put a person on the do-not-contact list: outreach to them is refused from now on."""
    pid = resolve_person(store, ref)
    store.run(
        "INSERT INTO crm_do_not_contact VALUES (?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET "
        "reason = excluded.reason, added_at = excluded.added_at, added_by = excluded.added_by",
        [pid, (reason or "").strip() or None, now_utc(), by],
    )
    return person_record(store, pid)


def remove_do_not_contact(store: Store, ref: str) -> dict[str, Any]:
    """Take a person off the do-not-contact list."""
    pid = resolve_person(store, ref)
    if not store.run("SELECT 1 FROM crm_do_not_contact WHERE person_id = ?", [pid]):
        raise GrapevineError(f"person {pid} is not on the do-not-contact list")
    store.run("DELETE FROM crm_do_not_contact WHERE person_id = ?", [pid])
    return person_record(store, pid)


def do_not_contact_ids(store: Store) -> set[str]:
    """The person ids on the do-not-contact list."""
    return {row[0] for row in store.run("SELECT person_id FROM crm_do_not_contact")}


def do_not_contact_list(store: Store) -> list[dict[str, Any]]:
    """The do-not-contact list, newest first."""
    return store.query(
        "SELECT person_id, reason, added_at, added_by FROM crm_do_not_contact ORDER BY added_at DESC, person_id"
    ).to_pylist()


def person_record(store: Store, person_id: str) -> dict[str, Any]:
    """Everything the CRM holds on one person id: stage, tags, notes, outreach, do-not-contact."""
    from grapevine.crm._outreach import contact_check, outreach_history

    stage = store.run("SELECT stage, updated_at, updated_by FROM crm_people WHERE person_id = ?", [person_id])
    dnc = store.run(
        "SELECT reason, added_at, added_by FROM crm_do_not_contact WHERE person_id = ?", [person_id]
    )
    return {
        "person_id": person_id,
        "stage": stage[0][0] if stage else "unknown",
        "stage_updated_at": stage[0][1] if stage else None,
        "stage_updated_by": stage[0][2] if stage else None,
        "tags": [
            r[0] for r in store.run("SELECT tag FROM crm_tags WHERE person_id = ? ORDER BY tag", [person_id])
        ],
        "do_not_contact": bool(dnc),
        "do_not_contact_reason": dnc[0][0] if dnc else None,
        "notes": notes(store, "person", person_id),
        "outreach": outreach_history(store, person_id),
        "contact": contact_check(store, person_id),
    }


def annotate_people(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add ``stage``, ``tags`` and ``do_not_contact`` to people rows (keyed by ``person_id``), in place.

    A do-not-contact person's contact channels are withheld (``channels`` becomes [] and
    ``reachable`` False) so that no page or export offers a way to reach them.
    """
    stages = dict(store.run("SELECT person_id, stage FROM crm_people"))
    tags: dict[str, list[str]] = {}
    for pid, tag in store.run("SELECT person_id, tag FROM crm_tags ORDER BY person_id, tag"):
        tags.setdefault(pid, []).append(tag)
    blocked = do_not_contact_ids(store)
    for row in rows:
        pid = row["person_id"]
        row["stage"] = stages.get(pid, "unknown")
        row["tags"] = tags.get(pid, [])
        row["do_not_contact"] = pid in blocked
        if pid in blocked:
            if "channels" in row:
                row["channels"] = []
            if "reachable" in row:
                row["reachable"] = False
    return rows


def crm_people(store: Store, stage: str | None = None, tag: str | None = None) -> list[dict[str, Any]]:
    """People the CRM holds anything on (a stage, a tag, a note, outreach, do-not-contact), filtered."""
    where, params = [], []
    if stage is not None:
        where.append("coalesce(s.stage, 'unknown') = ?")
        params.append(checked(stage, STAGES, "stage"))
    if tag is not None:
        where.append("list_contains(t.tags, ?)")
        params.append(_tag(tag))
    sql = (
        "WITH ids AS (SELECT person_id FROM crm_people UNION SELECT person_id FROM crm_tags "
        "UNION SELECT subject_id FROM crm_notes WHERE subject = 'person' "
        "UNION SELECT person_id FROM crm_outreach UNION SELECT person_id FROM crm_do_not_contact), "
        "t AS (SELECT person_id, list(tag ORDER BY tag) AS tags FROM crm_tags GROUP BY person_id), "
        "o AS (SELECT person_id, count(*) AS contacts, max(contacted_at) AS last_contacted_at "
        "      FROM crm_outreach GROUP BY person_id), "
        "n AS (SELECT subject_id AS person_id, count(*) AS notes FROM crm_notes WHERE subject = 'person' "
        "      GROUP BY subject_id) "
        "SELECT ids.person_id, coalesce(s.stage, 'unknown') AS stage, coalesce(t.tags, []) AS tags, "
        "coalesce(n.notes, 0) AS notes, coalesce(o.contacts, 0) AS contacts, o.last_contacted_at, "
        "d.person_id IS NOT NULL AS do_not_contact FROM ids "
        "LEFT JOIN crm_people s USING (person_id) LEFT JOIN t USING (person_id) "
        "LEFT JOIN o USING (person_id) LEFT JOIN n USING (person_id) "
        "LEFT JOIN crm_do_not_contact d USING (person_id)"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    return store.query(sql + " ORDER BY ids.person_id", params).to_pylist()
