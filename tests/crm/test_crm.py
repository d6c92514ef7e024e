"""The social CRM on a real workspace: stages, tags, notes, conversations, the contact cap, do-not-contact."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from grapevine import crm, open_workspace
from grapevine.cli import cli
from grapevine.errors import GrapevineError
from grapevine.models import Account, Post
from grapevine.store import Batch
from grapevine.workspace import Workspace

T0 = datetime(2024, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with open_workspace(tmp_path / "ws") as workspace:
        batch = Batch(source="test", path="people.jsonl", file_key="people")
        batch.add_accounts([Account("twitter", "1", handle="ada", bio="mail ada@example.org")], 1)
        batch.add_accounts([Account("twitter", "2", handle="bob")], 2)
        batch.add_posts(
            [Post("twitter", "10", author_id="1", author_handle="ada", text="hello", created_at=T0)], 3
        )
        batch.add_posts(
            [
                Post(
                    "twitter",
                    "11",
                    author_id="2",
                    author_handle="bob",
                    text="hi ada",
                    created_at=T0,
                    reply_to_id="10",
                    reply_to_author_id="1",
                )
            ],
            4,
        )
        workspace.store.write_batch(batch)
        workspace.update_threads()
        yield workspace


def test_stage_tags_and_notes(ws: Workspace) -> None:
    record = crm.set_stage(ws.store, "@ada", "Advocate", by="maria")
    assert (record["stage"], record["stage_updated_by"]) == ("advocate", "maria")
    assert crm.person_record(ws.store, crm.resolve_person(ws.store, "bob"))["stage"] == "unknown"
    with pytest.raises(GrapevineError, match="unknown stage 'fan'; expected one of unknown, aware"):
        crm.set_stage(ws.store, "ada", "fan")
    crm.add_tag(ws.store, "ada", "#Beta-Tester")
    assert crm.add_tag(ws.store, "ada", "beta-tester")["tags"] == ["beta-tester"]
    with pytest.raises(GrapevineError, match="invalid tag"):
        crm.add_tag(ws.store, "ada", "two words")
    with pytest.raises(GrapevineError, match="has no tag 'vip'"):
        crm.remove_tag(ws.store, "ada", "vip")
    crm.add_note(ws.store, "person", "ada", "first", author="maria")
    crm.add_note(ws.store, "person", "twitter:ada", "second")
    assert [n["text"] for n in crm.person_record(ws.store, record["person_id"])["notes"]] == [
        "second",
        "first",
    ]
    with pytest.raises(GrapevineError, match="a note needs some text"):
        crm.add_note(ws.store, "person", "ada", "   ")
    with pytest.raises(GrapevineError, match="no account or person matches 'nobody'"):
        crm.add_note(ws.store, "person", "nobody", "x")
    listed = crm.crm_people(ws.store, stage="advocate", tag="beta-tester")
    assert [(r["person_id"], r["notes"]) for r in listed] == [(record["person_id"], 2)]


def test_conversation_status_assignee_and_notes(ws: Workspace) -> None:
    record = crm.set_conversation(ws.store, "twitter:10", status="pending", assignee="maria")
    assert (record["status"], record["assignee"]) == ("pending", "maria")
    record = crm.set_conversation(ws.store, "twitter:10", assignee="")
    assert (record["status"], record["assignee"]) == ("pending", None)
    crm.add_note(ws.store, "conversation", "twitter:10", "refund sent")
    assert crm.conversation_record(ws.store, "twitter", "10")["notes"][0]["text"] == "refund sent"
    with pytest.raises(GrapevineError, match="no conversation 'twitter:999'"):
        crm.set_conversation(ws.store, "twitter:999", status="open")
    with pytest.raises(GrapevineError, match="expected platform:root_id"):
        crm.set_conversation(ws.store, "10", status="open")


def test_contact_cap_warns_then_blocks_and_the_window_slides(ws: Workspace) -> None:
    crm.set_contact_cap(ws.store, limit=2, window_days=7)
    first = crm.log_outreach(ws.store, "ada", "email", at=T0)
    assert first["warning"] is None
    second = crm.log_outreach(ws.store, "ada", "dm", at=T0 + timedelta(days=1))
    assert "contact 2 of 2 allowed in 7 days" in second["warning"]
    with pytest.raises(crm.ContactRefused, match="already contacted 2 times in the last 7 days") as refused:
        crm.log_outreach(ws.store, "ada", "email", at=T0 + timedelta(days=2))
    assert (
        "next possible 2024-03-08 12:00" in refused.value.reason
    )  # when the first contact leaves the window
    # Once the first contact is older than the window, one more is allowed, with a warning again.
    third = crm.log_outreach(ws.store, "ada", "email", at=T0 + timedelta(days=7, minutes=1))
    assert third["warning"] is not None
    pid = crm.resolve_person(ws.store, "ada")
    assert len(crm.outreach_history(ws.store, pid)) == 3
    with pytest.raises(GrapevineError, match="contact limit must be at least 1"):
        crm.set_contact_cap(ws.store, 0, 7)
    with pytest.raises(GrapevineError, match="has no timezone"):
        crm.log_outreach(ws.store, "bob", "email", at="2024-03-01T12:00:00")


def test_do_not_contact_refuses_outreach_and_hides_channels(ws: Workspace) -> None:
    rows = ws.people()
    ada = next(r for r in rows if r["handle"] == "ada")
    assert ada["reachable"] and "email" in ada["channels"]
    crm.add_do_not_contact(ws.store, "ada", reason="asked us to stop", by="maria")
    with pytest.raises(crm.ContactRefused, match=r"on the do-not-contact list \(asked us to stop\)"):
        crm.log_outreach(ws.store, "ada", "email", at=T0)
    marked = {r["handle"]: r for r in crm.annotate_people(ws.store, ws.people())}
    assert (
        marked["ada"]["do_not_contact"] and marked["ada"]["channels"] == [] and not marked["ada"]["reachable"]
    )
    assert not marked["bob"]["do_not_contact"]
    assert [r["person_id"] for r in crm.do_not_contact_list(ws.store)] == [ada["person_id"]]
    crm.remove_do_not_contact(ws.store, "ada")
    assert crm.log_outreach(ws.store, "ada", "email", at=T0)["channel"] == "email"


def test_crm_commands(ws: Workspace) -> None:
    where = ["--workspace", str(ws.path)]
    ws.close()  # the CLI opens the workspace itself
    runner = CliRunner()
    assert runner.invoke(cli, [*where, "crm", "stage", "ada", "engaged"]).exit_code == 0
    assert runner.invoke(cli, [*where, "crm", "cap", "--limit", "1", "--days", "30"]).output.startswith(
        "At most 1"
    )
    ok = runner.invoke(
        cli, [*where, "crm", "contact", "ada", "--channel", "email", "--at", "2024-03-01T12:00:00+00:00"]
    )
    assert ok.exit_code == 0
    again = runner.invoke(
        cli, [*where, "crm", "contact", "ada", "--channel", "email", "--at", "2024-03-02T12:00:00+00:00"]
    )
    assert again.exit_code != 0 and "already contacted 1 times" in str(again.exception)
    assert runner.invoke(cli, [*where, "crm", "dnc", "add", "bob", "--reason", "opted out"]).exit_code == 0
    listed = runner.invoke(cli, [*where, "crm", "dnc", "list", "--format", "json"])
    assert '"reason": "opted out"' in listed.output
    shown = runner.invoke(cli, [*where, "crm", "show", "ada", "--format", "json"])
    assert '"stage": "engaged"' in shown.output
