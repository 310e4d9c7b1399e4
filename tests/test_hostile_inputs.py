"""Hostile inputs and faults, through the command line: each gives a clear message and the right exit code.

One row per case: the files it writes (``{LAO}`` stands for the Lao baseline
scenario, ``{TMP}`` for the case's folder), the command, the exit code and
fragments of the exact message (stderr). No case may print a traceback.
Exit codes: 1 for bad input or a failed run (``ERROR:`` lines, or the
problems of ``validate``), 2 for bad command-line values (argparse, before
any work).
"""
import json
import os
import socket
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from ssproj.cli import main

ROOT = Path(__file__).resolve().parents[1]
LAO = (ROOT / "scenarios" / "lao_baseline.yaml").as_posix()
TINY = (ROOT / "tests" / "data" / "scenarios" / "base.yaml").as_posix()


def _scenario(body: str, name: str = "x") -> str:
    return f"name: {name}\nextends: {{LAO}}\n{body}"


def _foreign_netcdf(path: Path) -> None:
    xr.Dataset({"temperature": (("t",), np.arange(3.0))}).to_netcdf(path)


def _truncated_netcdf(path: Path) -> None:
    _foreign_netcdf(path)
    path.write_bytes(path.read_bytes()[:300])


def _held_lock(path: Path) -> None:  # a live process (this one) writing the folder
    path.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "token": "t"}) + "\n")


def _run_result(path: Path) -> None:  # a complete result folder, then one of its files altered
    assert main(["run", LAO, "--quiet", "--out", str(path.parent / "res")]) == 0
    (path.parent / "res" / "summary.csv").write_text("year\n2020\n")


CASES = [
    # -- scenario files: YAML
    ("yaml-syntax", {"s.yaml": "name: x\nextends: {LAO}\nchanges: [1, 2\n"}, ["validate", "{TMP}/s.yaml"], 1,
     ["s.yaml:4: invalid YAML"]),
    ("yaml-deep-flow", {"s.yaml": _scenario("changes:\n  x: " + "[" * 2000 + "]" * 2000 + "\n")},
     ["validate", "{TMP}/s.yaml"], 1, ["s.yaml: is nested too deeply to be read (more than 64 levels"]),
    ("yaml-deep-block", {"s.yaml": _scenario("changes:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(80))
                                             + "  " * 81 + "v: 1\n")},
     ["validate", "{TMP}/s.yaml"], 1, ["is nested too deeply to be read (more than 64 levels of mappings or lists)"]),
    ("yaml-recursive-alias", {"s.yaml": "name: x\nextends: {LAO}\nchanges: &a [1, *a]\n"},
     ["validate", "{TMP}/s.yaml"], 1, ["recursive alias"]),
    ("yaml-duplicate-key", {"s.yaml": "name: x\nname: y\nextends: {LAO}\n"}, ["validate", "{TMP}/s.yaml"], 1,
     ["s.yaml:2: name: duplicate key"]),
    ("yaml-not-utf8", {"s.yaml": b"name: \xff\xfe\n"}, ["validate", "{TMP}/s.yaml"], 1, ["is not UTF-8 text"]),
    ("yaml-python-tag", {"s.yaml": "name: !!python/object/apply:os.system ['echo hi']\nextends: {LAO}\n"},
     ["validate", "{TMP}/s.yaml"], 1, ["s.yaml:1:"]),
    ("scenario-missing", {}, ["validate", "{TMP}/nothere.yaml"], 1, ["file not found"]),
    ("scenario-unknown-key", {"s.yaml": _scenario("descripton: hi\n")}, ["validate", "{TMP}/s.yaml"], 1,
     ["s.yaml:3: descripton: unknown key in a scenario; did you mean 'description'?"]),
    ("extends-missing", {"s.yaml": "name: x\nextends: nothere.yaml\n"}, ["validate", "{TMP}/s.yaml"], 1,
     ["nothere.yaml"]),
    ("extends-cycle", {"a.yaml": "name: a\nextends: b.yaml\n", "b.yaml": "name: b\nextends: a.yaml\n"},
     ["validate", "{TMP}/a.yaml"], 1, ["cycle"]),
    # -- ranges
    ("seed-huge", {"s.yaml": _scenario("seed: 100000000000000000000000000\n")}, ["validate", "{TMP}/s.yaml"], 1,
     ["s.yaml:3: seed = 100000000000000000000000000 must be an integer from 0 to 9,223,372,036,854,775,807"]),
    ("seed-negative", {"s.yaml": _scenario("seed: -1\n")}, ["validate", "{TMP}/s.yaml"], 1,
     ["s.yaml:3: seed = -1 must be an integer from 0 to"]),
    ("horizon-2500", {"s.yaml": _scenario("projection: {end_year: 2500}\n")}, ["validate", "{TMP}/s.yaml"], 1,
     ["projection.end_year = 2500 is more than 150 years after start_year (2020)"]),
    ("end-before-start", {"s.yaml": _scenario("projection: {start_year: 2020, end_year: 2019}\n")},
     ["validate", "{TMP}/s.yaml"], 1, ["projection.end_year = 2019 must be after start_year (2020)"]),
    ("growth-2e10", {"s.yaml": _scenario("changes:\n  wage_growth: 2.0e10\n")}, ["validate", "{TMP}/s.yaml"], 1,
     ["changes.wage_growth = 20000000000.0 is outside [-0.2, 2] (range declared in ssproj defaults.yaml)"]),
    ("rate-over-1", {"s.yaml": _scenario("changes:\n  contribution_rate_employer: {private: 1.5}\n")},
     ["validate", "{TMP}/s.yaml"], 1, ["changes.contribution_rate_employer.private = 1.5 is outside [0, 1]"]),
    ("unknown-parameter", {"s.yaml": _scenario("changes:\n  wage_growht: 0.03\n")}, ["validate", "{TMP}/s.yaml"], 1,
     ["changes.wage_growht: unknown parameter; did you mean 'wage_growth'?"]),
    ("unknown-group", {"s.yaml": _scenario("changes:\n  coverage_rate: {volunteer: 0.1}\n")},
     ["validate", "{TMP}/s.yaml"], 1, ["changes.coverage_rate.volunteer: unknown insured group"]),
    # -- accepted but never used
    ("change-after-horizon", {"s.yaml": _scenario("changes:\n  wage_growth: {2150: 0.05}\n")},
     ["validate", "{TMP}/s.yaml"], 1,
     ["s.yaml:4: changes.wage_growth: starts in 2150, after the projection's end year 2100: it cannot change "
      "the result"]),
    ("band-on-wage-group", {"s.yaml": _scenario("changes:\n  declared_income_min_ratio: {private: 0.5}\n")},
     ["validate", "{TMP}/s.yaml"], 1,
     ["changes.declared_income_min_ratio.private: acts only for a group with contribution_base: "
      "declared_income, and 'private' has contribution_base: wage"]),
    ("domestic-share-female", {"s.yaml": _scenario(
        "strategy:\n  name: s\n  channels:\n    dom:\n      kind: domestic_workers\n      group: private\n"
        "      start_year: 2026\n      registration_share: 0.1\n      share_female: 0.7\n")},
     ["validate", "{TMP}/s.yaml"], 1,
     ["s.yaml:11: strategy.channels.dom.share_female: not taken by a channel of kind domestic_workers"]),
    ("lower-floor-wage-group", {"s.yaml": _scenario(
        "strategy:\n  name: s\n  channels:\n    f:\n      kind: lower_floor\n      group: private\n"
        "      start_year: 2026\n      declared_income_min_ratio: 0.5\n")},
     ["validate", "{TMP}/s.yaml"], 1,
     ["strategy.channels.f.declared_income_min_ratio: a lower_floor channel sets declared_income_min_ratio, "
      "which acts only for a group with contribution_base: declared_income"]),
    ("channel-after-horizon", {"s.yaml": _scenario(
        "strategy:\n  name: s\n  channels:\n    p:\n      kind: promoters\n      group: voluntary\n"
        "      start_year: 2150\n      promoters: 10\n      registrations_per_promoter: 5\n")},
     ["validate", "{TMP}/s.yaml"], 1, ["strategy.channels.p.start_year = 2150 is outside the projection years"]),
    ("stochastic-start-outside", {"s.yaml": _scenario("stochastic:\n  start_year: 2150\n")},
     ["validate", "{TMP}/s.yaml"], 1,
     ["s.yaml:4: stochastic.start_year = 2150 is outside the projection years after the first, 2021-2100"]),
    ("lee-carter-before-data", {"s.yaml": _scenario("stochastic:\n  mortality: {model: lee_carter, fit_from: 1900}\n")},
     ["validate", "{TMP}/s.yaml"], 1,
     ["stochastic.mortality.fit_from = 1900 is outside the periods of the mortality table"]),
    # -- tables
    ("table-system-file", {"s.yaml": _scenario("tables:\n  population: {TMP}/passwd\n"),
                           "passwd": "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin\n"},
     ["validate", "{TMP}/s.yaml"], 1,
     ["passwd:1: table population: the first line has no column of this table",
      "is this the right file? (its content is not shown)"]),
    ("table-binary", {"s.yaml": _scenario("tables:\n  population: {TMP}/bin.csv\n"), "bin.csv": b"\x00\x01\xff\xfe"},
     ["validate", "{TMP}/s.yaml"], 1, ["bin.csv: table population: not UTF-8 text"]),
    ("table-missing", {"s.yaml": _scenario("tables:\n  population: {TMP}/nothere.csv\n")},
     ["validate", "{TMP}/s.yaml"], 1, ["nothere.csv"]),
    # -- solve specs
    ("solve-misspelt-until", {"spec.yaml": "levers:\n  - {type: contribution_rate, start_year: 2030, max_step: 0.01}\n"
                                           "targets:\n  - {name: reserve_ratio, op: '>=', value: 1, untill: 2060}\n"},
     ["solve", LAO, "{TMP}/spec.yaml", "--out", "{TMP}/o"], 1,
     ["spec.yaml:4: targets[0].untill: unknown key in a target; did you mean 'until'?"]),
    ("solve-wrong-type", {"spec.yaml": "levers: 5\ntargets: [reserve_ratio >= 1 until 2050]\n"},
     ["solve", LAO, "{TMP}/spec.yaml", "--out", "{TMP}/o"], 1, ["spec.yaml:1: levers = 5 must be a non-empty list"]),
    ("solve-window-before-projection", {"spec.yaml": "levers:\n  - {type: contribution_rate, start_year: 2030, "
                                                     "max_step: 0.01}\ntargets: [reserve_ratio >= 1 until 1999]\n"},
     ["solve", LAO, "{TMP}/spec.yaml", "--out", "{TMP}/o"], 1, ["targets[0]", "1999"]),
    ("solve-lever-after-horizon", {"spec.yaml": "levers:\n  - {type: contribution_rate, start_year: 2150, "
                                                "max_step: 0.01}\ntargets: [reserve_ratio >= 1 until 2050]\n"},
     ["solve", LAO, "{TMP}/spec.yaml", "--out", "{TMP}/o"], 1, ["levers[0].start_year = 2150"]),
    ("solve-several-problems", {"spec.yaml": "levers:\n  - {type: contribution_rate, start_year: 2030, max_step: x}\n"
                                             "targets:\n  - {name: reserve_ratio, op: '>=', value: 1, untill: 2060}\n"},
     ["solve", LAO, "{TMP}/spec.yaml", "--out", "{TMP}/o"], 1, ["levers[0].max_step = 'x'", "targets[0].untill"]),
    # -- sweep specs
    ("sweep-duplicate-variants", {"sw.yaml": f"name: sw\nscenario: {LAO}\nvariants:\n"
                                             "  - {name: a, changes: {wage_growth: 0.04}}\n"
                                             "  - {name: a, changes: {wage_growth: 0.05}}\n"},
     ["sweep", "{TMP}/sw.yaml", "--out", "{TMP}/o"], 1, ["variants[1].name = 'a' is also the name of variants[0]"]),
    # -- command-line values (exit 2, before any work)
    ("cli-every-0", {}, ["run", LAO, "--every", "0", "--out", "{TMP}/o"], 2,
     ["argument --every: expected an integer >= 1, got 0"]),
    ("cli-paths-0", {}, ["stochastic", LAO, "--paths", "0", "--out", "{TMP}/o"], 2,
     ["argument --paths: expected an integer >= 1, got 0"]),
    ("cli-chunk-size-0", {}, ["stochastic", LAO, "--chunk-size", "0", "--out", "{TMP}/o"], 2,
     ["argument --chunk-size: expected an integer >= 1, got 0"]),
    ("cli-seed-negative", {}, ["stochastic", LAO, "--seed", "-1", "--out", "{TMP}/o"], 2,
     ["argument --seed: expected an integer from 0 to 9,223,372,036,854,775,807, got -1"]),
    ("cli-seed-huge", {}, ["stochastic", LAO, "--seed", str(10**26), "--out", "{TMP}/o"], 2,
     ["argument --seed: expected an integer from 0 to"]),
    # -- result files and folders
    ("report-foreign-netcdf", {"f.nc": _foreign_netcdf}, ["report", "{TMP}/f.nc"], 1,
     ["f.nc: not an ssproj result (a netCDF file without scenario_name, provenance, population)"]),
    ("report-truncated-netcdf", {"t.nc": _truncated_netcdf}, ["report", "{TMP}/t.nc"], 1,
     ["t.nc: cannot be read: the file is damaged (truncated or overwritten) or not a netCDF file"]),
    ("report-not-a-file", {}, ["report", "{TMP}/nothere.nc"], 1, ["nothere.nc"]),
    ("report-folder-without-manifest", {"r/results.nc": _foreign_netcdf}, ["report", "{TMP}/r"], 1,
     ["no manifest.json: not a complete ssproj result folder"]),
    ("report-altered-folder", {"marker": _run_result}, ["report", "{TMP}/res"], 1,
     ["incomplete or altered result folder: summary.csv differs from the file written"]),
    ("out-is-a-foreign-folder", {"o/notes.txt": "my notes\n"}, ["run", LAO, "--quiet", "--out", "{TMP}/o"], 1,
     ["holds files ssproj did not write (notes.txt)"]),
    ("out-is-locked", {"o.lock": _held_lock}, ["run", LAO, "--quiet", "--out", "{TMP}/o"], 1,
     [f"is being written by another ssproj run (pid {os.getpid()})"]),
    ("out-under-a-file", {"afile": "not a folder\n"}, ["run", LAO, "--quiet", "--out", "{TMP}/afile/x"], 1,
     ["cannot write the result folder", "afile cannot be created (", "afile is a file, not a folder)"]),
    ("name-is-a-path", {"s.yaml": _scenario("", name="../../escape")}, ["run", "{TMP}/s.yaml", "--quiet"], 0, []),
    ("sweep-unknown-key", {"sw.yaml": f"name: sw\nscenario: {LAO}\ngrdi: {{wage_growth: [0.03, 0.04]}}\n"},
     ["sweep", "{TMP}/sw.yaml", "--out", "{TMP}/o"], 1, ["sw.yaml:3: grdi: unknown key", "did you mean 'grid'?"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_hostile_input(case, tmp_path, capsys, monkeypatch):
    _id, files, argv, code, fragments = case
    monkeypatch.chdir(tmp_path)  # default output folders (results/...) land here
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content.replace("{LAO}", LAO).replace("{TMP}", tmp_path.as_posix()))
    capsys.readouterr()
    args = [a.replace("{TMP}", tmp_path.as_posix()) for a in argv]
    try:
        got = main(args)
    except SystemExit as exc:  # argparse
        got = exc.code
    out, err = capsys.readouterr()
    assert got == code, (got, out, err)
    assert "Traceback" not in out + err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in:\n{err}"
    if code == 2:  # refused before any work: nothing written
        assert not (tmp_path / "o").exists()
    # nothing is ever written outside the case's folder (a scenario name is not a path)
    assert not (tmp_path.parent / "escape").exists() and not (tmp_path.parent.parent / "escape").exists()
    if _id == "name-is-a-path":
        assert [p.name for p in (tmp_path / "results").iterdir()] == ["___.._escape"]


def test_there_are_at_least_40_cases():
    assert len(CASES) >= 40
