"""Ingest speed against the parse-only floor, measured side by side in one run.

Simulates a world of about 1 million posts (Twitter v2 JSONL pages and Mastodon status lines),
then for each format times (a) only reading the lines and parsing them with orjson, on one
core, and (b) a full ``grapevine ingest`` into a fresh workspace, in a child process whose peak
memory is reported. ``posts`` counts what the import saw (a Mastodon reblog line holds two
posts), and both rates divide it by their time, so ``ratio`` is the parse-only time over the
import time. ``+close/s`` also counts closing the workspace (DuckDB's final checkpoint); ``CPU us/post``
is processor time per post, all processes together: on a machine shared with other jobs it
moves far less than the wall-clock rates do. Each figure is the fastest of ``--repeat`` runs
(parse-only passes and imports taken in turns); peak memory is the largest of them.

    python benchmarks/ingest.py [--posts 1000000] [--keep DIR] [--repeat 3]

Targets (issue 2): ingest >= 40% of the parse-only rate and >= 50,000 posts/s, peak RSS < 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

CHILD = r"""
import json, os, resource, sys, time
from grapevine import open_workspace
ws = open_workspace(sys.argv[1])
files = sys.argv[2:]
t, cpu = time.perf_counter(), os.times()
summaries = ws.ingest(files, enrich=False)  # enrichment (scoring, threading) is measured elsewhere
seconds = time.perf_counter() - t
stats = ws.stats()
t_close = time.perf_counter()
ws.close()  # the final checkpoint: part of what an import costs
close_seconds = time.perf_counter() - t_close
done = os.times()
print(json.dumps({
    "seconds": seconds,
    "close_seconds": close_seconds,
    "cpu_seconds": sum(done[:4]) - sum(cpu[:4]),  # this process and its worker processes
    "posts": sum(s.new + s.duplicate for s in summaries),
    "quarantined": sum(s.quarantined for s in summaries),
    "stored_posts": stats["posts"],
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def parse_only(files: list[Path]) -> tuple[float, float]:
    """Seconds (wall, CPU) to read every line and parse it with orjson: the floor an import is held to."""
    start = time.perf_counter()
    cpu = time.process_time()
    for path in files:
        with open(path, "rb") as handle:
            for line in handle:
                orjson.loads(line)
    return time.perf_counter() - start, time.process_time() - cpu


def ingest(workspace: Path, files: list[Path]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(workspace), *map(str, files)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="Keep the simulated world and workspaces here.")
    parser.add_argument(
        "--repeat", type=int, default=3, help="Runs of each measurement (the fastest counts)."
    )
    args = parser.parse_args()

    from grapevine.simulate import simulate_world

    root = args.keep or Path(tempfile.mkdtemp(prefix="grapevine-bench-"))
    world = root / "world"
    t = time.perf_counter()
    if not world.exists():
        simulate_world(world, people=max(2_000, args.posts // 200), days=60, seed=1, posts=args.posts)
    print(f"simulated {args.posts:,} posts in {time.perf_counter() - t:.1f} s into {world}")

    rows = []
    load_before = os.getloadavg()
    for label, folder in (("Twitter v2 JSONL", "twitter"), ("Mastodon JSON", "mastodon")):
        files = sorted((world / folder).glob("*.jsonl"))
        size_mb = sum(f.stat().st_size for f in files) / 1e6
        # The fastest of --repeat runs of each, taken in turns: both move by 10-20% from run to
        # run on a shared machine, and the fastest are the nearest to what the code costs.
        passes, results = [], []
        for _ in range(args.repeat):
            passes.append(parse_only(files))
            ws = root / f"ws-{folder}"
            shutil.rmtree(ws, ignore_errors=True)
            results.append(ingest(ws, files))
        parse_s, parse_cpu = min(passes)
        result = min(results, key=lambda r: r["seconds"])
        peak_rss = max(r["peak_rss_mb"] for r in results)
        worker_rss = max(r["worker_peak_rss_mb"] for r in results)
        # Both rates count the posts the import saw (new or repeated; a Mastodon reblog line holds
        # two), so the ratio is the parse-only time over the import time for the same files.
        posts = result["posts"]
        rate = posts / result["seconds"]
        rows.append(
            {
                "format": label,
                "posts": posts,
                "MB": size_mb,
                "parse_posts_s": posts / parse_s,
                "ingest_posts_s": rate,
                "ratio": parse_s / result["seconds"],
                "with_close_s": posts / (result["seconds"] + result["close_seconds"]),
                "parse_cpu_us": parse_cpu / posts * 1e6,
                "ingest_cpu_us": result["cpu_seconds"] / result["posts"] * 1e6,
                "peak_rss_mb": peak_rss,
                "worker_rss_mb": worker_rss,
                "quarantined": result["quarantined"],
            }
        )
    header = (
        f"{'format':<18} {'posts':>10} {'MB':>6} {'parse-only/s':>13} {'ingest/s':>9} {'ratio':>6} "
        f"{'+close/s':>9} {'CPU us/post parse|ingest':>25} {'peak RSS MB main|worker':>24}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        cpu = f"{r['parse_cpu_us']:.1f} | {r['ingest_cpu_us']:.1f}"
        rss = f"{r['peak_rss_mb']:,.0f} | {r['worker_rss_mb']:,.0f}"
        print(
            f"{r['format']:<18} {r['posts']:>10,} {r['MB']:>6.0f} {r['parse_posts_s']:>13,.0f} "
            f"{r['ingest_posts_s']:>9,.0f} {r['ratio']:>6.0%} {r['with_close_s']:>9,.0f} {cpu:>25} {rss:>24}"
        )
    load_after = os.getloadavg()
    print(
        f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} cores"
    )
    print("targets: ratio >= 40%, ingest >= 50,000 posts/s, peak RSS < 1,024 MB")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
