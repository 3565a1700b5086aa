"""Device configurations as a hunt input: one ``config`` record per file.

Tried after the binary and log sources, so a capture or Zeek log is never mistaken for a
configuration; a text file that scores as no known dialect is left to the "not recognised"
path of the registry.
"""

from __future__ import annotations

import json

import pyarrow as pa

from seawall.records import conform
from seawall.records.config import CONFIG_MODEL_VERSION, DeviceConfig
from seawall.sources.base import SourceOptions, SourceResult
from seawall.sources.configs import parse_config_file
from seawall.sources.configs.dialect import looks_like_config


def config_table(models: list[DeviceConfig]) -> pa.Table:
    """The ``config`` record table of parsed models (model JSON keeps redacted line text)."""
    columns = {
        "device.hostname": [m.hostname for m in models],
        "device.vendor": [m.vendor for m in models],
        "device.os": [m.os for m in models],
        "device.version": [m.version for m in models],
        "config.dialect": [m.dialect for m in models],
        "config.lines": [m.lines_total for m in models],
        "config.unknown_lines": [len(m.unknown_lines) for m in models],
        "config.model_version": [CONFIG_MODEL_VERSION] * len(models),
        "config.model": [json.dumps(m.to_dict(include_text=True)) for m in models],
        "input.file": [m.path for m in models],
    }
    return conform(pa.table(columns), "config")


def models_from_table(table: pa.Table) -> list[DeviceConfig]:
    """Device models back from stored ``config`` records."""
    return [DeviceConfig.from_dict(json.loads(text)) for text in table["config.model"].to_pylist()]


class ConfigSource:
    name = "config"

    def sniff(self, head: bytes, path: str) -> bool:
        return looks_like_config(head)

    def read(self, path: str, options: SourceOptions) -> SourceResult:
        parsed = parse_config_file(path)
        result = SourceResult(path=path, source=self.name, unit="lines", issues=parsed.issues)
        if parsed.model is None:
            result.source = "unknown"
            return result
        result.tables["config"] = config_table([parsed.model])
        result.units_read = parsed.model.lines_total
        result.stats["unknown_lines"] = len(parsed.model.unknown_lines)
        return result


SOURCES = [ConfigSource()]
