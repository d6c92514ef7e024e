"""Parse and map big line-oriented files in worker processes.

A JSON Lines file is cut into chunks of whole lines; each worker runs the source's own
``read`` and ``map`` over a chunk and sends back Arrow tables, so the Python-heavy work runs on
every core while the main process only writes to DuckDB. A plain file is not even sent, nor
read by the main process: it only looks near each chunk's end for the newline where the chunk
stops, each worker reads its own chunk from disk, and (when the workspace archives the file)
compresses it into one zstd frame that the main process appends to the archive. Compressed
input is decompressed once, in the main process, and sent. A worker numbers its records from
its chunk's first line; the main process shifts them by the lines of the chunks before (the
tables arrive in file order), so records keep their file line numbers, and bad records are
quarantined as in the serial path.
"""

from __future__ import annotations

import ctypes
import gc
import io
import os
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context
from typing import IO

import numpy as np
import pyarrow as pa
import zstandard

from grapevine.ingest._archive import ARCHIVE_LEVEL
from grapevine.sources._jsonrecords import json_line_record
from grapevine.sources.base import BadRecord, RawRecord, Source
from grapevine.store import Batch, BatchTables

__all__ = [
    "ChunkResult",
    "iter_line_chunks",
    "iter_line_spans",
    "map_chunk",
    "map_file_span",
    "mapping_failure",
    "worker_pool",
]

# Bigger chunks repeat fewer accounts (each chunk sends every author it saw once): 8 MiB sends
# 0.3 account rows per post where 4 MiB sent 0.4, for about 150 MB more per worker at most.
CHUNK_BYTES = 8 << 20
_LOOK_BACK = 64 << 10  # bytes read before a chunk's end to find its last newline


@dataclass
class ChunkResult:
    """One chunk's records; line numbers count from the chunk's first line (see :meth:`shifted`)."""

    read: int
    lines: int  # newlines in the chunk: the next chunk starts that many lines later
    first_problem: tuple[int, str] | None  # (line, reason) of the first bad record
    tables: BatchTables
    archived: bytes | None = None  # the chunk as one zstd frame, when asked for

    def shifted(self, lines_before: int) -> ChunkResult:
        """The result numbered as lines of the file, ``lines_before`` lines preceding the chunk."""
        problem = self.first_problem
        if problem is not None:
            problem = (problem[0] + lines_before, problem[1])
        return replace(self, first_problem=problem, tables=self.tables.shifted(lines_before))


def iter_line_chunks(stream: IO[bytes], chunk_bytes: int | None = None) -> Iterator[bytes]:
    """Yield blocks of a stream that end at a newline (the last may not)."""
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    rest = b""
    while True:
        block = stream.read(chunk_bytes)
        if not block:
            if rest:
                yield rest
            return
        if rest:
            block = rest + block
        cut = block.rfind(b"\n")
        if cut < 0:
            rest = block
            continue
        chunk, rest = block[: cut + 1], block[cut + 1 :]
        yield chunk


def iter_line_spans(stream: IO[bytes], chunk_bytes: int | None = None) -> Iterator[tuple[int, int]]:
    """Yield ``(offset, length)`` of blocks of whole lines of a plain file, in file order.

    Only the bytes just before each block's end are read, to find its last newline; the
    workers read the blocks themselves (:func:`map_file_span`), which is far cheaper than
    reading the file here and sending the bytes through a pipe.
    """
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    file_size = os.fstat(stream.fileno()).st_size
    offset = 0
    while offset < file_size:
        end = offset + chunk_bytes
        if end >= file_size:  # the last block
            yield offset, file_size - offset
            return
        cut = _last_newline(stream, offset, end)
        if cut < 0:  # one line longer than a chunk: the block runs to the end of that line
            cut = _next_newline(stream, end, file_size)
        yield offset, cut + 1 - offset
        offset = cut + 1


def _last_newline(stream: IO[bytes], start: int, end: int) -> int:
    """The offset of the last newline in ``[start, end)`` of the file, or -1."""
    window = _LOOK_BACK
    while True:
        low = max(start, end - window)
        stream.seek(low)
        found = _read_exactly(stream, end - low, low).rfind(b"\n")
        if found >= 0:
            return low + found
        if low == start:
            return -1
        end, window = low, 4 * window


def _next_newline(stream: IO[bytes], start: int, file_size: int) -> int:
    """The offset of the first newline at or after ``start``, or the file's last byte."""
    position = start
    while position < file_size:
        stream.seek(position)
        block = _read_exactly(stream, min(_LOOK_BACK, file_size - position), position)
        found = block.find(b"\n")
        if found >= 0:
            return position + found
        position += len(block)
    return file_size - 1


def _read_exactly(stream: IO[bytes], length: int, offset: int) -> bytes:
    data = stream.read(length)
    if len(data) != length:
        raise OSError(f"the file ended at byte {offset + len(data)} while it was read")
    return data


def map_file_span(
    source: Source, disk_path: str, offset: int, length: int, path: str, file_key: str, archive: bool
) -> ChunkResult:
    """:func:`map_chunk` for the ``length`` bytes at ``offset`` of a plain file (in a worker)."""
    fd = os.open(disk_path, os.O_RDONLY)
    try:
        data = os.pread(fd, length, offset)
    finally:
        os.close(fd)
    if len(data) != length:
        raise OSError(f"{path} changed while it was imported (short read at byte {offset})")
    result = map_chunk(source, data, path, file_key)
    if archive:  # concatenated zstd frames are one zstd stream: the main process appends them
        result.archived = zstandard.ZstdCompressor(level=ARCHIVE_LEVEL).compress(data)
    return result


def mapping_failure(exc: Exception) -> str:
    """The quarantine reason for an exception raised by ``map``: MappingError and other
    ValueErrors carry their own message; anything else is named, since it is likely a bug."""
    return str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"


def map_chunk(source: Source, data: bytes, path: str, file_key: str) -> ChunkResult:
    """Read and map one chunk of whole lines (in a worker), numbering them from 1."""
    gc.disable()  # short-lived acyclic objects only, as in the serial path
    batch = Batch(source.name, path, file_key)
    lines = io.BytesIO(data)
    for number, line in enumerate(lines, 1):  # does the source's fast lane take the first line?
        if not line.strip():
            continue
        if _fast_lane_took(source, line, number, batch):
            read, first_problem = _map_lines(source, lines, number, batch)
        else:
            read, first_problem = _map_records(source, data, path, batch)
        break
    else:
        read, first_problem = 0, None
    return ChunkResult(read, newlines(data), first_problem, batch.to_tables())


def _map_records(source: Source, data: bytes, path: str, batch: Batch) -> tuple[int, tuple[int, str] | None]:
    """Records read, and the first problem: the general way, with the source's ``read``."""
    read = 0
    first_problem = None
    for record in source.read(io.BytesIO(data), path):
        read += 1
        batch.last_record = record.number
        problem = _map_record(source, record, batch)
        first_problem = first_problem or problem
    return read, first_problem


def _map_lines(
    source: Source, lines: Iterator[bytes], first: int, batch: Batch
) -> tuple[int, tuple[int, str] | None]:
    """:func:`_map_records` for JSON Lines whose first line (``first``) the source's fast lane
    took: each line goes its fast lane, or else the general way (as ``_json_lines`` reads it)."""
    fast = source.map_line_into
    read = 1
    last = first
    first_problem = None
    for number, line in enumerate(lines, first + 1):
        try:  # inlined _fast_lane_took: this loop runs once per line of every big file
            took = fast(line, number, batch)
        except Exception:  # the general way says why
            took = False
        if took:
            read += 1
            last = number
            continue
        record = json_line_record(line, number)
        if record is not None:  # not a blank line
            read += 1
            last = number
            problem = _map_record(source, record, batch)
            first_problem = first_problem or problem
    batch.last_record = last
    return read, first_problem


def _fast_lane_took(source: Source, line: bytes, number: int, batch: Batch) -> bool:
    """Whether the source's fast lane mapped the line; one that fails (say, a date out of range)
    adds nothing and leaves it to the general way, which quarantines it as it would any line."""
    try:
        return source.map_line_into(line, number, batch)
    except Exception:  # the general way says why
        return False


def _map_record(source: Source, record: RawRecord | BadRecord, batch: Batch) -> tuple[int, str] | None:
    """Map a record into the batch, or quarantine it; returns its problem (line, reason), if any."""
    number = record.number
    if isinstance(record, BadRecord):
        batch.add_quarantine(number, "line", record.reason, record.raw)
        return number, record.reason
    try:
        source.map_into(record, batch)
    except Exception as exc:  # any mapping failure quarantines this record only
        reason = mapping_failure(exc)
        batch.add_quarantine(number, "line", reason, record.raw)
        return number, reason
    return None


def newlines(data: bytes) -> int:
    """``data.count(b"\\n")``, which walks byte by byte (0.45 us per 2 KB line); numpy compares
    in bulk, five times faster."""
    return int(np.count_nonzero(np.frombuffer(data, np.uint8) == ord("\n")))


def _ready() -> bool:
    return True


class _NoPandas:
    """An import hook that refuses pandas (see :func:`_start_worker`)."""

    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("pandas is not used in grapevine's worker processes")


def _start_worker(parent: int) -> None:
    """Worker initializer: leave with the importing process, and never import pandas.

    pyarrow imports pandas at its first conversion (0.15 s of CPU and more), only to recognise
    pandas objects, which workers never convert. Refused once, pyarrow does not look again for
    such checks. (The importing process no longer imports it before forking, which kept every
    core waiting at the start of an import.)
    """
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _NoPandas)
        try:
            pa.array([0])
        finally:
            sys.meta_path.remove(_NoPandas)
    _keep_freed_memory()
    _exit_with_parent(parent)


def _keep_freed_memory() -> None:
    """Let glibc keep big freed blocks for reuse (in a worker process only).

    By default it hands each big block back to the system when freed, so every chunk's buffers
    (the chunk read, numpy temporaries, Arrow columns) came back as fresh pages: 2,200 page
    faults per chunk, about 0.8 us of system time per line, a tenth of a worker's CPU. With a
    fixed mmap threshold and a high trim threshold they are reused (300 faults per chunk); the
    worker's memory stays at its peak, which it reached anyway.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    mallopt(m_mmap_threshold, 32 << 20)  # its largest allowed value
    mallopt(m_trim_threshold, 256 << 20)


def _exit_with_parent(parent: int) -> None:
    """Leave when the importing process dies (say, killed with SIGKILL).

    Forked siblings keep each other's pipe ends open, so a worker would otherwise wait forever.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="grapevine-parent-watch", daemon=True).start()


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """Start ``workers`` processes now, by fork, before this import starts its own threads.

    fork, not spawn: spawn re-imports the caller's ``__main__``, which breaks scripts and
    notebooks without an ``if __name__ == "__main__"`` guard. The workers only parse and map;
    they never touch DuckDB or the parent's threads.
    """
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("fork"),
        initializer=_start_worker,
        initargs=(os.getpid(),),
    )
    pool.submit(_ready).result()  # with fork, every worker starts on the first submit
    return pool
