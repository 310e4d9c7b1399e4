"""Self-contained HTML reports of a projection or a comparison: :func:`write_html`.

The report is ONE file that opens in any browser, offline: the charts of
:mod:`ssproj.reporting.plots` are embedded as base64 PNG images
(``<img src="data:image/png;base64,...">``), the style sheet is inline, and
nothing is fetched from the network (no external link, font or script).
It holds the charts, the tables with their units, and the provenance
(scenario, data sources, ssproj version, seed); a comparison report adds
the comparison table, the differences from the reference and the
decomposition of the change in cost rate. A small inline script only
marks ``<body data-images-ok="true">`` once every image has loaded (used by
the tests; the report needs no script to display).
"""
from __future__ import annotations

import base64
import datetime as _dt
import io
import json
from collections.abc import Mapping as Mapping_
from pathlib import Path

import pandas as pd

from ssproj import variables
from ssproj._version import __version__
from ssproj.io.atomic import atomic_path
from ssproj.reporting import plots

__all__ = ["write_html", "render_html"]

_TEMPLATE = "report.html.j2"


# ------------------------------------------------------------------ charts

def _png(draw, figsize=(8.0, 4.5), ncols=1, dpi=100) -> str:
    """Run ``draw(axes)`` on a new off-screen figure; the PNG as base64 text."""
    from matplotlib.figure import Figure

    with plots.style_context():
        fig = Figure(figsize=figsize)
        axes = [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]
        draw(axes if ncols > 1 else axes[0])
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _charts(obj, is_comparison: bool, has_scheme: bool, dpi: int) -> list:
    charts = []
    table = plots.COMPARISON_CHARTS if is_comparison else plots.CHARTS
    for cid, title, func, needs_scheme in table:
        if needs_scheme and not has_scheme:
            continue
        if cid == "decomposition" and not obj._has_decomposition():
            continue
        if cid == "pyramid":
            if is_comparison:
                years = sorted(set.intersection(*({int(y) for y in p.years} for p in obj.projections.values())))
                year = years[-1]
                png = _png(lambda ax, year=year: plots.population_pyramid(obj, year, ax=ax), figsize=(6.5, 6), dpi=dpi)
                title = f"{title}, {year}"
            else:
                first, last = int(obj.years[0]), int(obj.years[-1])

                def draw(axes, first=first, last=last):
                    plots.population_pyramid(obj, first, ax=axes[0])
                    plots.population_pyramid(obj, last, ax=axes[1])
                    hi = max(abs(v) for a in axes for v in a.get_xlim())
                    for a in axes:
                        a.set_xlim(-hi, hi)

                png = _png(draw, figsize=(11, 5.5), ncols=2, dpi=dpi)
                title = f"{title}, {first} and {last}"
        else:
            png = _png(lambda ax, func=func: func(obj, ax=ax), figsize=(9, 4.8) if is_comparison else (8, 4.5),
                       dpi=dpi)
        charts.append({"id": cid, "title": title, "png": png,
                       "alt": f"{title} (chart)"})
    return charts


# ------------------------------------------------------------------ tables

def _fmt_values(values: pd.Series, unit: str) -> list:
    v = pd.to_numeric(values, errors="coerce")
    big = v.abs().max()
    if unit == "calendar year":
        fmt = "{:.0f}"
    elif big != big:
        fmt = "{:.3f}"
    else:
        fmt = "{:,.0f}" if big >= 1000 else ("{:,.1f}" if big >= 10 else "{:.4f}")
    return ["\u2013" if (x != x) else fmt.format(x) for x in v]


def _scale_money(values: pd.Series, unit: str, currency: str):
    """Amounts of money (units starting ``currency``, not per person) in billions of ``currency``."""
    cur = currency or "currency"
    if unit.startswith(("currency per", "currency/person")):
        return values, unit.replace("currency", cur, 1)
    if unit.startswith("currency"):
        return values / 1e9, unit.replace("currency", f"billion {cur}", 1)
    return values, unit


def _table(columns, rows, caption, note=""):
    """A table for the template: ``columns`` header cells, ``rows`` lists of (text, is_number)."""
    return {"columns": columns, "rows": rows, "caption": caption, "note": note}


def _by_figure(frame: pd.DataFrame, units: dict, currency: str, caption: str, first_header="figure", note=""):
    """Rows = figures (index), a ``unit`` column, then one column per frame column."""
    rows = []
    for label, values in frame.iterrows():
        unit = units.get(label, "")
        name = label[: -len(f" [{unit}]")] if unit and str(label).endswith(f" [{unit}]") else str(label)
        values, unit = _scale_money(values.astype(float), unit, currency)
        rows.append([(name, False), (unit, False)] + [(s, True) for s in _fmt_values(values, unit)])
    return _table([first_header, "unit"] + [str(c) for c in frame.columns], rows, caption, note)


def _summary_table(p, every=10):
    s = p.summary()
    years = list(s.index)
    keep = [y for y in years if y == years[0] or y == years[-1] or y % every == 0]
    units = s.attrs["units"]
    frame = s.loc[keep].T
    frame.columns = [str(y) for y in frame.columns]
    return _by_figure(frame, units, str(p.dataset.attrs.get("currency", "") or ""),
                      "Key figures by year",
                      note="Stocks of the population at 1 July; members, pensioners and reserves at 31 December; "
                           "flows over the calendar year. Amounts of money nominal. A dash: not projected "
                           "(before the first scheme year).")


def _indicator_table(p):
    ind = p.indicators()
    rows = []
    for key, value in ind.items():
        v = variables.find(key)  # the unit as written in headers, from the registry
        unit = v.label if v is not None else ""
        if value != value:
            text = "never" if key == "depletion_year" else "\u2013"
        else:
            text = f"{value:.0f}" if unit == "calendar year" else f"{value:.4f}"
        rows.append([(key, False), (unit, False), (text, True)])
    return _table(["indicator", "unit", "value"], rows,
                  f"Long-range indicators of the {ind.attrs.get('fund', 'headline')} fund",
                  note="General average premium (gap), summarized rates and actuarial balance over n scheme "
                       "years; reserve ratio = reserve at 31 December / outgo of the year.")


def _decomposition_table(cmp):
    dec = cmp.decomposition()
    units = dec.attrs["units"]
    cols = ["scenario", "year"] + [f"{c} [{units[c]}]" for c in dec.columns]
    rows = []
    for (name, year), values in dec.iterrows():
        rows.append([(str(name), False), (str(year), True)]
                    + [("\u2013" if v != v else f"{v:.5f}", True) for v in values])
    return _table(cols, rows, "Decomposition of the change in PAYG cost rate (scenario minus reference)",
                  note="demography + coverage + policy = change (log-mean Divisia index); see the ssproj "
                       "documentation, 'Comparing scenarios'.")


# ------------------------------------------------------------- provenance

def _provenance(p) -> dict:
    prov = p.provenance
    sources = []
    for key, src in sorted((prov.get("sources") or {}).items()):
        if isinstance(src, Mapping_):
            sources.append({"key": key, "citation": src.get("citation", ""), "notes": src.get("notes", ""),
                            "url": src.get("url", "")})
        else:
            sources.append({"key": key, "citation": str(src), "notes": "", "url": ""})
    assumptions = prov.get("assumptions") or {}
    return {
        "scenario": prov.get("scenario_name") or prov.get("scenario") or p.dataset.attrs.get("scenario_name", ""),
        "scenario_files": prov.get("scenario_files") or [],
        "assumptions": assumptions if isinstance(assumptions, dict) else {"name": str(assumptions)},
        "changes": [json.dumps(c, default=str) if not isinstance(c, str) else c
                    for c in (prov.get("changes_applied") or [])],
        "sources": sources,
        "version": prov.get("ssproj_version") or p.dataset.attrs.get("ssproj_version", ""),
        "seed": prov.get("seed", p.dataset.attrs.get("seed", "")),
    }


# ----------------------------------------------------------------- render

def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("ssproj", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )


def render_html(result_or_comparison, *, dpi: int = 100, banner: str = "") -> str:
    """The HTML report of a projection or a comparison, as text (see :func:`write_html`); `banner`
    (e.g. :func:`ssproj.analysis.assumptions.assumption_banner`) is shown first, under the title."""
    kind, obj = plots.result_kind(result_or_comparison)
    generated = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if kind == "comparison":
        has_scheme = obj.has_scheme
        table = obj.table()
        diffs = obj.differences()
        tables = [
            _by_figure(table, table.attrs["units"], obj.currency, "Comparison: one column per scenario",
                       note=f"Reference scenario: {obj.reference}. Amounts of money nominal, in billions of "
                            f"{obj.currency or 'the currency'} unless per person."),
            _by_figure(diffs, diffs.attrs["units"], obj.currency,
                       f"Differences from the reference ({obj.reference}): scenario minus reference"),
        ]
        if obj._has_decomposition():
            tables.append(_decomposition_table(obj))
        scenarios = [{"name": n, "provenance": _provenance(p),
                      "years": f"{int(p.years[0])}-{int(p.years[-1])}"} for n, p in obj.projections.items()]
        title = f"ssproj comparison: {', '.join(obj.names)}"
        subtitle = (f"{len(obj.names)} scenarios, reference {obj.reference!r}; milestones "
                    f"{', '.join(str(y) for y in obj.milestones) or 'none'}")
    else:
        has_scheme = "actives" in obj.dataset
        tables = [_summary_table(obj)]
        if has_scheme:
            tables.append(_indicator_table(obj))
        name = str(obj.dataset.attrs.get("scenario_name", ""))
        scenarios = [{"name": name, "provenance": _provenance(obj),
                      "years": f"{int(obj.years[0])}-{int(obj.years[-1])}"}]
        title = f"ssproj projection: {name}"
        currency = str(obj.dataset.attrs.get("currency", "") or "")
        subtitle = f"Scenario {name!r}, {scenarios[0]['years']}" + (f"; amounts in {currency}" if currency else "")
    charts = _charts(obj, kind == "comparison", has_scheme, dpi)
    template = _environment().get_template(_TEMPLATE)
    return template.render(title=title, subtitle=subtitle, kind=kind, charts=charts, tables=tables,
                           scenarios=scenarios, version=__version__, generated=generated,
                           has_scheme=has_scheme, banner=banner.splitlines())


def write_html(result_or_comparison, path, *, dpi: int = 100, banner: str = "") -> Path:
    """Write the self-contained HTML report of a projection or a comparison, atomically.

    Parameters
    ----------
    result_or_comparison : Projection or Comparison
        From :func:`ssproj.project`, :meth:`ssproj.Projection.from_netcdf`
        or :func:`ssproj.compare`.
    path : str or Path
        The HTML file to write (its folder is created if needed).
    dpi : int, default 100
        Resolution of the embedded charts.
    banner : str, optional
        Lines shown first, under the title (``ssproj run --html`` passes
        :func:`ssproj.analysis.assumptions.assumption_banner`: which
        assumed inputs drive the headline).

    Returns
    -------
    Path
        ``path``.

    Notes
    -----
    A projection's report has: the charts of
    :data:`ssproj.reporting.plots.CHARTS` (scheme charts only when the
    scenario has a scheme), the key figures by year (first year, every
    10th, last year) and the long-range indicators, each with a unit
    column, and the provenance. A comparison's report has the charts of
    :data:`ssproj.reporting.plots.COMPARISON_CHARTS`, the comparison
    table, the differences from the reference, the decomposition of the
    change in PAYG cost rate, and the provenance of every scenario.
    """
    text = render_html(result_or_comparison, dpi=dpi, banner=banner)
    with atomic_path(path, suffix=".html") as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return Path(path)

