"""Stochastic projections: many paths of the full engine with correlated shocks.

A scenario's deterministic assumptions are the *central* path. Each
stochastic path perturbs them from ``start_year`` (default: the first
scheme year, ``valuation_year + 1``) on:

* **Economy** -- a VAR(1) (:class:`ssproj.scenario.shocks.VARModel`) on the
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
(:func:`ssproj.kernels.engine.run_paths`); large runs are split
into chunks written one by one to Zarr or netCDF
(:func:`ssproj.uncertainty.distributed.run_chunks`), in-process or on Dask.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pandas as pd
import xarray as xr

from ssproj import variables as _variables
from ssproj._version import __version__
from ssproj.demography.cohort import DemographicInputs, graduated_mortality, period_centres
from ssproj.demography.leecarter import LeeCarterSet
from ssproj.errors import ScenarioError
from ssproj.finance.flows import finance, state_paid_pensions
from ssproj.finance.indicators import depletion_years
from ssproj.finance.summary import fund_figures, key_ratios
from ssproj.io.atomic import atomic_path, write_text_atomic
from ssproj.io.outdir import inputs_sha256, result_folder
from ssproj.kernels.engine import Shocks
from ssproj.plan import NonFiniteResultError, compile_scenario, state_paid_blocks, strategy_run
from ssproj.reporting.plots import fan_chart, probability_chart
from ssproj.scenario.checks import MAX_SEED
from ssproj.scenario.stochastic_spec import (
    DEFAULT_STOCHASTIC,
    SHOCKABLE,
    MortalityModel,
    StochasticModel,
    default_model,
    parse_stochastic,
)
from ssproj.scheme.engine import economy_paths, run_scheme_paths
from ssproj.scheme.plan import SchemePlan, economy
from ssproj.uncertainty.distributed import Chunk, collect_chunks, open_result

__all__ = ["DEFAULT_STOCHASTIC", "MortalityModel", "StochasticModel", "StochasticResult", "load_stochastic_result",
           "parse_stochastic", "prepare_paths", "simulate_paths", "stochastic"]


def _model_of(scenario, model) -> StochasticModel:
    if model is None:
        model = getattr(scenario, "stochastic", None)
    if model is None:
        return default_model()
    if isinstance(model, StochasticModel):
        return model
    parsed, problems = parse_stochastic(model)
    if problems or parsed is None:
        raise ScenarioError(problems)
    return parsed


# --------------------------------------------------------------------------- engine
@dataclass(frozen=True)
class PathPlan:
    """Everything the paths of a run share (built once by :func:`prepare_paths`).

    Attributes
    ----------
    scenario : Scenario
        The scenario (for a strategy: its view with the channel groups).
    base_scenario : Scenario
        The scenario as given.
    model : StochasticModel
    years : ndarray of int
        Scheme years. [calendar year]
    projection_years : ndarray of int
        [calendar year]
    shock_start : int
        Index in ``projection_years`` of the first shocked year.
    demography : ssproj.demography.cohort.DemographicInputs
        The scenario's central demographic inputs.
    lee_carter : LeeCarterSet or None
        The fitted mortality model.
    lc_b : ndarray, shape (2, 101)
        Its age response b(x) (zeros without mortality shocks). [1]
    scheme : ssproj.scheme.plan.SchemePlan
    central : dict of ndarray
        Central series of the shockable economic variables on the scheme years. [1/year]
    """

    scenario: Any
    base_scenario: Any
    model: StochasticModel
    years: np.ndarray
    projection_years: np.ndarray
    shock_start: int
    demography: DemographicInputs
    lee_carter: LeeCarterSet | None
    lc_b: np.ndarray
    scheme: SchemePlan
    central: dict

    @property
    def n_shocked(self) -> int:
        """Number of shocked projection years."""
        return len(self.projection_years) - self.shock_start


def _fit_lee_carter(sc, model: MortalityModel):
    table = sc.tables["mortality"]
    centres = np.unique(period_centres(table).to_numpy())
    hi = model.fit_to if model.fit_to is not None else sc.start_year
    lo = model.fit_from if model.fit_from is not None else -np.inf
    use = centres[(centres >= lo) & (centres <= hi)]
    if len(use) < 3:
        raise ValueError(f"stochastic.mortality: the mortality table has {len(use)} period(s) centred in "
                         f"{lo}..{hi}; the Lee-Carter fit needs at least 3 (change fit_from / fit_to)")
    got, schedules = graduated_mortality(table, use)
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
    sc = scenario
    if not getattr(sc, "groups", ()):
        raise ValueError(f"scenario {sc.name!r} has no insured groups: a stochastic projection needs a scheme")
    model = _model_of(sc, model)
    years = np.asarray(sc.years, dtype=np.int64)
    compiled = compile_scenario(sc)
    if compiled.scheme is not None:
        view, plan, central_econ = sc, compiled.scheme, compiled.economy
    else:  # a strategy: channel recruits and costs as in the central projection
        run = strategy_run(compiled)
        view, plan, central_econ = run.view, run.plan, run.economy
    assert central_econ is not None
    first = int(model.start_year) if model.start_year is not None else int(plan.years[0])
    if not years[0] < first <= years[-1]:
        raise ValueError(f"stochastic.start_year {first} must be after the first projection year {years[0]} "
                         f"and at most {years[-1]}")
    lc = _fit_lee_carter(sc, model.mortality) if model.mortality is not None else None
    lc_b = (np.ascontiguousarray(lc.b, dtype=np.float64) if lc is not None
            else np.zeros((2, compiled.demography.mx.shape[2])))
    return PathPlan(
        scenario=view, base_scenario=sc, model=model, years=plan.years, projection_years=years,
        shock_start=int(first - years[0]), demography=compiled.demography, lee_carter=lc, lc_b=lc_b,
        scheme=plan, central={k: central_econ[k] for k in SHOCKABLE},
    )


def _draw(plan: PathPlan, seed: int, path: int):
    """Random numbers of one path, from its own generator, in a fixed order: standard normals of
    the economy (n_econ_years, V) (as :meth:`VARModel.simulate` draws them), mortality deviations
    (n, S), standard normals of fertility (n, 1). The VAR recursions are run for many paths at
    once by :func:`_shocks` (a path's values do not depend on the others)."""
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(path),)))
    n = plan.n_shocked
    model = plan.model
    econ_years = int(np.count_nonzero(plan.years >= plan.projection_years[plan.shock_start]))
    econ_z = (rng.standard_normal((econ_years, model.economy.n)) if model.economy is not None
              else np.zeros((econ_years, 0)))
    if plan.lee_carter is not None:
        m = model.mortality
        assert m is not None  # a Lee-Carter model is fitted only for a mortality block
        mort = plan.lee_carter.simulate_deviations(rng, 1, n, drift_uncertainty=m.drift_uncertainty,
                                                   sigma_scale=m.sigma_scale)[0]
    else:
        mort = np.zeros((n, 2))
    fert_z = rng.standard_normal((n, 1)) if model.fertility is not None else np.zeros((n, 0))
    return econ_z, mort, fert_z


def _shocks(plan: PathPlan, seed: int, start: int, stop: int):
    """Shocks of paths ``start .. stop-1``: economy (K, n_econ_years, V), mortality (K, n, S),
    fertility (K, n); path ``i`` from ``SeedSequence(seed, spawn_key=(i,))``."""
    draws = [_draw(plan, seed, i) for i in range(int(start), int(stop))]
    model = plan.model
    econ_z = np.stack([d[0] for d in draws])
    mort = np.stack([d[1] for d in draws])
    fert_z = np.stack([d[2] for d in draws])
    econ = model.economy.paths_from_normals(econ_z) if model.economy is not None else econ_z
    fert = (model.fertility.paths_from_normals(fert_z)[:, :, 0] if model.fertility is not None
            else np.zeros(fert_z.shape[:2]))
    return econ, mort, fert


#: Variables of a stochastic result on (path, year), with units (as written in
#: headers), from the registry of output variables (:mod:`ssproj.variables`).
PATH_VARIABLES = {v.name: v.label for v in _variables.of_kind("path") if v.path_dims == ("path", "year")}
#: Order of the path variables in a result (kept stable: files written by earlier runs compare column by column).
_PATH_ORDER = ("reserve_end", "total_income", "total_outgo", "contribution_income", "investment_income",
               "benefit_outgo", "insured_earnings", "payg_cost_rate", "reserve_ratio", "average_contribution_rate",
               "contributors", "pensioners", "insured", "total_population", "old_age_dependency_ratio",
               "investment_return", "wage_growth", "price_inflation", "fertility_multiplier", "state_transfer",
               "share_of_benefits_payable", "financing_gap_share_of_gdp", "financing_gap_share_of_earnings",
               "reserve_end_scheduled", "state_paid_pensions")


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
    sp = plan.scheme
    K = int(stop) - int(start)
    Y = len(sp.years)
    n = plan.n_shocked
    shocked_scheme = sp.years >= plan.projection_years[plan.shock_start]
    lc_dev = np.zeros((K, n, 2))
    fert_dev = np.zeros((K, n))
    series = {k: np.broadcast_to(v, (K, Y)).copy() for k, v in plan.central.items()}
    names = plan.model.economy.names if plan.model.economy is not None else ()
    econ, lc_dev[:], fert_dev[:] = _shocks(plan, seed, start, stop)
    for v, name in enumerate(names):
        series[name][:, shocked_scheme] += econ[:, :, v]
    # every path's economy at once (each row as a call with its own series would give it)
    econ_paths = economy_paths(sp, economy(plan.scenario, sp, {k: series[k] for k in names} or None), paths=K)
    shocks = Shocks(int(plan.shock_start), lc_dev, fert_dev)
    totals = run_scheme_paths(sp, plan.demography, econ_paths, shocks, plan.lc_b)
    out = totals._asdict()
    ie = totals.insured_earnings
    e0 = totals.e0
    # pensions the state pays, path by path (blocks by award date: the same paths of the engine closed at a date)
    blocks = state_paid_blocks(sp, totals.pension_outgo, lambda p: run_scheme_paths(
        p, plan.demography, econ_paths, shocks, plan.lc_b).pension_outgo)
    # summed over types, then groups: the order of the deterministic projection (ssproj.plan), bit for bit
    state_paid = state_paid_pensions(sp, totals.pension_outgo, *blocks).sum(axis=-2).sum(axis=-1)
    fin = finance(sp, ie, out["long_term_benefits"] - state_paid, out["members_mid"], series["investment_return"],
                  branch_events=totals.branch_events)
    earnings = ie.sum(axis=-1)
    # the headline fund's figures, as in the summary of a projection
    cols = fund_figures(fin.__getitem__, sp.headline_fund, insured_earnings=earnings, gdp=sp.gdp,
                        admin_cost_rate=sp.admin_cost_rate)
    fm = np.ones((K, Y))
    fm[:, shocked_scheme] = np.exp(fert_dev[:, n - int(shocked_scheme.sum()):])
    with np.errstate(divide="ignore", invalid="ignore"):
        values = {
            **cols,
            "insured_earnings": earnings,
            "state_paid_pensions": state_paid,
            "contributors": out["contributors"],
            "pensioners": out["pensioners"],
            "insured": out["insured"],
            "total_population": out["total_population"],
            "investment_return": series["investment_return"],
            "wage_growth": series["wage_growth"],
            "price_inflation": series["price_inflation"],
            "fertility_multiplier": fm,
        }
        values.update(key_ratios(population_15_64=out["population_15_64"],
                                 population_65_plus=out["population_65_plus"]))
        values = {k: values[k] for k in _PATH_ORDER}
    # results are finite or the run fails (ratios may be NaN or inf where a denominator is 0)
    for name in ("reserve_end", "total_income", "total_outgo", "insured_earnings", "contributors", "pensioners",
                 "total_population"):
        bad = ~np.isfinite(values[name])
        if bad.any():
            k, y = np.unravel_index(int(np.argmax(bad)), bad.shape)
            raise NonFiniteResultError(
                f"scenario {plan.base_scenario.name!r}: stochastic path {start + int(k)} is not finite: {name} = "
                f"{values[name][k, y]} in {int(sp.years[y])} (investment return "
                f"{series['investment_return'][k, y]:.4g}, wage growth {series['wage_growth'][k, y]:.4g}, price "
                f"inflation {series['price_inflation'][k, y]:.4g} that year); nothing was written. Check the "
                "stochastic model's volatilities and the horizon.")
    data: dict[str, tuple] = {k: (("path", "year"), v, _variables.attrs(k)) for k, v in values.items()}
    data["fund_reserve_end"] = (("path", "year", "fund"), fin["fund_reserve_end"], _variables.attrs("fund_reserve_end"))
    data["life_expectancy_at_birth"] = (("path", "year", "sex"), e0, _variables.attrs("life_expectancy_at_birth"))
    return xr.Dataset(data, coords={"path": np.arange(start, stop, dtype=np.int64), "year": sp.years,
                                    "fund": list(sp.funds), "sex": ["male", "female"]})


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
        numba.set_num_threads(min(int(job.threads), numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]  # set at runtime by numba.config
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
               progress: bool = False, threads: int | None = None) -> StochasticResult:
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
    seed = scenario.seed if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be an integer from 0 to {MAX_SEED:,} (2^63 - 1), got {seed!r}")
    seed = int(seed)
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
        # (path, year) arrays read so far: a result on disk is read once per variable, not once
        # per table or chart that uses it
        self._read: dict[str, np.ndarray] = {}

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
            in the variable's unit (``attrs['units']``, as written in headers:
            :func:`ssproj.variables.label`). Linear
            interpolation between order statistics (NumPy's default);
            NaN values (e.g. a reserve ratio with zero outgo) are ignored.
        """
        da = self._var(variable)
        values = self._paths(variable)
        qs = np.nanpercentile(values, list(q), axis=0)
        df = pd.DataFrame(qs.T, index=pd.Index(self.dataset["year"].values, name="year"),
                          columns=[f"p{_fmt(p)}" for p in q])
        v = _variables.find(variable)
        df.attrs["units"] = v.label if v is not None else da.attrs.get("units", "")
        return df

    def _var(self, variable):
        if variable not in self.dataset or self.dataset[variable].dims != ("path", "year"):
            names = [str(k) for k, v in self.dataset.data_vars.items() if v.dims == ("path", "year")]
            raise KeyError(f"{variable!r} is not a variable on (path, year); expected one of {', '.join(names)}")
        return self.dataset[variable]

    def _paths(self, variable: str) -> np.ndarray:
        """The values of a (path, year) variable, shape (paths, years), read once."""
        if variable not in self._read:
            self._read[variable] = np.asarray(self._var(variable).transpose("path", "year").values, dtype=float)
        return self._read[variable]

    def depletion_year(self) -> pd.Series:
        """First year each path's reserve of the headline fund at 31 December under the scheduled flows is <= 0
        (NaN if never). [calendar year]"""
        # (results written before the deficit financing rules have no scheduled reserve: it was the reserve)
        reserve = self._paths("reserve_end_scheduled" if "reserve_end_scheduled" in self.dataset else "reserve_end")
        first = depletion_years(self.dataset["year"].values, reserve)
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
        pct = self.percentiles(variable, q)
        return fan_chart(pct, ax=ax, central=central, title=title or _TITLES.get(variable, variable),
                         ylabel=pct.attrs.get("units", ""))

    def depletion_chart(self, ax=None):
        """Probability of depletion by year (line chart). Returns the Axes."""
        return probability_chart(self.depletion_probability(), ax=ax)

    def tables(self) -> dict:
        """Tables for files: percentiles of the main variables, depletion probability, summary."""
        out = {"summary": self.summary()}
        for v in ("reserve_end", "reserve_ratio", "payg_cost_rate", "contributors", "pensioners"):
            out[f"percentiles_{v}"] = self.percentiles(v)
        out["depletion_probability"] = self.depletion_probability().to_frame()
        return out

    def write(self, out_dir) -> dict:
        """Write CSV tables, charts and provenance into `out_dir` as a unit.

        The folder is written by :func:`ssproj.io.outdir.result_folder`:
        staged in a hidden sibling folder, listed in ``manifest.json`` and
        swapped in by one rename (the previous result stays unchanged on
        error; a concurrent run into the same folder is refused). A paths
        store of this result that lies in `out_dir` (``out=out_dir /
        "paths.zarr"``) is carried over into the new folder.

        Returns
        -------
        dict
            File kind -> path (where the file is once the folder is complete).
        """
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        prov = self.provenance
        with result_folder(out_dir, kind="stochastic", scenario=prov.get("scenario"),
                           inputs_sha256=inputs_sha256(prov)) as stage:
            if self.path is not None:
                stage.adopt(self.path)
            out = stage.path
            written = {}
            for name, df in self.tables().items():
                p = out / f"{name}.csv"
                with atomic_path(p) as tmp:
                    df.to_csv(tmp, float_format="%.10g")
                written[name] = p
            fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
            self.fan_chart("reserve_ratio", ax=axes[0])
            self.fan_chart("payg_cost_rate", ax=axes[1])
            self.depletion_chart(ax=axes[2])
            fig.tight_layout()
            p = out / "fan_charts.png"
            try:
                with atomic_path(p) as tmp:
                    fig.savefig(tmp, dpi=110, format="png")
            finally:
                plt.close(fig)
            written["fan_charts"] = p
            p = out / "provenance.json"
            write_text_atomic(p, json.dumps(prov, indent=2, sort_keys=True, default=str) + "\n")
            written["provenance"] = p
        return {kind: stage.final(p) for kind, p in written.items()}


_TITLES = {"reserve_ratio": "Reserve ratio (years of outgo)", "payg_cost_rate": "PAYG cost rate",
           "reserve_end": "Reserve at 31 December"}


def _fmt(p) -> str:
    return str(int(p)) if float(p).is_integer() else str(p).replace(".", "_")


def load_stochastic_result(path) -> StochasticResult:
    """Open paths written by :func:`stochastic` (``out=``) or ``ssproj stochastic``."""
    return StochasticResult(open_result(path), path=path)
