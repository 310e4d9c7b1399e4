"""Financial and demographic indicators of a social security scheme (DESIGN §8).

Each indicator is defined once, here, with its formula and source. Same
conventions as :mod:`ssproj.finance.fund`: annual steps, calendar-year flows,
reserves at 31 December, nominal money, rates as fractions; year-indexed
arguments are 1-D arrays over the projection years (index 0 = first
projection year) or DataArrays with the single dim ``year``.

Present values are taken at the start of the first projection year
(1 January of year 0). Calendar-year flows are discounted from mid-year
with the same half-year convention as :func:`ssproj.finance.fund.roll_forward`
(``half_year="simple"``: a flow in year t is worth ``v_t (1 + i_t/2)``), so
a premium computed here reproduces its target exactly when put back into
the roll-forward; reserves at 31 December are discounted with ``v_t``.

Ratios are dimensionless fractions (1.0 = 100 %); where a denominator is
zero the ratio is NaN.
"""
from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence

import numpy as np
import xarray as xr

from ssproj.finance.fund import (
    check_half_year,
    discount_factors,
    roll_forward_rows,
    scalar_input,
    wrap_years,
    year_inputs,
)

__all__ = [
    "accrued_to_date_liability",
    "coverage_ratio",
    "demographic_dependency_ratio",
    "dependency_ratio_by_age",
    "depletion_year",
    "general_average_premium",
    "implicit_pension_debt",
    "old_age_coverage_ratio",
    "open_group_shortfall",
    "payg_cost_rate",
    "present_value",
    "replacement_rate",
    "reserve_ratio",
    "scaled_premium",
    "share_of_gdp",
    "summarized_rates",
    "system_dependency_ratio",
]

RESERVE_RATIO_CONVENTIONS = ("ilo", "ssa", "cpp")
SCALED_PREMIUM_CRITERIA = ("no_fall", "reserve_ratio")


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def _ratio(caller: str, numerator, denominator, num_name: str, den_name: str):
    """``numerator / denominator``, NaN where the denominator is zero.

    NumPy inputs must have broadcastable shapes; DataArrays must be on the
    same coordinates (no silent inner join that would drop years).
    """
    if isinstance(numerator, xr.DataArray) or isinstance(denominator, xr.DataArray):
        den = denominator
        if isinstance(den, xr.DataArray):
            den = den.where(den != 0)
        else:
            den = np.asarray(den, dtype=np.float64)
            den = np.where(den == 0, np.nan, den)
        try:
            with xr.set_options(arithmetic_join="exact"):
                return numerator / den
        except ValueError as err:
            raise ValueError(
                f"{caller}: {num_name} and {den_name} are not on the same coordinates; "
                f"align them first ({err})"
            ) from None
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    try:
        shape = np.broadcast_shapes(num.shape, den.shape)
    except ValueError:
        raise ValueError(
            f"{caller}: {num_name} has shape {num.shape} but {den_name} has shape {den.shape}; "
            "expected equal (or broadcastable) shapes"
        ) from None
    out = np.full(shape, np.nan)
    np.divide(num, den, out=out, where=np.broadcast_to(den != 0, shape))
    return out[()] if out.ndim == 0 else out


def _horizon(caller: str, horizon, n_years: int) -> int:
    if horizon is None:
        return n_years
    if isinstance(horizon, bool) or not isinstance(horizon, numbers.Integral):
        raise ValueError(f"{caller}: horizon={horizon!r}; expected a whole number of years")
    years = int(horizon)
    if not 1 <= years <= n_years:
        raise ValueError(
            f"{caller}: horizon={horizon} is outside [1, {n_years}], the number of projection years supplied"
        )
    return years


def _year_values(years, template, n: int, caller: str) -> np.ndarray:
    if years is None:
        if template is None:
            raise ValueError(f"{caller}: years is None; pass the calendar years or a DataArray on 'year'")
        return template["year"].values
    years = np.asarray(years.values if isinstance(years, xr.DataArray) else years)
    if years.shape != (n,):
        raise ValueError(f"{caller}: years has shape {years.shape}; expected ({n},), one per projection year")
    return years


# --------------------------------------------------------------------------
# Cost rates and premiums
# --------------------------------------------------------------------------

def payg_cost_rate(outgo, insured_earnings):
    """Pay-as-you-go cost rate: outgo as a fraction of insured earnings.

    Parameters
    ----------
    outgo : array_like or xarray.DataArray
        Outgo in each year (benefits and administrative costs of the
        branch). [currency/year]
    insured_earnings : array_like or xarray.DataArray
        Insured (contributory) earnings in each year, same shape. [currency/year]

    Returns
    -------
    ndarray, float or xarray.DataArray
        PAYG cost rate; NaN where insured earnings are zero. [1]

    Notes
    -----
    .. math:: \\mathrm{PAYG}_t = X_t / E_t

    The contribution rate that would balance income and outgo in year t
    with no investment income and no change in the reserve.

    References
    ----------
    - Plamondon, P. et al. (2002). *Actuarial Practice in Social
      Security*, chapter on financing systems. Geneva: ILO/ISSA.

    Examples
    --------
    >>> float(payg_cost_rate(12.0, 100.0))
    0.12
    """
    return _ratio("payg_cost_rate", outgo, insured_earnings, "outgo", "insured_earnings")


def general_average_premium(outgo, insured_earnings, interest, reserve_open, *, horizon=None,
                            closing_reserve=0.0, closing_reserve_ratio=None, other_income=0.0,
                            half_year: str = "simple") -> float:
    """General average premium (GAP): the level rate that funds a period.

    Parameters
    ----------
    outgo : array_like or xarray.DataArray, shape (T,)
        Outgo in each year. [currency/year]
    insured_earnings : array_like or xarray.DataArray, shape (T,)
        Insured earnings in each year. [currency/year]
    interest : float, array_like or xarray.DataArray, shape (T,)
        Rate of return on the reserve (discount rate) in each year. [1/year]
    reserve_open : float
        Reserve at the start of the first year, :math:`t_0`. [currency]
    horizon : int, optional
        Number of years :math:`n` in the period :math:`[t_0, t_0 + n)`;
        default all T years. For another :math:`t_0`, slice the arrays and
        pass the reserve at the end of the year before.
    closing_reserve : float, default 0.0
        Target reserve at the end of the period. [currency]
    closing_reserve_ratio : float, optional
        Alternative target, as a multiple :math:`k` of the outgo of the
        last year of the period (ILO reserve ratio). Give either this or a
        non-zero ``closing_reserve``, not both. [1]
    other_income : float or array_like, shape (T,), default 0.0
        Income other than contributions and investment income (e.g. state
        subsidies), not scaled by the rate. [currency/year]
    half_year : {"simple", "compound"}, default "simple"
        Mid-year discounting of flows (see
        :func:`ssproj.finance.fund.discount_factors`). ``"simple"`` matches
        :func:`ssproj.finance.fund.roll_forward`.

    Returns
    -------
    float
        The GAP. [1]

    Raises
    ------
    ValueError
        On mismatched lengths, a bad horizon, both closing-reserve options,
        or zero present value of insured earnings.

    Notes
    -----
    The GAP :math:`r` solves

    .. math::

        r \\sum_{t<n} E_t v^{m}_t + \\sum_{t<n} O_t v^{m}_t + R_{-1}
        = \\sum_{t<n} X_t v^{m}_t + F\\, v_{n-1},

    with :math:`v_t = \\prod_{s\\le t} (1+i_s)^{-1}`, flows discounted from
    mid-year :math:`v^m_t = v_t (1 + i_t/2)`, :math:`F` the target closing
    reserve (``closing_reserve`` or :math:`k X_{n-1}`) and :math:`R_{-1}`
    the opening reserve. Because the roll-forward is linear in the
    contributions, a contribution rate :math:`r` held over the period in
    :func:`ssproj.finance.fund.roll_forward` at the same interest ends the period
    with the reserve :math:`F`.

    References
    ----------
    - Plamondon, P. et al. (2002). *Actuarial Practice in Social
      Security*, chapter on financing systems. Geneva: ILO/ISSA.
    - Iyer, S. (1999). *Actuarial Mathematics of Social Security
      Pensions*. Geneva: ILO/ISSA.

    Examples
    --------
    >>> general_average_premium([10.0, 30.0], [100.0, 100.0], 0.0, 0.0)
    0.2
    """
    caller = "general_average_premium"
    check_half_year(caller, half_year)
    r0 = scalar_input(caller, "reserve_open", reserve_open)
    a, _ = year_inputs(
        caller,
        {"outgo": outgo, "insured_earnings": insured_earnings, "interest": interest,
         "other_income": other_income},
        scalars=("interest", "other_income"),
    )
    n = _horizon(caller, horizon, a["outgo"].shape[0])
    if closing_reserve_ratio is not None:
        if scalar_input(caller, "closing_reserve", closing_reserve) != 0.0:
            raise ValueError(f"{caller}: give either closing_reserve or closing_reserve_ratio, not both")
        target = scalar_input(caller, "closing_reserve_ratio", closing_reserve_ratio) * float(a["outgo"][n - 1])
    else:
        target = scalar_input(caller, "closing_reserve", closing_reserve)
    i = a["interest"][:n]
    v_mid = discount_factors(i, mid_year=True, half_year=half_year)
    v_end = float(discount_factors(i)[-1])
    pv_earnings = float(np.sum(a["insured_earnings"][:n] * v_mid))
    if not pv_earnings > 0.0:
        raise ValueError(f"{caller}: the present value of insured earnings is {pv_earnings!r}; expected > 0")
    pv_outgo = float(np.sum(a["outgo"][:n] * v_mid))
    pv_other = float(np.sum(a["other_income"][:n] * v_mid))
    return float((pv_outgo + target * v_end - r0 - pv_other) / pv_earnings)


def scaled_premium(outgo, insured_earnings, other_income, interest, reserve_open, *, period_length,
                   criterion: str = "no_fall", min_reserve_ratio=None, step=None) -> dict:
    """Scaled premium: level rates held over successive periods of equilibrium.

    Parameters
    ----------
    outgo : array_like or xarray.DataArray, shape (T,)
        Outgo in each year. [currency/year]
    insured_earnings : array_like or xarray.DataArray, shape (T,)
        Insured earnings in each year. [currency/year]
    other_income : float, array_like or xarray.DataArray, shape (T,)
        Income other than contributions and investment income (e.g. state
        subsidies); 0 if none. [currency/year]
    interest : float, array_like or xarray.DataArray, shape (T,)
        Rate of return on the reserve in each year. [1/year]
    reserve_open : float
        Reserve at the start of the first year. [currency]
    period_length : int
        Length of each period of equilibrium. Periods start at year 0; the
        last one is shorter if T is not a multiple. [years]
    criterion : {"no_fall", "reserve_ratio"}, default "no_fall"
        ``"no_fall"``: the lowest rate at which the reserve does not fall
        in any year of the period (see Notes). ``"reserve_ratio"``: the
        lowest rate at which the ILO reserve ratio at the end of the
        period, ``reserve_end / outgo`` of its last year, is at least
        ``min_reserve_ratio``.
    min_reserve_ratio : float, optional
        The :math:`k` of the reserve-ratio condition. Required with
        ``criterion="reserve_ratio"``; with ``"no_fall"`` it adds the
        condition (the rate is the larger of the two). [1]
    step : float, optional
        Round each period's rate up to a multiple of ``step`` (e.g.
        0.005 for half a percentage point). [1]

    Returns
    -------
    dict
        ``rate``
            Contribution rate in each year, shape (T,). [1]
        ``period_rate``
            The rate of each period, shape (P,). [1]
        ``period_start``, ``period_end``
            Index of each period's first year and one past its last year
            (Python slice bounds), shape (P,); with DataArray input,
            ``years[period_start]`` gives calendar years.
        ``reserve_end``
            Reserve at the end of each year under ``rate``, shape (T,). [currency]

        ``rate`` and ``reserve_end`` are DataArrays on ``year`` if any
        input was one.

    Raises
    ------
    ValueError
        On mismatched lengths, a bad ``period_length``, ``step`` or
        ``criterion``, or when no rate can meet the criterion (insured
        earnings of zero in a year where outgo exceeds other income).

    Notes
    -----
    Period :math:`p` covers years :math:`[a_p, b_p)` and starts with the
    reserve left by the rates of the earlier periods. The roll-forward of
    :func:`ssproj.finance.fund.roll_forward` is affine in the rate :math:`\\pi`,
    so the change of the reserve in year t of the period is
    :math:`\\Delta R_t(\\pi) = \\Delta R_t^{0} + \\pi\\, \\Delta R_t^{E}`
    (the first term from a roll-forward with no contributions, the second
    from earnings alone, opening reserve 0); each condition below is met
    from a root given in closed form, so no numerical root finder is
    needed.

    *No fall* (ILO): the reserve must not decrease in the period,

    .. math::

        \\pi_p = \\max\\Big(0,\\ \\max_{a_p \\le t < b_p}
        \\{\\pi : \\Delta R_t(\\pi) = 0\\}\\Big).

    In a maturing scheme, where the PAYG cost rate rises, the last year
    binds: at the end of the period contribution and investment income
    just cover outgo and the reserve stops growing, which is the ILO
    definition of the period of equilibrium (Plamondon et al. 2002). If
    an earlier year binds (a cost rate that falls within the period), the
    rate is raised so the reserve does not fall there either.

    *Reserve ratio*: :math:`R_{b_p-1}(\\pi) \\ge k\\, X_{b_p-1}`, binding
    at the end of the period.

    Rates are floored at zero, then rounded up to ``step``; a floored or
    rounded rate makes the reserve grow faster than the criterion
    requires. Rates are not forced to be non-decreasing from one period to
    the next; in a maturing scheme they are.

    References
    ----------
    - Plamondon, P. et al. (2002). *Actuarial Practice in Social
      Security*, chapter on financing systems. Geneva: ILO/ISSA.
    - Iyer, S. (1999). *Actuarial Mathematics of Social Security
      Pensions*. Geneva: ILO/ISSA.
    """
    caller = "scaled_premium"
    r0 = scalar_input(caller, "reserve_open", reserve_open)
    a, template = year_inputs(
        caller,
        {"outgo": outgo, "insured_earnings": insured_earnings, "other_income": other_income,
         "interest": interest},
        scalars=("other_income", "interest"),
    )
    if isinstance(period_length, bool) or not isinstance(period_length, numbers.Integral) or period_length < 1:
        raise ValueError(f"{caller}: period_length={period_length!r}; expected a whole number of years >= 1")
    if criterion not in SCALED_PREMIUM_CRITERIA:
        raise ValueError(
            f"{caller}: criterion={criterion!r} is not one of {', '.join(map(repr, SCALED_PREMIUM_CRITERIA))}"
        )
    k = None if min_reserve_ratio is None else scalar_input(caller, "min_reserve_ratio", min_reserve_ratio)
    if criterion == "reserve_ratio" and k is None:
        raise ValueError(
            f"{caller}: criterion='reserve_ratio' needs min_reserve_ratio, the k in reserve_end / outgo >= k"
        )
    if step is not None:
        step = scalar_input(caller, "step", step)
        if not step > 0.0:
            raise ValueError(f"{caller}: step={step!r}; expected a positive rate, e.g. 0.005")

    X, E, O, i = a["outgo"], a["insured_earnings"], a["other_income"], a["interest"]
    T = X.shape[0]
    zeros = np.zeros(T)

    def roll(r_open, income, out, rate):  # deficits borrowed (the premium is what avoids them)
        res = roll_forward_rows(np.array([r_open]), np.zeros(1, dtype=np.int64), income[None], out[None], rate[None])
        return res.total_income[0] - res.total_outgo[0], res.reserve_end[0]

    rate = np.empty(T)
    starts, ends, rates = [], [], []
    r = r0
    for s in range(0, T, int(period_length)):
        e = min(s + int(period_length), T)
        sl = slice(s, e)
        d0, end0 = roll(r, O[sl], X[sl], i[sl])          # no contributions
        dE, endE = roll(0.0, E[sl], zeros[sl], i[sl])    # earnings alone, from 0
        candidates = [0.0]
        if criterion == "no_fall":
            for t in range(e - s):
                if dE[t] > 0.0:
                    candidates.append(-d0[t] / dE[t])
                elif d0[t] < 0.0:
                    raise ValueError(
                        f"{caller}: no contribution rate stops the reserve from falling in year index "
                        f"{s + t}: insured earnings there (and before it in the period) are zero"
                    )
        if k is not None:
            need = k * X[e - 1] - end0[-1]
            if endE[-1] > 0.0:
                candidates.append(need / endE[-1])
            elif need > 0.0:
                raise ValueError(
                    f"{caller}: no contribution rate reaches reserve ratio {k} at the end of the period "
                    f"ending at year index {e - 1}: insured earnings in the period are zero"
                )
        pi = max(candidates)
        if step is not None:
            # 1e-9: a rate already on the grid, up to rounding, stays there.
            pi = math.ceil(pi / step - 1e-9) * step
        rate[sl] = pi
        _, end = roll(r, pi * E[sl] + O[sl], X[sl], i[sl])
        r = end[-1]
        starts.append(s)
        ends.append(e)
        rates.append(pi)

    _, reserve_end = roll(r0, rate * E + O, X, i)
    return {
        "rate": wrap_years(template, rate, "scaled_premium", "1"),
        "period_rate": np.array(rates),
        "period_start": np.array(starts, dtype=np.int64),
        "period_end": np.array(ends, dtype=np.int64),
        "reserve_end": wrap_years(template, reserve_end, "reserve_end", "currency"),
    }


# --------------------------------------------------------------------------
# Reserves
# --------------------------------------------------------------------------

def reserve_ratio(reserve_end, outgo, *, convention: str = "ilo", reserve_start=None):
    """Reserve ratio under the ILO, SSA or CPP convention.

    Parameters
    ----------
    reserve_end : array_like or xarray.DataArray, shape (T,)
        Reserve (assets) at the end of each year. [currency]
    outgo : array_like or xarray.DataArray, shape (T,)
        Outgo (cost, expenditure) in each year. [currency/year]
    convention : {"ilo", "ssa", "cpp"}, default "ilo"
        ``"ilo"``: reserve at the end of year t / outgo in year t.
        ``"ssa"``: trust fund ratio, reserve at the start of year t / cost
        in year t. ``"cpp"``: assets at the end of year t / outgo in year
        t+1 (NaN for the last year).
    reserve_start : float or array_like, shape (T,), optional
        For ``"ssa"`` only: the reserve at the start of each year, or a
        scalar for the start of the first year (later years then use
        ``reserve_end`` of the year before). If None, the first year is
        NaN. [currency]

    Returns
    -------
    ndarray or xarray.DataArray, shape (T,)
        Reserve ratio; NaN where the outgo is zero. [years of outgo]

    Raises
    ------
    ValueError
        On an unknown convention or mismatched lengths.

    Notes
    -----
    .. math::

        \\rho^{\\mathrm{ILO}}_t = \\frac{R_t}{X_t}, \\qquad
        \\rho^{\\mathrm{SSA}}_t = \\frac{R_{t-1}}{X_t}, \\qquad
        \\rho^{\\mathrm{CPP}}_t = \\frac{R_t}{X_{t+1}},

    with :math:`R_t` the reserve at the end of year t. The SSA and CPP
    reports give these as percentages or multiples; here they are
    fractions (1.0 = one year of outgo).

    References
    ----------
    - Plamondon, P. et al. (2002). *Actuarial Practice in Social
      Security*. Geneva: ILO/ISSA (reserve ratio).
    - Board of Trustees of the Federal OASI and DI Trust Funds.
      *Annual Report*, Glossary: "Trust fund ratio".
    - Office of the Chief Actuary, OSFI. *Actuarial Report on the
      Canada Pension Plan* (e.g. the 31st, as at 31 December 2021):
      "assets/expenditures ratio".
    """
    caller = "reserve_ratio"
    if convention not in RESERVE_RATIO_CONVENTIONS:
        raise ValueError(
            f"{caller}: convention={convention!r} is not one of {', '.join(map(repr, RESERVE_RATIO_CONVENTIONS))}"
        )
    if reserve_start is not None and convention != "ssa":
        raise ValueError(f"{caller}: reserve_start is used only with convention='ssa'")
    inputs = {"reserve_end": reserve_end, "outgo": outgo}
    if reserve_start is not None:
        inputs["reserve_start"] = reserve_start
    a, template = year_inputs(caller, inputs, scalars=("reserve_start",))
    R, X = a["reserve_end"], a["outgo"]
    T = R.shape[0]
    if convention == "ilo":
        num, den = R, X
    elif convention == "ssa":
        if reserve_start is not None and np.ndim(reserve_start) == 1:
            num = a["reserve_start"]
        else:
            first = np.nan if reserve_start is None else a["reserve_start"][0]
            num = np.concatenate([[first], R[:-1]])
        den = X
    else:
        num = R
        den = np.concatenate([X[1:], [np.nan]]) if T else X
    out = _ratio(caller, num, den, "reserve", "outgo")
    return wrap_years(template, np.asarray(out, dtype=np.float64), f"reserve_ratio_{convention}", "1")


def depletion_year(years, reserve_end, *, outgo=None, threshold_ratio=0.0):
    """First year in which the reserve is exhausted (or falls below k × outgo).

    Parameters
    ----------
    years : array_like, shape (T,) or None
        Calendar year of each projection year; None to take the ``year``
        coordinate of a DataArray ``reserve_end``.
    reserve_end : array_like or xarray.DataArray, shape (T,)
        Reserve at the end of each year. [currency]
    outgo : array_like or xarray.DataArray, shape (T,), optional
        Outgo in each year; needed when ``threshold_ratio`` is not 0. [currency/year]
    threshold_ratio : float, default 0.0
        :math:`k`: the first year with ``reserve_end <= k * outgo`` (ILO
        reserve ratio at or below :math:`k`). 0 gives the depletion year. [1]

    Returns
    -------
    int or None
        The first such calendar year, or None if there is none.

    Notes
    -----
    .. math:: t^* = \\min\\{t : R_t \\le k X_t\\}

    An exact zero counts as exhausted. NaN reserves never trigger.

    References
    ----------
    - Plamondon, P. et al. (2002). *Actuarial Practice in Social
      Security*. Geneva: ILO/ISSA.
    - Board of Trustees of the Federal OASI and DI Trust Funds.
      *Annual Report*, Glossary: "Reserve depletion".

    Examples
    --------
    >>> depletion_year([2030, 2031, 2032], [5.0, 0.0, -3.0])
    2031
    >>> depletion_year([2030, 2031], [5.0, 1.0]) is None
    True
    """
    caller = "depletion_year"
    k = scalar_input(caller, "threshold_ratio", threshold_ratio)
    inputs = {"reserve_end": reserve_end}
    if outgo is not None:
        inputs["outgo"] = outgo
    elif k != 0.0:
        raise ValueError(f"{caller}: threshold_ratio={k} needs outgo (the threshold is threshold_ratio * outgo)")
    a, template = year_inputs(caller, inputs)
    R = a["reserve_end"]
    yrs = _year_values(years, template, R.shape[0], caller)
    threshold = k * a["outgo"] if outgo is not None else 0.0
    y = depletion_years(yrs, R, threshold)
    if np.isnan(y):
        return None
    return int(y) if float(y).is_integer() else float(y)


def depletion_years(years, reserve_end, threshold=0.0) -> np.ndarray:
    """First year with ``reserve_end <= threshold`` along the last axis, for many paths at once.

    Parameters
    ----------
    years : array_like, shape (T,)
        Calendar years. [calendar year]
    reserve_end : array_like, shape (..., T)
        Reserve at the end of each year, e.g. one row per stochastic path. [currency]
    threshold : float or array_like broadcasting to ``reserve_end``
        0 for the depletion year; ``k x outgo`` for a reserve ratio at or below k. [currency]

    Returns
    -------
    ndarray, shape (...)
        The first such year, NaN where there is none (NaN reserves never
        trigger; an exact zero counts as exhausted). [calendar year]
    """
    R = np.asarray(reserve_end, dtype=float)
    yrs = np.asarray(years, dtype=float)
    hit = R <= threshold
    return np.where(hit.any(axis=-1), yrs[np.argmax(hit, axis=-1)], np.nan)


# --------------------------------------------------------------------------
# SSA summarized rates
# --------------------------------------------------------------------------

def summarized_rates(income, cost, taxable_payroll, interest, *, start_reserve,
                     target_reserve_ratio=1.0, horizon=75, half_year: str = "simple") -> dict:
    """Summarized income and cost rates and the actuarial balance (SSA).

    Parameters
    ----------
    income : array_like or xarray.DataArray, shape (T,)
        Non-interest income in each year (contributions, taxation of
        benefits, subsidies). [currency/year]
    cost : array_like or xarray.DataArray, shape (T,)
        Cost (outgo) in each year. [currency/year]
    taxable_payroll : array_like or xarray.DataArray, shape (T,)
        Taxable payroll (insured earnings) in each year. [currency/year]
    interest : float, array_like or xarray.DataArray, shape (T,)
        Interest rate earned by the reserve in each year. [1/year]
    start_reserve : float
        Reserve at the start of the valuation period. [currency]
    target_reserve_ratio : float, default 1.0
        Target trust fund ratio :math:`k` at the end of the period (SSA:
        100 % of the next year's cost). [1]
    horizon : int or sequence of int, default 75
        Length :math:`n` of the valuation period, e.g. 25, 50, 75. [years]
    half_year : {"simple", "compound"}, default "simple"
        Mid-year discounting of flows (see
        :func:`ssproj.finance.fund.discount_factors`).

    Returns
    -------
    dict
        ``income_rate``, ``cost_rate``, ``actuarial_balance`` [1] as floats
        (arrays over the horizons if ``horizon`` is a sequence), and
        ``horizon``.

    Warns
    -----
    UserWarning
        If the arrays stop at the horizon, so the cost of the year after
        it is not known: the cost of the last year is used instead.

    Notes
    -----
    Over years :math:`[0, n)`, with :math:`P_t` the taxable payroll,
    :math:`I_t` income, :math:`C_t` cost and :math:`R_{-1}` the reserve at
    the start:

    .. math::

        \\mathrm{SIR} = \\frac{R_{-1} + \\sum_{t<n} I_t v^m_t}{\\sum_{t<n} P_t v^m_t},
        \\qquad
        \\mathrm{SCR} = \\frac{\\sum_{t<n} C_t v^m_t + k\\, C_n\\, v_{n-1}}{\\sum_{t<n} P_t v^m_t},
        \\qquad
        \\mathrm{AB} = \\mathrm{SIR} - \\mathrm{SCR}.

    The target reserve :math:`k C_n` is the SSA trust fund ratio :math:`k`
    at the start of year :math:`n` (the year after the period), held at
    the end of year :math:`n-1`. A negative actuarial balance is a
    deficit: the level increase in the contribution rate over the period
    that would meet the target. With ``half_year="simple"``, AB = 0
    exactly when the roll-forward of ``income`` and ``cost`` ends the
    period at the target.

    References
    ----------
    - Board of Trustees of the Federal OASI and DI Trust Funds.
      *Annual Report*, Glossary: "Summarized income rate", "Summarized
      cost rate", "Actuarial balance", "Trust fund ratio".
    """
    caller = "summarized_rates"
    check_half_year(caller, half_year)
    r0 = scalar_input(caller, "start_reserve", start_reserve)
    k = scalar_input(caller, "target_reserve_ratio", target_reserve_ratio)
    a, _ = year_inputs(
        caller,
        {"income": income, "cost": cost, "taxable_payroll": taxable_payroll, "interest": interest},
        scalars=("interest",),
    )
    T = a["cost"].shape[0]
    many = isinstance(horizon, Sequence | np.ndarray)
    horizons = [_horizon(caller, h, T) for h in (horizon if many else [horizon])]
    sir, scr = [], []
    for n in horizons:
        i = a["interest"][:n]
        v_mid = discount_factors(i, mid_year=True, half_year=half_year)
        v_end = float(discount_factors(i)[-1])
        pv_payroll = float(np.sum(a["taxable_payroll"][:n] * v_mid))
        if not pv_payroll > 0.0:
            raise ValueError(
                f"{caller}: the present value of taxable payroll over {n} years is {pv_payroll!r}; expected > 0"
            )
        if n < T:
            ending_cost = float(a["cost"][n])
        else:
            warnings.warn(
                f"{caller}: no cost for the year after the {n}-year horizon; the target reserve uses "
                "the cost of the last year instead (pass one more year to follow SSA exactly)",
                UserWarning, stacklevel=2,
            )
            ending_cost = float(a["cost"][n - 1])
        sir.append((r0 + float(np.sum(a["income"][:n] * v_mid))) / pv_payroll)
        scr.append((float(np.sum(a["cost"][:n] * v_mid)) + k * ending_cost * v_end) / pv_payroll)
    sir_a, scr_a = np.array(sir), np.array(scr)
    if many:
        return {"income_rate": sir_a, "cost_rate": scr_a, "actuarial_balance": sir_a - scr_a,
                "horizon": np.array(horizons)}
    return {"income_rate": sir[0], "cost_rate": scr[0], "actuarial_balance": sir[0] - scr[0],
            "horizon": horizons[0]}


def present_value(amounts, interest, *, horizon=None, mid_year: bool = True, half_year: str = "simple") -> float:
    """Present value at the start of the first year of a series of yearly amounts.

    Parameters
    ----------
    amounts : array_like or xarray.DataArray, shape (T,)
        Calendar-year flows (``mid_year=True``) or amounts at 31 December. [currency/year or currency]
    interest : float, array_like or xarray.DataArray, shape (T,)
        Discount rate in each year (the fund's return). [1/year]
    horizon : int, optional
        Number of years counted from the first; default all T.
    mid_year : bool, default True
        Flows spread over the year (discounted from mid-year) or amounts at 31 December.
    half_year : {"simple", "compound"}, default "simple"
        As in :func:`ssproj.finance.fund.discount_factors`; ``"simple"``
        agrees exactly with :func:`ssproj.finance.fund.roll_forward`.

    Returns
    -------
    float
        :math:`\\sum_{t<n} A_t v^m_t` (or :math:`v_t`). [currency]

    Examples
    --------
    >>> present_value([110.0, 121.0], 0.1, mid_year=False)
    200.0
    """
    caller = "present_value"
    check_half_year(caller, half_year)
    a, _ = year_inputs(caller, {"amounts": amounts, "interest": interest}, scalars=("interest",))
    n = _horizon(caller, horizon, a["amounts"].shape[0])
    v = discount_factors(a["interest"][:n], mid_year=mid_year, half_year=half_year)
    return float(np.sum(a["amounts"][:n] * v))


def open_group_shortfall(cost, income, interest, reserve_open, *, horizon=None, closing_reserve=0.0,
                         half_year: str = "simple") -> float:
    """Open-group unfunded obligation over a period: the present value of the shortfall.

    Parameters
    ----------
    cost : array_like or xarray.DataArray, shape (T,)
        Scheduled cost of the fund in each year (benefits and the
        administrative costs not proportional to contributions). [currency/year]
    income : array_like or xarray.DataArray, shape (T,)
        Non-investment income in each year (contributions net of the
        administrative charge on them; not deficit transfers). [currency/year]
    interest : float, array_like or xarray.DataArray, shape (T,)
        Return on the reserve, the discount rate. [1/year]
    reserve_open : float
        Reserve at the start of the first year. [currency]
    horizon : int, optional
        Years in the period (default all T).
    closing_reserve : float, default 0
        Reserve to hold at the end of the period. [currency]
    half_year : {"simple", "compound"}, default "simple"

    Returns
    -------
    float
        :math:`\\sum_{t<n} (C_t - I_t) v^m_t + F v_{n-1} - R_{-1}`: positive
        is the amount, at the start of the period, that would have to be
        added for the scheduled benefits to be paid to the end of it (the
        SSA's open-group unfunded obligation); negative, a surplus. [currency]

    Notes
    -----
    It is the numerator of the actuarial balance: ``-actuarial_balance`` x
    present value of payroll with the same target. Unlike a rate it does
    not fall when a measure raises payroll and cost together, so it ranks
    options by what they cost in money. The present value of the state's
    transfers under ``deficit_financing: state_transfer`` with a zero
    floor is at most this amount (the transfers pay the deficits as they
    come, with no investment income on a negative reserve).

    References
    ----------
    - Board of Trustees of the Federal OASI and DI Trust Funds (2024).
      *Annual Report*, section IV.B.6 "Unfunded obligations".

    Examples
    --------
    >>> open_group_shortfall([30.0, 30.0], [10.0, 10.0], 0.0, 15.0)
    25.0
    """
    caller = "open_group_shortfall"
    check_half_year(caller, half_year)
    r0 = scalar_input(caller, "reserve_open", reserve_open)
    f = scalar_input(caller, "closing_reserve", closing_reserve)
    a, _ = year_inputs(caller, {"cost": cost, "income": income, "interest": interest}, scalars=("interest",))
    n = _horizon(caller, horizon, a["cost"].shape[0])
    i = a["interest"][:n]
    v_mid = discount_factors(i, mid_year=True, half_year=half_year)
    v_end = float(discount_factors(i)[-1])
    return float(np.sum((a["cost"][:n] - a["income"][:n]) * v_mid) + f * v_end - r0)


# --------------------------------------------------------------------------
# Liabilities
# --------------------------------------------------------------------------

def accrued_to_date_liability(pension_amounts_in_payment, annuity_factors_pensioners,
                              accrued_pensions_actives, deferred_annuity_factors) -> float:
    """Accrued-to-date liability at the valuation date.

    Parameters
    ----------
    pension_amounts_in_payment : array_like
        Annual pensions in payment at the valuation date, per pensioner or
        per group (e.g. by age and sex). [currency/year]
    annuity_factors_pensioners : array_like
        Present value, at the valuation date, of 1 per year payable for
        life (with indexation, reversion and mortality as assumed), one per
        element of ``pension_amounts_in_payment``. [years]
    accrued_pensions_actives : array_like
        Annual pensions accrued to date (service and earnings to date) by
        active and inactive (deferred) members, per member or group. [currency/year]
    deferred_annuity_factors : array_like
        Present value, at the valuation date, of 1 per year payable from
        pensionable age, allowing for survival (and any indexation before
        retirement), one per element of ``accrued_pensions_actives``. [years]

    Returns
    -------
    float
        Accrued-to-date liability (ADL). [currency]

    Raises
    ------
    ValueError
        If the amounts and factors of a pair do not have matching shapes.

    Notes
    -----
    .. math::

        \\mathrm{ADL} = \\sum_j B_j\\, \\ddot a_j + \\sum_k A_k\\, {}_{d|}\\ddot a_k,

    the present value of pensions in payment plus that of rights accrued
    by actives and inactives, with no future accrual: the amount the
    scheme would owe if it were closed at the valuation date. Annuity
    factors come from the life tables and the discount rate; this
    function only sums the products.

    References
    ----------
    - Holzmann, R., Palacios, R. and Zviniene, A. (2004). *Implicit
      Pension Debt: Issues, Measurement and Scope in International
      Perspective*. World Bank, Social Protection Discussion Paper 0403.
    - Plamondon, P. et al. (2002). *Actuarial Practice in Social
      Security*. Geneva: ILO/ISSA.

    Examples
    --------
    >>> accrued_to_date_liability([100.0, 50.0], [10.0, 12.0], [40.0], [5.0])
    1800.0
    """
    caller = "accrued_to_date_liability"
    total = 0.0
    for amount, factor, a_name, f_name in (
        (pension_amounts_in_payment, annuity_factors_pensioners,
         "pension_amounts_in_payment", "annuity_factors_pensioners"),
        (accrued_pensions_actives, deferred_annuity_factors,
         "accrued_pensions_actives", "deferred_annuity_factors"),
    ):
        x = np.asarray(amount, dtype=np.float64)
        f = np.asarray(factor, dtype=np.float64)
        if x.shape != f.shape:
            raise ValueError(
                f"{caller}: {a_name} has shape {x.shape} but {f_name} has shape {f.shape}; "
                "expected one annuity factor per amount"
            )
        total += float(np.sum(x * f))
    return total


def implicit_pension_debt(accrued_liability, reserve):
    """Implicit pension debt: accrued-to-date liability not covered by the reserve.

    Parameters
    ----------
    accrued_liability : float or array_like
        Accrued-to-date liability, from :func:`accrued_to_date_liability`. [currency]
    reserve : float or array_like
        Reserve (assets) at the same valuation date. [currency]

    Returns
    -------
    float or ndarray
        Implicit pension debt. [currency]

    Notes
    -----
    .. math:: \\mathrm{IPD} = \\mathrm{ADL} - R

    References
    ----------
    - Holzmann, R., Palacios, R. and Zviniene, A. (2004). *Implicit
      Pension Debt: Issues, Measurement and Scope in International
      Perspective*. World Bank, Social Protection Discussion Paper 0403.

    Examples
    --------
    >>> implicit_pension_debt(1800.0, 300.0)
    1500.0
    """
    return accrued_liability - reserve


# --------------------------------------------------------------------------
# Demographic, system and coverage ratios
# --------------------------------------------------------------------------

def demographic_dependency_ratio(pop_65_plus, pop_15_64):
    """Old-age (demographic) dependency ratio: population 65+ per person aged 15-64.

    Parameters
    ----------
    pop_65_plus : array_like or xarray.DataArray
        Population aged 65 and over. [persons]
    pop_15_64 : array_like or xarray.DataArray
        Population aged 15 to 64, same shape. [persons]

    Returns
    -------
    ndarray, float or xarray.DataArray
        Ratio; NaN where the working-age population is zero. [1]

    Notes
    -----
    .. math:: \\mathrm{ODR} = P_{65+} / P_{15\\text{-}64}

    See :func:`dependency_ratio_by_age` for other cut-off ages.

    References
    ----------
    - United Nations, DESA, Population Division. *World Population
      Prospects*, definition of indicators: "old-age dependency ratio".
    """
    return _ratio("demographic_dependency_ratio", pop_65_plus, pop_15_64, "pop_65_plus", "pop_15_64")


def dependency_ratio_by_age(population, *, ages=None, old_age=65, working_ages=(15, 64), axis=-1):
    """Old-age dependency ratio from a population by single age.

    Parameters
    ----------
    population : array_like or xarray.DataArray
        Population by age along ``axis`` (or along the dim ``age`` of a
        DataArray, with its ``age`` coordinate). Sum over sex first for the
        both-sexes ratio. [persons]
    ages : array_like, optional
        Age of each element along ``axis`` (the open last group counts as
        its lower bound); default 0, 1, 2, .... [years]
    old_age : float, default 65
        Lowest age of the old-age group. [years]
    working_ages : (float, float), default (15, 64)
        First and last age of the working-age group, inclusive. [years]
    axis : int, default -1
        Age axis of a NumPy ``population``.

    Returns
    -------
    ndarray, float or xarray.DataArray
        Ratio with the age axis summed out. [1]

    Notes
    -----
    .. math::

        \\frac{\\sum_{x \\ge x_o} P_x}{\\sum_{x_1 \\le x \\le x_2} P_x}

    References
    ----------
    - United Nations, DESA, Population Division. *World Population
      Prospects*, definition of indicators: "old-age dependency ratio".
    """
    caller = "dependency_ratio_by_age"
    lo, hi = working_ages
    if not lo <= hi:
        raise ValueError(f"{caller}: working_ages={working_ages!r}; expected (first, last) with first <= last")
    if isinstance(population, xr.DataArray):
        if "age" not in population.dims:
            raise ValueError(f"{caller}: population has dims {population.dims}; expected a dim 'age'")
        age_coord = population["age"]
        old = population.where(age_coord >= old_age).sum("age")
        working = population.where((age_coord >= lo) & (age_coord <= hi)).sum("age")
        return _ratio(caller, old, working, "old-age population", "working-age population")
    pop = np.asarray(population, dtype=np.float64)
    if pop.ndim == 0:
        raise ValueError(f"{caller}: population is a scalar; expected an array by age")
    n = pop.shape[axis]
    age = np.arange(n, dtype=np.float64) if ages is None else np.asarray(ages, dtype=np.float64)
    if age.shape != (n,):
        raise ValueError(f"{caller}: ages has shape {age.shape}; expected ({n},), one per age along axis {axis}")
    pop = np.moveaxis(pop, axis, -1)
    old = pop[..., age >= old_age].sum(axis=-1)
    working = pop[..., (age >= lo) & (age <= hi)].sum(axis=-1)
    return _ratio(caller, old, working, "old-age population", "working-age population")


def system_dependency_ratio(pensioners, contributors):
    """System dependency ratio: pensioners per contributor.

    Parameters
    ----------
    pensioners : array_like or xarray.DataArray
        Number of pensioners (pensions in payment). [persons]
    contributors : array_like or xarray.DataArray
        Number of contributors (active insured persons), same shape. [persons]

    Returns
    -------
    ndarray, float or xarray.DataArray
        Ratio; NaN where there are no contributors. [1]

    Notes
    -----
    .. math:: \\mathrm{SDR} = N^{\\text{pens}} / N^{\\text{contr}}

    The PAYG cost rate equals this ratio times the ratio of the average
    pension to the average insured earnings.

    References
    ----------
    - Plamondon, P. et al. (2002). *Actuarial Practice in Social
      Security*. Geneva: ILO/ISSA.
    """
    return _ratio("system_dependency_ratio", pensioners, contributors, "pensioners", "contributors")


def coverage_ratio(contributors, labour_force):
    """Coverage ratio: contributors as a fraction of the labour force.

    Parameters
    ----------
    contributors : array_like or xarray.DataArray
        Contributors, in total or by group (age, sex, sector). [persons]
    labour_force : array_like or xarray.DataArray
        Labour force of the same group, same shape. [persons]

    Returns
    -------
    ndarray, float or xarray.DataArray
        Ratio; NaN where the labour force is zero. [1]

    Notes
    -----
    .. math:: c = N^{\\text{contr}} / L

    References
    ----------
    - ILO (2021). *World Social Protection Report 2020-22*. Geneva:
      ILO (coverage indicators).
    """
    return _ratio("coverage_ratio", contributors, labour_force, "contributors", "labour_force")


def old_age_coverage_ratio(old_age_pensioners, population_above_pensionable_age):
    """Old-age coverage ratio: old-age pensioners per person above pensionable age.

    Parameters
    ----------
    old_age_pensioners : array_like or xarray.DataArray
        Persons above pensionable age receiving an old-age pension. [persons]
    population_above_pensionable_age : array_like or xarray.DataArray
        Population above pensionable age, same shape. [persons]

    Returns
    -------
    ndarray, float or xarray.DataArray
        Ratio; NaN where the population is zero. [1]

    Notes
    -----
    .. math:: c^{\\text{old}} = N^{\\text{old-age pens}} / P_{x \\ge x_r}

    This is the definition of SDG indicator 1.3.1 for older persons.

    References
    ----------
    - ILO (2021). *World Social Protection Report 2020-22*. Geneva:
      ILO (SDG indicator 1.3.1, older persons).
    """
    return _ratio("old_age_coverage_ratio", old_age_pensioners, population_above_pensionable_age,
                  "old_age_pensioners", "population_above_pensionable_age")


def replacement_rate(new_pension_amount, reference_earnings):
    """Replacement rate: pension at award as a fraction of reference earnings.

    Parameters
    ----------
    new_pension_amount : array_like or xarray.DataArray
        Average pension of new pensioners (awarded in the year). [currency/month]
    reference_earnings : array_like or xarray.DataArray
        Reference earnings in the same units and period, e.g. the average
        insured earnings of contributors in that year or the new
        pensioners' own earnings before retirement. [currency/month]

    Returns
    -------
    ndarray, float or xarray.DataArray
        Ratio; NaN where reference earnings are zero. [1]

    Notes
    -----
    .. math:: \\mathrm{RR} = \\bar B^{\\text{new}} / \\bar W

    The choice of reference earnings defines the indicator; state it
    beside the result.

    References
    ----------
    - Plamondon, P. et al. (2002). *Actuarial Practice in Social
      Security*. Geneva: ILO/ISSA.
    - OECD. *Pensions at a Glance*, "gross replacement rate".
    """
    return _ratio("replacement_rate", new_pension_amount, reference_earnings,
                  "new_pension_amount", "reference_earnings")


def share_of_gdp(amount, gdp):
    """An amount (outgo, reserve, contributions) as a fraction of GDP.

    Parameters
    ----------
    amount : array_like or xarray.DataArray
        Flow in the year [currency/year], or stock at 31 December [currency].
    gdp : array_like or xarray.DataArray
        Nominal gross domestic product of the same year, same currency. [currency/year]

    Returns
    -------
    ndarray, float or xarray.DataArray
        Share of GDP; NaN where GDP is zero. [1]

    Notes
    -----
    .. math:: s = A / \\mathrm{GDP}

    References
    ----------
    - Plamondon, P. et al. (2002). *Actuarial Practice in Social
      Security*. Geneva: ILO/ISSA.
    """
    return _ratio("share_of_gdp", amount, gdp, "amount", "gdp")
