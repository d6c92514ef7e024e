"""The ingest pipeline on a real DuckDB file with a small source defined here.

The source registers through the same Registry API that plugins use, which keeps the hook honest.
"""

from __future__ import annotations

import bz2
import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import orjson
import pytest
import zstandard

from grapevine import IngestError, open_workspace
from grapevine.models import Account, Mapped, Post, post_row
from grapevine.plugins import Registry
from grapevine.sources._common import iter_json_lines, parse_datetime, require
from grapevine.sources.base import BadRecord, MappingError, RawRecord, Source
from grapevine.store.schema import column_definitions


class NoteSource(Source):
    """Lines like {"note": id, "by": handle, "text": ..., "at": iso}."""

    name = "note"
    platform = "notes"
    description = "test notes"

    def detect(self, sample: bytes, name: str) -> float:
        return 0.9 if sample.lstrip().startswith(b'{"note"') else 0.0

    def read(self, stream: IO[bytes], name: str) -> Iterator[RawRecord | BadRecord]:
        return iter_json_lines(stream)

    def map(self, record: RawRecord) -> Mapped:
        obj = record.payload
        note_id = require(obj, "note", "note")
        if not isinstance(note_id, str):
            raise MappingError("note id must be a string")
        by = obj.get("by")
        return Mapped(
            posts=[
                Post(
                    self.platform,
                    note_id,
                    author_id=by,
                    author_handle=by,
                    text=obj.get("text"),
                    created_at=parse_datetime(obj.get("at")),
                )
            ],
            accounts=[Account(self.platform, by, handle=by)] if by else [],
        )


@pytest.fixture
def registry() -> Registry:
    reg = Registry(load_entry_points=False)
    reg.register_source(NoteSource())
    return reg


def note(i: int, by: str = "ann") -> bytes:
    return orjson.dumps({"note": f"n{i}", "by": by, "text": f"hello {i}", "at": "2024-01-02T03:04:05Z"})


def write_notes(path: Path, n: int, bad_lines: tuple[int, ...] = ()) -> Path:
    lines = []
    for i in range(1, n + 1):
        lines.append(b'{"note": 12' if i in bad_lines else note(i, by=f"user{i % 7}"))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_ingest_counts_and_idempotency(tmp_path: Path, registry: Registry) -> None:
    data = write_notes(tmp_path / "notes.jsonl", 500)
    with open_workspace(tmp_path / "ws", registry=registry) as ws:
        (first,) = ws.ingest([data])
        assert (first.read, first.new, first.duplicate, first.quarantined) == (500, 500, 0, 0)
        before = ws.stats()
        (second,) = ws.ingest([data])
        assert (second.read, second.new, second.duplicate) == (500, 0, 500)
        assert ws.stats() == before
        assert before["posts"] == 500 and before["accounts"] == 7 and before["platforms"] == {"notes": 500}


def test_bad_records_are_quarantined_with_line_and_reason(tmp_path: Path, registry: Registry) -> None:
    data = write_notes(tmp_path / "notes.jsonl", 20, bad_lines=(3, 11))
    with data.open("ab") as handle:
        handle.write(b'{"note": 5}\n{"note": "ok-last", "by": "zed"}\n')  # wrong type, then a good line
    with open_workspace(tmp_path / "ws", registry=registry) as ws:
        (summary,) = ws.ingest([data])
        assert summary.quarantined == 3
        assert summary.new == 19  # 18 good notes + the good last line
        rows = ws.quarantine().to_pylist()
        assert [(r["numbering"], r["record"]) for r in rows] == [("line", 3), ("line", 11), ("line", 21)]
        assert "invalid JSON" in rows[0]["reason"]
        assert rows[2]["reason"] == "note id must be a string"
        assert rows[0]["path"].endswith("notes.jsonl")
        ws.ingest([data])
        assert ws.stats()["quarantined"] == 3


def test_strict_stops_at_first_bad_record_keeping_what_came_before(
    tmp_path: Path, registry: Registry
) -> None:
    data = write_notes(tmp_path / "notes.jsonl", 10, bad_lines=(4,))
    with open_workspace(tmp_path / "ws", registry=registry) as ws:
        with pytest.raises(IngestError, match=r"line 4: invalid JSON"):
            ws.ingest([data], strict=True)
        assert ws.stats()["posts"] == 3


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [
        (".gz", gzip.compress),
        (".bz2", bz2.compress),
        (".zst", lambda b: zstandard.ZstdCompressor().compress(b)),
    ],
)
def test_compressed_inputs(tmp_path: Path, registry: Registry, suffix: str, compress) -> None:  # type: ignore[no-untyped-def]
    plain = write_notes(tmp_path / "notes.jsonl", 50)
    packed = tmp_path / f"notes.jsonl{suffix}"
    packed.write_bytes(compress(plain.read_bytes()))
    with open_workspace(tmp_path / "ws", registry=registry) as ws:
        (summary,) = ws.ingest([packed])
        assert summary.new == 50


def test_folders_globs_and_same_bytes_under_another_name(tmp_path: Path, registry: Registry) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    write_notes(folder / "a.jsonl", 10)
    (folder / "sub" / "b.jsonl").write_bytes(b"\n".join(note(i) for i in range(100, 120)))
    (folder / "copy.jsonl").write_bytes((folder / "a.jsonl").read_bytes())
    with open_workspace(tmp_path / "ws", registry=registry) as ws:
        summaries = ws.ingest([folder])
        assert [Path(s.path).name for s in summaries] == ["a.jsonl", "copy.jsonl", "b.jsonl"]
        assert ws.stats()["posts"] == 30
        assert ws.stats()["files"] == 2  # the copy has the same fingerprint
        assert len(list((tmp_path / "ws" / "archive").iterdir())) == 2
        assert [s.new for s in ws.ingest([str(folder / "**" / "*.jsonl")])] == [0, 0, 0]


def test_whole_file_errors_are_one_line_and_say_what_was_expected(tmp_path: Path, registry: Registry) -> None:
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    unknown = tmp_path / "unknown.txt"
    unknown.write_text("just some prose\n")
    utf16 = tmp_path / "utf16.json"
    utf16.write_bytes('{"note": "x"}'.encode("utf-16"))
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9 au lait, \xe0 la carte\n".encode("latin-1"))
    with open_workspace(tmp_path / "ws", registry=registry) as ws:
        errors: list[IngestError] = []
        ws.ingest([empty, unknown, utf16, latin, tmp_path / "missing.json"][:4], on_error=errors.append)
        messages = [str(e) for e in errors]
        assert "empty.json: file is empty" in messages[0]
        assert "unknown format" in messages[1] and "expected one of: note" in messages[1]
        assert "UTF-16" in messages[2]
        assert "not valid UTF-8" in messages[3] and "offset 3" in messages[3]
        assert all("\n" not in m for m in messages)
        with pytest.raises(IngestError, match="no such file"):
            ws.ingest([tmp_path / "missing.json"])


def test_unknown_forced_source_names_the_known_ones(tmp_path: Path, registry: Registry) -> None:
    data = write_notes(tmp_path / "notes.jsonl", 1)
    with (
        open_workspace(tmp_path / "ws", registry=registry) as ws,
        pytest.raises(Exception, match="known sources: note"),
    ):
        ws.ingest([data], source="nope")


def test_export_formats(tmp_path: Path, registry: Registry) -> None:
    import pyarrow.parquet as pq

    data = write_notes(tmp_path / "notes.jsonl", 30)
    with open_workspace(tmp_path / "ws", registry=registry) as ws:
        ws.ingest([data])
        assert ws.export(tmp_path / "p.parquet", "parquet") == 30
        assert pq.read_table(tmp_path / "p.parquet").num_rows == 30
        ws.export(tmp_path / "p.jsonl", "jsonl")
        lines = (tmp_path / "p.jsonl").read_bytes().splitlines()
        assert len(lines) == 30 and orjson.loads(lines[0])["platform"] == "notes"
        ws.export(tmp_path / "p.csv", "csv")
        assert len((tmp_path / "p.csv").read_text().splitlines()) == 31
        assert not list(tmp_path.glob("*.partial"))


def test_remap_rebuilds_rows_from_the_raw_archive(tmp_path: Path, registry: Registry) -> None:
    data = write_notes(tmp_path / "notes.jsonl", 40)
    with open_workspace(tmp_path / "ws", registry=registry) as ws:
        ws.ingest([data])
        original = ws.store.run("SELECT id, text, author_id FROM posts ORDER BY id")
        ws.store.run("UPDATE posts SET text = 'damaged' WHERE id IN ('n1', 'n2')")
        data.unlink()  # re-mapping needs only the archive
        totals = ws.remap()
        assert totals == {"files": 1, "records": 40, "posts": 40, "failed": 0}
        assert ws.store.run("SELECT id, text, author_id FROM posts ORDER BY id") == original
        assert ws.stats()["posts"] == 40


def test_a_workspace_made_with_the_posts_primary_key_is_migrated(tmp_path: Path, registry: Registry) -> None:
    """Workspaces from before migration 8 keep their posts; re-ingesting still adds nothing twice."""
    data = write_notes(tmp_path / "notes.jsonl", 30)
    with open_workspace(tmp_path / "ws", registry=registry) as ws:
        ws.ingest([data])
        con = ws.store.con
        # Put the old table back: posts with its primary key, and migration 8 not yet applied.
        definitions = column_definitions(con, "posts")
        con.execute(f"CREATE TABLE keyed ({definitions}, PRIMARY KEY (platform, id))")
        con.execute("INSERT INTO keyed SELECT * FROM posts")
        con.execute("DROP TABLE posts")
        con.execute("ALTER TABLE keyed RENAME TO posts")
        con.execute("DELETE FROM schema_migrations WHERE version = 8")
        before = ws.store.run("SELECT * FROM posts ORDER BY id")
    with open_workspace(tmp_path / "ws", registry=registry) as ws:
        constraints = ws.store.run(
            "SELECT constraint_type FROM duckdb_constraints() WHERE table_name = 'posts' ORDER BY ALL"
        )
        assert ("PRIMARY KEY",) not in constraints and ("NOT NULL",) in constraints
        assert ws.store.run("SELECT * FROM posts ORDER BY id") == before
        ws.ingest([data])
        ws.store.run(
            "INSERT INTO posts (platform, id, source, source_file, file_key, record, ingested_at) "
            "VALUES ('notes', 'x', 's', 'f', 'k', 1, now())"
        )  # the default still applies
        assert ws.store.run("SELECT deleted FROM posts WHERE id = 'x'") == [(False,)]
        assert ws.stats()["posts"] == 31


def test_auto_scoring_after_a_bulk_import_does_not_start_an_accurate_backfill(
    tmp_path: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grapevine.analyzers import scoring

    monkeypatch.setattr(scoring, "BULK_THRESHOLD", 30)
    with open_workspace(tmp_path / "ws", registry=registry) as ws:
        ws.ingest([write_notes(tmp_path / "bulk.jsonl", 60)], enrich=False)
        bulk = scoring.score_posts(ws.store, "sentiment")  # 60 > 30: a bulk backfill, fast
        assert bulk["posts"] == 60 and "-fast-" in bulk["model"]
        # Ten new posts: few enough for the accurate model, but it has scored none of the 70.
        # An everyday run must not rescore all 70 with it: it keeps to the fast model.
        notes = [note(i, by="late") for i in range(100, 110)]
        (tmp_path / "more.jsonl").write_bytes(b"\n".join(notes) + b"\n")
        ws.ingest([tmp_path / "more.jsonl"], enrich=False)
        everyday = scoring.score_posts(ws.store, "sentiment")
        assert everyday["posts"] == 10 and "-fast-" in everyday["model"]
        # Asked for by name, the accurate backfill runs.
        small = scoring.score_posts(ws.store, "sentiment", "accurate")
        assert small["posts"] == 70 and "-accurate-" in small["model"]
        # Once the accurate model covers the store (readers then use it), everyday runs use it.
        (tmp_path / "last.jsonl").write_bytes(note(200, by="last") + b"\n")
        ws.ingest([tmp_path / "last.jsonl"], enrich=False)
        assert "-accurate-" in scoring.score_posts(ws.store, "sentiment")["model"]
        # A bulk import then: the fast model scores it (as ever); the next everyday run backfills
        # the accurate scores the readers need, since the accurate model is the one they read.
        bulk2 = tmp_path / "bulk2.jsonl"
        bulk2.write_bytes(b"\n".join(note(i, by="b2") for i in range(300, 340)) + b"\n")
        ws.ingest([bulk2], enrich=False)
        assert "-fast-" in scoring.score_posts(ws.store, "sentiment")["model"]  # 40 > 30: bulk
        backfill = scoring.score_posts(ws.store, "sentiment")
        assert "-accurate-" in backfill["model"] and backfill["posts"] == 40


def test_a_source_whose_fast_lane_builds_a_short_row_fails_that_record_only(
    tmp_path: Path, registry: Registry
) -> None:
    """``map_into`` may add posts as rows; a row of the wrong width is that source's bug, and
    quarantines its record rather than the whole batch (whose columns it would break)."""
    from grapevine.store import Batch

    class ShortRows(Source):
        name = "short-rows"
        platform = "test"
        numbering = "line"

        def read(self, stream: IO[bytes], name: str) -> Iterator[RawRecord | BadRecord]:
            return iter_json_lines(stream)

        def map(self, record: RawRecord) -> Mapped:
            return Mapped([Post("test", str(record.payload["id"]))])

        def map_into(self, record: RawRecord, batch: Batch) -> None:
            if record.payload["id"] == 2:  # a good row, then a short one: neither is added
                batch.add_post_rows([(*post_row(Post("test", "2b")),), ("test", "2")], record.number)
            else:
                super().map_into(record, batch)

    registry.register_source(ShortRows())
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(f'{{"id": {i}}}\n' for i in (1, 2, 3)))
    with open_workspace(tmp_path / "ws", registry=registry) as ws:
        (summary,) = ws.ingest([data], source="short-rows", enrich=False)
        assert (summary.new, summary.quarantined) == (2, 1)
        assert ws.store.run("SELECT id FROM posts ORDER BY id") == [("1",), ("3",)]
        (reason,) = ws.store.run("SELECT reason FROM quarantine")
        assert "a post row has 2 fields" in reason[0]
