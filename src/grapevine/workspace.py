"""The Workspace: config + store + plugins. The CLI, the web app and notebooks all start here."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from grapevine._memo import Memo
from grapevine._window import window_clauses
from grapevine.analyzers.tracking import (
    Track,
    add_track,
    list_tracks,
    remove_track,
    reset_matches,
    update_matches,
)
from grapevine.brands import brand_sentiment
from grapevine.config import DEFAULT_WORKSPACE, Settings, load_settings
from grapevine.conversations import list_conversations, list_thread_problems, thread_tree, update_threads
from grapevine.errors import GrapevineError, IngestError
from grapevine.ingest import FileSummary, ProgressCallback, ingest_files, remap_archive, resolve_inputs
from grapevine.plugins import Registry, default_registry
from grapevine.store import Store

__all__ = ["Workspace", "open_workspace"]

EXPORT_TABLES = ("posts", "accounts", "edges", "quarantine", "post_threads", "conversations")
EXPORT_FORMATS = ("parquet", "jsonl", "csv")


class Workspace:
    """A folder holding one DuckDB store and its settings.

    Examples
    --------
    >>> import grapevine, tempfile
    >>> ws = grapevine.open_workspace(tempfile.mkdtemp())
    >>> ws.stats()["posts"]
    0
    >>> ws.close()
    """

    def __init__(self, path: Path, settings: Settings, registry: Registry, read_only: bool = False) -> None:
        self.path = path
        self.settings = settings
        self.registry = registry
        self.store = Store(path / settings.database, read_only=read_only)
        if settings.db_threads:
            self.store.run(f"SET threads = {int(settings.db_threads)}")
        if not read_only and settings.checkpoint_threshold:
            self.store.run("SET checkpoint_threshold = ?", [settings.checkpoint_threshold])
        if settings.db_memory_limit:
            self.store.run("SET memory_limit = ?", [settings.db_memory_limit])

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Workspace {str(self.path)!r}>"

    # -- ingest --------------------------------------------------------------------------

    def ingest(
        self,
        paths: Iterable[str | Path],
        source: str | None = None,
        options: dict[str, str] | None = None,
        strict: bool = False,
        progress: ProgressCallback | None = None,
        on_error: Callable[[IngestError], None] | None = None,
        enrich: bool = True,
    ) -> list[FileSummary]:
        """Import files, folders, globs or ``-`` (stdin); returns one summary per file.

        Re-importing the same data changes nothing. A record that cannot be read is
        quarantined with its file, line and reason, and the import goes on (``strict=True``
        stops at the first one instead). A file that cannot be read at all raises
        :class:`~grapevine.errors.IngestError`, unless ``on_error`` takes it. With ``enrich``
        the analyzers (tracked queries, sentiment, emotion) then process the new posts.
        """
        inputs = resolve_inputs([str(p) for p in paths])
        summaries = ingest_files(
            self.store,
            self.registry,
            inputs,
            source,
            options,
            strict,
            progress,
            on_error,
            self.settings.keep_raw,
        )
        if enrich and any(s.new for s in summaries):
            self.enrich()
        return summaries

    def enrich(self, model: str = "auto", only: Iterable[str] | None = None) -> dict[str, Any]:
        """Run the analyzers over posts they have not processed yet; returns what each did.

        ``model`` is ``fast``, ``accurate`` or ``auto`` (accurate, or fast for bulk backfills).
        An analyzer whose model is not installed is skipped with a warning, unless named in
        ``only``.
        """
        wanted = set(only) if only is not None else None
        results: dict[str, Any] = {}
        for name, analyzer in self.registry.analyzers().items():
            if wanted is not None and name not in wanted:
                continue
            try:
                results[name] = analyzer.run(self.store, model=model)
            except GrapevineError as exc:  # e.g. a model tier that is not installed
                if wanted is not None:
                    raise
                warnings.warn(f"analyzer {name} skipped: {exc}", RuntimeWarning, stacklevel=2)
                results[name] = {"skipped": str(exc)}
        return results

    # -- tracked queries -----------------------------------------------------------------

    def track(self, name: str, query: str, replace: bool = False) -> Track:
        """Track a brand or topic query; its matches are kept up to date as posts arrive."""
        return add_track(self.store, name, query, replace)

    def tracks(self) -> list[Track]:
        """The tracked queries with their number of matching posts."""
        return list_tracks(self.store)

    def untrack(self, name: str) -> None:
        """Stop tracking ``name`` and forget its matches."""
        remove_track(self.store, name)

    def remap(self, source: str | None = None) -> dict[str, int]:
        """Re-run each source's pure ``map`` over the archived copies of the imported files.

        Use it after upgrading a source: posts, accounts and edges are rebuilt from the raw
        payloads kept at import time, without the original files. Returns counts.
        """
        totals = remap_archive(self.store, self.registry, source)
        reset_matches(self.store)  # texts may have changed: match everything again
        update_matches(self.store)
        return totals

    def brand_sentiment(
        self,
        brand: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        model: str = "auto",
    ) -> list[dict[str, Any]]:
        """Per tracked query: mentions and the positive/negative shares with 95% intervals.

        Shares are corrected for the sentiment model's held-out confusion; see
        :mod:`grapevine.brands`.
        """
        return brand_sentiment(self.store, brand, since, until, model)

    # -- conversations -------------------------------------------------------------------

    def update_threads(self, full: bool = False) -> dict[str, Any]:
        """Thread posts ingested since the last run into reply trees (``full`` rebuilds all)."""
        return update_threads(self.store, full=full)

    def thread(self, post_id: str, platform: str | None = None) -> dict[str, Any]:
        """The reply tree holding ``post_id`` as nested dicts, each turn with its sentiment and emotion."""
        return thread_tree(self.store, post_id, platform=platform)

    def conversations(self, **filters: Any) -> list[dict[str, Any]]:
        """Conversations with their metrics (see :func:`grapevine.conversations.list_conversations`)."""
        return list_conversations(self.store, **filters)

    def thread_problems(self, reason: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Self-replies, reply cycles and parents newer than their child, as found while threading."""
        return list_thread_problems(self.store, reason=reason, limit=limit)

    # -- reading -------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Counts of posts, accounts, edges and quarantined records, and posts per platform."""
        return self.store.stats()

    def posts(
        self,
        author: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        contains: str | None = None,
        platform: str | None = None,
        limit: int | None = None,
        columns: Iterable[str] | None = None,
    ) -> pa.Table:
        """Posts as an Arrow table (``.to_pandas()`` for pandas), newest first.

        ``author`` matches the handle (case-insensitive, a leading @ is ignored) or the account
        id; ``contains`` is a case-insensitive substring of the text.
        """
        where, params = [], []
        if author:
            handle = author.removeprefix("@")
            where.append("(lower(author_handle) = lower(?) OR author_id = ?)")
            params += [handle, handle]
        window, window_params = window_clauses(since or None, until or None)
        where += window
        params += window_params
        if contains:
            where.append("contains(lower(text), lower(?))")
            params.append(contains)
        if platform:
            where.append("platform = ?")
            params.append(platform)
        select = ", ".join(_checked_columns(columns, "posts", self)) if columns else "*"
        sql = f"SELECT {select} FROM posts"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC NULLS LAST, platform, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.store.query(sql, params)

    def accounts(self, platform: str | None = None, limit: int | None = None) -> pa.Table:
        """Accounts as an Arrow table, most followed first."""
        sql = "SELECT * FROM accounts"
        params: list[Any] = []
        if platform:
            sql += " WHERE platform = ?"
            params.append(platform)
        sql += " ORDER BY followers_count DESC NULLS LAST, platform, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.store.query(sql, params)

    def quarantine(self, limit: int | None = None) -> pa.Table:
        """Records that could not be imported, with file, line/record number and reason."""
        sql = (
            "SELECT path, numbering, record, source, reason, quarantined_at FROM quarantine "
            "ORDER BY path, record"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.store.query(sql)

    def export(self, out: str | Path, fmt: str = "parquet", table: str = "posts") -> int:
        """Write a table to ``out`` as Parquet, JSON Lines or CSV; returns the number of rows."""
        if fmt not in EXPORT_FORMATS:
            raise GrapevineError(
                f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}"
            )
        if table not in EXPORT_TABLES:
            raise GrapevineError(f"unknown table {table!r}; expected one of {', '.join(EXPORT_TABLES)}")
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        options = {"parquet": "FORMAT parquet", "jsonl": "FORMAT json", "csv": "FORMAT csv, HEADER true"}[fmt]
        tmp = out.with_name(out.name + ".partial")
        source = f"SELECT * EXCLUDE (raw) FROM {table}" if table == "quarantine" else f"SELECT * FROM {table}"
        if table == "accounts":
            source = _ACCOUNTS_WITHOUT_DO_NOT_CONTACT
        # COPY cannot take its target as a parameter; the path is quoted, never user SQL.
        target = str(tmp).replace("'", "''")
        self.store.run(f"COPY ({source} ORDER BY ALL) TO '{target}' ({options})")
        os.replace(tmp, out)  # never leave a half-written export under the final name
        return int(self.store.run(f"SELECT count(*) FROM {table}")[0][0])

    # -- customer care (grapevine.care) ----------------------------------------------------

    def inbox(self, brand: str | None = None, limit: int | None = 20, **options: Any) -> list[dict[str, Any]]:
        """Brand conversations needing attention, highest priority first (see :mod:`grapevine.care.inbox`)."""
        from grapevine.care.inbox import inbox

        return inbox(self.store, brand=brand, limit=limit, **options)

    def brand_accounts(self, infer: bool = True) -> list[dict[str, Any]]:
        """The accounts that speak for each brand, with their origin (explicit, query, inferred)."""
        from grapevine.care import list_brand_accounts

        return list_brand_accounts(self.store, infer=infer)

    # -- people (grapevine.people) ---------------------------------------------------------

    def people(self, brand: str | None = None, **options: Any) -> list[dict[str, Any]]:
        """One row per person: brand numbers, reachability, reach, influence (see :func:`grapevine.people.people_table`)."""
        from grapevine.people import people_table

        return people_table(self.store, brand=brand, **options)

    def person(
        self, ref: str, brand: str | None = None, explain: bool = False, memo: Memo | None = None
    ) -> dict[str, Any]:
        """One person across platforms, with links, channels, brands, audience and influence."""
        from grapevine.people import person_profile

        return person_profile(self.store, ref, brand=brand, explain=explain, memo=memo)

    def audience(self, refs: Iterable[str]) -> dict[str, Any]:
        """The de-duplicated and two-hop audience of the people named by ``refs`` (handles or person ids)."""
        from grapevine.people import audience, person_of

        return audience(self.store, [person_of(self.store, ref) for ref in refs])


# People on the do-not-contact list keep their accounts in an export, not the ways to reach them.
_ACCOUNTS_WITHOUT_DO_NOT_CONTACT = (
    "SELECT a.* REPLACE ("
    + ", ".join(f"CASE WHEN d.id IS NULL THEN a.{c} END AS {c}" for c in ("bio", "url", "links", "location"))
    + ") FROM accounts a LEFT JOIN (SELECT pa.platform, pa.id FROM person_accounts pa "
    "JOIN crm_do_not_contact USING (person_id)) d ON a.platform = d.platform AND a.id = d.id"
)


def _checked_columns(columns: Iterable[str], table: str, ws: Workspace) -> list[str]:
    known = {row[0] for row in ws.store.run(f"DESCRIBE {table}")}
    chosen = list(columns)
    for column in chosen:
        if column not in known:
            raise GrapevineError(f"unknown column {column!r} for {table}; known: {', '.join(sorted(known))}")
    return chosen


def open_workspace(
    path: str | Path | None = None,
    registry: Registry | None = None,
    read_only: bool = False,
    **settings: Any,
) -> Workspace:
    """Open (creating if needed) the workspace at ``path``.

    ``path`` defaults to ``$GRAPEVINE_WORKSPACE`` or ``./grapevine-data``. Keyword arguments
    override settings from the workspace's ``grapevine.toml`` and the environment.
    """
    where = Path(path or os.environ.get("GRAPEVINE_WORKSPACE") or DEFAULT_WORKSPACE)
    if where.exists() and not where.is_dir():
        raise GrapevineError(f"workspace {where} is a file; expected a folder")
    if not read_only:
        where.mkdir(parents=True, exist_ok=True)
    elif not where.is_dir():
        raise GrapevineError(f"no workspace at {where}; run `grapevine ingest` there first")
    return Workspace(where, load_settings(where, settings), registry or default_registry(), read_only)
