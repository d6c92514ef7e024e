"""``python -m grapevine.demo WORLD WORKSPACE``: show what grapevine finds in a simulated world.

``make demo`` runs it after simulating a small world and ingesting it. It tracks the world's
brands the way a user would (names, handles, hashtags, sites) and prints what grapevine found.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from grapevine.cli._output import render_table
from grapevine.overview import overview
from grapevine.workspace import Workspace, open_workspace


def brand_query(row: dict[str, str]) -> str:
    """A tracking query for one simulated brand, as a social-listening user would write it."""
    handles = [row["twitter_handle"], row["twitter_support_handle"]]
    tag = row["name"].replace(" ", "").lower()
    parts = [f'"{row["name"]}"', *(f"@{h}" for h in handles if h), f"#{tag}", f"site:{row['site']}"]
    return " OR ".join(parts)


def track_brands(ws: Workspace, world: Path) -> None:
    with open(world / "truth" / "brands.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            ws.track(row["brand"], brand_query(row), replace=True)


def show(ws: Workspace) -> None:
    found = overview(ws)
    stats = found["stats"]
    platforms = ", ".join(f"{name} {count:,}" for name, count in stats["platforms"].items())
    click.echo(
        f"\ngrapevine found {stats['posts']:,} posts ({platforms}), {stats['accounts']:,} accounts, "
        f"{stats['edges']:,} follow edges; {stats['quarantined']:,} records quarantined.\n"
    )
    click.secho(
        "Brands: mentions and positive share (95% interval, corrected for the model's errors)", bold=True
    )
    rows = [
        {
            "brand": r["brand"],
            "mentions": f"{r['mentions']:,}",
            "positive": "n/a"
            if r["positive_share"] is None
            else f"{r['positive_share']:.0%} ({r['positive_low']:.0%}-{r['positive_high']:.0%})",
            "negative": "n/a"
            if r["negative_share"] is None
            else f"{r['negative_share']:.0%} ({r['negative_low']:.0%}-{r['negative_high']:.0%})",
            "model": r["model"],
        }
        for r in ws.brand_sentiment()
    ]
    click.echo(render_table(rows) + "\n")
    for title, key in (
        ("Most followed accounts", "most_followed"),
        ("Top hashtags", "top_hashtags"),
        ("Posts that drew the most replies", "most_replied"),
    ):
        click.secho(title, bold=True)
        click.echo(render_table(found[key]) + "\n")


def main(world: str, path: str) -> None:
    with open_workspace(path) as ws:
        track_brands(ws, Path(world))
        show(ws)
    click.echo(f"Explore it yourself: grapevine --workspace {path} brands   (or: posts --contains refund)")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m grapevine.demo WORLD_DIR WORKSPACE_DIR")
    main(sys.argv[1], sys.argv[2])
