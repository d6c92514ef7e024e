"""The whole people table for about 1 million simulated posts, and what each part costs.

Simulates a world (50,000 people over 20 days: 1,000,000 posts on Twitter, Mastodon and
blogs), ingests it with the five brands tracked (sentiment scored on the way), then times:
identity resolution and contact channels from scratch, the people table for every person and
for one brand (influence scores included), and the parts of the table one by one.

    python benchmarks/people.py [--people 50000] [--days 20] [--keep DIR]

``--keep DIR`` reuses the world and workspace there when they exist (simulating and ingesting
take a few minutes). Target (issue 5): the whole people table for 1M posts in under 60 s.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grapevine import open_workspace
from grapevine.cli._output import render_table
from grapevine.demo import track_brands
from grapevine.people import audience_columns, brand_stats, people_table, person_channels, refresh_people
from grapevine.people._table import influence_by_person
from grapevine.simulate import simulate_world

TARGET_S = 60.0


def timed(label: str, what: Callable[[], Any], rows: list[dict[str, Any]], note: str = "") -> Any:
    start = time.perf_counter()
    result = what()
    seconds = time.perf_counter() - start
    size = len(result) if isinstance(result, list) else ""
    rows.append({"step": label, "seconds": round(seconds, 2), "rows": size, "note": note})
    print(f"  {label}: {seconds:.2f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="Folder to keep (and reuse) the world and workspace in.")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="grapevine-people-"))
    world, wsdir = root / "world", root / "ws"
    rows: list[dict[str, Any]] = []
    warnings.simplefilter("ignore")  # an optional model tier may be missing
    try:
        if not (world / "truth" / "summary.json").exists():
            shutil.rmtree(world, ignore_errors=True)
            timed("simulate", lambda: simulate_world(world, people=args.people, days=args.days, seed=3), rows)
        fresh = not wsdir.exists()
        with open_workspace(wsdir) as ws:
            if fresh:
                track_brands(ws, world)
                timed(
                    "ingest + enrich",
                    lambda: ws.ingest([world / "twitter", world / "mastodon", world / "blogs"]),
                    rows,
                    "not part of the target",
                )
            stats = ws.stats()
            store = ws.store
            start = time.perf_counter()
            timed("identity + channels (from scratch)", lambda: refresh_people(store, force=True), rows)
            table = timed(
                "people table, every person",
                lambda: people_table(store),
                rows,
                "with the step above: the target",
            )
            whole = time.perf_counter() - start
            timed("people table, brand acme", lambda: people_table(store, brand="acme"), rows)
            timed("  part: brand stats (all brands)", lambda: brand_stats(store), rows)
            timed("  part: contact channels", lambda: person_channels(store), rows)
            timed("  part: audience and reach", lambda: audience_columns(store), rows)
            timed(
                "  part: influence (influence_table)",
                lambda: influence_by_person(store, None, None, None)[0],
                rows,
            )
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    print(
        f"\nPeople table: {stats['posts']:,} posts, {stats['accounts']:,} accounts, {stats['edges']:,} edges, "
        f"{len(table):,} people\n"
    )
    print(render_table(rows))
    verdict = "meets" if whole < TARGET_S else "MISSES"
    print(
        f"\nWhole people table, identities rebuilt first: {whole:.1f} s ({verdict} the {TARGET_S:.0f} s target)"
    )


if __name__ == "__main__":
    main()
