"""Which assumed inputs drive a scenario's headline results, over their plausible ranges.

An assumption set may give an assumed parameter a ``plausible_range`` (see
docs/assumptions.md). :func:`range_factors` turns those ranges into
one-at-a-time sensitivity factors, :func:`assumption_drivers` measures how
far the headline metric moves over each, and :func:`assumption_banner`
writes the short warning that ``ssproj run`` and the HTML report show
first when assumed inputs drive the result. :func:`rests_on` measures it
once for a projection and keeps it with the result, for its summary,
workbook, HTML report and netCDF file.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ssproj.analysis.sensitivity import map_path, per_entity, sensitivity
from ssproj.projection import Projection
from ssproj.reporting.assumptions import assumption_table
from ssproj.reporting.banner import assumed_inputs_line
from ssproj.scenario.model import Scenario
from ssproj.scenario.parameters import load_parameter_specs

__all__ = ["assumption_banner", "assumption_drivers", "range_factors", "rests_on"]



# ----------------------------------------------------------------------------- what drives the headline
def _range_change(scenario: Scenario, name: str, entity: str | None, kind: str, bound: float) -> dict:
    """The change that puts `name` (of `entity`, or of every entity for None) at `bound` of its range.

    `kind` ``"value"``: `bound` is the value in every year [the parameter's unit]; ``"factor"``: the
    scenario's value in every year times `bound` [1]. A time path is changed over the projection years
    (:func:`~ssproj.analysis.sensitivity.map_path`, :func:`~ssproj.analysis.sensitivity.per_entity`).
    """
    spec = load_parameter_specs()[name]

    def at_bound(v: Any) -> Any:
        return bound if kind == "value" else v * bound

    if spec.type == "timepath":
        return map_path(scenario, name, at_bound) if spec.per is None else per_entity(scenario, name, at_bound, entity)

    def number(v: Any) -> int | float:
        return round(at_bound(v)) if spec.type == "int" else float(at_bound(v))

    current = scenario.value(name)
    if spec.per is None:
        return {name: number(current)}
    return {name: {e: number(current[e]) for e in (current if entity is None else [entity])}}


def range_factors(scenario: Scenario) -> list[dict]:
    """Sensitivity factors (:func:`ssproj.analysis.sensitivity.sensitivity`) of the assumed inputs with a
    plausible range in the assumption set.

    One factor per parameter and entity (``<parameter>`` or ``<parameter>[<entity>]``) whose value in
    the scenario is still the assumption set's (not changed by the scenario) and marked ``assumed``:
    ``low`` puts it at the low end of its range, ``high`` at the high end (so, unlike the default
    factors, low is not always the end unfavourable to the fund).
    """
    specs = load_parameter_specs()
    factors = []
    for name, given in scenario.assumptions.parameters.items():
        if not given.plausible_range or given.confidence != "assumed":
            continue
        entry: Mapping[str, Any] = scenario.parameter_sources[name]
        by_entity: Mapping[str, Any] = entry.get("entities", {})
        unit = specs[name].unit.replace("currency", scenario.assumptions.currency or "currency")
        for entity, r in given.plausible_range.items():
            origin = (by_entity.get(entity, entry) if entity is not None else entry)["origin"]
            if origin != "assumptions":
                continue  # the scenario set its own value: the set's range does not describe it
            label = name if entity is None else f"{name}[{entity}]"
            factors.append({"name": label, "description": f"{label} {r.text(unit)} (assumed)",
                            "low": _range_change(scenario, name, entity, r.kind, r.low),
                            "high": _range_change(scenario, name, entity, r.kind, r.high)})
    return factors


def assumption_drivers(scenario: Scenario, metric: str = "gap_75") -> pd.DataFrame:
    """How far the headline `metric` moves over the plausible range of each assumed input.

    Runs :func:`ssproj.analysis.sensitivity.sensitivity` over :func:`range_factors` (two
    projections per input). Returns one row per input, largest swing first: ``factor``,
    ``description``, ``central``, ``low``, ``high`` (the metric with the input at each end of its
    range) and ``swing`` = |high - low| [the metric's unit]. Empty if no assumed input has a range.
    """
    factors = range_factors(scenario)
    cols = ["factor", "description", "central", "low", "high", "swing"]
    if not factors:
        return pd.DataFrame(columns=cols)
    res = sensitivity(scenario, factors, metrics=[metric])
    t = res.ranking(metric).reset_index()
    desc = {f["name"]: f["description"] for f in factors}
    t["description"] = t["factor"].map(desc)
    return t[cols].reset_index(drop=True)


def _metric_text(metric: str, v: float) -> str:
    if metric.startswith(("gap_", "summarized_", "actuarial_balance")) or metric.endswith("_share_of_gdp"):
        return f"{100 * v:.1f}%"
    if metric == "depletion_year":
        return "never" if not math.isfinite(v) else f"{int(v)}"
    return f"{v:.4g}"


def assumption_banner(scenario: Scenario, metric: str = "gap_75", top: int = 3,
                      drivers: pd.DataFrame | None = None) -> str:
    """A short warning, for the top of every output, when assumed inputs drive the headline result.

    Counts the inputs set by the assumption set or the scenario that are marked ``assumed`` and
    names the `top` assumed inputs whose plausible range moves `metric` most
    (:func:`assumption_drivers`, or `drivers` if given). Empty when no input is assumed.
    """
    table = assumption_table(scenario)
    given = table[table["origin"] != "defaults"]
    n_assumed = int((given["confidence"] == "assumed").sum())
    if n_assumed == 0:
        return ""
    lines = [assumed_inputs_line(n_assumed, len(given))]
    d = assumption_drivers(scenario, metric) if drivers is None else drivers
    d = d[d["swing"] > 0]
    if d.empty:
        lines.append(f"No assumed input declares a plausible range: how far {metric} depends on them is not "
                     "measured.")
        return "\n".join(lines)
    lines.append(f"Over the plausible ranges declared for {len(d)} of them, those that move {metric} most:")
    for r in d.head(top).itertuples():
        lo, hi = sorted((r.low, r.high))
        lines.append(f"  - {r.description}: {metric} {_metric_text(metric, lo)} to {_metric_text(metric, hi)} "
                     f"(central {_metric_text(metric, r.central)})")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- kept with a projection
def rests_on(result: Projection, metric: str = "gap_75", top: int = 3) -> str:
    """The banner of a projection, measured once and kept with it: which assumed inputs drive `metric`.

    Computes :func:`assumption_banner` of the projection's scenario (two
    projections per plausible range declared in its assumption set, about
    as long as two projections each) and stores it in the result's
    ``dataset.attrs`` (``assumption_banner``, ``assumption_banner_metric``,
    ``assumption_banner_top``), so that :meth:`~ssproj.Projection.summary`,
    the workbook, the HTML report and the netCDF file written afterwards
    carry it (:attr:`ssproj.Projection.assumption_banner`; ``ssproj report``
    shows the one saved). A second call with the same `metric` and `top`
    returns the stored banner without projecting anything.

    Parameters
    ----------
    result : Projection
        From :func:`ssproj.project`, or read back with
        :meth:`ssproj.Projection.from_netcdf` (then only its stored banner
        can be returned: the scenario is not read back).
    metric : str, default ``"gap_75"``
        The headline figure (a key of :meth:`ssproj.Projection.indicators`
        or a sensitivity metric).
    top : int, default 3
        How many inputs to name.

    Returns
    -------
    str
        The banner; empty without a scheme or when no input is marked
        ``assumed``.

    Raises
    ------
    ValueError
        If `result` has no scenario (read from a file) and no banner stored
        for `metric` and `top`.

    Examples
    --------
    >>> import ssproj                                         # doctest: +SKIP
    >>> res = ssproj.project(ssproj.load_scenario("scenarios/lao_baseline.yaml"))
    >>> print(ssproj.rests_on(res))
    >>> res.summary()                 # now shown under the measured banner
    """
    ds = result.dataset
    if "actives" not in ds:
        return ""
    stored = ds.attrs.get("assumption_banner")
    if stored and ds.attrs.get("assumption_banner_metric") == metric and int(
            ds.attrs.get("assumption_banner_top", -1)) == int(top):
        return str(stored)
    if result.scenario is None:
        if "assumed_inputs" in ds.attrs and not result.assumed_inputs:
            return ""
        raise ValueError(f"this result ({ds.attrs.get('scenario_name', '?')!r}) was read from a file without its "
                         f"scenario and holds no banner for metric {metric!r}, top {top}: project the scenario "
                         f"again (ssproj.project) to measure which assumed inputs drive it")
    banner = assumption_banner(result.scenario, metric=metric, top=top)
    if banner:
        ds.attrs.update({"assumption_banner": banner, "assumption_banner_metric": metric,
                         "assumption_banner_top": int(top)})
    return banner
