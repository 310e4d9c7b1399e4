"""Coverage-expansion strategies: channels that recruit insured persons.

A **strategy** (a scenario's ``strategy:`` key, see ``docs/strategies.md``)
is a named set of **channels**. Each channel works on one declared insured
group, its *parent*, from its ``start_year``:

* *recruiting* channels (``mobile_registration``, ``district_office``,
  ``information_centre``, ``labour_officers``, ``promoters``) and the
  *target* channel ``domestic_workers`` become an internal insured group
  ``<parent>.<channel>`` that inherits every per-group parameter of the
  parent, with the channel's overrides (``lapse_rate``,
  ``contribution_density``, ``earnings_level``, ``reentry_rate``,
  ``declared_income_min_ratio``, ``declared_income_max_ratio``). It has no
  base-year members and a coverage rate of 0 (a recruiting channel: its
  only entrants are the channel's recruits) or the channel's
  ``registration_share`` of the domestic workers (``domestic_workers``);
* *parameter* channels (``subsidy``, ``lower_floor``, ``coverage_target``)
  change parameters of the parent group (and of its channel groups) from
  their start year.

Recruits per year (persons, for years >= ``start_year``; 0 before):

===================== ==========================================================
kind                  recruits
===================== ==========================================================
mobile_registration   villages_per_year x turnout_per_village x registration_share
district_office       offices x catchment_workers x uptake_rate
information_centre    centres x visitors_per_centre x conversion
labour_officers       officers x registrations_per_officer
promoters             promoters x registrations_per_promoter
===================== ==========================================================

:func:`ssproj.scenario.strategy_spec.parse_strategy` validates the YAML form
(``load_scenario`` calls it; it is re-exported here) and returns
``(strategy, problems)``; :func:`run_strategy` runs the engine with the channel groups (through
:class:`StrategyScenario`) and returns the channel results
(``channel_recruits``, ``channel_cost``) with the run.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ssproj.demography.cohort import DemographicInputs
from ssproj.kernels.engine import PathOutputs
from ssproj.scenario.parameters import load_parameter_specs
from ssproj.scenario.strategy_spec import (
    CHANNEL_KINDS,
    COST_PAYERS,
    RECRUITING_QUANTITIES,
    Channel,
    Strategy,
    parse_strategy,
)
from ssproj.scheme.engine import run_scheme
from ssproj.scheme.plan import SchemePlan, economy, employment, scheme_plan

__all__ = [
    "CHANNEL_KINDS",
    "COST_PAYERS",
    "Channel",
    "Strategy",
    "StrategyScenario",
    "channel_recruits",
    "parse_strategy",
    "run_strategy", "StrategyRun",
]


# -----------------------------------------------------------------------------
# evaluation
# -----------------------------------------------------------------------------
def _from_start(ch: Channel, key: str, years: np.ndarray, resolve=None, fill: float = 0.0) -> np.ndarray:
    """A channel quantity by year: its path from ``start_year``, `fill` before."""
    years = np.asarray(years, dtype=np.int64)
    out = np.full(years.shape, fill, dtype=float)
    tp = ch.quantities.get(key)
    on = years >= ch.start_year
    if tp is not None and on.any():
        out[on] = tp.evaluate(years[on], resolve=resolve)
    return out


def channel_recruits(ch: Channel, years: Any, resolve=None) -> np.ndarray:
    """Recruits of a recruiting channel by year (0 before ``start_year`` and for other kinds). [persons/year]"""
    years = np.asarray(years, dtype=np.int64)
    if ch.kind not in RECRUITING_QUANTITIES:
        return np.zeros(years.shape)
    out = np.where(years >= ch.start_year, 1.0, 0.0)
    for key in RECRUITING_QUANTITIES[ch.kind]:
        out = out * _from_start(ch, key, years, resolve)
    return out


class StrategyScenario:
    """A scenario seen by the engine (:func:`ssproj.scheme.plan.scheme_plan`) with the channel groups of a strategy.

    Everything not listed here is the scenario's own (attribute access is
    passed through).

    * `groups`: the declared groups, then the channel groups
      ``<parent>.<channel>`` in declaration order;
    * `entity_info`: a channel group has its parent's title and sector
      (``domestic`` for a ``domestic_workers`` channel);
    * `value` / `path_values` of a per-group parameter: the parent's
      (after the parent's parameter channels) with the channel's
      overrides from its start year; coverage rate 0 for a recruiting
      channel group, ``registration_share`` (from its start year) for a
      ``domestic_workers`` group;
    * `tables`: ``salary_scale`` and ``entry_age_distribution`` get rows
      for the channel groups (copies of the parent's).

    Parameters
    ----------
    scenario : ssproj.scenario.Scenario
    strategy : Strategy
    """

    def __init__(self, scenario, strategy: Strategy):
        self._sc = scenario
        self.strategy = strategy
        self._channels = {c.group_name: c for c in strategy.channels if c.group_name is not None}

        self._per_group = {n for n, s in load_parameter_specs().items() if s.per == "group"}
        tables = dict(scenario.tables)
        for tname in ("salary_scale", "entry_age_distribution"):
            df = tables[tname]
            extra = []
            for gname, ch in self._channels.items():
                rows = df[df["group"] == ch.group].copy()
                rows["group"] = gname
                extra.append(rows)
            if extra:
                out = pd.concat([df] + extra, ignore_index=True)
                out.attrs = dict(df.attrs)
                tables[tname] = out
        self.tables = tables

    def __getattr__(self, name):
        return getattr(self._sc, name)

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(self._sc.groups) + tuple(self._channels)

    def entity_info(self, kind: str, name: str) -> dict[str, str]:
        if kind == "group" and name in self._channels:
            ch = self._channels[name]
            info = self._sc.entity_info("group", ch.group)
            info["title"] = f"{info['title']}: {ch.name} ({ch.kind})"
            if ch.kind == "domestic_workers":
                info["sector"] = "domestic"
            return info
        return self._sc.entity_info(kind, name)

    def value(self, name: str) -> Any:
        value = self._sc.value(name)
        if name in self._per_group:
            out = dict(value)
            for gname, ch in self._channels.items():
                out[gname] = value[ch.group]
            return out
        return value

    def path_values(self, name: str, years: Any = None) -> np.ndarray:
        if name not in self._per_group:
            return self._sc.path_values(name, years)
        yrs = np.asarray(self._sc.years if years is None else years)
        flat = yrs.reshape(-1).astype(np.int64)
        parents = self._parent_values(name, flat)
        rows = [parents[g] for g in self._sc.groups]
        for ch in self._channels.values():
            r = parents[ch.group].copy()
            on = flat >= ch.start_year
            if name in ch.quantities:
                r[on] = ch.quantities[name].evaluate(flat[on], resolve=self._sc.path_values)
            if name == "coverage_rate":
                r = _from_start(ch, "registration_share", flat) if ch.kind == "domestic_workers" \
                    else np.zeros_like(r)
            rows.append(r)
        return np.stack(rows).reshape((len(rows),) + np.shape(yrs))

    def _parent_values(self, name: str, years: np.ndarray) -> dict[str, np.ndarray]:
        """Per-group values of the declared groups after the parameter channels."""
        base = self._sc.path_values(name, years)
        out = {g: base[i].copy() for i, g in enumerate(self._sc.groups)}
        if name in ("contribution_rate_state", "contribution_rate_employee"):
            added = self.subsidy_rates(years)
            for _ch, g, rate in added:
                out[g] = out[g] + rate if name == "contribution_rate_state" else out[g] - rate
            return out
        for ch in self.strategy.channels:
            on = years >= ch.start_year
            g = ch.group
            if name == "declared_income_min_ratio" and ch.kind == "lower_floor":
                out[g][on] = _from_start(ch, "declared_income_min_ratio", years, self._sc.path_values)[on]
            elif name == "coverage_rate" and ch.kind == "coverage_target":
                out[g][on] = _from_start(ch, "coverage_rate", years, self._sc.path_values)[on]
            elif name == "coverage_rate" and ch.kind in ("subsidy", "lower_floor") and "uptake" in ch.quantities:
                out[g] = np.minimum(1.0, out[g] + _from_start(ch, "uptake", years, self._sc.path_values))
        return out

    def subsidy_rates(self, years: Any) -> list[tuple[Channel, str, np.ndarray]]:
        """Employee contribution rate taken over by the state, per subsidy channel and declared group.

        ``subsidy_share`` x the employee rate (after the subsidies declared
        before it), from the channel's start year. [1]
        """
        years = np.asarray(years, dtype=np.int64)
        base = self._sc.path_values("contribution_rate_employee", years)
        employee = {g: base[i].copy() for i, g in enumerate(self._sc.groups)}
        out = []
        for ch in self.strategy.channels:
            if ch.kind != "subsidy":
                continue
            rate = _from_start(ch, "subsidy_share", years, self._sc.path_values) * employee[ch.group]
            employee[ch.group] = employee[ch.group] - rate
            out.append((ch, ch.group, rate))
        return out


def _female_share(ch: Channel, employed: dict[str, np.ndarray], sector: str, years: np.ndarray, resolve):
    """``share_female`` by year, default the parent sector's female share of employment. [1]"""
    if "share_female" in ch.quantities:
        return _from_start(ch, "share_female", years, resolve, fill=0.5)
    e = employed[sector]  # (Y, 2, X)
    total = e.sum(axis=(1, 2))
    return np.divide(e[:, 1].sum(axis=1), total, out=np.full(total.shape, 0.5), where=total > 0)


def strategy_recruits(sc, demography: xr.Dataset, strategy: Strategy | None = None):
    """Persons registered by a strategy's recruiting channels.

    Returns
    -------
    view : StrategyScenario
        The scenario with the channel groups.
    registrations : ndarray, shape (Y, C)
        Persons registered by each channel (0 for other kinds). [persons/year]
    recruits : ndarray, shape (Y, G, 2)
        The same by group of ``view`` and sex. [persons/year]
    """
    strategy = strategy if strategy is not None else sc.strategy
    view = StrategyScenario(sc, strategy)
    years = np.asarray(sc.scheme_years, dtype=np.int64)
    Y = len(years)
    groups = list(view.groups)
    resolve = sc.path_values
    _, employed, domestic = employment(sc, demography, years)
    by_sector = {"public": employed[0], "private": employed[1], "informal": employed[2], "domestic": domestic}

    C = len(strategy.channels)
    registrations = np.zeros((Y, C))
    recruits = np.zeros((Y, len(groups), 2))
    for ci, ch in enumerate(strategy.channels):
        if ch.kind not in RECRUITING_QUANTITIES:
            continue
        r = channel_recruits(ch, years, resolve)
        registrations[:, ci] = r
        sector = sc.entity_info("group", ch.group)["sector"]
        f = _female_share(ch, by_sector, sector, years, resolve)
        gi = groups.index(ch.group_name)
        recruits[:, gi, 0] = r * (1.0 - f)
        recruits[:, gi, 1] = r * f
    return view, registrations, recruits


@dataclass(frozen=True)
class StrategyRun:
    """A strategy scenario's engine run (see :func:`run_strategy`).

    Attributes
    ----------
    view : StrategyScenario
        The scenario with the channel groups.
    plan : ssproj.scheme.plan.SchemePlan
        Its compiled scheme (recruits and fund-paid channel costs included).
    economy : dict of ndarray
        Its economic series (:func:`ssproj.scheme.plan.economy`).
    outputs : ssproj.kernels.engine.PathOutputs
        The engine's arrays.
    channels : xarray.Dataset
        On ``year`` (scheme years) and ``channel`` (coordinates
        ``channel_kind`` and ``channel_group``, the parent group):
        ``channel_recruits`` (year, channel), persons registered by the
        channel (recruits; entrants of the group for ``domestic_workers``;
        0 for parameter channels) [persons/year]; ``channel_cost`` (year,
        channel, cost_payer), costs by payer (``fund``: administrative outgo
        of the long-term fund; ``state``: fiscal cost, including the
        contributions a subsidy pays) [currency/year].
    """

    view: StrategyScenario
    plan: SchemePlan
    economy: dict
    outputs: PathOutputs
    channels: xr.Dataset


def run_strategy(sc, demography: xr.Dataset, inputs: DemographicInputs, strategy: Strategy | None = None
                 ) -> StrategyRun:
    """Run the engine for a scenario with a coverage-expansion strategy.

    Parameters
    ----------
    sc : ssproj.scenario.Scenario
        A validated scenario with insured groups.
    demography : xarray.Dataset
        The demographic projection (``population`` at 1 July), for the
        employment the channels recruit from.
    inputs : ssproj.demography.cohort.DemographicInputs
        The scenario's demographic inputs (the engine projects the
        population from them again, identically).
    strategy : Strategy, optional
        Default: the scenario's ``strategy``.

    Returns
    -------
    StrategyRun

    Notes
    -----
    A ``domestic_workers`` channel's registrations are the entrants of its
    group, known only after a run: with a per-registration cost paid by the
    fund the engine runs a second time with those costs.
    """
    strategy = strategy if strategy is not None else sc.strategy
    view, registrations, recruits = strategy_recruits(sc, demography, strategy)
    years = np.asarray(sc.scheme_years, dtype=np.int64)
    Y = len(years)
    C = len(strategy.channels)
    resolve = sc.path_values
    groups = list(view.groups)

    growth = {"wages": resolve("wage_growth", years), "prices": resolve("price_inflation", years),
              "none": np.zeros(Y)}

    def level(ch):  # the channel's cost level: 1 in its start year, then growing with its index
        g = np.where(years > ch.start_year, growth[ch.cost_index], 0.0)
        return np.cumprod(1.0 + g)

    def costs(reg):
        cost = np.zeros((Y, C, 2))
        for ci, ch in enumerate(strategy.channels):
            c = _from_start(ch, "cost_fixed", years, resolve) + _from_start(ch, "cost_per_registration", years,
                                                                                 resolve) * reg[:, ci]
            cost[:, ci, COST_PAYERS.index(ch.paid_by)] += c * level(ch)
        return cost

    def run(cost):
        plan = scheme_plan(view, recruits=recruits, extra_admin_by_year=cost[:, :, 0].sum(axis=1))
        econ = economy(view, plan)
        return plan, econ, run_scheme(plan, inputs, econ)

    cost = costs(registrations)
    plan, econ, out = run(cost)
    dom = [ci for ci, ch in enumerate(strategy.channels) if ch.kind == "domestic_workers"]
    if dom:
        for ci in dom:
            registrations[:, ci] = out.scheme.entrants[:, groups.index(strategy.channels[ci].group_name)]
        new_cost = costs(registrations)
        if not np.array_equal(new_cost[:, :, 0], cost[:, :, 0]):
            plan, econ, out = run(new_cost)
        cost = new_cost
    # subsidies: the state pays the subsidised share of the employee contributions (a state cost of the channel
    # that is also in the contributions of payer state: channel_subsidy tells it apart, so it is counted once)
    subsidy = np.zeros((Y, C))
    for ch, g, rate in view.subsidy_rates(years):
        ci = strategy.channels.index(ch)
        affected = [g] + [c.group_name for c in strategy.channels if c.group == g and c.group_name]
        idx = [groups.index(a) for a in affected]
        subsidy[:, ci] += rate * out.insured_earnings[:, idx].sum(axis=1)
    cost[:, :, 1] += subsidy

    names = [c.name for c in strategy.channels]
    coords = {"year": years, "channel": names, "cost_payer": list(COST_PAYERS),
              "channel_kind": ("channel", [c.kind for c in strategy.channels]),
              "channel_group": ("channel", [c.group for c in strategy.channels])}
    channels = xr.Dataset(
        {
            "channel_recruits": xr.DataArray(registrations, dims=("year", "channel"), attrs={
                "long_name": "Persons registered by the channel", "units": "persons/year"}),
            "channel_cost": xr.DataArray(cost, dims=("year", "channel", "cost_payer"), attrs={
                "long_name": "Costs of the channel by payer (fund: administrative outgo of the long-term "
                             "fund; state: fiscal cost, with subsidised contributions)",
                "units": "currency/year"}),
            "channel_subsidy": xr.DataArray(subsidy, dims=("year", "channel"), attrs={
                "long_name": "Contributions the state pays through the channel's subsidy (in channel_cost and in "
                             "the contributions of payer state)",
                "units": "currency/year"}),
        },
        coords=coords,
    )
    return StrategyRun(view, plan, econ, out, channels)
