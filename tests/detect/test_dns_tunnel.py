"""DNS tunnel detector: iodine and dnscat2 captures, benign DNS, name features, crafted cases."""

from __future__ import annotations

import math
import random
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from seawall.detect.base import DetectContext, RecordTables, load_thresholds
from seawall.detect.traffic.dns_names import NameParts, char_entropy, longest_label
from seawall.detect.traffic.dns_tunnel import detect_dns_tunnel
from seawall.records import from_columns
from seawall.records.alerts import Alert
from seawall.sources import SourceOptions, read_file

TRAFFIC = Path(__file__).resolve().parent.parent / "data" / "traffic"
T0 = 1_700_000_000.0


def _ctx(profile: str = "default", **overrides: Any) -> DetectContext:
    return DetectContext(profile=profile, overrides={"dns_tunnel": overrides}).for_detector(
        "dns_tunnel"
    )


@cache
def _corpus(relative: str) -> RecordTables:
    result = read_file(str(TRAFFIC / relative), SourceOptions())
    return RecordTables(flows=result.table("flow"), transactions=result.table("transaction"))


def _queries(
    names: list[str],
    *,
    qtype: str = "A",
    client: str = "10.1.1.5",
    server: str = "10.0.0.53",
    step: float = 1.0,
) -> Any:
    n = len(names)
    return from_columns(
        "transaction",
        {
            "event.start": [round((T0 + step * i) * 1e6) for i in range(n)],
            "source.ip": [client] * n,
            "destination.ip": [server] * n,
            "destination.port": [53] * n,
            "network.transport": ["udp"] * n,
            "transaction.kind": ["dns_query"] * n,
            "transaction.direction": ["client"] * n,
            "dns.question.name": names,
            "dns.question.type": [qtype] * n,
            "dns.response.bytes": [120] * n,
            "input.file": ["crafted.pcap"] * n,
            "input.frame": list(range(1, n + 1)),
        },
    )


def _run(tx: Any, profile: str = "default", **overrides: Any) -> list[Alert]:
    return detect_dns_tunnel(RecordTables(transactions=tx), _ctx(profile, **overrides))


def _hex_names(n: int, base: str, length: int = 40, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.getrandbits(4 * length):0{length}x}.{base}" for _ in range(n)]


# --- real captures -----------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["default", "lab"])
def test_iodine_tunnel(profile: str) -> None:
    alerts = detect_dns_tunnel(_corpus("dns_tunnel/ndpi_dns-tunnel-iodine.pcap"), _ctx(profile))
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.entities["source.ip"] == "10.0.2.30"
    assert alert.entities["destination.ip"] == "10.0.2.20"
    assert alert.entities["dns.question.registered_domain"] == "pirate.sea"
    ev = alert.evidence
    assert ev["unique_subdomains"] >= 200  # 222 queries, all names distinct
    assert ev["query_types"].get("NULL", 0) >= 200
    assert ev["signals"]["bulk_record_types"]
    assert ev["bytes_down_in_answers"] > ev["bytes_up_in_names"] > 0
    assert alert.severity in ("medium", "high")
    assert "T1071.004" in alert.attack
    assert alert.inputs and alert.inputs[0].frame is not None


@pytest.mark.parametrize("profile", ["default", "lab"])
def test_dnscat2_direct_tunnel(profile: str) -> None:
    alerts = detect_dns_tunnel(
        _corpus("dns_tunnel/ndpi_dns_exfiltration_dnscat.pcap"), _ctx(profile)
    )
    assert len(alerts) == 1
    ev = alerts[0].evidence
    assert alerts[0].entities["source.ip"] == "192.168.220.56"
    assert alerts[0].entities["destination.ip"] == "192.168.203.167"
    assert ev["unique_subdomains"] == 150
    # Hex-encoded labels: entropy close to 4 bits per character.
    assert ev["mean_subdomain_entropy"] > 3.5
    assert ev["signals"]["high_entropy"] and ev["signals"]["long_names"]
    assert all(name.startswith("dnscat.") for name in ev["sample_names"])


@pytest.mark.parametrize(
    "name",
    [
        "benign/zeek_dns-edns-ecs.pcap",
        "benign/zeek_wikipedia.pcap",
        "benign/zeek_var-services-std-ports.pcap",
    ],
)
@pytest.mark.parametrize("profile", ["default", "lab"])
def test_benign_dns_is_silent(name: str, profile: str) -> None:
    tables = _corpus(name)
    assert tables.transactions.num_rows or tables.flows.num_rows
    assert detect_dns_tunnel(tables, _ctx(profile)) == []


def test_default_thresholds_are_ritas() -> None:
    cfg = load_thresholds("dns_tunnel")
    assert cfg["min_unique_subdomains"] == 100
    assert cfg["subdomain_tiers"] == {"low": 500, "medium": 800, "high": 1000}


# --- name features -----------------------------------------------------------------------


def test_base_domain_and_subdomain() -> None:
    parts = NameParts(
        pa.array(
            [
                "a.b.example.com.",
                "www.bbc.co.uk",
                "x.y.pirate.sea",
                "dnscat.0a1b2c",
                "wpad",
                "4.3.2.1.in-addr.arpa",
                "printer._ipp._tcp.local",
                "EXAMPLE.COM",
                None,
            ]
        )
    )
    assert parts.base.to_pylist() == [
        "example.com",
        "bbc.co.uk",
        "pirate.sea",
        "",
        "",
        "",
        "",
        "example.com",
        "",
    ]
    assert parts.sub.to_pylist()[:4] == ["a.b", "www", "x.y", "dnscat.0a1b2c"]
    assert parts.domain.tolist() == [True, True, True, False, False, False, False, True, False]
    assert parts.direct.tolist() == [False, False, False, True, False, False, False, False, False]


def test_entropy_and_label_length() -> None:
    values = pa.array(["aaaa", "abcd", "", "ab.cd", "0123456789abcdef"])
    h = char_entropy(values, block=2)  # small block exercises the chunking
    assert h[0] == 0.0 and h[2] == 0.0
    assert math.isclose(h[1], 2.0) and math.isclose(h[3], 2.0)
    assert math.isclose(h[4], 4.0)
    assert longest_label(pa.array(["a.bbb.cc", "", "abcdef"])).tolist() == [3, 0, 6]


# --- crafted cases -----------------------------------------------------------------------


def test_hex_subdomains_fire_at_ritas_base() -> None:
    alerts = _run(_queries(_hex_names(120, "exfil.example")))
    assert len(alerts) == 1
    assert alerts[0].evidence["subdomain_tier"] == "base"
    assert alerts[0].evidence["signals"]["high_entropy"]
    assert _run(_queries(_hex_names(90, "exfil.example"))) == []


def test_ordinary_subdomains_need_ritas_low_tier() -> None:
    words = ["www", "mail", "img", "api", "cdn", "static", "news", "shop", "m", "blog"]
    names = [f"{w}{i}.bigsite.com" for i in range(60) for w in words]  # 600 short names
    assert _run(_queries(names[:300])) == []  # 300 ordinary names: no shape, below "low"
    alerts = _run(_queries(names))
    assert len(alerts) == 1 and alerts[0].evidence["subdomain_tier"] == "low"
    assert not any(alerts[0].evidence["signals"].values())


def test_txt_records_count_as_shape() -> None:
    names = [f"s{i}.mail.example.org" for i in range(150)]
    assert _run(_queries(names, qtype="A")) == []
    assert len(_run(_queries(names, qtype="TXT"))) == 1


def test_groups_are_per_client_and_base() -> None:
    half = _hex_names(120, "exfil.example")
    a = _queries(half[:60], client="10.1.1.5")
    b = _queries(half[60:], client="10.1.1.6")
    assert _run(pa.concat_tables([a, b])) == []
    c = _queries(_hex_names(60, "one.example", seed=1))
    d = _queries(_hex_names(60, "two.example", seed=2))
    assert _run(pa.concat_tables([c, d])) == []


def test_window_limits_the_count() -> None:
    slow = _queries(_hex_names(120, "exfil.example"), step=1000.0)  # 120 names over 33 h
    assert _run(slow) == []
    assert len(_run(slow, window_seconds=200_000)) == 1


def test_reverse_lookups_and_ignored_bases() -> None:
    ptr = [f"{i % 250}.{i // 250}.0.10.in-addr.arpa" for i in range(600)]
    assert _run(_queries(ptr, qtype="PTR")) == []
    dnsbl = _hex_names(600, "zen.spamhaus.org")
    assert _run(_queries(dnsbl)) == []


def test_flow_names_are_the_fallback() -> None:
    names = _hex_names(120, "exfil.example")
    n = len(names)
    flows = from_columns(
        "flow",
        {
            "event.start": [round((T0 + i) * 1e6) for i in range(n)],
            "source.ip": ["10.1.1.5"] * n,
            "destination.ip": ["10.0.0.53"] * n,
            "destination.port": [53] * n,
            "network.transport": ["udp"] * n,
            "destination.bytes": [200] * n,
            "dns.question.name": names,
            "input.file": ["flows.csv"] * n,
            "input.line": list(range(1, n + 1)),
        },
    )
    alerts = detect_dns_tunnel(RecordTables(flows=flows), _ctx())
    assert len(alerts) == 1
    assert alerts[0].inputs[0].line == 1
    # Flows of a file whose queries are in the transactions are not counted twice.
    tx = _queries(names).set_column(
        list(_queries(names).schema.names).index("input.file"),
        "input.file",
        pa.array(["flows.csv"] * n),
    )
    both = detect_dns_tunnel(RecordTables(flows=flows, transactions=tx), _ctx())
    assert len(both) == 1 and both[0].evidence["queries"] == n


def test_empty_and_null_names() -> None:
    assert detect_dns_tunnel(RecordTables(), _ctx("lab")) == []
    assert _run(_queries([""] * 50), "lab") == []
    assert np.all(char_entropy(pa.array([None, "a"], type=pa.string())) >= 0)
