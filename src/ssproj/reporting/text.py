"""Plain-text renderings of results for the command line: the headline figures above the yearly table."""
from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["WIDTH", "format_headline", "format_milestones", "milestone_years", "wrap_lines"]

#: Width of the command line's text [characters].
WIDTH = 100


def _pct(v: float) -> str:
    return "-" if v != v else f"{100 * v:.1f}%" if abs(v) >= 0.1 else f"{100 * v:.2f}%"


def _year(v: float, none: str = "never") -> str:
    return none if v != v else str(int(v))


def _money(v: float, currency: str) -> str:
    """An amount in billions of the currency, with thousands separators."""
    if v != v:
        return "-"
    return f"{v / 1e9:,.0f} billion {currency}".rstrip()


def wrap_lines(text: str, width: int = WIDTH) -> str:
    """Wrap each line of `text` longer than `width` at spaces, continuation lines indented.

    A line keeps its indentation; a list item (``- ...``) continues under
    its text; a line ``label  value`` (two spaces or more before the value)
    continues under the value. Lines without a space to break at are kept.
    """
    out = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line)
            continue
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        if body.startswith("- "):
            hang = indent + 2
        else:
            gap = body.find("  ")
            value = gap + len(body[gap:]) - len(body[gap:].lstrip(" ")) if gap > 0 else -1
            hang = indent + value if 0 < value < width // 2 else indent + 2
        out.extend(textwrap.wrap(body, width=width, initial_indent=" " * indent, subsequent_indent=" " * hang,
                                 break_long_words=False, break_on_hyphens=False) or [line])
    return "\n".join(out)


def format_headline(head: Mapping[str, Any], currency: str = "", width: int = WIDTH) -> str:
    """The headline figures of a projection as aligned lines (see :meth:`ssproj.Projection.headline`).

    Parameters
    ----------
    head : mapping
        ``fund``, ``fund_title``, ``deficit_financing``, ``horizons`` and
        the figures of :meth:`ssproj.Projection.headline`.
    currency : str
        Currency code for amounts (printed in billions).
    width : int, default `WIDTH`
        Longer lines are wrapped (:func:`wrap_lines`). [characters]

    Returns
    -------
    str
        A title line, then one line per figure: the depletion year of the
        reserve under the scheduled flows (``not depleted by <last year>``
        if it lasts), the first cash-flow deficit, the GAP over each
        horizon, the shortfall over the longest horizon and the state's
        deficit transfers, in present value and as shares of the present
        value of GDP, ...
    """
    n = max(head["horizons"])
    last = head.get("last_year", "the last year")
    gaps = " / ".join(_pct(head[f"gap_{h}"]) for h in head["horizons"])
    label = " / ".join(str(h) for h in head["horizons"])
    rows = [
        ("deficit financing", str(head["deficit_financing"])),
        ("depletion year (scheduled flows)", _year(head["depletion_year"], f"not depleted by {last}")),
        ("first cash-flow deficit", _year(head["first_deficit_year"], f"none by {last}")),
        (f"GAP over {label} years", f"{gaps} of insured earnings"),
        (f"shortfall over {n} years (PV)",
         f"{_money(head[f'pv_shortfall_{n}'], currency)} = {_pct(head[f'pv_shortfall_{n}_share_of_gdp'])} of the PV "
         f"of GDP, {_pct(head[f'pv_shortfall_{n}_share_of_earnings'])} of the PV of insured earnings"),
        (f"state deficit transfers over {n} years (PV)",
         f"{_money(head[f'pv_state_transfers_{n}'], currency)} = "
         f"{_pct(head[f'pv_state_transfers_{n}_share_of_gdp'])} of the PV of GDP"),
    ]
    if head.get(f"pv_state_paid_pensions_{n}", 0.0) > 0:
        rows.append((f"pensions paid by the state over {n} years (PV)",
                     f"{_money(head[f'pv_state_paid_pensions_{n}'], currency)} = "
                     f"{_pct(head[f'pv_state_paid_pensions_{n}_share_of_gdp'])} of the PV of GDP"))
    if "share_of_benefits_payable" in head and not math.isnan(head["share_of_benefits_payable"]):
        rows.append((f"benefits payable in {head['last_year']}", f"{_pct(head['share_of_benefits_payable'])} of "
                                                                  "scheduled benefits"))
    for key, text in (("accrued_to_date_liability", "accrued-to-date liability"),
                      ("implicit_pension_debt", "implicit pension debt")):
        if key in head:
            rows.append((f"{text} (31 Dec {head['valuation_year']})",
                         f"{_money(head[key], currency)} = {_pct(head[key + '_share_of_gdp'])} of the GDP of "
                         f"{head['valuation_year'] + 1}"))
    key_width = max(len(k) for k, _ in rows)
    title = head.get("fund_title") or head["fund"]
    lines = [f"Headline fund: {head['fund']} ({title})"]
    lines += [f"  {k:<{key_width}}  {v}" for k, v in rows]
    others = head.get("other_funds") or {}
    if others:
        lines.append("  other funds, depletion year: " + ", ".join(f"{f} {_year(y, f'not by {last}')}"
                                                                   for f, y in others.items()))
    return wrap_lines("\n".join(lines), width)


def milestone_years(years: Sequence[int], milestones: Sequence[int] = (2030, 2040, 2050, 2075, 2100)) -> list[int]:
    """The first of `years`, the `milestones` among them and the last, in order, once each."""
    years = [int(y) for y in years]
    if not years:
        return []
    keep = {years[0], years[-1]} | {int(m) for m in milestones if years[0] <= int(m) <= years[-1]}
    return sorted(keep)


def _number(v: float) -> str:
    return "-" if v != v else f"{v:,.0f}"


def _ratio(v: float) -> str:
    # rounding noise around zero (a reserve held at 0 by the state's transfers) prints as 0.00, not -0.00
    return "-" if v != v else f"{0.0 if abs(v) < 0.005 else v:.2f}"


def _percent(v: float) -> str:
    return "-" if v != v else f"{0.0 if abs(v) < 0.0005 else 100 * v:.1f}"


def _percent2(v: float) -> str:
    return "-" if v != v else f"{0.0 if abs(v) < 0.00005 else 100 * v:.2f}"


#: The columns of the compact table: summary column, two header lines, formatter.
_SCHEME_COLUMNS: tuple[tuple[str, str, str, Callable[[float], str]], ...] = (
    ("contributors", "contributors", "[per year]", _number),
    ("pensioners", "pensioners", "[31 Dec]", _number),
    ("system_dependency_ratio", "pensioners /", "contributors", _ratio),
    ("average_contribution_rate", "contribution", "rate [%]", _percent),
    ("payg_cost_rate", "PAYG cost", "rate [%]", _percent),
    ("reserve_ratio", "reserve ratio", "[years]", _ratio),
    ("financing_gap_share_of_gdp", "financing gap", "[% of GDP]", _percent2),
)
_POPULATION_COLUMNS: tuple[tuple[str, str, str, Callable[[float], str]], ...] = (
    ("total_population", "population", "[1 July]", _number),
    ("population_0_14", "aged 0-14", "", _number),
    ("population_15_64", "aged 15-64", "", _number),
    ("population_65_plus", "aged 65+", "", _number),
    ("old_age_dependency_ratio", "65+ per", "15-64", _ratio),
    ("life_expectancy_male", "e0 men", "[years]", lambda v: "-" if v != v else f"{v:.1f}"),
    ("life_expectancy_female", "e0 women", "[years]", lambda v: "-" if v != v else f"{v:.1f}"),
)


def format_milestones(summary: Any, years: Sequence[int]) -> str:
    """A compact table of a projection's summary at a few years, one row per year.

    Parameters
    ----------
    summary : pandas.DataFrame
        :meth:`ssproj.Projection.summary` (indexed by year).
    years : sequence of int
        The rows (e.g. :func:`milestone_years` of the scheme years).

    Returns
    -------
    str
        With a scheme: contributors [contributor-years], pensioners at 31
        December, pensioners per contributor, the average contribution rate
        and the PAYG cost rate [% of insured earnings], the reserve ratio
        [years of outgo] and the financing gap [% of GDP] (the finance
        columns of the summary's fund); without one, the population by
        broad age group and the life expectancy at birth. Fits in
        `WIDTH` characters.
    """
    columns = _SCHEME_COLUMNS if "contributors" in summary.columns else _POPULATION_COLUMNS
    columns = tuple(c for c in columns if c[0] in summary.columns)
    rows = [[str(y)] + [fmt(float(summary.at[y, col])) for col, _, _, fmt in columns] for y in years]
    heads = [("", "year")] + [(h1, h2) for _, h1, h2, _ in columns]
    widths = [max([len(h1), len(h2)] + [len(r[i]) for r in rows]) for i, (h1, h2) in enumerate(heads)]
    lines = ["  ".join(h[k].rjust(w) for h, w in zip(heads, widths, strict=True)).rstrip() for k in (0, 1)]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)
