"""Simulated worlds, for the demo and for benchmarks at scale."""

from __future__ import annotations

from pathlib import Path

import click

from grapevine.cli._app import cli
from grapevine.cli._output import echo_json


@cli.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--people", type=int, default=1000, show_default=True, help="How many people live in the world."
)
@click.option("--days", type=int, default=30, show_default=True, help="How many days of activity.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed: same seed, same bytes.")
@click.option("--posts", type=int, default=None, help="Total posts to write (default: from people and days).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def simulate(out: Path, people: int, days: int, seed: int, posts: int | None, as_json: bool) -> None:
    """Write a synthetic world in the platforms' own formats (Twitter v2, Mastodon, RSS).

    \b
    Example:
        grapevine simulate world/ --people 2000 --days 30 --seed 7
        grapevine ingest world/twitter world/mastodon world/blogs
    """
    from grapevine.simulate import simulate_world

    summary = simulate_world(out, people=people, days=days, seed=seed, posts=posts)
    data = summary.as_dict() if hasattr(summary, "as_dict") else dict(vars(summary))
    if as_json:
        echo_json(data)
    else:
        click.echo(f"Wrote a simulated world to {out}:")
        for key, value in data.items():
            click.echo(f"  {key}: {value:,}" if isinstance(value, int) else f"  {key}: {value}")
