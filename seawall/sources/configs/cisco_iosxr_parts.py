"""IOS XR management-plane sections: users, AAA, SSH/Telnet/NETCONF/gRPC, logging, NTP,
lines and SNMP. ``XrParser`` in ``cisco_iosxr`` is the one to use."""

from __future__ import annotations

from seawall.records.config import (
    AaaMethod,
    AaaServer,
    Line,
    LocalUser,
    LogHost,
    NtpServer,
    Secret,
    Service,
    SnmpCommunity,
    SnmpHost,
    SnmpUser,
    fingerprint,
)
from seawall.sources.configs.base import ModelBuilder, is_ip
from seawall.sources.configs.cisco_iosxr_net import ADMIN_GROUPS, XrNetwork
from seawall.sources.configs.cisco_nx_xr import (
    add_acl_use,
    apply_global_keys,
    hide,
    interface_name,
    join_group,
    secret_type,
    snmp_host_community,
    to_int,
    weakest,
    word_set,
)
from seawall.sources.configs.tree import Node

# ``logging X`` sub-commands; any other word after ``logging`` is a syslog host.
LOGGING_WORDS = word_set(
    """
    trap console buffered monitor source-interface hostnameprefix facility suppress
    archive events format history ipv4 ipv6 localfilesize correlator file container
    tls-server snmp-authfail host on disable
    """
)
LINE_WORDS = word_set(
    """
    session-timeout length width escape-character session-limit disconnect-character
    stopbits timestamp absolute-timeout authorization accounting users databits parity
    flowcontrol timeout autocommand cli exec
    """
)
SNMP_WORDS = word_set(
    """
    community user group host vrf trap-source traps enable view contact location ifindex
    ifmib mibs engineID packetsize queue-length trap-timeout throttle-time chassis-id
    notification-log-mib overload-control ipv4 ipv6 logging inform interface system-shutdown
    timeouts drop oid-poll correlator entityindex community-map context target trap bulkstats
    mroutemib
    """
)
SNMP_VIEWS = frozenset({"SDROwner", "SystemOwner"})


class XrSections(XrNetwork):
    def __init__(self, builder: ModelBuilder) -> None:
        super().__init__(builder)
        self.communities: dict[str, SnmpCommunity] = {}
        self.snmp_hosts: dict[tuple[str, str | None], SnmpHost] = {}
        self.host_severity: str | None = None
        # ``line template X`` by name, ``line default`` as "default"
        self.line_templates: dict[str, Line] = {}
        self.pool_templates: dict[str, str] = {}  # ``vty-pool NAME`` -> the template it uses

    # --- users -------------------------------------------------------------------------

    def username(self, node: Node) -> None:
        words = node.words
        if len(words) < 2 or words[0] == "no":
            return
        user = LocalUser(words[1], node.line)
        groups: list[str] = []
        statements = [(node, words[2:])] + [(child, child.words) for child in node.children]
        inline_understood = True
        for where, w in statements:
            i = 0
            understood = True
            while i < len(w):
                word = w[i]
                if word == "group" and i + 1 < len(w):
                    groups.append(w[i + 1])
                    i += 2
                elif word in ("secret", "password") and i + 1 < len(w):
                    type_token, value, i = self.read_secret(where.line, w, i + 1)
                    found = secret_type(type_token, value, hashed=word == "secret")
                    user.secret_type = weakest(user.secret_type, found)
                    user.secret_fingerprint = fingerprint(value or "")
                elif word in ("description", "policy", "login-history", "password-policy"):
                    break
                else:
                    understood = False
                    break
            if where is node:
                inline_understood = understood
            elif understood:
                self.accept(where.line)
        admin = [group for group in groups if group in ADMIN_GROUPS]
        user.role = admin[0] if admin else (groups[0] if groups else None)
        user.is_admin = bool(admin)
        self.m.users.append(user)
        if inline_understood:
            self.accept(node.line)

    # --- AAA ---------------------------------------------------------------------------

    def aaa(self, node: Node) -> None:
        words = node.words
        if len(words) >= 5 and words[1] == "group" and words[2] == "server":
            self.aaa_group(node, words)
        elif len(words) >= 4 and words[1] in ("authentication", "authorization", "accounting"):
            level = None
            service = words[2]
            rest = words[3:]
            self.m.aaa.methods.append(
                AaaMethod(words[1], service, rest[0], rest[1:], node.line, level)
            )
            if words[1] == "accounting" and service == "commands":
                self.m.logging.command_logging = True
            self.accept(node)
        elif len(words) >= 2:
            self.accept(node)  # default-taskgroup, password-policy, display-login-failed

    def aaa_group(self, node: Node, words: list[str]) -> None:
        protocol = "tacacs" if words[3].startswith("tacacs") else "radius"
        group = words[4]
        members: list[AaaServer] = []
        vrf: str | None = None
        for child in node.children:
            cwords = child.words
            if cwords[0] == "server" and len(cwords) >= 2:
                members.extend(self.group_server(protocol, cwords[1], child.line))
            elif cwords[0] == "server-private" and len(cwords) >= 2:
                server = self.server_from(protocol, child, cwords[1:])
                server.name = f"{group} private"
                members.append(server)
            elif cwords[0] == "vrf" and len(cwords) >= 2:
                vrf = cwords[1]
            elif cwords[0] == "source-interface" and len(cwords) >= 2:
                self.m.aaa.source_interfaces[protocol] = interface_name(cwords[1:])
        join_group(members, group, vrf)
        self.accept(node)

    def aaa_server(self, node: Node) -> None:
        words = node.words
        protocol = "tacacs" if words[0] == "tacacs-server" else "radius"
        if len(words) >= 3 and words[1] == "host":
            self.server_from(protocol, node, words[2:])
            self.accept(node)
        elif len(words) >= 3 and words[1] == "key":
            self.global_server_key(protocol, node.line, words)
            self.accept(node)
        elif len(words) >= 2:
            self.accept(node)  # timeout, retransmit, deadtime, ipv4 dscp

    def server_from(self, protocol: str, node: Node, words: list[str]) -> AaaServer:
        """A server from ``host A [port N] [key 7 K]`` plus block children (`` key 7 K``)."""
        server = AaaServer(protocol, words[0], node.line)
        self.server_options(server, node.line, words[1:])
        for child in node.children:
            self.server_options(server, child.line, child.words)
        self.m.aaa.servers.append(server)
        return server

    def source_interface(self, node: Node) -> None:
        words = node.words
        if len(words) >= 3 and words[1] == "source-interface":
            protocol = "tacacs" if words[0] == "tacacs" else "radius"
            self.m.aaa.source_interfaces[protocol] = interface_name(words[2:])
            self.accept(node)

    # --- management services -----------------------------------------------------------

    def ssh(self, node: Node) -> None:
        words = node.words
        negated = words[0] == "no"
        w = words[1:] if negated else words
        if len(w) >= 2 and w[1] == "server":
            self.ssh_server(node, w, negated)
        elif len(w) >= 4 and w[1:3] == ["client", "source-interface"]:
            self.m.aaa.source_interfaces["ssh"] = interface_name(w[3:])
        elif len(w) >= 3 and w[1] == "version":
            self.m.flags["ssh_version"] = w[2]
        elif len(w) < 2:
            return
        self.accept(node)  # timeout, key-exchange, client options, algorithms

    def ssh_server(self, node: Node, w: list[str], negated: bool) -> None:
        option = w[2] if len(w) > 2 else None
        if option is None:
            self.m.services.append(Service("ssh", not negated, node.line))
        elif option == "v2":
            # ``ssh server v2`` turns the server on, version 2 only.
            if not negated:
                self.m.flags["ssh_version"] = "2"
            self.m.services.append(Service("ssh", not negated, node.line, options={"version": "2"}))
        elif option == "port" and len(w) >= 4:
            self.m.services.append(Service("ssh", not negated, node.line, port=to_int(w[3])))
        elif option == "vrf" and len(w) >= 4:
            vrf = w[3]
            acl = None
            for index, word in enumerate(w[4:-1], start=4):
                if word == "access-list" and w[index - 1] in ("ipv4", "ipv6"):
                    add_acl_use(self.m, w[index + 1], "ssh", node.line, "in", f"vrf {vrf}")
                    if w[index - 1] == "ipv4":
                        acl = w[index + 1]
            self.m.services.append(Service("ssh", not negated, node.line, vrf=vrf, acl=acl))
        elif option in ("ipv4", "ipv6") and len(w) >= 5 and w[3] == "access-list":
            add_acl_use(self.m, w[4], "ssh", node.line, "in")
        elif option == "netconf":
            netconf_vrf = w[w.index("vrf") + 1] if "vrf" in w[:-1] else None
            port = to_int(w[w.index("port") + 1]) if "port" in w[:-1] else None
            self.m.services.append(
                Service(
                    "netconf",
                    not negated,
                    node.line,
                    port=port,
                    vrf=netconf_vrf,
                    options={"transport": "ssh"},
                )
            )

    def telnet(self, node: Node) -> None:
        words = node.words
        negated = words[0] == "no"
        w = words[1:] if negated else words
        if len(w) >= 5 and w[1] == "vrf" and w[4] == "server":
            options = {}
            acl = None
            for index, word in enumerate(w[5:-1], start=5):
                if word == "max-servers":
                    options["max-servers"] = w[index + 1]
                elif word == "access-list":
                    acl = w[index + 1]
                    add_acl_use(self.m, acl, "vty", node.line, "in", f"telnet vrf {w[2]}")
            self.m.services.append(
                Service("telnet", not negated, node.line, vrf=w[2], acl=acl, options=options)
            )
        if len(w) >= 2:
            self.accept(node)  # client source-interface, dscp

    def netconf(self, node: Node) -> None:
        words = node.words
        if words[0] == "netconf-yang" and len(words) >= 2 and words[1] == "agent":
            if any(child.words[0] == "ssh" for child in node.children) or words[2:3] == ["ssh"]:
                self.m.services.append(
                    Service("netconf", True, node.line, options={"transport": "ssh"})
                )
            self.accept(node)
        elif words[0] == "netconf" and len(words) >= 3 and words[1] == "agent":
            self.m.services.append(
                Service("netconf", True, node.line, options={"transport": words[2]})
            )
            self.accept(node)
        elif words[0] == "no":
            self.accept(node)

    def grpc(self, node: Node) -> None:
        words = node.words
        if words[0] == "no":
            self.m.services.append(Service("gnmi", False, node.line))
            self.accept(node)
            return
        options: dict[str, str] = {}
        port = to_int(words[2]) if len(words) >= 3 and words[1] == "port" else None
        line = node.line
        for child in node.children:
            cwords = child.words
            if cwords[0] == "port" and len(cwords) >= 2:
                port, line = to_int(cwords[1]), child.line  # the port is what findings quote
            elif cwords[0] == "no-tls":
                options["tls"] = "off"
        self.m.services.append(Service("gnmi", True, line, port=port, options=options))
        self.accept(node)

    def http(self, node: Node) -> None:
        words = node.words
        negated = words[0] == "no"
        w = words[1:] if negated else words
        if len(w) >= 2 and w[1] == "server":
            name = "https" if "ssl" in w else "http"
            self.m.services.append(Service(name, not negated, node.line))
        if len(w) >= 2:
            self.accept(node)  # http client ...

    # --- logging, NTP ------------------------------------------------------------------

    def logging(self, node: Node) -> None:
        words = node.words
        log = self.m.logging
        if log.line is None:
            log.line = node.line
        if words[0] == "no" or len(words) < 2:
            if len(words) >= 2:
                self.accept(node)
            return
        what = words[1]
        if what in LOGGING_WORDS:
            if what == "trap" and len(words) >= 3:
                log.trap_level = words[2]
            elif what == "buffered":
                log.buffered = True
            elif what == "source-interface" and len(words) >= 3:
                log.source_interface = interface_name(words[2:])
                self.m.aaa.source_interfaces["logging"] = log.source_interface
            self.accept(node)
            return
        if not (is_ip(what) or "." in what):
            return
        host = LogHost(what, node.line)
        for index, word in enumerate(words[2:-1], start=2):
            if word == "vrf":
                host.vrf = words[index + 1]
            elif word == "port":
                host.port = to_int(words[index + 1])
            elif word == "severity":
                self.host_severity = self.host_severity or words[index + 1]
        log.hosts.append(host)
        self.accept(node)

    def service(self, node: Node) -> None:
        words = node.words
        if len(words) >= 3 and words[1] == "timestamps":
            if words[2] == "log":
                self.m.logging.timestamps = words[0] != "no" and "uptime" not in words
            self.accept(node)
        elif len(words) >= 3 and words[1] in ("ipv4", "ipv6") and "small-servers" in words[2]:
            self.m.flags["small_servers"] = words[0] != "no"
            self.accept(node)
        elif len(words) >= 2:
            self.accept(node)  # unsupported-transceiver, cli, ...

    def ntp(self, node: Node) -> None:
        words = node.words
        statements = [(node, words[1:])] if len(words) > 1 else []
        statements += [(child, child.words) for child in node.walk()]
        for where, w in statements:
            self.ntp_statement(where, w)
        self.accept(node)

    def ntp_statement(self, node: Node, w: list[str]) -> None:
        if not w:
            return
        what = w[0]
        rest = w[1:]
        if rest[:1] == ["vrf"] and len(rest) >= 3 and what in ("server", "peer", "source"):
            vrf: str | None = rest[1]
            rest = rest[2:]
        else:
            vrf = None
        if what in ("server", "peer") and rest:
            server = NtpServer(rest[0], node.line, vrf=vrf)
            if "key" in rest[:-1]:
                server.key = to_int(rest[rest.index("key") + 1])
            self.m.ntp.servers.append(server)
        elif what == "authenticate":
            self.m.ntp.authenticate = True
        elif what == "authentication-key" and len(w) >= 4:
            type_token, value, _ = self.read_secret(node.line, w, 3)
            self.m.secrets.append(
                Secret("ntp-key", secret_type(type_token, value), node.line, owner=w[1])
            )
        elif what == "access-group" and len(w) >= 3:
            acl = w[-1]
            self.m.ntp.acl = self.m.ntp.acl or acl
            add_acl_use(self.m, acl, "ntp", node.line, "in", w[-2])
        elif what == "source" and rest and vrf is None:
            self.m.aaa.source_interfaces.setdefault("ntp", interface_name(rest))

    # --- lines -------------------------------------------------------------------------

    def line(self, node: Node) -> None:
        words = node.words
        if len(words) < 2 or words[1] not in ("default", "console", "template", "aux"):
            return
        kind = {"console": "console", "aux": "aux"}.get(words[1], "vty")
        entry = Line(" ".join(words[1:]), kind, node.line)
        self.m.lines.append(entry)
        if words[1] == "template" and len(words) > 2:
            self.line_templates[words[2]] = entry
        elif words[1] == "default":
            self.line_templates["default"] = entry
        self.accept(node.line)
        for child in node.children:
            w = child.words
            head = w[0]
            if head == "access-class" and len(w) >= 3:
                direction = "out" if w[1] == "egress" else "in"
                if direction == "in":
                    entry.access_class_in = w[2]
                add_acl_use(self.m, w[2], "vty", child.line, direction, entry.name)
            elif head == "transport" and len(w) >= 3:
                if w[1] == "input":
                    entry.transport_input = [word.lower() for word in w[2:]]
            elif head == "exec-timeout" and len(w) >= 2:
                minutes = to_int(w[1]) or 0
                seconds = to_int(w[2]) if len(w) > 2 else 0
                entry.exec_timeout_seconds = minutes * 60 + (seconds or 0)
            elif head == "login" and len(w) >= 2:
                entry.login = " ".join(w[1:])
            elif head in ("password", "secret") and len(w) >= 2:
                type_token, value, _ = self.read_secret(child.line, w, 1)
                entry.password_type = secret_type(type_token, value, hashed=head == "secret")
            elif head not in LINE_WORDS:
                continue
            self.accept(child)

    def vty_pool(self, node: Node) -> None:
        """``vty-pool NAME FIRST LAST [line-template T]``: the VTYs that take a template (a
        pool without one takes ``line default``)."""
        words = node.words
        if words[0] != "no" and len(words) > 1:
            at = words.index("line-template") if "line-template" in words[:-1] else None
            self.pool_templates[words[1]] = words[at + 1] if at is not None else "default"
        self.accept(node)

    def unused_templates(self) -> None:
        """A line template no login VTY uses (``line template X`` no ``vty-pool`` names;
        ``line default`` once the default pool takes another template and no other pool takes
        it) applies to no remote login: it is kept as a line of kind ``template``, and its
        access-class guards nothing. The ``eem`` pool runs scripts, not logins."""
        pools = {"default": "default", **self.pool_templates}
        used = {template for pool, template in pools.items() if pool != "eem"}
        for name, entry in self.line_templates.items():
            if name in used:
                continue
            entry.kind = "template"
            self.m.acl_uses = [
                u for u in self.m.acl_uses if not (u.where == "vty" and u.owner == entry.name)
            ]

    # --- SNMP --------------------------------------------------------------------------

    def snmp(self, node: Node) -> None:
        words = node.words
        if len(words) < 2:
            return
        what = words[1]
        if what == "community" and len(words) >= 3:
            self.snmp_community(node, words)
        elif what == "user" and len(words) >= 5:
            self.snmp_user(node, words)
        elif what == "group" and len(words) >= 4:
            self.snmp_group(node, words)
        elif what == "host" and len(words) >= 3:
            self.snmp_host(node, words[2:], None)
        elif what == "vrf" and len(words) >= 3:
            for child in node.children:
                if child.words[0] == "host" and len(child.words) >= 2:
                    self.snmp_host(child, child.words[1:], words[2])
        elif what == "trap-source" and len(words) >= 3:
            self.m.aaa.source_interfaces["snmp"] = interface_name(words[2:])
        elif what not in SNMP_WORDS:
            return
        self.accept(node)

    def snmp_community(self, node: Node, words: list[str]) -> None:
        i = 3 if words[2] in ("clear", "encrypted") and len(words) > 3 else 2
        secret = fingerprint(words[i])
        hide(self.m, node.line, words[i])
        community = SnmpCommunity(secret, "ro", node.line)
        self.m.snmp.communities.append(community)
        i += 1
        while i < len(words):
            word = words[i]
            if word in ("RO", "RW", "ro", "rw"):
                community.access = word.lower()
            elif word in SNMP_VIEWS:
                pass
            elif word in ("view", "IPv4", "IPv6") and i + 1 < len(words):
                value = words[i + 1]
                if word == "view":
                    community.view = value
                else:
                    community.acl = community.acl or (value if word == "IPv4" else None)
                    add_acl_use(self.m, value, "snmp", node.line, "in", secret)
                i += 2
                continue
            else:
                community.acl = community.acl or word  # the older bare ACL name
                add_acl_use(self.m, word, "snmp", node.line, "in", secret)
            i += 1

    def snmp_user(self, node: Node, words: list[str]) -> None:
        user = SnmpUser(words[2], node.line, group=words[3])
        self.m.snmp.users.append(user)
        i = 5
        while i < len(words):
            word = words[i]
            if word in ("auth", "priv") and i + 1 < len(words):
                algorithm = words[i + 1]
                i += 2
                if algorithm == "aes" and i < len(words) and words[i].isdigit():
                    algorithm = f"aes {words[i]}"
                    i += 1
                type_token, value, i = self.read_secret(node.line, words, i)
                if word == "auth":
                    user.auth = algorithm
                    self.m.secrets.append(
                        Secret("snmp-auth", secret_type(type_token, value), node.line, user.name)
                    )
                else:
                    user.priv = algorithm
                continue
            if word in ("IPv4", "IPv6") and i + 1 < len(words):
                if word == "IPv4":
                    user.acl = words[i + 1]
                add_acl_use(self.m, words[i + 1], "snmp", node.line, "in", user.name)
                i += 2
                continue
            i += 1

    def snmp_group(self, node: Node, words: list[str]) -> None:
        name, version = words[2], words[3]
        if version == "v3":
            level = words[4] if len(words) > 4 and words[4] in ("auth", "noauth", "priv") else None
            self.m.snmp.groups[name] = level or "noauth"
        for index, word in enumerate(words[4:-1], start=4):
            if word in ("IPv4", "IPv6"):
                add_acl_use(self.m, words[index + 1], "snmp", node.line, "in", name)

    def snmp_host(self, node: Node, words: list[str], vrf: str | None) -> None:
        key = (words[0], vrf)
        host = self.snmp_hosts.get(key)
        if host is None:
            host = SnmpHost(words[0], node.line, vrf=vrf)
            self.snmp_hosts[key] = host
            self.m.snmp.hosts.append(host)
        hide(self.m, node.line, snmp_host_community(words))
        if "version" in words[:-1]:
            host.version = words[words.index("version") + 1]
        if vrf is not None:
            self.accept(node)

    def finish(self) -> None:
        self.unused_templates()
        log = self.m.logging
        if log.trap_level is None:
            log.trap_level = self.host_severity
        self.link_captures()
        apply_global_keys(self.m.aaa.servers, self.global_keys)
