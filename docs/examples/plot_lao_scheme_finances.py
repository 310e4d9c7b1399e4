"""
Finances of the Lao NSSF baseline: reserves, cost rate, members and the ceiling
===============================================================================

Project the Lao PDR baseline (``scenarios/lao_baseline.yaml``: the NSSF
under current law, valuation date 31 December 2023) and show its finances
in four panels:

1. the reserve of each fund at 31 December, in billion LAK, to 2030 (the
   baseline's deficit rule, ``state_transfer``, holds an exhausted reserve
   at zero: the state pays the deficit, panel 2);
2. the pension fund's PAYG cost rate (the contribution rate that pays the
   year's outgo, net of the administrative charge on contributions)
   against its average contribution rate, and the state's deficit
   transfer as a share of insured earnings;
3. contributors by insured group (contributor-years) and pensions in
   payment by type (persons at 31 December), in thousands;
4. the share of members' earnings above the contribution ceiling, for all
   members and by group. The ceiling is frozen at 4.5 million LAK a month
   to 2026 while wages inflate, and follows wages afterwards.

It also prints the pension fund's long-range indicators
(``res.indicators()``): depletion year, general average premiums,
summarized rates, present value of the shortfall and of the state's
transfers. Many inputs of the baseline are assumptions, not the fund's data
(see the Lao baseline page of the documentation), so read the figure as an
illustration of the scheme's dynamics, not as a valuation.

The figure is saved as ``lao_scheme_finances.png`` in the folder named by
the environment variable ``SSPROJ_EXAMPLE_OUT`` (a new temporary folder if
it is not set). Run it from any folder::

    python docs/examples/plot_lao_scheme_finances.py
"""
import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # write files only; no window
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FuncFormatter

import ssproj

# docs/examples/ -> docs/ -> repository root: runs from any working directory.
ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "lao_baseline.yaml"
RESERVES_UNTIL = 2030

scenario = ssproj.load_scenario(SCENARIO)
res = ssproj.project(scenario)
ds = res.dataset
currency = scenario.assumptions.currency

# Key figures by year; the scheme columns are NaN before the first scheme year.
summary = res.summary().dropna(subset=["total_outgo"])
years = summary.index.to_numpy()

indicators = res.indicators()  # pandas Series
depletion = indicators.pop("depletion_year")
print(f"Long-range indicators of the pension fund ({indicators.attrs['fund']}), scenario {scenario.name!r}")
print("depletion year (scheduled flows):", "never" if pd.isna(depletion) else int(depletion))
print("(rates: share of insured earnings; reserve ratios: years of outgo; pv_*: LAK and shares)")
print(indicators.to_string(float_format="{:.4f}".format))

fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))

# 1. Reserves by fund at 31 December [billion LAK].
ax = axes[0, 0]
reserves = ds["fund_reserve_end"].sel(year=slice(years[0], RESERVES_UNTIL)) / 1e9
for fund in reserves["fund"].values:
    title = scenario.entity_info("fund", str(fund))["title"]
    ax.plot(reserves["year"], reserves.sel(fund=fund), marker="o", markersize=3, label=title)
ax.axhline(0.0, color="black", linewidth=0.6)
ax.set_title(f"Reserve of each fund at 31 December, {years[0]}-{RESERVES_UNTIL}")
ax.set_ylabel(f"billion {currency}")
ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
ax.legend(frameon=False, fontsize=8)

# 2. PAYG cost rate against the average contribution rate [% of insured earnings].
ax = axes[0, 1]
ax.plot(years, 100 * summary["payg_cost_rate"], label="PAYG cost rate")
ax.plot(years, 100 * summary["average_contribution_rate"], label="average contribution rate")
ax.plot(years, 100 * summary["state_transfer"] / ds["insured_earnings"].sum("group").sel(year=years),
        linestyle="--", label="state deficit transfer")
ax.set_title("Pension fund: cost, contributions and the state's transfer")
ax.set_ylabel("% of insured earnings")
ax.set_ylim(bottom=0.0)
ax.legend(frameon=False, fontsize=8)

# 3. Contributors by group and pensioners by type [thousands].
ax = axes[1, 0]
for group in scenario.groups:
    ax.plot(years, summary[f"contributors_{group}"] / 1e3, label=f"contributors: {group}")
for benefit in ds["benefit"].values:
    ax.plot(years, summary[f"pensioners_{benefit}"] / 1e3, linestyle="--", label=f"pensioners: {benefit}")
ax.set_title("Contributors (contributor-years) and pensions in payment")
ax.set_ylabel("thousands")
ax.set_ylim(bottom=0.0)
ax.legend(frameon=False, fontsize=7, ncol=2)

# 4. Share of members' earnings above the contribution ceiling [%].
ax = axes[1, 1]
earnings = (ds["average_earnings"] * ds["actives"]).sel(year=years)  # members' earnings by cell
above = ds["share_above_ceiling"].sel(year=years) * earnings
by_group = above.sum(("sex", "age")) / earnings.sum(("sex", "age"))
ax.plot(years, 100 * summary["share_of_earnings_above_ceiling"], color="black", linewidth=2, label="all members")
for group in scenario.groups:
    ax.plot(years, 100 * by_group.sel(group=group), label=group)
ax.set_title("Share of earnings above the contribution ceiling")
ax.set_ylabel("% of members' earnings")
ax.set_ylim(0.0, 1.3 * 100 * float(by_group.max()))  # room for the legend above the lines
ax.legend(frameon=False, fontsize=8, loc="upper center", ncol=4)

for ax in axes.flat:
    ax.set_xlabel("year")
    ax.grid(linewidth=0.3, alpha=0.6)
fig.suptitle(f"Lao NSSF, scenario {scenario.name!r}: finances of the scheme (nominal {currency})")
fig.tight_layout()

out_dir = Path(os.environ.get("SSPROJ_EXAMPLE_OUT") or tempfile.mkdtemp(prefix="ssproj-examples-"))
out_dir.mkdir(parents=True, exist_ok=True)
png = out_dir / "lao_scheme_finances.png"
fig.savefig(png, dpi=120)
plt.close(fig)
print(f"wrote {png}")
