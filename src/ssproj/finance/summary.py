"""Key figures of a projection by year (:meth:`ssproj.Projection.summary`) and the ratios they share.

The ratios of income, outgo and reserve (:func:`key_ratios`) are written
once here and used by the summary of a deterministic projection and by each
path of a stochastic run alike.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from ssproj import variables

__all__ = ["SCHEME_SUMMARY_COLUMNS", "STRATEGY_SUMMARY_COLUMNS", "SUMMARY_COLUMNS", "key_ratios", "scheme_summary",
           "summary_frame"]


def _summary_columns(needs: str) -> dict:
    """Summary columns with a fixed name present under ``needs`` ("" always, "scheme", "strategy") -> unit label."""
    return {v.name: v.label for v in variables.of_kind("summary") if v.needs == needs and not v.is_pattern}


#: Columns of :meth:`ssproj.Projection.summary` with their units (as written in
#: headers), from the registry of output variables (:mod:`ssproj.variables`).
SUMMARY_COLUMNS = _summary_columns("")

#: Scheme columns of the summary (present when the scenario declares insured
#: groups; NaN before the first scheme year), with units. Per group and type
#: of pension: ``insured_<group>``, ``contributors_<group>``,
#: ``pensioners_<benefit>`` (see :mod:`ssproj.variables`).
SCHEME_SUMMARY_COLUMNS = _summary_columns("scheme")

#: Strategy columns of the summary (present when the scenario has a
#: coverage-expansion strategy), with units.
STRATEGY_SUMMARY_COLUMNS = _summary_columns("strategy")


def key_ratios(*, total_outgo=None, contribution_income=None, insured_earnings=None, reserve_end=None,
               population_15_64=None, population_65_plus=None) -> dict:
    """The summary's ratios from totals (arrays or DataArrays of the same shape).

    Returns those whose inputs are given: ``payg_cost_rate`` = outgo /
    insured earnings, ``average_contribution_rate`` = contributions /
    insured earnings [share of insured earnings]; ``reserve_ratio`` =
    reserve at 31 December / outgo of the year (ILO) [years of outgo];
    ``old_age_dependency_ratio`` = persons 65+ / persons 15-64 [1].
    Divisions by zero give inf or NaN, without a warning.
    """
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        if total_outgo is not None and insured_earnings is not None:
            out["payg_cost_rate"] = total_outgo / insured_earnings
        if contribution_income is not None and insured_earnings is not None:
            out["average_contribution_rate"] = contribution_income / insured_earnings
        if reserve_end is not None and total_outgo is not None:
            out["reserve_ratio"] = reserve_end / total_outgo
        if population_65_plus is not None and population_15_64 is not None:
            out["old_age_dependency_ratio"] = population_65_plus / population_15_64
    return out


def summary_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Key figures by year of a projection Dataset.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``year``; columns and units in :data:`SUMMARY_COLUMNS`,
        :data:`SCHEME_SUMMARY_COLUMNS` and :data:`STRATEGY_SUMMARY_COLUMNS`
        (also in ``DataFrame.attrs['units']``).
    """
    # numpy on the variables' arrays (no DataArray per figure: the summary follows every run of a
    # sensitivity analysis, a sweep or the solver); the same reductions as the xarray definitions
    by_age = _values(ds, "population", "year", "sex", "age").sum(axis=1)             # (T, X)
    young = by_age[:, 0:15].sum(axis=1)
    working = by_age[:, 15:65].sum(axis=1)
    old = by_age[:, 65:].sum(axis=1)
    e0 = _values(ds, "life_expectancy_at_birth", "year", "sex")
    sexes = list(ds.variables["sex"].values)
    df = pd.DataFrame(
        {
            "total_population": by_age.sum(axis=1),
            "population_0_14": young,
            "population_15_64": working,
            "population_65_plus": old,
            "old_age_dependency_ratio": key_ratios(population_15_64=working,
                                                   population_65_plus=old)["old_age_dependency_ratio"],
            "births": _values(ds, "births", "year", "sex").sum(axis=1),
            "deaths": _values(ds, "deaths", "year", "sex", "age").sum(axis=(1, 2)),
            "net_migration": _values(ds, "net_migration", "year", "sex", "age").sum(axis=(1, 2)),
            "life_expectancy_male": e0[:, sexes.index("male")],
            "life_expectancy_female": e0[:, sexes.index("female")],
        },
        index=pd.Index(ds.variables["year"].values, name="year"),
    )
    units = dict(SUMMARY_COLUMNS)
    if "actives" in ds:
        scheme = scheme_summary(ds)
        df = df.join(scheme)
        units.update(SCHEME_SUMMARY_COLUMNS)
        if "channel_recruits" in ds:
            units.update(STRATEGY_SUMMARY_COLUMNS)
        for col in scheme.columns:
            units.setdefault(col, variables.label(col))
    df.attrs["units"] = units
    return df


def _values(ds: xr.Dataset, name: str, *dims: str) -> np.ndarray:
    """The array of variable ``name`` with its dimensions in the order ``dims``."""
    var = ds.variables[name]
    if dims and var.dims != dims:
        var = var.transpose(*dims)
    return var.values


def scheme_summary(ds: xr.Dataset) -> pd.DataFrame:
    """Scheme key figures by scheme year (see :data:`SCHEME_SUMMARY_COLUMNS`).

    Computed on the variables' arrays (the same reductions, over the same
    axes, as the xarray expressions in the definitions of
    :mod:`ssproj.variables`), as the summary is needed after every run of a
    sensitivity analysis, a sweep or the solver.
    """
    act = _values(ds, "actives", "year", "group", "sex", "age")
    mask = ~np.isnan(act).all(axis=(1, 2, 3))  # scheme years: any member value present
    years = ds.variables["year"].values[mask]

    def v(name, *dims):
        return _values(ds, name, *dims)[mask]

    ygsa = ("year", "group", "sex", "age")
    actives = act[mask]
    insured_g = (actives + v("inactives", *ygsa)).sum(axis=(2, 3))                    # (Y, G)
    contributors_g = v("contributors", *ygsa).sum(axis=(2, 3))                         # (Y, G)
    pensioners_gb = v("pensioners", "year", "group", "benefit", "sex", "age").sum(axis=(3, 4))  # (Y, G, B)
    contributions = v("contributions", "year", "payer", "group").sum(axis=(1, 2))
    investment = v("fund_investment_income", "year", "fund").sum(axis=1)
    benefits = (v("benefit_outgo_by_type", "year", "group", "benefit").sum(axis=(1, 2))
                + v("lump_sums", "year", "group").sum(axis=1))
    if "branch_outgo" in ds:
        benefits = benefits + v("branch_outgo", "year", "branch").sum(axis=1)
    admin = v("admin_cost", "year", "fund").sum(axis=1)
    outgo = v("fund_total_outgo", "year", "fund").sum(axis=1)
    reserve = v("fund_reserve_end", "year", "fund").sum(axis=1)
    earnings = v("insured_earnings", "year", "group").sum(axis=1)
    avg = v("average_earnings", *ygsa)
    member_earnings = (avg * actives).sum(axis=(1, 2, 3))
    above_ceiling = (v("share_above_ceiling", *ygsa) * avg * actives).sum(axis=(1, 2, 3))
    benefits_axis = list(ds.variables["benefit"].values)
    pensioners = pensioners_gb.sum(axis=(1, 2))
    contributors = contributors_g.sum(axis=1)
    labour = v("labour_force", "year", "sex", "age").sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        cols = {
            "labour_force": labour,
            "insured": insured_g.sum(axis=1),
            "contributors": contributors,
            "pensioners": pensioners,
            "contribution_income": contributions,
            "investment_income": investment,
            "benefit_outgo": benefits,
            "admin_cost": admin,
            "total_income": contributions + investment,
            "total_outgo": outgo,
            "reserve_end": reserve,
            "share_of_earnings_above_ceiling": above_ceiling / member_earnings,
        }
        cols.update(key_ratios(total_outgo=outgo, contribution_income=contributions, insured_earnings=earnings,
                               reserve_end=reserve))
        cols["system_dependency_ratio"] = pensioners / contributors
        cols["coverage_ratio"] = contributors / labour
        lowest = v("pensionable_age", "year", "group", "sex").min(axis=1)              # (Y, S)
        pop = v("population", "year", "sex", "age")
        ages = ds.variables["age"].values
        above_age = np.where(ages[None, None, :] >= lowest[:, :, None], pop, 0.0).sum(axis=(1, 2))
        old = benefits_axis.index("old_age")
        cols["old_age_coverage_ratio"] = pensioners_gb[:, :, old].sum(axis=1) / above_age
        new_old_age = v("new_pensions", "year", "group", "benefit")[:, :, old].sum(axis=1)
        avg_new = v("new_pension_amount", "year", "group", "benefit")[:, :, old].sum(axis=1) / new_old_age
        cols["replacement_rate_new_pensions"] = avg_new / (earnings / contributors)
        gdp = v("gdp", "year")
        cols["outgo_share_of_gdp"] = outgo / gdp
        cols["reserve_share_of_gdp"] = reserve / gdp
    df = pd.DataFrame({k: np.asarray(cols[k], dtype=float) for k in SCHEME_SUMMARY_COLUMNS if k in cols},
                      index=pd.Index(years, name="year"))
    if "channel_recruits" in ds:
        df["strategy_recruits"] = v("channel_recruits", "year", "channel").sum(axis=1)
        cost = ds["channel_cost"]
        df["strategy_cost_fund"] = cost.sel(cost_payer="fund").transpose("year", "channel").values[mask].sum(axis=1)
        df["strategy_cost_state"] = cost.sel(cost_payer="state").transpose("year", "channel").values[mask].sum(axis=1)
    for gi, g in enumerate(ds.variables["group"].values):
        df[f"insured_{g}"] = insured_g[:, gi]
        df[f"contributors_{g}"] = contributors_g[:, gi]
    by_benefit = pensioners_gb.sum(axis=1)
    for bi, b in enumerate(benefits_axis):
        df[f"pensioners_{b}"] = by_benefit[:, bi]
    return df
