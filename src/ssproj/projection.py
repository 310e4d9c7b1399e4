"""Run a scenario through the projection stages: :func:`project` and :class:`Projection`.

Stages (DESIGN §1): demography now; labour force, scheme engine, finance
and indicators are added as further stages over the same Dataset.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ssproj import variables as _variables
from ssproj.finance import indicators as ind
from ssproj.finance.flows import finance, state_paid_pensions
from ssproj.finance.summary import (
    SCHEME_SUMMARY_COLUMNS,
    STRATEGY_SUMMARY_COLUMNS,
    SUMMARY_COLUMNS,
    fund_index,
    summary_frame,
)
from ssproj.io.atomic import atomic_path, write_text_atomic
from ssproj.io.netcdf import write_netcdf
from ssproj.io.outdir import inputs_sha256, result_folder
from ssproj.plan import (
    closed_at_runs,
    closed_runs,
    compile_scenario,
    run_plan,
    scheme_and_economy,
    state_paid_blocks,
)
from ssproj.reporting.banner import SummaryFrame, short_banner, with_banner
from ssproj.reporting.excel import projection_workbook
from ssproj.reporting.html import write_html
from ssproj.reporting.text import headline_reading
from ssproj.scheme.engine import run_scheme

__all__ = ["SCHEME_SUMMARY_COLUMNS", "STRATEGY_SUMMARY_COLUMNS", "SUMMARY_COLUMNS", "Projection", "project"]


class Projection:
    """The result of :func:`project`.

    Attributes
    ----------
    dataset : xarray.Dataset
        Every projected stock, flow and rate, with units in each variable's
        ``attrs`` and the provenance (scenario, assumption sources, ssproj
        version, seed) in ``dataset.attrs``. Dimensions: ``year`` (calendar
        year; stocks at 1 July), ``sex`` (``male``, ``female``), ``age``
        (0..100, 100 = 100+), and with a scheme ``group``, ``benefit``,
        ``fund`` and others (see :mod:`ssproj.variables`). Variables (name,
        dimensions, definition, [unit]), from the registry of output
        variables (``src/ssproj/variables.yaml``):

@DATASET_VARIABLES@
    scenario : ssproj.scenario.Scenario
        The validated scenario that produced it.

    Notes
    -----
    Columns of :meth:`summary`, by year (name, definition, [unit]);
    ``<group>`` stands for each insured group, ``<benefit>`` for each type
    of pension:

@SUMMARY_COLUMNS@

    Keys of :meth:`indicators` (``<n>``: a valuation period in years,
    ``<year>``: a milestone year):

@INDICATORS@
    """

    def __init__(self, dataset: xr.Dataset, scenario=None):
        self.dataset = dataset
        self.scenario = scenario
        self._summary: tuple | None = None  # (dataset, summary) computed once for that dataset

    def __repr__(self):
        years = self.dataset["year"].values
        assumed = self.assumed_inputs
        rests = (f"; rests on {len(assumed)} inputs marked assumed (print(result.assumption_banner))"
                 if assumed and "actives" in self.dataset else "")
        return (f"<ssproj.Projection {self.dataset.attrs.get('scenario_name', '?')!r} "
                f"{years[0]}-{years[-1]}{rests}, variables: "
                f"{', '.join(str(v) for v in self.dataset.data_vars)}>")

    @property
    def population(self) -> xr.DataArray:
        """Population by year, sex and single age at 1 July. [persons]"""
        return self.dataset["population"]

    @property
    def years(self) -> np.ndarray:
        """Projection years. [calendar year]"""
        return self.dataset["year"].values

    @property
    def provenance(self) -> dict:
        """Scenario, assumption sources, ssproj version and seed of this result."""
        return json.loads(self.dataset.attrs["provenance"])

    @property
    def assumed_inputs(self) -> list[str]:
        """The inputs marked ``assumed`` among those the assumption set or the scenario sets.

        Labels as in :func:`ssproj.reporting.banner.input_label`: ``name[entity]`` for a parameter,
        ``channel <channel>.<quantity>``, ``table <name>``; recorded at projection time in
        ``dataset.attrs['assumed_inputs']`` (empty without a scheme, or for a result written by an
        ssproj that did not record them).
        """
        text = self.dataset.attrs.get("assumed_inputs")
        return [str(x) for x in json.loads(text)] if text else []

    @property
    def assumption_banner(self) -> str:
        """What the headline results rest on: a short warning when inputs marked ``assumed`` drive them.

        Empty without a scheme or without an assumed input. Once
        :func:`ssproj.rests_on` (or ``ssproj run``) has measured which assumed
        inputs move the headline most (two projections per plausible range
        declared in the assumption set), it is that banner
        (:func:`ssproj.analysis.assumptions.assumption_banner`), kept in
        ``dataset.attrs['assumption_banner']`` and so in the netCDF file;
        before, it is :func:`ssproj.reporting.banner.short_banner`: how many
        inputs are assumed, and how to name those that drive the results.
        :meth:`summary`, :meth:`to_excel` (a first sheet) and :meth:`to_html`
        (in the headline section that opens the report) show it.
        """
        ds = self.dataset
        if "actives" not in ds:
            return ""
        measured = ds.attrs.get("assumption_banner")
        if measured:
            return str(measured)
        return short_banner(len(self.assumed_inputs), int(ds.attrs.get("inputs_given", 0)))

    @property
    def funds(self) -> list[str]:
        """The funds of the scheme, the headline fund first (empty without a scheme)."""
        ds = self.dataset
        if "fund" not in ds.coords:
            return []
        funds = [str(f) for f in ds["fund"].values]
        head = ds.attrs.get("headline_fund", funds[0])
        return [head] + [f for f in funds if f != head]

    def summary(self, fund: str | None = None) -> SummaryFrame:
        """Key figures by year.

        Parameters
        ----------
        fund : str, optional
            Whose income, outgo and reserve the finance columns show: a
            fund's name, ``"all"`` for all funds together; default the
            headline fund (parameter ``headline_fund``, by default the
            long-term fund). The other columns do not depend on it.

        Returns
        -------
        SummaryFrame
            A :class:`pandas.DataFrame` indexed by ``year``; columns and
            units in :data:`ssproj.finance.summary.SUMMARY_COLUMNS` (also in
            ``DataFrame.attrs['units']``); ``DataFrame.attrs['fund']`` names
            the fund of the finance columns and
            ``DataFrame.attrs['assumption_banner']`` is
            :attr:`assumption_banner`, which its display (``print``, a
            notebook) shows first, and that of a selection of it
            (:class:`ssproj.reporting.banner.SummaryFrame`).
        """
        ds = self.dataset
        key = fund if fund is not None else ds.attrs.get("headline_fund")
        if self._summary is None or self._summary[0] is not ds:
            self._summary = (ds, {})
        cache = self._summary[1]
        if key not in cache:
            frame = summary_frame(ds, fund)
            frame.attrs["fund"] = key if "actives" in ds else None
            cache[key] = frame
        df = cache[key].copy()
        df.attrs = {k: dict(v) if isinstance(v, dict) else v for k, v in cache[key].attrs.items()}
        return with_banner(df, self.assumption_banner)

    def indicators(self, horizons=(25, 50, 75), milestones=(2030, 2040, 2050, 2075, 2100),
                   fund: str | None = None, group: str | None = None) -> pd.Series:
        """Long-range financial indicators of one fund (default the headline fund) or of all funds.

        Parameters
        ----------
        horizons : sequence of int
            Valuation periods, in years from the first scheme year, for the
            general average premium, the summarized rates and the present
            values (shortened to the projection if longer).
        milestones : sequence of int
            Years at which reserve ratios and the share of benefits payable
            are reported (those projected).
        fund : str, optional
            A fund's name, ``"all"`` for all funds together; default the
            headline fund.
        group : str, optional
            An insured group: the long-term fund's indicators for the
            group's own pensions, lump sums and contributions to it (net of
            the administrative charge; the pensions the state pays left
            out). No reserve and no other administrative cost belongs to a
            group, so its figures start from a zero reserve:
            ``depletion_year`` and the state transfers are NaN,
            ``first_deficit_year`` is its first year of cash-flow deficit,
            and the reserve ratios are not given. Only with the long-term
            fund (``fund`` None or the long-term fund).

        Returns
        -------
        pandas.Series
            Keys and units in the registry (:mod:`ssproj.variables`, kind
            ``indicator``): ``depletion_year`` (first year the reserve at
            31 December under the scheduled flows is <= 0; NaN if never),
            ``first_deficit_year``, ``gap_<n>``,
            ``summarized_income_rate_<n>``, ``summarized_cost_rate_<n>``,
            ``actuarial_balance_<n>``, ``pv_shortfall_<n>`` and its shares
            of the present values of GDP and of insured earnings,
            ``pv_state_transfers_<n>`` and its share of the present value
            of GDP, ``reserve_ratio_<year>``,
            ``share_of_benefits_payable_<year>``. ``Series.attrs['fund']``
            names the fund. Administrative costs proportional to
            contributions are a charge on the contributions, not a cost
            to be financed (methods: docs/methods/finance-indicators.md).

        Raises
        ------
        ValueError
            If the projection has no scheme, or ``fund`` is not one of its funds.
        """
        ds = self.dataset
        if "actives" not in ds:
            raise ValueError("this projection has no scheme: its assumption set declares no insured groups")
        s = self.summary(fund).dropna(subset=["total_outgo"])
        fi = fund_index(ds, fund)
        years = s.index.to_numpy()
        sel = {"year": years}
        if group is not None:
            return self._group_indicators(s, fi, group, horizons)

        def fund_values(name):
            arr = ds[name].sel(sel).transpose("year", "fund").to_numpy()
            return arr.sum(axis=1) if fi is None else arr[:, fi]

        earnings = ds["insured_earnings"].sum("group").sel(sel).to_numpy()
        interest = ds["investment_return"].sel(sel).to_numpy()
        a = ds["admin_cost_rate"].sel(sel).to_numpy()
        gdp = ds["gdp"].sel(sel).to_numpy()
        reserves = ds["opening_reserve"].to_numpy()
        opening = float(reserves.sum() if fi is None else reserves[fi])
        contrib = s["contribution_income"].to_numpy()
        # administrative costs proportional to contributions are netted from them: the cost to be financed is the
        # benefits and the other administrative costs, the payroll that finances it is net of that charge
        cost = fund_values("outgo_by_fund") - a * contrib
        net_income = (1.0 - a) * contrib
        net_payroll = (1.0 - a) * earnings
        out = {}
        dep = ind.depletion_year(years, fund_values("fund_reserve_end_scheduled"))
        out["depletion_year"] = float(dep) if dep is not None else float("nan")
        deficit = cost > net_income
        out["first_deficit_year"] = float(years[np.argmax(deficit)]) if deficit.any() else float("nan")
        out.update(_long_range(horizons, cost=cost, net_income=net_income, net_payroll=net_payroll,
                               interest=interest, opening=opening, gdp=gdp, earnings=earnings,
                               transfers=s["state_transfer"].to_numpy()))
        for y in milestones:
            if y in s.index:
                out[f"reserve_ratio_{y}"] = float(s.loc[y, "reserve_ratio"])
        for y in milestones:
            if y in s.index:
                out[f"share_of_benefits_payable_{y}"] = float(s.loc[y, "share_of_benefits_payable"])
        series = pd.Series(out, name=self.dataset.attrs.get("scenario_name", ""))
        series.attrs["fund"] = s.attrs.get("fund")
        return series

    def _group_indicators(self, s: pd.DataFrame, fi: int | None, group: str, horizons) -> pd.Series:
        """:meth:`indicators` of one group's pensions in the long-term fund (see there)."""
        ds = self.dataset
        groups = [str(g) for g in ds["group"].values]
        if group not in groups:
            raise ValueError(f"group={group!r} is not an insured group of this projection; expected one of "
                             f"{', '.join(map(repr, groups))}")
        chosen = str(ds["fund"].values[fi]) if fi is not None else "all"
        long_term = ds.attrs.get("long_term_fund")
        if "long_term_share" not in ds or chosen != long_term:
            raise ValueError(f"indicators by group are those of the long-term (pension) fund {long_term!r}; "
                             f"fund {chosen!r} is not it")
        sel = {"year": s.index.to_numpy(), "group": group}
        interest = ds["investment_return"].sel(year=s.index).to_numpy()
        a = ds["admin_cost_rate"].sel(year=s.index).to_numpy()
        gdp = ds["gdp"].sel(year=s.index).to_numpy()
        earnings = ds["insured_earnings"].sel(sel).to_numpy()
        cost = (ds["benefit_outgo_by_type"].sel(sel).sum("benefit").to_numpy() + ds["lump_sums"].sel(sel).to_numpy()
                - ds["state_paid_pensions"].sel(sel).to_numpy())
        net_income = ((1.0 - a) * ds["contributions"].sel(sel).sum("payer").to_numpy()
                      * ds["long_term_share"].sel(sel).to_numpy())
        out: dict[str, float] = {"depletion_year": float("nan")}
        deficit = cost > net_income
        years = s.index.to_numpy()
        out["first_deficit_year"] = float(years[np.argmax(deficit)]) if deficit.any() else float("nan")
        out.update(_long_range(horizons, cost=cost, net_income=net_income, net_payroll=(1.0 - a) * earnings,
                               interest=interest, opening=0.0, gdp=gdp, earnings=earnings, transfers=None))
        series = pd.Series(out, name=self.dataset.attrs.get("scenario_name", ""))
        series.attrs["fund"] = long_term
        series.attrs["group"] = group
        return series

    def liabilities(self, years=None) -> pd.DataFrame:
        """Liabilities of the pension fund at the valuation date (or at 31 December of chosen years).

        Every measure is a present value at 1 January of the first scheme
        year (31 December of the valuation year), at the projected return on
        the reserves, flows paid mid-year (the convention of the
        roll-forward), over the projected scheme years.

        Parameters
        ----------
        years : sequence of int, optional
            Calendar years at whose 31 December to value the accrued rights
            (from the valuation year to the year before the last projected
            one). Then the scheme runs as projected to the end of each year
            and closes (no entrant, recruit, re-entry, contribution or
            accrual from the next year on; ``ssproj.scheme.closed.closed_at``):
            a different table, described below under ``years``.

        Returns
        -------
        pandas.DataFrame
            Without ``years``: index ``accrued_to_date_liability`` and its parts
            ``adl_pensioners`` (pensions in payment at the valuation date and
            the survivors' pensions that arise from them), ``adl_actives``
            (benefits of the service accrued by active members, as if they
            left that day: the termination basis) and ``adl_inactives``,
            each the part charged to the fund; ``adl_state_paid`` (the
            accrued pensions the state pays, ``state_paid_base_pensions``
            and ``state_paid_pension_share``);
            ``pv_closed_group_benefits``, ``pv_closed_group_contributions``
            (net of the administrative charge) and
            ``closed_group_obligation`` (benefits minus contributions minus
            the reserve: the closed group of everyone insured at the
            valuation date, actives continuing to contribute and accrue, no
            new entrant); ``open_group_shortfall_<n>`` for n = 50 and 75
            years and ``open_group_shortfall_infinite`` (the 75-year one plus
            a perpetuity of the last year's shortfall growing with insured
            earnings; NaN when the return does not exceed that growth);
            ``opening_reserve``; ``implicit_pension_debt`` (every accrued
            right, the fund's and the state's, minus the reserve). Columns:
            each insured group and ``total`` [currency at 1 January of the
            first scheme year] (the shortfalls and the
            reserve are for the fund as a whole: NaN by group),
            ``total_share_of_pv_gdp`` and ``total_share_of_pv_earnings``
            (shares of the present values of GDP and of insured earnings over
            the projected scheme years, or over the shortfall's own years),
            ``total_share_of_gdp`` (share of the GDP of the first scheme year).
            ``attrs``: ``fund``, ``valuation_year``, ``units``.

            With ``years``: index ``year``; columns ``adl_pensioners`` (pensions
            in payment at 31 December and the survivors' pensions arising
            from them), ``adl_members`` (active and inactive members,
            termination basis), ``accrued_to_date_liability`` (their sum,
            the fund's part), ``adl_state_paid``, ``reserve`` (the pension
            fund's at 31 December), ``implicit_pension_debt`` (all accrued
            rights less the reserve) [currency at 31 December of the year],
            and ``accrued_to_date_liability_share_of_gdp``,
            ``implicit_pension_debt_share_of_gdp`` (of the next year's GDP) [1].
            At the valuation year the figures equal those of the table
            without ``years`` (one closed run instead of three: tested).
            Payments after the last projected year are not counted, so a
            liability at a late date is understated (at 2075 in a projection
            to 2100, only 25 years of payments).

        Raises
        ------
        ValueError
            If the projection has no scheme, or no scenario (read from a
            file: the closed-group runs need the compiled scenario).

        Notes
        -----
        The benefits are pensions and lump sums of the long-term fund
        (administrative costs are not liabilities). Payments after the
        last projected year are not counted: for a projection to 2100 of a
        2023 valuation they are a small part of the ADL (pensioners then
        younger than about 25). Methods: docs/methods/finance-indicators.md.
        """
        ds = self.dataset
        if "actives" not in ds:
            raise ValueError("this projection has no scheme: its assumption set declares no insured groups")
        if self.scenario is None:
            raise ValueError("liabilities() needs the scenario of the projection (a Projection read from a file has "
                             "none): project the scenario again with ssproj.project")
        plan = compile_scenario(self.scenario)
        if years is not None:
            return self._liabilities_at(plan, years)
        runs = closed_runs(plan)
        sp, econ = scheme_and_economy(plan)
        lt = sp.lt_fund
        years = sp.years
        i = ds["investment_return"].sel(year=years).to_numpy()
        a = ds["admin_cost_rate"].sel(year=years).to_numpy()
        v = ind.discount_factors(i, mid_year=True, half_year="simple")
        groups = list(sp.groups)

        def pv(flow):  # (Y, ...) -> (...)
            return np.tensordot(v, flow, axes=(0, 0))

        def benefits(part):  # (Y, G) pensions and lump sums charged to the fund, and pensions the state pays
            closed, res = runs[part]
            pensions = res.scheme.benefit_outgo                                           # (Y, B, G)
            blocks = state_paid_blocks(closed, pensions, lambda p: run_scheme(p, plan.demography, econ)
                                       .scheme.benefit_outgo)
            state = state_paid_pensions(closed, pensions, *blocks).sum(axis=1)
            return pensions.sum(axis=1) + res.scheme.lump_sums - state, state

        flows = {part: benefits(part) for part in ("pensioners", "actives", "inactives")}  # (fund's, state's)
        rows = {f"adl_{part}": pv(fund) for part, (fund, _) in flows.items()}
        rows["accrued_to_date_liability"] = sum(rows[f"adl_{p}"] for p in flows)
        rows["adl_state_paid"] = sum(pv(state) for _, state in flows.values())
        rows["pv_closed_group_benefits"] = pv(benefits("closed_group")[0])
        closed_group, res = runs["closed_group"]
        fin = finance(closed_group, res.insured_earnings, res.long_term_benefits, res.members_mid, i,
                      branch_events=res.branch_events)
        contrib_g = fin["contributions"].sum(axis=1) * sp.long_term_share * (1.0 - a)[:, None]  # (Y, G)
        rows["pv_closed_group_contributions"] = pv(contrib_g)
        nan_g = np.full(len(groups), np.nan)
        opening = float(sp.opening_reserve[lt])
        total = {k: float(np.sum(val)) for k, val in rows.items()}
        rows["closed_group_obligation"] = nan_g
        total["closed_group_obligation"] = (total["pv_closed_group_benefits"] - total["pv_closed_group_contributions"]
                                            - opening)
        headline = self.indicators(horizons=(50, 75), milestones=(), fund=str(sp.funds[lt]))
        for n in (50, 75):
            rows[f"open_group_shortfall_{n}"] = nan_g
            total[f"open_group_shortfall_{n}"] = float(headline[f"pv_shortfall_{n}"])
        s = self.summary(str(sp.funds[lt])).loc[years]
        cost = s["benefit_outgo"].to_numpy() + s["admin_cost"].to_numpy() - a * s["contribution_income"].to_numpy()
        gap_last = cost[-1] - (1.0 - a[-1]) * s["contribution_income"].to_numpy()[-1]
        earnings = ds["insured_earnings"].sum("group").sel(year=years).to_numpy()
        g = earnings[-1] / earnings[-2] - 1.0 if len(years) > 1 else np.nan
        n_all = len(years)
        short_all = ind.open_group_shortfall(cost, (1.0 - a) * s["contribution_income"].to_numpy(), i, opening)
        tail = gap_last * (1.0 + g) / (i[-1] - g) * float(ind.discount_factors(i)[-1]) if i[-1] > g else np.nan
        rows["open_group_shortfall_infinite"] = nan_g
        total["open_group_shortfall_infinite"] = short_all + tail
        rows["opening_reserve"] = nan_g
        total["opening_reserve"] = opening
        rows["implicit_pension_debt"] = nan_g
        total["implicit_pension_debt"] = (total["accrued_to_date_liability"] + total["adl_state_paid"]
                                          - opening)
        gdp = ds["gdp"].sel(year=years).to_numpy()
        pv_gdp_all, pv_e_all = float(pv(gdp)), float(pv(earnings))
        frame = pd.DataFrame({g_: [float(rows[k][gi]) for k in rows] for gi, g_ in enumerate(groups)},
                             index=pd.Index(list(rows), name="measure"))
        frame["total"] = [total[k] for k in rows]
        shares_gdp, shares_e = [], []
        for k in rows:
            if k.startswith("open_group_shortfall_") and k[-2:].isdigit():
                n = int(k.rsplit("_", 1)[1])
                h = min(n, n_all)
                shares_gdp.append(total[k] / ind.present_value(gdp, i, horizon=h))
                shares_e.append(total[k] / ind.present_value(earnings, i, horizon=h))
            else:
                shares_gdp.append(total[k] / pv_gdp_all)
                shares_e.append(total[k] / pv_e_all)
        frame["total_share_of_pv_gdp"] = shares_gdp
        frame["total_share_of_pv_earnings"] = shares_e
        frame["total_share_of_gdp"] = frame["total"] / gdp[0]
        frame.attrs = {"fund": str(sp.funds[lt]), "valuation_year": int(sp.valuation_year),
                       "units": {**{c: f"currency at 1 January {int(years[0])}" for c in groups + ["total"]},
                                 "total_share_of_pv_gdp": "share of the present value of GDP",
                                 "total_share_of_pv_earnings": "share of the present value of insured earnings",
                                 "total_share_of_gdp": f"share of the GDP of {int(years[0])}"}}
        return frame

    def channel_values(self, milestones=(2050, 2075, 2100), *, persistence_after: int = 5) -> pd.DataFrame:
        """The value of each coverage-expansion channel: who it brings in, what they pay, what they draw.

        A recruiting channel (and a ``domestic_workers`` channel) has its own
        insured group ``<parent>.<channel>``: its members' contributions and
        benefits are those of that group in this projection, so no second run
        is needed. Present values are at 1 January of the first scheme year,
        at the projected return, flows paid mid-year, over the projected
        years (benefits after the last year are not counted: for recruits of
        2025-2040 they are a large part of their pensions, so ``net_pv`` is an
        upper bound of their value to the fund). A parameter channel
        (``subsidy``, ``lower_floor``, ``coverage_target``) acts on its parent
        group: only its costs are given here; its effect is the comparison of
        the projection with and without it (:func:`ssproj.compare`).

        Parameters
        ----------
        milestones : sequence of int
            Years of the old-age coverage columns. [calendar year]
        persistence_after : int, default 5
            N of the ``persistence_<N>y`` column. [years]

        Returns
        -------
        pandas.DataFrame
            One row per channel and a row ``all channels``; columns (units in
            ``attrs['units']``): ``kind``, ``recruits`` [persons],
            ``contributor_years`` [contributor-years], ``pv_contributions``
            (all payers and funds), ``pv_contributions_pension_fund``,
            ``pv_contributions_members`` (those of payers other than the
            state: the members and their employers), ``pv_benefits`` (pensions, lump sums and short-term benefits of
            the group), ``pv_cost_fund``, ``pv_cost_state`` (the channel's
            costs; the state's also the group's state contributions, a
            subsidy counted once) [currency], ``net_pv_fund`` (contributions
            net of the administrative charge, minus benefits and the fund's
            costs) [currency], ``net_pv_per_recruit`` [currency/person],
            ``cost_per_contributor_year_fund``,
            ``cost_per_contributor_year_state`` (present value of costs over
            present value of contributor-years) [currency/contributor-year],
            ``old_age_coverage_<year>``: the group's old-age pensioners per
            person at or above the lowest pensionable age (SDG 1.3.1 style,
            the channel's addition to ``old_age_coverage_ratio``) [1];
            ``persistence_<N>y``: the group's active (contributing) members
            at 31 December of the N-th year from the channel's first year
            with recruits, per person the channel recruited in those N
            years (lapses and deaths lower it, re-entries raise it; NaN when
            the projection ends earlier) [active members per person
            recruited]. In the ``all channels`` row: the sums over the
            channels of both, each channel at its own N-th year.

        Raises
        ------
        ValueError
            If the projection has no coverage-expansion strategy.
        """
        ds = self.dataset
        if "channel_recruits" not in ds:
            raise ValueError("this projection has no coverage-expansion strategy (no channels)")
        s = self.summary().dropna(subset=["total_outgo"])
        years = s.index.to_numpy()
        sel = {"year": years}
        i = ds["investment_return"].sel(sel).to_numpy()
        a = ds["admin_cost_rate"].sel(sel).to_numpy()
        v = ind.discount_factors(i, mid_year=True, half_year="simple")

        def pv(x):
            return float(np.sum(np.asarray(x, dtype=float) * v))

        groups = [str(g) for g in ds["group"].values]
        branch = (ds["branch_outgo"].sel(sel).sum("branch").to_numpy() if "branch_outgo" in ds
                  else np.zeros(len(years)))
        earnings_all = ds["insured_earnings"].sel(sel).sum("group").to_numpy()
        lowest = ds["pensionable_age"].sel(sel).min("group")
        pop = ds["population"].sel(sel)
        above = pop.where(pop["age"] >= lowest).sum(("sex", "age")).to_numpy()
        rows = {}
        persistence_col = f"persistence_{int(persistence_after)}y"
        persistence: dict[str, tuple[float, float]] = {}
        for c, kind, grp in zip(ds["channel"].values, ds["channel_kind"].values, ds["channel_group"].values,
                                strict=True):
            c = str(c)
            cost = ds["channel_cost"].sel(year=years, channel=c)
            cost_fund = cost.sel(cost_payer="fund").to_numpy()
            cost_state = (cost.sel(cost_payer="state").to_numpy()
                          - ds["channel_subsidy"].sel(year=years, channel=c).to_numpy())
            recruits = float(ds["channel_recruits"].sel(year=years, channel=c).sum())
            row: dict[str, Any] = {"kind": str(kind), "recruits": recruits}
            g = f"{grp}.{c}"
            if g in groups:
                d = ds.sel(year=years, group=g)
                contrib = d["contributions"].sum("payer").to_numpy()
                state_contrib = d["contributions"].sel(payer="state").to_numpy()
                ie = d["insured_earnings"].to_numpy()
                pensions = d["benefit_outgo_by_type"].sum("benefit").to_numpy() + d["lump_sums"].to_numpy()
                short = np.divide(branch * ie, earnings_all, out=np.zeros_like(ie), where=earnings_all > 0)
                cy = d["contributors"].sum(("sex", "age")).to_numpy()
                lt_contrib = contrib * d["long_term_share"].to_numpy()
                recruited = ds["channel_recruits"].sel(year=years, channel=c).to_numpy()
                first = int(np.argmax(recruited > 0)) if np.any(recruited > 0) else len(years)
                last = first + int(persistence_after) - 1
                if last < len(years):
                    persist_num = float(d["actives"].sum(("sex", "age")).to_numpy()[last])
                    persist_den = float(recruited[first:last + 1].sum())
                else:
                    persist_num = persist_den = np.nan
                row.update({
                    "contributor_years": float(cy.sum()),
                    "pv_contributions": pv(contrib),
                    "pv_contributions_pension_fund": pv(lt_contrib),
                    "pv_contributions_members": pv(contrib - state_contrib),
                    "pv_benefits": pv(pensions + short),
                    "pv_cost_fund": pv(cost_fund),
                    "pv_cost_state": pv(cost_state + state_contrib),
                    "net_pv_fund": pv((1.0 - a) * contrib - pensions - short - cost_fund),
                })
                pv_cy = pv(cy)
                row["cost_per_contributor_year_fund"] = row["pv_cost_fund"] / pv_cy if pv_cy > 0 else np.nan
                row["cost_per_contributor_year_state"] = row["pv_cost_state"] / pv_cy if pv_cy > 0 else np.nan
                persistence[c] = (persist_num, persist_den)
                row[persistence_col] = persist_num / persist_den if persist_den > 0 else np.nan
                old = d["pensioners"].sel(benefit="old_age").sum(("sex", "age")).to_numpy()
                for y in milestones:
                    if y in years:
                        row[f"old_age_coverage_{y}"] = float(old[list(years).index(y)] / above[list(years).index(y)])
            else:
                row.update({"pv_cost_fund": pv(cost_fund), "pv_cost_state": pv(cost_state)})
            row["net_pv_per_recruit"] = (row["net_pv_fund"] / recruits
                                         if "net_pv_fund" in row and recruits > 0 else np.nan)
            rows[c] = row
        frame = pd.DataFrame.from_dict(rows, orient="index")
        total = frame.drop(columns="kind").sum(min_count=1)
        total["net_pv_per_recruit"] = (total["net_pv_fund"] / total["recruits"]
                                       if total.get("recruits", 0) > 0 and "net_pv_fund" in total else np.nan)
        if "contributor_years" in frame:
            grouped = frame.dropna(subset=["contributor_years"])
            pv_cy_total = sum(pv(ds.sel(year=years, group=f"{gr}.{c}")["contributors"].sum(("sex", "age")).to_numpy())
                              for c, gr in zip(ds["channel"].values, ds["channel_group"].values, strict=True)
                              if f"{gr}.{c}" in groups)
            for who in ("fund", "state"):
                total[f"cost_per_contributor_year_{who}"] = (frame[f"pv_cost_{who}"].sum() / pv_cy_total
                                                             if pv_cy_total > 0 else np.nan)
            for y in milestones:
                col = f"old_age_coverage_{y}"
                if col in grouped:
                    total[col] = grouped[col].sum()
            num, den = (sum(x[k] for x in persistence.values()) for k in (0, 1))
            total[persistence_col] = num / den if den > 0 else np.nan
        frame.loc["all channels"] = total
        frame.loc["all channels", "kind"] = "strategy"
        frame.index.name = "channel"
        start = int(years[0])
        money = f"currency at 1 January {start}"
        frame.attrs["units"] = {"recruits": "persons", "contributor_years": "contributor-years",
                                "pv_contributions": money, "pv_contributions_pension_fund": money,
                                "pv_contributions_members": money,
                                persistence_col: "active members per person recruited",
                                "pv_benefits": money, "pv_cost_fund": money, "pv_cost_state": money,
                                "net_pv_fund": money, "net_pv_per_recruit": f"{money} per person",
                                "cost_per_contributor_year_fund": "currency per contributor-year (present values)",
                                "cost_per_contributor_year_state": "currency per contributor-year (present values)",
                                **{f"old_age_coverage_{y}": "old-age pensioners per person above the lowest "
                                                            "pensionable age" for y in milestones}}
        return frame

    def _liabilities_at(self, plan, years) -> pd.DataFrame:
        """:meth:`liabilities` at 31 December of each of `years` (see there)."""
        ds = self.dataset
        sp, _ = scheme_and_economy(plan)
        scheme_years = [int(y) for y in sp.years]
        first, last = scheme_years[0] - 1, scheme_years[-2]
        wanted = [int(y) for y in np.atleast_1d(years)]
        bad = [y for y in wanted if not first <= y <= last]
        if bad:
            raise ValueError(f"years={bad}: liabilities are valued at 31 December of {first} (the valuation date) "
                             f"to {last} (a year before the last projected one)")
        lt = str(sp.funds[sp.lt_fund])
        interest = ds["investment_return"].sel(year=sp.years).to_numpy()
        if np.any(sp.state_paid_awarded > 0):
            raise ValueError("liabilities at later years with a state-paid block by award period "
                             "(state_paid_awarded_share) are not computed yet: use liabilities() at the valuation "
                             "date")
        base_block = closed_runs(plan, parts=("pensioners",))["pensioners"][1].scheme.benefit_outgo
        rows = {}
        for year in wanted:
            runs = closed_at_runs(plan, year + 1)
            t0 = scheme_years.index(year + 1)
            v = ind.discount_factors(interest[t0:], mid_year=True, half_year="simple")
            parts = {}
            for part, (closed, res) in runs.items():
                pensions = res.scheme.benefit_outgo                                       # (Y, B, G)
                state = state_paid_pensions(closed, pensions, base_block).sum(axis=1)
                fund_flows = (pensions.sum(axis=1) + res.scheme.lump_sums - state).sum(axis=1)[t0:]
                parts[part] = (float(np.sum(fund_flows * v)), float(np.sum(state.sum(axis=1)[t0:] * v)))
            reserve = (float(ds["opening_reserve"].sel(fund=lt)) if year == first
                       else float(ds["fund_reserve_end"].sel(year=year, fund=lt)))
            adl, state_paid = parts["all"]
            gdp_next = float(ds["gdp"].sel(year=year + 1))
            rows[year] = {"adl_pensioners": parts["pensioners"][0], "adl_members": adl - parts["pensioners"][0],
                          "accrued_to_date_liability": adl, "adl_state_paid": state_paid, "reserve": reserve,
                          "implicit_pension_debt": adl + state_paid - reserve,
                          "accrued_to_date_liability_share_of_gdp": adl / gdp_next,
                          "implicit_pension_debt_share_of_gdp": (adl + state_paid - reserve) / gdp_next}
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "year"
        frame.attrs = {"fund": lt, "valuation_year": int(sp.valuation_year),
                       "units": {**{c: "currency at 31 December of the year" for c in frame.columns
                                    if not c.endswith("_share_of_gdp")},
                                 "accrued_to_date_liability_share_of_gdp": "share of the next year's GDP",
                                 "implicit_pension_debt_share_of_gdp": "share of the next year's GDP"}}
        return frame

    def headline(self, horizons=(25, 50, 75), milestones=(2030, 2050, 2075, 2100)) -> dict:
        """The figures ``ssproj run`` prints first and the HTML report opens on: the headline fund at a glance.

        Parameters
        ----------
        horizons : sequence of int
            Valuation periods of the GAP; the longest is also that of the
            present values. [years]
        milestones : sequence of int
            Years of ``members`` (those among the scheme years). [calendar year]

        Returns
        -------
        dict
            ``fund``, ``fund_title``, ``deficit_financing`` (the headline
            fund's rule), ``horizons``, ``first_year`` and ``last_year``
            (of the scheme), ``years`` (how many scheme years: a horizon
            longer than that is shortened to it), ``currency``, the
            indicators of :meth:`indicators` for the headline fund, as
            they are (``depletion_year``, ``first_deficit_year``,
            ``gap_<n>``, ``summarized_income_rate_<n>``,
            ``summarized_cost_rate_<n>``, ``actuarial_balance_<n>``,
            ``pv_shortfall_<n>`` and its shares, ``pv_state_transfers_<n>``
            and its share), ``share_of_benefits_payable`` and
            ``reserve_share_of_gdp`` in the last year (:meth:`summary`),
            ``pv_state_paid_pensions_<n>`` and its share of the present
            value of GDP (pensions the state pays outside the fund, over
            the longest horizon), ``members``: ``{year: {"contributors",
            "pensioners", "system_dependency_ratio"}}`` from
            :meth:`summary` at the first scheme year and the milestones
            [contributor-years, persons at 31 December, pensioners per
            contributor], and ``other_funds``: the depletion year of each
            other fund.

        Raises
        ------
        ValueError
            If the projection has no scheme.
        """
        ds = self.dataset
        figures = self.indicators(horizons=horizons, milestones=())
        fund = figures.attrs["fund"]
        s = self.summary().dropna(subset=["total_outgo"])
        info = ds["fund"].to_index().get_loc(fund)
        head: dict = {"fund": fund, "horizons": tuple(int(h) for h in horizons), "last_year": int(s.index[-1]),
                      "first_year": int(s.index[0]), "years": len(s),
                      "currency": str(ds.attrs.get("currency", "") or ""),
                      "fund_title": str(ds["fund_title"].values[info]) if "fund_title" in ds.coords else fund,
                      "deficit_financing": (str(ds["deficit_financing"].values[info])
                                            if "deficit_financing" in ds.coords else "borrow")}
        head.update({k: float(v) for k, v in figures.items()})
        head["share_of_benefits_payable"] = float(s["share_of_benefits_payable"].iloc[-1])
        head["reserve_share_of_gdp"] = float(s["reserve_share_of_gdp"].iloc[-1])
        shown = [int(s.index[0])] + [int(y) for y in milestones if int(y) in s.index and int(y) != int(s.index[0])]
        head["members"] = {y: {c: float(s.loc[y, c]) for c in ("contributors", "pensioners", "system_dependency_ratio")}
                           for y in shown}
        n = min(max(head["horizons"]), len(s))
        interest = ds["investment_return"].sel(year=s.index).to_numpy()
        paid = ind.present_value(s["state_paid_pensions"].to_numpy(), interest, horizon=n)
        head[f"pv_state_paid_pensions_{max(head['horizons'])}"] = paid
        head[f"pv_state_paid_pensions_{max(head['horizons'])}_share_of_gdp"] = paid / ind.present_value(
            ds["gdp"].sel(year=s.index).to_numpy(), interest, horizon=n)
        head["other_funds"] = {f: float(self.indicators(horizons=(1,), milestones=(), fund=f)["depletion_year"])
                               for f in self.funds[1:]}
        if self.scenario is not None:
            liab = self.liabilities()
            head["valuation_year"] = liab.attrs["valuation_year"]
            for key, row in (("accrued_to_date_liability", "accrued_to_date_liability"),
                             ("implicit_pension_debt", "implicit_pension_debt")):
                head[key] = float(liab.loc[row, "total"])
                head[key + "_share_of_gdp"] = float(liab.loc[row, "total_share_of_gdp"])
        return head

    def reading(self, horizons=(25, 50, 75), milestones=(2030, 2050, 2075, 2100)) -> list[str]:
        """The headline in plain words: a few sentences generated from the numbers of :meth:`headline`.

        In order: when the headline fund's reserve is exhausted under the
        scheduled flows (or that it is not by the last year) and its first
        cash-flow deficit [calendar year]; the general average premium over
        each horizon against the summarized income rate, the contribution
        rate the fund receives on average over the same years [% of
        insured earnings]; the shortfall over the longest horizon [% of the
        present value of GDP and of insured earnings]; what the deficit rule
        in force does after depletion (state transfers [% of the present
        value of GDP], the share of scheduled benefits paid in the last
        year [%], or the debt at 31 December of the last year [% of GDP]);
        the pensions the state pays, if any [% of the present value of GDP];
        contributors and pensioners at the first year and the milestones
        [contributor-years, persons at 31 December]; other funds whose
        reserve is exhausted. Numbers are those of :meth:`headline` (so of
        :meth:`indicators` and :meth:`summary`), rounded to three
        significant digits as in the report's headline box
        (:func:`ssproj.reporting.text.headline_reading`).

        Parameters
        ----------
        horizons, milestones
            As in :meth:`headline`.

        Returns
        -------
        list of str

        Raises
        ------
        ValueError
            If the projection has no scheme.
        """
        return headline_reading(self.headline(horizons=horizons, milestones=milestones))

    @classmethod
    def from_netcdf(cls, path) -> Projection:
        """Open a result written by :meth:`to_netcdf` or ``ssproj run`` (loaded into memory)."""
        with xr.open_dataset(path, engine="netcdf4") as ds:
            return cls(ds.load())

    def tables(self, units_in_headers: bool = True) -> dict:
        """The result as named tables (DataFrames), as written to the Excel workbook.

        Parameters
        ----------
        units_in_headers : bool, default True
            Column headers carry their units in brackets
            (``"insured [persons at 31 December]"``); with False the headers
            are the plain names and each table's ``attrs["units"]`` maps a
            column to its unit (as the workbook writer takes them).

        Returns
        -------
        dict of str to DataFrame
            ``summary`` (by year), ``population`` (by year and age, both
            sexes), and when the scenario has a scheme: ``insured`` and
            ``contributors`` by year and group, ``pensioners_by_type``,
            ``contributions`` by payer, ``finance`` by fund.
        """
        ds = self.dataset
        summary = self.summary()
        out = {"summary": pd.DataFrame(summary)}
        out["summary"].attrs = {"units": dict(summary.attrs["units"])}
        pop = ds["population"].sum("sex").to_pandas()
        pop.columns = [f"age {a}" + ("+" if a == ds["age"].values[-1] else "") for a in pop.columns]
        pop.attrs["units"] = dict.fromkeys(pop.columns, _variables.label("total_population"))
        out["population"] = pop
        if "actives" in ds:
            years = ds["year"].values[ds["actives"].notnull().any(("group", "sex", "age")).values]

            def by(frame, var):
                frame.attrs["units"] = dict.fromkeys(frame.columns, _variables.label(var))
                return frame

            insured = (ds["actives"] + ds["inactives"]).sum(("sex", "age")).sel(year=years).to_pandas()
            out["insured"] = by(insured, "insured")
            out["contributors"] = by(ds["contributors"].sum(("sex", "age")).sel(year=years).to_pandas(),
                                     "contributors")
            pens = ds["pensioners"].sum(("sex", "age")).sel(year=years)
            out["pensioners_by_type"] = by(pens.sum("group").to_pandas(), "pensioners")
            out["contributions"] = by(ds["contributions"].sel(year=years).sum("group").to_pandas(), "contributions")
            fin, units = {}, {}
            for var, label in (("contribution_income_by_fund", "contributions"),
                               ("fund_investment_income", "investment income"),
                               ("outgo_by_fund", "outgo"),
                               ("fund_reserve_end", "reserve at 31 December")):
                frame = ds[var].sel(year=years).to_pandas()
                for f in frame.columns:
                    fin[f"{f}: {label}"] = frame[f]
                    units[f"{f}: {label}"] = _variables.label(var)
            out["finance"] = pd.DataFrame(fin)
            out["finance"].attrs["units"] = units
        for frame in out.values():
            frame.index.name = "year"
            frame.columns.name = None
        if units_in_headers:
            for name, frame in out.items():
                u = frame.attrs["units"]
                out[name] = frame.rename(columns={c: f"{c} [{u[c]}]" if u.get(c) else c for c in frame.columns})
        return out

    def to_excel(self, path) -> Path:
        """Write the run workbook atomically (:func:`ssproj.reporting.excel.projection_workbook`).

        When the results rest on inputs marked ``assumed``, the first sheet,
        ``assumed inputs``, holds :attr:`assumption_banner`, a line per row;
        then ``Read me`` (the scenario, what each sheet holds, every input
        with its source and confidence, the ssproj version and seed),
        ``Charts`` (native Excel charts of the headline series), a sheet
        per table of :meth:`tables` (number formats by unit, units with the
        currency in the headers, frozen panes), then ``provenance``
        (docs/workbook.md). Identical results give identical bytes.
        """
        with atomic_path(path, suffix=".xlsx") as tmp:
            projection_workbook(self, tmp)  # fixed document properties: identical runs, identical bytes
        return Path(path)

    def to_html(self, path, *, banner: str | None = None) -> Path:
        """Write the self-contained HTML report atomically: the headline (:meth:`headline`, :meth:`reading`), charts,
        tables with units, provenance.

        See :func:`ssproj.reporting.html.write_html`; `banner`: lines shown
        in the headline section (default :attr:`assumption_banner`).
        """
        return write_html(self, path, banner=self.assumption_banner if banner is None else banner)

    def to_netcdf(self, path) -> Path:
        """Write the Dataset to netCDF-4 atomically and return the path.

        Written with :func:`ssproj.io.netcdf.write_netcdf` (what
        :meth:`xarray.Dataset.to_netcdf` writes, read back identical by
        :func:`xarray.open_dataset`, without its Dask scheduler lookup).
        """
        with atomic_path(path, suffix=".nc") as tmp:
            write_netcdf(self.dataset, tmp)
        return Path(path)

    def write(self, out_dir) -> dict:
        """Write the result files into ``out_dir`` as a unit (:func:`ssproj.io.outdir.result_folder`).

        Files: ``results.nc`` (the Dataset, with :attr:`assumption_banner`
        in its attributes once measured), ``summary.csv`` (the summary,
        units in the header), ``population.csv`` (population by year, sex
        and age, long format), ``results.xlsx`` (:meth:`to_excel`: the
        banner first when inputs are assumed, a sheet per table of
        :meth:`tables`, units in the headers), ``provenance.json``, and
        ``manifest.json`` (every file with its size and sha256), written last.
        They are written into a hidden sibling folder that then replaces
        ``out_dir`` in one rename: an error leaves the previous result there
        unchanged. A second run into the same folder at the same time is
        refused (``out_dir.lock``).

        Returns
        -------
        dict
            File role -> path (where the file is once the folder is complete).
        """
        prov = self.provenance
        with result_folder(out_dir, kind="projection", scenario=self.dataset.attrs.get("scenario_name"),
                           inputs_sha256=inputs_sha256(prov)) as stage:
            out = stage.path
            written = {"netcdf": self.to_netcdf(out / "results.nc")}
            summary = self.summary()
            header = summary.rename(columns={c: f"{c} [{u}]" for c, u in summary.attrs["units"].items()})
            written["summary"] = write_text_atomic(out / "summary.csv", header.to_csv(float_format="%.10g"))
            pop = self.population.to_dataframe().reset_index()
            pop = pop.rename(columns={"population": "persons"})
            written["population"] = write_text_atomic(out / "population.csv",
                                                      pop.to_csv(index=False, float_format="%.10g"))
            written["excel"] = self.to_excel(out / "results.xlsx")
            written["provenance"] = write_text_atomic(
                out / "provenance.json", json.dumps(prov, indent=2, sort_keys=True) + "\n"
            )
        return {role: stage.final(path) for role, path in written.items()}


# The lists of variables in Projection's docstring come from the registry (no docstrings under -OO).
if Projection.__doc__:
    Projection.__doc__ = (Projection.__doc__
                              .replace("@DATASET_VARIABLES@", _variables.docstring_list(["dataset"], indent=" " * 8))
                          .replace("@SUMMARY_COLUMNS@", _variables.docstring_list(["summary"], indent=" " * 4))
                          .replace("@INDICATORS@", _variables.docstring_list(["indicator"], indent=" " * 4)))


def _long_range(horizons, *, cost, net_income, net_payroll, interest, opening, gdp, earnings, transfers) -> dict:
    """The indicators over each valuation period: GAP, summarized rates, PV shortfall and state transfers.

    ``cost`` is what the fund must finance and ``net_income``, ``net_payroll``
    are net of the administrative charge on contributions (see
    :meth:`Projection.indicators`); ``transfers`` None gives NaN transfers.
    """
    out: dict[str, float] = {}
    for n in horizons:
        h = min(int(n), len(cost))
        out[f"gap_{n}"] = ind.general_average_premium(cost, net_payroll, interest, opening, horizon=h)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # cost after the horizon: last year's is used
            sr = ind.summarized_rates(net_income, cost, net_payroll, interest, start_reserve=opening, horizon=h)
        out[f"summarized_income_rate_{n}"] = float(sr["income_rate"])
        out[f"summarized_cost_rate_{n}"] = float(sr["cost_rate"])
        out[f"actuarial_balance_{n}"] = float(sr["actuarial_balance"])
        short = ind.open_group_shortfall(cost, net_income, interest, opening, horizon=h)
        pv_gdp = ind.present_value(gdp, interest, horizon=h)
        out[f"pv_shortfall_{n}"] = short
        out[f"pv_shortfall_{n}_share_of_gdp"] = short / pv_gdp
        out[f"pv_shortfall_{n}_share_of_earnings"] = short / ind.present_value(earnings, interest, horizon=h)
        pv_transfers = ind.present_value(transfers, interest, horizon=h) if transfers is not None else float("nan")
        out[f"pv_state_transfers_{n}"] = pv_transfers
        out[f"pv_state_transfers_{n}_share_of_gdp"] = pv_transfers / pv_gdp
    return out


def project(scenario) -> Projection:
    """Project a validated scenario.

    Parameters
    ----------
    scenario : ssproj.scenario.Scenario
        From :func:`ssproj.load_scenario`.

    Returns
    -------
    Projection

    Examples
    --------
    >>> import ssproj                                         # doctest: +SKIP
    >>> res = ssproj.project(ssproj.load_scenario("scenarios/lao_baseline.yaml"))
    >>> res.summary().loc[2050, "total_population"]
    """
    return Projection(run_plan(compile_scenario(scenario)), scenario)
