"""Cisco IOS XR running configuration -> the vendor-neutral ``DeviceConfig``.

IOS XR differs from IOS where it matters here: users are blocks with ``group root-lr``;
TACACS+ servers are blocks with a ``key``; SSH is ``ssh server vrf V ipv4 access-list A``;
VTY access is ``line default``/``line template`` plus ``vty-pool``; the management-plane
protection (``control-plane management-plane``) lists which peers may reach which service;
routing policy lives in ``route-policy ... end-policy`` and ``prefix-set ... end-set`` blocks
whose bodies are free text. The version is only in the ``!! IOS XR Configuration 7.3.1``
header comment.

The Linux host's root sshd (TCP/57722, started with ``service sshd_operns start`` from bash)
is not a configuration statement, so ``ssh-root-xr`` never comes from a configuration file:
it has to be seen in logs or the device's state.
"""

from __future__ import annotations

import re

from seawall.records.config import DeviceConfig
from seawall.sources.configs.base import ModelBuilder
from seawall.sources.configs.cisco_iosxr_parts import XrSections
from seawall.sources.configs.cisco_nx_xr import (
    FreeFormBlock,
    word_set,
)
from seawall.sources.configs.tree import split_lines

# Blocks whose bodies are free text, closed by an end word at the left margin.
FREE_FORM = (
    ("route-policy ", "end-policy"),
    ("prefix-set ", "end-set"),
    ("community-set ", "end-set"),
    ("extcommunity-set ", "end-set"),
    ("large-community-set ", "end-set"),
    ("as-path-set ", "end-set"),
    ("rd-set ", "end-set"),
    ("tag-set ", "end-set"),
    ("esi-set ", "end-set"),
    ("etag-set ", "end-set"),
    ("mac-set ", "end-set"),
    ("ospf-area-set ", "end-set"),
    ("policy-global", "end-global"),
    ("group ", "end-group"),  # configuration groups, applied with ``apply-group``
)
# Header comments: ``!! IOS XR Configuration 7.10.1`` / ``... Configuration version = 6.5.1``.
_VERSION = re.compile(r"^!!\s*IOS XR (?:Admin )?Configuration(?: version =)?\s+(\S+)")
# Lines a ``show running-config`` capture carries before the configuration itself.
_SHOW_HEADER = re.compile(
    r"^(?:Building configuration\.*"
    r"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" +\d+ \d\d:\d\d:\d\d(?:\.\d+)? \S+"
    r"|RP/\d+/\S+#.*)\s*$"
)


def parse(text: str, path: str, dialect: str) -> DeviceConfig:
    builder = ModelBuilder(text, path, dialect, "Cisco", "IOS XR")
    for number, raw in enumerate(split_lines(text)[:40], start=1):
        found = _VERSION.match(raw.strip())
        if found and builder.model.version is None:
            builder.model.version = found.group(1)
        elif _SHOW_HEADER.match(raw.strip()):
            builder.understood(number)
    return XrParser(builder).parse(text)


# Top-level sections valid on IOS XR that hold nothing the management-plane model needs.
ACCEPTED_SECTIONS = word_set(
    """
    domain clock tcp ftp tftp call-home dhcp key class-map policy-map flow sampler-map
    hw-module l2vpn rsvp multicast-routing telemetry nsr redundancy bfd flowspec ipsla
    track install segment-routing evpn controller frequency ptp explicit-path
    performance-measurement cef license fpd arp ethernet macsec-policy vrf xml usergroup
    taskgroup lacp error-disable statistics alias apply-group aps srlg pce lmp
    qos spanning-tree object-group environment power exception cli netflow end
    prefix-set route-policy community-set extcommunity-set as-path-set crypto smart udp
    nv l2 mirror pool subscriber dynamic-template ssl nacm ip process watchdog rollback
    configuration interface-range sla transceiver
    """
)


class XrParser(XrSections):
    free_form_starts = FREE_FORM

    def __init__(self, builder: ModelBuilder) -> None:
        super().__init__(builder)
        self.accept_sections = ACCEPTED_SECTIONS
        self.negatable = word_set(
            """
            ssh telnet http grpc logging cdp lldp service ipv4 ipv6
            """
        )
        self.handlers = {
            "hostname": self.hostname,
            "username": self.username,
            "aaa": self.aaa,
            "tacacs-server": self.aaa_server,
            "radius-server": self.aaa_server,
            "tacacs": self.source_interface,
            "radius": self.source_interface,
            "ssh": self.ssh,
            "telnet": self.telnet,
            "netconf-yang": self.netconf,
            "netconf": self.netconf,
            "grpc": self.grpc,
            "http": self.http,
            "logging": self.logging,
            "service": self.service,
            "ntp": self.ntp,
            "line": self.line,
            "vty-pool": self.vty_pool,
            "ipv4": self.ip,
            "ipv6": self.ip,
            "ethernet-services": self.ethernet_services,
            "snmp-server": self.snmp,
            "control-plane": self.control_plane,
            "interface": self.interface,
            "router": self.router,
            "mpls": self.mpls,
            "monitor-session": self.monitor_session,
            "tpa": self.tpa,
            "appmgr": self.appmgr,
            "event": self.event,
            "script": self.script,
            "cdp": self.cdp,
            "lldp": self.lldp,
            "banner": self.banner,
            "lpts": self.lpts,
            "keyring": self.keyring,
            "ikev2": self.ikev2,
            "key": self.key_chain,
        }

    def free_form(self, block: FreeFormBlock) -> None:
        """Route policies and sets are understood whole; their bodies are policy language."""
        self.accept(block.line, block.end_line, (number for number, _ in block.body))
