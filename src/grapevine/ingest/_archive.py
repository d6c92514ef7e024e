"""The raw archive: every imported file is kept, byte for byte, inside the workspace.

``archive/<fingerprint>.zst`` holds the file's decompressed bytes, zstd-compressed (a file that
arrives compressed is copied as it is). Re-mapping reads these copies with the current sources,
so the original exports are not needed again. The copy is written to a temporary name and moved
into place only when complete; the store records it when the file's import completes. It is
written either on a background thread while the import runs (zstd releases the GIL), or, for a
file that worker processes read in chunks, from the zstd frames they compress their chunks into
(``frames=True``): concatenated frames are one zstd stream, and the file is not read twice.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import BinaryIO

import zstandard

__all__ = ["ARCHIVE_LEVEL", "ArchiveWriter", "archive_dir"]

ARCHIVE_DIR = "archive"
ARCHIVE_LEVEL = 3


def archive_dir(workspace_db: Path) -> Path:
    return workspace_db.parent / ARCHIVE_DIR


class ArchiveWriter:
    """Copies one input file into the archive: on a background thread, or from compressed frames.

    ``frames`` asks for frames from the caller; a file that arrives compressed is still copied as
    it is, on the thread (see :attr:`wants_frames`).
    """

    def __init__(
        self, source: Path, folder: Path, file_key: str, compressed: bool, frames: bool = False
    ) -> None:
        self.source = source
        self.name = f"{file_key}.{'orig' if compressed else 'zst'}"
        self.target = folder / self.name
        self._partial = self.target.with_name(self.target.name + f".partial-{os.getpid()}")
        self._compressed = compressed
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._frames: BinaryIO | None = None
        if self.target.exists():
            return  # the same bytes were archived before
        folder.mkdir(parents=True, exist_ok=True)
        if frames and not compressed:
            self._frames = open(self._partial, "wb")  # noqa: SIM115  # closed by finish() or discard()
            return
        self._thread = threading.Thread(target=self._copy, name="grapevine-archive", daemon=True)
        self._thread.start()

    @property
    def wants_frames(self) -> bool:
        """Whether the caller should hand over the file's bytes as zstd frames, in order."""
        return self._frames is not None

    def add_frame(self, frame: bytes) -> None:
        assert self._frames is not None
        self._frames.write(frame)

    def discard(self) -> None:
        """Drop a frame archive left incomplete (the import failed)."""
        if self._frames is not None:
            self._frames.close()
            self._frames = None
            self._partial.unlink(missing_ok=True)

    def _copy(self) -> None:
        partial = self._partial
        try:
            if self._compressed:
                shutil.copyfile(self.source, partial)
            else:
                compressor = zstandard.ZstdCompressor(level=ARCHIVE_LEVEL)
                with open(self.source, "rb") as src, open(partial, "wb") as dst:
                    compressor.copy_stream(src, dst, read_size=1 << 20, write_size=1 << 20)
            os.replace(partial, self.target)
        except BaseException as exc:  # reported by finish(); never kill the import thread
            self._error = exc
            partial.unlink(missing_ok=True)

    def finish(self) -> str:
        """Wait for the copy; return its name inside the archive folder."""
        if self._frames is not None:
            self._frames.close()
            self._frames = None
            os.replace(self._partial, self.target)
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise OSError(f"cannot archive {self.source}: {self._error}") from self._error
        return self.name
