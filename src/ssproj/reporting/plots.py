"""Charts of a projection or a comparison, for notebooks and reports.

Each function takes a :class:`~ssproj.Projection` (wrap a bare
:class:`xarray.Dataset` with ``ssproj.Projection(ds)``) or a
:class:`~ssproj.Comparison`, and an optional
matplotlib ``ax``; it draws on ``ax`` (a new figure if none is given) and
returns the Axes. Nothing is shown: call ``plt.show()`` or
``ax.figure.savefig(...)`` yourself. Given a comparison, a function draws
the same series for every scenario, one colour per scenario.

Every chart states its unit on the y axis. Money is shown as a share:
of GDP (income, outgo, reserves), of insured earnings (cost and
contribution rates, the GAP), or as years of outgo (the reserve ratio);
only :func:`reserves_by_fund` with ``unit="nominal"`` and
:func:`scenario_series` of a money column draw nominal amounts, and say
so on the axis. Legends sit outside the data. The style of the figures is
``ssproj.mplstyle`` (:data:`STYLE`), applied with :func:`style_context`.

Example
-------
>>> import ssproj                                            # doctest: +SKIP
>>> from ssproj.reporting import plots
>>> res = ssproj.project(ssproj.load_scenario("scenarios/lao_baseline.yaml"))
>>> ax = plots.reserve_ratio(res)
>>> ax.figure.savefig("reserve_ratio.png")
"""
from __future__ import annotations

import contextlib
import json
from pathlib import Path

import numpy as np
import xarray as xr

from ssproj.finance.indicators import share_of_gdp
from ssproj.finance.summary import summary_frame

__all__ = [
    "STYLE", "style_context", "CHARTS", "COMPARISON_CHARTS",
    "population", "reserves_by_fund", "reserve_ratio", "cost_rate", "members", "coverage", "fund_finances",
    "benefits_payable", "legend_outside", "deficit_rule",
    "population_pyramid", "scenario_series", "decomposition", "MEASURES", "measure_by_scenario",
    "decomposition_bars", "scenario_styles", "differs",
]

#: Path of the matplotlib style file of ssproj's figures.
STYLE = Path(__file__).with_name("ssproj.mplstyle")


@contextlib.contextmanager
def style_context():
    """Context manager applying the ssproj figure style (:data:`STYLE`)."""
    import matplotlib.pyplot as plt

    with plt.style.context(str(STYLE)):
        yield


# ----------------------------------------------------------------- helpers

def result_kind(obj):
    """Whether `obj` is a projection or a comparison (duck-typed).

    Parameters
    ----------
    obj : Projection, its Dataset, or Comparison
        A comparison has ``projections`` (name -> projection); a projection
        has ``dataset`` and ``summary()``; a bare projection Dataset is
        wrapped in a :class:`DatasetResult`. (Reporting sits below
        ``ssproj.projection`` and ``ssproj.analysis`` and does not import
        their classes.)

    Returns
    -------
    kind : {"projection", "comparison"}
    obj : the object itself
    """
    if hasattr(obj, "projections"):
        return "comparison", obj
    if hasattr(obj, "dataset") and hasattr(obj, "summary"):
        return "projection", obj
    if isinstance(obj, xr.Dataset) and "population" in obj:
        return "projection", DatasetResult(obj)
    raise TypeError(f"expected an ssproj.Projection, its Dataset or an ssproj.Comparison, got {type(obj).__name__}")


class DatasetResult:
    """A projection's Dataset seen as a result: ``dataset`` and ``summary()``
    (:func:`ssproj.finance.summary.summary_frame`), for plots given a bare Dataset."""

    def __init__(self, dataset: xr.Dataset):
        self.dataset = dataset

    def summary(self):
        """Key figures by year (see :meth:`ssproj.Projection.summary`)."""
        return summary_frame(self.dataset)

    @property
    def years(self):
        """Projection years. [calendar year]"""
        return self.dataset["year"].values

    @property
    def provenance(self) -> dict:
        """Scenario, assumption sources, ssproj version and seed (``dataset.attrs['provenance']``)."""
        return json.loads(self.dataset.attrs.get("provenance", "{}") or "{}")


def _items(obj):
    """(name, Projection) pairs: one for a projection, one per scenario for a comparison."""
    kind, obj = result_kind(obj)
    if kind == "comparison":
        return kind, obj, list(obj.projections.items())
    return kind, obj, [(str(obj.dataset.attrs.get("scenario_name", "")), obj)]


def _require_scheme(projections, what):
    if not any("actives" in p.dataset for _, p in projections):
        raise ValueError(f"{what}: the result has no scheme (its assumption set declares no insured groups)")


def _scheme_summary(p):
    if "actives" not in p.dataset:
        return None
    return p.summary().dropna(subset=["total_outgo"])


def _currency(projections) -> str:
    for _, p in projections:
        c = str(p.dataset.attrs.get("currency", "") or "")
        if c:
            return c
    return ""


def axes_or_new(ax):
    """`ax`, or the Axes of a new figure if `ax` is None."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


def _subplots(*args, **kwargs):
    """``matplotlib.pyplot.subplots``; matplotlib is loaded when a chart is first drawn, not by ``import ssproj``."""
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **kwargs)


def _thousands(ax):
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))


def legend_outside(ax, **kwargs):
    """The legend of `ax` right of its plotting area, outside the data (``kwargs`` to ``Axes.legend``)."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kwargs)


def _headline_indicators(obj):
    """The headline fund's indicators of a Projection (``indicators()``), None for a bare Dataset."""
    if not hasattr(obj, "indicators"):
        return None
    return obj.indicators(milestones=())


def _mark_depletion(ax, figures):
    """A dotted vertical line at the depletion year of `figures` (``Projection.indicators``), if any."""
    if figures is None:
        return
    year = figures["depletion_year"]
    if year == year:
        ax.axvline(year, color="#555555", linestyle=":", linewidth=1.2,
                   label=f"reserve exhausted, {year:.0f}")


def _title(ax, text, kind, obj):
    if kind == "comparison":
        text = f"{text}, by scenario"
    else:
        name = obj.dataset.attrs.get("scenario_name", "")
        text = f"{text}" + (f" ({name})" if name else "")
    ax.set_title(text)
    ax.set_xlabel("year")


# ------------------------------------------------------------------ charts

def population(result, ax=None):
    """Population at 1 July by broad age group (0-14, 15-64, 65+), in thousands.

    Given a comparison: the total population of each scenario.
    """
    kind, obj, items = _items(result)
    with style_context():
        ax = axes_or_new(ax)
        if kind == "comparison":
            for name, p in items:
                s = p.summary()
                ax.plot(s.index, s["total_population"] / 1e3, label=name)
        else:
            s = obj.summary()
            cols = [("population_0_14", "0-14"), ("population_15_64", "15-64"), ("population_65_plus", "65+")]
            ax.stackplot(s.index, *[s[c] / 1e3 for c, _ in cols], labels=[lab for _, lab in cols], alpha=0.85)
        _title(ax, "Population at 1 July", kind, obj)
        ax.set_ylabel("thousand persons")
        ax.set_ylim(bottom=0.0)
        _thousands(ax)
        handles, labels = ax.get_legend_handles_labels()
        legend_outside(ax, handles=handles[::-1], labels=labels[::-1])
    return ax


def reserves_by_fund(result, ax=None, *, until=None, unit="share_of_gdp"):
    """Reserve of each fund at 31 December, in % of the GDP of the year (default) or nominal.

    Parameters
    ----------
    until : int, optional
        Last year shown (e.g. 2030 when a fund's later debt dwarfs the others).
    unit : {"share_of_gdp", "nominal"}, default "share_of_gdp"
        ``"share_of_gdp"``: reserve / GDP of the year, in %; ``"nominal"``:
        billions of the currency, nominal (the axis says so).

    Given a comparison: the reserve of each scenario's headline (pension) fund.
    """
    if unit not in ("share_of_gdp", "nominal"):
        raise ValueError(f"reserves_by_fund: unit={unit!r}; expected 'share_of_gdp' or 'nominal'")
    kind, obj, items = _items(result)
    _require_scheme(items, "reserves_by_fund")
    currency = _currency(items)
    share = unit == "share_of_gdp"
    with style_context():
        ax = axes_or_new(ax)
        for name, p in items:
            s = _scheme_summary(p)
            if s is None:
                continue
            years = s.index[s.index <= until] if until is not None else s.index
            if kind == "comparison":
                values = (100 * s.loc[years, "reserve_share_of_gdp"] if share
                          else s.loc[years, "reserve_end"] / 1e9)
                ax.plot(years, values, label=name)
            else:
                res = p.dataset["fund_reserve_end"].sel(year=years)
                res = 100 * share_of_gdp(res, p.dataset["gdp"].sel(year=years)) if share else res / 1e9
                for fund in res["fund"].values:
                    ax.plot(years, res.sel(fund=fund), label=str(fund))
        ax.axhline(0.0, color="black", linewidth=0.6)
        _title(ax, "Reserve at 31 December" + (f", {_headline(items)} fund" if kind == "comparison" else ", by fund"),
               kind, obj)
        ax.set_ylabel("% of GDP" if share else f"billion {currency} (nominal)".replace("  ", " "))
        if not share:
            _thousands(ax)
        legend_outside(ax)
    return ax


def _headline(items) -> str:
    """The headline fund of the projections (the summary's finance columns are its), e.g. ``long_term``."""
    names = {str(p.dataset.attrs.get("headline_fund", "")) for _, p in items} - {""}
    return names.pop() if len(names) == 1 else "headline"


def reserve_ratio(result, ax=None):
    """Reserve ratio of the headline (pension) fund: reserve at 31 December / outgo of the year, in years."""
    kind, obj, items = _items(result)
    _require_scheme(items, "reserve_ratio")
    with style_context():
        ax = axes_or_new(ax)
        for name, p in items:
            s = _scheme_summary(p)
            if s is not None:
                ax.plot(s.index, s["reserve_ratio"], label=name if kind == "comparison" else f"{_headline(items)} fund")
        ax.axhline(0.0, color="black", linewidth=0.6)
        if kind == "projection":
            _mark_depletion(ax, _headline_indicators(obj))
        _title(ax, f"Reserve ratio, {_headline(items)} fund", kind, obj)
        ax.set_ylabel("years of outgo")
        legend_outside(ax)
    return ax


def cost_rate(result, ax=None, *, horizons=(25, 50, 75)):
    """The headline fund's PAYG cost rate against its average contribution rate, in % of insured earnings.

    Given a projection (not a bare Dataset) also the general average premium
    over each of `horizons` years from the first scheme year
    (``gap_<n>`` of ``Projection.indicators``), a level segment over its
    years, and the depletion year. Given a comparison: cost and
    contribution rates for each scenario (cost rate solid, contribution
    rate dashed).
    """
    kind, obj, items = _items(result)
    _require_scheme(items, "cost_rate")
    with style_context():
        ax = axes_or_new(ax)
        for i, (name, p) in enumerate(items):
            s = _scheme_summary(p)
            if s is None:
                continue
            color = f"C{i}"
            prefix = f"{name}: " if kind == "comparison" else ""
            ax.plot(s.index, 100 * s["payg_cost_rate"], color=color, label=f"{prefix}PAYG cost rate")
            ax.plot(s.index, 100 * s["average_contribution_rate"], color=color if kind == "comparison" else "C1",
                    linestyle="--", label=f"{prefix}average contribution rate")
            if kind == "projection" and hasattr(p, "indicators"):
                figures = p.indicators(horizons=horizons, milestones=())
                years = s.index.to_numpy()
                for j, n in enumerate(sorted(horizons)):
                    span = years[: min(int(n), len(years))]
                    ax.plot([span[0], span[-1]], [100 * figures[f"gap_{n}"]] * 2, color=f"C{2 + j}", linewidth=2.4,
                            label=f"GAP over {len(span)} years ({span[0]}-{span[-1]})")
                _mark_depletion(ax, figures)
        _title(ax, f"Cost and contribution rates, {_headline(items)} fund", kind, obj)
        ax.set_ylabel("% of insured earnings")
        ax.set_ylim(bottom=0.0)
        legend_outside(ax)
    return ax


def deficit_rule(result) -> str:
    """The deficit financing rule of a projection's headline fund (``borrow``, ``state_transfer`` or ``payable``;
    ``""`` without a scheme)."""
    ds = result.dataset
    if "deficit_financing" not in ds.coords:
        return ""
    funds = [str(f) for f in ds["fund"].values]
    return str(ds["deficit_financing"].values[funds.index(ds.attrs.get("headline_fund", funds[0]))])


def _projection_only(result, what):
    kind, obj, items = _items(result)
    if kind == "comparison":
        raise TypeError(f"{what}: expected a projection (for a comparison, measure_by_scenario draws a measure by "
                        "scenario)")
    _require_scheme(items, what)
    return obj, _scheme_summary(obj)


def fund_finances(result, ax=None):
    """Income and outgo of the headline (pension) fund by year, in % of the GDP of the year.

    Income is stacked by source: contributions, investment income (drawn
    below zero where it is negative: the interest on the fund's debt under
    ``deficit_financing: borrow``) and the state's deficit transfers
    (``deficit_financing: state_transfer``: what keeps the reserve at its
    floor once it is exhausted). The black line is the scheduled outgo
    (benefits and administrative costs); the outgo paid is drawn dashed
    where it differs (``deficit_financing: payable``: benefits cut to what
    the fund can pay). Where income is below the outgo, the reserve pays
    the difference. Given a projection (not a bare Dataset) the depletion
    year is marked. A projection only.
    """
    obj, s = _projection_only(result, "fund_finances")
    years = s.index.to_numpy()
    gdp = obj.dataset["gdp"].sel(year=years).to_numpy()

    def share(column):
        return 100 * share_of_gdp(s[column].to_numpy(dtype=float), gdp)

    investment = share("investment_income")
    with style_context():
        ax = axes_or_new(ax)
        ax.stackplot(years, share("contribution_income"), np.clip(investment, 0.0, None), share("state_transfer"),
                     labels=["contributions", "investment income", "state deficit transfers"],
                     colors=["C0", "C2", "C3"], alpha=0.75, linewidth=0)
        if (investment < 0).any():
            ax.fill_between(years, np.clip(investment, None, 0.0), 0.0, color="C5", alpha=0.75, linewidth=0,
                            label="investment income below zero (interest on the debt)")
        scheduled = 100 * s["outgo_share_of_gdp"].to_numpy(dtype=float)
        paid = share("total_outgo")
        income = share("contribution_income") + np.clip(investment, 0.0, None) + share("state_transfer")
        drawn = paid > income * (1 + 1e-9)
        if drawn.any():
            ax.fill_between(years, income, paid, where=drawn, facecolor="none", edgecolor="C1", hatch="////",
                            linewidth=0.0, label="borrowed" if deficit_rule(obj) == "borrow" else
                            "drawn from the reserve")
        ax.plot(years, scheduled, color="black", linewidth=2.0, label="outgo, scheduled")
        if not np.allclose(paid, scheduled, rtol=1e-9, atol=0.0):
            ax.plot(years, paid, color="black", linestyle="--", linewidth=1.6, label="outgo paid")
        _mark_depletion(ax, _headline_indicators(obj))
        ax.axhline(0.0, color="black", linewidth=0.6)
        _title(ax, f"Income and outgo, {_headline([('', obj)])} fund", "projection", obj)
        ax.set_ylabel("% of GDP")
        legend_outside(ax)
    return ax


def benefits_payable(result, ax=None):
    """Share of the headline fund's scheduled benefits that it pays, by year, in % (below 100 only under
    ``deficit_financing: payable`` once the reserve is at its floor). A projection only."""
    obj, s = _projection_only(result, "benefits_payable")
    with style_context():
        ax = axes_or_new(ax)
        ax.plot(s.index, 100 * s["share_of_benefits_payable"], color="C3", label="benefits paid / scheduled")
        _mark_depletion(ax, _headline_indicators(obj))
        _title(ax, f"Benefits paid, {_headline([('', obj)])} fund", "projection", obj)
        ax.set_ylabel("% of scheduled benefits")
        ax.set_ylim(0.0, 105.0)
        legend_outside(ax)
    return ax


def members(result, ax=None):
    """Contributors (contributor-years) and pensioners (persons at 31 December) by insured group, in thousands.

    Contributors solid, pensioners (every benefit type) dashed. Given a
    comparison: all groups together, by scenario.
    """
    kind, obj, items = _items(result)
    _require_scheme(items, "members")
    with style_context():
        ax = axes_or_new(ax)
        for i, (name, p) in enumerate(items):
            s = _scheme_summary(p)
            if s is None:
                continue
            if kind == "comparison":
                ax.plot(s.index, s["contributors"] / 1e3, color=f"C{i}", label=f"{name}: contributors")
                ax.plot(s.index, s["pensioners"] / 1e3, color=f"C{i}", linestyle="--", label=f"{name}: pensioners")
                continue
            ds = p.dataset.sel(year=s.index.to_numpy())
            contr = ds["contributors"].sum(("sex", "age"))
            pens = ds["pensioners"].sum(("benefit", "sex", "age"))
            for j, g in enumerate(ds["group"].values):
                ax.plot(s.index, contr.sel(group=g) / 1e3, color=f"C{j}", label=f"contributors: {g}")
                ax.plot(s.index, pens.sel(group=g) / 1e3, color=f"C{j}", linestyle="--", label=f"pensioners: {g}")
        _title(ax, "Contributors and pensioners" + ("" if kind == "comparison" else " by group"), kind, obj)
        ax.set_ylabel("thousand persons (contributors: contributor-years)")
        ax.set_ylim(bottom=0.0)
        _thousands(ax)
        legend_outside(ax)
    return ax


def coverage(result, ax=None):
    """Coverage rates, in %: contributors per person in the labour force (solid) and
    old-age pensioners per person above the lowest pensionable age (dashed)."""
    kind, obj, items = _items(result)
    _require_scheme(items, "coverage")
    with style_context():
        ax = axes_or_new(ax)
        for i, (name, p) in enumerate(items):
            s = _scheme_summary(p)
            if s is None:
                continue
            prefix = f"{name}: " if kind == "comparison" else ""
            c1, c2 = (f"C{i}", f"C{i}") if kind == "comparison" else ("C0", "C1")
            ax.plot(s.index, 100 * s["coverage_ratio"], color=c1, label=f"{prefix}contributors / labour force")
            ax.plot(s.index, 100 * s["old_age_coverage_ratio"], color=c2, linestyle="--",
                    label=f"{prefix}old-age pensioners /\npopulation of pensionable age")
        _title(ax, "Coverage", kind, obj)
        ax.set_ylabel("%")
        ax.set_ylim(bottom=0.0)
        legend_outside(ax)
    return ax


def population_pyramid(result, year=None, ax=None):
    """Population at 1 July of ``year`` by sex and single age, in thousands (men left, women right).

    Parameters
    ----------
    year : int, optional
        Calendar year; default: the last projected year. Given a
        comparison: outlines of every scenario for that year.
    """
    kind, obj, items = _items(result)
    with style_context():
        ax = axes_or_new(ax)
        for i, (name, p) in enumerate(items):
            pop = p.dataset["population"]
            y = int(year) if year is not None else int(pop["year"].values[-1])
            if y not in {int(v) for v in pop["year"].values}:
                raise ValueError(f"population_pyramid: {y} is not a projected year of {name or 'the result'}")
            pop = pop.sel(year=y) / 1e3
            ages = pop["age"].values
            male, female = pop.sel(sex="male").values, pop.sel(sex="female").values
            if kind == "comparison":
                ax.step(-male, ages, where="mid", color=f"C{i}", label=name)
                ax.step(female, ages, where="mid", color=f"C{i}")
            else:
                ax.barh(ages, -male, height=1.0, color="C0", label="men")
                ax.barh(ages, female, height=1.0, color="C1", label="women")
        ax.axvline(0.0, color="black", linewidth=0.6)
        from matplotlib.ticker import FuncFormatter

        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{abs(v):,.0f}"))
        ax.set_xlabel("thousand persons (men left, women right)")
        ax.set_ylabel("age (100 = 100 and over)")
        ax.set_ylim(-0.5, float(np.max(ages)) + 0.5)
        label = int(year) if year is not None else "last year"
        name = "" if kind == "comparison" else obj.dataset.attrs.get("scenario_name", "")
        ax.set_title(f"Population at 1 July {label}" + (", by scenario" if kind == "comparison" else "")
                     + (f" ({name})" if name else ""))
        ax.legend(loc="upper right")
    return ax


def scenario_series(comparison, column, ax=None, *, scale=1.0, unit=None):
    """One column of :meth:`~ssproj.Projection.summary` for every scenario of a comparison.

    Parameters
    ----------
    column : str
        A summary column, e.g. ``"payg_cost_rate"`` or ``"reserve_end"``.
    scale : float, default 1
        Values are divided by it (e.g. 1e9 for billions); the unit label says so.
    unit : str, optional
        y-axis label; default: the column's unit (with the scale).
    """
    kind, obj, items = _items(comparison)
    with style_context():
        ax = axes_or_new(ax)
        found = None
        for name, p in items:
            s = p.summary()
            if column not in s.columns:
                continue
            found = s.attrs["units"].get(column, "")
            v = s[column].dropna()
            ax.plot(v.index, v / scale, label=name)
        if found is None:
            raise ValueError(f"scenario_series: no result has the summary column {column!r}")
        if unit is None:
            unit = found
            if scale != 1.0:
                unit = f"{unit} / {scale:g}"
            if unit.startswith("currency"):
                unit = unit.replace("currency", _currency(items) or "currency", 1)
        _title(ax, column.replace("_", " "), kind, obj)
        ax.set_ylabel(unit)
        ax.legend()
    return ax


def decomposition(comparison, ax=None, *, years=None):
    """Change in PAYG cost rate against the reference, split into demography, coverage and policy, in
    percentage points of insured earnings (stacked bars, one group per scenario and year)."""
    kind, obj = result_kind(comparison)
    if kind != "comparison":
        raise TypeError("decomposition: expected an ssproj.Comparison")
    dec = obj.decomposition(years)
    with style_context():
        ax = axes_or_new(ax)
        labels = [f"{s}\n{y}" for s, y in dec.index]
        x = np.arange(len(dec))
        pos = np.zeros(len(dec))
        neg = np.zeros(len(dec))
        for i, col in enumerate(("demography", "coverage", "policy")):
            v = 100 * dec[col].fillna(0.0).to_numpy()
            bottom = np.where(v >= 0, pos, neg)
            ax.bar(x, v, bottom=bottom, width=0.6, color=f"C{i}", label=col)
            pos += np.where(v >= 0, v, 0.0)
            neg += np.where(v < 0, v, 0.0)
        ax.plot(x, 100 * dec["change"].to_numpy(), "k_", markersize=18, markeredgewidth=2, label="total change")
        ax.axhline(0.0, color="black", linewidth=0.6)
        ax.set_xticks(x, labels, fontsize=7)
        ax.set_ylabel("percentage points of insured earnings")
        ax.set_title(f"Change in PAYG cost rate vs {obj.reference}, decomposed")
        ax.legend()
    return ax


# ------------------------------------------------------ comparison: level and difference

#: Measures of :func:`measure_by_scenario`: measure of ``Comparison.series`` -> (title, scale, unit of the level,
#: unit of the difference). Money is never shown in nominal currency: in % of GDP, or per person.
MEASURES = {
    "total_population": ("Population at 1 July", 1e-3, "thousand persons", "thousand persons"),
    "contributors": ("Contributors", 1e-3, "thousand contributor-years", "thousand contributor-years"),
    "coverage_ratio": ("Contributors per person in the labour force", 100.0, "% of the labour force",
                       "percentage points"),
    "payg_cost_rate": ("PAYG cost rate of the pension fund", 100.0, "% of insured earnings",
                       "percentage points"),
    "state_cost_share_of_gdp": ("The state's cost", 100.0, "% of GDP", "percentage points of GDP"),
    "reserve_share_of_gdp": ("Reserve of the pension fund", 100.0, "% of GDP",
                             "percentage points of GDP"),
    "financing_gap_share_of_gdp": ("Financing gap of the pension fund", 100.0, "% of GDP",
                                   "percentage points of GDP"),
}

_LINESTYLES = ("-", "--", ":", "-.")


def scenario_styles(names, reference):
    """Line style of each scenario of a comparison: the reference black and thicker; the others the colours of
    the style's cycle but black, then again dashed, dotted, dash-dotted. ``{name: dict(color, linestyle,
    linewidth)}``."""
    styles, i = {}, 0
    palette = ["C0", "C1", "C2", "C3", "C4", "C5", "C6"]
    for name in names:
        if name == reference:
            styles[name] = {"color": "black", "linestyle": "-", "linewidth": 2.6}
        else:
            styles[name] = {"color": palette[i % len(palette)],
                            "linestyle": _LINESTYLES[(i // len(palette)) % len(_LINESTYLES)], "linewidth": 1.6}
            i += 1
    return styles


def differs(frame, reference, *, rtol=1e-9) -> bool:
    """Whether any scenario of a ``Comparison.series`` frame differs from the reference's column by more than
    `rtol` times the largest absolute value of the reference (NaN ignored)."""
    ref = frame[reference]
    scale = float(np.nanmax(np.abs(ref.to_numpy()))) if ref.notna().any() else 0.0
    diff = frame.sub(ref, axis=0).abs().to_numpy()
    if not np.isfinite(diff).any():
        return False
    return bool(np.nanmax(diff) > rtol * max(scale, np.finfo(float).tiny))


def measure_by_scenario(comparison, measure, axes=None):
    """One measure of ``Comparison.series`` by year: its level for every scenario (left) and each scenario's
    difference from the reference (right), in the units of :data:`MEASURES`.

    Parameters
    ----------
    comparison : Comparison
    measure : str
        A key of :data:`MEASURES`.
    axes : pair of matplotlib Axes, optional
        Default: a new figure with two Axes side by side.

    Returns
    -------
    pair of Axes
        The legend (one entry per scenario) is the figure's, right of
        both Axes, outside the data.
    """
    kind, obj = result_kind(comparison)
    if kind != "comparison":
        raise TypeError("measure_by_scenario: expected an ssproj.Comparison")
    title, scale, unit, diff_unit = MEASURES[measure]
    frame = obj.series(measure) * scale
    ref = obj.reference
    styles = scenario_styles(frame.columns, ref)
    with style_context():
        if axes is None:
            _, axes = _subplots(1, 2, figsize=(12, 4.2), layout="constrained")
        left, right = axes
        for name in frame.columns:
            left.plot(frame.index, frame[name], label=name, **styles[name])
            if name != ref:
                right.plot(frame.index, frame[name] - frame[ref], label=name, **styles[name])
        right.axhline(0.0, **{**styles[ref], "linewidth": 1.2}, label=f"{ref} (reference)")
        left.set_title(title, loc="left")
        left.set_ylabel(unit)
        right.set_title(f"Difference from {ref}", loc="left")
        right.set_ylabel(diff_unit)
        for ax in axes:
            ax.set_xlabel("year")
            ax.ticklabel_format(axis="y", style="plain", useOffset=False)
        handles, labels = left.get_legend_handles_labels()
        left.figure.legend(handles, labels, loc="outside right upper", fontsize=8)
    return axes


def decomposition_bars(comparison, years=None, axes=None):
    """The change in PAYG cost rate of each scenario against the reference, split into demography, coverage and
    policy, as horizontal stacked bars: one panel per year, one labelled bar per scenario, in percentage points
    of insured earnings; a black diamond marks the total change (``Comparison.decomposition``).

    Parameters
    ----------
    years : sequence of int, optional
        Default: the decomposition's default years.
    axes : sequence of Axes, optional
        One per year; default: a new figure with the panels side by side.
    """
    kind, obj = result_kind(comparison)
    if kind != "comparison":
        raise TypeError("decomposition_bars: expected an ssproj.Comparison")
    dec = obj.decomposition(years)
    years = sorted({int(y) for _, y in dec.index})
    names = [n for n in obj.names if n != obj.reference]
    with style_context():
        if axes is None:
            _, axes = _subplots(1, len(years), figsize=(5 * len(years) + 2, 0.45 * len(names) + 1.8),
                                   sharey=True, layout="constrained", squeeze=False)
            axes = list(axes[0])
        y = np.arange(len(names))[::-1]
        for ax, year in zip(axes, years, strict=True):
            d = dec.xs(year, level="year").reindex(names)
            pos, neg = np.zeros(len(names)), np.zeros(len(names))
            for i, col in enumerate(("demography", "coverage", "policy")):
                v = 100 * d[col].fillna(0.0).to_numpy()
                ax.barh(y, v, left=np.where(v >= 0, pos, neg), height=0.6, color=f"C{i}", label=col)
                pos += np.where(v >= 0, v, 0.0)
                neg += np.where(v < 0, v, 0.0)
            ax.plot(100 * d["change"].to_numpy(), y, "D", color="black", markersize=5, label="total change")
            ax.axvline(0.0, color="black", linewidth=0.6)
            ax.set_yticks(y, names)
            ax.set_title(str(year), loc="left")
            ax.set_xlabel("percentage points of insured earnings")
            ax.grid(axis="y", visible=False)
        handles, labels = axes[0].get_legend_handles_labels()
        axes[0].figure.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=8)
        axes[0].figure.suptitle(f"Change in PAYG cost rate against {obj.reference}, decomposed", x=0.01,
                                ha="left", fontweight="bold", fontsize=11)
    return axes


#: Charts of a projection report, in order: (id, title, panels, needs a scheme); the panels are drawn side by side,
#: each a function ``f(result, ax=ax)``. The report adds ``benefits_payable`` after ``reserve`` when the headline
#: fund's rule is ``payable`` and draws the pyramids of the first and last years.
CHARTS = (
    ("finances", "Income and outgo of the pension fund", (fund_finances,), True),
    ("cost_rate", "PAYG cost rate, average contribution rate and general average premium", (cost_rate,), True),
    ("reserve", "Reserve ratio of the pension fund and reserve of each fund", (reserve_ratio, reserves_by_fund),
     True),
    ("members", "Contributors, pensioners and coverage", (members, coverage), True),
    ("population", "Population by broad age group", (population,), False),
    ("pyramid", "Population pyramid", (population_pyramid,), False),
)

#: Charts of one function each that also take a comparison: (id, title, function, needs a scheme). (The
#: comparison report draws :func:`measure_by_scenario` and :func:`decomposition_bars` instead.)
COMPARISON_CHARTS = (
    ("population", "Population by broad age group", population, False),
    ("pyramid", "Population pyramid", population_pyramid, False),
    ("reserves", "Reserve of the headline (pension) fund", reserves_by_fund, True),
    ("reserve_ratio", "Reserve ratio", reserve_ratio, True),
    ("cost_rate", "PAYG cost rate and average contribution rate", cost_rate, True),
    ("members", "Contributors and pensioners, all groups", members, True),
    ("coverage", "Coverage rates", coverage, True),
    ("decomposition", "Decomposition of the change in cost rate", decomposition, True),
)


# ---------------------------------------------------------- stochastic charts

def fan_chart(percentiles, ax=None, *, central=None, title=None, ylabel=""):
    """Fan chart from a table of percentiles by year.

    Parameters
    ----------
    percentiles : pandas.DataFrame
        Index ``year``; columns ``p<q>`` for symmetric percentiles around
        ``p50`` (e.g. from :meth:`ssproj.uncertainty.stochastic.StochasticResult.percentiles`).
    ax : matplotlib Axes, optional
    central : pandas.Series, optional
        A deterministic path by year, drawn dashed.
    title, ylabel : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    cols = list(percentiles.columns)
    qs = sorted(float(c[1:].replace("_", ".")) for c in cols)
    by_q = {float(c[1:].replace("_", ".")): c for c in cols}
    lows = [q for q in qs if q < 50]
    with style_context():
        ax = axes_or_new(ax)
        years = percentiles.index.to_numpy()
        n = max(len(lows), 1)
        for i, lo in enumerate(lows):
            hi = 100.0 - lo
            if hi not in by_q:
                continue
            ax.fill_between(years, percentiles[by_q[lo]], percentiles[by_q[hi]], color="C0",
                            alpha=0.15 + 0.45 * i / n, linewidth=0,
                            label=f"{lo:g}-{hi:g}th percentile")
        if 50.0 in by_q:
            ax.plot(years, percentiles[by_q[50.0]], color="C0", linewidth=1.8, label="median")
        if central is not None:
            ax.plot(central.index, central.to_numpy(), color="black", linestyle="--", linewidth=1.0,
                    label="deterministic")
        ax.axhline(0.0, color="black", linewidth=0.6)
        ax.set_title(title or "")
        ax.set_xlabel("year")
        ax.set_ylabel(ylabel)
        ax.legend(fontsize="small")
    return ax


def probability_chart(probability, ax=None, *, title="Probability of depletion by the year"):
    """Line chart of a probability by year (a pandas Series), in %. Returns the Axes."""
    from matplotlib.ticker import PercentFormatter

    with style_context():
        ax = axes_or_new(ax)
        ax.plot(probability.index, probability.to_numpy(), color="C3", linewidth=1.8)
        ax.set_ylim(-0.02, 1.02)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_title(title)
        ax.set_xlabel("year")
        ax.set_ylabel("share of paths")
    return ax
