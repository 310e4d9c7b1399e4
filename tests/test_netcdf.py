"""ssproj's netCDF writer (ssproj.io.netcdf) against xarray's own: the same Dataset and encodings read back."""
import math
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import ssproj
from ssproj.io.netcdf import write_netcdf

ROOT = Path(__file__).resolve().parents[1]


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(np.all(a == b))


@pytest.mark.parametrize("name", ["lao_baseline", "lao_cov_domestic_workers", "thailand_wpp2024"])
def test_written_file_reads_back_as_xarrays_own(tmp_path, name):
    """A projection (scheme, strategy with non-dimension coordinates, population only) written by
    write_netcdf and by xarray's to_netcdf: xarray reads back identical Datasets with identical
    encodings, and both equal the projection's Dataset."""
    ds = ssproj.project(ssproj.load_scenario(ROOT / "scenarios" / f"{name}.yaml")).dataset
    ours, theirs = tmp_path / "ours.nc", tmp_path / "theirs.nc"
    write_netcdf(ds, ours)
    ds.to_netcdf(theirs, engine="netcdf4")
    with xr.open_dataset(ours) as a, xr.open_dataset(theirs) as b:
        a.load()
        b.load()
        xr.testing.assert_identical(a, b)
        xr.testing.assert_identical(a, ds)
        assert list(a.coords) == list(b.coords)
        for k in b.variables:
            ea = {q: v for q, v in a[k].encoding.items() if q != "source"}
            eb = {q: v for q, v in b[k].encoding.items() if q != "source"}
            assert ea.keys() == eb.keys(), k
            assert all(_same(ea[q], eb[q]) for q in eb), (k, ea, eb)


def test_same_dataset_same_bytes(tmp_path):
    ds = ssproj.project(ssproj.load_scenario(ROOT / "scenarios" / "thailand_wpp2024.yaml")).dataset
    write_netcdf(ds, tmp_path / "a.nc")
    write_netcdf(ds, tmp_path / "b.nc")
    assert (tmp_path / "a.nc").read_bytes() == (tmp_path / "b.nc").read_bytes()


def test_scalars_attributes_and_unattached_coordinates(tmp_path):
    ds = xr.Dataset(
        {"v": (("x",), np.array([1.0, np.nan])), "n": ((), np.int64(3)), "s": ((), 2.5)},
        coords={"x": [10, 20], "label": ("x", ["a", "bb"]), "other": ("y", ["p", "q", "r"])},
        attrs={"flag": True, "count": np.int32(4), "title": "t", "values": [1.0, 2.0]},
    )
    write_netcdf(ds, tmp_path / "a.nc")
    with xr.open_dataset(tmp_path / "a.nc") as back:
        back.load()
        assert set(back.coords) == {"x", "label", "other"}
        np.testing.assert_array_equal(back["v"].values, ds["v"].values)
        assert int(back["n"]) == 3 and float(back["s"]) == 2.5
        assert back.attrs["flag"] == 1 and back.attrs["count"] == 4 and back.attrs["title"] == "t"
        np.testing.assert_array_equal(back.attrs["values"], [1.0, 2.0])


@pytest.mark.parametrize("bad, match", [
    (xr.Dataset({"b": (("x",), np.array([True, False]))}), "dtype bool"),
    (xr.Dataset({"o": (("x",), np.array([1, "a"], dtype=object))}), "dtype object"),
    (xr.Dataset({"v": (("x",), [1.0])}, attrs={"coordinates": "x"}), "reserved"),
    (xr.Dataset({"v": (("x",), [1.0])}, attrs={"bad": {"a": 1}}), "cannot be written"),
])
def test_what_it_does_not_write_is_refused(tmp_path, bad, match):
    with pytest.raises(TypeError, match=match):
        write_netcdf(bad, tmp_path / "x.nc")
