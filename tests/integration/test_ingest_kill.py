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
