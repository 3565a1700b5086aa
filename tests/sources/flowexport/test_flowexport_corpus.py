"""Ground truth of tests/data/traffic/PROVENANCE.md for the flow_export folder, decoded in
sorted filename order (so data arrives before its templates) through the capture reader."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flowexport_craft import FLOW_EXPORT, CorpusRun, run_corpus

from seawall.sources.base import SourceOptions
from seawall.sources.flowexport import (
    SHARED_KEY,
    ExportCollector,
    collector_for,
    export_flows,
    finish_run,
)
from seawall.sources.pcap.reader import read_index


@pytest.fixture(scope="module")
def corpus() -> CorpusRun:
    return run_corpus()


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_every_datagram_is_recognised(corpus: CorpusRun) -> None:
    # 8 single-packet akvorado files, FRITZ!Box 1, ndpi netflowv9 10, sflow 9.
    assert sum(corpus.fed.values()) == 28
    assert corpus.stats["datagrams"] == 28


def test_v9_data_before_options_and_template(corpus: CorpusRun) -> None:
    rows = corpus.rows("akvorado_v9_data.pcap")
    assert len(rows) == 4
    first = rows[0]
    assert (first["source.ip"], first["source.port"]) == ("198.38.121.178", 443)
    assert (first["destination.ip"], first["destination.port"]) == ("91.170.143.87", 19624)
    assert first["network.transport"] == "tcp" and first["network.iana_number"] == 6
    assert (first["source.bytes"], first["source.packets"]) == (1500, 1)
    assert first["flow.sampling_rate"] == 30000
    assert first["observer.type"] == "netflow" and first["observer.ip"] == "192.0.2.100"
    assert first["flow.end_reason"] == "exporter" and first["input.frame"] == 1
    # Unidirectional export record: the reverse direction is unknown, not zero.
    assert first["destination.bytes"] is None and first["destination.packets"] is None
    # tshark: unix_secs 1647285928, sysUptime 944951.609 s, FIRST_SWITCHED 944948.659 s.
    assert first["event.start"] == _utc("2022-03-14T19:25:25.050")
    assert {r["flow.sampling_rate"] for r in rows} == {30000}


def test_ipfixprobe_data_before_templates(corpus: CorpusRun) -> None:
    rows = corpus.rows("akvorado_ipfixprobe-data.pcap")
    assert len(rows) == 4
    first = rows[0]
    assert (first["source.ip"], first["source.port"], first["destination.ip"]) == (
        "10.10.1.4",
        56166,
        "10.10.1.1",
    )
    assert (first["source.packets"], first["source.bytes"]) == (1, 62)
    assert first["observer.type"] == "ipfix" and first["observer.ip"] == "127.0.0.1"
    # ipfixprobe exports biflows (RFC 5103): tshark shows "Octets: 128 (Reverse Type 1)".
    assert (first["destination.bytes"], first["destination.packets"]) == (128, 1)
    # flowStartMicroseconds per tshark: Oct 5, 2009 06:06:07.492059999 UTC.
    assert first["event.start"] == _utc("2009-10-05T06:06:07.492059")
    assert first["flow.sampling_rate"] is None  # ipfixprobe sends no sampling information


def test_netflow_v5(corpus: CorpusRun) -> None:
    rows = corpus.rows("akvorado_nfv5.pcap")
    assert len(rows) == 29
    first = rows[0]
    assert (first["source.ip"], first["source.port"]) == ("161.202.212.212", 30104)
    assert (first["destination.ip"], first["destination.port"]) == ("202.152.70.24", 11963)
    assert first["network.transport"] == "tcp"
    assert (first["source.packets"], first["source.bytes"]) == (1, 133)
    assert first["source.tcp_flags"] == 0x18
    assert first["observer.ingress.interface.id"] == 117
    assert first["observer.egress.interface.id"] == 86
    assert first["source.as.number"] == 36351
    assert first["destination.as.number"] == 10101
    # tshark: unix_secs 1680626679, sysUptime 2874339 s, timestart 2874324 s.
    assert first["event.start"] == _utc("2023-04-04T16:44:24")
    assert first["flow.sampling_rate"] == 1  # header sampling interval 0: unsampled
    assert first["observer.type"] == "netflow"


def test_v9_data_and_templates_in_one_packet(corpus: CorpusRun) -> None:
    rows = corpus.rows("akvorado_v9_data+templates.pcap")
    assert len(rows) == 21
    # The packet starts with an 11-record data set for template 257, then the options
    # template + data (sampling interval 100), template 257, and 10 more records. tshark
    # decodes only those last 10 ("no template found" for the first set); their source
    # addresses, in order:
    tshark_last_set = [
        "120.120.180.202", "120.120.7.41", "120.120.7.22", "120.120.15.78", "120.120.15.78",
        "120.120.147.178", "120.120.150.119", "120.120.209.10", "120.120.7.100",
        "120.120.208.195",
    ]  # fmt: skip
    assert [r["source.ip"] for r in rows[11:]] == tshark_last_set
    assert [r["source.bytes"] for r in rows[11:13]] == [436, 21000]
    assert {r["flow.sampling_rate"] for r in rows} == {100}


def test_ndpi_netflowv9_without_templates(corpus: CorpusRun) -> None:
    assert corpus.rows("ndpi_netflowv9.pcap") == []
    missing = [i for i in corpus.issues if i.kind == "missing-template"]
    assert len(missing) == 10
    assert all(i.location.file.endswith("ndpi_netflowv9.pcap") for i in missing)
    assert sorted(i.location.frame for i in missing) == list(range(1, 11))
    for issue in missing:
        assert "192.168.2.134" in issue.reason and "source id 1" in issue.reason
        assert "template id" in issue.reason
    assert corpus.stats["issues_missing_template"] == 10
    assert corpus.stats["missing_template"] >= 10  # data sets (several per datagram)


def test_only_missing_templates_are_reported(corpus: CorpusRun) -> None:
    assert {i.kind for i in corpus.issues} == {"missing-template"}
    assert corpus.stats["dropped"] == 0


def test_fritzbox_template_only(corpus: CorpusRun) -> None:
    assert corpus.rows("ndpi_netflow-fritz_ipfix.pcap") == []
    domains = [d for d in corpus.collector.domains.values() if d.exporter == "192.168.0.1"]
    assert len(domains) == 1
    templates = domains[0].templates
    # tshark: data template 461, options templates 466 and 467.
    assert sorted(templates) == [461, 466, 467]
    assert [templates[t].options for t in (461, 466, 467)] == [False, True, True]
    # Its data template has variable-length and enterprise-specific (AVM) fields.
    fields = next(t for t in templates.values() if not t.options).fields
    assert any(f.enterprise for f in fields) and any(f.length == 0xFFFF for f in fields)


def test_sflow_flow_and_counter_samples(corpus: CorpusRun) -> None:
    rows = corpus.rows("ndpi_sflow.pcap")
    assert len(rows) == 1  # one flow sample (tshark: frame 4), eight counter samples
    row = rows[0]
    assert (row["source.ip"], row["destination.ip"]) == ("172.21.32.254", "172.21.32.241")
    assert row["network.transport"] == "icmp"
    assert (row["source.packets"], row["source.bytes"]) == (1, 60)  # IP total length 60
    assert row["flow.sampling_rate"] == 2048
    assert row["observer.type"] == "sflow" and row["observer.ip"] == "172.21.35.17"
    assert row["input.frame"] == 4
    assert row["event.start"] == _utc("2013-09-02T12:38:51.793780")
    assert row["observer.ingress.interface.id"] == 1048
    assert row["observer.egress.interface.id"] == 1043
    assert row["source.as.number"] is None  # no extended gateway record
    assert corpus.stats["counter_samples"] == 8
    assert corpus.stats["flow_samples"] == 1


def test_totals(corpus: CorpusRun) -> None:
    assert corpus.table.num_rows == 4 + 29 + 21 + 4 + 1
    assert corpus.stats["records_decoded"] == corpus.table.num_rows
    # ipfixprobe data, v9 data, v9 options data, first set of v9 data+templates.
    assert corpus.stats["sets_decoded_late"] == 4
    assert corpus.stats["sets_pending"] == corpus.stats["missing_template"]
    assert set(corpus.table["observer.type"].to_pylist()) == {"netflow", "ipfix", "sflow"}


def test_template_in_a_later_file_through_shared_options() -> None:
    """The reader's per-file call: rows decoded late come back with a later file's drain
    but keep the file and frame of their own datagram."""
    options = SourceOptions()
    per_file = {}
    for name in ("akvorado_ipfixprobe-data.pcap", "akvorado_ipfixprobe-templates.pcap"):
        index, _ = read_index(str(FLOW_EXPORT / name))
        table, issues, stats = export_flows(index, options)
        per_file[name] = (table, issues, stats)
    first_table, _, first_stats = per_file["akvorado_ipfixprobe-data.pcap"]
    assert first_table.num_rows == 0 and first_stats["sets_pending"] == 1
    late_table, late_issues, late_stats = per_file["akvorado_ipfixprobe-templates.pcap"]
    assert late_table.num_rows == 4 and not late_issues
    assert set(late_table["input.file"].to_pylist()) == {
        str(FLOW_EXPORT / "akvorado_ipfixprobe-data.pcap")
    }
    assert late_stats["sets_pending"] == 0 and late_stats["templates_learnt"] == 2
    assert isinstance(options.shared[SHARED_KEY], ExportCollector)
    assert collector_for(options) is options.shared[SHARED_KEY]
    index, _ = read_index(str(FLOW_EXPORT / "akvorado_v9_data.pcap"))
    assert export_flows(index, options)[0].num_rows == 0  # its template is in no file here
    final = finish_run(options)
    assert final is not None
    assert [(i.kind, i.location.frame) for i in final[1]] == [("missing-template", 1)]
    assert "template id(s) 260" in final[1][0].reason
    assert finish_run(SourceOptions()) is None


def test_benign_captures_hold_no_export_datagrams() -> None:
    """Clean negatives: ordinary UDP (DNS, NTP, NetBIOS...) must not sniff as export."""
    collector = ExportCollector()
    from seawall.sources.flowexport import decode_from_index

    benign = sorted((FLOW_EXPORT.parent / "benign").glob("*.pcap*"))
    assert benign
    for path in benign:
        index, _ = read_index(str(path))
        assert decode_from_index(index, collector) == 0
    table, issues, stats = collector.finish()
    assert table.num_rows == 0 and not issues and stats["datagrams"] == 0
