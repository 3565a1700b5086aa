"""End-to-end: the `seawall hunt` command on real captures, through the CLI."""

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from seawall.cli.main import cli
from seawall.store import EmbeddedStore

DATA = Path(__file__).resolve().parents[1] / "data" / "traffic"
REQUIRED = {
    "detector",
    "rule_id",
    "title",
    "severity",
    "attack",
    "entities",
    "first_seen",
    "last_seen",
    "evidence",
    "inputs",
    "explanation",
    "confidence",
}


def _json_alerts(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_json_lines_have_the_documented_fields(tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "hunt",
            str(DATA / "mgmt_plane" / "sv_telnet.pcap"),
            "--format",
            "json",
            "--store",
            str(tmp_path / "store"),
        ],
    )
    assert result.exit_code == 0, result.output
    alerts = _json_alerts(result.stdout)
    assert alerts, "cleartext Telnet to a device must raise an alert"
    for alert in alerts:
        assert set(alert) >= REQUIRED
        assert alert["severity"] in {"info", "low", "medium", "high", "critical"}
        assert alert["inputs"] and alert["inputs"][0]["file"].endswith("sv_telnet.pcap")
    telnet = [a for a in alerts if a["entities"].get("destination.port") == 23]
    assert telnet and telnet[0]["entities"]["destination.ip"] == "192.168.0.1"


def test_same_file_twice_adds_nothing(tmp_path):
    runner = CliRunner()
    args = [
        "hunt",
        str(DATA / "benign" / "zeek_bro.org.pcap"),
        "--format",
        "json",
        "--store",
        str(tmp_path / "store"),
    ]
    first = runner.invoke(cli, args)
    copy = tmp_path / "renamed.bin"
    shutil.copy(DATA / "benign" / "zeek_bro.org.pcap", copy)
    second = runner.invoke(cli, [*args[:1], str(copy), *args[2:]])
    assert first.exit_code == 0 and second.exit_code == 0
    with EmbeddedStore(tmp_path / "store") as store:
        inputs = store.inputs()
        assert len(inputs) == 1
        assert store.read("flow").num_rows == 13
    assert "1 already stored" in second.stderr


def test_bad_files_are_named_and_do_not_stop_the_run(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "notes.pcap").write_text("this is not a capture\n")
    raw = (DATA / "mgmt_plane" / "sv_telnet.pcap").read_bytes()
    (folder / "truncated.pcap").write_bytes(raw[: len(raw) // 2 + 7])
    shutil.copy(DATA / "mgmt_plane" / "zeek_snmpv1_set.pcap", folder / "snmp.pcap")
    runner = CliRunner()
    result = runner.invoke(
        cli, ["hunt", str(folder), "--format", "json", "--store", str(tmp_path / "store")]
    )
    assert result.exit_code == 0, result.output
    assert "notes.pcap" in result.stderr and "not a recognised input" in result.stderr
    assert "truncated.pcap" in result.stderr
    alerts = _json_alerts(result.stdout)
    files = {Path(i["file"]).name for a in alerts for i in a["inputs"]}
    assert "snmp.pcap" in files  # the good file was still hunted


def test_html_report_is_self_contained(tmp_path):
    out = tmp_path / "report.html"
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "hunt",
            str(DATA / "c2" / "caldera_manx-udp.pcap"),
            "--profile",
            "lab",
            "--format",
            "html",
            "--out",
            str(out),
            "--store",
            str(tmp_path / "store"),
        ],
    )
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert html.startswith("<!doctype html>")
    assert "<script src" not in html and "http://" not in html.split("<body>")[0]
    assert 'aria-label="intervals between check-ins (s)"' in html  # beacon histogram
    assert 'aria-label="timeline"' in html
    assert "172.18.0.3" in html


def test_missing_path_is_a_clear_error(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["hunt", str(tmp_path / "nope"), "--store", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "no such file or directory" in result.stderr
