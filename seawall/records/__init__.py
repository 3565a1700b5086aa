"""Normalized record kinds as Arrow schemas."""

from seawall.records.schemas import (
    CONFIG,
    FLOW,
    LOG,
    PACKET,
    SCHEMA_VERSION,
    SCHEMAS,
    TRANSACTION,
    conform,
    empty,
    from_columns,
)

__all__ = [
    "CONFIG",
    "FLOW",
    "LOG",
    "PACKET",
    "SCHEMAS",
    "SCHEMA_VERSION",
    "TRANSACTION",
    "conform",
    "empty",
    "from_columns",
]
