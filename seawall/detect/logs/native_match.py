"""Conditions of native log rules, compiled once and evaluated column-wise on a LOG table.

A condition is a mapping whose keys are ANDed: a LOG field name (or ``device``) maps to a
predicate; ``all:``/``any:`` take a list of conditions, ``not:`` one condition. A predicate is
a scalar (equals), a list (any of), or a mapping of operators (all must hold):

    equals, in                 case-insensitive for text
    contains, startswith,      case-insensitive; a list means any of them
    endswith, regex            regex: RE2 syntax, searched (anchor with ^ and $), no case
    exists                     true: present and not empty; false: absent
    gt, gte, lt, lte, range    numbers (ports, line numbers); range: [low, high] inclusive
    in_network, not_in_network address fields: a network name (internal, private,
                               management, admin_sources, aaa_servers, infrastructure,
                               allowed_tunnel_peers, dns_resolvers) or a list of CIDRs
    outside_window             event.start: {hours: [start, end], days: [mon, ...],
                               utc_offset: hours}; true outside those hours/days
    not                        a predicate that must not hold (the field must be present)

A predicate on an absent (null) field is false, and so is its ``not`` (SQL-like); only
``exists: false`` matches absent fields. The ``not:`` *condition* key is different: it keeps
every event the inner condition does not select, absent fields included.

Evaluation works on sorted row-index arrays. Fields of low cardinality (event.action,
event.code, commands, ports, users, addresses) are dictionary-encoded once per table, so a
predicate runs over the distinct values only and its mask is shared by every rule; the
free-text fields (message, event.original) are scanned, and only over the rows the cheaper
clauses of the same condition left.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.detect.base import NetworkContext
from seawall.detect.logs.native_model import FIELDS, TEXT_FIELDS, TIME_FIELD, as_list
from seawall.detect.logs.sigma_eval import take_rows
from seawall.netaddr import PRIVATE, NetworkSet, parse_networks
from seawall.records.schemas import LOG

WARM_THREADS = 2  # whole-column passes run side by side (see Frame.warm)

NULL_TIME = np.iinfo(np.int64).min
NETWORK_NAMES = (
    "internal",
    "private",
    "infrastructure",
    "management",
    "admin_sources",
    "aaa_servers",
    "allowed_tunnel_peers",
    "dns_resolvers",
)
ADDRESS_FIELDS = ("source.ip", "destination.ip", "host.ip", "log.source.address")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STRING_OPS = ("equals", "in", "contains", "startswith", "endswith", "regex", "exists")
NUMBER_OPS = ("equals", "in", "gt", "gte", "lt", "lte", "range", "regex", "exists")
TIME_OPS = ("outside_window", "exists")
NETWORK_OPS = ("in_network", "not_in_network")
ALL_OPS = (*dict.fromkeys((*STRING_OPS, *NUMBER_OPS, *TIME_OPS, *NETWORK_OPS)), "not")
COMBINATORS = ("all", "any", "not")

Errors = list[tuple[str, str, str]]  # (key path, problem, how to fix)
Mask = np.ndarray


def field_type(name: str) -> str:
    """``string``, ``number`` or ``time`` for a rule field."""
    if name == "device":
        return "string"
    typ = LOG.field(name).type
    if pa.types.is_timestamp(typ):
        return "time"
    if pa.types.is_integer(typ):
        return "number"
    return "string"


class Frame:
    """The LOG table under evaluation, with the derived columns and masks rules share."""

    def __init__(self, table: pa.Table, network: NetworkContext | None = None) -> None:
        self.table = table
        self.n = table.num_rows
        self.network = network or NetworkContext()
        self._columns: dict[str, pa.Array] = {}
        self._encoded: dict[str, tuple[np.ndarray, pa.Array]] = {}
        self._masks: dict[str, Mask] = {}
        self._times: np.ndarray | None = None
        self._networks: dict[str, NetworkSet] = {}
        self._needles: dict[str, set[str]] = {}
        self._prefiltered: dict[str, np.ndarray] = {}

    def add_needles(self, field: str, needles: tuple[str, ...]) -> None:
        """Literals some rule looks for in a free-text field; all of a field's literals are
        searched in one pass (see ``prefiltered``)."""
        if field in self._prefiltered:
            raise RuntimeError("add every rule's needles before evaluating")
        self._needles.setdefault(field, set()).update(needles)

    def prefiltered(self, field: str, needles: tuple[str, ...]) -> np.ndarray | None:
        """Rows whose ``field`` contains any literal registered for it (case-insensitive):
        one RE2 alternation over the column serves every rule that scans the field. None
        when ``needles`` were not registered before that pass ran."""
        rows = self._prefiltered.get(field)
        if rows is None:
            wanted = sorted(self._needles.get(field, set()) | set(needles))
            pattern = "|".join(_literal(n) for n in wanted)
            rows = np.flatnonzero(
                _bools(pc.match_substring_regex(self.column(field), pattern, ignore_case=True))
            )
            self._needles[field] = set(wanted)
            self._prefiltered[field] = rows
        elif not set(needles) <= self._needles.get(field, set()):
            return None
        return rows

    def warm(self, encode: set[str], scan: set[str]) -> None:
        """Run the whole-column passes rules will ask for (dictionary encodings of
        ``encode``, the shared literal pass of each ``scan`` field) two at a time: Arrow
        releases the GIL in them, and each is computed once whichever rule asks first."""
        tasks: list[Callable[[], object]] = [
            *(functools.partial(self.prefiltered, f, ()) for f in sorted(scan)),
            *(functools.partial(self.encoded, f) for f in sorted(encode)),
        ]
        for name in {"host.name", "host.ip", "log.source.address"} if "device" in encode else ():
            self.column(name)  # the derived device column reads these: combined once, here
        with ThreadPoolExecutor(WARM_THREADS) as pool:
            for future in [pool.submit(task) for task in tasks]:
                future.result()

    def needle_fields(self) -> list[str]:
        return list(self._needles)

    def has_prefilter(self, field: str) -> bool:
        return field in self._prefiltered

    def column(self, name: str) -> pa.Array:
        col = self._columns.get(name)
        if col is None:
            if name == "device":
                col = pc.coalesce(
                    _blank_to_null(self.column("host.name")),
                    _blank_to_null(self.column("host.ip")),
                    _blank_to_null(self.column("log.source.address")),
                )
            else:
                chunked = self.table.column(name)
                col = (
                    chunked.combine_chunks()
                    if chunked.num_chunks != 1
                    else chunked.chunk(0)
                    if chunked.num_chunks
                    else pa.array([], chunked.type)
                )
            self._columns[name] = col
        return col

    def values_at(self, name: str, rows: np.ndarray) -> list[Any]:
        """Python values of column ``name`` at ``rows`` (any order). A column no rule has
        combined yet is read chunk by chunk: combining a text column of a multi-chunk table
        copies all of it, for the few rows an alert quotes."""
        if name == "device" or name in self._columns:
            return self.column(name).take(pa.array(rows, pa.int64())).to_pylist()
        unique, position = np.unique(rows, return_inverse=True)
        values = take_rows(self.table.column(name), unique).to_pylist()
        return [values[i] for i in position.tolist()]

    def encoded(self, name: str) -> tuple[np.ndarray, pa.Array]:
        """Codes (int64, -1 for null) into the column's distinct values."""
        hit = self._encoded.get(name)
        if hit is None:
            enc = pc.dictionary_encode(self.column(name))
            codes = np.asarray(
                pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64
            )
            hit = (codes, enc.dictionary)
            self._encoded[name] = hit
        return hit

    def times(self) -> np.ndarray:
        """event.start as int64 microseconds; NULL_TIME where absent."""
        if self._times is None:
            col = self.column(TIME_FIELD).cast(pa.int64())
            self._times = np.asarray(
                pc.fill_null(col, NULL_TIME).to_numpy(zero_copy_only=False), dtype=np.int64
            )
        return self._times

    def mask(self, leaf: Leaf) -> Mask:
        mask = self._masks.get(leaf.key)
        if mask is None:
            mask = leaf.full_mask(self)
            self._masks[leaf.key] = mask
        return mask

    def has_mask(self, leaf: Leaf) -> bool:
        return leaf.key in self._masks

    def network_set(self, name: str) -> NetworkSet:
        found = self._networks.get(name)
        if found is None:
            if name == "private":
                found = PRIVATE
            elif name == "internal":
                found = NetworkSet(PRIVATE.networks + self.network.internal.networks)
            else:
                found = getattr(self.network, name)
            self._networks[name] = found
        return found

    def all_rows(self) -> np.ndarray:
        return np.arange(self.n, dtype=np.int64)


def _blank_to_null(col: pa.Array) -> pa.Array:
    if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
        col = col.cast(pa.string())
    blank = pc.equal(pc.utf8_trim_whitespace(col), "")
    return pc.if_else(pc.fill_null(blank, False), pa.scalar(None, col.type), col)


def _literal(text: str) -> str:
    """A literal as RE2 pattern text (punctuation escaped)."""
    return "".join(c if c.isalnum() or c == " " else "\\" + c for c in text)


def _bools(result: pa.Array | pa.ChunkedArray) -> Mask:
    return np.asarray(pc.fill_null(result, False).to_numpy(zero_copy_only=False), dtype=bool)


# ---- nodes ----------------------------------------------------------------------------------


class Node:
    cost = 1

    def select(self, frame: Frame, idx: np.ndarray | None) -> np.ndarray:
        """The rows of ``idx`` (all rows when None) the condition holds for, ascending."""
        raise NotImplementedError

    def fields(self) -> set[str]:
        raise NotImplementedError

    def leaves(self) -> list[Leaf]:
        raise NotImplementedError


class Leaf(Node):
    """One operator on one field. ``fn`` maps an Arrow array (the field's distinct values, or
    the text column itself) to a boolean mask."""

    def __init__(
        self,
        field: str,
        key: str,
        fn: Callable[[pa.Array, Frame], Mask],
        needles: tuple[str, ...] = (),
    ) -> None:
        self.field = field
        self.key = f"{field}|{key}"
        self.fn = fn
        self.scan = field in TEXT_FIELDS
        self.time = field_type(field) == "time"
        # Literals one of which a matching row must contain (free-text fields only).
        self.needles = needles if self.scan else ()
        self.cost = (2 if self.needles else 5) if self.scan else 1

    def full_mask(self, frame: Frame) -> Mask:
        if frame.n == 0:
            return np.zeros(0, dtype=bool)
        if self.scan or self.time:
            return self.fn(frame.column(self.field), frame)
        codes, values = frame.encoded(self.field)
        hit = np.append(self.fn(values, frame), False) if len(values) else np.zeros(1, bool)
        return hit[codes]  # code -1 (null) reads the appended False

    def select(self, frame: Frame, idx: np.ndarray | None) -> np.ndarray:
        if idx is not None and len(idx) == 0:
            return idx
        narrow = idx is not None and len(idx) * 8 < frame.n
        if self.scan and not frame.has_mask(self):
            if self.needles and (frame.has_prefilter(self.field) or not narrow):
                rows = frame.prefiltered(self.field, self.needles)
                if rows is not None:
                    if idx is not None:
                        rows = np.intersect1d(rows, idx, assume_unique=True)
                    return self._exact(frame, rows)
            if narrow:
                assert idx is not None
                return self._exact(frame, idx)
        if idx is None:
            return np.flatnonzero(frame.mask(self))
        return idx[frame.mask(self)[idx]]

    def _exact(self, frame: Frame, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return rows
        sub = frame.column(self.field).take(pa.array(rows))
        return rows[self.fn(sub, frame)]

    def fields(self) -> set[str]:
        return {self.field}

    def leaves(self) -> list[Leaf]:
        return [self]


class All(Node):
    def __init__(self, children: list[Node]) -> None:
        self.children = sorted(children, key=lambda c: c.cost)
        self.cost = sum(c.cost for c in children)

    def select(self, frame: Frame, idx: np.ndarray | None) -> np.ndarray:
        for child in self.children:
            idx = child.select(frame, idx)
            if len(idx) == 0:
                break
        return idx if idx is not None else frame.all_rows()

    def fields(self) -> set[str]:
        return set().union(*(c.fields() for c in self.children))

    def leaves(self) -> list[Leaf]:
        return [leaf for c in self.children for leaf in c.leaves()]


class AnyOf(Node):
    def __init__(self, children: list[Node]) -> None:
        self.children = sorted(children, key=lambda c: c.cost)
        self.cost = sum(c.cost for c in children)

    def select(self, frame: Frame, idx: np.ndarray | None) -> np.ndarray:
        parts = [child.select(frame, idx) for child in self.children]
        if not parts:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(parts))

    def fields(self) -> set[str]:
        return set().union(*(c.fields() for c in self.children))

    def leaves(self) -> list[Leaf]:
        return [leaf for c in self.children for leaf in c.leaves()]


class Not(Node):
    """Rows of ``idx`` the inner condition does not select (absent fields included)."""

    def __init__(self, child: Node) -> None:
        self.child = child
        self.cost = child.cost + 1

    def select(self, frame: Frame, idx: np.ndarray | None) -> np.ndarray:
        base = frame.all_rows() if idx is None else idx
        return np.setdiff1d(base, self.child.select(frame, idx), assume_unique=True)

    def fields(self) -> set[str]:
        return self.child.fields()

    def leaves(self) -> list[Leaf]:
        return self.child.leaves()


class FieldNot(Node):
    """Predicate-level ``not``: the field is present and the inner predicate fails."""

    def __init__(self, present: Node, inner: Node) -> None:
        self.present = present
        self.inner = inner
        self.cost = present.cost + inner.cost

    def select(self, frame: Frame, idx: np.ndarray | None) -> np.ndarray:
        have = self.present.select(frame, idx)
        return np.setdiff1d(have, self.inner.select(frame, have), assume_unique=True)

    def fields(self) -> set[str]:
        return self.present.fields() | self.inner.fields()

    def leaves(self) -> list[Leaf]:
        return self.present.leaves() + self.inner.leaves()


# ---- compiling ------------------------------------------------------------------------------


def compile_condition(raw: Any, path: str, errors: Errors) -> Node | None:
    """A condition mapping -> Node; problems go to ``errors`` (None when nothing usable)."""
    if not isinstance(raw, dict) or not raw:
        errors.append(
            (
                path,
                "a condition must be a non-empty mapping",
                "write `field: predicate` pairs, or all:/any:/not:",
            )
        )
        return None
    nodes: list[Node] = []
    for key, value in raw.items():
        sub = f"{path}.{key}"
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                errors.append((sub, f"`{key}` takes a non-empty list of conditions", "use - items"))
                continue
            children = [compile_condition(v, f"{sub}[{i}]", errors) for i, v in enumerate(value)]
            kept = [c for c in children if c is not None]
            if kept:
                nodes.append(All(kept) if key == "all" else AnyOf(kept))
        elif key == "not":
            child = compile_condition(value, sub, errors)
            if child is not None:
                nodes.append(Not(child))
        elif key in FIELDS:
            node = compile_predicate(str(key), value, sub, errors)
            if node is not None:
                nodes.append(node)
        else:
            errors.append(
                (
                    sub,
                    f"`{key}` is not a LOG field nor all/any/not",
                    "use a field of the log schema (seawall/records/schemas.py LOG), e.g. "
                    "event.action, event.code, process.command_line, destination.port, or device",
                )
            )
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else All(nodes)


def compile_predicate(field: str, raw: Any, path: str, errors: Errors) -> Node | None:
    if isinstance(raw, dict):
        if not raw:
            errors.append((path, "empty predicate", f"use one of: {', '.join(ALL_OPS)}"))
            return None
        ops = raw
    elif isinstance(raw, list):
        ops = {"in": raw}
    else:
        ops = {"equals": raw}
    nodes: list[Node] = []
    for op, arg in ops.items():
        sub = f"{path}.{op}"
        if op == "not":
            inner = compile_predicate(field, arg, sub, errors)
            if inner is not None:
                nodes.append(FieldNot(_exists(field, True), inner))
            continue
        node = _compile_op(field, str(op), arg, sub, errors)
        if node is not None:
            nodes.append(node)
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else All(nodes)


def _compile_op(field: str, op: str, arg: Any, path: str, errors: Errors) -> Node | None:
    typ = field_type(field)
    allowed = {"string": STRING_OPS, "number": NUMBER_OPS, "time": TIME_OPS}[typ]
    if op in NETWORK_OPS:
        if field not in ADDRESS_FIELDS:
            errors.append(
                (path, f"`{op}` needs an address field", f"use it on {', '.join(ADDRESS_FIELDS)}")
            )
            return None
        return _network(field, op, arg, path, errors)
    if op not in allowed:
        known = op in ALL_OPS
        errors.append(
            (
                path,
                f"`{op}` does not apply to {typ} field {field}"
                if known
                else f"unknown operator `{op}`",
                f"use one of: {', '.join(allowed)}",
            )
        )
        return None
    if op == "exists":
        if not isinstance(arg, bool):
            errors.append((path, "`exists` takes true or false", "write exists: true"))
            return None
        return _exists(field, arg)
    if typ == "time":
        return _outside_window(arg, path, errors)
    if typ == "number":
        return _number(field, op, arg, path, errors)
    return _string(field, op, arg, path, errors)


def _exists(field: str, want: bool) -> Node:
    typ = field_type(field)

    def fn(values: pa.Array, frame: Frame) -> Mask:
        if typ == "string":
            present = pc.and_(
                pc.is_valid(values), pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(values)), 0)
            )
        else:
            present = pc.is_valid(values)
        return _bools(present)

    leaf = Leaf(field, "exists", fn)
    return leaf if want else Not(leaf)


def _check_regex(pattern: str, path: str, errors: Errors) -> bool:
    try:
        pc.match_substring_regex(pa.array([""]), pattern=pattern, ignore_case=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        errors.append(
            (
                path,
                f"bad regex {pattern!r}: {' '.join(str(exc).split())}",
                "use RE2 syntax (no look-around or back-references)",
            )
        )
        return False
    return True


def _string(field: str, op: str, arg: Any, path: str, errors: Errors) -> Node | None:
    values = as_list(arg)
    if op in ("equals",) and isinstance(arg, list | dict):
        errors.append((path, "`equals` takes one value", "use `in: [...]` for several"))
        return None
    if not values or any(isinstance(v, dict | list) or v is None for v in values):
        errors.append((path, f"`{op}` needs text values", f"write {op}: value or a list"))
        return None
    texts = [str(v) for v in values]
    if op in ("equals", "in"):
        lowered = pa.array(sorted({t.lower() for t in texts}), pa.string())

        def fn_in(col: pa.Array, frame: Frame) -> Mask:
            return _bools(pc.is_in(pc.utf8_lower(col), value_set=lowered))

        return Leaf(field, f"in|{lowered.to_pylist()}", fn_in)
    if op == "regex":
        if not all(_check_regex(t, path, errors) for t in texts):
            return None
        pattern = texts[0] if len(texts) == 1 else "|".join(f"(?:{t})" for t in texts)

        def fn_re(col: pa.Array, frame: Frame) -> Mask:
            return _bools(pc.match_substring_regex(col, pattern=pattern, ignore_case=True))

        return Leaf(field, f"regex|{pattern}", fn_re)
    kernel = {
        "contains": pc.match_substring,
        "startswith": pc.starts_with,
        "endswith": pc.ends_with,
    }[op]

    def fn_sub(col: pa.Array, frame: Frame) -> Mask:
        out = np.zeros(len(col), dtype=bool)
        for t in texts:
            out |= _bools(kernel(col, pattern=t, ignore_case=True))
        return out

    needles = tuple(sorted({t.lower() for t in texts}))
    return Leaf(field, f"{op}|{texts}", fn_sub, needles)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(field: str, op: str, arg: Any, path: str, errors: Errors) -> Node | None:
    if op == "regex":
        texts = [str(v) for v in as_list(arg)]
        if not texts or not all(_check_regex(t, path, errors) for t in texts):
            return None
        pattern = texts[0] if len(texts) == 1 else "|".join(f"(?:{t})" for t in texts)

        def fn_re(col: pa.Array, frame: Frame) -> Mask:
            return _bools(pc.match_substring_regex(col.cast(pa.string()), pattern=pattern))

        return Leaf(field, f"regex|{pattern}", fn_re)
    if op in ("equals", "in"):
        values = as_list(arg)
        if (op == "equals" and isinstance(arg, list)) or not values:
            errors.append((path, f"`{op}` needs numbers", "write equals: 22 or in: [22, 830]"))
            return None
        if not all(_is_number(v) for v in values):
            errors.append((path, f"{field} holds numbers; {values!r} are not all numbers", ""))
            return None
        value_set = pa.array(sorted({int(v) for v in values}), pa.int64())

        def fn_in(col: pa.Array, frame: Frame) -> Mask:
            return _bools(pc.is_in(col.cast(pa.int64()), value_set=value_set))

        return Leaf(field, f"in|{value_set.to_pylist()}", fn_in)
    if op == "range":
        if not (isinstance(arg, list) and len(arg) == 2 and all(_is_number(v) for v in arg)):
            errors.append((path, "`range` takes [low, high]", "write range: [1024, 65535]"))
            return None
        low, high = arg

        def fn_range(col: pa.Array, frame: Frame) -> Mask:
            return _bools(pc.and_(pc.greater_equal(col, low), pc.less_equal(col, high)))

        return Leaf(field, f"range|{low}|{high}", fn_range)
    if not _is_number(arg):
        errors.append((path, f"`{op}` takes a number", f"write {op}: 1024"))
        return None
    kernel = {
        "gt": pc.greater,
        "gte": pc.greater_equal,
        "lt": pc.less,
        "lte": pc.less_equal,
    }[op]

    def fn_cmp(col: pa.Array, frame: Frame) -> Mask:
        return _bools(kernel(col, arg))

    return Leaf(field, f"{op}|{arg}", fn_cmp)


def _network(field: str, op: str, arg: Any, path: str, errors: Errors) -> Node | None:
    name: str | None = None
    fixed: NetworkSet | None = None
    if isinstance(arg, str) and arg in NETWORK_NAMES:
        name = arg
    else:
        try:
            fixed = NetworkSet(parse_networks(str(v) for v in as_list(arg)))
        except ValueError as exc:
            errors.append(
                (path, str(exc), f"use a network name ({', '.join(NETWORK_NAMES)}) or CIDRs")
            )
            return None
        if not fixed:
            errors.append((path, f"`{op}` needs a network", "e.g. in_network: internal"))
            return None
    want = op == "in_network"

    def fn(col: pa.Array, frame: Frame) -> Mask:
        nets = frame.network_set(name) if name else fixed
        assert nets is not None
        inside = nets.contains_column(col)
        if want:
            return inside
        present = _bools(pc.is_valid(col))
        return present & ~inside

    label = name if name else ",".join(str(n) for n in fixed.networks)  # type: ignore[union-attr]
    return Leaf(field, f"{op}|{label}", fn)


def _outside_window(arg: Any, path: str, errors: Errors) -> Node | None:
    if not isinstance(arg, dict) or set(arg) - {"hours", "days", "utc_offset"}:
        errors.append(
            (
                path,
                "`outside_window` takes {hours: [start, end], days: [...], utc_offset: h}",
                "e.g. outside_window: {hours: [7, 19], days: [mon, tue, wed, thu, fri]}",
            )
        )
        return None
    hours = arg.get("hours", [0, 24])
    days = [str(d).lower()[:3] for d in as_list(arg.get("days", list(DAYS)))]
    offset = arg.get("utc_offset", 0)
    if (
        not isinstance(hours, list)
        or len(hours) != 2
        or not all(_is_number(h) and 0 <= h <= 24 for h in hours)
        or hours[0] >= hours[1]
    ):
        errors.append(
            (path + ".hours", "hours must be [start, end] with 0 <= start < end <= 24", "")
        )
        return None
    if any(d not in DAYS for d in days):
        errors.append((path + ".days", f"days must be among {', '.join(DAYS)}", ""))
        return None
    if not _is_number(offset) or abs(offset) > 14:
        errors.append((path + ".utc_offset", "utc_offset is hours from UTC (-14..14)", ""))
        return None
    start, end = hours
    day_numbers = pa.array([DAYS.index(d) for d in days], pa.int64())
    shift_us = int(offset * 3_600_000_000)

    def fn(col: pa.Array, frame: Frame) -> Mask:
        local = pc.add(col.cast(pa.int64()), shift_us).cast(pa.timestamp("us"))
        hour = pc.add(pc.hour(local), pc.divide(pc.minute(local).cast(pa.float64()), 60.0))
        inside = pc.and_(
            pc.is_in(pc.day_of_week(local).cast(pa.int64()), value_set=day_numbers),
            pc.and_(pc.greater_equal(hour, start), pc.less(hour, end)),
        )
        return _bools(pc.and_(pc.is_valid(col), pc.invert(inside)))

    return Leaf(TIME_FIELD, f"outside|{hours}|{days}|{offset}", fn)


def shared_scan_leaves(node: Node) -> list[Leaf]:
    """Free-text leaves with literals that run over (almost) all rows, because no cheaper
    clause of the same ``all`` narrows them first: their literals go into the one shared
    pass over the field (``Frame.add_needles``). Narrowed leaves scan their few rows."""
    if isinstance(node, Leaf):
        return [node] if node.needles else []
    if isinstance(node, All):
        if any(not any(leaf.scan for leaf in child.leaves()) for child in node.children):
            return []
        return [leaf for child in node.children for leaf in shared_scan_leaves(child)]
    if isinstance(node, AnyOf):
        return [leaf for child in node.children for leaf in shared_scan_leaves(child)]
    if isinstance(node, Not):
        return shared_scan_leaves(node.child)
    if isinstance(node, FieldNot):
        return shared_scan_leaves(node.inner)
    return []
