"""The collect command function: runs until its stop event, reports stats, returns the
summary after the flush; the render helpers the CLI prints with."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from collect_helpers import prefix_parser, send_udp, wait_for

from seawall import commands
from seawall.collect import CollectOptions, ListenerSpec
from seawall.collect.render import stats_line, summary_lines


def test_collect_runs_until_stopped_and_returns_the_summary(tmp_path: Path) -> None:
    stop = threading.Event()
    ready: list[ListenerSpec] = []
    stats: list[dict[str, Any]] = []
    result: dict[str, Any] = {}

    def run() -> None:
        result.update(
            commands.collect(
                ["udp://127.0.0.1:0", "tcp://127.0.0.1:0"],
                stop=stop,
                store_dir=str(tmp_path),
                options=CollectOptions(batch_seconds=0.1, stats_seconds=0.1, queue_size=50),
                detectors=[],
                on_ready=lambda bound, _detectors: ready.extend(bound),
                on_stats=stats.append,
                parser=prefix_parser,
            )
        )

    thread = threading.Thread(target=run)
    thread.start()
    assert wait_for(lambda: len(ready) == 2)
    assert all(spec.port for spec in ready)
    send_udp(ready[0].port, [b"<13>r1 one", b"not syslog", b"\x00\x01\x02"])
    assert wait_for(lambda: any(s["parsed"] == 1 for s in stats))
    stop.set()
    thread.join(10)
    assert not thread.is_alive()
    assert (result["received"], result["parsed"], result["unknown"], result["junk"]) == (3, 1, 1, 1)
    line = stats_line(result)
    assert "received 3 parsed 1 unknown 1 junk 1 oversize 0 dropped 0 (tcp 0, udp 0)" in line
    text = "\n".join(summary_lines(result))
    assert "unknown lines from 127.0.0.1: 1" in text
    assert "no log detector ran" in text
