"""Threading speed: reply trees for simulated worlds, from nothing and incrementally.

For each size, simulates a world (Twitter v2 pages and Mastodon statuses, about 1% of the posts
per file), ingests all but its newest Twitter file (``enrich=False``), then, each in a child
process whose peak memory is reported:

1. threads the whole store from empty tables (``update_threads(store, full=True)``);
2. after ingesting the held-back file (about 1% new posts), threads incrementally;
3. for comparison, rebuilds the grown store from scratch.

    python benchmarks/conversations.py [--posts 100000 1000000 ...] [--keep DIR]

Targets (issue 4): 1 million posts threaded in under 10 s on a 2-core machine, cost growing
linearly with the posts, incremental updates in proportion to the new posts (and the trees
they join), not to the store.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from grapevine import open_workspace
from grapevine.conversations import migrate_conversations, update_threads
ws = open_workspace(sys.argv[1])
con = ws.store.con
if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'post_threads'").fetchall()[0][0]:
    migrate_conversations(con)  # until the store registers the conversations migration itself
full = sys.argv[2] == "full"
if full:  # from empty tables: the first threading of a store
    for table in ("post_threads", "conversations", "thread_problems", "thread_state"):
        con.execute(f"DELETE FROM {table}").fetchall()
    con.execute("CHECKPOINT").fetchall()
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter()
result = update_threads(ws.store, full=full)
seconds = time.perf_counter() - t
posts = con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
ws.close()
print(json.dumps({
    "seconds": seconds, "store_posts": posts, "mode": result["mode"], "new_posts": result["new_posts"],
    "threaded": result["threaded"], "conversations": result["conversations"],
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rss_open_mb": rss_before,
}))
"""


def child(workspace: Path, phase: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(workspace), phase], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def ingest(workspace: Path, files: list[Path]) -> float:
    from grapevine import open_workspace

    start = time.perf_counter()
    with open_workspace(workspace) as ws:
        ws.ingest(files, enrich=False)
    return time.perf_counter() - start


def split_newest(world: Path, pages: int) -> tuple[list[Path], list[Path]]:
    """All files but the newest ``pages`` Twitter pages (100 tweets each, ~1%), and those pages."""
    tweets = sorted((world / "twitter").glob("tweets-*.jsonl"))
    split = world / "split"
    tail, newest = split / "older.jsonl", split / "newest.jsonl"
    if not newest.exists():
        split.mkdir(exist_ok=True)
        with open(tweets[-1], "rb") as handle:
            lines = sum(1 for _ in handle)
        with open(tweets[-1], "rb") as handle, open(tail, "wb") as older, open(newest, "wb") as held:
            for number, line in enumerate(handle):
                (older if number < lines - pages else held).write(line)
    return [*tweets[:-1], tail, *sorted((world / "mastodon").glob("*.jsonl"))], [newest]


def run_size(posts: int, root: Path) -> dict[str, object]:
    from grapevine.simulate import simulate_world

    world = root / f"world-{posts}"
    if not world.exists():
        start = time.perf_counter()
        simulate_world(
            world,
            people=max(1_000, posts // 30),
            days=max(30, posts // 200_000),
            seed=1,
            posts=posts,
            formats=("twitter", "mastodon"),
        )
        print(f"simulated {posts:,} posts in {time.perf_counter() - start:.0f} s", flush=True)
    base_files, held_back = split_newest(world, pages=max(1, posts // 10_000))
    base = root / f"base-{posts}"
    if not (base / "ingested").exists():
        shutil.rmtree(base, ignore_errors=True)
        seconds = ingest(base, base_files)
        (base / "ingested").write_text(f"{seconds}\n")
        print(f"ingested the base of {posts:,} in {seconds:.0f} s", flush=True)
    run = root / f"run-{posts}"
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(base, run)
    first = child(run, "full")
    ingest(run, held_back)
    incremental = child(run, "incremental")
    rebuilt = child(run, "full")
    shutil.rmtree(run, ignore_errors=True)
    return {"posts": posts, "full": first, "incremental": incremental, "rebuild": rebuilt}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--keep", type=Path, help="Keep the simulated worlds and ingested stores here.")
    args = parser.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="grapevine-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    rows = [run_size(n, root) for n in args.posts]
    header = (
        f"{'run':<12} {'store posts':>12} {'new posts':>10} {'threaded':>10} {'conversations':>14} "
        f"{'seconds':>8} {'threaded/s':>11} {'peak RSS MB':>12}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        for label in ("full", "incremental", "rebuild"):
            r = row[label]
            assert isinstance(r, dict)
            print(
                f"{label:<12} {r['store_posts']:>12,} {r['new_posts']:>10,} {r['threaded']:>10,} "
                f"{r['conversations']:>14,} {r['seconds']:>8.2f} {r['threaded'] / r['seconds']:>11,.0f} "
                f"{r['peak_rss_mb']:>12,.0f}"
            )
    print("targets: 1,000,000 posts threaded in < 10 s; cost linear in posts; incremental ~ new posts")
    print(json.dumps(rows), file=sys.stderr)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
