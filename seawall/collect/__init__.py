"""Live collection: syslog over UDP and TCP into the store, log rules on every batch."""

from seawall.collect.batcher import BatchOptions, LineParser
from seawall.collect.framing import DEFAULT_MAX_MESSAGE, FrameCounters, TcpFramer, frame_text
from seawall.collect.listeners import ListenerSpec, parse_listener
from seawall.collect.runner import LOG_DETECTORS, CollectOptions, Collector, select_detectors

__all__ = [
    "DEFAULT_MAX_MESSAGE",
    "LOG_DETECTORS",
    "BatchOptions",
    "CollectOptions",
    "Collector",
    "FrameCounters",
    "LineParser",
    "ListenerSpec",
    "TcpFramer",
    "frame_text",
    "parse_listener",
    "select_detectors",
]
