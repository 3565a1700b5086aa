"""Input sources. The type of each file is detected from its content; directories are walked."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Iterator

from seawall.errors import Location, ParseIssue
from seawall.sources.base import SNIFF_BYTES, Source, SourceOptions, SourceResult

# Tried in order; the first whose sniff() accepts the file's first bytes reads it.
_SOURCE_MODULES = (
    "seawall.sources.pcap",
    "seawall.sources.zeek",
    "seawall.sources.suricata",
    "seawall.sources.logs.source",  # before configs: a log is never read as a config
    "seawall.sources.configs.source",
)


def sources() -> list[Source]:
    found: list[Source] = []
    for name in _SOURCE_MODULES:
        module = importlib.import_module(name)
        found.extend(module.SOURCES)
    return found


def walk(paths: Iterable[str]) -> Iterator[str]:
    """Every file under the given paths, sorted, hidden files and folders skipped."""
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and not name.endswith(".md"):
                        yield os.path.join(root, name)
        else:
            yield path


def identify(path: str) -> Source | None:
    """The source that recognises the file's content, or None."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    for source in sources():
        if source.sniff(head, path):
            return source
    return None


def read_file(path: str, options: SourceOptions | None = None) -> SourceResult:
    """Read one file with the source its content calls for. Never raises for bad content:
    an unknown or unreadable file comes back as a result holding one located issue."""
    options = options or SourceOptions()
    try:
        source = identify(path)
    except OSError as exc:
        return _failed(path, f"cannot read file: {exc.strerror or exc}")
    if source is None:
        return _failed(
            path,
            "not a recognised input (expected pcap/pcapng capture, Zeek log, Suricata EVE "
            "JSON, device syslog / AAA accounting log or a device configuration); skipped",
            kind="unsupported",
        )
    return source.read(path, options)


def _failed(path: str, reason: str, kind: str = "parse") -> SourceResult:
    return SourceResult(
        path=path, source="unknown", issues=[ParseIssue(Location(path), reason, kind)], unit="files"
    )


__all__ = ["Source", "SourceOptions", "SourceResult", "identify", "read_file", "sources", "walk"]
