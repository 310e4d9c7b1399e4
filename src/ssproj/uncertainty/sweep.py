"""Sweeps: project many variants of a scenario (a grid or a list of changes).

A sweep spec (YAML or a mapping)::

    name: lao_contribution_retirement_grid
    description: Contribution rate x pensionable age.
    scenario: lao_baseline.yaml        # relative to the spec file
    grid:                              # every combination, first key slowest
      contribution_rate_employee: [0.055, 0.065, 0.075]
      pensionable_age_male: [60, 62, 65]

or, instead of ``grid``, a list of named variants::

    variants:
      - name: higher_rate
        changes: {contribution_rate_employee: {2027: 0.065}}
      - name: later_retirement
        changes: {pensionable_age_male: {2030: 62}}

Each variant is ``scenario.with_changes(changes)`` (validated like a file)
projected with :func:`ssproj.project`. Results are one
:class:`xarray.Dataset` with a ``scenario`` dimension (variants in spec
order), written chunk by chunk through :func:`ssproj.uncertainty.distributed.run_chunks`
in-process, on a local Dask cluster or on any scheduler.
"""
from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ssproj._version import __version__
from ssproj.errors import ScenarioError
from ssproj.io.atomic import atomic_path
from ssproj.projection import project
from ssproj.scenario import load_scenario
from ssproj.scenario.yamlio import load_yaml_file
from ssproj.uncertainty.distributed import collect_chunks, make_chunks

__all__ = ["SweepSpec", "SweepResult", "SWEEP_SUMMARY", "load_sweep", "sweep"]

_KEYS = ("name", "description", "scenario", "grid", "variants")
_VARIANT_KEYS = ("name", "changes")

#: Summary columns kept on (scenario, year) for every variant.
SWEEP_SUMMARY = ("total_population", "old_age_dependency_ratio", "contributors", "pensioners",
                 "contribution_income", "benefit_outgo", "total_outgo", "reserve_end", "payg_cost_rate",
                 "average_contribution_rate", "reserve_ratio")
#: Indicators kept on (scenario,) for every variant.
SWEEP_INDICATORS = ("depletion_year", "gap_25", "gap_50", "gap_75", "actuarial_balance_75")


class SweepError(ValueError):
    """A malformed sweep spec; the message lists every problem."""


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: the base scenario and the variants.

    Attributes
    ----------
    name, description : str
    scenario : Path or None
        Base scenario file (None when a Scenario object was given).
    labels : tuple of str
        Variant names, in order.
    changes : tuple of dict
        Changes of each variant (for :meth:`ssproj.scenario.Scenario.with_changes`).
    grid : dict or None
        The grid (parameter -> values), for coordinates.
    """

    name: str
    description: str
    scenario: Path | None
    labels: tuple[str, ...]
    changes: tuple[dict, ...]
    grid: dict | None = None


def _label(value) -> str:
    if isinstance(value, Mapping):
        return json.dumps(value, sort_keys=True, default=str).replace(" ", "")
    return f"{value:g}" if isinstance(value, float) else str(value)


def load_sweep(spec) -> SweepSpec:
    """Validate a sweep spec (a mapping or a YAML file), reporting every problem at once.

    Raises
    ------
    SweepError
    """
    where = "sweep spec"
    base_dir = Path.cwd()
    if not isinstance(spec, Mapping):
        doc, read_problems = load_yaml_file(spec)
        if read_problems or doc is None:
            raise SweepError("\n".join(str(p) for p in read_problems))
        where = str(spec)
        base_dir = Path(spec).resolve().parent
        spec = doc.data
    problems: list[str] = []
    if not isinstance(spec, Mapping):
        raise SweepError(f"{where}: a sweep spec is a mapping with 'scenario' and 'grid' or 'variants'")
    for key in spec:
        if key not in _KEYS:
            problems.append(f"{where}: {key}: unknown key; expected one of {', '.join(_KEYS)}")
    name = spec.get("name", "sweep")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: name: {name!r} must be a non-empty string")
    scenario = spec.get("scenario")
    scenario_path = None
    if scenario is not None:
        if not isinstance(scenario, str):
            problems.append(f"{where}: scenario: {scenario!r} must be a scenario file name")
        else:
            scenario_path = (base_dir / scenario).resolve()
            if not scenario_path.is_file():
                problems.append(f"{where}: scenario: file not found: {scenario_path}")
    grid, variants = spec.get("grid"), spec.get("variants")
    labels: list[str] = []
    changes: list[dict] = []
    if (grid is None) == (variants is None):
        problems.append(f"{where}: give exactly one of 'grid' (parameter -> list of values) or 'variants' "
                        "(a list of {name, changes})")
    elif grid is not None:
        if not isinstance(grid, Mapping) or not grid:
            problems.append(f"{where}: grid: must be a non-empty mapping parameter -> list of values")
        else:
            for param, values in grid.items():
                if not isinstance(values, list) or not values:
                    problems.append(f"{where}: grid.{param}: {values!r} must be a non-empty list of values")
            if not problems:
                keys = list(grid)
                for combo in itertools.product(*(grid[k] for k in keys)):
                    changes.append(dict(zip(keys, combo, strict=True)))
                    labels.append(",".join(f"{k}={_label(v)}" for k, v in zip(keys, combo, strict=True)))
    else:
        if not isinstance(variants, list) or not variants:
            problems.append(f"{where}: variants: must be a non-empty list of {{name, changes}}")
        else:
            for i, v in enumerate(variants):
                at = f"{where}: variants[{i}]"
                if not isinstance(v, Mapping):
                    problems.append(f"{at}: {v!r} must be a mapping {{name, changes}}")
                    continue
                for key in v:
                    if key not in _VARIANT_KEYS:
                        problems.append(f"{at}.{key}: unknown key; expected name, changes")
                vname = v.get("name")
                if not isinstance(vname, str) or not vname.strip():
                    problems.append(f"{at}.name: {vname!r} must be a non-empty string")
                elif vname in labels:
                    problems.append(f"{at}.name: {vname!r} is used twice")
                ch = v.get("changes", {})
                if not isinstance(ch, Mapping):
                    problems.append(f"{at}.changes: {ch!r} must be a mapping parameter -> value")
                labels.append(str(vname))
                changes.append(dict(ch) if isinstance(ch, Mapping) else {})
    description = spec.get("description", "") or ""
    if problems:
        raise SweepError("\n".join(problems))
    return SweepSpec(str(name), " ".join(str(description).split()), scenario_path, tuple(labels),
                     tuple(changes), dict(grid) if grid is not None else None)


def _variant_dataset(scenario, index: int, label: str, changes: dict) -> xr.Dataset:
    sc = scenario.with_changes(changes, name=f"{scenario.name}[{label}]") if changes else scenario
    proj = project(sc)
    s = proj.summary()
    has_scheme = "total_outgo" in s.columns
    if has_scheme:
        s = s.dropna(subset=["total_outgo"])
    cols = [c for c in SWEEP_SUMMARY if c in s.columns]
    data: dict[str, tuple] = {c: (("scenario", "year"), s[c].to_numpy(dtype=float)[None, :],
                {"units": s.attrs["units"].get(c, "")}) for c in cols}
    if has_scheme:
        ind = proj.indicators()
        for k in SWEEP_INDICATORS:
            data[k] = (("scenario",), np.array([float(ind.get(k, np.nan))]))
    return xr.Dataset(data, coords={"scenario": np.array([index], dtype=np.int64),
                                    "year": s.index.to_numpy(dtype=np.int64)})


@dataclass(frozen=True)
class _Job:
    scenario: Any
    labels: tuple
    changes: tuple


def _chunk_task(chunk) -> xr.Dataset:
    job = chunk.payload
    parts = [_variant_dataset(job.scenario, i, job.labels[i], job.changes[i]) for i in range(chunk.start, chunk.stop)]
    return xr.concat(parts, dim="scenario") if len(parts) > 1 else parts[0]


class SweepResult:
    """Results of a sweep: ``dataset`` on (scenario, year) and (scenario,); labels in ``labels``."""

    def __init__(self, dataset: xr.Dataset, spec: SweepSpec | None = None, path=None):
        self.dataset = dataset
        self.spec = spec
        self.path = Path(path) if path is not None else None
        self.labels = list(json.loads(dataset.attrs.get("labels", "[]")))

    def __repr__(self):
        return f"<ssproj.SweepResult {self.dataset.attrs.get('sweep_name', '?')!r} {len(self.labels)} variants>"

    def indicators(self) -> pd.DataFrame:
        """Indicators by variant (rows labelled by variant name)."""
        cols = {k: self.dataset[k].values for k in SWEEP_INDICATORS if k in self.dataset}
        return pd.DataFrame(cols, index=pd.Index(self.labels, name="variant"))

    def table(self, column: str = "reserve_ratio", years=(2030, 2050, 2075, 2100)) -> pd.DataFrame:
        """One summary column at milestone years, by variant."""
        ds = self.dataset[column]
        yrs = [y for y in years if y in set(ds["year"].values.tolist())]
        df = pd.DataFrame(ds.sel(year=yrs).values, index=pd.Index(self.labels, name="variant"), columns=yrs)
        df.attrs["units"] = ds.attrs.get("units", "")
        return df

    def write(self, out_dir) -> dict:
        """Write ``indicators.csv`` and ``reserve_ratio.csv`` into `out_dir` (atomically). Returns file paths."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        written = {}
        tables = {"indicators": self.indicators()}
        if "reserve_ratio" in self.dataset:
            tables["reserve_ratio"] = self.table("reserve_ratio")
            tables["payg_cost_rate"] = self.table("payg_cost_rate")
        for name, df in tables.items():
            p = out_dir / f"{name}.csv"
            with atomic_path(p) as tmp:
                df.to_csv(tmp, float_format="%.10g")
            written[name] = p
        return written


def sweep(spec, scenario=None, *, out=None, workers: int | None = None, scheduler: str | None = None,
          chunk_size: int = 1, progress: bool = False) -> SweepResult:
    """Project every variant of a sweep.

    Parameters
    ----------
    spec : SweepSpec, mapping or path
        See the module docs.
    scenario : Scenario, optional
        The base scenario (default: the spec's ``scenario`` file).
    out : path, optional
        ``.zarr`` directory or ``.nc`` file to write chunk by chunk.
    workers, scheduler : optional
        Run on a local Dask cluster with `workers` processes, or on the
        scheduler at `scheduler`; default in-process.
    chunk_size : int
        Variants per task.
    progress : bool
        Show a progress bar.

    Returns
    -------
    SweepResult
    """
    spec = spec if isinstance(spec, SweepSpec) else load_sweep(spec)
    if scenario is None:
        if spec.scenario is None:
            raise SweepError("the sweep spec names no 'scenario' and none was given")
        scenario = load_scenario(spec.scenario)
    # validate every variant before any projection, to report all problems at once; the tasks
    # build their variant again so that only the small `changes` travel to Dask workers

    problems = []
    for label, ch in zip(spec.labels, spec.changes, strict=True):
        try:
            scenario.with_changes(ch) if ch else None
        except ScenarioError as exc:
            problems += [f"variant {label!r}: {p}" for p in exc.problems]
    if problems:
        raise SweepError("\n".join(problems))
    job = _Job(scenario, spec.labels, spec.changes)
    chunks = [type(c)(c.start, c.stop, job) for c in make_chunks(len(spec.labels), max(1, int(chunk_size)))]
    attrs = {"title": f"ssproj sweep: {spec.name}", "sweep_name": spec.name, "description": spec.description,
             "labels": json.dumps(list(spec.labels)), "changes": json.dumps(list(spec.changes), default=str),
             "scenario_name": str(scenario.name), "ssproj_version": __version__, "seed": int(scenario.seed),
             "provenance": json.dumps(dict(scenario.provenance), sort_keys=True, default=str)}
    ds, path = collect_chunks(_chunk_task, chunks, out, dim="scenario", workers=workers, scheduler=scheduler,
                              progress=progress, attrs=attrs)
    return SweepResult(ds, spec, path=path)
