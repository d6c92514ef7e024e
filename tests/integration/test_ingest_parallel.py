"""Worker processes give exactly the rows, counts and quarantine line numbers of a serial import."""

from __future__ import annotations

from pathlib import Path

import pytest

import grapevine.ingest as ingest_module
import grapevine.ingest._parallel as parallel_module
from grapevine import open_workspace
from grapevine.ingest import ingest_files
from grapevine.ingest._files import resolve_inputs
from grapevine.ingest._parallel import iter_line_chunks, iter_line_spans

from .test_ingest_kill import write_v2_pages


def test_line_chunks_cover_every_line_once(tmp_path: Path) -> None:
    import io

    lines = [f"line {i}".encode() * (i % 7 + 1) for i in range(1, 2001)]
    data = b"\n".join(lines)  # no newline at the end
    chunks = list(iter_line_chunks(io.BytesIO(data), chunk_bytes=1000))
    assert len(chunks) > 10
    rebuilt = b"".join(chunk for _, chunk in chunks)
    assert rebuilt == data
    for first_line, chunk in chunks:  # each chunk knows the file line it starts on
        assert chunk.split(b"\n")[0] == lines[first_line - 1]


def test_line_spans_cover_every_line_once(tmp_path: Path) -> None:
    import random

    rng = random.Random(7)
    path = tmp_path / "lines.jsonl"
    for _ in range(200):
        lines = [b"x" * rng.randint(0, 50) for _ in range(rng.randint(0, 60))]
        data = b"\n".join(lines) + rng.choice([b"", b"\n"])
        path.write_bytes(data)
        with path.open("rb") as stream:
            spans = list(iter_line_spans(stream, chunk_bytes=rng.randint(1, 80)))
        assert b"".join(data[offset : offset + length] for _, offset, length in spans) == data
        for first_line, offset, _ in spans:  # each span starts a line and knows its number
            assert offset == 0 or data[offset - 1 : offset] == b"\n"
            assert first_line == data[:offset].count(b"\n") + 1


@pytest.mark.slow
def test_parallel_import_equals_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "pages.jsonl"
    write_v2_pages(data, pages=300, per_page=50)
    lines = data.read_bytes().split(b"\n")
    lines[10] = b'{"data": [oops'  # invalid JSON on line 11
    lines[200] = b'{"data": [{"id": 5}]}'  # a tweet without text or author on line 201
    data.write_bytes(b"\n".join(lines))
    monkeypatch.setattr(ingest_module, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(parallel_module, "CHUNK_BYTES", 64 * 1024)
    results = {}
    for workers in (1, 2):
        with open_workspace(tmp_path / f"ws{workers}") as ws:
            (summary,) = ingest_files(ws.store, ws.registry, resolve_inputs([str(data)]), workers=workers)
            posts = ws.store.run(
                "SELECT platform, id, author_id, text, reply_to_id, record FROM posts ORDER BY ALL"
            )
            accounts = ws.store.run("SELECT platform, id, handle, followers_count FROM accounts ORDER BY ALL")
            quarantine = ws.store.run("SELECT record, numbering, reason FROM quarantine ORDER BY record")
            results[workers] = (summary.read, summary.new, summary.quarantined, posts, accounts, quarantine)
    assert results[1] == results[2]
    read, new, quarantined, _, _, quarantine = results[2]
    assert read == 300 and new == 298 * 50 and quarantined >= 1  # lines 11 and 201 lose their pages
    assert quarantine[0][:2] == (11, "line")
