"""CPU time of the beacon detector on generated flows, in total and per stage.

    python bench/beacon_profile.py                      # batch 0 of bench/detectors.py flows
    python bench/beacon_profile.py --partition          # one of 10 partitions of 10M flows
    python bench/beacon_profile.py --profile lab --runs 5

The total is the median process CPU time of ``--runs`` plain runs (after one warm-up run);
the stages are cumulative times of the detector's own functions in one cProfile run (the
profiler adds a little to each). The load average is printed: the machine may be shared.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FLOWS = HERE / ".work" / "flows-v2-10000000"
MODULES = ("beacon.py", "beacon_flows.py", "beacon_stats.py", "beacon_alerts.py")


def load(partition: bool) -> object:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from seawall.detect.base import RecordTables

    if not FLOWS.exists():
        raise SystemExit(f"no flows in {FLOWS}: run bench/detectors.py --flows 10000000 first")
    if not partition:
        return RecordTables(flows=pq.read_table(FLOWS / "part-0000.parquet"))
    from seawall.engines.partitioned import partition_of

    cached = HERE / ".work" / "flows-v2-10000000-partition0of10.parquet"
    if not cached.exists():
        parts = []
        for path in sorted(FLOWS.glob("part-*.parquet")):
            table = pq.read_table(path)
            parts.append(table.filter(pa.array(partition_of(table["source.ip"], 10) == 0)))
        pq.write_table(pa.concat_tables(parts), cached)
    return RecordTables(flows=pq.read_table(cached))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partition", action="store_true", help="partition 0 of 10 of 10M")
    parser.add_argument("--profile", default="default", choices=["default", "lab"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stages", type=int, default=25, help="functions listed")
    args = parser.parse_args()

    from seawall.detect import load_all
    from seawall.detect.base import DetectContext
    from seawall.detect.traffic.beacon import detect_beacons

    load_all()
    tables = load(args.partition)
    ctx = DetectContext(profile=args.profile).for_detector("beacon")
    print("load average:", " ".join(Path("/proc/loadavg").read_text().split()[:3]))
    alerts = detect_beacons(tables, ctx)  # warm-up
    cpu = []
    for _ in range(args.runs):
        t = time.process_time()
        detect_beacons(tables, ctx)
        cpu.append(time.process_time() - t)
    rows = tables.flows.num_rows  # type: ignore[attr-defined]
    print(
        f"{rows:,} flows, {args.profile} profile, {len(alerts)} alerts: "
        f"median {statistics.median(cpu):.3f} s CPU over {args.runs} runs "
        f"({', '.join(f'{c:.3f}' for c in cpu)})"
    )
    profiler = cProfile.Profile()
    profiler.enable()
    detect_beacons(tables, ctx)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    ours = [
        (cum, own, calls, f"{Path(file).name}:{name}")
        for (file, _, name), (_, calls, own, cum, _) in stats.items()
        if Path(file).name in MODULES or "beacon_columns" in file
    ]
    print(f"{'cumulative s':>12} {'own s':>7} {'calls':>6}  function")
    for cum, own, calls, label in sorted(ours, reverse=True)[: args.stages]:
        print(f"{cum:12.3f} {own:7.3f} {calls:6d}  {label}")
    print("load average:", " ".join(Path("/proc/loadavg").read_text().split()[:3]))


if __name__ == "__main__":
    main()
