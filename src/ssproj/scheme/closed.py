"""The scheme as if it closed at the valuation date: closed-group variants of a compiled plan.

Liabilities and state-financed blocks of pensions are measured by running
the one engine on a part of the base-year population, with everything
else as in the scenario (the same economy, mortality, indexation and
benefit rules):

``"pensioners"``
    the pensions in payment at the valuation date alone, and the
    survivors' pensions that arise from them later;
``"inactives"``
    the inactive insured members at the valuation date alone, with the
    service they have, who claim at pensionable age as the law allows;
``"actives"``
    the active members at the valuation date, made inactive then (they
    stop accruing: the *termination* basis of an accrued-to-date
    liability, what the scheme would owe if it closed that day);
``"closed_group"``
    every member and pensioner at the valuation date, actives continuing
    to contribute and accrue, with no new entrant (the closed group).

In every variant but the closed group nobody contributes, nobody
re-enters and nobody is recruited; in the closed group actives lapse and
re-enter as in the scenario but nobody new joins.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ssproj.kernels.scheme import SchemeState
from ssproj.scheme.plan import SchemePlan

__all__ = ["CLOSED_GROUPS", "closed_at", "closed_plan"]

#: The closed-group variants of :func:`closed_plan`.
CLOSED_GROUPS: tuple[str, ...] = ("pensioners", "inactives", "actives", "closed_group")


def closed_plan(plan: SchemePlan, part: str) -> SchemePlan:
    """A copy of `plan` whose base-year population is only `part` (see the module's docstring).

    Parameters
    ----------
    plan : SchemePlan
    part : {"pensioners", "inactives", "actives", "closed_group"}

    Returns
    -------
    SchemePlan
        New arrays where they differ; the others are shared with `plan`
        (plans are never modified). The parts are set in the base-year
        state, so a variant can itself be closed at a later date
        (:func:`closed_at`, as the state-paid blocks by award date do);
        ``"pensioners"`` gives the same pensions as :func:`closed_at` at the
        first scheme year with the members leaving (tested).
    """
    if part not in CLOSED_GROUPS:
        raise ValueError(f"part={part!r} is not one of {', '.join(map(repr, CLOSED_GROUPS))}")
    st = plan.state0
    zero_m = np.zeros_like(st.A)
    if part == "pensioners":
        a, i, p = zero_m, zero_m.copy(), 1.0
    elif part == "inactives":
        a, i, p = zero_m, st.I, 0.0
    elif part == "actives":
        a, i, p = zero_m, st.A, 0.0  # made inactive at the valuation date: no further accrual
    else:
        a, i, p = st.A, st.I, 1.0
    state0 = SchemeState(np.ascontiguousarray(a), np.ascontiguousarray(i), st.P * p, st.M * p, st.R * p)
    earnings = plan.earnings._replace(target_weight=np.zeros_like(plan.earnings.target_weight))
    params = plan.params._replace(recruits=np.zeros_like(plan.params.recruits))
    if part != "closed_group":
        params = params._replace(reentry=np.zeros_like(params.reentry))
    return replace(plan, state0=state0, earnings=earnings, params=params)


def closed_at(plan: SchemePlan, year: int, keep_members: bool = True) -> SchemePlan:
    """A copy of `plan` that runs as the scenario until the end of ``year - 1`` and closes at the start of `year`.

    From then on nobody joins, is recruited, re-enters, contributes or
    accrues: the actives become inactive with the service credited so far
    and claim as the law allows (``keep_members``), or every member leaves
    (only the pensions in payment remain, and the survivors' pensions that
    arise from them). The engine's outgo from `year` on is then what is owed
    at 31 December of ``year - 1`` for the rights accrued by then.

    Parameters
    ----------
    plan : SchemePlan
    year : int
        A scheme year, ``plan.years[0]`` (closure at the valuation date) to
        the last. [calendar year]
    keep_members : bool, default True
    """
    years = [int(y) for y in plan.years]
    if int(year) not in years:
        raise ValueError(f"year={year!r} is not a scheme year ({years[0]}-{years[-1]})")
    yi = years.index(int(year))
    target = plan.earnings.target_weight.copy()
    target[yi:] = 0.0
    recruits = plan.params.recruits.copy()
    recruits[yi:] = 0.0
    reentry = plan.params.reentry.copy()
    reentry[yi:] = 0.0
    params = plan.params._replace(recruits=recruits, reentry=reentry, closed_from=yi,
                                  closed_keep_members=1 if keep_members else 0)
    return replace(plan, earnings=plan.earnings._replace(target_weight=target), params=params)
