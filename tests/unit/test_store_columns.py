"""The store's helper columns, built from buffers (without pyarrow's conversions)."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from grapevine.store._columns import column_values, numpy_column, repeated, repeated_time


@pytest.mark.parametrize("typ", [pa.int32(), pa.int64()])
def test_numpy_columns_round_trip_through_slices_and_chunks(typ: pa.DataType) -> None:
    values = np.array([5, -1, 0, 2**30, 7, 9], dtype=np.int64)
    column = numpy_column(values, typ)
    assert column.type == typ and column.to_pylist() == values.tolist()
    assert column_values(column).tolist() == values.tolist()
    assert column_values(column.slice(2, 3)).tolist() == [0, 2**30, 7]  # an offset into the buffer
    chunked = pa.chunked_array([column.slice(4), column.slice(0, 2), column.slice(0, 0)])
    assert column_values(chunked).tolist() == [7, 9, 5, -1]
    assert column_values(pa.chunked_array([], typ)).tolist() == []


def test_repeated_strings_and_times_read_as_plain_values() -> None:
    when = datetime(2026, 11, 26, 7, 5, 3, 123456, tzinfo=UTC)
    table = pa.table({"path": repeated("dossiers/été.jsonl", 3), "stamp": repeated_time(when, 3)})
    assert table.column("path").to_pylist() == ["dossiers/été.jsonl"] * 3
    assert table.column("stamp").to_pylist() == [when] * 3
    con = duckdb.connect()
    con.register("t", table)
    assert con.execute("SELECT typeof(path), path, stamp FROM t LIMIT 1").fetchall() == [
        ("VARCHAR", "dossiers/été.jsonl", when)
    ]
    assert repeated("x", 0).to_pylist() == []
