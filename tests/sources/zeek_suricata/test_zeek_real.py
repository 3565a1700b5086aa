"""Zeek source on real third-party logs (tests/data/zeek/PROVENANCE.md gives the ground truth)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.compute as pc
import pytest

from seawall.sources import identify, read_file

ZEEK = Path(__file__).parents[2] / "data" / "zeek"


def _tsv_rows(path: Path) -> list[dict[str, str]]:
    """Independent reading of a Zeek TSV log with the csv module, for cross-checks."""
    fields: list[str] = []
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#fields"):
                fields = line.rstrip("\n").split("\t")[1:]
            elif not line.startswith("#"):
                rows.append(
                    dict(
                        zip(
                            fields,
                            next(csv.reader([line.rstrip("\n")], delimiter="\t")),
                            strict=True,
                        )
                    )
                )
    return rows


def _read(name: str):
    path = ZEEK / name
    assert identify(str(path)).name == "zeek"
    return read_file(str(path))


def test_ctu_sme_11_conn_log_with_label_columns_and_no_close_footer():
    result = _read("ctu-sme-11_conn.log.labeled")
    flows = result.table("flow")
    assert flows.num_rows == 766  # PROVENANCE: 766 records
    truncated = [i for i in result.issues if i.kind == "truncated"]
    assert len(truncated) == 1 and "#close" in truncated[0].reason
    assert [i for i in result.issues if i.kind != "truncated"] == []
    expected = _tsv_rows(ZEEK / "ctu-sme-11_conn.log.labeled")
    rows = flows.to_pylist()
    for got, want in zip(rows, expected, strict=True):
        assert got["source.ip"] == want["id.orig_h"]
        # ICMP type/code, which Zeek logs as ports, become port 0 like the capture reader's
        portless = want["proto"] not in ("tcp", "udp")
        assert got["destination.port"] == (0 if portless else int(want["id.resp_p"]))
        assert got["source.packets"] == int(want["orig_pkts"])
        assert got["destination.bytes"] == int(want["resp_ip_bytes"])
    # ground truth: 719 malicious = RemcosRAT exfiltration attempts to 66.63.168.35:5888
    malicious = sum(1 for r in expected if r["label"] == "Malicious")
    to_c2 = pc.sum(pc.equal(flows.column("destination.ip"), "66.63.168.35")).as_py()
    assert malicious == 719 and to_c2 >= 700
    first = rows[0]
    assert first["event.start"] == datetime.fromtimestamp(1677024003.714845, UTC)
    assert first["flow.end_reason"] == "rst"  # REJ
    assert (
        first["source.tcp_flags"] == 0x02 and first["destination.tcp_flags"] == 0x04
    )  # history Sr
    assert first["observer.type"] == "zeek"
    assert first["input.line"] == 9  # 8 header lines precede it


def test_ctu_sme_11_dns_log_is_llmnr_multicast():
    result = _read("ctu-sme-11_dns.log.labeled")
    tx = result.table("transaction")
    assert tx.num_rows == 22 and result.issues == []
    assert set(tx.column("transaction.kind").to_pylist()) == {"dns_query"}
    assert set(tx.column("destination.port").to_pylist()) == {5355}
    assert tx.column("dns.question.name")[0].as_py() == "nwin3"
    assert tx.column("dns.question.type")[0].as_py() == "*"
    # no response was logged: rcode unset, so the answer count is unknown, not 0
    assert tx.column("dns.answers.count").null_count == 22


def test_wikipedia_baselines_masked_timestamps_become_located_issues():
    conn = _read("zeek-baseline_wikipedia_conn.log")
    flows = conn.table("flow")
    assert flows.num_rows == 34
    assert flows.column("event.start").null_count == 34
    assert len(conn.issues) == 34 and all("XXXXXXXXXX.XXXXXX" in i.reason for i in conn.issues)
    assert conn.issues[0].location.line == 10
    mdns = flows.filter(pc.equal(flows.column("source.ip"), "141.142.220.202")).to_pylist()[0]
    assert (mdns["destination.ip"], mdns["destination.port"], mdns["network.transport"]) == (
        "224.0.0.251",
        5353,
        "udp",
    )
    assert mdns["network.protocol"] == "dns" and mdns["source.bytes"] == 73
    v6 = flows.filter(pc.equal(flows.column("network.type"), "ipv6"))
    assert v6.num_rows > 0
    http = _read("zeek-baseline_wikipedia_http.log").table("transaction")
    assert http.num_rows == 14
    first = http.to_pylist()[0]
    assert first["url.domain"] == "bits.wikimedia.org"
    assert first["url.original"] == "/skins-1.5/monobook/main.css"
    assert first["http.response.status_code"] == 304
    dns = _read("zeek-baseline_wikipedia_dns.log").table("transaction")
    assert dns.num_rows == 34
    assert pc.sum(pc.equal(dns.column("dns.question.name"), "upload.wikimedia.org")).as_py() == 8


def test_gre_inner_connections_flags_and_unknown_tunnel_parent():
    flows = _read("zeek-baseline_gre-sample_conn.log").table("flow")
    assert flows.num_rows == 7
    assert set(flows.column("tunnel.type").to_pylist()) == {"unknown"}  # parent is in tunnel.log
    ssh = flows.filter(pc.equal(flows.column("destination.port"), 22)).to_pylist()[0]
    assert ssh["network.protocol"] == "ssh" and ssh["flow.end_reason"] == "fin"
    # history ShAdDaFf: originator S,A,D,F; responder h,d,a,f
    assert ssh["source.tcp_flags"] == 0x13 and ssh["destination.tcp_flags"] == 0x13
    icmp = flows.filter(pc.equal(flows.column("network.transport"), "icmp"))
    assert icmp.num_rows == 2 and set(icmp.column("source.port").to_pylist()) == {0}
    dns = _read("zeek-baseline_gre-sample_dns.log").table("transaction")
    assert dns.column("dns.question.name").to_pylist() == ["www.gleeble.org"] * 2


def test_vxlan_and_gtp_tunnel_parents_are_resolved_in_the_same_file():
    vxlan = _read("zeek-baseline_vxlan_conn.log").table("flow")
    inner = vxlan.filter(pc.equal(vxlan.column("network.transport"), "icmp")).to_pylist()
    assert len(inner) == 1
    assert inner[0]["tunnel.type"] == "vxlan"
    assert {inner[0]["tunnel.source.ip"], inner[0]["tunnel.destination.ip"]} == {
        "192.168.56.11",
        "192.168.56.12",
    }
    gtp = _read("zeek-baseline_gtp1_conn.log").table("flow")
    http_flow = gtp.filter(pc.equal(gtp.column("destination.port"), 80)).to_pylist()[0]
    assert http_flow["tunnel.type"] == "gtp"
    assert http_flow["tunnel.source.ip"] == "239.114.155.111"
    request = _read("zeek-baseline_gtp1_http.log").table("transaction").to_pylist()
    assert len(request) == 1
    assert request[0]["url.domain"] == "o-o.preferred.telekomrs-beg1.v2.lscache8.c.youtube.com"
    assert request[0]["url.original"].startswith("/videoplayback?")


def test_ssl_baseline_sha256_fingerprints_are_not_sha1():
    tx = _read("zeek-baseline_tls_ecdhe_ssl.log").table("transaction").to_pylist()
    assert len(tx) == 1
    assert tx[0]["transaction.kind"] == "tls_handshake"
    assert tx[0]["tls.version"] == "1.2"
    assert tx[0]["destination.ip"] == "74.125.239.97"
    assert tx[0]["tls.client.server_name"] is None
    assert tx[0]["tls.server.hash.sha1"] is None


@pytest.mark.parametrize(
    ("name", "count"), [("slips-test9_dns.json.log", 239), ("slips-test9_ssl.json.log", 205)]
)
def test_json_lines_logs_match_an_independent_json_reading(name, count):
    result = _read(name)
    tx = result.table("transaction")
    records = [json.loads(line) for line in (ZEEK / name).read_text().splitlines() if line.strip()]
    assert tx.num_rows == len(records) == count and result.issues == []
    assert tx.column("source.ip").to_pylist() == [r["id.orig_h"] for r in records]
    assert tx.column("input.line").to_pylist() == list(range(1, count + 1))
    starts = tx.column("event.start").to_pylist()
    assert starts[0] == datetime.fromtimestamp(records[0]["ts"], UTC)
    if "dns" in name:
        first = tx.to_pylist()[0]
        assert (first["dns.question.name"], first["dns.response_code"]) == (
            "isatap.felk.cvut.cz",
            "NXDOMAIN",
        )
        assert first["dns.answers.count"] == 0
    else:
        with_ja3 = [r.get("ja3") for r in records]
        assert tx.column("tls.client.ja3").to_pylist() == with_ja3
        assert sum(v is not None for v in with_ja3) == 2  # added by the Slips authors
        assert tx.column("tls.client.server_name")[0].as_py() == "ieonline.microsoft.com"
        assert tx.column("tls.version")[0].as_py() == "1.0"  # Zeek writes TLSv10
