"""The collect command: live syslog into the store, alerts as they arrive, until stopped."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from seawall.collect import CollectOptions, Collector, LineParser, ListenerSpec
from seawall.config import load_config
from seawall.detect.base import DetectContext
from seawall.records.alerts import Alert

STOP_POLL_SECONDS = 0.5


def collect(
    syslog: Sequence[str],
    *,
    stop: threading.Event,
    store_dir: str = ".seawall",
    config_path: str | None = None,
    profile: str = "default",
    options: CollectOptions | None = None,
    detectors: Sequence[str] | None = None,
    timezones: Mapping[str, str] | None = None,
    on_ready: Callable[[list[ListenerSpec], list[str]], None] | None = None,
    on_alert: Callable[[Alert], None] | None = None,
    on_stats: Callable[[dict[str, Any]], None] | None = None,
    on_error: Callable[[str], None] | None = None,
    parser: LineParser | None = None,
) -> dict[str, Any]:
    """Listen on ``syslog`` (``udp://HOST:PORT``, ``tcp://HOST:PORT``) until ``stop`` is set;
    then flush what was received and return the summary (received, parsed, unknown, junk,
    oversize, dropped per transport, alerts). ``on_ready`` gets the bound listeners and the
    detectors that will run; the callbacks run on the collector's threads."""
    config = load_config(config_path)
    ctx = DetectContext(profile=profile, network=config.network, overrides=config.thresholds)
    collector = Collector(
        syslog,
        store_dir=store_dir,
        options=options,
        ctx=ctx,
        detectors=detectors,
        parser=parser,
        timezones=timezones,
        on_alert=on_alert,
        on_stats=on_stats,
        on_error=on_error,
    )
    collector.start()
    try:
        if on_ready:
            on_ready(collector.listeners, list(collector.detectors))
        while not stop.wait(STOP_POLL_SECONDS):
            pass
    finally:
        summary = collector.stop()
    return summary
