"""
Stochastic projection of the Lao NSSF: fan charts
=================================================

Run 50 stochastic paths of the Lao baseline with the stochastic model of
``scenarios/lao_stochastic.yaml`` (correlated shocks to investment returns,
wage growth and inflation; Lee-Carter mortality; the fertility level), print
the percentiles at milestone years with the probability that the reserve is
exhausted, and draw two fan charts with the deterministic projection drawn
over them (dashed): the PAYG cost rate (outgo over insured earnings) and the
total population (millions of persons at 1 July).

The bands hold the middle 50%, 80% and 90% of the paths each year. 50 paths
keep the example fast (a few seconds once compiled); use 1,000 or more for
figures you report (``ssproj stochastic scenarios/lao_stochastic.yaml
--paths 1000``). Method and limits: ``docs/uncertainty.md``.

The figure is saved as ``lao_stochastic_fan_charts.png`` in the folder named
by the environment variable ``SSPROJ_EXAMPLE_OUT`` (a new temporary folder if
it is not set). Run it from any folder::

    python docs/examples/plot_lao_stochastic_fan_charts.py
"""
import os
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # write files only; no window
import matplotlib.pyplot as plt

import ssproj
from ssproj.reporting import plots
from ssproj.uncertainty.stochastic import stochastic

# docs/examples/ -> docs/ -> repository root, so the script runs from any folder
ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "lao_stochastic.yaml"
N_PATHS = 50
SEED = 1

scenario = ssproj.load_scenario(SCENARIO)
central = ssproj.project(scenario).summary()   # the deterministic projection, by year

t0 = time.perf_counter()
result = stochastic(scenario, n_paths=N_PATHS, seed=SEED)
print(f"{result.n_paths} paths of {scenario.name!r}, seed {SEED}, in {time.perf_counter() - t0:.1f} s")
print("Percentiles at milestone years: reserve ratio [years of outgo], PAYG cost rate "
      "[share of insured earnings], probability of depletion by then [share of paths]")
print(result.summary().round(3).to_string())

fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
result.fan_chart("payg_cost_rate", ax=axes[0], central=central["payg_cost_rate"])
# any table of percentiles by year can be drawn as a fan: here in millions of persons
population = result.percentiles("total_population") / 1e6
plots.fan_chart(population, ax=axes[1], central=central["total_population"].loc[population.index] / 1e6,
                title="Total population", ylabel="million persons at 1 July")
fig.suptitle(f"Lao NSSF baseline: {N_PATHS} stochastic paths (seed {SEED})")
fig.tight_layout()

out_dir = Path(os.environ.get("SSPROJ_EXAMPLE_OUT") or tempfile.mkdtemp(prefix="ssproj-example-"))
out_dir.mkdir(parents=True, exist_ok=True)
path = out_dir / "lao_stochastic_fan_charts.png"
fig.savefig(path, dpi=110)
print(f"saved {path}")
