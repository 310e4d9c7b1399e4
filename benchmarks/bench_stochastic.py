"""Benchmark of stochastic full-engine paths (population + scheme + finance per path).

Prints (never asserts):

* 1,000 paths of the Lao baseline in-process (``ssproj.uncertainty.stochastic``,
  i.e. ``run_paths`` with ``prange`` over paths), Numba threads = all cores and = 1,
  against the design target (<= 15 s on 2 cores; the command line, start-up
  and writing included, is in ``bench_project.py``: <= 10 s);
* the same on a local Dask cluster with 1 and 2 worker processes (1 thread each);
* the per-path cost of the NumPy reference of the same step (population and
  scheme with ``ssproj.testing.oracle``, on the drivers ``run_path`` computed)
  and the ratio to the Numba path (1 thread) and to one ``run_path``;
* memory: peak resident memory of the driver while writing 10,000 paths
  chunk by chunk to Zarr (``--paths-memory``), against the size of all results,
  and of ``--paths`` paths kept in memory.

Usage::

    python benchmarks/bench_stochastic.py [--paths 1000] [--paths-memory 10000] [--skip-dask]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SCENARIO, cores, mark, max_rel_diff, oracle_args, oracle_outputs, scheme_inputs_of


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
                except Exception:
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


def numpy_reference_per_path(plan, n=3):
    """The NumPy reference of one path (population + scheme step), timed against ``run_path``.

    One path on the central inputs (no shocks; a shocked path costs the
    same): the cohort-component projection with
    ``ssproj.testing.oracle.project_population_numpy`` and the scheme step
    with ``ssproj.testing.oracle.scheme_numpy``, on the scheme drivers
    (coverage targets, death probabilities, reference earnings, pension
    limits, indexation) that ``run_path`` computed for the path (not timed:
    they are cheap and have no separate NumPy version). Checks that both
    agree with ``run_path``.

    Returns ``(NumPy seconds per path, run_path seconds per path with the
    serial scheme kernel)``, best of ``n``.
    """
    from ssproj.kernels.engine import empty_path_outputs, no_shocks, run_path
    from ssproj.scheme.engine import economy_paths
    from ssproj.scheme.plan import economy
    from ssproj.testing.oracle import project_population_numpy, scheme_numpy

    sp = plan.scheme
    demo = plan.demography.kernel_inputs(plan.lc_b)
    T = demo.mx.shape[0]
    econ = economy_paths(sp, economy(plan.scenario, sp))
    shocks = no_shocks(1, T)
    out = empty_path_outputs(T, len(sp.years), len(sp.ext_years), len(sp.groups), NS=sp.state0.A.shape[3],
                             Br=len(sp.branches))

    def numba_path():
        run_path(demo, sp.earnings, sp.params, sp.state0, econ, shocks, 0, out)

    numba_path()
    args = oracle_args(scheme_inputs_of(sp, out))

    def numpy_path():
        mx_i = np.sqrt(demo.mx[:-1] * demo.mx[1:])
        asfr_i = 0.5 * (demo.asfr[:-1] + demo.asfr[1:])
        pop = project_population_numpy(demo.pop0, mx_i, asfr_i, demo.srb_i, demo.mig_i)[0]
        return pop, scheme_numpy(*args)

    pop, ref = numpy_path()
    worst_pop = max_rel_diff({"population": out.population}, {"population": pop[: out.population.shape[0]]},
                             1e-10, "run_path and the NumPy population")
    worst = max_rel_diff(out.scheme._asdict(), oracle_outputs(ref), 1e-10, "run_path and the NumPy scheme step")
    print(f"NumPy reference and run_path agree: population {worst_pop:.1e}, scheme {worst:.1e} "
          "(max relative difference)")
    times, times_numba = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        numpy_path()
        times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        numba_path()
        times_numba.append(time.perf_counter() - t0)
    return min(times), min(times_numba)


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
    print(f"machine: {cores()} cores, numba {numba.__version__}, {numba.get_num_threads()} Numba threads")
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
          f"-- design target <= 15 s for 1,000 paths on 2 cores"
          + (f" [{mark(t_all, 15.0)}]" if n == 1000 else " [not compared: not 1,000 paths]")
          + "; the command line with start-up and writing (<= 10 s): bench_project.py")
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    m = max(n // 4, 10)
    t0 = time.perf_counter()
    simulate_paths(plan, 1, 0, m)
    t_one = (time.perf_counter() - t0) / m
    numba.set_num_threads(before)
    print(f"1 thread: {1000 * t_one:.1f} ms/path ({m} paths); speed-up with {before} threads: "
          f"{t_one / (t_all / n):.2f}x")
    numba.set_num_threads(1)
    t_ref, t_path = numpy_reference_per_path(plan)
    numba.set_num_threads(before)
    print(f"NumPy reference (population + scheme step, one path): {1000 * t_ref:.0f} ms/path; "
          f"ratio NumPy / Numba (1 thread): {t_ref / t_one:.1f}x per simulated path, "
          f"{t_ref / t_path:.1f}x against one run_path ({1000 * t_path:.1f} ms)")
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
        r = stochastic(sc, n, seed=2)
    size = sum(v.size * v.dtype.itemsize for v in r.dataset.data_vars.values())
    print(f"{n:,} paths kept in memory: results {size / 1e6:.1f} MB, peak resident memory grew by "
          f"{(mem.peak - mem.start) / 1e6:.0f} MB ({(mem.peak - mem.start) / n / 1e3:.0f} kB per path)")


if __name__ == "__main__":
    main()
