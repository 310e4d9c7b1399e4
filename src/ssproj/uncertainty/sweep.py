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
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ssproj._version import __version__
from ssproj.errors import MISSING, Problem, ScenarioError, did_you_mean
from ssproj.io.atomic import atomic_path
from ssproj.io.outdir import inputs_sha256, result_folder
from ssproj.projection import project
from ssproj.scenario import load_scenario
from ssproj.scenario.yamlio import Where, read_spec
from ssproj.uncertainty.distributed import collect_chunks, make_chunks

__all__ = ["SweepSpec", "SweepResult", "SweepError", "SWEEP_SUMMARY", "load_sweep", "parse_sweep", "sweep"]

_KEYS = ("name", "description", "scenario", "grid", "variants")
_VARIANT_KEYS = ("name", "changes")
#: How problems name a sweep spec given as a mapping.
SPEC_LABEL = "<sweep spec>"

#: Summary columns kept on (scenario, year) for every variant.
SWEEP_SUMMARY = ("total_population", "old_age_dependency_ratio", "contributors", "pensioners",
                 "contribution_income", "benefit_outgo", "total_outgo", "reserve_end", "payg_cost_rate",
                 "average_contribution_rate", "reserve_ratio")
#: Indicators kept on (scenario,) for every variant.
SWEEP_INDICATORS = ("depletion_year", "gap_25", "gap_50", "gap_75", "actuarial_balance_75")


class SweepError(ScenarioError):
    """Problems in a sweep spec: a `ScenarioError` listing every problem (file, line, key path)."""


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
    sources : tuple of dict
        For each variant, parameter -> position (`Where`) of its change in
        the spec, so that problems found against the scenario point there.
    where : Where or None
        Position of the spec itself.
    """

    name: str
    description: str
    scenario: Path | None
    labels: tuple[str, ...]
    changes: tuple[dict, ...]
    grid: dict | None = None
    sources: tuple[dict, ...] = field(default=(), compare=False, repr=False)
    where: Where | None = field(default=None, compare=False, repr=False)


def _label(value) -> str:
    if isinstance(value, Mapping):
        return json.dumps(value, sort_keys=True, default=str).replace(" ", "")
    return f"{value:g}" if isinstance(value, float) else str(value)


def _same(value) -> str:
    """A canonical form of changes or grid values, to find duplicates (1 and 1.0 are the same)."""
    def plain(v):
        if isinstance(v, Mapping):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
            return float(v)
        return v
    return json.dumps(plain(value), sort_keys=True, default=str)


def parse_sweep(raw: Any, where: Where | None = None, *, base_dir: Path | None = None
                ) -> tuple[SweepSpec | None, list[Problem]]:
    """Validate a sweep spec's data, collecting every problem.

    Parameters
    ----------
    raw : mapping
        ``{name, description, scenario, grid | variants}`` (see the module docs).
    where : Where, optional
        Position of `raw` (file, line and key path in problems); default:
        the label ``<sweep spec>``.
    base_dir : Path, optional
        Directory ``scenario`` is relative to (default: the current one).

    Returns
    -------
    (SweepSpec or None, list of Problem)
    """
    where = where if where is not None else Where.in_memory(SPEC_LABEL)
    base_dir = base_dir if base_dir is not None else Path.cwd()
    if raw is None:
        return None, [where.problem(MISSING, "the sweep spec is empty: it needs 'scenario' and 'grid' or 'variants'")]
    if not isinstance(raw, Mapping):
        return None, [where.problem(raw, "must be a mapping with 'scenario' and 'grid' or 'variants' (a sweep spec)")]
    problems: list[Problem] = [(where / key).problem(MISSING, "unknown key in a sweep spec", did_you_mean(key, _KEYS))
                               for key in raw if key not in _KEYS]
    name = raw.get("name", "sweep")
    if not isinstance(name, str) or not name.strip():
        problems.append((where / "name").problem(name, "must be a non-empty string"))
    elif "/" in name or "\\" in name:
        problems.append((where / "name").problem(name, "must not contain / or \\ (it names the output folder)"))
    description = raw.get("description")
    if description is not None and not isinstance(description, str):
        problems.append((where / "description").problem(description, "must be a string"))
    scenario = raw.get("scenario")
    scenario_path = None
    if scenario is not None:
        if not isinstance(scenario, str) or not scenario.strip():
            problems.append((where / "scenario").problem(scenario, "must be a scenario file (a path relative to the "
                                                                  "spec)"))
        else:
            scenario_path = (base_dir / scenario).resolve()
            if not scenario_path.is_file():
                problems.append((where / "scenario").problem(scenario, f"is not a file (looked for {scenario_path})"))
    grid, variants = raw.get("grid"), raw.get("variants")
    labels: list[str] = []
    changes: list[dict] = []
    sources: list[dict] = []
    if (grid is None) == (variants is None):
        problems.append(where.problem(MISSING, "give exactly one of 'grid' (parameter -> list of values) or "
                                               "'variants' (a list of {name, changes})"))
    elif grid is not None:
        at = where / "grid"
        if not isinstance(grid, Mapping) or not grid:
            problems.append(at.problem(grid, "must be a non-empty mapping parameter -> list of values"))
        else:
            for param, values in grid.items():
                if not isinstance(param, str):
                    problems.append((at / param).problem(MISSING, "is not a parameter name"))
                elif not isinstance(values, list) or not values:
                    problems.append((at / param).problem(values, "must be a non-empty list of values"))
                else:
                    seen_value: dict[str, int] = {}
                    seen_label: dict[str, int] = {}
                    for j, value in enumerate(values):
                        same, label = _same(value), _label(value)
                        if same in seen_value:
                            problems.append((at / param / j).problem(
                                value, f"is the same value as grid.{param}[{seen_value[same]}]",
                                "remove one: every variant must differ"))
                        elif label in seen_label:
                            problems.append((at / param / j).problem(
                                value, f"gives the same label ({param}={label}) as grid.{param}[{seen_label[label]}]"))
                        seen_value.setdefault(same, j)
                        seen_label.setdefault(label, j)
            if not problems:
                keys = list(grid)
                for combo in itertools.product(*(range(len(grid[k])) for k in keys)):
                    values = [grid[k][j] for k, j in zip(keys, combo, strict=True)]
                    changes.append(dict(zip(keys, values, strict=True)))
                    labels.append(",".join(f"{k}={_label(v)}" for k, v in zip(keys, values, strict=True)))
                    sources.append({k: at / k / j for k, j in zip(keys, combo, strict=True)})
    else:
        at = where / "variants"
        if not isinstance(variants, list) or not variants:
            problems.append(at.problem(variants, "must be a non-empty list of {name, changes}"))
        else:
            names: dict[str, int] = {}
            same_changes: dict[str, int] = {}
            for i, v in enumerate(variants):
                vat = at / i
                if not isinstance(v, Mapping):
                    problems.append(vat.problem(v, "must be a mapping {name, changes}"))
                    continue
                problems += [(vat / key).problem(MISSING, "unknown key in a variant", did_you_mean(key, _VARIANT_KEYS))
                             for key in v if key not in _VARIANT_KEYS]
                vname = v.get("name", MISSING)
                if vname is MISSING:
                    problems.append(vat.problem(MISSING, "required key 'name' is missing (the variant's label)"))
                elif not isinstance(vname, str) or not vname.strip():
                    problems.append((vat / "name").problem(vname, "must be a non-empty string"))
                elif vname in names:
                    problems.append((vat / "name").problem(
                        vname, f"is also the name of variants[{names[vname]}]", "give each variant its own name"))
                else:
                    names[vname] = i
                ch = v.get("changes")
                ch = {} if ch is None else ch
                if not isinstance(ch, Mapping):
                    problems.append((vat / "changes").problem(ch, "must be a mapping parameter -> value"))
                    ch = {}
                else:
                    key = _same(ch)
                    if key in same_changes:
                        j = same_changes[key]
                        problems.append((vat / "changes").problem(
                            MISSING, f"are the same as those of variants[{j}] "
                                     f"({variants[j].get('name')!r}): the two variants would be identical",
                            "remove one"))
                    else:
                        same_changes[key] = i
                labels.append(str(vname))
                changes.append(dict(ch))
                sources.append({k: vat / "changes" / k for k in ch})
    if problems:
        return None, problems
    return SweepSpec(str(name), " ".join(str(description or "").split()), scenario_path, tuple(labels),
                     tuple(changes), dict(grid) if grid is not None else None, tuple(sources), where), []


def load_sweep(spec) -> SweepSpec:
    """Validate a sweep spec (a mapping or a YAML file), reporting every problem at once.

    Parameters
    ----------
    spec : mapping or path
        See the module docs. Any key not described there is an error.

    Returns
    -------
    SweepSpec

    Raises
    ------
    SweepError
        A `ScenarioError` (so a ``ValueError``) listing every problem, each
        with file (or ``<sweep spec>``), line, key path, value and what was
        expected. The changes of each variant are checked against the
        scenario by :func:`sweep`, before any projection.
    """
    raw, where, _label, base_dir, problems = read_spec(spec, SPEC_LABEL, "a sweep spec")
    parsed = None
    if raw is not None:
        parsed, more = parse_sweep(raw, where, base_dir=base_dir)
        problems += more
    if problems or parsed is None:
        # top to bottom in a spec file (a stable sort: the order found for a mapping, without lines)
        raise SweepError(sorted(problems, key=lambda p: p.line if p.line is not None else 0))
    return parsed


_KEY_PART = re.compile(r"\.?([^.\[\]]+)|\[(-?\d+)\]")


def _relocate(problem: Problem, label: str, sources: Mapping[str, Where], spec_where: Where) -> Problem:
    """A problem of ``scenario.with_changes(changes)`` placed at the change in the spec it comes from."""
    path = problem.key_path
    if path.startswith("changes."):
        keys: list[Any] = [int(i) if i else k for k, i in _KEY_PART.findall(path[len("changes."):])]
        if keys and keys[0] in sources:
            at = sources[keys[0]]
            file, line = at.child(*keys[1:]).file, at.child(*keys[1:]).line
            rest = path[len("changes.") + len(str(keys[0])):]
            return Problem(file, line, at.key_path + rest, problem.value, problem.expected, problem.hint)
    return spec_where.problem(MISSING, f"variant {label!r}: {problem.message}")


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
    evaluate: Callable[[Any, int, str, dict], xr.Dataset] | None = None


def _chunk_task(chunk) -> xr.Dataset:
    job = chunk.payload
    evaluate = _variant_dataset if job.evaluate is None else job.evaluate
    parts = [evaluate(job.scenario, i, job.labels[i], job.changes[i]) for i in range(chunk.start, chunk.stop)]
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
        """Write ``indicators.csv`` and ``reserve_ratio.csv`` into `out_dir` as a unit. Returns file paths.

        Written by :func:`ssproj.io.outdir.result_folder` (staged, listed in
        ``manifest.json``, swapped in by one rename; a results store of this
        sweep that lies in `out_dir` is carried over into the new folder).
        """
        tables = {"indicators": self.indicators()}
        if "reserve_ratio" in self.dataset:
            tables["reserve_ratio"] = self.table("reserve_ratio")
            tables["payg_cost_rate"] = self.table("payg_cost_rate")
        attrs = self.dataset.attrs
        with result_folder(out_dir, kind="sweep", scenario=attrs.get("sweep_name") or attrs.get("scenario_name"),
                           inputs_sha256=inputs_sha256({k: str(v) for k, v in attrs.items()})) as stage:
            if self.path is not None:
                stage.adopt(self.path)
            written = {}
            for name, df in tables.items():
                p = stage.path / f"{name}.csv"
                with atomic_path(p) as tmp:
                    df.to_csv(tmp, float_format="%.10g")
                written[name] = p
        return {name: stage.final(p) for name, p in written.items()}


def sweep(spec, scenario=None, *, out=None, workers: int | None = None, scheduler: str | None = None,
          chunk_size: int = 1, progress: bool = False,
          evaluate: Callable[[Any, int, str, dict], xr.Dataset] | None = None,
          attrs: Mapping[str, Any] | None = None) -> SweepResult:
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
    evaluate : callable, optional
        What is kept of each variant: ``evaluate(scenario, index, label,
        changes) -> xarray.Dataset`` with the coordinate ``scenario`` =
        ``[index]`` first in every data variable (other dimensions the same
        for every variant), given the base scenario and the variant's
        label and changes (it builds the variant itself). Default: the
        variant projected, its summary columns :data:`SWEEP_SUMMARY` on
        (scenario, year) and indicators :data:`SWEEP_INDICATORS`. With Dask
        it must be picklable (a top-level function or an instance of a
        top-level class); it travels with every chunk.
    attrs : mapping, optional
        More global attributes of the results (strings or numbers, e.g.
        JSON), added to the sweep's own.

    Returns
    -------
    SweepResult
    """
    spec = spec if isinstance(spec, SweepSpec) else load_sweep(spec)
    spec_where = spec.where if spec.where is not None else Where.in_memory(SPEC_LABEL)
    if scenario is None:
        if spec.scenario is None:
            raise SweepError([spec_where.problem(MISSING, "required key 'scenario' is missing (the base scenario "
                                                          "file), and no scenario was given")])
        scenario = load_scenario(spec.scenario)
    # validate every variant before any projection, to report all problems at once, each at the change
    # in the spec it comes from; the tasks build their variant again so that only the small `changes`
    # travel to Dask workers
    problems: list[Problem] = []
    for i, (label, ch) in enumerate(zip(spec.labels, spec.changes, strict=True)):
        if not ch:
            continue
        try:
            scenario.with_changes(ch)
        except ScenarioError as exc:
            sources = spec.sources[i] if i < len(spec.sources) else {}
            problems += [_relocate(p, label, sources, spec_where) for p in exc.problems]
    if problems:
        raise SweepError(problems)
    job = _Job(scenario, spec.labels, spec.changes, evaluate)
    chunks = [type(c)(c.start, c.stop, job) for c in make_chunks(len(spec.labels), max(1, int(chunk_size)))]
    attrs = {"title": f"ssproj sweep: {spec.name}", "sweep_name": spec.name, "description": spec.description,
             "labels": json.dumps(list(spec.labels)), "changes": json.dumps(list(spec.changes), default=str),
             "scenario_name": str(scenario.name), "ssproj_version": __version__, "seed": int(scenario.seed),
             "provenance": json.dumps(dict(scenario.provenance), sort_keys=True, default=str), **dict(attrs or {})}
    ds, path = collect_chunks(_chunk_task, chunks, out, dim="scenario", workers=workers, scheduler=scheduler,
                              progress=progress, attrs=attrs)
    return SweepResult(ds, spec, path=path)
