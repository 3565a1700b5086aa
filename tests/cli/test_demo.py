"""`seawall demo` hunts the bundled captures and finds what their provenance says."""

import json

from click.testing import CliRunner

from seawall.cli.main import cli


def test_demo_finds_the_bundled_intrusions():
    result = CliRunner().invoke(cli, ["demo", "--format", "json"])
    assert result.exit_code == 0, result.output
    alerts = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    found = {(a["detector"], a["entities"].get("destination.port")) for a in alerts}
    detectors = {a["detector"] for a in alerts}
    # Telnet to a device, SNMP write, GRE and mirror tunnels, ARP sweep, Caldera C2, JA3 hit.
    assert ("mgmt_plane", 23) in found
    assert {"mgmt_plane", "tunnels", "scan", "beacon", "longconn", "intel"} <= detectors
    assert "0 not recognised" in result.stderr
    benign = [a for a in alerts if any("bro.org" in i["file"] for i in a["inputs"])]
    assert not [a for a in benign if a["severity"] not in ("info", "low")]
