"""The collector on real loopback sockets, with a stand-in parser (see collect_helpers).

Covers delivery over UDP and TCP (both framings, many connections), junk and oversize
counting, overload (drops counted per transport, collection goes on) and the flush on stop.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from pathlib import Path

import pytest
from collect_helpers import octet, port_of, prefix_parser, send_tcp, send_udp, wait_for

from seawall.collect import CollectOptions, Collector, parse_listener
from seawall.errors import ConfigError
from seawall.store import EmbeddedStore

LISTENERS = ["udp://127.0.0.1:0", "tcp://127.0.0.1:0"]


def collector(store: Path, **options: object) -> Collector:
    opts = CollectOptions(batch_seconds=3600, stats_seconds=0)
    for key, value in options.items():
        setattr(opts, key, value)
    return Collector(
        LISTENERS, store_dir=str(store), options=opts, parser=prefix_parser, detectors=[]
    )


def stored(store: Path, sql: str) -> list[tuple[object, ...]]:
    with EmbeddedStore(store) as db:
        return [tuple(row.values()) for row in db.query(sql).to_pylist()]


def line(n: int, tag: str = "m") -> bytes:
    return b"<189>%d: r1: *Jun  1 10:00:%02d: %%SYS-5-CONFIG_I: %s %d" % (
        n,
        n % 60,
        tag.encode(),
        n,
    )


@pytest.mark.parametrize("in_process", [False, True], ids=["receiver-process", "threads"])
def test_udp_datagrams_reach_the_store(tmp_path: Path, in_process: bool) -> None:
    coll = collector(tmp_path, receiver_process=not in_process).start()
    port = port_of(coll, "udp")
    endings = [b"", b"\n", b"\r\n", b"\x00"]
    send_udp(port, [line(n) + endings[n % 4] for n in range(40)], pace=10)
    assert wait_for(lambda: coll.stats()["received"] == 40)
    summary = coll.stop()
    assert (summary["received"], summary["parsed"], summary["dropped"]) == (40, 40, 0)
    rows = stored(
        tmp_path,
        'SELECT "input.file", "input.line", "log.source.address", "event.original" '
        'FROM log ORDER BY "input.line"',
    )
    assert len(rows) == 40
    assert {r[0] for r in rows} == {rows[0][0]}
    assert str(rows[0][0]).startswith(f"live:udp:127.0.0.1:{port}:")
    assert [r[1] for r in rows] == list(range(1, 41))
    assert {r[2] for r in rows} == {"127.0.0.1"}
    assert {r[3] for r in rows} == {line(n).decode() for n in range(40)}
    # Lines without a time of their own (this parser reads none) carry their arrival time.
    assert stored(tmp_path, 'SELECT count(*) FROM log WHERE "event.start" IS NULL') == [(0,)]


def test_tcp_both_framings_over_many_concurrent_connections(tmp_path: Path) -> None:
    coll = collector(tmp_path).start()
    port = port_of(coll, "tcp")

    def client(k: int) -> None:
        framings = [
            octet(line(n, f"c{k}")) if n % 2 else line(n, f"c{k}") + b"\n" for n in range(10)
        ]
        send_tcp(port, b"".join(framings), chunk=7 + k)  # frames cut across writes

    threads = [threading.Thread(target=client, args=(k,)) for k in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wait_for(lambda: coll.stats()["received"] == 250)
    summary = coll.stop()
    tcp = summary["transports"]["tcp"]
    assert (tcp["connections"], tcp["octet_frames"], tcp["line_frames"]) == (25, 125, 125)
    assert tcp["open_connections"] == 0
    assert stored(tmp_path, "SELECT count(*) FROM log") == [(250,)]
    assert stored(
        tmp_path, "SELECT count(DISTINCT message) FROM log WHERE message LIKE '%c24 9'"
    ) == [(1,)]


def test_junk_and_oversize_are_counted_and_skipped(tmp_path: Path) -> None:
    coll = collector(tmp_path, max_message=512).start()
    udp, tcp = port_of(coll, "udp"), port_of(coll, "tcp")
    send_udp(
        udp,
        [
            line(1),
            bytes.fromhex("16030100c4010000c00303") + bytes(range(32)),  # binary junk
            b"<13>" + b"x" * 2000,  # oversize
            line(2),
        ],
    )
    # One connection: junk, an oversize octet frame, an oversize line, then good frames;
    # the connection survives all of it.
    send_tcp(
        tcp,
        octet(line(3))
        + b"\x00\x01\x02\xff\xfe"
        + octet(b"<13>" + b"y" * 4000)
        + b"<13>"
        + b"z" * 3000
        + b"\n"
        + octet(line(4))
        + line(5)
        + b"\n",
        chunk=256,
    )
    assert wait_for(lambda: coll.stats()["parsed"] + coll.stats()["queued"] >= 5)
    assert wait_for(lambda: coll.stats()["transports"]["tcp"]["open_connections"] == 0)
    summary = coll.stop()
    assert summary["transports"]["udp"]["junk"] == 1
    assert summary["transports"]["udp"]["oversize"] == 1
    assert summary["transports"]["tcp"]["junk"] == 1
    assert summary["transports"]["tcp"]["oversize"] == 2
    assert (summary["junk"], summary["oversize"], summary["parsed"]) == (2, 3, 5)
    assert stored(tmp_path, "SELECT count(*) FROM log") == [(5,)]


@pytest.mark.parametrize("in_process", [False, True], ids=["receiver-process", "threads"])
def test_overload_counts_drops_per_transport_and_keeps_running(
    tmp_path: Path, in_process: bool
) -> None:
    coll = collector(
        tmp_path, queue_size=10, batch_seconds=0.3, receiver_process=not in_process
    ).start()
    udp, tcp = port_of(coll, "udp"), port_of(coll, "tcp")
    send_udp(udp, [line(n, "burst") for n in range(300)], pace=50)
    send_tcp(tcp, b"".join(line(n, "burst") + b"\n" for n in range(300)))
    assert wait_for(lambda: coll.stats()["received"] == 600)
    during = coll.stats()
    assert during["dropped_by_transport"]["udp"] > 0
    assert during["dropped_by_transport"]["tcp"] > 0
    assert during["dropped"] == during["received"] - during["queued"]
    # Once the batcher has caught up, messages are taken again.
    assert wait_for(lambda: coll.stats()["waiting"] == 0 and coll.stats()["batcher"]["batches"])
    send_udp(udp, [line(n, "after") for n in range(5)])
    assert wait_for(lambda: coll.stats()["received"] == 605)
    summary = coll.stop()
    assert summary["dropped"] == during["dropped"]
    assert summary["queued"] == summary["parsed"] == 605 - summary["dropped"]
    assert stored(tmp_path, "SELECT count(*) FROM log WHERE message LIKE '%after%'") == [(5,)]
    assert stored(tmp_path, "SELECT count(*) FROM log") == [(summary["queued"],)]


@pytest.mark.parametrize("in_process", [False, True], ids=["receiver-process", "threads"])
def test_stop_flushes_everything_received(tmp_path: Path, in_process: bool) -> None:
    # Batches every hour: only the stop writes.
    coll = collector(tmp_path, receiver_process=not in_process).start()
    udp, tcp = port_of(coll, "udp"), port_of(coll, "tcp")
    send_udp(udp, [line(n, "udp") for n in range(150)] + [b"no PRI here"], pace=25)
    send_tcp(tcp, b"".join(octet(line(n, "tcp")) for n in range(150)) + b"no PRI either")
    assert wait_for(lambda: coll.stats()["received"] == 302)
    assert stored(tmp_path, "SELECT count(*) FROM log") == [(0,)]
    summary = coll.stop()
    assert (summary["parsed"], summary["unknown"], summary["dropped"]) == (300, 2, 0)
    assert summary["batcher"]["errors"] == 0
    assert summary["unknown_by_sender"] == {"127.0.0.1": 2}
    assert stored(
        tmp_path,
        "SELECT split_part(\"input.file\", ':', 2), count(*) FROM log GROUP BY 1 ORDER BY 1",
    ) == [("tcp", 150), ("udp", 150)]
    with EmbeddedStore(tmp_path) as db:
        inputs = db.inputs()
        assert sorted(i.units_read for i in inputs) == [151, 151]
        issue_lines = sorted(
            (i.path.split(":")[1], issue.location.line)
            for i in inputs
            for issue in db.stored_issues(i.sha256)
        )
    # The unknown line is numbered where it sits in its stored batch.
    assert issue_lines == [("tcp", 151), ("udp", 151)]
    assert coll.stop() is summary  # idempotent


def test_listener_errors_say_what_to_do(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        coll = Collector(
            [f"tcp://127.0.0.1:{port}"],
            store_dir=str(tmp_path),
            parser=prefix_parser,
            detectors=[],
        )
        with pytest.raises(ConfigError, match=f"cannot listen on tcp://127.0.0.1:{port}.*port"):
            coll.start()
    for bad, why in [
        ("syslog://0.0.0.0:514", "unknown transport"),
        ("udp://0.0.0.0", "missing port"),
        ("tcp://router1:514", "not an IP address"),
        ("udp://0.0.0.0:70000", "port must be"),
    ]:
        with pytest.raises(ConfigError, match=why):
            parse_listener(bad)
    assert str(parse_listener("udp://[::]:5514")) == "udp://[::]:5514"
    with pytest.raises(ConfigError, match="no detector named nope"):
        Collector(
            LISTENERS, store_dir=str(tmp_path), parser=prefix_parser, detectors=["nope"]
        ).start()


def test_a_dead_receiver_process_is_reported_and_stop_still_works(tmp_path: Path) -> None:
    errors: list[str] = []
    coll = Collector(
        LISTENERS,
        store_dir=str(tmp_path),
        options=CollectOptions(batch_seconds=0.1, stats_seconds=0),
        parser=prefix_parser,
        detectors=[],
        on_error=errors.append,
    ).start()
    send_udp(port_of(coll, "udp"), [line(1)])
    assert wait_for(lambda: coll.stats()["parsed"] == 1)
    pid = coll.receiver_pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: coll.stats()["receiver_failure"] is not None)
    summary = coll.stop()
    assert summary["parsed"] == 1
    assert "restart the collector" in summary["receiver_failure"]
    assert errors and "receiver process went away" in errors[0]
