"""Exposure of one device to the known-exploited CVEs of the campaign, from its config.

For each CVE in ``seawall/data/campaign_cves.yaml`` whose OS matches the device, three facts
are combined:

* the **version**: the config's ``version`` line, or the release in a ``boot system`` image
  name when the config names only the train (IOS/IOS XE print ``version 17.9``); judged
  ``affected``, ``possible`` (train known, release not), ``unchecked`` (no ranges in the
  stored data) or ``unknown`` (no version);
* the **condition**: the feature the CVE needs (Web UI, Smart Install, GlobalProtect), read
  from the model as met / not met / unknown;
* the **KEV entry** (dateAdded, ransomware use, required action), when the catalog has it.

Decision: a device on an affected (or possibly affected) release whose feature is OFF is still
reported, as informational "vulnerable version, feature off": the issue asks that
CVE-2023-20198 count only with the Web UI on and CVE-2018-0171 only with Smart Install on, so
only those are rated at the CVE's severity, but the unpatched release stays visible (the
feature is one command away, for an operator or an intruder). A device on a fixed release is
not reported. A device without any version is reported only when the feature is on.

``kev_context`` is the modest generic cross-check: every KEV entry for the device's OS, as
"check the vendor advisory" context. KEV has no version ranges, so it never claims the device
is vulnerable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from seawall.detect.audit.versions import (
    Version,
    is_train_only,
    parse_version,
    version_from_image,
)
from seawall.intel.kev import KevCatalog
from seawall.records.config import DeviceConfig, Service

SEVERITIES = ("info", "low", "medium", "high", "critical")
CONFIDENCE_SCORES = {"high": 0.9, "medium": 0.6, "low": 0.3}
# What a dialect means when a parser left ``os`` empty.
_DIALECT_OS = {
    "cisco_nxos": "NX-OS",
    "cisco_iosxr": "IOS XR",
    "cisco_asa": "ASA",
    "juniper_junos": "JunOS",
    "arista_eos": "EOS",
    "paloalto_panos": "PAN-OS",
    "fortinet_fortios": "FortiOS",
}


@dataclass(frozen=True, slots=True)
class VersionRange:
    train: Version
    fixed: Version | None = None
    last_affected: Version | None = None


@dataclass(frozen=True, slots=True)
class CampaignCve:
    cve: str
    vendor: str
    product: str
    os: tuple[str, ...]
    severity: str
    summary: str
    condition: str | None
    source: str
    kev_date_added: str | None
    data_note: str
    fixed: tuple[str, ...]
    all_versions: bool = False
    versions: frozenset[Version] = frozenset()
    ranges: tuple[VersionRange, ...] = ()


@dataclass(slots=True)
class Exposure:
    cve: str
    product: str
    vendor: str
    device: str
    os: str
    version: str | None
    version_source: str | None  # "config" | "boot image" | None
    version_status: str  # affected | possible | unchecked | unknown
    fixed_in: list[str]
    condition: str | None
    condition_met: bool | None  # None: the config does not say (or no condition needed)
    condition_line: int | None
    status: str  # vulnerable | vulnerable-feature-off | possible | possible-feature-off | exposed
    severity: str  # one of SEVERITIES
    confidence: str  # high | medium | low
    detail: str
    source: str
    data_note: str = ""
    kev: dict[str, str] | None = None  # KevEntry.summary(): dateAdded, requiredAction, ...
    line: int | None = None  # the statement a reader should look at first

    @property
    def confidence_score(self) -> float:
        return CONFIDENCE_SCORES[self.confidence]


@dataclass(slots=True)
class KevContext:
    """A KEV entry for the device's OS: context, not a finding of vulnerability."""

    cve: str
    device: str
    os: str
    vendor: str
    product: str
    name: str
    date_added: str
    known_ransomware_use: str
    required_action: str
    campaign: bool  # also evaluated with version ranges by ``exposures``
    note: str = field(
        default="Known exploited for this OS; KEV has no version ranges: check the vendor "
        "advisory for the releases it affects."
    )


# --- campaign data ---------------------------------------------------------------------------


def _versions(text: str | None) -> frozenset[Version]:
    parsed = (parse_version(t) for t in (text or "").split())
    return frozenset(v for v in parsed if v is not None)


def _required_version(text: Any, where: str) -> Version:
    version = parse_version(str(text)) if text is not None else None
    if version is None:
        raise ValueError(f"campaign CVE data: {where} is not a version: {text!r}")
    return version


def _campaign_cve(item: dict[str, Any]) -> CampaignCve:
    cve = str(item["cve"])
    affected = item.get("affected") or {}
    ranges = []
    for number, raw in enumerate(affected.get("ranges") or []):
        where = f"{cve} affected.ranges[{number}]"
        ranges.append(
            VersionRange(
                train=_required_version(raw.get("train"), f"{where}.train"),
                fixed=_required_version(raw["fixed"], f"{where}.fixed")
                if raw.get("fixed")
                else None,
                last_affected=_required_version(raw["last_affected"], f"{where}.last_affected")
                if raw.get("last_affected")
                else None,
            )
        )
    severity = str(item.get("severity", "high"))
    if severity not in SEVERITIES:
        raise ValueError(f"campaign CVE data: {cve} severity {severity!r} not in {SEVERITIES}")
    condition = item.get("condition")
    if condition is not None and condition not in CONDITIONS:
        raise ValueError(
            f"campaign CVE data: {cve} condition {condition!r} unknown; known: "
            f"{', '.join(sorted(CONDITIONS))}"
        )
    return CampaignCve(
        cve=cve,
        vendor=str(item["vendor"]),
        product=str(item["product"]),
        os=tuple(str(o) for o in item.get("os", [])),
        severity=severity,
        summary=" ".join(str(item.get("summary", "")).split()),
        condition=condition,
        source=str(item.get("source", "")),
        kev_date_added=str(item["kev_date_added"]) if item.get("kev_date_added") else None,
        data_note=" ".join(str(item.get("data_note", "")).split()),
        fixed=tuple(str(f) for f in item.get("fixed") or []),
        all_versions=bool(affected.get("all")),
        versions=_versions(affected.get("versions")),
        ranges=tuple(ranges),
    )


@dataclass(frozen=True, slots=True)
class KevProduct:
    os: str
    vendor: str
    product: re.Pattern[str]


@lru_cache(maxsize=1)
def _campaign_data() -> tuple[tuple[CampaignCve, ...], tuple[KevProduct, ...]]:
    text = resources.files("seawall.data").joinpath("campaign_cves.yaml").read_text("utf-8")
    document = yaml.safe_load(text)
    cves = tuple(_campaign_cve(item) for item in document["cves"])
    products = tuple(
        KevProduct(str(p["os"]), str(p["vendor"]), re.compile(str(p["product"])))
        for p in document.get("kev_products", [])
    )
    return cves, products


def campaign_cves() -> tuple[CampaignCve, ...]:
    return _campaign_data()[0]


# --- conditions ------------------------------------------------------------------------------

ConditionResult = tuple[bool | None, int | None]


def _switch_state(model: DeviceConfig, name: str) -> ConditionResult:
    """On/off from the explicit statements of one service (port-only ones do not count):
    the last statement wins."""
    statements = [s for s in model.service(name) if s.port is None and "allowed" not in s.options]
    if not statements:
        return None, None
    last: Service = max(statements, key=lambda s: s.line)
    return last.enabled, last.line


def web_ui_enabled(model: DeviceConfig) -> ConditionResult:
    """``ip http server`` or ``ip http secure-server`` on; off only when both are off."""
    http, http_line = _switch_state(model, "http")
    https, https_line = _switch_state(model, "https")
    if http:
        return True, http_line
    if https:
        return True, https_line
    if http is False and https is False:
        return False, max(http_line or 0, https_line or 0) or None
    return None, http_line or https_line


def smart_install_enabled(model: DeviceConfig) -> ConditionResult:
    """``vstack`` on, ``no vstack`` off; not stated: unknown (the client is on by default on
    many Catalyst switches and absent on routers)."""
    return _switch_state(model, "smart-install")


def globalprotect_enabled(model: DeviceConfig) -> ConditionResult:
    """A GlobalProtect portal or gateway in the config (feature ``globalprotect-portal`` /
    ``globalprotect-gateway`` or a service named globalprotect*). Portals and gateways are
    configuration objects, so a PAN-OS config without one has none."""
    for service in model.services:
        if service.name.startswith("globalprotect") and service.enabled:
            return True, service.line
    if any(f.lower().startswith("globalprotect") for f in model.features):
        return True, None
    return False, None


CONDITIONS: dict[str, Callable[[DeviceConfig], ConditionResult]] = {
    "web_ui_enabled": web_ui_enabled,
    "smart_install_enabled": smart_install_enabled,
    "globalprotect_enabled": globalprotect_enabled,
}
_CONDITION_TEXT = {
    "web_ui_enabled": "HTTP/HTTPS server (Web UI)",
    "smart_install_enabled": "Smart Install client (vstack)",
    "globalprotect_enabled": "GlobalProtect portal/gateway",
}


# --- versions --------------------------------------------------------------------------------


def device_os(model: DeviceConfig) -> str:
    os_name = model.os or _DIALECT_OS.get(model.dialect, "")
    if os_name == "IOS" and model.version and model.version.strip().split(".")[0] in {"16", "17"}:
        return "IOS XE"  # IOS XE 16/17 trains print ``version 16.x``/``17.x``
    return os_name


def device_version(model: DeviceConfig, os_name: str) -> tuple[str | None, str | None]:
    """(version, where it came from). The release ``show version`` reported wins; else a
    full release in a boot image name wins over a train-only ``version`` line of the same
    train."""
    written = model.version.strip() if model.version else None
    if written and model.version_source == "show version":
        return written, "show version"  # the running release: nothing knows better
    for boot in model.boot_images:
        from_image = version_from_image(boot.image, os_name)
        image_version = parse_version(from_image)
        if from_image is None or image_version is None:
            continue
        train = parse_version(written) if written else None
        if written is None or (
            is_train_only(written) and train is not None and image_version.startswith(train)
        ):
            return from_image, "boot image"
    return (written, "config") if written else (None, None)


def _train_of(version: Version) -> Version:
    return Version(version.text, version.key[:2])


def _version_status(cve: CampaignCve, version: Version | None, text: str | None) -> str:
    """affected | possible | unchecked | unknown | not-affected.

    A train-only version (``17.9``) is ``possible`` when the train has a fixed release (the
    maintenance release decides) and ``affected`` when every release of the train in the data
    is affected and no fix was published in it (``16.9``)."""
    if cve.all_versions:
        return "unchecked"
    if version is None or text is None:
        return "unknown"
    if is_train_only(text):
        train = _train_of(version)
        listed = any(v.startswith(train) for v in cve.versions)
        ranged = [r for r in cve.ranges if r.train.startswith(train) or train.startswith(r.train)]
        if not listed and not ranged:
            return "not-affected"
        fixed_here = any(
            (p := parse_version(f)) is not None and p.startswith(train) for f in cve.fixed
        ) or any(r.fixed is not None or r.last_affected is not None for r in ranged)
        return "possible" if fixed_here else "affected"
    matching = [r for r in cve.ranges if version.startswith(r.train)]
    if matching:
        best = max(matching, key=lambda r: len(r.train.key))
        if best.fixed is not None and version >= best.fixed:
            return "not-affected"
        if best.last_affected is not None and version > best.last_affected:
            return "not-affected"
        return "affected"
    return "affected" if version in cve.versions else "not-affected"


def _fixed_in(cve: CampaignCve, version: Version | None) -> list[str]:
    """Fixed releases to suggest: those of the device's train first, else all."""
    if version is None:
        return list(cve.fixed)
    train = _train_of(version)
    same = [f for f in cve.fixed if (p := parse_version(f)) is not None and p.startswith(train)]
    return same or list(cve.fixed)


# --- exposures -------------------------------------------------------------------------------


def _lower(severity: str, steps: int) -> str:
    return SEVERITIES[max(1, SEVERITIES.index(severity) - steps)]


def _judge(cve: CampaignCve, version_status: str, met: bool | None) -> tuple[str, str] | None:
    """(status, severity), or None when there is nothing to report."""
    needs = cve.condition is not None
    if version_status == "not-affected":
        return None
    if needs and met is False:
        if version_status in {"affected", "possible"}:
            return f"{'vulnerable' if version_status == 'affected' else 'possible'}-feature-off", (
                "info"
            )
        return None
    on = met is True or not needs
    if version_status == "affected":
        return "vulnerable", cve.severity if on else _lower(cve.severity, 1)
    if version_status == "possible":
        return "possible", _lower(cve.severity, 1 if on else 2)
    # unchecked (no ranges) or unknown (no version): only the feature itself can say.
    if needs and met is True:
        return "exposed", _lower(cve.severity, 1)
    return None


def _confidence(
    cve: CampaignCve,
    version_status: str,
    version: str | None,
    version_source: str | None,
    met: bool | None,
) -> str:
    if version_status in {"unknown", "unchecked"}:
        return "medium" if met is True else "low"
    if version_status == "possible" or version_source == "boot image":
        return "medium"
    if version is not None and is_train_only(version):
        return "medium"
    if cve.condition is not None and met is None:
        return "medium"
    return "high"


def _detail(
    cve: CampaignCve, status: str, version: str | None, condition_met: bool | None, fixed: list[str]
) -> str:
    feature = _CONDITION_TEXT.get(cve.condition or "", "")
    release = f"release {version}" if version else "unknown release"
    if version and is_train_only(version):
        release = (
            f"train {version} (every release of it in the data is affected, no fix in the train)"
        )
    fix = f"; fixed in {', '.join(fixed)}" if fixed else ""
    if status == "vulnerable":
        on = f" with the {feature} on" if feature and condition_met else ""
        maybe = f" ({feature} state not in the config)" if feature and condition_met is None else ""
        return f"{cve.cve}: {release} is affected{on}{maybe}{fix}"
    if status == "vulnerable-feature-off":
        return f"{cve.cve}: {release} is affected but the {feature} is off (informational){fix}"
    if status == "possible":
        on = f"; {feature} on" if feature and condition_met else ""
        return (
            f"{cve.cve}: train {version} has affected releases; the config does not give the "
            f"maintenance release{on}{fix}"
        )
    if status == "possible-feature-off":
        return (
            f"{cve.cve}: train {version} has affected releases and the {feature} is off "
            f"(informational){fix}"
        )
    return (
        f"{cve.cve}: {feature} is on and the release ({version or 'unknown'}) could not be "
        f"checked against fixed releases{fix}"
    )


def _os_matches(cve: CampaignCve, os_name: str) -> bool:
    wanted = os_name.casefold()
    return any(o.casefold() == wanted for o in cve.os)


def exposures(
    model: DeviceConfig, kev: KevCatalog | None, cves: Sequence[str] | None = None
) -> list[Exposure]:
    """Campaign CVEs this device may be exposed to, most severe first.

    ``cves`` limits the check to those CVE ids. ``kev`` may be None (no catalog): the
    exposures are the same, without KEV details.
    """
    wanted = {c.upper() for c in cves} if cves is not None else None
    os_name = device_os(model)
    version_text, version_source = device_version(model, os_name)
    version = parse_version(version_text)
    found: list[Exposure] = []
    for cve in campaign_cves():
        if wanted is not None and cve.cve not in wanted:
            continue
        if not _os_matches(cve, os_name):
            continue
        version_status = _version_status(cve, version, version_text)
        met, condition_line = (
            CONDITIONS[cve.condition](model) if cve.condition is not None else (None, None)
        )
        judged = _judge(cve, version_status, met)
        if judged is None:
            continue
        status, severity = judged
        fixed = _fixed_in(cve, version)
        entry = kev.get(cve.cve) if kev is not None else None
        version_line = _version_line(model, version_source)
        found.append(
            Exposure(
                cve=cve.cve,
                product=cve.product,
                vendor=cve.vendor,
                device=model.name,
                os=os_name,
                version=version_text,
                version_source=version_source,
                version_status=version_status,
                fixed_in=fixed,
                condition=cve.condition,
                condition_met=met,
                condition_line=condition_line,
                status=status,
                severity=severity,
                confidence=_confidence(cve, version_status, version_text, version_source, met),
                detail=_detail(cve, status, version_text, met, fixed),
                source=cve.source,
                data_note=cve.data_note,
                kev=entry.summary() if entry is not None else None,
                line=condition_line if met else (version_line or condition_line),
            )
        )
    found.sort(key=lambda e: (-SEVERITIES.index(e.severity), e.cve))
    return found


def _version_line(model: DeviceConfig, source: str | None) -> int | None:
    if source == "boot image" and model.boot_images:
        return model.boot_images[0].line
    if source == "config" and model.version:
        for number in sorted(model.text):
            text = model.text[number]
            if model.version in text and "version" in text.lower():
                return number
    return None


def kev_context(model: DeviceConfig, kev: KevCatalog) -> list[KevContext]:
    """KEV entries for the device's OS (by vendor and product), newest first."""
    os_name = device_os(model)
    campaign = {c.cve for c in campaign_cves()}
    products = [p for p in _campaign_data()[1] if p.os.casefold() == os_name.casefold()]
    seen: dict[str, KevContext] = {}
    for product in products:
        for entry in kev.for_product(product.vendor, product.product):
            seen.setdefault(
                entry.cve,
                KevContext(
                    cve=entry.cve,
                    device=model.name,
                    os=os_name,
                    vendor=entry.vendor,
                    product=entry.product,
                    name=entry.name,
                    date_added=entry.date_added,
                    known_ransomware_use=entry.known_ransomware_use,
                    required_action=entry.required_action,
                    campaign=entry.cve in campaign,
                ),
            )
    return sorted(seen.values(), key=lambda c: (c.date_added, c.cve), reverse=True)


__all__ = [
    "CONDITIONS",
    "CampaignCve",
    "Exposure",
    "KevContext",
    "campaign_cves",
    "device_os",
    "device_version",
    "exposures",
    "kev_context",
]
