"""The ssproj command: exit codes, messages, files written."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import ssproj
from ssproj.cli import main

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad_scenarios"


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"ssproj {ssproj.__version__}"
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "validate", "import-wpp"):
        assert command in out


def test_no_command_or_bad_option_is_a_usage_error(capsys):
    assert main([]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["run"])
    assert exc.value.code == 2


def test_validate_ok_and_problems(capsys):
    assert main(["validate", str(ROOT / "scenarios" / "lao_baseline.yaml")]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    assert main(["validate", str(BAD / "several.yaml")]) == 1
    err = capsys.readouterr().err
    assert "did you mean 'wage_growth'" in err
    assert "fertility_multiplier[2030] = 3.5 is outside [0, 3]" in err
    assert "projection.step" in err and "seed = -3" in err


def test_run_on_a_bad_scenario_exits_1_with_error_prefix(capsys, tmp_path):
    assert main(["run", str(BAD / "unknown_key.yaml"), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ERROR: ")
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_run_writes_results_and_prints_summary(tmp_path):
    out = tmp_path / "lao"
    proc = subprocess.run(
        [sys.executable, "-m", "ssproj.cli", "run", "scenarios/lao_baseline.yaml", "--out", str(out), "--full"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stderr
    assert "total_population [persons at 1 July]" in proc.stdout
    assert "7,346,527" in proc.stdout  # 1 July 2020, the UN estimate
    for name in ("results.nc", "summary.csv", "population.csv", "provenance.json"):
        assert (out / name).stat().st_size > 0


def test_import_wpp_refuses_to_overwrite(tmp_path, capsys):
    target = tmp_path / "set"
    target.mkdir()
    (target / "assumptions.yaml").write_text("name: x\n")
    # no source data needed: the refusal comes first or the missing source is reported; either way exit 1
    code = main(["import-wpp", "--source", str(tmp_path / "nowhere"), "--country", "418", "--out", str(target)])
    assert code == 1
    assert capsys.readouterr().err.startswith("ERROR: ")
    assert (target / "assumptions.yaml").read_text() == "name: x\n"


@pytest.mark.slow
def test_report_renders_an_existing_result(tmp_path, capsys):
    out = tmp_path / "lao"
    assert main(["run", str(ROOT / "scenarios" / "lao_baseline.yaml"), "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["report", str(out), "--excel", str(tmp_path / "copy.xlsx")]) == 0
    printed = capsys.readouterr().out
    # what run printed: the headline, then the milestone table (issue 14); --full: the whole summary
    assert "depletion year (scheduled flows)" in printed and "At milestone years" in printed
    assert "total_population [persons at 1 July]" not in printed
    assert main(["report", str(out), "--full"]) == 0
    printed = capsys.readouterr().out
    assert "total_population [persons at 1 July]" in printed and "7,346,527" in printed
    import pandas as pd

    sheets = pd.read_excel(tmp_path / "copy.xlsx", sheet_name=None, index_col=0)
    assert "summary" in sheets and "provenance" in sheets
    assert sheets["summary"].loc[2020, "total_population [persons at 1 July]"] == pytest.approx(7_346_527, abs=1)


def test_report_on_a_missing_result_is_a_clear_error(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nothing")]) == 1
    assert "no such result file" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["run", "s.yaml", "--every", "0"],
    ["run", "s.yaml", "--every", "ten"],
    ["report", "res", "--every", "-1"],
    ["stochastic", "s.yaml", "--paths", "0"],
    ["stochastic", "s.yaml", "--chunk-size", "0"],
    ["stochastic", "s.yaml", "--workers", "0"],
    ["stochastic", "s.yaml", "--seed", "-1"],
    ["stochastic", "s.yaml", "--seed", str(2**63)],
    ["sweep", "spec.yaml", "--chunk-size", "0"],
    ["sweep", "spec.yaml", "--workers", "-2"],
    ["import-wpp", "--source", "wpp", "--country", "0"],
])
def test_bad_numeric_options_exit_2_before_any_work(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("load_scenario", "load_sweep", "import_wpp"):
        monkeypatch.setattr(f"ssproj.cli.{name}", lambda *a, **k: pytest.fail("work started"))
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    assert "error: argument --" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_numeric_options_accept_their_whole_range():
    from ssproj.cli import build_parser

    args = build_parser().parse_args(["stochastic", "s.yaml", "--seed", str(2**63 - 1), "--paths", "1",
                                      "--chunk-size", "1", "--workers", "1"])
    assert (args.seed, args.paths, args.chunk_size, args.workers) == (2**63 - 1, 1, 1, 1)
    assert build_parser().parse_args(["stochastic", "s.yaml", "--seed", "0"]).seed == 0


def test_run_refuses_a_scenario_name_that_is_not_a_folder_name(tmp_path, monkeypatch, capsys):
    scenario = tmp_path / "dots.yaml"
    scenario.write_text(f"extends: {(ROOT / 'tests' / 'data' / 'scenarios' / 'base.yaml').as_posix()}\nname: '..'\n"
                        "description: dots\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("ssproj.cli.project", lambda sc: pytest.fail("projected"))
    assert main(["run", str(scenario), "--quiet"]) == 1
    assert "scenario name '..' cannot be used as a folder name; give the output folder with --out" in \
        capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dots.yaml"]
