"""The CISA Known Exploited Vulnerabilities (KEV) catalog, offline.

A copy of the catalog ships with Seawall (``seawall/data/kev``, CC0, see its PROVENANCE.md).
``update_kev`` validates a newer copy the user downloaded and installs it in the store
(``<store>/intel/kev.json``); ``load_kev(store_dir)`` then prefers it over the bundled one.

KEV says *that* a CVE is exploited and what to do, never which versions are affected: version
matching lives in ``seawall/data/campaign_cves.yaml`` and ``seawall.detect.audit.exposure``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from seawall.errors import InputError, Location

KEV_DOWNLOAD_URL = "https://www.cisa.gov/known-exploited-vulnerabilities-catalog"
BUNDLED_NAME = "known_exploited_vulnerabilities.json"
STORE_RELATIVE_PATH = os.path.join("intel", "kev.json")

_CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,19}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REQUIRED_TOP = {"catalogVersion": str, "dateReleased": str, "count": int, "vulnerabilities": list}
_REQUIRED_ENTRY = (
    "cveID",
    "vendorProject",
    "product",
    "vulnerabilityName",
    "dateAdded",
    "shortDescription",
    "requiredAction",
    "dueDate",
)
_MAX_PROBLEMS_SHOWN = 5


class KevError(InputError):
    """A KEV file is missing, not JSON, or not shaped like CISA's catalog."""


@dataclass(frozen=True, slots=True)
class KevEntry:
    cve: str
    vendor: str
    product: str
    name: str
    date_added: str
    short_description: str
    required_action: str
    due_date: str
    known_ransomware_use: str = "Unknown"  # "Known" | "Unknown"
    notes: str = ""
    cwes: tuple[str, ...] = ()

    def summary(self) -> dict[str, str]:
        """The fields an exposure or report shows."""
        return {
            "cve": self.cve,
            "vendor": self.vendor,
            "product": self.product,
            "name": self.name,
            "dateAdded": self.date_added,
            "dueDate": self.due_date,
            "knownRansomwareCampaignUse": self.known_ransomware_use,
            "requiredAction": self.required_action,
        }


@dataclass(slots=True)
class KevCatalog:
    path: str
    version: str
    released: str
    title: str = ""
    entries: dict[str, KevEntry] = field(default_factory=dict)
    # (vendor lower-case) -> entries, for the per-vendor cross-check
    by_vendor: dict[str, list[KevEntry]] = field(default_factory=dict)
    # (vendor, product) lower-case -> entries
    by_product: dict[tuple[str, str], list[KevEntry]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, cve: object) -> bool:
        return isinstance(cve, str) and cve.upper() in self.entries

    def get(self, cve: str) -> KevEntry | None:
        return self.entries.get(cve.upper())

    def for_vendor(self, vendor: str) -> list[KevEntry]:
        return self.by_vendor.get(vendor.strip().lower(), [])

    def for_vendor_product(self, vendor: str, product: str) -> list[KevEntry]:
        """Entries whose vendorProject and product are exactly these (case-insensitive)."""
        return self.by_product.get((vendor.strip().lower(), product.strip().lower()), [])

    def for_product(self, vendor: str, product_pattern: re.Pattern[str]) -> list[KevEntry]:
        """Entries of ``vendor`` whose product name matches ``product_pattern`` (by CVE)."""
        return [e for e in self.for_vendor(vendor) if product_pattern.search(e.product)]


@dataclass(slots=True)
class KevUpdateSummary:
    installed_path: str
    count: int
    version: str
    released: str
    previous_path: str | None
    previous_count: int
    previous_version: str | None
    new_cves: list[str] = field(default_factory=list)  # in the new copy, not in the previous
    dropped_cves: list[str] = field(default_factory=list)  # in the previous, not in the new

    def describe(self) -> str:
        prior = (
            f"previous copy {self.previous_version} with {self.previous_count} CVEs"
            if self.previous_version
            else "no previous copy"
        )
        dropped = f", {len(self.dropped_cves)} no longer listed" if self.dropped_cves else ""
        return (
            f"KEV catalog {self.version} ({self.released}) with {self.count} CVEs installed at "
            f"{self.installed_path}; {len(self.new_cves)} new vs {prior}{dropped}"
        )


def _fail(path: str, problem: str) -> KevError:
    return KevError(
        f"not a usable CISA KEV catalog: {problem}. Download "
        f"known_exploited_vulnerabilities.json from {KEV_DOWNLOAD_URL} and try again",
        Location(path),
    )


def _entry_problems(index: int, item: Any) -> list[str]:
    if not isinstance(item, dict):
        return [f"vulnerabilities[{index}] is {type(item).__name__}, not an object"]
    problems = []
    missing = [key for key in _REQUIRED_ENTRY if not isinstance(item.get(key), str)]
    if missing:
        label = item.get("cveID", f"vulnerabilities[{index}]")
        problems.append(f"{label} lacks text field(s) {', '.join(missing)}")
        return problems
    if not _CVE_ID.match(item["cveID"]):
        problems.append(f"vulnerabilities[{index}] has cveID {item['cveID']!r}, not CVE-YYYY-NNNN")
    for key in ("dateAdded", "dueDate"):
        if not _DATE.match(item[key]):
            problems.append(f"{item['cveID']} has {key} {item[key]!r}, not YYYY-MM-DD")
    cwes = item.get("cwes", [])
    if not isinstance(cwes, list) or not all(isinstance(c, str) for c in cwes):
        problems.append(f"{item['cveID']} has cwes that are not a list of strings")
    return problems


def parse_kev(data: bytes | str, path: str) -> KevCatalog:
    """Validate and index catalog JSON; raises KevError naming ``path`` and what is wrong."""
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _fail(path, f"not JSON ({exc})") from None
    if not isinstance(document, dict):
        raise _fail(path, f"top level is {type(document).__name__}, not an object")
    for key, kind in _REQUIRED_TOP.items():
        if key not in document:
            raise _fail(path, f"missing top-level field {key!r}")
        if not isinstance(document[key], kind) or isinstance(document[key], bool):
            raise _fail(path, f"top-level field {key!r} is not {kind.__name__}")
    items: list[Any] = document["vulnerabilities"]
    problems: list[str] = []
    for index, item in enumerate(items):
        problems.extend(_entry_problems(index, item))
    if problems:
        shown = "; ".join(problems[:_MAX_PROBLEMS_SHOWN])
        hidden = len(problems) - _MAX_PROBLEMS_SHOWN
        more = f" (and {hidden} more)" if hidden > 0 else ""
        raise _fail(path, f"{len(problems)} bad entries: {shown}{more}")
    if document["count"] != len(items):
        raise _fail(
            path,
            f"'count' says {document['count']} but the file lists {len(items)} "
            "vulnerabilities (truncated download?)",
        )
    catalog = KevCatalog(
        path=path,
        version=document["catalogVersion"],
        released=document["dateReleased"],
        title=str(document.get("title", "")),
    )
    for item in items:
        cve = item["cveID"].upper()
        if cve in catalog.entries:
            raise _fail(path, f"{cve} is listed twice")
        entry = KevEntry(
            cve=cve,
            vendor=item["vendorProject"],
            product=item["product"],
            name=item["vulnerabilityName"],
            date_added=item["dateAdded"],
            short_description=item["shortDescription"],
            required_action=item["requiredAction"],
            due_date=item["dueDate"],
            known_ransomware_use=str(item.get("knownRansomwareCampaignUse", "Unknown")),
            notes=str(item.get("notes", "")),
            cwes=tuple(item.get("cwes", [])),
        )
        catalog.entries[cve] = entry
        vendor = entry.vendor.strip().lower()
        catalog.by_vendor.setdefault(vendor, []).append(entry)
        catalog.by_product.setdefault((vendor, entry.product.strip().lower()), []).append(entry)
    for entries in [*catalog.by_vendor.values(), *catalog.by_product.values()]:
        entries.sort(key=lambda e: e.cve)
    return catalog


# Loading the 1.2 MB catalog costs ~30 ms; audits of many devices load it once per process.
_CACHE: dict[tuple[str, int, int], KevCatalog] = {}


def load_kev_file(path: str | os.PathLike[str]) -> KevCatalog:
    name = os.fspath(path)
    try:
        stat = os.stat(name)
        key = (os.path.abspath(name), stat.st_mtime_ns, stat.st_size)
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        with open(name, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise KevError(f"cannot read KEV catalog: {exc.strerror or exc}", Location(name)) from None
    catalog = parse_kev(data, name)
    _CACHE[key] = catalog
    return catalog


def bundled_kev_path() -> Path:
    return Path(str(resources.files("seawall.data").joinpath("kev", BUNDLED_NAME)))


def store_kev_path(store_dir: str | os.PathLike[str]) -> Path:
    return Path(store_dir) / STORE_RELATIVE_PATH


def load_kev(store_dir: str | os.PathLike[str] | None = None) -> KevCatalog:
    """The store's installed copy if there is one, else the bundled copy."""
    if store_dir is not None:
        installed = store_kev_path(store_dir)
        if installed.is_file():
            return load_kev_file(installed)
    return load_kev_file(bundled_kev_path())


def update_kev(path: str | os.PathLike[str], store_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Validate a user-provided KEV file and install it as the store's copy.

    Returns a JSON-able summary (``KevUpdateSummary`` fields plus ``message``, one line for
    a human). A file that fails validation raises KevError and leaves the store untouched."""
    source = os.fspath(path)
    try:
        with open(source, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise KevError(
            f"cannot read KEV catalog: {exc.strerror or exc}", Location(source)
        ) from None
    new = parse_kev(data, source)
    target = store_kev_path(store_dir)
    try:
        previous: KevCatalog | None = load_kev(store_dir)
    except KevError:
        previous = None  # a damaged installed copy is simply replaced
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a crash never leaves half a catalog installed.
    fd, tmp = tempfile.mkstemp(prefix=".kev-", suffix=".json", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    old_ids = set(previous.entries) if previous else set()
    summary = KevUpdateSummary(
        installed_path=str(target),
        count=len(new),
        version=new.version,
        released=new.released,
        previous_path=previous.path if previous else None,
        previous_count=len(previous) if previous else 0,
        previous_version=previous.version if previous else None,
        new_cves=sorted(set(new.entries) - old_ids),
        dropped_cves=sorted(old_ids - set(new.entries)),
    )
    result = asdict(summary)
    result["new"] = len(summary.new_cves)
    result["message"] = summary.describe()
    return result


__all__ = [
    "KevCatalog",
    "KevEntry",
    "KevError",
    "KevUpdateSummary",
    "bundled_kev_path",
    "load_kev",
    "load_kev_file",
    "parse_kev",
    "store_kev_path",
    "update_kev",
]
