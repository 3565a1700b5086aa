"""Indicator file loading: real vendor lists plus crafted edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from seawall.errors import InputError
from seawall.intel.files import load_indicator_set, load_indicators

DATA = Path(__file__).resolve().parent.parent / "data" / "intel"


def _by_value(result):
    cols = result.indicators
    return {v: (k, ln) for v, k, ln in zip(cols.values, cols.kinds, cols.lines, strict=True)}


def test_maltrail_list_loads_hosts_and_ip_port():
    result = load_indicators(DATA / "maltrail_apt_ghostemperor.txt")
    assert result.format == "text" and not result.issues
    kinds = _by_value(result)
    # PROVENANCE: 29 entries = 14 hostnames + 15 ip:port lines (8 distinct IPv4).
    assert len(result.indicators) == 29
    assert sum(k == "domain" for k, _ in kinds.values()) == 14
    ips = [
        v
        for v, k in zip(result.indicators.values, result.indicators.kinds, strict=True)
        if k == "ip"
    ]
    assert len(ips) == 15 and len(set(ips)) == 8
    assert "27.102.113.240" in ips
    ports = {p for p in result.indicators.ports if p is not None}
    assert ports == {80, 443, 8444}


def test_volexity_csv_with_quoted_multi_hash_cells():
    result = load_indicators(DATA / "volexity_stormbamboo_iocs.csv")
    assert result.format == "csv" and not result.issues
    kinds = [k for k in result.indicators.kinds]
    # 5 addresses, 9 file rows of md5,sha1,sha256 each -> 27 hashes; a 32-hex "file" is MD5.
    assert kinds.count("ip") == 5
    assert kinds.count("md5") == 9 and kinds.count("sha1") == 9 and kinds.count("sha256") == 9
    assert "ja3" not in kinds
    row = _by_value(result)["d14431e79dc109d7aad91a5411d406c99ffc524c"]
    assert row == ("sha1", 7)  # the 6th data row sits on file line 7
    assert result.indicators.descriptions[0] == "C2 server used during the DNS poisoining"


def test_eset_report_defanged_values():
    result = load_indicators(DATA / "eset_famoussparrow_README.adoc")
    assert result.format == "document" and not result.issues
    values = _by_value(result)
    assert values["credits.offices-analytics.com"][0] == "domain"
    assert values["27.102.113.240"][0] == "ip"
    assert sum(k == "sha1" for k, _ in values.values()) == 10
    assert "b9601e60f87545441bf8579b2f62668c56507f4a" in values  # lower-cased
    assert not any("welivesecurity" in v for v in values)  # reference link is not an IOC


def test_cross_source_overlap_is_one_value_with_all_sources():
    intel, _ = load_indicator_set(
        [str(DATA / "eset_famoussparrow_README.adoc"), str(DATA / "maltrail_apt_ghostemperor.txt")]
    )
    import pyarrow as pa

    hits = intel.match_addresses(pa.array(["27.102.113.240"]))
    assert len(hits) == 1
    sources = {
        intel.indicator(i).file.rsplit("/", 1)[-1] for i in intel.same_value(int(hits.ids[0]))
    }
    assert sources == {"eset_famoussparrow_README.adoc", "maltrail_apt_ghostemperor.txt"}


def test_plain_text_inference_defang_and_bad_lines(tmp_path):
    path = tmp_path / "iocs.txt"
    path.write_text(
        "# comment line\n"
        "\n"
        "Evil.COM.\n"
        "hxxps://bad[.]example[.]org:443/Path/x?q=1\n"
        "10.1.2.3/8\n"
        "2001:db8::1\n"
        "49ED2EF3F1321E5F044F1E71B0E6FDD5\n"
        "0d:db:34:f8:75:63:2c:7e:1e:c0:9d:75:82:7f:82:d2:33:6d:fe:b6\n"
        "t13d1516h2_8daaf6152771_b186095e22b6\n"
        "999.1.1.1\n"
        "not an indicator\n"
        "münchen-c2.de # German C2\n"
    )
    result = load_indicators(path)
    values = _by_value(result)
    assert values["evil.com"] == ("domain", 3)
    assert values["https://bad.example.org/Path/x?q=1"] == (
        "url",
        4,
    )  # default port dropped, path case kept
    assert values["10.0.0.0/8"] == ("cidr", 5)
    assert values["2001:db8::1"] == ("ip", 6)
    assert values["49ed2ef3f1321e5f044f1e71b0e6fdd5"] == ("ja3", 7)  # 32 hex defaults to JA3
    assert values["0ddb34f875632c7e1ec09d75827f82d2336dfeb6"] == ("sha1", 8)
    assert values["t13d1516h2_8daaf6152771_b186095e22b6"] == ("ja4", 9)
    assert values["xn--mnchen-c2-q9a.de"] == ("domain", 12)
    assert result.indicators.descriptions[-1] == "German C2"
    bad = {issue.location.line: issue.reason for issue in result.issues}
    assert set(bad) == {10, 11}
    assert str(result.issues[0].location).endswith("iocs.txt:line 10")


def test_csv_header_detection_type_override_and_confidence(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text(
        "IOC,Kind,Comment,Score\n"
        "1.2.3.4,ip-dst,c2,85\n"
        "ffffffffffffffffffffffffffffffff,md5,dropper,\n"
        "ffffffffffffffffffffffffffffffff,ja3,client,0.4\n"
        ",domain,empty,\n"
        "bad..name,domain,broken,\n"
    )
    result = load_indicators(path)
    cols = result.indicators
    assert list(zip(cols.values, cols.kinds, strict=True)) == [
        ("1.2.3.4", "ip"),
        ("ffffffffffffffffffffffffffffffff", "md5"),
        ("ffffffffffffffffffffffffffffffff", "ja3"),
    ]
    assert cols.confidences == [0.85, None, 0.4]
    assert cols.descriptions == ["c2", "dropper", "client"]
    assert [i.location.line for i in result.issues] == [6]
    forced = load_indicators(path, kind="domain")
    refused = {i.location.line for i in forced.issues}
    assert refused == {2, 6}  # an address and a name with an empty label are not domains


def test_sekoia_style_stix_pattern_column(tmp_path):
    path = tmp_path / "sekoia.csv"
    path.write_text(
        "tlp,id,type,name,pattern,pattern_type,confidence\n"
        "white,indicator--1,indicator,api.ontracting.com,"
        "[domain-name:value = 'api.ontracting.com'],stix,100\n"
        "white,indicator--2,indicator,x,\"[file:hashes.MD5 = '362057b23605d83130bdeac749d404f2' OR "
        "file:hashes.'SHA-512' = 'aa']\",stix,100\n"
    )
    result = load_indicators(path)
    assert list(zip(result.indicators.values, result.indicators.kinds, strict=True)) == [
        ("api.ontracting.com", "domain"),
        ("362057b23605d83130bdeac749d404f2", "md5"),
    ]
    assert result.skipped == 1 and result.indicators.confidences == [1.0, 1.0]


def test_unknown_column_and_type_say_what_to_do(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("foo,bar\n1,2\n")
    with pytest.raises(InputError, match="value_column"):
        load_indicators(path)
    with pytest.raises(InputError, match="use one of"):
        load_indicators(path, kind="bogus")
