"""Best-effort parsers for the less common dialects, one small module each: Nokia SR OS, Check
Point Gaia, F5 BIG-IP, A10 ACOS, HP ProCurve and Comware, VyOS and SONiC. They read the
management plane where it is easy to see (hostname, version, users, services, logging, NTP,
interfaces, SNMP, ...); everything else is counted as understood or unknown, never raised.
"""

from __future__ import annotations

import importlib

from seawall.records.config import DeviceConfig

# dialect -> module with ``parse(text, path, dialect) -> DeviceConfig``
MODULES = {
    "nokia_sros": "seawall.sources.configs.sros",
    "checkpoint_gaia": "seawall.sources.configs.gaia",
    "f5_bigip": "seawall.sources.configs.bigip",
    "a10_acos": "seawall.sources.configs.acos",
    "hp_procurve": "seawall.sources.configs.procurve",
    "hp_comware": "seawall.sources.configs.comware",
    "vyos": "seawall.sources.configs.vyos",
    "sonic": "seawall.sources.configs.sonic",
}


def parse(text: str, path: str, dialect: str) -> DeviceConfig:
    if dialect not in MODULES:
        raise ValueError(
            f"others.py has no parser for dialect {dialect!r}; it reads {', '.join(MODULES)}"
        )
    module = importlib.import_module(MODULES[dialect])
    model: DeviceConfig = module.parse(text, path, dialect)
    return model
