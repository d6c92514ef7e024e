"""The DuckDB store: one file per workspace, idempotent batch writes.

Every write goes through :meth:`Store.write_batch`, one transaction per batch: canonical rows,
quarantined records and the file's progress commit together or not at all, so a killed import
leaves whole batches only, and primary keys make a re-run add nothing twice. The raw payloads
are kept beside the database as compressed copies of the imported files (see
:mod:`grapevine.ingest._archive`), which is both cheaper and more faithful than a BLOB per record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from dataclasses import replace as replace_fields
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from grapevine.models import Account, Edge, Mapped, Post, PostRow, field_names, post_row
from grapevine.store._columns import (
    accounts_table,
    column_values,
    edges_table,
    numpy_column,
    posts_table,
    record_column,
    repeated,
    repeated_time,
)
from grapevine.store.schema import migrate

__all__ = ["Batch", "BatchCounts", "BatchTables", "Store"]


@dataclass
class BatchCounts:
    posts_new: int = 0
    posts_duplicate: int = 0
    accounts_new: int = 0
    edges_new: int = 0
    quarantined: int = 0
    #: posts not written yet (``write_tables(..., row_groups=...)``): write them first next time
    leftover: BatchTables | None = None


@dataclass
class Batch:
    """Records of one file waiting to be written in one transaction."""

    source: str
    path: str
    file_key: str
    posts: list[PostRow] = field(default_factory=list)
    post_records: list[int] = field(default_factory=list)
    accounts: dict[tuple[str, str], Account] = field(default_factory=dict)
    account_records: dict[tuple[str, str], int] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    edge_seqs: list[int] = field(default_factory=list)
    edge_records: list[int] = field(default_factory=list)
    quarantine: list[tuple[int, str, str, bytes]] = field(default_factory=list)
    _post_keys: set[tuple[str, str]] = field(default_factory=set)
    duplicates_in_batch: int = 0
    last_record: int = 0

    def add_posts(self, posts: Sequence[Post], record: int) -> None:
        self._add_rows(map(post_row, posts), record)

    def add_post_rows(self, rows: Sequence[PostRow], record: int) -> None:
        """Add posts given as rows (see :data:`grapevine.models.PostRow`); a repeat is counted.

        A row of the wrong width is a source's bug: it fails the record (and adds none of its
        rows) rather than the whole batch, whose columns it would break.
        """
        for row in rows:
            if len(row) != _POST_WIDTH:
                raise ValueError(f"a post row has {len(row)} fields; Post has {_POST_WIDTH}")
        self._add_rows(rows, record)

    def _add_rows(self, rows: Iterable[PostRow], record: int) -> None:
        keys = self._post_keys
        for row in rows:
            key = row[:2]  # (platform, id)
            if key in keys:
                self.duplicates_in_batch += 1
                continue
            keys.add(key)
            self.posts.append(row)
            self.post_records.append(record)

    def add_accounts(self, accounts: Sequence[Account], record: int) -> None:
        known = self.accounts
        for account in accounts:
            key = (account.platform, account.id)
            old = known.get(key)
            if old is None:
                known[key] = account
            elif old is not account and _account_values(old) != _account_values(account):
                known[key] = _merge_account(old, account)  # most repeats are identical: no merge
            self.account_records[key] = record  # the latest sighting

    def add_edges(self, edges: Sequence[Edge], record: int) -> None:
        for seq, edge in enumerate(edges):
            self.edges.append(edge)
            self.edge_seqs.append(seq)
            self.edge_records.append(record)

    def add_mapped(self, mapped: Mapped, record: int) -> None:
        """Add everything one record mapped to."""
        if mapped.posts:
            self.add_posts(mapped.posts, record)
        if mapped.accounts:
            self.add_accounts(mapped.accounts, record)
        if mapped.edges:
            self.add_edges(mapped.edges, record)

    def add_quarantine(self, record: int, numbering: str, reason: str, raw: bytes) -> None:
        self.quarantine.append((record, numbering, reason, raw))

    def __len__(self) -> int:
        return len(self.posts) + len(self.accounts) + len(self.edges) + len(self.quarantine)

    def to_tables(self) -> BatchTables:
        """The batch as Arrow tables: the Python-heavy half of a write, done where the batch was built."""
        accounts = None
        if self.accounts:
            accounts = accounts_table(
                list(self.accounts.values()),
                list(self.account_records.values()),
            )
        quarantine = None
        if self.quarantine:
            q = self.quarantine
            quarantine = pa.table(
                {
                    "record": record_column([r[0] for r in q]),
                    "numbering": pa.array([r[1] for r in q], pa.string()),
                    "reason": pa.array([r[2] for r in q], pa.string()),
                    "raw": pa.array([r[3] for r in q], pa.binary()),
                }
            )
        posts = posts_table(self.posts, self.post_records) if self.posts else None
        return BatchTables(
            source=self.source,
            path=self.path,
            file_key=self.file_key,
            last_record=self.last_record,
            posts=posts,
            has_deleted=any(row[_DELETED] for row in self.posts),
            accounts=accounts,
            edges=edges_table(self.edges, self.edge_seqs, self.edge_records) if self.edges else None,
            quarantine=quarantine,
            duplicates_in_batch=self.duplicates_in_batch,
        )


@dataclass
class BatchTables:
    """A batch as Arrow tables, ready for :meth:`Store.write_tables` (and cheap to pickle).

    The tables hold each row's ``record`` number but not the source and file, which are the same
    for the whole batch: the store adds them when it writes.
    """

    source: str
    path: str
    file_key: str
    last_record: int
    posts: pa.Table | None
    has_deleted: bool
    accounts: pa.Table | None
    edges: pa.Table | None
    quarantine: pa.Table | None
    duplicates_in_batch: int

    @property
    def quarantined(self) -> int:
        return 0 if self.quarantine is None else self.quarantine.num_rows

    @property
    def rows(self) -> int:
        """Posts and edges in the batch: what sizes a transaction."""
        return sum(t.num_rows for t in (self.posts, self.edges) if t is not None)

    def shifted(self, records: int) -> BatchTables:
        """The same batch with every record number ``records`` higher (a chunk placed in its file)."""
        if not records:
            return self
        return replace_fields(
            self,
            last_record=self.last_record + records,
            posts=_shift_records(self.posts, records),
            accounts=_shift_records(self.accounts, records),
            edges=_shift_records(self.edges, records),
            quarantine=_shift_records(self.quarantine, records),
        )


def _shift_records(table: pa.Table | None, records: int) -> pa.Table | None:
    if table is None:
        return None
    index = table.schema.get_field_index("record")
    numbers = column_values(table.column(index)) + np.int32(records)
    return table.set_column(index, "record", numpy_column(numbers, pa.int32()))


_DELETED = field_names(Post).index("deleted")
_POST_WIDTH = len(field_names(Post))
_account_values = attrgetter(*Account.__slots__)  # all fields at once, much cheaper than ==


def _merge_account(old: Account, new: Account) -> Account:
    """Within one batch the later sighting wins, field by field, where it says anything.

    Returns a new Account: sources may hand out the same (memoized) Account object again.
    """
    merged = []
    for name in Account.__slots__:
        value = getattr(new, name)
        merged.append(getattr(old, name) if value is None or value == [] else value)
    return Account(*merged)


_ACCOUNT_FIELDS = (
    "handle",
    "display_name",
    "bio",
    "url",
    "followers_count",
    "following_count",
    "post_count",
    "created_at",
    "verified",
    "location",
)
_ACCOUNT_UPDATE = (
    ", ".join(f"{c} = COALESCE(EXCLUDED.{c}, accounts.{c})" for c in _ACCOUNT_FIELDS)
    + ", links = CASE WHEN len(EXCLUDED.links) > 0 THEN EXCLUDED.links ELSE accounts.links END"
)
# Rewriting a row is DuckDB's most expensive write: only touch accounts that say something new.
_ACCOUNT_CHANGED = (
    " OR ".join(
        f"(EXCLUDED.{c} IS NOT NULL AND EXCLUDED.{c} IS DISTINCT FROM accounts.{c})" for c in _ACCOUNT_FIELDS
    )
    + " OR (len(EXCLUDED.links) > 0 AND EXCLUDED.links IS DISTINCT FROM accounts.links)"
)
# Many chunks see the same accounts: merge them first, later sightings winning field by field.
_ACCOUNT_MERGE = (
    "SELECT platform, id, "
    + ", ".join(f"arg_max({c}, _seq) FILTER (WHERE {c} IS NOT NULL) AS {c}" for c in _ACCOUNT_FIELDS)
    + ", arg_max(links, _seq) FILTER (WHERE len(links) > 0) AS links, bool_or(is_blog) AS is_blog, "
    + ", ".join(
        f"arg_max({c}, _seq) AS {c}" for c in ("source", "source_file", "file_key", "record", "ingested_at")
    )
    + " FROM _account_batch GROUP BY platform, id"
)


class Store:
    """A DuckDB database file holding everything a workspace knows."""

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path)
        self.con = duckdb.connect(str(self.path), read_only=read_only)
        if not read_only:
            migrate(self.con)

    def close(self) -> None:
        self.con.close()

    def run(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Execute one statement and return all its rows (DuckDB needs results drained)."""
        return self.con.execute(sql, params or []).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.run("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.run("ROLLBACK")
            raise
        self.run("COMMIT")

    @contextmanager
    def single_threaded(self) -> Iterator[None]:
        """Run DuckDB on one thread for a while (say, while other processes use every core)."""
        (threads,) = self.con.execute("SELECT current_setting('threads')").fetchone() or (None,)
        self.run("SET threads = 1")
        try:
            yield
        finally:
            if threads is not None:
                self.run(f"SET threads = {int(threads)}")

    # -- writing -------------------------------------------------------------------------

    def begin_file(self, file_key: str, path: str, source: str, size: int | None) -> bool:
        """Record that a file is being ingested; returns True when it was fully ingested before."""
        rows = self.run("SELECT status FROM files WHERE file_key = ?", [file_key])
        self.run(
            "INSERT INTO files VALUES (?, ?, ?, ?, NULL, 'started', NULL, now(), now()) "
            "ON CONFLICT (file_key) DO UPDATE SET path = EXCLUDED.path, source = EXCLUDED.source, "
            "last_ingested_at = now()",
            [file_key, path, source, size],
        )
        return bool(rows) and rows[0][0] == "complete"

    def finish_file(self, file_key: str, records: int, archive: str | None) -> None:
        self.run(
            "UPDATE files SET status = 'complete', records = ?, archive = ?, last_ingested_at = now() "
            "WHERE file_key = ?",
            [records, archive, file_key],
        )

    def write_batch(self, batch: Batch, replace: bool = False) -> BatchCounts:
        """Write one batch in one transaction and say what was new.

        ``replace=True`` (used when re-mapping archived payloads) overwrites existing posts
        and edges with the newly mapped rows instead of keeping the first ones.
        """
        return self.write_tables(batch.to_tables(), replace)

    def write_tables(
        self, parts: BatchTables | list[BatchTables], replace: bool = False, row_groups: int | None = None
    ) -> BatchCounts:
        """Write batches already turned into Arrow tables (possibly in other processes).

        A list is written in ONE transaction, each table concatenated into one statement:
        commits and statements cost far more than a few thousand rows.

        With ``row_groups`` (DuckDB's row group size), only a whole number of row groups of new
        posts is written: DuckDB writes those straight to the database file, where a partial row
        group goes through its log and is rewritten at the next checkpoint. The posts after the
        last one written come back in ``BatchCounts.leftover``, to be written first next time.
        """
        parts = parts if isinstance(parts, list) else [parts]
        conflict = "" if not replace else "OR REPLACE "
        keep_first = "" if replace else " ON CONFLICT DO NOTHING"
        counts = BatchCounts(posts_duplicate=sum(p.duplicates_in_batch for p in parts))
        now = datetime.now(UTC)
        if row_groups and len({(p.source, p.path, p.file_key) for p in parts}) > 1:
            raise ValueError("write_tables: row_groups needs the parts of one file")
        unwritten = _concat([p.posts for p in parts]) if row_groups else None
        posts = _with_files([p.posts for p in parts], parts)
        accounts = _with_files([p.accounts for p in parts], parts)
        edges = _with_files([p.edges for p in parts], parts)
        quarantine = _with_files([p.quarantine for p in parts], parts, quarantine=True)
        con = self.con
        with self.transaction():
            if posts is not None:
                stamped = _stamped(posts, "ingested_at", now)
                con.register(
                    "_post_batch",
                    stamped.append_column("_row", numpy_column(np.arange(posts.num_rows), pa.int64())),
                )
                # posts has no primary key (its index cost more than half of an import's DuckDB
                # time): keys are kept unique here, the first copy of a post winning.
                offered = posts.num_rows
                if replace:
                    _one(con.execute(_DELETE_BATCH_POSTS))
                    (inserted,) = _one(con.execute(f"{_INSERT_POSTS} WHERE {_FIRST_OF_EACH_KEY}"))
                elif row_groups and unwritten is not None:
                    inserted, cut, held = self._insert_row_groups(row_groups, _key_ranges(con))
                    if len(held):
                        # Mostly new posts after the cut: hold back all those rows (a zero-copy
                        # slice); mostly repeats (a re-import): only the ones that matter.
                        mostly_new = 2 * len(held) >= posts.num_rows - cut
                        offered = cut if mostly_new else posts.num_rows - len(held)
                        rest = (
                            unwritten.slice(cut)
                            if mostly_new
                            else unwritten.take(numpy_column(held, pa.int64()))
                        )
                        counts.leftover = replace_fields(
                            parts[-1],
                            posts=rest,
                            has_deleted=any(p.has_deleted for p in parts),
                            accounts=None,
                            edges=None,
                            quarantine=None,
                            duplicates_in_batch=0,
                        )
                else:
                    (inserted,) = _one(
                        con.execute(
                            f"{_INSERT_POSTS} WHERE {_FIRST_OF_EACH_KEY} AND {_ONLY_NEW}", _key_ranges(con)
                        )
                    )
                if not replace and any(p.has_deleted for p in parts):
                    # A later sighting that a post was deleted wins over the first copy.
                    _one(
                        con.execute(
                            "UPDATE posts SET deleted = true FROM _post_batch b WHERE b.deleted "
                            "AND posts.platform = b.platform AND posts.id = b.id AND NOT posts.deleted"
                        )
                    )
                con.unregister("_post_batch")
                counts.posts_new = inserted
                counts.posts_duplicate += offered - inserted
            if accounts is not None:
                before = _count(con, "accounts")
                stamped = _stamped(accounts, "ingested_at", now)
                stamped = stamped.append_column("_seq", numpy_column(np.arange(stamped.num_rows), pa.int64()))
                con.register("_account_batch", stamped)
                _one(
                    con.execute(
                        f"INSERT INTO accounts BY NAME {_ACCOUNT_MERGE} "
                        f"ON CONFLICT (platform, id) DO UPDATE SET {_ACCOUNT_UPDATE} WHERE {_ACCOUNT_CHANGED}"
                    )
                )
                con.unregister("_account_batch")
                counts.accounts_new = _count(con, "accounts") - before
            if edges is not None:
                con.register("_edge_batch", _stamped(edges, "ingested_at", now))
                (counts.edges_new,) = _one(
                    con.execute(f"INSERT {conflict}INTO edges BY NAME SELECT * FROM _edge_batch{keep_first}")
                )
                con.unregister("_edge_batch")
            if quarantine is not None:
                con.register("_q_batch", _stamped(quarantine, "quarantined_at", now))
                (counts.quarantined,) = _one(
                    con.execute(
                        "INSERT INTO quarantine BY NAME SELECT * FROM _q_batch ON CONFLICT DO NOTHING"
                    )
                )
                con.unregister("_q_batch")
            last = parts[-1]
            _one(
                con.execute(
                    "UPDATE files SET records = ?, last_ingested_at = now() WHERE file_key = ?",
                    [last.last_record, last.file_key],
                )
            )
        return counts

    def _insert_row_groups(self, row_groups: int, key_ranges: dict[str, str]) -> tuple[int, int, np.ndarray]:
        """Insert the new posts of ``_post_batch`` up to a whole number of row groups.

        Returns the posts inserted, the first batch row after the last one inserted, and the rows
        from there on that must be written next time: the new posts (fewer than a row group) and
        the deleted sightings (the post one marks may be held back). The other rows after the cut
        repeat a post already stored or earlier in the batch.
        """
        con = self.con
        new_rows = np.asarray(
            con.execute(
                f"SELECT _row FROM _post_batch b WHERE {_FIRST_OF_EACH_KEY} AND {_ONLY_NEW} ORDER BY _row",
                key_ranges,
            ).fetchnumpy()["_row"]
        )
        whole = len(new_rows) // row_groups * row_groups
        inserted = 0
        if whole:
            con.register("_new_rows", pa.table({"_row": numpy_column(new_rows[:whole], pa.int64())}))
            (inserted,) = _one(con.execute(f"{_INSERT_POSTS} SEMI JOIN _new_rows n ON n._row = b._row"))
            con.unregister("_new_rows")
        cut = int(new_rows[whole - 1]) + 1 if whole else 0
        held = new_rows[whole:]
        if len(held):
            deleted = con.execute(
                "SELECT _row FROM _post_batch WHERE deleted AND _row >= ?", [cut]
            ).fetchnumpy()
            held = np.union1d(held, np.asarray(deleted["_row"]))
        return inserted, cut, held

    # -- reading -------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        con = self.con
        platforms = dict(
            con.execute("SELECT platform, count(*) FROM posts GROUP BY platform ORDER BY platform").fetchall()
        )
        return {
            "posts": _count(con, "posts"),
            "accounts": _count(con, "accounts"),
            "edges": _count(con, "edges"),
            "platforms": platforms,
            "quarantined": _count(con, "quarantine"),
            "files": _count(con, "files"),
        }

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pa.Table:
        """Run a read query and return an Arrow table."""
        return self.con.sql(sql, params=params or None).to_arrow_table()


_INSERT_POSTS = "INSERT INTO posts BY NAME SELECT * EXCLUDE (_row) FROM _post_batch b"
# The ranges repeat what the equalities imply, as constants: DuckDB then skips the row groups of
# posts whose keys lie outside the batch's (by their min/max), where the join alone would read
# every stored key on each write, a cost that grows with the workspace.
_ONLY_NEW = (
    "NOT EXISTS (SELECT 1 FROM posts p WHERE p.platform = b.platform AND p.id = b.id "
    "AND p.platform BETWEEN $platform_low AND $platform_high AND p.id BETWEEN $id_low AND $id_high)"
)
_KEY_RANGES = "SELECT min(platform), max(platform), min(id), max(id) FROM _post_batch"
_FIRST_OF_EACH_KEY = "b._row IN (SELECT min(_row) FROM _post_batch GROUP BY platform, id)"
_DELETE_BATCH_POSTS = (
    "DELETE FROM posts USING _post_batch b WHERE posts.platform = b.platform AND posts.id = b.id"
)


def _with_file(table: pa.Table | None, part: BatchTables, quarantine: bool = False) -> pa.Table | None:
    """``table`` with the source and file columns its rows share (see :class:`BatchTables`)."""
    if table is None or not table.num_rows:
        return None
    rows = table.num_rows
    names = ("source", "path", "file_key") if quarantine else ("source", "source_file", "file_key")
    for name, value in zip(names, (part.source, part.path, part.file_key), strict=True):
        table = table.append_column(name, repeated(value, rows))
    return table


def _with_files(
    tables: list[pa.Table | None], parts: list[BatchTables], quarantine: bool = False
) -> pa.Table | None:
    """The parts' tables in one, with their source and file columns (built once when the parts
    are of one file, as in a parallel import: building them cost 0.1 ms per table)."""
    if len({(p.source, p.path, p.file_key) for p in parts}) == 1:
        return _with_file(_concat(tables), parts[0], quarantine)
    return _concat([_with_file(t, p, quarantine) for t, p in zip(tables, parts, strict=True)])


def _concat(tables: list[pa.Table | None]) -> pa.Table | None:
    present = [t for t in tables if t is not None and t.num_rows]
    if not present:
        return None
    return present[0] if len(present) == 1 else pa.concat_tables(present)


def _stamped(table: pa.Table, column: str, when: datetime) -> pa.Table:
    """``table`` with ``column`` set to the write time (added when missing)."""
    stamp = repeated_time(when, table.num_rows)
    index = table.schema.get_field_index(column)
    if index < 0:
        return table.append_column(column, stamp)
    return table.set_column(index, column, stamp)


def _key_ranges(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The smallest and largest platform and id of ``_post_batch``, for :data:`_ONLY_NEW`."""
    row = con.execute(_KEY_RANGES).fetchone()
    assert row is not None
    return dict(zip(("platform_low", "platform_high", "id_low", "id_high"), row, strict=True))


def _one(relation: duckdb.DuckDBPyConnection) -> tuple[int]:
    rows = relation.fetchall()  # DuckDB wants every result drained before the next statement
    return (int(rows[0][0]) if rows else 0,)


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    (count,) = _one(con.execute(f"SELECT count(*) FROM {table}"))  # table names are ours, never user input
    return count
