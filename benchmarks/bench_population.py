"""Benchmark: the cohort-component population projection.

Times the Numba kernel (after compilation) against the NumPy-vectorised
reference of the same step on the Lao baseline's inputs (80 annual steps,
2 sexes x 101 ages), then a cold ``ssproj run`` of the Lao baseline in a
new process with the Numba cache warm.

Run:  python benchmarks/bench_population.py [--repeat N]
Prints the figures; it asserts nothing (timings are not tests).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SCENARIO, best_time, report_cold_run, time_cold_run


def interval_inputs(steps=80):
    import ssproj
    from ssproj.demography.cohort import build_demographic_inputs

    sc = ssproj.load_scenario(SCENARIO)
    years = np.arange(sc.start_year, sc.start_year + steps + 1)
    inputs = build_demographic_inputs(sc.tables, years)
    mx, asfr, srb, mig = inputs.interval_inputs()
    return inputs.population0, mx, asfr, srb, mig




def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--cold-runs", type=int, default=3)
    args = parser.parse_args(argv)

    from ssproj.kernels.population import project_population_kernel
    from ssproj.testing.oracle import project_population_numpy

    pop0, mx, asfr, srb, mig = interval_inputs()
    T = mx.shape[0]
    pop = np.empty((T + 1, 2, 101))
    births = np.empty((T, 2))
    deaths = np.empty((T, 2, 101))
    fl = np.empty(T)
    t0 = time.perf_counter()
    project_population_kernel(pop0, mx, asfr, srb, mig, pop, births, deaths, fl)
    first = time.perf_counter() - t0
    ref = project_population_numpy(pop0, mx, asfr, srb, mig)
    assert np.allclose(pop, ref[0], rtol=1e-12), "kernel and reference disagree"

    t_numba = best_time(lambda: project_population_kernel(pop0, mx, asfr, srb, mig, pop, births, deaths, fl),
                        args.repeat)
    t_numpy = best_time(lambda: project_population_numpy(pop0, mx, asfr, srb, mig), args.repeat)
    cells = T * 2 * 101
    print(f"population projection, {T} years x 2 sexes x 101 ages ({cells:,} cell-updates)")
    print(f"  first call (compile or load from cache): {first * 1e3:9.1f} ms")
    print(f"  numba kernel  : {t_numba * 1e3:9.3f} ms   {cells / t_numba:,.0f} cell-updates/s")
    print(f"  numpy reference: {t_numpy * 1e3:8.3f} ms   {cells / t_numpy:,.0f} cell-updates/s")
    print(f"  ratio numpy / numba: {t_numpy / t_numba:.1f}x")

    report_cold_run(time_cold_run(args.cold_runs))


if __name__ == "__main__":
    main()
