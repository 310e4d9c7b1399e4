"""Helpers shared by the benchmark scripts (timings are printed, never asserted)."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "lao_baseline.yaml"


def best_time(fn, repeat):
    """Best time of one call of ``fn`` over ``repeat`` rounds (timeit's autorange per round). [s]"""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number


def time_cold_run(runs: int, scenario: Path = SCENARIO) -> list[float]:
    """Wall times of ``ssproj run SCENARIO`` in new processes after one warm-up (warm Numba cache). [s]"""
    cmd = [sys.executable, "-m", "ssproj.cli", "run", str(scenario), "--quiet"]
    with tempfile.TemporaryDirectory() as tmp:
        cmd += ["--out", tmp]
        subprocess.run(cmd, check=True, cwd=ROOT)  # warms the Numba cache
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, cwd=ROOT, env=dict(os.environ))
            times.append(time.perf_counter() - t0)
    return times


def report_cold_run(times: list[float], scenario: Path = SCENARIO) -> None:
    """Print the cold-run line of the benchmarks."""
    print(f"cold 'ssproj run {scenario.relative_to(ROOT)}' (new process, warm Numba cache), "
          f"{len(times)} runs: min {min(times):.2f} s, median {statistics.median(times):.2f} s")
