"""The bundled CISA KEV catalog, validation of bad files and installing a newer copy."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from seawall.intel.kev import (
    KevError,
    bundled_kev_path,
    load_kev,
    load_kev_file,
    parse_kev,
    store_kev_path,
    update_kev,
)

# dateAdded of the campaign CVEs as the reference (salt-typhoon.md a.2) gives them.
CAMPAIGN_DATES = {
    "CVE-2018-0171": "2021-11-03",
    "CVE-2023-20198": "2023-10-16",
    "CVE-2023-20273": "2023-10-23",
    "CVE-2024-21887": "2024-01-10",
    "CVE-2023-46805": "2024-01-10",
    "CVE-2024-3400": "2024-04-12",
    "CVE-2024-20399": "2024-07-02",
}


def _document() -> dict:
    return json.loads(bundled_kev_path().read_bytes())


def _write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_bundled_catalog() -> None:
    kev = load_kev()
    assert len(kev) == 1404
    assert kev.version == "2025.08.25"
    assert kev.released == "2025-08-25T17:04:19.9796Z"
    for cve, date_added in CAMPAIGN_DATES.items():
        entry = kev.get(cve)
        assert entry is not None, cve
        assert entry.date_added == date_added
    pan = kev.get("cve-2024-3400")  # lookups ignore case
    assert pan is not None
    assert pan.known_ransomware_use == "Known"
    assert pan.vendor == "Palo Alto Networks"
    assert pan.product == "PAN-OS"
    assert pan.summary()["dateAdded"] == "2024-04-12"
    assert "CVE-2024-20399" in kev and "CVE-1999-0001" not in kev


def test_bundled_copy_is_verbatim() -> None:
    digest = hashlib.sha256(bundled_kev_path().read_bytes()).hexdigest()
    assert digest == "901b1f227941a3879a3e39fcb857bb6f7252bf9d71b63ef08d50a836d5ab1bd2"


def test_vendor_index() -> None:
    kev = load_kev()
    cisco = kev.for_vendor("Cisco")
    assert len(cisco) == 78
    assert cisco == sorted(cisco, key=lambda e: e.cve)
    assert kev.for_vendor(" cisco ") == cisco
    nxos = kev.for_product("Cisco", re.compile("NX-OS"))
    assert [e.cve for e in nxos] == ["CVE-2024-20399"]
    panos = kev.for_vendor_product("palo alto networks", "PAN-OS")
    assert len(panos) == 10 and "CVE-2024-3400" in [e.cve for e in panos]
    assert len(kev.for_vendor_product("Cisco", "IOS and IOS XE Software")) == 14


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: [d], "top level is list, not an object"),
        (
            lambda d: {k: v for k, v in d.items() if k != "vulnerabilities"},
            "missing top-level field 'vulnerabilities'",
        ),
        (lambda d: {**d, "count": "1404"}, "top-level field 'count' is not int"),
        (lambda d: {**d, "count": 1405}, "'count' says 1405 but the file lists 1404"),
        (
            lambda d: {
                **d,
                "vulnerabilities": [*d["vulnerabilities"], d["vulnerabilities"][0]],
                "count": 1405,
            },
            "CVE-2025-48384 is listed twice",
        ),
        (
            lambda d: {
                **d,
                "vulnerabilities": [
                    {**d["vulnerabilities"][0], "cveID": "CVE-25-1"},
                    *d["vulnerabilities"][1:],
                ],
            },
            "vulnerabilities[0] has cveID 'CVE-25-1', not CVE-YYYY-NNNN",
        ),
        (
            lambda d: {
                **d,
                "vulnerabilities": [
                    {k: v for k, v in d["vulnerabilities"][3].items() if k != "dueDate"},
                    *d["vulnerabilities"][4:],
                ],
                "count": 1401,
            },
            "lacks text field(s) dueDate",
        ),
        (
            lambda d: {
                **d,
                "vulnerabilities": [
                    {**d["vulnerabilities"][0], "dateAdded": "25/08/2025"},
                    *d["vulnerabilities"][1:],
                ],
            },
            "CVE-2025-48384 has dateAdded '25/08/2025', not YYYY-MM-DD",
        ),
    ],
)
def test_bad_catalog_errors(tmp_path: Path, mutate, message: str) -> None:
    path = _write(tmp_path / "kev.json", mutate(_document()))
    with pytest.raises(KevError) as caught:
        load_kev_file(path)
    text = str(caught.value)
    assert str(path) in text
    assert message in text
    assert "cisa.gov/known-exploited-vulnerabilities-catalog" in text


def test_not_json_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "kev.json"
    bad.write_text('{"catalogVersion": ', encoding="utf-8")
    with pytest.raises(KevError, match=r"kev\.json: not a usable CISA KEV catalog: not JSON"):
        load_kev_file(bad)
    with pytest.raises(KevError, match="cannot read KEV catalog"):
        load_kev_file(tmp_path / "absent.json")


def test_many_bad_entries_are_summarised() -> None:
    document = _document()
    for item in document["vulnerabilities"][:8]:
        item["dueDate"] = "soon"
    with pytest.raises(KevError, match=r"8 bad entries: .* \(and 3 more\)"):
        parse_kev(json.dumps(document), "kev.json")


def test_update_round_trip(tmp_path: Path) -> None:
    store = tmp_path / "store"
    older = _document()
    older["catalogVersion"] = "2025.08.20"
    dropped = [v["cveID"] for v in older["vulnerabilities"][:2]]
    older["vulnerabilities"] = older["vulnerabilities"][2:]
    older["count"] = len(older["vulnerabilities"])
    older_file = _write(tmp_path / "older.json", older)

    summary = update_kev(older_file, store)
    assert summary["count"] == 1402
    assert summary["version"] == "2025.08.20"
    assert summary["previous_version"] == "2025.08.25"  # the bundled copy was in use
    assert summary["new"] == 0 and summary["new_cves"] == []
    assert summary["dropped_cves"] == sorted(dropped)
    assert summary["installed_path"] == str(store_kev_path(store))
    assert "1402 CVEs" in summary["message"]
    json.dumps(summary)

    installed = load_kev(store)
    assert installed.version == "2025.08.20"
    assert len(installed) == 1402
    assert load_kev().version == "2025.08.25"  # without a store: the bundled copy

    summary = update_kev(bundled_kev_path(), store)
    assert summary["previous_version"] == "2025.08.20"
    assert summary["new_cves"] == sorted(dropped)
    assert summary["new"] == 2
    assert load_kev(store).version == "2025.08.25"


def test_update_rejects_bad_file_and_keeps_the_installed_copy(tmp_path: Path) -> None:
    store = tmp_path / "store"
    update_kev(bundled_kev_path(), store)
    before = store_kev_path(store).read_bytes()
    bad = _write(tmp_path / "bad.json", {"vulnerabilities": []})
    with pytest.raises(KevError, match="missing top-level field 'catalogVersion'"):
        update_kev(bad, store)
    assert store_kev_path(store).read_bytes() == before
    assert [p.name for p in store_kev_path(store).parent.iterdir()] == ["kev.json"]
