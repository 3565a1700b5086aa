"""Whether an ACL can let a TCP port through: used where an ACL guards logins (a VTY
``access-class``), to tell when it drops a protocol the line would otherwise take.

Only what the model keeps is read (action, protocol, source, destination, destination port as
written), in order, first match wins. The answer leans to "admits": an entry this module
cannot read (object groups, named ports it does not know, source-port conditions) counts as
letting the port through, so a finding is never dropped on a guess.
"""

from __future__ import annotations

from seawall.records.config import Acl, AclEntry

# Protocols that carry TCP (and the ACL spellings of "any protocol").
_CARRIES_TCP = frozenset({"tcp", "ip", "ipv4", "ipv6", "any"})
# Protocols that cannot carry a TCP session.
_NOT_TCP = frozenset(
    {
        "udp", "icmp", "icmpv6", "igmp", "gre", "esp", "ahp", "ah", "ospf", "eigrp", "pim",
        "vrrp", "pcp", "nos", "ipinip", "sctp", "l2tp",
    }
)  # fmt: skip
# Port names as ACLs write them (IOS ``eq telnet``, JunOS ``destination-port ssh``).
TCP_PORT_NAMES = {
    "bgp": 179,
    "chargen": 19,
    "cmd": 514,
    "daytime": 13,
    "discard": 9,
    "domain": 53,
    "echo": 7,
    "exec": 512,
    "finger": 79,
    "ftp": 21,
    "ftp-data": 20,
    "gopher": 70,
    "hostname": 101,
    "ident": 113,
    "irc": 194,
    "klogin": 543,
    "kshell": 544,
    "login": 513,
    "lpd": 515,
    "nntp": 119,
    "pop2": 109,
    "pop3": 110,
    "smtp": 25,
    "sunrpc": 111,
    "tacacs": 49,
    "talk": 517,
    "telnet": 23,
    "time": 37,
    "uucp": 540,
    "whois": 43,
    "www": 80,
    "http": 80,
    "https": 443,
    "ssh": 22,
    # UDP and JunOS names
    "snmp": 161,
    "snmptrap": 162,
    "ntp": 123,
    "netconf": 830,
    "xnm-ssl": 3220,
    "xnm-clear-text": 3221,
}
# Ports of management logins and APIs: SSH, Telnet, HTTP(S), SNMP, NETCONF, JunOS XNM.
MANAGEMENT_PORTS = (22, 23, 80, 161, 443, 830, 3220, 3221)


def _port(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return TCP_PORT_NAMES.get(word.lower())


def port_condition_admits(condition: str | None, port: int) -> bool | None:
    """Whether ``eq 22 23`` / ``neq telnet`` / ``lt 1024`` / ``gt 22`` / ``range 20 30``
    admits ``port``; None when the condition cannot be read. No condition admits."""
    if not condition:
        return True
    words = condition.split()
    operator, values = words[0].lower(), [_port(w) for w in words[1:]]
    if not values or any(v is None for v in values):
        return None
    numbers = [v for v in values if v is not None]
    if operator == "eq":
        return port in numbers
    if operator == "neq":
        return port not in numbers
    if operator == "lt":
        return port < numbers[0]
    if operator == "gt":
        return port > numbers[0]
    if operator == "range" and len(numbers) == 2:
        return numbers[0] <= port <= numbers[1]
    return None


def _matches_tcp_port(entry: AclEntry, port: int) -> bool | None:
    """True: the entry applies to TCP to ``port`` (from some source); False: it cannot;
    None: unreadable."""
    protocol = (entry.protocol or "ip").lower()
    if protocol in _NOT_TCP:
        return False
    if protocol not in _CARRIES_TCP:
        return None  # an object group or a protocol number
    if protocol != "tcp" and entry.destination_port:
        return None
    return port_condition_admits(entry.destination_port, port)


def acl_admits_tcp_port(acl: Acl, port: int) -> bool:
    """Whether some source can reach TCP ``port`` through ``acl`` (first match wins, implicit
    deny at the end). A standard ACL filters sources only: any permit admits."""
    for entry in acl.entries:
        if entry.action not in ("permit", "deny"):
            continue
        if acl.kind == "standard" or (entry.protocol is None and entry.destination_port is None):
            if entry.action == "permit":
                return True
            if entry.source == "any":
                return False
            continue
        matches = _matches_tcp_port(entry, port)
        if entry.action == "permit":
            if matches is not False:
                return True
        elif matches is True and entry.source == "any" and entry.destination == "any":
            return False  # every source's packets to the port stop here
    return False


# The ports an ACL guards, by where it is bound (``AclUse.where``); a list that protects
# the whole control plane (MPP, CoPP, a loopback filter) guards every management port.
PORTS_BY_USE: dict[str, tuple[int, ...]] = {
    "vty": (22, 23),
    "ssh": (22,),
    "http": (80, 443),
    "snmp": (161,),
    "ntp": (123,),
    "netconf": (22, 830),
    "nxapi": (80, 443),
}


def guarded_ports(uses: list[str]) -> tuple[int, ...]:
    ports: set[int] = set()
    for use in uses:
        ports.update(PORTS_BY_USE.get(use, MANAGEMENT_PORTS))
    return tuple(sorted(ports))


def reaches_ports(entry: AclEntry, ports: tuple[int, ...], *, explicit: bool = False) -> bool:
    """Whether an entry lets traffic reach one of ``ports``: no port condition admits every
    port, unless ``explicit`` asks for a condition that names one. Non-TCP/UDP protocols
    (ICMP, OSPF, ...) reach none; a condition this module cannot read reaches them all."""
    protocols = [p.strip().lower() for p in (entry.protocol or "").split(",") if p.strip()]
    if protocols and all(p in _NOT_TCP and p != "udp" for p in protocols):
        return False
    if not entry.destination_port:
        return not explicit
    for condition in entry.destination_port.split(","):
        for port in ports:
            if port_condition_admits(condition.strip(), port) is not False:
                return True
    return False
