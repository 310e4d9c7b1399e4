"""ssproj's workbook writer (ssproj.io.excel) against pandas' to_excel: the same tables read back."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ssproj
from ssproj.io.excel import write_workbook

ROOT = Path(__file__).resolve().parents[1]


def _read(path):
    return pd.read_excel(path, sheet_name=None, index_col=0)


def test_projection_workbook_reads_back_as_pandas_writes_it(tmp_path):
    res = ssproj.project(ssproj.load_scenario(ROOT / "scenarios" / "lao_baseline.yaml"))
    ours = res.to_excel(tmp_path / "ours.xlsx")
    with pd.ExcelWriter(tmp_path / "pandas.xlsx", engine="xlsxwriter") as writer:
        for name, frame in res.tables().items():
            frame.to_excel(writer, sheet_name=name[:31])
    a, b = _read(ours), _read(tmp_path / "pandas.xlsx")
    # first the banner of the assumed inputs the Lao baseline rests on (issue 13), last the provenance
    names = list(a)
    assert names[0] == "assumed inputs" and names[1:-1] == list(b) and names[-1] == "provenance"
    for name in b:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)


def test_missing_values_infinities_and_sheet_without_index(tmp_path):
    frame = pd.DataFrame({"x": [1.5, np.nan, np.inf], "y": [-np.inf, 2.0, 3.0], "n": [1, 2, 3]},
                         index=pd.Index([2030, 2031, 2032], name="year"))
    write_workbook(tmp_path / "a.xlsx", {"t": (frame, True), "plain": (frame.reset_index(), False)})
    with pd.ExcelWriter(tmp_path / "b.xlsx", engine="xlsxwriter") as writer:
        frame.to_excel(writer, sheet_name="t")
        frame.reset_index().to_excel(writer, sheet_name="plain", index=False)
    a = pd.read_excel(tmp_path / "a.xlsx", sheet_name=None)
    b = pd.read_excel(tmp_path / "b.xlsx", sheet_name=None)
    for name in ("t", "plain"):
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)


def test_same_tables_same_bytes(tmp_path):
    frame = pd.DataFrame({"x": [1.0, 2.0]}, index=pd.Index([1, 2], name="i"))
    write_workbook(tmp_path / "a.xlsx", {"t": (frame, True)})
    write_workbook(tmp_path / "b.xlsx", {"t": (frame, True)})
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_a_sheet_name_longer_than_excel_allows_is_refused(tmp_path):
    with pytest.raises(ValueError, match="longer than Excel's 31 characters"):
        write_workbook(tmp_path / "a.xlsx", {"x" * 32: (pd.DataFrame({"a": [1]}), False)})
