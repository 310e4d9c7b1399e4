"""
Life table and annuity factors from the Lao baseline
====================================================

Build period life tables from the death rates the Lao PDR baseline uses
for calendar year 2025 (UN World Population Prospects 2024, graduated to
single ages), and compute the figures an actuary needs to value a pension:

* life expectancy at birth, e(0), and at age 65, e(65) [years];
* the annuity-due factor at age 60, ä(60): the present value of a pension
  of 1 per year, paid at the start of each year while the pensioner is
  alive, at an interest rate of 3% and 5% per year [years of payment];
  also paid monthly (12 payments of 1/12 a year);
* a reversionary factor: the present value of 1 per year paid to a widow
  aged 55 from the death of her husband aged 60 until her own death.
  This is the factor behind a survivor's pension.

Multiply a factor by the annual pension to get the capital needed today.
For example, a pension of 12,000,000 LAK per year at age 60 needs about
12,000,000 × ä(60) LAK at the chosen interest rate.

The factors use a *period* life table (the death rates of 2025 held for
the rest of each life). A valuation that allows for future mortality
improvement would give larger factors.

Run it from any folder::

    python docs/examples/life_table_and_annuities.py
"""
from pathlib import Path

import ssproj

# docs/examples/ -> docs/ -> repository root
ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "lao_baseline.yaml"
YEAR = 2025

result = ssproj.project(ssproj.load_scenario(SCENARIO))
mortality = result.dataset["mortality_rate"]  # m(x) by year, sex, age [deaths per person-year]

women = ssproj.LifeTable.from_mx(mortality.sel(year=YEAR, sex="female").values, sex="female")
men = ssproj.LifeTable.from_mx(mortality.sel(year=YEAR, sex="male").values, sex="male")

print(f"Lao PDR baseline, period life tables of {YEAR}")
print()
print("Life expectancy [years]      women    men")
print(f"  at birth, e(0)            {women.e0:6.2f} {men.e0:6.2f}")
print(f"  at age 65, e(65)          {women.ex[65]:6.2f} {men.ex[65]:6.2f}")
print(f"Probability that a 60-year-old reaches 80 [%]: "
      f"women {100 * women.lx[80] / women.lx[60]:.1f}, men {100 * men.lx[80] / men.lx[60]:.1f}")
print()
print("Annuity-due factors at age 60 [years of payment per 1 per year]")
print("  interest   women yearly  women monthly   men yearly")
for interest in (0.03, 0.05):
    print(f"  {interest:6.0%}    {women.annuity_due(60, interest):12.3f}"
          f"  {women.annuity_due(60, interest, frequency=12):13.3f}"
          f"  {men.annuity_due(60, interest):11.3f}")
print()
print("Two lives: husband aged 60, wife aged 55 [years of payment per 1 per year]")
for interest in (0.03, 0.05):
    joint = men.joint_annuity_due(women, 60, 55, interest, kind="joint")
    survivor = men.joint_annuity_due(women, 60, 55, interest, kind="last_survivor")
    widow = men.joint_annuity_due(women, 60, 55, interest, kind="reversionary")
    print(f"  at {interest:.0%}: joint life {joint:.3f}, last survivor {survivor:.3f}, "
          f"reversionary to the widow {widow:.3f}")

# A pension of 12,000,000 LAK per year from age 60, paid monthly, at 3%:
capital = 12_000_000 * men.annuity_due(60, 0.03, frequency=12)
print()
print(f"Capital for a man's pension of 12,000,000 LAK per year from age 60, "
      f"paid monthly, at 3%: {capital:,.0f} LAK")
