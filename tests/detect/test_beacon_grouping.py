"""The beacon detector's sorting shortcuts give exactly what a plain lexsort would."""

from __future__ import annotations

import numpy as np
import pytest

from seawall.detect.traffic.beacon_columns import regroup, runs, time_order
from seawall.detect.traffic.beacon_stats import (
    robust_stats,
    segment_bounds,
    sort_within_groups,
    time_grid,
)


@pytest.mark.parametrize("seed", range(6))
def test_regroup_of_time_order_is_a_stable_lexsort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 5_000
    micros = 1_700_000_000_000_000 + rng.integers(0, 600, n) * 1_000_000  # many equal times
    key = rng.integers(0, [3, 300, 70_000, 2**33, 2**40, 2**50][seed], n)
    order = regroup(time_order(micros), key)
    expected = np.lexsort((np.arange(n), micros, key))
    assert np.array_equal(order, expected)
    starts, lengths = runs(key[order])
    assert lengths.sum() == n and len(starts) == len(np.unique(key))


def test_time_order_of_sorted_and_of_wide_times() -> None:
    assert np.array_equal(time_order(np.array([1, 1, 2, 5])), [0, 1, 2, 3])
    wide = np.array([2**62, -(2**62), 0, 2**62])  # range too wide to pack with row numbers
    assert np.array_equal(time_order(wide), [1, 2, 0, 3])


@pytest.mark.parametrize("kind", ["bytes", "intervals", "negative", "ties"])
def test_sort_within_groups_matches_lexsort(kind: str) -> None:
    rng = np.random.default_rng(11)
    n, n_groups = 4_000, 300
    groups = rng.integers(0, n_groups, n)
    grid = None
    if kind == "bytes":
        values = rng.integers(0, 2**31, n).astype(np.float64)
    elif kind == "intervals":
        times = np.round((1.7e9 + rng.uniform(0, 86_400, n)) * 1e6) / 1e6
        values = np.abs(times - np.roll(times, 1)) + 1e-6
        values = np.abs((times + values) - times)  # differences of epoch floats
        grid = time_grid(times)
    elif kind == "negative":
        values = rng.normal(0, 50, n)
    else:
        values = rng.integers(0, 4, n).astype(np.float64)
    ordered, ordered_groups = sort_within_groups(values, groups, n_groups, grid)
    expected = np.lexsort((values, groups))
    assert np.array_equal(ordered, values[expected])
    assert np.array_equal(ordered_groups, groups[expected])


@pytest.mark.parametrize("high", [3, 20, 10_000])
def test_mad_and_quartiles_with_ties_match_numpy(high: int) -> None:
    rng = np.random.default_rng(high)
    groups = np.sort(rng.integers(0, 200, 6_000))
    values = rng.integers(0, high, 6_000).astype(np.float64)
    stats = robust_stats(values, groups, 200, min_iqr=0.0, small_median_score=1.0)
    _, lengths = segment_bounds(groups, 200)
    for g in range(200):
        v = values[groups == g]
        if v.size == 0:
            assert np.isnan(stats.median[g]) and np.isnan(stats.mad[g])
            continue
        assert stats.median[g] == np.median(v)
        assert stats.mad[g] == np.median(np.abs(v - np.median(v)))
    assert np.array_equal(stats.count, lengths)
