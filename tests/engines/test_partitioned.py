"""The partitioned engine finds what the in-process engine finds, whatever the split."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from seawall.detect.base import DetectContext, RecordTables
from seawall.engines.local import run_detectors
from seawall.engines.partitioned import partition_of, plan, run_partitioned
from seawall.records import from_columns

T0 = 1_700_000_000_000_000


def _flows(seed: int, n_noise: int) -> pa.Table:
    """Three clean 10-minute beacons over a day, a 40-host sweep, and random noise."""
    rng = np.random.default_rng(seed)
    src: list[str] = []
    dst: list[str] = []
    start: list[int] = []
    port: list[int] = []
    for i in range(3):
        ticks = T0 + np.arange(140) * 600_000_000 + rng.integers(0, 5_000_000, 140)
        src += [f"10.0.0.{i + 1}"] * 140
        dst += [f"198.51.100.{i + 1}"] * 140
        start += list(ticks)
        port += [443] * 140
    src += ["10.9.9.9"] * 40
    dst += [f"203.0.113.{i}" for i in range(40)]
    start += list(T0 + 40_000_000_000 + np.arange(40) * 1_000_000)
    port += [445] * 40
    src += [f"10.1.{int(a)}.{int(b)}" for a, b in rng.integers(0, 50, (n_noise, 2))]
    dst += [f"192.0.2.{int(x)}" for x in rng.integers(0, 200, n_noise)]
    start += list(T0 + rng.integers(0, 86_400_000_000, n_noise))
    port += [443] * n_noise
    n = len(src)
    sweep = np.zeros(n, dtype=bool)
    sweep[420:460] = True
    return from_columns(
        "flow",
        {
            "event.start": pa.array(np.array(start, dtype=np.int64), pa.timestamp("us", tz="UTC")),
            "event.end": pa.array(
                np.array(start, dtype=np.int64) + 300_000, pa.timestamp("us", tz="UTC")
            ),
            "source.ip": src,
            "source.port": rng.integers(32768, 65535, n).astype(np.int32),
            "destination.ip": dst,
            "destination.port": np.array(port, dtype=np.int32),
            "network.transport": ["tcp"] * n,
            "source.bytes": np.where(sweep, 60, 500),
            "destination.bytes": np.where(sweep, 0, 1500),
            "source.packets": np.where(sweep, 1, 5),
            "destination.packets": np.where(sweep, 0, 5),
            "source.tcp_flags": np.where(sweep, 0x02, 0x1B).astype(np.int16),
            "destination.tcp_flags": np.where(sweep, 0, 0x1B).astype(np.int16),
            "flow.end_reason": ["fin"] * n,
            "input.file": ["crafted"] * n,
            "input.frame": np.arange(1, n + 1),
        },
    )


def _keys(alerts: list) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:  # type: ignore[type-arg]
    return sorted(
        (a.detector, a.rule_id, tuple(sorted((k, str(v)) for k, v in a.entities.items())))
        for a in alerts
    )


@pytest.fixture()
def inputs(tmp_path: Path) -> tuple[list[str], pa.Table]:
    parts = [_flows(1, 3000), _flows(2, 2000).slice(420)]  # second file: noise only
    files = []
    for i, table in enumerate(parts):
        path = tmp_path / f"flows-{i}.parquet"
        pq.write_table(table, path)
        files.append(str(path))
    return files, pa.concat_tables(parts)


@pytest.mark.parametrize(("partitions", "workers"), [(None, 1), (3, 1), (4, 2)])
def test_same_alerts_as_in_process(
    inputs: tuple[list[str], pa.Table], tmp_path: Path, partitions: int | None, workers: int
) -> None:
    files, whole = inputs
    expected = run_detectors(RecordTables(flows=whole), DetectContext())
    got = run_partitioned(
        {"flow": files},
        DetectContext(),
        partitions=partitions,
        workers=workers,
        workdir=str(tmp_path),
    )
    assert _keys(got) == _keys(expected)
    rules = {(a.rule_id, a.entities.get("source.ip")) for a in got}
    for i in range(1, 4):
        assert ("beacon.connection", f"10.0.0.{i}") in rules
    assert any(a.detector == "scan" and a.entities.get("source.ip") == "10.9.9.9" for a in got)
    assert not list(tmp_path.glob("seawall-part-*"))  # spill files removed


def test_plan_from_row_counts(inputs: tuple[list[str], pa.Table]) -> None:
    files, whole = inputs
    assert plan({"flow": files}).partitions == 1
    assert plan({"flow": files}, rows_per_partition=1000).partitions == -(-whole.num_rows // 1000)
    assert plan({"flow": files}, partitions=5).partitions == 5


def test_partition_is_stable_per_address() -> None:
    ips = pa.chunked_array([["10.0.0.1", "10.0.0.2", None], ["10.0.0.2", "10.0.0.1"]])
    part = partition_of(ips, 7)
    assert part[0] == part[4] and part[1] == part[3]
    assert ((part >= 0) & (part < 7)).all()


def test_dictionary_column_routes_like_text_and_nulls_to_zero() -> None:
    # Spill files read the address as a dictionary column: routing must not depend on that,
    # and null addresses go to partition 0 whatever the chunk's dictionary holds.
    ips = pa.chunked_array([["10.0.0.3", None, "10.0.0.1"], [None, "10.0.0.3"]])
    plain = partition_of(ips, 7)
    encoded = partition_of(pa.chunked_array([pc.dictionary_encode(c) for c in ips.chunks]), 7)
    assert plain.tolist() == encoded.tolist()
    assert plain[1] == plain[3] == 0
    assert plain[0] == plain[4] == zlib.crc32(b"10.0.0.3") % 7 != 0
