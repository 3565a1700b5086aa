"""The whole traffic corpus against its ground truth, end to end through `hunt`.

Every file of tests/data/traffic has an entry in groundtruth.yaml (the PROVENANCE row in one
line, then what must be found at each profile, what must not, and the record counts the row
gives). Known gaps are entries marked `xfail` with the exact reason: they fail today and must
keep failing until fixed (strict), at which point the mark is removed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import yaml

from seawall.commands import HuntReport, hunt
from seawall.detect import load_all
from seawall.detect.base import PROFILES, REGISTRY
from seawall.records.alerts import SEVERITY_RANK, Alert
from seawall.sources import walk
from seawall.store import EmbeddedStore

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data" / "traffic"
SPEC = yaml.safe_load((HERE / "groundtruth.yaml").read_text(encoding="utf-8"))
INTEL = HERE / SPEC["intel"]
ENTRIES: list[dict[str, Any]] = SPEC["files"]
BY_FILE = {e["file"]: e for e in ENTRIES}

ENTRY_KEYS = {"file", "why", "with", "runs", "counts", "counts_xfail", "records"}
RUN_KEYS = {"profile", "config", "expect", "forbid_above", "forbid", "xfail"}
EXPECT_KEYS = {"detector", "rule", "min_severity", "entities", "evidence", "min_count"}
FORBID_KEYS = {"detector", "rule"}
COUNT_KEYS = {
    "flows",
    "connections",
    "flows_by_protocol",
    "exported",
    "transactions",
    "packets",
    "issues",
}
RECORD_KEYS = {"kind", "where", "contains", "count", "min", "all", "xfail"}
KINDS = {"flow", "transaction", "packet"}
FIVE_TUPLE = ("source.ip", "source.port", "destination.ip", "destination.port", "network.transport")


@dataclass(frozen=True, slots=True)
class Hunted:
    report: HuntReport
    tables: dict[str, pa.Table]


@pytest.fixture(scope="module")
def hunted(tmp_path_factory: pytest.TempPathFactory):
    """Hunt one entry's run once per test process; alerts, counts and records share it."""
    cache: dict[tuple[str, str], Hunted] = {}

    def get(file: str, run_key: str) -> Hunted:
        key = (file, run_key)
        if key not in cache:
            entry = BY_FILE[file]
            # Counts and records read the default-profile hunt, listed in `runs` or not.
            run = entry["runs"].get(run_key) or {}
            store = tmp_path_factory.mktemp("store")
            inputs = [str(DATA / p) for p in [*entry.get("with", []), file]]
            report = hunt(
                inputs,
                profile=run.get("profile", run_key),
                store_dir=str(store),
                config_path=str(HERE / run["config"]) if "config" in run else None,
                intel_paths=[str(INTEL)],
            )
            with EmbeddedStore(store) as s:
                tables = {kind: s.read(kind) for kind in KINDS}
            cache[key] = Hunted(report, tables)
        return cache[key]

    return get


def _xfail(reason: str | None) -> list[pytest.MarkDecorator]:
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


def _run_params() -> list[Any]:
    return [
        pytest.param(e["file"], key, id=f"{e['file']}@{key}", marks=_xfail(run.get("xfail")))
        for e in ENTRIES
        for key, run in e["runs"].items()
    ]


def _count_params() -> list[Any]:
    return [
        pytest.param(e["file"], id=e["file"], marks=_xfail(e.get("counts_xfail")))
        for e in ENTRIES
        if "counts" in e
    ]


def _record_params() -> list[Any]:
    return [
        pytest.param(e["file"], i, id=f"{e['file']}#{i}", marks=_xfail(rec.get("xfail")))
        for e in ENTRIES
        for i, rec in enumerate(e.get("records", []))
    ]


# ------------------------------------------------------------------------- the spec itself


def test_every_corpus_file_has_one_entry():
    on_disk = sorted(str(Path(p).relative_to(DATA)) for p in walk([str(DATA)]))
    listed = [e["file"] for e in ENTRIES]
    assert len(listed) == len(set(listed)), "a file is listed twice in groundtruth.yaml"
    assert sorted(listed) == on_disk, (
        f"missing from groundtruth.yaml: {sorted(set(on_disk) - set(listed))}; "
        f"listed but not in the corpus: {sorted(set(listed) - set(on_disk))}"
    )
    assert len(on_disk) == 61  # PROVENANCE.md: "Total: 61 files"


@pytest.mark.parametrize("file", [e["file"] for e in ENTRIES])
def test_entry_is_well_formed(file: str):
    """A misspelt key would silently assert nothing: reject anything not understood."""
    load_all()
    entry = BY_FILE[file]
    assert set(entry) <= ENTRY_KEYS, f"unknown keys {set(entry) - ENTRY_KEYS}"
    assert entry.get("why"), "every entry states its ground truth in `why`"
    assert entry.get("runs"), "every file is hunted at one profile at least"
    for path in [*entry.get("with", []), file]:
        assert (DATA / path).is_file(), f"{path} is not in tests/data/traffic"
    for key, run in entry["runs"].items():
        assert run, f"{key}: a run that asserts nothing cannot fail; remove it"
        assert set(run) <= RUN_KEYS, f"{key}: unknown keys {set(run) - RUN_KEYS}"
        assert run.get("profile", key) in PROFILES, f"{key}: give `profile:` for this run"
        if "config" in run:
            assert (HERE / run["config"]).is_file()
        if "forbid_above" in run:
            assert run["forbid_above"] in SEVERITY_RANK
        for spec in run.get("expect", []):
            assert set(spec) <= EXPECT_KEYS, f"{key}: unknown keys {set(spec) - EXPECT_KEYS}"
            assert spec.get("min_severity", "info") in SEVERITY_RANK
            assert spec.get("detector", "intel") in REGISTRY, spec
        for spec in run.get("forbid", []):
            assert spec and set(spec) <= FORBID_KEYS, f"{key}: bad forbid {spec}"
            assert spec.get("detector", "intel") in REGISTRY, spec
    assert set(entry.get("counts", {})) <= COUNT_KEYS
    for rec in entry.get("records", []):
        assert set(rec) <= RECORD_KEYS, f"unknown keys {set(rec) - RECORD_KEYS}"
        assert rec["kind"] in KINDS and ("count" in rec or "min" in rec)


# ------------------------------------------------------------------------- alerts per run


@pytest.mark.parametrize(("file", "run_key"), _run_params())
def test_alerts(file: str, run_key: str, hunted):
    run = BY_FILE[file]["runs"][run_key]
    alerts = hunted(file, run_key).report.alerts
    problems: list[str] = []
    for spec in run.get("expect", []):
        floor = SEVERITY_RANK[spec.get("min_severity", "info")]
        found = [a for a in alerts if _matches(a, spec)]
        strong = [a for a in found if SEVERITY_RANK[a.severity] >= floor]
        if len(strong) < spec.get("min_count", 1):
            problems.append(
                f"expected {spec} (x{spec.get('min_count', 1)}); "
                f"same rule/entities found at: {[a.severity for a in found] or 'nothing'}"
            )
    if "forbid_above" in run:
        ceiling = SEVERITY_RANK[run["forbid_above"]]
        problems += [
            f"above {run['forbid_above']}: {_brief(a)}"
            for a in alerts
            if SEVERITY_RANK[a.severity] > ceiling
        ]
    for spec in run.get("forbid", []):
        problems += [f"forbidden {spec}: {_brief(a)}" for a in alerts if _matches(a, spec)]
    assert not problems, "\n".join(
        [*problems, "all alerts of the run:", *(_brief(a) for a in alerts)]
    )


def _matches(alert: Alert, spec: dict[str, Any]) -> bool:
    if "detector" in spec and alert.detector != spec["detector"]:
        return False
    rule = str(spec.get("rule", "*"))
    if rule.endswith("*"):
        if not alert.rule_id.startswith(rule[:-1]):
            return False
    elif alert.rule_id != rule:
        return False
    entities = spec.get("entities", {})
    if any(alert.entities.get(k) != v for k, v in entities.items()):
        return False
    return _subset(spec.get("evidence", {}), alert.evidence)


def _subset(want: Any, have: Any) -> bool:
    if isinstance(want, dict):
        return isinstance(have, dict) and all(
            k in have and _subset(v, have[k]) for k, v in want.items()
        )
    return bool(want == have)


def _brief(alert: Alert) -> str:
    return f"  {alert.severity:8} {alert.detector}/{alert.rule_id} {alert.entities}"


# ------------------------------------------------------------------------- record counts


@pytest.mark.parametrize("file", _count_params())
def test_counts(file: str, hunted):
    want = BY_FILE[file]["counts"]
    result = hunted(file, "default")
    have = _counts(result, want)
    assert have == want, f"counts differ: expected {want}, measured {have}"


def _counts(result: Hunted, want: dict[str, Any]) -> dict[str, Any]:
    """The measured value of each count named in ``want``, in the same shape."""
    flows = result.tables["flow"]
    observer = flows.column("observer.type").to_pylist()
    rows = flows.select([*FIVE_TUPLE, "network.protocol"]).to_pylist()
    captured = [r for r, o in zip(rows, observer, strict=True) if o == "pcap"]
    exported = Counter(o for o in observer if o != "pcap")
    # A conversation is the same whichever side a flow record starts from (a record split by
    # an idle timeout restarts with whoever speaks first).
    tuples = {_conversation(r) for r in captured}
    measured: dict[str, Any] = {
        "flows": len(captured),
        "issues": len(result.report.issues),
    }
    connections = want.get("connections")
    if isinstance(connections, dict):
        per_transport = Counter(t[-1] for t in tuples)
        measured["connections"] = {k: per_transport.get(k, 0) for k in connections}
    else:
        measured["connections"] = len(tuples)
    by_protocol = Counter(r["network.protocol"] for r in captured)
    measured["flows_by_protocol"] = {
        k: by_protocol.get(k, 0) for k in want.get("flows_by_protocol", {})
    }
    if isinstance(want.get("exported"), dict):
        measured["exported"] = {k: exported.get(k, 0) for k in want["exported"]}
    else:
        measured["exported"] = sum(exported.values())
    for key, kind in (("transactions", "transaction"), ("packets", "packet")):
        table = result.tables[kind]
        kinds = Counter(table.column(f"{kind}.kind").to_pylist()) if table.num_rows else Counter()
        measured[key] = {k: kinds.get(k, 0) for k in want.get(key, {})}
    return {k: measured[k] for k in want}


def _conversation(row: dict[str, Any]) -> tuple[Any, ...]:
    ends = sorted(
        [(row["source.ip"], row["source.port"]), (row["destination.ip"], row["destination.port"])]
    )
    return (*ends, row["network.transport"])


# ------------------------------------------------------------------------- record contents


@pytest.mark.parametrize(("file", "index"), _record_params())
def test_records(file: str, index: int, hunted):
    spec = BY_FILE[file]["records"][index]
    table = hunted(file, "default").tables[spec["kind"]]
    where, contains, every = spec.get("where", {}), spec.get("contains", {}), spec.get("all", {})
    columns = sorted({*where, *contains, *every})
    missing = set(columns) - set(table.column_names)
    assert not missing, f"no such {spec['kind']} column(s): {sorted(missing)}"
    rows = table.select(columns).to_pylist()
    hits = [
        r
        for r in rows
        if all(_equal(r[k], v) for k, v in where.items())
        and all(r[k] is not None and str(v) in r[k] for k, v in contains.items())
    ]
    if "count" in spec:
        assert len(hits) == spec["count"], f"{len(hits)} rows match {where} {contains}"
    else:
        assert len(hits) >= spec["min"], f"{len(hits)} rows match {where} {contains}"
    wrong = [r for r in hits if not all(_equal(r[k], v) for k, v in every.items())]
    assert not wrong, f"{len(wrong)} of {len(hits)} rows differ from {every}: {wrong[:5]}"


def _equal(value: Any, want: Any) -> bool:
    if want == "*":
        return value is not None
    return bool(value == want)
