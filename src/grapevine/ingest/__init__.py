"""Ingest: detect each file's format, stream its records, map them and write them in batches.

One transaction per batch (raw payloads, canonical rows, quarantine and the file's progress
together), primary keys everywhere: importing the same input twice, or again after the process
was killed half-way, ends with exactly the rows of one clean import.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

from grapevine.errors import IngestError
from grapevine.ingest._archive import ArchiveWriter, archive_dir
from grapevine.ingest._files import (
    InputFile,
    fingerprint,
    is_compressed,
    open_decompressed,
    read_sample,
    resolve_inputs,
)
from grapevine.plugins import Registry
from grapevine.sources.base import BadRecord, Source, SourceError
from grapevine.store import Batch, BatchCounts, Store

__all__ = [
    "FileSummary",
    "IngestError",
    "Progress",
    "detect_source",
    "ingest_files",
    "remap_archive",
    "resolve_inputs",
]

BATCH_ROWS = 50_000  # canonical rows per transaction
BATCH_RECORDS = 20_000  # raw records per transaction (API pages hold many rows each)
PROGRESS_EVERY_S = 0.25
MIN_CONFIDENCE = 0.3


@dataclass
class FileSummary:
    """What one file gave: ``read`` records, ``new``/``duplicate`` posts, ``quarantined`` records."""

    path: str
    source: str
    read: int = 0
    new: int = 0
    duplicate: int = 0
    accounts_new: int = 0
    edges_new: int = 0
    quarantined: int = 0
    seconds: float = 0.0
    first_problem: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Progress:
    """Progress of the file being imported, reported a few times per second."""

    path: str
    file_index: int
    files: int
    records: int
    posts: int
    bytes_done: int
    bytes_total: int
    started: float = field(default_factory=time.perf_counter)


ProgressCallback = Callable[[Progress], None]


def detect_source(registry: Registry, sample: bytes, name: str) -> Source:
    """The installed source most confident that it reads a file starting with ``sample``."""
    if not sample.strip(b" \t\r\n\x00"):
        raise IngestError(name, "file is empty; expected posts, accounts or edges in a supported format")
    scored = []
    for source_name, source in registry.sources().items():
        try:
            confidence = float(source.detect(sample, name))
        except Exception:  # a buggy detector must not block the others
            confidence = 0.0
        scored.append((confidence, source_name, source))
    scored.sort(key=lambda item: (-item[0], item[1]))
    if scored and scored[0][0] >= MIN_CONFIDENCE:
        return scored[0][2]
    raise IngestError(name, _unknown_format_reason(sample, registry))


def _unknown_format_reason(sample: bytes, registry: Registry) -> str:
    expected = "; ".join(
        f"{n} ({s.description})" if s.description else n for n, s in registry.sources().items()
    )
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")) or sample[:200].count(b"\x00") > 20:
        return f"file looks UTF-16/32 encoded; expected UTF-8 (convert it, or pick a source with --source). Known formats: {expected}"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # a cut multi-byte character at the end is not an error
            return (
                f"not valid UTF-8 (byte 0x{sample[exc.start]:02x} at offset {exc.start}); expected UTF-8 text "
                f"(convert it, or pick a source with --source). Known formats: {expected}"
            )
    first = sample.split(b"\n", 1)[0][:80].decode("utf-8", "replace")
    return (
        f"unknown format (first line: {first!r}); expected one of: {expected}. Use --source NAME to choose."
    )


def ingest_files(
    store: Store,
    registry: Registry,
    inputs: Iterable[InputFile],
    source_name: str | None = None,
    options: dict[str, str] | None = None,
    strict: bool = False,
    progress: ProgressCallback | None = None,
    on_error: Callable[[IngestError], None] | None = None,
    keep_raw: bool = True,
) -> list[FileSummary]:
    """Ingest each input file; a file that cannot be read at all raises, or goes to ``on_error``.

    ``keep_raw`` keeps a compressed copy of each file in the workspace's archive, from which
    :func:`remap_archive` can rebuild every row.
    """
    files = list(inputs)
    # Ingest allocates millions of short-lived acyclic objects; the cyclic GC only slows it down.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _ingest_all(store, registry, files, source_name, options, strict, progress, on_error, keep_raw)
    finally:
        if gc_was_enabled:
            gc.enable()


def _ingest_all(
    store: Store,
    registry: Registry,
    files: list[InputFile],
    source_name: str | None,
    options: dict[str, str] | None,
    strict: bool,
    progress: ProgressCallback | None,
    on_error: Callable[[IngestError], None] | None,
    keep_raw: bool,
) -> list[FileSummary]:
    forced = registry.source(source_name).with_options(**(options or {})) if source_name else None
    summaries = []
    for index, item in enumerate(files, 1):
        try:
            summaries.append(
                _ingest_one(store, registry, item, forced, strict, progress, index, len(files), keep_raw)
            )
        except IngestError as exc:
            if on_error is None:
                raise
            on_error(exc)
    return summaries


def _ingest_one(
    store: Store,
    registry: Registry,
    item: InputFile,
    forced: Source | None,
    strict: bool,
    progress: ProgressCallback | None,
    index: int,
    total: int,
    keep_raw: bool,
) -> FileSummary:
    started = time.perf_counter()
    sample = read_sample(item.path, item.display)
    if forced is not None:
        if not sample.strip(b" \t\r\n\x00"):
            raise IngestError(item.display, "file is empty; expected posts, accounts or edges")
        source = forced
    else:
        source = detect_source(registry, sample, item.display)
    file_key = fingerprint(item.path)
    size = item.path.stat().st_size
    store.begin_file(file_key, item.display, source.name, size)
    archive = (
        ArchiveWriter(item.path, archive_dir(store.path), file_key, is_compressed(item.path))
        if keep_raw
        else None
    )
    summary = FileSummary(item.display, source.name)
    numbering = source.numbering_for(sample)
    state = _Progress(progress, item.display, index, total, size)
    with open_decompressed(item.path, item.display) as stream:
        position = _raw_position(stream)
        try:
            _stream_records(
                store, source, numbering, stream, position, item.display, file_key, summary, strict, state
            )
        except SourceError as exc:
            raise IngestError(item.display, str(exc)) from exc
        except (OSError, EOFError) as exc:
            raise IngestError(item.display, f"cannot read: {exc}") from exc
    store.finish_file(file_key, summary.read, archive.finish() if archive else None)
    summary.seconds = time.perf_counter() - started
    state.report(summary, lambda: size, force=True)
    return summary


def _stream_records(
    store: Store,
    source: Source,
    numbering: str,
    stream: IO[bytes],
    position: Callable[[], int],
    display: str,
    file_key: str,
    summary: FileSummary,
    strict: bool,
    state: _Progress,
) -> None:
    writer = _BatchWriter(store, summary)
    try:
        _read_map_batch(
            writer, source, numbering, stream, position, display, file_key, summary, strict, state
        )
    finally:
        writer.close()


def _read_map_batch(
    writer: _BatchWriter,
    source: Source,
    numbering: str,
    stream: IO[bytes],
    position: Callable[[], int],
    display: str,
    file_key: str,
    summary: FileSummary,
    strict: bool,
    state: _Progress,
) -> None:
    batch = Batch(source.name, display, file_key)
    records_in_batch = 0
    for record in source.read(stream, display):
        summary.read += 1
        records_in_batch += 1
        batch.last_record = record.number
        if isinstance(record, BadRecord):
            where = _where(numbering, record.number)
            if strict:
                writer.submit(batch)
                writer.drain()
                raise IngestError(display, f"{where}: {record.reason} (--strict)")
            summary.first_problem = summary.first_problem or f"{display}:{where}: {record.reason}"
            batch.add_quarantine(record.number, numbering, record.reason, record.raw)
        else:
            try:
                mapped = source.map(record)
            except Exception as exc:  # any mapping failure quarantines this record only
                reason = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
                where = _where(numbering, record.number)
                if strict:
                    writer.submit(batch)
                    writer.drain()
                    raise IngestError(display, f"{where}: {reason} (--strict)") from exc
                summary.first_problem = summary.first_problem or f"{display}:{where}: {reason}"
                batch.add_quarantine(record.number, numbering, reason, record.raw)
            else:
                if mapped.posts:
                    batch.add_posts(mapped.posts, record.number)
                if mapped.accounts:
                    batch.add_accounts(mapped.accounts, record.number)
                if mapped.edges:
                    batch.add_edges(mapped.edges, record.number)
        if len(batch.posts) + len(batch.edges) >= BATCH_ROWS or records_in_batch >= BATCH_RECORDS:
            writer.submit(batch)
            batch = Batch(source.name, display, file_key)
            records_in_batch = 0
        state.report(summary, position, pending=len(batch.posts))
    writer.submit(batch)
    writer.drain()


def remap_archive(store: Store, registry: Registry, source_name: str | None = None) -> dict[str, int]:
    """Read every archived file again with its (current) source and overwrite the rows it maps to."""
    where = "AND source = ?" if source_name else ""
    files = store.run(
        f"SELECT file_key, source, path, archive FROM files WHERE archive IS NOT NULL {where} ORDER BY path",
        [source_name] if source_name else [],
    )
    folder = archive_dir(store.path)
    totals = {"files": 0, "records": 0, "posts": 0, "failed": 0}
    for file_key, name, path, archive in files:
        source = registry.source(name)
        location = folder / archive
        if not location.exists():
            raise IngestError(path, f"its archived copy {location} is missing; ingest the file again")
        totals["files"] += 1
        batch = Batch(name, path, file_key)
        with open_decompressed(location, str(location)) as stream:
            for record in source.read(stream, path):
                totals["records"] += 1
                if isinstance(record, BadRecord):
                    totals["failed"] += 1
                    continue
                try:
                    mapped = source.map(record)
                except Exception:  # still unmappable: it stays in quarantine
                    totals["failed"] += 1
                    continue
                batch.add_posts(mapped.posts, record.number)
                batch.add_accounts(mapped.accounts, record.number)
                batch.add_edges(mapped.edges, record.number)
                batch.last_record = record.number
                if len(batch.posts) + len(batch.edges) >= BATCH_ROWS:
                    totals["posts"] += len(batch.posts)
                    store.write_batch(batch, replace=True)
                    batch = Batch(name, path, file_key)
        totals["posts"] += len(batch.posts)
        store.write_batch(batch, replace=True)
    return totals


def _where(numbering: str, number: int) -> str:
    return f"line {number}" if numbering == "line" else f"record {number}"


class _BatchWriter:
    """Writes batches on one background thread while the next batch is read and mapped.

    DuckDB releases the GIL while it inserts, so parsing and storing overlap on two cores.
    At most one batch is in flight; each is still its own transaction.
    """

    def __init__(self, store: Store, summary: FileSummary) -> None:
        self.store = store
        self.summary = summary
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grapevine-writer")
        self.pending: Future[BatchCounts] | None = None
        self.pending_quarantined = 0

    def submit(self, batch: Batch) -> None:
        self.drain()
        if not len(batch) and not batch.quarantine:
            return
        self.pending_quarantined = len(batch.quarantine)
        self.pending = self.pool.submit(self.store.write_batch, batch)

    def drain(self) -> None:
        if self.pending is None:
            return
        counts = self.pending.result()
        self.pending = None
        self.summary.new += counts.posts_new
        self.summary.duplicate += counts.posts_duplicate
        self.summary.accounts_new += counts.accounts_new
        self.summary.edges_new += counts.edges_new
        self.summary.quarantined += self.pending_quarantined

    def close(self) -> None:
        try:
            if self.pending is not None:
                self.pending.exception()  # wait; the caller is already raising or draining
        finally:
            self.pool.shutdown(wait=True)


def _raw_position(stream: IO[bytes]) -> Callable[[], int]:
    """How far into the file on disk a (maybe decompressing) stream has read, for progress."""
    raw = getattr(stream, "fileobj", None) or getattr(stream, "_fp", None) or stream

    def tell() -> int:
        try:
            return int(raw.tell())
        except (OSError, ValueError, AttributeError):
            return 0

    return tell


class _Progress:
    def __init__(
        self, callback: ProgressCallback | None, path: str, index: int, total: int, size: int
    ) -> None:
        self.callback = callback
        self.info = Progress(path, index, total, 0, 0, 0, size)
        self.last = 0.0

    def report(
        self, summary: FileSummary, position: Callable[[], int], force: bool = False, pending: int = 0
    ) -> None:
        if self.callback is None:
            return
        now = time.perf_counter()
        if not force and now - self.last < PROGRESS_EVERY_S:
            return
        self.last = now
        self.info.records = summary.read
        self.info.posts = summary.new + summary.duplicate + pending
        self.info.bytes_done = position()  # tell() is slow on a line-iterated file: only now
        self.callback(self.info)


def input_paths(paths: Iterable[str | Path]) -> list[InputFile]:
    return resolve_inputs([str(p) for p in paths])
