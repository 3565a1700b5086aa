"""PcapSource: sniffing by content, result tables and stats, truncated files, the NFStream
meter option and the application-metadata hook."""

from __future__ import annotations

import shutil
import sys
import types
from pathlib import Path

import pyarrow as pa
import pytest
from pcap_craft import TRAFFIC

from seawall.records.schemas import FLOW, empty
from seawall.sources.base import SourceOptions
from seawall.sources.pcap import SOURCES, PcapSource
from seawall.sources.pcap.index import AppMetadata

BRO = TRAFFIC / "benign" / "zeek_bro.org.pcap"


def test_registered_and_sniffs_content_not_extension(tmp_path: Path) -> None:
    assert any(isinstance(s, PcapSource) for s in SOURCES)
    source = PcapSource()
    renamed = tmp_path / "capture.txt"
    shutil.copy(TRAFFIC / "c2" / "zeek_merlinc2_quic.pcapng", renamed)
    assert source.sniff(renamed.read_bytes()[:8192], str(renamed))
    assert source.sniff(BRO.read_bytes()[:64], "x.log")
    assert not source.sniff(b"#separator \\x09\n#fields\tts\n", "conn.pcap")
    assert not source.sniff(b"", "empty.pcap")


def test_read_gives_flows_and_stats() -> None:
    result = PcapSource().read(str(TRAFFIC / "scans" / "zeek_nmap-vsn.pcap"), SourceOptions())
    flows = result.table("flow")
    assert result.source == "pcap" and result.unit == "packets"
    assert result.units_read == 547
    assert flows.schema == FLOW and flows.num_rows == result.stats["flows"]
    assert result.stats["non_ip_packets"] == 503 and result.stats["ip_packets"] == 44
    assert result.stats["packets_in_flows"] == 44 and not result.issues


def test_truncated_file_yields_readable_flows_and_a_located_issue(tmp_path: Path) -> None:
    data = BRO.read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(data[: len(data) // 2])
    result = PcapSource().read(str(cut), SourceOptions())
    truncated = [i for i in result.issues if i.kind == "truncated"]
    assert len(truncated) == 1
    location = truncated[0].location
    assert location.file == str(cut) and location.frame == result.units_read + 1
    assert 0 < result.units_read < 751
    assert result.stats["truncated_bytes"] == len(data) // 2 - location.offset
    flows = result.table("flow")
    assert 0 < flows.num_rows <= 13
    packets = sum(flows.column("source.packets").to_pylist()) + sum(
        flows.column("destination.packets").to_pylist()
    )
    assert packets == result.units_read


def test_nfstream_meter_adds_ndpi_labels() -> None:
    pytest.importorskip("nfstream")
    options = SourceOptions(meter="nfstream")
    rows = PcapSource().read(str(TRAFFIC / "ioc" / "ndpi_malware.pcap"), options).table("flow")
    rows = rows.to_pylist()
    assert len(rows) == 6
    dns = [r for r in rows if r["network.protocol"] == "dns"]
    assert dns and dns[0]["dns.question.name"] == "www.internetbadguys.com"
    tls = [r for r in rows if r["tls.client.server_name"] == "hobbeach.com"]
    assert tls and tls[0]["network.protocol"].startswith("tls") and tls[0]["tls.client.ja4"]
    assert {r["observer.type"] for r in rows} == {"pcap"}


def test_app_metadata_hook_merges_flow_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def extract(index, metered, options):
        calls.append(metered.n_flows)
        labels = ["http"] * metered.n_flows
        return AppMetadata(
            transactions=empty("transaction"),
            packets=empty("packet"),
            flow_columns={"network.protocol": labels},
        )

    fake = types.ModuleType("seawall.sources.pcap.appmeta")
    fake.extract = extract  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "seawall.sources.pcap.appmeta", fake)
    result = PcapSource().read(str(BRO), SourceOptions())
    assert calls == [13]
    assert result.table("flow").column("network.protocol").to_pylist() == ["http"] * 13
    assert isinstance(result.tables["transaction"], pa.Table)


def test_app_metadata_failure_keeps_flows(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("seawall.sources.pcap.appmeta")

    def broken(*_args: object) -> AppMetadata:
        raise ValueError("boom")

    fake.extract = broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "seawall.sources.pcap.appmeta", fake)
    result = PcapSource().read(str(BRO), SourceOptions())
    assert result.table("flow").num_rows == 13
    assert any("application metadata" in i.reason for i in result.issues)
