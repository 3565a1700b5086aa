"""IOC matching at scale: N generated flows against M generated indicators.

Ours: seawall.intel.matcher.IndicatorSet (look up each distinct value once: IPv4 parsed
from the Arrow buffers and searched in a segment table, dict lookups with parent suffixes
for names, dicts for hashes). Peer: DuckDB SQL, equi-joins only (hash joins for exact
addresses, names and hashes, one equi-join per CIDR prefix length, parent domains as an
unnest of suffixes then a hash semi join; see Peer), on as many threads as ours. Both count,
per field, the rows with at least one match; the counts must agree or the bench stops.

By default both start from Parquet written the way the store writes it (flows at rest):
the generated flows are written once to bench/.work/ (not timed), then each run times
reading + matching. Ours reads 1M-row batches with ``read_dictionary`` (the strings arrive
as DictionaryArrays, no encoding) while the next batch is read in the background; DuckDB
runs one query per field on ``read_parquet`` of the whole file. ``--from memory`` times
matching of in-memory Arrow batches of plain strings instead (dictionary encoding included).

Flows are generated in batches from a seeded numpy generator, so memory is bounded by the
batch size. Address, name and fingerprint popularity follows a Zipf law (a few hosts carry
most flows, as in real traffic); --uniform draws them uniformly instead.

    python bench/intel_match.py --flows 10000000 --indicators 1000000 --runs 3
"""

from __future__ import annotations

import argparse
import os
import re
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


def duckdb_setup(world: World, threads: int) -> duckdb.DuckDBPyConnection:
    """Indicator tables for the SQL peer; ``cidr`` holds (prefix length, network bits)."""
    con = duckdb.connect(config={"threads": threads})
    ip = dotted(world.ip_ints)
    con.register("ip_src", pa.table({"ip": ip}))
    con.execute("CREATE TABLE ip_exact AS SELECT DISTINCT ip FROM ip_src")
    cidr = pa.table({"lo": pa.array(world.cidr_lo), "hi": pa.array(world.cidr_hi)})
    con.register("cidr_src", cidr)
    con.execute(
        "CREATE TABLE cidr AS SELECT DISTINCT"
        " 32 - CAST(log2(hi - lo + 1) AS INTEGER) AS plen,"
        " lo >> CAST(log2(hi - lo + 1) AS INTEGER) AS key FROM cidr_src"
    )
    con.register("dom_src", pa.table({"name": world.domains}))
    con.execute("CREATE TABLE domains AS SELECT DISTINCT name FROM dom_src")
    con.register("ja3_src", pa.table({"h": pa.array(world.ja3)}))
    con.execute("CREATE TABLE ja3 AS SELECT DISTINCT h FROM ja3_src")
    con.register("sha_src", pa.table({"h": pa.array(world.sha1)}))
    con.execute("CREATE TABLE sha1 AS SELECT DISTINCT h FROM sha_src")
    for name in ("ip_src", "cidr_src", "dom_src", "ja3_src", "sha_src"):
        con.unregister(name)
    return con


# Dotted quad -> UINTEGER, NULL unless four labels that each cast to 0..255.
_IPV4 = (
    "CASE WHEN len(p) = 4 THEN (try_cast(p[1] AS UTINYINT)::UINTEGER << 24)"
    " | (try_cast(p[2] AS UTINYINT)::UINTEGER << 16)"
    " | (try_cast(p[3] AS UTINYINT)::UINTEGER << 8) | try_cast(p[4] AS UTINYINT) END"
)
# Plan operators that mean a join degenerated from hash/equi-join into pairs of rows.
_PAIRWISE = re.compile(
    r'"name": "(\w*(?:NESTED_LOOP|CROSS_PRODUCT|BLOCKWISE_NL|PIECEWISE_MERGE|IE_JOIN)\w*)"'
)


class Peer:
    """DuckDB SQL doing the same matching, as equi-joins only: exact addresses, names and
    hashes as hash (semi/mark) joins; CIDRs as one equi-join per prefix length present in
    the indicators (network bits of the address = key); parent domains as an unnest of
    every suffix of the name, then a hash semi join.

    form "rows" matches every row; form "distinct" groups each column by value first and
    matches each distinct value once, summing its row count (what ours does, in SQL).

    A range join (``n BETWEEN lo AND hi``) is not offered: DuckDB plans it as an IEJoin,
    39 s per 100k flows here. A single join over ``CROSS JOIN (prefix lengths)`` is not
    either: on 1M rows the optimizer joined cidr x lengths first and then took a cross
    product with the flows (1e11 pairs; > 6 min per 1M flows). Each query's plan is
    checked once for such operators and refused."""

    def __init__(self, con: duckdb.DuckDBPyConnection, form: str) -> None:
        self.con, self.form = con, form
        self.plens = [
            r[0] for r in con.execute("SELECT DISTINCT plen FROM cidr ORDER BY 1").fetchall()
        ]
        self.checked: set[str] = set()

    def _values(self, source: str, col: str) -> str:
        """(k, v, c): the column's non-null values with the row count each stands for."""
        if self.form == "rows":
            return f'SELECT rid AS k, "{col}" AS v, 1 AS c FROM {source} WHERE "{col}" IS NOT NULL'
        return (
            f'SELECT "{col}" AS k, "{col}" AS v, count(*) AS c FROM {source} '
            f'WHERE "{col}" IS NOT NULL GROUP BY "{col}"'
        )

    def queries(self, source: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for col in ("source.ip", "destination.ip"):
            cidr = "".join(
                f" OR (n >> {32 - p}) IN (SELECT key FROM cidr WHERE plen = {p})"
                for p in self.plens
            )
            out[col] = f"""
            WITH d AS ({self._values(source, col)}),
            a AS (SELECT v, c, {_IPV4} AS n FROM (SELECT v, c, string_split(v, '.') AS p FROM d))
            SELECT coalesce(sum(c), 0) FROM a WHERE v IN (SELECT ip FROM ip_exact){cidr}"""
        for col in ("tls.client.server_name", "dns.question.name"):
            out[col] = f"""
            WITH d AS ({self._values(source, col)}),
            parts AS (SELECT k, c, string_split(rtrim(lower(v), '.'), '.') AS p FROM d),
            suffixes AS (SELECT k, c, unnest(list_transform(range(1, len(p) + 1),
                                        lambda i: array_to_string(p[i:], '.'))) AS s
                         FROM parts),
            hits AS (SELECT DISTINCT k, c FROM suffixes SEMI JOIN domains ON s = name)
            SELECT coalesce(sum(c), 0) FROM hits"""
        for col, table in (("tls.client.ja3", "ja3"), ("tls.server.hash.sha1", "sha1")):
            out[col] = f"""
            WITH d AS ({self._values(source, col)})
            SELECT coalesce(sum(c), 0) FROM d
            WHERE replace(lower(v), ':', '') IN (SELECT h FROM {table})"""
        return out

    def _check_plan(self, col: str, query: str) -> None:
        if col in self.checked:
            return
        plan = self.con.execute("EXPLAIN (FORMAT json) " + query).fetchall()[0][1]
        bad = sorted(set(_PAIRWISE.findall(plan)))
        if bad:
            raise SystemExit(f"DuckDB planned {bad} for {col}; rewrite the query as equi-joins")
        self.checked.add(col)

    def match(self, source: str) -> dict[str, int]:
        """Rows with a hit per field, for the flows in the SQL relation ``source``."""
        out: dict[str, int] = {}
        for col, query in self.queries(source).items():
            self._check_plan(col, query)
            out[col] = int(self.con.execute(query).fetchall()[0][0])
        return out

    def match_table(self, table: pa.Table) -> dict[str, int]:
        self.con.register("flows", table)
        try:
            return self.match("flows")
        finally:
            self.con.unregister("flows")


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


def check_hits(expected: dict[str, int], got: dict[str, int], label: str) -> None:
    """The peer is only a peer if it finds the same rows: stop on any difference."""
    if got != expected:
        diff = {k: (expected.get(k), got.get(k)) for k in FIELDS if expected.get(k) != got.get(k)}
        raise SystemExit(
            f"HIT COUNT MISMATCH in {label} (field: (seawall, this run)): {diff}; "
            "the two matchers disagree, fix the semantics before reading any timing"
        )


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
        "--peer-form",
        choices=("distinct", "rows"),
        default="distinct",
        help="DuckDB: match each distinct value once and sum its rows (default), or every row",
    )
    ap.add_argument(
        "--threads", type=int, default=2, help="column threads for ours (1 = none), DuckDB threads"
    )
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
    first_hits: dict[str, int] = {}
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
        if i:
            check_hits(first_hits, ours_hits, f"seawall run {i + 1}")
        first_hits = ours_hits
    rss_ours = peak_rss_mb()
    if not args.no_peer:
        t0 = time.perf_counter()
        con = duckdb_setup(world, args.threads)
        sql_peer = Peer(con, args.peer_form)
        threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        print(
            f"duckdb setup (indicator tables): {time.perf_counter() - t0:.2f} s, "
            f"threads {threads}, form {args.peer_form}, CIDR prefix lengths {sql_peer.plens}"
        )
        for i in range(args.runs):
            print(f"run {i + 1}/{args.runs}", flush=True)
            if path is not None:
                # One query per field over the whole file: DuckDB streams and parallelizes
                # the scan itself, reading only the column each query needs.
                source = "read_parquet('{}')".format(str(path).replace("'", "''"))
                elapsed, hits = run(
                    "duckdb", sql_peer.match, lambda s=source: [s], args.flows, True
                )
            else:
                elapsed, hits = run("duckdb", sql_peer.match_table, tables, args.flows, False)
            peer_times.append(elapsed)
            check_hits(ours_hits, hits, f"duckdb run {i + 1}")
            peer_hits = hits
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
        print(f"  hit counts agree: {peer_hits == ours_hits} {ours_hits}")


if __name__ == "__main__":
    main()
