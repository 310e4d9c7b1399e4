"""Which conclusions survive the unknowns: options judged over the plausible ranges of assumed inputs.

A robustness run asks of each coverage strategy and financing option whether
what it does to the fund (the *sign* of its effect) and how it compares with
the other options (its *rank*) hold wherever the assumed base data may lie.
The pieces of this module judge; :func:`ssproj.uncertainty.robustness.robustness`
runs the projections on the sweep machinery (in-process or on Dask):

* :func:`range_axes` turns the plausible ranges of the baseline's assumed
  inputs (:func:`ssproj.analysis.assumptions.range_factors`) into axes, each
  a line of values from its low to its high end through the value the
  scenario stands at (its *central* value);
* :meth:`RobustnessGrid.build` makes the grid of points: ``oat`` (each range
  through its levels, one at a time), ``corners`` (every combination of the
  ends, with the ends one at a time) or ``full`` (every combination of the
  levels); point 0 is the central point, the scenario as given;
* :func:`point_values` measures the baseline and every option at one grid
  point (:func:`decision_measures`: the GAP, the shortfall in % of the PV of
  GDP, the depletion year, the state's cost, contributors gained, the net
  present value per recruit of a coverage strategy);
* :class:`RobustnessResult` holds those values for every point, takes each
  option's effect against the baseline at the same point, and says for each
  option and measure whether the sign and the rank hold, and which range
  breaks them (tables, a Markdown summary, :meth:`RobustnessResult.write`).

Methods: ``docs/robustness.md``.
"""
from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ssproj._version import __version__
from ssproj.analysis.assumptions import range_factors
from ssproj.analysis.compare import Comparison, compare
from ssproj.io.atomic import write_text_atomic
from ssproj.io.outdir import inputs_sha256, result_folder
from ssproj.projection import Projection
from ssproj.scenario.model import Scenario
from ssproj.scenario.parameters import load_parameter_specs

__all__ = ["GRID_MODES", "KINDS", "Measure", "RangeAxis", "RobustnessGrid", "RobustnessResult",
           "decision_measures", "point_values", "range_axes", "option_kind", "ZERO_TOLERANCE", "MAX_POINTS"]

#: Grid modes of :meth:`RobustnessGrid.build`.
GRID_MODES = ("corners", "full", "oat")
#: Kinds of options, ranked among themselves: a scenario with a ``strategy:`` is a coverage strategy.
KINDS = ("coverage", "financing")
#: An effect is counted as zero (no sign) when its magnitude is at most this share of the largest magnitude of
#: the same measure in the run (all options, all points): differences at the level of rounding are not a sign.
ZERO_TOLERANCE = 1e-9
#: Largest grid a run builds (points); more is refused with the advice to use fewer ranges or another mode.
MAX_POINTS = 20_000

_FACTOR_NAME = re.compile(r"^(?P<name>[^\[\]]+)(?:\[(?P<entity>[^\[\]]+)\])?$")


def option_kind(scenario: Scenario) -> str:
    """``"coverage"`` for a scenario with a coverage-expansion strategy, else ``"financing"``."""
    return "coverage" if scenario.strategy is not None else "financing"


# ----------------------------------------------------------------------------- measures
@dataclass(frozen=True)
class Measure:
    """A decision measure of :func:`decision_measures`.

    Attributes
    ----------
    name : str
        Column name of the effect, e.g. ``gap_75``.
    unit : str
        Unit of the effect.
    better : {1, -1}
        1 when a higher effect is better for the fund or the decision, -1
        when lower is better: ranks put the best option first.
    effect : {"difference", "value"}
        ``difference``: the option's value minus the baseline's at the same
        grid point; ``value``: the option's own value (a measure of the
        option alone, e.g. the net present value per recruit).
    kinds : tuple of str
        Kinds of options it is reported for (:data:`KINDS`).
    definition : str
        What is measured.
    """

    name: str
    unit: str
    better: int
    effect: str
    kinds: tuple[str, ...]
    definition: str


def decision_measures(horizon: int = 75, milestone: int = 2050) -> tuple[Measure, ...]:
    """The decision measures of a robustness run.

    Parameters
    ----------
    horizon : int
        Valuation period of the GAP and of the shortfall, in years from the
        first scheme year (shortened to the projection if longer). [years]
    milestone : int
        Year of the contributors gained. [calendar year]

    Returns
    -------
    tuple of Measure
        ``gap_<horizon>``, ``pv_shortfall_<horizon>_share_of_gdp``,
        ``depletion_year``, ``cost_to_state_share_of_gdp``,
        ``contributors_gained_<milestone>`` (every option) and
        ``net_pv_per_recruit`` (coverage strategies).
    """
    h, m = int(horizon), int(milestone)
    both = KINDS
    return (
        Measure(f"gap_{h}", "share of insured earnings", -1, "difference", both,
                f"change in the general average premium of the pension fund over {h} years (Projection.indicators)"),
        Measure(f"pv_shortfall_{h}_share_of_gdp", "share of the PV of GDP", -1, "difference", both,
                f"change in the pension fund's shortfall over {h} years in present value, over the present value "
                "of GDP (Projection.indicators)"),
        Measure("depletion_year", "years", 1, "difference", both,
                "change in the first year the pension fund's reserve is exhausted under the scheduled flows; a fund "
                "never exhausted counts as the year after the projection's last"),
        Measure("cost_to_state_share_of_gdp", "share of the PV of GDP", -1, "difference", both,
                "change in the state's money over the common scheme years (its contributions, deficit transfers, "
                "the pensions it pays, the channels' state costs) in present value at the baseline's return, over "
                "the present value of the baseline's GDP (ssproj.compare)"),
        Measure(f"contributors_gained_{m}", "contributor-years", 1, "difference", both,
                f"contributors in {m} minus the baseline's (ssproj.compare)"),
        Measure("net_pv_per_recruit", "currency at the start per person", 1, "value", ("coverage",),
                "the strategy's contributions net of the administrative charge, minus the benefits and the fund's "
                "costs of its recruits, in present value over the projection, per recruit (the 'all channels' row "
                "of Projection.channel_values); an upper bound: benefits after the last year are not counted"),
    )


def point_values(projections: Mapping[str, Projection], reference: str, measures: Sequence[Measure]
                 ) -> pd.DataFrame:
    """The measures of the baseline and every option projected at one grid point.

    Parameters
    ----------
    projections : mapping of str to Projection
        The baseline (key `reference`) and the options at the same point.
    reference : str
        Key of the baseline.
    measures : sequence of Measure
        From :func:`decision_measures`.

    Returns
    -------
    pandas.DataFrame
        One row per projection (in the order given), one column per
        measure: the *value* of each (not the effect): the GAP and the
        shortfall share of the projection, its depletion year (the year
        after the last projected year if never), its state cost share, its
        contributors in the milestone year, and the net present value per
        recruit (NaN without a strategy).
    """
    names = list(projections)
    cmp = compare(projections, reference=reference, milestones=_milestones(measures))
    horizons = tuple(sorted({int(m.name.split("_")[2 if m.name.startswith("pv_") else 1]) for m in measures
                             if m.name.startswith(("gap_", "pv_shortfall_"))}))
    out = pd.DataFrame(index=pd.Index(names, name="scenario"), columns=[m.name for m in measures], dtype=float)
    for name, proj in projections.items():
        ind = proj.indicators(horizons=horizons, milestones=())
        for m in measures:
            out.loc[name, m.name] = _value(m, name, proj, ind, cmp)
    return out


def _milestones(measures: Sequence[Measure]) -> tuple[int, ...]:
    return tuple(int(m.name.rsplit("_", 1)[1]) for m in measures if m.name.startswith("contributors_gained_"))


def _value(m: Measure, name: str, proj: Projection, ind: pd.Series, cmp: Comparison) -> float:
    if m.name.startswith(("gap_", "pv_shortfall_")):
        return float(ind[m.name])
    if m.name == "depletion_year":
        year = float(ind["depletion_year"])
        return year if math.isfinite(year) else float(proj.dataset["year"].values[-1]) + 1.0
    if m.name == "cost_to_state_share_of_gdp":
        return float(cmp.row("cost_to_state_share_of_gdp")[name])
    if m.name.startswith("contributors_gained_"):  # the value: contributors in the milestone year
        return float(cmp.row("contributors", int(m.name.rsplit("_", 1)[1]))[name])
    if m.name == "net_pv_per_recruit":
        if "channel_recruits" not in proj.dataset:
            return math.nan
        return float(proj.channel_values().loc["all channels", "net_pv_per_recruit"])
    raise KeyError(m.name)  # pragma: no cover - decision_measures gives only the names above


# ----------------------------------------------------------------------------- the grid
def _interpolate(low: Any, high: Any, t: float) -> Any:
    """The change between two changes of the same shape: numbers at ``low + t * (high - low)``."""
    if isinstance(low, Mapping):
        return {k: _interpolate(low[k], high[k], t) for k in low}
    if isinstance(low, (list, tuple)):
        return [_interpolate(a, b, t) for a, b in zip(low, high, strict=True)]
    if isinstance(low, bool) or not isinstance(low, (int, float)):
        return low  # a rule ("none", "hold"): the same at both ends
    if t == 0.0:
        return low
    if t == 1.0:
        return high
    value = float(low) + t * (float(high) - float(low))
    return round(value) if isinstance(low, int) and isinstance(high, int) else value


@dataclass(frozen=True)
class RangeAxis:
    """One plausible range of an assumed input, as an axis of the grid.

    Attributes
    ----------
    name : str
        ``<parameter>`` or ``<parameter>[<entity>]`` (the factor names of
        :func:`ssproj.analysis.assumptions.range_factors`).
    description : str
    kind : {"value", "factor"}
        The range is of the value itself, or of a factor on the value as given.
    low, high : float
        Ends of the range (in the parameter's unit, or factors).
    central : float
        Where the scenario stands in the same terms (1.0 for a factor; the
        value when it is one number in every year and entity concerned;
        NaN when not: the central level is then "as given").
    changes_low, changes_high : mapping
        Changes (for :meth:`ssproj.scenario.Scenario.with_changes`) that put
        the input at each end; a level in between is interpolated (every
        change is affine in the level).
    """

    name: str
    description: str
    kind: str
    low: float
    high: float
    central: float
    changes_low: Mapping[str, Any] = field(repr=False)
    changes_high: Mapping[str, Any] = field(repr=False)

    def levels(self, points: int) -> tuple[tuple[float, ...], int]:
        """The axis' levels with `points` levels from low to high, and the index of the central level.

        The central value replaces the level it equals (within 1e-12
        relative) or is added in its place in the order; a central value
        that is not one number is the first level (NaN).
        """
        ends = [float(v) for v in np.linspace(self.low, self.high, int(points))]
        c = self.central
        if not math.isfinite(c):
            return (math.nan, *ends), 0
        for i, v in enumerate(ends):
            if math.isclose(v, c, rel_tol=1e-12, abs_tol=0.0):
                ends[i] = c
                return tuple(ends), i
        levels = sorted([*ends, c])
        return tuple(levels), levels.index(c)

    def changes_at(self, level: float) -> dict:
        """The changes that put the input at `level` (empty for the central value)."""
        if not math.isfinite(level) or (math.isfinite(self.central) and level == self.central):
            return {}
        t = (level - self.low) / (self.high - self.low)
        return _interpolate(dict(self.changes_low), dict(self.changes_high), t)

    def position_text(self, position: str, level: float) -> str:
        """``low (0.5)``, ``high (1.3)``, ``at 0.6``: a level as written in the breaks."""
        return f"at {self.text(level)}" if position in ("between", "central") else f"{position} ({self.text(level)})"

    def text(self, level: float) -> str:
        """A level as written in labels: ``%g``, or ``as given`` for a central value that is not one number."""
        return "as given" if not math.isfinite(level) else f"{level:g}"


def _central(scenario: Scenario, name: str, entity: str | None, kind: str) -> float:
    if kind == "factor":
        return 1.0
    spec = load_parameter_specs()[name]
    values = np.asarray(scenario.path_values(name), dtype=float)
    if spec.per is not None:
        entities = list(scenario.value(name))
        values = values[entities.index(entity)] if entity is not None else values
    finite = values[np.isfinite(values)]
    if finite.size == 0 or np.ptp(finite) != 0.0:
        return math.nan
    return float(finite.flat[0])


def range_axes(scenario: Scenario, ranges: Sequence[str] | None = None) -> list[RangeAxis]:
    """The axes of a robustness grid: the plausible ranges of the scenario's assumed inputs.

    Parameters
    ----------
    scenario : Scenario
        The baseline. Its assumption set's ``plausible_range`` entries of
        assumed inputs the scenario does not set itself give the axes, in
        the order of :func:`ssproj.analysis.assumptions.range_factors`.
    ranges : sequence of str, optional
        Keep only these (axis names, e.g. ``opening_reserve[long_term]``,
        or parameter names, which keep each of its entities' axes).

    Returns
    -------
    list of RangeAxis

    Raises
    ------
    ValueError
        A name in `ranges` that is no axis (the axes are listed).
    """
    axes = []
    for f in range_factors(scenario):
        m = _FACTOR_NAME.match(f["name"])
        assert m is not None  # range_factors names are <parameter> or <parameter>[<entity>]
        name, entity = m.group("name"), m.group("entity")
        given = scenario.assumptions.parameters[name].plausible_range
        assert given is not None  # range_factors makes factors of declared ranges only
        r = given[entity]
        axes.append(RangeAxis(f["name"], f["description"], r.kind, float(r.low), float(r.high),
                              _central(scenario, name, entity, r.kind), f["low"], f["high"]))
    if ranges is None:
        return axes
    wanted = [str(r) for r in ranges]
    unknown = [w for w in wanted if not any(a.name == w or a.name.split("[")[0] == w for a in axes)]
    if unknown:
        have = ", ".join(a.name for a in axes) or "none"
        raise ValueError(f"no plausible range {unknown} among the assumed inputs of scenario {scenario.name!r}; "
                         f"its ranges: {have}")
    return [a for a in axes if a.name in wanted or a.name.split("[")[0] in wanted]


def _nearest(levels: Sequence[float], value: float) -> int:
    """Index of the level nearest `value` (NaN levels never)."""
    return int(np.nanargmin(np.abs(np.asarray(levels, dtype=float) - value)))


def _merge_changes(parts: Sequence[Mapping[str, Any]]) -> dict:
    """Changes of several axes together; two axes of one per-entity parameter merge entity by entity."""
    specs = load_parameter_specs()
    out: dict[str, Any] = {}
    for part in parts:
        for k, v in part.items():
            if k in out and specs[k].per is not None and isinstance(v, Mapping) and isinstance(out[k], Mapping):
                out[k] = {**out[k], **v}
            else:
                out[k] = v
    return out


@dataclass(frozen=True)
class RobustnessGrid:
    """The points of a robustness run.

    Attributes
    ----------
    axes : tuple of RangeAxis
    mode : str
        ``corners``, ``full`` or ``oat`` (:data:`GRID_MODES`).
    points : int
        Levels per range from its low to its high end (``full`` and ``oat``;
        ``corners`` uses the two ends).
    levels : tuple of tuple of float
        The levels of each axis (NaN: the central level "as given").
    central_index : tuple of int
        Index of each axis' central level.
    index : numpy.ndarray of int, shape (P, K)
        Level of each axis at each point; point 0 is the central point.
    """

    axes: tuple[RangeAxis, ...]
    mode: str
    points: int
    levels: tuple[tuple[float, ...], ...]
    central_index: tuple[int, ...]
    index: np.ndarray = field(repr=False)

    @classmethod
    def build(cls, axes: Sequence[RangeAxis], mode: str = "corners", points: int = 2) -> RobustnessGrid:
        """Build the grid of `axes`.

        Parameters
        ----------
        axes : sequence of RangeAxis
            At least one.
        mode : {"corners", "full", "oat"}
            ``oat``: the central point and each axis through its levels, the
            others central; ``corners``: the central point, each axis at each
            end alone, and every combination of the ends; ``full``: every
            combination of the levels.
        points : int
            Levels from the low to the high end of each range (at least 2;
            the central value is added when it is not one of them).

        Returns
        -------
        RobustnessGrid
            Points ordered by the number of ranges away from their central
            value (the central point first, then one at a time, ...), then
            in the order of the combinations (first axis slowest). A point
            is listed once.

        Raises
        ------
        ValueError
            Bad mode or points, no axes, or more than :data:`MAX_POINTS` points.
        """
        axes = tuple(axes)
        if mode not in GRID_MODES:
            raise ValueError(f"grid mode {mode!r}: expected one of {', '.join(GRID_MODES)}")
        if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 2:
            raise ValueError(f"points must be an integer >= 2 (levels from the low to the high end), got {points!r}")
        if not axes:
            raise ValueError("no plausible range to build a grid from")
        per_axis = [a.levels(2 if mode == "corners" else int(points)) for a in axes]
        levels = tuple(lv for lv, _ in per_axis)
        central = tuple(c for _, c in per_axis)
        # the index of each range's low and high end among its levels (a central value "as given" comes first)
        ends = [(_nearest(lv, a.low), _nearest(lv, a.high)) for a, lv in zip(axes, levels, strict=True)]
        if mode == "oat":
            n = 1 + sum(len(lv) - 1 for lv in levels)
        else:
            n = int(np.prod([2 if mode == "corners" else len(lv) for lv in levels], dtype=np.float64))
        if n > MAX_POINTS:
            raise ValueError(f"a {mode} grid of {len(axes)} ranges would have {n:,} points (at most {MAX_POINTS:,}); "
                             "use fewer ranges, fewer points or the oat grid")
        rows: list[tuple[int, ...]] = [central]
        for k, lv in enumerate(levels):  # one at a time: every level (oat, full) or the two ends (corners)
            for i in (ends[k] if mode == "corners" else range(len(lv))):
                rows.append(central[:k] + (i,) + central[k + 1:])
        if mode == "corners":
            rows += list(itertools.product(*ends))
        elif mode == "full":
            rows += list(itertools.product(*[range(len(lv)) for lv in levels]))
        unique = list(dict.fromkeys(tuple(int(i) for i in r) for r in rows))
        off = [sum(i != c for i, c in zip(r, central, strict=True)) for r in unique]
        order = sorted(range(len(unique)), key=lambda j: (off[j], j))
        index = np.array([unique[j] for j in order], dtype=np.int64).reshape(len(unique), len(axes))
        return cls(axes, mode, int(points), levels, central, index)

    @property
    def n_points(self) -> int:
        """Number of points. [1]"""
        return int(self.index.shape[0])

    def level(self, point: int, axis: int) -> float:
        """The level of `axis` at `point`."""
        return self.levels[axis][int(self.index[point, axis])]

    def off_central(self, point: int) -> list[int]:
        """The axes away from their central level at `point`."""
        return [k for k in range(len(self.axes)) if self.index[point, k] != self.central_index[k]]

    def label(self, point: int) -> str:
        """``central``, or ``<axis>=<level>,...`` for the axes away from their central level."""
        off = self.off_central(point)
        if not off:
            return "central"
        return ",".join(f"{self.axes[k].name}={self.axes[k].text(self.level(point, k))}" for k in off)

    def changes(self, point: int) -> dict:
        """The changes of the baseline at `point` (empty at the central point)."""
        return _merge_changes([self.axes[k].changes_at(self.level(point, k)) for k in self.off_central(point)])

    def position(self, point: int, axis: int) -> str:
        """``low``, ``high``, ``central`` or ``between`` for the level of `axis` at `point`."""
        i = int(self.index[point, axis])
        if i == self.central_index[axis]:
            return "central"
        lv = self.levels[axis]
        value = lv[i]
        if value == self.axes[axis].low:
            return "low"
        if value == self.axes[axis].high:
            return "high"
        return "between"

    def table(self) -> pd.DataFrame:
        """The points: ``label``, ``ranges_moved`` and the level of each range, indexed by ``point``."""
        data: dict[str, Any] = {"label": [self.label(p) for p in range(self.n_points)],
                                "ranges_moved": [len(self.off_central(p)) for p in range(self.n_points)]}
        for k, a in enumerate(self.axes):
            data[a.name] = [self.level(p, k) for p in range(self.n_points)]
        return pd.DataFrame(data, index=pd.RangeIndex(self.n_points, name="point"))

    def describe(self) -> list[dict]:
        """Each range as plain data (for provenance): name, description, kind, ends, central value, levels."""
        return [{"name": a.name, "description": a.description, "kind": a.kind, "low": a.low, "high": a.high,
                 "central": None if not math.isfinite(a.central) else a.central,
                 "levels": [None if not math.isfinite(v) else v for v in self.levels[k]]}
                for k, a in enumerate(self.axes)]


# ----------------------------------------------------------------------------- judging
def _signs(effect: np.ndarray, tol: float) -> np.ndarray:
    """-1, 0, 1 by effect (0 within `tol`), NaN where the effect is NaN."""
    out = np.sign(effect)
    out = np.where(np.abs(effect) <= tol, 0.0, out)
    return np.where(np.isnan(effect), np.nan, out)


def _ranks(oriented: np.ndarray, tol: float) -> np.ndarray:
    """Rank of each option (columns) at each point (rows): 1 + the options better by more than `tol`."""
    ranks = np.full(oriented.shape, np.nan)
    for p in range(oriented.shape[0]):
        row = oriented[p]
        ok = ~np.isnan(row)
        for j in np.flatnonzero(ok):
            ranks[p, j] = 1 + int(np.sum(row[ok] > row[j] + tol))
    return ranks


_SIGN_TEXT = {1.0: "+", -1.0: "-", 0.0: "0"}


def _sign_text(s: float) -> str:
    return "n/a" if not math.isfinite(s) else _SIGN_TEXT[float(s)]


class RobustnessResult:
    """The measures of the baseline and the options at every grid point, and what holds across the grid.

    Parameters
    ----------
    grid : RobustnessGrid
    baseline : str
        Name of the baseline.
    options : sequence of str
        Names of the options, in order.
    kinds : mapping of str to str
        Option -> ``coverage`` or ``financing`` (ranked among their kind).
    measures : sequence of Measure
    values : numpy.ndarray, shape (P, 1 + O, M)
        Value of each measure (:func:`point_values`) at each grid point,
        for the baseline then each option.
    provenance : mapping, optional
        Written as ``provenance.json`` (scenarios, ranges, version, seed).

    Notes
    -----
    The effect of an option at a point is its value minus the baseline's at
    the same point (``difference`` measures) or its own value (``value``
    measures). Its sign is ``+``, ``-`` or ``0`` (within
    :data:`ZERO_TOLERANCE` of the measure's largest magnitude in the run).
    Its rank is 1 + the number of options of the same kind with a better
    effect (by more than the same tolerance) at that point. A sign (a rank)
    *holds* when it is the same at every point as at the central point.
    """

    def __init__(self, grid: RobustnessGrid, baseline: str, options: Sequence[str], kinds: Mapping[str, str],
                 measures: Sequence[Measure], values, provenance: Mapping[str, Any] | None = None):
        self.grid = grid
        self.baseline = str(baseline)
        self.options = [str(o) for o in options]
        self.kinds = {o: str(kinds[o]) for o in self.options}
        bad = sorted({k for k in self.kinds.values() if k not in KINDS})
        if bad:
            raise ValueError(f"option kinds {bad}: expected {', '.join(KINDS)}")
        self.measures = tuple(measures)
        self.values = np.asarray(values, dtype=float)
        want = (grid.n_points, 1 + len(self.options), len(self.measures))
        if self.values.shape != want:
            raise ValueError(f"values must have shape (points, 1 + options, measures) = {want}, "
                             f"got {self.values.shape}")
        self.provenance = dict(provenance or {})
        self.effects_array = np.empty((grid.n_points, len(self.options), len(self.measures)))
        for j, m in enumerate(self.measures):
            own = self.values[:, 1:, j]
            self.effects_array[:, :, j] = own - self.values[:, :1, j] if m.effect == "difference" else own
            for i, o in enumerate(self.options):
                if self.kinds[o] not in m.kinds:
                    self.effects_array[:, i, j] = np.nan
        self._table: pd.DataFrame | None = None

    def __repr__(self):
        return (f"<ssproj.RobustnessResult of {self.baseline!r}: {len(self.options)} options over "
                f"{self.grid.n_points} points ({self.grid.mode} grid of {len(self.grid.axes)} ranges)>")

    # ------------------------------------------------------------------ tables
    def effects(self) -> pd.DataFrame:
        """Every effect: one row per grid point, option and measure.

        Columns ``point``, ``label`` (the point's ranges away from their
        central value), ``option``, ``kind``, ``measure``, ``unit``,
        ``effect``, ``sign`` (``+``, ``-``, ``0``, ``n/a``) and ``rank``
        among the options of the same kind. Measures that do not apply to
        an option's kind are left out.
        """
        signs, ranks = self._signs_and_ranks()
        rows = []
        for p in range(self.grid.n_points):
            label = self.grid.label(p)
            for i, o in enumerate(self.options):
                for j, m in enumerate(self.measures):
                    if self.kinds[o] not in m.kinds:
                        continue
                    rows.append({"point": p, "label": label, "option": o, "kind": self.kinds[o], "measure": m.name,
                                 "unit": m.unit, "effect": self.effects_array[p, i, j],
                                 "sign": _sign_text(signs[p, i, j]), "rank": ranks[p, i, j]})
        return pd.DataFrame(rows, columns=["point", "label", "option", "kind", "measure", "unit", "effect", "sign",
                                           "rank"])

    def _tolerances(self) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            scale = np.nanmax(np.abs(self.effects_array), axis=(0, 1), initial=0.0)
        return ZERO_TOLERANCE * np.nan_to_num(scale)

    def _signs_and_ranks(self) -> tuple[np.ndarray, np.ndarray]:
        tol = self._tolerances()
        signs = np.stack([_signs(self.effects_array[:, :, j], tol[j]) for j in range(len(self.measures))], axis=2)
        ranks = np.full(self.effects_array.shape, np.nan)
        for kind in KINDS:
            cols = [i for i, o in enumerate(self.options) if self.kinds[o] == kind]
            if not cols:
                continue
            for j, m in enumerate(self.measures):
                ranks[:, cols, j] = _ranks(self.effects_array[:, cols, j] * m.better, tol[j])
        return signs, ranks

    def _breaks(self, fail: np.ndarray) -> tuple[str, str]:
        """(the ranges named, the text) for the points where a conclusion fails."""
        points = [int(p) for p in np.flatnonzero(fail)]
        if not points:
            return "", ""
        g = self.grid
        head = f"fails at {len(points)} of {g.n_points} points"

        def cond(k: int, p: int) -> str:
            return f"{g.axes[k].position_text(g.position(p, k), g.level(p, k))}"

        alone: dict[int, list[int]] = {}  # axis -> the failing points where it alone is moved
        for p in points:
            off = g.off_central(p)
            if len(off) == 1:
                alone.setdefault(off[0], []).append(p)
        if alone:
            texts = [f"{g.axes[k].name} {' or '.join(cond(k, p) for p in ps)}" for k, ps in alone.items()]
            levels = {k: {int(g.index[p, k]) for p in ps} for k, ps in alone.items()}
            rest = sum(not any(int(g.index[p, k]) in lv for k, lv in levels.items()) for p in points)
            more = f"; at {rest} more only in combination" if rest else ""
            return ";".join(g.axes[k].name for k in alone), f"{head}; alone: {'; '.join(texts)}{more}"
        if len(points) == 1:
            p = points[0]
            return (";".join(g.axes[k].name for k in g.off_central(p)),
                    f"{head}; only in combination, at {g.label(p)}")
        common = [k for k in range(len(g.axes)) if len({int(g.index[p, k]) for p in points}) == 1
                  and int(g.index[points[0], k]) != g.central_index[k]]
        if common:
            text = " and ".join(f"{g.axes[k].name} {cond(k, points[0])}" for k in common)
            how = "only together: " if len(common) > 1 else "only in combination, always with "
            return ";".join(g.axes[k].name for k in common), f"{head}; {how}{text}"
        best: tuple[int, int] | None = None
        best_count = -1
        for k in range(len(g.axes)):
            for i in range(len(g.levels[k])):
                if i == g.central_index[k]:
                    continue
                count = sum(int(g.index[p, k]) == i for p in points)
                if count > best_count:
                    best, best_count = (k, i), count
        assert best is not None  # a failing point is away from the central point on some axis
        k, i = best
        p = next(q for q in points if int(g.index[q, k]) == i)
        return (g.axes[k].name, f"{head}; only in combination, most often with {g.axes[k].name} {cond(k, p)} "
                                f"({best_count} of {len(points)})")

    def table(self) -> pd.DataFrame:
        """What holds across the grid, for each option and measure.

        Returns
        -------
        pandas.DataFrame
            Indexed by (``option``, ``measure``), options in order, the
            measures of the option's kind; columns: ``kind``, ``unit``,
            ``better`` (``higher`` or ``lower``), ``central`` (the effect at
            the central point), ``min``, ``max`` (over the grid), ``sign``
            (at the central point: ``+``, ``-``, ``0``), ``sign_holds``
            (the same sign at every point), ``share_same_sign``,
            ``sign_breaking_ranges`` and ``sign_breaks`` (the ranges whose
            move breaks it: those that break it alone, else those the
            failing points share, else the one most often among them, and
            at how many points it fails), ``rank`` (at the central point,
            among the options of the same kind, 1 = best), ``rank_holds``,
            ``share_same_rank``, ``rank_breaking_ranges``, ``rank_breaks``.
        """
        if self._table is not None:
            return self._table.copy()
        signs, ranks = self._signs_and_ranks()
        rows, index = [], []
        for i, o in enumerate(self.options):
            for j, m in enumerate(self.measures):
                if self.kinds[o] not in m.kinds:
                    continue
                e, s, r = self.effects_array[:, i, j], signs[:, i, j], ranks[:, i, j]
                same_sign = (s == s[0]) if math.isfinite(s[0]) else np.zeros(s.shape, dtype=bool)
                same_rank = (r == r[0]) if math.isfinite(r[0]) else np.zeros(r.shape, dtype=bool)
                sign_names, sign_text = self._breaks(~same_sign)
                rank_names, rank_text = self._breaks(~same_rank)
                with np.errstate(invalid="ignore"):
                    lo = float(np.nanmin(e)) if np.isfinite(e).any() else math.nan
                    hi = float(np.nanmax(e)) if np.isfinite(e).any() else math.nan
                rows.append({"kind": self.kinds[o], "unit": m.unit, "better": "higher" if m.better > 0 else "lower",
                             "central": float(e[0]), "min": lo, "max": hi, "sign": _sign_text(s[0]),
                             "sign_holds": bool(same_sign.all()), "share_same_sign": float(same_sign.mean()),
                             "sign_breaking_ranges": sign_names, "sign_breaks": sign_text,
                             "rank": float(r[0]), "rank_holds": bool(same_rank.all()),
                             "share_same_rank": float(same_rank.mean()),
                             "rank_breaking_ranges": rank_names, "rank_breaks": rank_text})
                index.append((o, m.name))
        df = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["option", "measure"]))
        self._table = df
        return df.copy()

    def grid_table(self) -> pd.DataFrame:
        """:meth:`RobustnessGrid.table` with the baseline's value of each measure at each point
        (``baseline_<measure>``; the measures of the baseline itself, e.g. its depletion year)."""
        t = self.grid.table()
        for j, m in enumerate(self.measures):
            if m.effect == "difference":
                t[f"baseline_{m.name}"] = self.values[:, 0, j]
        return t

    # ------------------------------------------------------------------ text
    def summary(self) -> str:
        """A short Markdown summary: the grid, then for each kind of option a table, then what does not hold."""
        g, t = self.grid, self.table()
        lines = [f"# Robustness of the options against {self.baseline}", ""]
        what = {"corners": "the central point, each range at each end alone, and every combination of the ends",
                "full": f"every combination of {g.points} levels of each range (and its central value)",
                "oat": f"the central point and each range through {g.points} levels, one at a time"}[g.mode]
        lines += [f"Grid: {g.mode}, {g.n_points} points ({what}) over {len(g.axes)} plausible ranges of assumed "
                  "inputs:", ""]
        for k, a in enumerate(g.axes):
            levels = ", ".join(a.text(v) for v in g.levels[k])
            lines.append(f"- `{a.name}`: {a.description}; levels {levels} (central {a.text(a.central)})")
        lines += ["", "Effects against the baseline at the same point; sign `+`/`-`/`0`; rank among the options "
                      "of the same kind at the central point (1 = best); holds = the same at every point.", ""]
        for kind, title in (("coverage", "Coverage strategies"), ("financing", "Financing options")):
            sub = t[t["kind"] == kind]
            if sub.empty:
                continue
            lines += [f"## {title}", "", "| option | measure | central | min | max | sign | sign holds | rank | "
                                         "rank holds |", "|---|---|---|---|---|---|---|---|---|"]
            for (o, mname), r in sub.iterrows():
                lines.append(f"| {o} | {mname} | {_num(r['central'])} | {_num(r['min'])} | {_num(r['max'])} | "
                             f"{r['sign']} | {_yes(r['sign_holds'], r['share_same_sign'])} | {_rank(r['rank'])} | "
                             f"{_yes(r['rank_holds'], r['share_same_rank'])} |")
            lines.append("")
        fails = t[~t["sign_holds"] | ~t["rank_holds"]]
        lines += ["## What does not hold", ""]
        if fails.empty:
            lines.append("Every sign and every rank holds at every point of the grid.")
        for (o, mname), r in fails.iterrows():
            if not r["sign_holds"]:
                lines.append(f"- {o}, {mname}: the sign ({r['sign']} at the central point) {r['sign_breaks']}")
            if not r["rank_holds"]:
                lines.append(f"- {o}, {mname}: the rank ({_rank(r['rank'])} at the central point) {r['rank_breaks']}")
        lines.append("")
        return "\n".join(lines)

    # ------------------------------------------------------------------ output
    def write(self, out_dir) -> dict:
        """Write the result folder as a unit (:func:`ssproj.io.outdir.result_folder`) and return its files.

        Files: ``robustness.csv`` (:meth:`table`), ``effects.csv``
        (:meth:`effects`), ``grid.csv`` (:meth:`grid_table`),
        ``robustness.md`` (:meth:`summary`) and ``provenance.json``
        (the scenarios, ranges, grid, measures, ssproj version and seed),
        plus ``manifest.json``. Identical inputs write identical bytes.
        """
        prov = self.provenance_record()
        files = {
            "table": ("robustness.csv", self.table().to_csv(float_format="%.10g")),
            "effects": ("effects.csv", self.effects().to_csv(index=False, float_format="%.10g")),
            "grid": ("grid.csv", self.grid_table().to_csv(float_format="%.10g")),
            "summary": ("robustness.md", self.summary()),
            "provenance": ("provenance.json", json.dumps(prov, indent=2, sort_keys=True, default=str) + "\n"),
        }
        with result_folder(out_dir, kind="robustness", scenario=self.baseline, inputs_sha256=inputs_sha256(prov)
                           ) as stage:
            written = {role: write_text_atomic(stage.path / name, text) for role, (name, text) in files.items()}
        return {role: stage.final(p) for role, p in written.items()}

    def provenance_record(self) -> dict:
        """What ``provenance.json`` holds: the given provenance with the grid, ranges, measures and version."""
        return {**self.provenance, "ssproj_version": __version__, "baseline": self.baseline,
                "options": [{"name": o, "kind": self.kinds[o]} for o in self.options]
                if "options" not in self.provenance else self.provenance["options"],
                "grid": {"mode": self.grid.mode, "points": self.grid.points, "n_points": self.grid.n_points},
                "ranges": self.grid.describe(),
                "measures": [{"name": m.name, "unit": m.unit, "better": "higher" if m.better > 0 else "lower",
                              "effect": m.effect, "kinds": list(m.kinds), "definition": m.definition}
                             for m in self.measures],
                "zero_tolerance": ZERO_TOLERANCE}


def _num(v: float) -> str:
    return "n/a" if not math.isfinite(v) else f"{v:.4g}"


def _rank(v: float) -> str:
    return "n/a" if not math.isfinite(v) else f"{int(v)}"


def _yes(holds: bool, share: float) -> str:
    return "yes" if holds else f"no ({100 * share:.0f}% of points)"

