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
from ssproj.finance.fund import discount_factors
from ssproj.io.atomic import atomic_path, write_text_atomic
from ssproj.io.excel import TextSheet, write_text_sheet
from ssproj.io.outdir import fix_workbook_properties, inputs_sha256, result_folder
from ssproj.projection import Projection
from ssproj.reporting.banner import BANNER_SHEET
from ssproj.reporting.html import write_html

__all__ = ["compare", "Comparison", "COMPARISON_ROWS", "DECOMPOSITION_COLUMNS", "FACTOR_COLUMNS"]

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


#: Comparison rows in present value over the first <n> common years, on the reference's GDP.
_SHARE_OF_GDP_RE = re.compile(r"^(pv_shortfall|pv_state_transfers)_(\d+)_share_of_gdp$")


def _label(indicator: str, period, unit: str) -> str:
    return f"{indicator} {period} [{unit}]" if period is not None else f"{indicator} [{unit}]"


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
            # the state's money: its contributions, its deficit transfers to every fund, the pensions it pays, and
            # the costs of coverage channels it pays other than subsidised contributions (among its contributions)
            state = (contributions + ds["fund_state_transfer"].sel(**yrs).sum("fund").to_numpy()
                     + ds["state_paid_pensions"].sel(**yrs).sum("group").to_numpy())
            if "channel_cost" in ds:
                state = state + (ds["channel_cost"].sel(cost_payer="state", **yrs).sum("channel").to_numpy()
                                 - ds["channel_subsidy"].sel(**yrs).sum("channel").to_numpy())
            self.state = pd.Series(state, index=s.index)
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
        # every scenario valued at the reference's rates, on the reference's GDP: one yardstick for all
        v = discount_factors(ref.interest.loc[years].to_numpy(), mid_year=True, half_year="simple")

        def pv(series, n=None):
            return float(np.sum(series.loc[years].to_numpy()[:n] * v[:n]))

        m = _SHARE_OF_GDP_RE.match(indicator)
        if m:
            n = int(m.group(2))
            if len(years) < n:
                return math.nan
            if m.group(1) == "pv_shortfall":
                amount = pv(d.cost, n) - pv(d.net_contributions, n) - d.opening
            else:
                amount = pv(d.transfers, n)
            return amount / pv(ref.gdp, n)

        if indicator == "cost_to_fund":
            return pv(d.cost)
        if indicator == "cost_to_state":
            return pv(d.state)
        if indicator == "cost_to_state_share_of_gdp":
            return pv(d.state) / pv(ref.gdp)
        if indicator == "cost_per_person_covered":
            cost = pv(d.cost) - pv(ref.cost) + pv(d.state) - pv(ref.state)
            person_years = pv(d.scheme["insured"]) - pv(ref.scheme["insured"])
            return cost / person_years if person_years != 0 else math.nan
        if indicator == "pv_old_age_pension_outgo_difference":
            return pv(d.old_age_outgo) - pv(ref.old_age_outgo)
        raise KeyError(indicator)  # pragma: no cover

    def table(self) -> pd.DataFrame:
        """The comparison table: one column per scenario, one row per figure.

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
        if self._table is None:
            rows = self._rows()
            data = {n: [self._values(ind, period, n) for ind, period, _, _ in rows] for n in self.names}
            df = pd.DataFrame(data, index=pd.Index([r[2] for r in rows], name="indicator"), dtype=float)
            df.attrs["units"] = {r[2]: r[3] for r in rows}
            self._table = df
        out = self._table.copy()
        out.attrs["units"] = dict(self._table.attrs["units"])
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

    def differences(self) -> pd.DataFrame:
        """Each scenario minus the reference, row by row.

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
        t = self.table()
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
        (:meth:`decomposition` at the default years, units in the header).

        Returns
        -------
        dict
            Table name -> path written.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        return {name: write_text_atomic(out / f"{name}.csv", frame.to_csv(float_format="%.10g"))
                for name, frame in self._file_tables().items()}

    def to_excel(self, path) -> Path:
        """Write the tables to an Excel workbook atomically and return its path.

        Sheets: ``assumed inputs`` first when there is a banner
        (:attr:`assumption_banner`, a line per row), ``comparison``,
        ``differences``, ``relative_differences``, ``decomposition`` (when
        there is one, see :meth:`to_csv`), then one ``summary <name>`` sheet
        per scenario with its :meth:`~ssproj.Projection.summary` (units in
        the headers; names shortened to Excel's 31 characters).
        """
        banner = self.assumption_banner
        with atomic_path(path, suffix=".xlsx") as tmp:
            with pd.ExcelWriter(tmp, engine="xlsxwriter") as writer:
                fix_workbook_properties(writer.book)  # a fixed creation date: identical runs, identical bytes
                if banner:
                    write_text_sheet(writer.book, BANNER_SHEET, TextSheet(tuple(banner.splitlines())))
                for name, frame in self._file_tables().items():
                    frame.to_excel(writer, sheet_name=name, merge_cells=False)  # every row keeps its scenario
                used: set[str] = set()
                for name, d in self._data.items():
                    s = d.summary
                    frame = s.rename(columns={c: f"{c} [{u}]" if u else c for c, u in s.attrs["units"].items()})
                    frame.to_excel(writer, sheet_name=_sheet_name(f"summary {name}", used))
        return Path(path)

    def to_html(self, path, *, banner: str | None = None) -> Path:
        """Write the self-contained HTML report of the comparison atomically and return its path.

        The banner first, under the title (`banner`, default
        :attr:`assumption_banner`), then charts of every scenario, the
        comparison table, the differences from the reference, the
        decomposition and each scenario's provenance; see
        :func:`ssproj.reporting.html.write_html`.
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


def _sheet_name(name: str, used: set) -> str:
    """A valid, unique Excel sheet name (31 characters, no []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31]
    candidate, k = base, 2
    while candidate.lower() in used:
        suffix = f" ({k})"
        candidate, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(candidate.lower())
    return candidate


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
