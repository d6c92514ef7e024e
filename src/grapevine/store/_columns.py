"""Turn batches of canonical records into Arrow tables that DuckDB inserts in one statement.

This runs once per row of every import, so it is written for speed: posts come as rows (tuples),
which ``zip`` turns into columns in C; other records take one C-level pass per field (``map``
with an ``attrgetter``). Each column is converted with an explicit Arrow type. The provenance
values that are the same for a whole batch (source, file) are left out: the store repeats them
with Arrow when it writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any

import numpy as np
import pyarrow as pa

from grapevine.models import Account, Edge, Post, PostRow, field_names

__all__ = [
    "accounts_table",
    "column_values",
    "edges_table",
    "numpy_column",
    "posts_table",
    "record_column",
    "repeated",
    "repeated_time",
]

_TS = pa.timestamp("us", tz="UTC")
_STR = pa.string()
_STRS = pa.list_(pa.string())
_INT = pa.int64()
_FLOAT = pa.float64()
_BOOL = pa.bool_()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_POST_TYPES: dict[str, pa.DataType] = {
    "platform": _STR,
    "id": _STR,
    "author_id": _STR,
    "author_handle": _STR,
    "text": _STR,
    "created_at": _TS,
    "lang": _STR,
    "reply_to_id": _STR,
    "reply_to_author_id": _STR,
    "quote_of_id": _STR,
    "repost_of_id": _STR,
    "conversation_id": _STR,
    "mentions": _STRS,
    "hashtags": _STRS,
    "links": _STRS,
    "like_count": _INT,
    "repost_count": _INT,
    "reply_count": _INT,
    "quote_count": _INT,
    "title": _STR,
    "url": _STR,
    "community": _STR,
    "deleted": _BOOL,
}
_ACCOUNT_TYPES: dict[str, pa.DataType] = {
    "platform": _STR,
    "id": _STR,
    "handle": _STR,
    "display_name": _STR,
    "bio": _STR,
    "url": _STR,
    "links": _STRS,
    "followers_count": _INT,
    "following_count": _INT,
    "post_count": _INT,
    "created_at": _TS,
    "verified": _BOOL,
    "location": _STR,
    "is_blog": _BOOL,
}
_EDGE_TYPES: dict[str, pa.DataType] = {
    "platform": _STR,
    "src": _STR,
    "dst": _STR,
    "kind": _STR,
    "weight": _FLOAT,
    "created_at": _TS,
}
assert tuple(_POST_TYPES) == field_names(Post), "posts_table reads rows in Post's field order"
_ACCOUNT_ROW = {name: attrgetter(name) for name in _ACCOUNT_TYPES}
_EDGE_ROW = {name: attrgetter(name) for name in _EDGE_TYPES}


def record_column(records: Sequence[int]) -> pa.Array:
    """Each row's record number. The source and file, the same for every row of a batch, are
    added by the store when it writes (see ``Store.write_tables``): sent with every row, they
    were a third of what worker processes send the importing process."""
    return pa.array(records, pa.int32())


# The store's writes build their few helper columns from buffers, never with pa.array() or
# pa.scalar(): pyarrow imports pandas (0.2 s of CPU) at its first conversion of Python or numpy
# values, only to ask whether they are pandas objects. So a parallel import, whose worker
# processes build every other column, does not import pandas in the importing process at all.
_NUMPY_TYPES: dict[pa.DataType, type[np.generic]] = {
    pa.int32(): np.int32,
    pa.int64(): np.int64,
    _TS: np.int64,  # microseconds since the epoch
}


def numpy_column(values: np.ndarray, typ: pa.DataType) -> pa.Array:
    """A numpy array as an Arrow array of a fixed-width type without nulls (int32, int64, or
    microsecond UTC timestamps given as int64)."""
    values = np.ascontiguousarray(values, _NUMPY_TYPES[typ])
    return pa.Array.from_buffers(typ, len(values), [None, pa.py_buffer(values)])


def column_values(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """The values of an int32 or int64 column without nulls, as one numpy array."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    parts = [
        np.frombuffer(
            chunk.buffers()[1], _NUMPY_TYPES[chunk.type], len(chunk), chunk.offset * chunk.type.byte_width
        )
        for chunk in chunks
    ]
    if not parts:
        return np.empty(0, _NUMPY_TYPES[column.type])
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def repeated(value: str, count: int) -> pa.Array:
    """A string column holding ``value`` ``count`` times (a dictionary of one string, which
    DuckDB reads as plain strings)."""
    encoded = value.encode("utf-8")
    offsets = np.array([0, len(encoded)], np.int32)
    dictionary = pa.Array.from_buffers(_STR, 1, [None, pa.py_buffer(offsets), pa.py_buffer(encoded)])
    indices = numpy_column(np.zeros(count, np.int32), pa.int32())
    return pa.DictionaryArray.from_arrays(indices, dictionary)


def repeated_time(when: datetime, count: int) -> pa.Array:
    """A UTC timestamp column holding ``when`` ``count`` times."""
    micros = (when - _EPOCH) // timedelta(microseconds=1)
    return numpy_column(np.full(count, micros, np.int64), _TS)


def _columns(
    rows: Sequence[Any], getters: dict[str, attrgetter[Any]], types: dict[str, pa.DataType]
) -> dict[str, pa.Array]:
    return {name: _array(list(map(getters[name], rows)), typ) for name, typ in types.items()}


def _array(values: Sequence[Any], typ: pa.DataType) -> pa.Array:
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


def posts_table(rows: Sequence[PostRow], records: Sequence[int]) -> pa.Table:
    """Posts given as rows (tuples in :class:`Post`'s field order), turned into columns in C."""
    columns = zip(*rows, strict=True) if rows else [()] * len(_POST_TYPES)
    cols = {
        name: _array(values, typ) for (name, typ), values in zip(_POST_TYPES.items(), columns, strict=True)
    }
    cols["record"] = record_column(records)
    return pa.table(cols)


def accounts_table(rows: Sequence[Account], records: Sequence[int]) -> pa.Table:
    cols = _columns(rows, _ACCOUNT_ROW, _ACCOUNT_TYPES)
    cols["record"] = record_column(records)
    return pa.table(cols)


def edges_table(rows: Sequence[Edge], seqs: list[int], records: Sequence[int]) -> pa.Table:
    cols = _columns(rows, _EDGE_ROW, _EDGE_TYPES)
    cols["record"] = record_column(records)
    cols["seq"] = pa.array(seqs, pa.int32())
    return pa.table(cols)
