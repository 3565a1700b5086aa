"""Messages per second the live collector sustains on loopback (receiver + framing + batcher:
parse, store; optionally the log rules too).

    python bench/collect_throughput.py --transport udp --messages 300000 --rate 50000
    python bench/collect_throughput.py --transport udp --messages 300000          # flat out
    python bench/collect_throughput.py --transport tcp --messages 1000000 --connections 4
    python bench/collect_throughput.py --transport tcp --rules --rate 50000       # + detectors
    python bench/collect_throughput.py --parser none    # receive and store only, no parsing

The sender is a separate process (real sockets, 127.0.0.1). Lines are the device log test
data (tests/data/logs, PRI added where a line has none), cycled. The rate is messages
processed (parsed and stored) over the time from the first send to the last batch stored.
With ``--rules``, a line the Sigma rule "Cisco Clear Logs" fires on is sent halfway through
and the time until its alert is reported (probe_alert_seconds).
UDP has no flow control: what the kernel drops before the collector reads it is shown from
/proc/net/snmp (RcvbufErrors, the whole machine's), what the collector drops (queue full)
from its own counters.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LOGS = ROOT / "tests" / "data" / "logs"
sys.path.insert(0, str(ROOT))

from seawall.collect import CollectOptions, Collector  # noqa: E402
from seawall.errors import ParseIssue  # noqa: E402
from seawall.records import from_columns  # noqa: E402
from seawall.records.alerts import Alert  # noqa: E402


def sample_lines() -> list[bytes]:
    lines: list[bytes] = []
    for path in sorted(LOGS.rglob("*.log")):
        for raw in path.read_bytes().splitlines():
            raw = raw.strip()
            if raw:
                lines.append(raw if raw.startswith(b"<") else b"<189>" + raw)
    return lines


def store_only(
    lines: Sequence[str],
    *,
    path: str,
    first_line: int = 1,
    sender: str | None = None,
    default_year: int | None = None,
    timezones: Mapping[str, str] | None = None,
) -> tuple[pa.Table, list[ParseIssue]]:
    """--parser none: every line becomes a record holding only the line (no parsing)."""
    n = len(lines)
    columns = {
        "event.original": pa.array(lines, pa.string()),
        "log.source.address": pa.array([sender] * n, pa.string()),
        "input.file": pa.array([path] * n, pa.string()),
        "input.line": pa.array(range(first_line, first_line + n), pa.int64()),
    }
    return from_columns("log", columns, n), []


def children_cpu() -> float:
    """CPU seconds of this process's finished children (the sender, the receiver process)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def udp_rcvbuf_errors() -> int:
    try:
        rows = Path("/proc/net/snmp").read_text().splitlines()
    except OSError:
        return -1
    udp = [r.split() for r in rows if r.startswith("Udp:")]
    return int(udp[1][udp[0].index("RcvbufErrors")])


def send(transport: str, port: int, n: int, rate: int, connections: int) -> None:
    lines = sample_lines()
    if transport == "udp":
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            start = time.perf_counter()
            for i in range(n):
                sock.sendto(lines[i % len(lines)], ("127.0.0.1", port))
                if rate and i % 200 == 199:
                    ahead = (i + 1) / rate - (time.perf_counter() - start)
                    if ahead > 0:
                        time.sleep(ahead)
        return
    per = n // connections
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(connections)]
    step = 500  # lines per write on each connection
    start = time.perf_counter()
    sent = 0
    while sent < per:
        take = min(step, per - sent)
        payload = b"".join(lines[(sent + i) % len(lines)] + b"\n" for i in range(take))
        for sock in socks:
            sock.sendall(payload)
        sent += take
        if rate:
            ahead = sent * connections / rate - (time.perf_counter() - start)
            if ahead > 0:
                time.sleep(ahead)
    for sock in socks:
        sock.close()


PROBE = (
    b"<189>9: probe-router: *Jun  1 10:00:00.000 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: "
    b"User:probe  logged command:clear logging"
)
PROBE_RULE = "ceb407f6"  # SigmaHQ Cisco Clear Logs


def send_probe(transport: str, port: int, probe: dict[str, float]) -> None:
    probe["sent"] = time.perf_counter()
    if transport == "udp":
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(PROBE, ("127.0.0.1", port))
    else:
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(PROBE + b"\n")


def alert_seen(alert: Alert, probe: dict[str, float]) -> None:
    if alert.rule_id.startswith(PROBE_RULE) and "alerted" not in probe:
        probe["alerted"] = time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transport", choices=["udp", "tcp"], default="udp")
    parser.add_argument("--messages", type=int, default=300_000)
    parser.add_argument("--rate", type=int, default=0, help="messages/s offered (0: flat out)")
    parser.add_argument("--connections", type=int, default=4, help="TCP connections")
    parser.add_argument("--parser", choices=["real", "none"], default="real")
    parser.add_argument("--rules", action="store_true", help="run the log detectors too")
    parser.add_argument("--batch-seconds", type=float, default=1.0)
    parser.add_argument("--queue", type=int, default=200_000)
    args = parser.parse_args()

    probe: dict[str, float] = {}
    n = (
        args.messages
        if args.transport == "udp"
        else args.messages // args.connections * args.connections
    )
    with tempfile.TemporaryDirectory(prefix="seawall-collect-bench-") as store:
        collector = Collector(
            [f"{args.transport}://127.0.0.1:0"],
            store_dir=store,
            options=CollectOptions(
                batch_seconds=args.batch_seconds, queue_size=args.queue, stats_seconds=0
            ),
            detectors=None if args.rules else [],
            parser=store_only if args.parser == "none" else None,
            on_error=lambda text: print(f"error: {text}", file=sys.stderr),
            on_alert=lambda alert: alert_seen(alert, probe),
        ).start()
        port = collector.listeners[0].port
        kernel_before = udp_rcvbuf_errors()
        cpu_before = time.process_time()
        children_before = children_cpu()
        sender = multiprocessing.Process(
            target=send, args=(args.transport, port, n, args.rate, args.connections)
        )
        started = time.perf_counter()
        sender.start()
        if args.rules:  # halfway through the load, a line a Sigma rule fires on
            expected = n / args.rate if args.rate else 2.0
            timer = threading.Timer(expected / 2, send_probe, (args.transport, port, probe))
            timer.start()
        sender.join()
        sent_seconds = time.perf_counter() - started
        sender_cpu = children_cpu() - children_before
        # Wait until nothing more arrives and everything that arrived is stored; the time is
        # that of the last batch stored (not of the quiet wait after it).
        last_received, quiet_since = -1, time.perf_counter()
        last_done, finished = -1, 0.0
        while True:
            stats = collector.stats()
            done = stats["batcher"]["processed"]
            if done != last_done:
                last_done, finished = done, time.perf_counter() - started
            if done == stats["queued"] and stats["received"] >= n:
                break
            if stats["received"] != last_received:
                last_received, quiet_since = stats["received"], time.perf_counter()
            elif done == stats["queued"] and time.perf_counter() - quiet_since > 2:
                break
            time.sleep(0.005)
        kernel_drops = udp_rcvbuf_errors() - kernel_before if args.transport == "udp" else 0
        cpu = time.process_time() - cpu_before  # the batcher (and threads of this process)
        summary = collector.stop()
        receiver_cpu = children_cpu() - children_before - sender_cpu  # the receiver process
    processed = summary["batcher"]["processed"]
    print(
        json.dumps(
            {
                "transport": args.transport,
                "parser": args.parser,
                "rules": summary["detectors"],
                "sent": n,
                "offered_rate": args.rate or None,
                "send_seconds": round(sent_seconds, 3),
                "received": summary["received"],
                "kernel_dropped": kernel_drops,
                "collector_dropped": summary["dropped"],
                "parsed": summary["parsed"],
                "unknown": summary["unknown"],
                "batches": summary["batcher"]["batches"],
                "probe_alert_seconds": (
                    round(probe["alerted"] - probe["sent"], 3) if "alerted" in probe else None
                ),
                "failed_batches": summary["batcher"]["errors"],
                "seconds": round(finished, 3),
                "processed_per_second": round(processed / finished),
                "batcher_cpu_us_per_message": round(cpu / max(processed, 1) * 1e6, 2),
                "receiver_cpu_us_per_message": round(
                    receiver_cpu / max(summary["received"], 1) * 1e6, 2
                ),
                "sender_cpu_seconds": round(sender_cpu, 3),
                "load_average": os.getloadavg()[0],
                "cpus": os.cpu_count(),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
