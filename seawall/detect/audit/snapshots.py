"""Which two configurations of one device to compare.

Three ways to get pairs, each from paths (parsed here) or from models already parsed (the
command layer parses through its cache):

* two files: ``pair_files(before, after)``;
* a baseline directory of approved configs matched to the current ones by hostname, falling
  back to the file name: ``pair_baseline_dir`` / ``pair_baselines``;
* dated backups of devices in one directory (``core1_2024-03-01.cfg``, ``core1-20240301.cfg``,
  ``2024-03-01/core1.cfg``): grouped by device, ordered by the date in the name, consecutive
  snapshots paired: ``pair_series_dir`` / ``series_pairs``.

Files that do not parse come back as issues in the result, never as exceptions; a series
skips them and pairs the snapshots on either side.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from seawall.detect.audit.drift import diff_configs
from seawall.errors import Location, ParseIssue
from seawall.records.config import ConfigChange, DeviceConfig
from seawall.sources.configs import parse_config_file

# 2024-03-01, 2024_03_01, 2024.03.01, 20240301; optional time 1530, 15-30-00, T15:30.
_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])"
    r"(?:[T_\- ]?([01]\d|2[0-3])[:\-]?([0-5]\d)(?:[:\-]?([0-5]\d))?)?(?!\d)"
)
_EDGE_SEPARATORS = "-_. "


@dataclass(slots=True)
class SnapshotPair:
    device: str
    before: DeviceConfig
    after: DeviceConfig
    before_path: str
    after_path: str
    before_date: datetime | None = None
    after_date: datetime | None = None
    matched_by: str = "files"  # files | hostname | file name | date series

    def changes(self) -> list[ConfigChange]:
        return diff_configs(self.before, self.after)


@dataclass(slots=True)
class Pairing:
    pairs: list[SnapshotPair] = field(default_factory=list)
    issues: list[ParseIssue] = field(default_factory=list)  # files that could not be used
    unmatched: list[str] = field(default_factory=list)  # parsed, but nothing to compare with


# --- names and dates -------------------------------------------------------------------------


def _last_date(text: str) -> tuple[datetime, int, int] | None:
    """The last valid date (with optional time) in ``text`` and its span."""
    found = None
    for match in _DATE.finditer(text):
        year, _, month, day, hour, minute, second = match.groups()
        try:
            stamp = datetime(
                int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
            )
        except ValueError:  # 2024-02-30
            continue
        found = (stamp, match.start(), match.end())
    return found


def _stem(path: str) -> str:
    base = os.path.basename(path)
    stem, _ = os.path.splitext(base)
    return stem or base


def snapshot_date(path: str) -> datetime | None:
    """The date in the file name, else in its directory name."""
    found = _last_date(_stem(path)) or _last_date(os.path.basename(os.path.dirname(path)))
    return found[0] if found else None


def device_key(path: str) -> str:
    """The device part of a backup's path: the name without its date (``core1`` for
    ``core1_2024-03-01.cfg`` and ``2024-03-01/core1.cfg``), qualified by the folder above so
    two sites' ``core1`` stay apart. A name that is only a date takes its folder's name."""
    stem = _stem(path)
    folder = os.path.dirname(path)
    found = _last_date(stem)
    if found is not None:
        _, start, end = found
        left = stem[:start].rstrip(_EDGE_SEPARATORS)
        right = stem[end:].lstrip(_EDGE_SEPARATORS)
        # pe-2024-03-01-east -> pe-east: keep the separator that stood after the left part
        name = f"{left}{stem[len(left)]}{right}" if left and right else left or right
        if not name:  # core1/2024-03-01.cfg
            return os.path.normcase(folder)
        return os.path.normcase(os.path.join(folder, name))
    if _last_date(os.path.basename(folder)) is not None:  # 2024-03-01/core1.cfg
        return os.path.normcase(os.path.join(os.path.dirname(folder), stem))
    return os.path.normcase(os.path.join(folder, stem))


def _file_name_key(path: str) -> str:
    """File name without extension and date, case-folded: baseline matching fallback."""
    return os.path.basename(device_key(path)).casefold()


def _label(path: str) -> str:
    return os.path.basename(device_key(path)) or _stem(path)


# --- parsing ---------------------------------------------------------------------------------


def config_files(paths: Iterable[str]) -> list[str]:
    """Files under ``paths`` (files as given, directories walked), hidden ones skipped,
    sorted."""
    found: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(root, f) for f in files if not f.startswith("."))
        else:
            found.append(path)
    return sorted(found)


def parse_files(paths: Iterable[str]) -> tuple[list[DeviceConfig], list[ParseIssue]]:
    models: list[DeviceConfig] = []
    issues: list[ParseIssue] = []
    for path in paths:
        parsed = parse_config_file(path)
        if parsed.model is None:
            issues.extend(
                parsed.issues
                or [ParseIssue(Location(path), "not parsed as a device configuration")]
            )
        else:
            models.append(parsed.model)
    return models, issues


# --- two files -------------------------------------------------------------------------------


def pair_files(before_path: str, after_path: str) -> Pairing:
    models, issues = parse_files([before_path, after_path])
    result = Pairing(issues=issues)
    if len(models) != 2:
        result.unmatched = [m.path for m in models]
        return result
    before, after = models
    result.pairs.append(
        SnapshotPair(
            device=after.hostname or before.hostname or _label(after_path),
            before=before,
            after=after,
            before_path=before_path,
            after_path=after_path,
            before_date=snapshot_date(before_path),
            after_date=snapshot_date(after_path),
            matched_by="files",
        )
    )
    return result


# --- baseline directory ----------------------------------------------------------------------


def _baseline_match(
    current: Sequence[DeviceConfig], baseline: Sequence[DeviceConfig]
) -> tuple[list[tuple[DeviceConfig, DeviceConfig, str]], list[DeviceConfig]]:
    by_host: dict[str, DeviceConfig] = {}
    by_name: dict[str, DeviceConfig] = {}
    for model in baseline:
        if model.hostname:
            by_host.setdefault(model.hostname.casefold(), model)
        by_name.setdefault(_file_name_key(model.path), model)
    matched: list[tuple[DeviceConfig, DeviceConfig, str]] = []
    unmatched: list[DeviceConfig] = []
    for model in current:
        host = model.hostname.casefold() if model.hostname else None
        if host is not None and host in by_host:
            matched.append((model, by_host[host], "hostname"))
        elif _file_name_key(model.path) in by_name:
            matched.append((model, by_name[_file_name_key(model.path)], "file name"))
        else:
            unmatched.append(model)
    return matched, unmatched


def pair_baselines(
    current: Sequence[DeviceConfig], baseline: Sequence[DeviceConfig]
) -> list[tuple[DeviceConfig, DeviceConfig]]:
    """(current, approved baseline) for each current model that has one: same hostname,
    else same file name (without extension and date)."""
    matched, _ = _baseline_match(current, baseline)
    return [(model, base) for model, base, _ in matched]


def pair_baseline_dir(baseline_dir: str, current: str | Sequence[str]) -> Pairing:
    """Parse the baseline directory and the current configs (a directory or files) and pair
    them; current configs without a baseline are listed in ``unmatched``."""
    current_paths = config_files([current] if isinstance(current, str) else current)
    current_models, issues = parse_files(current_paths)
    baseline_models, baseline_issues = parse_files(config_files([baseline_dir]))
    matched, unmatched = _baseline_match(current_models, baseline_models)
    result = Pairing(issues=issues + baseline_issues, unmatched=[m.path for m in unmatched])
    for model, base, how in matched:
        result.pairs.append(
            SnapshotPair(
                device=model.hostname or _label(model.path),
                before=base,
                after=model,
                before_path=base.path,
                after_path=model.path,
                before_date=snapshot_date(base.path),
                after_date=snapshot_date(model.path),
                matched_by=how,
            )
        )
    return result


# --- dated series ----------------------------------------------------------------------------


def _series(
    models: Sequence[DeviceConfig],
) -> tuple[list[list[tuple[datetime, DeviceConfig]]], list[DeviceConfig]]:
    """Groups of dated snapshots (oldest first) per device, and models without a date."""
    groups: dict[str, list[tuple[datetime, DeviceConfig]]] = {}
    undated: list[DeviceConfig] = []
    for model in models:
        stamp = snapshot_date(model.path)
        if stamp is None:
            undated.append(model)
        else:
            groups.setdefault(device_key(model.path), []).append((stamp, model))
    ordered = []
    for key in sorted(groups):
        ordered.append(sorted(groups[key], key=lambda item: (item[0], item[1].path)))
    return ordered, undated


def series_pairs(
    models: Sequence[DeviceConfig],
) -> tuple[list[DeviceConfig], list[tuple[DeviceConfig, DeviceConfig]]]:
    """(the models to audit: the newest snapshot of each dated device plus every undated
    model, in input order; (later, earlier) pairs of consecutive dated snapshots)."""
    groups, undated = _series(models)
    latest = [group[-1][1] for group in groups]
    pairs = [(group[i][1], group[i - 1][1]) for group in groups for i in range(1, len(group))]
    keep = {id(m) for m in latest} | {id(m) for m in undated}
    return [m for m in models if id(m) in keep], pairs


def pair_series_dir(directory: str) -> Pairing:
    """Consecutive pairs of the dated backups under ``directory``."""
    models, issues = parse_files(config_files([directory]))
    groups, undated = _series(models)
    result = Pairing(issues=issues, unmatched=[m.path for m in undated])
    for group in groups:
        if len(group) == 1:
            result.unmatched.append(group[0][1].path)
        for (was_date, was), (now_date, now) in pairwise(group):
            result.pairs.append(
                SnapshotPair(
                    device=now.hostname or _label(now.path),
                    before=was,
                    after=now,
                    before_path=was.path,
                    after_path=now.path,
                    before_date=was_date,
                    after_date=now_date,
                    matched_by="date series",
                )
            )
    result.unmatched.sort()
    return result


__all__ = [
    "Pairing",
    "SnapshotPair",
    "config_files",
    "device_key",
    "pair_baseline_dir",
    "pair_baselines",
    "pair_files",
    "pair_series_dir",
    "parse_files",
    "series_pairs",
    "snapshot_date",
]
