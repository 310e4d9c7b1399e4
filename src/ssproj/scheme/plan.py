"""The scheme compiled into arrays: labour force, base members and pensioners, parameters.

:func:`scheme_plan` turns a validated scenario into a frozen
:class:`SchemePlan` of arrays (the members and pensioners at the valuation
date, the kernel's parameters by year and group, the earnings structure,
the finance parameters); :func:`economy` evaluates its economic series.
The engine (:mod:`ssproj.scheme.engine`, :mod:`ssproj.kernels.engine`) runs
on them; stocks of members and pensioners are at 31 December, flows are
calendar-year totals, money is nominal in the scenario's currency.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from ssproj.kernels.engine import BRANCH_KINDS, EarningsPlan
from ssproj.kernels.fund import DEFICIT_RULES
from ssproj.kernels.lifetable import N_AGES
from ssproj.kernels.scheme import N_TYPES, SchemeParams, SchemeState
from ssproj.memo import array_key, cached_on
from ssproj.scenario.checks import SHARES_TOLERANCE
from ssproj.scenario.common import covered_branches
from ssproj.scenario.timepath import TimePath
from ssproj.scheme.labour import SECTORS, age_table, employment_by_sector, labour_force

__all__ = ["BENEFIT_TYPES", "N_SERVICE", "PAYERS", "LabourPlan", "SchemePlan", "economy", "employment",
           "employment_from_plan", "employment_from_population", "labour_plan", "scheme_plan", "single_age_counts"]

#: Benefit types of pensions in payment, in kernel order.
BENEFIT_TYPES = ("old_age", "invalidity", "widow", "orphan", "parent")
#: Credited service cells 0..50 (50 = 50 years or more).
N_SERVICE = 51
PAYERS = ("employer", "employee", "state")


def single_age_counts(age_start, age_end, counts) -> np.ndarray:
    """Spread counts by age group evenly over the single ages of each group.

    Returns an array over ages 0..100 (open groups end at 100). Group totals
    are preserved exactly. [persons]
    """
    out = np.zeros(N_AGES)
    for a0, a1, c in zip(age_start, age_end, counts, strict=True):
        a0 = int(a0)
        a1 = N_AGES - 1 if pd.isna(a1) else int(a1)
        out[a0 : a1 + 1] += c / (a1 - a0 + 1)
    return out


def _per(sc, name, years):
    """(Y, E) array of a per-entity time path (entities in declaration order)."""
    return np.asarray(sc.path_values(name, years), dtype=float).T


def _glob(sc, name, years):
    return np.asarray(sc.path_values(name, years), dtype=float)


def _scalar_per(sc, name, entities):
    values = sc.value(name)
    return np.array([float(values[e]) for e in entities])


def _branch_scale(rule: str, long_term_share, branch_share, cover) -> np.ndarray:
    """Factor on the branch shares of each group's contributions, shape (Y, G).

    Under the ``fixed`` rule every factor is 1 (the shares as given). Under
    ``proportional`` the factor makes the branches a group is covered by
    take exactly what ``long_term_share`` leaves: (1 - long_term_share) /
    (sum of their shares), and 1 where the shares already add up to 1 with
    it (within ``SHARES_TOLERANCE``, so shares that add up are used as given,
    bit for bit) or where the group is covered by no branch with a share.

    Parameters
    ----------
    rule : {"fixed", "proportional"}
    long_term_share : ndarray, shape (Y, G)
    branch_share : ndarray, shape (Y, Br)
    cover : ndarray, shape (G, Br)
        1 where the branch covers the group.
    """
    scale = np.ones_like(long_term_share)
    if rule != "proportional":
        return scale
    covered_total = branch_share @ np.asarray(cover, dtype=float).T  # (Y, G)
    rest = 1.0 - long_term_share
    adjust = (np.abs(covered_total - rest) > SHARES_TOLERANCE) & (covered_total > 0)
    np.divide(rest, covered_total, out=scale, where=adjust)
    return scale


def _entry_distribution(table, groups):
    dist = np.zeros((len(groups), 2, N_AGES))
    for gi, g in enumerate(groups):
        dist[gi] = age_table(table, "weight", key=("group", g))
        for s in range(2):
            total = dist[gi, s].sum()
            if total > 0:
                dist[gi, s] /= total
    return dist


def _imputed_service(entry_dist, density, scheme_age):
    """Distribution of completed service by age for members without records.

    A member aged x who entered at age e (probability ``entry_dist[e]``,
    e <= x) and contributed a share ``density`` of each year since has on
    average ``v = density (x - e)`` years of service. Service is counted in
    whole years, so the weight of entry age e is split between
    ``floor(v)`` (share ``1 - (v - floor(v))``) and ``floor(v) + 1``
    (share ``v - floor(v)``): the mean service is ``v`` exactly. Then
    service is capped by the years the scheme has existed and by the last
    service cell.

    Returns
    -------
    ndarray, shape (101, N_SERVICE)
        Rows sum to 1 (ages below every entry age: all at 0 years). [1]
    """
    out = np.zeros((N_AGES, N_SERVICE))
    ages = np.arange(N_AGES)
    cap = min(int(scheme_age), N_SERVICE - 1)
    for x in range(N_AGES):
        w = np.where(ages <= x, entry_dist, 0.0)
        total = w.sum()
        if total <= 0:
            out[x, 0] = 1.0
            continue
        pos = w > 0
        share = w[pos] / total
        v = np.maximum(density * (x - ages[pos]), 0.0)
        lo = np.floor(v)
        frac = v - lo
        lo = lo.astype(int)
        np.add.at(out[x], np.minimum(lo, cap), share * (1.0 - frac))
        np.add.at(out[x], np.minimum(lo + 1, cap), share * frac)
    return out


def _base_members(table, groups, entry_dist, scheme_age, density):
    """Actives and inactives at 31 Dec of the valuation year, by service.

    When the table has no ``service`` column, credited service is imputed
    from the group's entry-age distribution and contribution density
    (:func:`_imputed_service`), capped by the years the group's scheme has
    existed (``valuation_year - scheme_start_year``).
    """
    G = len(groups)
    A = np.zeros((G, 2, N_AGES, N_SERVICE))
    I = np.zeros_like(A)
    for gi, g in enumerate(groups):
        for si, sex in enumerate(("male", "female")):
            service_dist = _imputed_service(entry_dist[gi, si], density[gi], scheme_age[gi])
            for status, target in (("active", A), ("inactive", I)):
                rows = table[(table["group"] == g) & (table["sex"] == sex) & (table["status"] == status)]
                if rows.empty:
                    continue
                if "service" in rows.columns and rows["service"].notna().all():
                    for _, r in rows.iterrows():
                        n = min(int(r["service"]), N_SERVICE - 1)
                        target[gi, si, :, n] += single_age_counts([r["age_start"]], [r["age_end"]], [r["persons"]])
                    continue
                counts = single_age_counts(rows["age_start"], rows["age_end"], rows["persons"])
                target[gi, si] += counts[:, None] * service_dist
    return A, I


def _base_pensioners(table, groups, replacement_cap, invalidity_rate):
    P = np.zeros((N_TYPES, len(groups), 2, N_AGES))
    M = np.zeros_like(P)
    R = np.zeros_like(P)
    for b, btype in enumerate(BENEFIT_TYPES):
        for gi, g in enumerate(groups):
            for si, sex in enumerate(("male", "female")):
                rows = table[(table["type"] == btype) & (table["group"] == g) & (table["sex"] == sex)]
                if rows.empty:
                    continue
                counts = single_age_counts(rows["age_start"], rows["age_end"], rows["persons"])
                amounts = single_age_counts(rows["age_start"], rows["age_end"],
                                            rows["persons"] * rows["average_pension"] * 12.0)
                P[b, gi, si] = counts
                M[b, gi, si] = amounts
                # reference earnings behind pensions already in payment are not in the
                # data: the pension over the group's replacement cap (old age) or over
                # the invalidity rate (invalidity)
                rate = replacement_cap[gi] if b == 0 else invalidity_rate[gi] if b == 1 else 0.0
                if rate > 0:
                    R[b, gi, si] = amounts / rate
    return P, M, R


def employment(sc, demography: xr.Dataset, years) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labour force, employment by sector and domestic workers at 1 July of `years`.

    Returns
    -------
    labour : ndarray, shape (Y, 2, 101)
        Labour force. [persons]
    employed : ndarray, shape (3, Y, 2, 101)
        Employed persons by sector (``SECTORS`` order). [persons]
    domestic : ndarray, shape (Y, 2, 101)
        Domestic workers: informal employment x ``domestic_worker_share``
        (the employment of the ``domestic`` sector). [persons]
    """
    years = np.asarray(years, dtype=np.int64)
    pop = demography["population"].sel(year=years).values  # (Y, 2, X)
    return employment_from_population(sc, pop, years)


@dataclass(frozen=True)
class LabourPlan:
    """The labour-force inputs of a scenario on its scheme years (Y years).

    Attributes
    ----------
    participation : ndarray, shape (2, 101)
        Labour force participation rate by sex and age. [1]
    participation_multiplier : ndarray, shape (Y,)
        Factor on participation (result capped at 1). [1]
    unemployment_rate : ndarray, shape (Y,)
        [1]
    structure : ndarray, shape (2, 101, 3)
        Shares of the employed in the public, private and informal sectors. [1]
    private_share_multiplier : ndarray, shape (Y,)
        Factor on the private share; the informal share absorbs the change. [1]
    domestic_worker_share : ndarray, shape (Y,)
        Domestic workers' share of informal employment. [1]
    """

    participation: np.ndarray
    participation_multiplier: np.ndarray
    unemployment_rate: np.ndarray
    structure: np.ndarray
    private_share_multiplier: np.ndarray
    domestic_worker_share: np.ndarray


def labour_plan(sc, years) -> LabourPlan:
    """The :class:`LabourPlan` of a scenario over `years` (tables read once)."""
    tables = sc.tables
    return LabourPlan(
        participation=age_table(tables["labour_force_participation"], "rate"),
        participation_multiplier=_glob(sc, "participation_multiplier", years),
        unemployment_rate=_glob(sc, "unemployment_rate", years),
        structure=age_table(tables["employment_structure"], list(SECTORS)),
        private_share_multiplier=_glob(sc, "private_share_multiplier", years),
        domestic_worker_share=_glob(sc, "domestic_worker_share", years),
    )


def employment_from_plan(lp: LabourPlan, pop) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labour force, employment by sector and domestic workers from a population ``(Y, 2, 101)``. [persons]

    See :func:`employment` for the shapes returned.
    """
    labour = labour_force(pop, lp.participation, lp.participation_multiplier)
    employed = employment_by_sector(labour, lp.unemployment_rate, lp.structure,
                                    private_multiplier=lp.private_share_multiplier)
    domestic = employed[2] * lp.domestic_worker_share[:, None, None]
    return labour, employed, domestic


def employment_from_population(sc, pop, years) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`employment` from a population array ``(Y, 2, 101)`` at 1 July of `years`. [persons]"""
    return employment_from_plan(labour_plan(sc, years), pop)


@dataclass(frozen=True)
class SchemePlan:
    """A scenario's scheme compiled into arrays: everything the engine needs
    that depends on neither the projected population nor the economic paths.

    Built once by :func:`scheme_plan`; the deterministic projection, the
    stochastic paths, the solver and the sensitivity runs re-use it.
    Shapes: Y scheme years, T_ext = Y + years of earnings history, G
    groups, F funds, Br short-term branches, P payers.

    Attributes
    ----------
    years : ndarray of int, shape (Y,)
        Scheme years, ``valuation_year + 1`` .. end. [calendar year]
    groups, funds, branches, sectors : tuple of str
        Insured groups, funds, short-term branches, and each group's sector.
    ext_years : ndarray of int, shape (T_ext,)
        Scheme years preceded by ``max(reference_period)`` years of earnings
        history. [calendar year]
    valuation_year : int
        Year at whose 31 December the base data stand. [calendar year]
    coverage : ndarray, shape (Y, G)
        Coverage rate: insured share of the group's sector. [1]
    labour : LabourPlan
        Labour-force inputs (participation, unemployment, sector shares).
    state0 : ssproj.kernels.scheme.SchemeState
        Members and pensioners at 31 December of the valuation year.
        [persons, currency/year]
    params : ssproj.kernels.scheme.SchemeParams
        The scheme kernel's inputs that do not depend on population or
        economy (rates, ages, service conditions; see their fields).
    earnings : ssproj.kernels.engine.EarningsPlan
        Coverage weights, earnings structure, contribution-base and benefit
        limits relative to the minimum wage and the ceiling, indexation rule.
    contribution_rates : ndarray, shape (Y, P, G)
        By payer (``PAYERS``). [share of insured earnings]
    long_term_share : ndarray, shape (Y, G)
        Share of contributions going to the long-term fund. [1]
    branch_share, cost_rate : ndarray, shape (Y, Br)
        Share of contributions to each branch [1]; branch cost rate
        [share of insured earnings].
    branch_scale : ndarray, shape (Y, G)
        Factor on the branch shares of each group's contributions: 1, or
        under ``contribution_share_rule: proportional`` what makes the
        group's covered branches take exactly ``1 - long_term_share``. [1]
    admin_cost_rate, admin_cost_per_member : ndarray, shape (Y,)
        [share of contributions], [currency/year per member]
    extra_admin : ndarray, shape (Y,)
        Extra administrative outgo of the long-term fund, e.g. channel
        costs paid by the fund. [currency/year]
    lt_fund : int
        Index of the long-term fund in ``funds``.
    branch_fund : ndarray of int, shape (Br,)
        Fund of each branch.
    opening_reserve : ndarray, shape (F,)
        Reserves at 31 December of the valuation year. [currency]
    deficit_rule : ndarray of int, shape (F,)
        Each fund's deficit financing rule, an index into
        :data:`ssproj.kernels.fund.DEFICIT_RULES`.
    deficit_floor_ratio : ndarray, shape (Y, F)
        Reserve kept by the ``state_transfer`` and ``payable`` rules, in
        years of the fund's scheduled outgo. [years]
    headline_fund : int
        Index of the headline fund in ``funds``.
    state_paid_base : ndarray, shape (G,)
        Share of each group's pensions in payment at the valuation date
        (and of the survivors' pensions arising from them) paid by the
        state. [1]
    state_paid_share : ndarray, shape (Y, G)
        Share of each group's other pensions paid by the state. [1]
    state_paid_awarded : ndarray, shape (G,)
        Share of the pensions awarded in each group's award period (and of
        the survivors' pensions arising from them) paid by the state. [1]
    state_paid_period : ndarray of int, shape (G, 2)
        First and last award year of that block. [calendar year]
    state_paid_types : ndarray, shape (B, G)
        1 for the types of pension the state-paid shares apply to, else 0. [1]
    gdp : ndarray, shape (Y,)
        Gross domestic product. [currency/year]
    exchange_rate : ndarray, shape (Y,)
        [currency/USD]
    """

    years: np.ndarray
    groups: tuple[str, ...]
    funds: tuple[str, ...]
    branches: tuple[str, ...]
    sectors: tuple[str, ...]
    ext_years: np.ndarray
    valuation_year: int
    coverage: np.ndarray
    labour: LabourPlan
    state0: SchemeState
    params: SchemeParams
    earnings: EarningsPlan
    contribution_rates: np.ndarray
    long_term_share: np.ndarray
    branch_share: np.ndarray
    branch_scale: np.ndarray
    cost_rate: np.ndarray
    admin_cost_rate: np.ndarray
    admin_cost_per_member: np.ndarray
    extra_admin: np.ndarray
    lt_fund: int
    branch_fund: np.ndarray
    opening_reserve: np.ndarray
    deficit_rule: np.ndarray
    deficit_floor_ratio: np.ndarray
    headline_fund: int
    state_paid_base: np.ndarray
    state_paid_share: np.ndarray
    state_paid_awarded: np.ndarray
    state_paid_period: np.ndarray
    state_paid_types: np.ndarray
    gdp: np.ndarray
    exchange_rate: np.ndarray


#: ``state_paid_types`` -> which of the types (old age, invalidity, widow, orphan, dependent parent) the
#: state-paid shares cover.
_TYPE_SETS = {"all": (1, 1, 1, 1, 1), "old_age": (1, 0, 0, 0, 0), "invalidity": (0, 1, 0, 0, 0),
              "survivors": (0, 0, 1, 1, 1), "old_age_invalidity": (1, 1, 0, 0, 0)}


def _c(v):
    """A C-contiguous float64 copy of `v`.

    Plans are shared by every run of a scenario and must not be modified;
    the arrays stay writable all the same, because Numba dispatches calls
    with read-only arrays much more slowly (measured: 2-10x on the kernel).
    """
    return np.array(v, dtype=np.float64, order="C")


def _ci(v):
    """A C-contiguous int64 copy of `v` (see :func:`_c`)."""
    return np.array(v, dtype=np.int64, order="C")


def _declared_band(sc, groups, years, name) -> np.ndarray:
    """(years, G) bound of the insured income of declared-income groups relative to the minimum wage: `name`
    for ``declared_income`` groups, ``flat_income_ratio`` (both bounds) for ``flat_amount`` groups. [1]"""
    band = _per(sc, name, years)
    flat = _per(sc, "flat_income_ratio", years)
    base = sc.value("contribution_base")
    return np.stack([flat[:, gi] if base[g] == "flat_amount" else band[:, gi] for gi, g in enumerate(groups)],
                    axis=1).reshape(len(years), len(groups))


def _record_years(sc, groups) -> np.ndarray:
    """Years of insured earnings in each group's reference earnings: ``reference_period`` for the
    last or best years, ``N_SERVICE - 1`` (every credited year) for the career average. [years]"""
    how = sc.value("reference_earnings")
    period = sc.value("reference_period")
    return np.array([N_SERVICE - 1 if how[g] == "career" else int(period[g]) for g in groups], dtype=np.int64)


#: revaluation rule -> (weight of price inflation, weight of wage growth, fixed rate?) ("mixed": the weights declared)
_REVALUATION = {"none": (0.0, 0.0, False), "prices": (1.0, 0.0, False), "wages": (0.0, 1.0, False),
                "mixed": (None, None, False), "fixed": (0.0, 0.0, True)}


def _revaluation(sc, groups, years) -> np.ndarray:
    """(Y, G, 2, 3) weights of price inflation and wage growth and fixed rate of the revaluation of
    active (0) and deferred (1) records, from ``earnings_revaluation`` and ``deferred_revaluation``
    (``as_earnings``: the active records' rule)."""
    out = np.zeros((len(years), len(groups), 2, 3))
    for j, prefix in enumerate(("earnings_revaluation", "deferred_revaluation")):
        rules = sc.value(prefix)
        weight = _per(sc, f"{prefix}_price_weight", years)
        fixed = _per(sc, f"{prefix}_rate", years)
        for gi, g in enumerate(groups):
            if rules[g] == "as_earnings":
                out[:, gi, j] = out[:, gi, 0]
                continue
            wp, ww, is_fixed = _REVALUATION[rules[g]]
            out[:, gi, j, 0] = weight[:, gi] if wp is None else wp
            out[:, gi, j, 1] = 1.0 - weight[:, gi] if ww is None else ww
            if is_fixed:
                out[:, gi, j, 2] = fixed[:, gi]
    return out


def qualifying_share(months, window, density):
    """Share of active members with at least ``months`` months of contributions in the last ``window``
    months, each month contributed with probability ``density``, independently:
    ``P(Binomial(window, density) >= months) = sum_{k >= months} C(window, k) d^k (1 - d)^(window - k)``
    (1 when ``months`` <= 0; ``months`` rounded up and ``window`` to the nearest whole month). Arrays
    broadcast. [1]"""
    m, n, d = np.broadcast_arrays(np.ceil(np.asarray(months, dtype=float) - 1e-9),
                                  np.rint(np.asarray(window, dtype=float)),
                                  np.clip(np.asarray(density, dtype=float), 0.0, 1.0))
    out = np.ones(m.shape)
    for idx in zip(*np.nonzero(m > 0), strict=True) if m.ndim else ([()] if m > 0 else []):
        mi, ni, di = int(m[idx]), int(n[idx]), float(d[idx])
        out[idx] = sum(math.comb(ni, k) * di ** k * (1.0 - di) ** (ni - k) for k in range(mi, ni + 1))
    return out


def _branch_plan(sc, groups, branches, years, density) -> dict:
    """The ``EarningsPlan`` fields of the short-term branches (kind, factor, qualifying share, cover)."""
    Y, G, Br = len(years), len(groups), len(branches)
    kind = np.zeros(Br, dtype=np.int64)
    factor = np.zeros((Y, Br))
    qualify = np.ones((Y, G, Br))
    cover = np.zeros((G, Br))
    covered = sc.value("covered_branches")
    for gi, g in enumerate(groups):
        for b in covered_branches(covered[g], branches):
            cover[gi, branches.index(b)] = 1.0
    if Br:
        how = sc.value("branch_benefit")
        months = _per(sc, "qualifying_months", years)
        window = _per(sc, "qualifying_window", years)
        for bi, b in enumerate(branches):
            k = BRANCH_KINDS.index(how[b])
            kind[bi] = k
            if k == 0:
                continue

            def v(name, bi=bi):
                return _per(sc, name, years)[:, bi]

            if how[b] == "maternity":
                factor[:, bi] = v("maternity_weeks") / 52.0 * v("maternity_replacement_rate")
            elif how[b] == "sickness":
                paid = np.maximum(0.0, v("sickness_days") - v("sickness_spells") * v("sickness_waiting_days"))
                factor[:, bi] = paid / 365.0 * v("sickness_replacement_rate")
            elif how[b] == "funeral":
                factor[:, bi] = v("funeral_grant_ratio")
            else:
                factor[:, bi] = v("injury_incidence") * v("injury_benefit_months") / 12.0
            qualify[:, :, bi] = qualifying_share(months[:, bi, None], window[:, bi, None], density)
    return {"branch_kind": _ci(kind), "branch_factor": _c(factor), "branch_qualify": _c(qualify),
            "branch_cover": _c(cover)}


def _sex_factor(ratio, actives, scale):
    """(TE, G, S) earnings of each sex relative to the salary scale: men ``1 / (1 + f (rho - 1))``,
    women ``rho`` times that, with ``rho`` = `ratio` (TE, G) women's earnings / men's at the same age
    and ``f`` the women's share of the group's earnings at the valuation date (active members `actives`
    (G, S, X, NS) weighted by the salary `scale` (G, X); 1/2 for a group without members). The
    group's average earnings at the valuation date stay those of `scale` x its level; ``rho = 1``
    gives exactly 1 for both sexes. [1]"""
    weight = (actives.sum(axis=3) * scale[:, None, :]).sum(axis=2)  # (G, S)
    total = weight.sum(axis=1)
    f = np.divide(weight[:, 1], total, out=np.full(total.shape, 0.5), where=total > 0.0)  # (G,)
    men = 1.0 / (1.0 + f[None, :] * (ratio - 1.0))
    return np.stack([men, ratio * men], axis=2)


def scheme_plan(sc, recruits=None, extra_admin_by_year=None) -> SchemePlan:
    """Compile a scenario's scheme into a :class:`SchemePlan`: everything the engine
    needs that depends on neither the population nor the economy.

    Parameters
    ----------
    sc : Scenario
        A validated scenario with insured groups (or a strategy's view of one).
    recruits : ndarray, shape (Y, G, 2), optional
        Persons recruited into each group and sex in each scheme year on top
        of the coverage gap (coverage-expansion channels). [persons/year]
    extra_admin_by_year : ndarray, shape (Y,), optional
        Administrative costs added to the outgo of the long-term fund, e.g.
        the fund-paid costs of channels. [currency/year]
    """
    groups = list(sc.groups)
    funds = list(sc.funds)
    branches = list(sc.branches)
    years = np.asarray(sc.scheme_years, dtype=np.int64)
    Y, G = len(years), len(groups)
    tables = sc.tables

    # ---- coverage target per person of the population
    labour = labour_plan(sc, years)
    _, employed, domestic = employment_from_plan(labour, np.ones((Y, 2, N_AGES)))
    by_sector = {"public": employed[0], "private": employed[1], "informal": employed[2], "domestic": domestic}
    sectors = [sc.entity_info("group", g)["sector"] for g in groups]
    coverage = _per(sc, "coverage_rate", years)  # (Y, G)
    target_weight = np.stack([coverage[:, gi, None, None] * by_sector[sectors[gi]] for gi in range(G)], axis=1)

    # ---- earnings structure
    record_years = _record_years(sc, groups)
    ext_years = np.arange(years[0] - int(record_years.max()), years[-1] + 1)
    eval_years = np.maximum(ext_years, sc.start_year)
    base = sc.value("contribution_base")

    # ---- members and pensioners at the valuation date
    entry = _entry_distribution(tables["entry_age_distribution"], groups)
    density = _per(sc, "contribution_density", years)
    scheme_start = _scalar_per(sc, "scheme_start_year", groups)
    valuation_year = int(sc.value("valuation_year"))
    scheme_age = np.maximum(valuation_year - scheme_start, 0).astype(int)
    A, I = cached_on(tables["insured"], ("base_members", tuple(groups), array_key(entry, scheme_age, density[0])),
                     lambda: _base_members(tables["insured"], groups, entry, scheme_age, density[0]))
    cap = _per(sc, "replacement_cap", years)
    inval_rate = _per(sc, "invalidity_rate", years)
    P, M, R = cached_on(tables["pensioners"], ("base_pensioners", tuple(groups), array_key(cap[0], inval_rate[0])),
                        lambda: _base_pensioners(tables["pensioners"], groups, cap[0], inval_rate[0]))
    # the pension payroll at the valuation date scaled by group (new arrays: the cached ones are shared)
    pension_scale = _scalar_per(sc, "base_pension_scale", groups)[None, :, None, None]
    M, R = M * pension_scale, R * pension_scale

    fam = age_table(tables["family"], ["married", "spouse_age_difference", "children"])
    scale = np.stack([age_table(tables["salary_scale"], "index", by_sex=False, key=("group", g), extend=True)
                      for g in groups])  # (G, X)
    # dependent parents (the table is needed only when parent_rate > 0; checked when the scenario loads)
    parents = (age_table(tables["dependent_parents"], ["one_parent", "two_parents", "mother_share",
                                                       "parent_age_difference"])
               if "dependent_parents" in tables else np.zeros((2, N_AGES, 4)))
    pens_age = np.stack([_per(sc, "pensionable_age_male", years), _per(sc, "pensionable_age_female", years)],
                        axis=2)  # (Y, G, S)
    recruits = np.zeros((Y, G, 2)) if recruits is None else np.asarray(recruits, dtype=np.float64)
    if recruits.shape != (Y, G, 2) or np.any(recruits < 0) or not np.all(np.isfinite(recruits)):
        raise ValueError(f"recruits must be finite, >= 0 and of shape {(Y, G, 2)}; got shape {recruits.shape}")
    params = SchemeParams(
        recruits=_c(recruits), entry_dist=_c(entry), mortality_factor=_c(_scalar_per(sc, "mortality_factor", groups)),
        density=_c(density), lapse=_c(_per(sc, "lapse_rate", years)), reentry=_c(_per(sc, "reentry_rate", years)),
        inval_incidence=_c(age_table(tables["invalidity_incidence"], "rate")),
        inval_min_service=_c(_per(sc, "invalidity_min_service", years)), inval_rate=_c(inval_rate),
        pensionable_age=_c(pens_age), min_service=_c(_per(sc, "minimum_service", years)),
        accrual=_c(_per(sc, "accrual_rate", years)), base_rate=_c(_per(sc, "base_rate", years)),
        full_service=_c(_per(sc, "full_service", years)),
        short_reduction=_c(_per(sc, "short_service_reduction", years)),
        service_cap=_c(_per(sc, "service_cap", years)),
        replacement_cap=_c(cap), lump_months=_c(_per(sc, "lump_sum_months_per_year", years)),
        surv_min_service=_c(_per(sc, "survivor_min_service", years)), widow_rate=_c(_glob(sc, "widow_rate", years)),
        orphan_rate=_c(_glob(sc, "orphan_rate", years)), orphan_limit=int(sc.value("orphan_age_limit")),
        married=_c(fam[..., 0]), spouse_gap=_ci(np.rint(fam[..., 1])), children=_c(fam[..., 2]),
        parent_rate=_c(_glob(sc, "parent_rate", years)), parent_pair_rate=_c(_glob(sc, "parents_both_rate", years)),
        parent_one=_c(parents[..., 0]), parent_two=_c(parents[..., 1]), parent_mother=_c(parents[..., 2]),
        parent_gap=_ci(np.rint(parents[..., 3])),
        early_window=_c(_per(sc, "early_retirement_window", years)),
        early_rate=_c(_per(sc, "early_retirement_rate", years)),
        early_reduction=_c(_per(sc, "early_retirement_reduction", years)),
        deferral_share=_c(_per(sc, "deferral_share", years)), deferral_years=_c(_per(sc, "deferral_years", years)),
        late_increment=_c(_per(sc, "late_retirement_increment", years)),
        min_in_payment=_ci([sc.value("minimum_pension_in_payment")[g] == "in_payment" for g in groups]),
        surv_share=_c(_per(sc, "survivor_eligible_share", years)),
        surv_floor=_c(_per(sc, "survivor_minimum_ratio", years)),
        surv_exit=_c(_per(sc, "survivor_exit_rate", years)),
        inval_convert=_ci([sc.value("invalidity_conversion")[g] == "old_age" for g in groups]),
        inval_recovery=_c(_per(sc, "invalidity_recovery_rate", years)),
        surv_min_age=_c(np.stack([_scalar_per(sc, "survivor_min_age_male", groups),
                                  _scalar_per(sc, "survivor_min_age_female", groups)], axis=1)),
        record_years=_ci(record_years),
        record_best=_ci([sc.value("reference_earnings")[g] == "best_years" for g in groups]),
        refund_share=_c(_per(sc, "refund_on_exit_share", years)),
        refund_months=_c(_per(sc, "refund_months_per_year", years)),
        closed_from=Y, closed_keep_members=1,  # never closed (liabilities at a date close a copy)
    )
    earnings = EarningsPlan(
        scheme_offset=int(years[0] - int(sc.years[0])),
        target_weight=_c(target_weight),
        earnings_level=_c(_per(sc, "earnings_level", eval_years)),
        earnings_scale=_c(scale),
        sex_factor=_c(_sex_factor(_per(sc, "female_earnings_ratio", eval_years), A, scale)),
        earnings_sigma=_c(_scalar_per(sc, "earnings_dispersion", groups)),
        revaluation=_c(_revaluation(sc, groups, years)),
        declared=np.array([base[g] in ("declared_income", "flat_amount") for g in groups], dtype=np.bool_),
        floor_ratio=_c(_glob(sc, "contribution_floor_ratio", eval_years)),
        declared_min=_c(_declared_band(sc, groups, eval_years, "declared_income_min_ratio")),
        declared_max=_c(_declared_band(sc, groups, eval_years, "declared_income_max_ratio")),
        min_pension_ratio=_c(_per(sc, "minimum_pension_ratio", years)),
        max_pension_ratio=_c(_per(sc, "maximum_pension_ratio", years)),
        price_weight=_c(_glob(sc, "indexation_price_weight", years)),
        indexation_extra=_c(_glob(sc, "indexation_extra", years)),
        **_branch_plan(sc, groups, branches, years, density),
    )

    # ---- finance
    lt_fund = funds.index(sc.value("long_term_fund"))
    long_term_share = _per(sc, "long_term_share", years)  # (Y, G)
    branch_share = _per(sc, "contribution_share", years) if branches else np.zeros((Y, 0))
    extra = np.zeros(Y)
    if extra_admin_by_year is not None:
        extra = np.asarray(extra_admin_by_year, dtype=np.float64)
        if extra.shape != (Y,) or np.any(extra < 0) or not np.all(np.isfinite(extra)):
            raise ValueError(f"extra_admin_by_year must be finite, >= 0 and of shape {(Y,)}; got shape {extra.shape}")
    opening = sc.value("opening_reserve")
    rules = sc.value("deficit_financing")
    headline = sc.value("headline_fund")
    headline = headline if headline in funds else funds[lt_fund]  # the default: the long-term fund
    return SchemePlan(
        years=_ci(years), groups=tuple(groups), funds=tuple(funds), branches=tuple(branches), sectors=tuple(sectors),
        ext_years=_ci(ext_years), valuation_year=valuation_year,
        coverage=_c(coverage), labour=labour,
        state0=SchemeState(_c(A), _c(I), _c(P), _c(M), _c(R)),
        params=params, earnings=earnings,
        contribution_rates=_c(np.stack([_per(sc, f"contribution_rate_{p}", years) for p in PAYERS], axis=1)),
        long_term_share=_c(long_term_share),
        branch_share=_c(branch_share),
        branch_scale=_c(_branch_scale(sc.value("contribution_share_rule"), long_term_share, branch_share,
                                      earnings.branch_cover)),
        cost_rate=_c(_per(sc, "cost_rate", years) if branches else np.zeros((Y, 0))),
        admin_cost_rate=_c(_glob(sc, "admin_cost_rate", years)),
        admin_cost_per_member=_c(_glob(sc, "admin_cost_per_member", years)),
        extra_admin=_c(extra), lt_fund=lt_fund,
        branch_fund=_ci([funds.index(sc.entity_info("branch", b)["fund"]) for b in branches]),
        opening_reserve=_c([float(opening[f]) for f in funds]),
        deficit_rule=_ci([DEFICIT_RULES.index(rules[f]) for f in funds]),
        deficit_floor_ratio=_c(_per(sc, "deficit_floor_ratio", years)),
        headline_fund=funds.index(headline),
        state_paid_base=_c(_scalar_per(sc, "state_paid_base_pensions", groups)),
        state_paid_share=_c(_per(sc, "state_paid_pension_share", years)),
        state_paid_awarded=_c(_scalar_per(sc, "state_paid_awarded_share", groups)),
        state_paid_period=_ci([[int(sc.value("state_paid_awarded_from")[g]), int(sc.value("state_paid_awarded_to")[g])]
                               for g in groups]).reshape(len(groups), 2),
        state_paid_types=_c(np.array([[float(_TYPE_SETS[sc.value("state_paid_types")[g]][b]) for g in groups]
                                      for b in range(N_TYPES)]).reshape(N_TYPES, len(groups))),
        gdp=_c(_glob(sc, "gdp", years)), exchange_rate=_c(_glob(sc, "exchange_rate", years)),
    )


def economy(sc, plan: SchemePlan, overrides=None) -> dict:
    """Economic paths of a scenario, optionally with some series replaced.

    Parameters
    ----------
    sc : Scenario
    plan : SchemePlan
    overrides : mapping of str to ndarray, optional
        Replacement values over the scheme years ``plan.years`` for time-path
        parameters (e.g. ``wage_growth``, ``price_inflation``,
        ``investment_return``); parameters indexed on them after their last
        given year (``after: {index: wage_growth}``) follow the replacement.
        Shape ``(Y,)``, or ``(K, Y)`` for K paths at once (every series then
        has a leading path dimension; each path's values are those of a
        call with its own row).

    Returns
    -------
    dict of ndarray
        On ``plan.ext_years``: ``average_wage``, ``minimum_wage``,
        ``contribution_ceiling`` [currency/month]; on ``plan.years``:
        ``price_inflation``, ``wage_growth``, ``investment_return`` [1/year].
    """
    resolve = _resolver(sc, plan.years, overrides) if overrides else sc.path_values
    ext_years = plan.ext_years
    eval_years = np.maximum(ext_years, sc.start_year)

    def glob(name, yrs):
        return np.asarray(resolve(name, yrs), dtype=float)

    aw = glob("average_wage", eval_years)
    mw = glob("minimum_wage", eval_years)
    before = ext_years < sc.start_year
    if before.any():
        # deflate by the first available year's wage growth
        wg0 = glob("wage_growth", eval_years[before])
        k = sc.start_year - ext_years[before]
        aw[..., before] = aw[..., before] / (1.0 + wg0) ** k
        mw[..., before] = mw[..., before] / (1.0 + wg0) ** k
    return {
        "average_wage": aw, "minimum_wage": mw, "contribution_ceiling": glob("contribution_ceiling", eval_years),
        "price_inflation": glob("price_inflation", plan.years), "wage_growth": glob("wage_growth", plan.years),
        "investment_return": glob("investment_return", plan.years),
    }


def _resolver(sc, years, overrides):
    years = np.asarray(years, dtype=np.int64)
    first, last = int(years[0]), int(years[-1])

    def resolve(name, yrs):
        yrs = np.asarray(yrs, dtype=np.int64)
        value = sc.value(name)
        if isinstance(value, TimePath):
            out = value.evaluate(yrs, resolve=resolve)
        else:
            out = np.full(yrs.shape, float(value))
        if name in overrides:
            inside = (yrs >= first) & (yrs <= last)
            given = np.asarray(overrides[name], dtype=float)
            out = np.array(np.broadcast_to(out, given.shape[:-1] + np.shape(out)), dtype=float)
            out[..., inside] = given[..., yrs[inside] - first]
        return out

    return resolve
