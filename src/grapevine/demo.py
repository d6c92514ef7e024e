"""``python -m grapevine.demo WORKSPACE``: print what grapevine found in a workspace.

``make demo`` runs it after simulating and ingesting a small world.
"""

from __future__ import annotations

import sys

import click

from grapevine.cli._output import render_table
from grapevine.overview import overview
from grapevine.workspace import open_workspace


def main(path: str) -> None:
    with open_workspace(path) as ws:
        found = overview(ws)
    stats = found["stats"]
    platforms = ", ".join(f"{name} {count:,}" for name, count in stats["platforms"].items())
    click.echo(
        f"\ngrapevine found {stats['posts']:,} posts ({platforms}), {stats['accounts']:,} accounts, "
        f"{stats['edges']:,} follow edges; {stats['quarantined']:,} records quarantined.\n"
    )
    for title, key in (
        ("Most followed accounts", "most_followed"),
        ("Top hashtags", "top_hashtags"),
        ("Posts that drew the most replies", "most_replied"),
    ):
        click.secho(title, bold=True)
        click.echo(render_table(found[key]) + "\n")
    click.echo(f"Explore it yourself: grapevine --workspace {path} posts --contains refund")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "demo-data/workspace")
