"""From engine batches to files: cut units, attach cited posts, render (in parallel), write in order.

The engine runs in this process and its batches are cut into units of :data:`UNIT` posts
(a multiple of the Twitter page size), whatever the slice boundaries were. Each unit carries
the rows of the earlier posts it cites, so renderers need no memory of earlier units and can
run in forked worker processes; results are written in unit order, so the bytes do not
depend on the number of workers.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from collections import deque
from collections.abc import Iterator
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import IO, Any

import numpy as np
import zstandard

from grapevine.simulate._engine import EVENT, Engine
from grapevine.simulate._render import PAGE, MastodonRenderer, TwitterRenderer, Unit
from grapevine.simulate._truth import Truth

__all__ = ["UNIT", "Rotating", "run_platform"]

UNIT = 20_000
assert UNIT % PAGE == 0

Renderer = TwitterRenderer | MastodonRenderer
_WORKER_RENDERER: Renderer | None = None  # set before forking; inherited by the workers


class Rotating:
    """Append-only output split into numbered files of about ``per_file`` posts, optionally zstd.

    Writes happen on a background thread (file writes release the GIL), in call order.
    """

    def __init__(self, folder: Path, stem: str, per_file: int, compress: bool) -> None:
        self.folder, self.stem, self.per_file, self.compress = folder, stem, per_file, compress
        folder.mkdir(parents=True, exist_ok=True)
        self.files: list[Path] = []
        self._count = 0
        self._queue: queue.Queue[tuple[Path | None, bytes] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        # Started on the first write, so that worker processes are forked before any thread exists.
        self._thread = threading.Thread(target=self._drain, name="grapevine-simulate-writer", daemon=True)

    def write(self, data: bytes, posts: int) -> None:
        """Queue ``data`` (whole lines) for the current file, starting a new file when full."""
        if self._error is not None:
            raise self._error
        if not self._thread.is_alive() and not self.files:
            self._thread.start()
        new_path = None
        if not self.files or self._count >= self.per_file:
            suffix = ".jsonl.zst" if self.compress else ".jsonl"
            new_path = self.folder / f"{self.stem}-{len(self.files) + 1:05d}{suffix}"
            self.files.append(new_path)
            self._count = 0
        self._queue.put((new_path, data))
        self._count += posts

    def _drain(self) -> None:
        raw: IO[bytes] | None = None
        handle: IO[bytes] | None = None
        try:
            while (item := self._queue.get()) is not None:
                path, data = item
                if path is not None:
                    raw, handle = self._reopen(raw, handle, path)
                assert handle is not None
                handle.write(data)
        except BaseException as exc:  # reported to the producer on its next write or close
            self._error = exc
            while self._queue.get() is not None:  # keep the producer from blocking
                pass
        finally:
            self._reopen(raw, handle, None)

    def _reopen(self, raw: IO[bytes] | None, handle: IO[bytes] | None, path: Path | None) -> tuple[Any, Any]:
        if handle is not None and handle is not raw:
            handle.close()
        if raw is not None:
            raw.close()
        if path is None:
            return None, None
        raw = open(path, "wb")  # noqa: SIM115 - closed by the next _reopen
        if self.compress:
            return raw, zstandard.ZstdCompressor(level=3).stream_writer(raw, closefd=False)
        return raw, raw

    def close(self) -> None:
        """Flush everything and stop the writer thread; re-raises a write error."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error


def _units(engine: Engine, truth: Truth) -> Iterator[Unit]:
    """Cut the engine's batches into units and attach the cited posts each unit needs."""
    store: dict[int, list[Any]] = {}  # key -> [row, id, parent id, root id, citations left]
    buffered: list[tuple[np.ndarray, ...]] = []
    size = 0
    first_page = 0

    def cut(parts: list[tuple[np.ndarray, ...]]) -> Unit:
        nonlocal first_page
        ev, ids, pids, rids = (np.concatenate(col) for col in zip(*parts, strict=True))
        parent = ev["parent"]
        needed, counts = np.unique(parent[parent >= 0], return_counts=True)
        cited = []
        for k, c in zip(needed.tolist(), counts.tolist(), strict=True):
            entry = store.get(k)
            if entry is None:  # cited inside this unit
                continue
            cited.append(entry)
            entry[4] -= c
            if entry[4] <= 0:
                del store[k]
        inside = dict(zip(needed.tolist(), counts.tolist(), strict=True))
        later = np.flatnonzero(ev["n_ref"] > 0)
        rows = ev[later].copy()
        for j, (i, k, n_ref) in enumerate(
            zip(later.tolist(), rows["key"].tolist(), rows["n_ref"].tolist(), strict=True)
        ):
            left = n_ref - inside.get(k, 0)
            if left > 0:
                store[k] = [rows[j], ids[i], pids[i], rids[i], left]
        unit = Unit(
            first_page=first_page,
            events=ev,
            ids=ids,
            parent_ids=pids,
            root_ids=rids,
            cited=np.array([e[0] for e in cited], dtype=EVENT),
            cited_ids=np.array([e[1:4] for e in cited], dtype=np.int64).reshape(-1, 3),
        )
        first_page += -(-len(ev) // PAGE)
        return unit

    for batch in engine.batches():
        truth.observe(engine.platform, batch)
        buffered.append((batch.events, batch.ids, batch.parent_ids, batch.root_ids))
        size += len(batch.events)
        while size >= UNIT:
            ev, ids, pids, rids = (np.concatenate(col) for col in zip(*buffered, strict=True))
            yield cut([(ev[:UNIT], ids[:UNIT], pids[:UNIT], rids[:UNIT])])
            buffered = [(ev[UNIT:], ids[UNIT:], pids[UNIT:], rids[UNIT:])]
            size -= UNIT
    if size:
        yield cut(buffered)


def _render_in_worker(unit: Unit) -> bytes:
    assert _WORKER_RENDERER is not None
    return _WORKER_RENDERER.render(unit)


def run_platform(
    engine: Engine, renderer: Renderer, truth: Truth, files: Rotating, workers: int
) -> list[Path]:
    """Generate, render and write one platform's posts; return the files written."""
    global _WORKER_RENDERER
    units = _units(engine, truth)
    if workers <= 0 or "fork" not in multiprocessing.get_all_start_methods():
        for unit in units:
            files.write(renderer.render(unit), len(unit.events))
        files.close()
        return files.files
    _WORKER_RENDERER = renderer
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pending: deque[tuple[int, AsyncResult[bytes]]] = deque()
            for unit in units:
                pending.append((len(unit.events), pool.apply_async(_render_in_worker, (unit,))))
                while len(pending) > 2 * workers + 1:  # back-pressure: a few units in flight at most
                    posts, result = pending.popleft()
                    files.write(result.get(), posts)
            while pending:
                posts, result = pending.popleft()
                files.write(result.get(), posts)
    finally:
        _WORKER_RENDERER = None
        files.close()
    return files.files
