"""Latency of every dashboard page and its JSON twin on a workspace of about 1 million simulated posts.

Serves the workspace with ``grapevine serve`` in its own process on 127.0.0.1 and times, for each
page and its ``.json`` twin:

- **cold**: the first request to that URL once the server's start-up warm-up is done (it caches
  the overview and people pages, also per brand, the inbox and the network); pages are asked in
  the order below, so a page whose analyses another page already ran is partly warm;
- **warm**: the median of ``--warm`` sequential requests after that;
- **load**: ``--clients`` concurrent clients (8 by default) asking every URL round-robin for at
  most ``--seconds`` (60 at most, loopback only): p50/p95/p99 per URL and requests/s overall.

    python benchmarks/web.py --workspace PATH            # an existing workspace
    python benchmarks/web.py [--world DIR] [--keep DIR]   # simulate (or reuse) and ingest one

Without ``--workspace`` a world of 5,000 people over 60 days (1,000,000 posts) is simulated
(``--world`` reuses one already written) and ingested into ``--keep`` (reused when it exists).
Target (issue 6): p95 under 300 ms for every page at 8 concurrent clients.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import httpx

from grapevine import open_workspace
from grapevine.cli._output import render_table

TARGET_MS = 300.0
MAX_SECONDS = 60.0


def build_workspace(world: Path | None, keep: Path, people: int, days: int) -> Path:
    """A workspace of the simulated world under ``keep`` (simulated and ingested when missing)."""
    from grapevine.demo import track_brands
    from grapevine.simulate import simulate_world

    wsdir = keep / "ws"
    if wsdir.exists():
        return wsdir
    if world is None:
        world = keep / "world"
        if not (world / "truth" / "summary.json").exists():
            shutil.rmtree(world, ignore_errors=True)
            print(f"Simulating {people:,} people over {days} days into {world} ...", flush=True)
            simulate_world(world, people=people, days=days, seed=1)
    print(f"Ingesting {world} into {wsdir} (a few minutes) ...", flush=True)
    warnings.simplefilter("ignore")  # an optional model tier may be missing
    with open_workspace(wsdir) as ws:
        track_brands(ws, world)
        ws.ingest([world / name for name in ("twitter", "mastodon", "blogs") if (world / name).exists()])
        ws.enrich()
    return wsdir


def pick_urls(wsdir: Path) -> list[str]:
    """Each page and its JSON twin, with a real person, conversation and brand from the workspace."""
    with open_workspace(wsdir) as ws:
        brand = ws.store.run("SELECT name FROM tracks ORDER BY name LIMIT 1")[0][0]
        # The most prolific account, by handle: naming it this way leaves identity resolution,
        # which the first people page runs, to the server (and to the cold timings).
        platform, handle = ws.store.run(
            "SELECT a.platform, a.handle FROM posts p JOIN accounts a ON a.platform = p.platform "
            "AND a.id = p.author_id WHERE a.handle IS NOT NULL GROUP BY ALL ORDER BY count(*) DESC, 2 LIMIT 1"
        )[0]
        person = f"{platform}:{handle}"
        # And someone in the middle of the crowd: a person page costs the same for anyone.
        median = ws.store.run(
            "WITH n AS (SELECT a.platform, a.handle, count(*) AS posts FROM posts p JOIN accounts a "
            "ON a.platform = p.platform AND a.id = p.author_id WHERE a.handle IS NOT NULL GROUP BY ALL) "
            "SELECT platform, handle FROM n ORDER BY posts, platform, handle "
            "LIMIT 1 OFFSET (SELECT count(*) // 2 FROM n)"
        )[0]
        other = f"{median[0]}:{median[1]}"
        conversation = ws.store.run(
            "SELECT platform || ':' || conversation_key FROM conversations ORDER BY turns DESC, 1 LIMIT 1"
        )[0][0]
    pages = [
        "/",
        f"/?brand={brand}",
        "/people",
        f"/people?brand={brand}",
        f"/people/{person}",
        f"/people/{other}",
        "/inbox",
        f"/conversations/{conversation}",
        f"/network?brand={brand}",
        "/network",
        f"/reach?p={person}",
    ]
    urls = []
    for page in pages:
        path, _, query = page.partition("?")
        twin = ("/index" if path == "/" else path) + ".json" + (f"?{query}" if query else "")
        urls += [page, twin]
    return urls


def start_server(wsdir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "grapevine", "--workspace", str(wsdir), "serve"]
    command += ["--port", str(port), "--log-level", "warning"]
    with open(log, "ab") as out:  # the server's own output (DuckDB progress bars) goes there
        server = subprocess.Popen(
            command, env={**os.environ, "PYTHONWARNINGS": "ignore"}, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/static/app.css", timeout=2)
            return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start within 120 s")


def timed_get(client: httpx.Client, url: str, sizes: dict[str, int] | None = None) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}: {response.text[:300]}")
    if sizes is not None:
        sizes[url] = len(response.content)
    return elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def load(
    base: str, urls: list[str], clients: int, seconds: float
) -> tuple[dict[str, list[float]], float, int]:
    """``clients`` threads asking the URLs round-robin (each from its own offset) until ``seconds`` pass."""
    samples: dict[str, list[float]] = {url: [] for url in urls}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(offset: int) -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            i = offset
            while time.monotonic() < stop:
                url = urls[i % len(urls)]
                ms = timed_get(http, url)
                with lock:
                    samples[url].append(ms)
                i += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k * len(urls) // clients,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    return samples, wall, sum(len(v) for v in samples.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, help="An existing workspace to serve (nothing is built).")
    parser.add_argument("--world", type=Path, help="A simulated world already written, to ingest.")
    parser.add_argument("--keep", type=Path, help="Folder to keep (and reuse) the built workspace in.")
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--warm", type=int, default=5, help="Sequential warm requests per URL.")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--seconds", type=float, default=30.0, help=f"Load duration (at most {MAX_SECONDS:.0f})."
    )
    args = parser.parse_args()
    seconds = min(args.seconds, MAX_SECONDS)
    wsdir = args.workspace or build_workspace(
        args.world, args.keep or Path(tempfile.mkdtemp(prefix="grapevine-web-")), args.people, args.days
    )
    with open_workspace(wsdir) as ws:
        stats = ws.stats()
    urls = pick_urls(wsdir)
    base = f"http://127.0.0.1:{args.port}"
    log = Path(tempfile.gettempdir()) / "grapevine-web-bench-server.log"
    server = start_server(wsdir, args.port, log)
    rows: list[dict[str, Any]] = []
    try:
        with httpx.Client(base_url=base, timeout=300) as http:
            started = time.monotonic()
            while True:
                status = http.get("/status.json")
                if status.status_code != 200:
                    raise SystemExit(f"GET /status.json answered {status.status_code}: {status.text[:300]}")
                if status.json()["warmed"]:
                    break
                if time.monotonic() - started > 600:
                    raise SystemExit("the server's start-up warm-up did not finish within 10 minutes")
                time.sleep(0.2)
            print(f"start-up warm-up done in {time.monotonic() - started:.1f} s after the server answered")
            sizes: dict[str, int] = {}
            cold = {url: timed_get(http, url, sizes) for url in urls}
            warm = {url: statistics.median(timed_get(http, url) for _ in range(args.warm)) for url in urls}
        samples, wall, total = load(base, urls, args.clients, seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    for url in urls:
        got = samples[url]
        rows.append(
            {
                "url": url if len(url) <= 48 else url[:45] + "...",
                "kB": round(sizes[url] / 1000),
                "cold_ms": round(cold[url]),
                "warm_ms": round(warm[url]),
                "n": len(got),
                "p50_ms": round(percentile(got, 50)) if got else None,
                "p95_ms": round(percentile(got, 95)) if got else None,
                "p99_ms": round(percentile(got, 99)) if got else None,
                "ok": "yes" if got and percentile(got, 95) < TARGET_MS else "no",
            }
        )
    print(
        f"\n{stats['posts']:,} posts, {stats['accounts']:,} accounts, {stats['edges']:,} follow edges; "
        f"load: {args.clients} clients for {wall:.0f} s, {total:,} requests, {total / wall:.1f} requests/s "
        f"(target: p95 < {TARGET_MS:.0f} ms)\n"
    )
    print(render_table(rows))
    print(f"\n(server output: {log})")


if __name__ == "__main__":
    main()
