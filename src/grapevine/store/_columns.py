"""Turn batches of canonical records into Arrow tables that DuckDB inserts in one statement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa

from grapevine.models import Account, Edge, Post

__all__ = ["accounts_table", "edges_table", "posts_table"]

_TS = pa.timestamp("us", tz="UTC")
_STR = pa.string()
_STRS = pa.list_(pa.string())
_INT = pa.int64()
_FLOAT = pa.float64()
_BOOL = pa.bool_()


class Provenance:
    """Per-row provenance columns shared by posts, accounts and edges."""

    __slots__ = ("file_keys", "files", "records", "sources")

    def __init__(self) -> None:
        self.sources: list[str] = []
        self.files: list[str] = []
        self.file_keys: list[str] = []
        self.records: list[int] = []

    def add(self, source: str, file: str, file_key: str, record: int) -> None:
        self.sources.append(source)
        self.files.append(file)
        self.file_keys.append(file_key)
        self.records.append(record)

    def columns(self) -> dict[str, pa.Array]:
        # ingested_at is stamped by the store at write time
        return {
            "source": pa.array(self.sources, _STR),
            "source_file": pa.array(self.files, _STR),
            "file_key": pa.array(self.file_keys, _STR),
            "record": pa.array(self.records, pa.int32()),
        }


def _col(rows: list[Any], name: str, typ: pa.DataType) -> pa.Array:
    values = [getattr(r, name) for r in rows]
    try:
        return pa.array(values, typ)
    except (UnicodeEncodeError, pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        # Rare: a source let a lone surrogate, an out-of-range number or a stray type through.
        # Clean this column instead of failing the whole batch.
        return pa.array([_clean(v, typ) for v in values], typ)


def _clean(value: Any, typ: pa.DataType) -> Any:
    if value is None:
        return None
    if typ == _STR:
        return _clean_str(value)
    if typ == _STRS:
        return [_clean_str(v) for v in value] if isinstance(value, list) else None
    if typ == _INT:
        return value if isinstance(value, int) and -(2**63) <= value < 2**63 else None
    if typ == _FLOAT:
        return float(value) if isinstance(value, int | float) else None
    if typ == _BOOL:
        return value if isinstance(value, bool) else None
    return value if isinstance(value, datetime) else None


def _clean_str(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return text.encode("utf-8", "replace").decode("utf-8")


def posts_table(rows: list[Post], prov: Provenance) -> pa.Table:
    cols = {
        "platform": _col(rows, "platform", _STR),
        "id": _col(rows, "id", _STR),
        "author_id": _col(rows, "author_id", _STR),
        "author_handle": _col(rows, "author_handle", _STR),
        "text": _col(rows, "text", _STR),
        "created_at": _col(rows, "created_at", _TS),
        "lang": _col(rows, "lang", _STR),
        "reply_to_id": _col(rows, "reply_to_id", _STR),
        "reply_to_author_id": _col(rows, "reply_to_author_id", _STR),
        "quote_of_id": _col(rows, "quote_of_id", _STR),
        "repost_of_id": _col(rows, "repost_of_id", _STR),
        "conversation_id": _col(rows, "conversation_id", _STR),
        "mentions": _col(rows, "mentions", _STRS),
        "hashtags": _col(rows, "hashtags", _STRS),
        "links": _col(rows, "links", _STRS),
        "like_count": _col(rows, "like_count", _INT),
        "repost_count": _col(rows, "repost_count", _INT),
        "reply_count": _col(rows, "reply_count", _INT),
        "quote_count": _col(rows, "quote_count", _INT),
        "title": _col(rows, "title", _STR),
        "url": _col(rows, "url", _STR),
        "community": _col(rows, "community", _STR),
        "deleted": _col(rows, "deleted", _BOOL),
    }
    cols.update(prov.columns())
    return pa.table(cols)


def accounts_table(rows: list[Account], prov: Provenance) -> pa.Table:
    cols = {
        "platform": _col(rows, "platform", _STR),
        "id": _col(rows, "id", _STR),
        "handle": _col(rows, "handle", _STR),
        "display_name": _col(rows, "display_name", _STR),
        "bio": _col(rows, "bio", _STR),
        "url": _col(rows, "url", _STR),
        "links": _col(rows, "links", _STRS),
        "followers_count": _col(rows, "followers_count", _INT),
        "following_count": _col(rows, "following_count", _INT),
        "post_count": _col(rows, "post_count", _INT),
        "created_at": _col(rows, "created_at", _TS),
        "verified": _col(rows, "verified", _BOOL),
        "location": _col(rows, "location", _STR),
        "is_blog": _col(rows, "is_blog", _BOOL),
    }
    cols.update(prov.columns())
    return pa.table(cols)


def edges_table(rows: list[Edge], seqs: list[int], prov: Provenance) -> pa.Table:
    cols = {
        "platform": _col(rows, "platform", _STR),
        "src": _col(rows, "src", _STR),
        "dst": _col(rows, "dst", _STR),
        "kind": _col(rows, "kind", _STR),
        "weight": _col(rows, "weight", _FLOAT),
        "created_at": _col(rows, "created_at", _TS),
    }
    cols.update(prov.columns())
    cols["seq"] = pa.array(seqs, pa.int32())
    return pa.table(cols)
