"""Exposure to the campaign's known-exploited CVEs: version comparison, conditions, KEV."""

from __future__ import annotations

import pytest

from seawall.detect.audit.exposure import (
    CONDITIONS,
    campaign_cves,
    device_version,
    exposures,
    kev_context,
)
from seawall.detect.audit.versions import (
    compare_versions,
    is_train_only,
    parse_version,
    version_from_image,
)
from seawall.intel.kev import KevCatalog, load_kev
from seawall.records.config import BootImage, DeviceConfig, Service


@pytest.fixture(scope="module")
def kev() -> KevCatalog:
    return load_kev()


def device(
    os: str,
    version: str | None,
    *,
    services: list[Service] | None = None,
    boot: list[str] | None = None,
    features: list[str] | None = None,
    dialect: str = "cisco_ios",
) -> DeviceConfig:
    model = DeviceConfig(
        path="dev.cfg", dialect=dialect, hostname="dev1", vendor="Cisco", os=os, version=version
    )
    model.services = services or []
    model.boot_images = [BootImage(image, 4) for image in boot or []]
    model.features = features or []
    if version:
        model.text[2] = f"version {version}"
    return model


def summary(found: list) -> list[tuple[str, str, str, str]]:
    return [(e.cve, e.status, e.severity, e.confidence) for e in found]


WEB_ON = [Service("http", True, 30), Service("https", True, 31)]
WEB_OFF = [Service("http", False, 30), Service("https", False, 31)]


# --- version comparison ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("17.9.4", "17.9.4a"),  # rebuild letter is later
        ("17.9.4a", "17.9.5"),
        ("17.9.4a", "17.10.1"),  # numbers, not text: 9 < 10
        ("16.12.10", "16.12.10a"),
        ("16.12.9", "16.12.10"),
        ("17.3.8", "17.3.8a"),
        ("17.6.1z", "17.6.1z1"),
        ("15.2(4)M3", "15.2(4)M10"),
        ("15.2(4)M10", "15.2(5)M1"),
        ("9.3(9)", "9.3(10)"),
        ("9.3(2)", "9.3(2a)"),
        ("7.3(1)D1(1)", "7.3(2)D1(1)"),
        ("7.0(3)I7(9)", "7.0(3)I7(10)"),
        ("10.2.9", "10.2.9-h1"),  # hotfix is later than its base
        ("10.2.9-h1", "10.2.10"),
        ("10.2.4-h9", "10.2.4-h16"),
        ("11.0.4-h1", "11.1.0"),
        ("22.6R2", "22.6R2.1"),
        ("9.1R18.3", "22.1R1"),
        ("22.5R1.1", "22.5R2"),
    ],
)
def test_version_order(older: str, newer: str) -> None:
    assert compare_versions(older, newer) == -1
    assert compare_versions(newer, older) == 1
    assert parse_version(older) < parse_version(newer)


def test_version_equality_ignores_spelling() -> None:
    assert compare_versions("17.09.04a", "17.9.4a") == 0
    assert parse_version("17.09.04A") == parse_version("17.9.4a")
    assert len({parse_version("9.3(10)"), parse_version("9.3.10")}) == 1
    with pytest.raises(ValueError, match="not a version"):
        compare_versions("--", "1.0")
    assert parse_version("") is None and parse_version(None) is None


def test_trains() -> None:
    assert is_train_only("17.9") and is_train_only(" 15.2 ")
    assert not is_train_only("17.9.4a") and not is_train_only("9.3(10)")
    train = parse_version("17.1")
    assert parse_version("17.1.3").startswith(train)
    assert not parse_version("17.12.1").startswith(train)


@pytest.mark.parametrize(
    ("image", "os", "expected"),
    [
        ("bootflash:cat9k_iosxe.17.09.04a.SPA.bin", "IOS XE", "17.9.4a"),
        ("flash:isr4300-universalk9.16.09.05.SPA.bin", "IOS XE", "16.9.5"),
        ("bootflash:packages.conf", "IOS XE", None),
        ("flash:c2960x-universalk9-mz.152-4.E10.bin", "IOS", "15.2(4)E10"),
        ("flash:c3750e-universalk9-mz.122-55.SE12.bin", "IOS", "12.2(55)SE12"),
        ("bootflash:nxos.9.3.10.bin", "NX-OS", "9.3(10)"),
        ("bootflash:nxos64-cs.10.3.4a.M.bin", "NX-OS", "10.3(4a)"),
        ("bootflash:n9000-dk9.7.0.3.I7.4.bin", "NX-OS", "7.0(3)I7(4)"),
        ("bootflash:nxos.9.3.10.bin", "PAN-OS", None),
    ],
)
def test_version_from_image(image: str, os: str, expected: str | None) -> None:
    assert version_from_image(image, os) == expected


# --- IOS XE Web UI (CVE-2023-20198 / CVE-2023-20273) -------------------------------------------


def test_iosxe_16_9_web_ui_on(kev: KevCatalog) -> None:
    # 16.9 has no fixed release: every 16.9.x in Cisco's record is affected
    found = exposures(device("IOS XE", "16.9", services=WEB_ON), kev)
    assert summary(found) == [
        ("CVE-2023-20198", "vulnerable", "critical", "medium"),
        ("CVE-2023-20273", "vulnerable", "high", "medium"),
    ]
    first = found[0]
    assert first.version == "16.9" and first.version_source == "config"
    assert first.version_status == "affected"
    assert first.condition == "web_ui_enabled" and first.condition_met is True
    assert first.condition_line == 30 and first.line == 30
    assert first.fixed_in == ["17.9.4a", "17.6.6a", "17.3.8a", "16.12.10a"]
    assert first.kev is not None and first.kev["dateAdded"] == "2023-10-16"
    assert first.kev["knownRansomwareCampaignUse"] == "Unknown"
    assert "BOD 23-02" in first.kev["requiredAction"]
    assert first.source.endswith("cisco-sa-iosxe-webui-privesc-j22SaA4z")


def test_iosxe_16_9_web_ui_off_is_informational(kev: KevCatalog) -> None:
    found = exposures(device("IOS XE", "16.9", services=WEB_OFF), kev)
    assert summary(found) == [
        ("CVE-2023-20198", "vulnerable-feature-off", "info", "medium"),
        ("CVE-2023-20273", "vulnerable-feature-off", "info", "medium"),
    ]
    assert "is off (informational)" in found[0].detail
    assert found[0].line == 2  # the version line: the feature is off


def test_iosxe_web_ui_unknown_lowers_severity(kev: KevCatalog) -> None:
    found = exposures(device("IOS XE", "16.9"), kev)
    assert summary(found) == [
        ("CVE-2023-20198", "vulnerable", "high", "medium"),
        ("CVE-2023-20273", "vulnerable", "medium", "medium"),
    ]
    assert found[0].condition_met is None


@pytest.mark.parametrize("version", ["17.3.8a", "17.9.4a", "16.12.10a", "17.13.1", "17.9.5"])
def test_iosxe_fixed_releases(kev: KevCatalog, version: str) -> None:
    assert exposures(device("IOS XE", version, services=WEB_ON), kev) == []


@pytest.mark.parametrize("version", ["17.3.8", "17.9.4", "16.12.10", "17.12.1a", "17.11.99SW"])
def test_iosxe_affected_releases(kev: KevCatalog, version: str) -> None:
    found = exposures(device("IOS XE", version, services=WEB_ON), kev)
    assert summary(found) == [
        ("CVE-2023-20198", "vulnerable", "critical", "high"),
        ("CVE-2023-20273", "vulnerable", "high", "high"),
    ]


def test_iosxe_train_with_a_fix_is_possible(kev: KevCatalog) -> None:
    found = exposures(device("IOS XE", "17.9", services=WEB_ON), kev)
    assert summary(found) == [
        ("CVE-2023-20198", "possible", "high", "medium"),
        ("CVE-2023-20273", "possible", "medium", "medium"),
    ]
    assert found[0].fixed_in == ["17.9.4a"]
    assert "does not give the maintenance release" in found[0].detail


def test_boot_image_gives_the_release(kev: KevCatalog) -> None:
    vulnerable = device(
        "IOS XE", "17.9", services=WEB_ON, boot=["bootflash:cat9k_iosxe.17.09.03.SPA.bin"]
    )
    assert device_version(vulnerable, "IOS XE") == ("17.9.3", "boot image")
    found = exposures(vulnerable, kev)
    assert summary(found)[0] == ("CVE-2023-20198", "vulnerable", "critical", "medium")
    fixed = device(
        "IOS XE", "17.9", services=WEB_ON, boot=["bootflash:cat9k_iosxe.17.09.04a.SPA.bin"]
    )
    assert exposures(fixed, kev) == []
    # an image of another train does not override what the config says
    other = device("IOS XE", "17.9", boot=["bootflash:cat9k_iosxe.17.03.08a.SPA.bin"])
    assert device_version(other, "IOS XE") == ("17.9", "config")


def test_ip_http_port_alone_does_not_enable_the_web_ui(kev: KevCatalog) -> None:
    services = [
        Service("http", False, 30),
        Service("http", True, 32, port=18080),
        Service("https", False, 31),
    ]
    found = exposures(device("IOS XE", "17.3.8", services=services), kev)
    assert {e.status for e in found} == {"vulnerable-feature-off"}


def test_https_alone_meets_the_condition() -> None:
    model = device(
        "IOS XE", "17.3.8", services=[Service("http", False, 30), Service("https", True, 31)]
    )
    assert CONDITIONS["web_ui_enabled"](model) == (True, 31)
    half = device("IOS XE", "17.3.8", services=[Service("http", False, 30)])
    assert CONDITIONS["web_ui_enabled"](half) == (None, 30)


def test_iosxe_written_as_ios_by_version(kev: KevCatalog) -> None:
    found = exposures(device("IOS", "17.3", services=WEB_ON), kev)
    assert [e.cve for e in found] == ["CVE-2023-20198", "CVE-2023-20273"]
    assert found[0].os == "IOS XE"


# --- Smart Install (CVE-2018-0171) -------------------------------------------------------------


def test_smart_install_on(kev: KevCatalog) -> None:
    found = exposures(device("IOS", "15.2", services=[Service("smart-install", True, 40)]), kev)
    assert summary(found) == [("CVE-2018-0171", "exposed", "high", "medium")]
    assert found[0].version_status == "unchecked"
    assert found[0].condition_line == 40
    assert found[0].kev is not None and found[0].kev["dateAdded"] == "2021-11-03"
    assert "Smart Install client (vstack) is on" in found[0].detail


@pytest.mark.parametrize(
    "services", [[Service("smart-install", False, 40)], []], ids=["no vstack", "not stated"]
)
def test_smart_install_off_or_unknown(kev: KevCatalog, services: list[Service]) -> None:
    assert exposures(device("IOS", "15.2", services=services), kev) == []


def test_smart_install_on_iosxe_with_web_ui(kev: KevCatalog) -> None:
    services = [*WEB_ON, Service("smart-install", True, 40)]
    found = exposures(device("IOS XE", "16.9.4", services=services), kev)
    assert [e.cve for e in found] == ["CVE-2023-20198", "CVE-2018-0171", "CVE-2023-20273"]


# --- PAN-OS GlobalProtect (CVE-2024-3400) ------------------------------------------------------


def panos(version: str, globalprotect: bool) -> DeviceConfig:
    return device(
        "PAN-OS",
        version,
        dialect="paloalto_panos",
        features=["globalprotect-gateway"] if globalprotect else [],
    )


def test_panos_10_2_9_with_globalprotect(kev: KevCatalog) -> None:
    found = exposures(panos("10.2.9", True), kev)
    assert summary(found) == [("CVE-2024-3400", "vulnerable", "critical", "high")]
    assert found[0].fixed_in == ["10.2.9-h1"]
    assert found[0].kev is not None
    assert found[0].kev["knownRansomwareCampaignUse"] == "Known"
    assert found[0].kev["dateAdded"] == "2024-04-12"


def test_panos_10_2_9_without_globalprotect(kev: KevCatalog) -> None:
    assert summary(exposures(panos("10.2.9", False), kev)) == [
        ("CVE-2024-3400", "vulnerable-feature-off", "info", "high")
    ]


@pytest.mark.parametrize(
    "version", ["10.2.9-h1", "10.2.10", "10.2.8-h3", "11.0.4-h1", "11.1.2-h3", "11.1.3", "10.1.9"]
)
def test_panos_fixed_or_unaffected(kev: KevCatalog, version: str) -> None:
    assert exposures(panos(version, True), kev) == []


@pytest.mark.parametrize("version", ["10.2.8-h2", "10.2.0", "11.0.3-h9", "11.1.2", "11.1.0-h2"])
def test_panos_affected(kev: KevCatalog, version: str) -> None:
    assert [e.status for e in exposures(panos(version, True), kev)] == ["vulnerable"]


def test_panos_globalprotect_service_meets_the_condition() -> None:
    model = panos("10.2.9", False)
    model.services.append(Service("globalprotect-portal", True, 12))
    assert CONDITIONS["globalprotect_enabled"](model) == (True, 12)


# --- NX-OS (CVE-2024-20399), Ivanti, no version ------------------------------------------------


@pytest.mark.parametrize("version", ["9.3(10)", "7.3(1)D1(1)", "10.4(2)", "7.0(3)I7(10)"])
def test_nxos_listed_releases(kev: KevCatalog, version: str) -> None:
    found = exposures(device("NX-OS", version, dialect="cisco_nxos"), kev)
    assert summary(found) == [("CVE-2024-20399", "vulnerable", "high", "high")]
    assert found[0].condition is None and found[0].kev["dateAdded"] == "2024-07-02"
    assert found[0].fixed_in == []


@pytest.mark.parametrize("version", ["9.3(14)", "10.4(3)", "10.5(1)"])
def test_nxos_unlisted_releases(kev: KevCatalog, version: str) -> None:
    assert exposures(device("NX-OS", version, dialect="cisco_nxos"), kev) == []


def test_nxos_release_from_image(kev: KevCatalog) -> None:
    model = device("NX-OS", None, dialect="cisco_nxos", boot=["bootflash:nxos.9.3.10.bin"])
    found = exposures(model, kev)
    assert found[0].version == "9.3(10)" and found[0].version_source == "boot image"
    assert found[0].confidence == "medium" and found[0].line == 4


@pytest.mark.parametrize(
    ("version", "affected"),
    [
        ("22.6R2.1", False),
        ("22.6R2", True),
        ("22.5R1.1", False),
        ("22.5R1", True),
        ("9.1R18.3", False),
        ("9.1R18.2", True),
        ("9.1R16", True),
        ("22.7R1", False),
    ],
)
def test_ivanti(kev: KevCatalog, version: str, affected: bool) -> None:
    model = device("Ivanti Connect Secure", version)
    expected = (
        [
            ("CVE-2024-21887", "vulnerable", "critical", "high"),
            ("CVE-2023-46805", "vulnerable", "high", "high"),
        ]
        if affected
        else []
    )
    assert sorted(summary(exposures(model, kev))) == sorted(expected)


def test_train_only_without_a_condition(kev: KevCatalog) -> None:
    found = exposures(device("Ivanti Connect Secure", "22.5"), kev)
    assert sorted(summary(found)) == [
        ("CVE-2023-46805", "possible", "medium", "medium"),
        ("CVE-2024-21887", "possible", "high", "medium"),
    ]


def test_no_version_reports_only_an_enabled_feature(kev: KevCatalog) -> None:
    assert exposures(device("IOS XE", None), kev) == []
    found = exposures(device("IOS XE", None, services=WEB_ON), kev)
    assert summary(found) == [
        ("CVE-2023-20198", "exposed", "high", "medium"),
        ("CVE-2023-20273", "exposed", "medium", "medium"),
    ]
    assert found[0].version_status == "unknown"


def test_cve_filter_and_missing_catalog() -> None:
    model = device("IOS XE", "16.9", services=[*WEB_ON, Service("smart-install", True, 40)])
    found = exposures(model, None, cves=["cve-2018-0171"])
    assert [e.cve for e in found] == ["CVE-2018-0171"]
    assert found[0].kev is None


def test_other_platforms_have_no_campaign_exposure(kev: KevCatalog) -> None:
    assert exposures(device("EOS", "4.22.3M", dialect="arista_eos"), kev) == []
    assert exposures(device("JunOS", "15.1X49-D15.4", dialect="juniper_junos"), kev) == []


# --- data and KEV cross-check -------------------------------------------------------------------


def test_campaign_data_matches_kev(kev: KevCatalog) -> None:
    cves = campaign_cves()
    assert [c.cve for c in cves] == [
        "CVE-2018-0171",
        "CVE-2023-20198",
        "CVE-2023-20273",
        "CVE-2024-20399",
        "CVE-2024-3400",
        "CVE-2024-21887",
        "CVE-2023-46805",
    ]
    for cve in cves:
        entry = kev.get(cve.cve)
        assert entry is not None and entry.date_added == cve.kev_date_added, cve.cve
        assert cve.source.startswith("https://")
    by_id = {c.cve: c for c in cves}
    assert len(by_id["CVE-2023-20198"].versions) == 186
    assert by_id["CVE-2023-20198"].versions == by_id["CVE-2023-20273"].versions
    assert len(by_id["CVE-2024-20399"].versions) == 227


@pytest.mark.parametrize(
    ("os", "dialect", "count", "campaign"),
    [
        ("IOS XE", "cisco_ios", 27, ["CVE-2018-0171", "CVE-2023-20198", "CVE-2023-20273"]),
        ("IOS", "cisco_ios", 34, ["CVE-2018-0171"]),
        ("IOS XR", "cisco_iosxr", 9, []),
        ("NX-OS", "cisco_nxos", 1, ["CVE-2024-20399"]),
        ("PAN-OS", "paloalto_panos", 10, ["CVE-2024-3400"]),
        ("JunOS", "juniper_junos", 7, []),
        ("EOS", "arista_eos", 0, []),
    ],
)
def test_kev_context(kev: KevCatalog, os: str, dialect: str, count: int, campaign: list) -> None:
    context = kev_context(device(os, None, dialect=dialect), kev)
    assert len(context) == count
    assert sorted(c.cve for c in context if c.campaign) == campaign
    assert [c.date_added for c in context] == sorted((c.date_added for c in context), reverse=True)
    for item in context:
        assert "check the vendor advisory" in item.note
        assert item.device == "dev1"


def test_kev_context_uses_the_dialect_when_os_is_empty(kev: KevCatalog) -> None:
    model = device("", "9.3(10)", dialect="cisco_nxos")
    assert [c.cve for c in kev_context(model, kev)] == ["CVE-2024-20399"]
    assert [e.cve for e in exposures(model, kev)] == ["CVE-2024-20399"]
