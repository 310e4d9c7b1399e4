"""Atomic writes: a failure mid-write leaves the old file intact and no debris."""
import pytest

from ssproj.io.atomic import atomic_path, write_text_atomic


def test_write_replaces_content(tmp_path):
    p = tmp_path / "a" / "f.txt"
    write_text_atomic(p, "one")
    write_text_atomic(p, "two")
    assert p.read_text() == "two"
    assert [x.name for x in p.parent.iterdir()] == ["f.txt"]


def test_failure_mid_write_keeps_previous_file_and_leaves_nothing(tmp_path):
    p = tmp_path / "results.nc"
    p.write_text("previous complete result")
    with pytest.raises(RuntimeError):
        with atomic_path(p) as tmp:
            tmp.write_text("half-writ")
            raise RuntimeError("disk full")
    assert p.read_text() == "previous complete result"
    assert [x.name for x in tmp_path.iterdir()] == ["results.nc"]


def test_failure_on_first_write_leaves_no_file(tmp_path):
    p = tmp_path / "new.csv"
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(p) as tmp:
            tmp.write_text("partial")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_written_files_get_the_usual_permissions(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        p = write_text_atomic(tmp_path / "summary.csv", "x")
        assert (p.stat().st_mode & 0o777) == 0o644
    finally:
        os.umask(umask)


def test_a_failed_write_names_its_file_on_the_exception(tmp_path):
    p = tmp_path / "results.xlsx"
    with pytest.raises(OSError) as exc:
        with atomic_path(p):
            raise OSError(28, "No space left on device")
    assert exc.value.ssproj_file == p  # what ssproj.io.outdir names in "no space left ... while writing"
