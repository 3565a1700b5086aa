"""Config audit throughput: 10,000 device configs made by mutating the corpus configs, each
parsed, audited and compared with its own baseline; plus parse time against ciscoconfparse2
on the same IOS files.

    python bench/config_audit.py [--devices 10000] [--workers 2] [--repeat 3]

Each device gets a baseline (a corpus config under a new hostname) and a current config (the
baseline with campaign-style edits for the Cisco-style dialects: a privileged user, SSH on a
22x22 port, an allow-listed external host in ACL 20, a GRE tunnel to an external peer, a
logging host removed; other dialects get their hostname line changed and a line dropped).
The two very large ciscoconfparse scale-test files (05/06.ios, 0.5-0.7 MB each) are left out
of the 10,000 mix (they would make it a test of two files) but are in the parse comparison.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

from seawall.detect.audit.checks import load_checks
from seawall.detect.audit.run import audit_model
from seawall.sources.configs import parse_config_text
from seawall.sources.configs.dialect import detect_dialect

CORPUS = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "configs")
HUGE = ("ciscoconfparse_sample_05.ios", "ciscoconfparse_sample_06.ios")
CISCO_STYLE = ("cisco_ios", "arista_eos", "cisco_nxos")


def corpus_configs() -> list[tuple[str, str, str]]:
    """(name, dialect, text) of every corpus file that is a configuration."""
    found = []
    for root, _dirs, files in os.walk(CORPUS):
        for name in sorted(files):
            if name.endswith(".md") or name in HUGE:
                continue
            with open(os.path.join(root, name), encoding="utf-8", errors="replace") as handle:
                text = handle.read()
            dialect, _ = detect_dialect(text)
            if dialect:
                found.append((name, dialect, text))
    return found


def _rename(text: str, dialect: str, hostname: str) -> str:
    lines = text.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("hostname "):
            lines[i] = line.replace(stripped, f"hostname {hostname}")
            return "\n".join(lines)
        if stripped.startswith("set system host-name "):
            lines[i] = f"set system host-name {hostname}"
            return "\n".join(lines)
    if dialect in CISCO_STYLE:
        return f"hostname {hostname}\n" + text
    return text


def mutate(text: str, dialect: str, rng: random.Random) -> str:
    """Campaign-style edits (Cisco-style dialects) or a small generic edit."""
    if dialect in CISCO_STYLE:
        n = rng.randrange(1, 250)
        extra = [
            f"username svc{n} privilege 15 secret 0 bench{n}",
            f"ip ssh port 22{n % 10}22 rotary 1",
            f"access-list 20 permit host 203.0.113.{n}",
            f"interface Tunnel{n}",
            " tunnel source Loopback0",
            f" tunnel destination 198.51.100.{n}",
            " tunnel mode gre ip",
        ]
        lines = [line for line in text.splitlines() if not line.startswith("logging host")]
        return "\n".join(lines + extra) + "\n"
    lines = text.splitlines()
    if len(lines) > 10:
        del lines[rng.randrange(5, len(lines))]
    return "\n".join(lines) + "\n"


def make_devices(count: int, seed: int = 7) -> list[tuple[str, str, str, str]]:
    """(dialect, hostname, baseline text, current text) for ``count`` devices."""
    rng = random.Random(seed)
    pool = corpus_configs()
    devices = []
    for i in range(count):
        _name, dialect, text = pool[i % len(pool)]
        hostname = f"bench-{i:05d}"
        baseline = _rename(text, dialect, hostname)
        devices.append((dialect, hostname, baseline, mutate(baseline, dialect, rng)))
    return devices


def _audit_chunk(chunk: list[tuple[str, str, str, str]]) -> tuple[int, int, int]:
    checks = load_checks()
    alerts = changes = parsed = 0
    for dialect, hostname, baseline_text, current_text in chunk:
        before = parse_config_text(baseline_text, f"golden/{hostname}.cfg", dialect).model
        after = parse_config_text(current_text, f"current/{hostname}.cfg", dialect).model
        if after is None or before is None:
            continue
        parsed += 1
        found, changed = audit_model(after, checks, baseline=before)
        alerts += len(found)
        changes += len(changed)
    return parsed, alerts, changes


def run_audit(devices: list[tuple[str, str, str, str]], workers: int) -> tuple[float, tuple]:
    started = time.perf_counter()
    if workers <= 1:
        totals = _audit_chunk(devices)
    else:
        size = -(-len(devices) // (workers * 4))
        chunks = [devices[i : i + size] for i in range(0, len(devices), size)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(_audit_chunk, chunks))
        totals = tuple(sum(p[k] for p in parts) for k in range(3))  # type: ignore[assignment]
    return time.perf_counter() - started, totals


def parse_compare(repeat: int) -> None:
    """Seawall's IOS parser against ciscoconfparse2 on the corpus IOS files."""
    try:
        from ciscoconfparse2 import CiscoConfParse
    except ImportError:
        print("ciscoconfparse2 not installed (pip install '.[bench]'): parse comparison skipped")
        return
    files = []
    for name in sorted(os.listdir(os.path.join(CORPUS, "cisco_ios"))):
        path = os.path.join(CORPUS, "cisco_ios", name)
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        if detect_dialect(text)[0] == "cisco_ios":
            files.append((path, text))
    ours, theirs = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        for path, text in files:
            parse_config_text(text, path, "cisco_ios")
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        for _path, text in files:
            CiscoConfParse(text.splitlines(), syntax="ios")
        theirs.append(time.perf_counter() - started)
    lines = sum(text.count("\n") for _p, text in files)
    a, b = statistics.median(ours), statistics.median(theirs)
    print(
        f"parse {len(files)} IOS files ({lines:,} lines), median of {repeat}: "
        f"seawall {a:.2f} s (full model), ciscoconfparse2 {b:.2f} s (line tree only); "
        f"ciscoconfparse2/seawall = {b / a:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    devices = make_devices(args.devices)
    times = []
    totals: tuple = ()
    for _ in range(args.repeat):
        seconds, totals = run_audit(devices, args.workers)
        times.append(seconds)
    median = statistics.median(times)
    parsed, alerts, changes = totals
    print(
        f"audit {args.devices:,} devices (baseline + current parsed, checks, drift), "
        f"{args.workers} workers, median of {args.repeat}: {median:.1f} s "
        f"= {args.devices / median:,.0f} configs/s (target: under 60 s); runs "
        + ", ".join(f"{t:.1f}" for t in times)
        + f"; {parsed:,} audited, {alerts:,} alerts, {changes:,} changes"
    )
    parse_compare(args.repeat)


if __name__ == "__main__":
    main()
