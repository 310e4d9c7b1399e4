"""Run the kernel tests again as plain Python (NUMBA_DISABLE_JIT=1).

The kernels must give the same results interpreted and compiled (as pvlib
runs its SPA tests both ways); this also keeps them readable Python.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

KERNEL_TESTS = Path(__file__).parent / "kernels"


@pytest.mark.slow
def test_kernel_tests_pass_with_jit_disabled():
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(KERNEL_TESTS)],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout
