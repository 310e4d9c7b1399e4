"""Self-contained HTML reports of a projection or a comparison: :func:`write_html`.

The report is ONE file that opens in any browser, offline: the charts of
:mod:`ssproj.reporting.plots` are embedded as base64 PNG images
(``<img src="data:image/png;base64,...">``), the style sheet is inline, and
nothing is fetched from the network (no external link, font or script).
A projection's report opens on its headline (key figures, the reading,
the banner), a comparison's on its ranked summary; then the charts (money
as shares of GDP or of insured earnings), the tables with their units,
and one provenance section (scenario, data sources, ssproj version,
seed); a comparison report adds the comparison table, the differences
from the reference and the decomposition of the change in cost rate. A small inline script only
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
from ssproj.reporting import plots, text

__all__ = ["write_html", "render_html"]

_TEMPLATE = "report.html.j2"


# ------------------------------------------------------------------ charts

def _figure_png(draw, figsize, dpi) -> str:
    """Run ``draw(figure)`` on a new off-screen figure with constrained layout; the PNG as base64 text."""
    from matplotlib.figure import Figure

    with plots.style_context():
        fig = Figure(figsize=figsize, layout="constrained")
        draw(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _charts(obj, has_scheme: bool, dpi: int) -> list:
    """The charts of a projection report: :data:`ssproj.reporting.plots.CHARTS`, panels side by side; the share
    of benefits paid after the reserve when the headline fund's rule is ``payable``."""
    charts = []
    table = list(plots.CHARTS)
    if has_scheme and plots.deficit_rule(obj) == "payable":
        at = [c[0] for c in table].index("reserve") + 1
        table.insert(at, ("benefits_payable", "Share of the scheduled benefits the pension fund pays",
                          (plots.benefits_payable,), True))
    for cid, title, panels, needs_scheme in table:
        if needs_scheme and not has_scheme:
            continue
        if cid == "pyramid":
            first, last = int(obj.years[0]), int(obj.years[-1])

            def pyramids(fig, first=first, last=last):
                axes = fig.subplots(1, 2)
                plots.population_pyramid(obj, first, ax=axes[0])
                plots.population_pyramid(obj, last, ax=axes[1])
                hi = max(abs(v) for a in axes for v in a.get_xlim())
                for a in axes:
                    a.set_xlim(-hi, hi)

            png = _figure_png(pyramids, (11, 5.0), dpi)
            title = f"{title}, {first} and {last}"
        else:
            def draw(fig, panels=panels):
                axes = fig.subplots(1, len(panels), squeeze=False)[0]
                for func, ax in zip(panels, axes, strict=True):
                    func(obj, ax=ax)

            png = _figure_png(draw, (6.4 * len(panels) + 2.4, 4.4), dpi)
        charts.append({"id": cid, "title": f"{title}: {_CHART_NOTES[cid]}", "png": png, "alt": f"{title} (chart)"})
    return charts


#: What each chart of a projection report shows and in which unit, after its title.
_CHART_NOTES = {
    "finances": "contributions, investment income and the state's deficit transfers (stacked) against the "
                "scheduled outgo (black) and the outgo paid (dashed, where benefits are cut), % of the GDP of the "
                "year; where income is below the outgo the reserve pays the difference; the dotted line marks "
                "the year the reserve is exhausted",
    "cost_rate": "outgo over insured earnings (net of the administrative charge on contributions), contributions "
                 "over insured earnings, and the general average premium of each period, % of insured earnings",
    "reserve": "reserve ratio of the pension fund (reserve at 31 December over the outgo of the year, years of "
               "outgo; left) and reserve of each fund at 31 December, % of the GDP of the year (right)",
    "benefits_payable": "benefits paid over scheduled benefits, % (deficit rule payable)",
    "members": "contributors (contributor-years, solid) and pensioners of every type (persons at 31 December, "
               "dashed) by insured group, thousands (left); contributors per person in the labour force and "
               "old-age pensioners per person of pensionable age, % (right)",
    "population": "thousand persons at 1 July",
    "pyramid": "thousand persons at 1 July by sex and single age",
}


# ------------------------------------------------------------------ headline

def _value(text: str, key: str, raw: float) -> dict:
    """A number of the headline box: its text and, for the tests and for readers of the HTML, the key and the
    value it prints (``data-key``, ``data-value``)."""
    return {"text": text, "key": key, "raw": repr(float(raw))}


def _headline(p) -> dict | None:
    """The headline section of a projection report: the box, the reading and two small tables, from
    ``Projection.headline`` (its indicators unchanged); None without a scheme or for a bare Dataset."""
    if not hasattr(p, "headline") or "actives" not in p.dataset:
        return None
    head = p.headline()
    n = max(head["horizons"])
    span = min(n, head["years"])
    first, last = head["first_year"], head["last_year"]
    rule = head["deficit_financing"]
    dep = head["depletion_year"]
    cards = [
        {"label": "Reserve exhausted", "note": "under the scheduled contributions and benefits",
         "figures": [_value(text.year_text(dep, never=f"not by {last}"), "depletion_year", dep)]},
        {"label": "First cash-flow deficit", "note": "contributions (net of the administrative charge) below outgo",
         "figures": [_value(text.year_text(head["first_deficit_year"], never=f"none by {last}"),
                           "first_deficit_year", head["first_deficit_year"])]},
        {"label": f"Shortfall over {span} years", "note": "present values at 1 January " + str(first),
         "figures": [_value(f"{text.percent(head[f'pv_shortfall_{n}_share_of_gdp'])} of GDP",
                           f"pv_shortfall_{n}_share_of_gdp", head[f"pv_shortfall_{n}_share_of_gdp"]),
                    _value(f"{text.percent(head[f'pv_shortfall_{n}_share_of_earnings'])} of insured earnings",
                           f"pv_shortfall_{n}_share_of_earnings", head[f"pv_shortfall_{n}_share_of_earnings"])]},
    ]
    transfers = head[f"pv_state_transfers_{n}_share_of_gdp"]
    if rule == "state_transfer" or (transfers == transfers and transfers != 0):
        cards.append({"label": f"State deficit transfers over {span} years",
                      "note": "present values; what keeps the reserve at its floor",
                      "figures": [_value(f"{text.percent(transfers)} of GDP", f"pv_state_transfers_{n}_share_of_gdp",
                                        transfers)]})
    paid = head.get(f"pv_state_paid_pensions_{n}_share_of_gdp", 0.0)
    if paid == paid and paid != 0:
        cards.append({"label": f"Pensions the state pays over {span} years",
                      "note": "present values; outside the fund",
                      "figures": [_value(f"{text.percent(paid)} of GDP", f"pv_state_paid_pensions_{n}_share_of_gdp",
                                        paid)]})
    if rule == "payable":
        cards.append({"label": f"Benefits paid in {last}", "note": "deficit rule payable",
                      "figures": [_value(f"{text.percent(head['share_of_benefits_payable'])} of scheduled",
                                        "share_of_benefits_payable", head["share_of_benefits_payable"])]})
    elif rule == "borrow" and head["reserve_share_of_gdp"] < 0:
        cards.append({"label": f"Debt of the fund, 31 December {last}", "note": "deficit rule borrow",
                      "figures": [_value(f"{text.percent(-head['reserve_share_of_gdp'])} of GDP",
                                        "reserve_share_of_gdp", head["reserve_share_of_gdp"])]})
    horizons = sorted(head["horizons"])
    gap = {"columns": [""] + [f"{min(h, head['years'])} years, {first}-{first + min(h, head['years']) - 1}"
                               for h in horizons],
           "rows": [["general average premium (GAP)"] + [_value(text.percent(head[f"gap_{h}"]), f"gap_{h}",
                                                                head[f"gap_{h}"]) for h in horizons],
                    ["contribution rate the fund receives (summarized income rate)"]
                    + [_value(text.percent(head[f"summarized_income_rate_{h}"]), f"summarized_income_rate_{h}",
                              head[f"summarized_income_rate_{h}"]) for h in horizons]],
           "caption": "Contribution rates, % of insured earnings",
           "note": "The GAP is the level rate that, held from the first year, pays the outgo of the period with the "
                   "opening reserve; the summarized income rate is what the fund receives, averaged over the same "
                   "years in present values. Both net of the administrative charge on contributions."}
    members = head["members"]
    rows = []
    for col, label, fmt in (("contributors", "contributors [thousand contributor-years]", lambda v: f"{v / 1e3:,.1f}"),
                            ("pensioners", "pensioners [thousand persons at 31 December]",
                             lambda v: f"{v / 1e3:,.1f}"),
                            ("system_dependency_ratio", "pensioners per contributor", lambda v: f"{v:.2f}")):
        rows.append([label] + [_value(fmt(members[y][col]), f"{col}_{y}", members[y][col]) for y in members])
    member_table = {"columns": [""] + [str(y) for y in members], "rows": rows,
                    "caption": "Contributors and pensioners", "note": ""}
    title = head.get("fund_title") or head["fund"]
    return {"fund": head["fund"], "title": title, "rule": rule, "cards": cards,
            "reading": text.headline_reading(head), "gap": gap, "members": member_table}


# ------------------------------------------------------------------ tables

def _fmt_values(values: pd.Series, unit: str) -> list:
    v = pd.to_numeric(values, errors="coerce")
    big = v.abs().max()
    if unit == "calendar year":
        fmt = "{:.0f}"
    elif big != big:
        fmt = "{:.3f}"
    elif unit.startswith("%"):
        fmt = "{:,.1f}" if big >= 100 else ("{:.2f}" if big >= 1 else "{:.3f}")
    else:
        fmt = "{:,.0f}" if big >= 1000 else ("{:,.1f}" if big >= 10 else "{:.4f}")
    return ["\u2013" if (x != x) else _no_negative_zero(fmt.format(x)) for x in v]


def _no_negative_zero(text: str) -> str:
    """``-0.0000`` (a tiny negative number rounded) printed as ``0.0000``."""
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


#: Units of money per year or at a date, nominal (as opposed to present values, "currency at 1 January ...").
_NOMINAL_MONEY = ("currency/year", "currency at 31 December")


def _scale_money(values: pd.Series, unit: str, currency: str):
    """Amounts of money (units starting ``currency``, not per person) in billions of ``currency``, said nominal
    when they are; shares (units ``share of ...``) in % (``% of ...``)."""
    cur = currency or "currency"
    if unit.startswith("share of "):
        return 100.0 * values, "% of " + unit[len("share of "):]
    if unit.startswith(("currency per", "currency/person")):
        return values, unit.replace("currency", cur, 1)
    if unit.startswith("currency"):
        scaled = unit.replace("currency", f"billion {cur}", 1)
        return values / 1e9, scaled + (", nominal" if unit in _NOMINAL_MONEY else "")
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
                           "flows over the calendar year. Amounts of money nominal (the charts show them in % of "
                           "GDP; summary.csv has every year). A dash: not projected (before the first scheme year).")


def _indicator_table(p):
    ind = p.indicators()
    currency = str(p.dataset.attrs.get("currency", "") or "")
    rows = []
    for key, value in ind.items():
        v = variables.find(key)  # the unit as written in headers, from the registry
        unit = v.label if v is not None else ""
        if value != value:
            text_ = "never" if key == "depletion_year" else "\u2013"
            unit = _scale_money(pd.Series([0.0]), unit, currency)[1]
        else:
            scaled, unit = _scale_money(pd.Series([float(value)]), unit, currency)
            text_ = _fmt_values(scaled, unit)[0] if unit != "calendar year" else f"{value:.0f}"
        rows.append([(key, False), (unit, False), (text_, True)])
    return _table(["indicator", "unit", "value"], rows,
                  f"Long-range indicators of the {ind.attrs.get('fund', 'headline')} fund",
                  note="General average premium (gap), summarized rates and actuarial balance over n scheme "
                       "years; present values (pv_) at 1 January of the first scheme year; reserve ratio = reserve "
                       "at 31 December / outgo of the year.")


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


def _provenance_section(projections: dict, reference: str) -> dict:
    """One provenance section for every projection of a report: what they share once, then a line per scenario
    (for a comparison, what each changes against the reference)."""
    provs = {n: p.provenance for n, p in projections.items()}
    ref = projections[reference]
    sources: dict = {}
    for prov in provs.values():
        for key, src in sorted((prov.get("sources") or {}).items()):
            if key not in sources:
                sources[key] = _provenance_source(key, src)
    assumption_sets = sorted({json.dumps(prov.get("assumptions") or {}, sort_keys=True) for prov in provs.values()})
    scenarios = []
    for name, p in projections.items():
        files = [f for f in (provs[name].get("scenario_files") or []) if isinstance(f, Mapping_)]
        changes = _changes_against(p, ref)
        if len(projections) > 1 and name == reference and not changes:
            changes = ["the reference"]
        scenarios.append({
            "name": name, "years": f"{int(p.years[0])}-{int(p.years[-1])}",
            "files": [f"{Path(str(f.get('path', ''))).name} \u00b7 {str(f.get('sha256', ''))[:12]}" for f in files],
            "changes": changes,
            "description": " ".join(str(json.loads(p.dataset.attrs.get("scenario", "{}") or "{}").get("description")
                                        or "").split()),
        })
    return {
        "assumptions": [json.loads(a) for a in assumption_sets],
        "versions": sorted({str(prov.get("ssproj_version", "")) for prov in provs.values()}),
        "seeds": sorted({str(prov.get("seed", "")) for prov in provs.values()}),
        "sources": list(sources.values()),
        "scenarios": scenarios,
        "comparison": len(projections) > 1,
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
    (e.g. :func:`ssproj.analysis.assumptions.assumption_banner`) is shown in the section that opens it (the
    headline of a projection with a scheme, the summary of a comparison), else under the title."""
    kind, obj = plots.result_kind(result_or_comparison)
    summary, provenance, left_out = None, None, []
    if kind == "comparison":
        has_scheme = obj.has_scheme
        in_gdp = obj.table(money="share_of_gdp")
        table, dropped = _rows_that_differ(in_gdp, obj.names)
        all_diffs = obj.differences(money="share_of_gdp")
        diffs = all_diffs.loc[~(all_diffs.fillna(0.0) == 0).all(axis=1)]
        same = (f" Left out, equal in every scenario: {', '.join(dropped)}." if dropped else "")
        tables = _strategy_tables(obj) if has_scheme and obj._data[obj.reference].has_scheme else []
        tables += [
            _by_figure(table, in_gdp.attrs["units"], obj.currency, "Comparison: one column per scenario",
                       note=f"Reference scenario: {obj.reference}. Amounts of money in a year (income, outgo, the "
                            "state's money, reserves at 31 December) in % of each scenario's GDP of that year; "
                            f"present values in billions of {obj.currency or 'the currency'} at 1 January of the "
                            f"first scheme year.{same} Every row, amounts nominal: comparison.csv.",
                       collapsed=True),
            _by_figure(diffs, all_diffs.attrs["units"], obj.currency,
                       f"Differences from the reference ({obj.reference}): scenario minus reference",
                       note="Units as in the comparison table (a difference of shares of GDP in percentage "
                            "points). Rows where no scenario differs from the reference are left out "
                            "(differences.csv has them all, amounts nominal).", collapsed=True),
        ]
        if obj._has_decomposition():
            tables.append(_decomposition_table(obj, collapsed=True))
        if has_scheme and obj._data[obj.reference].has_scheme:
            summary = _summary_tables(obj)
        provenance = _provenance_section(obj.projections, obj.reference)
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
        provenance = _provenance_section({name: obj}, name)
        title = f"ssproj projection: {name}"
        currency = str(obj.dataset.attrs.get("currency", "") or "")
        subtitle = (f"Scenario {name!r}, {int(obj.years[0])}-{int(obj.years[-1])}"
                    + (f"; amounts in {currency}" if currency else ""))
    headline = None
    if kind == "comparison":
        charts, left_out = _comparison_charts(obj, dpi)
    else:
        charts = _charts(obj, has_scheme, dpi)
        headline = _headline(obj)
    template = _environment().get_template(_TEMPLATE)
    return template.render(title=title, subtitle=subtitle, kind=kind, charts=charts, tables=tables,
                           version=__version__,
                           has_scheme=has_scheme, banner=banner.splitlines(), summary=summary,
                           provenance=provenance, left_out=left_out, headline=headline)


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
        Lines shown in the opening section (``ssproj run --html`` passes
        :func:`ssproj.analysis.assumptions.assumption_banner`: which
        assumed inputs drive the headline).

    Returns
    -------
    Path
        ``path``.

    Notes
    -----
    A projection's report opens on its headline (with a scheme and given a
    Projection): key figures of ``Projection.headline``, each marked with
    the key it prints (``data-key``, ``data-value``), the reading
    (``Projection.reading``), the GAP against the summarized income rate,
    contributors and pensioners at milestones, and the banner; then the
    charts of :data:`ssproj.reporting.plots.CHARTS` (scheme charts only
    when the scenario has a scheme; the share of benefits paid under the
    rule ``payable``), the key figures by year (first year, every 10th,
    last year) and the long-range indicators, each with a unit column,
    and one provenance section. A comparison's report opens on its
    summary (``Comparison.reading``, ``Comparison.summary_table`` and the
    banner), then the charts of :data:`COMPARISON_MEASURE_CHARTS` whose
    measure differs between scenarios (level and difference from the
    reference) and the decomposition bars, the strategy table, the
    comparison, differences and decomposition tables, and one provenance
    section.
    """
    page = render_html(result_or_comparison, dpi=dpi, banner=banner)
    with atomic_path(path, suffix=".html") as tmp:
        Path(tmp).write_text(page, encoding="utf-8")
    return Path(path)

