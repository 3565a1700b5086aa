"""Captures taken years apart, hunted together, keep their own beacon time base."""

from pathlib import Path

from seawall.commands import hunt

C2 = Path(__file__).resolve().parents[1] / "data" / "traffic" / "c2"


def test_folder_of_captures_finds_every_c2_agent(tmp_path):
    report = hunt([str(C2)], profile="lab", store_dir=str(tmp_path / "store"), detectors=["beacon"])
    found = {
        (a.rule_id, a.entities.get("source.ip"), a.entities.get("destination.ip"))
        for a in report.alerts
    }
    assert ("beacon.connection", "172.18.0.2", "172.18.0.3") in found  # Manx UDP, 60 s
    assert ("beacon.request", "172.18.0.3", "172.18.0.2") in found  # Sandcat inside one conn
    assert ("beacon.connection", "172.18.0.3", "172.18.0.2") in found  # Ragdoll per connection
    assert ("beacon.request", "10.0.0.4", "24.199.110.233") in found  # Merlin over QUIC
    manx = [a for a in report.alerts if a.entities.get("destination.ip") == "172.18.0.3"]
    assert manx[0].severity == "high"  # perfect 60.0 s beacon keeps its full score
