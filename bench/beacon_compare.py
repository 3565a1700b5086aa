"""Detector alerts before/after a change: dump them, then diff two dumps.

Runs every registered traffic detector (or only those given with ``--detectors``) on 1M
generated flows (``bench/genflows.py``, batch 0 with the planted behaviours), on the traffic
corpus (every file alone, and all files together) at both profiles, and through the
partitioned engine on 2M generated flows (4 partitions, so routing and spilling are checked
too). Every alert is written as (detector, rule_id, entities, severity, score rounded to
0.1, confidence rounded to 0.001) plus its evidence, so a refactor can be checked to find
exactly the same things.

    python bench/beacon_compare.py dump before.json
    python bench/beacon_compare.py dump after.json
    python bench/beacon_compare.py diff before.json after.json
    python bench/beacon_compare.py dump --detectors beacon beacon.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT / "tests" / "data" / "traffic"
STORE = HERE / ".work" / "beacon-corpus-store"


def generated_tables() -> Any:
    import pyarrow.parquet as pq

    from seawall.detect.base import RecordTables

    path = HERE / ".work" / "flows-v2-10000000" / "part-0000.parquet"  # bench/detectors.py
    if not path.exists():
        path = HERE / ".work" / "flows-v2-1000000-batch0.parquet"
    if not path.exists():
        sys.path.insert(0, str(HERE))
        from genflows import flow_batches

        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(next(iter(flow_batches(1_000_000))), path)
    return RecordTables(flows=pq.read_table(path))


def corpus_tables() -> dict[str, Any]:
    """Tables of each corpus file, and of all of them together ("*")."""
    from seawall.commands import hunt
    from seawall.sources import walk
    from seawall.store import EmbeddedStore
    from seawall.store.embedded import file_sha256

    files = sorted(walk([str(CORPUS)]))
    hunt([str(CORPUS)], store_dir=str(STORE), detectors=[])  # ingest once (cached)
    out: dict[str, Any] = {}
    with EmbeddedStore(STORE) as store:
        hashes = {}
        for path in files:
            hashes[str(Path(path).relative_to(CORPUS))] = file_sha256(path)
        for name, sha in hashes.items():
            out[name] = store.tables([sha])
        out["*"] = store.tables(list(hashes.values()))
    return out


def canonical(alerts: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for a in alerts:
        score = a.evidence.get("scores", {}).get("total")
        rows.append(
            {
                "key": [
                    a.detector,
                    a.rule_id,
                    sorted((k, str(v)) for k, v in a.entities.items()),
                    a.severity,
                    None if score is None else round(float(score), 1),
                    round(float(a.confidence), 3),
                ],
                "evidence": json.loads(json.dumps(a.evidence, default=str)),
                "explanation": a.explanation,
                "inputs": [[i.file, i.frame] for i in a.inputs],
                "first_seen": a.first_seen.isoformat(),
                "last_seen": a.last_seen.isoformat(),
            }
        )
    rows.sort(key=lambda r: json.dumps(r["key"]))
    return rows


def generated_files(count: int) -> list[str]:
    """The first ``count`` 1M-flow files of the bench/detectors.py data set."""
    folder = HERE / ".work" / "flows-v2-10000000"
    files = sorted(str(p) for p in folder.glob("part-*.parquet"))[:count]
    if len(files) < count or not (folder / "DONE").exists():
        raise SystemExit("run bench/detectors.py --flows 10000000 once to generate the flows")
    return files


def dump(out_path: str, detectors: list[str] | None) -> None:
    from seawall.detect import load_all
    from seawall.detect.base import REGISTRY, DetectContext
    from seawall.engines.local import run_detectors
    from seawall.engines.partitioned import run_partitioned

    load_all()
    names = detectors or sorted(n for n in REGISTRY if n != "intel")
    cases = {"generated-1M": generated_tables(), **corpus_tables()}
    result: dict[str, list[dict[str, Any]]] = {}
    for profile in ("default", "lab"):
        ctx = DetectContext(profile=profile)
        for name, tables in cases.items():
            t = time.process_time()
            result[f"{profile}:{name}"] = canonical(run_detectors(tables, ctx, names))
            if name in ("generated-1M", "*"):
                print(
                    f"{profile}:{name}: {len(result[f'{profile}:{name}'])} alerts, "
                    f"{time.process_time() - t:.2f} s CPU"
                )
    t = time.perf_counter()
    engine = run_partitioned(
        {"flow": generated_files(2)}, DetectContext(), partitions=4, names=names
    )
    result["engine:generated-2M/4"] = canonical(engine)
    print(f"engine:generated-2M/4: {len(engine)} alerts, {time.perf_counter() - t:.2f} s wall")
    Path(out_path).write_text(json.dumps(result, indent=0, sort_keys=True))
    print(f"{sum(len(v) for v in result.values())} alerts in {len(result)} cases -> {out_path}")


def diff(before_path: str, after_path: str) -> int:
    before = json.loads(Path(before_path).read_text())
    after = json.loads(Path(after_path).read_text())
    bad_keys = bad_other = 0
    for case in sorted(set(before) | set(after)):
        b, a = before.get(case, []), after.get(case, [])
        bk, ak = [r["key"] for r in b], [r["key"] for r in a]
        if bk != ak:
            bad_keys += 1
            print(f"KEYS DIFFER {case}:")
            for k in bk:
                if k not in ak:
                    print("  - ", k)
            for k in ak:
                if k not in bk:
                    print("  + ", k)
        elif b != a:
            bad_other += 1
            for rb, ra in zip(b, a, strict=True):
                for field in rb:
                    if rb[field] != ra[field]:
                        print(f"detail differs {case} {rb['key']} field {field}")
    n = sum(len(v) for v in before.values())
    print(
        f"{len(before)} cases, {n} alerts before; cases with different alert keys: "
        f"{bad_keys}; with same keys but other differences: {bad_other}"
    )
    return 1 if bad_keys else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out")
    d.add_argument("--detectors", default="", help="comma-separated; default: all but intel")
    f = sub.add_parser("diff")
    f.add_argument("before")
    f.add_argument("after")
    args = parser.parse_args()
    if args.cmd == "dump":
        dump(args.out, [n for n in args.detectors.split(",") if n] or None)
    else:
        sys.exit(diff(args.before, args.after))


if __name__ == "__main__":
    main()
