"""Beacon scoring math, vectorized across groups (RITA v5 style, own implementation).

Input is one array of event times and one of sizes, sorted by group then time, with dense
group codes 0..G-1. Every statistic is computed for all groups at once with numpy: one sort
of the intervals and one of the sizes within their groups (group and value packed in one
int64 when the values allow it), then quantiles by index arithmetic on the sorted segments,
the MAD by a vectorized binary search over them (no second sort), bincount for histograms.

Sub-scores, each in [0, 1]:
- timestamp: mean of (1 - |Bowley skew|) and (median - MAD) / median of the inter-event intervals;
- data size: the same two statistics over the bytes sent per event;
- histogram: max of a coefficient-of-variation score (flat histogram of events per bin) and a
  bimodal-fit score (2-3 plateaus) over equal bins spanning the observation window;
- duration: max of coverage ((last - first) / window) and consistency (longest run of
  non-empty bins / an ideal run), only when enough bins have events.
The total is their weighted sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from seawall.detect.traffic.beacon_columns import group_order

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class ScoringParams:
    """The knobs of the scoring, read from the detector's thresholds."""

    min_unique_events: int = 4
    min_nonzero_intervals: int = 3
    min_size_samples: int = 3
    skew_min_iqr: float = 10.0
    histogram_bins: int = 24
    time_base_seconds: float = 86_400.0
    mode_sensitivity: float = 0.05
    bimodal_outlier_removal: int = 1
    bimodal_min_bins: int = 11
    bimodal_min_peak_events: int = 1
    duration_min_bins: int = 6
    duration_ideal_bins: int = 12
    weight_timestamp: float = 0.25
    weight_datasize: float = 0.25
    weight_duration: float = 0.25
    weight_histogram: float = 0.25

    @classmethod
    def from_thresholds(cls, thresholds: dict[str, Any]) -> ScoringParams:
        names = cls.__dataclass_fields__
        values = {name: thresholds[name] for name in names if name in thresholds}
        params = cls(**values)
        weights = (
            params.weight_timestamp,
            params.weight_datasize,
            params.weight_duration,
            params.weight_histogram,
        )
        if any(w < 0 for w in weights) or abs(sum(weights) - 1.0) > 1e-6:
            raise ValueError(
                f"beacon score weights must be >= 0 and sum to 1, got {weights}; "
                "fix weight_* in the beacon profile or overrides"
            )
        if params.histogram_bins < 1:
            raise ValueError("histogram_bins must be at least 1")
        return params


@dataclass(slots=True)
class RobustStats:
    """Per-group median, quartiles, MAD and Bowley skew (NaN where a group has no values)."""

    count: IntArray
    median: FloatArray
    mad: FloatArray
    skew: FloatArray
    skew_score: FloatArray
    mad_score: FloatArray

    @property
    def score(self) -> FloatArray:
        return np.round((self.skew_score + self.mad_score) / 2.0, 3)


@dataclass(slots=True)
class GroupScores:
    """Every statistic behind the verdict, one entry per group."""

    events: IntArray  # events in the group (after retry merging)
    unique_events: IntArray  # distinct event times
    eligible: BoolArray  # enough events, intervals and sizes to be scored
    first: FloatArray  # first / last event time (epoch seconds)
    last: FloatArray
    intervals: RobustStats
    sizes: RobustStats
    timestamp_score: FloatArray
    datasize_score: FloatArray
    histogram_score: FloatArray
    cv_score: FloatArray
    bimodal_score: FloatArray
    duration_score: FloatArray
    coverage: FloatArray
    consistency: FloatArray
    bins_with_events: IntArray
    longest_run: IntArray
    histogram: IntArray  # G x bins event counts
    window_start: float
    bin_seconds: float
    total: FloatArray  # weighted sum in [0, 1]


def segment_bounds(groups: IntArray, n_groups: int) -> tuple[IntArray, IntArray]:
    """Start offset and length of each group in an array sorted by group code."""
    lengths = np.bincount(groups, minlength=n_groups).astype(np.int64)
    starts = np.zeros(n_groups, dtype=np.int64)
    if n_groups > 1:
        np.cumsum(lengths[:-1], out=starts[1:])
    return starts, lengths


def _segment_median(values: FloatArray, starts: IntArray, lengths: IntArray) -> FloatArray:
    """Median of each sorted segment; NaN for empty segments."""
    out = np.full(len(starts), np.nan)
    ok = lengths > 0
    lo = starts[ok] + (lengths[ok] - 1) // 2
    hi = starts[ok] + lengths[ok] // 2
    out[ok] = (values[lo] + values[hi]) / 2.0
    return out


def sort_within_groups(
    values: FloatArray, groups: IntArray, n_groups: int, grid: int | None = None
) -> tuple[FloatArray, IntArray]:
    """``values`` and ``groups`` ordered by group, then value.

    When every value is a non-negative multiple of ``2**-grid`` (byte counts: grid 0; intervals
    between float epoch seconds: the spacing of those floats), group and value fit one int64
    and a plain sort does it, exactly, at a third of the cost of an argsort plus a group sort.
    Anything else takes the general route."""
    if values.size and n_groups > 0:
        scale = 2.0 ** (grid if grid is not None else 0)
        scaled = values * scale
        top = float(scaled.max()) if scaled.size else 0.0
        value_bits = int(top).bit_length() if np.isfinite(top) and top < 2.0**62 else 64
        group_bits = max(int(n_groups - 1).bit_length(), 1)
        if (
            value_bits + group_bits <= 63
            and float(scaled.min()) >= 0.0
            and np.array_equal(scaled, np.floor(scaled))
        ):
            key = (groups.astype(np.int64) << value_bits) | scaled.astype(np.int64)
            # Rows arrive grouped already: timsort uses those runs (equal keys are
            # indistinguishable, so the result is the same as any sort's).
            key.sort(kind="stable")
            ordered = (key & ((1 << value_bits) - 1)).astype(np.float64) / scale
            return ordered, key >> value_bits
    order = group_order(groups, values)
    return values[order], groups[order]


def time_grid(times: FloatArray) -> int | None:
    """Binary exponent g such that every float in ``times`` (and every difference of two of
    them) is a multiple of 2**-g: the spacing of float64 at the smallest positive time."""
    positive = times[times > 0]
    if positive.size == 0:
        return None
    _, exponent = np.frexp(positive.min())
    return 53 - int(exponent)


def _segment_mad(
    ordered: FloatArray, starts: IntArray, lengths: IntArray, median: FloatArray
) -> FloatArray:
    """Median absolute deviation of each segment of ``ordered`` (sorted within segments that
    tile the array), without sorting the deviations.

    In a sorted segment, the deviations of the values below the median, read leftwards, and
    of the values from the median on, read rightwards, are two ascending runs A and B. The
    middle of their union comes from a binary search on i = how many of the k+1 smallest
    come from A (the smallest i for which B[k-i] > A[i] fails), vectorized over segments:
    about log2(segment size) steps, each over the segments still searching."""
    out = np.full(len(starts), np.nan)
    if ordered.size == 0:
        return out
    row_group = np.repeat(np.arange(len(starts)), lengths)
    row_median = median[row_group]
    deviation = np.abs(ordered - row_median)
    a_len = np.bincount(row_group, weights=ordered < row_median, minlength=len(starts))
    a_len = a_len.astype(np.int64)
    b_len = lengths - a_len
    a_top = starts + a_len - 1  # A_t = deviation[a_top - t]
    b_low = starts + a_len  # B_t = deviation[b_low + t]
    last_row = len(deviation) - 1

    def at(index: IntArray) -> FloatArray:
        return deviation[np.clip(index, 0, last_row)]

    k = (lengths - 1) // 2
    lo = np.maximum(0, k + 1 - b_len)
    hi = np.minimum(k + 1, a_len)
    while True:
        active = np.flatnonzero(lo < hi)
        if active.size == 0:
            break
        low, high = lo[active], hi[active]
        mid = (low + high) // 2
        from_b = k[active] + 1 - mid  # in range: from_b >= 1 and mid < a_len
        fail = deviation[b_low[active] + from_b - 1] > deviation[a_top[active] - mid]
        lo[active] = np.where(fail, mid + 1, low)
        hi[active] = np.where(fail, high, mid)
    from_a = lo
    from_b = k + 1 - lo
    kth = np.maximum(
        np.where(from_a > 0, at(a_top - from_a + 1), -np.inf),
        np.where(from_b > 0, at(b_low + from_b - 1), -np.inf),
    )
    following = np.minimum(
        np.where(from_a < a_len, at(a_top - from_a), np.inf),
        np.where(from_b < b_len, at(b_low + from_b), np.inf),
    )
    upper = np.where(lengths % 2 == 1, kth, following)
    ok = lengths > 0
    out[ok] = (kth[ok] + upper[ok]) / 2.0
    return out


def robust_stats(
    values: FloatArray,
    groups: IntArray,
    n_groups: int,
    *,
    min_iqr: float,
    small_median_score: float,
) -> RobustStats:
    """Median, MAD and Bowley skew of ``values`` per group (``groups`` need not be sorted).

    Quartiles are Tukey's hinges (medians of the lower and upper halves, the median itself
    excluded for odd counts). Skew is forced to 0 when the IQR is below ``min_iqr`` or the
    median equals a quartile, so near-constant series are not punished for tiny jitter.
    ``small_median_score`` is the MAD score used when the median is below 1 (RITA: 1 for
    intervals, 0 for sizes).
    """
    ordered, _ = sort_within_groups(values, groups, n_groups)
    starts, lengths = segment_bounds(groups, n_groups)
    return robust_stats_sorted(
        ordered, starts, lengths, min_iqr=min_iqr, small_median_score=small_median_score
    )


def robust_stats_sorted(
    ordered: FloatArray,
    starts: IntArray,
    lengths: IntArray,
    *,
    min_iqr: float,
    small_median_score: float,
) -> RobustStats:
    """``robust_stats`` of values already sorted by group then value (segments ``starts``,
    ``lengths`` tiling ``ordered``): quantiles and MAD by index arithmetic, no sorting."""
    median = _segment_median(ordered, starts, lengths)
    half = lengths // 2
    q1 = _segment_median(ordered, starts, half)
    q3 = _segment_median(ordered, starts + lengths - half, half)
    iqr = q3 - q1
    with np.errstate(invalid="ignore", divide="ignore"):
        raw_skew = (q1 + q3 - 2.0 * median) / iqr
    use_skew = (lengths >= 3) & (iqr >= min_iqr) & (median != q1) & (median != q3)
    skew = np.where(use_skew, raw_skew, 0.0)
    mad = _segment_mad(ordered, starts, lengths, median)

    with np.errstate(invalid="ignore", divide="ignore"):
        mad_score = np.where(median >= 1.0, (median - mad) / median, small_median_score)
    mad_score = np.where(np.isnan(mad_score) | (mad_score < 0), 0.0, mad_score)
    skew_score = np.where(lengths > 0, 1.0 - np.abs(skew), 0.0)
    return RobustStats(
        count=lengths,
        median=median,
        mad=mad,
        skew=skew,
        skew_score=skew_score,
        mad_score=mad_score,
    )


def histogram_counts(
    times: FloatArray,
    groups: IntArray,
    n_groups: int,
    window_start: float,
    bin_seconds: float,
    bins: int,
) -> IntArray:
    """Events per (group, bin) as a G x bins matrix; times past the window land in the last bin."""
    index = np.floor((times - window_start) / bin_seconds).astype(np.int64)
    np.clip(index, 0, bins - 1, out=index)
    flat = np.bincount(groups * bins + index, minlength=n_groups * bins)
    return flat.reshape(n_groups, bins).astype(np.int64)


def cv_scores(hist: IntArray) -> FloatArray:
    """1 - coefficient of variation of the events per bin (0 when CV > 1)."""
    mean = hist.mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = hist.std(axis=1) / mean
    score = np.where(np.isnan(cv) | (cv > 1.0), 0.0, 1.0 - cv)
    return np.round(np.clip(score, 0.0, 1.0), 3)


def bimodal_scores(
    hist: IntArray,
    sensitivity: float,
    outlier_removal: int,
    min_bins: int,
    min_peak_events: int = 1,
) -> tuple[FloatArray, IntArray]:
    """Share of non-empty bins whose heights fall in the two most common height buckets.

    Heights are bucketed by ``ceil(max height * sensitivity)`` so small variations count as
    one plateau. The fit is only used when the tallest bin holds ``min_peak_events``: with 1-3
    events per bin, chance alone leaves only two or three distinct heights. Returns the score
    and the number of non-empty bins per group.
    """
    bins = hist.shape[1]
    bars = (hist > 0).sum(axis=1).astype(np.int64)
    peak = hist.max(axis=1) if bins else np.zeros(hist.shape[0], dtype=np.int64)
    usable = (bars >= min_bins) & (peak >= min_peak_events)
    score = np.zeros(hist.shape[0])
    # Only groups the fit may be used for are fitted (in hunted traffic, few of them).
    fit = np.flatnonzero(usable)
    if fit.size:
        part = hist[fit]
        n_fit = fit.size
        nonzero = part > 0
        bucket = np.maximum(np.ceil(peak[fit] * sensitivity), 1.0)[:, None]
        heights = np.where(nonzero, np.floor(part / bucket) * bucket + 1.0, 0.0)  # +1: keep > 0
        ordered = np.sort(heights, axis=1)
        run_start = np.ones_like(ordered, dtype=bool)
        run_start[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
        run_id = np.cumsum(run_start, axis=1) - 1
        rows = np.repeat(np.arange(n_fit, dtype=np.int64), bins)
        per_run = np.bincount(
            rows * bins + run_id.ravel(), weights=(ordered > 0).ravel(), minlength=n_fit * bins
        ).reshape(n_fit, bins)
        top_two = np.sort(per_run, axis=1)[:, -2:].sum(axis=1) if bins >= 2 else per_run[:, 0]
        denominator = np.maximum(bars[fit] - outlier_removal, 1)
        score[fit] = np.minimum(top_two / denominator, 1.0)
    return np.round(score, 3).astype(np.float64), bars


def longest_runs(hist: IntArray) -> IntArray:
    """Longest run of consecutive non-empty bins per group, wrapping from end to start."""
    nonzero = hist > 0
    bins = hist.shape[1]
    current = np.zeros(hist.shape[0], dtype=np.int64)
    best = np.zeros(hist.shape[0], dtype=np.int64)
    for column in range(2 * bins):  # two passes handle the wrap-around
        current = np.where(nonzero[:, column % bins], current + 1, 0)
        np.maximum(best, current, out=best)
    return np.minimum(best, bins)


def score_groups(
    times: FloatArray,
    sizes: FloatArray,
    groups: IntArray,
    n_groups: int,
    dataset_start: float,
    dataset_end: float,
    params: ScoringParams,
) -> GroupScores:
    """Score every group. ``times``/``sizes``/``groups`` must be sorted by group, then time."""
    starts, lengths = segment_bounds(groups, n_groups)
    nonempty = lengths > 0
    first = np.full(n_groups, np.nan)
    last = np.full(n_groups, np.nan)
    first[nonempty] = times[starts[nonempty]]
    last[nonempty] = times[starts[nonempty] + lengths[nonempty] - 1]

    # Intervals between consecutive events of the same group; zero intervals (same instant)
    # are dropped like RITA's unique timestamps.
    same_group = groups[1:] == groups[:-1]
    deltas = np.diff(times)
    keep = same_group & (deltas > 0)
    interval_groups = groups[1:][keep]
    intervals = deltas[keep]
    # Intervals of float epoch seconds are multiples of the float spacing at those times, so
    # they sort exactly as integers packed with their group (see sort_within_groups).
    ordered, _ = sort_within_groups(intervals, interval_groups, n_groups, time_grid(times))
    interval_stats = robust_stats_sorted(
        ordered,
        *segment_bounds(interval_groups, n_groups),
        min_iqr=params.skew_min_iqr,
        small_median_score=1.0,
    )
    unique_events = np.where(nonempty, interval_stats.count + 1, 0)
    ordered, _ = sort_within_groups(sizes, groups, n_groups)
    size_stats = robust_stats_sorted(
        ordered, starts, lengths, min_iqr=params.skew_min_iqr, small_median_score=0.0
    )
    eligible = (
        (unique_events >= params.min_unique_events)
        & (interval_stats.count >= params.min_nonzero_intervals)
        & (size_stats.count >= params.min_size_samples)
    )

    window = max(dataset_end - dataset_start, params.time_base_seconds, 1e-6)
    bin_seconds = window / params.histogram_bins
    hist = histogram_counts(
        times, groups, n_groups, dataset_start, bin_seconds, params.histogram_bins
    )
    cv = cv_scores(hist)
    bimodal, bars = bimodal_scores(
        hist,
        params.mode_sensitivity,
        params.bimodal_outlier_removal,
        params.bimodal_min_bins,
        params.bimodal_min_peak_events,
    )
    histogram_score = np.maximum(cv, bimodal)

    runs = longest_runs(hist)
    coverage = np.minimum(np.ceil((last - first) / window * 1000.0) / 1000.0, 1.0)
    consistency = np.minimum(np.ceil(runs / params.duration_ideal_bins * 1000.0) / 1000.0, 1.0)
    enough_bins = bars >= params.duration_min_bins
    coverage = np.where(enough_bins, np.nan_to_num(coverage), 0.0)
    consistency = np.where(enough_bins, consistency, 0.0)
    duration_score = np.maximum(coverage, consistency)

    ts_score = np.where(eligible, interval_stats.score, 0.0)
    ds_score = np.where(eligible, size_stats.score, 0.0)
    total = (
        params.weight_timestamp * ts_score
        + params.weight_datasize * ds_score
        + params.weight_duration * duration_score
        + params.weight_histogram * histogram_score
    )
    total = np.where(eligible, np.round(total, 3), 0.0)
    return GroupScores(
        events=lengths,
        unique_events=unique_events,
        eligible=eligible,
        first=first,
        last=last,
        intervals=interval_stats,
        sizes=size_stats,
        timestamp_score=ts_score,
        datasize_score=ds_score,
        histogram_score=histogram_score,
        cv_score=cv,
        bimodal_score=bimodal,
        duration_score=duration_score,
        coverage=coverage,
        consistency=consistency,
        bins_with_events=bars,
        longest_run=runs,
        histogram=hist,
        window_start=dataset_start,
        bin_seconds=bin_seconds,
        total=total,
    )


def severity_for_score(score: float, base: float, low: float, medium: float) -> str | None:
    """RITA's threat categories for a 0-100 beacon score: below ``base`` nothing; from ``base``
    low, from ``low`` medium, from ``medium`` high (RITA's ``high`` threshold only caps its
    interpolated threat score; critical is left for corroborating evidence)."""
    if score >= medium:
        return "high"
    if score >= low:
        return "medium"
    if score >= base:
        return "low"
    return None
