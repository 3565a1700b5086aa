"""DuckDB helpers that work across the 1.x and 2.x Python APIs."""

from __future__ import annotations

from typing import Any

import pyarrow as pa


def to_arrow(result: Any) -> pa.Table:
    """The result of ``con.execute(...)`` as an Arrow table (2.x renamed the method)."""
    method = getattr(result, "to_arrow_table", None) or result.fetch_arrow_table
    table = method()
    return table if isinstance(table, pa.Table) else table.read_all()
