"""The one engine: a whole projection path in Numba, from population to benefit outgo.

:func:`run_path` runs one path:

1. the cohort-component population projection (:func:`ssproj.kernels.population.project_population_kernel`)
   with the path's mortality and fertility (Lee-Carter and fertility-level
   deviations from the scenario's rates; none for a deterministic run), and
   period life expectancy at birth;
2. the scheme's drivers: members' death probabilities over the calendar
   year, coverage targets, floor and ceiling of insured earnings, mean and
   clipped lognormal earnings by age, reference earnings, minimum and
   maximum pensions and the indexation of pensions in payment, from the
   path's economy;
3. the scheme kernel (:func:`ssproj.kernels.scheme.scheme_kernel`);
4. the reductions the finance stage needs: insured earnings of
   contributors by group, long-term benefits and members on average over
   the year.

The deterministic projection (:func:`ssproj.project`) calls it once with
no shocks and keeps every array; stochastic runs call :func:`run_paths`,
which runs :func:`run_path` for each path in parallel (``numba.prange``) and
keeps the totals of :class:`PathTotals`. Each formula exists here once.

Inputs and outputs are NamedTuples of arrays, read by name. Shapes: T
projection years, Y scheme years (the last Y of the T), TE = Y + years of
earnings history (for reference earnings), G insured groups, S = 2 sexes,
X = 101 ages, NS = 51 service cells, B = 4 benefit types, K paths.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from ssproj.kernels.earnings import clipped_with_logs, safe_log, share_above_scalar
from ssproj.kernels.lifetable import FEMALE, life_expectancy_at, life_table_into
from ssproj.kernels.population import interval_rates, project_population_kernel
from ssproj.kernels.scheme import (
    N_TYPES,
    MemberRecords,
    SchemeDrivers,
    SchemeOutputs,
    SchemeState,
    empty_scheme_outputs,
    member_death_probability,
    scheme_kernel,
)

__all__ = ["BRANCH_KINDS", "DemographyInputs", "EarningsPlan", "EconomyPaths", "PathOutputs", "PathTotals",
           "Shocks", "branch_events", "earnings_records", "empty_path_outputs", "empty_path_totals", "no_shocks",
           "path_drivers", "path_reductions", "run_path", "run_path_state", "run_paths", "run_population",
           "scheme_drivers", "scheme_records", "scheme_state"]


#: How a short-term branch's benefits are projected: ``EarningsPlan.branch_kind`` indexes this tuple.
BRANCH_KINDS = ("cost_rate", "maternity", "sickness", "funeral", "employment_injury")


class DemographyInputs(NamedTuple):
    """Demographic inputs of the scenario (shared by all paths)."""

    pop0: np.ndarray  #: (S,X) population at 1 July of the first projection year [persons]
    mx: np.ndarray  #: (T,S,X) central death rates by calendar year [1/year]
    asfr: np.ndarray  #: (T,X) fertility rates by calendar year [births per woman per year]
    srb_i: np.ndarray  #: (T-1,) sex ratio at birth of each interval 1 July t -> t+1 [males per female]
    mig_i: np.ndarray  #: (T-1,S,X) net migrants of each interval [persons]
    lc_b: np.ndarray  #: (S,X) Lee-Carter age response b(x) of the mortality shocks [1]


class EarningsPlan(NamedTuple):
    """Earnings and benefit-limit structure of the scheme (shared by all paths)."""

    scheme_offset: int  #: index in the T projection years of the first scheme year
    target_weight: np.ndarray  #: (Y,G,S,X) coverage rate x employment of the group's sector per person [1]
    earnings_level: np.ndarray  #: (TE,G) group's mean earnings / average wage [1]
    earnings_scale: np.ndarray  #: (G,X) salary scale by age [1]
    #: (TE,G,S) earnings of a sex relative to the group's earnings at the same age (women's / men's =
    #: female_earnings_ratio; the group's average at the valuation date unchanged) [1]
    sex_factor: np.ndarray
    earnings_sigma: np.ndarray  #: (G,) standard deviation of log earnings [1]
    #: (Y,G,2,3) revaluation of active (0) and deferred (1) records: weights of price inflation and wage growth,
    #: and a fixed rate [1, 1, 1/year]
    revaluation: np.ndarray
    declared: np.ndarray  #: (G,) bool, contributions on declared income (band tied to the minimum wage)
    floor_ratio: np.ndarray  #: (TE,) contribution floor / minimum wage (wage earners) [1]
    declared_min: np.ndarray  #: (TE,G) lowest declared income / minimum wage [1]
    declared_max: np.ndarray  #: (TE,G) highest declared income / minimum wage [1]
    min_pension_ratio: np.ndarray  #: (Y,G) minimum pension / minimum wage [1]
    max_pension_ratio: np.ndarray  #: (Y,G) maximum pension / contribution ceiling [1]
    price_weight: np.ndarray  #: (Y,) weight of prices in the indexation (the rest: wages) [1]
    indexation_extra: np.ndarray  #: (Y,) added to the indexation [1/year]
    #: (Br,) int: how each short-term branch's benefits are projected (:data:`BRANCH_KINDS`)
    branch_kind: np.ndarray
    #: (Y,Br) benefit per event: maternity, sickness, employment injury in years of the member's insured
    #: earnings (per birth, per member-year, per member-year); funeral in months of the minimum wage per death
    branch_factor: np.ndarray
    branch_qualify: np.ndarray  #: (Y,G,Br) share of a group's active members who meet the branch's condition [1]
    branch_cover: np.ndarray  #: (G,Br) 1 if the branch covers the group's members, else 0 [1]


class EconomyPaths(NamedTuple):
    """Economic series of K paths (K = 1 for a deterministic run)."""

    average_wage: np.ndarray  #: (K,TE) [currency/month]
    minimum_wage: np.ndarray  #: (K,TE) [currency/month]
    ceiling: np.ndarray  #: (K,TE) contribution ceiling [currency/month]
    price_inflation: np.ndarray  #: (K,Y) [1/year]
    wage_growth: np.ndarray  #: (K,Y) [1/year]


class Shocks(NamedTuple):
    """Demographic shocks of K paths from projection year ``start`` on (n = T - start years)."""

    start: int  #: index in the T projection years of the first shocked year
    lc_dev: np.ndarray  #: (K,n,S) deviation of the Lee-Carter index k(t): m = m exp(b(x) dev) [1]
    log_fertility_dev: np.ndarray  #: (K,n) log fertility level: f = f exp(dev) [1]


class PathOutputs(NamedTuple):
    """Everything one path computes (allocated by the caller)."""

    population: np.ndarray  #: (T,S,X) at 1 July [persons]
    interval_births: np.ndarray  #: (T-1,S) births in the interval to 1 July t+1 [persons]
    interval_deaths: np.ndarray  #: (T-1,S,X) [persons]
    interval_floored: np.ndarray  #: (T-1,) persons added to keep stocks non-negative [persons]
    e0: np.ndarray  #: (T,S) period life expectancy at birth [years]
    qx: np.ndarray  #: (Y,S,X) members' death probabilities over the calendar year [1]
    target: np.ndarray  #: (Y,G,S) active members aimed at by the coverage rate [persons]
    floor: np.ndarray  #: (TE,G) floor of insured earnings [currency/month]
    ceiling: np.ndarray  #: (TE,G) ceiling of insured earnings [currency/month]
    mean_earnings: np.ndarray  #: (TE,G,S,X) mean earnings of members [currency/month]
    insured_wage: np.ndarray  #: (TE,G,S,X) mean insured (clipped) earnings [currency/month]
    share_above: np.ndarray  #: (TE,G,S,X) share of earnings above the contribution ceiling [1]
    earnings: np.ndarray  #: (Y,G,S,X) insured earnings of a contributor in the year [currency/year]
    drop_share: np.ndarray  #: (Y,G,S,X) share of the oldest year in the cohort's full record [1]
    revaluation: np.ndarray  #: (Y,G,2) revaluation of active (0) and deferred (1) records [1/year]
    record0: np.ndarray  #: (G,S,X,NS) record of a member at the valuation date [currency/year x years]
    min_pension: np.ndarray  #: (Y,G) [currency/year]
    max_pension: np.ndarray  #: (Y,G) [currency/year]
    indexation: np.ndarray  #: (Y,) of pensions in payment [1/year]
    fertility: np.ndarray  #: (Y,X) the path's fertility rates in the scheme years [births per woman per year]
    scheme: SchemeOutputs  #: the scheme kernel's outputs
    insured_earnings: np.ndarray  #: (Y,G) insured earnings of contributors [currency/year]
    branch_events: np.ndarray  #: (Y,Br) benefits of the short-term branches projected by event [currency/year]
    long_term_benefits: np.ndarray  #: (Y,) pensions and lump sums paid [currency/year]
    members_mid: np.ndarray  #: (Y,) active members on average over the year [persons]


class PathTotals(NamedTuple):
    """Totals kept of each of K stochastic paths."""

    insured_earnings: np.ndarray  #: (K,Y,G) [currency/year]
    long_term_benefits: np.ndarray  #: (K,Y) [currency/year]
    members_mid: np.ndarray  #: (K,Y) [persons]
    contributors: np.ndarray  #: (K,Y) [contributor-years]
    pensioners: np.ndarray  #: (K,Y) pensions in payment at 31 December [persons]
    old_age_pensioners: np.ndarray  #: (K,Y) [persons]
    insured: np.ndarray  #: (K,Y) active and inactive members at 31 December [persons]
    total_population: np.ndarray  #: (K,Y) at 1 July [persons]
    population_15_64: np.ndarray  #: (K,Y) [persons]
    population_65_plus: np.ndarray  #: (K,Y) [persons]
    e0: np.ndarray  #: (K,Y,S) period life expectancy at birth [years]
    pension_outgo: np.ndarray  #: (K,Y,B,G) pensions paid (not lump sums) by type and group [currency/year]
    branch_events: np.ndarray  #: (K,Y,Br) benefits of the short-term branches projected by event [currency/year]


def no_shocks(K: int, T: int, S: int = 2) -> Shocks:
    """Shocks of K paths that leave the scenario's demography as it is (no shocked year)."""
    return Shocks(T, np.zeros((K, 0, S)), np.zeros((K, 0)))


@njit(cache=True)
def _empty_outputs(T, Y, TE, G, S, X, NS, B, Br):
    return _outputs_around(empty_scheme_outputs(Y, G, S, X, NS, B), T, Y, TE, G, S, X, Br)


@njit(cache=True)
def _outputs_around(scheme, T, Y, TE, G, S, X, Br):
    NS = scheme.service.shape[2]
    z = np.zeros
    return PathOutputs(
        z((T, S, X)), z((T - 1, S)), z((T - 1, S, X)), z(T - 1), z((T, S)),
        z((Y, S, X)), z((Y, G, S)), z((TE, G)), z((TE, G)), z((TE, G, S, X)), z((TE, G, S, X)),
        z((TE, G, S, X)),
        z((Y, G, S, X)), z((Y, G, S, X)), z((Y, G, 2)), z((G, S, X, NS)), z((Y, G)), z((Y, G)), z(Y),
        z((Y, X)), scheme, z((Y, G)), z((Y, Br)), z(Y), z(Y),
    )


def empty_path_outputs(T: int, Y: int, TE: int, G: int, S: int = 2, X: int = 101, NS: int = 51,
                       B: int = N_TYPES, scheme: SchemeOutputs | None = None, Br: int = 0) -> PathOutputs:
    """Zeroed :class:`PathOutputs` of one path (T projection years, Y scheme years, TE years of
    earnings, G groups, S sexes, X ages, NS service cells, B benefit types, Br short-term
    branches: the plan's, or :func:`run_path` refuses them); ``scheme``: the scheme kernel's
    outputs to use (allocated here if None)."""
    if scheme is None:
        return _empty_outputs(T, Y, TE, G, S, X, NS, B, Br)
    return _outputs_around(scheme, T, Y, TE, G, S, X, Br)


def empty_path_totals(K: int, Y: int, G: int, S: int = 2, B: int = N_TYPES, Br: int = 0) -> PathTotals:
    """Zeroed :class:`PathTotals` of K paths (Br short-term branches)."""
    z = np.zeros
    return PathTotals(z((K, Y, G)), z((K, Y)), z((K, Y)), z((K, Y)), z((K, Y)), z((K, Y)), z((K, Y)),
                      z((K, Y)), z((K, Y)), z((K, Y)), z((K, Y, S)), z((K, Y, B, G)), z((K, Y, Br)))


@njit(cache=True)
def run_population(demo, shocks, p, population, interval_births, interval_deaths, interval_floored, e0):
    """Population of path p (1 July of each projection year) and its period life expectancy.

    Death rates of the shocked years are ``m exp(b(x) dev)`` and fertility
    ``f exp(dev)``; the projection interval t -> t+1 uses the geometric mean
    of the two years' death rates and the arithmetic mean of their
    fertility rates. Returns the path's death rates ``(T,S,X)`` [1/year] and fertility rates
    ``(T,X)`` [births per woman per year].
    """
    T = demo.mx.shape[0]
    S = demo.mx.shape[1]
    X = demo.mx.shape[2]
    mx = demo.mx
    asfr = demo.asfr
    if shocks.start < T:
        mx = demo.mx.copy()
        asfr = demo.asfr.copy()
        for t in range(shocks.start, T):
            h = t - shocks.start
            fmult = math.exp(shocks.log_fertility_dev[p, h])
            for x in range(X):
                asfr[t, x] *= fmult
            for s in range(S):
                d = shocks.lc_dev[p, h, s]
                for x in range(X):
                    mx[t, s, x] *= math.exp(demo.lc_b[s, x] * d)
    mx_i = np.empty((T - 1, S, X))
    asfr_i = np.empty((T - 1, X))
    interval_rates(mx, asfr, mx_i, asfr_i)
    project_population_kernel(demo.pop0, mx_i, asfr_i, demo.srb_i, demo.mig_i, population, interval_births,
                              interval_deaths, interval_floored)
    lt_q = np.empty(X)
    lt_l = np.empty(X)
    lt_L = np.empty(X)
    for t in range(T):
        for s in range(S):
            life_table_into(mx[t, s], s == FEMALE, lt_q, lt_l, lt_L)
            e0[t, s] = life_expectancy_at(lt_L, lt_l, 0)
    return mx, asfr


@njit(cache=True)
def member_death_probabilities(mx, qx):
    """Members' death probabilities over a calendar year from central death rates.

    Members are counted by completed age x at 1 January, i.e. exact age
    x + 1/2 on average: their death probability over the calendar year is
    that of exact ages x + 1/2 .. x + 3/2, the geometric mean
    ``1 - sqrt((1 - q(x)) (1 - q(x+1)))`` of ``q(x) = min(1, m / (1 + m/2))``;
    the open group keeps ``q(100)``. ``mx`` (..., X) [1/year] -> ``qx`` [1].
    """
    X = mx.shape[-1]
    m2 = mx.reshape((-1, X))
    q2 = qx.reshape((-1, X))
    for r in range(m2.shape[0]):
        for x in range(X):
            m = m2[r, x]
            q = m / (1.0 + 0.5 * m)
            q2[r, x] = q if q < 1.0 else 1.0
        for x in range(X - 1):
            q2[r, x] = 1.0 - math.sqrt((1.0 - q2[r, x]) * (1.0 - q2[r, x + 1]))


@njit(cache=True)
def path_drivers(demo, plan, params, econ, shocks, p, out, detail):
    """Steps 1-2 of a path: its population and the scheme kernel's drivers, into ``out``.

    Parameters
    ----------
    demo : DemographyInputs
    plan : EarningsPlan
    params : ssproj.kernels.scheme.SchemeParams
        (``record_years``.)
    econ : EconomyPaths
    shocks : Shocks
    p : int
        Path index into ``econ`` and ``shocks``.
    out : PathOutputs
        Written: population, births, deaths, e0, qx, target, floor,
        ceiling, mean and insured earnings, share above the ceiling
        (only with `detail`), the earnings records' drivers (see
        :func:`earnings_records`), minimum and maximum pensions,
        indexation.
    detail : bool
        Also the share of earnings above the ceiling (reported by a
        deterministic projection, not needed by the stochastic paths).
    """
    S = demo.mx.shape[1]
    X = demo.mx.shape[2]
    Y = plan.target_weight.shape[0]
    G = plan.target_weight.shape[1]
    TE = plan.earnings_level.shape[0]
    off_e = TE - Y
    off = plan.scheme_offset

    # ---- 1. demography
    mx, asfr = run_population(demo, shocks, p, out.population, out.interval_births, out.interval_deaths,
                              out.interval_floored, out.e0)
    for y in range(out.fertility.shape[0]):
        for x in range(X):
            out.fertility[y, x] = asfr[off + y, x]

    # ---- 2. drivers: death probabilities and coverage targets
    member_death_probabilities(mx[off:], out.qx)
    for y in range(Y):
        t = off + y
        for g in range(G):
            for s in range(S):
                acc = 0.0
                for x in range(X):
                    acc += out.population[t, s, x] * plan.target_weight[y, g, s, x]
                out.target[y, g, s] = acc

    # ---- economy: floor and ceiling of insured earnings, mean and clipped earnings
    for te in range(TE):
        aw = econ.average_wage[p, te]
        mw = econ.minimum_wage[p, te]
        ce = econ.ceiling[p, te]
        for g in range(G):
            if plan.declared[g]:
                fl_ = plan.declared_min[te, g] * mw
                cg = plan.declared_max[te, g] * mw
                if ce < cg:
                    cg = ce
            else:
                fl_ = plan.floor_ratio[te] * mw
                cg = ce
            if fl_ > cg:
                fl_ = cg
            out.floor[te, g] = fl_
            out.ceiling[te, g] = cg
            lvl = aw * plan.earnings_level[te, g]
            sg = plan.earnings_sigma[g]
            lf = safe_log(fl_)
            lc = safe_log(cg)
            for s in range(S):
                if s > 0 and plan.sex_factor[te, g, s] == plan.sex_factor[te, g, 0]:
                    for x in range(X):  # earnings that do not differ by sex: computed once
                        out.mean_earnings[te, g, s, x] = out.mean_earnings[te, g, 0, x]
                        out.insured_wage[te, g, s, x] = out.insured_wage[te, g, 0, x]
                        if detail:
                            out.share_above[te, g, s, x] = out.share_above[te, g, 0, x]
                    continue
                lvl_s = lvl * plan.sex_factor[te, g, s]
                for x in range(X):
                    mean = lvl_s * plan.earnings_scale[g, x]
                    out.mean_earnings[te, g, s, x] = mean
                    out.insured_wage[te, g, s, x] = clipped_with_logs(mean, sg, fl_, cg, lf, lc)
                    if detail:
                        out.share_above[te, g, s, x] = share_above_scalar(mean, sg, ce)

    # ---- earnings records: the year's insured earnings, the revaluation rates, the oldest year's
    # share in the cohort's full record, and a member's record at the valuation date
    earnings_records(plan, params, econ, p, out)

    # ---- minimum and maximum pensions, indexation
    for y in range(Y):
        mw = econ.minimum_wage[p, off_e + y]
        ce = econ.ceiling[p, off_e + y]
        for g in range(G):
            out.min_pension[y, g] = plan.min_pension_ratio[y, g] * mw * 12.0
            out.max_pension[y, g] = plan.max_pension_ratio[y, g] * ce * 12.0
        w = plan.price_weight[y]
        out.indexation[y] = (w * econ.price_inflation[p, y] + (1.0 - w) * econ.wage_growth[p, y]
                             + plan.indexation_extra[y])


@njit(cache=True)
def path_reductions(plan, params, econ, p, out):
    """Step 4 of a path: the totals the finance stage needs, from the scheme's outputs.

    ``out.insured_earnings`` (Y,G) = 12 x sum over sexes and ages of
    contributor-years x insured monthly earnings [currency/year];
    ``out.long_term_benefits`` (Y,) = pensions paid + lump sums
    [currency/year]; ``out.members_mid`` (Y,) = active members on average
    over the year (mean of the stocks at 1 January and 31 December) [persons];
    ``out.branch_events`` (:func:`branch_events`).
    """
    S = out.population.shape[1]
    X = out.population.shape[2]
    Y = plan.target_weight.shape[0]
    G = plan.target_weight.shape[1]
    TE = plan.earnings_level.shape[0]
    off_e = TE - Y
    sc = out.scheme
    B = sc.benefit_outgo.shape[1]
    for y in range(Y):
        lt = 0.0
        mid = 0.0
        for g in range(G):
            ie = 0.0
            for s in range(S):
                for x in range(X):
                    ie += sc.exposure[y, g, s, x] * out.insured_wage[off_e + y, g, s, x]
            out.insured_earnings[y, g] = ie * 12.0
            for b in range(B):
                lt += sc.benefit_outgo[y, b, g]
            lt += sc.lump_sums[y, g]
            for s in range(S):
                for x in range(X):
                    mid += 0.5 * (sc.actives[y, g, s, x] + sc.actives[y + 1, g, s, x])
        out.long_term_benefits[y] = lt
        out.members_mid[y] = mid
    branch_events(plan, params, econ, p, out)


@njit(cache=True)
def branch_events(plan, params, econ, p, out):
    """Benefits of the short-term branches projected by event, into ``out.branch_events`` (Y,Br).

    With ``a = K / d`` the active member-years of a cell (contributor-years
    over the group's density), ``c`` the branch's qualifying share of the
    group (``plan.branch_qualify``), ``w = 12 x`` insured monthly earnings
    of the age and ``f`` the branch's factor (``plan.branch_factor``), summed
    over the groups the branch covers:

    * maternity: ``sum_x a(female, x) fert(x) c w f`` (births to insured
      women, the path's fertility);
    * sickness, employment injury: ``sum_{s,x} a c w f``;
    * funeral: ``(sum_{s,x} a q c + sum_{s,x} (P_old + P_inv) q) x f x
      minimum wage`` (deaths of active members who qualify and of old-age
      and invalidity pensioners in payment at 1 January, q the members'
      death probability x the group's mortality factor, capped at 1:
      :func:`ssproj.kernels.scheme.member_death_probability`).

    Cost-rate branches are left at 0 (the finance stage computes them).
    [currency/year]
    """
    S = out.population.shape[1]
    X = out.population.shape[2]
    Y = plan.target_weight.shape[0]
    G = plan.target_weight.shape[1]
    TE = plan.earnings_level.shape[0]
    off_e = TE - Y
    Br = plan.branch_kind.shape[0]
    if out.branch_events.shape[1] != Br:
        raise ValueError("the path outputs were allocated for another number of short-term branches")
    sc = out.scheme
    for b in range(Br):
        kind = plan.branch_kind[b]
        for y in range(Y):
            out.branch_events[y, b] = 0.0
        if kind == 0:
            continue
        for y in range(Y):
            tot = 0.0
            for g in range(G):
                if plan.branch_cover[g, b] == 0.0:
                    continue
                d = params.density[y, g]
                mf = params.mortality_factor[g]
                acc = 0.0
                if d > 0.0:
                    inv_d = 1.0 / d
                    for s in range(S):
                        if kind == 1 and s == 0:  # maternity: women only
                            continue
                        for x in range(X):
                            a = sc.exposure[y, g, s, x] * inv_d
                            if a == 0.0:
                                continue
                            if kind == 1:
                                acc += a * out.fertility[y, x] * out.insured_wage[off_e + y, g, s, x]
                            elif kind == 3:
                                acc += a * member_death_probability(out.qx[y, s, x], mf)
                            else:
                                acc += a * out.insured_wage[off_e + y, g, s, x]
                acc *= plan.branch_qualify[y, g, b]
                if kind == 3:  # deaths of old-age and invalidity pensioners
                    for s in range(S):
                        for x in range(X):
                            acc += ((sc.pensioners[y, 0, g, s, x] + sc.pensioners[y, 1, g, s, x])
                                    * member_death_probability(out.qx[y, s, x], mf))
                tot += acc
            unit = econ.minimum_wage[p, off_e + y] if kind == 3 else 12.0
            out.branch_events[y, b] = tot * plan.branch_factor[y, b] * unit


@njit(cache=True)
def scheme_state(state0):
    """A working copy of the scheme's state at the valuation date."""
    return SchemeState(state0.A.copy(), state0.I.copy(), state0.P.copy(), state0.M.copy(), state0.R.copy())


@njit(cache=True)
def scheme_drivers(out):
    """The scheme kernel's drivers computed by :func:`path_drivers` (views of ``out``)."""
    return SchemeDrivers(out.target, out.qx, out.min_pension, out.max_pension, out.earnings, out.drop_share,
                         out.revaluation, out.indexation)


@njit(cache=True)
def scheme_records(state0, record0):
    """The members' earnings records at the valuation date: each member of a cell (g, s, x, n),
    active or inactive, holds ``record0[g, s, x, n]`` (:func:`earnings_records`)."""
    return MemberRecords(state0.A * record0, state0.I * record0)


@njit(cache=True)
def earnings_records(plan, params, econ, p, out):
    """Drivers of the members' earnings records on path p, into ``out``.

    * ``out.earnings[y, g, s, x] = 12 x insured_wage[y, g, s, x]``: what a
      contributor aged x at 1 January adds to their record for year y.
      [currency/year]
    * ``out.revaluation[y, g, j] = wp pi(y) + ww wg(y) + c`` for the active
      (j = 0) and deferred (j = 1) records, with the group's weights of price
      inflation and wage growth and fixed rate ``plan.revaluation[y, g, j]``.
      Years of the earnings history before the first scheme year are
      revalued by the active rule with the first scheme year's weights, the
      first scheme year's price inflation and the history's own average-wage
      growth. [1/year]
    * ``out.drop_share[y, g, s, x]``: the share of the oldest year in the
      full record (N = ``params.record_years[g]`` years) of a member aged x
      at 1 January of y who contributed every year, after that day's
      revaluation: with ``V(t) = prod_{u <= t} (1 + r(u))`` the active
      rule's index and ``w(t, a)`` insured earnings::

          h = (w(y-N, x-N) / V(y-N)) / sum_{k=1..N} w(y-k, x-k) / V(y-k)

      (1/N where the cohort has no such record). [1]
    * ``out.record0[g, s, x, n]``: the record of a member aged x with n
      credited years at the valuation date (31 December of the year before
      the first scheme year), assumed earned in the last ``min(n, N)``
      years before it on the group's earnings path, revalued to that date
      by the active rule (years before entry are not counted)::

          record0 = sum_{k=1..min(n, N)} 12 w(-k, x-k) V(-1) / V(-k)

      The same for active and inactive members. [currency/year x years]
    """
    Y = plan.target_weight.shape[0]
    G = plan.target_weight.shape[1]
    S = out.earnings.shape[2]
    X = out.earnings.shape[3]
    NS = out.record0.shape[3]
    TE = plan.earnings_level.shape[0]
    off_e = TE - Y
    V = np.empty(TE)
    wv = np.empty((TE, X))
    for g in range(G):
        N = params.record_years[g]
        for y in range(Y):
            for j in range(2):
                out.revaluation[y, g, j] = (plan.revaluation[y, g, j, 0] * econ.price_inflation[p, y]
                                            + plan.revaluation[y, g, j, 1] * econ.wage_growth[p, y]
                                            + plan.revaluation[y, g, j, 2])
            for s in range(S):
                for x in range(X):
                    out.earnings[y, g, s, x] = 12.0 * out.insured_wage[off_e + y, g, s, x]
        # the active rule's index over the history and the scheme years
        v = 1.0
        for te in range(TE):
            if te >= off_e:
                r = out.revaluation[te - off_e, g, 0]
            else:
                wg = (econ.average_wage[p, te] / econ.average_wage[p, te - 1] - 1.0 if te > 0
                      else econ.wage_growth[p, 0])
                r = (plan.revaluation[0, g, 0, 0] * econ.price_inflation[p, 0] + plan.revaluation[0, g, 0, 1] * wg
                     + plan.revaluation[0, g, 0, 2])
            v *= 1.0 + r
            V[te] = v
        for s in range(S):
            for te in range(TE):  # insured earnings in units of the index
                iv = 1.0 / V[te]
                for x in range(X):
                    wv[te, x] = out.insured_wage[te, g, s, x] * iv
            for y in range(Y):
                te = off_e + y
                for x in range(X):
                    tot = 0.0
                    for k in range(1, N + 1):
                        if x - k < 0 or te - k < 0:
                            break
                        tot += wv[te - k, x - k]
                    hs = 1.0 / N
                    if tot > 0.0 and x - N >= 0 and te - N >= 0:
                        hs = wv[te - N, x - N] / tot
                    out.drop_share[y, g, s, x] = hs
            for x in range(X):
                acc = 0.0  # record of n years, n = 0, 1, ...
                for n in range(NS):
                    k = n  # the n-th year back
                    if 1 <= k <= N and x - k >= 0 and off_e - k >= 0:
                        acc += 12.0 * out.insured_wage[off_e - k, g, s, x - k] * V[off_e - 1] / V[off_e - k]
                    out.record0[g, s, x, n] = acc


@njit(cache=True)
def run_path(demo, plan, params, state0, econ, shocks, p, out, detail=True):
    """Run path p of the whole engine into ``out`` (:class:`PathOutputs`), on one thread.

    The scheme's state at the end of the last year is :func:`run_path_state`'s.

    :func:`path_drivers`, then the scheme kernel
    (:func:`ssproj.kernels.scheme.scheme_kernel`) from the state at the
    valuation date, then :func:`path_reductions`. A deterministic projection
    is one such path without shocks (:func:`ssproj.scheme.engine.run_scheme`).

    Parameters
    ----------
    demo : DemographyInputs
    plan : EarningsPlan
    params : ssproj.kernels.scheme.SchemeParams
    state0 : ssproj.kernels.scheme.SchemeState
        State at the valuation date (not modified).
    econ : EconomyPaths
    shocks : Shocks
    p : int
        Path index into ``econ`` and ``shocks``.
    out : PathOutputs
        Written (flows are accumulated from zero).
    detail : bool
        See :func:`path_drivers` (False inside :func:`run_paths`).
    """
    run_path_state(demo, plan, params, state0, econ, shocks, p, out, detail)


@njit(cache=True)
def run_path_state(demo, plan, params, state0, econ, shocks, p, out, detail=True):
    """:func:`run_path`, returning the scheme's state at the end of the last scheme year.

    Returns
    -------
    ssproj.kernels.scheme.SchemeState
        Actives and inactives by credited service, pensions in payment and
        their annual amounts (before the next year's indexation) and
        reference earnings at 31 December of the last scheme year (a working
        copy; ``state0`` is not modified).
    """
    path_drivers(demo, plan, params, econ, shocks, p, out, detail)
    state = scheme_state(state0)
    scheme_kernel(state, scheme_records(state0, out.record0), params, scheme_drivers(out), out.scheme)
    path_reductions(plan, params, econ, p, out)
    return state


@njit(cache=True)
def _totals(out, off, p, totals):
    sc = out.scheme
    Y = sc.exposure.shape[0]
    G = sc.exposure.shape[1]
    S = sc.exposure.shape[2]
    X = sc.exposure.shape[3]
    B = sc.pensioners.shape[1]
    for y in range(Y):
        t = off + y
        tot = 0.0
        w1564 = 0.0
        w65 = 0.0
        for s in range(S):
            for x in range(X):
                v = out.population[t, s, x]
                tot += v
                if 15 <= x <= 64:
                    w1564 += v
                elif x >= 65:
                    w65 += v
            totals.e0[p, y, s] = out.e0[t, s]
        totals.total_population[p, y] = tot
        totals.population_15_64[p, y] = w1564
        totals.population_65_plus[p, y] = w65
        contrib = 0.0
        pens = 0.0
        old = 0.0
        ins = 0.0
        for g in range(G):
            totals.insured_earnings[p, y, g] = out.insured_earnings[y, g]
            for b in range(B):
                totals.pension_outgo[p, y, b, g] = sc.benefit_outgo[y, b, g]
        for b in range(out.branch_events.shape[1]):
            totals.branch_events[p, y, b] = out.branch_events[y, b]
        for g in range(G):
            for s in range(S):
                for x in range(X):
                    contrib += sc.exposure[y, g, s, x]
                    ins += sc.actives[y + 1, g, s, x] + sc.inactives[y + 1, g, s, x]
                    old += sc.pensioners[y + 1, 0, g, s, x]
                    for b in range(B):
                        pens += sc.pensioners[y + 1, b, g, s, x]
        totals.contributors[p, y] = contrib
        totals.pensioners[p, y] = pens
        totals.old_age_pensioners[p, y] = old
        totals.insured[p, y] = ins
        totals.long_term_benefits[p, y] = out.long_term_benefits[y]
        totals.members_mid[p, y] = out.members_mid[y]


@njit(parallel=True, cache=True)
def run_paths(demo, plan, params, state0, econ, shocks, totals, threads):
    """Run every path of ``econ`` and ``shocks`` with :func:`run_path` in parallel and keep their totals.

    Each path's numbers depend only on its own inputs, not on the thread,
    the number of threads or the other paths in the batch: every path
    overwrites all of the outputs it uses (the scheme kernel starts its
    flows from zero).

    Parameters
    ----------
    demo, plan, params, state0 : see :func:`run_path`
    econ : EconomyPaths
        K paths.
    shocks : Shocks
        K paths.
    totals : PathTotals
        Written for each path.
    threads : int
        Blocks of consecutive paths run in parallel (``numba.get_num_threads()``).
    """
    K = econ.average_wage.shape[0]
    T = demo.mx.shape[0]
    S = demo.mx.shape[1]
    X = demo.mx.shape[2]
    Y = plan.target_weight.shape[0]
    G = plan.target_weight.shape[1]
    TE = plan.earnings_level.shape[0]
    NS = state0.A.shape[3]
    B = state0.P.shape[0]
    Br = plan.branch_kind.shape[0]
    # one block of consecutive paths per thread, each block with one set of outputs that every
    # path overwrites (allocating them per path costs more than the path on 2 threads)
    n_blocks = min(K, max(1, threads))
    for blk in prange(n_blocks):
        out = _empty_outputs(T, Y, TE, G, S, X, NS, B, Br)
        for p in range(blk * K // n_blocks, (blk + 1) * K // n_blocks):
            run_path(demo, plan, params, state0, econ, shocks, p, out, False)
            _totals(out, plan.scheme_offset, p, totals)
