"""The inbox for one conversation: filtered in SQL, the same rows as the full inbox has for it."""

from __future__ import annotations

from grapevine.care import refresh_care
from grapevine.care.inbox import inbox
from tests.care.test_care_store import NOW, acme  # noqa: F401  (the fixture)


def _key_of(ws, customer: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    refresh_care(ws.store)
    ((platform, key),) = ws.store.run(
        "SELECT platform, conversation_key FROM care_customers WHERE customer_id = ?", [customer]
    )
    return platform, key


def test_one_conversation_gives_the_full_inbox_rows_for_it(acme) -> None:  # noqa: F811
    full = inbox(acme.store, now=NOW, limit=None, include_resolved=True)
    assert {r["customer"] for r in full} == {"c1", "c2", "c3", "c4"}
    for row in full:
        wanted = (row["platform"], row["conversation_key"])
        one = inbox(acme.store, now=NOW, limit=None, include_resolved=True, conversation=wanted)
        assert one == [r for r in full if (r["platform"], r["conversation_key"]) == wanted]
        assert len(one) == 1


def test_a_conversation_not_waiting_or_unknown_gives_no_rows(acme) -> None:  # noqa: F811
    resolved = _key_of(acme, "c2")
    assert inbox(acme.store, now=NOW, limit=None, conversation=resolved) == []  # resolved drops out
    kept = inbox(acme.store, now=NOW, limit=None, include_resolved=True, conversation=resolved)
    assert [(r["customer"], r["trajectory"]) for r in kept] == [("c2", "resolved")]
    assert inbox(acme.store, now=NOW, limit=None, conversation=("twitter", "no-such-thread")) == []
    waiting = _key_of(acme, "c3")
    assert [r["customer"] for r in inbox(acme.store, now=NOW, conversation=waiting, brand="acme")] == ["c3"]
