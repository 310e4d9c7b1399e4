"""A scenario compiled into arrays once, and the engine run over it.

:func:`compile_scenario` turns a validated :class:`~ssproj.scenario.Scenario`
into a frozen :class:`ProjectionPlan` (demographic inputs, the scheme plan,
the central economy), cached per scenario object; :func:`run_plan` runs the
one engine (:func:`ssproj.kernels.engine.run_path`) over it, adds the
funds' finance and wraps everything into one :class:`xarray.Dataset`.
:func:`ssproj.project` is ``run_plan(compile_scenario(scenario))``.
"""
from __future__ import annotations

import json
import warnings
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from ssproj import variables
from ssproj._version import __version__
from ssproj.demography.cohort import (
    AGES,
    SEXES,
    DemographicInputs,
    project_population,
    scenario_demographic_inputs,
    vital_events,
)
from ssproj.finance.flows import finance, state_paid_pensions
from ssproj.kernels.engine import PathOutputs
from ssproj.kernels.fund import DEFICIT_RULES
from ssproj.kernels.scheme import SchemeOutputs
from ssproj.reporting.assumptions import assumption_table
from ssproj.reporting.banner import assumed_inputs
from ssproj.scenario.model import Scenario
from ssproj.scheme.closed import CLOSED_GROUPS, closed_at, closed_plan
from ssproj.scheme.engine import projection_year_outputs, run_scheme
from ssproj.scheme.labour import SECTORS
from ssproj.scheme.plan import BENEFIT_TYPES, N_SERVICE, PAYERS, SchemePlan, economy, employment_from_plan, scheme_plan
from ssproj.scheme.strategies import StrategyRun, run_strategy

__all__ = ["NonFiniteResultError", "ProjectionPlan", "check_finite", "compile_scenario", "dataset_attrs",
           "provenance_of", "run_plan", "strategy_run"]


@dataclass(frozen=True)
class ProjectionPlan:
    """A validated scenario compiled into the arrays the engine runs on.

    Attributes
    ----------
    scenario : ssproj.scenario.Scenario
        The scenario it was compiled from.
    demography : ssproj.demography.cohort.DemographicInputs
        Base population [persons], death rates [1/year], fertility rates
        [births per woman per year], sex ratio at birth [males per female]
        and net migrants [persons] by projection year.
    scheme : SchemePlan or None
        The compiled scheme; None without insured groups, and for a
        strategy scenario (whose recruits depend on the projected
        population: compiled by :func:`run_plan`).
    economy : dict of ndarray or None
        Central economic series of the scheme (:func:`ssproj.scheme.plan.economy`):
        wages and ceiling [currency/month] on ``scheme.ext_years``;
        inflation, wage growth and investment return [1/year] on the
        scheme years.
    attrs : dict
        The result Dataset's attributes: title, scenario name, ssproj
        version, seed, provenance and the scenario (JSON), currency; with
        a scheme, the inputs marked assumed (:func:`dataset_attrs`).
    """

    scenario: Any
    demography: DemographicInputs
    scheme: SchemePlan | None
    economy: dict | None
    attrs: dict


_PLANS: dict[int, tuple[weakref.ref, ProjectionPlan]] = {}


def _forget(key: int) -> None:
    _PLANS.pop(key, None)


def compile_scenario(scenario) -> ProjectionPlan:
    """The :class:`ProjectionPlan` of a validated scenario, built once per scenario object.

    A scenario is not changed after validation (``with_changes`` returns a
    new one), so its plan is kept while the scenario lives. The graduated
    demographic inputs are further cached by content (see
    :func:`ssproj.demography.cohort.scenario_demographic_inputs`), so the
    scenarios of a sensitivity run or a sweep that share an assumption set
    graduate its tables once.
    """
    key = id(scenario)
    hit = _PLANS.get(key)
    if hit is not None and hit[0]() is scenario:
        return hit[1]
    demography = scenario_demographic_inputs(scenario)
    plan_s = econ = None
    if getattr(scenario, "groups", ()) and getattr(scenario, "strategy", None) is None:
        plan_s = scheme_plan(scenario)
        econ = economy(scenario, plan_s)
    plan = ProjectionPlan(scenario, demography, plan_s, econ, dataset_attrs(scenario))
    try:
        _PLANS[key] = (weakref.ref(scenario), plan)
        weakref.finalize(scenario, _forget, key)
    except TypeError:  # not weak-referenceable: do not cache
        pass
    return plan


def provenance_of(scenario) -> dict:
    """What a result of `scenario` rests on: its provenance (scenario, sources, confidence
    marks) with the ssproj version, seed and scenario name."""
    prov = dict(getattr(scenario, "provenance", {}) or {})
    prov.setdefault("ssproj_version", __version__)
    prov.setdefault("seed", getattr(scenario, "seed", 0))
    prov.setdefault("scenario_name", getattr(scenario, "name", None))
    return prov


def dataset_attrs(scenario) -> dict:
    """The attributes of a projection Dataset of `scenario` (CF conventions, provenance as JSON).

    With a scheme also ``assumed_inputs`` (JSON list of the labels of the inputs marked ``assumed``
    among those the assumption set or the scenario sets, :func:`ssproj.reporting.banner.assumed_inputs`)
    and ``inputs_given`` (how many inputs they set).
    """
    attrs = {
        "title": f"ssproj projection: {getattr(scenario, 'name', '')}",
        "scenario_name": str(getattr(scenario, "name", "")),
        "ssproj_version": __version__,
        "seed": int(getattr(scenario, "seed", 0)),
        "provenance": json.dumps(provenance_of(scenario), sort_keys=True, default=str),
        "Conventions": "CF-1.10",
        "currency": str(getattr(getattr(scenario, "assumptions", None), "currency", "") or ""),
    }
    if hasattr(scenario, "to_dict"):
        attrs["scenario"] = json.dumps(scenario.to_dict(), sort_keys=True, default=str)
    if isinstance(scenario, Scenario) and scenario.groups:
        # what the headline rests on, known without projecting anything (the banner of
        # ssproj.reporting.banner); which of these inputs drive it is measured by ssproj.rests_on
        labels, given = assumed_inputs(assumption_table(scenario))
        attrs["assumed_inputs"] = json.dumps(labels)
        attrs["inputs_given"] = int(given)
    return attrs


_YEAR_ATTRS = {"long_name": "Calendar year: population at 1 July; members, pensioners and reserves at "
                            "31 December; flows over the year", "units": "year"}
_AGE_ATTRS = {"long_name": "Age in completed years (100 = 100 and over)", "units": "years"}


def _pad(values: np.ndarray, n_before: int) -> np.ndarray:
    """Values on the scheme years, preceded by ``n_before`` NaN rows (projection years before them)."""
    out = np.empty((n_before + values.shape[0],) + values.shape[1:])
    out[:n_before] = np.nan
    out[n_before:] = values  # a copy also when n_before is 0: a result owns its arrays
    return out


def strategy_run(plan: ProjectionPlan) -> StrategyRun:
    """The engine run of a strategy scenario: its population first (the channels recruit
    from its employment), then the scheme with the channels' recruits and costs
    (:func:`ssproj.scheme.strategies.run_strategy`)."""
    demo = plan.demography
    population = xr.Dataset({"population": (("year", "sex", "age"), project_population(demo)["population"])},
                            coords={"year": np.asarray(demo.years, dtype=np.int64), "sex": list(SEXES), "age": AGES})
    return run_strategy(plan.scenario, population, demo)


def run_plan(plan: ProjectionPlan) -> xr.Dataset:
    """Run the engine over a compiled scenario and return the projection's Dataset.

    Returns
    -------
    xarray.Dataset
        Every variable of :class:`ssproj.Projection` (units in ``attrs``;
        scheme variables are NaN before the first scheme year), provenance
        in the Dataset's ``attrs``.
    """
    sc = plan.scenario
    demo = plan.demography
    years = np.asarray(demo.years, dtype=np.int64)
    has_scheme = bool(getattr(sc, "groups", ()))
    channels = None
    full = None
    if not has_scheme:
        demo_out = project_population(demo)
        pop, interval_floored, e0 = demo_out["population"], demo_out["interval_floored"], demo_out["e0"]
    else:
        if plan.scheme is not None:
            sp, econ = plan.scheme, plan.economy
            assert econ is not None  # compiled with the scheme
            # the kernel writes its arrays straight into the Dataset's (projection years)
            views, full = projection_year_outputs(len(sp.years), len(sp.groups), N_SERVICE,
                                                  len(years) - len(sp.years))
            out = run_scheme(sp, demo, econ, scheme_out=views)
        else:  # a strategy: recruits depend on the projected population
            run = strategy_run(plan)
            sp, econ, out, channels = run.plan, run.economy, run.outputs, run.channels
        pop, interval_floored, e0 = out.population, out.interval_floored, out.e0

    # ---- demography (all projection years)
    floor = np.concatenate([[0.0], interval_floored])
    if floor.sum() > 0:
        worst = int(years[np.argmax(floor)])
        warnings.warn(
            f"net emigration exceeded the population of some ages: {floor.sum():,.0f} persons in all were "
            f"added to keep stocks non-negative (most in the year to 1 July {worst}); see "
            "dataset['population_floor_adjustment']",
            stacklevel=3,
        )
    births, deaths = vital_events(demo, pop)
    ysa = ("year", "sex", "age")
    A = variables.attrs
    V: dict[str, Any] = {
        "population": (ysa, pop.copy(), A("population")),
        "births": (("year", "sex"), births, A("births")),
        "deaths": (ysa, deaths, A("deaths")),
        "net_migration": (ysa, demo.migration.copy(), A("net_migration")),
        "mortality_rate": (ysa, demo.mx.copy(), A("mortality_rate")),
        "fertility_rate": (("year", "age"), demo.asfr.copy(), A("fertility_rate")),
        "sex_ratio_at_birth": (("year",), demo.srb.copy(), A("sex_ratio_at_birth")),
        "life_expectancy_at_birth": (("year", "sex"), e0.copy(), A("life_expectancy_at_birth")),
        "population_floor_adjustment": (("year",), floor, A("population_floor_adjustment")),
    }
    coords: dict[str, Any] = {"year": years, "sex": list(SEXES), "age": AGES}
    padded: frozenset[str] = frozenset()
    if has_scheme:
        assert econ is not None
        pensions = out.scheme.benefit_outgo                                               # (Y, B, G)
        blocks = state_paid_blocks(sp, pensions, lambda p: run_scheme(p, demo, econ).scheme.benefit_outgo)
        state_paid = state_paid_pensions(sp, pensions, *blocks).sum(axis=1)             # (Y, G)
        scheme_vars = _scheme_variables(sc, sp, econ, out, n_before=len(years) - len(sp.years), full=full,
                                        state_paid=state_paid)
        padded = frozenset(name for name, (dims, _, _) in scheme_vars.items() if dims[:1] == ("year",))
        V.update(scheme_vars)
        coords.update({"group": list(sp.groups), "benefit": list(BENEFIT_TYPES), "fund": list(sp.funds),
                       "deficit_financing": ("fund", [DEFICIT_RULES[r] for r in sp.deficit_rule]),
                       "fund_title": ("fund", [sc.entity_info("fund", f).get("title", f) for f in sp.funds]),
                       "payer": list(PAYERS), "service": np.arange(N_SERVICE), "sector": list(SECTORS)})
        if sp.branches:
            coords["branch"] = list(sp.branches)
    check_finite(V, years, len(years) - (len(sp.years) if has_scheme else 0), padded, sc, coords)
    ds = xr.Dataset(V, coords=coords)
    if channels is not None:
        n_before = len(years) - len(sp.years)
        ds["channel_recruits"] = (("year", "channel"), _pad(channels["channel_recruits"].values, n_before),
                                  channels["channel_recruits"].attrs)
        ds["channel_cost"] = (("year", "channel", "cost_payer"), _pad(channels["channel_cost"].values, n_before),
                              channels["channel_cost"].attrs)
        ds["channel_subsidy"] = (("year", "channel"), _pad(channels["channel_subsidy"].values, n_before),
                                 variables.attrs("channel_subsidy"))
        ds = ds.assign_coords({k: channels.coords[k] for k in ("channel", "cost_payer", "channel_kind",
                                                              "channel_group")})
    ds["year"].attrs = dict(_YEAR_ATTRS)
    ds["age"].attrs = dict(_AGE_ATTRS)
    ds.attrs = dict(plan.attrs)
    if has_scheme:
        ds.attrs["headline_fund"] = sp.funds[sp.headline_fund]
        ds.attrs["long_term_fund"] = sp.funds[sp.lt_fund]
    return ds


_STOCKS = ("actives", "inactives", "service", "pensioners", "amounts")


class NonFiniteResultError(ValueError):
    """A projection produced an infinite or undefined value (nothing is written)."""


def check_finite(variables: dict[str, tuple], years: np.ndarray, n_before: int, padded: frozenset[str],
                 scenario: Any = None, coords: dict[str, Any] | None = None) -> None:
    """Raise :class:`NonFiniteResultError` if a result is not finite.

    Parameters
    ----------
    variables : dict
        Name -> ``(dims, values, attrs)`` of the Dataset being built, in the
        order the engine computes them (population first, then the scheme,
        then the funds).
    years : ndarray
        Projection years.
    n_before : int
        Leading projection years before the first scheme year: the rows of
        the `padded` variables there are NaN by design.
    padded : frozenset of str
        Variables on the scheme years (year first), NaN before them.
    scenario : Scenario, optional
        Named in the message, with its changes.
    coords : dict, optional
        Dimension -> labels, to name the cell.

    Raises
    ------
    NonFiniteResultError
        Naming the first variable (in that order) and its first year with a
        value that is infinite or NaN, the cell, and the economic and
        demographic inputs of that year that are themselves not finite or
        beyond 1e100 (what drove it, when an input overflowed).
    """
    for name, (dims, values, _attrs) in variables.items():
        arr = np.asarray(values)
        if arr.dtype.kind != "f":
            continue
        check = arr[n_before:] if name in padded else arr
        finite = np.isfinite(check)
        if finite.all():
            continue
        offset = n_before if name in padded else 0
        cell = np.unravel_index(int(np.argmin(finite.ravel())), check.shape)
        labels = coords or {}
        where = ", ".join(f"{d} {labels[d][i] if d in labels else i}" for d, i in zip(dims, cell, strict=True)
                          if d != "year")
        year = int(years[cell[0] + offset]) if dims[:1] == ("year",) else None
        value = check[cell]
        at = f" in {year}" if year is not None else ""
        drivers = []
        if year is not None:
            t = int(np.searchsorted(years, year))
            for inp in ("average_earnings", "minimum_wage", "contribution_ceiling", "gdp", "investment_return",
                        "population", "mortality_rate", "fertility_rate", "net_migration"):
                if inp in variables and inp != name:
                    v = np.asarray(variables[inp][1])
                    if v.ndim and v.shape[0] == len(years):
                        row = v[t]
                        big = row[np.isfinite(row)]
                        if not np.isfinite(row).all() or (big.size and np.abs(big).max() > 1e100):
                            drivers.append(f"{inp} ({np.abs(row).max():.3g} in {year})")
        who = f"scenario {getattr(scenario, 'name', '?')!r}: " if scenario is not None else ""
        sources = getattr(scenario, "parameter_sources", None) or {}
        changes = sorted(k for k, v in sources.items() if v.get("origin") not in ("defaults", "assumptions"))
        msg = (f"{who}the projection is not finite: {name} = {value}{at}"
               + (f" ({where})" if where else "")
               + "; nothing was written. "
               + (f"Inputs that overflowed first: {', '.join(drivers)}. " if drivers else "")
               + (f"The scenario changes {', '.join(changes)}: check their values and the horizon."
                  if changes else "Check the growth rates, returns and the horizon of the scenario."))
        raise NonFiniteResultError(msg)


def state_paid_blocks(plan: SchemePlan, pensions: np.ndarray, run_pensions) -> tuple:
    """The blocks of pensions the state pays by award date, for :func:`ssproj.finance.flows.state_paid_pensions`.

    The pensions awarded before a year ``c`` (and the survivors' pensions
    arising from them) are the pensions of the engine closed at the start of
    ``c`` with its members leaving (:func:`ssproj.scheme.closed.closed_at`);
    the pensions in payment at the valuation date count as awarded in the
    valuation year. A block awarded from ``a`` to ``b`` is then the
    difference of two such runs.

    Parameters
    ----------
    plan : SchemePlan
    pensions : ndarray, shape (..., Y, B, G)
        The pensions of the run itself. [currency/year]
    run_pensions : callable
        ``run_pensions(plan) -> ndarray (..., Y, B, G)``: the same run
        (deterministic or the same stochastic paths) of another plan.

    Returns
    -------
    (base_block, awarded_block) : ndarray or None, shape (..., Y, B, G)
        None where no share asks for it. [currency/year]
    """
    years = [int(y) for y in plan.years]
    first, last = years[0], years[-1]
    cache: dict[int, np.ndarray] = {}

    def before(c: int) -> np.ndarray:
        if c > last:
            return pensions
        if c not in cache:
            cache[c] = run_pensions(closed_at(plan, c, keep_members=False))
        return cache[c]

    base = before(first) if np.any(plan.state_paid_base > 0) else None
    awarded = None
    if np.any(plan.state_paid_awarded > 0):
        awarded = np.zeros_like(pensions)
        for g in np.nonzero(plan.state_paid_awarded > 0)[0]:
            a, b = (int(v) for v in plan.state_paid_period[g])
            awarded[..., g] = before(b + 1)[..., g] - before(max(a, first))[..., g]
    return base, awarded


def _scheme_variables(sc, plan: SchemePlan, econ: dict, out: PathOutputs, n_before: int,
                      full: SchemeOutputs | None = None, state_paid: np.ndarray | None = None) -> dict:
    """The scheme's Dataset variables from the engine's arrays (year-dimensioned ones padded with NaN).

    ``full``: the scheme kernel's outputs on the projection years (:func:`projection_year_outputs`),
    taken without a copy; otherwise the kernel's arrays are padded here.
    """
    years = plan.years
    Y = len(years)
    off_e = len(plan.ext_years) - Y
    off = plan.earnings.scheme_offset
    sc_out = out.scheme
    pop = out.population[off:]
    labour, employed, domestic = employment_from_plan(plan.labour, pop)
    if state_paid is None:
        state_paid = np.zeros((len(plan.years), len(plan.groups)))
    fin = finance(plan, out.insured_earnings, out.long_term_benefits - state_paid.sum(axis=1), out.members_mid,
                  econ["investment_return"], branch_events=out.branch_events)
    A = variables.attrs
    ygsa = ("year", "group", "sex", "age")

    def moved(v):  # (Y, B, G, ...) -> (Y, G, B, ...)
        return np.moveaxis(v, 1, 2)

    yv = {  # variables on the year dimension (padded to the projection years)
        "labour_force": (("year", "sex", "age"), labour),
        "employed": (("year", "sector", "sex", "age"), np.moveaxis(employed, 0, 1)),
        "domestic_workers": (("year", "sex", "age"), domestic),
        "coverage_target": (("year", "group", "sex"), out.target),
        "actives": (ygsa, sc_out.actives[1:]),
        "inactives": (ygsa, sc_out.inactives[1:]),
        "contributors": (ygsa, sc_out.exposure),
        "actives_by_service": (("year", "group", "service"), sc_out.service[1:]),
        "pensioners": (("year", "group", "benefit", "sex", "age"), moved(sc_out.pensioners[1:])),
        "pension_amounts": (("year", "group", "benefit", "sex", "age"), moved(sc_out.amounts[1:])),
        "entrants": (("year", "group"), sc_out.entrants),
        "member_deaths": (("year", "group"), sc_out.member_deaths),
        "invalidity_retirements": (("year", "group"), sc_out.invalidity_retirements),
        "lapses": (("year", "group"), sc_out.lapses),
        "reentries": (("year", "group"), sc_out.reentries),
        "retirements_pension": (("year", "group"), sc_out.retirements_pension),
        "retirements_lump_sum": (("year", "group"), sc_out.retirements_lump_sum),
        "new_pensions": (("year", "group", "benefit"), moved(sc_out.awards)),
        "new_pension_amount": (("year", "group", "benefit"), moved(sc_out.awards_amount)),
        "benefit_outgo_by_type": (("year", "group", "benefit"), moved(sc_out.benefit_outgo)),
        "lump_sums": (("year", "group"), sc_out.lump_sums),
        "refunds": (("year", "group"), sc_out.refunds),
        "refunds_amount": (("year", "group"), sc_out.refunds_amount),
        "state_paid_pensions": (("year", "group"), state_paid),
        "pensioner_deaths": (("year", "group"), sc_out.pensioner_deaths),
        "orphan_exits": (("year", "group"), sc_out.orphan_exits),
        "average_earnings": (ygsa, out.mean_earnings[off_e:]),
        "insured_earnings_per_member": (ygsa, out.insured_wage[off_e:]),
        "share_above_ceiling": (ygsa, out.share_above[off_e:]),
        "insured_earnings": (("year", "group"), out.insured_earnings),
        "contributions": (("year", "payer", "group"), fin["contributions"]),
        "contribution_income_by_fund": (("year", "fund"), fin["contribution_income_by_fund"]),
        "admin_cost": (("year", "fund"), fin["admin_cost"]),
        "outgo_by_fund": (("year", "fund"), fin["outgo_by_fund"]),
        "investment_return": (("year",), np.asarray(econ["investment_return"], dtype=float)),
        "indexation": (("year",), out.indexation),
        "minimum_wage": (("year",), np.asarray(econ["minimum_wage"], dtype=float)[off_e:]),
        "contribution_ceiling": (("year",), np.asarray(econ["contribution_ceiling"], dtype=float)[off_e:]),
        "gdp": (("year",), plan.gdp),
        "exchange_rate": (("year",), plan.exchange_rate),
        "pensionable_age": (("year", "group", "sex"), plan.params.pensionable_age),
    }
    if plan.branches:
        yv["branch_outgo"] = (("year", "branch"), fin["branch_outgo"])
    for k in ("reserve_start", "investment_income", "total_income", "total_outgo", "reserve_end", "state_transfer",
              "benefits_scheduled", "benefits_paid", "reserve_end_scheduled"):
        yv[f"fund_{k}"] = (("year", "fund"), fin[f"fund_{k}"])
    yv["admin_cost_rate"] = (("year",), plan.admin_cost_rate)
    yv["long_term_share"] = (("year", "group"), plan.long_term_share)
    on_years = {}
    if full is not None:  # the kernel's arrays on the projection years: no copy (stocks at 31 December)
        on_years = {"actives": full.actives[1:], "inactives": full.inactives[1:], "contributors": full.exposure,
                    "actives_by_service": full.service[1:], "pensioners": moved(full.pensioners[1:]),
                    "pension_amounts": moved(full.amounts[1:]), "entrants": full.entrants,
                    "member_deaths": full.member_deaths, "invalidity_retirements": full.invalidity_retirements,
                    "lapses": full.lapses, "reentries": full.reentries,
                    "retirements_pension": full.retirements_pension,
                    "retirements_lump_sum": full.retirements_lump_sum, "new_pensions": moved(full.awards),
                    "new_pension_amount": moved(full.awards_amount),
                    "benefit_outgo_by_type": moved(full.benefit_outgo), "lump_sums": full.lump_sums,
                    "pensioner_deaths": full.pensioner_deaths, "orphan_exits": full.orphan_exits,
                    "refunds": full.refunds, "refunds_amount": full.refunds_amount}
    V = {name: (dims, on_years[name] if name in on_years else _pad(np.asarray(v, dtype=float), n_before), A(name))
         for name, (dims, v) in yv.items()}
    vy = plan.valuation_year
    V["opening_reserve"] = (("fund",), plan.opening_reserve.copy(), {**A("opening_reserve"), "valuation_year": vy})
    V["base_actives"] = (("group", "sex", "age"), sc_out.actives[0].copy(),
                         {**A("base_actives"), "valuation_year": vy})
    V["base_inactives"] = (("group", "sex", "age"), sc_out.inactives[0].copy(),
                           {**A("base_inactives"), "valuation_year": vy})
    V["base_pensioners"] = (("group", "benefit", "sex", "age"), np.moveaxis(sc_out.pensioners[0], 0, 1).copy(),
                            {**A("base_pensioners"), "valuation_year": vy})
    if full is not None and n_before:  # the base state (start of the first scheme year) is not a year's end
        for name in _STOCKS:
            getattr(full, name)[n_before] = np.nan
    return V


def scheme_and_economy(plan: ProjectionPlan) -> tuple[SchemePlan, dict]:
    """The compiled scheme and its central economy (a strategy's: compiled with its channels' recruits)."""
    if plan.scheme is not None:
        assert plan.economy is not None
        return plan.scheme, plan.economy
    run = strategy_run(plan)
    return run.plan, run.economy


def closed_runs(plan: ProjectionPlan, parts=CLOSED_GROUPS) -> dict:
    """One engine run for each closed-group variant (:func:`ssproj.scheme.closed.closed_plan`).

    Returns
    -------
    dict
        part -> ``(SchemePlan, PathOutputs)``.
    """
    sp, econ = scheme_and_economy(plan)
    out = {}
    for part in parts:
        closed = closed_plan(sp, part)
        out[part] = (closed, run_scheme(closed, plan.demography, econ))
    return out


def closed_at_runs(plan: ProjectionPlan, year: int) -> dict:
    """Engine runs closed at the start of `year` (:func:`ssproj.scheme.closed.closed_at`): ``"all"`` (members
    kept as inactive) and ``"pensioners"`` (members leave) -> ``(SchemePlan, PathOutputs)``."""
    sp, econ = scheme_and_economy(plan)
    out = {}
    for part, keep in (("all", True), ("pensioners", False)):
        closed = closed_at(sp, year, keep_members=keep)
        out[part] = (closed, run_scheme(closed, plan.demography, econ))
    return out
