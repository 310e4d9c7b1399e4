"""Writing a projection's Dataset to netCDF-4 with the netCDF4 library directly.

:func:`write_netcdf` writes what :meth:`xarray.Dataset.to_netcdf` would write
for the Datasets ssproj makes (float and integer arrays, string
coordinates, attributes of strings and numbers), so that
:func:`xarray.open_dataset` reads back an identical Dataset
(``tests/test_netcdf.py`` checks it against xarray's own writer, variable
by variable, encodings included):

* floats as ``f8`` with ``_FillValue`` NaN (xarray's default for floats);
* integers in their own type, without a fill value;
* strings as variable-length strings;
* coordinates that are not dimensions listed, as CF has it, in the
  ``coordinates`` attribute of each data variable whose dimensions
  include theirs (in the global attribute for the others), so that they
  are read back as coordinates;
* no compression, contiguous storage (as xarray without an encoding).

Why not ``Dataset.to_netcdf``: with Dask installed (ssproj's chunked
stochastic runs use it), xarray asks Dask for its scheduler before every
write, which imports ``dask.distributed``: a quarter of a second of each
cold ``ssproj run``, for an in-memory Dataset that Dask never touches.
"""
from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

__all__ = ["write_netcdf"]


def _attr(value):
    """An attribute value as netCDF stores it (NumPy scalars as Python numbers; bools as 0/1)."""
    if isinstance(value, (bool, np.bool_)):
        return np.int8(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, np.ndarray, list, tuple)):
        return value
    raise TypeError(f"attribute value {value!r} of type {type(value).__name__} cannot be written to netCDF")


def write_netcdf(ds: xr.Dataset, path) -> Path:
    """Write `ds` to a new netCDF-4 file at `path` (overwritten if it exists).

    Parameters
    ----------
    ds : xarray.Dataset
        In memory (NumPy arrays) with float, integer or string variables
        and attributes of strings and numbers.
    path : str or Path

    Returns
    -------
    Path

    Raises
    ------
    TypeError
        A variable of another kind (object arrays other than strings,
        booleans, datetimes, Dask arrays) or an attribute that netCDF
        cannot hold: use :meth:`xarray.Dataset.to_netcdf` for those.
    """
    import netCDF4  # lazy: only when a result is written

    path = Path(path)
    plan: list[tuple[Hashable, xr.Variable, Any, float | None, np.ndarray]] = []
    for name, var in ds.variables.items():
        data = var.data
        if not isinstance(data, np.ndarray):
            raise TypeError(f"variable {name!r}: not a NumPy array ({type(data).__name__})")
        kind = data.dtype.kind
        if kind == "f":
            plan.append((name, var, "f8", np.nan, np.asarray(data, dtype=np.float64)))
        elif kind in "iu":
            plan.append((name, var, data.dtype, None, data))
        elif kind in "UO" and all(isinstance(v, str) for v in data.ravel().tolist()):
            plan.append((name, var, str, None, np.asarray(data, dtype=object)))
        else:
            raise TypeError(f"variable {name!r}: dtype {data.dtype} is not written by write_netcdf")
    if "coordinates" in ds.attrs:
        raise TypeError("the global attribute 'coordinates' is reserved (CF: non-dimension coordinates)")
    extra_coords = [str(k) for k in ds.coords if k not in ds.dims]
    attached: set[str] = set()
    var_coords = {}
    for name in ds.data_vars:
        dims = set(ds.variables[name].dims)
        mine = sorted(c for c in extra_coords if set(ds.variables[c].dims) <= dims)
        if mine:
            if "coordinates" in ds.variables[name].attrs:
                raise TypeError(f"variable {name!r}: the attribute 'coordinates' is reserved (CF)")
            var_coords[name] = " ".join(mine)
            attached.update(mine)
    unattached = sorted(c for c in extra_coords if c not in attached)
    nc = netCDF4.Dataset(path, "w", format="NETCDF4")
    try:
        for dim, size in ds.sizes.items():
            nc.createDimension(str(dim), size)
        for name, var, dtype, fill, data in plan:
            v = nc.createVariable(str(name), dtype, tuple(str(d) for d in var.dims), fill_value=fill)
            attrs = {k: _attr(a) for k, a in var.attrs.items()}
            if name in var_coords:
                attrs["coordinates"] = var_coords[name]
            if attrs:
                v.setncatts(attrs)
            if data.ndim == 0:
                v.assignValue(data[()])
            elif data.size:
                v[...] = data
        attrs = {k: _attr(a) for k, a in ds.attrs.items()}
        if unattached:
            attrs["coordinates"] = " ".join(unattached)
        if attrs:
            nc.setncatts(attrs)
    finally:
        nc.close()
    return path
