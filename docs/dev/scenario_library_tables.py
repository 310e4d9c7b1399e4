"""
The two results tables of the Lao scenario library
==================================================

Regenerates the two markdown tables of ``docs/scenario-library.md``: the
financing options (``scenarios/lao_fin_*.yaml``) and the coverage
strategies (``scenarios/lao_cov_*.yaml``), each against the Lao baseline,
in the page's column layout and rounding. Paste the printed rows over the
page's when the engine or the Lao inputs change. Run it from the
repository's root (it finds ``scenarios/`` from its own path)::

    python docs/dev/scenario_library_tables.py

How each column is read (public API only; definitions in docs/compare.md
and docs/methods/finance-indicators.md):

- depletion year, GAP 75: ``Projection.indicators()`` of the pension
  (headline) fund;
- PV shortfall 75 and cost to the state [% of PV of GDP]: the rows
  ``pv_shortfall_75_share_of_gdp`` and ``cost_to_state_share_of_gdp`` of
  ``ssproj.compare([baseline, option])`` (every option at the baseline's
  return, on the baseline's GDP; the state's money over 2024-2100);
- state transfer and PAYG cost rate 2050: ``Projection.summary()``;
- ADL: ``Projection.headline()["accrued_to_date_liability"]``
  (``Projection.liabilities()`` at the valuation date);
- contributors gained 2040: the comparison's ``contributors_gained`` row;
- the other coverage columns: the ``all channels`` row of
  ``Projection.channel_values()``.
"""
from pathlib import Path

import ssproj

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
BASELINE = "lao_baseline.yaml"
#: Coverage strategies in the order of the page (that of its table of files).
STRATEGIES = ("lao_cov_mobile_days.yaml", "lao_cov_district_offices.yaml", "lao_cov_info_centres.yaml",
              "lao_cov_labour_officers.yaml", "lao_cov_promoters.yaml", "lao_cov_domestic_workers.yaml",
              "lao_cov_all_activities.yaml")
MINUS = "\u2212"


def pct(x: float, decimals: int) -> str:
    """A share as a percentage, e.g. 0.4271 -> '42.7%'."""
    return f"{100 * x:.{decimals}f}%"


def signed(x: float, decimals: int) -> str:
    """A number with a typographic minus sign, e.g. -8.24 -> '−8.2'."""
    text = f"{x:,.{decimals}f}"
    return MINUS + text[1:] if text.startswith("-") else text


def hundreds(x: float) -> str:
    """A count rounded to the nearest hundred, e.g. 296,512 -> '296,500'."""
    return f"{round(x, -2):,.0f}"


def row(cells) -> str:
    """A markdown table row; an empty cell is written ``| |`` as on the page."""
    return "|" + "|".join(f" {c} " if c else " " for c in cells) + "|"


def rule(n: int) -> str:
    return "|" + "---|" * n


def project(name: str) -> ssproj.Projection:
    return ssproj.project(ssproj.load_scenario(SCENARIOS / name))


def finance_table(base: ssproj.Projection) -> list[str]:
    names = [BASELINE] + sorted(p.name for p in SCENARIOS.glob("lao_fin_*.yaml"))
    lines = [row(["scenario", "depletion year", "GAP 75", "PV shortfall 75 [% of PV of GDP]",
                  "cost to the state [% of PV of GDP]", "state transfer 2050 [billion LAK]",
                  "PAYG cost rate 2050", "ADL [trillion LAK]"]),
             rule(8)]
    for name in names:
        run = base if name == BASELINE else project(name)
        cmp = ssproj.compare({BASELINE: base, name: run})
        ind = run.indicators()
        s = run.summary()
        lines.append(row([
            f"`{name}`",
            f"{ind['depletion_year']:.0f}",
            pct(ind["gap_75"], 1),
            pct(cmp.row("pv_shortfall_75_share_of_gdp")[name], 2),
            pct(cmp.row("cost_to_state_share_of_gdp")[name], 2),
            f"{s.loc[2050, 'state_transfer'] / 1e9:,.0f}",
            pct(s.loc[2050, "payg_cost_rate"], 1),
            f"{run.headline()['accrued_to_date_liability'] / 1e12:,.1f}",
        ]))
    return lines


def coverage_table(base: ssproj.Projection) -> list[str]:
    lines = [row(["scenario", "recruits 2024-2100", "contributors gained 2040",
                  "channel costs (PV) fund / state [billion LAK]",
                  "cost per contributor-year fund / state [thousand LAK]", "net PV per recruit [million LAK]",
                  "old-age coverage added 2075 [per 100]", "GAP 75", "PV shortfall 75 [% of PV of GDP]"]),
             rule(9)]
    lines.append(row([f"`{BASELINE}`", "", "0", "", "", "", "", pct(base.indicators()["gap_75"], 1),
                      pct(ssproj.compare({BASELINE: base}).row("pv_shortfall_75_share_of_gdp")[BASELINE], 2)]))
    for name in STRATEGIES:
        run = project(name)
        cmp = ssproj.compare({BASELINE: base, name: run})
        total = run.channel_values().loc["all channels"]
        lines.append(row([
            f"`{name}`",
            hundreds(total["recruits"]),
            hundreds(cmp.row("contributors_gained", 2040)[name]),
            f"{total['pv_cost_fund'] / 1e9:,.0f} / {total['pv_cost_state'] / 1e9:,.0f}",
            f"{total['cost_per_contributor_year_fund'] / 1e3:,.0f} / "
            f"{total['cost_per_contributor_year_state'] / 1e3:,.0f}",
            signed(total["net_pv_per_recruit"] / 1e6, 1),
            f"{100 * total['old_age_coverage_2075']:.3f}",
            pct(run.indicators()["gap_75"], 1),
            pct(cmp.row("pv_shortfall_75_share_of_gdp")[name], 2),
        ]))
    return lines


def main() -> None:
    base = project(BASELINE)
    print("Financing options\n")
    print("\n".join(finance_table(base)))
    print("\nCoverage strategies\n")
    print("\n".join(coverage_table(base)))


if __name__ == "__main__":
    main()
