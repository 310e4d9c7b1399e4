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
import io
import json
from collections.abc import Mapping as Mapping_
from pathlib import Path

import numpy as np
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


def _table(columns, rows, caption, note="", collapsed=False):
    """A table for the template: ``columns`` header cells, ``rows`` lists of (text, is_number) or (text,
    is_number, rank); a `collapsed` table is shown on a click (HTML ``details``)."""
    return {"columns": columns, "rows": rows, "caption": caption, "note": note, "collapsed": collapsed}


def _by_figure(frame: pd.DataFrame, units: dict, currency: str, caption: str, first_header="figure", note="",
               collapsed=False):
    """Rows = figures (index), a ``unit`` column, then one column per frame column."""
    rows = []
    for label, values in frame.iterrows():
        unit = units.get(label, "")
        name = label[: -len(f" [{unit}]")] if unit and str(label).endswith(f" [{unit}]") else str(label)
        values, unit = _scale_money(values.astype(float), unit, currency)
        rows.append([(name, False), (unit, False)] + [(s, True) for s in _fmt_values(values, unit)])
    return _table([first_header, "unit"] + [str(c) for c in frame.columns], rows, caption, note, collapsed)


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


def _decomposition_table(cmp, collapsed=False):
    dec = cmp.decomposition()
    units = dec.attrs["units"]
    shown = ["payg_cost_rate_reference", "payg_cost_rate_scenario", "change", "demography", "coverage", "policy"]
    cols = ["scenario", "year"] + [f"{c} [{units[c]}]" for c in shown]
    rows = []
    for (name, year), values in dec[shown].iterrows():
        rows.append([(str(name), False), (str(year), True)]
                    + [("\u2013" if v != v else f"{v:.5f}", True) for v in values])
    return _table(cols, rows, "Decomposition of the change in PAYG cost rate (scenario minus reference)",
                  note="demography + coverage + policy = change (log-mean Divisia index); see the ssproj "
                       "documentation, 'Comparing scenarios'. The log-ratios: decomposition.csv.", collapsed=collapsed)


# ------------------------------------------------------------- provenance

def _provenance_source(key, src) -> dict:
    if isinstance(src, Mapping_):
        return {"key": key, "citation": src.get("citation", ""), "notes": src.get("notes", ""),
                "url": src.get("url", "")}
    return {"key": key, "citation": str(src), "notes": "", "url": ""}


def _provenance(p) -> dict:
    prov = p.provenance
    sources = [_provenance_source(key, src) for key, src in sorted((prov.get("sources") or {}).items())]
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


# --------------------------------------------------------- comparison report

#: Charts of a comparison report, in order: (id, measure of ``Comparison.series``); each is left out when the
#: measure is the same in every scenario.
COMPARISON_MEASURE_CHARTS = (
    ("contributors", "contributors"),
    ("payg_cost_rate", "payg_cost_rate"),
    ("state_cost", "state_cost_share_of_gdp"),
    ("reserve", "reserve_share_of_gdp"),
    ("population", "total_population"),
)


#: What each chart of a comparison shows, after its title.
_MEASURE_NOTES = {
    "contributors": "contributor-years of every insured group",
    "payg_cost_rate": "outgo of the pension fund over the insured earnings, net of the administrative charge",
    "state_cost_share_of_gdp": "the state's contributions, its deficit transfers to every fund, the pensions it pays "
                               "and the channel costs it bears, over the GDP of the year (the flows of "
                               "cost_to_state)",
    "reserve_share_of_gdp": "at 31 December, over the GDP of the year",
    "total_population": "at 1 July",
}


def _figure_png(draw, figsize, dpi) -> str:
    """Run ``draw(figure)`` on a new off-screen figure with constrained layout; the PNG as base64 text."""
    from matplotlib.figure import Figure

    with plots.style_context():
        fig = Figure(figsize=figsize, layout="constrained")
        draw(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _decomposition_years(cmp) -> list:
    """The years of the decomposition chart: the headline year and the last milestone of the reference."""
    years = cmp._years(None)
    chosen = {cmp.headline_year()} | ({years[-1]} if years else set())
    return sorted(y for y in chosen if y in {int(v) for v in cmp.scheme_years})


def _comparison_charts(cmp, dpi: int):
    """The charts of a comparison report and the titles of those left out (equal in every scenario)."""
    charts, left_out = [], []
    for cid, measure in COMPARISON_MEASURE_CHARTS:
        if measure != "total_population" and not cmp.has_scheme:
            continue
        title = plots.MEASURES[measure][0]
        if not plots.differs(cmp.series(measure), cmp.reference):
            left_out.append(title.split(":")[0])
            continue
        png = _figure_png(lambda fig, m=measure: plots.measure_by_scenario(cmp, m, fig.subplots(1, 2)),
                          (12.5, 4.2), dpi)
        charts.append({"id": cid, "title": f"{title} ({_MEASURE_NOTES[measure]}): by scenario (left) and "
                                           f"difference from {cmp.reference} (right), {plots.MEASURES[measure][2]}",
                       "png": png, "alt": f"{title} (chart)"})
    if cmp._has_decomposition():
        years = _decomposition_years(cmp)
        n = len(cmp.names) - 1
        if years:
            png = _figure_png(lambda fig: plots.decomposition_bars(
                cmp, years, list(fig.subplots(1, len(years), sharey=True, squeeze=False)[0])),
                (4.2 * len(years) + 3.0, 0.42 * n + 2.0), dpi)
            charts.append({"id": "decomposition", "png": png, "alt": "Decomposition of the change in cost rate "
                                                                      "(chart)",
                           "title": f"Change in the PAYG cost rate against {cmp.reference} in "
                                    f"{' and '.join(str(y) for y in years)}: demography, coverage and policy, "
                                    "percentage points of insured earnings"})
    return charts, left_out


def _scaled(values, unit: str):
    """Amounts per person scaled to thousands or millions for print: (factor, unit with the prefix)."""
    big = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.0
    for factor, word in ((1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if big >= factor:
            return 1.0 / factor, f"{word} {unit}"
    return 1.0, unit


def _cell(value, fmt, rank=None):
    text = "\u2013" if value != value else fmt(value)
    return (text, True, "" if rank is None or rank is pd.NA or rank != rank else f"#{int(rank)}")


def _summary_tables(cmp) -> dict:
    """The executive summary of a comparison report: the reading and the ranked table."""
    t = cmp.summary_table()
    year, n, ref = t.attrs["year"], t.attrs["horizon"], cmp.reference
    cur = cmp.currency or "currency"
    start, span = int(cmp.scheme_years[0]), f"{int(cmp.scheme_years[0])}-{int(cmp.scheme_years[-1])}"
    specs = {
        "contributors_gained": (f"Contributors gained by {year} [contributor-years, vs {ref}]", 1.0,
                                lambda v: f"{v:+,.0f}"),
        "cost_per_person_covered": ("Cost to fund and state per insured person-year gained [{unit}, present "
                                    "values]", None, lambda v: f"{v:,.2f}"),
        "net_pv_per_recruit": ("Net present value per recruit [{unit} at 1 January " + str(start) + "]", None,
                               lambda v: f"{v:,.2f}"),
        "extra_cost_to_fund": (f"Extra cost to the pension fund [percentage points of the PV of GDP {span}]", 100.0,
                               lambda v: f"{v:+.3f}"),
        "extra_cost_to_state": (f"Extra cost to the state [percentage points of the PV of GDP {span}]", 100.0,
                                lambda v: f"{v:+.3f}"),
        "pv_shortfall": (f"Shortfall of the pension fund over {n} years [% of the PV of GDP]", 100.0,
                         lambda v: f"{v:.3f}"),
        "pv_state_transfers": (f"State deficit transfers over {n} years [% of the PV of GDP]", 100.0,
                               lambda v: f"{v:.3f}"),
        "depletion_year": ("Pension fund depleted [calendar year]", 1.0, lambda v: f"{v:.0f}"),
    }
    cols = [c for c in specs if c == "depletion_year" or t[c].notna().any()]
    headers, scales = [], {}
    for c in cols:
        header, scale, _ = specs[c]
        if scale is None:
            scale, unit = _scaled(t[c].to_numpy(dtype=float), cur)
            header = header.format(unit=unit)
        headers.append(header)
        scales[c] = scale
    rows = []
    for name in t.index:
        cells: list[tuple] = [(f"{name} (reference)" if name == ref else str(name), False)]
        for c in cols:
            v, rank = t.loc[name, c], t.loc[name, f"{c}_rank"]
            if c == "depletion_year" and v != v:
                cells.append(("never", True, _cell(1.0, str, rank)[2]))
            else:
                cells.append(_cell(v * scales[c], specs[c][2], rank))
        rows.append(cells)
    note = (f"#1 = best on the measure (most contributors gained; least cost, shortfall and transfers; highest net "
            f"value per recruit; latest depletion); ties share a rank. Present values at 1 January {start} at the "
            f"reference's projected return, over {span}; shares of the present value (PV) of the reference's GDP. "
            "The cost per person-year gained is ranked for the scenarios that gain contributors only; net value "
            "per recruit exists for coverage strategies only. Definitions: ssproj documentation, 'Comparing "
            "scenarios', Comparison.summary_table.")
    return {"reading": cmp.reading(), "table": _table(["scenario"] + headers, rows,
                                                      "Summary: the scenarios ranked", note)}


def _strategy_tables(cmp) -> list:
    """The strategy table of a comparison report, in two parts: what each strategy brings and costs, and the
    coverage by group. Empty when no scenario has a strategy."""
    st = cmp.strategy_table()
    if (st["channels"] == "").all():
        return []
    year, cur = st.attrs["year"], cmp.currency or "currency"
    start = int(cmp.scheme_years[0])
    strat = st[st["channels"] != ""]
    pv_scale, pv_unit = _scaled(strat[["pv_cost_fund", "pv_cost_state", "pv_contributions_members"]].to_numpy(
        dtype=float), cur)
    cy_scale, cy_unit = _scaled(strat[["cost_per_contributor_year_fund",
                                       "cost_per_contributor_year_state"]].to_numpy(dtype=float), cur)
    rec_scale, rec_unit = _scaled(strat["net_pv_per_recruit"].to_numpy(dtype=float), cur)
    after = st.attrs["persistence_after"]
    spec = [
        ("channels", "channels", None),
        ("recruits", "recruits [persons]", lambda v: f"{v:,.0f}"),
        ("persistence", f"active after {after} years [% of recruits]", lambda v: f"{100 * v:.1f}"),
        ("contributors_gained", f"contributors gained {year} [contributor-years]", lambda v: f"{v:+,.0f}"),
        ("pv_cost_fund", f"cost to the fund [{pv_unit}, PV]", lambda v: f"{v * pv_scale:,.2f}"),
        ("pv_cost_state", f"cost to the state [{pv_unit}, PV]", lambda v: f"{v * pv_scale:,.2f}"),
        ("pv_contributions_members", f"paid by the members [{pv_unit}, PV]", lambda v: f"{v * pv_scale:,.2f}"),
        ("cost_per_contributor_year_fund", f"fund per contributor-year [{cy_unit}, PV]",
         lambda v: f"{v * cy_scale:,.2f}"),
        ("cost_per_contributor_year_state", f"state per contributor-year [{cy_unit}, PV]",
         lambda v: f"{v * cy_scale:,.2f}"),
        ("net_pv_per_recruit", f"net PV per recruit [{rec_unit}]", lambda v: f"{v * rec_scale:,.2f}"),
    ]
    rows = []
    for name, r in strat.iterrows():
        cells = [(str(name), False)]
        for col, _, fmt in spec:
            cells.append((str(r[col]).replace(",", ", ").replace(",  ", ", "), False) if fmt is None
                         else _cell(r[col], fmt)[:2])
        rows.append(cells)
    tables = [_table(["scenario"] + [h for _, h, _ in spec], rows,
                     "Coverage strategies: recruits, persistence and costs by payer",
                     note=f"Present values (PV) at 1 January {start} at each scenario's projected return. Costs to "
                          "the state include the contributions it pays for the recruits (a subsidy once); the "
                          "members' contributions are those of every payer but the state. Net present value per "
                          "recruit: the recruits' contributions net of the administrative charge, minus their "
                          "benefits and the fund's channel costs, within the projection (benefits after its last "
                          "year are not counted: an upper bound). Definitions: Comparison.strategy_table.")]
    groups = [c for c in st.columns if c.startswith("coverage_")]
    rows = [[(f"{name} (reference)" if name == cmp.reference else str(name), False)]
            + [_cell(st.loc[name, g], lambda v: f"{100 * v:.2f}")[:2] for g in groups] for name in st.index]
    tables.append(_table(["scenario"] + [f"{g[len('coverage_'):]} [% of the labour force]" for g in groups], rows,
                         f"Coverage by insured group in {year}: contributors per person in the labour force",
                         note="A group counts the members recruited by the channels it is the parent of; the "
                              "groups add up to the coverage ratio."))
    return tables


def _rows_that_differ(frame: pd.DataFrame, columns) -> tuple[pd.DataFrame, list]:
    """The rows of `frame` not equal across `columns` (NaN equal to NaN), and the indicators left out."""
    values = frame[list(columns)].to_numpy(dtype=float)
    first = values[:, :1]
    same = np.all((values == first) | (np.isnan(values) & np.isnan(first)), axis=1)
    dropped = sorted({str(label).split(" ")[0] for label, s in zip(frame.index, same, strict=True) if s})
    keep = frame.loc[~same]
    keep.attrs = dict(frame.attrs)
    return keep, dropped


def _changes_against(p, ref) -> list:
    """What a scenario changes against the reference: its strategy's channels, the parameters and tables whose
    values differ, and the changes made in Python (``changes_applied``)."""
    out = []
    ds = p.dataset
    if "channel_recruits" in ds:
        channels = [f"{c} ({k}, {g})" for c, k, g in zip(ds["channel"].values, ds["channel_kind"].values,
                                                         ds["channel_group"].values, strict=True)]
        out.append(f"strategy with {len(channels)} channel{'s' if len(channels) > 1 else ''}: {', '.join(channels)}")
    if p is not ref:
        mine, theirs = (json.loads(x.dataset.attrs.get("scenario", "{}") or "{}") for x in (p, ref))
        for key, what in (("parameters", "parameters"), ("tables", "tables")):
            a, b = mine.get(key) or {}, theirs.get(key) or {}
            changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            if changed:
                out.append(f"{what} that differ from the reference's: {', '.join(changed)}")
    out += [json.dumps(c, default=str, sort_keys=True) if not isinstance(c, str) else c
            for c in (p.provenance.get("changes_applied") or [])]
    return out


def _comparison_provenance(cmp) -> dict:
    """One provenance section for every scenario: what they share once, then a line per scenario."""
    provs = {n: p.provenance for n, p in cmp.projections.items()}
    ref = cmp.projections[cmp.reference]
    sources: dict = {}
    for prov in provs.values():
        for key, src in sorted((prov.get("sources") or {}).items()):
            if key not in sources:
                sources[key] = _provenance_source(key, src)
    assumption_sets = sorted({json.dumps(prov.get("assumptions") or {}, sort_keys=True) for prov in provs.values()})
    scenarios = []
    for name, p in cmp.projections.items():
        files = [f for f in (provs[name].get("scenario_files") or []) if isinstance(f, Mapping_)]
        changes = _changes_against(p, ref)
        scenarios.append({
            "name": name, "years": f"{int(p.years[0])}-{int(p.years[-1])}",
            "files": [f"{Path(str(f.get('path', ''))).name} \u00b7 {str(f.get('sha256', ''))[:12]}" for f in files],
            "changes": changes if name != cmp.reference or changes else ["the reference"],
        })
    return {
        "assumptions": [json.loads(a) for a in assumption_sets],
        "versions": sorted({str(prov.get("ssproj_version", "")) for prov in provs.values()}),
        "seeds": sorted({str(prov.get("seed", "")) for prov in provs.values()}),
        "sources": list(sources.values()),
        "scenarios": scenarios,
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
    summary, provenance, left_out = None, None, []
    if kind == "comparison":
        has_scheme = obj.has_scheme
        table, dropped = _rows_that_differ(obj.table(), obj.names)
        all_diffs = obj.differences()
        diffs = all_diffs.loc[~(all_diffs.fillna(0.0) == 0).all(axis=1)]
        same = (f" Left out, equal in every scenario: {', '.join(dropped)}." if dropped else "")
        tables = _strategy_tables(obj) if has_scheme and obj._data[obj.reference].has_scheme else []
        tables += [
            _by_figure(table, obj.table().attrs["units"], obj.currency, "Comparison: one column per scenario",
                       note=f"Reference scenario: {obj.reference}. Amounts of money per year nominal, in billions "
                            f"of {obj.currency or 'the currency'}; present values at 1 January of the first "
                            f"scheme year.{same} Every row: comparison.csv.", collapsed=True),
            _by_figure(diffs, all_diffs.attrs["units"], obj.currency,
                       f"Differences from the reference ({obj.reference}): scenario minus reference",
                       note="Rows where no scenario differs from the reference are left out "
                            "(differences.csv has them all).", collapsed=True),
        ]
        if obj._has_decomposition():
            tables.append(_decomposition_table(obj, collapsed=True))
        if has_scheme and obj._data[obj.reference].has_scheme:
            summary = _summary_tables(obj)
        provenance = _comparison_provenance(obj)
        scenarios = []
        title = f"ssproj comparison of {len(obj.names)} scenarios against {obj.reference}"
        subtitle = (f"Scenarios: {', '.join(obj.names)}. Milestones "
                    f"{', '.join(str(y) for y in obj.milestones) or 'none'}"
                    + (f"; amounts in {obj.currency}" if obj.currency else "") + ".")
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
    if kind == "comparison":
        charts, left_out = _comparison_charts(obj, dpi)
    else:
        charts = _charts(obj, False, has_scheme, dpi)
    template = _environment().get_template(_TEMPLATE)
    return template.render(title=title, subtitle=subtitle, kind=kind, charts=charts, tables=tables,
                           scenarios=scenarios, version=__version__,
                           has_scheme=has_scheme, banner=banner.splitlines(), summary=summary,
                           provenance=provenance, left_out=left_out)


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
    column, and the provenance. A comparison's report opens on its
    summary (``Comparison.reading``, ``Comparison.summary_table`` and the
    banner), then the charts of :data:`COMPARISON_MEASURE_CHARTS` whose
    measure differs between scenarios (level and difference from the
    reference) and the decomposition bars, the strategy table, the
    comparison, differences and decomposition tables, and one provenance
    section.
    """
    text = render_html(result_or_comparison, dpi=dpi, banner=banner)
    with atomic_path(path, suffix=".html") as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return Path(path)

