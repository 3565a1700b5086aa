"""JunOS and other RFC 5424 / BSD program messages.

JunOS writes ``TAG: text`` after a BSD header (``mgd[123]: UI_CMDLINE_READ_LINE: User
'admin', command 'show version'``) or, in structured-data mode, RFC 5424 with the tag as
MSGID and the fields as parameters (``sshd - SSHD_LOGIN_FAILED [junos@2636.1.1.1.2.18
username="root" source-address="10.1.1.1"]``). Both end in the same record; parameters fill
fields directly, the text patterns of ``actions.JUNOS`` fill what the text holds.
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.sources.logs.actions import JUNOS, PLAIN
from seawall.sources.logs.columns import STR, Scatter, groups
from seawall.sources.logs.mapper import apply_mappings

# ``TAG: text`` at the start of a BSD message (the whole prefix, to cut the text after it).
TAG_PREFIX = r"^(?P<p>[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?::(?: +|$)|$))"
# Structured-data parameter -> LOG column (any SD-ID; JunOS uses junos@2636...).
SD_PARAMS = {
    "username": "user.name",
    "source-address": "source.ip",
    "source-port": "source.port",
    "destination-address": "destination.ip",
    "destination-port": "destination.port",
    "interface-name": "interface.name",
    "command": "process.command_line",
}
JUNOS_DAEMONS = frozenset(
    [
        "mgd",
        "rpd",
        "kmd",
        "iked",
        "snmpd",
        "mib2d",
        "chassisd",
        "dcd",
        "eventd",
        "dot1xd",
        "sshd",
        "cli",
        "login",
        "inetd",
        "ppmd",
        "bfdd",
        "l2ald",
        "lacpd",
        "alarmd",
        "craftd",
        "pfed",
        "xntpd",
        "ntpd",
        "RT_FLOW",
        "RT_IDS",
        "RT_UTM",
        "junos-ids",
        "junos-flow",
    ]
)


@functools.lru_cache(maxsize=65536)
def junos_keys(key: str | None) -> tuple[str, ...]:
    """``TAG|app`` -> the tag, its prefixes (``KMD_*``), ``app:NAME`` and ``*``."""
    tag, _, app = (key or "").partition("|")
    keys = ["*"]
    if app:
        keys.append(f"app:{app}")
    if tag:
        keys.append(tag)
        pieces = tag.split("_")
        keys += ["_".join(pieces[:i]) + "_*" for i in range(1, len(pieces))]
    return tuple(keys)


def _key(tags: pa.Array, apps: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(pc.fill_null(tags, ""), pc.fill_null(apps, ""), "|")


def sd_fields(out: Scatter, rows: np.ndarray, sd: pa.Array) -> None:
    """Fields from structured-data parameters (rows without SD are skipped)."""
    has = sd.is_valid().to_numpy(zero_copy_only=False)
    if not has.any():
        return
    text = sd.filter(pa.array(has))
    where = rows[has]
    for param, column in SD_PARAMS.items():
        present = pc.match_substring(text, f'{param}="').to_numpy(zero_copy_only=False)
        if not present.any():
            continue
        found = pc.extract_regex(
            text.filter(pa.array(present)), rf'[\[ ]{param}="(?P<v>(?:[^"\\]|\\.)*)"'
        )
        value = groups(found, "v")["v"]
        # JunOS writes N/A for a field it does not have.
        value = pc.if_else(pc.equal(value, "N/A"), pa.scalar(None, STR), value)
        out.put(column, where[present], value)


def handle_structured(
    out: Scatter,
    rows: np.ndarray,
    app: pa.Array,
    msgid: pa.Array,
    sd: pa.Array,
    message: pa.Array,
) -> None:
    """RFC 5424 lines (MSGID as tag, SD parameters as fields)."""
    tag = pc.if_else(
        pc.fill_null(pc.match_substring_regex(msgid, r"^[A-Z][A-Z0-9_]+$"), False),
        msgid,
        pa.scalar(None, STR),
    )
    junos = pc.or_(
        pc.fill_null(pc.match_substring(sd, "junos@"), False),
        pc.or_(
            tag.is_valid(),
            pc.fill_null(pc.is_in(app, value_set=pa.array(sorted(JUNOS_DAEMONS), type=STR)), False),
        ),
    )
    out.put("log.format", rows, pc.if_else(junos, "junos", "rfc5424"))
    out.put("event.code", rows, pc.coalesce(tag, msgid))
    out.put("log.syslog.appname", rows, app)
    out.put("message", rows, message)
    apply_mappings(JUNOS, junos_keys, _key(tag, app), message, rows, out)
    sd_fields(out, rows, sd)


def handle_tagged(
    out: Scatter, rows: np.ndarray, tags: pa.Array, text: pa.Array, app: pa.Array
) -> None:
    """BSD lines whose message starts with a JunOS-style tag (``TAG: text``)."""
    out.put("log.format", rows, pa.array(np.full(len(rows), "junos"), type=STR))
    out.put("event.code", rows, tags)
    out.put("message", rows, text)
    apply_mappings(JUNOS, junos_keys, _key(tags, app), text, rows, out)


def handle_plain(
    out: Scatter, rows: np.ndarray, text: pa.Array, app: pa.Array, formats: pa.Array
) -> None:
    """Any other syslog line: recognised framing, text kept, OpenSSH logins read."""
    out.put("log.format", rows, formats)
    out.put("message", rows, text)
    apply_mappings(PLAIN, junos_keys, _key(pa.nulls(len(rows), STR), app), text, rows, out)
