"""Graduation of abridged data: group totals preserved exactly, no negatives."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssproj.demography.graduation import (
    graduate_counts,
    graduate_mx,
    graduate_rates_cumulative,
    interpolate_in_time,
    pchip,
)
from ssproj.demography.lifetable import LifeTable

STARTS = np.array([0] + list(range(5, 100, 5)) + [100])
FIVE_YEAR_STARTS = np.arange(0, 101, 5)
FIVE_YEAR_ENDS = np.append(np.arange(4, 100, 5).astype(float), np.nan)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=21, max_size=21))
def test_counts_preserve_group_totals_and_stay_non_negative(counts):
    counts = np.array(counts)
    single = graduate_counts(FIVE_YEAR_STARTS, FIVE_YEAR_ENDS, counts)
    assert single.shape == (101,)
    assert np.all(single >= 0)
    sums = np.add.reduceat(single[:100], np.arange(0, 100, 5))
    np.testing.assert_allclose(sums, counts[:20], rtol=1e-9, atol=1e-6)
    assert single[100] == counts[20]


def test_counts_of_a_linear_density_are_reproduced():
    # A population density that is linear in age is a quadratic cumulative,
    # which a monotone cubic through the boundaries follows closely.
    ages = np.arange(100)
    density = 1000.0 - 5.0 * ages
    groups = density.reshape(20, 5).sum(axis=1)
    single = graduate_counts(FIVE_YEAR_STARTS, FIVE_YEAR_ENDS, np.append(groups, 10.0))
    np.testing.assert_allclose(single[5:95], density[5:95], rtol=2e-3)


def test_single_year_counts_pass_through_unchanged():
    counts = np.arange(101, dtype=float)
    ends = np.append(np.arange(100, dtype=float), np.nan)
    np.testing.assert_array_equal(graduate_counts(np.arange(101), ends, counts), counts)


def test_counts_reject_a_gap_between_groups():
    with pytest.raises(ValueError, match="contiguous"):
        graduate_counts([0, 6, 100], [4, 99, np.nan], [1, 1, 1])


def abridged_starts_ends():
    starts = np.array([0, 1] + list(range(5, 101, 5)), dtype=float)
    ends = np.array([0, 4] + list(range(9, 100, 5)) + [np.nan], dtype=float)
    return starts, ends


def group_nmx(single, a, b):
    lt_m = single[a:b + 1]
    q = lt_m / (1 + 0.5 * lt_m)
    l = np.concatenate([[1.0], np.cumprod(1 - q)])
    d = l[:-1] - l[1:]
    return d.sum() / (l[1:] + 0.5 * d).sum()


def test_mx_graduation_reproduces_every_group_rate():
    starts, ends = abridged_starts_ends()
    ages_mid = np.where(np.isnan(ends), 100.5, (starts + ends + 1) / 2)
    mx = 0.0002 * np.exp(0.09 * ages_mid)  # Gompertz-like
    mx[0] = 0.03
    mx[1] = 0.002
    single = graduate_mx(starts, ends, mx)
    assert single[0] == mx[0]
    assert single[100] == mx[-1]
    for a, b, m in zip(starts[1:-1], ends[1:-1], mx[1:-1], strict=True):
        assert group_nmx(single, int(a), int(b)) == pytest.approx(m, rel=1e-9)


def test_mx_graduation_of_a_gompertz_curve_is_close_to_it():
    starts, ends = abridged_starts_ends()
    true_single = 0.0002 * np.exp(0.09 * (np.arange(101) + 0.5))
    mx = np.array([group_nmx(true_single, int(a), int(b)) if not np.isnan(b) else true_single[100]
                   for a, b in zip(starts, ends, strict=True)])
    single = graduate_mx(starts, ends, mx)
    np.testing.assert_allclose(single[5:100], true_single[5:100], rtol=0.01)


def test_fertility_graduation_preserves_group_totals():
    starts = np.arange(15, 50, 5)
    ends = starts + 4
    asfr = np.array([0.05, 0.15, 0.14, 0.09, 0.05, 0.015, 0.002])
    single = graduate_rates_cumulative(starts, ends, asfr, min_age=10, max_age=54)
    assert single.shape == (45,)
    assert np.all(single >= 0)
    assert single[:5].sum() == 0 and single[40:].sum() == 0
    sums = np.add.reduceat(single[5:40], np.arange(0, 35, 5))
    np.testing.assert_allclose(sums, 5 * asfr, rtol=1e-12)


def test_interpolate_in_time_linear_log_and_hold():
    centres = [2000.0, 2010.0]
    values = np.array([[1.0, 10.0], [3.0, 1000.0]])
    lin = interpolate_in_time(centres, values, [1990.0, 2005.0, 2020.0])
    np.testing.assert_allclose(lin, [[1, 10], [2, 505], [3, 1000]])
    log = interpolate_in_time(centres, values, [2005.0], log=True)
    np.testing.assert_allclose(log, [[np.sqrt(3.0), 100.0]])


def test_life_table_of_constant_rate_has_e0_one_over_m():
    lt = LifeTable.from_mx(np.full(101, 0.025), sex="male")
    assert lt.e0 == pytest.approx(40.0, rel=1e-12)


def test_single_age_death_rates_pass_through_unchanged():
    mx = np.linspace(0.001, 0.6, 101)
    ends = np.append(np.arange(100, dtype=float), np.nan)
    np.testing.assert_array_equal(graduate_mx(np.arange(101), ends, mx), mx)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(0.25, 20.0), st.floats(-1e6, 1e6)), min_size=2, max_size=25),
       st.integers(0, 3))
def test_pchip_is_scipys_pchip_bit_for_bit(points, repeat):
    """ssproj's PCHIP (no scipy.interpolate at start-up) gives SciPy's numbers exactly, inside and
    outside the breakpoints, with flat stretches and sign changes."""
    from scipy.interpolate import PchipInterpolator

    x = np.cumsum([p[0] for p in points])
    y = np.array([p[1] for p in points])
    if repeat and len(y) > 2:  # a flat stretch (zero secant)
        y[repeat % (len(y) - 1) + 1] = y[repeat % (len(y) - 1)]
    xi = np.linspace(x[0] - 5.0, x[-1] + 5.0, 157)
    with np.errstate(all="ignore"):
        want = PchipInterpolator(x, y)(xi)
    np.testing.assert_array_equal(pchip(x, y, xi), want)


def test_pchip_of_a_cumulative_count_is_monotone_and_through_the_points():
    x = np.array([0.0, 1.0, 5.0, 10.0, 15.0, 20.0])
    y = np.array([0.0, 10.0, 50.0, 50.0, 80.0, 81.0])
    xi = np.linspace(0.0, 20.0, 401)
    v = pchip(x, y, xi)
    assert np.all(np.diff(v) >= 0.0)
    np.testing.assert_allclose(pchip(x, y, x), y, rtol=0, atol=1e-12)
    # flat between 5 and 10: the interpolant stays at 50 there
    np.testing.assert_array_equal(v[(xi >= 5.0) & (xi <= 10.0)], 50.0)
