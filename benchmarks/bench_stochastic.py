"""Benchmark of stochastic full-engine paths (population + scheme + finance per path).

Prints (never asserts):

* 1,000 paths of the Lao baseline in-process, Numba threads = all cores and = 1,
  against the design target (<= 15 s on 2 cores);
* the same on a local Dask cluster with 1 and 2 worker processes (1 thread each);
* the per-path cost of the NumPy reference of the same step (population and
  scheme with ``ssproj.testing.oracle``) and the ratio to the Numba path kernel;
* memory: peak resident memory of the driver while writing 10,000 paths
  chunk by chunk to Zarr (``--paths-memory``), against the size of all results.

Usage::

    python benchmarks/bench_stochastic.py [--paths 1000] [--paths-memory 10000] [--skip-dask]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SCENARIO  # noqa: E402


class PeakRSS:
    """Samples the resident memory of this process (and children) every 20 ms. [bytes]"""

    def __init__(self, children=False):
        import psutil

        self.proc = psutil.Process()
        self.children = children
        self.peak = 0
        self._stop = threading.Event()

    def _rss(self):
        rss = self.proc.memory_info().rss
        if self.children:
            for c in self.proc.children(recursive=True):
                try:
                    rss += c.memory_info().rss
                except Exception:  # noqa: BLE001 - a child may exit between listing and reading
                    pass
        return rss

    def __enter__(self):
        self.start = self._rss()
        self.peak = self.start
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(0.02)

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self._rss())


def numpy_reference_per_path(plan, seed=1, n=3):
    """Seconds per path of the NumPy reference (population + scheme step) on one path's inputs."""
    from ssproj.testing.oracle import project_population_numpy, scheme_numpy
    from ssproj.scheme.plan import KERNEL_INPUTS, economy, earnings_arrays, member_death_probabilities, \
        reference_earnings

    sp = plan.scheme
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        mx = plan.mx
        mx_i = np.sqrt(mx[:-1] * mx[1:])
        asfr_i = 0.5 * (plan.asfr[:-1] + plan.asfr[1:])
        pop = project_population_numpy(plan.pop0, mx_i, asfr_i, plan.srb_i, plan.mig_i)[0]
        pop_y = pop[plan.scheme_offset:]
        econ = economy(plan.scenario, sp)
        _, insured_w, _, _, _ = earnings_arrays(sp, econ)
        off = len(sp.ext_years) - len(sp.years)
        dyn = dict(
            target=(pop_y[:, None] * sp.target_weight).sum(axis=3),
            qx=member_death_probabilities(mx[plan.scheme_offset:]),
            min_pension=sp.min_pension_ratio * econ["minimum_wage"][off:, None] * 12.0,
            max_pension=sp.max_pension_ratio * econ["contribution_ceiling"][off:, None] * 12.0,
            ref_earnings=reference_earnings(sp, insured_w),
            indexation=sp.price_weight * econ["price_inflation"] + (1 - sp.price_weight) * econ["wage_growth"]
            + sp.indexation_extra,
        )
        args = dict(zip(KERNEL_INPUTS, sp.kernel_args(**dyn)))
        A, I, P, M, R = (x.copy() for x in sp.state0)
        scheme_numpy(A, I, P, M, R, **args)
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=1000)
    ap.add_argument("--paths-memory", type=int, default=10_000)
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args(argv)

    import numba

    import ssproj
    from ssproj.uncertainty.stochastic import prepare_paths, simulate_paths, stochastic

    sc = ssproj.load_scenario(SCENARIO)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {cores} cores, numba {numba.__version__}, {numba.get_num_threads()} Numba threads")
    plan = prepare_paths(sc)
    simulate_paths(plan, 1, 0, 2)  # compile or load the kernels
    sp = plan.scheme
    cells = len(sp.years) * len(sp.groups) * 2 * 101 * 51
    print(f"scenario {sc.name}: {len(sp.years)} scheme years, {len(sp.groups)} groups, "
          f"{cells:,} member cell-updates per path")

    n = args.paths
    t0 = time.perf_counter()
    res = stochastic(sc, n, seed=1)
    t_all = time.perf_counter() - t0
    print(f"\n{n:,} paths in-process, {numba.get_num_threads()} threads: {t_all:.2f} s "
          f"({1000 * t_all / n:.1f} ms/path; {n * cells / t_all / 1e6:,.0f} million member cell-updates/s) "
          f"-- target <= 15 s for 1,000 paths on 2 cores")
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    m = max(n // 4, 10)
    t0 = time.perf_counter()
    simulate_paths(plan, 1, 0, m)
    t_one = (time.perf_counter() - t0) / m
    numba.set_num_threads(before)
    print(f"1 thread: {1000 * t_one:.1f} ms/path ({m} paths); speed-up with {before} threads: "
          f"{t_one / (t_all / n):.2f}x")
    t_ref = numpy_reference_per_path(plan)
    print(f"NumPy reference (population + scheme step, one path): {1000 * t_ref:.0f} ms/path; "
          f"ratio NumPy / Numba (1 thread): {t_ref / t_one:.1f}x")
    print(f"depletion by 2030 in {res.depletion_probability().loc[2030]:.1%} of paths; "
          f"median reserve ratio 2050: {res.percentiles('reserve_ratio', q=(50,)).loc[2050, 'p50']:.2f}")

    if not args.skip_dask:
        for workers in (1, 2):
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                stochastic(sc, n, seed=1, workers=workers, out=Path(tmp) / "p.zarr", chunk_size=50)
                dt = time.perf_counter() - t0
            print(f"{n:,} paths on a local Dask cluster, {workers} worker(s) x 1 thread: {dt:.2f} s "
                  f"(including cluster start-up)")

    k = args.paths_memory
    with tempfile.TemporaryDirectory() as tmp:
        with PeakRSS() as mem:
            t0 = time.perf_counter()
            r = stochastic(sc, k, seed=2, out=Path(tmp) / "big.zarr", chunk_size=250)
            dt = time.perf_counter() - t0
        size = sum(v.size * v.dtype.itemsize for v in r.dataset.data_vars.values())
        grew = mem.peak - mem.start
        print(f"\n{k:,} paths written chunk by chunk to Zarr in {dt:.1f} s: all results {size / 1e6:,.0f} MB; "
              f"driver peak resident memory grew by {grew / 1e6:,.0f} MB "
              f"({grew / k / 1e3:.1f} kB per path; {grew / size:.2f} x the results)")
        print(f"  paths on disk: {r.dataset.sizes['path']:,}, unique path numbers: "
              f"{len(np.unique(r.dataset['path'].values)):,}")
    with PeakRSS() as mem:
        r = stochastic(sc, 1000, seed=2)
    size = sum(v.size * v.dtype.itemsize for v in r.dataset.data_vars.values())
    print(f"1,000 paths kept in memory: results {size / 1e6:.0f} MB, peak resident memory grew by "
          f"{(mem.peak - mem.start) / 1e6:.0f} MB ({(mem.peak - mem.start) / 1000 / 1e3:.0f} kB per path)")


if __name__ == "__main__":
    main()
