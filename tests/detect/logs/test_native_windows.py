"""The column-wise sliding distinct count of ``distinct_count`` rules gives the same windows
as stepping through the rows one by one with a counter."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from seawall.detect.logs.native_kinds import _bursts, _distinct_bursts


def _stepwise(
    values: np.ndarray, ts: np.ndarray, window_us: int, threshold: int
) -> list[tuple[int, int]]:
    qualifying = []
    window: Counter[int] = Counter()
    start = 0
    for i in range(len(ts)):
        window[int(values[i])] += 1
        while ts[i] - ts[start] > window_us:
            left = int(values[start])
            window[left] -= 1
            if not window[left]:
                del window[left]
            start += 1
        if len(window) >= threshold:
            qualifying.append((start, i))
    return qualifying


@pytest.mark.parametrize("seed", range(40))
def test_column_wise_bursts_equal_stepwise(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    values = rng.integers(0, int(rng.integers(1, 40)), n).astype(np.int64)
    ts = np.sort(rng.integers(0, 5_000, n)).astype(np.int64)  # repeated times included
    window, threshold = int(rng.integers(0, 300)), int(rng.integers(1, 6))
    assert _distinct_bursts(values, ts, window, threshold) == _bursts(
        _stepwise(values, ts, window, threshold)
    )


def test_crafted_windows() -> None:
    # three devices within 10 units at positions 0..2; the last two rows are 100 later
    values = np.array([0, 1, 2, 0, 1], dtype=np.int64)
    ts = np.array([0, 5, 9, 109, 110], dtype=np.int64)
    assert _distinct_bursts(values, ts, 10, 3) == [(0, 2)]
    assert _distinct_bursts(values, ts, 10, 2) == [(0, 2), (3, 4)]
    assert _distinct_bursts(values, ts, 10, 4) == []
    assert _distinct_bursts(np.array([7], dtype=np.int64), np.array([0]), 10, 1) == [(0, 0)]
