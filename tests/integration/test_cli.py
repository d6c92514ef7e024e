"""The CLI end to end on a real workspace: ingest (files and stdin), stats, posts, export, errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from grapevine.cli import cli

from .test_tracking import TEXTS, write


def run(args: list[str], input: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_ingest_stats_posts_export(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    data = write(tmp_path / "statuses.jsonl", TEXTS)
    code, out, _ = run(["-w", ws, "ingest", str(data), "--no-enrich", "--format", "json"])
    assert code == 0
    (summary,) = json.loads(out)["files"]
    assert (summary["source"], summary["read"], summary["new"], summary["quarantined"]) == (
        "mastodon",
        6,
        6,
        0,
    )

    code, out, _ = run(["-w", ws, "stats", "--format", "json"])
    stats = json.loads(out)
    assert {
        "posts": 6,
        "accounts": 3,
        "platforms": {"mastodon": 6},
        "quarantined": 0,
    }.items() <= stats.items()

    code, out, _ = run(["-w", ws, "posts", "--contains", "ACME", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["text"] for r in rows} == {t for t, _ in TEXTS if "acme" in t.lower()}
    code, out, _ = run(["-w", ws, "posts", "--author", "@u1", "--since", "2024-01-01", "--format", "json"])
    assert {p["author_handle"] for p in json.loads(out)} == {"u1"}
    code, out, _ = run(["-w", ws, "posts", "--since", "2030-01-01", "--format", "json"])
    assert json.loads(out) == []

    code, out, _ = run(["-w", ws, "export", str(tmp_path / "out.jsonl")])
    assert code == 0 and "Wrote 6 posts rows" in out
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 6


def test_stdin_and_errors_in_a_real_process(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    data = write(tmp_path / "statuses.jsonl", TEXTS)
    cmd = [sys.executable, "-m", "grapevine", "-w", ws, "ingest", "-", "--no-enrich", "--format", "json"]
    done = subprocess.run(cmd, input=data.read_bytes(), capture_output=True, check=True)
    assert json.loads(done.stdout)["files"][0]["path"] == "<stdin>"
    # an empty file: exit 1, one line naming the file and what was expected, no traceback
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    bad = subprocess.run([*cmd[:5], "ingest", str(empty)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [
        f"Error: {empty}: file is empty; expected posts, accounts or edges in a supported format"
    ]
    missing = subprocess.run(
        [*cmd[:5], "ingest", str(tmp_path / "nope.json")], capture_output=True, text=True
    )
    assert (
        missing.returncode == 1
        and "no such file or folder" in missing.stderr
        and "Traceback" not in missing.stderr
    )
