"""The log source: recognised by content (never confused with configurations, either way),
gzip files, the file's year for stamps without one, and a hunt over the corpus logs."""

from __future__ import annotations

import gzip
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.compute as pc

from seawall.commands.hunt import hunt
from seawall.sources import identify, read_file, walk
from seawall.sources.base import SourceOptions
from seawall.sources.configs.source import ConfigSource
from seawall.sources.logs.source import LogSource
from seawall.store import EmbeddedStore

DATA = Path(__file__).parents[2] / "data"
LOGS = DATA / "logs"
CONFIGS = DATA / "configs"

IOS_LINES = [
    "Mar  1 10:00:01 10.0.0.1 101: Mar  1 10:00:01.100 UTC: %SYS-5-CONFIG_I: Configured from "
    "console by admin on vty0 (192.0.2.10)",
    "Mar  1 10:00:02 10.0.0.1 102: Mar  1 10:00:02.200 UTC: %SEC_LOGIN-5-LOGIN_SUCCESS: Login "
    "Success [user: admin] [Source: 192.0.2.10] [localport: 22022] at 10:00:02 UTC Fri Mar 1 "
    "2024",
]


def test_every_corpus_log_is_a_log_and_no_config_is() -> None:
    logs = list(walk([str(LOGS)]))
    assert logs and all(getattr(identify(p), "name", None) == "log" for p in logs)
    configs = list(walk([str(CONFIGS)]))
    assert len(configs) > 100
    wrong = [p for p in configs if getattr(identify(p), "name", None) == "log"]
    assert wrong == []
    # every file the config reader recognises on its own is still identified as a config
    reader = ConfigSource()
    for path in configs:
        head = Path(path).read_bytes()[:8192]
        if reader.sniff(head, path):
            assert getattr(identify(path), "name", None) == "config", path


def test_config_lines_are_not_log_lines() -> None:
    head = (CONFIGS / "cisco_ios").iterdir().__next__().read_bytes()[:8192]
    assert not LogSource().sniff(head, "x.cfg")
    assert not LogSource().sniff(b"hostname r1\ninterface Loopback0\n ip address 1.1.1.1\n", "")
    assert not LogSource().sniff(b"", "empty")
    assert not LogSource().sniff(b"\x00\x01\x02binary\n", "bin")


def test_gzip_log(tmp_path: Path) -> None:
    path = tmp_path / "router.log.gz"
    path.write_bytes(gzip.compress(("\n".join(IOS_LINES) + "\n").encode()))
    assert getattr(identify(str(path)), "name", None) == "log"
    result = read_file(str(path))
    table = result.tables["log"]
    assert result.source == "log" and result.unit == "lines" and result.units_read == 2
    assert table["destination.port"].to_pylist() == [None, 22022]
    assert table["input.line"].to_pylist() == [1, 2]


def test_crlf_and_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "crlf.log"
    path.write_bytes(
        (IOS_LINES[0] + "\r\n").encode() + b"\xff\xfe junk \x80\r\n" + IOS_LINES[1].encode()
    )
    result = read_file(str(path))
    table = result.tables["log"]
    assert table.num_rows == 2 and table["input.line"].to_pylist() == [1, 3]
    assert not table["event.original"][0].as_py().endswith("\r")
    lines = sorted(i.location.line for i in result.issues if i.location.line is not None)
    assert lines == [2, 2]  # the bytes replaced, then the line not understood
    assert result.stats["unknown_lines"] == 1


def test_year_from_file_time_and_new_year(tmp_path: Path) -> None:
    path = tmp_path / "spanning.log"
    path.write_text(
        "Dec 31 23:59:58 10.0.0.1 1: Dec 31 23:59:58.000 UTC: %SYS-5-CONFIG_I: Configured from "
        "console by admin on vty0 (192.0.2.1)\n"
        "Jan  1 00:00:03 10.0.0.1 2: Jan  1 00:00:03.000 UTC: %SYS-5-CONFIG_I: Configured from "
        "console by admin on vty0 (192.0.2.1)\n"
    )
    written = datetime(2023, 1, 1, 6, 0, tzinfo=UTC).timestamp()
    os.utime(path, (written, written))
    table = LogSource().read(str(path), SourceOptions()).tables["log"]
    starts = [t.isoformat() for t in table["event.start"].to_pylist()]
    # the file was written on 1 January 2023: the December line is from 2022
    assert starts == ["2022-12-31T23:59:58+00:00", "2023-01-01T00:00:03+00:00"]


def test_hunt_stores_log_records_and_counts_unknown_lines(tmp_path: Path) -> None:
    inputs = tmp_path / "logs"
    shutil.copytree(LOGS, inputs)
    junk = inputs / "cisco_ios" / "with_junk.log"
    lines = [IOS_LINES[0], "%%% not a log line", IOS_LINES[1], IOS_LINES[0], "??"]
    junk.write_text("\n".join(lines) + "\n")
    store = tmp_path / "store"
    report = hunt([str(inputs)], store_dir=str(store))
    summary = report.summary()
    assert summary["files"] == 20 and summary["files_skipped"] == 0
    assert summary["records"]["log"] == 702 + 3
    assert summary["parse_errors_skipped"] == 2
    junk_file = next(f for f in report.files if f.path == str(junk))
    assert [i.location.line for i in junk_file.issues] == [2, 5]
    assert all("not a recognised device log line" in i.reason for i in junk_file.issues)
    with EmbeddedStore(str(store)) as opened:
        counts = opened.query(
            'SELECT "event.action" AS a, count(*) AS n FROM log GROUP BY 1 ORDER BY 1'
        ).to_pylist()
        stored = {row["a"]: row["n"] for row in counts}
        assert sum(stored.values()) == 705
        assert stored["command"] == 4  # CFGLOG, ISE CmdAV, two NX-OS accounting updates
        commands = opened.query(
            'SELECT "process.command_line" AS c FROM log WHERE "event.action" = \'command\' '
            "ORDER BY 1"
        )
        assert pc.count(commands["c"]).as_py() == 4
