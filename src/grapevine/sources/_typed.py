"""What the typed fast lanes share: decoding a line into structs, and mapping repeats once.

A fast lane (``_mastodon_typed``, ``_twitter_v2_typed``) decodes a source's usual JSON line
with msgspec and maps it with a lean mapper, or declines and leaves the line to the general
lane. Both lanes must agree on every line, so the decoding here refuses what the general lane
(orjson) would refuse even where msgspec would not look.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Annotated, Any, ClassVar, Generic, TypeVar

import msgspec

from grapevine.models import Account, Mapped, Post, PostRow
from grapevine.sources._jsonrecords import iter_json_records, parse_line
from grapevine.sources.base import BadRecord, RawRecord, Source

if TYPE_CHECKING:
    from grapevine.store import Batch

_c_lookup: Callable[[dict[bytes, Any], msgspec.Raw, int], Any] | None
try:  # the C fast path (_rawmemo.c), built by `pip install` when a C compiler is there
    from grapevine.sources._rawmemo import lookup as _c_lookup
except ImportError:  # pragma: no cover - installed without a C compiler: the Python lookup alone
    _c_lookup = None

__all__ = ["Count", "Decline", "Int", "RawMemo", "Rows", "TypedLinesSource", "add_rows", "decode_line"]

T = TypeVar("T")

#: Integers that orjson also reads as integers (it reads a bigger one as a float): others decline.
Int = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
#: A Mastodon metric as stored: a negative one (a server's broken counter, None in the general
#: lane) declines, so that the fast lane can use the value as it is.
Count = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]

_DECODE_ERRORS = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)  # DecodeError: also another shape


def decode_line(decode: Callable[[bytes], T], line: bytes) -> T | None:
    """``decode(line)``, or None when the line is not that shape or not valid UTF-8 JSON."""
    try:
        value = decode(line)
    except _DECODE_ERRORS:
        return None
    if not line.isascii():
        try:  # msgspec does not check the UTF-8 of the strings it skips; the general lane does
            line.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return value


class Decline(Exception):  # a verdict, not a failure
    """This line needs the general lane."""


class RawMemo(Generic[T]):
    """Maps a JSON object left undecoded (``msgspec.Raw``) once per distinct copy of its bytes.

    The same author or user comes back on status after status, page after page, byte for byte:
    decoding and mapping it again each time is most of what those objects cost. An object that
    does not decode as ``decoder``'s type raises :class:`Decline`; ``map_decoded`` may too.
    """

    KEY_BYTES = 64  # the object opens with its id: enough to tell them apart, cheap to hash

    def __init__(
        self, decoder: msgspec.json.Decoder[Any], map_decoded: Callable[[Any], T], size: int = 1 << 15
    ):
        self._decode = decoder.decode
        self._map = map_decoded
        self._size = size
        self._seen: dict[bytes, tuple[msgspec.Raw, T]] = {}

    def get(self, raw: msgspec.Raw) -> T:
        if _c_lookup is not None:  # the same as the lookup below, in C (a hit is the usual case)
            value = _c_lookup(self._seen, raw, self.KEY_BYTES)
            if value is not None:
                return value
        key = memoryview(raw)[: self.KEY_BYTES].tobytes()
        seen = self._seen.get(key)
        if seen is not None and seen[0] == raw:  # the same bytes: the same result
            return seen[1]
        try:
            decoded = self._decode(raw)
        except _DECODE_ERRORS:
            raise Decline from None
        value = self._map(decoded)
        if len(self._seen) >= self._size:
            self._seen.clear()
        self._seen[key] = (raw.copy(), value)  # a copy: the Raw would keep its whole line alive
        return value


#: What a fast lane maps a line to: its posts as rows, and their authors.
Rows = tuple[list[PostRow], list[Account]]


def add_rows(mapped: Rows | None, number: int, batch: Batch) -> bool:
    """Add what a fast lane mapped line ``number`` to; False (nothing added) when it declined."""
    if mapped is None:
        return False
    batch.add_post_rows(mapped[0], number)
    batch.add_accounts(mapped[1], number)
    return True


class TypedLinesSource(Source):
    """A JSON Lines source whose usual line has a typed fast lane.

    A subclass names the lane's payload type (``typed``), its decoder (``decode_typed``: a line
    to a payload, or None when the line is not that shape) and mapper (``map_typed_rows``: a
    payload to rows, or None to decline), and maps anything else with ``map_general``. The
    reading and the three ways of mapping a record (``map``, ``map_into``, ``map_line_into``)
    are the same for every such source, and here.
    """

    typed: ClassVar[type]

    @staticmethod
    def decode_typed(line: bytes, /) -> Any:
        raise NotImplementedError

    @staticmethod
    def map_typed_rows(payload: Any, /) -> Rows | None:
        raise NotImplementedError

    def map_general(self, payload: Any) -> Mapped:
        """Map a payload as parsed from JSON (raises on a bad shape)."""
        raise NotImplementedError

    def read(self, stream: IO[bytes], name: str) -> Iterator[RawRecord | BadRecord]:
        return iter_json_records(stream, self.decode_typed)

    def map_line_into(self, line: bytes, number: int, batch: Batch) -> bool:
        payload = self.decode_typed(line)
        return payload is not None and add_rows(self.map_typed_rows(payload), number, batch)

    def map_into(self, record: RawRecord, batch: Batch) -> None:
        payload = record.payload
        if type(payload) is self.typed:
            if add_rows(self.map_typed_rows(payload), record.number, batch):
                return
            payload = parse_line(record.raw)  # declined: the general way, mapped once
        batch.add_mapped(self.map_general(payload), record.number)

    def map(self, record: RawRecord) -> Mapped:
        payload = record.payload
        if type(payload) is self.typed:
            mapped = self.map_typed_rows(payload)
            if mapped is not None:
                rows, accounts = mapped
                return Mapped([Post(*row) for row in rows], accounts)
            payload = parse_line(record.raw)
        return self.map_general(payload)
