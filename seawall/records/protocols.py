"""IP protocol numbers to the ``network.transport`` names every source writes."""

from __future__ import annotations

# IANA protocol numbers; 4 and 41 are IP-in-IP encapsulations (IPv4 / IPv6 payload).
TRANSPORT_NAMES: dict[int, str] = {
    1: "icmp",
    2: "igmp",
    4: "ipip",
    6: "tcp",
    17: "udp",
    41: "ipv6",
    47: "gre",
    50: "esp",
    51: "ah",
    58: "ipv6-icmp",
    89: "ospf",
    103: "pim",
    112: "vrrp",
    132: "sctp",
}
