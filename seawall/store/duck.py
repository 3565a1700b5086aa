"""DuckDB helpers that work across the 1.x and 2.x Python APIs."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa


def query_arrow(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """Run ``sql`` and return the result as an Arrow table without an extra copy."""
    relation = con.sql(sql)
    if relation is None:  # a statement without a result (DDL, COPY)
        return pa.table({})
    return to_arrow(relation)


def to_arrow(result: Any) -> pa.Table:
    """A DuckDB relation or result as an Arrow table (2.x renamed the method)."""
    for name in ("to_arrow_table", "arrow", "fetch_arrow_table"):
        method = getattr(result, name, None)
        if method is not None:
            table = method()
            return table if isinstance(table, pa.Table) else table.read_all()
    raise TypeError(f"cannot turn {type(result).__name__} into an Arrow table")
