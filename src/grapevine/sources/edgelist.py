"""Plain-text edge lists: one ``source target [weight]`` per line (SNAP, NetHEPT, KONECT style).

Tokens are separated by whitespace, commas or tabs; lines starting with ``#`` or ``%`` and
blank lines are skipped. Each edge line is one :class:`RawRecord` numbered by its line, whose
payload is the parsed ``(src, dst, weight)`` tuple, so ``map`` only builds the :class:`Edge`.
Self-loops and repeated edges are kept (NetHEPT counts repeated co-authorship that way).

Header lines (skipped, never quarantined, logged at INFO) with ``header=auto``:

* single numbers above the first edge (wiki-Vote starts with ``7115`` and ``103689``: n and m);
* a first line of column names (``source target``, ``from,to,weight``) or whose third token is
  not a number;
* a first line of exactly two integers ``n m`` when ``m`` is within 1% of the number of edge
  lines that follow (NetHEPT: ``15233 58891``; NetPHY's header says 231,584 for 231,507 lines).
  A seekable stream is counted ahead (stopping once past ``m`` + 1%, so ``0 1`` costs two
  lines) and rewound, so records stay in order. A stream that cannot seek (zstd, a pipe)
  holds the line back instead: once more than ``m`` + 1% lines have followed it is yielded as
  an ordinary edge (record 1 then comes a little out of order), else it is dropped at the end.

A file can say what its ids are with a directive among the comment lines above the first edge,
``# grapevine: platform=twitter kind=follow`` (the simulator writes one); options given on the
command line win over it. The directive travels in each record's context, so re-mapping the
archive gives the same edges.

Edge direction follows :class:`~grapevine.models.Edge`: ``src -> dst`` with ``kind`` from the
options (default ``follow``: src follows dst). ``influence=true`` declares that each line
``u v`` means *u influences v* (the direction influence flows, the reverse of a follow); such
edges get ``kind="influence"`` so analyses do not flip them.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator
from typing import IO, Any, ClassVar

from grapevine.models import Edge, Mapped
from grapevine.sources.base import BadRecord, MappingError, RawRecord, Source, SourceError

__all__ = ["EdgeListSource"]

logger = logging.getLogger(__name__)

_HEADER_WORDS = frozenset(
    {
        "source", "target", "src", "dst", "from", "to", "weight", "w", "u", "v", "i", "j",
        "node1", "node2", "id1", "id2", "follower", "followee", "followed", "user", "friend",
        "head", "tail", "sender", "receiver", "probability", "p",
    }
)  # fmt: skip
_MAX_ID = 256
_ID_TOKEN = re.compile(rb"[\w.:@/+-]{1,256}")
_EDGE_SUFFIXES = (".edgelist", ".edges", ".el", ".adj")
_MIN_SAMPLE_LINES = 2
_DIRECTIVE = b"grapevine:"


def _tokens(line: bytes) -> list[bytes]:
    return line.replace(b",", b" ").split()


def _is_int(token: bytes) -> bool:
    return token.isdigit() or (token[:1] == b"-" and token[1:].isdigit())


def _is_number(token: bytes | str) -> bool:
    try:
        return math.isfinite(float(token))
    except ValueError:
        return False


class EdgeListSource(Source):
    """Edge lists as plain text; see the module docstring for the header rules."""

    name = "edgelist"
    platform = "graph"
    description = "Read a plain-text edge list (source target [weight] per line) as graph edges."
    numbering = "line"
    options: ClassVar[dict[str, str]] = {
        "platform": "platform the node ids belong to (default: graph)",
        "kind": "edge kind to record (default: follow, meaning source follows target)",
        "influence": "true when each line 'u v' means u influences v (kind becomes 'influence')",
        "header": "auto (default), yes (first line is a header) or no (every line is an edge)",
    }

    def __init__(self) -> None:
        self._kind = "follow"
        self._header = "auto"
        self._explicit: frozenset[str] = frozenset()

    def configure(self, **options: str) -> None:
        self._explicit = frozenset(options)
        if "platform" in options:
            platform = options["platform"].strip()
            if not platform:
                raise SourceError("source 'edgelist': option 'platform' needs a name")
            self.platform = platform  # per-instance, set by --option
        influence = options.get("influence", "false").strip().lower()
        if influence not in ("true", "false", "yes", "no", "1", "0"):
            raise SourceError(
                f"source 'edgelist': option 'influence' must be true or false, not {influence!r}"
            )
        kind = options.get("kind", "").strip()
        if influence in ("true", "yes", "1"):
            if kind and kind != "influence":
                raise SourceError(
                    "source 'edgelist': influence=true records kind 'influence'; drop kind="
                    f"{kind!r} or set influence=false"
                )
            kind = "influence"
        if kind:
            self._kind = kind
        if "header" in options:
            header = options["header"].strip().lower()
            if header not in ("auto", "yes", "no"):
                raise SourceError(
                    f"source 'edgelist': option 'header' must be auto, yes or no, not {header!r}"
                )
            self._header = header

    def detect(self, sample: bytes, name: str) -> float:
        lines = sample.split(b"\n")
        if len(sample) >= 64 * 1024 and len(lines) > 1:
            lines.pop()  # the sample may end mid-line
        edges = 0
        numeric = True
        first = True
        for line in lines[:2000]:
            tokens = _tokens(line)
            if not tokens or tokens[0][:1] in (b"#", b"%"):
                continue
            if len(tokens) == 1 and edges == 0 and _is_int(tokens[0]):
                continue  # n / m header lines
            if first:
                first = False
                if _looks_like_header_line(tokens):
                    continue
            if len(tokens) not in (2, 3) or (len(tokens) == 3 and not _is_number(tokens[2])):
                return 0.0
            if not (_is_int(tokens[0]) and _is_int(tokens[1])):
                if not (_ID_TOKEN.fullmatch(tokens[0]) and _ID_TOKEN.fullmatch(tokens[1])):
                    return 0.0
                numeric = False
            edges += 1
        if edges < _MIN_SAMPLE_LINES:
            return 0.0
        if numeric:
            return 0.9
        # Two words per line fits many small tables; only the file name makes it likely.
        return 0.6 if name.lower().endswith(_EDGE_SUFFIXES) else 0.15

    def read(self, stream: IO[bytes], name: str) -> Iterator[RawRecord | BadRecord]:
        header_mode = self._header
        at_top = True  # no edge line seen yet: single numbers here are "n" / "m" header lines
        first_line_seen = False
        held: RawRecord | None = None  # a first line "n m" that may be a header
        held_m = held_limit = after_held = 0
        number = 0
        directives: dict[str, str] | None = None
        for line in stream:
            number += 1
            tokens = line.replace(b",", b" ").split()
            if not tokens or tokens[0][:1] in (b"#", b"%"):
                if at_top and _DIRECTIVE in line:
                    directives = {**(directives or {}), **self._directives(line, name, number)}
                continue
            if held is not None:
                after_held += 1
                if after_held > held_limit:
                    yield held  # more edge lines than its m + 1%: the first line was an edge
                    held = None
            if not at_top:
                item = _parse(number, line, tokens)
                if directives and isinstance(item, RawRecord):
                    item.context = directives
                yield item
                continue
            first = not first_line_seen
            first_line_seen = True
            if first and (
                header_mode == "yes" or (header_mode == "auto" and _looks_like_header_line(tokens))
            ):
                _log_header(name, number, line)
                continue
            if len(tokens) == 1 and header_mode != "no" and _is_int(tokens[0]):
                _log_header(name, number, line)
                continue
            at_top = False
            item = _parse(number, line, tokens)
            if directives and isinstance(item, RawRecord):
                item.context = directives
            if (
                first
                and header_mode == "auto"
                and isinstance(item, RawRecord)
                and len(tokens) == 2
                and tokens[0].isdigit()
                and tokens[1].isdigit()
            ):
                m = int(tokens[1])
                following = _count_following(stream, m + m // 100)
                if following is None:  # not seekable: hold the line until the count is known
                    held, held_m, held_limit, after_held = item, m, m + m // 100, 0
                    continue
                if abs(following - m) <= m // 100:
                    _log_header(name, number, line, f"n m, and {following:,} edge lines follow")
                    continue
            yield item
        if held is not None:
            if abs(after_held - held_m) <= held_m // 100:
                _log_header(name, held.number, held.raw, f"n m, and {after_held:,} edge lines follow")
            else:
                yield held

    def load_raw(self, raw: bytes, context: dict[str, Any] | None) -> tuple[str, str, float | None]:
        """Parse an archived edge line again (the payload is the parsed tuple, not JSON)."""
        edge = _edge(raw, raw.replace(b",", b" ").split())
        if isinstance(edge, str):
            raise MappingError(edge)
        return edge

    def map(self, record: RawRecord) -> Mapped:
        payload = record.payload
        if not isinstance(payload, tuple | list) or len(payload) != 3:
            raise MappingError(f"expected (source, target, weight), got {type(payload).__name__}")
        src, dst, weight = payload
        if not isinstance(src, str) or not isinstance(dst, str) or not src or not dst:
            raise MappingError("edge ends must be non-empty strings")
        if weight is not None and not isinstance(weight, float | int):
            raise MappingError(f"edge weight must be a number, got {type(weight).__name__}")
        platform, kind = self.platform, self._kind
        context = record.context
        if context:
            if "platform" not in self._explicit:
                platform = str(context.get("platform", platform))
            if "kind" not in self._explicit and "influence" not in self._explicit:
                kind = str(context.get("kind", kind))
        return Mapped(edges=[Edge(platform, src, dst, kind, weight)])

    def _directives(self, line: bytes, name: str, number: int) -> dict[str, str]:
        """``# grapevine: platform=twitter kind=follow`` -> {"platform": "twitter", "kind": "follow"}."""
        found = {}
        text = line.decode("utf-8", "replace").split(_DIRECTIVE.decode(), 1)[1]
        for part in text.split():
            key, sep, value = part.partition("=")
            if sep and key in ("platform", "kind") and value and _ID_TOKEN.fullmatch(value.encode()):
                found[key] = value
            else:
                logger.warning("%s:%d: ignoring edge-list directive %r", name, number, part)
        return found


def _count_following(stream: IO[bytes], limit: int) -> int | None:
    """Edge lines after the current position (counting stops past ``limit``), then rewind.

    None when the stream cannot seek back (a zstd stream, a pipe).
    """
    try:
        if not stream.seekable():
            return None
        position = stream.tell()
    except (OSError, ValueError):
        return None
    count = 0
    for line in stream:
        stripped = line.lstrip()
        if stripped and stripped[:1] not in (b"#", b"%"):
            count += 1
            if count > limit:
                break
    stream.seek(position)
    return count


def _looks_like_header_line(tokens: list[bytes]) -> bool:
    """Column names (``source target``) or a third column that is not a number."""
    if len(tokens) < 2:
        return False
    words = [t.decode("utf-8", "replace").lower() for t in tokens]
    if all(w in _HEADER_WORDS for w in words):
        return True
    return len(tokens) == 3 and not _is_number(tokens[2]) and not (_is_int(tokens[0]) and _is_int(tokens[1]))


def _parse(number: int, line: bytes, tokens: list[bytes]) -> RawRecord | BadRecord:
    raw = line.rstrip(b"\r\n")
    edge = _edge(raw, tokens)
    if isinstance(edge, str):
        return BadRecord(number, f"line {number}: {edge}", raw[:10_000])
    return RawRecord(number, edge, raw)


def _edge(raw: bytes, tokens: list[bytes]) -> tuple[str, str, float | None] | str:
    """The ``(src, dst, weight)`` of one edge line, or the reason it is not one."""
    if b"\x00" in raw:
        return "NUL byte in edge line"
    count = len(tokens)
    if count == 1:
        return "one token; an edge needs a source and a target"
    if count > 3 or count == 0:
        return f"{count} tokens; expected 'source target [weight]'"
    if len(tokens[0]) > _MAX_ID or len(tokens[1]) > _MAX_ID:
        return f"node id longer than {_MAX_ID} bytes"
    try:
        src = tokens[0].decode("utf-8")
        dst = tokens[1].decode("utf-8")
    except UnicodeDecodeError:
        return "node id is not valid UTF-8"
    weight = None
    if count == 3:
        try:
            weight = float(tokens[2])
        except ValueError:
            weight = math.nan
        if not math.isfinite(weight):
            return f"weight {tokens[2][:40].decode('utf-8', 'replace')!r} is not a finite number"
    return src, dst, weight


def _log_header(name: str, number: int, line: bytes, why: str = "") -> None:
    text = line.rstrip(b"\r\n")[:80].decode("utf-8", "replace")
    logger.info("%s: skipped header line %d %r%s", name, number, text, f" ({why})" if why else "")
