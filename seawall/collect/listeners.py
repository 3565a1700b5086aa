"""Listener addresses as the user writes them: ``udp://0.0.0.0:5514``, ``tcp://[::]:6514``."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from seawall.errors import ConfigError

TRANSPORTS = ("udp", "tcp")


@dataclass(frozen=True, slots=True)
class ListenerSpec:
    """One syslog listener. ``port`` 0 asks the system for a free port (tests)."""

    transport: str  # udp | tcp
    host: str
    port: int

    @property
    def name(self) -> str:
        """``udp:0.0.0.0:5514``: names the stored batches and the counters."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.transport}:{host}:{self.port}"

    def with_port(self, port: int) -> ListenerSpec:
        return ListenerSpec(self.transport, self.host, port)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.transport}://{host}:{self.port}"


def parse_listener(text: str) -> ListenerSpec:
    """``udp://HOST:PORT`` or ``tcp://HOST:PORT`` (IPv6 hosts in brackets)."""
    hint = "write it as udp://HOST:PORT or tcp://HOST:PORT, e.g. udp://0.0.0.0:5514"
    transport, sep, rest = text.strip().partition("://")
    transport = transport.lower()
    if not sep or transport not in TRANSPORTS:
        raise ConfigError(f"syslog listener {text!r}: unknown transport; {hint}")
    if rest.startswith("["):
        host, bracket, tail = rest[1:].partition("]")
        if not bracket or not tail.startswith(":"):
            raise ConfigError(f"syslog listener {text!r}: bad IPv6 address; {hint}")
        port_text = tail[1:]
    else:
        host, colon, port_text = rest.rpartition(":")
        if not colon or ":" in host:
            raise ConfigError(f"syslog listener {text!r}: missing port; {hint}")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ConfigError(
            f"syslog listener {text!r}: {host!r} is not an IP address; "
            "listen on an address of this machine (0.0.0.0 for all)"
        ) from None
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ConfigError(f"syslog listener {text!r}: port must be 0-65535; {hint}")
    return ListenerSpec(transport, host, int(port_text))
