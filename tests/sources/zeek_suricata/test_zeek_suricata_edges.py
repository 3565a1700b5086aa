"""Crafted edge cases for the Zeek and Suricata sources: formats the real files do not cover
and broken input, which must give located issues and never an exception."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow.compute as pc

from seawall.sources import identify, read_file

HEADER = (
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t{path}\n"
    "#open\t2024-01-01-00-00-00\n#fields\t{fields}\n#types\t{types}\n"
)
CONN_FIELDS = [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "service",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "history",
    "orig_pkts",
    "orig_ip_bytes",
    "resp_pkts",
    "resp_ip_bytes",
    "tunnel_parents",
]
CONN_TYPES = [
    "time",
    "string",
    "addr",
    "port",
    "addr",
    "port",
    "enum",
    "string",
    "interval",
    "count",
    "count",
    "string",
    "string",
    "count",
    "count",
    "count",
    "count",
    "set[string]",
]


def conn_header() -> str:
    return HEADER.format(path="conn", fields="\t".join(CONN_FIELDS), types="\t".join(CONN_TYPES))


def conn_line(**values: str) -> str:
    base = {
        "ts": "1700000000.5",
        "uid": "C1",
        "id.orig_h": "10.0.0.1",
        "id.orig_p": "40000",
        "id.resp_h": "10.0.0.2",
        "id.resp_p": "443",
        "proto": "tcp",
        "service": "ssl",
        "duration": "2.0",
        "orig_bytes": "100",
        "resp_bytes": "200",
        "conn_state": "S1",
        "history": "ShAD",
        "orig_pkts": "3",
        "orig_ip_bytes": "220",
        "resp_pkts": "2",
        "resp_ip_bytes": "300",
        "tunnel_parents": "(empty)",
    }
    base.update(values)
    return "\t".join(base[f] for f in CONN_FIELDS) + "\n"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_tsv_unset_empty_and_escaped_values(tmp_path):
    text = (
        conn_header()
        + conn_line(service="-", history="-", duration="-")
        + conn_line(uid="C2", service="http,-ssl,ssl", history="ShADadFf", conn_state="SF")
        + "#close\t2024-01-01-00-00-01\n"
    )
    result = read_file(write(tmp_path, "conn.log", text))
    assert result.source == "zeek" and result.issues == []
    rows = result.table("flow").to_pylist()
    assert rows[0]["network.protocol"] is None and rows[0]["source.tcp_flags"] is None
    assert rows[0]["event.end"] == rows[0]["event.start"]  # unset duration
    assert rows[0]["flow.end_reason"] == "unknown"  # S1: still open, Zeek cannot say why it ended
    assert rows[1]["network.protocol"] == "http,tls"  # failed analyzer '-ssl' dropped
    assert rows[1]["flow.end_reason"] == "fin"
    assert (rows[1]["event.end"] - rows[1]["event.start"]).total_seconds() == 2.0
    assert rows[1]["input.line"] == 10


def test_tsv_escaped_separator_in_a_string_is_decoded(tmp_path):
    fields = "ts uid id.orig_h id.orig_p id.resp_h id.resp_p method host uri user_agent status_code"
    types = "time string addr port addr port string string string string count"
    text = HEADER.format(
        path="http", fields="\t".join(fields.split()), types="\t".join(types.split())
    )
    text += "1700000000.0\tC1\t10.0.0.1\t5000\t10.0.0.2\t80\tGET\tex.com\t/a\\x09b\tUA\\x2c1\t200\n"
    tx = read_file(write(tmp_path, "http.log", text)).table("transaction").to_pylist()
    assert tx[0]["url.original"] == "/a\tb" and tx[0]["user_agent.original"] == "UA,1"


def test_truncated_tsv_keeps_complete_lines_and_locates_the_cut(tmp_path):
    cut = conn_line(uid="C3")[:25]
    text = conn_header() + conn_line() + conn_line(uid="C2") + cut
    result = read_file(write(tmp_path, "conn.log", text))
    assert result.table("flow").num_rows == 2
    kinds = sorted((i.kind, i.location.line) for i in result.issues)
    assert kinds == [("parse", 11), ("truncated", 11)]


def test_wrong_types_become_null_with_a_located_issue(tmp_path):
    text = conn_header() + conn_line(orig_pkts="three", ts="yesterday") + conn_line(uid="C2")
    text += "#close\t2024\n"
    result = read_file(write(tmp_path, "conn.log", text))
    rows = result.table("flow").to_pylist()
    assert len(rows) == 2
    assert rows[0]["source.packets"] is None and rows[0]["event.start"] is None
    assert rows[1]["source.packets"] == 3
    assert len(result.issues) == 1 and result.issues[0].location.line == 9
    assert "orig_pkts='three'" in result.issues[0].reason


def test_zeek_looking_file_without_fields_header(tmp_path):
    text = "#separator \\x09\n#path\tconn\n" + conn_line() + conn_line()
    path = write(tmp_path, "conn.log", text)
    assert identify(path).name == "zeek"
    result = read_file(path)
    assert result.table("flow").num_rows == 0
    assert any("no #fields header" in i.reason and i.location.line == 3 for i in result.issues)


def test_concatenated_logs_with_a_second_header_and_unknown_path(tmp_path):
    weird = HEADER.format(path="weird", fields="ts\tname", types="time\tstring")
    text = (
        conn_header() + conn_line() + "#close\tx\n" + weird + "1700000000.0\tbad_TCP\n#close\tx\n"
    )
    result = read_file(write(tmp_path, "mixed.log", text))
    assert result.table("flow").num_rows == 1
    unsupported = [i for i in result.issues if i.kind == "unsupported"]
    assert len(unsupported) == 1 and "weird" in unsupported[0].reason


def test_gzip_rotated_log(tmp_path):
    path = tmp_path / "conn.00:00:00-01:00:00.log.gz"
    path.write_bytes(gzip.compress((conn_header() + conn_line() + "#close\tx\n").encode()))
    result = read_file(str(path))
    assert result.source == "zeek" and result.table("flow").num_rows == 1


def test_json_iso_timestamps_broken_lines_and_wrong_types(tmp_path):
    good = {
        "ts": "2024-05-01T10:00:00.250000Z",
        "uid": "C1",
        "id.orig_h": "10.0.0.1",
        "id.orig_p": 5353,
        "id.resp_h": "10.0.0.53",
        "id.resp_p": 53,
        "proto": "udp",
        "query": "a.example",
        "qtype_name": "TXT",
        "rcode_name": "NOERROR",
        "answers": ["x", "y"],
    }
    wrong = dict(good, **{"id.orig_p": "fifty"})
    lines = [
        json.dumps(good),
        '{"ts": "2024-05-01T10:00:01Z", "uid": ',
        json.dumps(wrong),
        "",
        json.dumps(good),
    ]
    path = write(tmp_path, "dns.log", "\n".join(lines) + "\n")
    assert identify(path).name == "zeek"
    result = read_file(path)
    tx = result.table("transaction").to_pylist()
    assert [r["input.line"] for r in tx] == [1, 5]
    assert tx[0]["dns.answers.count"] == 2 and tx[0]["dns.question.type"] == "TXT"
    assert tx[0]["event.start"].isoformat() == "2024-05-01T10:00:00.250000+00:00"
    assert sorted(i.location.line for i in result.issues) == [2, 3]


def test_json_with_path_field_splits_per_log(tmp_path):
    conn = {
        "_path": "conn",
        "ts": 1700000000.0,
        "uid": "C1",
        "id.orig_h": "fe80::1",
        "id.orig_p": 1,
        "id.resp_h": "ff02::1",
        "id.resp_p": 2,
        "proto": "icmp",
        "conn_state": "OTH",
        "orig_pkts": 1,
    }
    http = {
        "_path": "http",
        "ts": 1700000001.0,
        "uid": "C2",
        "id.orig_h": "10.0.0.1",
        "id.orig_p": 3,
        "id.resp_h": "10.0.0.2",
        "id.resp_p": 80,
        "method": "POST",
        "host": "h",
        "uri": "/u",
        "request_body_len": 5000,
    }
    result = read_file(
        write(tmp_path, "all.json", json.dumps(conn) + "\n" + json.dumps(http) + "\n")
    )
    flow = result.table("flow").to_pylist()[0]
    assert (flow["network.transport"], flow["network.iana_number"]) == ("ipv6-icmp", 58)
    request = result.table("transaction").to_pylist()[0]
    assert request["transaction.bytes"] == 5000 and request["input.line"] == 2


EVE_BASE = {
    "timestamp": "2024-05-01T10:00:00.000000+0000",
    "src_ip": "10.0.0.1",
    "src_port": 40000,
    "dest_ip": "192.0.2.9",
    "dest_port": 443,
    "proto": "TCP",
}


def eve(event_type: str, **extra) -> str:
    return json.dumps({**EVE_BASE, "event_type": event_type, **extra})


def test_netflow_records_are_paired_by_flow_id(tmp_path):
    fwd = eve(
        "netflow",
        flow_id=7,
        app_proto="tls",
        netflow={
            "pkts": 5,
            "bytes": 900,
            "start": "2024-05-01T10:00:00+0000",
            "end": "2024-05-01T10:00:05+0000",
        },
        tcp={"tcp_flags": "1b", "tcp_flags_ts": "1b"},
    )
    rev = json.dumps(
        {
            **json.loads(
                eve(
                    "netflow",
                    flow_id=7,
                    netflow={
                        "pkts": 4,
                        "bytes": 4000,
                        "start": "2024-05-01T10:00:00.1+0000",
                        "end": "2024-05-01T10:00:06+0000",
                    },
                    tcp={"tcp_flags": "1f"},
                )
            ),
            "src_ip": "192.0.2.9",
            "src_port": 443,
            "dest_ip": "10.0.0.1",
            "dest_port": 40000,
        }
    )
    lone = eve("netflow", flow_id=8, proto="UDP", netflow={"pkts": 1, "bytes": 80})
    path = write(tmp_path, "eve.json", "\n".join([fwd, lone, rev]) + "\n")
    result = read_file(path)
    assert result.source == "suricata"
    flows = result.table("flow").to_pylist()
    assert len(flows) == 2
    merged = flows[0]
    assert (merged["source.bytes"], merged["destination.bytes"]) == (900, 4000)
    assert (merged["source.packets"], merged["destination.packets"]) == (5, 4)
    assert (merged["event.end"] - merged["event.start"]).total_seconds() == 6
    assert merged["source.tcp_flags"] == 0x1B and merged["flow.end_reason"] == "unknown"
    assert merged["network.protocol"] == "tls"
    assert (flows[1]["destination.bytes"], flows[1]["network.transport"]) == (0, "udp")
    assert result.stats["netflow.merged_pairs"] == 1


def test_dns_v1_answers_v3_requests_and_orphan_responses(tmp_path):
    udp = {"proto": "UDP", "dest_port": 53, "src_port": 5000}
    q1 = eve(
        "dns",
        flow_id=1,
        dns={"type": "query", "id": 10, "rrname": "v1.example", "rrtype": "A"},
        **udp,
    )
    a1 = [
        eve(
            "dns",
            flow_id=1,
            dns={
                "type": "answer",
                "id": 10,
                "rrname": "v1.example",
                "rrtype": "A",
                "rdata": ip,
                "rcode": "NOERROR",
            },
            **udp,
        )
        for ip in ("192.0.2.1", "192.0.2.2")
    ]
    q3 = eve(
        "dns",
        flow_id=2,
        dns={
            "version": 3,
            "type": "request",
            "id": 11,
            "queries": [{"rrname": "v3.example", "rrtype": "TXT"}],
        },
        **udp,
    )
    a3 = eve(
        "dns",
        flow_id=2,
        dns={
            "version": 3,
            "type": "response",
            "id": 11,
            "rcode": "NXDOMAIN",
            "queries": [{"rrname": "v3.example", "rrtype": "TXT"}],
        },
        **udp,
    )
    orphan = json.dumps(
        {
            **json.loads(
                eve(
                    "dns",
                    flow_id=3,
                    dns={
                        "version": 2,
                        "type": "answer",
                        "id": 12,
                        "rrname": "lone.example",
                        "rrtype": "A",
                        "rcode": "NOERROR",
                        "grouped": {"A": ["192.0.2.3"]},
                    },
                    proto="UDP",
                )
            ),
            "src_ip": "192.0.2.53",
            "src_port": 53,
            "dest_ip": "10.0.0.1",
            "dest_port": 6000,
        }
    )
    result = read_file(write(tmp_path, "eve.json", "\n".join([q1, *a1, q3, a3, orphan]) + "\n"))
    rows = result.table("transaction").to_pylist()
    got = [
        (
            r["dns.question.name"],
            r["dns.question.type"],
            r["dns.response_code"],
            r["dns.answers.count"],
        )
        for r in rows
    ]
    assert got == [
        ("v1.example", "A", "NOERROR", 2),
        ("v3.example", "TXT", "NXDOMAIN", 0),
        ("lone.example", "A", "NOERROR", 1),
    ]
    assert (rows[2]["source.ip"], rows[2]["destination.port"]) == ("10.0.0.1", 53)


def test_alert_detail_carries_attack_ids_and_escaped_text(tmp_path):
    line = eve(
        "alert",
        flow_id=5,
        community_id="1:abc=",
        alert={
            "action": "allowed",
            "gid": 1,
            "signature_id": 2030000,
            "rev": 3,
            "signature": 'ET MALWARE "Quoted" C2',
            "category": "A Network Trojan was detected",
            "severity": 1,
            "metadata": {"mitre_technique_id": ["T1071", "T1573"], "other": ["x"]},
        },
    )
    result = read_file(write(tmp_path, "eve.json", line + "\n"))
    row = result.table("transaction").to_pylist()[0]
    assert row["rule.id"] == "2030000" and row["rule.name"] == 'ET MALWARE "Quoted" C2'
    detail = json.loads(row["detail"])
    assert detail["attack"] == ["T1071", "T1573"] and detail["community_id"] == "1:abc="


def test_eve_broken_lines_and_missing_event_type(tmp_path):
    lines = [
        eve("http", http={"hostname": "h", "url": "/x", "http_method": "GET", "status": 200}),
        "{not json",
        json.dumps({"timestamp": "x"}),
        eve("http", http={"status": "two hundred"}),
        eve("tls", tls={"sni": "s", "version": "TLSv1.3", "fingerprint": "ab:cd"}),
    ]
    result = read_file(write(tmp_path, "eve.json", "\n".join(lines) + "\n"))
    kinds = result.table("transaction").column("transaction.kind").to_pylist()
    assert kinds == ["http_request", "tls_handshake"]
    assert sorted(i.location.line for i in result.issues) == [2, 3, 4]
    tls = result.table("transaction").to_pylist()[1]
    assert tls["tls.version"] == "1.3" and tls["tls.server.hash.sha1"] is None  # not 40 hex digits


def test_sniffing_keeps_zeek_json_and_eve_apart(tmp_path):
    zeek = write(tmp_path, "a", json.dumps({"ts": 1.0, "uid": "C", "id.orig_h": "10.0.0.1"}) + "\n")
    suricata = write(tmp_path, "b", eve("flow") + "\n")
    other = write(tmp_path, "c", json.dumps({"hello": 1}) + "\n")
    assert identify(zeek).name == "zeek"
    assert identify(suricata).name == "suricata"
    assert identify(other) is None


def test_flow_event_end_reasons(tmp_path):
    def flow(state, reason, flags):
        return eve(
            "flow",
            flow={
                "pkts_toserver": 1,
                "pkts_toclient": 1,
                "bytes_toserver": 60,
                "bytes_toclient": 60,
                "start": "2024-05-01T10:00:00+0000",
                "end": "2024-05-01T10:00:01+0000",
                "state": state,
                "reason": reason,
            },
            tcp={"tcp_flags_ts": flags, "tcp_flags_tc": "00"},
        )

    lines = [
        flow("closed", "timeout", "1b"),
        flow("established", "shutdown", "18"),
        flow("new", "timeout", "02"),
        flow("closed", "timeout", "16"),
    ]
    flows = read_file(write(tmp_path, "eve.json", "\n".join(lines) + "\n")).table("flow")
    assert flows.column("flow.end_reason").to_pylist() == [
        "fin",
        "capture_end",
        "idle_timeout",
        "rst",
    ]
    assert pc.sum(flows.column("source.bytes")).as_py() == 240


def test_crlf_line_endings_and_invalid_utf8(tmp_path):
    text = (
        (conn_header() + conn_line(service="http") + "#close\tx\n").replace("\n", "\r\n").encode()
    )
    text = text.replace(b"\tC1\t", b"\tC\xff1\t")
    path = tmp_path / "conn.log"
    path.write_bytes(text)
    result = read_file(str(path))
    rows = result.table("flow").to_pylist()
    assert len(rows) == 1 and rows[0]["network.protocol"] == "http"
    assert rows[0]["source.bytes"] == 220 and rows[0]["destination.bytes"] == 300
    assert [(i.location.line, "UTF-8" in i.reason) for i in result.issues] == [(9, True)]
