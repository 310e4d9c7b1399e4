"""
The Lao pension fund in measures a decision can rest on
=======================================================

Project the Lao PDR baseline and print what a policy adviser asks first,
for the pension fund on its own (the headline fund):

1. the headline figures ``ssproj run`` prints (``res.headline()``);
2. the fund under each deficit financing rule: who pays once the reserve
   is gone (``state_transfer``: the state's transfers; ``payable``: the
   share of scheduled benefits the fund can pay; ``borrow``: a debt
   charged interest), with one depletion year for all three;
3. the present value of the 75-year shortfall for each fund and for each
   insured group (its own pensions against its own contributions);
4. the liabilities at the valuation date (``res.liabilities()``):
   accrued-to-date liability by part and group, closed-group obligation,
   implicit pension debt;
5. who pays the pensions of the former civil-servant scheme: the fund
   (the baseline) or the state budget (``state_paid_base_pensions``).

Many inputs of the baseline are assumptions, not the fund's data (see the
Lao baseline page of the documentation): read the figures as what the
method shows, not as a valuation. Methods: the fund and its indicators
(docs/methods/finance-indicators.md). Run it from any folder::

    python docs/examples/lao_finance_measures.py
"""
from pathlib import Path

import pandas as pd

import ssproj
from ssproj.reporting.text import format_headline

ROOT = Path(__file__).resolve().parents[2]
scenario = ssproj.load_scenario(ROOT / "scenarios" / "lao_baseline.yaml")
res = ssproj.project(scenario)
currency = scenario.assumptions.currency

# 1. Headline figures of the pension fund.
print(format_headline(res.headline(), currency=currency))

# 2. The three deficit financing rules (every other input as in the baseline).
rows = {}
for rule in ("state_transfer", "payable", "borrow"):
    run = ssproj.project(scenario.with_changes({"deficit_financing": {"long_term": rule}}))
    s, ind = run.summary(), run.indicators()
    rows[rule] = {"depletion year": str(int(ind["depletion_year"])),
                  "reserve 2050 [billion]": s.loc[2050, "reserve_end"] / 1e9,
                  "state transfer 2050 [billion]": s.loc[2050, "state_transfer"] / 1e9,
                  "benefits payable 2050 [%]": 100 * s.loc[2050, "share_of_benefits_payable"],
                  "investment income 2050 [billion]": s.loc[2050, "investment_income"] / 1e9}
print(f"\nThe pension fund under each deficit rule ({currency}):")
print(pd.DataFrame(rows).T.to_string(float_format=lambda v: f"{0.0 if abs(v) < 0.05 else v:,.1f}"))

# 3. The 75-year shortfall in present value, by fund and by group [share of the PV of GDP].
by = {f"fund {f}": res.indicators(fund=f) for f in res.funds}
by |= {f"group {g}": res.indicators(group=g) for g in scenario.groups}
table = pd.DataFrame({k: {"GAP 75 [%]": 100 * v["gap_75"],
                          "PV shortfall 75 [% of PV of GDP]": 100 * v["pv_shortfall_75_share_of_gdp"]}
                      for k, v in by.items()}).T
print("\nBy fund, and the pension fund by group (groups: their own pensions and contributions, no reserve):")
print(table.to_string(float_format=lambda v: f"{v:,.2f}"))

# 4. Liabilities at 31 December 2023 [trillion LAK].
liab = res.liabilities()
print(f"\nLiabilities of the pension fund at 31 December {liab.attrs['valuation_year']} (trillion {currency}; "
      f"total also as % of {liab.attrs['valuation_year'] + 1} GDP):")
shown = liab[[*scenario.groups, "total"]] / 1e12
shown["% of GDP"] = 100 * liab["total_share_of_gdp"]
print(shown.to_string(float_format=lambda v: f"{v:,.2f}"))

# 5. Who pays the pensions of the former civil-servant scheme?
state = ssproj.project(scenario.with_changes({"state_paid_base_pensions": {"public": 1.0}}))
for name, run in (("the fund pays them (baseline)", res), ("the state budget pays them", state)):
    ind = run.indicators()
    cost = ssproj.compare([res, run]).row("cost_to_state_share_of_gdp").iloc[-1]
    print(f"\n{name}: pension fund depleted in {int(ind['depletion_year'])}; the state's money over "
          f"2024-2100 = {100 * cost:.2f}% of the PV of GDP")
