"""A process killed with SIGKILL mid-import, then re-run, ends with exactly a clean import's rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from grapevine import open_workspace


def write_v2_pages(path: Path, pages: int, per_page: int = 100) -> int:
    """Twitter v2 response pages (as twarc2 writes them), with replies and repeated users."""
    with path.open("wb") as out:
        n = 0
        for _page in range(pages):
            tweets, users = [], {}
            for _i in range(per_page):
                n += 1
                uid = str(1000 + n % 997)
                users[uid] = {
                    "id": uid,
                    "username": f"user{uid}",
                    "name": f"User {uid}",
                    "public_metrics": {
                        "followers_count": n % 5000,
                        "following_count": 10,
                        "tweet_count": 5,
                        "listed_count": 0,
                    },
                }
                tweet = {
                    "id": str(10**15 + n),
                    "text": f"post {n} about #acme",
                    "author_id": uid,
                    "created_at": "2024-03-01T12:00:00.000Z",
                    "conversation_id": str(10**15 + n),
                    "lang": "en",
                    "edit_history_tweet_ids": [str(10**15 + n)],
                    "public_metrics": {
                        "retweet_count": 1,
                        "reply_count": 0,
                        "like_count": 2,
                        "quote_count": 0,
                    },
                }
                if n % 3 == 0:
                    tweet["referenced_tweets"] = [{"type": "replied_to", "id": str(10**15 + n - 1)}]
                tweets.append(tweet)
            out.write(
                orjson.dumps(
                    {
                        "data": tweets,
                        "includes": {"users": list(users.values())},
                        "meta": {"result_count": per_page},
                    }
                )
                + b"\n"
            )
    return n


@pytest.mark.slow
def test_sigkill_mid_import_then_rerun_equals_clean_import(tmp_path: Path) -> None:
    data = tmp_path / "tweets.jsonl"
    total = write_v2_pages(data, pages=3000)  # 300,000 posts: several batches
    killed_ws = tmp_path / "killed"
    cmd = [
        sys.executable,
        "-m",
        "grapevine",
        "--workspace",
        str(killed_ws),
        "ingest",
        str(data),
        "--progress",
    ]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + 120
    # Kill once a few batches are committed and more are in flight.
    while time.monotonic() < deadline:
        chunk = os.read(proc.stderr.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
        last = seen.rsplit(b"\r", 1)[-1]
        if b" posts" in last:
            posts = int(last.split(b" posts")[0].rsplit(b", ", 1)[-1].replace(b",", b""))
            if posts >= 120_000:
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, seen[-500:]

    with open_workspace(killed_ws) as ws:
        partial = ws.stats()["posts"]
    assert 0 < partial < total, f"expected a partial import, got {partial} of {total}"

    subprocess.run([*cmd[:-1], "--no-progress"], check=True, capture_output=True)
    clean_ws = tmp_path / "clean"
    subprocess.run(
        [sys.executable, "-m", "grapevine", "--workspace", str(clean_ws), "ingest", str(data)],
        check=True,
        capture_output=True,
    )
    with open_workspace(killed_ws) as killed, open_workspace(clean_ws) as clean:
        assert killed.stats() == clean.stats()
        assert killed.stats()["posts"] == total
        query = "SELECT platform, id, author_id, text, reply_to_id FROM posts ORDER BY platform, id"
        assert killed.store.run(query) == clean.store.run(query)
        accounts = "SELECT platform, id, handle, followers_count FROM accounts ORDER BY platform, id"
        assert killed.store.run(accounts) == clean.store.run(accounts)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_worker_processes_exit_when_the_import_is_killed(tmp_path: Path) -> None:
    data = tmp_path / "tweets.jsonl"
    write_v2_pages(data, pages=2500)  # big enough for the parallel path
    cmd = [
        sys.executable,
        "-m",
        "grapevine",
        "--workspace",
        str(tmp_path / "ws"),
        "ingest",
        str(data),
        "--no-enrich",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and not workers:
        time.sleep(0.1)
        workers = _children(proc.pid)
    assert workers, "the import started no worker processes"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
        time.sleep(0.2)
    alive = [
        w
        for w in workers
        if Path(f"/proc/{w}/stat").exists() and " Z " not in Path(f"/proc/{w}/stat").read_text()
    ]
    assert not alive, f"worker processes {alive} outlived the killed import"
