"""Brute-force detector: Zeek's sshguess capture at both thresholds, crafted flow shapes."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from seawall.detect.base import DetectContext, RecordTables, load_thresholds
from seawall.detect.traffic.bruteforce import detect_bruteforce
from seawall.records import from_columns
from seawall.records.alerts import Alert
from seawall.sources import SourceOptions, read_file

TRAFFIC = Path(__file__).resolve().parent.parent / "data" / "traffic"
T0 = 1_700_000_000.0
SYN_ACK_PSH_FIN = 0x1B


def _ctx(profile: str = "default", **overrides: Any) -> DetectContext:
    return DetectContext(profile=profile, overrides={"bruteforce": overrides}).for_detector(
        "bruteforce"
    )


@cache
def _corpus(relative: str) -> RecordTables:
    result = read_file(str(TRAFFIC / relative), SourceOptions())
    return RecordTables(flows=result.table("flow"), packets=result.table("packet"))


def _attempts(
    starts: list[float],
    *,
    src: str = "10.9.0.5",
    dst: str = "10.0.0.1",
    port: int = 22,
    sizes: list[int] | int = 4000,
    duration: float = 4.0,
    flags: int | None = SYN_ACK_PSH_FIN,
    packets: int = 20,
) -> Any:
    n = len(starts)
    cols: dict[str, Any] = {
        "event.start": [round(s * 1e6) for s in starts],
        "event.end": [round((s + duration) * 1e6) for s in starts],
        "source.ip": [src] * n,
        "source.port": list(range(50_000, 50_000 + n)),
        "destination.ip": [dst] * n,
        "destination.port": [port] * n,
        "network.transport": ["tcp"] * n,
        "source.bytes": sizes if isinstance(sizes, list) else [sizes] * n,
        "destination.bytes": [3300] * n,
        "source.packets": [packets] * n,
        "destination.packets": [packets] * n,
        "input.file": ["crafted.pcap"] * n,
        "input.frame": list(range(1, n + 1)),
    }
    if flags is not None:
        cols["source.tcp_flags"] = [flags] * n
        cols["destination.tcp_flags"] = [flags] * n
    return from_columns("flow", cols)


def _run(flows: Any, profile: str = "default", **overrides: Any) -> list[Alert]:
    return detect_bruteforce(RecordTables(flows=flows), _ctx(profile, **overrides))


# --- real captures -----------------------------------------------------------------------


def test_sshguess_fires_at_zeek_test_limit_of_10() -> None:
    alerts = detect_bruteforce(_corpus("bruteforce/zeek_sshguess.pcap"), _ctx("lab"))
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.entities == {
        "source.ip": "192.168.56.1",
        "destination.ip": "192.168.56.103",
        "destination.port": 22,
    }
    assert alert.evidence["attempts_in_window"] == 11
    assert alert.evidence["limit"] == 10
    assert alert.evidence["window_span_seconds"] < 70
    assert alert.evidence["similar_share"] >= 0.9
    assert "T1110" in alert.attack
    assert alert.inputs and alert.inputs[0].file.endswith("zeek_sshguess.pcap")
    assert alert.inputs[0].frame == 1


def test_sshguess_silent_at_zeek_default_of_30() -> None:
    assert load_thresholds("bruteforce")["min_attempts"] == 30
    assert detect_bruteforce(_corpus("bruteforce/zeek_sshguess.pcap"), _ctx("default")) == []


@pytest.mark.parametrize("profile", ["default", "lab"])
def test_single_ssh_session_is_not_brute_force(profile: str) -> None:
    tables = _corpus("benign/zeek_var-services-std-ports.pcap")
    assert detect_bruteforce(tables, _ctx(profile)) == []


# --- crafted edge cases ------------------------------------------------------------------


def test_limit_is_inclusive_and_one_less_is_silent() -> None:
    assert len(_run(_attempts([T0 + 5 * i for i in range(10)]), "lab")) == 1
    assert _run(_attempts([T0 + 5 * i for i in range(9)]), "lab") == []


def test_attempts_spread_beyond_the_window_do_not_add_up() -> None:
    # 12 attempts, one every 10 minutes: at most 4 inside any 30-minute window.
    starts = [T0 + 600 * i for i in range(12)]
    assert _run(_attempts(starts), "lab") == []
    assert len(_run(_attempts(starts), "lab", window_seconds=7200)) == 1


def test_dissimilar_sizes_are_not_a_guessing_tool() -> None:
    sizes = [1000 * (i + 1) for i in range(12)]
    assert _run(_attempts([T0 + i for i in range(12)], sizes=sizes), "lab") == []


def test_connections_without_handshake_are_scans_not_logins() -> None:
    syn_only = _attempts([T0 + i for i in range(20)], flags=0x02, packets=1)
    assert _run(syn_only, "lab") == []


def test_exporter_without_tcp_flags_counts_packets_both_ways() -> None:
    assert len(_run(_attempts([T0 + i for i in range(12)], flags=None), "lab")) == 1


def test_other_ports_and_long_sessions_are_ignored() -> None:
    assert _run(_attempts([T0 + i for i in range(20)], port=443), "lab") == []
    assert _run(_attempts([T0 + i for i in range(20)], duration=600), "lab") == []


def test_long_session_after_guessing_raises_severity() -> None:
    import pyarrow as pa

    guesses = _attempts([T0 + 5 * i for i in range(12)])
    session = _attempts([T0 + 100], duration=900, sizes=250_000)
    alerts = _run(pa.concat_tables([guesses, session]), "lab")
    assert len(alerts) == 1
    assert alerts[0].evidence["longer_sessions_after"] == 1
    assert alerts[0].severity == "high"
    plain = _run(guesses, "lab")[0]
    assert plain.severity == "medium"


def test_netconf_and_telnet_are_watched() -> None:
    for port, service in ((830, "NETCONF"), (23, "Telnet"), (21, "FTP")):
        alerts = _run(_attempts([T0 + i for i in range(12)], port=port), "lab")
        assert len(alerts) == 1 and service in alerts[0].title


def test_separate_servers_are_counted_separately() -> None:
    import pyarrow as pa

    a = _attempts([T0 + i for i in range(6)], dst="10.0.0.1")
    b = _attempts([T0 + i for i in range(6)], dst="10.0.0.2")
    assert _run(pa.concat_tables([a, b]), "lab") == []


def test_empty_input() -> None:
    assert detect_bruteforce(RecordTables(), _ctx("lab")) == []
