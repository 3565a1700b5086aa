"""The embedded store: Parquet per record kind (queried with DuckDB), alerts in SQLite.

Layout under the store root (default ``.seawall/``)::

    catalog.sqlite            inputs (content hash, path, source, counts), alerts
    flow/<sha256>.parquet     one file per ingested input and record kind
    transaction/<sha256>.parquet
    packet/<sha256>.parquet

An input is identified by the SHA-256 of its content, so ingesting the same bytes twice
(under any name) adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from seawall.detect.base import RecordTables
from seawall.errors import Location, ParseIssue
from seawall.records import SCHEMAS, conform, empty
from seawall.records.alerts import Alert
from seawall.records.migrations import migrate
from seawall.sources.base import SourceResult
from seawall.store.duck import query_arrow

KINDS = ("flow", "transaction", "packet", "config", "log")
# Dictionary pages up to 8 MiB (pyarrow's default is 1 MiB): a column chunk with a few
# hundred thousand distinct addresses stays dictionary-encoded instead of falling back to
# plain pages, so readers can take it as a DictionaryArray without re-encoding.
PARQUET_WRITE_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "dictionary_pagesize_limit": 8 << 20,
}

_CATALOG = """
CREATE TABLE IF NOT EXISTS inputs (
    sha256 TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    source TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    size INTEGER NOT NULL,
    units_read INTEGER NOT NULL,
    unit TEXT NOT NULL,
    issues INTEGER NOT NULL,
    rows_json TEXT NOT NULL,
    issues_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY,
    detector TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    first_seen TEXT,
    last_seen TEXT,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_severity ON alerts(severity);
"""


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class StoredInput:
    sha256: str
    path: str
    source: str
    units_read: int
    unit: str
    issues: int
    rows: dict[str, int]


class EmbeddedStore:
    """The default store: a directory on local disk, no server needed."""

    def __init__(self, root: str | os.PathLike[str] = ".seawall") -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        for kind in KINDS:
            (self.root / kind).mkdir(exist_ok=True)
        self._db = sqlite3.connect(self.root / "catalog.sqlite")
        self._db.executescript(_CATALOG)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- inputs -------------------------------------------------------------------------

    def lookup(self, sha256: str) -> StoredInput | None:
        row = self._db.execute(
            "SELECT sha256, path, source, units_read, unit, issues, rows_json "
            "FROM inputs WHERE sha256 = ?",
            (sha256,),
        ).fetchone()
        if row is None:
            return None
        return StoredInput(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]))

    def add(self, sha256: str, result: SourceResult) -> bool:
        """Store one input's records. Returns False (and writes nothing) if already stored."""
        if self.lookup(sha256) is not None:
            return False
        rows: dict[str, int] = {}
        for kind in KINDS:
            table = result.tables.get(kind)
            if table is None or table.num_rows == 0:
                continue
            table = conform(table, kind)
            target = self.root / kind / f"{sha256}.parquet"
            tmp = target.with_suffix(".tmp")
            pq.write_table(table, tmp, **PARQUET_WRITE_OPTIONS)
            os.replace(tmp, target)  # atomic: a crash never leaves half a file under the name
            rows[kind] = table.num_rows
        size = os.path.getsize(result.path) if os.path.exists(result.path) else 0
        self._db.execute(
            "INSERT INTO inputs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                sha256,
                result.path,
                result.source,
                _now(),
                size,
                result.units_read,
                result.unit,
                len(result.issues),
                json.dumps(rows),
                json.dumps([_issue_dict(i) for i in result.issues[:1000]]),
            ),
        )
        self._db.commit()
        return True

    def stored_issues(self, sha256: str) -> list[ParseIssue]:
        row = self._db.execute(
            "SELECT issues_json FROM inputs WHERE sha256 = ?", (sha256,)
        ).fetchone()
        if row is None:
            return []
        return [
            ParseIssue(
                Location(d["file"], d.get("frame"), d.get("line"), d.get("offset")),
                d["reason"],
                d["kind"],
            )
            for d in json.loads(row[0])
        ]

    def inputs(self) -> list[StoredInput]:
        cur = self._db.execute(
            "SELECT sha256, path, source, units_read, unit, issues, rows_json FROM inputs "
            "ORDER BY ingested_at"
        )
        return [StoredInput(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6])) for r in cur]

    # --- records ------------------------------------------------------------------------

    def _files(self, kind: str, hashes: Iterable[str] | None) -> list[str]:
        folder = self.root / kind
        if hashes is None:
            return sorted(str(p) for p in folder.glob("*.parquet"))
        return [str(folder / f"{h}.parquet") for h in hashes if (folder / f"{h}.parquet").exists()]

    def read(self, kind: str, hashes: Iterable[str] | None = None) -> pa.Table:
        """All stored records of ``kind`` (optionally only from the given inputs)."""
        files = self._files(kind, hashes)
        if not files:
            return empty(kind)
        tables = [migrate(pq.read_table(f), kind) for f in files]
        return pa.concat_tables(tables)

    def tables(self, hashes: Sequence[str] | None = None) -> RecordTables:
        return RecordTables(
            flows=self.read("flow", hashes),
            transactions=self.read("transaction", hashes),
            packets=self.read("packet", hashes),
            configs=self.read("config", hashes),
            logs=self.read("log", hashes),
        )

    def query(self, sql: str) -> pa.Table:
        """Run DuckDB SQL over the store; one view per record kind (``flow``,
        ``transaction``, ``packet``, ``config``, ``log``)."""
        con = duckdb.connect()
        try:
            for kind in KINDS:
                files = self._files(kind, None)
                if files:
                    listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
                    con.execute(
                        f'CREATE VIEW "{kind}" AS SELECT * FROM read_parquet([{listing}], '
                        "union_by_name = true)"
                    )
                else:
                    con.register(f"{kind}_empty", SCHEMAS[kind].empty_table())
                    con.execute(f'CREATE VIEW "{kind}" AS SELECT * FROM "{kind}_empty"')
            return query_arrow(con, sql)
        finally:
            con.close()

    # --- alerts -------------------------------------------------------------------------

    def save_alerts(self, alerts: Iterable[Alert]) -> int:
        """Insert or refresh alerts by their stable id. Returns how many were new."""
        new = 0
        for alert in alerts:
            body = alert.to_dict()
            exists = self._db.execute("SELECT 1 FROM alerts WHERE id = ?", (body["id"],)).fetchone()
            self._db.execute(
                "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET "
                "last_seen = excluded.last_seen, body = excluded.body",
                (
                    body["id"],
                    alert.detector,
                    alert.rule_id,
                    alert.severity,
                    alert.title,
                    body["first_seen"],
                    body["last_seen"],
                    _now(),
                    json.dumps(body),
                ),
            )
            new += exists is None
        self._db.commit()
        return new

    def alerts(self, min_severity: str | None = None) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT body FROM alerts ORDER BY first_seen").fetchall()
        out = [json.loads(r[0]) for r in rows]
        if min_severity:
            from seawall.records.alerts import SEVERITY_RANK

            floor = SEVERITY_RANK[min_severity]
            out = [a for a in out if SEVERITY_RANK[a["severity"]] >= floor]
        return out


def _issue_dict(issue: ParseIssue) -> dict[str, Any]:
    loc = issue.location
    return {
        "file": loc.file,
        "frame": loc.frame,
        "line": loc.line,
        "offset": loc.offset,
        "reason": issue.reason,
        "kind": issue.kind,
    }


def _now() -> str:
    return datetime.now(UTC).isoformat()
