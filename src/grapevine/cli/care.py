"""Customer-care commands: the inbox, brand accounts, the forecast's evaluation."""

from __future__ import annotations

from pathlib import Path

import click

from grapevine.care import add_brand_account, exclude_brand_account, forget_brand_account, list_brand_accounts
from grapevine.care.inbox import duration_text
from grapevine.care.inbox import inbox as care_inbox
from grapevine.cli._app import AppContext, cli, pass_app
from grapevine.cli._output import echo_json, echo_rows, format_option
from grapevine.cli.text import evaluate

INBOX_COLUMNS = ("priority", "brand", "customer", "state", "trajectory", "waiting", "why")


@cli.command()
@click.option("--brand", help="Only this brand (a tracked query's name, or an inferred support account).")
@click.option("--limit", type=int, default=20, show_default=True, help="At most this many (0: all).")
@click.option("--now", help="Measure waiting against this time (ISO 8601); default: the latest post.")
@click.option("--all", "include_resolved", is_flag=True, help="Keep resolved and satisfied customers too.")
@format_option(choices=("table", "json"))
@pass_app
def inbox(
    app: AppContext, brand: str | None, limit: int, now: str | None, include_resolved: bool, fmt: str
) -> None:
    """List the brand conversations that need attention, highest priority first, each with why.

    Priority adds the customer's state (angry > frustrated > neutral), trajectory (escalating
    first), waiting time while unanswered, reach (followers, else how many people reply to
    them) and the forecast chance of ending unsatisfied; --format json gives every component.

    \b
    Example:
        grapevine inbox --brand acme --limit 10 --format json
    """
    rows = care_inbox(
        app.workspace().store, brand=brand, limit=limit or None, now=now, include_resolved=include_resolved
    )
    if fmt == "json":
        echo_json(rows)
        return
    for row in rows:
        row["waiting"] = "" if row["waiting_s"] is None else duration_text(row["waiting_s"])
    echo_rows(rows, "table", INBOX_COLUMNS)


@cli.group(name="brand-accounts")
def brand_accounts() -> None:
    """Say which accounts speak for a brand (tracked @handles and support-like accounts count by default).

    \b
    Example:
        grapevine brand-accounts add acme @AcmeSupport
    """


@brand_accounts.command("list")
@click.option("--no-infer", is_flag=True, help="Leave out accounts inferred from how they behave.")
@format_option()
@pass_app
def brand_accounts_list(app: AppContext, no_infer: bool, fmt: str) -> None:
    """List brand accounts with their origin: explicit, query (a tracked @handle) or inferred.

    \b
    Example:
        grapevine brand-accounts list --format csv
    """
    echo_rows(list_brand_accounts(app.workspace().store, infer=not no_infer), fmt)


@brand_accounts.command("add")
@click.argument("brand")
@click.argument("handle")
@click.option("--platform", help="Only on this platform (default: every platform).")
@pass_app
def brand_accounts_add(app: AppContext, brand: str, handle: str, platform: str | None) -> None:
    """Register HANDLE as an account of BRAND; explicit registrations win over the rest.

    \b
    Example:
        grapevine brand-accounts add northwind @NorthwindHelp --platform twitter
    """
    add_brand_account(app.workspace().store, brand, handle, platform)
    click.echo(f"{handle} now speaks for {brand}.")


@brand_accounts.command("exclude")
@click.argument("handle")
@click.option("--platform", help="Only on this platform (default: every platform).")
@pass_app
def brand_accounts_exclude(app: AppContext, handle: str, platform: str | None) -> None:
    """Say HANDLE is no brand's account, whatever tracked queries or inference say.

    \b
    Example:
        grapevine brand-accounts exclude @superfan42
    """
    exclude_brand_account(app.workspace().store, handle, platform)
    click.echo(f"{handle} is not a brand account.")


@brand_accounts.command("forget")
@click.argument("handle")
@click.option("--platform", help="The platform it was registered on, if any.")
@pass_app
def brand_accounts_forget(app: AppContext, handle: str, platform: str | None) -> None:
    """Drop an explicit registration or exclusion of HANDLE.

    \b
    Example:
        grapevine brand-accounts forget @superfan42
    """
    forget_brand_account(app.workspace().store, handle, platform)
    click.echo(f"Forgot {handle}.")


def _default_data() -> Path:
    import os

    return Path(os.environ.get("GRAPEVINE_DATA") or Path.cwd().parent / "shared" / "data")


@evaluate.command("trajectory")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder with twcs_slice/, twitter_cdp/ and airline_tweets/ (default: $GRAPEVINE_DATA or ../shared/data).",
)
@click.option(
    "--tier",
    type=click.Choice(["fast", "accurate"]),
    default="accurate",
    show_default=True,
    help="Scores the turns get (the shipped model is trained on accurate scores, as the inbox reads them).",
)
@format_option(choices=("table", "json"))
def eval_trajectory(data: Path | None, tier: str, fmt: str) -> None:
    """Score the care forecast on held-out conversations, next to two baselines on the same points.

    Two evaluations, each with the model, the majority class and "the last customer turn's
    sentiment so far": the shipped model on its fixed 30% held-out conversations, and the
    training procedure under 5x5-fold cross-validation by conversation. Each at two horizons:
    after every turn (each customer counts once) and right before the customer's last turn.
    AUC intervals are 95% bootstraps over conversations; "gain" is the model's AUC minus the
    sentiment baseline's. Scores are memoised in ~/.cache/grapevine (first run: about a minute).

    \b
    Example:
        grapevine eval trajectory --data ../shared/data --format json
    """
    from grapevine.care.train import evaluate_trajectory

    result = evaluate_trajectory(data or _default_data(), tier)
    if fmt == "json":
        echo_json(result)
        return
    click.echo(
        f"care forecast {result['model']}: {result['customers']} customers in {result['conversations']} "
        f"conversations ({result['points']} forecast points; {result['satisfied_share']:.0%} end satisfied); "
        f"held out: {result['n_test']} customers; {result['split']}; scores {', '.join(result['scores_from'])}"
    )
    echo_rows(
        result["rows"],
        "table",
        ("evaluation", "horizon", "method", "customers", "accuracy", "roc_auc", "auc_low", "auc_high"),
    )
    for gain in result["auc_gain_over_sentiment"]:
        click.echo(
            f"gain over the sentiment baseline, {gain['evaluation']}, {gain['horizon']}: "
            f"{gain['auc_gain']:+.3f} AUC (95% {gain['low']:+.3f} to {gain['high']:+.3f})"
        )
    check = result["airline_state_check"]
    if check:
        click.echo(
            f"state check on {check['n']:,} airline tweets ({check['scores_from'][0]}): frustrated/angry vs "
            f"crowd 'negative': precision {check['precision']:.3f}, recall {check['recall']:.3f}"
        )
