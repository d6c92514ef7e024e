"""Text commands: tracked queries, enrichment (sentiment, emotion), model evaluation."""

from __future__ import annotations

from pathlib import Path

import click

from grapevine.analyzers.tracking import query_matches_text
from grapevine.cli._app import AppContext, cli, pass_app
from grapevine.cli._output import echo_json, echo_rows, format_option

MODEL_CHOICE = click.Choice(["auto", "fast", "accurate"])


@cli.group()
def track() -> None:
    """Track brands and topics with queries; matches stay up to date as posts arrive.

    \b
    Example:
        grapevine track add acme '(acme OR @AcmeSupport OR #acmemobile) NOT job*'
    """


@track.command("add")
@click.argument("name")
@click.argument("query")
@click.option("--replace", is_flag=True, help="Replace the query if NAME is already tracked.")
@pass_app
def track_add(app: AppContext, name: str, query: str, replace: bool) -> None:
    """Track QUERY under NAME and match it against every stored post.

    \b
    Example:
        grapevine track add northwind '"northwind airlines" OR @FlyNorthwind OR site:northwind.example'
    """
    found = app.workspace().track(name, query, replace=replace)
    click.echo(f"Tracking {found.name!r}: {found.matches:,} matching posts so far.")


@track.command("list")
@format_option()
@pass_app
def track_list(app: AppContext, fmt: str) -> None:
    """List tracked queries with their number of matching posts.

    \b
    Example:
        grapevine track list --format json
    """
    rows = [
        {"name": t.name, "query": t.query, "matches": t.matches, "matched_through": t.matched_through}
        for t in app.workspace().tracks()
    ]
    echo_rows(rows, fmt)


@track.command("remove")
@click.argument("name")
@pass_app
def track_remove(app: AppContext, name: str) -> None:
    """Stop tracking NAME and forget its matches.

    \b
    Example:
        grapevine track remove acme
    """
    app.workspace().untrack(name)
    click.echo(f"Stopped tracking {name!r}.")


@track.command("test")
@click.argument("query")
@click.option("--text", "texts", multiple=True, required=True, help="A post text to test (repeatable).")
@click.option("--lang", help="The post's language code, for lang: filters.")
@click.option("--platform", help="The post's platform, for platform: filters.")
@click.option("--author", help="The post's author handle, for author: filters.")
def track_test(
    query: str, texts: tuple[str, ...], lang: str | None, platform: str | None, author: str | None
) -> None:
    """Say whether QUERY matches each --text; exits 1 when none matches.

    \b
    Example:
        grapevine track test 'acme NEAR/3 (broken OR refund)' --text 'My Acme phone is broken'
    """
    fields = {k: v for k, v in {"lang": lang, "platform": platform, "author_handle": author}.items() if v}
    hits = 0
    for text in texts:
        hit = query_matches_text(query, text, **fields)
        hits += hit
        click.echo(f"{'match' if hit else 'no match'}: {text}")
    if not hits:
        raise SystemExit(1)


@cli.command()
@click.option(
    "--model",
    type=MODEL_CHOICE,
    default="auto",
    show_default=True,
    help="Model tier: accurate, fast, or auto (accurate; fast for bulk backfills).",
)
@click.option(
    "--only",
    multiple=True,
    help="Run only this analyzer (threading, tracking, sentiment, emotion, people, care; repeatable).",
)
@pass_app
def enrich(app: AppContext, model: str, only: tuple[str, ...]) -> None:
    """Run the analyzers (threads, tracked queries, sentiment, emotion, people, care) over new posts.

    A new model version rescores every post, since scores are stored per model version.

    \b
    Example:
        grapevine enrich --model fast
    """
    echo_json(app.workspace().enrich(model=model, only=only or None))


@cli.group(name="eval")
def evaluate() -> None:
    """Evaluate the text models on labelled files in the TweetEval format.

    \b
    Example:
        grapevine eval sentiment --text val_text.txt --labels val_labels.txt --format json
    """


def _eval_command(task: str) -> click.Command:
    @click.option(
        "--text",
        "text_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        required=True,
        help="One text per line.",
    )
    @click.option(
        "--labels",
        "labels_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        required=True,
        help="One integer label per line, same order.",
    )
    @click.option("--model", type=click.Choice(["fast", "accurate"]), default="fast", show_default=True)
    @format_option(default="table", choices=("table", "json"))
    def command(text_file: Path, labels_file: Path, model: str, fmt: str) -> None:
        from grapevine.analyzers.evaluation import evaluate_files

        result = evaluate_files(task, text_file, labels_file, model)
        if fmt == "json":
            echo_json(result)
        else:
            metric = "macro_recall" if task == "sentiment" else "macro_f1"
            click.echo(
                f"{task} ({result['model']}) on {result['n']:,} texts: {metric} {result[metric]:.4f}, "
                f"accuracy {result['accuracy']:.4f}, {result['posts_per_s']:,.0f} posts/s"
            )
            labels = result["labels"]
            rows = [
                {"true \\ predicted": label, **dict(zip(labels, row, strict=True))}
                for label, row in zip(labels, result["confusion_matrix"], strict=True)
            ]
            echo_rows(rows, "table")

    metric = "macro-averaged recall" if task == "sentiment" else "macro-averaged F1"
    labels = (
        "0 negative, 1 neutral, 2 positive"
        if task == "sentiment"
        else "0 anger, 1 joy, 2 optimism, 3 sadness"
    )
    command.__doc__ = f"""Score the {task} model on a labelled file: {metric}, accuracy, confusion, speed.

    Labels: {labels}.

    \\b
    Example:
        grapevine eval {task} --text {task}/val_text.txt --labels {task}/val_labels.txt --format json
    """
    return evaluate.command(name=task)(command)


_eval_command("sentiment")
_eval_command("emotion")
