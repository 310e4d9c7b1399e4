"""
Short careers, deferred rights and the benefits informal workers join for
==========================================================================

Voluntary members of the Lao scheme pay for a few years and stop. What they
cost the fund depends on their **own** record of earnings and on the rules
for the rights they leave behind, and what they join for is often the
maternity benefit or the funeral grant. This example shows:

1. how the rights of members who stop paying are revalued until they claim
   (``deferred_revaluation``: none, prices, wages): the lump sums paid to
   voluntary members and the net present value per recruit of the
   promoters' strategy under each rule;
2. a refund on exit for voluntary members who stop before 15 years
   (``refund_on_exit_share``, ``refund_months_per_year``);
3. the short-term branches projected by event (births, days of sickness,
   deaths, injuries) and the share of voluntary members who meet the
   qualifying condition for maternity;
4. a package: voluntary members covered by pensions, maternity and the
   funeral grant only, at the contribution rate of those branches;
5. survivors' pensions as the law pays them: the widow(er)'s age and income
   conditions and the dependent parents' pensions.

The Lao inputs are assumptions, not the fund's data (docs/lao-baseline.md).
Methods: docs/methods/scheme.md ("Earnings records and reference earnings",
"Outgo"). Run it from any folder::

    python docs/examples/lao_careers_and_short_term.py
"""
from pathlib import Path

import pandas as pd

import ssproj
from ssproj.plan import compile_scenario

ROOT = Path(__file__).resolve().parents[2]
base = ssproj.load_scenario(ROOT / "scenarios" / "lao_baseline.yaml")
promoters = ssproj.load_scenario(ROOT / "scenarios" / "lao_cov_promoters.yaml")
years = base.scheme_years
bn = 1e9

# 1. Deferred rights revalued by each rule.
rows = {}
for rule in ("none", "prices", "wages"):
    change = {"deferred_revaluation": {"voluntary": rule}}
    res = ssproj.project(base.with_changes(change))
    lump = res.dataset["lump_sums"].sel(group="voluntary", year=years)
    per_recruit = ssproj.project(promoters.with_changes(change)).channel_values().loc["all channels",
                                                                                      "net_pv_per_recruit"]
    rows[rule] = {"voluntary lump sums 2024-2100 [bn LAK]": float(lump.sum()) / bn,
                  "voluntary lump sums 2060 [bn LAK]": float(lump.sel(year=2060)) / bn,
                  "promoters: net PV per recruit [LAK]": float(per_recruit)}
print("1. Rights of voluntary members who stop paying, by revaluation rule")
print(pd.DataFrame(rows).T.round(0).to_string(), "\n")

# 2. A refund on exit: half of the voluntary members who stop before 15 years take one.
refund = ssproj.project(base.with_changes({"refund_on_exit_share": {"voluntary": 0.5},
                                           "refund_months_per_year": {"voluntary": 1.0}}))
v = refund.dataset.sel(group="voluntary", year=years)
print("2. Refunds on exit (half of early leavers, 1 month of own earnings per year of service)")
print(f"   refunds 2024-2030: {float(v['refunds'].sel(year=slice(2024, 2030)).sum()):,.0f} persons, "
      f"{float(v['refunds_amount'].sel(year=slice(2024, 2030)).sum()) / bn:,.1f} bn LAK\n")

# 3. Short-term branches by event, as shares of insured earnings.
res = ssproj.project(base)
ds = res.dataset.sel(year=years)
share = ds["branch_outgo"] / ds["insured_earnings"].sum("group")
print("3. Short-term benefits, % of insured earnings (maternity follows births, funeral grants deaths)")
print((100 * share.sel(year=[2024, 2050, 2100])).to_pandas().T.round(3).to_string())
plan = compile_scenario(base).scheme
mi = plan.branches.index("maternity")
qual = pd.Series(plan.earnings.branch_qualify[0, :, mi], index=plan.groups)
print("   share of active members who qualify for maternity (6 of the last 12 months):",
      ", ".join(f"{g} {q:.3f}" for g, q in qual.items()), "\n")

# 4. A package for voluntary members: pensions, maternity and funeral grants only.
package = base.with_changes({
    "covered_branches": {"voluntary": "maternity, funeral"},
    "long_term_share": {"voluntary": 0.6 + 0.04 + 0.03 + 0.02 + 0.245},  # the shares of the branches left out
})
pk = ssproj.project(package).dataset.sel(year=years)
print("4. Voluntary members covered by maternity and funeral grants only")
for b in ("sickness", "maternity", "health_care"):
    before, after = float(ds["branch_outgo"].sel(branch=b, year=2030)), float(pk["branch_outgo"].sel(branch=b,
                                                                                                   year=2030))
    print(f"   {b:12s} outgo 2030: {before / bn:8.1f} -> {after / bn:8.1f} bn LAK")

# 5. Survivors' pensions with and without the law's conditions and the dependent parents' pensions.
without = base.with_changes({"survivor_min_age_female": dict.fromkeys(base.groups, 0.0),
                             "survivor_min_age_male": dict.fromkeys(base.groups, 0.0),
                             "survivor_eligible_share": dict.fromkeys(base.groups, 1.0)})
surv = {}
for label, sc in (("as the law pays them", base), ("every spouse, any age", without)):
    outgo = ssproj.project(sc).dataset["benefit_outgo_by_type"].sum("group").sel(year=2050)
    surv[label] = {b: float(outgo.sel(benefit=b)) / bn for b in ("widow", "orphan", "parent")}
print("\n5. Survivors' pensions paid in 2050 [bn LAK]")
print(pd.DataFrame(surv).T.round(0).to_string())
