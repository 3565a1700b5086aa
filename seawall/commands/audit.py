"""The audit, inventory and KEV commands over device configurations."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from seawall.commands.hunt import FileSummary, HuntReport, Progress
from seawall.detect.audit.inventory import DeviceInventory, device_inventory
from seawall.errors import InputError, Location, ParseIssue
from seawall.records.alerts import Alert, sort_alerts
from seawall.records.config import ConfigChange, DeviceConfig
from seawall.sources import walk
from seawall.sources.base import SourceResult
from seawall.sources.configs import parse_config_file
from seawall.sources.configs.showversion import (
    ShowVersion,
    apply_show_versions,
    parse_show_version,
)
from seawall.sources.configs.source import config_table, models_from_table
from seawall.store import EmbeddedStore, file_sha256


@dataclass(slots=True)
class AuditReport(HuntReport):
    """A hunt report whose inputs are device configurations, plus the inventory and the
    changes found against baselines."""

    devices: list[DeviceInventory] = field(default_factory=list)
    changes: list[tuple[str, ConfigChange]] = field(default_factory=list)  # (device, change)
    baselines_matched: int = 0

    def summary(self) -> dict[str, Any]:
        base = HuntReport.summary(self)
        base["devices"] = len(self.devices)
        base["config_lines_not_understood"] = sum(d.unknown_lines for d in self.devices)
        base["baselines_matched"] = self.baselines_matched
        base["changes"] = len(self.changes)
        return base


def _missing(paths: Sequence[str]) -> None:
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise InputError(f"no such file or directory: {', '.join(missing)}")


def load_models(
    paths: Sequence[str],
    store: EmbeddedStore | None = None,
    progress: Progress | None = None,
) -> tuple[list[DeviceConfig], list[FileSummary]]:
    """Parse every configuration under ``paths`` (stored models are reused by content hash);
    saved ``show version`` outputs among them give their device its running release; other
    files come back as summaries with their issue."""
    files = list(walk(paths))
    models: list[DeviceConfig] = []
    summaries: list[FileSummary] = []
    versions: list[ShowVersion] = []
    for done, path in enumerate(files):
        if progress:
            progress("parse", path, done, len(files))
        model, summary = _load_one(path, store)
        if model is None and summary.source == "unknown":
            shown = _show_version(path, summary)
            if shown is not None:
                versions.append(shown)
                summary = FileSummary(path, "show-version", 1, "files", {}, [], cached=False)
        summaries.append(summary)
        if model is not None:
            models.append(model)
    if versions:
        apply_show_versions(models, versions)
    return models, summaries


def _show_version(path: str, summary: FileSummary) -> ShowVersion | None:
    """A file no config parser took may be a saved ``show version``."""
    if any("binary" in issue.reason for issue in summary.issues):
        return None
    try:
        with open(path, "rb") as handle:
            data = handle.read(256 * 1024 + 1)
    except OSError:
        return None
    return parse_show_version(data.decode("utf-8", "replace"), path)


def _load_one(path: str, store: EmbeddedStore | None) -> tuple[DeviceConfig | None, FileSummary]:
    sha = None
    if store is not None:
        try:
            sha = file_sha256(path)
        except OSError as exc:
            issue = ParseIssue(Location(path), f"cannot read file: {exc.strerror or exc}")
            return None, FileSummary(path, "unknown", 0, "files", {}, [issue], cached=False)
        stored = store.lookup(sha)
        if stored is not None and stored.source == "config":
            table = store.read("config", [sha])
            if table.num_rows:
                model = models_from_table(table)[0]
                model.path = path  # the same bytes may sit under another name now
                return model, FileSummary(
                    path,
                    "config",
                    model.lines_total,
                    "lines",
                    {"config": 1},
                    store.stored_issues(sha),
                    cached=True,
                )
    parsed = parse_config_file(path)
    if parsed.model is None:
        return None, FileSummary(path, "unknown", 0, "files", {}, parsed.issues, cached=False)
    model = parsed.model
    if store is not None and sha is not None:
        result = SourceResult(path=path, source="config", unit="lines", issues=parsed.issues)
        result.tables["config"] = config_table([model])
        result.units_read = model.lines_total
        store.add(sha, result)
    return model, FileSummary(
        path, "config", model.lines_total, "lines", {"config": 1}, parsed.issues, cached=False
    )


def audit(
    paths: Sequence[str],
    *,
    baseline: str | None = None,
    store_dir: str = ".seawall",
    check_paths: Sequence[str] = (),
    use_kev: bool = True,
    config_path: str | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Audit every device configuration under ``paths``: checks, exposure and, with a
    baseline (a file or a directory of approved configs) or dated backups of one device,
    drift."""
    from seawall.config import load_config
    from seawall.detect.audit.checks import load_checks
    from seawall.detect.audit.run import audit_context, audit_model
    from seawall.detect.audit.snapshots import pair_baselines, series_pairs
    from seawall.intel.kev import load_kev

    started = time.monotonic()
    _missing([*paths, *([baseline] if baseline else [])])
    checks = load_checks(list(check_paths) or None)
    context = audit_context(load_config(config_path).network)
    run_issues: list[ParseIssue] = []
    with EmbeddedStore(store_dir) as store:
        kev = load_kev(store_dir) if use_kev else None
        models, summaries = load_models(paths, store, progress)
        # Baseline: approved configs matched by hostname; else dated backups of one device
        # compared in order, the newest audited.
        pairs: dict[int, DeviceConfig] = {}
        if baseline is not None:
            baseline_models, baseline_files = load_models([baseline], store)
            run_issues += [i for f in baseline_files for i in f.issues]
            for current, before in pair_baselines(models, baseline_models):
                pairs[id(current)] = before
        else:
            latest, series = series_pairs(models)
            models = latest
            for current, before in series:
                pairs[id(current)] = before
        alerts: list[Alert] = []
        changes: list[tuple[str, ConfigChange]] = []
        for done, model in enumerate(models):
            if progress:
                progress("audit", model.path, done, len(models))
            found, changed = audit_model(
                model, checks, baseline=pairs.get(id(model)), kev=kev, context=context
            )
            alerts.extend(found)
            changes.extend((model.name, c) for c in changed)
        alerts = sort_alerts(alerts)
        store.save_alerts(alerts)
    return AuditReport(
        alerts=alerts,
        files=summaries,
        run_issues=run_issues,
        seconds=time.monotonic() - started,
        devices=[device_inventory(m) for m in models],
        changes=changes,
        baselines_matched=len(pairs),
    )


def inventory(
    paths: Sequence[str], *, store_dir: str | None = None
) -> tuple[list[DeviceInventory], list[FileSummary]]:
    """Devices, versions, management addresses, AAA servers and tunnel peers."""
    _missing(paths)
    if store_dir is None:
        models, summaries = load_models(paths)
    else:
        with EmbeddedStore(store_dir) as store:
            models, summaries = load_models(paths, store)
    return [device_inventory(m) for m in models], summaries


def update_kev(path: str, *, store_dir: str = ".seawall") -> dict[str, Any]:
    """Install a newer CISA KEV catalog into the store (validated first)."""
    from seawall.intel import kev

    _missing([path])
    summary: dict[str, Any] = kev.update_kev(path, store_dir)
    return summary


def rule_help(check_paths: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
    """Rationale, remediation and sources per check id, for outputs that describe rules."""
    from seawall.detect.audit.checks import load_checks

    help_by_id: dict[str, dict[str, Any]] = {}
    for check in load_checks(list(check_paths) or None):
        remediation = check.remediation or {}
        help_by_id[check.id] = {
            "rationale": check.rationale,
            "remediation": "\n".join(f"[{d}]\n{snippet}" for d, snippet in remediation.items()),
            "source": list(check.source),
        }
    return help_by_id
