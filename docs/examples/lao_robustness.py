"""
Which Lao conclusions survive the unknowns
==========================================

The Lao baseline rests on assumed base data: the pension fund's reserve,
the pension payroll, the minimum pension, the share of contributions the
pension fund receives... each with a plausible range in the assumption set.
This example asks of three options whether what they do to the fund (the
sign of their effect) and how they compare (their rank among options of the
same kind) hold over two of those ranges, one at a time:

1. builds the grid of the plausible ranges of the minimum pension and of the
   pension fund's reserve at the valuation date (``oat``: the central point,
   then each range at its ends, the other at its central value);
2. projects the baseline and the options at every point, each option's own
   changes laid over the same point, with
   :func:`ssproj.uncertainty.robustness.robustness` (in-process here;
   ``workers=2`` runs the points on a local Dask cluster);
3. prints, for each option and decision measure, the effect at the central
   point, its range over the grid, whether its sign and its rank hold, and
   the range that breaks them; writes the result folder that
   ``ssproj robustness`` writes, ``lao_robustness/`` in the folder named by
   ``SSPROJ_EXAMPLE_OUT`` (default: a new temporary folder).

Guide and methods: docs/robustness.md. Run it from any folder::

    python docs/examples/lao_robustness.py
"""
import os
import tempfile
from pathlib import Path

import pandas as pd

from ssproj.uncertainty.robustness import robustness

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
out = Path(os.environ.get("SSPROJ_EXAMPLE_OUT") or tempfile.mkdtemp(prefix="ssproj_robustness_"))

if __name__ == "__main__":  # guard the entry point: a Dask run (workers=...) spawns processes
    result = robustness(SCENARIOS / "lao_baseline.yaml",
                        [SCENARIOS / "lao_fin_indexation_mix.yaml", SCENARIOS / "lao_fin_contribution_rise.yaml",
                         SCENARIOS / "lao_cov_promoters.yaml"],
                        grid="oat", ranges=["minimum_pension_ratio", "opening_reserve[long_term]"])

    # 1. The grid: each point and the baseline there.
    print(f"1. {result.grid.n_points} grid points ({result.grid.mode})")
    grid = result.grid_table()[["label", "baseline_gap_75", "baseline_depletion_year"]]
    print(grid.to_string(float_format=lambda v: f"{v:.4g}"))

    # 2. What holds, for each option and measure.
    t = result.table()
    shown = t[["central", "min", "max", "sign", "sign_holds", "rank", "rank_holds"]]
    print("\n2. Effects against the baseline at the same point, and what holds over the grid")
    with pd.option_context("display.width", 160, "display.max_rows", 100):
        print(shown.to_string(float_format=lambda v: f"{v:.4g}"))

    # 3. What does not hold, and the range that breaks it.
    print("\n3. What does not hold")
    for (option, measure), row in t[~t["sign_holds"] | ~t["rank_holds"]].iterrows():
        if not row["sign_holds"]:
            print(f"  {option}, {measure}: sign {row['sign']} {row['sign_breaks']}")
        if not row["rank_holds"]:
            print(f"  {option}, {measure}: rank {row['rank']:.0f} {row['rank_breaks']}")

    written = result.write(out / "lao_robustness")
    print(f"\nwritten to {out / 'lao_robustness'}: {', '.join(p.name for p in written.values())}")
