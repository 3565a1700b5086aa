"""The batcher without sockets: idempotent batches, the sliding window, alerts once."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.compute as pc
import pytest
from collect_helpers import prefix_parser

from seawall.collect.alerts import AlertTracker
from seawall.collect.batcher import Batcher, BatchOptions
from seawall.collect.handoff import HandOff, Pending
from seawall.collect.listeners import parse_listener
from seawall.detect.base import REGISTRY, DetectContext, DetectorSpec, RecordTables
from seawall.records.alerts import Alert
from seawall.store import EmbeddedStore

UDP = parse_listener("udp://127.0.0.1:5514")
TCP = parse_listener("tcp://127.0.0.1:5514")


def batcher(
    store: Path, window: float = 600.0, detectors: tuple[str, ...] = (), pause: float = 0.0
) -> Batcher:
    seen: list[Alert] = []
    made = Batcher(
        handoff=HandOff(1000, 1000),
        listeners=[UDP, TCP],
        store_dir=str(store),
        parser=prefix_parser,
        ctx=DetectContext(),
        detectors=list(detectors),
        options=BatchOptions(window_seconds=window, detect_pause_ratio=pause),
        on_alert=seen.append,
    )
    made.seen = seen  # type: ignore[attr-defined]
    return made


def messages(*texts: str, listener: int = 0, sender: str = "192.0.2.1") -> Pending:
    now = time.time()
    n = len(texts)
    return Pending([listener] * n, [sender] * n, list(texts), [now + i / 1000 for i in range(n)])


def joined(*parts: Pending) -> Pending:
    out = Pending()
    for part in parts:
        out.listeners += part.listeners
        out.senders += part.senders
        out.texts += part.texts
        out.received += part.received
    return out


def test_same_batch_twice_is_stored_once(tmp_path: Path) -> None:
    # Arrival order interleaves the senders.
    batch = joined(
        messages("<13>a"), messages("<13>c", sender="192.0.2.2"), messages("<13>b", "junk line")
    )
    with EmbeddedStore(tmp_path) as store:
        first = batcher(tmp_path)
        first.process(batch, store)
        again = batcher(tmp_path)  # a re-run receiving the very same messages
        again.process(batch, store)
        assert (first.counters.stored_inputs, again.counters.duplicate_batches) == (1, 1)
        assert store.query("SELECT count(*) AS n FROM log").to_pylist() == [{"n": 3}]
        # Lines numbered in arrival order; each record names its sender.
        rows = store.query(
            'SELECT "input.line" AS line, "log.source.address" AS sender, message FROM log '
            'ORDER BY "input.line"'
        ).to_pylist()
    assert [(r["line"], r["sender"], r["message"]) for r in rows] == [
        (1, "192.0.2.1", "<13>a"),
        (2, "192.0.2.2", "<13>c"),
        (3, "192.0.2.1", "<13>b"),
    ]
    assert first.counters.unknown_by_sender == {"192.0.2.1": 1}


def test_one_input_per_listener(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        run = batcher(tmp_path)
        run.process(joined(messages("<13>u1", "<13>u2"), messages("<13>t1", listener=1)), store)
        names = sorted(i.path.rsplit(":", 3)[0] for i in store.inputs())
    assert names == ["live:tcp:127.0.0.1:5514", "live:udp:127.0.0.1:5514"]


def _probe(tables: RecordTables, ctx: DetectContext) -> list[Alert]:
    """Fires when the window holds both halves of a sequence, whatever batch each came in."""
    logs = tables.logs
    first = logs.filter(pc.match_substring(logs["message"], "step1"))
    second = logs.filter(pc.match_substring(logs["message"], "step2"))
    if not first.num_rows or not second.num_rows:
        return []
    start = pc.min(first["event.start"]).as_py()
    return [
        Alert(
            detector="probe",
            rule_id="probe.sequence",
            title="step1 then step2",
            severity="high",
            attack=[],
            entities={"device": "r1"},
            first_seen=start,
            last_seen=pc.max(second["event.start"]).as_py(),
            explanation="both steps in the window",
        )
    ]


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> str:
    spec = DetectorSpec(name="probe", fn=_probe, attack=(), description="test probe")
    monkeypatch.setitem(REGISTRY, "probe", spec)
    return "probe"


def test_rules_see_a_window_spanning_batches_and_alerts_come_once(
    tmp_path: Path, probe: str
) -> None:
    with EmbeddedStore(tmp_path) as store:
        run = batcher(tmp_path, detectors=(probe,))
        run.process(messages("<13>step1"), store)
        assert run.seen == []  # type: ignore[attr-defined]
        run.process(messages("<13>step2"), store)
        assert [a.rule_id for a in run.seen] == ["probe.sequence"]  # type: ignore[attr-defined]
        run.process(messages("<13>step2 again"), store)  # same alert, seen later
        assert len(run.seen) == 1  # type: ignore[attr-defined]
        alerts = store.alerts()
    assert [a["rule_id"] for a in alerts] == ["probe.sequence"]
    assert alerts[0]["id"] == run.seen[0].alert_id  # type: ignore[attr-defined]
    # Seen again later: the stored alert's last_seen moved on.
    assert alerts[0]["last_seen"] > alerts[0]["first_seen"]
    assert run.counters.alerts == 1


def test_events_leave_the_window(tmp_path: Path, probe: str) -> None:
    with EmbeddedStore(tmp_path) as store:
        run = batcher(tmp_path, window=0.2, detectors=(probe,))
        run.process(messages("<13>step1"), store)
        time.sleep(0.3)
        run.process(messages("<13>step2"), store)
    assert run.seen == []  # type: ignore[attr-defined]
    assert run.counters.window_rows == 1


def _alert(first: int, last: int, device: str = "r1") -> Alert:
    base = datetime(2024, 6, 1, 10, 0, tzinfo=UTC)
    return Alert(
        detector="probe",
        rule_id="probe.burst",
        title="burst",
        severity="medium",
        attack=[],
        entities={"device": device},
        first_seen=base + timedelta(seconds=first),
        last_seen=base + timedelta(seconds=last),
        explanation="burst",
    )


def test_alert_tracker_reports_each_finding_once() -> None:
    tracker = AlertTracker()
    new, save = tracker.update([_alert(0, 10)])
    assert len(new) == len(save) == 1
    original = new[0]
    # Same id, nothing later: nothing to do. Same id, later end: refreshed, not reported.
    assert tracker.update([_alert(0, 10)]) == ([], [])
    new, save = tracker.update([_alert(0, 20)])
    assert new == [] and [a.alert_id for a in save] == [original.alert_id]
    # The window cut the burst's start: another id, but a continuation of the reported one.
    new, save = tracker.update([_alert(15, 30)])
    assert new == [] and [a.alert_id for a in save] == [original.alert_id]
    assert save[0].last_seen == _alert(0, 30).last_seen
    # A burst starting after the reported one ended, or on another device, is new.
    new, _ = tracker.update([_alert(100, 110), _alert(15, 30, device="r2")])
    assert len(new) == 2
    assert (tracker.reported, tracker.continued) == (3, 1)


def _slow_probe(tables: RecordTables, ctx: DetectContext) -> list[Alert]:
    time.sleep(0.3)
    return _probe(tables, ctx)


def test_rules_pause_after_a_long_run_and_the_stop_evaluates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = DetectorSpec(name="slow_probe", fn=_slow_probe, attack=(), description="slow")
    monkeypatch.setitem(REGISTRY, "slow_probe", spec)
    with EmbeddedStore(tmp_path) as store:
        run = batcher(tmp_path, detectors=("slow_probe",), pause=1.0)
        run.process(messages("<13>step1"), store)  # rules run (0.3 s): pause 0.3 s
        run.process(messages("<13>step2"), store)  # stored, rules not yet
        assert run.seen == []  # type: ignore[attr-defined]
        assert store.query("SELECT count(*) AS n FROM log").to_pylist() == [{"n": 2}]
        run.detect_if_due(store, force=True)  # what the stop does
    assert [a.rule_id for a in run.seen] == ["probe.sequence"]  # type: ignore[attr-defined]
