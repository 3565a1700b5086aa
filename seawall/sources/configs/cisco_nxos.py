"""Cisco NX-OS running configuration -> the vendor-neutral ``DeviceConfig``.

NX-OS turns services on with ``feature X`` (telnet, nxapi, bash-shell, ...), gives users a
``role`` rather than a privilege level, writes addresses as CIDR and keeps management in the
``management`` VRF of ``mgmt0``. Every statement recognised is marked understood; sections
that are valid but irrelevant to the management plane (vlan, vpc, QoS, ...) are accepted
whole. Interfaces and other modelled sections check each child, so odd syntax stays visible.
"""

from __future__ import annotations

import re

from seawall.records.config import (
    AaaMethod,
    AaaServer,
    Acl,
    ArchiveTarget,
    Automation,
    BootImage,
    Container,
    DeviceConfig,
    LocalUser,
    LogHost,
    NtpServer,
    Secret,
    Service,
    StaticRoute,
    fingerprint,
)
from seawall.sources.configs.base import ModelBuilder, mask_to_prefix
from seawall.sources.configs.cisco_nx_xr import (
    FreeFormBlock,
    add_acl_use,
    apply_global_keys,
    hide,
    hide_after,
    interface_name,
    join_group,
    secret_type,
    to_int,
    urls_in,
    weakest,
    word_set,
)
from seawall.sources.configs.cisco_nx_xr_acl import parse_ace
from seawall.sources.configs.cisco_nxos_parts import ADMIN_ROLES, NxosSections
from seawall.sources.configs.redact import redact_line
from seawall.sources.configs.tree import Node

# ``feature X`` -> the management service it turns on (model names).
FEATURE_SERVICES = {
    "telnet": "telnet",
    "ssh": "ssh",
    "nxapi": "nxapi",
    "bash-shell": "bash",
    "netconf": "netconf",
    "restconf": "restconf",
    "grpc": "gnmi",
    "scp-server": "scp",
    "sftp-server": "sftp",
    "http-server": "http",
}
# Top-level sections valid on NX-OS that hold nothing the management-plane model needs.
ACCEPTED_SECTIONS = word_set(
    """
    power license vdc feature-set install cfs system vlan spanning-tree vpc
    port-profile errdisable vtp fex bfd flow sampler track clock hardware qos
    callhome hsrp vrrp slot role userpassphrase evb nv udld lacp switch-profile ptp
    sflow fabric fabricpath evpn segment-routing mpls macsec dot1x object-group mac lldp
    port-channel crypto service vni poap tcam cli device-alias zone zoneset vsan fcoe
    npiv ssl terminal locator-led configure epbc diagnostic checkpoint sla itd nat
    hardware-telemetry telemetry consistency-checker port-security
    storm-control wred multicast tunnel-profile tunnel-encryption
    """
)
# ``ip X`` / ``ipv6 X`` statements accepted without modelling.
IP_ACCEPTED = word_set(
    """
    domain-lookup domain-name domain-list name-server host prefix-list community-list
    extcommunity-list as-path pim igmp arp dhcp load-sharing ftp tftp http routing
    mroute msdp multicast sla icmp-errors source-route nd mld adjacency
    large-community-list port-group options internal cef forward-protocol drop dns local
    igmp-snooping telnet verify policy vrf
    """
)
LOGGING_WORDS = word_set(
    """
    level console monitor module event history origin-id rate-limit message ip drop
    rfc-strict distribute commit abort persistent rl-message
    """
)
# Boot image names say the switch family: ``n7000-s1-dk9...``, ``n9000-dk9...``.
_PLATFORM = re.compile(r"\bn(\d{4})-", re.IGNORECASE)


def parse(text: str, path: str, dialect: str) -> DeviceConfig:
    return NxosParser(ModelBuilder(text, path, dialect, "Cisco", "NX-OS")).parse(text)


class NxosParser(NxosSections):
    free_form_starts = (("scheduler job name", "end-job"),)

    def __init__(self, builder: ModelBuilder) -> None:
        super().__init__(builder)
        self.accept_sections = ACCEPTED_SECTIONS
        self.negatable = word_set(
            """
            feature password tacacs-server radius-server aaa ip ipv6 snmp-server ntp logging
            interface monitor nxapi ssh telnet cdp
            """
        )
        self.users: dict[str, LocalUser] = {}
        self.features: dict[str, bool] = {}
        self.handlers = {
            "version": self.version,
            "hostname": self.hostname,
            "switchname": self.hostname,
            "feature": self.feature,
            "username": self.username,
            "password": self.password,
            "enable": self.enable,
            "tacacs-server": self.aaa_server,
            "radius-server": self.aaa_server,
            "aaa": self.aaa,
            "ip": self.ip,
            "ipv6": self.ip,
            "snmp-server": self.snmp,
            "ntp": self.ntp,
            "logging": self.logging,
            "line": self.line,
            "vrf": self.vrf,
            "interface": self.interface,
            "router": self.router,
            "monitor": self.monitor,
            "event": self.event,
            "scheduler": self.scheduler,
            "virtual-service": self.virtual_service,
            "guestshell": self.guestshell,
            "boot": self.boot,
            "nxapi": self.nxapi,
            "ssh": self.ssh,
            "telnet": self.telnet,
            "grpc": self.grpc,
            "copp": self.copp,
            "control-plane": self.control_plane,
            "class-map": self.class_map,
            "policy-map": self.policy_map,
            "route-map": self.route_map,
            "banner": self.banner,
            "cdp": self.cdp,
            "rmon": self.rmon,
            "key": self.key_chain,
        }

    # --- identity ----------------------------------------------------------------------

    def version(self, node: Node) -> None:
        words = node.words
        if len(words) == 2:
            self.m.version = words[1]
            self.accept(node.line)

    def feature(self, node: Node) -> None:
        words = node.words
        enabled = words[0] != "no"
        rest = words[2:] if not enabled else words[1:]
        if not rest:
            return
        name = " ".join(rest)
        self.features[name] = enabled
        service = FEATURE_SERVICES.get(name)
        if service is not None:
            self.m.services.append(Service(service, enabled, node.line))
        if name == "bash-shell":
            self.m.containers.append(Container("bash-shell", "bash-shell", node.line, enabled))
        if name == "lldp":
            self.m.flags["lldp_global"] = enabled
        self.accept(node.line)

    # --- users and secrets -------------------------------------------------------------

    def username(self, node: Node) -> None:
        words = node.words
        if len(words) < 3:
            return
        name = words[1]
        user = self.users.get(name)
        if user is None:
            user = LocalUser(name, node.line)
            self.users[name] = user
            self.m.users.append(user)
        i = 2
        while i < len(words):
            word = words[i]
            if word == "password":
                type_token, value, i = self.read_secret(node.line, words, i + 1)
                found = secret_type(type_token, value)
                user.secret_type = weakest(user.secret_type, found)
                user.secret_fingerprint = fingerprint(value or "")
                continue
            if word == "role" and i + 1 < len(words):
                if user.role is None or words[i + 1] in ADMIN_ROLES:
                    user.role = words[i + 1]
                user.is_admin = user.is_admin or words[i + 1] in ADMIN_ROLES
                i += 2
                continue
            if word == "priv-lvl" and i + 1 < len(words):
                user.privilege = to_int(words[i + 1])
                user.is_admin = user.is_admin or user.privilege == 15
                i += 2
                continue
            if word == "sshkey":
                user.ssh_keys += 1
                break
            if word in ("passphrase", "expire", "keypair", "ssh-cert-dn"):
                break
            return  # unknown option: leave the statement unknown
        self.accept(node.line)

    def password(self, node: Node) -> None:
        words = node.words
        if words[-1] == "strength-check" and len(words) in (2, 3):
            self.m.flags["password_strength_check"] = words[0] != "no"
            self.accept(node.line)
        elif words[0] == "password" and len(words) > 1 and words[1] in ("secure-mode", "prompt"):
            self.accept(node.line)

    def enable(self, node: Node) -> None:
        words = node.words
        if len(words) >= 3 and words[1] == "secret":
            type_token, value, _ = self.read_secret(node.line, words, 2)
            self.m.secrets.append(
                Secret("enable", secret_type(type_token, value, hashed=True), node.line)
            )
            self.accept(node.line)

    # --- AAA ---------------------------------------------------------------------------

    def aaa_server(self, node: Node) -> None:
        words = node.words
        if words[0] == "no":
            self.accept(node.line)
            return
        protocol = "tacacs" if words[0] == "tacacs-server" else "radius"
        if len(words) >= 3 and words[1] == "host":
            server = AaaServer(protocol, words[2], node.line)
            self.server_options(server, node.line, words[3:])
            self.m.aaa.servers.append(server)
            self.accept(node.line)
        elif len(words) >= 3 and words[1] == "key":
            self.global_server_key(protocol, node.line, words)
            self.accept(node.line)
        elif len(words) >= 2:
            self.accept(node.line)  # timeout, deadtime, directed-request, retransmit

    def aaa(self, node: Node) -> None:
        words = node.words
        if words[0] == "no":
            self.accept(node.line)  # a removed method or group: nothing left to model
            return
        if len(words) >= 4 and words[1] == "group" and words[2] == "server":
            self.aaa_group(node, words)
            return
        if len(words) >= 3 and words[1] in ("authentication", "authorization", "accounting"):
            function = words[1]
            if function == "accounting" and words[2] == "default":
                # NX-OS accounting covers the configuration commands (the accounting log,
                # sent to the servers with ``group``).
                service, list_name, methods = "commands", "default", words[3:]
            elif len(words) >= 4:
                service, list_name, methods = words[2], words[3], words[4:]
            else:
                service, list_name, methods = words[2], "default", []
            self.m.aaa.methods.append(AaaMethod(function, service, list_name, methods, node.line))
            self.accept(node.line)
            return
        if len(words) >= 2:
            self.accept(node.line)  # user default-role, login error-enable, ...

    def aaa_group(self, node: Node, words: list[str]) -> None:
        protocol = "tacacs" if words[3].startswith("tacacs") else "radius"
        group = words[4] if len(words) > 4 else None
        self.accept(node.line)
        members: list[AaaServer] = []
        vrf: str | None = None
        for child in node.children:
            cwords = child.words
            if cwords[0] == "server" and len(cwords) > 1:
                members.extend(self.group_server(protocol, cwords[1], child.line))
            elif cwords[0] == "use-vrf" and len(cwords) > 1:
                vrf = cwords[1]
            elif cwords[0] == "source-interface" and len(cwords) > 1:
                self.m.aaa.source_interfaces[protocol] = interface_name(cwords[1:])
            self.accept(child)
        join_group(members, group, vrf)

    # --- ip / ipv6 ---------------------------------------------------------------------

    def ip(self, node: Node) -> None:
        words = node.words
        negated = words[0] == "no"
        if negated:
            words = words[1:]
        if len(words) < 2:
            return
        family, what = words[0], words[1]
        if what == "access-list" and len(words) >= 3 and not negated:
            self.access_list(node, words[2], "ipv6" if family == "ipv6" else "extended")
        elif what == "route" and len(words) >= 4 and not negated:
            self.static_route(node, words, None)
        elif (
            what in ("tacacs", "radius", "ssh")
            and len(words) >= 4
            and words[2] == ("source-interface")
        ):
            self.m.aaa.source_interfaces[what] = interface_name(words[3:])
            self.accept(node.line)
        elif (
            what in IP_ACCEPTED
            or (family == "ipv6" and what in ("unicast-routing", "route"))
            or (negated and what in ("access-list", "route"))
        ):
            self.accept(node)

    def access_list(self, node: Node, name: str, kind: str) -> None:
        acl = Acl(name, node.line, kind)
        self.m.acls[name] = acl
        self.accept(node.line)
        for child in node.children:
            words = child.words
            entry = parse_ace(words, child.line, child.text)
            if entry is not None:
                acl.entries.append(entry)
                self.accept(child.line)
            elif words[0] in ("statistics", "fragments", "ignore") or (
                words[0] == "no" and len(words) > 1
            ):
                self.accept(child.line)

    def static_route(self, node: Node, words: list[str], vrf: str | None) -> None:
        prefix = words[2]
        i = 3
        if i < len(words) and words[i].count(".") == 3 and "/" not in prefix:
            prefix = mask_to_prefix(prefix, words[i]) or prefix
            i += 1
        route = StaticRoute(prefix, node.line, vrf=vrf)
        while i < len(words):
            word = words[i]
            if word in ("name", "tag", "track", "vrf") and i + 1 < len(words):
                i += 2
                continue
            if word.isdigit():
                i += 1
                continue
            if route.next_hop is None and (word[0].isdigit() or ":" in word) and "/" not in word:
                route.next_hop = word
            elif route.interface is None:
                route.interface = interface_name(words[i : i + 2])
                if route.interface != word:
                    i += 1
            i += 1
        self.m.static_routes.append(route)
        self.accept(node.line)

    def vrf(self, node: Node) -> None:
        words = node.words
        if len(words) < 3 or words[1] != "context":
            return
        self.accept(node)
        for child in node.children:
            cwords = child.words
            if cwords[0] in ("ip", "ipv6") and len(cwords) >= 4 and cwords[1] == "route":
                self.static_route(child, cwords, words[2])

    # --- NTP and logging ---------------------------------------------------------------

    def ntp(self, node: Node) -> None:
        words = node.words
        if words[0] == "no":
            self.accept(node.line)
            return
        if len(words) < 2:
            return
        what = words[1]
        if what in ("server", "peer") and len(words) >= 3:
            known = [s for s in self.m.ntp.servers if s.address == words[2]]
            server = known[0] if known else NtpServer(words[2], node.line)
            for index, word in enumerate(words[3:-1], start=3):
                if word == "use-vrf":
                    server.vrf = words[index + 1]
                elif word == "key":
                    server.key = to_int(words[index + 1])
            if not known:
                self.m.ntp.servers.append(server)
        elif what == "authenticate":
            self.m.ntp.authenticate = True
        elif what == "authentication-key" and len(words) >= 5:
            type_token = words[5] if len(words) > 5 else None
            hide(self.m, node.line, words[4])
            self.m.secrets.append(
                Secret("ntp-key", secret_type(type_token, words[4]), node.line, owner=words[2])
            )
        elif what == "access-group" and len(words) >= 4:
            acl = words[-1]
            self.m.ntp.acl = self.m.ntp.acl or acl
            add_acl_use(self.m, acl, "ntp", node.line, "in", words[-2])
        elif what == "source-interface" and len(words) >= 3:
            self.m.aaa.source_interfaces["ntp"] = interface_name(words[2:])
        self.accept(node.line)

    def logging(self, node: Node) -> None:
        words = node.words
        log = self.m.logging
        if log.line is None:
            log.line = node.line
        if words[0] == "no":
            self.accept(node.line)
            return
        if len(words) < 2:
            return
        what = words[1]
        if what == "server" and len(words) >= 3:
            host = LogHost(words[2], node.line)
            i = 3
            if i < len(words) and words[i].isdigit():
                log.trap_level = log.trap_level or words[i]
                i += 1
            while i + 1 < len(words):
                if words[i] == "use-vrf":
                    host.vrf = words[i + 1]
                elif words[i] == "port":
                    host.port = to_int(words[i + 1])
                i += 2 if words[i] in ("use-vrf", "port", "facility") else 1
            log.hosts.append(host)
        elif what == "source-interface" and len(words) >= 3:
            log.source_interface = interface_name(words[2:])
            self.m.aaa.source_interfaces["logging"] = log.source_interface
        elif what == "timestamp":
            log.timestamps = True
        elif what == "logfile":
            log.buffered = True  # NX-OS keeps its local log in a file rather than a buffer
        elif what not in LOGGING_WORDS:
            return
        self.accept(node.line)

    # --- on-box shells, automation, boot -----------------------------------------------

    def virtual_service(self, node: Node) -> None:
        words = node.words
        if len(words) < 2:
            return
        active = any(child.words[0] == "activate" for child in node.children)
        self.m.containers.append(Container("virtual-service", words[1], node.line, active))
        self.accept(node)

    def guestshell(self, node: Node) -> None:
        words = node.words
        enabled = not any(word in ("disable", "destroy") for word in words)
        self.m.containers.append(Container("guestshell", "guestshell", node.line, enabled))
        self.accept(node)

    def event(self, node: Node) -> None:
        words = node.words
        if len(words) >= 4 and words[1] == "manager" and words[2] == "applet":
            automation = Automation("eem", words[3], node.line)
            for child in node.children:
                cwords = child.words
                if cwords[0] == "action" and len(cwords) >= 4 and cwords[2] == "cli":
                    command = cwords[4:] if cwords[3] == "command" else cwords[3:]
                    automation.actions.append(" ".join(command).strip('"'))
            self.m.automation.append(automation)
            self.record_archive_urls(automation)
            self.accept(node)
        elif len(words) >= 4 and words[1] == "manager" and words[2] == "policy":
            self.m.automation.append(Automation("eem", words[3], node.line))
            self.accept(node)
        elif len(words) >= 3 and words[1] == "manager":
            self.accept(node)  # environment, directory

    def scheduler(self, node: Node) -> None:
        self.accept(node)  # schedule name X / aaa-authentication / logfile

    def free_form(self, block: FreeFormBlock) -> None:
        """``scheduler job name X`` ... ``end-job``: NX-OS's command scheduler (kron)."""
        name = block.words[3] if len(block.words) > 3 else "job"
        automation = Automation("kron", name, block.line)
        for _, text in block.body:
            for command in text.split(";"):
                command = command.strip()
                if command:
                    automation.actions.append(command)
        self.m.automation.append(automation)
        self.record_archive_urls(automation)

    def record_archive_urls(self, automation: Automation) -> None:
        for action in automation.actions:
            if action.startswith("copy "):
                for url in urls_in(action):
                    self.m.archive_targets.append(
                        ArchiveTarget(redact_line(url), automation.line, automation.kind)
                    )

    def boot(self, node: Node) -> None:
        words = node.words
        if len(words) >= 3 and words[1] in ("nxos", "system", "kickstart"):
            self.m.boot_images.append(BootImage(words[2], node.line))
            if self.m.platform is None:
                found = _PLATFORM.search(words[2])
                if found:
                    self.m.platform = f"Nexus {found.group(1)}"
            self.accept(node.line)
        elif len(words) >= 2:
            self.accept(node.line)  # boot poap, boot order

    def rmon(self, node: Node) -> None:
        hide_after(self.m, node, "trap")  # ``rmon event N log trap COMMUNITY``
        self.accept(node)

    def finish(self) -> None:
        self.m.features = [name for name, on in self.features.items() if on]
        # NX-OS keeps every configuration command in its local accounting log by default
        # (``show accounting log``); ``aaa accounting default group`` also sends it away.
        self.m.logging.command_logging = True
        self.link_policy_routes()
        self.resolve_copp()
        self.resolve_ospf()
        apply_global_keys(self.m.aaa.servers, self.global_keys)
