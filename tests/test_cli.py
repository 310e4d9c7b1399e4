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
        [sys.executable, "-m", "ssproj.cli", "run", "scenarios/lao_baseline.yaml", "--out", str(out)],
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
    assert "total_population [persons at 1 July]" in printed and "7,346,527" in printed
    import pandas as pd

    sheets = pd.read_excel(tmp_path / "copy.xlsx", sheet_name=None, index_col=0)
    assert "summary" in sheets and "provenance" in sheets
    assert sheets["summary"].loc[2020, "total_population [persons at 1 July]"] == pytest.approx(7_346_527, abs=1)


def test_report_on_a_missing_result_is_a_clear_error(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nothing")]) == 1
    assert "no such result file" in capsys.readouterr().err
