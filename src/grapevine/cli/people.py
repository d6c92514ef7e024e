"""People commands: the people table, one person in full, merge/split, audiences."""

from __future__ import annotations

from typing import Any

import click

from grapevine.cli._app import AppContext, cli, pass_app
from grapevine.cli._output import echo_json, echo_rows, format_option, render_table
from grapevine.people import (
    SORTS,
    audience,
    merge_people,
    people_table,
    person_of,
    person_profile,
    reachability,
    split_person,
)

TABLE_VIEW = (
    "handle",
    "platform",
    "mentions",
    "positive",
    "negative",
    "trend",
    "reachable",
    "reach",
    "influence",
    "person_id",
)


def _share(row: dict[str, Any], name: str) -> str:
    share, low, high = row[f"{name}_share"], row[f"{name}_low"], row[f"{name}_high"]
    if share is None:
        return ""
    return f"{share:.0%} ({low:.0%}-{high:.0%})"


def _view(row: dict[str, Any]) -> dict[str, Any]:
    trend = row["trend"]
    return {
        "handle": row["handle"],
        "platform": row["platform"],
        "mentions": row["mentions"],
        "positive": _share(row, "positive"),
        "negative": _share(row, "negative"),
        "trend": "" if trend is None else f"{trend:+.0%}",
        "reachable": ", ".join(row["channels"]) if row["reachable"] else "no",
        "reach": "" if row["reach"] is None else f"{row['reach']:,} {row['reach_basis']}",
        "influence": "" if row["influence"] is None else f"{row['influence']:.1f}",
        "person_id": row["person_id"],
    }


@cli.group(invoke_without_command=True)
@click.option("--brand", help="Only people who mentioned this tracked query (default: every tracked query).")
@click.option("--since", help="Count posts on or after this date (YYYY-MM-DD or ISO time).")
@click.option("--until", help="Count posts before this date.")
@click.option("--platform", help="Only people with an account there, counting their posts there.")
@click.option(
    "--sort",
    type=click.Choice(list(SORTS)),
    default="influence",
    show_default=True,
    help="Best first by this.",
)
@click.option("--top", type=int, default=50, show_default=True, help="At most this many rows (0: all).")
@click.option(
    "--reachable", is_flag=True, help="Only people with a contact channel (e-mail, phone, website, handle)."
)
@click.option(
    "--brand-accounts",
    "own_accounts",
    is_flag=True,
    help="With --brand, keep the brand's own accounts (left out by default; see brand-accounts).",
)
@format_option()
@click.pass_context
def people(
    ctx: click.Context,
    brand: str | None,
    since: str | None,
    until: str | None,
    platform: str | None,
    sort: str,
    top: int,
    reachable: bool,
    own_accounts: bool,
    fmt: str,
) -> None:
    """List people (accounts joined across platforms) with their brand numbers, reach and influence.

    Each row is a person: mentions of the brand, positive and negative share with a 95%
    interval (corrected for the sentiment model's errors), trend against the previous period,
    whether a contact channel is known, reach (followers, else people who interacted) and the
    influence score. JSON and CSV carry every field (person_id, accounts, intervals, first and
    last mention, audience, channels ...). Subcommands merge and split correct the identities.

    \b
    Example:
        grapevine people --brand acme --top 10 --sort influence
        grapevine people --brand acme --reachable --format csv > acme-people.csv
    """
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.ensure_object(AppContext)
    rows = people_table(
        app.workspace().store,
        brand=brand,
        since=since,
        until=until,
        platform=platform,
        sort=sort,
        top=top or None,
        reachable=True if reachable else None,
        own_accounts=own_accounts,
    )
    if fmt == "table":
        echo_rows([_view(r) for r in rows], fmt, TABLE_VIEW)
    else:
        echo_rows(rows, fmt)


@people.command("merge")
@click.argument("first")
@click.argument("second")
@click.option("--note", help="Why: kept with the override.")
@pass_app
def people_merge(app: AppContext, first: str, second: str, note: str | None) -> None:
    """Say that two accounts (or people) are one person; this overrides the automatic links.

    FIRST and SECOND are handles, platform:handle, profile URLs or person ids.

    \b
    Example:
        grapevine people merge twitter:alice_b mastodon:alice@toot.example
    """
    pid = merge_people(app.workspace().store, first, second, note)
    click.echo(f"Merged: {first} and {second} are now person {pid}.")


@people.command("split")
@click.argument("account")
@click.option("--note", help="Why: kept with the override.")
@pass_app
def people_split(app: AppContext, account: str, note: str | None) -> None:
    """Detach an account from its person: no automatic link joins it to anyone any more.

    \b
    Example:
        grapevine people split mastodon:alice@toot.example
    """
    pid = split_person(app.workspace().store, account, note)
    click.echo(f"Split: {account} is now person {pid} on its own.")


@people.command("segments")
@click.option("--brand", help="Only this tracked query.")
@click.option("--since", help="Count posts on or after this date.")
@click.option("--until", help="Count posts before this date.")
@format_option()
@pass_app
def people_segments(
    app: AppContext, brand: str | None, since: str | None, until: str | None, fmt: str
) -> None:
    """Show, per brand and platform, how many people mentioned it and what share we can reach.

    \b
    Example:
        grapevine people segments --brand acme --format json
    """
    echo_rows(reachability(app.workspace().store, brand, since, until), fmt)


@cli.command()
@click.argument("handle")
@click.option("--brand", help="Brand numbers and posts for this tracked query only.")
@click.option("--since", help="Count posts on or after this date.")
@click.option("--until", help="Count posts before this date.")
@click.option("--explain", is_flag=True, help="Show every influence component: value, weight and share.")
@format_option(choices=("table", "json"))
@pass_app
def person(
    app: AppContext,
    handle: str,
    brand: str | None,
    since: str | None,
    until: str | None,
    explain: bool,
    fmt: str,
) -> None:
    """Show one person across platforms: accounts, why they were joined, channels, brands, audience.

    HANDLE is a handle, platform:handle, a profile URL or a person id.

    \b
    Example:
        grapevine person AliceB --explain
        grapevine person mastodon:alice@toot.example --brand acme --format json
    """
    profile = person_profile(app.workspace().store, handle, brand, since, until, explain=explain)
    if fmt == "json":
        echo_json(profile)
        return
    click.secho(f"Person {profile['person_id']}", bold=True)
    echo_rows(profile["accounts"], "table", ("platform", "handle", "display_name", "followers_count", "url"))
    if profile["links"]:
        click.secho("\nWhy these accounts are one person", bold=True)
        for link in profile["links"]:
            click.echo(
                f"  {link['a_platform']}:{link['a_id']} - {link['b_platform']}:{link['b_id']}  "
                f"confidence {link['confidence']:.2f}  [{link['status']}]"
            )
            for reason in link["reasons"]:
                click.echo(f"      {reason}")
    click.secho("\nContact channels", bold=True)
    if profile.get("do_not_contact"):
        click.echo("(withheld: this person is on the do-not-contact list)")
    else:
        echo_rows(profile["channels"], "table", ("kind", "value", "found_in", "account"))
    click.secho("\nBrands", bold=True)
    brands = [
        {**row, "positive": _share(row, "positive"), "negative": _share(row, "negative")}
        for row in profile["brands"]
    ]
    echo_rows(
        brands,
        "table",
        ("brand", "mentions", "positive", "negative", "trend", "first_mention", "last_mention"),
    )
    click.secho(
        f"\nPosts behind the numbers ({profile['post_count']}; --format json lists every id)", bold=True
    )
    echo_rows(profile["posts"], "table", ("platform", "id", "created_at", "brands", "sentiment", "text"))
    click.secho("\nAudience", bold=True)
    click.echo(render_table([{k: v for k, v in profile["audience"].items()}]))
    score = profile["influence"]
    click.secho(f"\nInfluence: {'unknown' if score is None else f'{score:.1f} / 100'}", bold=True)
    if explain:
        click.echo(profile["explanation"])


@cli.command("audience")
@click.argument("handles", nargs=-1, required=True)
@format_option(default="json", choices=("json", "table"))
@pass_app
def audience_command(app: AppContext, handles: tuple[str, ...], fmt: str) -> None:
    """Count the people a set of people reaches: de-duplicated followers and two hops out.

    The audience is the distinct people following any of their accounts (a follower of two
    of them counts once), not the sum of follower counts (followers_sum, for comparison);
    two_hop adds the people who follow someone in that audience. Unknown (null) when none of
    their accounts appears in a follow edge list.

    \b
    Example:
        grapevine audience AliceB twitter:bob mastodon:carol@toot.example --format json
    """
    store = app.workspace().store
    ids = [person_of(store, handle) for handle in handles]
    result = audience(store, ids)
    if fmt == "json":
        echo_json(result)
    else:
        click.echo(render_table([result]))
