"""What a scenario's numbers rest on: every input with its value, source and confidence.

:func:`assumption_table` lists each parameter (one row per entity for a
parameter set per group, fund or branch) and each input table of a
scenario, with the layer that set it (``defaults``: the generic default of
ssproj; ``assumptions``: the assumption set; ``scenario``: the scenario or
a change), its source and its confidence mark (``verified``,
``secondary``, ``assumed``). :func:`format_assumption_table` prints it for
``ssproj assumptions SCENARIO``.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ssproj.scenario.model import Scenario
from ssproj.scenario.parameters import CONFIDENCE_LEVELS, load_parameter_specs
from ssproj.scenario.timepath import TimePath

__all__ = ["ASSUMPTION_COLUMNS", "UNMARKED", "assumption_table", "format_assumption_table", "value_text"]

#: Columns of :func:`assumption_table`.
ASSUMPTION_COLUMNS = ("kind", "name", "entity", "value", "unit", "section", "origin", "source", "confidence",
                      "notes")
#: Confidence of the quantities of a strategy channel that declares no ``confidence``.
UNMARKED = "unmarked"
#: Layers a value comes from, from the most general to the most specific.
ORIGINS = ("defaults", "assumptions", "scenario")


def _number(v: float) -> str:
    """A number as a person reads it: thousands separated, at most 6 significant digits."""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int) or (isinstance(v, float) and math.isfinite(v) and v == int(v) and abs(v) < 1e15):
        return f"{int(v):,}"
    if isinstance(v, float) and math.isfinite(v) and (abs(v) >= 1e6 or abs(v) < 1e-4) and v != 0.0:
        return f"{v:.6g}"
    return f"{v:,.6g}" if isinstance(v, float) else str(v)


def value_text(value: Any, max_points: int = 4) -> str:
    """A parameter value as one line of text.

    A time path gives its first ``max_points - 1`` points and its last one
    (``2015: 900,000; 2018: 1,033,333; ... 2025: 2,500,000``), then how it
    goes on after its last point when that is not to hold the value
    (``then the index wage_growth``).
    """
    if isinstance(value, TimePath):
        constant = value.constant
        if constant is not None:
            return _number(float(constant))
        pts = list(value.points.items())
        shown = pts if len(pts) <= max_points else [*pts[: max_points - 1], None, pts[-1]]
        text = "; ".join("..." if p is None else f"{p[0]}: {_number(p[1])}" for p in shown)
        after = value.after
        if isinstance(after, Mapping) and "index" in after:
            text += f"; then the index {after['index']}"
        elif isinstance(after, Mapping) and "rate" in after:
            text += f"; then {_number(float(after['rate']))} a year"
        return text
    if isinstance(value, float | int):
        return _number(value)
    return str(value)


def assumption_table(scenario: Scenario) -> pd.DataFrame:
    """Every input of `scenario` with its value, source and confidence.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ASSUMPTION_COLUMNS`: ``kind`` (``parameter``,
        ``channel`` for a quantity of a strategy's channel, named
        ``<channel>.<quantity>``, or ``table``), ``name``, ``entity`` (the
        group, fund or branch of a per-entity parameter, a channel's group,
        else empty), ``value`` (as text, see
        :func:`value_text`; a table: its file), ``unit``, ``section`` (of
        defaults.yaml; ``table`` for tables), ``origin`` (``defaults``,
        ``assumptions`` or ``scenario``), ``source``, ``confidence`` and
        ``notes`` (the assumption set's notes; a channel's description). A
        channel without a ``confidence`` is ``unmarked``. Parameters in the order of defaults.yaml, then the
        strategy's channels, then the tables in the order of the set.
    """
    specs = load_parameter_specs()
    aset = scenario.assumptions
    rows: list[dict[str, Any]] = []
    for name, spec in specs.items():
        entry = scenario.parameter_sources.get(name)
        if entry is None:
            continue
        value = scenario.value(name)
        given = aset.parameters.get(name)
        notes = (given.notes or "") if given is not None else ""
        if spec.per is not None:
            entities: Mapping[str, Any] = entry.get("entities", {})  # type: ignore[assignment]
            for entity, v in value.items():
                e = entities.get(entity, entry)
                rows.append({"kind": "parameter", "name": name, "entity": entity, "value": value_text(v),
                             "unit": spec.unit, "section": spec.section, "origin": e["origin"],
                             "source": e["source"], "confidence": e["confidence"], "notes": notes})
        else:
            rows.append({"kind": "parameter", "name": name, "entity": "", "value": value_text(value),
                         "unit": spec.unit, "section": spec.section, "origin": entry["origin"],
                         "source": entry["source"], "confidence": entry["confidence"], "notes": notes})
    strategy = scenario.strategy
    for ch in strategy.channels if strategy is not None else ():
        for qname, q in ch.quantities.items():
            rows.append({"kind": "channel", "name": f"{ch.name}.{qname}", "entity": ch.group,
                         "value": value_text(q), "unit": "", "section": "strategy", "origin": "scenario",
                         "source": ch.source, "confidence": ch.confidence or UNMARKED,
                         "notes": ch.description})
    for tname, t in scenario.provenance["tables"].items():
        tspec = aset.tables.get(tname)
        rows.append({"kind": "table", "name": tname, "entity": "", "value": str(t["path"]), "unit": "",
                     "section": "table", "origin": "assumptions" if tspec is not None and str(tspec.file) == str(
                         t["path"]) else "scenario", "source": t["source"], "confidence": t["confidence"],
                     "notes": (tspec.notes or "") if tspec is not None else ""})
    return pd.DataFrame(rows, columns=list(ASSUMPTION_COLUMNS))


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def format_assumption_table(table: pd.DataFrame, *, title: str = "", confidence: Iterable[str] | None = None,
                            origins: Iterable[str] | None = None, width: int = 48) -> str:
    """`table` (:func:`assumption_table`) as text: counts by confidence, then one line per input.

    Parameters
    ----------
    table : DataFrame
    title : str
        First line (e.g. the scenario's name).
    confidence : iterable of str, optional
        Show only inputs with these confidence marks (the counts cover every input).
    origins : iterable of str, optional
        Show only inputs from these layers (``defaults``, ``assumptions``, ``scenario``).
    width : int
        Longest value and source shown (longer ones end with ``...``).
    """
    lines = [title] if title else []
    given = table[table["origin"] != "defaults"]
    levels = [*CONFIDENCE_LEVELS, UNMARKED] if (given["confidence"] == UNMARKED).any() else CONFIDENCE_LEVELS
    counts = ", ".join(f"{int((given['confidence'] == c).sum())} {c}" for c in levels)
    lines.append(f"{len(given)} inputs set by the assumption set or the scenario: {counts}; "
                 f"{int((table['origin'] == 'defaults').sum())} parameters at ssproj's generic defaults "
                 "(confidence assumed).")
    shown = table
    if confidence is not None:
        shown = shown[shown["confidence"].isin(list(confidence))]
    if origins is not None:
        shown = shown[shown["origin"].isin(list(origins))]
    if shown.empty:
        lines.append("(no input matches)")
        return "\n".join(lines)
    labels = [f"{r.name}[{r.entity}]" if r.entity else str(r.name) for r in shown.itertuples()]
    values = [_clip(f"{r.value} {r.unit}".rstrip() if r.unit not in ("", "-", "1") else str(r.value), width)
              for r in shown.itertuples()]
    sources = [_clip(str(s), width) for s in shown["source"]]
    w1 = max(len("input"), *map(len, labels))
    w2 = max(len("value"), *map(len, values))
    w3 = max(len("confidence"), *(len(c) for c in shown["confidence"]))
    w4 = max(len("origin"), *(len(o) for o in shown["origin"]))
    lines.append("")
    lines.append(f"{'input':<{w1}}  {'value':<{w2}}  {'confidence':<{w3}}  {'origin':<{w4}}  source")
    for label, value, conf, origin, source in zip(labels, values, shown["confidence"], shown["origin"], sources,
                                                  strict=True):
        lines.append(f"{label:<{w1}}  {value:<{w2}}  {conf:<{w3}}  {origin:<{w4}}  {source}".rstrip())
    return "\n".join(lines)

