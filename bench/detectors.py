"""All traffic detectors over N reproducibly generated flows: flows/s and peak memory.

Ours: the partitioned engine (crc32 of source.ip into K partitions, every registered
detector per partition, ``--workers`` processes at once), so memory is bounded by partition
size. Wall and CPU time (this process and its workers) are both printed, with the load
average, because the machine may be shared. Peer: DuckDB SQL doing the
core aggregation RITA-style beacon analysis needs (per source/destination pair: count,
intervals between starts, their median and MAD, bytes statistics) over the same Parquet.
RITA itself needs Zeek logs and ClickHouse, which cannot run on this machine.

    python bench/detectors.py --flows 10000000 --partitions 10 --runs 3 --workers 2

Measured on a shared 2-core machine (other jobs running, load average 1.9-2.2): 10M flows,
10 partitions, 2 workers: 781k flows/s (12.8 s wall median of 3, 19.9 s CPU), peak 794 MB per
process, 1,253 alerts; DuckDB peer 1.72M flows/s (5.8 s, 11.0 s CPU). With the machine
quieter, single runs took 16.7-17.4 s CPU. Per 1M-flow partition (one process): spill ~0.39 s
(Parquet read as dictionaries 0.17, take 0.10), partition read 0.08 s, detectors ~1.05 s
(beacon 0.45, longconn 0.14, dns_tunnel 0.13, scan 0.10, exfil 0.08, tunnels 0.07,
bruteforce 0.04, mgmt_plane 0.01, shared address codes 0.035). Before this round: 271-330k
flows/s, 27-28 s CPU, 761-848 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"


def generate(flows: int, batch: int) -> list[str]:
    sys.path.insert(0, str(HERE))
    import pyarrow.parquet as pq
    from genflows import flow_batches

    folder = WORK / f"flows-v2-{flows}"  # v2: session/diurnal background, planted behaviours
    done = folder / "DONE"
    if done.exists():
        return sorted(str(p) for p in folder.glob("*.parquet"))
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i, table in enumerate(flow_batches(flows, batch=batch)):
        path = folder / f"part-{i:04d}.parquet"
        pq.write_table(table, path)
        files.append(str(path))
    done.write_text("ok")
    return files


def run_ours(files: list[str], partitions: int, workers: int) -> dict[str, float]:
    from seawall.detect.base import DetectContext
    from seawall.engines.partitioned import run_partitioned

    t = time.perf_counter()
    alerts = run_partitioned(
        {"flow": files},
        DetectContext(),
        partitions=partitions or None,
        workers=workers,
        workdir=str(WORK),
    )
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "alerts": len(alerts)}


def run_peer(files: list[str]) -> dict[str, float]:
    import duckdb

    listing = ", ".join(f"'{f}'" for f in files)
    con = duckdb.connect(config={"threads": 2, "memory_limit": "4GB"})
    t = time.perf_counter()
    con.execute(f"""
        WITH f AS (SELECT "source.ip" s, "destination.ip" d, epoch_us("event.start") ts,
                          "source.bytes" b FROM read_parquet([{listing}])),
        iv AS (SELECT s, d, b, ts - lag(ts) OVER (PARTITION BY s, d ORDER BY ts) AS gap FROM f),
        agg AS (SELECT s, d, count(*) n, median(gap) med, quantile_cont(gap, 0.25) q1,
                       quantile_cont(gap, 0.75) q3, median(b) mb, mad(b) madb
                FROM iv GROUP BY s, d HAVING count(*) >= 4)
        SELECT count(*), sum(n), sum(med), sum(q1), sum(q3), sum(mb), sum(madb)
        FROM agg""").fetchall()  # every aggregate used, so none is optimized away
    return {"seconds": time.perf_counter() - t}


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def child(mode: str, files: list[str], partitions: int, workers: int) -> dict[str, float]:
    cpu = _cpu_seconds()
    out = run_ours(files, partitions, workers) if mode == "ours" else run_peer(files)
    out["cpu_seconds"] = _cpu_seconds() - cpu
    # Largest of this process (VmHWM: ru_maxrss would carry the launching process's peak
    # across exec) and any worker process.
    status = Path("/proc/self/status").read_text()
    own_kb = int(status.split("VmHWM:")[1].split()[0])
    workers_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out["peak_rss_mb"] = max(own_kb, workers_kb) / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flows", type=int, default=10_000_000)
    parser.add_argument("--batch", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=10, help="0: chosen from the row count")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=["ours", "peer"])
    parser.add_argument("--files", default="")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.files.split(","), args.partitions, args.workers)))
        return
    files = generate(args.flows, args.batch)
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    results: dict[str, list[dict[str, float]]] = {"ours": [], "peer": []}
    for _ in range(args.runs):
        for mode in ("ours", "peer"):
            proc = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    mode,
                    "--files",
                    ",".join(files),
                    "--partitions",
                    str(args.partitions),
                    "--workers",
                    str(args.workers),
                ],
                check=True,
                capture_output=True,
                text=True,
                env=os.environ,
            )
            results[mode].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    med = {m: statistics.median(r["seconds"] for r in rs) for m, rs in results.items()}
    cpu = {m: statistics.median(r["cpu_seconds"] for r in rs) for m, rs in results.items()}
    rss = {m: max(r["peak_rss_mb"] for r in rs) for m, rs in results.items()}
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    print(
        f"flows: {args.flows:,}  partitions: {args.partitions or 'auto'}  "
        f"workers: {args.workers}  runs: {args.runs}  cores: {os.cpu_count()}"
    )
    print(f"load average before: {' '.join(load_before)}  after: {' '.join(load_after)}")
    print(
        f"ours (all detectors): {args.flows / med['ours']:,.0f} flows/s, "
        f"median {med['ours']:.2f} s wall, {cpu['ours']:.2f} s CPU "
        f"({args.flows / cpu['ours']:,.0f} flows per CPU second), "
        f"peak RSS {rss['ours']:.0f} MB, alerts {results['ours'][0]['alerts']:.0f}"
    )
    print(
        f"peer (DuckDB beacon aggregation only): {args.flows / med['peer']:,.0f} flows/s, "
        f"median {med['peer']:.2f} s wall, {cpu['peer']:.2f} s CPU, "
        f"peak RSS {rss['peer']:.0f} MB"
    )
    print(f"ratio ours/peer (throughput): {med['peer'] / med['ours']:.2f}")


if __name__ == "__main__":
    main()
