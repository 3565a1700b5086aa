"""Capture -> flow table throughput: Seawall's fast meter vs nfpcapd, tshark and NFStream.

Workload (built once in bench/.work/, reproducible): every IPv4/IPv6 frame of the corpus
captures (tests/data/traffic), in file order, with inter-packet gaps clipped to 1 s, repeated
with increasing timestamps until ~2M packets, written as one classic Ethernet pcap.

A second workload keeps only the corpus frames with DNS, SNMP or HTTP payloads (every
packet is parsed: the worst case for payload inspection), repeated to 1M packets.

Each tool runs as its own process (start-up included), median of 3 runs; wall and CPU
time (user+sys) are both printed with the load average (the machine may be shared), ratios
use wall time:
  ours end to end  file -> PcapSource.read (flows + application metadata + flow export)
  ours flows only  file -> PacketIndex -> flow table (meter_flows)
  nfpcapd -r       nfdump's pcap flow collector (unidirectional flows)
  tshark -q -z conv,ip
  nfstream meter   (NFStream/nDPI) on a 200k-packet slice

Needs the Debian packages ``nfdump`` (nfpcapd) and ``tshark``; missing tools are skipped
and named. Usage: python bench/capture_to_flows.py [--packets N] [--mix-packets N] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "traffic"
WORK = ROOT / "bench" / ".work"
sys.path.insert(0, str(ROOT))

from seawall.sources.pcap.reader import read_index  # noqa: E402

ETH_HEADER_V4 = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"
ETH_HEADER_V6 = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x86\xdd"


PAYLOAD_PORTS = (53, 80, 161, 162, 8080)


def corpus_ip_frames(mix: str = "all") -> tuple[list[bytes], np.ndarray]:
    """Every IP frame of the corpus as an Ethernet frame, with clipped gaps (µs); with
    mix="payload" only the frames with a DNS, SNMP or HTTP payload (ports 53/161/162/80/8080),
    the worst case for payload inspection."""
    frames: list[bytes] = []
    gaps: list[np.ndarray] = []
    for path in sorted(p for p in CORPUS.rglob("*") if p.suffix in (".pcap", ".pcapng")):
        index, _ = read_index(str(path))
        wanted = index.ip_version > 0
        if mix == "payload":
            on_port = np.isin(index.sport, PAYLOAD_PORTS) | np.isin(index.dport, PAYLOAD_PORTS)
            wanted &= on_port & (index.payload_len > 0) & np.isin(index.proto, (6, 17))
        keep = np.flatnonzero(wanted)
        if len(keep) == 0:
            continue
        for i in keep.tolist():
            frame = index.packet(i)
            if index.linktype[i] != 1:  # raw IP: give it an Ethernet header
                l3 = frame[int(index.l3_offset[i]) :]
                frame = (ETH_HEADER_V4 if index.ip_version[i] == 4 else ETH_HEADER_V6) + l3
            frames.append(frame)
        ts = index.ts_us[keep]
        gaps.append(np.clip(np.diff(ts, prepend=ts[0]), 0, 1_000_000))
    return frames, np.concatenate(gaps)


def build_workload(target: int, mix: str = "all") -> Path:
    name = "corpus_ip" if mix == "all" else "corpus_dns_snmp_http"
    path = WORK / f"{name}_x{target}.pcap"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    frames, gaps = corpus_ip_frames(mix)
    n = len(frames)
    copies = -(-target // n)
    lengths = np.array([len(f) for f in frames], np.int64)
    header_at = np.concatenate(([0], np.cumsum(lengths + 16)[:-1]))
    template = bytearray()
    for frame in frames:
        template += struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame
    base = np.frombuffer(bytes(template), np.uint8)
    offsets = np.cumsum(gaps)
    span = int(offsets[-1]) + 1_000_000
    start_us = 1_700_000_000 * 1_000_000
    tmp = path.with_suffix(".partial")
    with open(tmp, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        written = 0
        for copy in range(copies):
            take = min(n, target - written)
            ts = start_us + copy * span + offsets[:take]
            block = base[: int(header_at[take - 1] + 16 + lengths[take - 1])].copy()
            pos = header_at[:take, None] + np.arange(4)
            block[pos] = (ts // 1_000_000).astype("<u4").view(np.uint8).reshape(-1, 4)
            block[pos + 4] = (ts % 1_000_000).astype("<u4").view(np.uint8).reshape(-1, 4)
            out.write(block.tobytes())
            written += take
    tmp.rename(path)
    return path


def slice_workload(path: Path, packets: int) -> Path:
    out = WORK / f"{path.stem}_first{packets}.pcap"
    if out.exists():
        return out
    index, _ = read_index(str(path))
    end = int(index.data_offset[packets - 1] + index.caplen[packets - 1])
    with open(path, "rb") as src:
        out.write_bytes(src.read(end))
    return out


OURS_FAST = """
import sys
from seawall.sources.base import SourceOptions
from seawall.sources.pcap.reader import read_index
from seawall.sources.pcap.meter import meter_flows
index, _ = read_index(sys.argv[1])
table, _ = meter_flows(index, SourceOptions())
print(table.num_rows)
"""
OURS_SOURCE = """
import sys
from seawall.sources.base import SourceOptions
from seawall.sources.pcap import PcapSource
print(PcapSource().read(sys.argv[1], SourceOptions()).tables["flow"].num_rows)
"""
OURS_NFSTREAM = """
import sys
from seawall.sources.base import SourceOptions
from seawall.sources.pcap.nfstream_meter import nfstream_flows
print(nfstream_flows(sys.argv[1], SourceOptions()).num_rows)
"""


CPU_SECONDS: list[float] = []  # CPU time (user+sys) of the last timed command's runs


def timed(command: list[str], runs: int) -> tuple[float, str]:
    """Median wall time of ``runs`` runs (and their CPU times in CPU_SECONDS): wall time is
    what a user waits; CPU time stays comparable when other work shares the machine."""
    times = []
    output = ""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    CPU_SECONDS.clear()
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        CPU_SECONDS.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stderr[-2000:]}")
        output = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return statistics.median(times), output


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--packets", type=int, default=2_000_000)
    parser.add_argument(
        "--mix-packets",
        type=int,
        default=1_000_000,
        help="size of the DNS/SNMP/HTTP-only workload (0: skip it)",
    )
    parser.add_argument("--nfstream-packets", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    path = build_workload(args.packets)
    size_mb = path.stat().st_size / 2**20
    print(f"load average (1/5/15 min) at start: {load_average()} on {os.cpu_count()} CPUs")
    print(f"workload: {path.relative_to(ROOT)}  {args.packets:,} packets, {size_mb:,.0f} MiB")
    python = sys.executable
    results: dict[str, float] = {}

    def report(name: str, packets: int, seconds: float, detail: str) -> None:
        rate = packets / seconds
        cpu = statistics.median(CPU_SECONDS)
        results[name] = rate
        print(
            f"{name:30s} {packets:>10,} pkts  wall {seconds:6.2f} s {rate:>10,.0f} pkt/s  "
            f"cpu {cpu:6.2f} s {packets / cpu:>10,.0f} pkt/s  {detail}"
        )

    seconds, out = timed([python, "-c", OURS_SOURCE, str(path)], args.runs)
    report("ours end to end (PcapSource)", args.packets, seconds, f"{out} flows + app metadata")
    seconds, out = timed([python, "-c", OURS_FAST, str(path)], args.runs)
    report("ours flows only (meter)", args.packets, seconds, f"{out} flows")

    missing = []
    if shutil.which("nfpcapd"):
        with tempfile.TemporaryDirectory() as flowdir:
            seconds, _ = timed(["nfpcapd", "-r", str(path), "-w", flowdir], args.runs)
        report("nfpcapd -r", args.packets, seconds, "uni-directional flows, 300/60 s")
    else:
        missing.append("nfdump")
    if shutil.which("tshark"):
        seconds, _ = timed(["tshark", "-q", "-z", "conv,ip", "-r", str(path)], args.runs)
        report("tshark -z conv,ip", args.packets, seconds, "IP conversations, no timeouts")
    else:
        missing.append("tshark")
    for ours in ("ours end to end (PcapSource)", "ours flows only (meter)"):
        for other in ("nfpcapd -r", "tshark -z conv,ip"):
            if other in results:
                print(f"ratio {ours} / {other}: {results[ours] / results[other]:.2f} (wall)")

    if args.mix_packets:
        mix = build_workload(args.mix_packets, "payload")
        where = mix.relative_to(ROOT)
        print(f"workload: {where}  {args.mix_packets:,} packets, DNS/SNMP/HTTP only")
        seconds, out = timed([python, "-c", OURS_SOURCE, str(mix)], args.runs)
        report("ours end to end, payload mix", args.mix_packets, seconds, f"{out} flows")
        seconds, out = timed([python, "-c", OURS_FAST, str(mix)], args.runs)
        report("ours flows only, payload mix", args.mix_packets, seconds, f"{out} flows")

    if args.nfstream_packets:
        small = slice_workload(path, args.nfstream_packets)
        try:
            import nfstream  # noqa: F401

            seconds, out = timed([python, "-c", OURS_NFSTREAM, str(small)], args.runs)
            report("nfstream meter (slice)", args.nfstream_packets, seconds, f"{out} flows")
            seconds, out = timed([python, "-c", OURS_FAST, str(small)], args.runs)
            report("ours flows only (same slice)", args.nfstream_packets, seconds, f"{out} flows")
        except ImportError:
            missing.append("nfstream (pip install 'seawall[ndpi]')")
    if missing:
        print("skipped, install with apt-get/pip: " + ", ".join(missing))
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
