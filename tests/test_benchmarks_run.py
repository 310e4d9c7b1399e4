"""The benchmark scripts still run end to end (tiny sizes; timings are printed, never asserted).

A benchmark that no longer matches the code (e.g. a kernel argument added
without updating the benchmark's inputs) fails here instead of on the day
someone needs the figures.
"""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.parametrize("script, args, expected", [
    ("bench_population.py", ["--repeat", "1", "--cold-runs", "1"], "ratio"),
    ("bench_scheme.py", ["--repeat", "1"], "kernel and reference agree"),
    ("bench_project.py", ["--quick"], "targets (issue):"),
    ("bench_stochastic.py", ["--paths", "20", "--paths-memory", "60", "--skip-dask"], "unique path numbers: 60"),
])
def test_benchmark_script_runs(script, args, expected):
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert expected in proc.stdout
