"""One-at-a-time sensitivity analysis: :func:`sensitivity`, :class:`SensitivityResult`, tornado charts.

Each *factor* is one assumption moved to a ``low`` and a ``high`` value while
every other assumption keeps its central value (the scenario as given). Both
variants are projected, and each metric is compared with the central run.
``low`` is the variant expected to be *unfavourable to the fund* (e.g. fewer
births, longer lives, a lower investment return), ``high`` the favourable
one; :func:`assumption_sets` combines all lows and all highs. Definitions:
``docs/sensitivity.md``.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ssproj import variables as _variables
from ssproj.errors import MISSING, Problem, ScenarioError
from ssproj.io.atomic import atomic_path, write_text_atomic
from ssproj.io.outdir import fix_workbook_properties
from ssproj.projection import Projection, project
from ssproj.reporting.plots import axes_or_new, style_context

__all__ = ["sensitivity", "SensitivityResult", "default_factors", "assumption_sets", "DEFAULT_METRICS"]

#: Metrics of :func:`sensitivity` by default.
DEFAULT_METRICS = ("depletion_year", "gap_75", "pv_shortfall_75_share_of_gdp", "financing_gap_share_of_gdp_2050")

_INDICATOR_RE = re.compile(r"^(gap|summarized_income_rate|summarized_cost_rate|actuarial_balance|pv_shortfall|"
                           r"pv_state_transfers)_(\d+)(?:_share_of_gdp|_share_of_earnings)?$|^first_deficit_year$")
_YEAR_RE = re.compile(r"^(.+)_(\d{4})$")


# ----------------------------------------------------------------- factors

def _year_map(years: list[int], values, fn) -> dict:
    """``fn`` of each year's value, as a time path of those years (``between: none``, held after)."""
    return {"values": {y: float(fn(v)) for y, v in zip(years, values, strict=True)}, "between": "none",
            "after": "hold"}


def map_path(sc, name: str, fn) -> dict:
    """A change applying ``fn`` to the time path of ``name`` over the projection years.

    ``fn`` maps a year's value to the new one [the parameter's unit]. The
    change is a year map of the projection years (``between: none``), so the
    whole path moves. For a parameter set per entity use :func:`per_entity`.
    """
    years = [int(y) for y in sc.years]
    return {name: _year_map(years, sc.path_values(name, years), fn)}


def shift_path(sc, name: str, delta: float) -> dict:
    """A change adding ``delta`` [the parameter's unit] to a time path over the projection years."""
    return map_path(sc, name, lambda v: float(v) + delta)


def scale_path(sc, name: str, factor: float) -> dict:
    """A change multiplying a time path by ``factor`` [1] over the projection years."""
    return map_path(sc, name, lambda v: float(v) * factor)


def per_entity(sc, name: str, fn, entity: str | None = None) -> dict:
    """A change applying ``fn`` to the path of ``name`` of every entity, or of ``entity`` only.

    For a parameter set per group, fund or branch; ``fn`` maps a year's
    value to the new one [the parameter's unit], over the projection years
    as in :func:`map_path`. Entities in declaration order.
    """
    years = [int(y) for y in sc.years]
    values = sc.path_values(name, years)  # (n_entities, n_years)
    rows = dict(zip(sc.value(name), values, strict=True))
    return {name: {e: _year_map(years, rows[e], fn) for e in (rows if entity is None else [entity])}}


def default_factors(scenario) -> list[dict]:
    """The default factors of :func:`sensitivity` for a scenario.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    list of dict
        Each ``{"name", "description", "low", "high"}``; ``low`` and
        ``high`` are changes for :meth:`Scenario.with_changes`, ``low``
        the variant expected to be unfavourable to the fund. Time paths are
        built from the scenario's resolved values over its projection years
        (``between: none``), so the whole path moves. The economic factors
        and those on insured groups (coverage, density, lapses, pensionable
        ages) are given only when the assumption set declares groups (the
        economy acts only through the scheme).

        ========================  ==========================  ==========================
        factor                    low (unfavourable)          high (favourable)
        ========================  ==========================  ==========================
        fertility                 ``fertility_multiplier``    ``fertility_multiplier``
                                  × 0.8                       × 1.2
        mortality                 ``mortality_multiplier``    ``mortality_multiplier``
                                  × 0.8 (longer lives)        × 1.2
        wage_growth               −1 point every year         +1 point
        inflation                 +1 point every year         −1 point
        investment_return         −1 point every year         +1 point
        coverage                  ``coverage_rate`` × 0.8     × 1.2, at most 1
        contribution_density      × 0.9                       × 1.1, at most 1
        lapse_rate                × 0.5 (see notes)           × 1.5, at most 1
        retirement_age            pensionable ages −2 years   +2 years
        ========================  ==========================  ==========================

        Fewer lapses mean more contributions but also more service credited
        and so more pensions: which side is unfavourable depends on the
        scheme, the metric and its horizon.
    """
    sc = scenario
    f = []

    def scaled(name, low, high, description):
        f.append({"name": name.replace("_multiplier", ""),
                  "description": description, "low": scale_path(sc, name, low), "high": scale_path(sc, name, high)})

    scaled("fertility_multiplier", 0.8, 1.2, "fertility_multiplier x 0.8 (low) / x 1.2 (high)")
    scaled("mortality_multiplier", 0.8, 1.2, "mortality_multiplier x 0.8 (low: longer lives) / x 1.2 (high)")
    if sc.groups:  # the economy acts only through the scheme: no economic factor for the population alone
        f.append({"name": "wage_growth", "description": "wage_growth -1 point (low) / +1 point (high), every year",
                  "low": shift_path(sc, "wage_growth", -0.01), "high": shift_path(sc, "wage_growth", 0.01)})
        f.append({"name": "inflation",
                  "description": "price_inflation +1 point (low) / -1 point (high), every year",
                  "low": shift_path(sc, "price_inflation", 0.01),
                  "high": shift_path(sc, "price_inflation", -0.01)})
        f.append({"name": "investment_return",
                  "description": "investment_return -1 point (low) / +1 point (high), every year",
                  "low": shift_path(sc, "investment_return", -0.01),
                  "high": shift_path(sc, "investment_return", 0.01)})
        f.append({"name": "coverage",
                  "description": "coverage_rate of every group x 0.8 (low) / x 1.2, at most 1 (high)",
                  "low": per_entity(sc, "coverage_rate", lambda v: v * 0.8),
                  "high": per_entity(sc, "coverage_rate", lambda v: min(1.0, v * 1.2))})
        f.append({"name": "contribution_density",
                  "description": "contribution_density of every group x 0.9 (low) / x 1.1, at most 1 (high)",
                  "low": per_entity(sc, "contribution_density", lambda v: v * 0.9),
                  "high": per_entity(sc, "contribution_density", lambda v: min(1.0, v * 1.1))})
        f.append({"name": "lapse_rate",
                  "description": "lapse_rate of every group x 0.5 (low) / x 1.5, at most 1 (high); "
                                 "which side is unfavourable depends on the metric",
                  "low": per_entity(sc, "lapse_rate", lambda v: v * 0.5),
                  "high": per_entity(sc, "lapse_rate", lambda v: min(1.0, v * 1.5))})
        ages = ("pensionable_age_male", "pensionable_age_female")
        f.append({"name": "retirement_age",
                  "description": "pensionable ages of every group and sex -2 years (low) / +2 years (high)",
                  "low": {k: v for a in ages for k, v in per_entity(sc, a, lambda v: v - 2.0).items()},
                  "high": {k: v for a in ages for k, v in per_entity(sc, a, lambda v: v + 2.0).items()}})
    return f


def _check_factors(factors) -> list[dict]:
    if isinstance(factors, Mapping) or not isinstance(factors, Iterable):
        raise ValueError("sensitivity: factors must be a list of dicts {name, low, high, description}")
    out, names = [], set()
    for i, f in enumerate(factors):
        if not isinstance(f, Mapping):
            raise ValueError(f"sensitivity: factor {i} is a {type(f).__name__}, not a dict {{name, low, high}}")
        missing = [k for k in ("name", "low", "high") if k not in f]
        if missing:
            raise ValueError(f"sensitivity: factor {f.get('name', i)!r} lacks {', '.join(missing)}")
        unknown = sorted(set(f) - {"name", "low", "high", "description"})
        if unknown:
            raise ValueError(f"sensitivity: factor {f['name']!r} has unknown keys {unknown}; "
                             "expected name, low, high, description")
        for side in ("low", "high"):
            if not isinstance(f[side], Mapping):
                raise ValueError(f"sensitivity: factor {f['name']!r}: {side} must be a mapping of parameter "
                                 "name -> value (changes for Scenario.with_changes)")
        name = str(f["name"])
        if name in names:
            raise ValueError(f"sensitivity: factor name {name!r} is repeated")
        names.add(name)
        out.append({"name": name, "description": str(f.get("description", "")),
                    "low": dict(f["low"]), "high": dict(f["high"])})
    if not out:
        raise ValueError("sensitivity: no factors given")
    return out


def assumption_sets(scenario, factors=None) -> dict:
    """Named low, central and high assumption sets.

    Parameters
    ----------
    scenario : Scenario
        The central scenario.
    factors : list of dict, optional
        Factors as for :func:`sensitivity`; default :func:`default_factors`.

    Returns
    -------
    dict
        ``{"low": Scenario, "central": scenario, "high": Scenario}``: ``low``
        applies the ``low`` changes of every factor together (every
        assumption unfavourable to the fund), ``high`` every ``high`` change
        (every assumption favourable). Factors are applied in order; a later
        factor's change of the same parameter (or of the same group of a
        per-group parameter) replaces an earlier one's.
    """
    factors = _check_factors(default_factors(scenario) if factors is None else factors)
    out = {}
    for side in ("low", "central", "high"):
        if side == "central":
            out[side] = scenario
            continue
        changes: dict = {}
        for f in factors:
            for k, v in f[side].items():
                if isinstance(v, Mapping) and isinstance(changes.get(k), Mapping) and _is_per_entity(scenario, k):
                    changes[k] = {**changes[k], **v}
                else:
                    changes[k] = v
        out[side] = scenario.with_changes(changes, name=f"{scenario.name}_{side}")
    return out


def _is_per_entity(sc, name: str) -> bool:
    return name in sc.parameters and isinstance(sc.parameters[name], Mapping)


# ----------------------------------------------------------------- metrics

def _metric_plan(metrics: Sequence[str]):
    """(horizons, milestones) of :meth:`Projection.indicators` the metrics need."""
    horizons, milestones = set(), set()
    for m in metrics:
        mi = _INDICATOR_RE.match(m)
        if mi and mi.group(2):
            horizons.add(int(mi.group(2)))
        elif m.startswith("reserve_ratio_") and m[len("reserve_ratio_"):].isdigit():
            milestones.add(int(m[len("reserve_ratio_"):]))
    return tuple(sorted(horizons)), tuple(sorted(milestones))


def _metric_values(projection, metrics: Sequence[str]) -> dict:
    summary = projection.summary()
    need_ind = any(m == "depletion_year" or _INDICATOR_RE.match(m) for m in metrics)
    ind = None
    if need_ind:
        h, ms = _metric_plan(metrics)
        ind = projection.indicators(horizons=h or (75,), milestones=ms)
    out = {}
    for m in metrics:
        if m == "depletion_year" or _INDICATOR_RE.match(m):
            assert ind is not None  # need_ind is true when any metric is an indicator
            out[m] = float(ind[m])
            continue
        my = _YEAR_RE.match(m)
        assert my is not None  # _check_metrics admits only indicators and <summary column>_<year>
        col, year = my.group(1), int(my.group(2))
        out[m] = float(summary.loc[year, col]) if year in summary.index else math.nan
    return out


def _metric_unit(metric: str, units: Mapping[str, str]) -> str:
    """Unit of a metric as written in headers: an indicator's from the registry, else its summary column's."""
    if metric == "depletion_year" or _INDICATOR_RE.match(metric):
        return _variables.label(metric)
    my = _YEAR_RE.match(metric)
    assert my is not None  # _check_metrics admits only indicators and <summary column>_<year>
    return units.get(my.group(1), "")


def _check_metrics(metrics, projection) -> list[str]:
    if isinstance(metrics, str):
        metrics = [metrics]
    metrics = [str(m) for m in metrics]
    if not metrics:
        raise ValueError("sensitivity: no metrics given")
    columns = set(projection.summary().columns)
    bad = []
    for m in metrics:
        if m == "depletion_year" or _INDICATOR_RE.match(m):
            if "actives" not in projection.dataset:
                raise ValueError(f"sensitivity: metric {m!r} needs a scheme, and the scenario's assumption set "
                                 "declares no insured groups")
            continue
        my = _YEAR_RE.match(m)
        if not my or my.group(1) not in columns:
            bad.append(m)
    if bad:
        raise ValueError(f"sensitivity: unknown metrics {bad}; expected depletion_year, first_deficit_year, "
                         "gap_<n>, summarized_income_rate_<n>, summarized_cost_rate_<n>, actuarial_balance_<n>, "
                         "pv_shortfall_<n>[_share_of_gdp|_share_of_earnings], pv_state_transfers_<n>[_share_of_gdp] "
                         "or <summary column>_<year> (e.g. reserve_ratio_2050, total_population_2050)")
    return metrics


# ----------------------------------------------------------------- result

#: Columns of :meth:`SensitivityResult.table`.
TABLE_COLUMNS = {
    "description": "what the factor changes",
    "unit": "unit of the metric",
    "central": "metric of the central run",
    "low": "metric with the factor's low (unfavourable) change",
    "high": "metric with the factor's high (favourable) change",
    "low_change": "low - central",
    "high_change": "high - central",
    "swing": "|high - low|",
}


class SensitivityResult:
    """Results of a one-at-a-time sensitivity analysis (made by :func:`sensitivity`).

    Attributes
    ----------
    scenario : Scenario
        The central scenario.
    factors : list of dict
        The factors, in order (``name``, ``description``, ``low``, ``high``).
    metrics : list of str
        The metrics, in order.
    central : dict of str to float
        Metric -> value of the central run.
    values : dict
        ``values[factor][side][metric]``, side ``"low"`` or ``"high"``.
    projections : dict
        ``"central"`` -> Projection, and ``(factor, side)`` -> Projection.
    units : dict of str to str
        Metric -> unit.
    """

    def __init__(self, scenario, factors, metrics, projections, units):
        self.scenario = scenario
        self.factors = factors
        self.metrics = list(metrics)
        self.projections = projections
        self.units = dict(units)
        self.central = _metric_values(projections["central"], self.metrics)
        self.values = {f["name"]: {side: _metric_values(projections[(f["name"], side)], self.metrics)
                                   for side in ("low", "high")} for f in factors}

    def __repr__(self):
        return (f"<ssproj.SensitivityResult of {self.scenario.name!r}: {len(self.factors)} factors "
                f"({', '.join(f['name'] for f in self.factors)}); metrics {', '.join(self.metrics)}>")

    def table(self) -> pd.DataFrame:
        """The effects of every factor on every metric.

        Returns
        -------
        pandas.DataFrame
            Indexed by (``factor``, ``metric``), in factor then metric
            order; columns :data:`TABLE_COLUMNS`: ``description``,
            ``unit``, ``central``, ``low``, ``high``, ``low_change`` (low −
            central), ``high_change`` (high − central) and ``swing``
            (\\|high − low\\|). A metric without a value (e.g. the depletion
            year of a fund never depleted, or a year outside the projection)
            is NaN, and so are its changes.
        """
        rows, index = [], []
        for f in self.factors:
            for m in self.metrics:
                c, lo, hi = self.central[m], self.values[f["name"]]["low"][m], self.values[f["name"]]["high"][m]
                rows.append({"description": f["description"], "unit": self.units[m], "central": c,
                             "low": lo, "high": hi, "low_change": lo - c, "high_change": hi - c,
                             "swing": abs(hi - lo)})
                index.append((f["name"], m))
        df = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["factor", "metric"]),
                          columns=list(TABLE_COLUMNS))
        df.attrs["units"] = dict(self.units)
        return df

    def ranking(self, metric: str) -> pd.DataFrame:
        """The rows of :meth:`table` for one metric, largest swing first (NaN swings last)."""
        if metric not in self.metrics:
            raise ValueError(f"metric {metric!r} is not one of {self.metrics}")
        t = self.table().xs(metric, level="metric")
        return t.sort_values("swing", ascending=False, na_position="last", kind="stable")

    def tornado(self, metric: str = "gap_75", ax=None):
        """Tornado chart of one metric: a pair of horizontal bars per factor, largest swing on top.

        Each bar starts at the central value (vertical line) and ends at the
        metric with the factor's low (unfavourable) or high change. A
        factor whose metric has no value (NaN) gets zero-length bars, at
        the bottom. Returns the Axes.
        """
        r = self.ranking(metric)
        central = self.central[metric]
        scale, unit = (100.0, "percentage points of insured earnings") \
            if self.units[metric] == "share of insured earnings" else (1.0, self.units[metric])
        if self.units[metric] == "share of insured earnings":
            unit = "% of insured earnings"
        with style_context():
            ax = axes_or_new(ax)
            y = np.arange(len(r))[::-1]  # first row (largest swing) on top
            c = 0.0 if math.isnan(central) else central * scale
            for side, colour, label in (("low", "C3", "low"), ("high", "C0", "high")):
                v = r[side].to_numpy() * scale
                width = np.where(np.isnan(v), 0.0, v - c)
                ax.barh(y, width, left=c, height=0.6, color=colour, alpha=0.8, label=label)
            ax.axvline(c, color="black", linewidth=1.0)
            ax.set_yticks(y, list(r.index))
            ax.set_xlabel(f"{metric} [{unit}]")
            ax.set_title(f"Sensitivity of {metric} ({self.scenario.name}); central {c:,.4g}")
            ax.legend()
        return ax

    # ---------------------------------------------------------------- output

    def _file_table(self) -> pd.DataFrame:
        return self.table().reset_index()

    def to_csv(self, directory) -> Path:
        """Write :meth:`table` to ``directory/sensitivity.csv`` atomically and return its path."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        return write_text_atomic(out / "sensitivity.csv", self._file_table().to_csv(index=False,
                                                                                     float_format="%.10g"))

    def to_excel(self, path) -> Path:
        """Write an Excel workbook atomically and return its path.

        Sheets: ``sensitivity`` (:meth:`table`), ``factors`` (name,
        description, and the low and high changes as text).
        """
        factors = pd.DataFrame([{"factor": f["name"], "description": f["description"],
                                 "low": _short(f["low"]), "high": _short(f["high"])} for f in self.factors])
        with atomic_path(path, suffix=".xlsx") as tmp:
            with pd.ExcelWriter(tmp, engine="xlsxwriter") as writer:
                fix_workbook_properties(writer.book)  # a fixed creation date: identical runs, identical bytes
                self._file_table().to_excel(writer, sheet_name="sensitivity", index=False)
                factors.to_excel(writer, sheet_name="factors", index=False)
        return Path(path)


def _short(changes: Mapping) -> str:
    text = repr(changes)
    return text if len(text) <= 30000 else text[:30000] + " ..."  # Excel's cell limit is 32767


def sensitivity(scenario, factors=None, *, metrics=DEFAULT_METRICS) -> SensitivityResult:
    """One-at-a-time sensitivity analysis of a scenario.

    Parameters
    ----------
    scenario : Scenario
        The central scenario.
    factors : list of dict, optional
        Each ``{"name": str, "low": changes, "high": changes,
        "description": str}`` (description optional), where ``changes`` is
        a mapping for :meth:`Scenario.with_changes`. By convention ``low``
        is the change unfavourable to the fund. Default:
        :func:`default_factors`.
    metrics : sequence of str
        ``depletion_year``, ``gap_<n>``, ``summarized_income_rate_<n>``,
        ``summarized_cost_rate_<n>``, ``actuarial_balance_<n>`` (from
        :meth:`Projection.indicators`, horizon shortened to the projection
        if longer), or ``<summary column>_<year>`` (e.g.
        ``reserve_ratio_2050``, ``total_population_2050``; NaN for a year
        outside the projection).

    Returns
    -------
    SensitivityResult

    Raises
    ------
    ScenarioError
        If a factor's change is invalid (unknown parameter, bad value...);
        every variant is built before any is projected.
    ValueError
        For malformed factors or unknown metrics.
    """
    factors = _check_factors(default_factors(scenario) if factors is None else factors)
    central = project(scenario)
    metrics = _check_metrics(metrics, central)  # before the variants: a metric the scenario cannot give fails first
    variants = {}
    for f in factors:  # validate every variant first
        for side in ("low", "high"):
            try:
                variants[(f["name"], side)] = scenario.with_changes(f[side], name=f"{scenario.name}+{f['name']}_{side}")
            except ScenarioError as exc:
                raise ScenarioError([Problem("<sensitivity>", None, f"factor {f['name']!r}, {side}", MISSING,
                                             "has invalid changes:")] + exc.problems) from None
    units = central.summary().attrs["units"]
    projections: dict[str | tuple[str, str], Projection] = {"central": central}
    for key, sc in variants.items():
        projections[key] = project(sc)
    return SensitivityResult(scenario, factors, metrics, projections,
                             {m: _metric_unit(m, units) for m in metrics})
