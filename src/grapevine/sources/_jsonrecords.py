"""Read a JSON file of API payloads whatever its layout: JSON Lines, one document, or a cassette.

Platform exports come in three layouts, and a source should not need a flag to tell them apart:

- JSON Lines (one status, event or API page per line): streamed, one record per line, numbered
  by line. This is the layout of large files, so it is the lean path.
- One JSON document spread over many lines (a pretty-printed API response): parsed whole; an
  array yields one record per element, an object one record.
- A recorded HTTP cassette (``{"interactions": [...]}``, see :mod:`._recorded`): one record per
  interaction, numbered from 1.

The first non-blank line decides: if it parses on its own, the file is JSON Lines. If it does
not, the next lines decide between a document and JSON Lines whose first lines are bad records
(most of the next lines are then objects or arrays on their own).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

import orjson

from grapevine.sources.base import (
    LOOK_AHEAD_LINES,
    BadRecord,
    MappingError,
    RawRecord,
    any_line_stands_alone,
    json_lines_after_a_bad_line,
)

__all__ = ["TypedDecoder", "iter_json_records", "json_line_record", "parse_line"]

_BOM = b"\xef\xbb\xbf"
_RAW_LIMIT = 10_000  # bytes of an unreadable record kept for the quarantine


def _is_cassette(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("interactions"), list)


def _interactions(document: dict[str, Any]) -> Iterator[RawRecord]:
    for number, interaction in enumerate(document["interactions"], 1):
        yield RawRecord(number, interaction, orjson.dumps(interaction))


#: A source's fast decoder for its usual line: a typed payload, or None for the general way.
TypedDecoder = Callable[[bytes], Any]


def _json_lines(
    lines: Iterable[bytes], start: int, typed: TypedDecoder | None = None
) -> Iterator[RawRecord | BadRecord]:
    """The same loop as ``_common.iter_json_lines``, numbered from ``start``."""
    loads = orjson.loads
    for number, line in enumerate(lines, start):
        stripped = line.strip()
        if not stripped:
            continue
        if typed is not None:
            payload = typed(stripped)
            if payload is not None:
                yield RawRecord(number, payload, stripped)
                continue
        try:
            payload = loads(stripped)
        except orjson.JSONDecodeError as exc:
            yield BadRecord(number, _invalid_json(exc), stripped[:_RAW_LIMIT])
            continue
        yield RawRecord(number, payload, stripped)


def json_line_record(line: bytes, number: int) -> RawRecord | BadRecord | None:
    """One line of JSON Lines as ``_json_lines`` reads it (None for a blank line), for a reader
    that takes most lines another way (see ``Source.map_line_into``)."""
    stripped = line.strip()
    if not stripped:
        return None
    try:
        payload = orjson.loads(stripped)
    except orjson.JSONDecodeError as exc:
        return BadRecord(number, _invalid_json(exc), stripped[:_RAW_LIMIT])
    return RawRecord(number, payload, stripped)


def _invalid_json(exc: orjson.JSONDecodeError) -> str:
    return f"invalid JSON: {exc}"


def parse_line(raw: bytes) -> Any:
    """A line that a typed lane took but could not map, parsed as the general lane reads it."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MappingError(_invalid_json(exc)) from exc


def _document(document: Any, data: bytes, first_number: int) -> Iterator[RawRecord]:
    """The records of a whole JSON document (``data`` parsed): an array yields one per element."""
    if _is_cassette(document):
        yield from _interactions(document)
    elif isinstance(document, list):
        for number, element in enumerate(document, 1):
            yield RawRecord(number, element, orjson.dumps(element))
    else:
        yield RawRecord(first_number, document, data.strip())


def _after_broken_first_line(
    first: bytes, number: int, stream: IO[bytes], typed: TypedDecoder | None
) -> Iterator[RawRecord | BadRecord]:
    """The first line does not parse alone: a document spread over lines (pretty-printed), or
    JSON Lines that start with bad records; the lines after it tell (see
    :func:`json_lines_after_a_bad_line`; deciding from the second line alone lost a whole file,
    or a whole chunk, behind two bad lines).

    Big JSON Lines are streamed once the next lines show them; anything else is read whole, as
    a document would be anyway, and parsed as one, or else read line by line.
    """
    ahead: list[bytes] = []
    for line in stream:
        ahead.append(line.rstrip(b"\r\n"))
        if len(ahead) >= LOOK_AHEAD_LINES:
            if json_lines_after_a_bad_line(first, ahead, complete=False):
                lines = itertools.chain([first], ahead, (line.rstrip(b"\r\n") for line in stream))
                yield from _json_lines(lines, number, typed)
                return
            ahead += stream.read().split(b"\n")
            break
    # json_lines_after_a_bad_line(first, ahead, complete=True), parsing the document once
    data = b"\n".join([first, *ahead])
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if any_line_stands_alone(ahead):
            yield from _json_lines([first, *ahead], number, typed)
        else:
            yield BadRecord(number, f"invalid JSON document: {exc}", data[:_RAW_LIMIT])
        return
    yield from _document(document, data, number)


def iter_json_records(
    stream: IO[bytes], typed: TypedDecoder | None = None
) -> Iterator[RawRecord | BadRecord]:
    """Yield the records of a JSON Lines file, a JSON document or a cassette (see module doc).

    ``typed`` decodes the lines after the first of a JSON Lines file when it can (see
    :data:`TypedDecoder`); the first line, which tells the layout, is always parsed generally.
    """
    number = 0
    first = b""
    for number, line in enumerate(stream, 1):
        first = line.strip()
        if number == 1 and first.startswith(_BOM):
            first = first[len(_BOM) :].strip()
        if first:
            break
    if not first:
        return
    try:
        payload = orjson.loads(first)
    except orjson.JSONDecodeError:
        yield from _after_broken_first_line(first, number, stream, typed)
        return
    if _is_cassette(payload):
        yield from _interactions(payload)
    else:
        yield RawRecord(number, payload, first)
    yield from _json_lines(stream, number + 1, typed)
