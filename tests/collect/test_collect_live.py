"""End to end: the real device log parser and the registered log detectors behind the live
collector. Syslog lines a rule fires on are sent over UDP and over TCP on loopback; the alert
must be printed (callback) and stored within seconds, pointing at the stored line."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from queue import Empty, Queue

import pytest
from collect_helpers import octet, port_of, send_tcp, send_udp, wait_for

from seawall.collect import CollectOptions, Collector, select_detectors
from seawall.records.alerts import Alert
from seawall.store import EmbeddedStore

CLEAR_LOGS_SIGMA = "ceb407f6"  # SigmaHQ "Cisco Clear Logs" (DRL 1.1, author Austin Clark)
LOG_DETECTORS = select_detectors(None)


pytestmark = pytest.mark.skipif(
    not LOG_DETECTORS, reason="neither the 'sigma' nor the 'log_rules' detector is registered"
)


def cfglog(device: str, seq: int, command: str) -> bytes:
    return (
        f"<189>{seq}: {device}: *Jun  1 10:0{seq % 10}:00.123 UTC: "
        f"%PARSER-5-CFGLOG_LOGGEDCMD: User:attacker  logged command:{command}"
    ).encode()


LOGIN_22022 = (
    b"<189>77: r3-tcp: *Jun  1 10:05:00.000 UTC: %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success "
    b"[user: x] [Source: 203.0.113.9] [localport: 22022] at 10:05:00 UTC Sat Jun 1 2024"
)


def test_alerts_arrive_within_seconds_over_udp_and_tcp(tmp_path: Path) -> None:
    alerts: list[Alert] = []
    collector = Collector(
        ["udp://127.0.0.1:0", "tcp://127.0.0.1:0"],
        store_dir=str(tmp_path),
        options=CollectOptions(batch_seconds=0.2, stats_seconds=0),
        on_alert=alerts.append,
    ).start()
    try:
        assert collector.detectors == LOG_DETECTORS
        sent = time.monotonic()
        send_udp(port_of(collector, "udp"), [cfglog("r1-udp", 1, "clear logging")])
        send_tcp(
            port_of(collector, "tcp"),
            octet(cfglog("r2-tcp", 2, "show logging"))
            + cfglog("r2-tcp", 3, "clear logging")
            + b"\n"
            + LOGIN_22022
            + b"\n",
        )
        expected_devices = {"r1-udp", "r2-tcp"} if "sigma" in LOG_DETECTORS else set()

        def clear_logs_devices() -> set[str]:
            return {
                a.entities.get("device")
                for a in list(alerts)
                if a.detector == "sigma" and a.rule_id.startswith(CLEAR_LOGS_SIGMA)
            }

        if expected_devices:
            assert wait_for(lambda: clear_logs_devices() == expected_devices, timeout=10)
            assert time.monotonic() - sent < 10
        if "log_rules" in LOG_DETECTORS:
            assert wait_for(
                lambda: any(
                    a.detector == "log_rules" and "22022" in json.dumps(a.to_dict())
                    for a in list(alerts)
                ),
                timeout=10,
            )
    finally:
        summary = collector.stop()
    assert summary["parsed"] == 4
    assert summary["batcher"]["errors"] == 0
    assert (summary["unknown"], summary["dropped"], summary["junk"]) == (0, 0, 0)
    with EmbeddedStore(tmp_path) as store:
        stored = store.alerts()
        assert {a["id"] for a in stored} >= {a.alert_id for a in alerts}
        for alert in alerts:
            # Each alert names the stored batch and line it came from.
            for ref in alert.inputs:
                assert ref.file.startswith(("live:udp:127.0.0.1:", "live:tcp:127.0.0.1:"))
                rows = store.query(
                    'SELECT "event.original" AS line FROM log '
                    f'WHERE "input.file" = \'{ref.file}\' AND "input.line" = {ref.line}'
                ).to_pylist()
                assert len(rows) == 1
        if "sigma" in LOG_DETECTORS:
            udp_alert = next(a for a in alerts if a.entities.get("device") == "r1-udp")
            assert udp_alert.inputs[0].file.startswith("live:udp:")
            assert "Austin Clark" in udp_alert.explanation  # DRL 1.1: credit the author
            line = store.query(
                'SELECT "event.action" AS action, "process.command_line" AS command, '
                '"log.source.address" AS sender FROM log WHERE "host.name" = \'r1-udp\''
            ).to_pylist()
            assert line == [
                {"action": "command", "command": "clear logging", "sender": "127.0.0.1"}
            ]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, socket.socket() as tcp:
        for _ in range(20):
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            try:
                udp.bind(("127.0.0.1", port))
                return int(port)
            except OSError:
                tcp.close()
                tcp = socket.socket()
    raise AssertionError("no free port pair")


def _lines(stream: object, sink: Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        sink.put(line)


def test_seawall_collect_command_line(tmp_path: Path) -> None:
    """The CLI: listens, prints alerts as JSON lines while running, exits 0 on SIGINT after
    flushing, with the summary on standard error."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "seawall.cli.main",
            "collect",
            "--syslog",
            f"udp://127.0.0.1:{port}",
            "--syslog",
            f"tcp://127.0.0.1:{port}",
            "--store",
            str(tmp_path / "store"),
            "--batch-seconds",
            "0.2",
            "--stats-seconds",
            "0.5",
            "--format",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    out: Queue[str] = Queue()
    err: Queue[str] = Queue()
    threading.Thread(target=_lines, args=(process.stdout, out), daemon=True).start()
    threading.Thread(target=_lines, args=(process.stderr, err), daemon=True).start()
    try:
        deadline = time.monotonic() + 30
        seen_err: list[str] = []
        while not any("listening on" in line for line in seen_err):
            assert time.monotonic() < deadline, seen_err
            try:
                seen_err.append(err.get(timeout=1))
            except Empty:
                assert process.poll() is None, seen_err
        send_udp(port, [cfglog("r9-cli", 4, "clear logging")])
        send_tcp(port, cfglog("r8-cli", 5, "clear logging") + b"\n" + b"\x16\x03\x01\x00")
        alerts = []
        if "sigma" in LOG_DETECTORS:
            while len(alerts) < 2:
                alerts.append(json.loads(out.get(timeout=15)))
            assert {a["entities"]["device"] for a in alerts} == {"r9-cli", "r8-cli"}
            assert all(a["rule_id"].startswith(CLEAR_LOGS_SIGMA) for a in alerts)
        else:
            time.sleep(1)
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(30)
    assert code == 0
    time.sleep(0.2)
    rest = []
    while not err.empty():
        rest.append(err.get())
    summary = json.loads(next(line for line in rest if line.startswith('{"summary"')))["summary"]
    assert (summary["received"], summary["parsed"], summary["junk"]) == (2, 2, 1)
    assert summary["batcher"]["errors"] == 0
    assert any(line.startswith("collect: received") for line in seen_err + rest)
