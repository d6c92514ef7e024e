"""JSON Lines that start with bad lines against documents spread over lines: the reader and
``numbering_for`` tell them apart the same way, and lose no good line."""

from __future__ import annotations

import io

import orjson
import pytest

from grapevine.sources._jsonrecords import iter_json_records
from grapevine.sources.base import LOOK_AHEAD_LINES, SAMPLE_BYTES, BadRecord, RawRecord, Source


class _LineSource(Source):
    name = "lines"
    numbering = "line"


def kinds(data: bytes) -> list[tuple[str, int]]:
    return [(type(record).__name__, record.number) for record in iter_json_records(io.BytesIO(data))]


def numbering(data: bytes) -> str:
    return _LineSource().numbering_for(data[:SAMPLE_BYTES])


def good(i: int) -> bytes:
    return orjson.dumps({"id": str(i), "text": f"post {i}"})


@pytest.mark.parametrize("bad", [2, 7])
def test_json_lines_that_start_with_more_bad_lines_than_good_keep_the_good(bad: int) -> None:
    data = b"{truncated\n" * bad + b"\n".join(good(i) for i in range(5))
    assert kinds(data) == [("BadRecord", n) for n in range(1, bad + 1)] + [
        ("RawRecord", n) for n in range(bad + 1, bad + 6)
    ]
    assert numbering(data) == "line"  # no newline at its end: the sample is the whole file


def test_long_json_lines_after_bad_lines_are_streamed_line_by_line() -> None:
    data = b"{truncated\n" * 300 + b"\n".join(good(i) for i in range(2 * LOOK_AHEAD_LINES)) + b"\n"
    records = list(iter_json_records(io.BytesIO(data)))
    assert sum(isinstance(r, BadRecord) for r in records) == 300
    assert [r.number for r in records if isinstance(r, RawRecord)] == list(
        range(301, 301 + 2 * LOOK_AHEAD_LINES)
    )
    assert numbering(data) == "line"


@pytest.mark.parametrize("elements", [3, 3 * LOOK_AHEAD_LINES])
def test_a_pretty_printed_array_of_compact_objects_is_one_document(elements: int) -> None:
    """Its last element stands alone on its line; the whole still parses, as a document."""
    data = b"[\n" + b",\n".join(good(i) for i in range(elements)) + b"\n]\n"
    assert kinds(data) == [("RawRecord", n) for n in range(1, elements + 1)]
    assert numbering(data) == "record"


def test_a_broken_document_is_one_bad_record() -> None:
    assert kinds(b'{\n  "feed": [\n') == [("BadRecord", 1)]
    assert numbering(b'{\n  "feed": [\n    {"a": 1},\n') == "record"
