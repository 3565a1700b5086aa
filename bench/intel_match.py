"""IOC matching at scale: N generated flows against M generated indicators.

Ours: seawall.intel.matcher.IndicatorSet (look up each distinct value once: IPv4 parsed
from the Arrow buffers and searched in a segment table, dict lookups with parent suffixes
for names, dicts for hashes). Peer: DuckDB SQL (equi-joins for exact addresses, names and
hashes, prefix equi-joins or a BETWEEN range join for CIDRs, parent suffixes via unnest).
Both count, per field, the rows with at least one match; the counts must agree.

By default both start from Parquet written the way the store writes it (flows at rest):
the generated flows are written once to bench/.work/ (not timed), then each run times
reading + matching. Ours reads 1M-row batches with ``read_dictionary`` (the strings arrive
as DictionaryArrays, no encoding) while the next batch is read in the background; DuckDB
runs its queries on ``read_parquet`` of the same file. ``--from memory`` times matching of
in-memory Arrow batches of plain strings instead (dictionary encoding included).

Flows are generated in batches from a seeded numpy generator, so memory is bounded by the
batch size. Address, name and fingerprint popularity follows a Zipf law (a few hosts carry
most flows, as in real traffic); --uniform draws them uniformly instead.

    python bench/intel_match.py --flows 10000000 --indicators 1000000 --runs 3
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from seawall.intel.matcher import IndicatorColumns, IndicatorSet
from seawall.store.embedded import PARQUET_WRITE_OPTIONS

FIELDS = (
    "source.ip",
    "destination.ip",
    "tls.client.server_name",
    "dns.question.name",
    "tls.client.ja3",
    "tls.server.hash.sha1",
)
TLDS = np.array(["com", "net", "org", "io", "cn", "ru", "de", "info", "top", "xyz"])


def machine() -> str:
    """Load average: the machine is shared, so figures need it beside them."""
    with open("/proc/loadavg") as handle:
        load = " ".join(handle.read().split()[:3])
    return f"load average {load} on {os.cpu_count()} cores"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dotted(values: np.ndarray) -> pa.Array:
    """uint32 addresses -> dotted-quad strings, vectorized."""
    v = values.astype(np.uint32)
    octets = [pa.array(((v >> s) & 255).astype(np.int64)).cast(pa.string()) for s in (24, 16, 8, 0)]
    return pc.binary_join_element_wise(*octets, ".")


def hex_strings(rng: np.random.Generator, count: int, nbytes: int) -> list[str]:
    raw = rng.integers(0, 256, size=(count, nbytes), dtype=np.uint8)
    return [row.tobytes().hex() for row in raw]


def names(rng: np.random.Generator, count: int, prefix: str) -> pa.Array:
    ids = pa.array(np.arange(count)).cast(pa.string())
    salt = pa.array(rng.integers(0, 1_000_000, count)).cast(pa.string())
    tld = pa.array(TLDS[rng.integers(0, len(TLDS), count)])
    label = pc.binary_join_element_wise(pa.array([prefix] * count), ids, "")
    return pc.binary_join_element_wise(label, salt, tld, ".")  # e.g. d123.48213.com -> fine


class World:
    """Indicators and the pools flows are drawn from, with planted hits."""

    def __init__(self, n_indicators: int, n_addresses: int, n_names: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        n_ip = int(n_indicators * 0.60)
        n_cidr = int(n_indicators * 0.10)
        n_dom = int(n_indicators * 0.25)
        n_ja3 = int(n_indicators * 0.03)
        n_sha1 = n_indicators - n_ip - n_cidr - n_dom - n_ja3
        self.ip_ints = rng.integers(1 << 24, 0xDFFFFFFF, n_ip, dtype=np.uint64)
        plen = rng.choice(
            [16, 20, 22, 24, 26, 28, 30], n_cidr, p=[0.002, 0.02, 0.08, 0.5, 0.15, 0.15, 0.098]
        )
        base = rng.integers(1 << 24, 0xDFFFFFFF, n_cidr, dtype=np.uint64)
        shift = (32 - plen).astype(np.uint64)
        self.cidr_lo = (base >> shift) << shift
        self.cidr_hi = self.cidr_lo + (np.uint64(1) << shift) - np.uint64(1)
        cidr_text = pc.binary_join_element_wise(
            dotted(self.cidr_lo), pa.array(plen.astype(np.int64)).cast(pa.string()), "/"
        )
        self.domains = names(rng, n_dom, "d")
        self.ja3 = hex_strings(rng, n_ja3, 16)
        self.sha1 = hex_strings(rng, n_sha1, 20)

        cols = IndicatorColumns()
        values = (
            dotted(self.ip_ints).to_pylist()
            + cidr_text.to_pylist()
            + self.domains.to_pylist()
            + self.ja3
            + self.sha1
        )
        kinds = (
            ["ip"] * n_ip
            + ["cidr"] * n_cidr
            + ["domain"] * n_dom
            + ["ja3"] * n_ja3
            + ["sha1"] * n_sha1
        )
        cols.values, cols.kinds = values, kinds
        cols.files = ["generated.csv"] * len(values)
        cols.lines = list(range(2, len(values) + 2))
        cols.descriptions = [None] * len(values)
        cols.confidences = [None] * len(values)
        cols.ports = [None] * len(values)
        self.columns = cols

        # Pools: mostly random, 1% exact indicator addresses, 1% inside indicator CIDRs.
        pool = rng.integers(1 << 24, 0xDFFFFFFF, n_addresses, dtype=np.uint64)
        k = n_addresses // 100
        pool[:k] = rng.choice(self.ip_ints, k)
        pick = rng.integers(0, n_cidr, k)
        pool[k : 2 * k] = self.cidr_lo[pick] + (
            rng.integers(0, 1 << 30, k).astype(np.uint64)
            % (self.cidr_hi[pick] - self.cidr_lo[pick] + np.uint64(1))
        )
        self.address_pool = dotted(rng.permutation(pool))
        name_pool = names(rng, n_names, "h").to_pylist()
        j = n_names // 200
        planted = rng.choice(np.array(self.domains.to_pylist(), dtype=object), 2 * j)
        name_pool[:j] = [f"www.{d}" for d in planted[:j]]
        name_pool[j : 2 * j] = list(planted[j:])
        self.name_pool = pa.array(rng.permutation(np.array(name_pool, dtype=object)), pa.string())
        ja3_pool = hex_strings(rng, 2000, 16)
        ja3_pool[:20] = list(rng.choice(np.array(self.ja3, dtype=object), 20))
        self.ja3_pool = pa.array(list(rng.permutation(np.array(ja3_pool, dtype=object))))
        self._cdfs: dict[int, np.ndarray] = {}
        sha_pool = [s.upper() for s in hex_strings(rng, 20_000, 20)]
        sha_pool[:100] = [s.upper() for s in rng.choice(np.array(self.sha1, dtype=object), 100)]
        self.sha1_pool = pa.array(list(rng.permutation(np.array(sha_pool, dtype=object))))

    def _zipf_cdf(self, size: int) -> np.ndarray:
        if size not in self._cdfs:
            weights = 1.0 / np.arange(1, size + 1)
            self._cdfs[size] = np.cumsum(weights) / weights.sum()
        return self._cdfs[size]

    def batches(self, flows: int, batch: int, seed: int, uniform: bool) -> Iterator[pa.Table]:
        for start in range(0, flows, batch):
            n = min(batch, flows - start)
            rng = np.random.default_rng((seed, start))

            def draw(
                pool: pa.Array, present: float, rng: np.random.Generator = rng, n: int = n
            ) -> pa.Array:
                size = len(pool)
                if uniform:
                    idx = rng.integers(0, size, n)
                else:  # bounded Zipf (s = 1): rank r drawn with probability ~ 1/r
                    idx = np.searchsorted(self._zipf_cdf(size), rng.random(n))
                mask = rng.random(n) < present
                taken = pool.take(pa.array(idx))
                return pc.if_else(pa.array(mask), taken, pa.nulls(n, pa.string()))

            yield pa.table(
                {
                    "rid": pa.array(np.arange(start, start + n, dtype=np.int64)),
                    "source.ip": draw(self.address_pool, 1.0),
                    "destination.ip": draw(self.address_pool, 1.0),
                    "tls.client.server_name": draw(self.name_pool, 0.4),
                    "dns.question.name": draw(self.name_pool, 0.2),
                    "tls.client.ja3": draw(self.ja3_pool, 0.4),
                    "tls.server.hash.sha1": draw(self.sha1_pool, 0.3),
                }
            )


def ours(intel: IndicatorSet, table: pa.Table, pool: ThreadPoolExecutor | None) -> dict[str, int]:
    """Rows with a hit per field. Columns run on a thread pool when given: dictionary
    encoding in Arrow releases the GIL (the per-distinct-value dict lookups do not)."""
    jobs = {
        "source.ip": lambda: intel.match_addresses(table.column("source.ip")),
        "destination.ip": lambda: intel.match_addresses(table.column("destination.ip")),
        "tls.client.server_name": lambda: intel.match_domains(
            table.column("tls.client.server_name")
        ),
        "dns.question.name": lambda: intel.match_domains(table.column("dns.question.name")),
        "tls.client.ja3": lambda: intel.match_hashes(table.column("tls.client.ja3"), "ja3"),
        "tls.server.hash.sha1": lambda: intel.match_hashes(
            table.column("tls.server.hash.sha1"), "sha1"
        ),
    }
    if pool is None:
        return {name: len(job()) for name, job in jobs.items()}
    futures = {name: pool.submit(job) for name, job in jobs.items()}
    return {name: len(f.result()) for name, f in futures.items()}


def write_parquet(world: World, args: argparse.Namespace) -> Path:
    """The generated flows as one Parquet file, written like the store writes (once)."""
    work = Path(__file__).resolve().parent / ".work"
    work.mkdir(exist_ok=True)
    name = (
        f"intel_flows_{args.flows}_{args.batch}_{args.indicators}_{args.addresses}_"
        f"{args.names}_{args.seed}{'_uniform' if args.uniform else ''}.parquet"
    )
    path = work / name
    if path.exists():
        return path
    t0 = time.perf_counter()
    tmp = path.with_suffix(".tmp")
    writer: pq.ParquetWriter | None = None
    for table in world.batches(args.flows, args.batch, args.seed, args.uniform):
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema, **PARQUET_WRITE_OPTIONS)
        writer.write_table(table, row_group_size=args.batch)
    if writer is not None:
        writer.close()
    os.replace(tmp, path)
    print(
        f"wrote {path.name} ({path.stat().st_size / 1e6:.0f} MB) in "
        f"{time.perf_counter() - t0:.1f} s (not timed)"
    )
    return path


def parquet_batches(path: Path, batch: int) -> Iterator[pa.Table]:
    """Batches of the flow file with the string columns as DictionaryArrays; the next batch
    is read on another thread while the caller matches the current one."""
    parquet = pq.ParquetFile(path, read_dictionary=list(FIELDS))
    reader = parquet.iter_batches(batch_size=batch, columns=list(FIELDS), use_threads=True)
    with ThreadPoolExecutor(1) as prefetch:
        pending = prefetch.submit(next, reader, None)
        while True:
            record_batch = pending.result()
            if record_batch is None:
                return
            pending = prefetch.submit(next, reader, None)
            yield pa.Table.from_batches([record_batch])


def duckdb_setup(world: World) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ip = dotted(world.ip_ints)
    con.register("ip_src", pa.table({"ip": ip}))
    con.execute("CREATE TABLE ip_exact AS SELECT DISTINCT ip FROM ip_src")
    cidr = pa.table({"lo": pa.array(world.cidr_lo), "hi": pa.array(world.cidr_hi)})
    con.register("cidr_src", cidr)
    # plen and key let the prefix form run as equi-joins, one per prefix length.
    con.execute(
        "CREATE TABLE cidr AS SELECT DISTINCT lo, hi,"
        " 32 - CAST(log2(hi - lo + 1) AS INTEGER) AS plen,"
        " lo >> CAST(log2(hi - lo + 1) AS INTEGER) AS key FROM cidr_src"
    )
    con.register("dom_src", pa.table({"name": world.domains}))
    con.execute("CREATE TABLE domains AS SELECT DISTINCT name FROM dom_src")
    con.register("ja3_src", pa.table({"h": pa.array(world.ja3)}))
    con.execute("CREATE TABLE ja3 AS SELECT DISTINCT h FROM ja3_src")
    con.register("sha_src", pa.table({"h": pa.array(world.sha1)}))
    con.execute("CREATE TABLE sha1 AS SELECT DISTINCT h FROM sha_src")
    return con


_IPINT = (
    "(split_part({c}, '.', 1)::UBIGINT << 24) + (split_part({c}, '.', 2)::UBIGINT << 16)"
    " + (split_part({c}, '.', 3)::UBIGINT << 8) + split_part({c}, '.', 4)::UBIGINT"
)


RANGED = {
    # The textbook range join.
    "between": "ranged AS (SELECT v4.rid FROM v4 JOIN cidr c ON v4.n BETWEEN c.lo AND c.hi)",
    # The same answer as equi-joins: for each prefix length, network bits of n = key.
    "prefix": "lens AS (SELECT DISTINCT plen FROM cidr), ranged AS (SELECT v4.rid FROM v4 "
    "CROSS JOIN lens JOIN cidr c ON c.plen = lens.plen AND c.key = (v4.n >> (32 - lens.plen)))",
}


ParquetSlice = tuple[Path, int, int]  # file, first rid, end rid


def peer(
    con: duckdb.DuckDBPyConnection, table: pa.Table | ParquetSlice, cidr_join: str
) -> dict[str, int]:
    if isinstance(table, tuple):
        # One batch of rows from the file (row groups pruned by rid statistics) into a
        # DuckDB table: the queries below then plan as they do on in-memory batches. (A
        # view over the whole file made the suffix and prefix joins ~100x slower.)
        path, lo, hi = table
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE flows AS SELECT * FROM read_parquet('{path}') "
            f"WHERE rid >= {lo} AND rid < {hi}"
        )
    else:
        con.register("flows", table)
    out: dict[str, int] = {}
    for col in ("source.ip", "destination.ip"):
        q = f"""
        WITH f AS (SELECT rid, "{col}" AS ip FROM flows WHERE "{col}" IS NOT NULL),
        exact AS (SELECT f.rid FROM f JOIN ip_exact e ON f.ip = e.ip),
        v4 AS (SELECT rid, {_IPINT.format(c="ip")} AS n FROM f
               WHERE regexp_full_match(ip, '\\d+\\.\\d+\\.\\d+\\.\\d+')),
        {{ranged}}
        SELECT count(*) FROM (SELECT rid FROM exact UNION SELECT rid FROM ranged)
        """
        out[col] = con.execute(q.replace("{ranged}", RANGED[cidr_join])).fetchall()[0][0]
    for col in ("tls.client.server_name", "dns.question.name"):
        q = f"""
        WITH f AS (SELECT rid, rtrim(lower("{col}"), '.') AS name
                   FROM flows WHERE "{col}" IS NOT NULL),
        parts AS (SELECT rid, string_split(name, '.') AS p FROM f),
        suffixes AS (SELECT rid, array_to_string(p[i:], '.') AS s
                     FROM parts, range(1, len(p) + 1) AS r(i))
        SELECT count(DISTINCT suffixes.rid) FROM suffixes JOIN domains d ON suffixes.s = d.name
        """
        out[col] = con.execute(q).fetchall()[0][0]
    for col, tab in (("tls.client.ja3", "ja3"), ("tls.server.hash.sha1", "sha1")):
        q = f"""SELECT count(*) FROM flows JOIN {tab} t
                ON replace(lower("{col}"), ':', '') = t.h"""
        out[col] = con.execute(q).fetchall()[0][0]
    if isinstance(table, tuple):
        con.execute("DROP TABLE flows")
    else:
        con.unregister("flows")
    return out


def run(
    label: str, fn, tables_iter, flows: int, timed_reading: bool
) -> tuple[float, dict[str, int]]:  # type: ignore[no-untyped-def]
    """Time fn over every batch; with timed_reading the batch reads are inside the clock."""
    total: dict[str, int] = dict.fromkeys(FIELDS, 0)
    elapsed = 0.0
    cpu0 = time.process_time()
    start = time.perf_counter()
    for table in tables_iter():
        t0 = time.perf_counter()
        counts = fn(table)
        elapsed += time.perf_counter() - t0
        for key, value in counts.items():
            total[key] += value
    if timed_reading:
        elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    print(
        f"  {label}: {elapsed:.2f} s, {flows / elapsed / 1e6:.2f} M flows/s, "
        f"CPU {cpu:.2f} s, {machine()}, hits {total}",
        flush=True,
    )
    return elapsed, total


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--flows", type=int, default=10_000_000)
    ap.add_argument("--indicators", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=1_000_000)
    ap.add_argument("--addresses", type=int, default=200_000, help="distinct addresses in traffic")
    ap.add_argument("--names", type=int, default=50_000, help="distinct SNI/DNS names in traffic")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--uniform", action="store_true", help="uniform popularity (worst case)")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument(
        "--peer-cidr",
        choices=sorted(RANGED),
        default="prefix",
        help="DuckDB CIDR join: prefix (equi-join per prefix length) or between (range join)",
    )
    ap.add_argument("--threads", type=int, default=2, help="column threads for ours (1 = none)")
    ap.add_argument(
        "--from",
        dest="origin",
        choices=("parquet", "memory"),
        default="parquet",
        help="parquet: time reading + matching from a store-format file (default); "
        "memory: time matching of in-memory plain-string batches",
    )
    args = ap.parse_args()
    print(machine())

    t0 = time.perf_counter()
    world = World(args.indicators, args.addresses, args.names, args.seed)
    print(
        f"generated {len(world.columns):,} indicators in {time.perf_counter() - t0:.1f} s "
        "(not timed below)"
    )
    rss_before = peak_rss_mb()
    t0 = time.perf_counter()
    intel = IndicatorSet(world.columns)
    build = time.perf_counter() - t0
    print(
        f"indicator build: {build:.2f} s for {len(intel):,} indicators {intel.counts()}; "
        f"peak RSS {rss_before:.0f} MB before build, {peak_rss_mb():.0f} MB after"
    )

    from_parquet = args.origin == "parquet"
    path = write_parquet(world, args) if from_parquet else None

    def tables():  # type: ignore[no-untyped-def]
        if path is not None:
            return parquet_batches(path, args.batch)
        return world.batches(args.flows, args.batch, args.seed, args.uniform)

    sample = next(iter(world.batches(args.batch, args.batch, args.seed, args.uniform)))
    distinct = {c: pc.count_distinct(sample.column(c)).as_py() for c in FIELDS}
    print(f"first batch of {sample.num_rows:,} rows: distinct values per column {distinct}")
    del sample

    ours_times, peer_times = [], []
    ours_hits: dict[str, int] = {}
    peer_hits: dict[str, int] = {}
    for i in range(args.runs):
        print(f"run {i + 1}/{args.runs}", flush=True)
        pool = ThreadPoolExecutor(args.threads) if args.threads > 1 else None
        elapsed, ours_hits = run(
            "seawall", lambda t, p=pool: ours(intel, t, p), tables, args.flows, from_parquet
        )
        if pool is not None:
            pool.shutdown()
        ours_times.append(elapsed)
    rss_ours = peak_rss_mb()
    if not args.no_peer:
        t0 = time.perf_counter()
        con = duckdb_setup(world)
        threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        print(
            f"duckdb setup (indicator tables): {time.perf_counter() - t0:.2f} s, threads {threads}"
        )
        for i in range(args.runs):
            print(f"run {i + 1}/{args.runs}", flush=True)
            if path is not None:
                slices = [
                    (path, lo, min(lo + args.batch, args.flows))
                    for lo in range(0, args.flows, args.batch)
                ]
                elapsed, peer_hits = run(
                    "duckdb",
                    lambda p: peer(con, p, args.peer_cidr),
                    lambda s=slices: s,
                    args.flows,
                    True,
                )
            else:
                elapsed, peer_hits = run(
                    "duckdb", lambda t: peer(con, t, args.peer_cidr), tables, args.flows, False
                )
            peer_times.append(elapsed)
    ours_med = statistics.median(ours_times)
    popularity = "uniform" if args.uniform else "zipf"
    origin = "read from Parquet + matched" if from_parquet else "matched in memory"
    print(f"\nresult (median of {args.runs} runs, {popularity} popularity, {origin})")
    print(
        f"  seawall: {args.flows / ours_med / 1e6:.2f} M flows/s ({ours_med:.2f} s), "
        f"build {build:.2f} s, peak RSS {rss_ours:.0f} MB"
    )
    if peer_times:
        peer_med = statistics.median(peer_times)
        print(
            f"  duckdb : {args.flows / peer_med / 1e6:.2f} M flows/s ({peer_med:.2f} s), "
            f"peak RSS (whole process) {peak_rss_mb():.0f} MB"
        )
        print(f"  ratio  : seawall is {peer_med / ours_med:.1f}x the DuckDB throughput")
        same = ours_hits == peer_hits
        print(
            f"  hit counts agree: {same}"
            + ("" if same else f"\n  ours {ours_hits}\n  peer {peer_hits}")
        )


if __name__ == "__main__":
    main()
