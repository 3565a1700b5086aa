"""Schema migrations for stored tables. Each step upgrades one version to the next."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from seawall.records.schemas import SCHEMA_VERSION, conform

# (kind, from_version) -> function upgrading a table by one version.
MIGRATIONS: dict[tuple[str, int], Callable[[pa.Table], pa.Table]] = {}


def stored_version(table: pa.Table) -> int:
    meta = table.schema.metadata or {}
    return int(meta.get(b"seawall.version", b"1"))


def migrate(table: pa.Table, kind: str) -> pa.Table:
    """Bring a stored table up to the current SCHEMA_VERSION."""
    version = stored_version(table)
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"stored {kind} table has schema version {version}, newer than this Seawall "
            f"({SCHEMA_VERSION}); upgrade Seawall to read it"
        )
    while version < SCHEMA_VERSION:
        table = MIGRATIONS[(kind, version)](table)
        version += 1
    return conform(table, kind)
