"""Juniper JunOS configurations, brace style (``show configuration``) and ``set`` style
(``show configuration | display set``).

Both styles become the same path statements (``system login user admin class super-user``),
and one interpreter reads them, so a file and its ``display set`` twin give the same model.
Every statement under a known top-level hierarchy is understood (``policy-options``,
``class-of-service``, ... are valid even where nothing is modelled); unknown top levels and
lines that are neither braces nor ``set``-style verbs stay unknown. ``deactivate`` lines and
``inactive:`` blocks are understood and noted in ``features``, and what they deactivate is not
in effect (a deactivated BGP group has no sessions, a deactivated lo0 filter protects
nothing): those statements are understood, not read (``activate`` undoes it). ``delete`` lines
(load files) are noted, never applied.

``groups`` are read where they are applied (``apply-groups``), because a group is an easy place
to hide an account; groups with ``<*>`` wildcards are understood but not expanded.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from seawall.records.config import (
    AaaMethod,
    AaaServer,
    DeviceConfig,
    LocalUser,
    LogHost,
    NtpServer,
    Secret,
    fingerprint,
)
from seawall.sources.configs import junos_net as net
from seawall.sources.configs import junos_snmp
from seawall.sources.configs.base import ModelBuilder, crypt_type
from seawall.sources.configs.pathcfg import (
    InterfaceBook,
    Path,
    ServiceBook,
    clean_words,
    flatten_with_openers,
    mark_openers,
    other_verbs,
    set_statements,
    to_int,
    word,
)
from seawall.sources.configs.redact import redact_line
from seawall.sources.configs.tree import PathStatement, brace_tree, split_lines, tokens

KNOWN_TOP = frozenset(
    {
        "version", "system", "chassis", "services", "security", "interfaces", "snmp",
        "forwarding-options", "event-options", "routing-options", "protocols", "policy-options",
        "class-of-service", "firewall", "routing-instances", "vlans", "applications", "access",
        "access-profile", "accounting-options", "bridge-domains", "ethernet-switching-options",
        "groups", "apply-groups", "apply-groups-except", "logical-systems", "poe",
        "switch-options", "virtual-chassis", "multi-chassis", "dynamic-profiles", "jsrc",
        "jsrc-partition", "schedulers", "tenants", "session-limit-group", "fabric", "diameter",
        "multicast-snooping-options", "vmhost", "wlan", "unified-edge", "smtp", "ipsec-policy",
        "redundancy-group", "protocols-group", "routing-engine", "mpls", "vlans-group", "utility",
    }
)  # fmt: skip
# Verbs of ``display set`` output and of load files; only ``set`` is applied.
OTHER_VERBS = frozenset(
    {"delete", "deactivate", "activate", "insert", "rename", "annotate", "protect",
     "unprotect", "copy", "replace", "edit", "top", "up"}
)  # fmt: skip
_NOTED_VERBS = frozenset({"delete", "deactivate"})
_BRACE_LINE = re.compile(r"[{};]\s*(#.*)?$")
_ADMIN_CLASSES = frozenset({"super-user", "superuser"})
_SSH_KEY_WORDS = frozenset({"ssh-rsa", "ssh-dsa", "ssh-ecdsa", "ssh-ed25519"})
_LOGIN_EVENTS = {
    "login": "exec",
    "change-log": "config-commands",
    "interactive-commands": "commands",
}
_SSH_VERSIONS = {("v1",): "1", ("v2",): "2", ("v1", "v2"): "1.99", ("v2", "v1"): "1.99"}


def parse(text: str, path: str, dialect: str) -> DeviceConfig:
    builder = ModelBuilder(text, path, dialect, "Juniper", "JunOS")
    model = builder.model
    if _is_set_style(text):
        statements, other, structural = set_statements(text)
        openers: dict[Path, int] = {}
        other_verbs(builder, text, other, verbs=OTHER_VERBS, noted=_NOTED_VERBS)
        statements = _drop_deactivated(builder, statements, _deactivated(text, other))
    else:
        tree = brace_tree(text)
        structural = tree.structural
        statements, openers = flatten_with_openers(tree)
        statements = _strip_inactive(builder, statements)
        openers = {_drop_markers(p): line for p, line in openers.items()}
        mark_openers(builder, openers, KNOWN_TOP)
    state = net.JunosState(
        builder,
        openers,
        ServiceBook(model.services),
        InterfaceBook(model.interfaces, net.interface_kind),
    )
    reader = _Reader(state)
    reader.read(statements)
    net.finish(state)
    reader.finish()
    return builder.finish(structural)


def _is_set_style(text: str) -> bool:
    set_lines = brace_lines = 0
    for line in split_lines(text[:65536]):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        first = stripped.split(None, 1)[0]
        if first == "set" or first in _NOTED_VERBS:
            set_lines += 1
        elif _BRACE_LINE.search(stripped):
            brace_lines += 1
    return set_lines > brace_lines


_MARKERS = frozenset({"inactive:", "protect:", "replace:"})


def _drop_markers(path: Path) -> Path:
    return tuple(w for w in path if w not in _MARKERS) if any(w in _MARKERS for w in path) else path


def _strip_inactive(builder: ModelBuilder, statements: list[PathStatement]) -> list[PathStatement]:
    """``inactive:`` marks a block (or statement) as deactivated: noted once; its statements
    are understood and not read, as the ``deactivate`` line of a ``display set`` twin says."""
    model = builder.model
    out = []
    for statement in statements:
        words = statement.words
        if "inactive:" in words:
            note = "deactivate " + " ".join(_drop_markers(words[: words.index("inactive:") + 2]))
            if note not in model.features:
                model.features.append(redact_line(note))
            if _drop_markers(words)[:1] and _drop_markers(words)[0] in KNOWN_TOP:
                builder.understood(statement.line)
            continue
        out.append(PathStatement(_drop_markers(words), statement.line) if words else statement)
    return out


def _deactivated(text: str, numbers: list[int]) -> list[Path]:
    """Paths a set-style file deactivates (``deactivate X``), less those it activates again
    later (``activate X``)."""
    lines = split_lines(text)
    state: dict[Path, bool] = {}
    for number in numbers:
        words = tokens(lines[number - 1].strip())
        if len(words) > 1 and words[0] in ("deactivate", "activate"):
            path = clean_words(words[1:])
            state.pop(path, None)  # the last verb wins
            state[path] = words[0] == "deactivate"
    return [path for path, inactive in state.items() if inactive]


def _drop_deactivated(
    builder: ModelBuilder, statements: list[PathStatement], inactive: list[Path]
) -> list[PathStatement]:
    if not inactive:
        return statements
    out = []
    for statement in statements:
        words = statement.words
        if any(words[: len(path)] == path for path in inactive):
            if words and words[0] in KNOWN_TOP:
                builder.understood(statement.line)
            continue
        out.append(statement)
    return out


class _Reader:
    """Dispatches path statements by their top-level word."""

    def __init__(self, state: net.JunosState) -> None:
        self.st = state
        self.model = state.model
        self.users: dict[str, LocalUser] = state.users
        self.aaa_servers: dict[tuple[str, str, str | None], AaaServer] = {}
        self.accounting_events: tuple[list[str], int] | None = None
        self.accounting_destinations: list[str] = []
        self.log_hosts: dict[str, LogHost] = {}
        self.ntp_servers: dict[str, NtpServer] = {}
        self.groups: list[PathStatement] = []
        self.applied_groups: dict[str, list[Path]] = {}
        st = state
        self.handlers: dict[str, Callable[[Path, int], None]] = {
            "version": self._version,
            "system": self._system,
            "interfaces": lambda w, n: net.interfaces(st, w, n),
            "firewall": lambda w, n: net.firewall(st, w, n),
            "policy-options": lambda w, n: net.policy_options(st, w, n),
            "snmp": lambda w, n: junos_snmp.snmp(st, w, n),
            "routing-options": lambda w, n: net.routing_options(st, w, n),
            "protocols": lambda w, n: net.protocols(st, w, n),
            "routing-instances": lambda w, n: net.routing_instances(st, w, n),
            "security": lambda w, n: net.security(st, w, n),
            "forwarding-options": lambda w, n: net.forwarding_options(st, w, n),
            "event-options": lambda w, n: net.event_options(st, w, n),
            "groups": self._group,
        }

    def read(self, statements: list[PathStatement]) -> None:
        builder = self.st.builder
        for statement in statements:
            words = statement.words
            if not words or words[0] not in KNOWN_TOP:
                continue
            builder.understood(statement.line)
            if "apply-groups" in words[:-1]:
                at = words.index("apply-groups")
                for group in words[at + 1 :]:
                    self.applied_groups.setdefault(group, []).append(words[:at])
                # The first statement naming an item (``set system tacplus-server A
                # apply-groups G``) is where the item is (set style has no block lines).
                self.st.openers.setdefault(words[:at], statement.line)
                continue
            handler = self.handlers.get(words[0])
            if handler is not None:
                handler(words, statement.line)
        self._apply_groups()

    def _group(self, w: Path, line: int) -> None:
        self.groups.append(PathStatement(w, line))

    def _apply_groups(self) -> None:
        """Statements of applied groups, read as if written where they are applied."""
        for statement in self.groups:
            words = statement.words
            if len(words) < 3 or words[2] == "groups" or any(w.startswith("<") for w in words):
                continue
            body = words[2:]
            for where in self.applied_groups.get(words[1], []):
                if body[: len(where)] == where and body[0] in self.handlers:
                    self.handlers[body[0]](body, statement.line)
                    break

    # --- top level ---------------------------------------------------------------------

    def _version(self, w: Path, line: int) -> None:
        if len(w) > 1:
            self.model.version = w[1]

    def _system(self, w: Path, line: int) -> None:
        head = word(w, 1)
        if head == "host-name" and len(w) > 2:
            self.model.hostname = w[2]
        elif head == "root-authentication":
            user = self._user("root", self.st.opener(w[:2], line))
            user.role = "super-user"
            self._authentication(user, w[2:], line)
        elif head == "login":
            self._login(w, line)
        elif head in ("tacplus-server", "radius-server") and len(w) > 2:
            self._aaa_server("tacacs" if head == "tacplus-server" else "radius", w, 2, None, line)
        elif head == "authentication-order" and len(w) > 2:
            self.model.aaa.methods.append(
                AaaMethod("authentication", "login", "default", list(w[2:]), line)
            )
        elif head == "accounting":
            self._accounting(w, line)
        elif head == "services" and len(w) > 2:
            self._services(w, line)
        elif head == "syslog" and len(w) > 2:
            self._syslog(w, line)
        elif head == "ntp" and len(w) > 2:
            self._ntp(w, line)
        elif head == "scripts" and len(w) > 4 and w[3] == "file":
            kind = {"op": "op-script", "commit": "commit-script", "event": "event-script"}
            if w[2] in kind:
                net.automation(self.st, kind[w[2]], w[4], self.st.opener(w[:5], line))

    def _user(self, name: str, line: int) -> LocalUser:
        user = self.users.get(name)
        if user is None:
            user = self.users[name] = LocalUser(name, line)
            self.model.users.append(user)
        return user

    def _authentication(self, user: LocalUser, t: Path, line: int) -> None:
        key = word(t, 0)
        if key == "encrypted-password" and len(t) > 1:
            user.secret_type = crypt_type(t[1])
            user.secret_fingerprint = fingerprint(t[1])
        elif key == "plain-text-password":
            user.secret_type = "plain"
        elif key in _SSH_KEY_WORDS:
            user.ssh_keys += 1

    def _login(self, w: Path, line: int) -> None:
        t = w[2:]
        key = word(t, 0)
        if key == "user" and len(t) > 1:
            user = self._user(t[1], self.st.opener(w[:4], line))
            rest = t[2:]
            if word(rest, 0) == "class" and len(rest) > 1:
                user.role = rest[1]
            elif word(rest, 0) == "authentication":
                self._authentication(user, rest[1:], line)
        elif key == "class" and len(t) > 3 and t[2] == "permissions" and "all" in t[3:]:
            self.st.admin_classes.add(t[1])
        elif key in ("message", "announcement"):
            self.model.flags["login_banner"] = True

    def _aaa_server(
        self, protocol: str, w: Path, at: int, group: str | None, line: int
    ) -> AaaServer:
        address = w[at]
        server = self.aaa_servers.get((protocol, address, group))
        if server is None:
            server = AaaServer(protocol, address, self.st.opener(w[: at + 1], line), group=group)
            self.aaa_servers[(protocol, address, group)] = server
            self.model.aaa.servers.append(server)
        rest = w[at + 1 :]
        key = word(rest, 0)
        if key == "secret" and len(rest) > 1:
            server.key_type = crypt_type(rest[1])
            server.key_fingerprint = fingerprint(rest[1])
        elif key == "port" and len(rest) > 1:
            server.port = to_int(rest[1])
        elif key == "routing-instance" and len(rest) > 1:
            server.vrf = rest[1]
        elif key == "source-address" and len(rest) > 1:
            self.model.aaa.source_interfaces[protocol] = rest[1]
        return server

    def _accounting(self, w: Path, line: int) -> None:
        t = w[2:]
        if word(t, 0) == "events":
            self.accounting_events = (list(t[1:]), line)
        elif word(t, 0) == "destination" and len(t) > 1:
            protocol = {"tacplus": "tacacs", "radius": "radius"}.get(t[1])
            if t[1] not in self.accounting_destinations:
                self.accounting_destinations.append(t[1])
            if protocol and word(t, 2) == "server" and len(t) > 3:
                self._aaa_server(protocol, w, 5, "accounting", line)

    def _services(self, w: Path, line: int) -> None:
        name, rest = w[2], w[3:]
        book, flags = self.st.services, self.model.flags
        opener = self.st.opener(w[:3], line)
        key = word(rest, 0)
        if name == "ssh":
            service = book.get("ssh", opener)
            if key == "root-login" and len(rest) > 1:
                service.options["root-login"] = rest[1]
                flags["ssh_root_login"] = {"allow": True, "deny": False}.get(rest[1], "key-only")
            elif key == "port" and len(rest) > 1:
                service.port = to_int(rest[1])
            elif key == "protocol-version" and len(rest) > 1:
                version = _SSH_VERSIONS.get(tuple(rest[1:]), rest[-1].lstrip("v"))
                service.options["version"] = version
                flags["ssh_version"] = version
            elif key in ("tcp-forwarding", "allow-tcp-forwarding", "no-tcp-forwarding"):
                flags["ssh_tcp_forwarding"] = key != "no-tcp-forwarding"
        elif name in ("telnet", "ftp", "xnm-clear-text", "xnm-ssl"):
            service = book.get(name, opener)
            if key == "port" and len(rest) > 1:
                service.port = to_int(rest[1])
        elif name == "finger":
            flags["finger"] = True
        elif name == "netconf":
            service = book.get("netconf", opener)
            if rest[:2] == ("ssh", "port") and len(rest) > 2:
                service.port = to_int(rest[2])
        elif name == "web-management" and key in ("http", "https"):
            service = book.get(key, self.st.opener(w[:4], line))
            if word(rest, 1) == "port" and len(rest) > 2:
                service.port = to_int(rest[2])
            elif word(rest, 1) == "interface" and len(rest) > 2:
                service.interface = service.interface or rest[2]
                service.options["interfaces"] = " ".join(
                    filter(None, (service.options.get("interfaces"), *rest[2:]))
                )
        elif name == "rest" and key in ("http", "https"):
            service = book.get("api-http", self.st.opener(w[:4], line), tag=key)
            service.options["api"] = f"rest-{key}"
            if word(rest, 1) == "port" and len(rest) > 2:
                service.port = to_int(rest[2])
        elif name == "extension-service":
            service = book.get("gnmi", opener)
            if "clear-text" in rest:
                service.options["clear-text"] = "yes"
            if "port" in rest and rest[-1] != "port":
                service.port = to_int(rest[rest.index("port") + 1])
        elif name == "outbound-ssh" and key == "client" and len(rest) > 2:
            service = book.get("outbound-ssh", self.st.opener(w[:5], line), tag=rest[1])
            service.options["client"] = rest[1]
            if rest[2] not in ("device-id", "secret", "keep-alive", "services"):
                service.options["address"] = rest[2]
                if word(rest, 3) == "port" and len(rest) > 4:
                    service.port = to_int(rest[4])

    def _syslog(self, w: Path, line: int) -> None:
        logging = self.model.logging
        if logging.line is None:
            logging.line = self.st.opener(w[:2], line)
        t = w[2:]
        key = word(t, 0)
        if key == "host" and len(t) > 1:
            host = self.log_hosts.get(t[1])
            if host is None:
                host = self.log_hosts[t[1]] = LogHost(t[1], self.st.opener(w[:4], line))
                logging.hosts.append(host)
            rest = t[2:]
            attribute, value = word(rest, 0), word(rest, 1)
            if value is None:
                return
            if attribute == "port":
                host.port = to_int(value)
            elif attribute == "routing-instance":
                host.vrf = value
            elif attribute == "transport":
                host.transport = value
            elif attribute == "any":
                logging.trap_level = value
            elif attribute == "interactive-commands" and value != "none":
                logging.command_logging = True
        elif key in ("file", "user", "console") and len(t) > 2:
            rest = t[2:] if key != "console" else t[1:]
            if word(rest, 0) == "interactive-commands" and word(rest, 1) not in (None, "none"):
                logging.command_logging = True
        elif key == "source-address" and len(t) > 1:
            logging.source_interface = t[1]
            self.model.aaa.source_interfaces["logging"] = t[1]

    def _ntp(self, w: Path, line: int) -> None:
        t = w[2:]
        key = word(t, 0)
        ntp = self.model.ntp
        if key == "server" and len(t) > 1:
            server = self.ntp_servers.get(t[1])
            if server is None:
                server = self.ntp_servers[t[1]] = NtpServer(t[1], self.st.opener(w[:4], line))
                ntp.servers.append(server)
            rest = t[2:]
            if word(rest, 0) == "key" and len(rest) > 1:
                server.key = to_int(rest[1])
            elif word(rest, 0) == "routing-instance" and len(rest) > 1:
                server.vrf = rest[1]
        elif key == "authentication-key" and "value" in t and t[-1] != "value":
            value = t[t.index("value") + 1]
            self.model.secrets.append(Secret("ntp-key", crypt_type(value), line, owner=t[1]))
        elif key == "trusted-key":
            ntp.authenticate = True
        elif key == "source-address" and len(t) > 1:
            self.model.aaa.source_interfaces["ntp"] = t[1]

    def finish(self) -> None:
        admin_classes = _ADMIN_CLASSES | self.st.admin_classes
        for user in self.users.values():
            user.is_admin = user.name == "root" or user.role in admin_classes
        if self.accounting_events is not None:
            events, line = self.accounting_events
            for event in events:
                service = _LOGIN_EVENTS.get(event)
                if service is not None:
                    self.model.aaa.methods.append(
                        AaaMethod(
                            "accounting",
                            service,
                            "default",
                            list(self.accounting_destinations),
                            line,
                        )
                    )
