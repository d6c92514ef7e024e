"""Social-CRM commands: stages, tags, notes, conversation handling, outreach with its cap, do-not-contact."""

from __future__ import annotations

from typing import Any

import click

from grapevine import crm as lib
from grapevine.cli._app import AppContext, cli, pass_app
from grapevine.cli._output import echo_json, echo_rows, format_option


def _show(record: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        echo_json(record)
        return
    click.echo(
        f"{record['person_id']}  stage={record['stage']}  tags={','.join(record['tags']) or '-'}  "
        f"do_not_contact={'yes' if record['do_not_contact'] else 'no'}  "
        f"notes={len(record['notes'])}  contacts={len(record['outreach'])}"
    )


@cli.group()
def crm() -> None:
    """Record what the team knows and does: stages, tags, notes, outreach, do-not-contact.

    \b
    Example:
        grapevine crm stage @TheAdamTorres advocate
    """


@crm.command("show")
@click.argument("person")
@format_option(choices=("table", "json"))
@pass_app
def show(app: AppContext, person: str, fmt: str) -> None:
    """Show everything the CRM holds on PERSON (person id, handle or platform:handle).

    \b
    Example:
        grapevine crm show twitter:TheAdamTorres --format json
    """
    store = app.workspace().store
    record = lib.person_record(store, lib.resolve_person(store, person))
    if fmt == "json":
        echo_json(record)
        return
    _show(record, fmt)
    for note in record["notes"]:
        click.echo(f"  note {note['created_at']:%Y-%m-%d %H:%M} {note['author'] or '?'}: {note['text']}")
    for entry in record["outreach"]:
        click.echo(
            f"  contact {entry['contacted_at']:%Y-%m-%d %H:%M} via {entry['channel']}: {entry['summary'] or ''}"
        )


@crm.command("people")
@click.option("--stage", type=click.Choice(list(lib.STAGES)), help="Only people at this stage.")
@click.option("--tag", help="Only people with this tag.")
@format_option()
@pass_app
def people(app: AppContext, stage: str | None, tag: str | None, fmt: str) -> None:
    """List the people the CRM holds anything on, with stage, tags, notes and contacts.

    \b
    Example:
        grapevine crm people --stage advocate --format csv
    """
    echo_rows(lib.crm_people(app.workspace().store, stage=stage, tag=tag), fmt)


@crm.command("stage")
@click.argument("person")
@click.argument("stage", type=click.Choice(list(lib.STAGES)))
@click.option("--by", help="Who made the change.")
@format_option(choices=("table", "json"))
@pass_app
def stage(app: AppContext, person: str, stage: str, by: str | None, fmt: str) -> None:
    """Set the relationship stage of PERSON.

    \b
    Example:
        grapevine crm stage @TheAdamTorres engaged --by maria
    """
    _show(lib.set_stage(app.workspace().store, person, stage, by=by), fmt)


@crm.command("tag")
@click.argument("person")
@click.argument("tag")
@click.option("--remove", is_flag=True, help="Remove the tag instead.")
@format_option(choices=("table", "json"))
@pass_app
def tag(app: AppContext, person: str, tag: str, remove: bool, fmt: str) -> None:
    """Tag PERSON (or --remove a tag).

    \b
    Example:
        grapevine crm tag @TheAdamTorres beta-tester
    """
    store = app.workspace().store
    _show(lib.remove_tag(store, person, tag) if remove else lib.add_tag(store, person, tag), fmt)


@crm.command("note")
@click.argument("subject")
@click.argument("text")
@click.option(
    "--conversation", is_flag=True, help="SUBJECT is a conversation (platform:root_id), not a person."
)
@click.option("--by", help="Who wrote it.")
@format_option(choices=("table", "json"))
@pass_app
def note(app: AppContext, subject: str, text: str, conversation: bool, by: str | None, fmt: str) -> None:
    """Add a note to a person or, with --conversation, to a conversation.

    \b
    Example:
        grapevine crm note @TheAdamTorres "Asked for a demo unit" --by maria
    """
    row = lib.add_note(
        app.workspace().store, "conversation" if conversation else "person", subject, text, author=by
    )
    echo_rows([row], "json" if fmt == "json" else "table")


@crm.command("assign")
@click.argument("conversation")
@click.option(
    "--status",
    type=click.Choice(list(lib.STATUSES)),
    help="open, pending (waiting on the customer) or closed.",
)
@click.option("--to", "assignee", help='Who handles it ("" unassigns).')
@click.option("--by", help="Who made the change.")
@format_option(choices=("table", "json"))
@pass_app
def assign(
    app: AppContext, conversation: str, status: str | None, assignee: str | None, by: str | None, fmt: str
) -> None:
    """Set the status and/or assignee of CONVERSATION (platform:root_id).

    \b
    Example:
        grapevine crm assign twitter:1764369788882124800 --to maria --status pending
    """
    record = lib.set_conversation(
        app.workspace().store, conversation, status=status, assignee=assignee, by=by
    )
    record.pop("notes")
    echo_rows([record], "json" if fmt == "json" else "table")


@crm.command("contact")
@click.argument("person")
@click.option("--channel", required=True, help="How: email, phone, dm, handle, ...")
@click.option("--summary", help="What was said or asked.")
@click.option("--by", help="Who made the contact.")
@click.option("--at", "at", help="When (ISO 8601 with a timezone); default now.")
@format_option(choices=("table", "json"))
@pass_app
def contact(
    app: AppContext, person: str, channel: str, summary: str | None, by: str | None, at: str | None, fmt: str
) -> None:
    """Log a contact with PERSON; refused for do-not-contact people and past the contact cap.

    The contact that reaches the cap (see `grapevine crm cap`) is logged with a warning; one
    more inside the window is refused with the date it becomes possible.

    \b
    Example:
        grapevine crm contact @TheAdamTorres --channel email --summary "Invited to the launch"
    """
    entry = lib.log_outreach(app.workspace().store, person, channel, summary, by=by, at=at)
    if entry["warning"]:
        click.echo(f"Warning: {entry['warning']}", err=True)
    echo_rows([entry], "json" if fmt == "json" else "table")


@crm.command("cap")
@click.option("--limit", type=int, help="At most this many contacts per person ...")
@click.option("--days", type=int, help="... in any window of this many days.")
@pass_app
def cap(app: AppContext, limit: int | None, days: int | None) -> None:
    """Show or set the contact-frequency cap (default: 3 contacts in 30 days).

    \b
    Example:
        grapevine crm cap --limit 2 --days 14
    """
    store = app.workspace().store
    current = lib.contact_cap(store)
    if limit is not None or days is not None:
        current = lib.set_contact_cap(store, limit or current.limit, days or current.window_days)
    click.echo(f"At most {current.limit} contacts per person in any {current.window_days} days.")


@crm.group("dnc")
def dnc() -> None:
    """The do-not-contact list: honoured by every page, export and command.

    \b
    Example:
        grapevine crm dnc add @TheAdamTorres --reason "asked us to stop"
    """


@dnc.command("add")
@click.argument("person")
@click.option("--reason", help="Why (shown to the team).")
@click.option("--by", help="Who added them.")
@pass_app
def dnc_add(app: AppContext, person: str, reason: str | None, by: str | None) -> None:
    """Put PERSON on the do-not-contact list.

    \b
    Example:
        grapevine crm dnc add @TheAdamTorres --reason "asked us to stop"
    """
    record = lib.add_do_not_contact(app.workspace().store, person, reason, by=by)
    click.echo(f"{record['person_id']} is on the do-not-contact list.")


@dnc.command("remove")
@click.argument("person")
@pass_app
def dnc_remove(app: AppContext, person: str) -> None:
    """Take PERSON off the do-not-contact list.

    \b
    Example:
        grapevine crm dnc remove @TheAdamTorres
    """
    record = lib.remove_do_not_contact(app.workspace().store, person)
    click.echo(f"{record['person_id']} is off the do-not-contact list.")


@dnc.command("list")
@format_option()
@pass_app
def dnc_list(app: AppContext, fmt: str) -> None:
    """List the do-not-contact list.

    \b
    Example:
        grapevine crm dnc list --format csv
    """
    echo_rows(lib.do_not_contact_list(app.workspace().store), fmt)
