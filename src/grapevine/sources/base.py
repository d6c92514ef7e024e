"""The Source contract: every platform or file format is one small plugin.

A source does three things, and only ``read`` touches I/O:

``detect(sample, name)``
    Looks at the first bytes of a file (already decompressed) and its name and returns a
    confidence between 0 and 1 that it can read it. The highest confidence wins.
``read(stream, name)``
    Streams the file and yields one :class:`RawRecord` per record (a JSON line, an API page,
    a CSV row, a feed entry). A record that cannot even be parsed is yielded as a
    :class:`BadRecord` with its number and reason, and reading goes on.
``map(record)``
    A pure function from one raw record to canonical :class:`~grapevine.models.Mapped`
    records. It may raise :class:`MappingError` (or anything else): the record is then
    quarantined with the reason and the import goes on. Because raw payloads are kept in the
    store, ``map`` can be re-run later over the archive.

Third-party sources register through the ``grapevine.sources`` entry point group, exactly like
the built-in ones (see :mod:`grapevine.plugins`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, ClassVar

import orjson

from grapevine.models import Mapped

if TYPE_CHECKING:
    from grapevine.store import Batch

__all__ = [
    "LOOK_AHEAD_LINES",
    "SAMPLE_BYTES",
    "BadRecord",
    "MappingError",
    "RawRecord",
    "Source",
    "SourceError",
    "json_lines_after_a_bad_line",
    "stands_alone",
]


#: Lines read past a broken first line, looking for one that stands alone (JSON Lines).
LOOK_AHEAD_LINES = 1000
#: The bytes of a file that ingest hands to ``detect`` and ``numbering_for``; a shorter sample
#: is the whole file.
SAMPLE_BYTES = 64 * 1024


def stands_alone(line: bytes) -> bool:
    """Whether a line is a JSON object or array on its own: a line of JSON Lines."""
    if not line.startswith((b"{", b"[")):
        return False
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


def json_lines_after_a_bad_line(first: bytes, following: list[bytes], complete: bool) -> bool | None:
    """Whether an input whose first line does not parse alone is JSON Lines (True) or one
    document spread over lines (False); None when the lines seen cannot tell.

    ``following`` are the lines after the first: all of them when ``complete``. A whole input
    that parses is a document. One that does not is JSON Lines that start with bad records as
    soon as any line stands alone (a broken document has nothing to save, its lines do). Seeing
    only the start of a big input, JSON Lines are told by most lines standing alone (in a
    pretty-printed document at most one line per array does, its last element written
    compactly); otherwise the caller must read on.
    """
    if complete:
        try:
            orjson.loads(b"\n".join([first, *following]))
        except orjson.JSONDecodeError:
            return any_line_stands_alone(following)
        return False
    filled = [stripped for stripped in (line.strip() for line in following) if stripped]
    return True if filled and 2 * sum(map(stands_alone, filled)) >= len(filled) else None


def any_line_stands_alone(lines: list[bytes]) -> bool:
    """Whether an input that does not parse as one document holds JSON Lines (see
    :func:`json_lines_after_a_bad_line`)."""
    return any(stands_alone(line.strip()) for line in lines)


class SourceError(Exception):
    """A whole file cannot be read (unknown format, empty, wrong encoding)."""


class MappingError(ValueError):
    """One raw record does not have the shape the source expects; the message is the reason."""


@dataclass(slots=True)
class RawRecord:
    """One record as read from a file.

    ``number`` is 1-based: the line number for line-oriented formats, the record (row, item,
    interaction) number otherwise. ``payload`` is the parsed value handed to ``map``: usually
    the JSON value, or a typed struct where the source has a fast lane for its usual shape (see
    ``_mastodon_typed``); ``raw`` is what gets archived (the original bytes where practical,
    else a JSON re-encoding), and always parses to the JSON value.
    ``context`` carries read-time facts that ``map`` needs and the raw bytes lack, such as
    the CSV header or a feed's channel; it is archived next to the raw payload.
    """

    number: int
    payload: Any
    raw: bytes
    context: dict[str, Any] | None = None


@dataclass(slots=True)
class BadRecord:
    """A record that could not be parsed; it is quarantined and reading goes on."""

    number: int
    reason: str
    raw: bytes = b""


class Source:
    """Base class for sources. Subclasses set ``name`` and ``platform`` and override the three methods."""

    name: ClassVar[str] = ""
    #: the platform of the records it maps; a source may take it from an option per instance
    platform: str = ""
    description: ClassVar[str] = ""
    #: ``"line"`` when ``RawRecord.number`` is a line number, ``"record"`` otherwise.
    numbering: ClassVar[str] = "line"

    #: True when any run of whole lines of a file this source reads (as numbered "line") can be
    #: read and mapped on its own, so big files may be split across worker processes.
    splittable: ClassVar[bool] = False
    #: Options this source accepts from ``--option KEY=VALUE`` (name -> one-line help).
    options: ClassVar[dict[str, str]] = {}

    def with_options(self, **options: str) -> Source:
        """Return a copy configured with user options; unknown options are an error."""
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            known = ", ".join(sorted(self.options)) or "none"
            raise SourceError(f"source {self.name!r} has no option {unknown[0]!r} (options: {known})")
        if not options:
            return self
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.configure(**options)
        return clone

    def configure(self, **options: str) -> None:
        """Apply validated options to this (freshly copied) instance."""

    def numbering_for(self, sample: bytes) -> str:
        """Whether record numbers in this file are lines or records.

        A line-oriented source reading a JSON document that spans many lines (a pretty-printed
        API response, a cassette) numbers records, not lines; the first non-blank line tells.
        """
        if self.numbering != "line":
            return self.numbering
        stripped = sample.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not stripped.startswith((b"{", b"[")):
            return "line"
        first, newline, rest = stripped.partition(b"\n")
        if not newline:
            return "line"
        try:
            orjson.loads(first)
        except orjson.JSONDecodeError:
            # a document spread over lines, or JSON Lines that start with bad lines, as the
            # reader tells them apart (see _jsonrecords); a cut sample's last line is left out
            complete = len(sample) < SAMPLE_BYTES
            following = rest.split(b"\n")
            if not complete:
                following = following[:-1][:LOOK_AHEAD_LINES]
            return "line" if json_lines_after_a_bad_line(first, following, complete) else "record"
        return "line"

    def detect(self, sample: bytes, name: str) -> float:
        """Return how sure this source is (0..1) that it reads a file starting with ``sample``."""
        return 0.0

    def read(self, stream: IO[bytes], name: str) -> Iterator[RawRecord | BadRecord]:
        """Yield the records of ``stream`` (already decompressed)."""
        raise NotImplementedError

    def map(self, record: RawRecord) -> Mapped:
        """Map one raw record to canonical records; pure, raises on bad shape."""
        raise NotImplementedError

    def map_into(self, record: RawRecord, batch: Batch) -> None:
        """Map one record into an import's batch: what imports call, once per record.

        The default adds what :meth:`map` maps to. A source with a fast lane may add posts as
        rows instead (``batch.add_post_rows``), which saves building ``Post`` objects; it must
        add exactly what ``map`` maps to, and add nothing when it raises.
        """
        batch.add_mapped(self.map(record), record.number)

    def map_line_into(self, line: bytes, number: int, batch: Batch) -> bool:
        """A fast lane for the lines of a JSON Lines file (line ``number``, its newline kept):
        map the line straight into ``batch`` and return True, or add nothing and return False
        to leave it to ``read`` and ``map_into``. Only for sources whose ``read`` is JSON Lines
        (``iter_json_records``); the default takes no line.
        """
        return False

    def load_raw(self, raw: bytes, context: dict[str, Any] | None) -> Any:
        """Rebuild ``RawRecord.payload`` from the archived bytes and context, to re-run ``map``.

        The default suits sources whose raw bytes are JSON; others override it.
        """
        return orjson.loads(raw)

    def __repr__(self) -> str:
        return f"<Source {self.name}>"
