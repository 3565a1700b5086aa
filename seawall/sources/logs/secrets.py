"""Secrets typed into devices must not be stored from their logs either.

Command accounting and archive logging record what an administrator typed, and that includes
`username x secret 0 ...`, `snmp-server community ...` or `tacacs-server key ...`. The same
redaction as for configurations is applied to the stored text columns; the secret's type
stays, so rules that look for weak types still see it. Only rows that carry a command whose
text mentions a secret word (one RE2 pass) are redacted, in each text column: the prose of
other messages ("No MD5 digest from ...", "password change failed") is not a secret and is
kept as the device wrote it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.sources.configs.redact import redact_line

TEXT_COLUMNS = ("event.original", "message", "process.command_line")
# The words every redaction pattern needs (see seawall.sources.configs.redact._TRIGGERS).
_CANDIDATE = (
    r"(?i)(pass|secret|key|md5|communit|hash|auth\s|auth-|priv\s|://|snmp-server host|rmon)"
)


def redact_secrets(table: pa.Table) -> pa.Table:
    """``table`` with secret values masked in the text of rows that carry a command."""
    if table.num_rows == 0:
        return table
    command = table["process.command_line"]
    hits = pc.fill_null(pc.match_substring_regex(command, _CANDIDATE), False)
    rows = np.flatnonzero(np.asarray(hits.to_numpy(zero_copy_only=False), dtype=bool))
    if len(rows) == 0:
        return table
    # Only the candidate rows go through Python; the column is rebuilt from slices around
    # the masked values (a memcpy, far cheaper than a take or a whole-column to_pylist).
    picked = pa.array(rows)
    for name in TEXT_COLUMNS:
        column = table[name]
        values = column.take(picked).to_pylist()
        changed: list[tuple[int, str]] = []
        for row, text in zip(rows.tolist(), values, strict=True):
            if text:
                masked = redact_line(text)
                if masked != text:
                    changed.append((row, masked))
        if changed:
            index = table.column_names.index(name)
            table = table.set_column(index, name, _replaced(column, changed))
    return table


def _replaced(column: pa.ChunkedArray, changed: list[tuple[int, str]]) -> pa.Array:
    """``column`` with the values at the (ascending) rows of ``changed`` replaced."""
    whole = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    pieces = []
    done = 0
    for row, text in changed:
        pieces.append(whole.slice(done, row - done))
        pieces.append(pa.array([text], type=whole.type))
        done = row + 1
    pieces.append(whole.slice(done))
    return pa.concat_arrays(pieces)
