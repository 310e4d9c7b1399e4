"""Robustness runs: the baseline and every option at every point of a grid of plausible ranges, on the sweep machinery.

:func:`robustness` builds the grid of the plausible ranges declared for the
baseline's assumed inputs (:class:`ssproj.analysis.robustness.RobustnessGrid`),
makes each grid point a variant of a sweep of the baseline
(:func:`ssproj.uncertainty.sweep.sweep`, in-process, on a local Dask
cluster or on any scheduler), and evaluates each point with
:class:`GridPointEvaluation`: the baseline at the point, every option with
its own changes laid over the same point (:meth:`ssproj.scenario.Scenario.rebase`),
all projected and measured (:func:`ssproj.analysis.robustness.point_values`).
The judging (effects, signs, ranks, the ranges that break them) is
:class:`ssproj.analysis.robustness.RobustnessResult`. Methods:
``docs/robustness.md``.
"""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from ssproj._version import __version__
from ssproj.analysis.robustness import (
    Measure,
    RobustnessGrid,
    RobustnessResult,
    decision_measures,
    option_kind,
    point_values,
    range_axes,
)
from ssproj.errors import MISSING, Problem, ScenarioError
from ssproj.projection import project
from ssproj.scenario import load_scenario
from ssproj.scenario.model import Scenario
from ssproj.uncertainty.sweep import load_sweep, sweep

__all__ = ["GridPointEvaluation", "robustness"]


@dataclass(frozen=True)
class GridPointEvaluation:
    """What a sweep keeps of one grid point: the measures of the baseline and of every option there.

    A picklable callable for :func:`ssproj.uncertainty.sweep.sweep` (its
    ``evaluate``): Dask workers receive it with every chunk. The options
    were rebased on the baseline (:meth:`ssproj.scenario.Scenario.rebase`),
    so they share its tables and travel cheaply.

    Attributes
    ----------
    options : tuple of Scenario
        The options, each extending the baseline.
    measures : tuple of Measure
    """

    options: tuple[Scenario, ...]
    measures: tuple[Measure, ...]

    def __call__(self, scenario: Scenario, index: int, label: str, changes: dict) -> xr.Dataset:
        """Project the baseline `scenario` with `changes` and every option over it; return their measures.

        Returns
        -------
        xarray.Dataset
            ``value`` on (``scenario`` = [index], ``model`` = the baseline
            then the options, ``measure``).
        """
        base = scenario.with_changes(changes, name=scenario.name) if changes else scenario
        projections = {scenario.name: project(base)}
        for option in self.options:
            projections[option.name] = project(option.rebase(base))
        values = point_values(projections, scenario.name, self.measures)
        return xr.Dataset({"value": (("scenario", "model", "measure"), values.to_numpy(dtype=float)[None])},
                          coords={"scenario": np.array([index], dtype=np.int64),
                                  "model": np.array(list(projections), dtype=str),
                                  "measure": np.array([m.name for m in self.measures], dtype=str)})


def _load(x, what: str) -> Scenario:
    if isinstance(x, Scenario):
        return x
    if isinstance(x, (str, os.PathLike)):
        return load_scenario(x)
    raise TypeError(f"{what} must be a Scenario or a scenario file, got {type(x).__name__}")


def _files(sc: Scenario) -> list[dict]:
    return [dict(f) for f in sc.provenance["scenario_files"]]


def robustness(baseline, options: Sequence[Any], *, grid: str = "corners", points: int = 2,
               ranges: Sequence[str] | None = None, horizon: int = 75, milestone: int = 2050,
               workers: int | None = None, scheduler: str | None = None, chunk_size: int = 1,
               progress: bool = False) -> RobustnessResult:
    """Which conclusions about the options survive the plausible ranges of the baseline's assumed inputs.

    Parameters
    ----------
    baseline : Scenario or path
        The baseline. Its assumption set's ``plausible_range`` entries (of
        assumed inputs the baseline does not set itself) are the ranges.
    options : sequence of Scenario or path
        Coverage strategies (scenarios with a ``strategy:``) and financing
        options, each extending the baseline's file (``extends``); names
        unique and different from the baseline's.
    grid : {"corners", "full", "oat"}
        See :meth:`ssproj.analysis.robustness.RobustnessGrid.build`.
    points : int
        Levels per range from its low to its high end (``full``, ``oat``).
    ranges : sequence of str, optional
        Only these ranges (:func:`ssproj.analysis.robustness.range_axes`).
    horizon : int
        Years of the GAP and the shortfall. [years]
    milestone : int
        Year of the contributors gained; a scheme year of the baseline.
        [calendar year]
    workers, scheduler : optional
        Run the grid points on a local Dask cluster with `workers` processes,
        or on the scheduler at `scheduler`; default in-process.
    chunk_size : int
        Grid points per task.
    progress : bool
        Show a progress bar.

    Returns
    -------
    RobustnessResult
        With ``provenance``: the baseline's and each option's files (path,
        sha256), the ranges, the grid, ssproj's version and the baseline's
        seed.

    Raises
    ------
    ValueError
        No option, a name repeated, an option that does not extend the
        baseline, no plausible range, a milestone outside the scheme years,
        a bad grid; ``ScenarioError`` (a ValueError) for a grid point at
        which an option is invalid (each range's ends, one at a time, are
        checked before anything is projected).
    """
    base = _load(baseline, "baseline")
    opts = [_load(o, "an option") for o in options]
    if not opts:
        raise ValueError("robustness: give at least one option (a coverage strategy or financing option)")
    names = [base.name] + [o.name for o in opts]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"robustness: scenario names must differ (the baseline's and each option's); repeated: "
                         f"{repeated}")
    if not base.groups:
        raise ValueError(f"robustness: the baseline {base.name!r} has no scheme (its assumption set declares no "
                         "insured groups)")
    if int(milestone) not in {int(y) for y in base.scheme_years}:
        raise ValueError(f"robustness: milestone {milestone} is not a scheme year of {base.name!r} "
                         f"({int(base.scheme_years[0])}-{int(base.scheme_years[-1])})")
    rebased = tuple(o.rebase(base) for o in opts)  # raises for an option that does not extend the baseline
    axes = range_axes(base, ranges)
    if not axes:
        raise ValueError(f"robustness: no assumed input of {base.name!r} has a plausible range in its assumption "
                         f"set {base.assumptions.name!r} (plausible_range, docs/assumptions.md)")
    g = RobustnessGrid.build(axes, grid, points)
    measures = decision_measures(horizon, milestone)
    # the options over each range's ends, one at a time, before any projection: report every problem at once
    problems: list[Problem] = []
    for p in range(g.n_points):
        if len(g.off_central(p)) != 1:
            continue
        try:
            at = base.with_changes(g.changes(p), name=base.name)
        except ScenarioError:
            continue  # reported by the sweep at its variant
        for o in rebased:
            try:
                o.rebase(at)
            except ScenarioError as exc:
                problems.append(Problem("<robustness>", None, f"option {o.name!r} at {g.label(p)}", MISSING,
                                        "is invalid:"))
                problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    spec = load_sweep({"name": f"{base.name}_robustness",
                       "description": f"Robustness grid ({g.mode}, {g.n_points} points) of {base.name}",
                       "variants": [{"name": g.label(p), "changes": g.changes(p)} for p in range(g.n_points)]})
    kinds = {o.name: option_kind(o) for o in opts}
    provenance = {"baseline": base.name, "baseline_files": _files(base), "seed": int(base.seed),
                  "assumptions": dict(base.provenance["assumptions"]),
                  "options": [{"name": o.name, "kind": kinds[o.name], "files": _files(o)} for o in opts],
                  "horizon": int(horizon), "milestone": int(milestone), "ssproj_version": __version__}
    res = sweep(spec, base, workers=workers, scheduler=scheduler, chunk_size=chunk_size, progress=progress,
                evaluate=GridPointEvaluation(rebased, measures),
                attrs={"robustness": json.dumps(provenance, sort_keys=True, default=str)})
    values = np.asarray(res.dataset["value"].transpose("scenario", "model", "measure").values, dtype=float)
    return RobustnessResult(g, base.name, [o.name for o in opts], kinds, measures, values, provenance)
