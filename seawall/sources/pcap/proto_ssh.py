"""SSH protocol start over raw bytes: the version banner and the cleartext key-exchange
messages that precede NEWKEYS (RFC 4253), with the KEXINIT name-lists for HASSH."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field

MSG_KEXINIT = 20
MSG_NEWKEYS = 21
_MAX_BANNER = 255
_MAX_PACKET = 35000  # RFC 4253 6.1: implementations must handle 35000-byte packets


@dataclass(slots=True)
class KexInit:
    kex: list[str]
    host_key: list[str]
    enc_c2s: list[str]
    enc_s2c: list[str]
    mac_c2s: list[str]
    mac_s2c: list[str]
    comp_c2s: list[str]
    comp_s2c: list[str]

    def hassh(self, sender_is_client: bool) -> str:
        """HASSH (client) or HASSHServer: MD5 over kex;enc;mac;compression of one direction."""
        if sender_is_client:
            lists = (self.kex, self.enc_c2s, self.mac_c2s, self.comp_c2s)
        else:
            lists = (self.kex, self.enc_s2c, self.mac_s2c, self.comp_s2c)
        text = ";".join(",".join(names) for names in lists)
        return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@dataclass(slots=True)
class SshStart:
    banner: str | None = None
    # (message code, offset of its packet in the stream) up to and including NEWKEYS
    messages: list[tuple[int, int]] = field(default_factory=list)
    kexinit: KexInit | None = None
    cut: bool = False  # the stream ended inside a packet (more segments were needed)


def parse_banner(data: bytes) -> str | None:
    """``SSH-2.0-...`` identification line at the start of ``data``, without CR LF."""
    if not data.startswith(b"SSH-"):
        return None
    end = data.find(b"\n", 0, _MAX_BANNER + 2)
    line = data[: end if end >= 0 else _MAX_BANNER]
    return line.rstrip(b"\r").decode("utf-8", "backslashreplace")


def _name_list(body: bytes, pos: int) -> tuple[list[str], int]:
    (length,) = struct.unpack_from("!I", body, pos)
    raw = body[pos + 4 : pos + 4 + length]
    if len(raw) < length:
        raise ValueError("name-list cut")
    names = raw.decode("ascii", "replace").split(",") if raw else []
    return names, pos + 4 + length


def parse_kexinit(payload: bytes) -> KexInit | None:
    """KEXINIT payload (message code byte first) into its name-lists."""
    try:
        pos = 1 + 16  # code, cookie
        lists: list[list[str]] = []
        for _ in range(8):
            names, pos = _name_list(payload, pos)
            lists.append(names)
    except (struct.error, ValueError):
        return None
    return KexInit(*lists)


def parse_ssh_start(stream: bytes) -> SshStart:
    """Banner plus message codes of one direction's first bytes, up to NEWKEYS (after which
    everything is encrypted)."""
    result = SshStart(banner=parse_banner(stream))
    pos = 0
    if result.banner is not None:
        # Servers may send other lines before the banner; the client may not (RFC 4253 4.2).
        end = stream.find(b"\n")
        pos = end + 1 if end >= 0 else len(stream)
    while pos + 6 <= len(stream):
        length, padding = struct.unpack_from("!IB", stream, pos)
        if length < 5 or length > _MAX_PACKET or padding >= length:
            break  # not a cleartext binary packet
        if pos + 4 + length > len(stream):
            result.cut = True
            result.messages.append((stream[pos + 5], pos))
            break
        payload = stream[pos + 5 : pos + 4 + length - padding]
        if not payload:
            break
        code = payload[0]
        result.messages.append((code, pos))
        if code == MSG_KEXINIT and result.kexinit is None:
            result.kexinit = parse_kexinit(payload)
        pos += 4 + length
        if code == MSG_NEWKEYS:
            break
    return result


def negotiated_kex(client: KexInit | None, server: KexInit | None) -> str | None:
    """The key exchange both sides agree on: the client's first that the server supports."""
    if client is None or server is None:
        return None
    offered = set(server.kex)
    return next((name for name in client.kex if name in offered), None)


def message_name(code: int, kex: str | None) -> str:
    """Name of an SSH transport message. Codes 30-49 depend on the key-exchange method."""
    fixed = {
        1: "disconnect",
        2: "ignore",
        3: "unimplemented",
        4: "debug",
        5: "service_request",
        6: "service_accept",
        7: "ext_info",
        MSG_KEXINIT: "kexinit",
        MSG_NEWKEYS: "newkeys",
    }
    if code in fixed:
        return fixed[code]
    method = kex or ""
    if method.startswith("diffie-hellman-group-exchange"):
        gex = {
            30: "kex_dh_gex_request_old",
            31: "kex_dh_gex_group",
            32: "kex_dh_gex_init",
            33: "kex_dh_gex_reply",
            34: "kex_dh_gex_request",
        }
        return gex.get(code, f"msg_{code}")
    if method.startswith("diffie-hellman"):
        return {30: "kexdh_init", 31: "kexdh_reply"}.get(code, f"msg_{code}")
    # ECDH, curve25519 and the hybrid post-quantum methods share codes 30/31 (RFC 5656).
    return {30: "kex_ecdh_init", 31: "kex_ecdh_reply"}.get(code, f"msg_{code}")
