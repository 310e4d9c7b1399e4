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
    run_path,
    run_paths,
)
from ssproj.scheme.plan import SchemePlan

__all__ = ["economy_paths", "run_scheme", "run_scheme_paths"]


def economy_paths(plan: SchemePlan, econ: Mapping[str, np.ndarray] | Sequence[Mapping[str, np.ndarray]]
                  ) -> EconomyPaths:
    """The kernel's economy of one path (a mapping from :func:`ssproj.scheme.plan.economy`) or of several.

    Returns
    -------
    EconomyPaths
        ``average_wage``, ``minimum_wage``, ``ceiling`` on ``plan.ext_years``
        [currency/month]; ``price_inflation``, ``wage_growth`` on
        ``plan.years`` [1/year]; leading dimension: paths.
    """
    many = [econ] if isinstance(econ, Mapping) else list(econ)

    def stack(key):
        return np.ascontiguousarray(np.stack([np.asarray(e[key], dtype=np.float64) for e in many]))

    return EconomyPaths(stack("average_wage"), stack("minimum_wage"), stack("contribution_ceiling"),
                        stack("price_inflation"), stack("wage_growth"))


def run_scheme(plan: SchemePlan, demography: DemographicInputs, econ: Mapping[str, np.ndarray]) -> PathOutputs:
    """Run the engine once, without shocks: population, scheme drivers, scheme, reductions.

    Parameters
    ----------
    plan : SchemePlan
    demography : DemographicInputs
        The scenario's demographic inputs (their projection years end with
        the scheme years).
    econ : mapping
        Economic series of :func:`ssproj.scheme.plan.economy`.

    Returns
    -------
    PathOutputs
        Every array of the path (see :class:`ssproj.kernels.engine.PathOutputs`).
    """
    demo = demography.kernel_inputs()
    T = demo.mx.shape[0]
    out = empty_path_outputs(T, len(plan.years), len(plan.ext_years), len(plan.groups),
                             NS=plan.state0.A.shape[3])
    run_path(demo, plan.earnings, plan.params, plan.state0, economy_paths(plan, econ), no_shocks(1, T), 0, out)
    return out


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
    totals = empty_path_totals(K, len(plan.years), len(plan.groups))
    run_paths(demo, plan.earnings, plan.params, plan.state0, econ, shocks, totals, numba.get_num_threads())
    return totals
