"""Ingest: detect each file's format, stream its records, map them and write them in batches.

One transaction per batch (canonical rows, quarantine and the file's progress together),
primary keys everywhere: importing the same input twice, or again after the process was killed
half-way, ends with exactly the rows of one clean import. Big JSON Lines files are parsed and
mapped by worker processes (:mod:`._parallel`); DuckDB writes overlap with mapping either way.
"""

from __future__ import annotations

import gc
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
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
from grapevine.ingest._parallel import (
    ChunkResult,
    iter_line_chunks,
    iter_line_spans,
    map_chunk,
    map_file_span,
    mapping_failure,
    worker_pool,
)
from grapevine.ingest._remap import remap_archive
from grapevine.plugins import Registry
from grapevine.sources.base import BadRecord, Source, SourceError
from grapevine.store import Batch, BatchCounts, BatchTables, Store

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
# Worker processes hand over Arrow tables, which are compact, so a transaction can hold whole
# DuckDB row groups of new posts (122,880 rows each; Store.write_tables holds back the rest):
# DuckDB writes those straight to the database file, where a partial row group goes through its
# log and is rewritten at the next checkpoint. Measured on 1M posts, one thread: 5.7 us of DuckDB
# CPU per post in 150,000-row transactions, 4.7 in 250,000-row ones, 4.0 in exactly one or two
# row groups. A transaction is due every row group's worth of rows (posts and edges), which keeps
# writes going while the workers map.
ROW_GROUP_ROWS = 122_880  # DuckDB's default row group size
PARALLEL_BATCH_ROWS = ROW_GROUP_ROWS
BATCH_RECORDS = 20_000  # raw records per transaction (API pages hold many rows each)
PROGRESS_EVERY_S = 0.25
MIN_CONFIDENCE = 0.3
PARALLEL_MIN_BYTES = 16 << 20  # smaller files are not worth starting worker processes for


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
    expected = ", ".join(registry.sources()) + " (see `grapevine sources`)"
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
    workers: int | None = None,
) -> list[FileSummary]:
    """Ingest each input file; a file that cannot be read at all raises, or goes to ``on_error``.

    ``keep_raw`` keeps a compressed copy of each file in the workspace's archive, from which
    :func:`remap_archive` can rebuild every row. ``workers`` processes parse and map big JSON
    Lines files (default: one per core; 1 keeps everything in this process).
    """
    forced = registry.source(source_name).with_options(**(options or {})) if source_name else None
    # Measured on 2 cores: 2 workers beat 1 (Mastodon +25%, Twitter v2 about even), so one per core.
    workers = workers if workers is not None else os.cpu_count() or 1
    importer = _Importer(store, registry, forced, strict, progress, keep_raw, workers)
    files = list(inputs)
    # Ingest allocates millions of short-lived acyclic objects; the cyclic GC only slows it down.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    summaries = []
    try:
        for index, item in enumerate(files, 1):
            try:
                summaries.append(importer.ingest(item, index, len(files)))
            except IngestError as exc:
                if on_error is None:
                    raise
                on_error(exc)
    finally:
        importer.close()
        if gc_was_enabled:
            gc.enable()
    return summaries


class _Importer:
    """Imports files one after the other with shared settings and one lazily started worker pool."""

    def __init__(
        self,
        store: Store,
        registry: Registry,
        forced: Source | None,
        strict: bool,
        progress: ProgressCallback | None,
        keep_raw: bool,
        workers: int,
    ) -> None:
        self.store = store
        self.registry = registry
        self.forced = forced
        self.strict = strict
        self.progress = progress
        self.keep_raw = keep_raw
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def ingest(self, item: InputFile, index: int, total: int) -> FileSummary:
        started = time.perf_counter()
        sample = read_sample(item.path, item.display)
        if self.forced is not None:
            if not sample.strip(b" \t\r\n\x00"):
                raise IngestError(item.display, "file is empty; expected posts, accounts or edges")
            source = self.forced
        else:
            source = detect_source(self.registry, sample, item.display)
        file_key = fingerprint(item.path)
        size = item.path.stat().st_size
        summary = FileSummary(item.display, source.name)
        numbering = source.numbering_for(sample)
        parallel = (
            self.workers > 1
            and not self.strict
            and source.splittable
            and numbering == "line"
            and size >= PARALLEL_MIN_BYTES
        )
        if parallel and self._pool is None:
            self._pool = worker_pool(self.workers)  # before the archive and writer threads start
        self.store.begin_file(file_key, item.display, source.name, size)
        compressed = is_compressed(item.path)
        archive = None
        if self.keep_raw:  # workers that read a plain file compress it too, as they go
            archive = ArchiveWriter(item.path, archive_dir(self.store.path), file_key, compressed, parallel)
        state = _Progress(self.progress, item.display, index, total, size)
        writer = _BatchWriter(self.store, summary)
        # While worker processes keep every core busy, DuckDB's own threads would only contend with them.
        db_threads = self.store.single_threaded() if parallel else nullcontext()
        try:
            with db_threads, open_decompressed(item.path, item.display) as stream:
                position = _raw_position(stream)
                if parallel:
                    disk_path = None if compressed else str(item.path)
                    self._parallel(
                        source,
                        stream,
                        disk_path,
                        position,
                        item.display,
                        file_key,
                        summary,
                        writer,
                        state,
                        archive,
                    )
                else:
                    self._serial(
                        source, numbering, stream, position, item.display, file_key, summary, writer, state
                    )
                writer.drain()
        except BaseException as exc:
            if archive is not None:
                archive.discard()
            if isinstance(exc, SourceError):
                raise IngestError(item.display, str(exc)) from exc
            if isinstance(exc, OSError | EOFError):
                raise IngestError(item.display, f"cannot read: {exc}") from exc
            raise
        finally:
            writer.close()
        self.store.finish_file(file_key, summary.read, archive.finish() if archive else None)
        summary.seconds = time.perf_counter() - started
        state.report(summary, lambda: size, force=True)
        return summary

    def _serial(
        self,
        source: Source,
        numbering: str,
        stream: IO[bytes],
        position: Callable[[], int],
        display: str,
        file_key: str,
        summary: FileSummary,
        writer: _BatchWriter,
        state: _Progress,
    ) -> None:
        batch = Batch(source.name, display, file_key)
        records_in_batch = 0
        for record in source.read(stream, display):
            summary.read += 1
            records_in_batch += 1
            batch.last_record = record.number
            if isinstance(record, BadRecord):
                self._problem(
                    summary, batch, writer, display, numbering, record.number, record.reason, record.raw
                )
            else:
                try:
                    source.map_into(record, batch)
                except Exception as exc:  # any mapping failure quarantines this record only
                    reason = mapping_failure(exc)
                    self._problem(
                        summary, batch, writer, display, numbering, record.number, reason, record.raw
                    )
            if len(batch.posts) + len(batch.edges) >= BATCH_ROWS or records_in_batch >= BATCH_RECORDS:
                writer.submit(batch)
                batch = Batch(source.name, display, file_key)
                records_in_batch = 0
            state.report(summary, position, pending=len(batch.posts))
        writer.submit(batch)

    def _problem(
        self,
        summary: FileSummary,
        batch: Batch,
        writer: _BatchWriter,
        display: str,
        numbering: str,
        number: int,
        reason: str,
        raw: bytes,
    ) -> None:
        where = _where(numbering, number)
        if self.strict:
            writer.submit(batch)  # keep the good records before it
            writer.drain()
            raise IngestError(display, f"{where}: {reason} (--strict)")
        summary.first_problem = summary.first_problem or f"{display}:{where}: {reason}"
        batch.add_quarantine(number, numbering, reason, raw)

    def _parallel(
        self,
        source: Source,
        stream: IO[bytes],
        disk_path: str | None,
        position: Callable[[], int],
        display: str,
        file_key: str,
        summary: FileSummary,
        writer: _BatchWriter,
        state: _Progress,
        archive: ArchiveWriter | None,
    ) -> None:
        assert self._pool is not None
        in_flight: deque[tuple[Future[ChunkResult], int]] = deque()  # each with its chunk's bytes
        ready: list[BatchTables] = []
        ready_rows = 0
        lines_before = 0  # lines of the file in the chunks collected so far
        frames = archive is not None and archive.wants_frames
        end = _FileEnd(os.fstat(stream.fileno()).st_size if disk_path is not None else None)

        def collect() -> None:
            nonlocal ready_rows, lines_before
            future, chunk_bytes = in_flight.popleft()
            result = future.result().shifted(lines_before)
            lines_before += result.lines
            summary.read += result.read
            if result.first_problem is not None and summary.first_problem is None:
                line, reason = result.first_problem
                summary.first_problem = f"{display}:line {line}: {reason}"
            if result.archived is not None and archive is not None:
                archive.add_frame(result.archived)
            ready.append(result.tables)
            ready_rows += result.tables.rows  # posts and edges: a file of edges only commits too
            end.arrived(chunk_bytes, result.tables.rows)
            if ready_rows >= PARALLEL_BATCH_ROWS:  # chunks are small; commit many of them at once
                write(ROW_GROUP_ROWS)
            elif writer.idle() and end.near(ready_rows + writer.held_rows()):
                write(None)
            state.report(summary, position)

        def write(row_groups: int | None) -> None:
            nonlocal ready_rows
            writer.submit(ready.copy(), row_groups=row_groups)
            ready.clear()
            ready_rows = 0

        pool = self._pool
        if disk_path is not None:  # workers read (and archive) their chunk of the file themselves
            for offset, length in iter_line_spans(stream):
                job = pool.submit(map_file_span, source, disk_path, offset, length, display, file_key, frames)
                in_flight.append((job, length))
                if len(in_flight) >= 2 * self.workers:
                    collect()
        else:
            for data in iter_line_chunks(stream):
                in_flight.append((pool.submit(map_chunk, source, data, display, file_key), len(data)))
                if len(in_flight) >= 2 * self.workers:
                    collect()
        end.all_submitted = True
        while in_flight:
            collect()
        writer.submit(ready)  # everything left, the last posts held back included


class _FileEnd:
    """Tells when the rest of a file can no longer fill a row group of posts.

    Until then a parallel import writes whole row groups only, which DuckDB writes straight to
    the database file, and holds back the posts after them (see ``Store.write_tables``). From
    then on everything goes through DuckDB's log anyway, so what has arrived is written whenever
    the writer is free: little is left for the last write, the one that runs with every worker
    done (it was a tenth of a 200,000-post import).
    """

    def __init__(self, file_bytes: int | None) -> None:
        self.file_bytes = file_bytes  # None when not known in advance (a compressed input)
        self.bytes = 0
        self.rows = 0
        self.all_submitted = False

    def arrived(self, chunk_bytes: int, rows: int) -> None:
        self.bytes += chunk_bytes
        self.rows += rows

    def near(self, rows_waiting: int) -> bool:
        """Whether the rows waiting and those the rest of the file should hold (at the rate so
        far) make less than a row group; always once every chunk is out."""
        if self.all_submitted:
            return True
        if self.file_bytes is None or not self.bytes:
            return False
        expected = self.rows / self.bytes * (self.file_bytes - self.bytes)
        return rows_waiting + expected < ROW_GROUP_ROWS


def _where(numbering: str, number: int) -> str:
    return f"line {number}" if numbering == "line" else f"record {number}"


class _BatchWriter:
    """Writes batches on one background thread while the next batch is read and mapped.

    DuckDB releases the GIL while it inserts, so parsing and storing overlap. At most one batch
    is in flight; each is still its own transaction.
    """

    def __init__(self, store: Store, summary: FileSummary) -> None:
        self.store = store
        self.summary = summary
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grapevine-writer")
        self.pending: Future[BatchCounts] | None = None
        self.pending_quarantined = 0
        self.leftover: BatchTables | None = None

    def submit(self, batch: Batch | list[BatchTables], row_groups: int | None = None) -> None:
        """Write ``batch`` next; tables go after the posts the last write held back (see
        ``Store.write_tables``'s ``row_groups``, which holds back posts beyond whole row groups)."""
        self.drain()
        if isinstance(batch, Batch):
            if not len(batch):
                return
            self.pending_quarantined = len(batch.quarantine)
            self.pending = self.pool.submit(self.store.write_batch, batch)
        else:
            if self.leftover is not None:
                batch = [self.leftover, *batch]
                self.leftover = None
            if not batch:
                return
            self.pending_quarantined = sum(part.quarantined for part in batch)
            self.pending = self.pool.submit(self.store.write_tables, batch, False, row_groups)

    def idle(self) -> bool:
        """Whether no write is running (a finished one is counted first, as :meth:`poll` does)."""
        self.poll()
        return self.pending is None

    def held_rows(self) -> int:
        """Posts the last write held back, to be written first next time."""
        return 0 if self.leftover is None else self.leftover.rows

    def poll(self) -> None:
        """Count the pending batch if it is committed already (so that progress shows it), without waiting."""
        if self.pending is not None and self.pending.done():
            self.drain()

    def drain(self) -> None:
        if self.pending is None:
            return
        counts = self.pending.result()
        self.pending = None
        self.leftover = counts.leftover
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
