"""Result folders written as a unit: staging, manifest, lock, stale debris, clear errors, identical Excel bytes."""
import errno
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import ssproj
import ssproj.projection as projection_module
from ssproj.cli import main
from ssproj.io.outdir import (
    IncompleteResultError,
    ResultFolderError,
    ResultFolderLocked,
    result_folder,
    safe_name,
    verify_result_folder,
)

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "scenarios" / "base.yaml"
RUN_FILES = ["manifest.json", "population.csv", "provenance.json", "results.nc", "results.xlsx", "summary.csv"]


@pytest.fixture(scope="module")
def tiny():
    return ssproj.project(ssproj.load_scenario(TINY))


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name != folder.name)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# ----------------------------------------------------------------------------- writing as a unit
def test_write_makes_a_folder_with_a_manifest_of_every_file(tiny, tmp_path):
    out = tmp_path / "res"
    written = tiny.write(out)
    assert sorted(p.name for p in out.iterdir()) == RUN_FILES
    assert all(p.parent == out and p.exists() for p in written.values())  # final paths, not staged ones
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "projection" and manifest["scenario"] == "tiny_base"
    assert manifest["ssproj_version"] == ssproj.__version__ and len(manifest["inputs_sha256"]) == 64
    listed = {f["path"]: f for f in manifest["files"]}
    assert sorted(listed) == [n for n in RUN_FILES if n != "manifest.json"]
    for name, entry in listed.items():
        data = (out / name).read_bytes()
        assert entry["size"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest(), name
    assert verify_result_folder(out, kind="projection")["scenario"] == "tiny_base"
    assert _siblings(out) == []  # no staged folder, no lock left


def test_identical_runs_write_identical_bytes_excel_included(tiny, tmp_path):
    tiny.write(tmp_path / "a")
    time.sleep(1.1)  # xlsxwriter would otherwise record a creation time one second later
    tiny.write(tmp_path / "b")
    assert _snapshot(tmp_path / "a") == _snapshot(tmp_path / "b")


def test_every_excel_writer_writes_identical_bytes(tiny, tmp_path):
    scenarios = ROOT / "tests" / "data" / "scenarios"
    cmp = ssproj.compare([ssproj.project(ssproj.load_scenario(scenarios / f"{n}.yaml"))
                          for n in ("scheme_base", "scheme_child")])
    writers = {"projection": tiny.to_excel, "comparison": cmp.to_excel}
    first = {name: write(tmp_path / f"{name}1.xlsx").read_bytes() for name, write in writers.items()}
    time.sleep(1.1)
    for name, write in writers.items():
        assert write(tmp_path / f"{name}2.xlsx").read_bytes() == first[name], name


def test_sensitivity_workbook_bytes_are_identical(tmp_path):
    from ssproj.analysis.sensitivity import default_factors

    sc = ssproj.load_scenario(ROOT / "tests" / "data" / "scenarios" / "scheme_base.yaml")
    result = ssproj.sensitivity(sc, factors=default_factors(sc)[:1])
    a = result.to_excel(tmp_path / "a.xlsx").read_bytes()
    time.sleep(1.1)
    assert result.to_excel(tmp_path / "b.xlsx").read_bytes() == a


def test_a_write_failing_half_way_leaves_the_previous_folder_unchanged(tiny, tmp_path, monkeypatch):
    out = tmp_path / "res"
    tiny.write(out)
    before = _snapshot(out)

    def broken(self, path):
        raise RuntimeError("simulated crash while writing the workbook")

    monkeypatch.setattr(projection_module.Projection, "to_excel", broken)
    with pytest.raises(RuntimeError, match="simulated crash"):
        tiny.write(out)
    assert _snapshot(out) == before
    assert _siblings(out) == []  # the staged folder and the lock are gone


def test_a_failed_first_write_creates_nothing(tiny, tmp_path, monkeypatch):
    monkeypatch.setattr(projection_module, "write_text_atomic", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        tiny.write(tmp_path / "res")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_is_not_a_result_folder_is_not_replaced(tiny, tmp_path):
    out = tmp_path / "docs"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(ResultFolderError, match=r"holds files ssproj did not write \(thesis\.tex\)"):
        tiny.write(out)
    assert (out / "thesis.tex").read_text() == "precious" and sorted(p.name for p in out.iterdir()) == ["thesis.tex"]


# ----------------------------------------------------------------------------- lock
def test_a_second_writer_is_refused_at_once(tiny, tmp_path):
    out = tmp_path / "res"
    tiny.write(out)
    before = _snapshot(out)
    with pytest.raises(KeyError, match="first run fails"):
        with result_folder(out, kind="projection"):  # a run in progress (this process: alive)
            with pytest.raises(ResultFolderLocked) as exc:
                tiny.write(out)
            raise KeyError("first run fails")
    assert exc.value.pid == os.getpid()
    assert f"pid {os.getpid()}" in str(exc.value) and "res is being written by another ssproj run" in str(exc.value)
    assert _snapshot(out) == before and _siblings(out) == []


def test_cli_refuses_a_locked_folder_before_projecting(tmp_path, capsys, monkeypatch):
    out = tmp_path / "res"
    (tmp_path / "res.lock").write_text(json.dumps({"pid": os.getpid(), "host": os.uname().nodename, "token": "x"}))
    monkeypatch.setattr("ssproj.cli.project", lambda sc: pytest.fail("projected although the folder is locked"))
    assert main(["run", str(TINY), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"pid {os.getpid()}" in err and "res is being written" in err
    assert not out.exists() and (tmp_path / "res.lock").exists()  # another run's lock is left alone


def test_a_stale_lock_of_a_dead_process_is_taken_over(tiny, tmp_path):
    out = tmp_path / "res"
    lock = tmp_path / "res.lock"
    lock.write_text(json.dumps({"pid": _dead_pid(), "host": os.uname().nodename, "token": "old"}))
    tiny.write(out)
    assert (out / "manifest.json").exists() and not lock.exists()


# ----------------------------------------------------------------------------- stale debris
def test_debris_of_killed_runs_is_removed_by_the_next_run(tiny, tmp_path):
    out = tmp_path / "res"
    tiny.write(out)
    staged = tmp_path / f".res.{'a' * 32}.tmp"
    aside = tmp_path / f".res.{'b' * 32}.old"
    inner = out / f".results.nc.{'c' * 32}.nc.tmp"
    store = out / f".paths.zarr.{'d' * 32}.zarr.tmp"
    for d in (staged, aside, store):
        d.mkdir()
        (d / "x").write_text("half")
    inner.write_text("half")
    other = tmp_path / f".another.{'e' * 32}.tmp"  # another folder's: not ours to touch
    other.mkdir()
    old = time.time() - 3600
    for p in (staged, aside, inner, store, other):
        os.utime(p, (old, old))
    tiny.write(out)
    assert _siblings(out) == [other.name]
    assert sorted(p.name for p in out.iterdir()) == RUN_FILES


def test_a_run_killed_between_the_two_renames_is_recovered(tiny, tmp_path, monkeypatch):
    out = tmp_path / "res"
    tiny.write(out)
    before = _snapshot(out)
    aside = tmp_path / f".res.{'b' * 32}.old"
    os.replace(out, aside)  # what a kill between "old aside" and "new in" leaves
    monkeypatch.setattr(projection_module, "write_text_atomic", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        tiny.write(out)
    assert _snapshot(out) == before and _siblings(out) == []


# ----------------------------------------------------------------------------- clear errors
def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def disk_full_on_csv(monkeypatch):
    """The disk fills up when summary.csv is written (after results.nc)."""
    write_bytes = Path.write_bytes

    def full(self, data):
        if "summary.csv" in self.name:
            _enospc()
        return write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)


def test_disk_full_is_a_clear_error_and_keeps_the_previous_result(tiny, tmp_path, request):
    out = tmp_path / "res"
    tiny.write(out)
    before = _snapshot(out)
    request.getfixturevalue("disk_full_on_csv")
    with pytest.raises(ResultFolderError) as exc:
        tiny.write(out)
    assert exc.value.errno == errno.ENOSPC and isinstance(exc.value, OSError)
    assert str(exc.value) == (f"no space left on device while writing summary.csv into {out}; "
                              f"the previous result in {out} is unchanged")
    assert _snapshot(out) == before and _siblings(out) == []


def test_disk_full_inside_a_library_and_hdf_errors_are_clear(tiny, tmp_path, monkeypatch):
    import xlsxwriter.workbook

    # xlsxwriter wraps the OSError of a full disk in its FileCreateError
    monkeypatch.setattr(xlsxwriter.workbook.Workbook, "_store_workbook", _enospc)
    with pytest.raises(ResultFolderError, match=r"^no space left on device while writing results\.xlsx into .*res; "
                                                r".*res was not created$"):
        tiny.write(tmp_path / "res")
    monkeypatch.undo()

    def hdf(ds, path):
        Path(path).write_bytes(b"\x89HDF")
        raise RuntimeError("NetCDF: HDF error")

    monkeypatch.setattr(projection_module, "write_netcdf", hdf)
    with pytest.raises(ResultFolderError, match=r"netCDF library failed while writing results\.nc into .*HDF error"):
        tiny.write(tmp_path / "res")
    assert list(tmp_path.iterdir()) == []


def test_cli_disk_full_prints_one_line(tmp_path, capsys, disk_full_on_csv):
    assert main(["run", str(TINY), "--out", str(tmp_path / "res"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ERROR: no space left on device while writing summary.csv into ")
    assert err.count("\n") == 1 and "Traceback" not in err


# ----------------------------------------------------------------------------- report
@pytest.fixture
def written(tiny, tmp_path):
    out = tmp_path / "res"
    tiny.write(out)
    return out


def test_report_on_a_complete_folder(written, capsys):
    assert main(["report", str(written)]) == 0
    assert "scenario 'tiny_base'" in capsys.readouterr().out


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "summary.csv").write_text("year\n"), "summary.csv differs from the file written"),
    (lambda d: (d / "population.csv").unlink(), "population.csv is missing"),
    (lambda d: (d / "manifest.json").unlink(), "no manifest.json: not a complete ssproj result folder"),
    (lambda d: (d / "manifest.json").write_text('{"files": []}'), "not an ssproj manifest"),
])
def test_report_on_an_incomplete_or_altered_folder(written, capsys, damage, message):
    damage(written)
    assert main(["report", str(written)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ERROR: ") and message in err and err.count("\n") == 1
    with pytest.raises(IncompleteResultError):
        verify_result_folder(written)


def test_report_on_a_folder_of_another_kind(tmp_path, capsys):
    with result_folder(tmp_path / "st", kind="stochastic") as stage:
        (stage.path / "summary.csv").write_text("x\n")
    assert main(["report", str(tmp_path / "st")]) == 1
    assert "holds a result of kind 'stochastic', not a projection result" in capsys.readouterr().err


def test_report_on_a_foreign_netcdf(tmp_path, capsys):
    path = tmp_path / "other.nc"
    xr.Dataset({"t": ("x", np.arange(3.0))}, attrs={"title": "not ssproj"}).to_netcdf(path)
    assert main(["report", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"ERROR: {path}: not an ssproj result") and err.count("\n") == 1


def test_report_on_a_truncated_netcdf(written, tmp_path, capsys):
    path = tmp_path / "cut.nc"
    data = (written / "results.nc").read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert main(["report", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"ERROR: {path}: cannot be read: the file is damaged") and err.count("\n") == 1
    # the same damage inside a result folder is caught by the manifest
    (written / "results.nc").write_bytes(data[: len(data) // 2])
    assert main(["report", str(written / "results.nc")]) == 1
    assert "results.nc differs from the file written" in capsys.readouterr().err


# ----------------------------------------------------------------------------- names
@pytest.mark.parametrize("name, folder", [("../../x", "___.._x"), ("/tmp/x", "_tmp_x"), ("a b/c", "a_b_c"),
                                          ("lao_baseline", "lao_baseline"), (".hidden", "_hidden")])
def test_safe_name(name, folder):
    assert safe_name(name) == folder


@pytest.mark.parametrize("name", ["", ".", ".."])
def test_safe_name_refuses_empty_and_dots(name):
    with pytest.raises(ValueError, match="cannot be used as a folder name"):
        safe_name(name)


def test_a_scenario_name_never_leads_out_of_results(tmp_path, monkeypatch, capsys):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    evil = tmp_path / "evil.yaml"
    evil.write_text(f"extends: {TINY.as_posix()}\nname: ../../x\ndescription: path in the name\n")
    monkeypatch.chdir(work)
    assert main(["run", str(evil), "--quiet"]) == 0
    assert sorted(p.name for p in (work / "results").iterdir()) == ["___.._x"]
    assert (work / "results" / "___.._x" / "manifest.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "evil.yaml"]
    assert sorted(p.name for p in work.iterdir()) == ["results"]
