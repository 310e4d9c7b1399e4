"""Stochastic projections: many paths of the full engine with correlated shocks.

A scenario's deterministic assumptions are the *central* path. Each
stochastic path perturbs them from ``start_year`` (default: the first
scheme year, ``valuation_year + 1``) on:

* **Economy** -- a VAR(1) (:class:`ssproj.uncertainty.shocks.VARModel`) on the
  deviations of ``investment_return``, ``wage_growth`` and
  ``price_inflation`` from their central values, with correlated
  innovations (Cholesky). Parameters indexed on a shocked series after
  their last given year (average wage, minimum wage, a ceiling that
  follows wages...) follow the shocked series; pensions are indexed with
  the shocked prices and wages.
* **Mortality** -- a Lee-Carter model (:class:`ssproj.demography.leecarter.LeeCarterSet`)
  fitted to the scenario's past death rates, by sex, with correlated
  random-walk innovations and, optionally, uncertainty in the drift:
  ``m_path(x, t) = m_central(x, t) exp(b(x) D(t))`` where ``D`` is the
  path's deviation of the mortality index from its central trend.
* **Fertility** -- an AR(1) on the log of the fertility level:
  ``f_path(x, t) = f_central(x, t) exp(z(t))``.

With these forms the central scenario is the *median* path of each
shocked variable. Every path has its own random stream,
``numpy.random.SeedSequence(seed, spawn_key=(path,))``, so path ``i`` is
the same whatever the number of paths, the chunking or the backend
(in-process threads or Dask workers).

Paths run in parallel in one Numba kernel
(:func:`ssproj.kernels.paths.run_paths_kernel`); large runs are split
into chunks written one by one to Zarr or netCDF
(:func:`ssproj.uncertainty.distributed.run_chunks`), in-process or on Dask.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ssproj._version import __version__
from ssproj.errors import MISSING, Problem, did_you_mean
from ssproj.scenario.yamlio import Where

__all__ = ["DEFAULT_STOCHASTIC", "MortalityModel", "StochasticModel", "StochasticResult", "load_stochastic_result",
           "parse_stochastic", "prepare_paths", "simulate_paths", "stochastic"]

#: The stochastic model used when a scenario has no ``stochastic:`` block
#: (a generic, illustrative calibration; see docs/uncertainty.md).
DEFAULT_STOCHASTIC: dict = {
    "economy": {
        "variables": {
            "investment_return": {"phi": 0.5, "sd": 0.02},
            "wage_growth": {"phi": 0.6, "sd": 0.015},
            "price_inflation": {"phi": 0.7, "sd": 0.015},
        },
        "correlation": {
            "price_inflation,wage_growth": 0.6,
            "investment_return,price_inflation": 0.3,
            "investment_return,wage_growth": 0.2,
        },
    },
    "mortality": {"model": "lee_carter", "fit_from": 1990, "drift_uncertainty": True, "sigma_scale": 1.0},
    "fertility": {"phi": 0.9, "sd": 0.03},
}

#: Series the economic model may shock (scenario parameters). [1/year]
SHOCKABLE = ("investment_return", "wage_growth", "price_inflation")
_TOP_KEYS = ("description", "start_year", "economy", "mortality", "fertility")
_MORTALITY_KEYS = ("model", "fit_from", "fit_to", "drift_uncertainty", "sigma_scale")
_FERTILITY_KEYS = ("phi", "sd")


def _label_where() -> Where:
    return Where(lambda _p: ("<stochastic>", None), ("stochastic",))


@dataclass(frozen=True)
class MortalityModel:
    """Lee-Carter mortality uncertainty.

    Attributes
    ----------
    fit_from, fit_to : int or None
        Past period centres used in the fit (``fit_to`` default: the
        scenario's first projection year). [calendar year]
    drift_uncertainty : bool
        Draw each path's drift from its estimation error.
    sigma_scale : float
        Factor on the fitted innovation and drift standard deviations
        (past rates from the UN are smoothed, so fitted volatility is a
        lower bound). [1]
    """

    fit_from: int | None = 1990
    fit_to: int | None = None
    drift_uncertainty: bool = True
    sigma_scale: float = 1.0

    def to_dict(self) -> dict:
        return {"model": "lee_carter", "fit_from": self.fit_from, "fit_to": self.fit_to,
                "drift_uncertainty": self.drift_uncertainty, "sigma_scale": self.sigma_scale}


@dataclass(frozen=True)
class StochasticModel:
    """Sources of uncertainty of a stochastic projection (see the module docs).

    Attributes
    ----------
    economy : ssproj.uncertainty.shocks.VARModel or None
        VAR(1) on deviations of the shocked series from the scenario; None = no economic shocks.
    mortality : MortalityModel or None
    fertility : ssproj.uncertainty.shocks.VARModel or None
        AR(1) on the log fertility level (one variable ``log_fertility``).
    start_year : int or None
        First shocked year (default: the first scheme year). [calendar year]
    description : str
    origin : str
        ``"scenario"`` or ``"defaults"`` (:data:`DEFAULT_STOCHASTIC`).
    """

    economy: Any = None
    mortality: MortalityModel | None = None
    fertility: Any = None
    start_year: int | None = None
    description: str = ""
    origin: str = "scenario"
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict:
        """The YAML form (as validated), for provenance."""
        return json.loads(json.dumps(self.raw, default=str))


def _unknown_keys(raw: Mapping, at: Where, allowed, what: str) -> list[Problem]:
    return [(at / key).problem(MISSING, f"unknown key in {what}", did_you_mean(key, allowed))
            for key in raw if key not in allowed]


def parse_stochastic(raw: Any, where: Where | None = None, *, origin: str = "scenario"
                     ) -> tuple[StochasticModel | None, list[Problem]]:
    """Validate the ``stochastic:`` block of a scenario, collecting every problem.

    Parameters
    ----------
    raw : mapping
        ``{description, start_year, economy, mortality, fertility}``; each of
        the last three may be omitted (the default of
        :data:`DEFAULT_STOCHASTIC` is used) or ``false`` (that source of
        uncertainty is switched off). ``economy`` follows
        :meth:`ssproj.uncertainty.shocks.VARModel.from_mapping`; ``mortality`` is
        ``{model: lee_carter, fit_from, fit_to, drift_uncertainty,
        sigma_scale}``; ``fertility`` is ``{phi, sd}``.
    where : Where, optional
        Position of `raw` (file, line and key path in problems).

    Returns
    -------
    (StochasticModel or None, list of Problem)
    """
    from ssproj.uncertainty.shocks import VARModel

    where = where if where is not None else _label_where()
    problems: list[Problem] = []
    if not isinstance(raw, Mapping):
        return None, [where.problem(raw, "must be a mapping {start_year, economy, mortality, fertility}")]
    problems += _unknown_keys(raw, where, _TOP_KEYS, "a stochastic model")
    start = raw.get("start_year")
    if start is not None and (isinstance(start, bool) or not isinstance(start, int) or not 1800 <= start <= 2500):
        problems.append((where / "start_year").problem(start, "must be a calendar year (an integer)"))
    description = raw.get("description", "") or ""
    if not isinstance(description, str):
        problems.append((where / "description").problem(description, "must be a string"))

    def part(key):
        value = raw.get(key, DEFAULT_STOCHASTIC[key])
        return None if value is False or value is None else value

    economy = None
    econ_raw = part("economy")
    if econ_raw is not None:
        variables = econ_raw.get("variables") if isinstance(econ_raw, Mapping) else None
        for name in (variables if isinstance(variables, Mapping) else ()):
            if name not in SHOCKABLE:
                problems.append((where / "economy" / "variables" / name).problem(
                    MISSING, f"cannot be shocked; expected one of {', '.join(SHOCKABLE)}",
                    did_you_mean(name, SHOCKABLE)))
        try:
            economy = VARModel.from_mapping(econ_raw, where="")
        except ValueError as exc:
            # one problem per line ".key.path: message", placed at its key path
            for line in str(exc).splitlines()[1:]:
                line = line.strip()
                key, _, message = line.partition(": ")
                at = where / "economy"
                for piece in key.strip(".").split(".") if key.strip(".") else ():
                    at = at / piece
                problems.append(at.problem(MISSING, message or line))

    mortality = None
    mort_raw = part("mortality")
    if mort_raw is not None:
        at = where / "mortality"
        if not isinstance(mort_raw, Mapping):
            problems.append(at.problem(mort_raw, "must be a mapping {model: lee_carter, fit_from, ...} or false"))
        else:
            problems += _unknown_keys(mort_raw, at, _MORTALITY_KEYS, "a mortality model")
            if mort_raw.get("model", "lee_carter") != "lee_carter":
                problems.append((at / "model").problem(mort_raw.get("model"), "must be lee_carter"))
            kw = {}
            for key in ("fit_from", "fit_to"):
                v = mort_raw.get(key, DEFAULT_STOCHASTIC["mortality"].get(key))
                if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 1800 <= v <= 2500):
                    problems.append((at / key).problem(v, "must be a calendar year (an integer)"))
                kw[key] = v
            du = mort_raw.get("drift_uncertainty", True)
            if not isinstance(du, bool):
                problems.append((at / "drift_uncertainty").problem(du, "must be true or false"))
            scale = mort_raw.get("sigma_scale", 1.0)
            if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 <= scale <= 100:
                problems.append((at / "sigma_scale").problem(scale, "must be a number between 0 and 100"))
            if kw.get("fit_from") and kw.get("fit_to") and kw["fit_from"] >= kw["fit_to"]:
                problems.append((at / "fit_to").problem(kw["fit_to"], f"must be after fit_from ({kw['fit_from']})"))
            if not problems:
                mortality = MortalityModel(kw["fit_from"], kw["fit_to"], du, float(scale))

    fertility = None
    fert_raw = part("fertility")
    if fert_raw is not None:
        at = where / "fertility"
        if not isinstance(fert_raw, Mapping):
            problems.append(at.problem(fert_raw, "must be a mapping {phi, sd} or false"))
        else:
            problems += _unknown_keys(fert_raw, at, _FERTILITY_KEYS, "a fertility model")
            phi, sd = fert_raw.get("phi", MISSING), fert_raw.get("sd", MISSING)
            for key, v, lo, hi, what in (("phi", phi, -0.999999, 0.999999, "an autocorrelation in (-1, 1)"),
                                         ("sd", sd, 0.0, 1.0, "a standard deviation of the log level in [0, 1]")):
                if v is MISSING:
                    problems.append(at.problem(MISSING, f"required key '{key}' is missing ({what})"))
                elif isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                    problems.append((at / key).problem(v, f"must be {what}"))
            if not problems:
                fertility = VARModel.ar1(("log_fertility",), [float(phi)], [float(sd)], np.eye(1))
    if problems:
        return None, problems
    plain = {"start_year": start, "economy": econ_raw if econ_raw is not None else False,
             "mortality": mortality.to_dict() if mortality else False,
             "fertility": dict(fert_raw) if fert_raw is not None else False}
    if description:
        plain["description"] = " ".join(description.split())
    return StochasticModel(economy, mortality, fertility, start, " ".join(description.split()), origin,
                           raw=plain), []


def default_model() -> StochasticModel:
    """:data:`DEFAULT_STOCHASTIC` as a :class:`StochasticModel`."""
    model, problems = parse_stochastic(DEFAULT_STOCHASTIC, origin="defaults")
    assert not problems, problems
    return model


def _model_of(scenario, model) -> StochasticModel:
    if model is None:
        model = getattr(scenario, "stochastic", None)
    if model is None:
        return default_model()
    if isinstance(model, StochasticModel):
        return model
    parsed, problems = parse_stochastic(model)
    if problems:
        from ssproj.errors import ScenarioError

        raise ScenarioError(problems)
    return parsed


# --------------------------------------------------------------------------- engine
class PathPlan:
    """Everything a path needs that is the same for all paths (built once).

    Attributes
    ----------
    scenario : Scenario
        The scenario (for a strategy: its view with the channel groups).
    model : StochasticModel
    years : ndarray of int
        Scheme years. [calendar year]
    projection_years : ndarray of int
    shock_start : int
        Index in ``projection_years`` of the first shocked year.
    lee_carter : LeeCarterSet or None
        The fitted mortality model.
    scheme : ssproj.scheme.plan.SchemePlan
    central : dict of ndarray
        Central economic series on the scheme years. [1/year]
    """

    def __init__(self, **fields):
        self.__dict__.update(fields)

    @property
    def n_shocked(self) -> int:
        """Number of shocked projection years."""
        return len(self.projection_years) - self.shock_start


def _fit_lee_carter(sc, model: MortalityModel):
    from ssproj.demography.cohort import _graduated_mortality, _period_centres
    from ssproj.demography.leecarter import LeeCarterSet

    table = sc.tables["mortality"]
    centres = np.unique(_period_centres(table).to_numpy())
    hi = model.fit_to if model.fit_to is not None else sc.start_year
    lo = model.fit_from if model.fit_from is not None else -np.inf
    use = centres[(centres >= lo) & (centres <= hi)]
    if len(use) < 3:
        raise ValueError(f"stochastic.mortality: the mortality table has {len(use)} period(s) centred in "
                         f"{lo}..{hi}; the Lee-Carter fit needs at least 3 (change fit_from / fit_to)")
    got, schedules = _graduated_mortality(table, use)
    pick = np.isin(got, use)
    return LeeCarterSet.fit(schedules[pick], got[pick])


def prepare_paths(scenario, model=None) -> PathPlan:
    """Prepare a scenario for stochastic paths (once per run).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario with insured groups.
    model : StochasticModel or mapping, optional
        Default: the scenario's ``stochastic:`` block, else :data:`DEFAULT_STOCHASTIC`.

    Returns
    -------
    PathPlan
    """
    from ssproj.demography.cohort import scenario_demographic_inputs
    from ssproj.projection import project
    from ssproj.scheme.plan import economy, scheme_plan

    sc = scenario
    if not getattr(sc, "groups", ()):
        raise ValueError(f"scenario {sc.name!r} has no insured groups: a stochastic projection needs a scheme")
    model = _model_of(sc, model)
    years = np.asarray(sc.years, dtype=np.int64)
    inputs = scenario_demographic_inputs(sc)
    _, _, srb_i, mig_i = inputs.interval_inputs()
    view, recruits, extra = sc, None, None
    if getattr(sc, "strategy", None) is not None:
        from ssproj.scheme.strategies import strategy_inputs

        central = project(sc)
        view, recruits, extra = strategy_inputs(sc, central.dataset)
    plan = scheme_plan(view, recruits, extra)
    first = int(model.start_year) if model.start_year is not None else int(plan.years[0])
    if not years[0] < first <= years[-1]:
        raise ValueError(f"stochastic.start_year {first} must be after the first projection year {years[0]} "
                         f"and at most {years[-1]}")
    lc = _fit_lee_carter(sc, model.mortality) if model.mortality is not None else None
    central_econ = economy(view, plan)
    return PathPlan(
        scenario=view, base_scenario=sc, model=model, years=plan.years, projection_years=years,
        shock_start=int(first - years[0]), scheme_offset=int(plan.years[0] - years[0]),
        pop0=np.ascontiguousarray(inputs.population0, dtype=np.float64), mx=inputs.mx, asfr=inputs.asfr,
        srb_i=np.ascontiguousarray(srb_i), mig_i=np.ascontiguousarray(mig_i), lee_carter=lc,
        lc_b=(np.ascontiguousarray(lc.b, dtype=np.float64) if lc is not None else np.zeros((2, inputs.mx.shape[2]))),
        scheme=plan, central={k: central_econ[k] for k in SHOCKABLE},
    )


def _draw(plan: PathPlan, seed: int, path: int):
    """Shocks of one path: economy (n_econ_years, V), mortality (n, S), fertility (n,)."""
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(path),)))
    n = plan.n_shocked
    model = plan.model
    econ_years = int(np.count_nonzero(plan.years >= plan.projection_years[plan.shock_start]))
    econ = (model.economy.simulate(rng, 1, econ_years)[0] if model.economy is not None
            else np.zeros((econ_years, 0)))
    if plan.lee_carter is not None:
        m = model.mortality
        mort = plan.lee_carter.simulate_deviations(rng, 1, n, drift_uncertainty=m.drift_uncertainty,
                                                   sigma_scale=m.sigma_scale)[0]
    else:
        mort = np.zeros((n, 2))
    fert = model.fertility.simulate(rng, 1, n)[0, :, 0] if model.fertility is not None else np.zeros(n)
    return econ, mort, fert


#: Variables of a stochastic result on (path, year), with units.
PATH_VARIABLES = {
    "reserve_end": "currency at 31 December",
    "total_income": "currency/year",
    "total_outgo": "currency/year",
    "contribution_income": "currency/year",
    "investment_income": "currency/year",
    "benefit_outgo": "currency/year",
    "insured_earnings": "currency/year",
    "payg_cost_rate": "share of insured earnings",
    "reserve_ratio": "years of outgo",
    "average_contribution_rate": "share of insured earnings",
    "contributors": "persons (contributor-years)",
    "pensioners": "persons at 31 December",
    "insured": "persons at 31 December",
    "total_population": "persons at 1 July",
    "old_age_dependency_ratio": "persons 65+ per person 15-64",
    "investment_return": "1/year",
    "wage_growth": "1/year",
    "price_inflation": "1/year",
    "fertility_multiplier": "1",
}


def simulate_paths(plan: PathPlan, seed: int, start: int, stop: int) -> xr.Dataset:
    """Run paths ``start .. stop-1`` and return them as a Dataset.

    Parameters
    ----------
    plan : PathPlan
        From :func:`prepare_paths`.
    seed : int
        Run seed; path ``i`` uses ``SeedSequence(seed, spawn_key=(i,))``.
    start, stop : int
        Path numbers.

    Returns
    -------
    xarray.Dataset
        Dimensions ``path``, ``year`` (scheme years), ``fund``, ``sex``;
        variables of :data:`PATH_VARIABLES` on (path, year),
        ``fund_reserve_end`` (path, year, fund), ``life_expectancy_at_birth``
        (path, year, sex), units in ``attrs``.
    """
    from ssproj.kernels.paths import YEAR_OUTPUTS, run_paths_kernel
    from ssproj.scheme.plan import economy, finance, floor_ceiling

    sp = plan.scheme
    K = int(stop) - int(start)
    Y, G = len(sp.years), len(sp.groups)
    n = plan.n_shocked
    shocked_scheme = sp.years >= plan.projection_years[plan.shock_start]
    lc_dev = np.zeros((K, n, 2))
    fert_dev = np.zeros((K, n))
    series = {k: np.broadcast_to(v, (K, Y)).copy() for k, v in plan.central.items()}
    names = plan.model.economy.names if plan.model.economy is not None else ()
    TE = len(sp.ext_years)
    aw = np.empty((K, TE))
    mw = np.empty((K, TE))
    ceil = np.empty((K, TE))
    for j in range(K):
        econ, mort, fert = _draw(plan, seed, start + j)
        lc_dev[j] = mort
        fert_dev[j] = fert
        for v, name in enumerate(names):
            series[name][j, shocked_scheme] += econ[:, v]
        e = economy(plan.scenario, sp, {k: series[k][j] for k in names} or None)
        aw[j], mw[j], ceil[j] = e["average_wage"], e["minimum_wage"], e["contribution_ceiling"]
    floor, ceiling = floor_ceiling(sp, mw, ceil)
    off = TE - Y
    min_pension = sp.min_pension_ratio * mw[:, off:, None] * 12.0
    max_pension = sp.max_pension_ratio * ceil[:, off:, None] * 12.0
    w = sp.price_weight
    indexation = w * series["price_inflation"] + (1.0 - w) * series["wage_growth"] + sp.indexation_extra

    A0, I0, P0, M0, R0 = sp.state0
    ie = np.zeros((K, Y, G))
    year_out = np.zeros((K, len(YEAR_OUTPUTS), Y))
    e0 = np.zeros((K, Y, 2))
    c = np.ascontiguousarray
    run_paths_kernel(
        plan.pop0, c(plan.mx), c(plan.asfr), plan.srb_i, plan.mig_i, c(plan.lc_b), plan.shock_start,
        plan.scheme_offset, lc_dev, fert_dev,
        c(sp.target_weight), c(sp.earnings_level), c(sp.earnings_scale), c(sp.earnings_sigma),
        c(sp.ref_periods.astype(np.int64)),
        c(A0), c(I0), c(P0), c(M0), c(R0),
        *sp.static_args(),
        c(aw), c(floor), c(ceiling), c(min_pension), c(max_pension), c(indexation),
        ie, year_out, e0,
    )
    out = dict(zip(YEAR_OUTPUTS, np.moveaxis(year_out, 1, 0)))
    fin = finance(sp, ie, out["long_term_benefits"], out["members_mid"], series["investment_return"])
    reserve = fin["fund_reserve_end"].sum(axis=-1)
    outgo = fin["fund_total_outgo"].sum(axis=-1)
    earnings = ie.sum(axis=-1)
    contrib = fin["contribution_income_by_fund"].sum(axis=-1)
    fm = np.ones((K, Y))
    fm[:, shocked_scheme] = np.exp(fert_dev[:, n - int(shocked_scheme.sum()):])
    with np.errstate(divide="ignore", invalid="ignore"):
        values = {
            "reserve_end": reserve,
            "total_income": fin["fund_total_income"].sum(axis=-1),
            "total_outgo": outgo,
            "contribution_income": contrib,
            "investment_income": fin["fund_investment_income"].sum(axis=-1),
            "benefit_outgo": out["long_term_benefits"],
            "insured_earnings": earnings,
            "payg_cost_rate": outgo / earnings,
            "reserve_ratio": reserve / outgo,
            "average_contribution_rate": contrib / earnings,
            "contributors": out["contributors"],
            "pensioners": out["pensioners"],
            "insured": out["insured"],
            "total_population": out["total_population"],
            "old_age_dependency_ratio": out["population_65_plus"] / out["population_15_64"],
            "investment_return": series["investment_return"],
            "wage_growth": series["wage_growth"],
            "price_inflation": series["price_inflation"],
            "fertility_multiplier": fm,
        }
    data = {k: (("path", "year"), v, {"units": PATH_VARIABLES[k]}) for k, v in values.items()}
    data["fund_reserve_end"] = (("path", "year", "fund"), fin["fund_reserve_end"],
                                {"units": "currency at 31 December", "long_name": "Reserve of each fund"})
    data["life_expectancy_at_birth"] = (("path", "year", "sex"), e0, {"units": "years"})
    return xr.Dataset(data, coords={"path": np.arange(start, stop, dtype=np.int64), "year": sp.years,
                                    "fund": sp.funds, "sex": ["male", "female"]})


# --------------------------------------------------------------------------- running
@dataclass(frozen=True)
class _Job:
    """What a chunk task needs (pickled to Dask workers)."""

    plan: PathPlan
    seed: int
    threads: int | None = None


def _chunk_task(chunk) -> xr.Dataset:
    job = chunk.payload
    if job.threads:
        import numba

        numba.set_num_threads(min(int(job.threads), numba.config.NUMBA_NUM_THREADS))
    return simulate_paths(job.plan, job.seed, chunk.start, chunk.stop)


def _provenance(plan: PathPlan, n_paths: int, seed: int) -> dict:
    sc = plan.base_scenario
    prov = dict(getattr(sc, "provenance", {}) or {})
    prov = json.loads(json.dumps(prov, default=str))
    prov.update({"ssproj_version": __version__, "seed": int(seed), "n_paths": int(n_paths),
                 "stochastic_model": plan.model.to_dict(), "stochastic_model_origin": plan.model.origin,
                 "path_streams": "numpy.random.SeedSequence(seed, spawn_key=(path,)), PCG64"})
    if plan.lee_carter is not None:
        lc = plan.lee_carter
        prov["lee_carter"] = {"times": [float(t) for t in lc.times], "drift": [float(d) for d in lc.drift],
                              "sigma": [float(s) for s in lc.sigma], "drift_se": [float(s) for s in lc.drift_se],
                              "corr": np.asarray(lc.corr).tolist()}
    return prov


def stochastic(scenario, n_paths: int = 1000, seed: int | None = None, *, model=None, out=None,
               chunk_size: int = 250, workers: int | None = None, scheduler: str | None = None,
               progress: bool = False, threads: int | None = None) -> "StochasticResult":
    """Run a stochastic projection.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario with insured groups (central assumptions).
    n_paths : int
        Number of paths.
    seed : int, optional
        Default: the scenario's ``seed``. Same seed, same numbers, bit for
        bit, whatever the backend and the chunk size.
    model : StochasticModel or mapping, optional
        Default: the scenario's ``stochastic:`` block, else :data:`DEFAULT_STOCHASTIC`.
    out : path, optional
        Write the paths chunk by chunk to this ``.zarr`` directory or ``.nc``
        file (bounded memory); the result then reads them lazily. Without
        `out` all paths are kept in memory.
    chunk_size : int
        Paths per chunk (one task). Does not change the numbers.
    workers : int, optional
        Run on a local Dask cluster with this many worker processes.
    scheduler : str, optional
        Address of a running ``dask.distributed`` scheduler.
    progress : bool
        Show a progress bar (stderr).
    threads : int, optional
        Numba threads per task (default: all cores in-process, 1 on Dask).

    Returns
    -------
    StochasticResult
    """
    if isinstance(n_paths, bool) or not isinstance(n_paths, (int, np.integer)) or n_paths < 1:
        raise ValueError(f"n_paths must be a positive integer, got {n_paths!r}")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    seed = int(scenario.seed if seed is None else seed)
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    plan = prepare_paths(scenario, model)
    distributed = workers is not None or scheduler is not None
    if threads is None and distributed:
        threads = 1
    job = _Job(plan, seed, threads)
    size = int(min(chunk_size, n_paths))
    bounds = [(a, min(a + size, int(n_paths))) for a in range(0, int(n_paths), size)]
    prov = _provenance(plan, n_paths, seed)
    attrs = {"title": f"ssproj stochastic projection: {scenario.name}", "scenario_name": str(scenario.name),
             "ssproj_version": __version__, "seed": seed, "n_paths": int(n_paths),
             "currency": str(getattr(scenario.assumptions, "currency", "") or ""),
             "provenance": json.dumps(prov, sort_keys=True, default=str)}
    from ssproj.uncertainty.distributed import Chunk, collect_chunks

    ds, path = collect_chunks(_chunk_task, [Chunk(a, b, job) for a, b in bounds], out, dim="path",
                              workers=workers, scheduler=scheduler, progress=progress, attrs=attrs)
    return StochasticResult(ds, plan, path=path)


# --------------------------------------------------------------------------- results
DEFAULT_PERCENTILES = (5, 10, 25, 50, 75, 90, 95)


class StochasticResult:
    """Paths of a stochastic projection and their statistics.

    Attributes
    ----------
    dataset : xarray.Dataset
        Dimensions ``path``, ``year``, ``fund``, ``sex`` (see
        :func:`simulate_paths`); lazily read from disk when written with
        ``out=``. Provenance (scenario, sources, model, seed, ssproj
        version) in ``attrs``.
    """

    def __init__(self, dataset: xr.Dataset, plan: PathPlan | None = None, path=None):
        self.dataset = dataset
        self.plan = plan
        self.path = Path(path) if path is not None else None

    def __repr__(self):
        ds = self.dataset
        y = ds["year"].values
        return (f"<ssproj.StochasticResult {ds.attrs.get('scenario_name', '?')!r} {ds.sizes['path']} paths, "
                f"{y[0]}-{y[-1]}, seed {ds.attrs.get('seed')}>")

    @property
    def n_paths(self) -> int:
        return int(self.dataset.sizes["path"])

    @property
    def provenance(self) -> dict:
        return json.loads(self.dataset.attrs["provenance"])

    def percentiles(self, variable: str = "reserve_ratio", q=DEFAULT_PERCENTILES) -> pd.DataFrame:
        """Percentiles across paths, by year.

        Parameters
        ----------
        variable : str
            A variable on (path, year) (see :data:`PATH_VARIABLES`).
        q : sequence of float
            Percentiles in [0, 100].

        Returns
        -------
        pandas.DataFrame
            Index ``year``, one column per percentile (``p5``, ``p50``, ...),
            in the variable's unit (``attrs['units']``). Linear
            interpolation between order statistics (NumPy's default);
            NaN values (e.g. a reserve ratio with zero outgo) are ignored.
        """
        da = self._var(variable)
        values = np.asarray(da.transpose("path", "year").values, dtype=float)
        qs = np.nanpercentile(values, list(q), axis=0)
        df = pd.DataFrame(qs.T, index=pd.Index(self.dataset["year"].values, name="year"),
                          columns=[f"p{_fmt(p)}" for p in q])
        df.attrs["units"] = da.attrs.get("units", "")
        return df

    def _var(self, variable):
        if variable not in self.dataset or self.dataset[variable].dims != ("path", "year"):
            names = [k for k, v in self.dataset.data_vars.items() if v.dims == ("path", "year")]
            raise KeyError(f"{variable!r} is not a variable on (path, year); expected one of {', '.join(names)}")
        return self.dataset[variable]

    def depletion_year(self) -> pd.Series:
        """First year each path's combined reserve at 31 December is <= 0 (NaN if never). [calendar year]"""
        reserve = np.asarray(self.dataset["reserve_end"].transpose("path", "year").values)
        years = self.dataset["year"].values
        hit = reserve <= 0
        first = np.where(hit.any(axis=1), years[np.argmax(hit, axis=1)], np.nan)
        return pd.Series(first, index=pd.Index(self.dataset["path"].values, name="path"), name="depletion_year")

    def depletion_probability(self) -> pd.Series:
        """Probability that the reserve has been exhausted by each year (share of paths). [1]"""
        dep = self.depletion_year().to_numpy()
        years = self.dataset["year"].values
        prob = (dep[None, :] <= years[:, None]).mean(axis=1)
        return pd.Series(prob, index=pd.Index(years, name="year"), name="probability_of_depletion")

    def summary(self, milestones=(2030, 2040, 2050, 2075, 2100), variables=("reserve_ratio", "payg_cost_rate"),
                q=(5, 50, 95)) -> pd.DataFrame:
        """Percentiles of key variables at milestone years and the probability of depletion by then.

        Returns
        -------
        pandas.DataFrame
            Index ``year`` (the milestones projected); columns
            ``<variable>_p<q>`` and ``probability_of_depletion``.
        """
        years = [y for y in milestones if y in set(self.dataset["year"].values.tolist())]
        cols = {}
        for v in variables:
            pct = self.percentiles(v, q).loc[years]
            for col in pct.columns:
                cols[f"{v}_{col}"] = pct[col]
        cols["probability_of_depletion"] = self.depletion_probability().loc[years]
        return pd.DataFrame(cols)

    def fan_chart(self, variable: str = "reserve_ratio", ax=None, q=(5, 10, 25, 50, 75, 90, 95), central=None,
                  title=None):
        """Fan chart of a variable: bands between symmetric percentiles and the median.

        Parameters
        ----------
        variable : str
        ax : matplotlib Axes, optional
        q : sequence of float
            Symmetric percentiles with 50 in the middle.
        central : pandas.Series, optional
            A deterministic path to draw over the fan (e.g. from
            :meth:`ssproj.Projection.summary`).

        Returns
        -------
        matplotlib.axes.Axes
        """
        from ssproj.reporting.plots import fan_chart

        pct = self.percentiles(variable, q)
        return fan_chart(pct, ax=ax, central=central, title=title or _TITLES.get(variable, variable),
                         ylabel=pct.attrs.get("units", ""))

    def depletion_chart(self, ax=None):
        """Probability of depletion by year (line chart). Returns the Axes."""
        from ssproj.reporting.plots import probability_chart

        return probability_chart(self.depletion_probability(), ax=ax)

    def tables(self) -> dict:
        """Tables for files: percentiles of the main variables, depletion probability, summary."""
        out = {"summary": self.summary()}
        for v in ("reserve_end", "reserve_ratio", "payg_cost_rate", "contributors", "pensioners"):
            out[f"percentiles_{v}"] = self.percentiles(v)
        out["depletion_probability"] = self.depletion_probability().to_frame()
        return out

    def write(self, out_dir) -> dict:
        """Write CSV tables, charts and provenance into `out_dir` (atomically, file by file).

        Returns
        -------
        dict
            File kind -> path.
        """
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from ssproj.io.atomic import atomic_path, write_text_atomic

        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        written = {}
        for name, df in self.tables().items():
            p = out_dir / f"{name}.csv"
            with atomic_path(p) as tmp:
                df.to_csv(tmp, float_format="%.10g")
            written[name] = p
        fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
        self.fan_chart("reserve_ratio", ax=axes[0])
        self.fan_chart("payg_cost_rate", ax=axes[1])
        self.depletion_chart(ax=axes[2])
        fig.tight_layout()
        p = out_dir / "fan_charts.png"
        with atomic_path(p) as tmp:
            fig.savefig(tmp, dpi=110, format="png")
        plt.close(fig)
        written["fan_charts"] = p
        p = out_dir / "provenance.json"
        write_text_atomic(p, json.dumps(self.provenance, indent=2, sort_keys=True, default=str) + "\n")
        written["provenance"] = p
        return written


_TITLES = {"reserve_ratio": "Reserve ratio (years of outgo)", "payg_cost_rate": "PAYG cost rate",
           "reserve_end": "Reserve at 31 December"}


def _fmt(p) -> str:
    return str(int(p)) if float(p).is_integer() else str(p).replace(".", "_")


def load_stochastic_result(path) -> StochasticResult:
    """Open paths written by :func:`stochastic` (``out=``) or ``ssproj stochastic``."""
    from ssproj.uncertainty.distributed import open_result

    return StochasticResult(open_result(path), path=path)
