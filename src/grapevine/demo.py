"""``python -m grapevine.demo WORLD WORKSPACE``: show what grapevine finds in a simulated world.

``make demo`` runs it after simulating a small world and ingesting it. It tracks the world's
brands the way a user would (names, handles, hashtags, sites) and prints what grapevine found.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from grapevine.care.inbox import inbox_summary
from grapevine.cli._output import render_table
from grapevine.overview import overview
from grapevine.people import people_summary
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
    show_people(ws, "acme")
    for title, key in (
        ("Most followed accounts", "most_followed"),
        ("Top hashtags", "top_hashtags"),
        ("Posts that drew the most replies", "most_replied"),
    ):
        click.secho(title, bold=True)
        click.echo(render_table(found[key]) + "\n")
    click.secho("Customer-care inbox: who needs an answer first, and why", bold=True)
    click.echo(inbox_summary(ws) + "\n")


def show_people(ws: Workspace, brand: str) -> None:
    """The top influencers for one brand, why the first scores what it does, and their joint reach."""
    summary = people_summary(ws, brand, top=5)
    if not summary["top"]:
        return
    click.secho(f"Top people for {brand}, by influence (0-100, formula in docs/influence.md)", bold=True)
    columns = ("handle", "platform", "mentions", "positive_share", "reachable", "reach", "influence")
    rows = [{k: r.get(k) for k in columns} for r in summary["top"]]
    for row in rows:
        share = row["positive_share"]
        row["positive_share"] = "n/a" if share is None else f"{share:.0%}"
    click.echo(render_table(rows))
    click.echo(f"\nWhy {summary['top'][0]['handle']} ranks first:\n{summary['explanation']}")
    reach, seen = summary["reach"], summary["audience"]
    if reach:
        click.echo(
            f"\nIf the top five post the same message: {reach['expected_spread']:.1f} people expected to see it "
            f"(95% interval {reach['low']:.1f}-{reach['high']:.1f}; weighted cascade on the {reach['graph']} graph)."
        )
    if seen:
        click.echo(
            f"Their audience: {seen['audience']} distinct followers (the follower counts sum to "
            f"{seen['followers_sum']}), {seen['two_hop']} people within two hops."
        )
    click.echo()


def main(world: str, path: str) -> None:
    if not (Path(world) / "truth" / "brands.csv").is_file():
        sys.exit(
            f"{world} is not a simulated world (no truth/brands.csv); make one with `grapevine simulate {world}`"
        )
    with open_workspace(path) as ws:
        track_brands(ws, Path(world))
        show(ws)
    click.echo(f"Explore it yourself: grapevine --workspace {path} brands   (or: posts --contains refund)")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m grapevine.demo WORLD_DIR WORKSPACE_DIR")
    main(sys.argv[1], sys.argv[2])
