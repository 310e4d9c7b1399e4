"""Plain-text renderings of results for the command line: the headline figures above the yearly table."""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["format_headline"]


def _pct(v: float) -> str:
    return "-" if v != v else f"{100 * v:.1f}%" if abs(v) >= 0.1 else f"{100 * v:.2f}%"


def _year(v: float) -> str:
    return "never" if v != v else str(int(v))


def _money(v: float, currency: str) -> str:
    """An amount in billions of the currency, with thousands separators."""
    if v != v:
        return "-"
    return f"{v / 1e9:,.0f} billion {currency}".rstrip()


def format_headline(head: Mapping[str, Any], currency: str = "") -> str:
    """The headline figures of a projection as aligned lines (see :meth:`ssproj.Projection.headline`).

    Parameters
    ----------
    head : mapping
        ``fund``, ``fund_title``, ``deficit_financing``, ``horizons`` and
        the figures of :meth:`ssproj.Projection.headline`.
    currency : str
        Currency code for amounts (printed in billions).

    Returns
    -------
    str
    """
    n = max(head["horizons"])
    gaps = " / ".join(_pct(head[f"gap_{h}"]) for h in head["horizons"])
    label = " / ".join(str(h) for h in head["horizons"])
    rows = [
        ("depletion year (scheduled flows)", _year(head["depletion_year"])),
        ("first cash-flow deficit", _year(head["first_deficit_year"])),
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
    width = max(len(k) for k, _ in rows)
    title = head.get("fund_title") or head["fund"]
    lines = [f"Headline fund: {head['fund']} ({title}); deficit financing: {head['deficit_financing']}"]
    lines += [f"  {k:<{width}}  {v}" for k, v in rows]
    others = head.get("other_funds") or {}
    if others:
        lines.append("  other funds, depletion year: " + ", ".join(f"{f} {_year(y)}" for f, y in others.items()))
    return "\n".join(lines)
