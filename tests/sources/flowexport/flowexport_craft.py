"""Builders for small export datagrams used by the edge-case and fuzz tests, plus the
corpus run every corpus test shares."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from seawall.errors import ParseIssue
from seawall.sources.flowexport import ExportCollector, decode_from_index
from seawall.sources.pcap.reader import read_index

FLOW_EXPORT = Path(__file__).parents[2] / "data" / "traffic" / "flow_export"


def field_specs(fields: list[tuple[int, int]] | list[tuple[int, int, int]]) -> bytes:
    """IPFIX/v9 field specifiers: (id, length) or (id, length, enterprise)."""
    out = b""
    for spec in fields:
        if len(spec) == 3 and spec[2]:
            out += struct.pack(">HHI", spec[0] | 0x8000, spec[1], spec[2])
        else:
            out += struct.pack(">HH", spec[0], spec[1])
    return out


def ipfix_set(set_id: int, body: bytes) -> bytes:
    return struct.pack(">HH", set_id, 4 + len(body)) + body


def ipfix_template(template_id: int, fields: list) -> bytes:
    return struct.pack(">HH", template_id, len(fields)) + field_specs(fields)


def ipfix_options_template(template_id: int, scope: list, options: list) -> bytes:
    head = struct.pack(">HHH", template_id, len(scope) + len(options), len(scope))
    return head + field_specs(scope) + field_specs(options)


def ipfix_message(sets: list[bytes], export_s: int = 1_700_000_000, domain: int = 1) -> bytes:
    body = b"".join(sets)
    return struct.pack(">HHIII", 10, 16 + len(body), export_s, 0, domain) + body


def v9_message(
    sets: list[bytes], unix_s: int = 1_700_000_000, uptime_ms: int = 100_000, source_id: int = 0
) -> bytes:
    return struct.pack(">HHIIII", 9, len(sets), uptime_ms, unix_s, 0, source_id) + b"".join(sets)


def v9_template(template_id: int, fields: list[tuple[int, int]]) -> bytes:
    return struct.pack(">HH", template_id, len(fields)) + field_specs(fields)


def v9_options_template(template_id: int, scope: list, options: list) -> bytes:
    head = struct.pack(">HHH", template_id, 4 * len(scope), 4 * len(options))
    return head + field_specs(scope) + field_specs(options)


# A common IPv4 flow template: src, dst, sport, dport, proto, octets, packets.
FLOW_FIELDS = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (1, 8), (2, 4)]


def flow_record(src: bytes, dst: bytes, sport: int, dport: int, proto: int, octets: int,
                packets: int) -> bytes:  # fmt: skip
    return src + dst + struct.pack(">HHBQI", sport, dport, proto, octets, packets)


@dataclass
class CorpusRun:
    table: pa.Table
    issues: list[ParseIssue]
    stats: dict[str, int]
    extra: dict[str, pa.Array]
    collector: ExportCollector
    fed: dict[str, int]

    def rows(self, file_name: str) -> list[dict[str, object]]:
        """Rows of one input file, with the internal columns merged in."""
        table = self.table
        for name, column in self.extra.items():
            table = table.append_column(name, column)
        mask = pa.compute.equal(table["input.file"], str(FLOW_EXPORT / file_name))
        return table.filter(mask).to_pylist()


def run_corpus(files: list[str] | None = None) -> CorpusRun:
    """Decode the flow_export folder (or the named files) in sorted order with one collector."""
    collector = ExportCollector()
    names = files if files is not None else sorted(p.name for p in FLOW_EXPORT.glob("*.pcap"))
    fed = {}
    for name in names:
        index, read_issues = read_index(str(FLOW_EXPORT / name))
        assert not read_issues, read_issues
        fed[name] = decode_from_index(index, collector)
    table, issues, stats = collector.finish()
    return CorpusRun(table, issues, stats, collector.extra, collector, fed)
