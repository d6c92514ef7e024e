"""Getting data in and out: ingest, stats, posts, export, quarantine, sources."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from grapevine.cli._app import AppContext, cli, pass_app
from grapevine.cli._output import echo_json, echo_rows, format_option, render_table
from grapevine.errors import IngestError
from grapevine.ingest import FileSummary, Progress
from grapevine.workspace import EXPORT_FORMATS, EXPORT_TABLES


def _parse_options(values: tuple[str, ...]) -> dict[str, str]:
    options = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {value!r}", param_hint="--option")
        options[key.strip()] = val
    return options


class _ProgressBar:
    """One self-updating line on stderr: file, records, posts, rate, percentage."""

    def __init__(self) -> None:
        self.width = 0

    def __call__(self, p: Progress) -> None:
        elapsed = max(time.perf_counter() - p.started, 1e-9)
        pct = f"{100 * p.bytes_done / p.bytes_total:5.1f}% " if p.bytes_total and p.bytes_done else ""
        bar_len = 20
        filled = int(bar_len * p.bytes_done / p.bytes_total) if p.bytes_total else 0
        bar = "[" + "#" * min(filled, bar_len) + "." * (bar_len - min(filled, bar_len)) + "] "
        name = p.path if len(p.path) <= 40 else "…" + p.path[-39:]
        line = (
            f"{bar}{pct}Importing {name} ({p.file_index}/{p.files}): "
            f"{p.records:,} records, {p.posts:,} posts, {p.records / elapsed:,.0f} records/s"
        )
        pad = max(self.width - len(line), 0)
        self.width = len(line)
        click.echo("\r" + line + " " * pad, nl=False, err=True)

    def done(self) -> None:
        if self.width:
            click.echo("\r" + " " * self.width + "\r", nl=False, err=True)
            self.width = 0


def _tail(path: str, width: int = 48) -> str:
    """The end of a long path, which is the part that tells files apart."""
    return path if len(path) <= width else "…" + path[-(width - 1) :]


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--source", "-s", "source", help="Force a source instead of detecting it (see `grapevine sources`)."
)
@click.option("--option", "-o", "options", multiple=True, help="A source option KEY=VALUE (repeatable).")
@click.option("--strict", is_flag=True, help="Stop at the first bad record instead of quarantining it.")
@click.option(
    "--progress/--no-progress", default=None, help="Show a progress bar (default: when stderr is a terminal)."
)
@click.option(
    "--enrich/--no-enrich",
    default=True,
    show_default=True,
    help="Run the analyzers (tracked queries, sentiment, emotion) on the new posts.",
)
@format_option(choices=("table", "json"))
@pass_app
def ingest(
    app: AppContext,
    paths: tuple[str, ...],
    source: str | None,
    options: tuple[str, ...],
    strict: bool,
    progress: bool | None,
    enrich: bool,
    fmt: str,
) -> None:
    """Import files, folders, globs or - (stdin) into the workspace.

    The format of each file is detected (Twitter v1.1/v2, Mastodon, Bluesky, Reddit, RSS/Atom,
    CSV layouts, edge lists); .gz, .bz2 and .zst are read transparently. Importing the same data
    twice changes nothing. Bad records go to quarantine with file, line and reason.

    \b
    Example:
        grapevine ingest tweets.jsonl.gz mastodon/ 'feeds/*.xml'
        grapevine ingest follows.txt --source edgelist --option kind=follow
    """
    ws = app.workspace()
    show = sys.stderr.isatty() if progress is None else progress
    bar = _ProgressBar() if show else None
    failures: list[IngestError] = []

    def on_error(exc: IngestError) -> None:
        if bar:
            bar.done()
        failures.append(exc)
        click.echo(f"Error: {exc}", err=True)

    summaries: list[FileSummary] = ws.ingest(
        paths,
        source=source,
        options=_parse_options(options),
        strict=strict,
        progress=bar,
        on_error=on_error,
        enrich=enrich,
    )
    if bar:
        bar.done()
    if fmt == "json":
        echo_json({"files": [s.as_dict() for s in summaries], "errors": [str(f) for f in failures]})
    else:
        rows = [
            {
                "file": _tail(s.path),
                "source": s.source,
                "read": f"{s.read:,}",
                "new": f"{s.new:,}",
                "duplicate": f"{s.duplicate:,}",
                "accounts": f"{s.accounts_new:,}",
                "edges": f"{s.edges_new:,}",
                "quarantined": f"{s.quarantined:,}",
                "seconds": f"{s.seconds:.2f}",
            }
            for s in summaries
        ]
        if rows:
            click.echo(render_table(rows))
        for s in summaries:
            if s.first_problem:
                click.echo(
                    f"Quarantined {s.quarantined:,} record(s) from {s.path}; first: {s.first_problem}. "
                    "See `grapevine quarantine`.",
                    err=True,
                )
    if failures:
        raise SystemExit(1)


@cli.command()
@format_option(choices=("table", "json"))
@pass_app
def stats(app: AppContext, fmt: str) -> None:
    """Count posts, accounts, edges and quarantined records in the workspace.

    \b
    Example:
        grapevine stats --format json
    """
    data = app.workspace().stats()
    if fmt == "json":
        echo_json(data)
        return
    rows = [{"what": k, "count": f"{v:,}"} for k, v in data.items() if k != "platforms"]
    rows += [{"what": f"posts on {k}", "count": f"{v:,}"} for k, v in data["platforms"].items()]
    click.echo(render_table(rows))


POST_COLUMNS = ("platform", "id", "author_handle", "created_at", "text", "like_count", "repost_count")


@cli.command()
@click.option("--author", help="Only posts by this handle or account id.")
@click.option("--since", help="Only posts at or after this date (YYYY-MM-DD or ISO time).")
@click.option("--until", help="Only posts before this date.")
@click.option("--contains", help="Only posts whose text contains this (case-insensitive).")
@click.option("--platform", help="Only posts from this platform.")
@click.option("--limit", type=int, default=50, show_default=True, help="At most this many posts (0: all).")
@format_option()
@pass_app
def posts(
    app: AppContext,
    author: str | None,
    since: str | None,
    until: str | None,
    contains: str | None,
    platform: str | None,
    limit: int,
    fmt: str,
) -> None:
    """List posts, newest first.

    \b
    Example:
        grapevine posts --author @acme --since 2024-01-01 --contains refund --format csv
    """
    table = app.workspace().posts(
        author=author, since=since, until=until, contains=contains, platform=platform, limit=limit or None
    )
    if fmt == "table":
        echo_rows(table, fmt, POST_COLUMNS)
    else:
        drop = [c for c in ("file_key", "record", "ingested_at") if c in table.column_names]
        echo_rows(table.drop_columns(drop), fmt)


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(EXPORT_FORMATS), default=None, help="Default: from OUT's suffix."
)
@click.option("--table", type=click.Choice(EXPORT_TABLES), default="posts", show_default=True)
@pass_app
def export(app: AppContext, out: Path, fmt: str | None, table: str) -> None:
    """Export a table to Parquet, JSON Lines or CSV.

    \b
    Example:
        grapevine export posts.parquet
        grapevine export accounts.csv --table accounts
    """
    if fmt is None:
        fmt = {".parquet": "parquet", ".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv"}.get(
            out.suffix.lower()
        )
        if fmt is None:
            raise click.BadParameter(
                f"cannot tell the format from {out.name!r}; pass --format", param_hint="OUT"
            )
    rows = app.workspace().export(out, fmt, table)
    click.echo(f"Wrote {rows:,} {table} rows to {out} ({fmt}).")


@cli.command()
@click.option("--limit", type=int, default=50, show_default=True, help="At most this many records (0: all).")
@format_option()
@pass_app
def quarantine(app: AppContext, limit: int, fmt: str) -> None:
    """List records that could not be imported, with file, line and reason.

    \b
    Example:
        grapevine quarantine --format csv > problems.csv
    """
    echo_rows(app.workspace().quarantine(limit or None), fmt)


@cli.command()
@format_option(choices=("table", "json"))
@pass_app
def sources(app: AppContext, fmt: str) -> None:
    """List the installed sources (formats grapevine can import).

    \b
    Example:
        grapevine sources
    """
    from grapevine.plugins import default_registry

    rows = [
        {"name": name, "platform": s.platform, "description": s.description, "options": ", ".join(s.options)}
        for name, s in default_registry().sources().items()
    ]
    echo_rows(rows, fmt)


@cli.command()
@click.option("--source", "-s", "source", help="Only records imported by this source.")
@pass_app
def remap(app: AppContext, source: str | None) -> None:
    """Rebuild posts, accounts and edges from the archived raw payloads.

    Run it after upgrading grapevine or a source plugin: the original files are not needed.

    \b
    Example:
        grapevine remap --source mastodon
    """
    totals = app.workspace().remap(source)
    click.echo(
        f"Re-mapped {totals['records']:,} records from {totals['files']:,} archived files into {totals['posts']:,} posts; "
        f"{totals['failed']:,} could not be mapped and were left as they were."
    )
