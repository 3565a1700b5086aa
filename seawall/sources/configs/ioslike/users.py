"""Local users, enable secrets and AAA (methods, TACACS+/RADIUS/LDAP servers and groups)."""

from __future__ import annotations

from seawall.records.config import AaaMethod, AaaServer, LocalUser, fingerprint
from seawall.sources.configs.base import CISCO_TYPES, cisco_secret_type, crypt_type
from seawall.sources.configs.ioslike.context import Ctx, key_type, split_prefix
from seawall.sources.configs.tree import Node

ADMIN_ROLES = frozenset({"network-admin", "admin", "priv-15", "root"})
# ASA keywords written after a password: how it is stored.
ASA_STORAGE = {"encrypted": "5", "nt-encrypted": "5", "mschap": "5", "pbkdf2": "8"}
ALGORITHM_TYPES = {"sha256": "8", "scrypt": "9", "md5": "5"}
# ``username`` options that take one argument (skipped), and those that end the statement.
_USER_ARG = frozenset(
    {
        "view",
        "access-class",
        "user-maxlinks",
        "callback-dialstring",
        "callback-line",
        "callback-rotary",
        "expire",
        "shelltype",
        "shell",
        "group",
        "mac",
    }
)
_USER_REST = frozenset({"autocommand", "passphrase"})


def secret_value(words: list[str], index: int, keyword: str) -> tuple[str, str, int]:
    """``password|secret [TYPE] VALUE`` with the first word after the keyword at ``index``:
    (secret type, the value as stored, index after the value)."""
    if index >= len(words):
        return "none", "", index
    token = words[index]
    if token == "sha512" and index + 1 < len(words):
        return "sha512", words[index + 1], index + 2
    if token.isdigit() and index + 1 < len(words):
        return CISCO_TYPES.get(token, "unknown"), words[index + 1], index + 2
    if token.startswith("$"):
        return crypt_type(token), token, index + 1
    return cisco_secret_type(keyword, None), token, index + 1


def _user(ctx: Ctx, name: str, line: int) -> LocalUser:
    for user in ctx.m.users:
        if user.name == name:
            return user
    user = LocalUser(name, line)
    ctx.m.users.append(user)
    return user


def _verdict(user: LocalUser) -> None:
    user.is_admin = user.privilege == 15 or (user.role or "") in ADMIN_ROLES


def apply_user_words(user: LocalUser, words: list[str]) -> None:
    """``privilege 15 role network-admin secret sha512 $6$...`` and friends (any order)."""
    index = 0
    while index < len(words):
        token = words[index]
        if token == "privilege" and index + 1 < len(words) and words[index + 1].isdigit():
            user.privilege = int(words[index + 1])
            index += 2
        elif token == "role" and index + 1 < len(words):
            user.role = words[index + 1]
            index += 2
        elif token in ("password", "secret"):
            user.secret_type, value, index = secret_value(words, index + 1, token)
            user.secret_fingerprint = fingerprint(value) if value else None
            if index < len(words) and words[index] in ASA_STORAGE:
                user.secret_type = ASA_STORAGE[words[index]]
                index += 1
        elif token == "nopassword":
            user.secret_type = "none"
            user.secret_fingerprint = None
            index += 1
        elif token == "algorithm-type" and index + 1 < len(words):
            user.secret_type = ALGORITHM_TYPES.get(words[index + 1], "unknown")
            if index + 3 < len(words):
                user.secret_fingerprint = fingerprint(words[index + 3])
            index += 4  # algorithm-type ALG secret VALUE
        elif token in ("sshkey", "ssh-key"):
            user.ssh_keys += 1
            break
        elif token in _USER_REST:
            break
        elif token in _USER_ARG:
            index += 2
        else:
            index += 1
    _verdict(user)


def h_username(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) < 2:
        return False
    if negated:
        return ctx.ok(node)
    if words[2:3] == ["attributes"]:
        return username_attributes(ctx, node, words[1])
    if words[2:3] == ["passphrase"]:
        return ctx.ok(node)  # NX-OS password ageing for an existing user
    user = _user(ctx, words[1], node.line)
    apply_user_words(user, words[2:])
    for child in node.children:  # ``username X`` block with ``secret``/``privilege`` lines
        child_words, _ = split_prefix(child.text)
        apply_user_words(user, child_words)
    return ctx.ok(node)


def username_attributes(ctx: Ctx, node: Node, name: str) -> bool:
    """ASA ``username X attributes``: service type and SSH public keys."""
    user = next((u for u in ctx.m.users if u.name == name), None)
    for child in node.walk():
        words = child.text.split()
        if user is None:
            break
        if words[:2] == ["service-type", "admin"]:
            user.role = "admin"
        elif words[:3] == ["ssh", "authentication", "publickey"]:
            user.ssh_keys += 1
        _verdict(user)
    return ctx.ok(node)


def ssh_pubkey_chain(ctx: Ctx, node: Node) -> None:
    """``ip ssh pubkey-chain`` / ``username X`` / ``key-hash ...``: count keys per user."""
    for child in node.walk():
        words = child.text.split()
        if words[:1] == ["username"] and len(words) > 1:
            user = _user(ctx, words[1], child.line)
            user.ssh_keys += sum(
                1 for k in child.walk() if k.text.startswith(("key-hash", "key-string"))
            )
    ctx.ok(node)


def h_enable(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``enable secret [level N] [TYPE] VALUE`` / ``enable password ...`` /
    ``enable algorithm-type scrypt secret VALUE``."""
    if negated or len(words) < 2:
        return ctx.ok(node)
    keyword = words[1]
    index = 2
    if keyword == "algorithm-type" and len(words) > 2:
        ctx.secret("enable", ALGORITHM_TYPES.get(words[2], "unknown"), node.line)
        return ctx.ok(node)
    if keyword not in ("secret", "password"):
        return ctx.ok(node)  # ``enable view``, ``enable last-resort`` ...
    if words[index : index + 1] == ["level"]:
        index += 2
    secret_type, _, after = secret_value(words, index, keyword)
    if after < len(words) and words[after] in ASA_STORAGE:
        secret_type = ASA_STORAGE[words[after]]
    ctx.secret("enable", secret_type, node.line)
    return ctx.ok(node)


# -- AAA ----------------------------------------------------------------------------------

AAA_FUNCTIONS = frozenset({"authentication", "authorization", "accounting"})
# ``aaa authentication|authorization|accounting X`` statements that are not method lists.
_NOT_LISTS = frozenset(
    {
        "banner",
        "fail-message",
        "password-prompt",
        "username-prompt",
        "include",
        "exclude",
        "policy",
        "update",
        "delay-start",
        "nested",
        "send",
        "suppress",
        "console",
        "config-commands",
        "attempts",
        "redundancy",
        "jitter",
        "resource",
        "session-duration",
        "token",
        "listener",
        "match",
        "password",
        "allow-nopassword-remote-login",
    }
)


def method_words(words: list[str]) -> list[str]:
    """``group tacacs+ local none`` -> ["group tacacs+", "local", "none"]."""
    out: list[str] = []
    index = 0
    while index < len(words):
        if words[index] in ("group", "action-type") and index + 1 < len(words):
            if words[index] == "group":
                out.append(f"group {words[index + 1]}")
            else:
                out.append(words[index + 1])
            index += 2
        else:
            out.append(words[index])
            index += 1
    return out


def aaa_method(ctx: Ctx, node: Node, words: list[str]) -> None:
    """``aaa accounting commands 15 default start-stop group tacacs+`` (words from
    ``authentication|authorization|accounting``)."""
    function = words[0]
    if len(words) < 2 or words[1] in _NOT_LISTS:
        return
    service = words[1]
    index = 2
    level: int | None = None
    if service in ("commands", "command"):
        service = "commands"
        if index < len(words) and words[index] == "privilege" and index + 1 < len(words):
            level = int(words[index + 1]) if words[index + 1].isdigit() else None
            index += 2
        elif index < len(words) and (words[index][0].isdigit() or words[index] == "all"):
            level = int(words[index]) if words[index].isdigit() else None
            index += 1
    if index >= len(words):
        return
    list_name = words[index]
    methods = method_words(words[index + 1 :])
    for child in node.children:
        methods.extend(method_words(child.text.split()))
    if methods:
        ctx.m.aaa.methods.append(AaaMethod(function, service, list_name, methods, node.line, level))


def h_aaa(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) < 2:
        return False
    sub = words[1]
    if sub == "new-model":
        ctx.m.aaa.new_model = not negated
        ctx.m.flags["aaa_new_model"] = not negated
    elif sub in AAA_FUNCTIONS:
        if not negated:
            aaa_method(ctx, node, words[1:])
    elif sub == "group" and len(words) >= 5 and words[2] == "server":
        aaa_group(ctx, node, words[3], words[4])
    elif sub == "root" and not negated and "secret" in words:
        user = _user(ctx, "root", node.line)
        user.role = "root"
        user.secret_type, value, _ = secret_value(words, words.index("secret") + 1, "secret")
        user.secret_fingerprint = fingerprint(value) if value else None
        _verdict(user)
    return ctx.ok(node)


def protocol_of(word: str) -> str:
    word = word.lower()
    if word.startswith("tacacs"):
        return "tacacs"
    if word.startswith("radius"):
        return "radius"
    return word


def add_server(
    ctx: Ctx,
    protocol: str,
    address: str,
    line: int,
    *,
    name: str | None = None,
    group: str | None = None,
    port: int | None = None,
    vrf: str | None = None,
    words: list[str] | None = None,
    key_at: int | None = None,
) -> AaaServer:
    """One server; ``words[key_at]`` is the first word after ``key`` when a key is given."""
    server = AaaServer(protocol, address, line, name=name, group=group, port=port, vrf=vrf)
    if words is not None and key_at is not None:
        set_key(ctx, server, words, key_at, line)
    ctx.m.aaa.servers.append(server)
    return server


def set_key(ctx: Ctx, server: AaaServer, words: list[str], key_at: int, line: int) -> None:
    server.key_type = key_type(words, key_at)
    typed = key_at + 1 < len(words) and words[key_at].isdigit()
    value_at = key_at + 1 if typed else key_at
    if value_at < len(words):
        server.key_fingerprint = fingerprint(words[value_at].strip('"'))
    ctx.secret(f"{server.protocol}-key", server.key_type, line, server.address or server.name)


def server_options(words: list[str], start: int) -> tuple[int | None, str | None, int | None]:
    """(port, vrf, index of the word after ``key``) from ``port N``/``auth-port N``/
    ``vrf V``/``key ...`` options."""
    port: int | None = None
    vrf: str | None = None
    key_at: int | None = None
    index = start
    while index < len(words):
        token = words[index]
        if token in ("port", "auth-port") and index + 1 < len(words):
            if words[index + 1].isdigit() and port is None:
                port = int(words[index + 1])
            index += 2
        elif token == "vrf" and index + 1 < len(words):
            vrf = words[index + 1]
            index += 2
        elif token == "key":
            key_at = index + 1
            break
        else:
            index += 1
    return port, vrf, key_at


def aaa_group(ctx: Ctx, node: Node, protocol_word: str, group: str) -> None:
    """``aaa group server tacacs+|radius|ldap NAME`` and its members."""
    protocol = protocol_of(protocol_word)
    vrf: str | None = None
    members = []
    for child in node.children:
        words, negated = split_prefix(child.text)
        if negated or not words:
            continue
        if words[0] in ("vrf",) and len(words) > 1:
            vrf = words[1]
        elif words[:3] == ["ip", "vrf", "forwarding"] and len(words) > 3:
            vrf = words[3]
        elif words[0] == "ip" and len(words) > 3 and words[2] == "source-interface":
            ctx.m.aaa.source_interfaces.setdefault(protocol_of(words[1]), words[3])
        elif words[0] == "server" and len(words) > 2 and words[1] == "name":
            ctx.named_members.setdefault(words[2], group)
        elif words[0] in ("server", "server-private") and len(words) > 1:
            members.append((words, child.line))
    for words, line in members:
        port, member_vrf, key_at = server_options(words, 2)
        existing = [
            s
            for s in ctx.m.aaa.servers
            if s.address == words[1] and s.protocol == protocol and s.group is None
        ]
        if words[0] == "server" and existing:
            for server in existing:
                server.group = group
            continue
        add_server(
            ctx,
            protocol,
            words[1],
            line,
            group=group,
            port=port,
            vrf=member_vrf or vrf,
            words=words,
            key_at=key_at,
        )
    ctx.ok(node)


def resolve_named_members(ctx: Ctx) -> None:
    """Named servers (``tacacs server NAME``) listed by ``server name NAME`` in a group."""
    for server in ctx.m.aaa.servers:
        if server.name is not None and server.name in ctx.named_members and not server.group:
            server.group = ctx.named_members[server.name]


def h_server_host(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``tacacs-server host X [port N] [key [T] K] [vrf V]`` / ``radius-server host ...`` /
    ``tacacs-server key [T] K`` (global key)."""
    if len(words) < 2:
        return False
    protocol = protocol_of(words[0])
    if negated:
        return ctx.ok(node)
    if words[1] == "host" and len(words) > 2:
        port, vrf, key_at = server_options(words, 3)
        add_server(
            ctx, protocol, words[2], node.line, port=port, vrf=vrf, words=words, key_at=key_at
        )
    elif words[1] == "key" and len(words) > 2:
        ctx.secret(f"{protocol}-key", key_type(words, 2), node.line)
    return ctx.ok(node)


def h_named_server(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``tacacs server NAME`` / ``radius server NAME`` blocks with ``address ipv4 X``,
    ``key``, ``port``."""
    if len(words) < 2:
        return False
    if words[1] != "server" or len(words) < 3 or negated:
        return ctx.ok(node)
    protocol = protocol_of(words[0])
    server = AaaServer(protocol, "", node.line, name=words[2])
    key: tuple[list[str], int, int] | None = None
    for child in node.children:
        child_words, _ = split_prefix(child.text)
        if child_words[:1] == ["address"] and len(child_words) > 2:
            server.address = child_words[2]
            port, _, _ = server_options(child_words, 3)
            server.port = port or server.port
        elif child_words[:1] == ["key"] and len(child_words) > 1:
            key = (child_words, 1, child.line)
        elif child_words[:1] == ["port"] and len(child_words) > 1 and child_words[1].isdigit():
            server.port = int(child_words[1])
        elif child_words[:1] == ["vrf"] and len(child_words) > 1:
            server.vrf = child_words[1]
    if key is not None:
        set_key(ctx, server, *key)
    ctx.m.aaa.servers.append(server)
    return ctx.ok(node)
