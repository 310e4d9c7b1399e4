"""Graduation of abridged demographic data to single ages and single years.

The UN ships population, mortality and fertility by 5-year age group and
mortality and fertility by 5-year period. The projection runs on single
ages 0..100+ and single years. Methods (DESIGN §4):

* counts (population): a monotone cubic (PCHIP, Fritsch & Carlson 1980)
  spline through the cumulative counts at the group boundaries, differenced
  at single ages. Group totals are preserved exactly and no single age is
  negative.
* central death rates: ``log m`` piecewise linear in age through one node
  per group (at its mid-point), the node values solved so that each
  group's single-age life table reproduces the group's central death rate
  ``nMx = (l(x) - l(x+n)) / nLx``; age 0 and the open group as given.
* fertility: the same cumulative PCHIP as for counts, applied to the
  cumulative fertility of the groups within 10-54: group totals
  (``n * asfr``) are preserved exactly.
* periods to years: values interpolated linearly in time between period
  centres (``log m`` for death rates), held constant beyond the first and
  last centre.

All ages are in completed years; the open group is age 100 (100+).
"""
from __future__ import annotations

import numpy as np

from ssproj.kernels.lifetable import OPEN_AGE

__all__ = [
    "graduate_counts",
    "graduate_rates_cumulative",
    "graduate_mx",
    "interpolate_in_time",
]


def _check_groups(age_start, age_end, *, open_end: bool):
    age_start = np.asarray(age_start, dtype=float)
    age_end = np.asarray(age_end, dtype=float)
    if age_start.ndim != 1 or age_start.shape != age_end.shape:
        raise ValueError("age_start and age_end must be 1-D arrays of the same length")
    order = np.argsort(age_start)
    age_start, age_end = age_start[order], age_end[order]
    upper = age_end + 1.0
    if open_end:
        if not np.isnan(age_end[-1]) or age_start[-1] != OPEN_AGE:
            raise ValueError(f"the last age group must be the open group {OPEN_AGE}+")
        upper = upper[:-1]
    if age_start[0] != 0 and open_end:
        raise ValueError("age groups must start at age 0")
    if np.any(np.isnan(upper)):
        raise ValueError("only the last age group may be open")
    if np.any(upper[:-1] != age_start[1 : len(upper)]):
        raise ValueError("age groups must be contiguous")
    return age_start, age_end, order


def pchip(x, y, xi):
    """Monotone piecewise cubic Hermite interpolation (PCHIP, Fritsch and Carlson 1980) of y(x) at xi.

    The same arithmetic as :class:`scipy.interpolate.PchipInterpolator` (the
    test suite checks it bit for bit), without importing
    ``scipy.interpolate`` (a quarter of a second at start-up): interior
    slopes are the weighted harmonic mean of the neighbouring secants (zero
    where they differ in sign or one is zero); end slopes the one-sided
    three-point estimate, limited to keep the shape; points outside
    ``x`` are extrapolated with the end cubics.

    Parameters
    ----------
    x : ndarray, shape (n,)
        Strictly increasing breakpoints, n >= 2.
    y : ndarray, shape (n,)
        Values at the breakpoints.
    xi : ndarray
        Where to evaluate.

    Returns
    -------
    ndarray, shape of xi
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    xi = np.asarray(xi, dtype=float)
    h = np.diff(x)
    # subnormal differences make the slope averaging overflow to inf, whose
    # reciprocal is the correct zero slope: silence that
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        m = np.diff(y) / h
        d = np.zeros_like(y)
        if len(x) == 2:
            d[:] = m[0]
        else:
            sm = np.sign(m)
            flat = (sm[1:] != sm[:-1]) | (m[1:] == 0) | (m[:-1] == 0)
            w1 = 2 * h[1:] + h[:-1]
            w2 = h[1:] + 2 * h[:-1]
            whmean = (w1 / m[:-1] + w2 / m[1:]) / (w1 + w2)
            inner = d[1:-1]
            inner[~flat] = 1.0 / whmean[~flat]
            d[0] = _pchip_end_slope(h[0], h[1], m[0], m[1])
            d[-1] = _pchip_end_slope(h[-1], h[-2], m[-1], m[-2])
        # cubic Hermite polynomials in local coordinates s = xi - x[i]
        t = (d[:-1] + d[1:] - 2 * m) / h
        c0 = t / h
        c1 = (m - d[:-1]) / h - t
        c2 = d[:-1]
        c3 = y[:-1]
    i = np.clip(np.searchsorted(x, xi, side="right") - 1, 0, len(x) - 2)
    s = xi - x[i]
    s2 = s * s
    return ((c3[i] + c2[i] * s) + c1[i] * s2) + c0[i] * (s2 * s)


def _pchip_end_slope(h0, h1, m0, m1):
    """One-sided three-point slope at an end of :func:`pchip`, limited to preserve the shape."""
    d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    if np.sign(d) != np.sign(m0):
        return 0.0
    if np.sign(m0) != np.sign(m1) and abs(d) > 3.0 * abs(m0):
        return 3.0 * m0
    return d


def graduate_counts(age_start, age_end, counts):
    """Split counts by age group into single ages 0..100+.

    Parameters
    ----------
    age_start, age_end : array_like
        First and last age of each group, inclusive [years]; the last group
        is open (``age_end`` NaN) and starts at 100.
    counts : array_like
        Count in each group, e.g. persons. [persons]

    Returns
    -------
    ndarray, shape (101,)
        Counts at single ages 0..99 and the open group 100+. Their sum over
        the ages of any input group equals that group's count to rounding.

    Notes
    -----
    The cumulative count ``C(a)`` below exact age ``a`` is known at the group
    boundaries; a PCHIP spline through those points is monotone, so the
    single-age counts ``C(x+1) - C(x)`` are non-negative.
    """
    age_start, age_end, order = _check_groups(age_start, age_end, open_end=True)
    counts = np.asarray(counts, dtype=float)[order]
    if np.any(counts < 0):
        raise ValueError("counts must be non-negative")
    closed = counts[:-1]
    bounds = np.concatenate([[age_start[0]], age_end[:-1] + 1.0])
    cum = np.concatenate([[0.0], np.cumsum(closed)])
    out = np.empty(OPEN_AGE + 1)
    single = np.all(age_end[:-1] == age_start[:-1])
    if single:
        out[:OPEN_AGE] = closed
    else:
        c = pchip(bounds, cum, np.arange(OPEN_AGE + 1, dtype=float))
        c[bounds.astype(int)] = cum  # exact at the boundaries
        out[:OPEN_AGE] = np.diff(c)
        out[:OPEN_AGE] = np.maximum(out[:OPEN_AGE], 0.0)
    out[OPEN_AGE] = counts[-1]
    return out


def graduate_rates_cumulative(age_start, age_end, rates, *, min_age=10, max_age=54):
    """Graduate age-group rates (e.g. fertility) to single ages.

    Parameters
    ----------
    age_start, age_end : array_like
        Contiguous closed age groups, inclusive bounds. [years]
    rates : array_like
        Rate per person per year in each group (e.g. births per woman per
        year). [1/year]
    min_age, max_age : int
        Single ages returned are ``min_age..max_age``.

    Returns
    -------
    ndarray, shape (max_age - min_age + 1,)
        Single-age rates; zero outside the groups. For every group,
        ``sum(single ages in group) == n * rate`` exactly.
    """
    age_start, age_end, order = _check_groups(age_start, age_end, open_end=False)
    rates = np.asarray(rates, dtype=float)[order]
    width = age_end - age_start + 1.0
    bounds = np.concatenate([[age_start[0]], age_end + 1.0])
    cum = np.concatenate([[0.0], np.cumsum(rates * width)])
    ages = np.arange(min_age, max_age + 2, dtype=float)
    inside = (ages >= bounds[0]) & (ages <= bounds[-1])
    c = np.zeros_like(ages)
    if np.all(width == 1.0):
        c[inside] = np.interp(ages[inside], bounds, cum)
    else:
        c[inside] = pchip(bounds, cum, ages[inside])
    c[ages > bounds[-1]] = cum[-1]
    at_bound = np.isin(ages, bounds)
    c[at_bound] = cum[np.searchsorted(bounds, ages[at_bound])]  # exact at the boundaries
    out = np.maximum(np.diff(c), 0.0)
    # the clip above can only act on rounding noise; keep group totals exact
    for a0, a1, r, w in zip(age_start, age_end, rates, width, strict=True):
        sel = slice(int(a0) - min_age, int(a1) - min_age + 1)
        s = out[sel].sum()
        if s > 0:
            out[sel] *= r * w / s
    return out


def _group_index(starts, ends):
    """Index arrays for :func:`_groups_nmx`: ages, group of each age, last position."""
    idx = np.concatenate([np.arange(a, b + 1) for a, b in zip(starts, ends, strict=True)])
    group = np.repeat(np.arange(len(starts)), ends - starts + 1)
    first = np.searchsorted(group, np.arange(len(starts)))
    last = np.r_[first[1:] - 1, len(idx) - 1]
    return idx, group, first, last


def _groups_nmx(m_single, index):
    """Central death rate of each closed group implied by single-age rates.

    Uses a single-age life table with a = 1/2 started afresh at each group's
    first age: ``nMx = (l(x) - l(x+n)) / nLx``. Vectorised over groups;
    ``index`` comes from :func:`_group_index`.
    """
    idx, group, first, last = index
    m = m_single[idx]
    log_p = np.log1p(-m / (1.0 + 0.5 * m))
    cum = np.cumsum(log_p)
    offset = np.concatenate([[0.0], cum])[first][group]
    l_end = np.exp(cum - offset)                 # l(x+1) / l(group start)
    l_begin = np.exp(cum - log_p - offset)       # l(x) / l(group start)
    person_years = np.bincount(group, weights=0.5 * (l_begin + l_end), minlength=len(first))
    return (1.0 - l_end[last]) / person_years


def graduate_mx(age_start, age_end, mx, *, tol=1e-12, max_iterations=200):
    """Graduate abridged central death rates to single ages 0..100+.

    Parameters
    ----------
    age_start, age_end : array_like
        Age groups (typically 0, 1-4, 5-9, ..., 95-99, 100+), inclusive
        bounds, last group open. [years]
    mx : array_like
        Central death rate of each group. [deaths per person-year]
    tol : float
        Largest relative error allowed in a group's reproduced rate.
    max_iterations : int
        Bound on the fixed-point iterations.

    Returns
    -------
    ndarray, shape (101,)
        Single-age central death rates. [1/year]

    Notes
    -----
    The single-age curve is continuous and piecewise linear in ``log m``
    between one node per group, placed at the group's mid-point (single
    years at ``x + 0.5``, the open group at 100.5) and evaluated at
    ``x + 0.5``. Age 0 and the open group keep their given rates. The node
    values of the other groups are found by a fixed-point iteration,
    ``log node += log(nMx / implied nMx)``, so that each group's single-age
    life table (a = 1/2) gives back the group's ``nMx`` (to ``tol``). A
    curve that is log-linear in age (Gompertz) is reproduced exactly.
    """
    age_start, age_end, order = _check_groups(age_start, age_end, open_end=True)
    mx = np.asarray(mx, dtype=float)[order]
    if np.any(mx <= 0) or not np.all(np.isfinite(mx)):
        raise ValueError("death rates must be positive and finite")
    upper = np.where(np.isnan(age_end), OPEN_AGE + 1.0, age_end + 1.0)
    mid = 0.5 * (age_start + upper)
    ages = np.arange(OPEN_AGE + 1, dtype=float) + 0.5
    wide = ~np.isnan(age_end) & (age_end > age_start)
    starts = age_start[wide].astype(int)
    ends = age_end[wide].astype(int)
    nodes = np.log(mx)
    fixed = [(int(a), m) for a, e, m in zip(age_start, age_end, mx, strict=True) if np.isnan(e) or e == a]
    out = np.empty(OPEN_AGE + 1)
    index = _group_index(starts, ends) if wide.any() else None
    for _ in range(max_iterations):
        out[:] = np.exp(np.interp(ages, mid, nodes))
        for a, m in fixed:
            out[a] = m
        if not wide.any():  # single ages only: nothing to graduate
            break
        ratio = mx[wide] / _groups_nmx(out, index)
        if np.max(np.abs(ratio - 1.0)) <= tol:
            break
        nodes[wide] += np.log(ratio)
    return out


def interpolate_in_time(centres, values, times, *, log=False):
    """Interpolate period values to points in time.

    Parameters
    ----------
    centres : array_like, shape (n_periods,)
        Centre of each period, in decimal years (1 July 2020 = 2020.5).
    values : array_like, shape (n_periods, ...)
        Value of each period; trailing dimensions are interpolated
        element-wise.
    times : array_like, shape (n,)
        Decimal years at which values are wanted.
    log : bool
        Interpolate the logarithm (for death rates, which change
        geometrically). Values must then be positive.

    Returns
    -------
    ndarray, shape (n, ...)
        Linear (or log-linear) interpolation between centres, held constant
        before the first and after the last centre.
    """
    centres = np.asarray(centres, dtype=float)
    values = np.asarray(values, dtype=float)
    times = np.asarray(times, dtype=float)
    order = np.argsort(centres)
    centres, values = centres[order], values[order]
    v = np.log(values) if log else values
    idx = np.searchsorted(centres, times, side="right") - 1
    idx = np.clip(idx, 0, max(len(centres) - 2, 0))
    if len(centres) == 1:
        res = np.broadcast_to(v[0], (len(times),) + v.shape[1:]).copy()
    else:
        c0, c1 = centres[idx], centres[idx + 1]
        w = np.clip((times - c0) / (c1 - c0), 0.0, 1.0)
        w = w.reshape((-1,) + (1,) * (v.ndim - 1))
        res = (1.0 - w) * v[idx] + w * v[idx + 1]
    return np.exp(res) if log else res
