"""Packet captures (pcap, pcapng): header index, flow metering, source registration."""

from __future__ import annotations

from seawall.sources.base import Source
from seawall.sources.pcap.source import PcapSource

SOURCES: list[Source] = [PcapSource()]

__all__ = ["SOURCES", "PcapSource"]
