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
from grapevine.store import BatchTables

from .test_ingest_kill import write_v2_pages


def split_small_files(monkeypatch: pytest.MonkeyPatch, chunk_bytes: int) -> None:
    """Make even a small file go to worker processes, in chunks of about ``chunk_bytes``."""
    monkeypatch.setattr(ingest_module, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(parallel_module, "CHUNK_BYTES", chunk_bytes)


def test_line_chunks_cover_every_line_once(tmp_path: Path) -> None:
    import io

    lines = [f"line {i}".encode() * (i % 7 + 1) for i in range(1, 2001)]
    data = b"\n".join(lines)  # no newline at the end
    chunks = list(iter_line_chunks(io.BytesIO(data), chunk_bytes=1000))
    assert len(chunks) > 10
    assert b"".join(chunks) == data
    assert all(chunk.endswith(b"\n") for chunk in chunks[:-1])  # whole lines only


def test_line_spans_cover_every_line_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    rng = random.Random(7)
    path = tmp_path / "lines.jsonl"
    monkeypatch.setattr(parallel_module, "_LOOK_BACK", 16)  # so that long lines need several looks
    for _ in range(300):
        lines = [b"x" * rng.randint(0, rng.choice([50, 200])) for _ in range(rng.randint(0, 60))]
        data = b"\n".join(lines) + rng.choice([b"", b"\n"])
        path.write_bytes(data)
        chunk_bytes = rng.randint(1, 80)
        with path.open("rb") as stream:
            spans = list(iter_line_spans(stream, chunk_bytes=chunk_bytes))
        assert b"".join(data[offset : offset + length] for offset, length in spans) == data
        for offset, length in spans:  # each span is whole lines, as long as a chunk unless a line is longer
            assert offset == 0 or data[offset - 1 : offset] == b"\n"
            block = data[offset : offset + length]
            assert block.endswith(b"\n") or offset + length == len(data)
            assert length <= chunk_bytes or block.count(b"\n") <= 1


@pytest.mark.slow
def test_parallel_import_equals_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "pages.jsonl"
    write_v2_pages(data, pages=300, per_page=50)
    lines = data.read_bytes().split(b"\n")
    lines[10] = b'{"data": [oops'  # invalid JSON on line 11
    lines[200] = b'{"data": [{"id": 5}]}'  # a tweet without text or author on line 201
    data.write_bytes(b"\n".join(lines))
    split_small_files(monkeypatch, chunk_bytes=64 * 1024)
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


@pytest.mark.slow
def test_workers_archive_the_file_as_frames_that_remap_reads_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    from grapevine.ingest import remap_archive
    from grapevine.ingest._files import open_decompressed

    data = tmp_path / "pages.jsonl"
    write_v2_pages(data, pages=120, per_page=20)
    original = data.read_bytes()
    split_small_files(monkeypatch, chunk_bytes=32 * 1024)
    with open_workspace(tmp_path / "ws") as ws:
        (summary,) = ingest_files(ws.store, ws.registry, resolve_inputs([str(data)]), workers=2)
        (archived,) = (tmp_path / "ws" / "archive").iterdir()
        frames = archived.read_bytes().count(b"\x28\xb5\x2f\xfd")  # one zstd frame per chunk
        assert frames >= len(original) // (32 * 1024)
        with open_decompressed(archived, str(archived)) as stream:
            assert stream.read() == original  # every frame, in file order
        before = ws.store.run("SELECT platform, id, text, record FROM posts ORDER BY ALL")
        data.unlink()
        ws.store.run("UPDATE posts SET text = 'stale'")
        assert remap_archive(ws.store, ws.registry)["posts"] == summary.new
        assert ws.store.run("SELECT platform, id, text, record FROM posts ORDER BY ALL") == before
    assert not list((tmp_path / "ws" / "archive").glob("*.partial-*"))


def test_a_multi_frame_zstd_input_is_read_whole(tmp_path: Path) -> None:
    import zstandard

    data = tmp_path / "pages.jsonl"
    write_v2_pages(data, pages=30, per_page=5)
    lines = data.read_bytes().splitlines(keepends=True)
    compressor = zstandard.ZstdCompressor()
    packed = tmp_path / "pages.jsonl.zst"  # as pzstd or `cat a.zst b.zst` write them
    packed.write_bytes(compressor.compress(b"".join(lines[:10])) + compressor.compress(b"".join(lines[10:])))
    with open_workspace(tmp_path / "ws") as ws:
        (summary,) = ingest_files(ws.store, ws.registry, resolve_inputs([str(packed)]))
    assert summary.read == 30 and summary.new == 30 * 5


def test_a_post_repeated_across_chunks_and_transactions_is_stored_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import orjson

    data = tmp_path / "statuses.jsonl"
    account = {"id": "9", "acct": "a", "username": "a"}
    original = {
        "id": "1",
        "account": account,
        "content": "<p>first</p>",
        "created_at": "2024-03-01T00:00:00Z",
    }
    lines = []
    for n in range(2, 3000):  # every line reblogs status 1 again, in every chunk
        reblog = {
            "id": str(n),
            "account": account,
            "content": "",
            "reblog": {**original, "content": f"<p>v{n}</p>"},
        }
        lines.append(orjson.dumps(reblog))
    data.write_bytes(orjson.dumps(original) + b"\n" + b"\n".join(lines) + b"\n")
    split_small_files(monkeypatch, chunk_bytes=16 * 1024)
    monkeypatch.setattr(ingest_module, "PARALLEL_BATCH_ROWS", 1000)
    monkeypatch.setattr(ingest_module, "ROW_GROUP_ROWS", 700)  # whole "row groups" of 700 new posts
    with open_workspace(tmp_path / "ws") as ws:
        (summary,) = ingest_files(ws.store, ws.registry, resolve_inputs([str(data)]), workers=2)
        assert ws.store.run("SELECT count(*), count(DISTINCT (platform, id)) FROM posts") == [(2999, 2999)]
        assert ws.store.run("SELECT text FROM posts WHERE id = '1'") == [("first",)]  # the first copy wins
        assert (summary.new, summary.duplicate) == (2999, 2998)  # 2,998 reblogs each repeat status 1
        (again,) = ingest_files(ws.store, ws.registry, resolve_inputs([str(data)]), workers=2)
        assert (again.new, again.duplicate) == (0, 2999 + 2998)
        assert ws.store.run("SELECT count(*) FROM posts") == [(2999,)]


def part(
    ids: list[str], first_record: int, deleted: tuple[str, ...] = (), platforms: list[str] | None = None
) -> BatchTables:
    """A batch of posts ``ids`` (numbered from ``first_record``; on platform "x" unless
    ``platforms`` names each one's) as a worker would send it."""
    import pyarrow as pa

    n = len(ids)
    posts = pa.table(
        {
            "platform": platforms if platforms is not None else ["x"] * n,
            "id": ids,
            "text": [f"t{i}" for i in ids],
            "deleted": [i in deleted for i in ids],
            "record": pa.array(range(first_record, first_record + n), pa.int32()),
        }
    )
    return BatchTables(
        "src", "f.jsonl", "key", first_record + n - 1, posts, bool(deleted), None, None, None, 0
    )


def test_writing_whole_row_groups_holds_back_the_posts_after_them(tmp_path: Path) -> None:

    with open_workspace(tmp_path / "ws") as ws:
        ws.store.write_tables(part(["a", "b"], 1))  # already stored
        # 3 of these 12 rows are not new (a, b, and a repeated c): 9 new posts, 2 groups of 4.
        ids = ["a", "c", "d", "b", "e", "c", "f", "g", "h", "i", "j", "k"]
        counts = ws.store.write_tables([part(ids[:5], 10), part(ids[5:], 15)], row_groups=4)
        assert counts.posts_new == 8  # c d e f g h i j: the 8th new post is j, at row 11
        assert counts.posts_duplicate == 3  # a, b and the second c, all before j
        assert counts.leftover is not None
        assert counts.leftover.posts is not None and counts.leftover.posts.column("id").to_pylist() == ["k"]
        assert counts.leftover.posts.column("record").to_pylist() == [21]
        assert ws.store.run("SELECT count(*) FROM posts") == [(10,)]
        again = ws.store.write_tables([counts.leftover])
        assert (again.posts_new, again.leftover) == (1, None)
        assert ws.store.run("SELECT count(*), count(DISTINCT id) FROM posts") == [(11, 11)]


@pytest.mark.slow
def test_a_compressed_file_split_across_workers_keeps_its_line_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gzip

    data = tmp_path / "pages.jsonl"
    write_v2_pages(data, pages=200, per_page=20)
    lines = data.read_bytes().split(b"\n")
    lines[150] = b'{"data": [oops'  # invalid JSON on line 151, in a later chunk
    packed = tmp_path / "pages.jsonl.gz"
    packed.write_bytes(gzip.compress(b"\n".join(lines)))
    split_small_files(monkeypatch, chunk_bytes=16 * 1024)
    with open_workspace(tmp_path / "ws") as ws:
        (summary,) = ingest_files(ws.store, ws.registry, resolve_inputs([str(packed)]), workers=2)
        assert ws.store.run("SELECT record, numbering FROM quarantine") == [(151, "line")]
        assert summary.first_problem is not None and ":line 151:" in summary.first_problem
        assert (summary.read, summary.new) == (200, 199 * 20)
        records = ws.store.run("SELECT min(record), max(record) FROM posts")
        assert records == [(1, 200)]


def test_held_back_posts_are_only_new_ones_and_deleted_sightings(tmp_path: Path) -> None:
    with open_workspace(tmp_path / "ws") as ws:
        ws.store.write_tables(part([f"old{i}" for i in range(10)], 1))
        # A re-import: all repeats. Nothing is held back, and they count as duplicates now.
        again = ws.store.write_tables([part([f"old{i}" for i in range(10)], 1)], row_groups=4)
        assert (again.posts_new, again.posts_duplicate, again.leftover) == (0, 10, None)
        # Fewer new posts than a row group, among mostly repeats: the new posts wait, the repeats
        # do not, and a deletion waits with its post.
        ids = ["old1", "n1", "old2", "n2", "old3", "old4", "old5", "old6", "n1"]
        counts = ws.store.write_tables([part(ids, 20, deleted=("n1",))], row_groups=4)
        assert (counts.posts_new, counts.posts_duplicate) == (0, 6)  # the old ones are dropped now
        assert counts.leftover is not None and counts.leftover.posts is not None
        held = counts.leftover.posts
        assert held.column("id").to_pylist() == ["n1", "n2", "n1"]
        assert held.column("deleted").to_pylist() == [True, False, True]
        final = ws.store.write_tables([counts.leftover])
        assert (final.posts_new, final.posts_duplicate) == (2, 1)
        assert ws.store.run("SELECT id, deleted FROM posts WHERE id LIKE 'n%' ORDER BY id") == [
            ("n1", True),
            ("n2", False),
        ]


def test_a_file_of_edges_only_is_committed_as_it_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import orjson

    data = tmp_path / "followers.jsonl"  # twarc2 follower pages: accounts and follow edges, no posts
    pages = []
    for page in range(400):
        users = [{"id": str(page * 50 + i + 1000), "username": f"u{page * 50 + i}"} for i in range(50)]
        pages.append(
            orjson.dumps({"data": users, "__twarc": {"url": "https://api.twitter.com/2/users/7/followers"}})
        )
    data.write_bytes(b"\n".join(pages) + b"\n")
    split_small_files(monkeypatch, chunk_bytes=16 * 1024)
    monkeypatch.setattr(ingest_module, "PARALLEL_BATCH_ROWS", 3_000)
    writes = []
    with open_workspace(tmp_path / "ws") as ws:
        original = ws.store.write_tables

        def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
            writes.append(1)
            return original(*args, **kwargs)

        monkeypatch.setattr(ws.store, "write_tables", counting)
        (summary,) = ingest_files(ws.store, ws.registry, resolve_inputs([str(data)]), workers=2)
        assert (summary.edges_new, summary.accounts_new, summary.new) == (20_000, 20_000, 0)
    assert len(writes) >= 5  # as it goes, not one transaction at the end


@pytest.mark.parametrize("workers", [1, 2])
def test_bad_lines_at_the_start_of_a_file_or_chunk_lose_no_good_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """Two bad lines first used to make the reader take the rest for one broken document, and
    quarantine it whole: a whole file, or (in parallel) a whole chunk that began with them."""
    data = tmp_path / "pages.jsonl"
    write_v2_pages(data, pages=120, per_page=10)
    split_small_files(monkeypatch, chunk_bytes=16 * 1024)
    with data.open("rb") as stream:
        third_chunk = list(iter_line_spans(stream))[2][0]
    lines = data.read_bytes().split(b"\n")
    later = data.read_bytes()[:third_chunk].count(b"\n")  # the index of that chunk's first line
    for index in (0, 1, later, later + 1):  # broken, the same length: the chunks stay where they are
        lines[index] = b"{not json".ljust(len(lines[index]))
    data.write_bytes(b"\n".join(lines))
    with open_workspace(tmp_path / "ws") as ws:
        (summary,) = ingest_files(ws.store, ws.registry, resolve_inputs([str(data)]), workers=workers)
        quarantined = ws.store.run("SELECT record, numbering FROM quarantine ORDER BY record")
        assert quarantined == [(1, "line"), (2, "line"), (later + 1, "line"), (later + 2, "line")]
        assert (summary.read, summary.new) == (120, 116 * 10)


def test_a_parallel_import_never_imports_pandas_in_the_importing_process(tmp_path: Path) -> None:
    """pyarrow imports pandas (0.2 s of CPU) at its first conversion of Python values; the
    importing process builds its few columns from buffers, so it needs no pandas at all. Run in
    a fresh interpreter, through whole row groups, held-back posts, a re-import and a quarantine."""
    import subprocess
    import sys
    import textwrap

    data = tmp_path / "pages.jsonl"
    write_v2_pages(data, pages=120, per_page=25)
    lines = data.read_bytes().split(b"\n")
    lines[40] = b'{"data": [oops'
    data.write_bytes(b"\n".join(lines))
    script = textwrap.dedent(
        """
        import sys
        import grapevine.ingest as ingest_module
        import grapevine.ingest._parallel as parallel_module
        from grapevine import open_workspace

        ingest_module.PARALLEL_MIN_BYTES = 0
        ingest_module.PARALLEL_BATCH_ROWS = 500
        ingest_module.ROW_GROUP_ROWS = 300
        parallel_module.CHUNK_BYTES = 16 * 1024
        with open_workspace(sys.argv[1]) as ws:
            first = ws.ingest([sys.argv[2]], enrich=False)
            again = ws.ingest([sys.argv[2]], enrich=False)
            stats = ws.stats()
        print([(s.new, s.duplicate, s.quarantined) for s in first + again], stats["posts"])
        print(sorted(name for name in sys.modules if name.split(".")[0] == "pandas")[:3])
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "ws"), str(data)],
        capture_output=True,
        text=True,
        check=True,
    )
    counts, pandas_modules = out.stdout.strip().splitlines()
    assert counts == f"[({119 * 25}, 0, 1), (0, {119 * 25}, 1)] {119 * 25}"
    assert pandas_modules == "[]"


def test_the_end_of_a_file_is_near_when_the_rest_cannot_fill_a_row_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ingest_module, "ROW_GROUP_ROWS", 1000)
    end = ingest_module._FileEnd(file_bytes=100_000)
    assert not end.near(0)  # nothing arrived: no rate to go by
    end.arrived(10_000, 200)  # 0.02 rows per byte: 1,800 more rows expected
    assert not end.near(0)
    end.arrived(70_000, 1_400)  # 400 more expected
    assert not end.near(600) and end.near(599)
    unknown = ingest_module._FileEnd(file_bytes=None)  # a compressed input: its size is unknown
    unknown.arrived(10_000, 10)
    assert not unknown.near(0)
    unknown.all_submitted = True
    assert unknown.near(10**9)


def test_only_new_keys_are_written_across_platforms_and_id_ranges(tmp_path: Path) -> None:
    """The write's key ranges only narrow what DuckDB reads: a repeat is a repeat on its own
    platform only, whatever the other rows of the batch."""

    def batch(keys: list[tuple[str, str]], first_record: int) -> BatchTables:
        return part([i for _, i in keys], first_record, platforms=[platform for platform, _ in keys])

    with open_workspace(tmp_path / "ws") as ws:
        ws.store.write_tables(batch([("a", "5"), ("a", "50"), ("b", "7")], 1))
        counts = ws.store.write_tables(
            batch([("b", "5"), ("a", "5"), ("a", "9"), ("c", "50"), ("b", "7")], 4)
        )
        assert (counts.posts_new, counts.posts_duplicate) == (3, 2)
        again = ws.store.write_tables([batch([("a", "1"), ("a", "50"), ("a", "99")], 9)], row_groups=1)
        assert (again.posts_new, again.posts_duplicate) == (2, 1)
        assert ws.store.run("SELECT platform, id FROM posts ORDER BY ALL") == [
            ("a", "1"),
            ("a", "5"),
            ("a", "50"),
            ("a", "9"),
            ("a", "99"),
            ("b", "5"),
            ("b", "7"),
            ("c", "50"),
        ]
