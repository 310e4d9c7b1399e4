"""Numba kernel running many stochastic paths of the full engine in parallel.

One path = one cohort-component population projection (with that path's
mortality and fertility) followed by one scheme projection (with that
path's population, death probabilities and economy). Paths are
independent, so :func:`run_paths_kernel` spreads them over threads with
``numba.prange``; each path's numbers do not depend on the thread, the
number of threads or the other paths in the batch.

The per-path glue (coverage targets, clipped lognormal earnings,
reference earnings, member death probabilities) repeats the NumPy code of
:func:`ssproj.scheme.plan.project_scheme` in scalar form; a test checks that a
path without shocks reproduces the deterministic projection.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ssproj.kernels.lifetable import FEMALE, life_expectancy_at, life_table_into
from ssproj.kernels.population import project_population_kernel
from ssproj.kernels.scheme import scheme_kernel

_SQRT_HALF = 0.7071067811865476


@njit(cache=True)
def _ndtr(z):
    return 0.5 * math.erfc(-z * _SQRT_HALF)


@njit(cache=True)
def _cdf(mean, mu, sigma, bound, log_bound):
    if bound <= 0.0:
        return 0.0
    if sigma > 0.0:
        return _ndtr((log_bound - mu) / sigma)
    return 1.0 if mean <= bound else 0.0


@njit(cache=True)
def _partial_mean(mean, mu, sigma, bound, log_bound):
    if bound <= 0.0:
        return 0.0
    if sigma > 0.0:
        return mean * _ndtr((log_bound - mu - sigma * sigma) / sigma)
    return mean if mean <= bound else 0.0


@njit(cache=True)
def _safe_log(v):
    return math.log(v) if v > 0.0 else -math.inf


@njit(cache=True)
def clipped_with_logs(mean, sigma, floor, ceiling, log_floor, log_ceiling):
    """:func:`expected_clipped_scalar` given ``log(floor)`` and ``log(ceiling)``
    (used only when the bound is > 0), so loops over ages can compute them once. [currency/month]"""
    if not mean > 0.0:
        return 0.0
    mu = math.log(mean) - 0.5 * sigma * sigma
    if sigma > 0.0 and floor > 0.0 and ceiling > 0.0:  # the usual case, without the branches below
        s2 = sigma * sigma
        return (floor * _ndtr((log_floor - mu) / sigma)
                + mean * (_ndtr((log_ceiling - mu - s2) / sigma) - _ndtr((log_floor - mu - s2) / sigma))
                + ceiling * (1.0 - _ndtr((log_ceiling - mu) / sigma)))
    pf = _cdf(mean, mu, sigma, floor, log_floor)
    pc = _cdf(mean, mu, sigma, ceiling, log_ceiling)
    between = (_partial_mean(mean, mu, sigma, ceiling, log_ceiling)
               - _partial_mean(mean, mu, sigma, floor, log_floor))
    return floor * pf + between + ceiling * (1.0 - pc)


@njit(cache=True)
def expected_clipped_scalar(mean, sigma, floor, ceiling):
    """Scalar :func:`ssproj.scheme.earnings.expected_clipped`. [currency/month]"""
    return clipped_with_logs(mean, sigma, floor, ceiling, _safe_log(floor), _safe_log(ceiling))


#: Per-path outputs of :func:`run_paths_kernel` on (path, scheme year), in order.
YEAR_OUTPUTS = ("long_term_benefits", "members_mid", "contributors", "pensioners", "old_age_pensioners",
                "insured", "total_population", "population_15_64", "population_65_plus")


@njit(parallel=True, cache=True)
def run_paths_kernel(
    # demography: shared
    pop0, mx_central, asfr_central, srb_i, mig_i, lc_b, shock_start, scheme_offset,
    # demography: per path (K, T - shock_start, S) and (K, T - shock_start)
    lc_dev, log_fertility_dev,
    # scheme: shared
    target_weight, earnings_level, earnings_scale, earnings_sigma, ref_periods,
    A0, I0, P0, M0, R0,
    recruits, entry_dist, mortality_factor, density, lapse, reentry,
    inval_incidence, inval_min_service, inval_rate,
    pensionable_age, min_service, accrual, base_rate, full_service, short_reduction,
    service_cap, replacement_cap, lump_months, surv_min_service, widow_rate, orphan_rate, orphan_limit,
    married, spouse_gap, children,
    early_window, early_rate, early_reduction, deferral_share, deferral_years, late_increment,
    # economy: per path
    average_wage, floor, ceiling, min_pension, max_pension, indexation,
    # outputs
    insured_earnings_out, year_out, e0_out,
):
    """Run K stochastic paths of the population and scheme projections.

    Shapes: K paths, T projection years, Y scheme years (the last Y of the
    T), T_ext = Y + earnings history years, G groups, S = 2, X = 101.

    Parameters
    ----------
    pop0 : (S, X) population at 1 July of the first projection year [persons]
    mx_central : (T, S, X) central death rates of the scenario [1/year]
    asfr_central : (T, X) fertility rates of the scenario [1/year]
    srb_i, mig_i : (T-1,), (T-1, S, X) interval sex ratio at birth [1] and
        net migrants [persons] (shared by all paths)
    lc_b : (S, X) Lee-Carter age response b(x) [1]
    shock_start : int, index in T of the first shocked year
    scheme_offset : int, index in T of the first scheme year (T - Y)
    lc_dev : (K, T - shock_start, S) deviation of the Lee-Carter index k(t)
        from its central trend; ``m = m_central exp(b(x) dev)`` [1]
    log_fertility_dev : (K, T - shock_start) log of the fertility level
        relative to the scenario; ``f = f_central exp(dev)`` [1]
    target_weight : (Y, G, S, X) coverage x sector employment share [1]
    earnings_level : (T_ext, G); earnings_scale : (G, X);
    earnings_sigma : (G,); ref_periods : (G,) int
        earnings structure (see :class:`ssproj.scheme.plan.SchemePlan`)
    A0, I0, P0, M0, R0 : state at the valuation date (not modified)
    recruits ... late_increment : the scheme kernel's static inputs
    average_wage : (K, T_ext) [currency/month]
    floor, ceiling : (K, T_ext, G) of insured earnings [currency/month]
    min_pension, max_pension : (K, Y, G) [currency/year]
    indexation : (K, Y) of pensions in payment [1/year]
    insured_earnings_out : (K, Y, G) insured earnings of contributors [currency/year]
    year_out : (K, len(YEAR_OUTPUTS), Y): long-term benefits paid
        [currency/year], active members on average over the year, contributor-years,
        pensions in payment, old-age pensions in payment, insured persons
        (31 December) [persons], population in total, 15-64 and 65+ (1 July) [persons]
    e0_out : (K, Y, S) period life expectancy at birth [years]
    """
    K = lc_dev.shape[0]
    T = mx_central.shape[0]
    S = mx_central.shape[1]
    X = mx_central.shape[2]
    Y = target_weight.shape[0]
    G = target_weight.shape[1]
    TE = earnings_level.shape[0]
    off_e = TE - Y
    B = P0.shape[0]
    NS = A0.shape[3]
    for p in prange(K):
        # ---- demography
        mx = mx_central.copy()
        asfr = asfr_central.copy()
        for t in range(shock_start, T):
            h = t - shock_start
            fmult = math.exp(log_fertility_dev[p, h])
            for x in range(X):
                asfr[t, x] *= fmult
            for s in range(S):
                d = lc_dev[p, h, s]
                for x in range(X):
                    mx[t, s, x] *= math.exp(lc_b[s, x] * d)
        mx_i = np.empty((T - 1, S, X))
        asfr_i = np.empty((T - 1, X))
        for t in range(T - 1):
            for s in range(S):
                for x in range(X):
                    mx_i[t, s, x] = math.sqrt(mx[t, s, x] * mx[t + 1, s, x])
            for x in range(X):
                asfr_i[t, x] = 0.5 * (asfr[t, x] + asfr[t + 1, x])
        pop = np.empty((T, S, X))
        ib = np.empty((T - 1, S))
        idth = np.empty((T - 1, S, X))
        fl = np.empty(T - 1)
        project_population_kernel(pop0, mx_i, asfr_i, srb_i, mig_i, pop, ib, idth, fl)

        # ---- scheme inputs
        qx = np.empty((Y, S, X))
        target = np.zeros((Y, G, S))
        lt_q = np.empty(X)
        lt_l = np.empty(X)
        lt_L = np.empty(X)
        for y in range(Y):
            t = scheme_offset + y
            for s in range(S):
                tot = 0.0
                w1564 = 0.0
                w65 = 0.0
                for x in range(X):
                    m = mx[t, s, x]
                    q = m / (1.0 + 0.5 * m)
                    qx[y, s, x] = q if q < 1.0 else 1.0
                    tot += pop[t, s, x]
                    if 15 <= x <= 64:
                        w1564 += pop[t, s, x]
                    elif x >= 65:
                        w65 += pop[t, s, x]
                year_out[p, 6, y] += tot
                year_out[p, 7, y] += w1564
                year_out[p, 8, y] += w65
                for x in range(X - 1):
                    qx[y, s, x] = 1.0 - math.sqrt((1.0 - qx[y, s, x]) * (1.0 - qx[y, s, x + 1]))
                for g in range(G):
                    acc = 0.0
                    for x in range(X):
                        acc += pop[t, s, x] * target_weight[y, g, s, x]
                    target[y, g, s] = acc
            for s in range(S):
                life_table_into(mx[t, s], s == FEMALE, lt_q, lt_l, lt_L)
                e0_out[p, y, s] = life_expectancy_at(lt_L, lt_l, 0)
        insured_w = np.empty((TE, G, S, X))
        for te in range(TE):
            aw = average_wage[p, te]
            for g in range(G):
                lvl = aw * earnings_level[te, g]
                sg = earnings_sigma[g]
                fl_ = floor[p, te, g]
                ce_ = ceiling[p, te, g]
                lf = _safe_log(fl_)
                lc = _safe_log(ce_)
                for x in range(X):
                    v = clipped_with_logs(lvl * earnings_scale[g, x], sg, fl_, ce_, lf, lc)
                    for s in range(S):
                        insured_w[te, g, s, x] = v
        ref = np.zeros((Y, G, S, X))
        for g in range(G):
            N = ref_periods[g]
            for y in range(Y):
                for s in range(S):
                    for x in range(X):
                        acc = 0.0
                        for k in range(N):
                            if x >= k:
                                acc += insured_w[off_e - k + y, g, s, x - k]
                        ref[y, g, s, x] = acc * (12.0 / N)

        # ---- scheme
        A = A0.copy()
        I = I0.copy()
        P = P0.copy()
        M = M0.copy()
        R = R0.copy()
        act = np.zeros((Y + 1, G, S, X))
        ina = np.zeros((Y + 1, G, S, X))
        expo = np.zeros((Y, G, S, X))
        serv = np.zeros((Y + 1, G, NS))
        pens = np.zeros((Y + 1, B, G, S, X))
        amts = np.zeros((Y + 1, B, G, S, X))
        f1 = np.zeros((Y, G))
        f2 = np.zeros((Y, G))
        f3 = np.zeros((Y, G))
        f4 = np.zeros((Y, G))
        f5 = np.zeros((Y, G))
        f6 = np.zeros((Y, G))
        f7 = np.zeros((Y, G))
        aw_c = np.zeros((Y, B, G))
        aw_a = np.zeros((Y, B, G))
        outgo = np.zeros((Y, B, G))
        lump = np.zeros((Y, G))
        pd_ = np.zeros((Y, G))
        oe = np.zeros((Y, G))
        scheme_kernel(
            A, I, P, M, R,
            target, recruits, entry_dist, qx, mortality_factor,
            density, lapse, reentry,
            inval_incidence, inval_min_service, inval_rate,
            pensionable_age, min_service, accrual, base_rate, full_service, short_reduction,
            service_cap, replacement_cap, min_pension[p], max_pension[p], lump_months,
            ref, surv_min_service, widow_rate, orphan_rate, orphan_limit,
            married, spouse_gap, children, indexation[p],
            early_window, early_rate, early_reduction, deferral_share, deferral_years, late_increment,
            act, ina, expo, serv, pens, amts,
            f1, f2, f3, f4, f5, f6, f7,
            aw_c, aw_a, outgo, lump, pd_, oe,
            np.zeros_like(A), np.zeros_like(I), np.zeros_like(P), np.zeros_like(M), np.zeros_like(R),
        )

        # ---- reductions
        for y in range(Y):
            for g in range(G):
                ie = 0.0
                contrib = 0.0
                for s in range(S):
                    for x in range(X):
                        ie += expo[y, g, s, x] * insured_w[off_e + y, g, s, x]
                        contrib += expo[y, g, s, x]
                insured_earnings_out[p, y, g] = ie * 12.0
                year_out[p, 2, y] += contrib
                lt = lump[y, g]
                for b in range(B):
                    lt += outgo[y, b, g]
                year_out[p, 0, y] += lt
                for s in range(S):
                    for x in range(X):
                        year_out[p, 1, y] += 0.5 * (act[y, g, s, x] + act[y + 1, g, s, x])
                        year_out[p, 5, y] += act[y + 1, g, s, x] + ina[y + 1, g, s, x]
                        year_out[p, 4, y] += pens[y + 1, 0, g, s, x]
                        for b in range(B):
                            year_out[p, 3, y] += pens[y + 1, b, g, s, x]
