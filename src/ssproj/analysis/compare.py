"""Scenarios side by side: :func:`compare` and :class:`Comparison`.

A comparison puts the key figures of several projections in one table, one
column per scenario, states each one's difference from a *reference*
scenario, and decomposes the change in the PAYG cost rate into the effects
of demography, coverage and policy. Definitions of every row:
``docs/compare.md``.
"""
from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ssproj import variables as _variables
from ssproj.finance.indicators import present_value, share_of_gdp
from ssproj.io.atomic import atomic_path, write_text_atomic
from ssproj.io.outdir import inputs_sha256, result_folder
from ssproj.projection import Projection
from ssproj.reporting.excel import comparison_workbook
from ssproj.reporting.html import write_html

__all__ = ["compare", "Comparison", "COMPARISON_ROWS", "DECOMPOSITION_COLUMNS", "FACTOR_COLUMNS", "SERIES",
           "SUMMARY_BETTER"]

#: Default milestone years of :func:`compare`.
DEFAULT_MILESTONES = (2030, 2040, 2050, 2075, 2100)
#: Valuation periods of the general average premium rows. [years]
GAP_HORIZONS = (50, 75)
#: How many of the assumed inputs a scenario adds to the reference's its banner line names.
_ADDED_SHOWN = 8

def _comparison_rows() -> dict:
    """Rows of the comparison table from the registry of output variables: name -> (unit, period, definition)."""
    rows = {}
    for name in _variables.registry().comparison_order:
        v = _variables.variable(name)
        period = None if v.period == "once" else v.period
        for x in ([v.instance(n=n) for n in GAP_HORIZONS] if v.is_pattern else [v]):
            rows[x.name] = (x.label, period, x.definition)
    return rows


#: Rows of :meth:`Comparison.table`: indicator -> (unit, period, definition),
#: from the registry of output variables (:mod:`ssproj.variables`,
#: ``comparison_order`` of ``variables.yaml``). ``period`` is
#: ``"milestones"`` (one row per milestone year), ``"years"`` (one row over
#: the common scheme years) or ``None`` (one row). Units starting with
#: ``currency`` are nominal amounts in the scenarios' currency. ``{start}``
#: in a unit is the first common scheme year.
COMPARISON_ROWS = _comparison_rows()

_DEMOGRAPHIC_ROWS = ("total_population", "old_age_dependency_ratio")
#: Rows already measured against the reference: copied as they are by
#: :meth:`Comparison.differences`.
_VS_REFERENCE_ROWS = ("contributors_gained", "cost_per_person_covered", "pv_old_age_pension_outgo_difference")

#: Columns of :meth:`Comparison.factors` with their units.
FACTOR_COLUMNS = {
    "population_old": "persons at 1 July",
    "population_working": "persons at 1 July",
    "pensioners": "persons at 31 December",
    "contributors": "contributor-years",
    "cost": "currency/year",
    "net_insured_earnings": "currency/year",
    "demographic_ratio": "population_old / population_working",
    "coverage_factor": "(pensioners / population_old) / (contributors / population_working)",
    "benefit_ratio": "(cost / pensioners) / (net_insured_earnings / contributors)",
    "payg_cost_rate": "share of insured earnings",
}

#: Columns of :meth:`Comparison.decomposition` with their units.
DECOMPOSITION_COLUMNS = {
    "payg_cost_rate_reference": "share of insured earnings",
    "payg_cost_rate_scenario": "share of insured earnings",
    "change": "share of insured earnings",
    "demography": "share of insured earnings",
    "coverage": "share of insured earnings",
    "policy": "share of insured earnings",
    "demography_log_ratio": "1",
    "coverage_log_ratio": "1",
    "policy_log_ratio": "1",
}


#: Measures of :meth:`Comparison.summary_table` and which way is better: ``higher``, ``lower`` or ``later``.
SUMMARY_BETTER = {
    "contributors_gained": "higher",
    "cost_per_person_covered": "lower",
    "net_pv_per_recruit": "higher",
    "extra_cost_to_fund": "lower",
    "extra_cost_to_state": "lower",
    "pv_shortfall": "lower",
    "pv_state_transfers": "lower",
    "depletion_year": "later",
}

#: Series of :meth:`Comparison.series`: measure -> unit.
SERIES = {
    "total_population": "persons at 1 July",
    "contributors": "contributor-years",
    "coverage_ratio": "contributors per person in the labour force",
    "payg_cost_rate": "share of insured earnings",
    "state_cost_share_of_gdp": "share of GDP",
    "reserve_share_of_gdp": "share of GDP",
    "financing_gap_share_of_gdp": "share of GDP",
}

#: The default year of the summary and strategy tables: the milestone nearest to this many years after the first
#: common scheme year. [years]
_HEADLINE_AFTER = 25
#: Default N of the persistence of a strategy's recruits (active after N years). [years]
_PERSISTENCE_AFTER = 5
#: Columns of :meth:`Comparison.strategy_table` read from ``Projection.channel_values`` (``all channels``).
_STRATEGY_FROM_VALUES = ("recruits", "persistence", "contributor_years", "pv_cost_fund", "pv_cost_state",
                         "pv_contributions_members", "cost_per_contributor_year_fund",
                         "cost_per_contributor_year_state", "net_pv_per_recruit")

#: Units of the comparison rows of money per year or at a date, nominal (``table(money="share_of_gdp")`` divides them
#: by GDP).
_NOMINAL_MONEY = ("currency/year", "currency at 31 December")
#: Comparison rows in present value over the first <n> common years, on the reference's GDP.
_SHARE_OF_GDP_RE = re.compile(r"^(pv_shortfall|pv_state_transfers)_(\d+)_share_of_gdp$")


def _label(indicator: str, period, unit: str) -> str:
    return f"{indicator} {period} [{unit}]" if period is not None else f"{indicator} [{unit}]"


def state_money(projection: Projection, years) -> np.ndarray:
    """The state's money in each of `years`: the cost to the state of :meth:`Comparison.table`, year by year.

    Its contributions (as employer and subsidiser), its deficit transfers to
    every fund, the pensions it pays directly, and the costs of coverage
    channels it pays other than subsidised contributions (those are among its
    contributions).

    Parameters
    ----------
    projection : Projection
        With a scheme.
    years : array of int
        Projected scheme years. [calendar year]

    Returns
    -------
    numpy.ndarray
        [currency/year, nominal]
    """
    ds = projection.dataset
    names = ["contributions", "fund_state_transfer", "state_paid_pensions"]
    names += [n for n in ("channel_cost", "channel_subsidy") if n in ds]
    part = ds[names].sel(year=np.asarray(years))  # the variables first: selecting the years of all is slower
    money = (part["contributions"].sel(payer="state").sum("group").to_numpy()
             + part["fund_state_transfer"].sum("fund").to_numpy()
             + part["state_paid_pensions"].sum("group").to_numpy())
    if "channel_cost" in part:
        money = money + (part["channel_cost"].sel(cost_payer="state").sum("channel").to_numpy()
                         - part["channel_subsidy"].sum("channel").to_numpy())
    return money


class _Scenario:
    """The figures of one projection that a comparison reads (computed once)."""

    def __init__(self, projection: Projection):
        ds = projection.dataset
        self.projection = projection
        self.summary = projection.summary()
        self.has_scheme = "actives" in ds
        self.currency = str(ds.attrs.get("currency", "") or "")
        self.population = ds["population"].sum("sex")  # (year, age)
        if self.has_scheme:
            s = self.summary.dropna(subset=["total_outgo"])
            self.scheme_years = s.index.to_numpy()
            yrs = dict(year=self.scheme_years)
            self.scheme = s
            self.insured_earnings = pd.Series(ds["insured_earnings"].sum("group").sel(**yrs).to_numpy(),
                                              index=s.index)
            contributions = ds["contributions"].sel(payer="state", **yrs).sum("group").to_numpy()
            self.state_contributions = pd.Series(contributions, index=s.index)
            self.state = pd.Series(state_money(projection, self.scheme_years), index=s.index)
            a = ds["admin_cost_rate"].sel(**yrs).to_numpy()
            # what the headline fund must finance (benefits and the administrative costs not proportional to
            # contributions) and the earnings that finance it net of that charge: cost / net = payg_cost_rate
            self.cost = s["benefit_outgo"] + s["admin_cost"] - a * s["contribution_income"]
            self.net_earnings = (1.0 - a) * self.insured_earnings
            self.gdp = pd.Series(ds["gdp"].sel(**yrs).to_numpy(), index=s.index)
            self.old_age_outgo = pd.Series(
                ds["benefit_outgo_by_type"].sel(benefit="old_age", **yrs).sum("group").to_numpy(), index=s.index)
            self.interest = pd.Series(ds["investment_return"].sel(**yrs).to_numpy(), index=s.index)
            ind = projection.indicators(horizons=GAP_HORIZONS, milestones=())
            self.indicators = {"depletion_year": float(ind["depletion_year"])}
            for n in GAP_HORIZONS:
                self.indicators[f"gap_{n}"] = float(ind[f"gap_{n}"]) if len(self.scheme_years) >= n else math.nan
            self.opening = float(ds["opening_reserve"].sel(fund=ds.attrs["headline_fund"]))
            self.net_contributions = (1.0 - a) * s["contribution_income"]
            self.transfers = s["state_transfer"]
        else:
            self.scheme_years = np.array([], dtype=np.int64)

    def at(self, column: str, year: int) -> float:
        if column in _DEMOGRAPHIC_ROWS:
            return float(self.summary[column].get(year, math.nan))
        if not self.has_scheme:
            return math.nan
        if column == "state_contributions":
            return float(self.state_contributions.get(year, math.nan))
        return float(self.scheme[column].get(year, math.nan)) if year in self.scheme.index else math.nan


class Comparison:
    """Several projections side by side, against a reference scenario.

    Made by :func:`compare`. Every table is computed from the projections'
    :meth:`~ssproj.Projection.summary`, :meth:`~ssproj.Projection.indicators`
    and :attr:`~ssproj.Projection.dataset`; nothing is projected again.

    Attributes
    ----------
    projections : dict of str to Projection
        The compared projections by scenario name, in column order.
    names : list of str
        Scenario names, in column order (unique: a repeated name gets a
        suffix ``_2``, ``_3``, ...).
    reference : str
        Name of the reference scenario (differences are scenario minus
        reference).
    milestones : tuple of int
        Milestone years of the table: those asked for that fall within at
        least one projection. [calendar year]
    scheme_years : numpy.ndarray
        The scheme years common to every projection that has a scheme,
        over which the ``years`` rows (sums, cost per person covered,
        present values) are taken; empty when no projection has a
        scheme. [calendar year]
    currency : str
        Currency of every amount of money (nominal), e.g. ``LAK``; ``""``
        if the projections have no scheme.

    Notes
    -----
    Projections without a scheme (their assumption set declares no insured
    groups) are compared on the demographic rows; their scheme rows are
    NaN. When no projection has a scheme the scheme rows are omitted and
    there is no decomposition.
    """

    def __init__(self, projections: Mapping[str, Projection], reference: str, milestones: Iterable[int]):
        self.projections = dict(projections)
        self.names = list(self.projections)
        if reference not in self.projections:
            raise ValueError(f"reference {reference!r} is not one of the scenarios {self.names}")
        self.reference = reference
        self._data = {n: _Scenario(p) for n, p in self.projections.items()}
        currencies = {d.currency for d in self._data.values() if d.has_scheme}
        if len(currencies) > 1:
            raise ValueError(f"cannot compare amounts in different currencies: {sorted(currencies)}")
        self.currency = currencies.pop() if currencies else ""
        all_years: set[int] = set()
        for p in self.projections.values():
            all_years.update(int(y) for y in p.years)
        self.milestones = tuple(sorted({int(y) for y in milestones if int(y) in all_years}))
        schemes = [d.scheme_years for d in self._data.values() if d.has_scheme]
        common = set(schemes[0].tolist()) if schemes else set()
        for years in schemes[1:]:
            common &= set(years.tolist())
        self.scheme_years = np.array(sorted(common), dtype=np.int64)
        self._table: pd.DataFrame | None = None

    @property
    def has_scheme(self) -> bool:
        """Whether at least one compared projection has a scheme."""
        return any(d.has_scheme for d in self._data.values())

    @property
    def assumption_banner(self) -> str:
        """What the comparison rests on: the reference's banner, and the assumed inputs the others add.

        The reference scenario's :attr:`~ssproj.Projection.assumption_banner`
        (which assumed inputs drive its headline once
        :func:`ssproj.rests_on` has measured them, as ``ssproj compare``
        does), under a line naming it; then, for each other scenario with
        inputs marked ``assumed`` that are not marked so in the reference
        (its own changes, a strategy's channels), a line naming them. Empty
        when there is neither. Shown first by :meth:`to_html` and
        :meth:`to_excel`, and written by :meth:`write`.
        """
        ref = self.projections[self.reference]
        lines = []
        banner = ref.assumption_banner
        if banner:
            lines += [f"Reference scenario {self.reference!r}:", *banner.splitlines()]
        known = set(ref.assumed_inputs)
        for name, p in self.projections.items():
            if name == self.reference or "actives" not in p.dataset:
                continue
            added = [x for x in p.assumed_inputs if x not in known]
            if added:
                shown = ", ".join(added[:_ADDED_SHOWN]) + (f", ... ({len(added) - _ADDED_SHOWN} more)"
                                                           if len(added) > _ADDED_SHOWN else "")
                lines.append(f"Scenario {name!r} adds {len(added)} input{'s' if len(added) > 1 else ''} marked "
                             f"assumed that the reference does not: {shown}.")
        if lines and not banner:
            lines.insert(0, f"Reference scenario {self.reference!r}: no input marked assumed.")
        return "\n".join(lines)

    def __repr__(self):
        ms = ", ".join(str(y) for y in self.milestones) or "none"
        return (f"<ssproj.Comparison of {len(self.names)} scenarios: {', '.join(repr(n) for n in self.names)}; "
                f"reference {self.reference!r}; milestones {ms}>")

    # ------------------------------------------------------------------ table

    def _rows(self):
        """(indicator, period, label, unit) of each row, in table order."""
        rows: list[tuple[str, int | str | None, str, str]] = []
        span = (f"{self.scheme_years[0]}-{self.scheme_years[-1]}" if len(self.scheme_years) else None)
        for ind, (unit, period, _) in COMPARISON_ROWS.items():
            if ind not in _DEMOGRAPHIC_ROWS and not self.has_scheme:
                continue
            if period == "milestones":
                for y in self.milestones:
                    rows.append((ind, y, _label(ind, y, unit), unit))
            elif period == "years":
                if span is None:
                    continue
                unit = unit.format(start=self.scheme_years[0])
                rows.append((ind, span, _label(ind, span, unit), unit))
            else:
                rows.append((ind, None, _label(ind, None, unit), unit))
        return rows

    def _values(self, indicator: str, period, name: str) -> float:
        d, ref = self._data[name], self._data[self.reference]
        if indicator in _DEMOGRAPHIC_ROWS:
            return d.at(indicator, period)
        if not d.has_scheme:
            return math.nan
        if indicator == "contributors_gained":
            return d.at("contributors", period) - ref.at("contributors", period)
        if indicator in d.indicators:
            return d.indicators[indicator]
        if COMPARISON_ROWS[indicator][1] == "milestones":
            return d.at(indicator, period)
        years = self.scheme_years
        if not ref.has_scheme:
            return math.nan
        pv = self._pv

        m = _SHARE_OF_GDP_RE.match(indicator)
        if m:
            n = int(m.group(2))
            if len(years) < n:
                return math.nan
            if m.group(1) == "pv_shortfall":
                amount = pv(d.cost, n) - pv(d.net_contributions, n) - d.opening
            else:
                amount = pv(d.transfers, n)
            return amount / self._pv_gdp(n)

        if indicator == "cost_to_fund":
            return pv(d.cost)
        if indicator == "cost_to_state":
            return pv(d.state)
        if indicator == "cost_to_state_share_of_gdp":
            return pv(d.state) / self._pv_gdp()
        if indicator == "cost_per_person_covered":
            cost = pv(d.cost) - pv(ref.cost) + pv(d.state) - pv(ref.state)
            person_years = pv(d.scheme["insured"]) - pv(ref.scheme["insured"])
            return cost / person_years if person_years != 0 else math.nan
        if indicator == "pv_old_age_pension_outgo_difference":
            return pv(d.old_age_outgo) - pv(ref.old_age_outgo)
        raise KeyError(indicator)  # pragma: no cover

    def _pv(self, series: pd.Series, n: int | None = None) -> float:
        """Present value at 1 January of the first common scheme year of `series` (by year) over the first `n`
        common scheme years (all if None), at the reference's projected return, flows mid-year: the one
        yardstick of every scenario."""
        years = self.scheme_years
        return present_value(series.loc[years].to_numpy(), self._data[self.reference].interest.loc[years].to_numpy(),
                             horizon=n)

    def _pv_gdp(self, n: int | None = None) -> float:
        """Present value of the reference's GDP over the first `n` common scheme years (see :meth:`_pv`)."""
        return self._pv(self._data[self.reference].gdp, n)

    def table(self, money: str = "nominal") -> pd.DataFrame:
        """The comparison table: one column per scenario, one row per figure.

        Parameters
        ----------
        money : {"nominal", "share_of_gdp"}, default "nominal"
            ``"share_of_gdp"``: the amounts of money per year and at 31
            December at a milestone (units ``currency/year`` and ``currency
            at 31 December``: incomes, outgo, state money, reserve) divided
            by the scenario's own GDP of that year, labelled ``[share of
            GDP]`` (as the HTML report shows them); present values and the
            other rows are unchanged.

        Returns
        -------
        pandas.DataFrame
            Columns: scenario names (the reference included). Index: row
            labels ``"<indicator> <year or period> [<unit>]"``, e.g.
            ``"contributors 2030 [contributor-years]"`` or
            ``"cost_to_fund 2024-2100 [currency, nominal sum]"``; the
            indicators, in order, are those of :data:`COMPARISON_ROWS`:

            - ``total_population``, ``old_age_dependency_ratio`` at each
              milestone (every projection). [persons at 1 July; persons
              65+ per person 15-64]
            - ``insured`` (people covered: active and inactive members) at
              each milestone. [persons at 31 December]
            - ``contributors`` at each milestone. [contributor-years]
            - ``contributors_gained``: contributors(scenario) -
              contributors(reference) at each milestone (0 for the
              reference). [contributor-years]
            - ``pensioners``: pensions in payment of every type at each
              milestone. [persons at 31 December]
            - ``contribution_income``, ``benefit_outgo`` (scheduled) and
              ``total_outgo`` (paid) of the headline (pension) fund,
              ``state_transfer``, ``state_paid_pensions`` and
              ``state_contributions`` (contributions with payer
              ``state``) at each milestone. [currency/year]
            - ``cost_to_fund``, ``cost_to_state`` (and
              ``cost_to_state_share_of_gdp``), ``cost_per_person_covered``,
              ``pv_old_age_pension_outgo_difference``: present values at 1
              January of the first common scheme year, every scenario at
              the reference's projected return (mid-year flows), over
              :attr:`scheme_years`; the state's money counts its
              contributions, deficit transfers, the pensions it pays and
              the channels' state costs other than subsidised
              contributions, once each; ``cost_per_person_covered``
              divides the additional cost by the additional insured
              person-years, both discounted (NaN for the reference and
              when no person-year is added). [currency, currency per
              person-year, share of the PV of the reference's GDP]
            - ``reserve_end``, ``reserve_ratio``,
              ``share_of_benefits_payable``, ``financing_gap_share_of_gdp``
              and ``payg_cost_rate`` of the headline fund at each
              milestone; ``depletion_year``: first year its reserve under
              the scheduled flows is <= 0, NaN if never.
            - ``gap_50``, ``gap_75``: general average premium over 50 and
              75 scheme years (:meth:`ssproj.Projection.indicators`); NaN
              when the projection has fewer scheme years. [share of
              insured earnings]
            - ``pv_shortfall_<n>_share_of_gdp``,
              ``pv_state_transfers_<n>_share_of_gdp`` for n = 50, 75: the
              headline fund's shortfall and the state's transfers in
              present value at the reference's return, over the PV of the
              reference's GDP. [1]

            A value is NaN where it does not exist: a milestone outside a
            projection's years or before its first scheme year, or a
            scheme row of a projection without a scheme. Scheme rows are
            omitted when no projection has a scheme. ``attrs['units']``
            maps each row label to its unit.
        """
        if money not in ("nominal", "share_of_gdp"):
            raise ValueError(f"money={money!r}; expected 'nominal' or 'share_of_gdp'")
        if self._table is None:
            rows = self._rows()
            data = {n: [self._values(ind, period, n) for ind, period, _, _ in rows] for n in self.names}
            df = pd.DataFrame(data, index=pd.Index([r[2] for r in rows], name="indicator"), dtype=float)
            df.attrs["units"] = {r[2]: r[3] for r in rows}
            self._table = df
        out = self._table.copy()
        out.attrs["units"] = dict(self._table.attrs["units"])
        if money == "share_of_gdp":
            out = self._money_as_share_of_gdp(out)
        return out

    def _money_as_share_of_gdp(self, t: pd.DataFrame) -> pd.DataFrame:
        """`t` (:meth:`table`) with its rows of money per year or at 31 December over each scenario's GDP."""
        out = t.copy()
        units = dict(t.attrs["units"])
        names = {}
        for ind, period, label, unit in self._rows():
            if unit not in _NOMINAL_MONEY or not isinstance(period, int):
                continue
            gdp = np.array([float(self._data[n].gdp.get(period, math.nan)) if self._data[n].has_scheme else math.nan
                            for n in self.names])
            out.loc[label] = share_of_gdp(t.loc[label, self.names].to_numpy(dtype=float), gdp)
            names[label] = _label(ind, period, "share of GDP")
            units[names[label]] = "share of GDP"
            del units[label]
        out = out.rename(index=names)
        out.attrs["units"] = {label: units[label] for label in out.index}
        return out

    def row(self, indicator: str, period=None) -> pd.Series:
        """One row of :meth:`table` by indicator name and milestone year (or period).

        Parameters
        ----------
        indicator : str
            A key of :data:`COMPARISON_ROWS`, e.g. ``"contributors_gained"``.
        period : int or str, optional
            The milestone year for per-milestone rows; ignored otherwise.

        Returns
        -------
        pandas.Series
            Values by scenario, in the row's unit.
        """
        for ind, per, label, _ in self._rows():
            if ind == indicator and (COMPARISON_ROWS[ind][1] != "milestones" or per == period):
                return self.table().loc[label]
        raise KeyError(f"no row {indicator!r}" + (f" for {period}" if period is not None else "")
                       + f"; rows: {sorted({r[0] for r in self._rows()})}, milestones: {list(self.milestones)}")

    def differences(self, money: str = "nominal") -> pd.DataFrame:
        """Each scenario minus the reference, row by row.

        Parameters
        ----------
        money : {"nominal", "share_of_gdp"}, default "nominal"
            As in :meth:`table`.

        Returns
        -------
        pandas.DataFrame
            :meth:`table` minus its reference column, without the reference
            column (identically zero). Same rows and units as the table
            (a difference of years for ``depletion_year``). The rows that
            are already measured against the reference
            (``contributors_gained``, ``cost_per_person_covered``,
            ``pv_old_age_pension_outgo_difference``) are copied as they
            are.
        """
        t = self.table(money)
        out = t.drop(columns=self.reference).sub(t[self.reference], axis=0)
        for ind, _, label, _ in self._rows():
            if ind in _VS_REFERENCE_ROWS:
                out.loc[label] = t.loc[label, out.columns]
        out.attrs["units"] = dict(t.attrs["units"])
        return out

    def relative_differences(self) -> pd.DataFrame:
        """Each scenario's difference from the reference, relative to the reference.

        Returns
        -------
        pandas.DataFrame
            ``(scenario - reference) / |reference|``, without the reference
            column; NaN where the reference value is 0 or NaN (e.g. the
            rows that are already differences from the reference). [1]
        """
        t = self.table()
        ref = t[self.reference].abs().where(t[self.reference] != 0)
        out = t.drop(columns=self.reference).sub(t[self.reference], axis=0).div(ref, axis=0)
        out.attrs["units"] = dict.fromkeys(out.index, "1")
        return out

    # ------------------------------------------------------- what to decide from

    def headline_year(self, year: int | None = None) -> int:
        """The year at which :meth:`summary_table`, :meth:`strategy_table` and :meth:`reading` count
        contributors gained and coverage.

        Parameters
        ----------
        year : int, optional
            A common scheme year (:attr:`scheme_years`). Default: the
            milestone within the common scheme years nearest to 25 years
            after the first of them (the later one on a tie; 2050 for a
            scheme starting in 2024 and the default milestones), or the last
            common scheme year if no milestone is one. [calendar year]

        Raises
        ------
        ValueError
            If no projection has a scheme, or `year` is not a common scheme
            year.
        """
        years = [int(y) for y in self.scheme_years]
        if not years:
            raise ValueError("no common scheme year: the compared projections have no scheme in common")
        if year is not None:
            if int(year) not in years:
                raise ValueError(f"year {year} is not a common scheme year ({years[0]}-{years[-1]})")
            return int(year)
        target = years[0] + _HEADLINE_AFTER
        candidates = [y for y in self.milestones if y in set(years)]
        if not candidates:
            return years[-1]
        return min(candidates, key=lambda y: (abs(y - target), -y))

    def _horizon(self) -> int:
        """The longest valuation period of :data:`GAP_HORIZONS` within the common scheme years (else the
        shortest, whose rows are then NaN). [years]"""
        fit = [n for n in GAP_HORIZONS if len(self.scheme_years) >= n]
        return max(fit) if fit else min(GAP_HORIZONS)

    def _channel_values(self, name: str, year: int, persistence_after: int) -> pd.Series | None:
        """The ``all channels`` row of the scenario's :meth:`~ssproj.Projection.channel_values`, or None."""
        p = self.projections[name]
        if "channel_recruits" not in p.dataset or not self._data[name].has_scheme:
            return None
        return p.channel_values(milestones=(year,), persistence_after=persistence_after).loc["all channels"]

    def summary_table(self, year: int | None = None) -> pd.DataFrame:
        """The scenarios ranked on measures that stay informative after a fund is depleted.

        One row per scenario (the reference included), in column order.
        Every value comes from :meth:`table` (present values at the
        reference's projected return, on the reference's GDP) or from
        :meth:`ssproj.Projection.channel_values`; nothing is computed twice.

        Parameters
        ----------
        year : int, optional
            Year of ``contributors_gained`` (default
            :meth:`headline_year`). [calendar year]

        Returns
        -------
        pandas.DataFrame
            Indexed by ``scenario``. Columns (units in ``attrs['units']``,
            "better" in ``attrs['better']``: ``higher``, ``lower`` or
            ``later``):

            - ``channels``: coverage-expansion channels of the scenario's
              strategy, 0 without one [channels];
            - ``contributors_gained``: contributors in `year` minus the
              reference's [contributor-years]; higher is better;
            - ``cost_per_person_covered``: the table's row: extra cost to
              the fund and the state per extra insured person-year, present
              values [currency per insured person-year]; lower is better,
              ranked only for scenarios that gain contributors in `year`;
            - ``net_pv_per_recruit``: the strategy's contributions net of
              the administrative charge, minus its recruits' benefits and
              the fund's channel costs, per person recruited
              (:meth:`~ssproj.Projection.channel_values`, ``all channels``;
              NaN without a strategy) [currency at 1 January of the first
              scheme year per person]; higher is better;
            - ``extra_cost_to_fund``, ``extra_cost_to_state``: rows
              ``cost_to_fund`` and ``cost_to_state`` minus the reference's,
              over the present value of the reference's GDP, over the common
              scheme years [share of the PV of GDP]; lower is better;
            - ``pv_shortfall``, ``pv_state_transfers``: rows
              ``pv_shortfall_<n>_share_of_gdp`` and
              ``pv_state_transfers_<n>_share_of_gdp``, n the longest of
              :data:`GAP_HORIZONS` within the common scheme years [share of
              the PV of GDP]; lower is better;
            - ``depletion_year``: first year the pension fund's reserve
              under the scheduled flows is <= 0, NaN if never [calendar
              year]; later is better, never best;
            - ``<measure>_rank`` for each of the seven measures: 1 for the
              best, ties sharing the lowest rank (``min``), <NA> where the
              measure is NaN or not ranked [rank].

            ``attrs['year']`` is `year`, ``attrs['horizon']`` n.
        """
        if not self.has_scheme or not self._data[self.reference].has_scheme:
            raise ValueError("summary_table: the reference scenario has no scheme")
        year = self.headline_year(year)
        n = self._horizon()
        gdp = self._pv_gdp()

        def row(indicator, period=None):  # a row of the table, at any year
            return pd.Series({s: self._values(indicator, period, s) for s in self.names})

        data = pd.DataFrame(index=pd.Index(self.names, name="scenario"))
        data["channels"] = [float(len(self.projections[s].dataset["channel"]))
                            if "channel_recruits" in self.projections[s].dataset else 0.0 for s in self.names]
        data["contributors_gained"] = row("contributors_gained", year)
        data["cost_per_person_covered"] = row("cost_per_person_covered")
        values = {s: self._channel_values(s, year, _PERSISTENCE_AFTER) for s in self.names}
        data["net_pv_per_recruit"] = [float(v["net_pv_per_recruit"]) if v is not None else math.nan
                                      for v in values.values()]
        for col, ind in (("extra_cost_to_fund", "cost_to_fund"), ("extra_cost_to_state", "cost_to_state")):
            r = row(ind)
            data[col] = (r - r[self.reference]) / gdp
        data["pv_shortfall"] = row(f"pv_shortfall_{n}_share_of_gdp")
        data["pv_state_transfers"] = row(f"pv_state_transfers_{n}_share_of_gdp")
        data["depletion_year"] = row("depletion_year")
        data = data.astype(float)
        for col, better in SUMMARY_BETTER.items():
            v = data[col]
            if col == "cost_per_person_covered":
                v = v.where(data["contributors_gained"] > 0)
            if better == "later":  # never depleted: the best
                has_scheme = pd.Series({s: self._data[s].has_scheme for s in self.names})
                v = v.where(v.notna() | ~has_scheme, math.inf)
            ranks = v.rank(method="min", ascending=(better == "lower"))
            data[f"{col}_rank"] = ranks.astype("Int64")
        start = int(self.scheme_years[0])
        span = f"{start}-{int(self.scheme_years[-1])}"
        cur = self.currency or "currency"
        data.attrs["units"] = {
            "channels": "channels",
            "contributors_gained": f"contributor-years in {year}, scenario minus reference",
            "cost_per_person_covered": f"{cur} per insured person-year gained (present values, {span})",
            "net_pv_per_recruit": f"{cur} at 1 January {start} per person recruited",
            "extra_cost_to_fund": f"share of the PV of the reference's GDP {span}, scenario minus reference",
            "extra_cost_to_state": f"share of the PV of the reference's GDP {span}, scenario minus reference",
            "pv_shortfall": f"share of the PV of GDP over {n} years",
            "pv_state_transfers": f"share of the PV of GDP over {n} years",
            "depletion_year": "calendar year (empty: never)",
            **{f"{c}_rank": "rank (1 = best)" for c in SUMMARY_BETTER},
        }
        data.attrs["better"] = dict(SUMMARY_BETTER)
        data.attrs["year"] = year
        data.attrs["horizon"] = n
        return data

    def strategy_table(self, year: int | None = None, *, persistence_after: int = _PERSISTENCE_AFTER
                       ) -> pd.DataFrame:
        """What each coverage strategy brings and costs, by payer.

        One row for the reference and one per scenario with a strategy (a
        ``strategy:`` key), in column order. The strategy's figures are the
        ``all channels`` row of :meth:`ssproj.Projection.channel_values`
        (present values at 1 January of the first scheme year at the
        scenario's projected return, flows mid-year); the gains are rows of
        :meth:`table`.

        Parameters
        ----------
        year : int, optional
            Year of ``contributors_gained`` and of the coverage columns
            (default :meth:`headline_year`). [calendar year]
        persistence_after : int, default 5
            N of ``persistence``. [years]

        Returns
        -------
        pandas.DataFrame
            Indexed by ``scenario``; columns (units in ``attrs['units']``):
            ``channels`` (the channels' names, text), ``recruits``
            [persons registered over the projection], ``persistence``
            (active members at 31 December of the N-th year of each
            channel per person it recruited in those years) [1],
            ``contributors_gained`` (row of :meth:`table`)
            [contributor-years in `year`, scenario minus reference],
            ``contributor_years`` (of the channels' members over the
            projection) [contributor-years], ``pv_cost_fund``,
            ``pv_cost_state`` (the channels' costs; the state's with the
            contributions it pays for the members, a subsidy once),
            ``pv_contributions_members`` (what the members and their
            employers pay) [currency at 1 January of the first scheme
            year], ``cost_per_contributor_year_fund``,
            ``cost_per_contributor_year_state`` [currency per
            contributor-year, present values], ``net_pv_per_recruit``
            [currency per person recruited], and ``coverage_<group>`` for
            each insured group declared by the reference's assumption set:
            contributors of the group and of its channel groups in `year`
            per person in the labour force (they add up to the summary's
            ``coverage_ratio``) [1]. The reference's strategy columns are
            NaN when it has none. ``attrs['year']``,
            ``attrs['persistence_after']``.
        """
        year = self.headline_year(year)
        ref = self._data[self.reference]
        if not ref.has_scheme:
            raise ValueError("strategy_table: the reference scenario has no scheme")
        names = [s for s in self.names if s == self.reference
                 or (self._data[s].has_scheme and "channel_recruits" in self.projections[s].dataset)]
        groups = [str(g) for g in self.projections[self.reference].dataset["group"].values if "." not in str(g)]
        records = {}
        for s in names:
            d = self._data[s]
            cv = self._channel_values(s, year, persistence_after)
            rec: dict = {"channels": ", ".join(str(c) for c in self.projections[s].dataset["channel"].values)
                         if cv is not None else ""}
            for col in _STRATEGY_FROM_VALUES:
                src = f"persistence_{int(persistence_after)}y" if col == "persistence" else col
                rec[col] = float(cv[src]) if cv is not None and src in cv.index else math.nan
            rec["contributors_gained"] = self._values("contributors_gained", year, s)
            s_year = d.scheme.loc[year]
            for g in groups:
                contributors = sum(float(s_year[c]) for c in d.scheme.columns
                                   if c == f"contributors_{g}" or c.startswith(f"contributors_{g}."))
                rec[f"coverage_{g}"] = contributors / float(s_year["labour_force"])
            records[s] = rec
        order = ["channels", "recruits", "persistence", "contributors_gained", *_STRATEGY_FROM_VALUES[2:]]
        frame = pd.DataFrame.from_dict(records, orient="index")
        frame = frame[order + [f"coverage_{g}" for g in groups]]
        frame.index.name = "scenario"
        start = int(self.scheme_years[0])
        cur = self.currency or "currency"
        money = f"{cur} at 1 January {start}"
        frame.attrs["units"] = {
            "channels": "names", "recruits": "persons",
            "persistence": f"active members after {int(persistence_after)} years per person recruited in them",
            "contributors_gained": f"contributor-years in {year}, scenario minus reference",
            "contributor_years": "contributor-years",
            "pv_cost_fund": money, "pv_cost_state": money, "pv_contributions_members": money,
            "cost_per_contributor_year_fund": f"{cur} per contributor-year (present values)",
            "cost_per_contributor_year_state": f"{cur} per contributor-year (present values)",
            "net_pv_per_recruit": f"{money} per person recruited",
            **{f"coverage_{g}": f"contributors per person in the labour force in {year}" for g in groups},
        }
        frame.attrs["year"] = year
        frame.attrs["persistence_after"] = int(persistence_after)
        return frame

    def reading(self, year: int | None = None) -> list[str]:
        """The :meth:`summary_table` in plain words: which scenario is best and worst on each measure.

        Sentences generated from the numbers of :meth:`summary_table`
        (the same values, rounded as printed): contributors gained, cost
        per person covered, net present value per recruit, extra cost to
        the state, shortfall, depletion year and state transfers. A
        measure that is NaN for every scenario is left out; one that is
        equal in every scenario is said to be so.

        Parameters
        ----------
        year : int, optional
            As in :meth:`summary_table`.

        Returns
        -------
        list of str
        """
        t = self.summary_table(year)
        return _reading(t, self.reference, self.currency or "currency", self.scheme_years)

    def series(self, measure: str) -> pd.DataFrame:
        """One measure by year for every scenario, for charts.

        Parameters
        ----------
        measure : str
            A key of :data:`SERIES`: ``total_population`` [persons at 1
            July], ``contributors`` [contributor-years], ``coverage_ratio``
            [contributors per person in the labour force],
            ``payg_cost_rate`` [share of insured earnings],
            ``state_cost_share_of_gdp`` (the state's money of
            ``cost_to_state`` in the year over the year's GDP) [share of
            GDP], ``reserve_share_of_gdp`` [share of GDP],
            ``financing_gap_share_of_gdp`` [share of GDP].

        Returns
        -------
        pandas.DataFrame
            Index ``year`` (the projection years common to every scenario
            for ``total_population``, the common scheme years otherwise),
            one column per scenario (NaN for a scenario without a scheme);
            ``attrs['unit']``.
        """
        if measure not in SERIES:
            raise KeyError(f"no series {measure!r}; series: {sorted(SERIES)}")
        if measure == "total_population":
            common = set.intersection(*({int(y) for y in p.years} for p in self.projections.values()))
            years = np.array(sorted(common), dtype=np.int64)
        else:
            years = self.scheme_years
        out = {}
        for name, d in self._data.items():
            if measure == "total_population":
                out[name] = d.summary["total_population"].loc[years].to_numpy(dtype=float)
            elif not d.has_scheme:
                out[name] = np.full(len(years), math.nan)
            elif measure == "state_cost_share_of_gdp":
                out[name] = (d.state.loc[years] / d.gdp.loc[years]).to_numpy(dtype=float)
            else:
                out[name] = d.scheme[measure].loc[years].to_numpy(dtype=float)
        frame = pd.DataFrame(out, index=pd.Index(years, name="year"))
        frame.attrs["unit"] = SERIES[measure]
        return frame

    # ---------------------------------------------------------- decomposition

    def _years(self, years) -> list:
        if years is None:
            ref = self._data[self.reference]
            return [y for y in self.milestones if y in set(ref.scheme_years.tolist())]
        if isinstance(years, numbers.Integral):
            return [int(years)]
        return [int(y) for y in years]

    def factors(self, years=None, *, old_age: int = 60, working_ages=(15, 59)) -> pd.DataFrame:
        """The factors of the PAYG cost rate of each scenario (see :meth:`decomposition`).

        Parameters
        ----------
        years : int or sequence of int, optional
            Calendar years. Default: the milestones within the reference's
            scheme years.
        old_age : int, default 60
            Lowest age of ``population_old`` (up to 100+). [years]
        working_ages : (int, int), default (15, 59)
            First and last age of ``population_working``. [years]

        Returns
        -------
        pandas.DataFrame
            Indexed by (``scenario``, ``year``); columns and units in
            :data:`FACTOR_COLUMNS` (also in ``attrs['units']``). NaN for a
            projection without a scheme or a year outside its scheme
            years. ``demographic_ratio * coverage_factor * benefit_ratio``
            equals ``payg_cost_rate`` (to rounding).
        """
        years = self._years(years)
        lo, hi = (int(a) for a in working_ages)
        if not (0 <= lo <= hi and 0 <= int(old_age)):
            raise ValueError(f"working_ages={working_ages!r}, old_age={old_age!r}: expected 0 <= first <= last "
                             "and old_age >= 0")
        records = {}
        for name, d in self._data.items():
            pop = d.population
            old = pop.sel(age=slice(int(old_age), None)).sum("age")
            work = pop.sel(age=slice(lo, hi)).sum("age")
            pop_years = {int(y) for y in pop["year"].values}
            scheme_years = set(d.scheme_years.tolist())
            for y in years:
                rec = dict.fromkeys(FACTOR_COLUMNS, math.nan)
                if y in pop_years:
                    rec["population_old"] = float(old.sel(year=y))
                    rec["population_working"] = float(work.sel(year=y))
                    rec["demographic_ratio"] = rec["population_old"] / rec["population_working"]
                if y in scheme_years:
                    s = d.scheme.loc[y]
                    rec["pensioners"] = float(s["pensioners"])
                    rec["contributors"] = float(s["contributors"])
                    rec["cost"] = float(d.cost.loc[y])
                    rec["net_insured_earnings"] = float(d.net_earnings.loc[y])
                    with np.errstate(divide="ignore", invalid="ignore"):
                        rec["coverage_factor"] = ((rec["pensioners"] / rec["population_old"])
                                                  / (rec["contributors"] / rec["population_working"]))
                        rec["benefit_ratio"] = ((rec["cost"] / rec["pensioners"])
                                                / (rec["net_insured_earnings"] / rec["contributors"]))
                        rec["payg_cost_rate"] = rec["cost"] / rec["net_insured_earnings"]
                records[(name, y)] = rec
        df = pd.DataFrame.from_dict(records, orient="index", columns=list(FACTOR_COLUMNS), dtype=float)
        df.index = pd.MultiIndex.from_tuples(df.index, names=["scenario", "year"]) if len(df) else \
            pd.MultiIndex.from_tuples([], names=["scenario", "year"])
        df.attrs["units"] = dict(FACTOR_COLUMNS)
        return df

    def decomposition(self, years=None, *, old_age: int = 60, working_ages=(15, 59)) -> pd.DataFrame:
        """Decompose each scenario's change in PAYG cost rate into demography, coverage and policy.

        The PAYG cost rate of a year is the product of three factors
        (the "demographic ratio x coverage ratio x benefit ratio" factor
        decomposition of ILO actuarial practice, Plamondon et al. 2002)::

            CR = X / E
               = (P_old / P_work)                                  demographic ratio D
               x [(N_pens / P_old) / (N_contr / P_work)]           coverage factor C
               x [(X / N_pens) / (E / N_contr)]                    benefit ratio B

        with X the total outgo [currency/year], E the insured earnings
        [currency/year], P_old the population aged ``old_age`` and over and
        P_work the population aged ``working_ages`` at 1 July [persons],
        N_pens the pensions in payment of every type at 31 December and
        N_contr the contributors of the year. So, exactly, from the
        reference *a* to a scenario *b*::

            ln(CR_b / CR_a) = ln(D_b / D_a) + ln(C_b / C_a) + ln(B_b / B_a)

        Each log-ratio is turned into a share of the change in cost rate
        with the logarithmic mean L(CR_a, CR_b) = (CR_b - CR_a) / ln(CR_b / CR_a)
        (log-share or LMDI method, Ang 2004), so that the three effects add
        up exactly to the change::

            effect_i = ln(F_i,b / F_i,a) x (CR_b - CR_a) / ln(CR_b / CR_a)
            demography + coverage + policy = CR_b - CR_a

        (when CR_b = CR_a, L is CR_a and every effect is 0 if every factor
        is unchanged). Demography is the effect of the population's age
        structure; coverage that of the share of the old drawing pensions
        relative to the share of the working-age population contributing;
        policy that of the average outgo per pension relative to the
        average insured earnings per contributor (benefit rules,
        indexation, earnings, administrative costs).

        Parameters
        ----------
        years : int or sequence of int, optional
            Calendar years; each must be a scheme year of the reference.
            Default: the milestones within the reference's scheme years.
        old_age : int, default 60
            Lowest age of P_old. [years]
        working_ages : (int, int), default (15, 59)
            First and last age of P_work. [years]

        Returns
        -------
        pandas.DataFrame
            Indexed by (``scenario``, ``year``), one row per scenario other
            than the reference and year; columns (units in
            :data:`DECOMPOSITION_COLUMNS` and ``attrs['units']``):
            ``payg_cost_rate_reference``, ``payg_cost_rate_scenario``,
            ``change`` (scenario minus reference), ``demography``,
            ``coverage``, ``policy`` (the three effects, summing to
            ``change``) [share of insured earnings], and the three
            ``*_log_ratio`` [1]. NaN for a scenario without a scheme or a
            year outside its scheme years.

        Raises
        ------
        ValueError
            If the reference has no scheme or a year is not one of its
            scheme years.

        References
        ----------
        - Plamondon, P. et al. (2002). *Actuarial Practice in Social
          Security*. Geneva: ILO/ISSA (the cost rate as demographic ratio
          x coverage x benefit ratio).
        - Ang, B. W. (2004). Decomposition analysis for policymaking in
          energy: which is the preferred method? *Energy Policy* 32,
          1131-1139 (the log-mean divisia index: exact, no residual).
        """
        ref = self._data[self.reference]
        if not ref.has_scheme:
            raise ValueError(f"the reference scenario {self.reference!r} has no scheme: there is no cost rate "
                             "to decompose")
        years = self._years(years)
        bad = [y for y in years if y not in set(ref.scheme_years.tolist())]
        if bad:
            raise ValueError(f"years {bad} are not scheme years of the reference {self.reference!r} "
                             f"({ref.scheme_years[0]}-{ref.scheme_years[-1]})")
        f = self.factors(years, old_age=old_age, working_ages=working_ages)
        records = {}
        for name in self.names:
            if name == self.reference:
                continue
            for y in years:
                a, b = f.loc[(self.reference, y)], f.loc[(name, y)]
                rec = {"payg_cost_rate_reference": a["payg_cost_rate"], "payg_cost_rate_scenario": b["payg_cost_rate"]}
                rec["change"] = b["payg_cost_rate"] - a["payg_cost_rate"]
                with np.errstate(divide="ignore", invalid="ignore"):
                    logs = {k: float(np.log(b[col] / a[col])) for k, col in (
                        ("demography", "demographic_ratio"), ("coverage", "coverage_factor"),
                        ("policy", "benefit_ratio"))}
                total = sum(logs.values())
                if abs(total) > 1e-10:
                    weight = rec["change"] / total  # the logarithmic mean, made exact on the computed change
                else:
                    weight = 0.5 * (a["payg_cost_rate"] + b["payg_cost_rate"])  # its limit as CR_b -> CR_a
                for k, lr in logs.items():
                    rec[k] = lr * weight
                for k, lr in logs.items():
                    rec[f"{k}_log_ratio"] = lr
                records[(name, y)] = rec
        df = pd.DataFrame.from_dict(records, orient="index", columns=list(DECOMPOSITION_COLUMNS), dtype=float)
        df.index = pd.MultiIndex.from_tuples(list(records), names=["scenario", "year"]) if records else \
            pd.MultiIndex.from_tuples([], names=["scenario", "year"])
        df.attrs["units"] = dict(DECOMPOSITION_COLUMNS)
        return df

    # ---------------------------------------------------------------- output

    def _has_decomposition(self) -> bool:
        return self._data[self.reference].has_scheme and len(self.names) > 1

    def _file_tables(self) -> dict:
        """Named tables as written to files; units in the headers of the by-column tables."""
        out = {"comparison": self.table(), "differences": self.differences(),
               "relative_differences": self.relative_differences()}
        if self._has_decomposition():
            dec = self.decomposition()
            out["decomposition"] = dec.rename(columns={c: f"{c} [{u}]" for c, u in dec.attrs["units"].items()})
        return out

    def to_csv(self, directory) -> dict:
        """Write the tables as CSV files into ``directory``, each atomically.

        Files: ``comparison.csv`` (:meth:`table`), ``differences.csv``,
        ``relative_differences.csv`` and, when the reference has a scheme
        and there are other scenarios, ``decomposition.csv``
        (:meth:`decomposition` at the default years), ``summary.csv``
        (:meth:`summary_table`) and, when a scenario has a coverage
        strategy, ``strategy_table.csv`` (:meth:`strategy_table`); units in
        the headers of the last three (``column [unit]``).

        Returns
        -------
        dict
            Table name -> path written.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        tables = self._file_tables()
        if self._has_decomposition():
            tables["summary"] = _with_units(self.summary_table())
            strategies = self.strategy_table()
            if (strategies["channels"] != "").any():
                tables["strategy_table"] = _with_units(strategies)
        return {name: write_text_atomic(out / f"{name}.csv", frame.to_csv(float_format="%.10g"))
                for name, frame in tables.items()}

    def to_excel(self, path) -> Path:
        """Write the comparison workbook atomically and return its path.

        Sheets (:func:`ssproj.reporting.excel.comparison_workbook`,
        docs/workbook.md): ``assumed inputs`` first when there is a banner
        (:attr:`assumption_banner`, a line per row), ``Read me`` (the
        scenarios, what each sheet holds, the inputs and their confidence),
        ``Charts`` (native Excel charts, a line per scenario),
        ``comparison``, ``differences``, ``relative_differences``,
        ``decomposition`` (when there is one, see :meth:`to_csv`), then one
        sheet per scenario with its :meth:`~ssproj.Projection.summary`,
        named by the scenario (a name longer than Excel's 31 characters is
        cut at a word boundary and listed with its full name on the Read me
        sheet). Number formats by unit, units with the currency in the
        headers or row labels, frozen panes; identical inputs give
        identical bytes.
        """
        decomposition = self.decomposition() if self._has_decomposition() else None
        with atomic_path(path, suffix=".xlsx") as tmp:
            comparison_workbook(self, tmp, decomposition=decomposition)
        return Path(path)

    def to_html(self, path, *, banner: str | None = None) -> Path:
        """Write the self-contained HTML report of the comparison atomically and return its path.

        First the summary: :meth:`reading`, :meth:`summary_table` and the
        banner (`banner`, default :attr:`assumption_banner`); then the
        charts of the measures that differ between scenarios (level and
        difference from the reference), the strategy table, the
        comparison table, the differences, the decomposition, and one
        provenance section; see :func:`ssproj.reporting.html.write_html`.
        """
        return write_html(self, path, banner=self.assumption_banner if banner is None else banner)

    def write(self, out_dir) -> dict:
        """Write ``comparison.xlsx`` (:meth:`to_excel`), the CSV files (:meth:`to_csv`) and, when there is
        one, the banner (:attr:`assumption_banner`) as ``assumed_inputs.txt`` into ``out_dir``.

        The folder is written as a unit by :func:`ssproj.io.outdir.result_folder`
        (staged, listed in ``manifest.json``, swapped in by one rename; the
        previous result stays unchanged on error).

        Returns
        -------
        dict
            File role -> path (where the file is once the folder is complete).
        """
        with result_folder(out_dir, kind="comparison", scenario=str(self.reference),
                           inputs_sha256=inputs_sha256([p.provenance for p in self.projections.values()])) as stage:
            written = {"excel": self.to_excel(stage.path / "comparison.xlsx")}
            written.update(self.to_csv(stage.path))
            banner = self.assumption_banner
            if banner:
                written["assumed_inputs"] = write_text_atomic(stage.path / "assumed_inputs.txt", banner + "\n")
        return {role: stage.final(p) for role, p in written.items()}


# ----------------------------------------------------------------- reading

def _count(v: float) -> str:
    return f"{v:,.0f}"


def _pct(v: float) -> str:
    return f"{100 * v:.3f}%"


def _points(v: float) -> str:
    return f"{100 * v:+.3f}"


def _year_text(v: float) -> str:
    return "never" if v != v else f"{v:.0f}"


def _reading(t: pd.DataFrame, ref: str, cur: str, scheme_years) -> list[str]:
    """Plain sentences from a :meth:`Comparison.summary_table` (see :meth:`Comparison.reading`)."""
    out: list[str] = []
    year, n = t.attrs["year"], t.attrs["horizon"]
    span = f"{int(scheme_years[0])}-{int(scheme_years[-1])}"
    others = [s for s in t.index if s != ref]
    strategies = [s for s in others if t.loc[s, "channels"] > 0]
    if not others:
        return out
    if strategies and len(strategies) == len(others):
        what = f"{len(others)} strategies" if len(others) > 1 else "strategy"
    else:
        what = f"{len(others)} scenarios" if len(others) > 1 else "scenario"
    lead = f"Of the {what} compared with {ref}, " if len(others) > 1 else f"Against {ref}, "

    g = t.loc[others, "contributors_gained"].dropna()
    if len(g):
        moved = g[g != 0]
        if moved.empty:
            out.append(f"{lead}none changes the number of contributors in {year}.")
        elif len(moved) == 1 and len(g) > 1:
            s = moved.index[0]
            out.append(f"{lead}only {s} changes the number of contributors by {year} "
                       f"({_count(moved[s])} contributor-years).")
        else:
            best, worst = g.idxmax(), g.idxmin()
            text = f"{lead}{best} adds the most contributors by {year} ({_count(g[best])} contributor-years)"
            if worst != best:
                text += f", {worst} the fewest ({_count(g[worst])})"
            out.append(text + ".")

    c = t["cost_per_person_covered"].where(t["contributors_gained"] > 0).drop(ref).dropna()
    if len(c):
        best, worst = c.idxmin(), c.idxmax()
        if c[best] < 0:
            text = (f"{best} gains insured person-years while lowering the cost to the fund and the state "
                    f"({_count(c[best])} {cur} per person-year gained, in present value)")
        else:
            text = (f"{best} costs the fund and the state least per insured person-year gained "
                    f"({_count(c[best])} {cur} in present value)")
        if worst != best:
            text += f", {worst} the most ({_count(c[worst])} {cur})"
        out.append(text + ".")

    v = t.loc[strategies, "net_pv_per_recruit"].dropna() if strategies else pd.Series(dtype=float)
    if len(v):
        best, worst = v.idxmax(), v.idxmin()
        if (v < 0).all():
            head = ("For every strategy" if len(v) > 1 else f"For {best}") + (
                ", what the recruits draw and the channels cost exceeds what the recruits pay within the "
                "projection: net present value per recruit ")
            out.append(head + (f"from {_count(v[worst])} ({worst}) to {_count(v[best])} ({best}) {cur}."
                               if len(v) > 1 else f"{_count(v[best])} {cur}."))
        else:
            text = f"{best} has the highest net present value per recruit ({_count(v[best])} {cur})"
            if worst != best:
                text += f", {worst} the lowest ({_count(v[worst])} {cur})"
            out.append(text + ".")

    for col, who in (("extra_cost_to_state", "The state"), ("extra_cost_to_fund", "The pension fund")):
        x = t.loc[others, col].dropna()
        if not len(x):
            continue
        if (x == 0).all():
            out.append(f"{who} pays the same as under {ref} in every scenario ({span}, present value).")
            continue
        lo, hi = x.idxmin(), x.idxmax()
        text = (f"{who} pays least under {lo} ({_points(x[lo])} percentage points of the present value of GDP "
                f"{span} against {ref})")
        if hi != lo:
            text += f" and most under {hi} ({_points(x[hi])})"
        out.append(text + ".")

    sh = t["pv_shortfall"].dropna()
    if len(sh):
        if sh.nunique() == 1:
            out.append(f"The pension fund's shortfall over {n} years is {_pct(sh.iloc[0])} of the present value "
                       "of GDP in every scenario.")
        else:
            lo, hi = sh.idxmin(), sh.idxmax()
            text = (f"The pension fund's shortfall over {n} years is smallest under {lo} ({_pct(sh[lo])} of the "
                    f"present value of GDP) and largest under {hi} ({_pct(sh[hi])})")
            if ref not in (lo, hi) and ref in sh.index:
                text += f"; {ref}: {_pct(sh[ref])}"
            out.append(text + ".")

    dep = t["depletion_year"]
    if dep.nunique(dropna=False) == 1:
        y = dep.iloc[0]
        out.append("The pension fund's reserve is never exhausted in any scenario." if y != y else
                   f"The pension fund's reserve is exhausted in {_year_text(y)} in every scenario.")
    else:
        key = dep.fillna(math.inf)
        best, worst = key.idxmax(), key.idxmin()
        text = (f"The pension fund's reserve lasts longest under {best} ("
                + ("never exhausted" if dep[best] != dep[best] else f"exhausted in {_year_text(dep[best])}")
                + f") and is exhausted first under {worst} ({_year_text(dep[worst])})")
        if ref not in (best, worst):
            text += f"; {ref}: {_year_text(dep[ref])}"
        out.append(text + ".")

    tr = t["pv_state_transfers"].dropna()
    if len(tr):
        if (tr == 0).all():
            out.append(f"No scenario needs deficit transfers from the state within {n} years.")
        elif len(sh) == len(tr) and np.allclose(tr.to_numpy(), sh.loc[tr.index].to_numpy(), rtol=1e-9, atol=0):
            out.append("In every scenario the state's deficit transfers fill the whole shortfall.")
        else:
            lo, hi = tr.idxmin(), tr.idxmax()
            out.append(f"The state's deficit transfers over {n} years are smallest under {lo} ({_pct(tr[lo])} of "
                       f"the present value of GDP) and largest under {hi} ({_pct(tr[hi])}).")
    return out


def _with_units(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its columns named ``column [unit]`` from ``attrs['units']``."""
    return frame.rename(columns={c: f"{c} [{u}]" for c, u in frame.attrs["units"].items()})


def compare(results, *, reference=0, milestones=DEFAULT_MILESTONES) -> Comparison:
    """Compare projections side by side.

    Parameters
    ----------
    results : sequence of Projection, or dict of str to Projection
        The projections, in column order. In a sequence each is named by
        its scenario (``dataset.attrs['scenario_name']``, or
        ``scenario_<i>`` if it has none); a repeated name gets a suffix
        ``_2``, ``_3``, ...
    reference : int or str, default 0
        The reference scenario: an index into ``results`` or a name.
    milestones : sequence of int, default (2030, 2040, 2050, 2075, 2100)
        Years of the per-milestone rows; those outside every projection are
        dropped. [calendar year]

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        If ``results`` is empty or holds something other than projections,
        the reference is unknown, or the projections' schemes have
        different currencies.

    Examples
    --------
    >>> import ssproj                                         # doctest: +SKIP
    >>> base = ssproj.project(ssproj.load_scenario("scenarios/lao_baseline.yaml"))
    >>> low = ssproj.project(ssproj.load_scenario("scenarios/low_fertility.yaml"))
    >>> cmp = ssproj.compare([base, low])
    >>> cmp.table()
    >>> cmp.decomposition(2050)
    """
    if isinstance(results, Projection):
        results = [results]
    if isinstance(results, Mapping):
        items = [(str(k), v) for k, v in results.items()]
    else:
        items = []
        used: set = set()
        for i, p in enumerate(results):
            base = str((p.dataset.attrs.get("scenario_name") if isinstance(p, Projection) else None)
                       or f"scenario_{i}")
            name, k = base, 2
            while name in used:
                name, k = f"{base}_{k}", k + 1
            used.add(name)
            items.append((name, p))
    if not items:
        raise ValueError("compare: no projections given")
    bad = [name for name, p in items if not isinstance(p, Projection)]
    if bad:
        raise ValueError(f"compare: {bad} are not ssproj.Projection objects (from ssproj.project)")
    names = [n for n, _ in items]
    if isinstance(reference, numbers.Integral) and not isinstance(reference, bool):
        index = int(reference)
        if not -len(names) <= index < len(names):
            raise ValueError(f"compare: reference={reference} is outside the {len(names)} scenarios")
        reference = names[index]
    elif reference not in names:
        raise ValueError(f"compare: reference {reference!r} is not one of the scenarios {names}")
    try:
        milestones = [int(y) for y in milestones]
    except (TypeError, ValueError):
        raise ValueError(f"compare: milestones={milestones!r}; expected a sequence of years") from None
    return Comparison(dict(items), reference, milestones)
