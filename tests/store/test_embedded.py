from datetime import UTC, datetime

import pyarrow as pa

from seawall.records import from_columns
from seawall.records.alerts import Alert, InputRef
from seawall.sources.base import SourceResult
from seawall.store import EmbeddedStore, file_sha256


def _result(path: str, n: int) -> SourceResult:
    flows = from_columns(
        "flow",
        {
            "source.ip": ["10.0.0.1"] * n,
            "destination.ip": ["192.0.2.7"] * n,
            "destination.port": [443] * n,
            "source.bytes": list(range(n)),
        },
    )
    return SourceResult(path=path, source="test", tables={"flow": flows}, units_read=n)


def test_same_content_is_stored_once(tmp_path):
    sample = tmp_path / "a.bin"
    sample.write_bytes(b"capture bytes")
    copy = tmp_path / "b.bin"
    copy.write_bytes(b"capture bytes")
    with EmbeddedStore(tmp_path / "store") as store:
        sha = file_sha256(sample)
        assert file_sha256(copy) == sha
        assert store.add(sha, _result(str(sample), 5)) is True
        assert store.add(sha, _result(str(copy), 5)) is False
        assert store.read("flow").num_rows == 5
        assert len(store.inputs()) == 1
        assert store.lookup(sha).rows == {"flow": 5}


def test_duckdb_query_over_parquet(tmp_path):
    with EmbeddedStore(tmp_path / "store") as store:
        store.add("a" * 64, _result("x", 3))
        store.add("b" * 64, _result("y", 4))
        out = store.query('SELECT count(*) AS n, sum("source.bytes") AS b FROM flow').to_pylist()
        assert out == [{"n": 7, "b": 3 + 6}]
        empty = store.query('SELECT count(*) AS n FROM "transaction"').to_pylist()
        assert empty == [{"n": 0}]


def test_alerts_are_upserted_by_stable_id(tmp_path):
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    alert = Alert(
        detector="beacon",
        rule_id="beacon.conn",
        title="Beaconing",
        severity="high",
        attack=["T1071"],
        entities={"source.ip": "10.0.0.1"},
        first_seen=t0,
        last_seen=t0,
        explanation="x",
        inputs=[InputRef("f.pcap", frame=3)],
    )
    with EmbeddedStore(tmp_path / "store") as store:
        assert store.save_alerts([alert]) == 1
        assert store.save_alerts([alert]) == 0
        rows = store.alerts()
        assert len(rows) == 1 and rows[0]["inputs"] == [{"file": "f.pcap", "frame": 3}]
        assert store.alerts(min_severity="critical") == []


def test_reading_migrates_and_conforms(tmp_path):
    with EmbeddedStore(tmp_path / "store") as store:
        store.add("c" * 64, _result("z", 2))
        table = store.read("flow")
        assert isinstance(table, pa.Table)
        assert table.schema.metadata[b"seawall.kind"] == b"flow"
