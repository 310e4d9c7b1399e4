"""Calibrate declared parameters to a fund's administrative aggregates.

A *targets file* lists aggregates of the fund for projected years (the
fund's accounts and registers: active members, contributions, insured
earnings, pensions paid, administrative costs, ...). :func:`calibrate`
multiplies one declared parameter per target (by default the one in
:data:`MEASURES`; ``adjust:`` chooses another) by a constant factor over
the whole projection, so that the projection reproduces the targets, and
reports each target in a reconciliation table. Method and examples:
``docs/calibration.md``.

Example targets file (YAML)::

    source: LSSO annual report 2024
    targets:
      - {measure: active_members, group: private, year: 2024, value: 180000}
      - {measure: insured_earnings, group: private, year: 2024, value: 4.1e12}
      - {measure: pension_outgo, year: 2024, value: 1.2e12,
         adjust: {parameter: accrual_rate, group: all}}

A targets file is validated like a scenario: every problem (file, line, key
path, value, what was expected) is reported at once in one
:class:`ssproj.errors.ScenarioError`, before any search runs.
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ssproj.errors import MISSING, Problem, ScenarioError, did_you_mean
from ssproj.io.atomic import write_text_atomic
from ssproj.io.outdir import result_folder
from ssproj.projection import Projection, project
from ssproj.scenario import load_scenario
from ssproj.scenario.parameters import load_parameter_specs
from ssproj.scenario.yamlio import Where, dump_yaml, is_finite_number, read_spec

__all__ = ["calibrate", "CalibrationResult", "CalibrationTarget", "Measure", "MEASURES", "load_targets",
           "TargetsError", "FACTOR_LIMITS"]

#: How problems name a targets file given as a mapping.
TARGETS_LABEL = "<calibration targets>"
#: A factor stays within these, whatever the parameter's declared range (a factor of 0 would switch it off).
FACTOR_LIMITS = (1e-3, 1e3)


class TargetsError(ScenarioError):
    """Problems in a calibration targets file: a `ScenarioError` listing every problem (file, line, key path)."""


@dataclass(frozen=True)
class Measure:
    """A measure a target can give: a Dataset variable summed over the cells the target names.

    ``entities``: the target keys that select cells (``group``, ``fund``,
    ``payer``, ``benefit``; each optional: all cells if absent).
    ``default``: the parameter adjusted by default, or None (the target
    must then say ``adjust:``); it is taken for the target's own group (or
    fund), or for every group if the target names none.
    """

    name: str
    variable: str
    unit: str
    definition: str
    entities: tuple[str, ...]
    default: str | None


#: The measures of a targets file and the parameter each adjusts by default (one table: docs/calibration.md).
MEASURES: dict[str, Measure] = {m.name: m for m in (
    Measure("active_members", "actives", "persons", "active members at 31 December", ("group",), "coverage_rate"),
    Measure("contributors", "contributors", "contributor-years", "contributors in the year (contributor-years)",
            ("group",), "contribution_density"),
    Measure("insured_earnings", "insured_earnings", "currency/year", "insured earnings of contributors in the year",
            ("group",), "earnings_level"),
    Measure("contributions", "contributions", "currency/year", "contributions in the year (all payers, or one)",
            ("group", "payer"), "contribution_density"),
    Measure("pension_outgo", "benefit_outgo_by_type", "currency/year", "pensions paid in the year (all types or one)",
            ("group", "benefit"), None),
    Measure("pensioners", "pensioners", "persons", "pensions in payment at 31 December", ("group", "benefit"), None),
    Measure("lump_sums", "lump_sums", "currency/year", "lump sums and refunds paid in the year", ("group",),
            "lump_sum_months_per_year"),
    Measure("admin_cost", "admin_cost", "currency/year", "administrative costs in the year (all funds, or one)",
            ("fund",), "admin_cost_rate"),
    Measure("reserve", "fund_reserve_end", "currency", "reserve at 31 December (all funds, or one)", ("fund",),
            None),
)}

_FILE_KEYS = ("source", "description", "targets")
_TARGET_KEYS = ("name", "measure", "year", "value", "group", "fund", "payer", "benefit", "adjust")
_ADJUST_KEYS = ("parameter", "group", "fund", "branch")
_PER_KEYS = {"group": "group", "fund": "fund", "branch": "branch"}


@dataclass(frozen=True)
class CalibrationTarget:
    """One target: ``measure`` in ``year`` (selected by ``cells``) should equal ``value``.

    ``parameter`` and ``entity`` are the parameter it adjusts and its group
    (fund, branch), None for a parameter not set per entity or for every
    entity. ``where`` is its position in the targets file.
    """

    name: str
    measure: str
    year: int
    value: float
    cells: tuple[tuple[str, str], ...]
    parameter: str
    entity: str | None
    where: Where | None = field(default=None, compare=False, repr=False)

    @property
    def entity_label(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.cells) or "all"

    @property
    def adjusted(self) -> str:
        return f"{self.parameter}[{self.entity}]" if self.entity is not None else self.parameter


def load_targets(targets: Any, scenario) -> tuple[list[CalibrationTarget], dict[str, Any]]:
    """Read and check a targets file (a mapping or a YAML file) against a scenario.

    Parameters
    ----------
    targets : mapping or path
        ``source`` (optional text: where the figures come from),
        ``description`` (optional) and ``targets``: a list of mappings with
        ``measure`` (a key of :data:`MEASURES`), ``year`` (a projected
        year: after the scenario's valuation year; flows are those of the
        calendar year, stocks those at 31 December), ``value`` (in the
        measure's unit), the cells (``group``, ``fund``, ``payer``,
        ``benefit`` as the measure takes; all cells if absent), an optional
        ``name``, and an optional ``adjust: {parameter, group | fund |
        branch}`` replacing the measure's default parameter (the entity
        defaults to the target's own group or fund; ``all`` for every one).
    scenario : Scenario
        The scenario the targets are checked against (groups, funds, years,
        parameters).

    Returns
    -------
    targets : list of CalibrationTarget
    info : dict
        ``source``, ``description`` and ``label`` (the file name, or
        ``<calibration targets>``).

    Raises
    ------
    TargetsError
        Every problem at once, each with file, line, key path, value and
        what was expected.
    """
    raw, where, label, _base, problems = read_spec(targets, TARGETS_LABEL, "a targets file")
    out: list[CalibrationTarget] = []
    info: dict[str, Any] = {"source": None, "description": None, "label": label}
    if raw is None and not problems:
        problems.append(where.problem(MISSING, "the targets file is empty: it needs 'targets'"))
    elif raw is not None and not isinstance(raw, Mapping):
        problems.append(where.problem(raw, "must be a mapping with 'targets' (and optionally 'source')"))
    elif raw is not None:
        problems += [(where / k).problem(MISSING, "unknown key in a targets file", did_you_mean(k, _FILE_KEYS))
                     for k in raw if k not in _FILE_KEYS]
        for key in ("source", "description"):
            if raw.get(key) is not None and not isinstance(raw[key], str):
                problems.append((where / key).problem(raw[key], "must be a string"))
            elif raw.get(key) is not None:
                info[key] = raw[key]
        items = raw.get("targets", MISSING)
        if items is MISSING:
            problems.append(where.problem(MISSING, "required key 'targets' is missing (a list of targets, e.g. "
                                                   "{measure: active_members, group: private, year: 2024, "
                                                   "value: 180000})"))
        elif not isinstance(items, (list, tuple)) or not items:
            problems.append((where / "targets").problem(items, "must be a non-empty list of targets"))
        else:
            seen: dict[tuple, int] = {}
            for i, item in enumerate(items):
                t, more = _parse_target(item, where / "targets" / i, scenario)
                problems += more
                if t is None:
                    continue
                same = (t.measure, t.year, t.cells)
                if same in seen:
                    problems.append((where / "targets" / i).problem(
                        MISSING, f"is the same target as targets[{seen[same]}] ({t.measure} {t.year} "
                                 f"{t.entity_label})", "remove one"))
                    continue
                seen[same] = i
                out.append(t)
            problems += _check_overlaps(out)
    if problems:
        raise TargetsError(sorted(problems, key=lambda p: p.line if p.line is not None else 0))
    return out, info


def _entity_names(scenario, kind: str) -> tuple[str, ...]:
    return {"group": tuple(scenario.groups), "fund": tuple(scenario.funds), "branch": tuple(scenario.branches)}[kind]


_PAYERS = ("employer", "employee", "state")
_BENEFITS = ("old_age", "invalidity", "widow", "orphan", "parent")


def _cell_names(scenario, key: str) -> tuple[str, ...]:
    if key in ("group", "fund"):
        return _entity_names(scenario, key)
    return _PAYERS if key == "payer" else _BENEFITS


def _parse_target(item: Any, at: Where, scenario) -> tuple[CalibrationTarget | None, list[Problem]]:
    if not isinstance(item, Mapping):
        return None, [at.problem(item, "must be a mapping {measure, year, value, ...}")]
    problems = [(at / k).problem(MISSING, "unknown key in a target", did_you_mean(k, _TARGET_KEYS))
                for k in item if k not in _TARGET_KEYS]
    measure = item.get("measure", MISSING)
    m: Measure | None = None
    if measure is MISSING:
        problems.append(at.problem(MISSING, "required key 'measure' is missing",
                                   "expected one of: " + ", ".join(MEASURES)))
    elif not isinstance(measure, str) or measure not in MEASURES:
        problems.append((at / "measure").problem(measure, "is not a measure",
                                                 did_you_mean(measure, MEASURES, list_if_no_match=20)))
    else:
        m = MEASURES[measure]
    first, last = int(scenario.scheme_years[0]), int(scenario.end_year)
    year = item.get("year", MISSING)
    if year is MISSING:
        problems.append(at.problem(MISSING, f"required key 'year' is missing (a projected year, {first}-{last})"))
    elif not isinstance(year, (int, np.integer)) or isinstance(year, bool) or not first <= year <= last:
        problems.append((at / "year").problem(
            year, f"must be a projected year, {first}-{last}",
            f"the scheme is projected from the year after its valuation year ({first - 1}); stocks are those at "
            "31 December of the year"))
    value = item.get("value", MISSING)
    if value is MISSING:
        problems.append(at.problem(MISSING, "required key 'value' is missing (the fund's figure, in the measure's "
                                            "unit)"))
    elif not is_finite_number(value):
        problems.append((at / "value").problem(value, "must be a number"))
    elif m is not None and m.name != "reserve" and value <= 0:
        problems.append((at / "value").problem(value, f"must be > 0 ({m.name}, in {m.unit})"))
    elif value == 0:
        problems.append((at / "value").problem(value, "must not be 0 (residuals are relative to the target)"))
    name = item.get("name")
    if name is not None and not (isinstance(name, str) and name.strip()):
        problems.append((at / "name").problem(name, "must be a non-empty string"))
    cells: list[tuple[str, str]] = []
    for key in ("group", "fund", "payer", "benefit"):
        if key not in item:
            continue
        v = item[key]
        if m is not None and key not in m.entities:
            problems.append((at / key).problem(
                v, f"is not taken by {m.name}", f"{m.name} takes {', '.join(m.entities)}" if m.entities else None))
            continue
        names = _cell_names(scenario, key)
        if not isinstance(v, str) or v not in names:
            problems.append((at / key).problem(v, f"is not a {key} of the scenario", did_you_mean(v, names)))
            continue
        cells.append((key, v))
    param, entity, more = _adjusted(item, at, m, dict(cells), scenario)
    problems += more
    if problems or m is None or param is None:
        return None, problems
    label = name or (f"{m.name} {year}" + "".join(f" {v}" for _k, v in cells))
    return CalibrationTarget(str(label), m.name, int(year), float(value), tuple(cells), param, entity, at), []


def _adjusted(item: Mapping, at: Where, m: Measure | None, cells: dict[str, str],
              scenario) -> tuple[str | None, str | None, list[Problem]]:
    """The parameter a target adjusts and its entity (None: not per entity, or every entity)."""
    problems: list[Problem] = []
    adjust = item.get("adjust")
    specs = load_parameter_specs()
    given_entity: Any = MISSING
    ent_key = None
    if adjust is None:
        if m is None:
            return None, None, []
        if m.default is None:
            problems.append(at.problem(MISSING, f"{m.name} has no default parameter: say which parameter to adjust",
                                       "add adjust: {parameter: NAME, group: G}"))
            return None, None, problems
        param = m.default
    else:
        if not isinstance(adjust, Mapping):
            return None, None, [(at / "adjust").problem(adjust, "must be a mapping {parameter, group | fund | "
                                                                "branch}")]
        problems += [(at / "adjust" / k).problem(MISSING, "unknown key in adjust", did_you_mean(k, _ADJUST_KEYS))
                     for k in adjust if k not in _ADJUST_KEYS]
        param = adjust.get("parameter", MISSING)
        if param is MISSING:
            problems.append((at / "adjust").problem(MISSING, "required key 'parameter' is missing"))
            return None, None, problems
        if not isinstance(param, str) or param not in scenario.parameters:
            problems.append((at / "adjust" / "parameter").problem(
                param, "is not a parameter of the scenario", did_you_mean(param, scenario.parameters)))
            return None, None, problems
        keys = [k for k in ("group", "fund", "branch") if k in adjust]
        if len(keys) > 1:
            problems.append((at / "adjust").problem(MISSING, f"gives {' and '.join(keys)}: give one"))
            return None, None, problems
        if keys:
            ent_key, given_entity = keys[0], adjust[keys[0]]
    spec = specs[param]
    where_p = at / "adjust" / "parameter" if adjust is not None else at / "measure"
    if spec.type not in ("timepath", "float"):
        problems.append(where_p.problem(param, f"is a {spec.type} parameter: only numbers and time paths are "
                                               "multiplied by a factor"))
        return None, None, problems
    per = spec.per
    if ent_key is not None and ent_key != per:
        what = f"is set per {per}" if per is not None else "is not set per group, fund or branch"
        problems.append((at / "adjust" / ent_key).problem(given_entity, f"is given but {param} {what}"))
        return None, None, problems
    entity: str | None = None
    if per is not None:
        names = _entity_names(scenario, per)
        if given_entity is not MISSING:
            if given_entity != "all":
                if not isinstance(given_entity, str) or given_entity not in names:
                    problems.append((at / "adjust" / per).problem(
                        given_entity, f"is not a {per} of the scenario nor all", did_you_mean(given_entity, names)))
                    return None, None, problems
                entity = given_entity
        elif per in cells:
            entity = cells[per]
    return param, entity, problems


def _check_overlaps(targets: list[CalibrationTarget]) -> list[Problem]:
    """A parameter adjusted for every entity and also for one entity by another target: refused."""
    problems = []
    every = {t.parameter: t for t in targets if t.entity is None}
    for t in targets:
        if t.entity is not None and t.parameter in every:
            o = every[t.parameter]
            at = t.where if t.where is not None else Where.in_memory(TARGETS_LABEL)
            problems.append(at.problem(
                MISSING, f"adjusts {t.adjusted} while target {o.name!r} adjusts {t.parameter} of every entity",
                f"give {o.name!r} an adjust with one entity, or adjust another parameter"))
    return problems


# -----------------------------------------------------------------------------
# parameters multiplied by a factor
# -----------------------------------------------------------------------------
@dataclass
class _Factor:
    """A parameter (of one entity, or of every entity) multiplied by one factor over the projection years."""

    parameter: str
    entity: str | None
    entities: tuple[str | None, ...]
    paths: dict[str | None, np.ndarray]   # the current values over the projection years, per entity
    kind: str                             # "timepath" or "float"
    bounds: tuple[float, float]           # of the factor
    range_: tuple[float | None, float | None]

    @property
    def label(self) -> str:
        return f"{self.parameter}[{self.entity}]" if self.entity is not None else self.parameter

    def moves(self) -> bool:
        return any(np.any(p != 0) for p in self.paths.values())

    def changes(self, years: list[int], factor: float) -> dict[str, Any]:
        per: dict[str | None, Any] = {}
        for e in self.entities:
            new = self.paths[e] * factor
            if self.kind == "float":
                per[e] = float(new[0])
                continue
            points = {years[0]: float(new[0])}
            for i in range(1, len(years)):
                if new[i] != new[i - 1]:
                    points[years[i]] = float(new[i])
            per[e] = ({"values": points, "between": "step", "after": "hold"} if len(points) > 1
                      else float(new[0]))
        if self.entities == (None,):
            return {self.parameter: per[None]}
        return {self.parameter: dict(per)}


def _factor(scenario, parameter: str, entity: str | None) -> _Factor:
    spec = load_parameter_specs()[parameter]
    years = np.asarray(scenario.years)
    if spec.per is None:
        entities: tuple[str | None, ...] = (None,)
        values: dict[str | None, np.ndarray] = {None: np.asarray(scenario.path_values(parameter, years), dtype=float)}
    else:
        names = _entity_names(scenario, spec.per)
        rows = scenario.path_values(parameter, years)
        all_values = {n: np.asarray(rows[i], dtype=float) for i, n in enumerate(names)}
        entities = (entity,) if entity is not None else names
        values = {e: all_values[e] for e in entities if e is not None}
    lo_f, hi_f = FACTOR_LIMITS
    lo, hi = spec.range if spec.range is not None else (None, None)
    for v in values.values():
        pos, neg = v[v > 0], v[v < 0]
        if hi is not None:
            if len(pos):
                hi_f = min(hi_f, float(np.min(hi / pos)))
            if len(neg) and hi < 0:
                lo_f = max(lo_f, float(np.max(hi / neg)))
        if lo is not None:
            if len(pos) and lo > 0:
                lo_f = max(lo_f, float(np.max(lo / pos)))
            if len(neg):
                hi_f = min(hi_f, float(np.min(lo / neg)))
    # a hair inside the range: v * (hi / v) may round above hi
    bounds = (lo_f * (1 + 1e-12), hi_f * (1 - 1e-12))
    return _Factor(parameter, entity, entities, values, spec.type, bounds, (lo, hi))


def _moved(evaluate, x0: np.ndarray, k: int, h: float) -> np.ndarray:
    x = x0.copy()
    x[k] = h
    return evaluate(x)[2]


def _measure(ds, t: CalibrationTarget) -> float:
    da = ds[MEASURES[t.measure].variable].sel(year=t.year)
    for key, v in t.cells:
        da = da.sel({key: v})
    return float(da.sum())


# -----------------------------------------------------------------------------
# result
# -----------------------------------------------------------------------------
@dataclass
class CalibrationResult:
    """The answer of :func:`calibrate`.

    Attributes
    ----------
    changes : dict
        The scenario changes (``changes:`` of ``calibrated.yaml``): each
        adjusted parameter's path times its factor.
    factors : dict
        Adjusted parameter (``name[entity]``) -> its factor.
    scenario : Scenario
        The input scenario with `changes`.
    projection : Projection
        Its projection.
    base : Scenario
        The input scenario.
    targets : list of CalibrationTarget
    table : pandas.DataFrame
        The reconciliation table, one row per target (see
        :meth:`reconciliation`).
    all_met : bool
        True if every target is met to ``rtol``.
    runs : int
        Projections run.
    iterations : int
        Evaluations of the residuals by the least-squares search (``nfev``).
    rank : int
        Rank of the Jacobian at the answer; less than `n_searched` when
        the targets do not determine the parameters (targets that move
        together).
    n_searched : int
        Parameters searched (those that move a feasible target).
    source : str or None
        ``source`` of the targets file.
    label : str
        The targets file (its name) or ``<calibration targets>``.
    """

    changes: dict[str, Any]
    factors: dict[str, float]
    scenario: Any
    projection: Projection
    base: Any
    targets: list[CalibrationTarget]
    table: pd.DataFrame
    all_met: bool
    runs: int
    iterations: int
    rank: int
    n_searched: int
    source: str | None
    label: str
    rtol: float
    befores: dict[str, dict[str | None, np.ndarray]] = field(repr=False, default_factory=dict)

    def __repr__(self) -> str:
        met = int((self.table["status"] == "met").sum())
        return (f"<CalibrationResult {met}/{len(self.table)} targets met, {len(self.factors)} parameters, "
                f"{self.runs} projections>")

    def reconciliation(self) -> pd.DataFrame:
        """One row per target: target, model before and after, residual, parameter adjusted, status.

        Columns: ``target`` (name), ``measure``, ``year``, ``entity``,
        ``unit``, ``target_value``, ``model_before``, ``model_after``,
        ``residual`` (model after − target, in the measure's unit),
        ``relative_residual`` (residual / \\|target\\|), ``parameter``
        (``name[entity]``), ``value_before`` and ``value_after`` (the
        parameter in the target's year; of the first entity for a parameter
        adjusted for every entity), ``factor``, ``status`` (``met``, ``not
        met: bound reached``, ``not met: flat``, ``not met: compromise``,
        ``infeasible``) and
        ``reason``.
        """
        return self.table.copy()

    def report(self) -> str:
        """A readable account: the targets, the parameters and their factors."""
        met = int((self.table["status"] == "met").sum())
        lines = [f"calibrate: scenario {self.base.name!r} to {self.label}"
                 + (f" ({self.source})" if self.source else "")
                 + f": {met} of {len(self.table)} targets met (relative residual <= {self.rtol:g}; "
                   f"{self.runs} projections)"]
        with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 40):
            shown = self.table[["target", "target_value", "model_before", "model_after", "relative_residual",
                                "parameter", "factor", "status"]]
            lines.append(shown.to_string(index=False, float_format=lambda v: f"{v:.6g}"))
        for _, row in self.table[self.table["status"] != "met"].iterrows():
            lines.append(f"  {row['target']}: {row['status']}: {row['reason']}")
        if self.rank < self.n_searched:
            lines.append(f"note: the targets do not determine the {self.n_searched} parameters (Jacobian rank "
                         f"{self.rank}): some targets move together (e.g. contributions and insured earnings of "
                         "one group); the parameters found are one answer among many")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The reconciliation table as a Markdown page."""
        t = self.table
        head = (f"# Calibration of scenario `{self.base.name}`\n\n"
                f"Targets: `{self.label}`" + (f" ({self.source})" if self.source else "") + ".\n"
                f"{int((t['status'] == 'met').sum())} of {len(t)} targets met (relative residual <= "
                f"{self.rtol:g}); {self.runs} projections.\n\n")
        cols = ["target", "year", "entity", "target_value", "model_before", "model_after", "residual",
                "relative_residual", "parameter", "value_before", "value_after", "status"]
        rows = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for _, r in t.iterrows():
            cells = []
            for c in cols:
                v = r[c]
                cells.append(f"{v:.6g}" if isinstance(v, float) else str(v))
            rows.append("| " + " | ".join(cells) + " |")
        notes = [f"- {r['target']}: {r['reason']}" for _, r in t.iterrows() if r["status"] != "met"]
        factors = [f"- `{k}` × {v:.8g}" for k, v in self.factors.items()]
        return (head + "\n".join(rows) + "\n\n## Parameters adjusted\n\n" + ("\n".join(factors) or "none")
                + "\n" + ("\n## Targets not met\n\n" + "\n".join(notes) + "\n" if notes else ""))

    def scenario_dict(self, extends: str, name: str | None = None) -> dict[str, Any]:
        """The calibrated scenario as a scenario file's data (``extends`` the input)."""
        desc = (f"{self.base.name} calibrated to {self.label}" + (f" ({self.source})" if self.source else "")
                + " by ssproj calibrate: " + "; ".join(f"{k} x {v:.8g}" for k, v in self.factors.items()))
        return {"name": name or f"{self.base.name}_calibrated", "extends": extends, "description": desc,
                "changes": self.changes}

    def to_yaml(self, path, name: str | None = None) -> Path:
        """Write the calibrated scenario (extending the input file) atomically.

        The ``extends`` path is relative to the new file's folder. Scenario
        changes carry no source of their own, so each change's source
        ("calibrated to <targets file>"), factor and values before and
        after are written as comments above ``changes:``.
        """
        path = Path(path)
        if self.base.path is None:
            raise ValueError("the input scenario has no file to extend")
        return write_text_atomic(path, self._yaml_text(path.parent, name))

    def _yaml_text(self, folder: Path, name: str | None = None) -> str:
        ext = os.path.relpath(Path(self.base.path).resolve(), Path(os.path.abspath(folder)))
        header = [f"# Written by ssproj calibrate: calibrated to {self.label}"
                  + (f" ({self.source})" if self.source else "") + "."]
        years = [int(y) for y in self.base.years]
        for label, f in self.factors.items():
            before = self.befores[label]
            first = next(iter(before))
            b, a = before[first], before[first] * f
            header.append(f"# {label}: x {f:.10g} over {years[0]}-{years[-1]} ({b[0]:.6g} -> {a[0]:.6g} in "
                          f"{years[0]}, {b[-1]:.6g} -> {a[-1]:.6g} in {years[-1]}); source: calibrated to "
                          f"{self.label}")
        for _, r in self.table[self.table["status"] != "met"].iterrows():
            header.append(f"# target not met: {r['target']}: {r['status']}: {r['reason']}")
        data = self.scenario_dict(Path(ext).as_posix(), name)
        return "\n".join(header) + "\n" + dump_yaml(data)

    def write(self, out) -> dict[str, Path]:
        """Write ``calibrated.yaml``, ``reconciliation.csv`` and ``reconciliation.md`` to `out`, as one folder.

        Returns
        -------
        dict
            Role -> path of each file (in the final folder).
        """
        out = Path(out)
        with result_folder(out, kind="calibration", scenario=self.base.name) as stage:
            written = {
                # relative to the final folder (the staged one is its sibling: the same relative path)
                "scenario": write_text_atomic(stage.path / "calibrated.yaml", self._yaml_text(out)),
                "csv": write_text_atomic(stage.path / "reconciliation.csv",
                                         self.table.to_csv(index=False, lineterminator="\n")),
                "markdown": write_text_atomic(stage.path / "reconciliation.md", self.to_markdown()),
            }
            written = {k: stage.final(p) for k, p in written.items()}
        return written


# -----------------------------------------------------------------------------
# solver
# -----------------------------------------------------------------------------
def calibrate(scenario, targets, *, rtol: float = 1e-6) -> CalibrationResult:
    """Adjust declared parameters so that the projection reproduces the fund's aggregates.

    Parameters
    ----------
    scenario : Scenario or path
        The scenario to calibrate (a loaded `Scenario` or a file).
    targets : mapping or path
        The targets (see :func:`load_targets`).
    rtol : float, default 1e-6
        A target is met when \\|model − target\\| <= rtol × \\|target\\|.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    TargetsError
        Every problem of the targets file, before any search runs.

    Notes
    -----
    Each target adjusts one parameter (the measure's default in
    :data:`MEASURES`, or ``adjust:``); targets adjusting the same
    parameter share it. Each adjusted parameter is multiplied by a factor
    ``exp(x)`` in every projection year (its shape is kept), within its
    declared range and :data:`FACTOR_LIMITS`. The log factors ``x`` are
    found by ``scipy.optimize.least_squares`` (trust-region reflective,
    bounds) on the relative residuals ``(model − target) / |target|``:
    exactly determined when there are as many parameters as targets, a
    least-squares compromise when there are more targets. Before the
    search, a target whose own parameter does not move it (a relative
    change below 1e-9 for a 0.1% change of the factor, nor at either end of
    its range) is reported as ``infeasible`` and left out; a target not met
    at the end is ``not met: bound reached`` when its parameter sits at a
    bound, ``not met: flat`` when its parameter moves it only far from the
    start (the search follows the local slope), else ``not met:
    compromise``.
    """
    from scipy.optimize import least_squares  # heavy: imported where used (a cold `ssproj run` starts faster)

    if not hasattr(scenario, "with_changes"):
        scenario = load_scenario(scenario)
    if not scenario.groups:
        raise TargetsError([Problem(scenario.path if scenario.path is not None else f"<scenario {scenario.name}>",
                                    None, "", MISSING, f"scenario {scenario.name!r} has no scheme (its assumption set "
                                                       "declares no insured groups): calibrate needs one")])
    tlist, info = load_targets(targets, scenario)
    years = [int(y) for y in scenario.years]
    factors: dict[str, _Factor] = {}
    for t in tlist:
        if t.adjusted not in factors:
            factors[t.adjusted] = _factor(scenario, t.parameter, t.entity)
    labels = list(factors)
    cache: dict[tuple, tuple[Any, Projection, np.ndarray]] = {}
    runs = 0

    def changes_of(x: np.ndarray) -> dict[str, Any]:
        ch: dict[str, Any] = {}
        for k, lab in enumerate(labels):
            if x[k] == 0.0:
                continue
            for p, v in factors[lab].changes(years, float(math.exp(x[k]))).items():
                if isinstance(v, dict) and isinstance(ch.get(p), dict) and "values" not in v:
                    ch[p].update(v)
                else:
                    ch[p] = v
        return ch

    def evaluate(x: np.ndarray):
        nonlocal runs
        key = tuple(float(v) for v in x)
        if key not in cache:
            ch = changes_of(np.asarray(x, dtype=float))
            sc = scenario.with_changes(ch, name=f"{scenario.name}_calibrated") if ch else scenario
            proj = project(sc)
            runs += 1
            cache[key] = (sc, proj, np.array([_measure(proj.dataset, t) for t in tlist]))
            if len(cache) > 256:
                cache.pop(next(iter(cache)))
        return cache[key]

    n = len(labels)
    x0 = np.zeros(n)
    lb = np.array([math.log(factors[lab].bounds[0]) for lab in labels])
    ub = np.array([math.log(factors[lab].bounds[1]) for lab in labels])
    values = np.array([t.value for t in tlist])
    scale = np.abs(values)
    before = evaluate(x0)[2]
    # does each target's own parameter move it? (a 0.1% change of the factor, inside the bounds)
    infeasible: dict[int, str] = {}
    flat: dict[int, str] = {}
    for i, t in enumerate(tlist):
        k = labels.index(t.adjusted)
        f = factors[t.adjusted]
        if not f.moves():
            infeasible[i] = f"{t.adjusted} is 0 in every projection year: a factor does not change it"
            continue
        if lb[k] >= ub[k]:
            infeasible[i] = f"{t.adjusted} cannot move within its declared range {list(f.range_)}"
            continue
        tiny = 1e-9 * max(abs(before[i]), scale[i])
        probes = [min(1e-3, ub[k]), max(-1e-3, lb[k])]
        if all(abs(_moved(evaluate, x0, k, h)[i] - before[i]) <= tiny for h in probes):
            far = [ub[k], lb[k]]  # flat near the start: does it move anywhere in the range?
            if all(abs(_moved(evaluate, x0, k, h)[i] - before[i]) <= tiny for h in far):
                infeasible[i] = (f"{t.adjusted} does not move {t.measure} in {t.year} anywhere in its range: "
                                 "adjust another parameter")
            else:
                flat[i] = (f"{t.adjusted} does not move {t.measure} in {t.year} near its current value (it does "
                           "farther away: e.g. a group's actives are the members continuing from the year before "
                           "until coverage calls for new entrants)")
    active = [i for i in range(len(tlist)) if i not in infeasible]
    used = sorted({labels.index(tlist[i].adjusted) for i in active})
    x_best = x0.copy()
    iterations = 0
    rank = 0
    if active and used:
        def residuals(xu: np.ndarray) -> np.ndarray:
            x = x0.copy()
            x[used] = xu
            return (evaluate(x)[2][active] - values[active]) / scale[active]

        sol = least_squares(residuals, x0[used], bounds=(lb[used], ub[used]), method="trf", x_scale=1.0,
                            xtol=1e-14, ftol=1e-14, gtol=1e-14, max_nfev=100 * (len(used) + 1))
        x_best[used] = sol.x
        iterations = int(sol.nfev)
        rank = int(np.linalg.matrix_rank(sol.jac, tol=1e-8 * max(1.0, float(np.abs(sol.jac).max()))))
    sc_after, proj_after, after = evaluate(x_best)
    rows = []
    all_met = True
    for i, t in enumerate(tlist):
        k = labels.index(t.adjusted)
        f = factors[t.adjusted]
        fac = float(math.exp(x_best[k]))
        rel = (after[i] - t.value) / abs(t.value)
        yi = years.index(t.year)
        first = next(iter(f.paths))
        vb = float(f.paths[first][yi])
        if abs(rel) <= rtol:
            status, reason = "met", ""
        elif i in infeasible:
            status, reason = "infeasible", infeasible[i]
        elif x_best[k] <= lb[k] + 1e-9 or x_best[k] >= ub[k] - 1e-9:
            end = "upper" if x_best[k] >= ub[k] - 1e-9 else "lower"
            limit = (f"its declared range {list(f.range_)}" if (f.bounds[1] < FACTOR_LIMITS[1] * 0.999 if end == "upper"
                                                                else f.bounds[0] > FACTOR_LIMITS[0] * 1.001)
                     else f"the factor limit {FACTOR_LIMITS[1] if end == 'upper' else FACTOR_LIMITS[0]:g}")
            status = "not met: bound reached"
            reason = f"{t.adjusted} x {fac:.6g} is at the {end} end of {limit}"
        elif i in flat:
            status, reason = "not met: flat", flat[i]
        else:
            status = "not met: compromise"
            reason = ("the targets adjusting the same or coupled parameters cannot all be met: the least-squares "
                      "compromise")
        all_met = all_met and status == "met"
        rows.append({
            "target": t.name, "measure": t.measure, "year": t.year, "entity": t.entity_label,
            "unit": MEASURES[t.measure].unit, "target_value": t.value, "model_before": float(before[i]),
            "model_after": float(after[i]), "residual": float(after[i] - t.value), "relative_residual": float(rel),
            "parameter": t.adjusted, "value_before": vb, "value_after": vb * fac, "factor": fac,
            "status": status, "reason": reason,
        })
    table = pd.DataFrame(rows)
    kept = [lab for k, lab in enumerate(labels) if x_best[k] != 0.0]
    return CalibrationResult(
        changes=changes_of(x_best), factors={lab: float(math.exp(x_best[labels.index(lab)])) for lab in kept},
        scenario=sc_after, projection=proj_after, base=scenario, targets=tlist, table=table, all_met=all_met,
        runs=runs, iterations=iterations, rank=rank, n_searched=len(used), source=info["source"], label=info["label"],
        rtol=rtol, befores={lab: factors[lab].paths for lab in kept})
