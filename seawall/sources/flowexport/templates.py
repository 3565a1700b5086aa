"""NetFlow v9 and IPFIX templates: parsing template sets, per-exporter template state, and
reading a data set's records through a numpy dtype compiled once per template."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

from seawall.errors import Location, ParseIssue
from seawall.sources.flowexport import ipfix_fields as ie
from seawall.sources.flowexport.batch import SamplingLookup

V9_TEMPLATE_SET = 0
V9_OPTIONS_SET = 1
IPFIX_TEMPLATE_SET = 2
IPFIX_OPTIONS_SET = 3
FIRST_DATA_SET = 256


@dataclass(frozen=True, slots=True)
class FieldSpec:
    element_id: int
    length: int  # ie.VARIABLE_LENGTH for IPFIX variable-length fields
    enterprise: int = 0
    key: str | None = None  # semantic key, None when unused


@dataclass(slots=True)
class Template:
    """One (options) template with the dtype its records are read through."""

    template_id: int
    fields: tuple[FieldSpec, ...]
    options: bool
    dtype: np.dtype = field(init=False)
    mapped: list[tuple[str, str, int]] = field(init=False)  # (dtype field, key, length)
    variable: bool = field(init=False)
    min_record_length: int = field(init=False)

    def __post_init__(self) -> None:
        entries: list[tuple[str, object]] = []
        self.mapped = []
        seen: set[str] = set()
        self.variable = False
        self.min_record_length = 0
        for i, spec in enumerate(self.fields):
            if spec.length == ie.VARIABLE_LENGTH:
                self.variable = True
                self.min_record_length += 1
                continue
            if spec.length == 0:
                continue
            self.min_record_length += spec.length
            name = f"f{i}"
            usable = (
                spec.key is not None and spec.key not in seen and _usable(spec.key, spec.length)
            )
            if usable and spec.length in (1, 2, 4, 8):
                entries.append((name, ">u1" if spec.length == 1 else f">u{spec.length}"))
            elif usable:
                entries.append((name, ("u1", (spec.length,))))
            else:
                entries.append((name, f"V{spec.length}"))
            if usable and spec.key is not None:
                seen.add(spec.key)
                self.mapped.append((name, spec.key, spec.length))
        self.dtype = np.dtype(entries)

    def same_layout(self, other: Template) -> bool:
        return self.fields == other.fields and self.options == other.options


def _usable(key: str, length: int) -> bool:
    exact = ie.EXACT_LENGTHS.get(key)
    if exact is not None:
        return length == exact
    return 1 <= length <= 8


@dataclass(slots=True)
class DomainState(SamplingLookup):
    """Templates and options-derived state of one exporter + observation domain."""

    exporter: str
    version: int
    domain_id: int
    templates: dict[int, Template] = field(default_factory=dict)
    sampler_rates: dict[int, int] = field(default_factory=dict)  # -1: exporter-wide rate
    system_init_ms: int | None = None

    def sampling_rate(self, sampler_id: int) -> int:
        if sampler_id in self.sampler_rates:
            return self.sampler_rates[sampler_id]
        if -1 in self.sampler_rates:
            return self.sampler_rates[-1]
        if len(self.sampler_rates) == 1:
            return next(iter(self.sampler_rates.values()))
        return 0


def parse_template_set(
    body: bytes, set_id: int, location: Location, where: int, issues: list[ParseIssue]
) -> tuple[list[Template], list[int]]:
    """Templates defined in one template or options-template set, and the template ids
    withdrawn by it (IPFIX field count 0; a withdrawn id equal to the set id withdraws all)."""
    templates: list[Template] = []
    withdrawn: list[int] = []
    pos = 0
    ipfix = set_id in (IPFIX_TEMPLATE_SET, IPFIX_OPTIONS_SET)
    options = set_id in (V9_OPTIONS_SET, IPFIX_OPTIONS_SET)
    while len(body) - pos >= 4:
        start = pos
        template_id, count = struct.unpack_from(">HH", body, pos)
        if template_id == 0 and count == 0:
            break  # padding
        pos += 4
        if ipfix and count == 0:
            withdrawn.append(template_id)
            continue
        if template_id < FIRST_DATA_SET:
            issues.append(
                ParseIssue(
                    location,
                    f"template id {template_id} below 256 at datagram byte {where + start}; "
                    "rest of the template set skipped",
                )
            )
            break
        specs, pos, problem = _read_template_body(body, pos, set_id, count, ipfix)
        if problem:
            issues.append(
                ParseIssue(
                    location,
                    f"template {template_id} at datagram byte {where + start}: {problem}; "
                    "rest of the template set skipped",
                    "truncated" if "cut" in problem else "parse",
                )
            )
            break
        template = Template(template_id, tuple(specs), options)
        if template.min_record_length == 0:
            issues.append(
                ParseIssue(
                    location,
                    f"template {template_id} defines records of zero bytes; ignored (its data "
                    "sets cannot be split into records)",
                )
            )
            continue
        templates.append(template)
    return templates, withdrawn


def _read_template_body(
    body: bytes, pos: int, set_id: int, count: int, ipfix: bool
) -> tuple[list[FieldSpec], int, str | None]:
    """Field specifiers after a template header; returns (fields, new position, problem)."""
    specs: list[FieldSpec] = []
    if set_id == V9_OPTIONS_SET:
        # count holds the scope length in bytes; the options length follows.
        if len(body) - pos < 2:
            return specs, pos, "options template header cut"
        scope_len, option_len = count, struct.unpack_from(">H", body, pos)[0]
        pos += 2
        if scope_len % 4 or option_len % 4:
            return specs, pos, f"scope/option lengths {scope_len}/{option_len} not multiples of 4"
        if len(body) - pos < scope_len + option_len:
            return specs, pos, "options template cut"
        for i in range((scope_len + option_len) // 4):
            type_, length = struct.unpack_from(">HH", body, pos)
            pos += 4
            key = ie.V9_SCOPE_NAMES.get(type_) if i < scope_len // 4 else ie.element_key(type_, 0)
            specs.append(FieldSpec(type_, length, 0, key))
        return specs, pos, None
    scope_count = 0
    if set_id == IPFIX_OPTIONS_SET:
        if len(body) - pos < 2:
            return specs, pos, "options template header cut"
        scope_count = struct.unpack_from(">H", body, pos)[0]
        pos += 2
        if scope_count == 0 or scope_count > count:
            return specs, pos, f"scope field count {scope_count} outside 1..{count}"
    for _ in range(count):
        if len(body) - pos < 4:
            return specs, pos, f"field list cut after {len(specs)} of {count} fields"
        element, length = struct.unpack_from(">HH", body, pos)
        pos += 4
        enterprise = 0
        if ipfix and element & 0x8000:
            if len(body) - pos < 4:
                return specs, pos, f"enterprise number cut after {len(specs)} of {count} fields"
            enterprise = struct.unpack_from(">I", body, pos)[0]
            pos += 4
            element &= 0x7FFF
        if not ipfix and length == ie.VARIABLE_LENGTH:
            return specs, pos, "variable-length field in a NetFlow v9 template"
        specs.append(FieldSpec(element, length, enterprise, ie.element_key(element, enterprise)))
    return specs, pos, None


def unusable_fields(template: Template) -> list[str]:
    """Fields the collector would use but whose length it cannot interpret."""
    mapped = {name for name, _, _ in template.mapped}
    out = []
    for i, spec in enumerate(template.fields):
        if spec.key is None or f"f{i}" in mapped or spec.length in (0, ie.VARIABLE_LENGTH):
            continue
        if not _usable(spec.key, spec.length):
            out.append(f"element {spec.element_id} ({spec.key}) of {spec.length} bytes")
    return out


@dataclass(slots=True)
class RawRecords:
    """Mapped fields of a data set's records: unsigned integers as uint64, 16-byte values
    (IPv6 addresses) as (hi, lo) uint64 pairs."""

    n: int
    values: dict[str, np.ndarray] = field(default_factory=dict)
    pairs: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def read_records(
    template: Template, body: bytes, location: Location, where: int, issues: list[ParseIssue]
) -> RawRecords:
    """Records of one data set (see ``split_records`` and ``view_records``)."""
    packed, n = split_records(template, body, location, where, issues)
    return view_records(template, packed, n)


def split_records(
    template: Template, body: bytes, location: Location, where: int, issues: list[ParseIssue]
) -> tuple[bytes, int]:
    """The whole records of a data set as consecutive fixed rows of ``template.dtype``.
    Variable-length templates are packed first (their variable fields are not mapped)."""
    if template.variable:
        return _pack_variable(template, body, location, where, issues)
    size = template.dtype.itemsize
    n = len(body) // size
    leftover = len(body) - n * size
    # Padding is shorter than a record and normally under 4 bytes (32-bit alignment).
    if leftover >= 4:
        issues.append(
            ParseIssue(
                location,
                f"data set for template {template.template_id} at datagram byte {where} "
                f"ends with {leftover} bytes that are not a whole {size}-byte record",
                "truncated",
            )
        )
    return body[: n * size], n


def view_records(template: Template, packed: bytes, n: int) -> RawRecords:
    """Mapped fields of ``n`` packed rows, read through the template's dtype in place."""
    records = np.frombuffer(packed, dtype=template.dtype, count=n)
    out = RawRecords(n)
    for name, key, length in template.mapped:
        column = records[name]
        if length in (1, 2, 4, 8):
            out.values[key] = column.astype(np.uint64)
        elif length == 16:
            out.pairs[key] = (_be_uint(column[:, :8]), _be_uint(column[:, 8:]))
        else:
            out.values[key] = _be_uint(column)
    return out


def _be_uint(matrix: np.ndarray) -> np.ndarray:
    """Big-endian unsigned integers from an (n, k<=8) byte matrix."""
    result = np.zeros(matrix.shape[0], dtype=np.uint64)
    for j in range(matrix.shape[1]):
        result = (result << np.uint64(8)) | matrix[:, j].astype(np.uint64)
    return result


def _pack_variable(
    template: Template, body: bytes, location: Location, where: int, issues: list[ParseIssue]
) -> tuple[bytes, int]:
    """Copy the fixed-length fields of each record into consecutive fixed rows."""
    rows = bytearray()
    n = 0
    pos = 0
    while len(body) - pos >= template.min_record_length:
        start = pos
        row = bytearray()
        for spec in template.fields:
            if spec.length == ie.VARIABLE_LENGTH:
                if pos >= len(body):
                    pos = -1
                    break
                length = body[pos]
                pos += 1
                if length == 255:  # 3-byte length encoding (RFC 7011 section 7)
                    if len(body) - pos < 2:
                        pos = -1
                        break
                    length = struct.unpack_from(">H", body, pos)[0]
                    pos += 2
            else:
                length = spec.length
                row += body[pos : pos + length]
            pos += length
            if pos > len(body):
                pos = -1
                break
        if pos < 0:
            issues.append(
                ParseIssue(
                    location,
                    f"record of template {template.template_id} at datagram byte "
                    f"{where + start} runs past the end of its data set; rest of the set skipped",
                    "truncated",
                )
            )
            break
        rows += row
        n += 1
    return bytes(rows), n
