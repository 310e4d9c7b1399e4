"""Plain-text renderings of results: the headline figures the command line prints above the yearly table, and the
headline in plain words that opens the HTML report (:func:`headline_reading`, :meth:`ssproj.Projection.reading`)."""
from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["WIDTH", "format_headline", "format_milestones", "headline_reading", "milestone_years", "percent",
           "persons", "wrap_lines", "year_text"]

#: Width of the command line's text [characters].
WIDTH = 100


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
    gaps = " / ".join(percent(head[f"gap_{h}"]) for h in head["horizons"])
    label = " / ".join(str(h) for h in head["horizons"])
    rows = [
        ("deficit financing", str(head["deficit_financing"])),
        ("depletion year (scheduled flows)", year_text(head["depletion_year"], f"not depleted by {last}")),
        ("first cash-flow deficit", year_text(head["first_deficit_year"], f"none by {last}")),
        (f"GAP over {label} years", f"{gaps} of insured earnings"),
        (f"shortfall over {n} years (PV)",
         f"{_money(head[f'pv_shortfall_{n}'], currency)} = {percent(head[f'pv_shortfall_{n}_share_of_gdp'])} of the PV "
         f"of GDP, {percent(head[f'pv_shortfall_{n}_share_of_earnings'])} of the PV of insured earnings"),
        (f"state deficit transfers over {n} years (PV)",
         f"{_money(head[f'pv_state_transfers_{n}'], currency)} = "
         f"{percent(head[f'pv_state_transfers_{n}_share_of_gdp'])} of the PV of GDP"),
    ]
    if head.get(f"pv_state_paid_pensions_{n}", 0.0) > 0:
        rows.append((f"pensions paid by the state over {n} years (PV)",
                     f"{_money(head[f'pv_state_paid_pensions_{n}'], currency)} = "
                     f"{percent(head[f'pv_state_paid_pensions_{n}_share_of_gdp'])} of the PV of GDP"))
    if "share_of_benefits_payable" in head and not math.isnan(head["share_of_benefits_payable"]):
        rows.append((f"benefits payable in {head['last_year']}", f"{percent(head['share_of_benefits_payable'])} of "
                                                                  "scheduled benefits"))
    for key, text in (("accrued_to_date_liability", "accrued-to-date liability"),
                      ("implicit_pension_debt", "implicit pension debt")):
        if key in head:
            rows.append((f"{text} (31 Dec {head['valuation_year']})",
                         f"{_money(head[key], currency)} = {percent(head[key + '_share_of_gdp'])} of the GDP of "
                         f"{head['valuation_year'] + 1}"))
    key_width = max(len(k) for k, _ in rows)
    title = head.get("fund_title") or head["fund"]
    lines = [f"Headline fund: {head['fund']} ({title})"]
    lines += [f"  {k:<{key_width}}  {v}" for k, v in rows]
    others = head.get("other_funds") or {}
    if others:
        lines.append("  other funds, depletion year: " + ", ".join(f"{f} {year_text(y, f'not by {last}')}"
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


def _percent_to(decimals: int) -> Callable[[float], str]:
    """A share printed in percent to `decimals` places; rounding noise around zero prints as 0, not -0."""
    def fmt(v: float) -> str:
        return "-" if v != v else f"{0.0 if abs(v) < 0.5 * 10.0 ** -(decimals + 2) else 100 * v:.{decimals}f}"
    return fmt


_percent, _percent2 = _percent_to(1), _percent_to(2)


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


# ------------------------------------------------------------ the headline in plain words

def percent(share: float) -> str:
    """A share (1.0 = 100 %) in percent, to three significant digits: ``0.3853`` -> ``"38.5%"``,
    ``0.000247`` -> ``"0.0247%"``; a dash for NaN."""
    if share != share:
        return "\u2013"
    v = 100.0 * share
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}%"
    if a >= 10:
        return f"{v:.1f}%"
    if a >= 1 or a == 0:
        return f"{v:.2f}%" if a else "0%"
    return f"{v:.3g}%"


def persons(n: float) -> str:
    """A number of persons in words: ``331828.3`` -> ``"332 thousand"``, ``1.234e6`` -> ``"1.23 million"``,
    ``812.4`` -> ``"812"``; a dash for NaN."""
    if n != n:
        return "\u2013"
    if abs(n) >= 1e6:
        return f"{n / 1e6:.3g} million"
    if abs(n) >= 1e4:
        return f"{n / 1e3:,.0f} thousand"
    if abs(n) >= 1e3:
        return f"{n / 1e3:.3g} thousand"
    return f"{n:,.0f}"


def year_text(year: float, never: str = "never") -> str:
    """A calendar year held as a float, or `never` for NaN."""
    return never if year != year else f"{year:.0f}"


def _series(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def headline_reading(head: Mapping[str, Any]) -> list[str]:
    """Sentences in plain words from the figures of :meth:`ssproj.Projection.headline` (see
    :meth:`ssproj.Projection.reading`): numbers are printed with :func:`percent`, :func:`persons` and
    :func:`year_text`, nothing else is computed here but the choice of words.

    Parameters
    ----------
    head : mapping
        :meth:`ssproj.Projection.headline`.

    Returns
    -------
    list of str
    """
    out: list[str] = []
    fund, first, last = head["fund"], head["first_year"], head["last_year"]
    horizons = sorted(head["horizons"])
    n = max(horizons)
    span = min(n, head["years"])
    who = f"the {fund} fund"

    dep, deficit = head["depletion_year"], head["first_deficit_year"]
    if dep != dep:
        text = f"The reserve of {who} is not exhausted by {last} under the scheduled contributions and benefits"
    else:
        text = f"The reserve of {who} is exhausted in {year_text(dep)} under the scheduled contributions and benefits"
    if deficit != deficit:
        text += f"; its contributions cover its outgo in every year to {last}."
    elif deficit == first:
        text += f"; its contributions already fall short of its outgo in {first}, the first year projected."
    else:
        text += f"; its contributions first fall short of its outgo in {year_text(deficit)}."
    out.append(text)

    lengths = [str(min(h, head["years"])) for h in horizons]
    gaps = [percent(head[f"gap_{h}"]) for h in horizons]
    income = [percent(head[f"summarized_income_rate_{h}"]) for h in horizons]
    out.append(f"The contribution rate that, held from {first}, would pay the outgo over {_series(lengths)} years "
               f"(the general average premium) is {_series(gaps)} of insured earnings; the fund receives "
               f"{_series(income)} on average over the same years (summarized income rate, in present values).")

    short = head[f"pv_shortfall_{n}"]
    gdp_share, earn_share = head[f"pv_shortfall_{n}_share_of_gdp"], head[f"pv_shortfall_{n}_share_of_earnings"]
    if short > 0:
        out.append(f"Over {span} years the fund's shortfall, the outgo that its contributions and its reserve do "
                   f"not pay, is {percent(gdp_share)} of the present value of GDP, or {percent(earn_share)} of the "
                   "present value of insured earnings.")
    else:
        out.append(f"Over {span} years the fund's contributions and reserve pay its whole outgo, with "
                   f"{percent(-gdp_share)} of the present value of GDP to spare ({percent(-earn_share)} of the "
                   "present value of insured earnings).")

    rule = head.get("deficit_financing", "borrow")
    transfers = head[f"pv_state_transfers_{n}"]
    if rule == "state_transfer":
        if transfers > 0:
            text = (f"Under the deficit rule in force (state_transfer) the state pays what keeps the reserve at its "
                    f"floor: {percent(head[f'pv_state_transfers_{n}_share_of_gdp'])} of the present value of GDP "
                    f"over {span} years")
            if abs(transfers - short) <= 1e-9 * abs(short):
                text += ", the whole shortfall"
            out.append(text + ".")
        else:
            out.append(f"Under the deficit rule in force (state_transfer) the state pays nothing to the fund within "
                       f"{span} years.")
    elif rule == "payable":
        share = head["share_of_benefits_payable"]
        if share < 1:
            out.append(f"Under the deficit rule in force (payable) benefits are cut to what the fund can pay once "
                       f"its reserve is at its floor: in {last} it pays {percent(share)} of the scheduled "
                       "benefits.")
        else:
            out.append(f"Under the deficit rule in force (payable) the fund pays every scheduled benefit in {last}.")
    else:
        reserve = head["reserve_share_of_gdp"]
        if reserve < 0:
            out.append(f"Under the deficit rule in force (borrow) the fund borrows what it lacks and pays interest on "
                       f"it: at 31 December {last} it owes {percent(-reserve)} of GDP.")
        else:
            out.append(f"Under the deficit rule in force (borrow) the fund would borrow what it lacks; at 31 "
                       f"December {last} its reserve is {percent(reserve)} of GDP.")

    paid = head.get(f"pv_state_paid_pensions_{n}", 0.0)
    if paid == paid and paid > 0:
        out.append(f"The state also pays pensions itself, outside the fund: "
                   f"{percent(head[f'pv_state_paid_pensions_{n}_share_of_gdp'])} of the present value of GDP over "
                   f"{span} years.")

    members = head.get("members") or {}
    if members:
        years = list(members)
        contributors = [f"{persons(members[y]['contributors'])} in {y}" for y in years]
        pensioners = [persons(members[y]["pensioners"]) for y in years]
        out.append(f"Contributors number {_series(contributors)} (contributor-years); pensioners "
                   f"{_series(pensioners)} (persons at 31 December).")

    others = [f"{f} in {year_text(y)}" for f, y in (head.get("other_funds") or {}).items() if y == y]
    if others:
        out.append(f"Other funds whose reserve is exhausted: {_series(others)}.")
    return out
