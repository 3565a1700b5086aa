"""The command layer. CLI, API and dashboard call these functions; they hold no UI logic."""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from seawall.config import Config, load_config
from seawall.detect.base import DetectContext
from seawall.engines.local import run_detectors
from seawall.errors import InputError, Location, ParseIssue
from seawall.records.alerts import SEVERITIES, Alert
from seawall.sources import read_file, walk
from seawall.sources.base import SourceOptions, SourceResult
from seawall.store import EmbeddedStore, file_sha256

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
        alerts = run_detectors(tables, ctx, detectors)
        store.save_alerts(alerts)
    return HuntReport(
        alerts=alerts,
        files=summaries,
        run_issues=run_issues,
        profile=profile,
        seconds=time.monotonic() - started,
    )


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
