"""Packet captures (pcap, pcapng): header index, flow metering, source registration."""

from __future__ import annotations

from seawall.sources.base import Source

SOURCES: list[Source] = []
