"""
Population pyramids of Lao PDR: 2020, 2050 and 2100
===================================================

Project the Lao PDR baseline (UN World Population Prospects 2024, medium
variant) and draw its population pyramid at 1 July 2020, 2050 and 2100,
side by side on the same scale.

Each bar is one single year of age (0 to 100+). Men are on the left,
women on the right, in thousands of persons. The pyramid of 2020 has a
wide base: many children, few old people. By 2100 the base has narrowed
and the top has widened: fewer births each year, and more people living
to old age. This ageing is what drives the future cost of old-age
pensions.

The figure is saved as a PNG file, ``population_pyramids.png``, in the
folder named by the environment variable ``SSPROJ_EXAMPLE_OUT`` (a new
temporary folder if it is not set). Run it from any folder::

    python docs/examples/plot_population_pyramid.py
"""
import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # write files only; no window
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

import ssproj

# The scenario path is resolved from this file, so the script runs from any
# working directory: docs/examples/ -> docs/ -> repository root.
ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "lao_baseline.yaml"
YEARS = (2020, 2050, 2100)

scenario = ssproj.load_scenario(SCENARIO)
result = ssproj.project(scenario)
population = result.population  # DataArray (year, sex, age), persons at 1 July

# One common horizontal scale for the three years, in thousands of persons.
widest = float(population.sel(year=list(YEARS)).max()) / 1e3
limit = 1.05 * widest

fig, axes = plt.subplots(1, len(YEARS), figsize=(12, 5.5), sharey=True)
for ax, year in zip(axes, YEARS, strict=True):
    in_year = population.sel(year=year) / 1e3  # thousands of persons
    ages = in_year["age"].values
    men = in_year.sel(sex="male").values
    women = in_year.sel(sex="female").values
    ax.barh(ages, -men, height=1.0, color="#3b6ea5", label="men")
    ax.barh(ages, women, height=1.0, color="#c8553d", label="women")
    ax.axvline(0.0, color="black", linewidth=0.6)
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-0.5, 100.5)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{abs(v):g}"))  # men drawn to the left
    total = float(in_year.sum()) / 1e3  # millions of persons
    ax.set_title(f"1 July {year}: {total:.2f} million")
    ax.set_xlabel("persons at each age [thousands]")
    ax.grid(axis="x", linewidth=0.3, alpha=0.6)
axes[0].set_ylabel("age [years] (100 = 100 and over)")
axes[0].legend(loc="upper left", frameon=False)
fig.suptitle(f"Lao PDR population by sex and single age, scenario {scenario.name!r} "
             "(UN WPP 2024 medium variant)")
fig.tight_layout()

out_dir = Path(os.environ.get("SSPROJ_EXAMPLE_OUT") or tempfile.mkdtemp(prefix="ssproj-examples-"))
out_dir.mkdir(parents=True, exist_ok=True)
png = out_dir / "population_pyramids.png"
fig.savefig(png, dpi=120)
plt.close(fig)
print(f"wrote {png}")
