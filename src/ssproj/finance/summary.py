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

__all__ = ["FUND_VARIABLES", "SCHEME_SUMMARY_COLUMNS", "STRATEGY_SUMMARY_COLUMNS", "SUMMARY_COLUMNS", "fund_figures",
           "fund_index", "key_ratios", "scheme_summary", "summary_frame"]


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
               population_15_64=None, population_65_plus=None, admin_cost_rate=None) -> dict:
    """The summary's ratios from totals (arrays or DataArrays of the same shape).

    Returns those whose inputs are given: ``payg_cost_rate`` = (outgo -
    ``admin_cost_rate`` x contributions) / ((1 - ``admin_cost_rate``) x
    insured earnings), the contribution rate that would pay the year's
    outgo, administrative costs proportional to contributions included
    (without ``admin_cost_rate``: outgo / insured earnings);
    ``average_contribution_rate`` = contributions / insured earnings [share
    of insured earnings]; ``reserve_ratio`` = reserve at 31 December /
    outgo of the year (ILO) [years of outgo]; ``old_age_dependency_ratio``
    = persons 65+ / persons 15-64 [1]. Divisions by zero give inf or NaN,
    without a warning.
    """
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        if total_outgo is not None and insured_earnings is not None:
            if admin_cost_rate is None or contribution_income is None:
                out["payg_cost_rate"] = total_outgo / insured_earnings
            else:
                out["payg_cost_rate"] = ((total_outgo - admin_cost_rate * contribution_income)
                                         / ((1.0 - admin_cost_rate) * insured_earnings))
        if contribution_income is not None and insured_earnings is not None:
            out["average_contribution_rate"] = contribution_income / insured_earnings
        if reserve_end is not None and total_outgo is not None:
            out["reserve_ratio"] = reserve_end / total_outgo
        if population_65_plus is not None and population_15_64 is not None:
            out["old_age_dependency_ratio"] = population_65_plus / population_15_64
    return out


#: The funds' variables (..., year, fund) the figures of one fund are computed from.
FUND_VARIABLES = ("contribution_income_by_fund", "fund_state_transfer", "fund_investment_income",
                  "fund_benefits_scheduled", "fund_benefits_paid", "admin_cost", "outgo_by_fund",
                  "fund_total_outgo", "fund_reserve_end", "fund_reserve_end_scheduled")


def fund_figures(get, fund: int | None, *, insured_earnings, gdp, admin_cost_rate) -> dict:
    """Income, outgo, reserve and their ratios for one fund or for all funds together.

    The summary of a projection and each path of a stochastic run compute
    their finance columns here.

    Parameters
    ----------
    get : callable
        ``get(name)`` -> array (..., Y, F) of each of :data:`FUND_VARIABLES`.
    fund : int or None
        Index of the fund; None for all funds together (sums).
    insured_earnings, gdp, admin_cost_rate : ndarray, shape (..., Y)
        [currency/year], [currency/year], [share of contributions]

    Returns
    -------
    dict of ndarray, shape (..., Y)
        ``contribution_income``, ``state_transfer``, ``investment_income``,
        ``benefit_outgo`` (scheduled), ``benefits_paid``, ``admin_cost``,
        ``total_income`` (contributions, state transfers and investment
        income), ``total_outgo`` (paid), ``reserve_end``,
        ``reserve_end_scheduled`` [currency, currency/year];
        ``share_of_benefits_payable``, ``financing_gap`` (scheduled outgo
        minus contributions) and its shares of GDP and insured earnings,
        ``payg_cost_rate``, ``average_contribution_rate``,
        ``reserve_ratio`` (reserve / scheduled outgo), ``outgo_share_of_gdp``,
        ``reserve_share_of_gdp`` [1, years].
    """
    def pick(name):
        a = get(name)
        return a.sum(axis=-1) if fund is None else a[..., fund]

    contrib = pick("contribution_income_by_fund")
    transfer = pick("fund_state_transfer")
    investment = pick("fund_investment_income")
    scheduled = pick("outgo_by_fund")
    benefits = pick("fund_benefits_scheduled")
    paid = pick("fund_benefits_paid")
    reserve = pick("fund_reserve_end")
    gap = scheduled - contrib
    with np.errstate(divide="ignore", invalid="ignore"):
        cols = {
            "contribution_income": contrib,
            "state_transfer": transfer,
            "investment_income": investment,
            "benefit_outgo": benefits,
            "benefits_paid": paid,
            "admin_cost": pick("admin_cost"),
            "total_income": contrib + transfer + investment,
            "total_outgo": pick("fund_total_outgo"),
            "reserve_end": reserve,
            "reserve_end_scheduled": pick("fund_reserve_end_scheduled"),
            "share_of_benefits_payable": np.where(benefits > 0, paid / benefits, 1.0),
            "financing_gap": gap,
            "financing_gap_share_of_gdp": gap / gdp,
            "financing_gap_share_of_earnings": gap / insured_earnings,
            "outgo_share_of_gdp": scheduled / gdp,
            "reserve_share_of_gdp": reserve / gdp,
        }
    cols.update(key_ratios(total_outgo=scheduled, contribution_income=contrib, insured_earnings=insured_earnings,
                           reserve_end=reserve, admin_cost_rate=admin_cost_rate))
    return cols


def fund_index(ds: xr.Dataset, fund: str | None) -> int | None:
    """Index of ``fund`` in the Dataset's funds: None for ``"all"``, the headline fund for None.

    Raises
    ------
    ValueError
        If ``fund`` is not a fund of the projection (the message lists them).
    """
    funds = [str(f) for f in ds.variables["fund"].values]
    if fund == "all":
        return None
    name = ds.attrs.get("headline_fund", funds[0]) if fund is None else fund
    if name not in funds:
        raise ValueError(f"fund={fund!r} is not a fund of this projection; expected one of "
                         f"{', '.join(map(repr, funds))} or 'all'")
    return funds.index(name)


def summary_frame(ds: xr.Dataset, fund: str | None = None) -> pd.DataFrame:
    """Key figures by year of a projection Dataset.

    Parameters
    ----------
    ds : xarray.Dataset
    fund : str, optional
        The fund whose income, outgo and reserve the finance columns show:
        a fund's name, ``"all"`` for all funds together, default the
        headline fund (``ds.attrs["headline_fund"]``).

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
        scheme = scheme_summary(ds, fund)
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


def scheme_summary(ds: xr.Dataset, fund: str | None = None) -> pd.DataFrame:
    """Scheme key figures by scheme year (see :data:`SCHEME_SUMMARY_COLUMNS`); finance columns of ``fund``
    (see :func:`summary_frame`).

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
    earnings = v("insured_earnings", "year", "group").sum(axis=1)
    avg = v("average_earnings", *ygsa)
    member_earnings = (avg * actives).sum(axis=(1, 2, 3))
    above_ceiling = (v("share_above_ceiling", *ygsa) * avg * actives).sum(axis=(1, 2, 3))
    benefits_axis = list(ds.variables["benefit"].values)
    pensioners = pensioners_gb.sum(axis=(1, 2))
    contributors = contributors_g.sum(axis=1)
    labour = v("labour_force", "year", "sex", "age").sum(axis=(1, 2))
    gdp = v("gdp", "year")
    finance_cols = fund_figures(lambda name: v(name, "year", "fund"), fund_index(ds, fund),
                                insured_earnings=earnings, gdp=gdp, admin_cost_rate=v("admin_cost_rate", "year"))
    with np.errstate(divide="ignore", invalid="ignore"):
        cols = {
            "labour_force": labour,
            "insured": insured_g.sum(axis=1),
            "contributors": contributors,
            "pensioners": pensioners,
            **finance_cols,
            "state_paid_pensions": v("state_paid_pensions", "year", "group").sum(axis=1),
            "share_of_earnings_above_ceiling": above_ceiling / member_earnings,
        }
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
