"""Numba kernel of the fund roll-forward with its deficit financing rule (DESIGN §7).

One step takes the reserve at 31 December of year t-1 to 31 December of
year t. Symbols, for projection year t:

* ``R[t-1]``  reserve at the start of year t (end of year t-1) [currency]
* ``I[t]``    contributions and other income, excluding investment income [currency/year]
* ``X[t]``    scheduled outgo: benefits and administrative costs [currency/year]
* ``B[t]``    the scheduled benefits within ``X[t]`` (what ``payable`` may cut) [currency/year]
* ``i[t]``    rate of return on the reserve in year t [1/year]
* ``F[t]``    the floor the reserve is kept at by ``state_transfer`` and ``payable`` [currency]

    C(t) = I(t) - X(t) + x(t)                           net non-investment cash flow
    J(t) = i(t) (R(t-1) + C(t) / 2)                     investment income
    R(t) = R(t-1) + (I(t) + x(t) + J(t)) - X(t)

The half-year term credits the year's cash flow, spread evenly over the
year, with simple interest for half a year (mid-year convention). ``x(t)``
is what the deficit financing rule adds:

``borrow`` (rule 0)
    ``x = 0``. A negative reserve is carried as it is: a deficit financed
    by borrowing at the same rate ``i(t)``, so ``J(t)`` is then an interest
    charge (negative).
``state_transfer`` (rule 1)
    ``x`` is a transfer from the state, paid over the year like the other
    income, the smallest that keeps ``R(t) >= F(t)``.
``payable`` (rule 2)
    ``x`` is a cut of the year's benefits, the smallest that keeps
    ``R(t) >= F(t)``, at most ``B(t)`` (benefits are not negative; if even
    no benefit at all leaves the reserve below the floor, it stays below).

Under ``state_transfer`` and ``payable`` a negative balance earns nothing:
``J(t) = i(t) max(R(t-1) + C(t)/2, 0)``. Where ``x > 0`` it is the
solution of ``R(t) = F(t)``:

    x = (F - R(t-1) (1 + i)) / (1 + i/2) - (I - X)    if R(t-1) + F >= 0
    x = F - R(t-1) - (I - X)                          otherwise (no investment income)

The kernel also rolls the reserve forward under the *scheduled* flows
(``x = 0``, deficits borrowed: the ``borrow`` formula), from which the
depletion year is read whatever the rule.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

__all__ = ["BORROW", "DEFICIT_RULES", "PAYABLE", "STATE_TRANSFER", "FundFlows", "FundOutputs", "fund_outputs",
           "roll_forward_kernel"]

#: Deficit financing rules, in the order of their codes in the kernel.
DEFICIT_RULES: tuple[str, ...] = ("borrow", "state_transfer", "payable")
BORROW, STATE_TRANSFER, PAYABLE = 0, 1, 2


class FundFlows(NamedTuple):
    """Inputs of :func:`roll_forward_kernel`, each of shape (N, T): N independent
    reserves (funds, paths) over T years."""

    income: np.ndarray      #: income excluding investment income and deficit transfers [currency/year]
    outgo: np.ndarray       #: scheduled outgo, benefits and administrative costs [currency/year]
    benefits: np.ndarray    #: scheduled benefits within ``outgo`` (what ``payable`` may cut) [currency/year]
    rate: np.ndarray        #: return on the reserve [1/year]
    floor: np.ndarray       #: reserve kept by ``state_transfer`` and ``payable`` [currency]


class FundOutputs(NamedTuple):
    """Outputs of :func:`roll_forward_kernel`, each of shape (N, T), filled in place."""

    reserve_start: np.ndarray          #: reserve at 1 January [currency]
    investment_income: np.ndarray      #: [currency/year] (negative: interest on a deficit, ``borrow`` only)
    total_income: np.ndarray           #: income + state transfer + investment income [currency/year]
    total_outgo: np.ndarray            #: outgo actually paid (scheduled outgo less a ``payable`` cut) [currency/year]
    reserve_end: np.ndarray            #: reserve at 31 December [currency]
    net_cash_flow: np.ndarray          #: income + state transfer - outgo paid [currency/year]
    state_transfer: np.ndarray         #: deficit transfer from the state [currency/year]
    benefits_paid: np.ndarray          #: scheduled benefits less a ``payable`` cut [currency/year]
    reserve_end_scheduled: np.ndarray  #: reserve at 31 December under the scheduled flows, deficits borrowed [currency]


def fund_outputs(n: int, t: int) -> FundOutputs:
    """Uninitialised outputs for ``n`` reserves over ``t`` years."""
    return FundOutputs(*(np.empty((n, t)) for _ in FundOutputs._fields))


@njit(cache=True)
def roll_forward_kernel(reserve_open, rule, flows, out):
    """Roll N reserves forward over T years under their deficit financing rules.

    Parameters
    ----------
    reserve_open : ndarray, shape (N,)
        Reserve at the start of the first year (31 December of the year
        before). [currency]
    rule : ndarray of int64, shape (N,)
        Deficit financing rule of each reserve: 0 borrow, 1 state transfer,
        2 payable (:data:`DEFICIT_RULES`).
    flows : FundFlows
        Arrays of shape (N, T).
    out : FundOutputs
        Arrays of shape (N, T), filled in place.

    Notes
    -----
    ``reserve_start[:, t + 1]`` is the very value stored in
    ``reserve_end[:, t]`` (bit for bit), and ``reserve_end = reserve_start +
    (total_income - total_outgo)`` with a single rounding. Under ``borrow``
    ``reserve_end_scheduled`` is ``reserve_end`` bit for bit.
    """
    n, t_len = flows.income.shape
    for k in range(n):
        r = reserve_open[k]
        rs = reserve_open[k]
        code = rule[k]
        for t in range(t_len):
            inc = flows.income[k, t]
            x_out = flows.outgo[k, t]
            i = flows.rate[k, t]
            c = inc - x_out                       # C(t) before the rule
            # scheduled flows, deficits borrowed (the depletion year is read from these)
            js = i * (rs + 0.5 * c)
            rs = rs + ((inc + js) - x_out)
            out.reserve_end_scheduled[k, t] = rs
            x = 0.0
            if code == BORROW:
                j = i * (r + 0.5 * c)             # J(t) = i(t) (R(t-1) + C(t)/2), DESIGN §7
            else:
                base = r + 0.5 * c
                j = i * base if base > 0.0 else 0.0
                f = flows.floor[k, t]
                if r + c + j < f:
                    if r + f >= 0.0:              # the balance stays >= 0: it earns interest
                        x = (f - r * (1.0 + i)) / (1.0 + 0.5 * i) - c
                    else:
                        x = f - r - c
                    if code == PAYABLE and x > flows.benefits[k, t]:
                        x = flows.benefits[k, t]  # nothing more to cut
                    base = r + 0.5 * (c + x)
                    j = i * base if base > 0.0 else 0.0
            transfer = x if code == STATE_TRANSFER else 0.0
            cut = x if code == PAYABLE else 0.0
            out.reserve_start[k, t] = r
            out.state_transfer[k, t] = transfer
            out.benefits_paid[k, t] = flows.benefits[k, t] - cut
            out.investment_income[k, t] = j
            out.total_income[k, t] = inc + transfer + j
            out.total_outgo[k, t] = x_out - cut
            out.net_cash_flow[k, t] = (inc + transfer) - (x_out - cut)
            r = r + (out.total_income[k, t] - out.total_outgo[k, t])
            out.reserve_end[k, t] = r
