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

from .earnings import expected_clipped, share_above
from .fund import roll_forward
from .graduation import graduate_rates_cumulative
from .kernels.lifetable import N_AGES
from .kernels.scheme import N_TYPES, scheme_kernel
from .labour import SECTORS, age_table, employment_by_sector, labour_force

__all__ = ["BENEFIT_TYPES", "N_SERVICE", "employment", "project_scheme", "single_age_counts"]

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


def _earnings(sc, groups, ext_years, history_first):
    """Mean and insured monthly earnings by (year, group, sex, age) on ext_years."""
    eval_years = np.maximum(ext_years, history_first)
    aw = _glob(sc, "average_wage", eval_years)
    mw = _glob(sc, "minimum_wage", eval_years)
    wg = _glob(sc, "wage_growth", eval_years)
    before = ext_years < history_first
    if before.any():
        # deflate by the first available year's wage growth
        k = history_first - ext_years[before]
        aw[before] = aw[before] / (1.0 + wg[before]) ** k
        mw[before] = mw[before] / (1.0 + wg[before]) ** k
    ceiling = _glob(sc, "contribution_ceiling", eval_years)
    floor_ratio = _glob(sc, "contribution_floor_ratio", eval_years)
    level = _per(sc, "earnings_level", eval_years)  # (T, G)
    sigma = _scalar_per(sc, "earnings_dispersion", groups)
    scale = np.stack([age_table(sc.tables["salary_scale"], "index", by_sex=False, key=("group", g))
                      for g in groups])  # (G, X)
    base = sc.value("contribution_base")
    lo_ratio = _per(sc, "declared_income_min_ratio", eval_years)
    hi_ratio = _per(sc, "declared_income_max_ratio", eval_years)
    T, G = len(ext_years), len(groups)
    mean = aw[:, None, None, None] * level[:, :, None, None] * scale[None, :, None, :]
    mean = np.broadcast_to(mean, (T, G, 2, N_AGES)).copy()
    floor = np.empty((T, G))
    ceil = np.empty((T, G))
    for gi, g in enumerate(groups):
        if base[g] == "declared_income":
            floor[:, gi] = lo_ratio[:, gi] * mw
            ceil[:, gi] = np.minimum(hi_ratio[:, gi] * mw, ceiling)
        else:
            floor[:, gi] = floor_ratio * mw
            ceil[:, gi] = ceiling
    floor = np.minimum(floor, ceil)
    sig = sigma[None, :, None, None]
    insured = expected_clipped(mean, sig, floor[:, :, None, None], ceil[:, :, None, None])
    above = share_above(mean, sig, np.broadcast_to(ceiling[:, None, None, None], mean.shape))
    return mean, insured, above, ceiling, mw


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
    tables = sc.tables
    pop = demography["population"].sel(year=years).values  # (Y, 2, X)
    participation = age_table(tables["labour_force_participation"], "rate")
    labour = labour_force(pop, participation, _glob(sc, "participation_multiplier", years))
    structure = age_table(tables["employment_structure"], list(SECTORS))
    employed = employment_by_sector(labour, _glob(sc, "unemployment_rate", years), structure,
                                    private_multiplier=_glob(sc, "private_share_multiplier", years))
    domestic = employed[2] * _glob(sc, "domestic_worker_share", years)[:, None, None]
    return labour, employed, domestic


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
    ``domestic_workers`` channel groups of :mod:`ssproj.strategies`).

    Returns
    -------
    xarray.Dataset
        Scheme variables on ``year`` (scheme years), ``group``, ``sex``,
        ``age``, ``benefit``, ``fund``, ``service``; see
        :class:`ssproj.Projection` for the list and units.
    """
    groups = list(sc.groups)
    funds = list(sc.funds)
    branches = list(sc.branches)
    years = np.asarray(sc.scheme_years, dtype=np.int64)
    Y, G = len(years), len(groups)
    tables = sc.tables

    # ---- labour force and employment (population at 1 July of each scheme year)
    labour, employed, domestic = employment(sc, demography, years)
    by_sector = {"public": employed[0], "private": employed[1], "informal": employed[2], "domestic": domestic}

    sectors = [sc.entity_info("group", g)["sector"] for g in groups]
    coverage = _per(sc, "coverage_rate", years)  # (Y, G)
    target = np.stack([coverage[:, gi, None] * by_sector[sectors[gi]].sum(axis=2)
                       for gi in range(G)], axis=1)  # (Y, G, S)

    # ---- earnings, with history for the reference period
    ref_periods = np.array([int(v) for v in _scalar_per(sc, "reference_period", groups)])
    ref_period = int(ref_periods.max())
    ext_years = np.arange(years[0] - ref_period, years[-1] + 1)
    mean_w, insured_w, above, ceiling, mw = _earnings(sc, groups, ext_years, sc.start_year)
    off = ref_period  # index of years[0] in ext_years
    # reference earnings of a member aged x at the start of year y: average
    # insured earnings of the last N years of the cohort (ages x-k in year y-k)
    ref = np.zeros((Y, G, 2, N_AGES))
    for gi in range(G):
        N = int(ref_periods[gi])
        for k in range(N):
            shifted = np.zeros((Y, 2, N_AGES))
            shifted[:, :, k:] = insured_w[off - k : off - k + Y, gi, :, : N_AGES - k]
            ref[:, gi] += shifted
        ref[:, gi] *= 12.0 / N

    # ---- mortality and decrement inputs
    mx = demography["mortality_rate"].sel(year=years).values
    q_exact = np.minimum(mx / (1.0 + 0.5 * mx), 1.0)  # between exact ages x and x+1
    # members are counted by completed age x at 1 January, i.e. exact age
    # x + 1/2 on average: their death probability over the calendar year is
    # that of exact ages x + 1/2 .. x + 3/2 (geometric mean of q(x), q(x+1))
    qx = q_exact.copy()
    qx[..., :-1] = 1.0 - np.sqrt((1.0 - q_exact[..., :-1]) * (1.0 - q_exact[..., 1:]))
    entry = _entry_distribution(tables["entry_age_distribution"], groups)
    density = _per(sc, "contribution_density", years)
    scheme_start = _scalar_per(sc, "scheme_start_year", groups)
    valuation_year = int(sc.value("valuation_year"))
    scheme_age = np.maximum(valuation_year - scheme_start, 0).astype(int)
    A, I = _base_members(tables["insured"], groups, entry, scheme_age, density[0])
    cap = _per(sc, "replacement_cap", years)
    P, M, R = _base_pensioners(tables["pensioners"], groups, cap[0], _per(sc, "invalidity_rate", years)[0])

    inval_inc = age_table(tables["invalidity_incidence"], "rate")
    fam = age_table(tables["family"], ["married", "spouse_age_difference", "children"])
    married, gap, children = fam[..., 0], np.rint(fam[..., 1]).astype(np.int64), fam[..., 2]
    pens_age = np.stack([_per(sc, "pensionable_age_male", years), _per(sc, "pensionable_age_female", years)],
                        axis=2)  # (Y, G, S)
    minimum_pension = _per(sc, "minimum_pension_ratio", years) * mw[off:, None] * 12.0
    maximum_pension = _per(sc, "maximum_pension_ratio", years) * ceiling[off:, None] * 12.0
    price = _glob(sc, "price_inflation", years)
    wages = _glob(sc, "wage_growth", years)
    w = _glob(sc, "indexation_price_weight", years)
    indexation = w * price + (1.0 - w) * wages + _glob(sc, "indexation_extra", years)

    recruits = np.zeros((Y, G, 2)) if recruits is None else np.asarray(recruits, dtype=np.float64)
    if recruits.shape != (Y, G, 2) or np.any(recruits < 0) or not np.all(np.isfinite(recruits)):
        raise ValueError(f"recruits must be finite, >= 0 and of shape {(Y, G, 2)}; got shape {recruits.shape}")

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
    work = [np.zeros_like(A), np.zeros_like(I), np.zeros_like(P), np.zeros_like(M), np.zeros_like(R)]
    c = np.ascontiguousarray
    scheme_kernel(
        A, I, P, M, R,
        c(target), c(recruits), c(entry), c(qx), _scalar_per(sc, "mortality_factor", groups),
        c(density), c(_per(sc, "lapse_rate", years)), c(_per(sc, "reentry_rate", years)),
        c(inval_inc), c(_per(sc, "invalidity_min_service", years)), c(_per(sc, "invalidity_rate", years)),
        c(pens_age), c(_per(sc, "minimum_service", years)), c(_per(sc, "accrual_rate", years)),
        c(_per(sc, "base_rate", years)), c(_per(sc, "full_service", years)),
        c(_per(sc, "short_service_reduction", years)), c(_per(sc, "service_cap", years)), c(cap),
        c(minimum_pension), c(maximum_pension), c(_per(sc, "lump_sum_months_per_year", years)),
        c(ref), c(_per(sc, "survivor_min_service", years)), _glob(sc, "widow_rate", years),
        _glob(sc, "orphan_rate", years), int(sc.value("orphan_age_limit")),
        c(married), c(gap), c(children), c(indexation),
        c(_per(sc, "early_retirement_window", years)), c(_per(sc, "early_retirement_rate", years)),
        c(_per(sc, "early_retirement_reduction", years)), c(_per(sc, "deferral_share", years)),
        c(_per(sc, "deferral_years", years)), c(_per(sc, "late_retirement_increment", years)),
        out["actives"], out["inactives"], out["exposure"], out["service"], out["pensioners"], out["amounts"],
        flows["entrants"], flows["member_deaths"], flows["invalidity_retirements"], flows["lapses"],
        flows["reentries"], flows["retirements_pension"], flows["retirements_lump_sum"],
        by_type["awards"], by_type["awards_amount"], by_type["benefit_outgo"], lump, p_deaths, o_exits,
        *work,
    )

    # ---- contributions
    insured_now = insured_w[off:]  # (Y, G, S, X)
    insured_earnings = (out["exposure"] * insured_now).sum(axis=(2, 3)) * 12.0  # (Y, G) currency/year
    rates = np.stack([_per(sc, f"contribution_rate_{p}", years) for p in PAYERS], axis=1)  # (Y, P, G)
    contributions = rates * insured_earnings[:, None, :]  # (Y, P, G)
    total_contrib = contributions.sum(axis=1)  # (Y, G)
    lt_share = _per(sc, "long_term_share", years)  # (Y, G)
    branch_share = (_per(sc, "contribution_share", years) if branches else np.zeros((Y, 0)))  # (Y, Br)
    lt_fund = sc.value("long_term_fund")
    fund_of_branch = [sc.entity_info("branch", b)["fund"] for b in branches]
    F = len(funds)
    contrib_by_fund = np.zeros((Y, F))
    contrib_by_fund[:, funds.index(lt_fund)] += (total_contrib * lt_share).sum(axis=1)
    for bi, b in enumerate(branches):
        contrib_by_fund[:, funds.index(fund_of_branch[bi])] += total_contrib.sum(axis=1) * branch_share[:, bi]

    # ---- outgo
    total_insured_earnings = insured_earnings.sum(axis=1)
    cost_rate = _per(sc, "cost_rate", years) if branches else np.zeros((Y, 0))
    branch_outgo = cost_rate * total_insured_earnings[:, None]  # (Y, Br)
    long_term_benefits = by_type["benefit_outgo"].sum(axis=(1, 2)) + lump.sum(axis=1)
    outgo_by_fund = np.zeros((Y, F))
    outgo_by_fund[:, funds.index(lt_fund)] += long_term_benefits
    for bi, b in enumerate(branches):
        outgo_by_fund[:, funds.index(fund_of_branch[bi])] += branch_outgo[:, bi]
    members_mid = 0.5 * (out["actives"][:-1] + out["actives"][1:]).sum(axis=(1, 2, 3))
    admin = (_glob(sc, "admin_cost_rate", years) * total_contrib.sum(axis=1)
             + _glob(sc, "admin_cost_per_member", years) * members_mid)
    contrib_total = contrib_by_fund.sum(axis=1)
    weights = np.divide(contrib_by_fund, contrib_total[:, None], out=np.full_like(contrib_by_fund, 1.0 / F),
                        where=contrib_total[:, None] > 0)
    admin_by_fund = admin[:, None] * weights
    if extra_admin_by_year is not None:
        extra = np.asarray(extra_admin_by_year, dtype=np.float64)
        if extra.shape != (Y,) or np.any(extra < 0) or not np.all(np.isfinite(extra)):
            raise ValueError(f"extra_admin_by_year must be finite, >= 0 and of shape {(Y,)}; got shape {extra.shape}")
        admin_by_fund[:, funds.index(lt_fund)] += extra
    outgo_by_fund += admin_by_fund

    # ---- fund roll-forward
    ret = _glob(sc, "investment_return", years)
    opening = sc.value("opening_reserve")
    fin = {k: np.zeros((Y, F)) for k in ("reserve_start", "investment_income", "total_income",
                                        "total_outgo", "reserve_end")}
    for fi, f in enumerate(funds):
        r = roll_forward(float(opening[f]), contrib_by_fund[:, fi], outgo_by_fund[:, fi], ret)
        for k in fin:
            fin[k][:, fi] = np.asarray(r[k])

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
        V[f"fund_{k}"] = da(fin[k], ("year", "fund"), name, units)
    V["investment_return"] = da(ret, ("year",), "Nominal return on reserves", "1/year")
    V["indexation"] = da(indexation, ("year",), "Indexation of pensions in payment at 1 January", "1/year")
    V["minimum_wage"] = da(mw[off:], ("year",), "Minimum wage", "currency/month")
    V["contribution_ceiling"] = da(ceiling[off:], ("year",), "Contribution ceiling", "currency/month")
    V["gdp"] = da(_glob(sc, "gdp", years), ("year",), "Gross domestic product", "currency/year")
    V["exchange_rate"] = da(_glob(sc, "exchange_rate", years), ("year",), "Exchange rate", "currency/USD")
    V["pensionable_age"] = da(pens_age, ("year", "group", "sex"), "Pensionable age", "years")
    V["opening_reserve"] = da(np.array([float(opening[f]) for f in funds]), ("fund",),
                               f"Reserve at 31 December {valuation_year}", "currency")
    V["base_actives"] = da(out["actives"][0], ("group", "sex", "age"),
                            f"Active members at 31 December {valuation_year}", "persons")
    V["base_inactives"] = da(out["inactives"][0], ("group", "sex", "age"),
                              f"Inactive members at 31 December {valuation_year}", "persons")
    V["base_pensioners"] = da(np.moveaxis(out["pensioners"][0], 0, 1), ("group", "benefit", "sex", "age"),
                               f"Pensions in payment at 31 December {valuation_year}", "persons")
    return xr.Dataset(V, coords=coords)
