"""The ``ssproj`` command line: a thin layer over the library.

Exit codes: 0 success, 1 bad input or a failed run (message on stderr,
starting ``ERROR:``), 2 bad command-line usage (from argparse, or a
``--set`` that is not a valid scenario change).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

from ssproj._version import __version__
from ssproj.analysis.assumptions import rests_on
from ssproj.analysis.backcast import backcast
from ssproj.analysis.calibrate import calibrate
from ssproj.analysis.compare import DEFAULT_MILESTONES, compare
from ssproj.analysis.sensitivity import DEFAULT_METRICS, sensitivity
from ssproj.analysis.solve import solve
from ssproj.errors import Problem, ScenarioError
from ssproj.explore import serve as serve_explorer
from ssproj.io.atomic import atomic_path, write_text_atomic
from ssproj.io.outdir import (
    MANIFEST,
    IncompleteResultError,
    inputs_sha256,
    result_folder,
    safe_name,
    verify_result_folder,
)
from ssproj.io.registers import ingest_registers
from ssproj.io.wpp import import_wpp
from ssproj.projection import Projection, project
from ssproj.reporting.assumptions import UNMARKED, assumption_table, format_assumption_table
from ssproj.reporting.text import format_headline, format_milestones, milestone_years, wrap_lines
from ssproj.scenario import load_scenario
from ssproj.scenario.assignments import AssignmentError, apply_assignments, parse_assignments
from ssproj.scenario.assumptions import load_assumptions
from ssproj.scenario.checks import MAX_SEED
from ssproj.scenario.parameters import CONFIDENCE_LEVELS
from ssproj.scenario.yamlio import dump_yaml
from ssproj.scheme.engine import paths_kernel_cached
from ssproj.uncertainty.robustness import robustness
from ssproj.uncertainty.stochastic import stochastic
from ssproj.uncertainty.sweep import load_sweep, sweep

__all__ = ["format_summary", "main", "run"]

#: What the first stochastic run spends compiling the kernel of the paths (Numba, cached on disk after it),
#: measured with an empty cache after a first ``ssproj run``: 271 s of CPU time against 4 s warm (one core, AMD
#: Zen 4, 8 paths of scenarios/lao_stochastic.yaml; docs/reference/cli.md, ``ssproj stochastic``). [s]
STOCHASTIC_COMPILE_SECONDS = 270


class CLIError(Exception):
    """A problem to report to the user and exit with status 1."""


def _fail(message: str, status: int = 1) -> int:
    """The one place errors are reported: ``ERROR:`` lines on stderr, exit code `status` (1)."""
    lines = str(message).rstrip().splitlines() or ["unknown error"]
    print(f"ERROR: {lines[0]}", file=sys.stderr)
    for line in lines[1:]:
        print(f"  {line.strip()}", file=sys.stderr)
    return status


def _with_set(scenario, args, name: str | None = None):
    """`scenario` with the changes of ``--set`` (validated like a ``changes:`` block; recorded in its provenance).

    Raises `AssignmentError` (exit code 2) listing every problem of every ``--set``.
    """
    return apply_assignments(scenario, args.set, name=name)


def _set_lines(args) -> list[str]:
    """The line that says which ``--set`` changes the printed figures rest on (none without ``--set``)."""
    if not args.set:
        return []
    return wrap_lines("changed with --set (recorded in the provenance): " + "; ".join(args.set)).splitlines()


def format_summary(summary, every: int = 10, currency: str | None = None) -> str:
    """Render a summary DataFrame as a readable fixed-width table.

    Shows the first year, every ``every``-th year and the last year;
    large numbers with thousands separators, ratios with 3 decimals;
    amounts of money in billions of ``currency`` (the printed table only:
    files keep full amounts).
    """
    years = list(summary.index)
    keep = [y for y in years if y == years[0] or y == years[-1] or y % every == 0]
    table = summary.loc[keep].copy()
    units = dict(summary.attrs.get("units", {}))
    for col, unit in list(units.items()):
        if col in table.columns and unit.startswith("currency"):
            table[col] = table[col] / 1e9
            units[col] = unit.replace("currency", f"billion {currency}" if currency else "billion", 1)
    formatted = {}
    for col in table.columns:
        values = table[col]
        big = values.abs().max()
        fmt, half = ("{:,.0f}", 0.5) if big >= 1000 else (("{:,.1f}", 0.05) if big >= 10 else ("{:.3f}", 5e-4))
        # rounding noise around zero (a reserve held at 0 by the state's transfers) prints as 0, not -0
        formatted[col] = values.map(lambda v, fmt=fmt, half=half: "-" if v != v else fmt.format(0.0 if abs(v) < half
                                                                                               else v))
    out = pd.DataFrame(formatted, index=table.index).T
    out.index = [f"{c} [{units[c]}]" if c in units else c for c in out.index]
    return out.to_string()


def _print_written(written, elapsed: float, width: int) -> None:
    """Print the files a command wrote and its run time [s]."""
    for role, path in written.items():
        print(f"wrote {role:<{width}} {path}")
    print(f"done in {elapsed:.2f} s")


def _cmd_run(args) -> int:
    t0 = time.perf_counter()
    scenario = _with_set(load_scenario(args.scenario), args)
    out = _out_dir(args.out, scenario.name)
    with result_folder(out, kind="projection", scenario=scenario.name) as stage:  # locked: a second run fails now
        result = project(scenario)
        # which assumed inputs drive the headline (two projections per declared plausible range), kept with the
        # result: in results.nc, results.xlsx and report.html
        banner = rests_on(result)
        written = result.write(stage.path)
        if args.html:
            written["html"] = stage.final(result.to_html(stage.path / "report.html"))
    elapsed = time.perf_counter() - t0
    if not args.quiet:
        print(f"ssproj {__version__}: scenario {scenario.name!r} ({scenario.start_year}-{scenario.end_year})")
        for line in _set_lines(args):
            print(line)
        currency = result.dataset.attrs.get("currency") or ""
        if "actives" in result.dataset:
            print(format_headline(result.headline(), currency=currency))
            print()
            if banner:
                print(wrap_lines(banner))
                print()
        _print_table(result.summary(), args, currency)
        print()
        _print_written(written, elapsed, 11)
    return 0


def _print_table(summary, args, currency: str) -> None:
    """The table of ``ssproj run`` and ``ssproj report``: milestone years, or the whole summary with --full."""
    if args.full:
        print(format_summary(summary, every=args.every, currency=currency))
        return
    scheme = "total_outgo" in summary.columns
    years = summary.dropna(subset=["total_outgo"]).index if scheme else summary.index
    print("At milestone years" + (" (reserve and financing gap: the headline fund):" if scheme else ":"))
    print(format_milestones(summary, milestone_years(years, args.milestones or DEFAULT_MILESTONES)))
    print("(--full prints every figure of the summary; the files hold every year)")


def _cmd_report(args) -> int:
    path = Path(args.results)
    if not path.exists():
        raise CLIError(f"{path}: no such result file (expected results.nc written by 'ssproj run')")
    if path.is_dir():
        _check_result_folder(path)
        path = path / "results.nc"
    elif (path.parent / MANIFEST).is_file():  # a file of a result folder: that folder must be complete too
        _check_result_folder(path.parent)
    result = _read_projection(path)
    try:
        summary = result.summary()
    except (KeyError, AttributeError, TypeError, ValueError) as exc:
        raise CLIError(f"{path}: not an ssproj projection result (its summary cannot be computed: "
                       f"{type(exc).__name__}: {exc})") from None
    print(f"ssproj {__version__}: result {path} (scenario {result.dataset.attrs.get('scenario_name', '?')!r}, "
          f"ssproj {result.dataset.attrs.get('ssproj_version', '?')})")
    if "actives" in result.dataset and "fund_reserve_end_scheduled" in result.dataset:
        print(format_headline(result.headline(), currency=result.dataset.attrs.get("currency") or ""))
        print()
    if result.assumption_banner:  # the banner saved with the result (ssproj run measured its drivers)
        print(wrap_lines(result.assumption_banner))
        print()
    _print_table(summary, args, result.dataset.attrs.get("currency") or "")
    if args.excel:
        print(f"wrote excel       {result.to_excel(args.excel)}")
    if args.html:
        print(f"wrote html        {result.to_html(args.html)}")
    return 0


def _check_result_folder(folder: Path) -> None:
    """A folder given to ``report``: complete (every file of its manifest there, unchanged) and a projection."""
    try:
        verify_result_folder(folder, kind="projection")
    except IncompleteResultError as exc:
        raise CLIError(str(exc)) from None


def _read_projection(path: Path) -> Projection:
    """Open a results.nc with one-line errors for a damaged file or a netCDF file that is not an ssproj result."""
    try:
        result = Projection.from_netcdf(path)
    except (OSError, RuntimeError, ValueError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CLIError(f"{path}: cannot be read: the file is damaged (truncated or overwritten) or not a netCDF "
                       f"file ({detail})") from None
    ds = result.dataset
    missing = [k for k in ("scenario_name", "provenance") if k not in ds.attrs]
    missing += [k for k in ("population",) if k not in ds.variables]
    if missing:
        raise CLIError(f"{path}: not an ssproj result (a netCDF file without {', '.join(missing)}); "
                       f"'ssproj report' reads the results.nc written by 'ssproj run'")
    return result


def _cmd_assumptions(args) -> int:
    sc = load_scenario(args.scenario)
    table = assumption_table(sc)
    if args.csv:
        with atomic_path(Path(args.csv)) as tmp:
            table.to_csv(tmp, index=False, lineterminator="\n")
    confidence = args.confidence or None
    origins = None if args.all else ("assumptions", "scenario")
    print(format_assumption_table(table, title=f"ssproj {__version__}: inputs of scenario {sc.name!r}",
                                  confidence=confidence, origins=origins))
    if not args.all:
        print("\n(ssproj's generic defaults not shown: --all shows them)")
    if args.csv:
        print(f"wrote {args.csv}")
    return 0


def _cmd_validate(args) -> int:
    status = 0
    for path in args.scenario:
        try:
            sc = load_scenario(path)
        except ScenarioError as exc:
            status = 1
            print(str(exc), file=sys.stderr)
        else:
            print(f"ok: {path} (scenario {sc.name!r}, assumptions {sc.assumptions.name!r}, "
                  f"{sc.start_year}-{sc.end_year})")
    return status


def _format_comparison(table, currency: str | None = None) -> str:
    """Render a comparison table (rows = figures, columns = scenarios) readably.

    Amounts of money in billions of ``currency`` (the printed table only:
    files keep full amounts); per-person amounts and years unscaled; each
    row with thousands separators or 3 decimals by its size.
    """
    units = table.attrs.get("units", {})
    rows, labels = [], []
    for label, values in table.iterrows():
        unit = units.get(label, "")
        name = label[: -len(f" [{unit}]")] if unit and label.endswith(f" [{unit}]") else label
        if unit.startswith(("currency per", "currency/person")):
            unit = unit.replace("currency", currency, 1) if currency else unit
        elif unit.startswith("currency"):
            values = values / 1e9
            unit = unit.replace("currency", f"billion {currency}" if currency else "billion", 1)
        big = values.abs().max()
        if unit == "calendar year":
            fmt = "{:.0f}"
        else:
            fmt = "{:,.0f}" if big >= 1000 else ("{:,.1f}" if big >= 10 else "{:.3f}")
        rows.append(values.map(lambda v, fmt=fmt: "-" if v != v else fmt.format(v)))
        labels.append(f"{name} [{unit}]" if unit else name)
    return pd.DataFrame(rows, index=labels, columns=table.columns).to_string()


def _out_dir(out: str | None, name: str, suffix: str = "") -> Path:
    """``--out`` as given (the user's choice), else ``results/<safe name><suffix>`` (never outside results/)."""
    if out:
        return Path(out)
    return Path("results") / safe_name(f"{name}{suffix}")


def _int_at_least(low: int, high: int | None = None):
    """An argparse type: an integer from `low` (to `high`), else argparse's usual error (exit 2)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid integer: {text!r}") from None
        if value < low or (high is not None and value > high):
            expected = f"an integer from {low} to {high:,}" if high is not None else f"an integer >= {low}"
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text}")
        return value

    parse.__name__ = "integer"
    return parse


_positive_int = _int_at_least(1)
_seed = _int_at_least(0, MAX_SEED)


def _year_list(text: str) -> list:
    """``2030,2050`` -> [2030, 2050] (argparse type of ``--milestones``)."""
    try:
        years = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected years separated by commas, e.g. 2030,2050") from None
    if not years:
        raise argparse.ArgumentTypeError("expected at least one year")
    return years


def _cmd_compare(args) -> int:
    t0 = time.perf_counter()
    if len(args.scenario) < 2:
        raise CLIError("compare needs at least two scenario files")
    scenarios, problems = [], []
    for path in args.scenario:  # validate every file before projecting any: report all problems at once
        try:
            scenarios.append(load_scenario(path))
        except ScenarioError as exc:
            problems.append(str(exc))
    if problems:
        raise CLIError(f"{len(problems)} of {len(args.scenario)} scenario files have problems:\n"
                       + "\n".join(problems))
    scenarios = _with_set_all(scenarios, args)
    out = Path(args.out) if args.out else Path("results") / "compare"
    with result_folder(out, kind="comparison") as stage:  # locked before any work: a second run fails now
        written, lines = _compare_into(args, scenarios, stage)
    if not args.quiet:
        print("\n".join(lines))
        _print_written(written, time.perf_counter() - t0, 20)
    return 0


def _with_set_all(scenarios, args) -> list:
    """Every scenario with the changes of ``--set`` (a common change of assumptions), each keeping its name.

    Every problem of every scenario at once: one met by every scenario is
    listed once, one met by some only names them.
    """
    changed, found = [], []
    for sc in scenarios:
        try:
            changed.append(_with_set(sc, args, name=sc.name))
        except AssignmentError as exc:
            found.append((sc.name, exc.problems))
    if not found:
        return changed
    counts: dict[str, int] = {}
    for _, problems in found:
        for p in problems:
            counts[str(p)] = counts.get(str(p), 0) + 1
    out = []
    for name, problems in found:
        for p in problems:
            every = counts[str(p)] == len(scenarios)
            out.append(p if every else Problem(f"{p.file} (scenario {name!r})", p.line, p.key_path, p.value,
                                               p.expected, p.hint))
    raise AssignmentError(out)


def _compare_into(args, scenarios, stage) -> tuple[dict, list[str]]:
    """Project, compare and write into the staged folder; the files written and the lines to print."""
    results = [project(sc) for sc in scenarios]
    names = [str(r.dataset.attrs.get("scenario_name", "")) for r in results]
    ref = args.reference
    if ref.lstrip("-").isdigit():
        reference = int(ref)
    elif ref in names:
        reference = ref
    elif ref in args.scenario:
        reference = args.scenario.index(ref)
    else:
        raise CLIError(f"--reference {ref!r}: not a scenario name {names}, a file given or an index "
                       f"(0 to {len(names) - 1})")
    comparison = compare(results, reference=reference,
                         milestones=args.milestones if args.milestones else DEFAULT_MILESTONES)
    rests_on(comparison.projections[comparison.reference])  # the reference's banner, in every file written
    stage.scenario = str(comparison.reference)
    written = comparison.write(stage.path)
    written["html"] = stage.final(comparison.to_html(stage.path / "report.html"))
    lines: list[str] = []
    if not args.quiet:
        lines.append(f"ssproj {__version__}: {len(results)} scenarios, reference {comparison.reference!r}")
        lines += [line.replace("changed with --set", "changed in every scenario with --set", 1)
                  for line in _set_lines(args)]
        if comparison.assumption_banner:
            lines += [wrap_lines(comparison.assumption_banner), ""]
        lines.append(_format_comparison(comparison.table(), currency=comparison.currency))
        if "decomposition" in written:
            dec = comparison.decomposition()[["change", "demography", "coverage", "policy"]]
            lines.append("")
            lines.append("Change in PAYG cost rate vs the reference and its decomposition [share of insured earnings]:")
            lines.append(dec.to_string(float_format=lambda v: f"{v:.4f}"))
        lines.append("")
    return written, lines


def _cmd_solve(args) -> int:
    t0 = time.perf_counter()
    scenario = _with_set(load_scenario(args.scenario), args)
    if scenario.path is None:  # pragma: no cover - a file was given
        raise CLIError("solve needs a scenario file")
    out = _out_dir(args.out, scenario.name, "_solved")
    written = {}
    with result_folder(out, kind="solve", scenario=scenario.name) as stage:
        result = solve(scenario, args.spec)
        extends = None
        if args.set:  # the scenario solved is SCENARIO with the --set changes: written, and extended by the solution
            extends = _write_set_scenario(scenario, args, stage.path / "scenario.yaml")
            written["scenario"] = stage.final(extends)
        written["solution"] = stage.final(result.to_yaml(stage.path / "solution.yaml", extends=extends))
        written["summary"] = stage.final(write_text_atomic(stage.path / "summary.csv",
                                                           result.projection.summary().to_csv()))
    if not args.quiet:
        print(f"ssproj {__version__}: solve scenario {scenario.name!r} ({scenario.start_year}-{scenario.end_year})")
        for line in _set_lines(args):
            print(line)
        print(result.report())
        print()
        _print_written(written, time.perf_counter() - t0, 9)
    return 0


def _write_set_scenario(scenario, args, path: Path) -> Path:
    """A scenario file: SCENARIO (``extends``, relative to `path`) with the changes of ``--set``."""
    base = Path(args.scenario).resolve()
    data = {"name": scenario.name, "extends": Path(os.path.relpath(base, path.parent.resolve())).as_posix(),
            "description": f"{scenario.description.strip()} Changed with ssproj --set: {'; '.join(args.set)}".strip(),
            "changes": parse_assignments(args.set)[0]}  # (valid: the scenario was made from them)
    return write_text_atomic(path, "# Written by ssproj solve: the scenario solved.\n" + dump_yaml(data))


def _cmd_calibrate(args) -> int:
    t0 = time.perf_counter()
    scenario = load_scenario(args.scenario)
    if scenario.path is None:  # pragma: no cover - a file was given
        raise CLIError("calibrate needs a scenario file")
    out = _out_dir(args.out, scenario.name, "_calibrated")
    result = calibrate(scenario, args.targets, rtol=args.rtol)
    written = result.write(out)
    if not args.quiet:
        print(f"ssproj {__version__}: calibrate scenario {scenario.name!r} ({scenario.start_year}-{scenario.end_year})")
        print(result.report())
        print()
        _print_written(written, time.perf_counter() - t0, 8)
    return 0


def _cmd_backcast(args) -> int:
    t0 = time.perf_counter()
    result = backcast(args.spec)
    out = _out_dir(args.out, result.rebuilds.name, "_backcast")
    written = result.write(out)
    if not args.quiet:
        print(f"ssproj {__version__}: backcast {args.spec} ({int(result.history.value('valuation_year')) + 1}-"
              f"{result.valuation_year})")
        print(result.report())
        if result.calibration is not None:
            print()
            print(result.calibration.report())
        print()
        _print_written(written, time.perf_counter() - t0, 14)
    return 0


def _cmd_sensitivity(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t0 = time.perf_counter()
    scenario = _with_set(load_scenario(args.scenario), args)
    metrics = list(DEFAULT_METRICS)
    if args.metric and args.metric not in metrics:
        metrics.append(args.metric)
    metric = args.metric or "gap_75"
    out = _out_dir(args.out, scenario.name, "_sensitivity")
    with result_folder(out, kind="sensitivity", scenario=scenario.name) as stage:
        result = sensitivity(scenario, metrics=metrics)
        stage.inputs_sha256 = inputs_sha256(dict(scenario.provenance))
        written = {"csv": result.to_csv(stage.path), "excel": result.to_excel(stage.path / "sensitivity.xlsx")}
        ax = result.tornado(metric)
        try:
            with atomic_path(stage.path / "tornado.png", suffix=".png") as tmp:
                ax.figure.savefig(tmp, format="png", dpi=150, bbox_inches="tight")
        finally:
            plt.close(ax.figure)
        written["tornado"] = stage.path / "tornado.png"
        # what the figures rest on: the scenario's files, assumption set, sources and changes (--set)
        written["provenance"] = write_text_atomic(stage.path / "provenance.json", json.dumps(
            dict(scenario.provenance), indent=2, sort_keys=True, default=str) + "\n")
    written = {role: stage.final(p) for role, p in written.items()}
    if not args.quiet:
        print(f"ssproj {__version__}: sensitivity of scenario {scenario.name!r} "
              f"({scenario.start_year}-{scenario.end_year}), {len(result.factors)} factors")
        for line in _set_lines(args):
            print(line)
        table = result.table().drop(columns=["description", "unit"])
        with pd.option_context("display.width", 200, "display.max_rows", 500):
            print(table.to_string(float_format=lambda v: f"{v:.4g}"))
        print()
        print(f"{metric}, largest swing first [{result.units[metric]}]:")
        print(result.ranking(metric)[["low", "central", "high", "swing"]].to_string(float_format=lambda v: f"{v:.4g}"))
        print()
        _print_written(written, time.perf_counter() - t0, 10)
    return 0


def _backend_args(args):
    if args.workers is not None and args.scheduler is not None:
        raise CLIError("give --workers or --scheduler, not both")
    return {"workers": args.workers, "scheduler": args.scheduler}


def _cmd_stochastic(args) -> int:
    t0 = time.perf_counter()
    scenario = _with_set(load_scenario(args.scenario), args)
    backend = _backend_args(args)
    out = _out_dir(args.out, scenario.name, "_stochastic")
    if not args.quiet and args.scheduler is None and not paths_kernel_cached():
        # Numba compiles the kernel of the paths on its first call and caches it on disk: say why the first run waits
        print(f"compiling the stochastic kernels (first run only, about {STOCHASTIC_COMPILE_SECONDS} s)...",
              file=sys.stderr, flush=True)
    name = "paths.nc" if args.format == "netcdf" else "paths.zarr"
    # the paths store is written inside the staged folder, under the folder's lock, and published with it
    with result_folder(out, kind="stochastic", scenario=scenario.name) as stage:
        result = stochastic(scenario, args.paths, args.seed, out=stage.path / name, chunk_size=args.chunk_size,
                            progress=not args.quiet and not args.no_progress, **backend)
        try:
            written = {"paths": stage.final(stage.path / name), **result.write(stage.path)}
            lines = [] if args.quiet else _stochastic_lines(args, scenario, result)
        finally:
            result.dataset.close()  # the store is renamed with its folder: no file left open in it
    if not args.quiet:
        print("\n".join(lines))
        _print_written(written, time.perf_counter() - t0, 26)
    return 0


def _stochastic_lines(args, scenario, result) -> list[str]:
    """What ``ssproj stochastic`` prints (computed before the folder is published: the store is read)."""
    where = (f"local Dask cluster, {args.workers} workers" if args.workers else
             f"Dask scheduler {args.scheduler}" if args.scheduler else "in-process")
    lines = [f"ssproj {__version__}: {result.n_paths} stochastic paths of scenario {scenario.name!r}, "
             f"seed {result.dataset.attrs['seed']} ({where}; model: {result.provenance['stochastic_model_origin']})"]
    lines += _set_lines(args)
    with pd.option_context("display.width", 200):
        lines.append(result.summary().to_string(float_format=lambda v: f"{v:.4g}"))
    dep = result.depletion_year()
    lines.append(f"paths whose reserve is exhausted by {int(result.dataset['year'].values[-1])}: "
                 f"{dep.notna().mean():.1%}; median year of exhaustion: "
                 f"{dep.median():.0f}" if dep.notna().any() else "no path exhausts the reserve")
    return lines


def _cmd_sweep(args) -> int:
    t0 = time.perf_counter()
    spec = load_sweep(args.spec)
    backend = _backend_args(args)
    out = _out_dir(args.out, spec.name, "_sweep")
    name = "sweep.nc" if args.format == "netcdf" else "sweep.zarr"
    with result_folder(out, kind="sweep", scenario=spec.name) as stage:
        result = sweep(spec, out=stage.path / name, chunk_size=args.chunk_size,
                       progress=not args.quiet and not args.no_progress, **backend)
        try:
            written = {"results": stage.final(stage.path / name), **result.write(stage.path)}
            lines = []
            if not args.quiet:
                lines.append(f"ssproj {__version__}: sweep {spec.name!r}, {len(spec.labels)} variants of scenario "
                             f"{result.dataset.attrs['scenario_name']!r}")
                with pd.option_context("display.width", 200, "display.max_rows", 200, "display.max_colwidth", 80):
                    lines.append(result.indicators().to_string(float_format=lambda v: f"{v:.4g}"))
        finally:
            result.dataset.close()
    if not args.quiet:
        print("\n".join(lines))
        _print_written(written, time.perf_counter() - t0, 14)
    return 0


def _cmd_robustness(args) -> int:
    t0 = time.perf_counter()
    scenarios, problems = [], []
    for path in [args.baseline, *args.option]:  # every file checked before any projection: all problems at once
        try:
            scenarios.append(load_scenario(path))
        except ScenarioError as exc:
            problems.append(str(exc))
    if problems:
        raise CLIError(f"{len(problems)} of {1 + len(args.option)} scenario files have problems:\n"
                       + "\n".join(problems))
    baseline, options = scenarios[0], scenarios[1:]
    backend = _backend_args(args)
    out = _out_dir(args.out, baseline.name, "_robustness")
    with result_folder(out, kind="robustness", scenario=baseline.name) as stage:
        result = robustness(baseline, options, grid=args.grid, points=args.points, ranges=args.range,
                            horizon=args.horizon, milestone=args.milestone, chunk_size=args.chunk_size,
                            progress=not args.quiet and not args.no_progress, **backend)
        stage.inputs_sha256 = inputs_sha256(result.provenance_record())
        written = result.write(stage.path)
    written = {role: stage.final(p) for role, p in written.items()}
    if not args.quiet:
        g = result.grid
        where = (f"local Dask cluster, {args.workers} workers" if args.workers else
                 f"Dask scheduler {args.scheduler}" if args.scheduler else "in-process")
        print(f"ssproj {__version__}: robustness of {len(options)} options against {baseline.name!r}: {g.mode} grid "
              f"of {len(g.axes)} plausible ranges, {g.n_points} points ({where})")
        t = result.table()
        shown = pd.DataFrame({
            "central": t["central"], "min": t["min"], "max": t["max"], "sign": t["sign"],
            "sign holds": [("yes" if h else f"no {s:.0%}") for h, s in zip(t["sign_holds"], t["share_same_sign"],
                                                                             strict=True)],
            "rank": t["rank"],
            "rank holds": [("yes" if h else f"no {s:.0%}") for h, s in zip(t["rank_holds"], t["share_same_rank"],
                                                                             strict=True)]})
        with pd.option_context("display.width", 200, "display.max_rows", 1000):
            print(shown.to_string(float_format=lambda v: f"{v:.4g}"))
        fails = result.summary().split("## What does not hold", 1)[1].strip()
        print()
        print("What does not hold:")
        print(fails)
        print()
        _print_written(written, time.perf_counter() - t0, 10)
    return 0


def _cmd_explore(args) -> int:
    scenario = load_scenario(args.scenario)
    reference = load_scenario(args.reference) if args.reference else None
    options = [load_scenario(path) for path in args.option or ()]
    serve_explorer(scenario, port=args.port, address=args.address, reference=reference, options=options,
                   show=args.show)
    return 0


def _cmd_import_wpp(args) -> int:
    variants = None if args.variants is None else [v.strip() for v in args.variants.split(",") if v.strip()]
    path = import_wpp(args.source, args.country, args.out, name=args.name, overwrite=args.overwrite,
                      currency=args.currency, variants=variants)
    print(f"wrote assumption set {path}")
    written = load_assumptions(path)  # the set as a scenario will read it
    if written.variants:
        print(f"demographic variants (a scenario's demographic_variant): {', '.join(written.variants)}")
    return 0


def _cmd_ingest(args) -> int:
    t0 = time.perf_counter()
    groups = [g.strip() for g in args.groups.split(",") if g.strip()] if args.groups is not None else None
    result = ingest_registers(args.members, args.pensions, valuation_year=args.valuation_year, groups=groups,
                              earnings_floor=args.floor, earnings_ceiling=args.ceiling,
                              minimum_pension=args.minimum_pension, maximum_pension=args.maximum_pension,
                              column_map=args.column_map, members_sheet=args.members_sheet,
                              pensions_sheet=args.pensions_sheet)
    written = result.write(args.out)
    if not args.quiet:
        print(f"ssproj {__version__}: member registers at 31 December {result.valuation_year}")
        print(result.summary())
        print()
        _print_written(written, time.perf_counter() - t0, 10)
    return 0


def _add_set_option(p, what: str = "the scenario") -> None:
    """``--set KEY=VALUE`` (repeatable): a change of `what`, validated like a scenario's ``changes:``."""
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help=f"change a parameter of {what}, validated like a scenario's 'changes:' and recorded in the "
                        "provenance (repeatable), e.g. 'contribution_rate_employer[private]=0.07' or "
                        "'wage_growth={2030: 0.04, 2040: 0.035}'")


def _add_chunked_options(p, default_out: str, unit: str, chunk_size: int, file_kind: str | None = None) -> None:
    """Options shared by the commands that run chunks in-process or on Dask (stochastic, sweep)."""
    p.add_argument("--out", help=f"output directory (default: {default_out})")
    p.add_argument("--chunk-size", type=_positive_int, default=chunk_size,
                   help=f"{unit} per task (default {chunk_size})")
    p.add_argument("--format", choices=("zarr", "netcdf"), default="zarr",
                   help=f"{file_kind or unit} file format (default zarr)")
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="run on a local Dask cluster with N worker processes")
    p.add_argument("--scheduler", default=None, help="run on the dask.distributed scheduler at this address")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ssproj`` command."""
    parser = argparse.ArgumentParser(
        prog="ssproj",
        description="Actuarial projections of social security funds.",
        epilog="Run 'ssproj COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"ssproj {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help="validate and project a scenario, write results",
                       description="Validate SCENARIO, project it, print the headline figures and a table at "
                                   "milestone years (the whole summary with --full) and write netCDF and CSV "
                                   "results to --out.")
    p.add_argument("scenario", help="scenario YAML file")
    _add_set_option(p)
    p.add_argument("--out", help="output directory (default: results/<scenario name>)")
    p.add_argument("--milestones", type=_year_list, default=None,
                   help="years of the printed table besides the first and last, comma-separated "
                        "(default 2030,2040,2050,2075,2100)")
    p.add_argument("--full", action="store_true",
                   help="print every figure of the summary, every --every years, instead of the milestone table")
    p.add_argument("--every", type=_positive_int, default=10,
                   help="with --full: years between the columns of the printed summary (default 10)")
    p.add_argument("--html", action="store_true",
                   help="also write report.html: a self-contained HTML report with charts")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("report", help="print the summary of an existing result",
                       description="Read RESULTS (a results.nc file or the folder 'ssproj run' wrote) and print "
                                   "what 'ssproj run' printed: the headline figures, the banner of assumed inputs "
                                   "saved with it and a table at milestone years (the whole summary with --full); "
                                   "optionally write the Excel workbook and an HTML report.")
    p.add_argument("results", help="results.nc or a results folder")
    p.add_argument("--milestones", type=_year_list, default=None,
                   help="years of the printed table besides the first and last, comma-separated "
                        "(default 2030,2040,2050,2075,2100)")
    p.add_argument("--full", action="store_true",
                   help="print every figure of the summary, every --every years, instead of the milestone table")
    p.add_argument("--every", type=_positive_int, default=10,
                   help="with --full: years between the columns of the printed summary (default 10)")
    p.add_argument("--excel", help="also write the tables to this .xlsx file")
    p.add_argument("--html", metavar="FILE",
                   help="also write a self-contained HTML report (charts, tables, provenance) to this file")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("assumptions", help="list every input of a scenario with its value, source and confidence",
                       description="List the parameters, strategy channels and tables of SCENARIO with their "
                                   "value, the layer that set them, their source and confidence mark.")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--confidence", action="append", choices=(*CONFIDENCE_LEVELS, UNMARKED),
                   help="show only inputs with this confidence (repeatable)")
    p.add_argument("--all", action="store_true", help="also the parameters left at ssproj's generic defaults")
    p.add_argument("--csv", help="also write the full table (every input, with notes) to this CSV file")
    p.set_defaults(func=_cmd_assumptions)

    p = sub.add_parser("validate", help="check scenario files and report every problem",
                       description="Load and validate each SCENARIO; print 'ok' or all problems (exit 1).")
    p.add_argument("scenario", nargs="+", help="scenario YAML file(s)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("compare", help="project several scenarios and compare them side by side",
                       description="Validate and project each SCENARIO, print the comparison table and write "
                                   "comparison.xlsx, CSV tables (comparison, differences, relative "
                                   "differences, cost-rate decomposition) and report.html (a self-contained "
                                   "HTML report with charts) to --out.")
    p.add_argument("scenario", nargs="+", help="two or more scenario YAML files")
    _add_set_option(p, "every scenario (a common change of assumptions)")
    p.add_argument("--reference", default="0",
                   help="reference scenario: its name, its file or its index in the list (default 0, the first)")
    p.add_argument("--out", help="output directory (default: results/compare)")
    p.add_argument("--milestones", type=_year_list, default=None,
                   help="milestone years, comma-separated (default 2030,2040,2050,2075,2100)")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("solve", help="find the lowest lever values that meet financial targets",
                       description="Find the lowest lever values (contribution rate or pensionable age steps, "
                                   "parameter levels) of SPEC that meet its targets (reserve ratio, no depletion, "
                                   "indicator bounds) starting from SCENARIO; print the answer and write "
                                   "solution.yaml (a scenario extending SCENARIO) and summary.csv to --out. "
                                   "An infeasible target is reported with the closest result (exit 0).")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("spec", help="solve spec YAML file (levers and targets)")
    _add_set_option(p, "the scenario solved (written to scenario.yaml, which solution.yaml extends)")
    p.add_argument("--out", help="output directory (default: results/<scenario name>_solved)")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_cmd_solve)

    p = sub.add_parser("calibrate", help="adjust parameters so the projection reproduces a fund's aggregates",
                       description="Multiply the parameters each target of TARGETS adjusts (coverage, earnings "
                                   "level, contribution density, admin cost rate, or the parameter its 'adjust:' "
                                   "names) by constant factors so that the projection of SCENARIO reproduces the "
                                   "fund's figures (active members, insured earnings, contributions, ...); print "
                                   "the reconciliation and write calibrated.yaml (a scenario extending SCENARIO), "
                                   "reconciliation.csv and reconciliation.md to --out, as one folder. A target "
                                   "that cannot be met is reported as such (exit 0).")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("targets", help="targets YAML file (the fund's aggregates for projected years)")
    p.add_argument("--out", help="output directory (default: results/<scenario name>_calibrated)")
    p.add_argument("--rtol", type=float, default=1e-6,
                   help="a target is met when |model - target| <= rtol * |target| (default 1e-6)")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_cmd_calibrate)

    p = sub.add_parser("backcast", help="build base stocks and reserves by running the scheme from its start",
                       description="Run the history scenario of SPEC (each insured group from its start, under its "
                                   "historical rules; first calibrated to the known member counts of SPEC, if "
                                   "any) to the valuation date of the scenario SPEC rebuilds; print its stocks, "
                                   "reserves and the comparison with SPEC's published figures; write insured.csv "
                                   "and pensioners.csv (the stocks at 31 December of the valuation year), "
                                   "backcast.yaml (the rebuilt scenario: it extends the scenario with those tables "
                                   "and reserves), comparison.csv, history.csv and backcast.md to --out, as one "
                                   "folder.")
    p.add_argument("spec", help="back-cast spec YAML file (history, rebuilds, known, published)")
    p.add_argument("--out", help="output directory (default: results/<rebuilt scenario name>_backcast)")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_cmd_backcast)

    p = sub.add_parser("sensitivity", help="one-at-a-time sensitivity analysis with a tornado chart",
                       description="Project SCENARIO and, for each default factor (fertility, mortality, wage "
                                   "growth, inflation, investment return, coverage, contribution density, lapse "
                                   "rate, retirement age), a low (unfavourable) and a high variant; print the "
                                   "effects on the metrics and write sensitivity.csv, sensitivity.xlsx and "
                                   "tornado.png to --out.")
    p.add_argument("scenario", help="scenario YAML file")
    _add_set_option(p, "the central scenario")
    p.add_argument("--out", help="output directory (default: results/<scenario name>_sensitivity)")
    p.add_argument("--metric", default=None,
                   help="metric of the tornado chart (default gap_75), added to the table if not a default "
                        "metric, e.g. reserve_ratio_2050, depletion_year, total_population_2050")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_cmd_sensitivity)

    p = sub.add_parser("stochastic", help="stochastic projection: many paths with correlated shocks",
                       description="Run --paths stochastic paths of SCENARIO (economic VAR shocks, Lee-Carter "
                                   "mortality, fertility level; the model of the scenario's 'stochastic:' block "
                                   "or the defaults) and write the paths (Zarr or netCDF, chunk by chunk), "
                                   "percentiles, the probability of depletion, fan charts and provenance to --out.")
    p.add_argument("scenario", help="scenario YAML file")
    _add_set_option(p)
    p.add_argument("--paths", type=_positive_int, default=1000, help="number of paths (default 1000)")
    p.add_argument("--seed", type=_seed, default=None,
                   help=f"seed, 0 to {MAX_SEED:,} (default: the scenario's seed)")
    _add_chunked_options(p, "results/<scenario name>_stochastic", "paths", 250)
    p.set_defaults(func=_cmd_stochastic)

    p = sub.add_parser("sweep", help="project a grid or list of scenario variants",
                       description="Project every variant of the sweep SPEC (a YAML file with a base 'scenario' "
                                   "and a 'grid' of parameter values or a list of 'variants') and write the "
                                   "results (Zarr or netCDF, with a 'scenario' dimension) and indicator tables "
                                   "to --out.")
    p.add_argument("spec", help="sweep spec YAML file")
    _add_chunked_options(p, "results/<sweep name>_sweep", "variants", 1, file_kind="results")
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("robustness", help="which conclusions about options hold over the plausible ranges",
                       description="Project BASELINE and each OPTION (coverage strategies and financing options "
                                   "extending it) at every point of a grid of the plausible ranges declared for "
                                   "the baseline's assumed inputs, and report for each option and decision "
                                   "measure its effect at the central point, its range over the grid, whether its "
                                   "sign and its rank among the options hold at every point, and which range "
                                   "breaks them; writes robustness.csv, effects.csv, grid.csv, robustness.md and "
                                   "provenance.json to --out.")
    p.add_argument("baseline", help="baseline scenario YAML file")
    p.add_argument("option", nargs="+", help="option scenario YAML files (each extends the baseline)")
    p.add_argument("--out", help="output directory (default: results/<baseline name>_robustness)")
    p.add_argument("--grid", choices=("corners", "full", "oat"), default="corners",
                   help="corners: every combination of the ranges' ends; full: every combination of --points "
                        "levels; oat: one range at a time (default corners)")
    p.add_argument("--points", type=_int_at_least(2), default=2,
                   help="levels from the low to the high end of each range, for full and oat (default 2)")
    p.add_argument("--range", action="append", default=None, metavar="NAME",
                   help="only this range (e.g. opening_reserve[long_term] or minimum_pension_ratio); repeatable "
                        "(default: every declared range)")
    p.add_argument("--horizon", type=_positive_int, default=75,
                   help="years of the GAP and the shortfall (default 75)")
    p.add_argument("--milestone", type=_positive_int, default=2050,
                   help="year of the contributors gained (default 2050)")
    p.add_argument("--chunk-size", type=_positive_int, default=1, help="grid points per task (default 1)")
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="run on a local Dask cluster with N worker processes")
    p.add_argument("--scheduler", default=None, help="run on the dask.distributed scheduler at this address")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_cmd_robustness)

    p = sub.add_parser("explore", help="interactive explorer: move levers, watch the headline figures and charts",
                       description="Start a local web app (Panel) over SCENARIO: levers (contribution rates, "
                                   "pensionable age, ceiling rule, indexation, state subsidy, deficit financing, "
                                   "the coverage strategy and its channels) applied as validated scenario changes; "
                                   "the headline figures and charts update at each move. Serves until Ctrl+C.")
    p.add_argument("scenario", help="scenario YAML file (with insured groups)")
    p.add_argument("--port", type=_int_at_least(0, 65535), default=5006,
                   help="port of the local server (default 5006; 0: any free port)")
    p.add_argument("--address", default="localhost", help="address to listen on (default localhost: this machine)")
    p.add_argument("--reference", metavar="SCENARIO",
                   help="scenario YAML file drawn as the reference line (default: SCENARIO as given)")
    p.add_argument("--option", action="append", metavar="SCENARIO",
                   help="another scenario YAML file to start from, chosen in the app (repeatable), e.g. the "
                        "shipped financing options scenarios/lao_fin_*.yaml")
    p.add_argument("--show", action="store_true", help="open the page in the default browser")
    p.set_defaults(func=_cmd_explore)

    p = sub.add_parser("import-wpp", help="build an assumption set from UN WPP 2024 CSV files",
                       description="Read one country from the UN World Population Prospects 2024 CSV files (the "
                                   "UN's downloads, https://population.un.org/wpp/downloads, or the tidy wpp2024 "
                                   "extracts) and write an ssproj assumption set, with the UN's other demographic "
                                   "variants (low, high, ...) as variants a scenario can select.")
    p.add_argument("--source", required=True,
                   help="folder with the UN's WPP2024_*.csv.gz files (or the tidy wpp2024 extracts)")
    p.add_argument("--country", required=True, type=_positive_int,
                   help="UN location code (LocID), e.g. 418 Lao PDR, 116 Cambodia")
    p.add_argument("--out", required=True, help="folder of the new assumption set, e.g. assumptions/lao")
    p.add_argument("--name", default=None, help="name of the assumption set (default: from the country name)")
    p.add_argument("--currency", default=None,
                   help="ISO 4217 code of the country's currency, e.g. KHR (default: known for 418, 704, 764; "
                        "else XXX, 'no currency')")
    p.add_argument("--variants", default=None, metavar="NAMES",
                   help="comma-separated demographic variants to import besides the medium one, e.g. low,high "
                        "(default: every variant the files hold that can be built; '' for none)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing assumption set")
    p.set_defaults(func=_cmd_import_wpp)

    p = sub.add_parser("ingest", help="build the insured and pensioners tables from a fund's member registers",
                       description="Read a fund's members register (one row per member) and, optionally, its "
                                   "pensions register (one row per pension in payment) from CSV, Excel (.xlsx) or "
                                   "Parquet files; check every row; write the insured and pensioners tables at 31 "
                                   "December of --valuation-year (the format of an assumption set's scheme "
                                   "tables) and the data-quality report (data_quality.md, data_quality.csv, "
                                   "data_quality_rows.csv) to --out, as one folder. Rows failing a blocking check "
                                   "are left out of the tables and counted in the report.")
    p.add_argument("--members", required=True, metavar="FILE", help="members register (.csv, .xlsx or .parquet)")
    p.add_argument("--pensions", metavar="FILE", help="pensions register (.csv, .xlsx or .parquet)")
    p.add_argument("--valuation-year", required=True, type=int, metavar="YEAR",
                   help="ages and dates are taken at 31 December of this year")
    p.add_argument("--out", required=True, help="output folder (written as a whole, replaced if it exists)")
    p.add_argument("--groups", metavar="A,B,C",
                   help="the insured groups of the assumption set, in its order (default: any group name)")
    p.add_argument("--floor", "--minimum-wage", type=float, metavar="AMOUNT", dest="floor",
                   help="count members whose last earnings are below this floor [currency/month]")
    p.add_argument("--ceiling", type=float, metavar="AMOUNT",
                   help="count members whose last earnings are above this ceiling [currency/month]")
    p.add_argument("--minimum-pension", type=float, metavar="AMOUNT",
                   help="count pensions below this amount [currency/month]")
    p.add_argument("--maximum-pension", type=float, metavar="AMOUNT",
                   help="count pensions above this amount [currency/month]")
    p.add_argument("--column-map", metavar="MAP.yaml",
                   help="YAML file: our field names -> the registers' column names, and their codes")
    p.add_argument("--members-sheet", metavar="NAME", help="sheet of an Excel members register (default: the first)")
    p.add_argument("--pensions-sheet", metavar="NAME", help="sheet of an Excel pensions register (default: the first)")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_cmd_ingest)
    return parser


def _format_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings on the command line: ``WARNING: <message>``, without Python's source line."""
    return f"WARNING: {message}\n"


def main(argv=None) -> int:
    """Run the ``ssproj`` command with `argv` (default: ``sys.argv[1:]``); returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    previous = warnings.formatwarning
    warnings.formatwarning = _format_warning
    try:
        code = args.func(args)
        sys.stdout.flush()  # here, not at exit: a reader that stopped early is seen below
        return code
    except KeyboardInterrupt:
        return _fail("interrupted")
    except BrokenPipeError:  # the reader stopped early (``ssproj report ... | head``): not an error
        _discard_stdout()
        return 0
    except AssignmentError as exc:  # a --set that is not a valid change: a usage error, every problem listed
        return _fail(str(exc), status=2)
    except (CLIError, ValueError, OSError) as exc:  # ScenarioError is a ValueError
        return _fail(str(exc))
    finally:
        warnings.formatwarning = previous


def _discard_stdout() -> None:
    """Send what is left for stdout to the null device (its reader is gone; Python's final flush would fail again)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def run() -> None:
    """The ``ssproj`` console command: :func:`main`, then a quick exit.

    Every result is written, closed and renamed into place before
    :func:`main` returns. The interpreter's shutdown would then run the
    garbage collector over every object the run created (the compiled
    kernels' type system alone holds hundreds of thousands), about 0.35 s
    of each command; the collector is switched off and the surviving
    objects frozen (:func:`gc.freeze`) before the normal exit, which still
    runs the ``atexit`` handlers and flushes the output streams.
    """
    code: int | str | None
    try:
        code = main()
    except SystemExit as exc:  # argparse's exit (--help, --version, usage errors), after the flush below
        code = exc.code
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # ``ssproj --help | head -1``: the reader stopped early, not an error
        _discard_stdout()
    gc.disable()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
