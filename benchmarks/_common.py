"""Helpers shared by the benchmark scripts (timings are printed, never asserted)."""
from __future__ import annotations

import inspect
import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "lao_baseline.yaml"
#: The command line of ssproj in a new process (the same interpreter as the benchmark).
CLI = [sys.executable, "-m", "ssproj.cli"]


def best_time(fn, repeat):
    """Best time of one call of ``fn`` over ``repeat`` rounds (timeit's autorange per round). [s]"""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number


def cores() -> int:
    """CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def mark(value: float, target: float) -> str:
    """``met`` if ``value <= target``, else ``NOT MET``."""
    return "met" if value <= target else "NOT MET"


def time_command(cmd: list[str], runs: int, warmup: list[str] | None = None, warm: bool = True) -> list[float]:
    """Wall times of ``cmd`` in new processes (cwd: the repository), after one warm-up run. [s]

    The warm-up (``warmup``, default ``cmd`` itself; skipped if not
    ``warm``) fills Numba's on-disk cache, so the timed runs load the
    compiled kernels instead of compiling. An argument ``"{out}"`` is
    replaced by a new empty folder for each run (removed afterwards).
    """
    with tempfile.TemporaryDirectory() as tmp:
        def run(c, i):
            c = [a.replace("{out}", str(Path(tmp) / f"out{i}")) for a in c]
            subprocess.run(c, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, env=dict(os.environ))

        if warm:
            run(warmup or cmd, "warmup")
        times = []
        for i in range(runs):
            t0 = time.perf_counter()
            run(cmd, i)
            times.append(time.perf_counter() - t0)
    return times


def time_cold_run(runs: int, scenario: Path = SCENARIO, warm: bool = True) -> list[float]:
    """Wall times of ``ssproj run SCENARIO`` in new processes after one warm-up (warm Numba cache). [s]"""
    return time_command([*CLI, "run", str(scenario), "--quiet", "--out", "{out}"], runs, warm=warm)


def startup_times(runs: int, warm: bool = True) -> dict[str, list[float]]:
    """Wall times of starting Python and importing ssproj, and of a trivial command line (``--version``). [s]"""
    return {
        "python -c 'import ssproj'": time_command([sys.executable, "-c", "import ssproj"], runs, warm=warm),
        "ssproj --version": time_command([*CLI, "--version"], runs, warm=warm),
    }


def summary(times: list[float]) -> str:
    """``min X s, median Y s`` of wall times."""
    return f"min {min(times):.2f} s, median {statistics.median(times):.2f} s"


def report_cold_run(times: list[float], scenario: Path = SCENARIO) -> None:
    """Print the cold-run line of the benchmarks."""
    print(f"cold 'ssproj run {scenario.relative_to(ROOT)}' (new process, warm Numba cache), "
          f"{len(times)} runs: {summary(times)}")


# --------------------------------------------------------------------------- the scheme kernel's inputs
def kernel_tuples(inp: dict):
    """``(SchemeState, SchemeParams, SchemeDrivers)`` of the scheme kernel from a dict of its inputs, by field name.

    ``inp`` maps each field name of the three NamedTuples to its array (extra
    keys are ignored); a missing field raises KeyError naming all of them.
    The members' earnings records (the kernel's second argument) are
    :func:`kernel_records`.
    """
    from ssproj.kernels.scheme import SchemeDrivers, SchemeParams, SchemeState

    missing = [f for t in (SchemeState, SchemeParams, SchemeDrivers) for f in t._fields if f not in inp]
    if missing:
        raise KeyError(f"inputs lack the scheme kernel's fields {missing}")
    return tuple(t(**{f: inp[f] for f in t._fields}) for t in (SchemeState, SchemeParams, SchemeDrivers))


def kernel_records(inp: dict):
    """The members' earnings records (``MemberRecords``: ``WA, WI``) of the scheme kernel from a dict of its inputs."""
    from ssproj.kernels.scheme import MemberRecords

    missing = [f for f in MemberRecords._fields if f not in inp]
    if missing:
        raise KeyError(f"inputs lack the scheme kernel's records {missing}")
    return MemberRecords(*(inp[f] for f in MemberRecords._fields))


def oracle_args(inp: dict) -> list:
    """The positional arguments of the NumPy oracle ``scheme_numpy`` (its own order) from a dict of inputs."""
    from ssproj.testing.oracle import scheme_numpy

    names = [n for n, p in inspect.signature(scheme_numpy).parameters.items()
             if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    missing = [n for n in names if n not in inp]
    if missing:
        raise KeyError(f"inputs lack the oracle's arguments {missing}")
    return [inp[n] for n in names]


def oracle_outputs(ref: dict) -> dict:
    """The oracle's outputs keyed by the field names of ``SchemeOutputs`` (same order, other names)."""
    from ssproj.kernels.scheme import SchemeOutputs
    from ssproj.testing.oracle import SCHEME_OUTPUTS

    return {f: ref[k] for f, k in zip(SchemeOutputs._fields, SCHEME_OUTPUTS, strict=True)}


def readonly_fields(nt) -> list[str]:
    """Fields of a NamedTuple that are read-only arrays."""
    return [k for k, v in nt._asdict().items() if isinstance(v, np.ndarray) and not v.flags.writeable]


def scheme_inputs_of(sp, out) -> dict:
    """The scheme kernel's inputs of a compiled scheme (``SchemePlan``) and one run of it (``PathOutputs``).

    State at the valuation date and parameters from the plan; the members'
    earnings records at the valuation date (``WA, WI``, as ``run_path``
    builds them from the path's ``record0``) and the drivers (coverage
    targets, death probabilities, pension limits, insured earnings, shares
    of the oldest year in the records, revaluation, indexation) as the
    engine computed them for the path. Copies (writable, whatever the
    plan's arrays are).
    """
    from ssproj.kernels.engine import scheme_records
    from ssproj.kernels.scheme import SchemeDrivers

    inp = {k: np.array(v, copy=True) for k, v in sp.state0._asdict().items()}
    inp.update({k: np.array(v, copy=True) for k, v in scheme_records(sp.state0, out.record0)._asdict().items()})
    inp.update({k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v)
                for k, v in sp.params._asdict().items()})
    inp.update({k: np.array(getattr(out, k), copy=True) for k in SchemeDrivers._fields})
    return inp


def lao_scheme_inputs(sc):
    """The scheme kernel's inputs of the scenario ``sc`` (e.g. the Lao baseline).

    From :func:`ssproj.plan.compile_scenario` and one deterministic run of
    :func:`ssproj.scheme.engine.run_scheme`. Returns ``(inputs, plan, outputs)``.
    """
    from ssproj.plan import compile_scenario
    from ssproj.scheme.engine import run_scheme

    plan = compile_scenario(sc)
    if plan.scheme is None:
        raise ValueError(f"scenario {sc.name!r} has no compiled scheme (no insured groups, or a strategy)")
    out = run_scheme(plan.scheme, plan.demography, plan.economy)
    return scheme_inputs_of(plan.scheme, out), plan, out


class KernelRun:
    """Repeated calls of a scheme kernel on the same inputs (state and records reset before each call).

    ``inp``: a dict of the kernel's inputs by field name, or the tuple
    ``(SchemeState, MemberRecords, SchemeParams, SchemeDrivers)`` itself (used
    as given: e.g. a compiled plan's own, read-only, parameter arrays), or
    ``(SchemeState, SchemeParams, SchemeDrivers)``: then the members' records
    are empty (zero reference earnings: the kernel does the same work, for
    timings only). After a call, ``state`` and ``records`` hold the end state.
    """

    def __init__(self, inp, kernel):
        from ssproj.kernels.scheme import MemberRecords, empty_scheme_outputs

        if isinstance(inp, dict):
            self.state0, self.params, self.drivers = kernel_tuples(inp)
            self.records0 = kernel_records(inp)
        elif len(inp) == 4:
            self.state0, self.records0, self.params, self.drivers = inp
        else:
            self.state0, self.params, self.drivers = inp
            self.records0 = MemberRecords(np.zeros_like(self.state0.A), np.zeros_like(self.state0.I))
        self.state = type(self.state0)(*(a.copy() for a in self.state0))
        self.records = type(self.records0)(*(a.copy() for a in self.records0))
        G, S, X, NS = self.state0.A.shape
        B = self.state0.P.shape[0]
        self.Y = self.drivers.target.shape[0]
        self.G, self.S, self.X, self.NS, self.B = G, S, X, NS, B
        self.out = empty_scheme_outputs(self.Y, G, S, X, NS, B)
        self.kernel = kernel

    def reset(self):
        # the kernel projects its state in place (it zeroes its flows and writes every stock row itself)
        for a, a0 in zip(self.state + self.records, self.state0 + self.records0, strict=True):
            np.copyto(a, a0)

    def __call__(self):
        self.reset()
        self.kernel(self.state, self.records, self.params, self.drivers, self.out)
        return self.out

    def cells(self) -> tuple[int, int]:
        """Member and pensioner cell-updates of one projection."""
        return self.G * self.S * self.X * self.NS * self.Y, self.B * self.G * self.S * self.X * self.Y


def max_rel_diff(a: dict, b: dict, rtol: float, what: str = "kernel and reference") -> float:
    """Largest relative difference of ``b`` from ``a`` over the non-zero cells; raises if beyond ``rtol``."""
    worst = 0.0
    for key, k in a.items():
        r = np.asarray(b[key])
        k = np.asarray(k)
        if r.shape != k.shape:
            raise AssertionError(f"{what} disagree on the shape of {key!r}: {k.shape} vs {r.shape}")
        scale = np.abs(k).max() if k.size else 0.0
        if not np.allclose(r, k, rtol=rtol, atol=1e-13 * scale):
            raise AssertionError(f"{what} disagree on {key!r}")
        nz = k != 0
        if nz.any():
            worst = max(worst, float((np.abs(r - k)[nz] / np.abs(k[nz])).max()))
    return worst
