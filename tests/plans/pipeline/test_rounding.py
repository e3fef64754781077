"""Spec §0 rq and §4 distribute_int (with the Q7 largest-remainder recommendation)."""

import numpy as np
import pytest

from plans.pipeline.rounding import distribute_int, distribute_int_grouped, rq, rq_array


def test_rq_half_to_even_and_modes():
    assert rq(2.5, "int") == 2.0
    assert rq(3.5, "int") == 4.0
    assert rq(1.25, "dec1") == 1.2
    assert rq(1.23456789, "none") == 1.234568
    assert rq(1.23456789, "weird") == 1.234568
    assert rq("abc", "int") == 0.0
    assert rq(None, "int") == 0.0
    assert rq(float("nan"), "int") == 0.0
    assert list(rq_array([2.5, 3.5, -0.4], "int")) == [2.0, 4.0, 0.0]


def test_distribute_int_largest_remainder_worked_example():
    # §13 step 2: SKU1 gets 60 of F1/2025-01 over weights 5,7,7,7,5 (Σ31).
    # raw 9.677, 13.548 ×3, 9.677 → floors 9,13,13,13,9 (57), 3 units left.
    # The reference gives all 3 to the first element (12,13,13,13,9, quirk Q7); largest
    # remainder gives one unit each by descending fraction: .677 (W01), .677 (W05, tie →
    # lower index first is W01, then W05), .548 (W02).
    raw = [60 * w / 31 for w in (5, 7, 7, 7, 5)]
    assert distribute_int(raw, 60) == [10, 14, 13, 13, 10]


def test_distribute_int_caps_and_shortfall():
    assert distribute_int([1, 1, 1], 10, caps=[2, 5, 1]) == [2, 5, 1]  # caps too small → 8
    assert distribute_int([1.2, 3.7], 3, caps=[1, 1]) == [1, 1]
    assert distribute_int([0.0, 0.0, 0.0], 10) == [4, 3, 3]  # round-robin, lower index first


def test_distribute_int_negative_diff_takes_smallest_fractions_first():
    # floors 5,5 = 10 > 6 → take back 4 units, ascending fraction, ties lower index first
    assert distribute_int([5.5, 5.5], 6) == [3, 3]
    assert distribute_int([3.9, 3.1, 3.5], 9) == [3, 3, 3]  # floors 9 already
    assert distribute_int([3.9, 3.1, 3.5], 8) == [3, 2, 3]  # .1 is the smallest fraction


def test_distribute_int_target_rounded_and_non_negative():
    assert distribute_int([1.0, 1.0], 2.5) == [1, 1]  # rint(2.5) = 2 (half to even)
    assert distribute_int([1.0, 1.0], -3) == [0, 0]
    assert distribute_int([], 5) == []


def test_grouped_matches_scalar():
    rng = np.random.default_rng(7)
    vals, groups, targets = [], [], []
    for g in range(50):
        n = int(rng.integers(1, 7))
        v = rng.random(n) * 10
        vals.extend(v)
        groups.extend([g] * n)
        targets.append(float(rng.integers(0, 60)))
    out = distribute_int_grouped(vals, groups, targets)
    vals, groups = np.asarray(vals), np.asarray(groups)
    for g in range(50):
        m = groups == g
        assert out[m].tolist() == distribute_int(vals[m].tolist(), targets[g])


@pytest.mark.parametrize("target", [0, 1, 7, 31, 100])
def test_sum_hits_target_without_caps(target):
    raw = [target * w / 31 for w in (5, 7, 7, 7, 5)]
    out = distribute_int(raw, target)
    assert sum(out) == target
    assert all(abs(o - r) < 1 for o, r in zip(out, raw, strict=True))
