"""Fund roll-forward and discount factors (DESIGN §7).

Conventions: annual steps; flows are calendar-year totals; reserves are at
31 December; money is nominal, in the scheme's currency; rates are
fractions (0.115, not 11.5). Every year-indexed argument is a 1-D array
over the projection years (index t = year t of the projection); an
`xarray.DataArray` with the single dim ``year`` is also accepted, and the
result is then a DataArray on the same ``year`` coordinate.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from ssproj.kernels.fund import DEFICIT_RULES, FundFlows, FundOutputs, fund_outputs, roll_forward_kernel

__all__ = ["DEFICIT_RULES", "discount_factors", "roll_forward", "roll_forward_rows"]

_HALF_YEAR = ("compound", "simple")


# --------------------------------------------------------------------------
# Helpers shared with ssproj.finance.indicators: year-indexed inputs in, the
# same kind out (not in __all__: argument checking for the finance modules).
# --------------------------------------------------------------------------

def year_inputs(caller: str, arrays: Mapping[str, Any], *, scalars: tuple[str, ...] = ()):
    """Check and coerce year-indexed arguments to equal-length float arrays.

    Arguments named in ``scalars`` may be scalars, broadcast over the years.
    Returns ``(dict of ndarray, template)`` where ``template`` is the first
    DataArray argument (or None) and carries the ``year`` coordinate.
    """
    template = None
    out: dict[str, np.ndarray] = {}
    lengths: dict[str, int] = {}
    for name, value in arrays.items():
        if isinstance(value, xr.DataArray):
            if value.ndim > 0:
                if value.dims != ("year",):
                    raise ValueError(
                        f"{caller}: {name} has dims {value.dims}; expected a 1-D DataArray "
                        "with the single dim 'year'"
                    )
                if template is None:
                    template = value
                elif not np.array_equal(value["year"].values, template["year"].values):
                    raise ValueError(
                        f"{caller}: {name} is not on the same 'year' coordinate as "
                        f"{template.name or 'the first DataArray argument'}; align them first"
                    )
            value = value.values
        arr = np.asarray(value, dtype=np.float64)
        if arr.ndim == 0:
            if name not in scalars:
                raise ValueError(
                    f"{caller}: {name} is a scalar; expected a 1-D array over the projection years"
                )
        elif arr.ndim != 1:
            raise ValueError(
                f"{caller}: {name} has shape {arr.shape}; expected a 1-D array over the projection years"
            )
        else:
            lengths[name] = arr.shape[0]
        out[name] = arr
    if not lengths:
        raise ValueError(
            f"{caller}: at least one of {', '.join(arrays)} must be a 1-D array over the projection years"
        )
    n = next(iter(lengths.values()))
    if any(m != n for m in lengths.values()):
        detail = ", ".join(f"{k} has {m}" for k, m in lengths.items())
        raise ValueError(f"{caller}: year-indexed arguments must have equal lengths, but {detail} years")
    for name, arr in out.items():
        out[name] = np.ascontiguousarray(np.broadcast_to(arr, (n,)) if arr.ndim == 0 else arr)
    return out, template


def scalar_input(caller: str, name: str, value: Any) -> float:
    """Coerce a scalar argument (plain number or 0-d array) to float."""
    if isinstance(value, xr.DataArray):
        value = value.values
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 0:
        raise ValueError(f"{caller}: {name} has shape {arr.shape}; expected a scalar")
    return float(arr)


def wrap_years(template, values: np.ndarray, name: str, units: str):
    """Return ``values`` as the template's kind (DataArray on ``year``) or as is."""
    if template is None:
        return values
    return xr.DataArray(values, coords={"year": template["year"].values}, dims=("year",),
                        name=name, attrs={"units": units})


def check_half_year(caller: str, half_year: str) -> None:
    """Raise ValueError naming `caller` if `half_year` is not ``"compound"`` or ``"simple"``."""
    if half_year not in _HALF_YEAR:
        raise ValueError(f"{caller}: half_year={half_year!r} is not one of {', '.join(map(repr, _HALF_YEAR))}")


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------

def roll_forward_rows(reserve_open, rule, income, outgo, rate, *, benefits=None, floor=None) -> FundOutputs:
    """Roll N reserves forward at once (the engine's form of :func:`roll_forward`, no argument coercion).

    Parameters
    ----------
    reserve_open : ndarray, shape (N,)
        [currency]
    rule : ndarray of int, shape (N,)
        Index into :data:`DEFICIT_RULES` of each reserve's rule.
    income, outgo, rate : ndarray, shape (N, T)
        Income excluding investment income and deficit transfers, scheduled
        outgo [currency/year]; return [1/year].
    benefits, floor : ndarray, shape (N, T), optional
        Scheduled benefits within ``outgo`` [currency/year] (default: all
        of it) and the reserve kept by ``state_transfer`` and ``payable``
        [currency] (default 0).

    Returns
    -------
    FundOutputs
        Arrays of shape (N, T) (see :mod:`ssproj.kernels.fund`).
    """
    income = np.ascontiguousarray(income, dtype=np.float64)
    n, t = income.shape
    flows = FundFlows(
        income,
        np.ascontiguousarray(outgo, dtype=np.float64),
        np.ascontiguousarray(outgo if benefits is None else benefits, dtype=np.float64),
        np.ascontiguousarray(np.broadcast_to(rate, (n, t)), dtype=np.float64),
        np.zeros((n, t)) if floor is None else np.ascontiguousarray(np.broadcast_to(floor, (n, t)),
                                                                      dtype=np.float64),
    )
    out = fund_outputs(n, t)
    roll_forward_kernel(np.ascontiguousarray(reserve_open, dtype=np.float64),
                        np.ascontiguousarray(rule, dtype=np.int64), flows, out)
    return out


def roll_forward(reserve_open, income_excl_investment, outgo, investment_return, *, rule: str = "borrow",
                 floor=0.0, benefits=None) -> dict:
    """Roll the reserve forward year by year, crediting investment income.

    Parameters
    ----------
    reserve_open : float
        Reserve at the start of the first projection year (31 December of
        the year before). [currency]
    income_excl_investment : array_like or xarray.DataArray, shape (T,)
        Contributions and other income (state subsidies, transfers)
        received in each year, excluding investment income and deficit
        transfers. [currency/year]
    outgo : array_like or xarray.DataArray, shape (T,)
        Scheduled outgo in each year: benefits, lump sums, administrative
        and other costs. [currency/year]
    investment_return : float, array_like or xarray.DataArray, shape (T,)
        Nominal rate of return on the reserve in each year; a scalar
        applies to every year. [1/year]
    rule : {"borrow", "state_transfer", "payable"}, default "borrow"
        Deficit financing rule: a negative reserve carried and charged
        interest (``borrow``); the state pays what keeps the reserve at
        ``floor`` (``state_transfer``); benefits are cut to what income and
        reserve allow above ``floor`` (``payable``).
    floor : float, array_like or xarray.DataArray, shape (T,), default 0
        Reserve at 31 December kept by ``state_transfer`` and ``payable``. [currency]
    benefits : array_like or xarray.DataArray, shape (T,), optional
        The scheduled benefits within ``outgo``, which ``payable`` may cut
        (default: all the outgo). [currency/year]

    Returns
    -------
    dict
        Arrays of shape (T,) (DataArrays on ``year`` if any input was one):

        ``reserve_start``
            Reserve at 1 January, ``reserve_start[0] = reserve_open``. [currency]
        ``investment_income``
            Investment income (negative: interest on a deficit, ``borrow``
            only). [currency/year]
        ``total_income``
            ``income_excl_investment + state_transfer + investment_income``. [currency/year]
        ``total_outgo``
            Outgo paid: ``outgo`` less the cut of benefits under ``payable``. [currency/year]
        ``reserve_end``
            Reserve at 31 December. [currency]
        ``net_cash_flow``
            ``income_excl_investment + state_transfer - total_outgo``, the
            non-investment cash flow that earns half a year of interest. [currency/year]
        ``state_transfer``
            Deficit transfer from the state (``state_transfer`` only). [currency/year]
        ``benefits_paid``
            ``benefits`` less the cut under ``payable``. [currency/year]
        ``reserve_end_scheduled``
            Reserve at 31 December under the scheduled flows (no transfer,
            no cut, deficits borrowed): what the depletion year is read
            from, whatever the rule. [currency]

    Raises
    ------
    ValueError
        If the year-indexed arguments are not 1-D or differ in length,
        ``reserve_open`` is not a scalar, or ``rule`` is unknown.

    Notes
    -----
    With :math:`R_{t-1}` the reserve at the start of year :math:`t`,
    :math:`I_t` the income excluding investment income, :math:`X_t` the
    outgo, :math:`x_t` the transfer (or cut) of the rule and :math:`i_t`
    the return (DESIGN §7):

    .. math::

        J_t = i_t \\left(R_{t-1} + \\tfrac12 (I_t + x_t - X_t)\\right), \\qquad
        R_t = R_{t-1} + (I_t + x_t + J_t) - X_t .

    The half-year term assumes the year's cash flow is spread evenly over
    the year and earns simple interest for half a year on average. Under
    ``borrow`` :math:`x_t = 0` and a reserve may become negative: a
    deficit financed by borrowing at :math:`i_t`, so investment income
    becomes an interest charge. Under the other rules :math:`x_t \\ge 0` is
    the smallest amount that keeps :math:`R_t \\ge F_t` (for ``payable``
    at most the year's benefits) and a negative balance earns nothing;
    the formulas are in :mod:`ssproj.kernels.fund`.

    The roll-forward is exact: ``reserve_start[t + 1]`` is bit for bit
    ``reserve_end[t]`` and ``reserve_end - reserve_start`` equals
    ``total_income - total_outgo`` to one rounding.

    References
    ----------
    - Plamondon, P., Drouin, A., Binet, G., Cichon, M., McGillivray,
      W. R., Bédard, M. and Perez-Montas, H. (2002). *Actuarial Practice
      in Social Security*. Geneva: ILO/ISSA.
    - Board of Trustees of the Federal OASI and DI Trust Funds (2024).
      *Annual Report*, section IV.B (benefits payable after trust fund
      depletion).

    Examples
    --------
    >>> out = roll_forward(100.0, [20.0, 20.0], [10.0, 30.0], 0.05)
    >>> out["investment_income"].tolist()
    [5.25, 5.5125]
    >>> out["reserve_end"].tolist()
    [115.25, 110.7625]
    >>> out = roll_forward(10.0, [20.0, 20.0], [50.0, 50.0], 0.0, rule="state_transfer")
    >>> out["state_transfer"].tolist(), out["reserve_end"].tolist()
    ([20.0, 30.0], [0.0, 0.0])
    """
    caller = "roll_forward"
    if rule not in DEFICIT_RULES:
        raise ValueError(f"{caller}: rule={rule!r} is not one of {', '.join(map(repr, DEFICIT_RULES))}")
    r0 = scalar_input(caller, "reserve_open", reserve_open)
    arrays = {"income_excl_investment": income_excl_investment, "outgo": outgo,
              "investment_return": investment_return, "floor": floor}
    if benefits is not None:
        arrays["benefits"] = benefits
    a, template = year_inputs(caller, arrays, scalars=("investment_return", "floor"))
    res = roll_forward_rows(np.array([r0]), np.array([DEFICIT_RULES.index(rule)]), a["income_excl_investment"][None],
                            a["outgo"][None], a["investment_return"][None],
                            benefits=a["benefits"][None] if benefits is not None else None, floor=a["floor"][None])
    units = {"reserve_start": "currency", "reserve_end": "currency", "reserve_end_scheduled": "currency"}
    return {k: wrap_years(template, v[0], k, units.get(k, "currency/year")) for k, v in res._asdict().items()}


def discount_factors(interest, *, mid_year: bool = False, half_year: str = "compound"):
    """Discount factors from the start of the first projection year.

    Parameters
    ----------
    interest : array_like or xarray.DataArray, shape (T,)
        Nominal interest (discount) rate in each year. [1/year]
    mid_year : bool, default False
        False: discount to the start of the first year an amount due at the
        end of year t (a reserve at 31 December). True: an amount flowing
        during year t, spread evenly over the year (a calendar-year flow).
    half_year : {"compound", "simple"}, default "compound"
        How the half-year between mid-year and the end of year t is
        treated when ``mid_year`` is True: ``"compound"`` multiplies by
        :math:`(1+i_t)^{1/2}`; ``"simple"`` by :math:`1 + i_t/2`, which is
        the convention of :func:`roll_forward` (present values computed
        with it agree exactly with a roll-forward at the same rates).

    Returns
    -------
    ndarray or xarray.DataArray, shape (T,)
        Discount factors :math:`v_t`. [1]

    Raises
    ------
    ValueError
        If ``interest`` is not 1-D, any rate is :math:`\\le -1`, or
        ``half_year`` is unknown.

    Notes
    -----
    .. math::

        v_t = \\prod_{s=0}^{t} (1+i_s)^{-1}, \\qquad
        v_t^{\\text{mid}} = v_t (1+i_t)^{1/2}
        \\quad\\text{or}\\quad v_t (1 + i_t/2) .

    References
    ----------
    - Plamondon, P. et al. (2002). *Actuarial Practice in Social
      Security*. Geneva: ILO/ISSA.

    Examples
    --------
    >>> discount_factors([0.25, 0.0]).tolist()
    [0.8, 0.8]
    >>> discount_factors([0.21], mid_year=True).round(12).tolist()
    [0.909090909091]
    """
    caller = "discount_factors"
    check_half_year(caller, half_year)
    a, template = year_inputs(caller, {"interest": interest})
    i = a["interest"]
    if np.any(i <= -1.0):
        t = int(np.argmax(i <= -1.0))
        raise ValueError(f"{caller}: interest[{t}] = {float(i[t])!r}; expected rates > -1")
    v = 1.0 / np.cumprod(1.0 + i)
    if mid_year:
        v = v * (np.sqrt(1.0 + i) if half_year == "compound" else 1.0 + 0.5 * i)
    return wrap_years(template, v, "discount_factor", "1")
