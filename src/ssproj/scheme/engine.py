"""Run the one engine (:mod:`ssproj.kernels.engine`) over a compiled scheme plan.

:func:`economy_paths` packs economic series into the kernel's
:class:`~ssproj.kernels.engine.EconomyPaths`; :func:`run_scheme` runs one
path (the deterministic projection: no shocks) and returns every array;
:func:`run_scheme_paths` runs many paths in parallel and returns their
totals. Both run the same compiled :func:`ssproj.kernels.engine.run_path`
(drivers, scheme kernel, reductions).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numba
import numpy as np

from ssproj.demography.cohort import DemographicInputs
from ssproj.kernels.engine import (
    EconomyPaths,
    PathOutputs,
    PathTotals,
    Shocks,
    empty_path_outputs,
    empty_path_totals,
    no_shocks,
    run_path_state,
    run_paths,
)
from ssproj.kernels.lifetable import N_AGES
from ssproj.kernels.scheme import SchemeOutputs, SchemeState, empty_scheme_outputs
from ssproj.scheme.plan import SchemePlan

__all__ = ["economy_paths", "paths_kernel_cached", "projection_year_outputs", "run_scheme", "run_scheme_paths",
           "run_scheme_state"]


def paths_kernel_cached() -> bool:
    """Whether the kernel of :func:`run_scheme_paths` is compiled: in this process or in Numba's disk cache.

    False means that its first call compiles it (the first stochastic run,
    or the first after ssproj changed). Read from Numba's cache index
    (``__pycache__/engine.run_paths-*.nbi`` next to the kernels, or
    ``NUMBA_CACHE_DIR``), as Numba reads it: an index left by another
    version of the source does not count. True when it cannot be told (no
    JIT, ``NUMBA_DISABLE_JIT=1``, or a Numba without these internals).
    """
    if getattr(run_paths, "signatures", None):
        return True
    try:
        return bool(getattr(run_paths, "_cache")._cache_file._load_index())  # noqa: B009 (not in Numba's stubs)
    except Exception:  # pragma: no cover - internals of another Numba version: say nothing
        return True


def economy_paths(plan: SchemePlan, econ: Mapping[str, np.ndarray] | Sequence[Mapping[str, np.ndarray]],
                  paths: int | None = None) -> EconomyPaths:
    """The kernel's economy of one path (a mapping from :func:`ssproj.scheme.plan.economy`) or of several.

    Parameters
    ----------
    plan : SchemePlan
    econ : mapping or sequence of mappings
        One path's series; or K paths' series with a leading path dimension
        (series that do not vary by path may be 1-D); or a sequence of
        one-path mappings.
    paths : int, optional
        Number of paths K of a mapping with a leading path dimension
        (1-D series are repeated for each).

    Returns
    -------
    EconomyPaths
        ``average_wage``, ``minimum_wage``, ``ceiling`` on ``plan.ext_years``
        [currency/month]; ``price_inflation``, ``wage_growth`` on
        ``plan.years`` [1/year]; leading dimension: paths.
    """
    many = [econ] if isinstance(econ, Mapping) else list(econ)

    def stack(key):
        if isinstance(econ, Mapping) and paths is not None:  # one mapping with a leading path dimension
            arr = np.asarray(econ[key], dtype=np.float64)
            return np.ascontiguousarray(np.broadcast_to(arr, (int(paths), arr.shape[-1])))
        return np.ascontiguousarray(np.stack([np.asarray(e[key], dtype=np.float64) for e in many]))

    return EconomyPaths(stack("average_wage"), stack("minimum_wage"), stack("contribution_ceiling"),
                        stack("price_inflation"), stack("wage_growth"))


def projection_year_outputs(Y: int, G: int, NS: int, lead: int) -> tuple[SchemeOutputs, SchemeOutputs]:
    """Scheme outputs that the kernel writes straight into arrays on the projection years.

    Returns ``(views, full)``: ``full`` has ``lead`` more leading rows than the
    kernel's arrays (the projection years before the first scheme year), NaN
    there; ``views`` are its C-contiguous views ``full.<name>[lead:]`` given to
    the kernel. Stocks (Y+1 kernel rows) have T+1 rows in ``full``: row t+1
    is the end of projection year t, row ``lead`` the start of the first
    scheme year. The Dataset then takes them without a copy.
    """
    shapes = empty_scheme_outputs(0, G, 2, N_AGES, NS)
    full = []
    for a in shapes:
        buf = np.zeros((lead + a.shape[0] + Y,) + a.shape[1:])
        buf[:lead] = np.nan
        full.append(buf)
    full_out = SchemeOutputs(*full)
    return SchemeOutputs(*(a[lead:] for a in full_out)), full_out


def run_scheme(plan: SchemePlan, demography: DemographicInputs, econ: Mapping[str, np.ndarray],
               scheme_out: SchemeOutputs | None = None) -> PathOutputs:
    """Run the engine once, without shocks: population, scheme drivers, scheme, reductions.

    Parameters
    ----------
    plan : SchemePlan
    demography : DemographicInputs
        The scenario's demographic inputs (their projection years end with
        the scheme years).
    econ : mapping
        Economic series of :func:`ssproj.scheme.plan.economy`.
    scheme_out : SchemeOutputs, optional
        Arrays for the scheme kernel's outputs (e.g. the views of
        :func:`projection_year_outputs`); allocated if not given.

    Returns
    -------
    PathOutputs
        Every array of the path (see :class:`ssproj.kernels.engine.PathOutputs`).
    """
    return run_scheme_state(plan, demography, econ, scheme_out)[0]


def run_scheme_state(plan: SchemePlan, demography: DemographicInputs, econ: Mapping[str, np.ndarray],
                     scheme_out: SchemeOutputs | None = None) -> tuple[PathOutputs, SchemeState]:
    """:func:`run_scheme`, also returning the scheme's state at 31 December of the last scheme year.

    Returns
    -------
    (PathOutputs, SchemeState)
        The path's arrays, and the actives and inactives by credited service
        and the pensions in payment with their annual amounts at the end of
        the projection (see :func:`ssproj.kernels.engine.run_path_state`):
        the stocks a back-cast hands to the valuation (:mod:`ssproj.analysis.backcast`).
    """
    demo = demography.kernel_inputs()
    T = demo.mx.shape[0]
    out = empty_path_outputs(T, len(plan.years), len(plan.ext_years), len(plan.groups),
                             NS=plan.state0.A.shape[3], scheme=scheme_out, Br=len(plan.branches))
    state = run_path_state(demo, plan.earnings, plan.params, plan.state0, economy_paths(plan, econ),
                           no_shocks(1, T), 0, out)
    return out, state


def run_scheme_paths(plan: SchemePlan, demography: DemographicInputs, econ: EconomyPaths, shocks: Shocks,
                     lc_b: np.ndarray | None = None) -> PathTotals:
    """Run K paths of the engine in parallel (Numba threads) and return their totals.

    Parameters
    ----------
    plan : SchemePlan
    demography : DemographicInputs
    econ : EconomyPaths
        K paths.
    shocks : Shocks
        K paths of demographic shocks.
    lc_b : ndarray, shape (2, 101), optional
        Lee-Carter age response of the mortality shocks. [1]

    Returns
    -------
    PathTotals
    """
    demo = demography.kernel_inputs(lc_b)
    K = econ.average_wage.shape[0]
    totals = empty_path_totals(K, len(plan.years), len(plan.groups), Br=len(plan.branches))
    run_paths(demo, plan.earnings, plan.params, plan.state0, econ, shocks, totals, numba.get_num_threads())
    return totals
