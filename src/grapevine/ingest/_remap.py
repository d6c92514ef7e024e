"""Re-mapping: read the archived copies again with the current sources and overwrite the rows."""

from __future__ import annotations

from grapevine.errors import IngestError
from grapevine.ingest._archive import archive_dir
from grapevine.ingest._files import open_decompressed
from grapevine.plugins import Registry
from grapevine.sources.base import BadRecord
from grapevine.store import Batch, Store

__all__ = ["remap_archive"]

BATCH_ROWS = 50_000


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
                    source.map_into(record, batch)
                except Exception:  # still unmappable: it stays in quarantine
                    totals["failed"] += 1
                    continue
                batch.last_record = record.number
                if len(batch.posts) + len(batch.edges) >= BATCH_ROWS:
                    totals["posts"] += len(batch.posts)
                    store.write_batch(batch, replace=True)
                    batch = Batch(name, path, file_key)
        totals["posts"] += len(batch.posts)
        store.write_batch(batch, replace=True)
    return totals
