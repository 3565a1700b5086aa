"""Pairing snapshots: two files, a baseline directory, dated backup series."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from seawall.detect.audit.snapshots import (
    device_key,
    pair_baseline_dir,
    pair_baselines,
    pair_files,
    pair_series_dir,
    series_pairs,
    snapshot_date,
)
from seawall.records.config import DeviceConfig

CORPUS = Path(__file__).resolve().parents[2] / "data" / "configs"
NX_RUNNING = (CORPUS / "cisco_nxos" / "hierconfig_nxos_running.conf").read_text()
NX_GENERATED = (CORPUS / "cisco_nxos" / "hierconfig_nxos_generated.conf").read_text()
XR_RUNNING = (CORPUS / "cisco_iosxr" / "hierconfig_iosxr_running.conf").read_text()
JUNOS_RUNNING = (CORPUS / "juniper_junos" / "hierconfig_junos_running.conf").read_text()


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def kinds(changes: list) -> list[tuple[str, str]]:
    return [(c.kind, c.subject) for c in changes]


@pytest.mark.parametrize(
    ("path", "date", "key"),
    [
        ("b/core1_2024-03-01.cfg", datetime(2024, 3, 1), "b/core1"),
        ("b/core1-20240301.cfg", datetime(2024, 3, 1), "b/core1"),
        ("b/core1.2024.03.01.txt", datetime(2024, 3, 1), "b/core1"),
        ("b/2024-03-01/core1.cfg", datetime(2024, 3, 1), "b/core1"),
        ("b/core1/2024-03-01.cfg", datetime(2024, 3, 1), "b/core1"),
        ("b/core1_2024-03-01_1530.cfg", datetime(2024, 3, 1, 15, 30), "b/core1"),
        ("b/core1-20240301T153045.cfg", datetime(2024, 3, 1, 15, 30, 45), "b/core1"),
        ("b/pe-2024-03-01-east.cfg", datetime(2024, 3, 1), "b/pe-east"),
        ("b/r1.cfg", None, "b/r1"),
        ("b/core1-2024-02-30.cfg", None, "b/core1-2024-02-30"),  # no 30 February
        ("b/core1-20241301.cfg", None, "b/core1-20241301"),  # no month 13
        ("b/as65001-r1.cfg", None, "b/as65001-r1"),
    ],
)
def test_date_and_device_from_name(path: str, date: datetime | None, key: str) -> None:
    assert snapshot_date(path) == date
    assert device_key(path) == key


def test_pair_two_files(tmp_path: Path) -> None:
    before = write(tmp_path / "nexus-01.before", NX_RUNNING)
    after = write(tmp_path / "nexus-01.after", NX_GENERATED)
    result = pair_files(str(before), str(after))
    assert result.issues == [] and result.unmatched == []
    (pair,) = result.pairs
    assert pair.device == "nexus-01"
    assert (pair.before_path, pair.after_path) == (str(before), str(after))
    assert pair.before_date is None and pair.matched_by == "files"
    assert kinds(pair.changes()) == [
        ("ntp_server_added", "ntp server 10.0.0.31"),
        ("static_route_added", "route 10.200.0.0/16"),
        ("routing_peer_added", "bgp neighbor 172.16.1.3"),
    ]


def test_pair_with_a_file_that_does_not_parse(tmp_path: Path) -> None:
    good = write(tmp_path / "r1.cfg", NX_RUNNING)
    bad = write(tmp_path / "r1.bin", b"\x00\x01\x02binary")
    result = pair_files(str(good), str(bad))
    assert result.pairs == []
    assert result.unmatched == [str(good)]
    (issue,) = result.issues
    assert issue.location.file == str(bad)
    assert "binary file" in issue.reason
    missing = pair_files(str(good), str(tmp_path / "absent.cfg"))
    assert "cannot read file" in missing.issues[0].reason


def test_series_directory(tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    first = write(backups / "nx1_2024-03-01.cfg", NX_RUNNING)
    write(backups / "nx1_2024-03-10.cfg", b"\x00corrupt backup")
    second = write(backups / "nx1-20240315.cfg", NX_GENERATED)
    third = write(
        backups / "2024-04-01" / "nx1.cfg",
        NX_GENERATED + "ntp server 203.0.113.9 use-vrf default\n",
    )
    lone = write(backups / "xr1_2024-03-01.cfg", XR_RUNNING)
    undated = write(backups / "junos-notes.cfg", JUNOS_RUNNING)
    write(backups / ".hidden_2024-03-02.cfg", NX_RUNNING)  # editor leftovers are skipped

    result = pair_series_dir(str(backups))

    assert [(p.before_path, p.after_path) for p in result.pairs] == [
        (str(first), str(second)),
        (str(second), str(third)),
    ]
    assert [(p.before_date, p.after_date) for p in result.pairs] == [
        (datetime(2024, 3, 1), datetime(2024, 3, 15)),
        (datetime(2024, 3, 15), datetime(2024, 4, 1)),
    ]
    assert {p.device for p in result.pairs} == {"nexus-01"}
    assert {p.matched_by for p in result.pairs} == {"date series"}
    assert kinds(result.pairs[0].changes()) == [
        ("ntp_server_added", "ntp server 10.0.0.31"),
        ("static_route_added", "route 10.200.0.0/16"),
        ("routing_peer_added", "bgp neighbor 172.16.1.3"),
    ]
    (change,) = result.pairs[1].changes()
    assert (change.kind, change.subject, change.line_after) == (
        "ntp_server_added",
        "ntp server 203.0.113.9",
        49,
    )
    assert result.unmatched == sorted([str(lone), str(undated)])
    (issue,) = result.issues
    assert issue.location.file.endswith("nx1_2024-03-10.cfg")


def test_baseline_directory(tmp_path: Path) -> None:
    approved = tmp_path / "approved"
    write(approved / "nexus.txt", NX_RUNNING)  # hostname nexus-01
    no_hostname = "\n".join(NX_RUNNING.splitlines()[1:]) + "\n"
    write(approved / "edge9.cfg", no_hostname)
    write(approved / "xr.cfg", XR_RUNNING)
    current = tmp_path / "now"
    nx_now = write(current / "nx-current.cfg", NX_GENERATED)
    edge_now = write(current / "edge9_2024-05-01.cfg", no_hostname + "feature telnet\n")
    junos_now = write(current / "junos.cfg", JUNOS_RUNNING)
    write(current / "broken.cfg", b"\x00\x00")

    result = pair_baseline_dir(str(approved), str(current))

    matched = {
        (Path(p.before_path).name, Path(p.after_path).name, p.matched_by) for p in result.pairs
    }
    assert matched == {
        ("nexus.txt", "nx-current.cfg", "hostname"),
        ("edge9.cfg", "edge9_2024-05-01.cfg", "file name"),
    }
    assert result.unmatched == [str(junos_now)]
    assert [Path(i.location.file).name for i in result.issues] == ["broken.cfg"]
    by_after = {p.after_path: p for p in result.pairs}
    assert by_after[str(edge_now)].after_date == datetime(2024, 5, 1)
    assert kinds(by_after[str(edge_now)].changes()) == [("service_enabled", "service telnet")]
    assert len(by_after[str(nx_now)].changes()) == 3
    # a list of files works as well as a directory
    listed = pair_baseline_dir(str(approved), [str(nx_now)])
    assert [p.matched_by for p in listed.pairs] == ["hostname"]


def _model(path: str, hostname: str | None = None) -> DeviceConfig:
    return DeviceConfig(path=path, dialect="cisco_ios", hostname=hostname)


def test_series_pairs_on_models() -> None:
    models = [
        _model("b/core1_2024-03-15.cfg", "core1"),
        _model("b/edge.cfg", "edge"),
        _model("b/core1_2024-03-01.cfg", "core1"),
        _model("b/core2_2024-03-01.cfg", "core2"),
        _model("b/core1_2024-04-01.cfg", "core1-renamed"),  # grouped by file, not hostname
    ]
    audited, pairs = series_pairs(models)
    assert [m.path for m in audited] == [
        "b/edge.cfg",
        "b/core2_2024-03-01.cfg",
        "b/core1_2024-04-01.cfg",
    ]
    assert [(later.path, earlier.path) for later, earlier in pairs] == [
        ("b/core1_2024-03-15.cfg", "b/core1_2024-03-01.cfg"),
        ("b/core1_2024-04-01.cfg", "b/core1_2024-03-15.cfg"),
    ]


def test_pair_baselines_on_models() -> None:
    current = [
        _model("now/a.cfg", "Core1"),
        _model("now/edge7-20240501.cfg"),
        _model("now/other.cfg", "other"),
    ]
    baseline = [
        _model("base/x.cfg", "core1"),  # hostnames match without regard to case
        _model("base/EDGE7.cfg"),
        _model("base/y.cfg", "nobody"),
    ]
    pairs = pair_baselines(current, baseline)
    assert [(c.path, b.path) for c, b in pairs] == [
        ("now/a.cfg", "base/x.cfg"),
        ("now/edge7-20240501.cfg", "base/EDGE7.cfg"),
    ]
