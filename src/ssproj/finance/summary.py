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
    pop = ds["population"]
    by_age = pop.sum("sex")
    young = by_age.sel(age=slice(0, 14)).sum("age")
    working = by_age.sel(age=slice(15, 64)).sum("age")
    old = by_age.sel(age=slice(65, None)).sum("age")
    e0 = ds["life_expectancy_at_birth"]
    df = pd.DataFrame(
        {
            "total_population": by_age.sum("age").values,
            "population_0_14": young.values,
            "population_15_64": working.values,
            "population_65_plus": old.values,
            "old_age_dependency_ratio": key_ratios(population_15_64=working,
                                                   population_65_plus=old)["old_age_dependency_ratio"].values,
            "births": ds["births"].sum("sex").values,
            "deaths": ds["deaths"].sum(("sex", "age")).values,
            "net_migration": ds["net_migration"].sum(("sex", "age")).values,
            "life_expectancy_male": e0.sel(sex="male").values,
            "life_expectancy_female": e0.sel(sex="female").values,
        },
        index=pd.Index(ds["year"].values, name="year"),
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


def scheme_summary(ds: xr.Dataset) -> pd.DataFrame:
    """Scheme key figures by scheme year (see SCHEME_SUMMARY_COLUMNS)."""
    years = ds["year"].values[ds["actives"].notnull().any(("group", "sex", "age")).values]
    ds = ds.sel(year=years)
    sel = dict(year=years)
    insured = (ds["actives"] + ds["inactives"]).sum(("sex", "age"))
    contributors = ds["contributors"].sum(("sex", "age"))
    pensioners = ds["pensioners"].sum(("sex", "age"))
    contributions = ds["contributions"].sum(("payer", "group"))
    investment = ds["fund_investment_income"].sum("fund")
    benefits = ds["benefit_outgo_by_type"].sum(("group", "benefit")) + ds["lump_sums"].sum("group")
    if "branch_outgo" in ds:
        benefits = benefits + ds["branch_outgo"].sum("branch")
    admin = ds["admin_cost"].sum("fund")
    outgo = ds["fund_total_outgo"].sum("fund")
    reserve = ds["fund_reserve_end"].sum("fund")
    earnings = ds["insured_earnings"].sum("group")
    member_earnings = (ds["average_earnings"] * ds["actives"]).sum(("group", "sex", "age"))
    above = (ds["share_above_ceiling"] * ds["average_earnings"] * ds["actives"]).sum(("group", "sex", "age"))
    cols = {
        "labour_force": ds["labour_force"].sel(**sel).sum(("sex", "age")),
        "insured": insured.sum("group"),
        "contributors": contributors.sum("group"),
        "pensioners": pensioners.sum(("group", "benefit")),
        "contribution_income": contributions,
        "investment_income": investment,
        "benefit_outgo": benefits,
        "admin_cost": admin,
        "total_income": contributions + investment,
        "total_outgo": outgo,
        "reserve_end": reserve,
        "share_of_earnings_above_ceiling": above / member_earnings,
    }
    cols.update(key_ratios(total_outgo=outgo, contribution_income=contributions, insured_earnings=earnings,
                           reserve_end=reserve))
    cols["system_dependency_ratio"] = cols["pensioners"] / cols["contributors"]
    cols["coverage_ratio"] = cols["contributors"] / cols["labour_force"]
    lowest = ds["pensionable_age"].min("group")  # (year, sex)
    above = (ds["population"].where(ds["age"] >= lowest)).sum(("sex", "age"))
    cols["old_age_coverage_ratio"] = pensioners.sel(benefit="old_age").sum("group") / above
    new_old_age = ds["new_pensions"].sel(benefit="old_age").sum("group")
    avg_new = ds["new_pension_amount"].sel(benefit="old_age").sum("group") / new_old_age
    avg_earn = earnings / contributors.sum("group")
    cols["replacement_rate_new_pensions"] = avg_new / avg_earn
    cols["outgo_share_of_gdp"] = outgo / ds["gdp"]
    cols["reserve_share_of_gdp"] = reserve / ds["gdp"]
    df = pd.DataFrame({k: np.asarray(v.values, dtype=float) for k, v in cols.items()},
                      index=pd.Index(years, name="year"))
    df = df[[c for c in SCHEME_SUMMARY_COLUMNS if c in df.columns]]
    if "channel_recruits" in ds:
        df["strategy_recruits"] = ds["channel_recruits"].sum("channel").values
        df["strategy_cost_fund"] = ds["channel_cost"].sel(cost_payer="fund").sum("channel").values
        df["strategy_cost_state"] = ds["channel_cost"].sel(cost_payer="state").sum("channel").values
    for g in ds["group"].values:
        df[f"insured_{g}"] = insured.sel(group=g).values
        df[f"contributors_{g}"] = contributors.sel(group=g).values
    for b in ds["benefit"].values:
        df[f"pensioners_{b}"] = pensioners.sum("group").sel(benefit=b).values
    return df
