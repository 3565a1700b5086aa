"""The hunt command: ingest inputs once per content, run the detectors over them."""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from seawall.config import Config, load_config
from seawall.detect import load_all
from seawall.detect.base import REGISTRY, DetectContext, RecordTables
from seawall.engines.local import run_detectors
from seawall.errors import InputError, Location, ParseIssue
from seawall.records.alerts import SEVERITIES, Alert, sort_alerts
from seawall.sources import read_file, walk
from seawall.sources.base import SourceOptions, SourceResult
from seawall.store import EmbeddedStore, file_sha256

AUDIT_DETECTOR = "config_audit"
# progress(stage, path, done, total)
Progress = Callable[[str, str, int, int], None]


@dataclass(slots=True)
class FileSummary:
    path: str
    source: str
    units_read: int
    unit: str
    rows: dict[str, int]
    issues: list[ParseIssue]
    cached: bool  # already in the store: not parsed again


@dataclass(slots=True)
class HuntReport:
    alerts: list[Alert]
    files: list[FileSummary]
    run_issues: list[ParseIssue] = field(default_factory=list)
    profile: str = "default"
    seconds: float = 0.0

    @property
    def issues(self) -> list[ParseIssue]:
        return [i for f in self.files for i in f.issues] + self.run_issues

    def summary(self) -> dict[str, Any]:
        records: Counter[str] = Counter()
        for f in self.files:
            records.update(f.rows)
        by_severity = Counter(a.severity for a in self.alerts)
        return {
            "files": len(self.files),
            "files_skipped": sum(1 for f in self.files if f.source == "unknown"),
            "files_cached": sum(1 for f in self.files if f.cached),
            "records": dict(records),
            "parse_errors_skipped": len(self.issues),
            "alerts": len(self.alerts),
            "alerts_by_severity": {s: by_severity.get(s, 0) for s in reversed(SEVERITIES)},
            "profile": self.profile,
            "seconds": round(self.seconds, 3),
        }


def hunt(
    paths: Sequence[str],
    *,
    profile: str = "default",
    store_dir: str = ".seawall",
    config_path: str | None = None,
    intel_paths: Sequence[str] = (),
    detectors: Sequence[str] | None = None,
    options: SourceOptions | None = None,
    progress: Progress | None = None,
) -> HuntReport:
    """Ingest the inputs under ``paths`` (once per content) and run the detectors over them."""
    started = time.monotonic()
    config = load_config(config_path)
    files = list(walk(paths))
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise InputError(f"no such file or directory: {', '.join(missing)}")
    options = options or SourceOptions()
    summaries: list[FileSummary] = []
    hashes: list[str] = []
    with EmbeddedStore(store_dir) as store:
        for done, path in enumerate(files):
            if progress:
                progress("ingest", path, done, len(files))
            summaries.append(_ingest(store, path, options, hashes))
        run_issues = _finish_sources(store, options, files, hashes)
        if progress:
            progress("detect", "", len(files), len(files))
        tables = store.tables(hashes)
        ctx = DetectContext(
            profile=profile,
            network=config.network,
            overrides=config.thresholds,
            intel=_load_intel(config, intel_paths, run_issues),
        )
        alerts = _detect(tables, ctx, detectors, store_dir)
        store.save_alerts(alerts)
    return HuntReport(
        alerts=alerts,
        files=summaries,
        run_issues=run_issues,
        profile=profile,
        seconds=time.monotonic() - started,
    )


def _detect(
    tables: RecordTables, ctx: DetectContext, detectors: Sequence[str] | None, store_dir: str
) -> list[Alert]:
    """Run the detectors. Configurations among the inputs are audited first; their inventory
    (device addresses, AAA servers, tunnel peers nobody accused) then becomes the network
    map the traffic detectors use, on top of any hand-written one."""
    load_all()
    selected = list(detectors) if detectors is not None else sorted(REGISTRY)
    if tables.configs.num_rows == 0 or AUDIT_DETECTOR not in selected:
        return run_detectors(tables, ctx, selected)
    from seawall.detect.audit.inventory import device_inventory, network_context
    from seawall.intel.kev import load_kev
    from seawall.sources.configs.source import models_from_table

    ctx.kev = load_kev(store_dir)
    audit_alerts = run_detectors(tables, ctx, [AUDIT_DETECTOR])
    devices = [device_inventory(m) for m in models_from_table(tables.configs)]
    ctx.network = network_context(devices, audit_alerts, ctx.network)
    rest = [name for name in selected if name != AUDIT_DETECTOR]
    return sort_alerts(audit_alerts + run_detectors(tables, ctx, rest))


def _ingest(
    store: EmbeddedStore, path: str, options: SourceOptions, hashes: list[str]
) -> FileSummary:
    try:
        sha = file_sha256(path)
    except OSError as exc:
        issue = ParseIssue(Location(path), f"cannot read file: {exc.strerror or exc}")
        return FileSummary(path, "unknown", 0, "files", {}, [issue], cached=False)
    stored = store.lookup(sha)
    if stored is not None:
        hashes.append(sha)
        return FileSummary(
            path,
            stored.source,
            stored.units_read,
            stored.unit,
            stored.rows,
            store.stored_issues(sha),
            cached=True,
        )
    result = read_file(path, options)
    if result.source != "unknown":
        store.add(sha, result)
        hashes.append(sha)
    rows = {k: t.num_rows for k, t in result.tables.items() if t.num_rows}
    return FileSummary(
        path, result.source, result.units_read, result.unit, rows, result.issues, cached=False
    )


def _finish_sources(
    store: EmbeddedStore, options: SourceOptions, files: list[str], hashes: list[str]
) -> list[ParseIssue]:
    """Let sources with cross-file state finish: NetFlow v9/IPFIX data whose template came
    late is decoded now, data whose template never came is reported."""
    from seawall.sources.flowexport import finish_run

    finished = finish_run(options)
    if finished is None:
        return []
    table, issues, _stats = finished
    if table.num_rows:
        # Records decoded at the end of the run belong to no single input: store them under
        # a key derived from the run's inputs, so re-running the same inputs stays idempotent.
        key = hashlib.sha256(("flowexport-finish:" + ",".join(sorted(hashes))).encode())
        sha = key.hexdigest()
        result = SourceResult(path="(end of run)", source="flowexport", unit="records")
        result.tables["flow"] = table
        result.units_read = table.num_rows
        store.add(sha, result)
        hashes.append(sha)
    return issues


def _load_intel(config: Config, intel_paths: Sequence[str], issues: list[ParseIssue]) -> Any:
    files = [*config.intel, *intel_paths]
    if not files:
        return None
    from seawall.intel.files import load_indicator_set

    indicators, results = load_indicator_set(files)
    for result in results:
        issues.extend(result.issues)
    return indicators
