"""Solve for lever values that meet financial targets.

A *spec* (a dict or a YAML file) names the **levers** (what may change:
contribution rates raised in steps, pensionable ages raised in steps, or the
level of a parameter from a given year) and the **targets** (what the
projection must satisfy: a reserve ratio, no depletion, a bound on an
indicator). :func:`solve` returns the lowest lever values that meet every
target, as scenario changes (:class:`SolveResult`). Method and examples:
``docs/solve.md``.

Example spec (YAML)::

    levers:
      - type: contribution_rate
        parameters: [contribution_rate_employer]
        groups: [public, private]
        start_year: 2026
        every_years: 3
        max_step: 0.01
        granularity: 0.001
    targets:
      - reserve_ratio >= 1 until 2050
"""
from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ssproj.io.atomic import write_text_atomic
from ssproj.projection import project
from ssproj.scenario import load_scenario
from ssproj.scenario.yamlio import dump_yaml, load_yaml_file

__all__ = ["solve", "SolveResult", "load_spec", "Lever", "Target"]

_LEVER_TYPES = ("contribution_rate", "pensionable_age", "level")
_SEXES = ("male", "female")


class SpecError(ValueError):
    """A problem in a solve spec."""


# -----------------------------------------------------------------------------
# spec
# -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """One target.

    ``kind`` is ``"reserve_ratio"`` (reserve ratio >= ``value`` in every
    year from ``from_year`` to ``until``), ``"no_depletion"`` (combined
    reserve at 31 December > 0 in every year from ``from_year`` to
    ``until``) or ``"indicator"`` (``Projection.indicators()[name]``
    compared with ``value`` by ``op``, ``"<="`` or ``">="``).
    """

    kind: str
    value: float = 0.0
    until: int | None = None
    from_year: int | None = None
    name: str = ""
    op: str = ">="

    def label(self) -> str:
        span = (f" from {self.from_year}" if self.from_year else "") + (f" until {self.until}" if self.until else "")
        if self.kind == "reserve_ratio":
            return f"reserve_ratio >= {self.value:g}{span}"
        if self.kind == "no_depletion":
            return f"no_depletion{span}"
        return f"{self.name} {self.op} {self.value:g}"


@dataclass(frozen=True)
class Lever:
    """One lever (see :func:`load_spec` for the keys)."""

    type: str
    parameters: tuple[str, ...]
    groups: tuple[str, ...] | None
    start_year: int
    every_years: int = 1
    max_step: float = 0.0
    granularity: float | None = None
    last_year: int | None = None
    bounds: tuple[float, float] | None = None
    prefer: str = "low"

    @property
    def stepped(self) -> bool:
        return self.type != "level"

    def label(self) -> str:
        who = f" ({', '.join(self.groups)})" if self.groups else ""
        if self.stepped:
            return (f"{self.type} {'+'.join(self.parameters)}{who}: steps <= {self.max_step:g} every "
                    f"{self.every_years} years from {self.start_year}")
        return f"level of {self.parameters[0]}{who} from {self.start_year} in {list(self.bounds or ())}"


_TARGET_RE = re.compile(
    r"^\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:(?P<op><=|>=)\s*(?P<value>[-+0-9.eE]+))?"
    r"(?:\s+from\s+(?P<from>\d{4}))?(?:\s+until\s+(?P<until>\d{4}))?\s*$"
)


def _parse_target(item: Any) -> Target:
    if isinstance(item, str):
        m = _TARGET_RE.match(item)
        if not m:
            raise SpecError(f"target {item!r}: expected e.g. 'reserve_ratio >= 1 until 2050', "
                            f"'no_depletion until 2060' or 'gap_50 <= 0.25'")
        d: dict[str, Any] = {"name": m["name"]}
        if m["op"]:
            d["op"], d["value"] = m["op"], float(m["value"])
        if m["from"]:
            d["from"] = int(m["from"])
        if m["until"]:
            d["until"] = int(m["until"])
    elif isinstance(item, Mapping):
        d = dict(item)
    else:
        raise SpecError(f"target {item!r}: expected a string or a mapping")
    name = str(d.get("name", d.get("type", "")))
    until = d.get("until")
    from_year = d.get("from")
    if name == "reserve_ratio":
        if d.get("op", ">=") != ">=" or "value" not in d:
            raise SpecError(f"target {item!r}: reserve_ratio takes '>= k'")
        return Target("reserve_ratio", float(d["value"]), until, from_year)
    if name == "no_depletion":
        if "value" in d:
            raise SpecError(f"target {item!r}: no_depletion takes no value")
        return Target("no_depletion", 0.0, until, from_year)
    if "value" not in d or d.get("op") not in ("<=", ">="):
        raise SpecError(f"target {item!r}: an indicator target needs '<= value' or '>= value'")
    if until is not None or from_year is not None:
        raise SpecError(f"target {item!r}: an indicator target takes no 'from'/'until'")
    return Target("indicator", float(d["value"]), None, None, name, d["op"])


def _years(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise SpecError(f"{what}: expected a year (integer), got {value!r}")
    return int(value)


def _parse_lever(item: Any) -> Lever:
    if not isinstance(item, Mapping) or "type" not in item:
        raise SpecError(f"lever {item!r}: expected a mapping with 'type' ({', '.join(_LEVER_TYPES)})")
    d = dict(item)
    kind = d.pop("type")
    if kind not in _LEVER_TYPES:
        raise SpecError(f"lever type {kind!r}: expected one of {', '.join(_LEVER_TYPES)}")
    groups = d.pop("groups", None)
    groups = tuple(str(g) for g in ([groups] if isinstance(groups, str) else groups)) if groups is not None else None
    start = _years(d.pop("start_year", d.pop("from_year", None)), f"{kind} lever start_year")
    if kind == "level":
        param = d.pop("parameter", None)
        bounds = d.pop("bounds", None)
        prefer = d.pop("prefer", "low")
        if not isinstance(param, str):
            raise SpecError("level lever: 'parameter' (a parameter name) is required")
        if not (isinstance(bounds, (list, tuple)) and len(bounds) == 2 and float(bounds[0]) < float(bounds[1])):
            raise SpecError(f"level lever {param}: 'bounds: [low, high]' with low < high is required")
        if prefer not in ("low", "high"):
            raise SpecError(f"level lever {param}: prefer must be 'low' or 'high', not {prefer!r}")
        if d:
            raise SpecError(f"level lever {param}: unknown keys {sorted(d)}")
        return Lever("level", (param,), groups, start, bounds=(float(bounds[0]), float(bounds[1])), prefer=prefer)
    if kind == "contribution_rate":
        params = d.pop("parameters", ["contribution_rate_employer"])
        params = [params] if isinstance(params, str) else list(params)
        bad = [p for p in params if not str(p).startswith("contribution_rate_")]
        if bad:
            raise SpecError(f"contribution_rate lever: {bad} are not contribution_rate_* parameters")
    else:
        sexes = d.pop("sexes", list(_SEXES))
        sexes = [sexes] if isinstance(sexes, str) else list(sexes)
        bad = [s for s in sexes if s not in _SEXES]
        if bad or not sexes:
            raise SpecError(f"pensionable_age lever: sexes must be among {list(_SEXES)}, not {sexes}")
        params = [f"pensionable_age_{s}" for s in sexes]
    every = _years(d.pop("every_years", 1), f"{kind} lever every_years")
    max_step = d.pop("max_step", None)
    if isinstance(max_step, bool) or not isinstance(max_step, (int, float)):
        raise SpecError(f"{kind} lever: max_step (a number >= 0) is required")
    max_step = float(max_step)
    gran = d.pop("granularity", None)
    last = d.pop("last_year", None)
    if d:
        raise SpecError(f"{kind} lever: unknown keys {sorted(d)}")
    if every < 1:
        raise SpecError(f"{kind} lever: every_years must be >= 1")
    if not max_step >= 0:
        raise SpecError(f"{kind} lever: max_step (>= 0) is required")
    if gran is not None and not float(gran) > 0:
        raise SpecError(f"{kind} lever: granularity must be > 0")
    return Lever(kind, tuple(params), groups, start, every, max_step,
                 float(gran) if gran is not None else None,
                 _years(last, f"{kind} lever last_year") if last is not None else None)


def load_spec(spec: Mapping[str, Any] | str | os.PathLike[str]) -> tuple[list[Lever], list[Target]]:
    """Read a solve spec (a mapping or a YAML file) into levers and targets.

    Parameters
    ----------
    spec : mapping or path
        ``levers``: a list of mappings, each with ``type``:

        - ``contribution_rate``: ``parameters`` (default
          ``[contribution_rate_employer]``), ``groups`` (default: all),
          ``start_year``, ``every_years`` (default 1), ``max_step`` [share
          of insured earnings], optional ``granularity`` and
          ``last_year``. Each step is *added* to the current rate of each
          parameter and group; steps never decrease.
        - ``pensionable_age``: the same, with ``sexes`` (default both)
          instead of ``parameters``; steps in years of age.
        - ``level``: ``parameter``, optional ``groups`` (for a per-group
          parameter), ``start_year`` (from which the level applies),
          ``bounds: [low, high]`` and ``prefer`` (``low``, the default, or
          ``high``: the end of the bounds the answer should be closest
          to).

        ``targets``: a list of strings or mappings: ``reserve_ratio >= k
        [from Y] [until T]``, ``no_depletion [from Y] [until T]``, or
        ``NAME <= r`` / ``NAME >= r`` for an indicator of
        :meth:`ssproj.Projection.indicators` (e.g. ``gap_50 <= 0.25``,
        ``actuarial_balance_50 >= 0``).

    Returns
    -------
    tuple of (list of Lever, list of Target)

    Raises
    ------
    ValueError
        For a malformed spec (message says what is expected).
    """
    if not isinstance(spec, Mapping):
        doc, problems = load_yaml_file(Path(spec))
        if problems or doc is None:
            raise SpecError(f"{spec}: " + "; ".join(str(p) for p in problems))
        spec = doc.data
    if not isinstance(spec, Mapping):
        raise SpecError("a solve spec is a mapping with 'levers' and 'targets'")
    unknown = sorted(set(spec) - {"levers", "targets", "description"})
    if unknown:
        raise SpecError(f"solve spec: unknown keys {unknown} (expected levers, targets)")
    levers = [_parse_lever(x) for x in (spec.get("levers") or [])]
    targets = [_parse_target(x) for x in (spec.get("targets") or [])]
    if not levers:
        raise SpecError("solve spec: at least one lever is required")
    if not targets:
        raise SpecError("solve spec: at least one target is required")
    return levers, targets


# -----------------------------------------------------------------------------
# evaluation
# -----------------------------------------------------------------------------
class _Evaluator:
    """Projects candidate scenarios (cached) and measures target margins."""

    def __init__(self, scenario, targets: list[Target]):
        self.base = scenario
        self.targets = targets
        self.runs = 0
        self._cache: dict[str, Any] = {}

    def run(self, changes: dict[str, Any]):
        key = dump_yaml(changes, flow=True)
        if key not in self._cache:
            sc = self.base.with_changes(changes) if changes else self.base
            proj = project(sc)
            self.runs += 1
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = (sc, proj, self.margins(proj))
        return self._cache[key]

    def margins(self, proj) -> pd.DataFrame:
        """Margins by year (rows) and target (columns); >= 0 (> 0 for no_depletion) is met.

        Indicator targets are in row ``0`` (not by year)."""
        s = proj.summary()
        if "reserve_ratio" not in s.columns:
            raise ValueError("solve needs a projection with a scheme (the assumption set declares no groups)")
        s = s.dropna(subset=["total_outgo"])
        cols = {}
        ind = None
        for t in self.targets:
            if t.kind in ("reserve_ratio", "no_depletion"):
                lo = t.from_year if t.from_year is not None else int(s.index[0])
                hi = t.until if t.until is not None else int(s.index[-1])
                rr = s["reserve_ratio"].loc[lo:hi]
                if t.kind == "no_depletion":
                    rr = s["reserve_end"].loc[lo:hi] / s["total_outgo"].loc[lo:hi]
                cols[t.label()] = rr - t.value
            else:
                if ind is None:
                    ind = proj.indicators()
                if t.name not in ind.index:
                    raise SpecError(f"target {t.label()}: no indicator {t.name!r} (available: "
                                    f"{', '.join(ind.index)})")
                v = float(ind[t.name])
                cols[t.label()] = pd.Series({0: (t.value - v) if t.op == "<=" else (v - t.value)})
        return pd.DataFrame(cols)

    @staticmethod
    def window_margin(m: pd.DataFrame, lo: int | None, hi: int | None, include_indicators: bool) -> float:
        """The worst margin over years lo..hi (and of indicator targets if asked), strictness folded in."""
        years = m.index[m.index > 0]
        sel = years[(years >= (lo if lo is not None else -1)) & (years <= (hi if hi is not None else 10**6))]
        vals = []
        for col in m.columns:
            part = m.loc[sel, col].dropna()
            if col.startswith("no_depletion") and len(part):
                # strict: a zero reserve is depleted
                vals.append(float(part.min()) - 1e-12)
            elif len(part):
                vals.append(float(part.min()))
            if include_indicators and 0 in m.index and not math.isnan(m.loc[0, col]):
                vals.append(float(m.loc[0, col]))
        return min(vals) if vals else math.inf


def _round(v: float) -> float:
    return float(round(v, 10))


def _stepped_changes(base, lever: Lever, schedule: dict[int, float]) -> dict[str, Any]:
    """Scenario changes of a stepped lever: cumulative increases added to the current paths."""
    cum = {}
    total = 0.0
    for y in sorted(schedule):
        total += schedule[y]
        cum[y] = total
    nonzero = [y for y in sorted(cum) if cum[y] > 0]
    if not nonzero:
        return {}
    first = nonzero[0]
    years = np.arange(first, base.end_year + 1)
    add = np.zeros(len(years))
    for y in sorted(cum):
        add[years >= y] = cum[y]
    out: dict[str, Any] = {}
    for p in lever.parameters:
        value = base.value(p)
        groups = lever.groups if lever.groups is not None else tuple(value)
        per: dict[str, Any] = {}
        for g in groups:
            if g not in value:
                raise SpecError(f"lever {lever.label()}: no group {g!r} (groups: {', '.join(value)})")
            cur = base._evaluate(f"{p}[{g}]", value[g], years)
            new = cur + add
            points = {}
            for i, y in enumerate(years):
                if i == 0 or new[i] != new[i - 1]:
                    points[int(y)] = _round(new[i])
            per[g] = points
        out[p] = per
    return out


def _level_changes(base, lever: Lever, level: float) -> dict[str, Any]:
    p = lever.parameters[0]
    value = base.value(p)
    if isinstance(value, Mapping):
        groups = lever.groups if lever.groups is not None else tuple(value)
        return {p: {g: {lever.start_year: _round(level)} for g in groups}}
    return {p: {lever.start_year: _round(level)}}


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in a.items()}
    for k, v in b.items():
        if k in out and isinstance(out[k], dict) and isinstance(v, dict) and not any(isinstance(x, int) for x in v):
            out[k].update(v)
        else:
            out[k] = v
    return out


# -----------------------------------------------------------------------------
# result
# -----------------------------------------------------------------------------
@dataclass
class SolveResult:
    """The answer of :func:`solve`.

    Attributes
    ----------
    changes : dict
        Lever values as scenario changes (the ``changes:`` of a scenario
        file; ``{}`` if the targets are met without change).
    scenario : Scenario
        The input scenario with `changes` applied.
    projection : Projection
        Its projection.
    margins : pandas.DataFrame
        Target margins by year (columns: targets); a target is met where
        its margin is >= 0 (> 0 for ``no_depletion``). Indicator targets
        are in row ``0``.
    feasible : bool
        True if every target is met.
    missed_by : dict
        Target -> its worst margin (negative: the target is missed by that
        much, in the target's unit).
    steps : dict
        Lever label -> ``{year: increase}`` (stepped levers) or the level.
    runs : int
        Number of projections run.
    """

    changes: dict[str, Any]
    scenario: Any
    projection: Any
    margins: pd.DataFrame
    feasible: bool
    missed_by: dict[str, float]
    steps: dict[str, Any]
    runs: int
    base: Any = field(repr=False, default=None)
    levers: list[Lever] = field(repr=False, default_factory=list)
    targets: list[Target] = field(repr=False, default_factory=list)

    def __repr__(self) -> str:
        status = "feasible" if self.feasible else "INFEASIBLE"
        levers = "; ".join(f"{k}: {v}" for k, v in self.steps.items())
        return f"<SolveResult {status}, {self.runs} projections, {levers}>"

    def report(self) -> str:
        """A readable account: targets, lever values, margins, changes."""
        lines = [f"solve: scenario {self.base.name!r}: {'all targets met' if self.feasible else 'INFEASIBLE'} "
                 f"({self.runs} projections)"]
        lines.append("targets (worst margin; negative = missed by):")
        for t in self.targets:
            m = self.missed_by[t.label()]
            ok = m > 0 if t.kind == "no_depletion" else m >= 0
            worst = ""
            col = self.margins[t.label()].dropna()
            if t.kind != "indicator" and len(col):
                worst = f" in {int(col.idxmin())}"
            lines.append(f"  {t.label():<40} {'met   ' if ok else 'MISSED'} margin {m:+.4f}{worst}")
        lines.append("levers:")
        for lever in self.levers:
            v = self.steps[lever.label()]
            if isinstance(v, dict):
                shown = ", ".join(f"{y}: +{d:g}" for y, d in v.items() if d > 0) or "no change"
                lines.append(f"  {lever.label()}\n    steps: {shown} (total +{sum(v.values()):g})")
            else:
                lines.append(f"  {lever.label()}\n    level: {'no change' if v is None else format(v, 'g')}")
        lines.append("changes:")
        lines.append("  " + (dump_yaml(self.changes).rstrip().replace("\n", "\n  ") if self.changes else "{}"))
        return "\n".join(line for line in lines if line != "...")

    def scenario_dict(self, name: str | None = None, extends: str | None = None) -> dict[str, Any]:
        """The solved scenario as a scenario file's data (``extends`` the input)."""
        base = self.base
        ext = extends if extends is not None else (str(base.path) if base.path is not None else None)
        if ext is None:
            raise ValueError("the input scenario has no file to extend: pass extends=")
        desc = (f"Solved by ssproj.solve from {base.name!r}: " + "; ".join(t.label() for t in self.targets)
                + (" (all met)" if self.feasible else " (INFEASIBLE: closest result)"))
        return {"name": name or f"{base.name}_solved", "extends": ext, "description": desc,
                "changes": self.changes}

    def to_yaml(self, path, name: str | None = None) -> Path:
        """Write the solved scenario (extending the input file) atomically.

        The ``extends`` path is relative to the new file's folder.
        """
        path = Path(path)
        if self.base.path is None:
            raise ValueError("the input scenario has no file to extend")
        path.parent.mkdir(parents=True, exist_ok=True)
        ext = os.path.relpath(Path(self.base.path).resolve(), path.parent.resolve())
        data = self.scenario_dict(name=name, extends=Path(ext).as_posix())
        header = "# Written by ssproj solve.\n" + "".join(f"# target: {t.label()}\n" for t in self.targets)
        return write_text_atomic(path, header + dump_yaml(data))


# -----------------------------------------------------------------------------
# solver
# -----------------------------------------------------------------------------
def _lowest(f, hi: float, gran: float | None, xtol: float) -> tuple[float, bool]:
    """The lowest x in [0, hi] with f(x) >= 0, f increasing; (hi, False) if none.

    Continuous: brentq on f, then the feasible side; on a grid of ``gran``:
    bisection on the grid index."""
    if gran is not None:
        hi = _round(math.floor(hi / gran + 1e-9) * gran)  # the largest step on the grid
    if f(0.0) >= 0:
        return 0.0, True
    if hi <= 0 or f(hi) < 0:
        return hi, False
    if gran is not None:
        lo_i, hi_i = 0, round(hi / gran)
        while hi_i - lo_i > 1:
            mid = (lo_i + hi_i) // 2
            if f(_round(mid * gran)) >= 0:
                hi_i = mid
            else:
                lo_i = mid
        return _round(hi_i * gran), True
    from scipy.optimize import brentq  # heavy: imported where used (a cold `ssproj run` starts faster)

    x = brentq(f, 0.0, hi, xtol=xtol)
    while f(x) < 0 and x < hi:
        x = min(hi, x + xtol)
    return x, True


def solve(scenario, spec, *, xtol: float | None = None) -> SolveResult:
    """The lowest lever values that meet the targets.

    Parameters
    ----------
    scenario : Scenario or path
        The scenario to start from (a loaded `Scenario` or a file).
    spec : mapping or path
        Levers and targets (see :func:`ssproj.analysis.solve.load_spec`).
    xtol : float, optional
        Tolerance of continuous searches (levers without ``granularity``);
        default 1e-5 of the lever's unit (1e-3 points of contribution).

    Returns
    -------
    SolveResult

    Notes
    -----
    Each stepped lever is solved greedily, period by period: in each step
    year (``start_year``, then every ``every_years`` until the last target
    year or ``last_year``) the lowest increase in ``[0, max_step]`` that
    meets every year-by-year target from that year up to the year before
    the next step year (to the last target year for the last step, with the
    indicator targets) is found by ``scipy.optimize.brentq`` (bisection on
    the grid with ``granularity``). If even ``max_step`` is not enough it is
    taken and the search goes on. The result is the lexicographically
    lowest schedule (lowest first step, then lowest second step, ...). A
    ``level`` lever is found by ``brentq`` between its bounds. Several
    levers are combined lexicographically, in the order given: each later
    lever only works on what the earlier ones (at their values found) leave
    missed; a lever is not used if the targets are already met.
    """
    if not hasattr(scenario, "with_changes"):
        scenario = load_scenario(scenario)
    levers, targets = load_spec(spec)
    ev = _Evaluator(scenario, targets)
    last_target = max((t.until for t in targets if t.until is not None), default=scenario.end_year)
    changes: dict[str, Any] = {}
    steps: dict[str, Any] = {}

    def all_margin(ch):
        return ev.window_margin(ev.run(ch)[2], None, None, True)

    for lever in levers:
        for p in lever.parameters:
            try:
                scenario.value(p)
            except KeyError as exc:  # with a did-you-mean
                raise SpecError(f"lever {lever.label()}: {exc.args[0]}") from None
        if lever.stepped:
            if all_margin(changes) >= 0:
                steps[lever.label()] = {}
                continue
            tol = xtol if xtol is not None else 1e-5
            last = lever.last_year if lever.last_year is not None else last_target
            step_years = list(range(lever.start_year, last + 1, lever.every_years)) or [lever.start_year]
            schedule: dict[int, float] = {}
            for k, y in enumerate(step_years):
                later = dict.fromkeys(step_years[k + 1:], lever.max_step)

                def ahead(d, y=y, later=later, changes=changes, lever=lever, schedule=schedule):
                    # every target from this step year on, the later steps at their maximum
                    ch = _merge(changes, _stepped_changes(scenario, lever, {**schedule, y: d, **later}))
                    return ev.window_margin(ev.run(ch)[2], y, None, True)

                d, _ok = _lowest(ahead, lever.max_step, lever.granularity, tol)
                # not ok: even max_step now and later is not enough: max_step, and go on
                schedule[y] = _round(d)
            changes = _merge(changes, _stepped_changes(scenario, lever, schedule))
            steps[lever.label()] = schedule
        else:
            lo_b, hi_b = lever.bounds  # type: ignore[misc]
            base_m = all_margin(changes)

            def g(v, changes=changes, lever=lever):
                return all_margin(_merge(changes, _level_changes(scenario, lever, v)))

            pref, other = (lo_b, hi_b) if lever.prefer == "low" else (hi_b, lo_b)
            if base_m >= 0:
                steps[lever.label()] = None
                continue
            m_pref, m_other = g(pref), g(other)
            if m_pref >= 0:
                best = pref
            elif m_other < 0:
                best = other if m_other > m_pref else pref
            else:
                tol = xtol if xtol is not None else 1e-5 * max(1.0, abs(hi_b - lo_b))
                from scipy.optimize import brentq  # heavy: imported where used

                best = brentq(g, lo_b, hi_b, xtol=tol)
                while g(best) < 0:
                    best += (other - pref) / abs(other - pref) * tol
            changes = _merge(changes, _level_changes(scenario, lever, best))
            steps[lever.label()] = _round(best)
    sc, proj, margins = ev.run(changes)
    missed = {}
    for t in targets:
        col = margins[t.label()].dropna()
        missed[t.label()] = float(col.min()) if len(col) else math.nan
    feasible = ev.window_margin(margins, None, None, True) >= 0
    for lever in levers:
        steps.setdefault(lever.label(), {} if lever.stepped else None)
    return SolveResult(changes=changes, scenario=sc, projection=proj, margins=margins, feasible=bool(feasible),
                       missed_by=missed, steps=steps, runs=ev.runs, base=scenario, levers=levers, targets=targets)
