"""Social CRM: what a team records about people and conversations, and the rules it keeps.

- Relationship stage per person (:data:`STAGES`: unknown, aware, engaged, advocate, detractor),
  tags and notes (:func:`set_stage`, :func:`add_tag`, :func:`add_note`).
- Conversations: status (open, pending, closed) and assignee (:func:`set_conversation`).
- Outreach log with a contact-frequency cap (:func:`log_outreach`, :func:`set_contact_cap`):
  the contact that reaches the cap is logged with a warning, one more is refused.
- Do-not-contact list (:func:`add_do_not_contact`), honoured everywhere: people rows carry
  ``do_not_contact`` and lose their channels (:func:`annotate_people`), outreach is refused.

Everything is stored in the workspace (store migration 6), keyed by person ids, which stay
stable across re-runs of identity resolution.

Examples
--------
>>> import grapevine, tempfile
>>> from grapevine.crm import contact_cap
>>> ws = grapevine.open_workspace(tempfile.mkdtemp())
>>> contact_cap(ws.store)
ContactCap(limit=3, window_days=30)
>>> ws.close()
"""

from grapevine.crm._common import resolve_person
from grapevine.crm._conversations import (
    STATUSES,
    conversation_key,
    conversation_record,
    conversation_records,
    set_conversation,
)
from grapevine.crm._outreach import (
    ContactCap,
    ContactRefused,
    contact_cap,
    contact_check,
    log_outreach,
    outreach_history,
    set_contact_cap,
)
from grapevine.crm._people import (
    STAGES,
    add_do_not_contact,
    add_note,
    add_tag,
    annotate_people,
    crm_people,
    do_not_contact_ids,
    do_not_contact_list,
    notes,
    person_record,
    remove_do_not_contact,
    remove_tag,
    set_stage,
)
from grapevine.crm._schema import CRM_SQL, migrate_crm

__all__ = [
    "CRM_SQL",
    "STAGES",
    "STATUSES",
    "ContactCap",
    "ContactRefused",
    "add_do_not_contact",
    "add_note",
    "add_tag",
    "annotate_people",
    "contact_cap",
    "contact_check",
    "conversation_key",
    "conversation_record",
    "conversation_records",
    "crm_people",
    "do_not_contact_ids",
    "do_not_contact_list",
    "log_outreach",
    "migrate_crm",
    "notes",
    "outreach_history",
    "person_record",
    "remove_do_not_contact",
    "remove_tag",
    "resolve_person",
    "set_contact_cap",
    "set_conversation",
    "set_stage",
]
