"""Streaming CSV rows with the line number each row starts on, tolerant of real-world damage.

Why not :mod:`csv`: the stdlib reader ends a row at a bare carriage return inside an unquoted
field (TWCS tweet 3399 has ``\\r\\r`` in its text), caps fields at 128 KiB through global state,
and cannot say which physical line a row began on. Here physical lines are split on ``\\n``
only, a row continues while a quoted field is open, and fields follow the stdlib's default
dialect (``"`` quotes a field only at its start, ``""`` inside quotes is one quote, text after
a closing quote is kept). Each row is decoded on its own, so one row of invalid UTF-8 does not
cost the file: it is decoded with U+FFFD replacements and flagged in its record's context.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Iterator
from typing import IO, Any

from grapevine.sources.base import BadRecord, MappingError, RawRecord, SourceError

__all__ = [
    "MAX_RECORD_BYTES",
    "MAX_RECORD_LINES",
    "CsvTable",
    "looks_like_header",
    "require_columns",
    "row_from_raw",
    "sample_header",
    "sample_is_table",
    "split_fields",
]

#: A row that spans lines (an open quoted field) and grows past either is given up as unterminated.
MAX_RECORD_BYTES = 8 << 20
MAX_RECORD_LINES = 10_000
_QUOTE = 0x22
_DELIMITERS = (",", "\t", ";", "|")
_BOM = b"\xef\xbb\xbf"
_REPLACED = "invalid UTF-8 replaced with U+FFFD"


def split_fields(text: str, delimiter: str = ",") -> list[str]:
    """Split one complete CSV row (no line terminator) into fields, undoing quoting."""
    if '"' not in text:
        return text.split(delimiter)
    fields: list[str] = []
    i = 0
    n = len(text)
    while True:
        if i < n and text[i] == '"':
            parts: list[str] = []
            i += 1
            while True:
                j = text.find('"', i)
                if j < 0:  # unterminated: keep the rest, as the stdlib's lenient reader does
                    parts.append(text[i:])
                    i = n
                    break
                parts.append(text[i:j])
                if j + 1 < n and text[j + 1] == '"':
                    parts.append('"')
                    i = j + 2
                else:
                    i = j + 1
                    break
            k = text.find(delimiter, i)
            if k < 0:
                parts.append(text[i:])
                fields.append("".join(parts))
                return fields
            parts.append(text[i:k])
            fields.append("".join(parts))
            i = k + 1
        else:
            k = text.find(delimiter, i)
            if k < 0:
                fields.append(text[i:])
                return fields
            fields.append(text[i:k])
            i = k + 1


def _ends_quoted(line: bytes, in_quotes: bool, delimiter: int) -> bool:
    """Whether a quoted field is still open at the end of ``line`` (same rules as split_fields)."""
    i = 0
    n = len(line)
    while True:
        j = line.find(b'"', i)
        if j < 0:
            return in_quotes
        if in_quotes:
            if j + 1 < n and line[j + 1] == _QUOTE:
                i = j + 2
                continue
            in_quotes = False
        elif j == 0 or line[j - 1] == delimiter:
            in_quotes = True
        i = j + 1


def _strip_terminator(line: bytes) -> bytes:
    if line.endswith(b"\n"):
        line = line[:-1]
        if line.endswith(b"\r"):
            line = line[:-1]
    return line


def _sniff_delimiter(first_line: str) -> str:
    counts = [first_line.count(d) for d in _DELIMITERS]
    best = max(range(len(_DELIMITERS)), key=counts.__getitem__)
    return _DELIMITERS[best] if counts[best] else ","


def _with_replay(
    rest: Iterator[tuple[int, bytes]], replay: deque[tuple[int, bytes]]
) -> Iterator[tuple[int, bytes]]:
    """Numbered lines from ``rest``, serving first whatever lands in ``replay`` meanwhile."""
    while True:
        while replay:
            yield replay.popleft()
        for item in rest:
            yield item
            if replay:
                break
        else:
            return


def _physical_rows(lines: Iterable[bytes], delimiter: int) -> Iterator[tuple[int, bytes] | BadRecord]:
    """Group physical lines into rows: ``(first line number, bytes without terminator)``.

    A quoted field that never closes (a stray ``"`` at the start of a field) would swallow the
    rest of the file. When one runs past MAX_RECORD_LINES / MAX_RECORD_BYTES, or to the end of
    the file, only its first line is reported bad and the lines after it are read again as rows.
    """
    rest = enumerate(lines, 1)
    replay: deque[tuple[int, bytes]] = deque()
    while True:
        pending: list[tuple[int, bytes]] = []
        pending_size = 0
        for number, line in _with_replay(rest, replay):
            if pending:
                pending.append((number, line))
                pending_size += len(line)
                if not _ends_quoted(line, True, delimiter):
                    yield pending[0][0], _strip_terminator(b"".join(part for _, part in pending))
                    pending = []
                elif pending_size > MAX_RECORD_BYTES or len(pending) > MAX_RECORD_LINES:
                    yield _runaway(pending, f"runs on to line {number}")
                    replay.extendleft(reversed(pending[1:]))
                    pending = []
            elif b'"' in line and _ends_quoted(line, False, delimiter):
                pending = [(number, line)]
                pending_size = len(line)
            else:
                yield number, _strip_terminator(line)
        if not pending:
            return
        yield _runaway(pending, "is still open at the end of the file")
        replay.extendleft(reversed(pending[1:]))


def _runaway(pending: list[tuple[int, bytes]], what: str) -> BadRecord:
    start, first = pending[0]
    reread = f"; lines {start + 1}-{pending[-1][0]} were read again as rows" if len(pending) > 1 else ""
    return BadRecord(
        start,
        f"line {start}: unterminated quoted field: the row starting here {what}{reread}",
        _strip_terminator(first)[:10_000],
    )


class CsvTable:
    """A CSV stream whose header has been read; :meth:`records` yields the data rows.

    Parameters
    ----------
    stream
        The (decompressed) bytes; read line by line, never whole.
    name
        The file name, for messages.
    delimiter
        One character, or None to pick the commonest of ``, TAB ; |`` in the header line.
    """

    def __init__(self, stream: IO[bytes], name: str, delimiter: str | None = None) -> None:
        lines = iter(stream)
        first = next(lines, b"")
        if first.startswith(_BOM):
            first = first[len(_BOM) :]
        if delimiter is None:
            delimiter = _sniff_delimiter(first.decode("utf-8", "replace"))
        if len(delimiter) != 1 or delimiter in '"\r\n':
            raise SourceError(f"{name}: invalid CSV delimiter {delimiter!r}")
        self.name = name
        self.delimiter = delimiter
        self._rows = _physical_rows(itertools.chain((first,), lines), ord(delimiter))
        self.header_line, self.header = self._read_header()

    def _read_header(self) -> tuple[int, list[str]]:
        for item in self._rows:
            if isinstance(item, BadRecord):
                raise SourceError(f"{self.name}: cannot read the CSV header: {item.reason}")
            number, raw = item
            if not raw.strip():
                continue
            names = split_fields(raw.decode("utf-8", "replace"), self.delimiter)
            return number, _unique([n.strip() for n in names])
        raise SourceError(f"{self.name}: empty file, no CSV header row")

    def records(self) -> Iterator[RawRecord | BadRecord]:
        """Yield one record per data row: payload is ``{column: value}``, raw the row's bytes.

        Every record's context holds the header (and a delimiter other than ``,``), so that
        :func:`row_from_raw` can rebuild the payload from the archive. The context dict is shared
        between records: treat it as read-only.
        """
        header = self.header
        delimiter = self.delimiter
        context: dict[str, Any] = {"header": header}
        if delimiter != ",":
            context["delimiter"] = delimiter
        for item in self._rows:
            if isinstance(item, BadRecord):
                yield item
                continue
            number, raw = item
            if not raw.strip():
                continue  # blank lines separate nothing in CSV; the stdlib skips them too
            row_context = context
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("utf-8", "replace")
                row_context = {**context, "decoding": _REPLACED}
            if "\x00" in text:
                yield BadRecord(number, f"line {number}: NUL byte in CSV row", raw[:10_000])
                continue
            row = _row_dict(header, split_fields(text, delimiter))
            if isinstance(row, str):
                yield BadRecord(number, f"line {number}: {row}", raw[:10_000])
                continue
            yield RawRecord(number, row, raw, row_context)


def _row_dict(header: list[str], fields: list[str]) -> dict[str, str] | str:
    """The row as ``{column: value}``, or the reason it does not fit the header."""
    width = len(header)
    if len(fields) > width:
        return f"{len(fields)} fields but the header has {width}"
    if len(fields) < width:  # a short row (trailing empty fields dropped): pad, like DictReader
        fields.extend([""] * (width - len(fields)))
    return dict(zip(header, fields, strict=True))


def row_from_raw(raw: bytes, context: dict[str, Any] | None) -> dict[str, str]:
    """Rebuild a row's payload from its archived bytes and the context :class:`CsvTable` gave it."""
    header = context.get("header") if isinstance(context, dict) else None
    if not isinstance(header, list) or not all(isinstance(name, str) for name in header):
        raise MappingError("the archived CSV row has no header in its context")
    delimiter = context.get("delimiter", ",") if isinstance(context, dict) else ","
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise MappingError(f"invalid CSV delimiter in context: {delimiter!r:.20}")
    row = _row_dict(header, split_fields(raw.decode("utf-8", "replace"), delimiter))
    if isinstance(row, str):
        raise MappingError(row)
    return row


def _unique(names: list[str]) -> list[str]:
    """Header names made unique (``name``, ``name_2`` ...) so no column is silently lost."""
    seen: set[str] = set()
    result = []
    for name in names:
        candidate = name
        suffix = 2
        while candidate in seen:
            candidate = f"{name}_{suffix}"
            suffix += 1
        seen.add(candidate)
        result.append(candidate)
    return result


def require_columns(table: CsvTable, columns: Iterable[str], source: str) -> None:
    """Raise SourceError naming the columns a source needs that the header lacks."""
    missing = [c for c in columns if c not in table.header]
    if missing:
        raise SourceError(
            f"{table.name}: not a {source} file: no column {', '.join(map(repr, missing))} "
            f"(columns: {', '.join(table.header)[:300]})"
        )


def sample_header(sample: bytes) -> list[str] | None:
    """The header names on the first line of a sample, or None when it is not CSV-like."""
    end = sample.find(b"\n")
    first = sample if end < 0 else sample[:end]
    if first.startswith(_BOM):
        first = first[len(_BOM) :]
    text = first.rstrip(b"\r").decode("utf-8", "replace")
    if not text or text[0] in "{[<#":
        return None
    names = [n.strip() for n in split_fields(text, _sniff_delimiter(text))]
    return names if len(names) >= 2 else None


def looks_like_header(names: list[str] | None) -> bool:
    """Column names rather than data: at least two non-empty, none numeric, all short."""
    if not names:
        return False
    filled = [n for n in names if n]
    if len(filled) < 2 or any(len(n) > 100 for n in names):
        return False
    for name in filled:
        try:
            float(name)
        except ValueError:
            continue
        return False
    return all(any(ch.isalpha() for ch in n) for n in filled)


def sample_is_table(sample: bytes, min_rows: int = 1) -> bool:
    """A header row followed by rows of the same width (90% of the complete rows in the sample)."""
    names = sample_header(sample)
    if names is None or not looks_like_header(names):
        return False
    lines = sample.splitlines(keepends=True)
    if lines and not lines[-1].endswith(b"\n"):
        lines.pop()  # cut off by the sample's end
    first = lines[0].decode("utf-8", "replace") if lines else ""
    delimiter = _sniff_delimiter(first)
    widths = [
        len(split_fields(item[1].decode("utf-8", "replace"), delimiter))
        for item in itertools.islice(_physical_rows(lines[1:], ord(delimiter)), 200)
        if not isinstance(item, BadRecord) and item[1].strip()
    ]
    if len(widths) < min_rows:
        return False
    return sum(w == len(names) for w in widths) >= 0.9 * len(widths)
