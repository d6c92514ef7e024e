"""The raw archive: every imported file is kept, byte for byte, inside the workspace.

``archive/<fingerprint>.zst`` holds the file's decompressed bytes, zstd-compressed (a file that
arrives compressed is copied as it is). Re-mapping reads these copies with the current sources,
so the original exports are not needed again. The copy is written on a background thread while
the import runs (zstd releases the GIL) to a temporary name, and moved into place only when
complete; the store records it when the file's import completes.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import zstandard

__all__ = ["ArchiveWriter", "archive_dir"]

ARCHIVE_DIR = "archive"
_LEVEL = 3


def archive_dir(workspace_db: Path) -> Path:
    return workspace_db.parent / ARCHIVE_DIR


class ArchiveWriter:
    """Copies one input file into the archive on a background thread."""

    def __init__(self, source: Path, folder: Path, file_key: str, compressed: bool) -> None:
        self.source = source
        self.name = f"{file_key}.{'orig' if compressed else 'zst'}"
        self.target = folder / self.name
        self._compressed = compressed
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if self.target.exists():
            return  # the same bytes were archived before
        folder.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._copy, name="grapevine-archive", daemon=True)
        self._thread.start()

    def _copy(self) -> None:
        partial = self.target.with_name(self.target.name + f".partial-{os.getpid()}")
        try:
            if self._compressed:
                shutil.copyfile(self.source, partial)
            else:
                compressor = zstandard.ZstdCompressor(level=_LEVEL)
                with open(self.source, "rb") as src, open(partial, "wb") as dst:
                    compressor.copy_stream(src, dst, read_size=1 << 20, write_size=1 << 20)
            os.replace(partial, self.target)
        except BaseException as exc:  # reported by finish(); never kill the import thread
            self._error = exc
            partial.unlink(missing_ok=True)

    def finish(self) -> str:
        """Wait for the copy; return its name inside the archive folder."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise OSError(f"cannot archive {self.source}: {self._error}") from self._error
        return self.name
