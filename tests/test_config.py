"""The operator's config file: network map and threshold overrides change what fires."""

from pathlib import Path

import pytest

from seawall.commands import hunt
from seawall.config import load_config
from seawall.errors import ConfigError

DATA = Path(__file__).resolve().parent / "data" / "traffic"


def test_threshold_override_and_network_map_apply(tmp_path):
    config = tmp_path / "net.yaml"
    config.write_text(
        "network:\n"
        "  infrastructure: [172.27.1.66/32]\n"
        "  allowed_tunnel_peers: [66.59.109.137]\n"
        "thresholds:\n"
        "  bruteforce: {min_attempts: 10}\n"
    )
    paths = [str(DATA / "bruteforce"), str(DATA / "tunnels" / "zeek_gre-sample.pcap")]
    plain = hunt(paths, store_dir=str(tmp_path / "a"), detectors=["bruteforce", "tunnels"])
    tuned = hunt(
        paths,
        store_dir=str(tmp_path / "b"),
        config_path=str(config),
        detectors=["bruteforce", "tunnels"],
    )
    # Zeek's default limit (30) stays quiet on 11 guesses; the override (10) fires.
    assert not [a for a in plain.alerts if a.detector == "bruteforce"]
    assert [a for a in tuned.alerts if a.detector == "bruteforce"]
    # The approved GRE peer drops to inventory.
    gre_plain = [a for a in plain.alerts if a.rule_id == "TUN-GRE"]
    gre_tuned = [a for a in tuned.alerts if a.rule_id == "TUN-GRE"]
    assert gre_plain and gre_plain[0].severity in ("medium", "high", "critical")
    assert gre_tuned and all(a.severity == "info" for a in gre_tuned)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("network: {routers: [10.0.0.1]}", "unknown keys in network config"),
        ("network: {infrastructure: [10.0.0.300/8]}", "network.infrastructure"),
        ("surprise: 1", "unknown sections"),
        ("thresholds: {bruteforce: 3}", "thresholds must map"),
        ("- just a list", "must be a YAML mapping"),
    ],
)
def test_bad_config_says_what_to_fix(tmp_path, text, message):
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(str(config))


def test_unknown_threshold_names_the_known_ones(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("thresholds: {bruteforce: {min_attempt: 3}}")
    with pytest.raises(ConfigError, match="known:"):
        hunt([str(DATA / "bruteforce")], store_dir=str(tmp_path / "s"), config_path=str(config))
