"""Numba kernel of the fund roll-forward (DESIGN §7).

One step takes the reserve at 31 December of year t-1 to 31 December of
year t. Symbols, for projection year t:

* ``R[t-1]``  reserve at the start of year t (end of year t-1) [currency]
* ``I[t]``    contributions and other income, excluding investment income [currency/year]
* ``X[t]``    outgo [currency/year]
* ``i[t]``    rate of return on the reserve in year t [1/year]

    C(t) = I(t) - X(t)                                  net non-investment cash flow
    J(t) = i(t) (R(t-1) + C(t) / 2)                     investment income
    R(t) = R(t-1) + (I(t) + J(t)) - X(t)

The half-year term credits the year's cash flow, spread evenly over the
year, with simple interest for half a year (mid-year convention).

A negative reserve is carried as it is: it is a deficit financed by
borrowing at the same rate ``i(t)``, so ``J(t)`` is then an interest charge
(negative). Nothing is clipped; callers report the deficit.
"""
from __future__ import annotations

from numba import njit


@njit(cache=True)
def roll_forward_kernel(reserve_open, income, outgo, rate, reserve_start, investment_income,
                        total_income, total_outgo, reserve_end, net_cash_flow):
    """Roll a reserve forward over the projection years.

    Parameters
    ----------
    reserve_open : float
        Reserve at the start of the first year (31 December of the year
        before). [currency]
    income : ndarray, shape (T,)
        Contributions and other income, excluding investment income. [currency/year]
    outgo : ndarray, shape (T,)
        Outgo (benefits, administrative costs, ...). [currency/year]
    rate : ndarray, shape (T,)
        Rate of return on the reserve. [1/year]
    reserve_start, investment_income, total_income, total_outgo, reserve_end, net_cash_flow : ndarray, shape (T,)
        Outputs, allocated by the caller and filled in place:
        reserve at the start of each year [currency], investment income,
        income including investment income, outgo, reserve at the end of
        each year [currency], and ``income - outgo`` (excluding investment
        income) [currency/year].

    Notes
    -----
    ``reserve_start[t + 1]`` is the very value stored in ``reserve_end[t]``
    (bit for bit), and ``reserve_end[t] = reserve_start[t] + (total_income[t]
    - total_outgo[t])`` with a single rounding.
    """
    r = reserve_open
    for t in range(income.shape[0]):
        c = income[t] - outgo[t]          # C(t): net cash flow before investment income
        j = rate[t] * (r + 0.5 * c)       # J(t) = i(t) (R(t-1) + C(t)/2), DESIGN §7
        reserve_start[t] = r
        net_cash_flow[t] = c
        investment_income[t] = j
        total_income[t] = income[t] + j
        total_outgo[t] = outgo[t]
        r = r + (total_income[t] - total_outgo[t])
        reserve_end[t] = r
