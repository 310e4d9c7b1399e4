"""The social insurance stages: labour force, insured persons, benefits, finance.

:func:`project_scheme` takes a validated scenario and its projected
population and returns an :class:`xarray.Dataset` with every stock and flow
of the scheme, by calendar year from ``valuation_year + 1``. Stocks of
members and pensioners are at 31 December; flows are calendar-year totals;
money is nominal in the scenario's currency.

The hot loop is :func:`ssproj.kernels.scheme.scheme_kernel`; this module
only turns parameters and tables into arrays and arrays into a Dataset.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from ssproj.scheme.earnings import expected_clipped, share_above
from ssproj.finance.fund import roll_forward
from ssproj.kernels.lifetable import N_AGES
from ssproj.kernels.scheme import N_TYPES, scheme_kernel
from ssproj.scheme.labour import SECTORS, age_table, employment_by_sector, labour_force

__all__ = ["BENEFIT_TYPES", "N_SERVICE", "SchemePlan", "economy", "employment", "finance", "project_scheme",
           "scheme_plan", "single_age_counts"]

#: Benefit types of pensions in payment, in kernel order.
BENEFIT_TYPES = ("old_age", "invalidity", "widow", "orphan")
#: Credited service cells 0..50 (50 = 50 years or more).
N_SERVICE = 51
PAYERS = ("employer", "employee", "state")


def single_age_counts(age_start, age_end, counts) -> np.ndarray:
    """Spread counts by age group evenly over the single ages of each group.

    Returns an array over ages 0..100 (open groups end at 100). Group totals
    are preserved exactly. [persons]
    """
    out = np.zeros(N_AGES)
    for a0, a1, c in zip(age_start, age_end, counts):
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
    e <= x) and contributed a share ``density`` of each year since has
    ``round(density (x - e))`` years of service, capped by the years the
    scheme has existed and by the last service cell.

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
        n = np.minimum(np.rint(density * (x - ages)).astype(int), cap)
        n = np.maximum(n, 0)
        np.add.at(out[x], n[w > 0], w[w > 0] / total)
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


def employment_from_population(sc, pop, years) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`employment` from a population array ``(Y, 2, 101)`` at 1 July of `years`. [persons]"""
    tables = sc.tables
    participation = age_table(tables["labour_force_participation"], "rate")
    labour = labour_force(pop, participation, _glob(sc, "participation_multiplier", years))
    structure = age_table(tables["employment_structure"], list(SECTORS))
    employed = employment_by_sector(labour, _glob(sc, "unemployment_rate", years), structure,
                                    private_multiplier=_glob(sc, "private_share_multiplier", years))
    domestic = employed[2] * _glob(sc, "domestic_worker_share", years)[:, None, None]
    return labour, employed, domestic


#: Arguments of :func:`ssproj.kernels.scheme.scheme_kernel` between the state
#: and the outputs, in order; those marked ``None`` in
#: :attr:`SchemePlan.kernel_static` depend on the population or the economy.
KERNEL_INPUTS = (
    "target", "recruits", "entry_dist", "qx", "mortality_factor",
    "density", "lapse", "reentry",
    "inval_incidence", "inval_min_service", "inval_rate",
    "pensionable_age", "min_service", "accrual", "base_rate", "full_service", "short_reduction",
    "service_cap", "replacement_cap", "min_pension", "max_pension", "lump_months",
    "ref_earnings", "surv_min_service", "widow_rate", "orphan_rate", "orphan_limit",
    "married", "spouse_gap", "children", "indexation",
    "early_window", "early_rate", "early_reduction", "deferral_share", "deferral_years", "late_increment",
)
#: Kernel inputs computed per projection from population and economy.
KERNEL_DYNAMIC = ("target", "qx", "min_pension", "max_pension", "ref_earnings", "indexation")


class SchemePlan:
    """Everything :func:`project_scheme` needs that depends on neither the
    projected population nor the economic paths (wages, prices, returns).

    Built once by :func:`scheme_plan`; stochastic runs
    (:mod:`ssproj.stochastic`) re-use it for every path.

    Attributes
    ----------
    years : ndarray of int
        Scheme years (``valuation_year + 1`` .. end). [calendar year]
    groups, funds, branches : list of str
    ext_years : ndarray of int
        Scheme years preceded by ``max(reference_period)`` years of earnings
        history. [calendar year]
    state0 : tuple of ndarray
        ``(A, I, P, M, R)`` at 31 December of the valuation year (see
        :func:`ssproj.kernels.scheme.scheme_kernel`). [persons, currency/year]
    kernel_static : dict
        Kernel inputs by name (:data:`KERNEL_INPUTS`), None for those in
        :data:`KERNEL_DYNAMIC`.
    target_weight : ndarray, shape (Y, G, 2, 101)
        Coverage rate x the share of the population employed in the
        group's sector: ``target = sum_x population x target_weight``. [1]
    earnings_level : ndarray, shape (T_ext, G)
        Group's earnings relative to the average wage. [1]
    earnings_scale : ndarray, shape (G, 101)
        Salary scale by age. [1]
    earnings_sigma : ndarray, shape (G,)
        Standard deviation of log earnings. [1]
    declared : ndarray of bool, shape (G,)
        Groups contributing on declared income (floor and ceiling tied to
        the minimum wage). [1]
    floor_ratio, declared_min, declared_max : ndarray, shapes (T_ext,), (T_ext, G), (T_ext, G)
        Contribution floor / declared-income band relative to the minimum wage. [1]
    ref_periods : ndarray of int, shape (G,)
        Years averaged in the reference earnings. [years]
    min_pension_ratio, max_pension_ratio : ndarray, shape (Y, G)
        Minimum pension / minimum wage and maximum pension / ceiling. [1]
    price_weight, indexation_extra : ndarray, shape (Y,)
        Indexation = ``w prices + (1 - w) wages + extra``. [1], [1/year]
    contribution_rates : ndarray, shape (Y, P, G)
        By payer (``PAYERS``). [share of insured earnings]
    long_term_share : ndarray, shape (Y, G); branch_share, cost_rate : ndarray, shape (Y, Br)
    admin_cost_rate, admin_cost_per_member : ndarray, shape (Y,)
        [share of contributions], [currency/year per member]
    extra_admin : ndarray, shape (Y,)
        Extra administrative outgo of the long-term fund. [currency/year]
    lt_fund : int
        Index of the long-term fund; ``branch_fund`` (Br,) the fund of each branch.
    opening_reserve : ndarray, shape (F,)
        Reserves at 31 December of the valuation year. [currency]
    """

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def kernel_args(self, **dynamic) -> list:
        """Positional kernel inputs, with the :data:`KERNEL_DYNAMIC` ones from `dynamic`."""
        missing = set(KERNEL_DYNAMIC) - set(dynamic)
        if missing:
            raise TypeError(f"kernel_args needs {sorted(missing)}")
        return [_contiguous(dynamic[name] if name in KERNEL_DYNAMIC else self.kernel_static[name])
                for name in KERNEL_INPUTS]

    def static_args(self) -> list:
        """The kernel inputs that are not in :data:`KERNEL_DYNAMIC`, in kernel order."""
        return [_contiguous(self.kernel_static[name]) for name in KERNEL_INPUTS if name not in KERNEL_DYNAMIC]


def _contiguous(v):
    return v if isinstance(v, int) else np.ascontiguousarray(v)


def scheme_plan(sc, recruits=None, extra_admin_by_year=None) -> SchemePlan:
    """Prepare the inputs of :func:`project_scheme` that do not depend on
    the population or the economy (see :class:`SchemePlan`)."""
    groups = list(sc.groups)
    funds = list(sc.funds)
    branches = list(sc.branches)
    years = np.asarray(sc.scheme_years, dtype=np.int64)
    Y, G = len(years), len(groups)
    tables = sc.tables

    # ---- coverage target per person of the population
    _, employed, domestic = employment_from_population(sc, np.ones((Y, 2, N_AGES)), years)
    by_sector = {"public": employed[0], "private": employed[1], "informal": employed[2], "domestic": domestic}
    sectors = [sc.entity_info("group", g)["sector"] for g in groups]
    coverage = _per(sc, "coverage_rate", years)  # (Y, G)
    target_weight = np.stack([coverage[:, gi, None, None] * by_sector[sectors[gi]] for gi in range(G)], axis=1)

    # ---- earnings structure
    ref_periods = np.array([int(v) for v in _scalar_per(sc, "reference_period", groups)])
    ext_years = np.arange(years[0] - int(ref_periods.max()), years[-1] + 1)
    eval_years = np.maximum(ext_years, sc.start_year)
    base = sc.value("contribution_base")

    # ---- members and pensioners at the valuation date
    entry = _entry_distribution(tables["entry_age_distribution"], groups)
    density = _per(sc, "contribution_density", years)
    scheme_start = _scalar_per(sc, "scheme_start_year", groups)
    valuation_year = int(sc.value("valuation_year"))
    scheme_age = np.maximum(valuation_year - scheme_start, 0).astype(int)
    A, I = _base_members(tables["insured"], groups, entry, scheme_age, density[0])
    cap = _per(sc, "replacement_cap", years)
    inval_rate = _per(sc, "invalidity_rate", years)
    P, M, R = _base_pensioners(tables["pensioners"], groups, cap[0], inval_rate[0])

    fam = age_table(tables["family"], ["married", "spouse_age_difference", "children"])
    pens_age = np.stack([_per(sc, "pensionable_age_male", years), _per(sc, "pensionable_age_female", years)],
                        axis=2)  # (Y, G, S)
    recruits = np.zeros((Y, G, 2)) if recruits is None else np.asarray(recruits, dtype=np.float64)
    if recruits.shape != (Y, G, 2) or np.any(recruits < 0) or not np.all(np.isfinite(recruits)):
        raise ValueError(f"recruits must be finite, >= 0 and of shape {(Y, G, 2)}; got shape {recruits.shape}")
    static = {
        "recruits": recruits, "entry_dist": entry, "mortality_factor": _scalar_per(sc, "mortality_factor", groups),
        "density": density, "lapse": _per(sc, "lapse_rate", years), "reentry": _per(sc, "reentry_rate", years),
        "inval_incidence": age_table(tables["invalidity_incidence"], "rate"),
        "inval_min_service": _per(sc, "invalidity_min_service", years), "inval_rate": inval_rate,
        "pensionable_age": pens_age, "min_service": _per(sc, "minimum_service", years),
        "accrual": _per(sc, "accrual_rate", years), "base_rate": _per(sc, "base_rate", years),
        "full_service": _per(sc, "full_service", years),
        "short_reduction": _per(sc, "short_service_reduction", years), "service_cap": _per(sc, "service_cap", years),
        "replacement_cap": cap, "lump_months": _per(sc, "lump_sum_months_per_year", years),
        "surv_min_service": _per(sc, "survivor_min_service", years), "widow_rate": _glob(sc, "widow_rate", years),
        "orphan_rate": _glob(sc, "orphan_rate", years), "orphan_limit": int(sc.value("orphan_age_limit")),
        "married": fam[..., 0], "spouse_gap": np.rint(fam[..., 1]).astype(np.int64), "children": fam[..., 2],
        "early_window": _per(sc, "early_retirement_window", years),
        "early_rate": _per(sc, "early_retirement_rate", years),
        "early_reduction": _per(sc, "early_retirement_reduction", years),
        "deferral_share": _per(sc, "deferral_share", years), "deferral_years": _per(sc, "deferral_years", years),
        "late_increment": _per(sc, "late_retirement_increment", years),
    }
    for name in KERNEL_DYNAMIC:
        static[name] = None

    # ---- finance
    lt_fund = funds.index(sc.value("long_term_fund"))
    extra = np.zeros(Y)
    if extra_admin_by_year is not None:
        extra = np.asarray(extra_admin_by_year, dtype=np.float64)
        if extra.shape != (Y,) or np.any(extra < 0) or not np.all(np.isfinite(extra)):
            raise ValueError(f"extra_admin_by_year must be finite, >= 0 and of shape {(Y,)}; got shape {extra.shape}")
    opening = sc.value("opening_reserve")
    return SchemePlan(
        years=years, groups=groups, funds=funds, branches=branches, sectors=sectors, ext_years=ext_years,
        valuation_year=valuation_year,
        state0=(A, I, P, M, R), kernel_static=static, target_weight=target_weight, coverage=coverage,
        earnings_level=_per(sc, "earnings_level", eval_years),
        earnings_scale=np.stack([age_table(tables["salary_scale"], "index", by_sex=False, key=("group", g))
                                 for g in groups]),
        earnings_sigma=_scalar_per(sc, "earnings_dispersion", groups),
        declared=np.array([base[g] == "declared_income" for g in groups], dtype=bool),
        floor_ratio=_glob(sc, "contribution_floor_ratio", eval_years),
        declared_min=_per(sc, "declared_income_min_ratio", eval_years),
        declared_max=_per(sc, "declared_income_max_ratio", eval_years),
        ref_periods=ref_periods,
        min_pension_ratio=_per(sc, "minimum_pension_ratio", years),
        max_pension_ratio=_per(sc, "maximum_pension_ratio", years),
        price_weight=_glob(sc, "indexation_price_weight", years),
        indexation_extra=_glob(sc, "indexation_extra", years),
        contribution_rates=np.stack([_per(sc, f"contribution_rate_{p}", years) for p in PAYERS], axis=1),
        long_term_share=_per(sc, "long_term_share", years),
        branch_share=_per(sc, "contribution_share", years) if branches else np.zeros((Y, 0)),
        cost_rate=_per(sc, "cost_rate", years) if branches else np.zeros((Y, 0)),
        admin_cost_rate=_glob(sc, "admin_cost_rate", years),
        admin_cost_per_member=_glob(sc, "admin_cost_per_member", years),
        extra_admin=extra, lt_fund=lt_fund,
        branch_fund=np.array([funds.index(sc.entity_info("branch", b)["fund"]) for b in branches], dtype=np.int64),
        opening_reserve=np.array([float(opening[f]) for f in funds]),
        gdp=_glob(sc, "gdp", years), exchange_rate=_glob(sc, "exchange_rate", years),
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
        aw[before] = aw[before] / (1.0 + wg0) ** k
        mw[before] = mw[before] / (1.0 + wg0) ** k
    return {
        "average_wage": aw, "minimum_wage": mw, "contribution_ceiling": glob("contribution_ceiling", eval_years),
        "price_inflation": glob("price_inflation", plan.years), "wage_growth": glob("wage_growth", plan.years),
        "investment_return": glob("investment_return", plan.years),
    }


def _resolver(sc, years, overrides):
    from ssproj.scenario.timepath import TimePath

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
            out = np.array(out, dtype=float)
            out[inside] = np.asarray(overrides[name], dtype=float)[yrs[inside] - first]
        return out

    return resolve


def earnings_arrays(plan: SchemePlan, econ: dict):
    """Mean and insured monthly earnings by (ext year, group, sex, age).

    Returns ``mean, insured, above`` (shape (T_ext, G, 2, 101), [currency/month],
    [currency/month], [1]) and the floor and ceiling ``(T_ext, G)``
    [currency/month].
    """
    aw, mw, ceiling = econ["average_wage"], econ["minimum_wage"], econ["contribution_ceiling"]
    T, G = len(plan.ext_years), len(plan.groups)
    mean = aw[:, None, None, None] * plan.earnings_level[:, :, None, None] * plan.earnings_scale[None, :, None, :]
    mean = np.broadcast_to(mean, (T, G, 2, N_AGES)).copy()
    floor, ceil = floor_ceiling(plan, mw, ceiling)
    sig = plan.earnings_sigma[None, :, None, None]
    insured = expected_clipped(mean, sig, floor[:, :, None, None], ceil[:, :, None, None])
    above = share_above(mean, sig, np.broadcast_to(ceiling[:, None, None, None], mean.shape))
    return mean, insured, above, floor, ceil


def floor_ceiling(plan: SchemePlan, mw, ceiling):
    """Floor and ceiling of insured earnings ``(..., T_ext, G)`` from the minimum
    wage and the contribution ceiling ``(..., T_ext)``. [currency/month]"""
    mw = np.asarray(mw, dtype=float)[..., None]
    ceiling = np.asarray(ceiling, dtype=float)[..., None]
    floor = np.where(plan.declared, plan.declared_min * mw, plan.floor_ratio[:, None] * mw)
    ceil = np.where(plan.declared, np.minimum(plan.declared_max * mw, ceiling), ceiling)
    return np.minimum(floor, ceil), ceil


def reference_earnings(plan: SchemePlan, insured_w):
    """Annual reference earnings ``(Y, G, 2, 101)`` of a member aged x at the
    start of scheme year y: average insured earnings of the last N years of
    the cohort (ages x-k in year y-k). [currency/year]"""
    Y = len(plan.years)
    off = len(plan.ext_years) - Y
    ref = np.zeros((Y, len(plan.groups), 2, N_AGES))
    for gi in range(len(plan.groups)):
        N = int(plan.ref_periods[gi])
        for k in range(N):
            shifted = np.zeros((Y, 2, N_AGES))
            shifted[:, :, k:] = insured_w[off - k : off - k + Y, gi, :, : N_AGES - k]
            ref[:, gi] += shifted
        ref[:, gi] *= 12.0 / N
    return ref


def member_death_probabilities(mx):
    """Death probabilities of members over a calendar year from central rates ``(..., 101)``.

    Members are counted by completed age x at 1 January, i.e. exact age
    x + 1/2 on average: their death probability over the calendar year is
    that of exact ages x + 1/2 .. x + 3/2 (geometric mean of q(x), q(x+1)). [1]
    """
    q_exact = np.minimum(mx / (1.0 + 0.5 * mx), 1.0)  # between exact ages x and x+1
    qx = q_exact.copy()
    qx[..., :-1] = 1.0 - np.sqrt((1.0 - q_exact[..., :-1]) * (1.0 - q_exact[..., 1:]))
    return qx


def finance(plan: SchemePlan, insured_earnings, long_term_benefits, members_mid, investment_return) -> dict:
    """Contributions, outgo and reserves of every fund.

    Parameters
    ----------
    plan : SchemePlan
    insured_earnings : ndarray, shape (..., Y, G)
        Insured earnings of contributors. [currency/year]
    long_term_benefits : ndarray, shape (..., Y)
        Pensions and lump sums paid by the long-term fund. [currency/year]
    members_mid : ndarray, shape (..., Y)
        Average number of active members in the year. [persons]
    investment_return : ndarray, shape (..., Y)
        Nominal return on reserves. [1/year]

    Returns
    -------
    dict of ndarray
        ``contributions`` (..., Y, P, G), ``contribution_income_by_fund``,
        ``admin_cost``, ``outgo_by_fund`` (..., Y, F), ``branch_outgo``
        (..., Y, Br) [currency/year]; ``fund_reserve_start``,
        ``fund_investment_income``, ``fund_total_income``,
        ``fund_total_outgo``, ``fund_reserve_end`` (..., Y, F) [currency,
        currency/year]. Leading dimensions (paths) are independent.
    """
    insured_earnings = np.asarray(insured_earnings, dtype=float)
    lead = insured_earnings.shape[:-2]
    Y = len(plan.years)
    F = len(plan.funds)
    contributions = plan.contribution_rates * insured_earnings[..., None, :]  # (..., Y, P, G)
    total_contrib = contributions.sum(axis=-2)  # (..., Y, G)
    contrib_by_fund = np.zeros(lead + (Y, F))
    contrib_by_fund[..., plan.lt_fund] += (total_contrib * plan.long_term_share).sum(axis=-1)
    for bi, fi in enumerate(plan.branch_fund):
        contrib_by_fund[..., fi] += total_contrib.sum(axis=-1) * plan.branch_share[:, bi]

    total_insured_earnings = insured_earnings.sum(axis=-1)
    branch_outgo = plan.cost_rate * total_insured_earnings[..., None]  # (..., Y, Br)
    outgo_by_fund = np.zeros(lead + (Y, F))
    outgo_by_fund[..., plan.lt_fund] += long_term_benefits
    for bi, fi in enumerate(plan.branch_fund):
        outgo_by_fund[..., fi] += branch_outgo[..., bi]
    admin = (plan.admin_cost_rate * total_contrib.sum(axis=-1) + plan.admin_cost_per_member * members_mid)
    contrib_total = contrib_by_fund.sum(axis=-1)
    weights = np.divide(contrib_by_fund, contrib_total[..., None], out=np.full_like(contrib_by_fund, 1.0 / F),
                        where=contrib_total[..., None] > 0)
    admin_by_fund = admin[..., None] * weights
    admin_by_fund[..., plan.lt_fund] += plan.extra_admin
    outgo_by_fund += admin_by_fund

    ret = np.broadcast_to(np.asarray(investment_return, dtype=float), lead + (Y,))
    out = {"contributions": contributions, "contribution_income_by_fund": contrib_by_fund,
           "admin_cost": admin_by_fund, "outgo_by_fund": outgo_by_fund, "branch_outgo": branch_outgo}
    keys = ("reserve_start", "investment_income", "total_income", "total_outgo", "reserve_end")
    fin = {k: np.zeros(lead + (Y, F)) for k in keys}
    for idx in np.ndindex(lead):
        for fi in range(F):
            r = roll_forward(float(plan.opening_reserve[fi]), contrib_by_fund[idx + (slice(None), fi)],
                             outgo_by_fund[idx + (slice(None), fi)], ret[idx])
            for k in keys:
                fin[k][idx + (slice(None), fi)] = np.asarray(r[k])
    out.update({f"fund_{k}": v for k, v in fin.items()})
    return out


def project_scheme(sc, demography: xr.Dataset, recruits=None, extra_admin_by_year=None) -> xr.Dataset:
    """Project the scheme of a scenario over its scheme years.

    Parameters
    ----------
    sc : ssproj.scenario.Scenario
        A validated scenario whose assumption set declares insured groups.
    demography : xarray.Dataset
        The demographic projection (``population``, ``mortality_rate``).
    recruits : ndarray, optional
        Shape ``(n_years, n_groups, 2)``: persons recruited into each group and sex in each scheme year on top
        of the coverage gap (coverage-expansion channels). [persons/year]
    extra_admin_by_year : ndarray, optional
        Shape ``(n_years,)``: administrative costs added to the outgo of the
        long-term fund (``long_term_fund``), e.g. the fund-paid costs of
        coverage-expansion channels. [currency/year]

    Notes
    -----
    A group's coverage target is its ``coverage_rate`` x the employment of
    its sector: ``public``, ``private``, ``informal`` or ``domestic``
    (domestic workers, informal x ``domestic_worker_share``; used by the
    ``domestic_workers`` channel groups of :mod:`ssproj.scheme.strategies`).

    Returns
    -------
    xarray.Dataset
        Scheme variables on ``year`` (scheme years), ``group``, ``sex``,
        ``age``, ``benefit``, ``fund``, ``service``; see
        :class:`ssproj.Projection` for the list and units.
    """
    plan = scheme_plan(sc, recruits, extra_admin_by_year)
    groups, funds, branches, years = plan.groups, plan.funds, plan.branches, plan.years
    Y, G = len(years), len(groups)

    # ---- labour force and employment (population at 1 July of each scheme year)
    labour, employed, domestic = employment(sc, demography, years)
    by_sector = {"public": employed[0], "private": employed[1], "informal": employed[2], "domestic": domestic}
    target = np.stack([plan.coverage[:, gi, None] * by_sector[plan.sectors[gi]].sum(axis=2)
                       for gi in range(G)], axis=1)  # (Y, G, S)

    # ---- earnings, with history for the reference period
    econ = economy(sc, plan)
    mean_w, insured_w, above, _, _ = earnings_arrays(plan, econ)
    mw, ceiling = econ["minimum_wage"], econ["contribution_ceiling"]
    off = len(plan.ext_years) - Y  # index of years[0] in ext_years
    ref = reference_earnings(plan, insured_w)

    # ---- mortality and economic kernel inputs
    qx = member_death_probabilities(demography["mortality_rate"].sel(year=years).values)
    minimum_pension = plan.min_pension_ratio * mw[off:, None] * 12.0
    maximum_pension = plan.max_pension_ratio * ceiling[off:, None] * 12.0
    w = plan.price_weight
    indexation = w * econ["price_inflation"] + (1.0 - w) * econ["wage_growth"] + plan.indexation_extra

    # ---- outputs
    f8 = np.float64
    out = {
        "actives": np.zeros((Y + 1, G, 2, N_AGES), f8),
        "inactives": np.zeros((Y + 1, G, 2, N_AGES), f8),
        "exposure": np.zeros((Y, G, 2, N_AGES), f8),
        "service": np.zeros((Y + 1, G, N_SERVICE), f8),
        "pensioners": np.zeros((Y + 1, N_TYPES, G, 2, N_AGES), f8),
        "amounts": np.zeros((Y + 1, N_TYPES, G, 2, N_AGES), f8),
    }
    flows = {k: np.zeros((Y, G), f8) for k in (
        "entrants", "member_deaths", "invalidity_retirements", "lapses", "reentries",
        "retirements_pension", "retirements_lump_sum")}
    by_type = {k: np.zeros((Y, N_TYPES, G), f8) for k in ("awards", "awards_amount", "benefit_outgo")}
    lump = np.zeros((Y, G), f8)
    p_deaths = np.zeros((Y, G), f8)
    o_exits = np.zeros((Y, G), f8)
    A, I, P, M, R = (x.copy() for x in plan.state0)
    work = [np.zeros_like(A), np.zeros_like(I), np.zeros_like(P), np.zeros_like(M), np.zeros_like(R)]
    scheme_kernel(
        A, I, P, M, R,
        *plan.kernel_args(target=target, qx=qx, min_pension=minimum_pension, max_pension=maximum_pension,
                          ref_earnings=ref, indexation=indexation),
        out["actives"], out["inactives"], out["exposure"], out["service"], out["pensioners"], out["amounts"],
        flows["entrants"], flows["member_deaths"], flows["invalidity_retirements"], flows["lapses"],
        flows["reentries"], flows["retirements_pension"], flows["retirements_lump_sum"],
        by_type["awards"], by_type["awards_amount"], by_type["benefit_outgo"], lump, p_deaths, o_exits,
        *work,
    )

    # ---- contributions, outgo and funds
    insured_now = insured_w[off:]  # (Y, G, S, X)
    insured_earnings = (out["exposure"] * insured_now).sum(axis=(2, 3)) * 12.0  # (Y, G) currency/year
    long_term_benefits = by_type["benefit_outgo"].sum(axis=(1, 2)) + lump.sum(axis=1)
    members_mid = 0.5 * (out["actives"][:-1] + out["actives"][1:]).sum(axis=(1, 2, 3))
    ret = econ["investment_return"]
    fin = finance(plan, insured_earnings, long_term_benefits, members_mid, ret)
    contributions, contrib_by_fund = fin["contributions"], fin["contribution_income_by_fund"]
    branch_outgo, admin_by_fund, outgo_by_fund = fin["branch_outgo"], fin["admin_cost"], fin["outgo_by_fund"]
    opening = sc.value("opening_reserve")

    # ---- Dataset
    sexes = ["male", "female"]
    coords = {"year": years, "group": groups, "sex": sexes, "age": np.arange(N_AGES),
              "benefit": list(BENEFIT_TYPES), "fund": funds, "payer": list(PAYERS),
              "service": np.arange(N_SERVICE), "sector": list(SECTORS)}
    if branches:
        coords["branch"] = branches

    def da(values, dims, name, units):
        return xr.DataArray(values, dims=dims, attrs={"long_name": name, "units": units})

    ygsa = ("year", "group", "sex", "age")
    V = {}
    V["labour_force"] = da(labour, ("year", "sex", "age"), "Labour force at 1 July", "persons")
    V["employed"] = da(np.moveaxis(employed, 0, 1), ("year", "sector", "sex", "age"),
                        "Employed persons by sector at 1 July", "persons")
    V["domestic_workers"] = da(domestic, ("year", "sex", "age"), "Domestic workers (part of informal employment)",
                                "persons")
    V["coverage_target"] = da(target, ("year", "group", "sex"), "Active members aimed at by the coverage rate",
                               "persons")
    V["actives"] = da(out["actives"][1:], ygsa, "Active members at 31 December", "persons")
    V["inactives"] = da(out["inactives"][1:], ygsa, "Inactive insured members at 31 December", "persons")
    V["contributors"] = da(out["exposure"], ygsa, "Contributors (contributor-years in the year)", "person-years")
    V["actives_by_service"] = da(out["service"][1:], ("year", "group", "service"),
                                  "Active members at 31 December by completed years of credited service", "persons")
    V["pensioners"] = da(np.moveaxis(out["pensioners"][1:], 1, 2), ("year", "group", "benefit", "sex", "age"),
                          "Pensions in payment at 31 December", "persons")
    V["pension_amounts"] = da(np.moveaxis(out["amounts"][1:], 1, 2), ("year", "group", "benefit", "sex", "age"),
                               "Annual amount of pensions in payment at 31 December (before the next indexation)",
                               "currency/year")
    for k, v in flows.items():
        V[k] = da(v, ("year", "group"), k.replace("_", " ").capitalize() + " in the year", "persons/year")
    V["new_pensions"] = da(np.moveaxis(by_type["awards"], 1, 2), ("year", "group", "benefit"),
                            "New pensions awarded in the year", "persons/year")
    V["new_pension_amount"] = da(np.moveaxis(by_type["awards_amount"], 1, 2), ("year", "group", "benefit"),
                                  "Annual amount of the new pensions", "currency/year")
    V["benefit_outgo_by_type"] = da(np.moveaxis(by_type["benefit_outgo"], 1, 2), ("year", "group", "benefit"),
                                     "Pensions paid in the year", "currency/year")
    V["lump_sums"] = da(lump, ("year", "group"), "Lump sums paid to members retiring without a pension",
                         "currency/year")
    V["pensioner_deaths"] = da(p_deaths, ("year", "group"), "Deaths of pensioners in the year", "persons/year")
    V["orphan_exits"] = da(o_exits, ("year", "group"), "Orphans reaching the age limit", "persons/year")
    V["average_earnings"] = da(mean_w[off:], ygsa, "Average earnings of members", "currency/month")
    V["insured_earnings_per_member"] = da(insured_now, ygsa,
                                           "Average insured earnings (clipped to floor and ceiling)", "currency/month")
    V["share_above_ceiling"] = da(above[off:, :, :, :], ygsa, "Share of earnings above the contribution ceiling",
                                   "1")
    V["insured_earnings"] = da(insured_earnings, ("year", "group"), "Insured earnings of contributors",
                                "currency/year")
    V["contributions"] = da(contributions, ("year", "payer", "group"), "Contributions by payer", "currency/year")
    V["contribution_income_by_fund"] = da(contrib_by_fund, ("year", "fund"), "Contributions allocated to funds",
                                           "currency/year")
    if branches:
        V["branch_outgo"] = da(branch_outgo, ("year", "branch"), "Short-term benefits", "currency/year")
    V["admin_cost"] = da(admin_by_fund, ("year", "fund"), "Administrative costs", "currency/year")
    V["outgo_by_fund"] = da(outgo_by_fund, ("year", "fund"), "Outgo (benefits and administration)",
                             "currency/year")
    for k, name, units in (("reserve_start", "Reserve at 1 January", "currency"),
                           ("investment_income", "Investment income", "currency/year"),
                           ("total_income", "Total income (contributions and investment)", "currency/year"),
                           ("total_outgo", "Total outgo", "currency/year"),
                           ("reserve_end", "Reserve at 31 December", "currency")):
        V[f"fund_{k}"] = da(fin[f"fund_{k}"], ("year", "fund"), name, units)
    V["investment_return"] = da(ret, ("year",), "Nominal return on reserves", "1/year")
    V["indexation"] = da(indexation, ("year",), "Indexation of pensions in payment at 1 January", "1/year")
    V["minimum_wage"] = da(mw[off:], ("year",), "Minimum wage", "currency/month")
    V["contribution_ceiling"] = da(ceiling[off:], ("year",), "Contribution ceiling", "currency/month")
    V["gdp"] = da(plan.gdp, ("year",), "Gross domestic product", "currency/year")
    V["exchange_rate"] = da(plan.exchange_rate, ("year",), "Exchange rate", "currency/USD")
    V["pensionable_age"] = da(plan.kernel_static["pensionable_age"], ("year", "group", "sex"), "Pensionable age", "years")
    V["opening_reserve"] = da(np.array([float(opening[f]) for f in funds]), ("fund",),
                               f"Reserve at 31 December {plan.valuation_year}", "currency")
    V["base_actives"] = da(out["actives"][0], ("group", "sex", "age"),
                            f"Active members at 31 December {plan.valuation_year}", "persons")
    V["base_inactives"] = da(out["inactives"][0], ("group", "sex", "age"),
                              f"Inactive members at 31 December {plan.valuation_year}", "persons")
    V["base_pensioners"] = da(np.moveaxis(out["pensioners"][0], 0, 1), ("group", "benefit", "sex", "age"),
                               f"Pensions in payment at 31 December {plan.valuation_year}", "persons")
    return xr.Dataset(V, coords=coords)
