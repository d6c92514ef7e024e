"""Parse and map big line-oriented files in worker processes.

A JSON Lines file is cut into chunks of whole lines; each worker runs the source's own
``read`` and ``map`` over a chunk and sends back Arrow tables, so the Python-heavy work runs on
every core while the main process only writes to DuckDB. A plain file is not even sent: the
main process only finds where the chunks start and each worker reads its own chunk from disk
(compressed input is decompressed once, in the main process, and sent). Records keep their
line numbers (each chunk knows its first line), bad records are quarantined as in the serial
path, and the tables arrive in file order.
"""

from __future__ import annotations

import gc
import io
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import IO

from grapevine.sources.base import BadRecord, Source
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


@dataclass
class ChunkResult:
    read: int
    first_problem: str | None
    tables: BatchTables


def iter_line_chunks(stream: IO[bytes], chunk_bytes: int | None = None) -> Iterator[tuple[int, bytes]]:
    """Yield ``(first_line_number, bytes)`` blocks that end at a newline (the last may not)."""
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    first_line = 1
    rest = b""
    while True:
        block = stream.read(chunk_bytes)
        if not block:
            if rest:
                yield first_line, rest
            return
        if rest:
            block = rest + block
        cut = block.rfind(b"\n")
        if cut < 0:
            rest = block
            continue
        chunk, rest = block[: cut + 1], block[cut + 1 :]
        yield first_line, chunk
        first_line += chunk.count(b"\n")


def iter_line_spans(stream: IO[bytes], chunk_bytes: int | None = None) -> Iterator[tuple[int, int, int]]:
    """Yield ``(first_line_number, offset, length)`` of blocks of whole lines of a plain file.

    The workers read their block themselves (:func:`map_file_span`), which is far cheaper than
    sending the bytes through a pipe; here each block is read once into a reused buffer, only
    to find its last newline and count its lines.
    """
    buffer = bytearray(chunk_bytes or CHUNK_BYTES)
    file_size = os.fstat(stream.fileno()).st_size
    first_line = 1
    offset = 0
    while offset < file_size:
        stream.seek(offset)
        filled = stream.readinto(buffer)  # type: ignore[attr-defined]
        if not filled:
            raise OSError(f"the file ended at byte {offset} of {file_size} while it was read")
        if offset + filled >= file_size:  # the last block
            yield first_line, offset, filled
            return
        cut = buffer.rfind(b"\n", 0, filled)
        if cut < 0:  # one line longer than the buffer: grow it and read the block again
            buffer = bytearray(2 * len(buffer))
            continue
        yield first_line, offset, cut + 1
        first_line += buffer.count(b"\n", 0, cut + 1)
        offset += cut + 1


def map_file_span(
    source: Source, first_line: int, disk_path: str, offset: int, length: int, path: str, file_key: str
) -> ChunkResult:
    """:func:`map_chunk` for the ``length`` bytes at ``offset`` of a plain file (in a worker)."""
    fd = os.open(disk_path, os.O_RDONLY)
    try:
        data = os.pread(fd, length, offset)
    finally:
        os.close(fd)
    if len(data) != length:
        raise OSError(f"{path} changed while it was imported (short read at byte {offset})")
    return map_chunk(source, first_line, data, path, file_key)


def mapping_failure(exc: Exception) -> str:
    """The quarantine reason for an exception raised by ``map``: MappingError and other
    ValueErrors carry their own message; anything else is named, since it is likely a bug."""
    return str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"


def map_chunk(source: Source, first_line: int, data: bytes, path: str, file_key: str) -> ChunkResult:
    """Read and map one chunk (in a worker); line numbers are those of the whole file."""
    gc.disable()  # short-lived acyclic objects only, as in the serial path
    offset = first_line - 1
    batch = Batch(source.name, path, file_key)
    read = 0
    first_problem = None
    for record in source.read(io.BytesIO(data), path):
        read += 1
        number = record.number + offset
        batch.last_record = number
        if isinstance(record, BadRecord):
            first_problem = first_problem or f"{path}:line {number}: {record.reason}"
            batch.add_quarantine(number, "line", record.reason, record.raw)
            continue
        try:
            mapped = source.map(record)
        except Exception as exc:  # any mapping failure quarantines this record only
            reason = mapping_failure(exc)
            first_problem = first_problem or f"{path}:line {number}: {reason}"
            batch.add_quarantine(number, "line", reason, record.raw)
            continue
        batch.add_mapped(mapped, number)
    return ChunkResult(read, first_problem, batch.to_tables())


def _ready() -> bool:
    return True


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: leave when the importing process dies (say, killed with SIGKILL).

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
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    )
    pool.submit(_ready).result()  # with fork, every worker starts on the first submit
    return pool
