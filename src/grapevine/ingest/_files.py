"""Finding input files, opening them through any compression, and fingerprinting them."""

from __future__ import annotations

import bz2
import glob
import gzip
import hashlib
import io
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import zstandard

from grapevine.errors import IngestError
from grapevine.sources.base import SAMPLE_BYTES

__all__ = ["InputFile", "fingerprint", "is_compressed", "open_decompressed", "read_sample", "resolve_inputs"]

SAMPLE_SIZE = SAMPLE_BYTES  # what detect() and numbering_for() see


@dataclass(frozen=True)
class InputFile:
    path: Path  # where the bytes are (a spooled copy for stdin)
    display: str  # what to call it in messages


def resolve_inputs(specs: list[str], stdin: IO[bytes] | None = None) -> list[InputFile]:
    """Expand files, folders (recursively, sorted), globs and ``-`` (stdin) into input files."""
    found: list[InputFile] = []
    seen: set[Path] = set()

    def add(path: Path, display: str) -> None:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            found.append(InputFile(path, display))

    for spec in specs:
        if spec == "-":
            found.append(_spool_stdin(stdin or sys.stdin.buffer))
            continue
        path = Path(spec)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path)):
                add(child, str(child))
        elif path.is_file():
            add(path, spec)
        elif glob.has_magic(spec):
            matches = sorted(Path(p) for p in glob.glob(spec, recursive=True) if Path(p).is_file())
            if not matches:
                raise IngestError(spec, "no file matches this pattern")
            for match in matches:
                add(match, str(match))
        elif path.exists():
            raise IngestError(spec, "not a regular file or folder")
        else:
            raise IngestError(spec, "no such file or folder")
    return found


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _spool_stdin(stream: IO[bytes]) -> InputFile:
    # stdin is copied to a temporary file so it can be sniffed, fingerprinted and re-read.
    handle = tempfile.NamedTemporaryFile(prefix="grapevine-stdin-", delete=False)  # noqa: SIM115
    with handle:
        shutil.copyfileobj(stream, handle)
    return InputFile(Path(handle.name), "<stdin>")


def open_decompressed(path: Path, display: str) -> IO[bytes]:
    """Open a file for binary reading, undoing gzip, bzip2 or zstd by its magic bytes."""
    try:
        raw = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise IngestError(display, f"cannot open: {exc.strerror or exc}") from exc
    magic = raw.read(4)
    raw.seek(0)
    if magic[:2] == b"\x1f\x8b":
        raw.close()
        return cast(IO[bytes], gzip.open(path, "rb"))  # owns its file: closing it closes all
    if magic[:3] == b"BZh":
        raw.close()
        return cast(IO[bytes], bz2.open(path, "rb"))
    if magic == b"\x28\xb5\x2f\xfd":
        # read_across_frames: multi-frame files (pzstd, concatenated .zst, our own archives) are one stream
        reader = zstandard.ZstdDecompressor().stream_reader(raw, closefd=True, read_across_frames=True)
        return io.BufferedReader(reader, buffer_size=1 << 20)
    return raw


def is_compressed(path: Path) -> bool:
    """Whether the file starts with gzip, bzip2 or zstd magic bytes."""
    with open(path, "rb") as handle:
        magic = handle.read(4)
    return magic[:2] == b"\x1f\x8b" or magic[:3] == b"BZh" or magic == b"\x28\xb5\x2f\xfd"


def read_sample(path: Path, display: str) -> bytes:
    """The first bytes of the decompressed content, for format detection."""
    with open_decompressed(path, display) as stream:
        try:
            return stream.read(SAMPLE_SIZE)
        except (OSError, EOFError, zstandard.ZstdError) as exc:
            raise IngestError(display, f"cannot decompress: {exc}") from exc


FULL_HASH_LIMIT = 256 << 20


def fingerprint(path: Path) -> str:
    """A content fingerprint: the whole file up to 256 MiB, else its size, head, middle and tail.

    Sampling keeps re-ingesting a multi-GB dump cheap; the same bytes under another name or
    path are recognised as the same file either way.
    """
    size = os.path.getsize(path)
    digest = hashlib.blake2b(str(size).encode(), digest_size=16)
    chunk = 4 << 20
    with open(path, "rb") as handle:
        if size <= FULL_HASH_LIMIT:
            while block := handle.read(chunk):
                digest.update(block)
        else:
            for offset in (0, size // 2, size - chunk):
                handle.seek(offset)
                digest.update(handle.read(chunk))
    return digest.hexdigest()
