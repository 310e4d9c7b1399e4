"""Run many independent chunks of work and write the results chunk by chunk.

A large stochastic run (or a sweep of scenarios) is split into *chunks*:
consecutive blocks of integer labels (paths ``start .. stop - 1``). A
*task* turns one :class:`Chunk` into an :class:`xarray.Dataset` whose
variables have the chunk dimension (``path`` by default) first.
:func:`run_chunks` runs the tasks

* **in-process** (default): sequentially, in the order given, no Dask;
* on a **local Dask cluster** (``workers=N``): ``N`` worker processes on
  the loopback interface, one thread each;
* on a **running Dask scheduler** (``scheduler="tcp://host:port"``),

and writes each result into its region of one Zarr store as soon as it
arrives, then drops it: the driver holds one chunk result at a time and at
most ``2 x threads + 2`` tasks are submitted ahead, so memory stays bounded
whatever the number of paths. The numbers do not depend on the backend:
values are written as the task returns them (no reordering, no casting).

The store is written to a hidden temporary directory next to the target
and renamed into place only when every chunk is written, so the target
is either complete or absent (see :mod:`ssproj.io.atomic`). A netCDF
target is converted from that temporary Zarr store at the end, streaming
one Zarr chunk at a time.

Example
-------
>>> from ssproj.uncertainty.distributed import make_chunks, open_result, run_chunks
>>> path = run_chunks(_demo_task, make_chunks(1000, 250), "walks.zarr")   # doctest: +SKIP
>>> open_result(path)["walk"].sel(path=999)                             # doctest: +SKIP

Tasks must be picklable top-level functions (Dask workers import them by
module and name), and a script that starts a local cluster must guard its
entry point with ``if __name__ == "__main__":`` (worker processes are
spawned).
"""
from __future__ import annotations

import contextlib
import json
import logging
import math
import numbers
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ssproj.io.atomic import atomic_path

__all__ = ["Chunk", "ChunkError", "collect_chunks", "make_chunks", "open_result", "run_chunks"]

logger = logging.getLogger(__name__)

#: Zarr format of the stores written. Version 2 is read by every Zarr
#: implementation, stores fixed-width strings (``<U``) natively and has
#: standard consolidated metadata (zarr-python 3 warns about both in v3).
ZARR_FORMAT = 2

_FORMATS = ("zarr", "netcdf")
_NETCDF_SUFFIXES = (".nc", ".nc4", ".netcdf")
# encoding keys kept from the tasks' variables (CF packing and missing values);
# layout keys (chunks, compressors, source file...) are the runner's business
_KEEP_ENCODING = ("dtype", "_FillValue", "missing_value", "scale_factor", "add_offset", "units", "calendar")


# --------------------------------------------------------------------------- chunks
@dataclass(frozen=True)
class Chunk:
    """A block of consecutive labels ``start .. stop - 1`` and what the task needs.

    Parameters
    ----------
    start, stop : int
        Labels ``start`` (included) to ``stop`` (excluded), ``0 <= start < stop``.
    payload : object, optional
        Anything the task needs besides the labels (model, seed, scenario).
        Must be picklable for Dask; it is sent with every chunk, so keep it
        moderate in size (or let the task load large inputs itself).

    Examples
    --------
    >>> Chunk(0, 250).size
    250
    """

    start: int
    stop: int
    payload: Any = field(default=None, repr=False)

    def __post_init__(self):
        for name in ("start", "stop"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise TypeError(f"Chunk {name} must be an integer, got {v!r}")
            object.__setattr__(self, name, int(v))
        if not 0 <= self.start < self.stop:
            raise ValueError(f"a Chunk needs 0 <= start < stop, got start={self.start}, stop={self.stop}")

    @property
    def size(self) -> int:
        """Number of labels in the chunk."""
        return self.stop - self.start

    @property
    def labels(self) -> range:
        """The labels ``start .. stop - 1``."""
        return range(self.start, self.stop)


class ChunkError(RuntimeError):
    """A chunk's task failed; the original exception is ``__cause__``.

    Attributes
    ----------
    index : int
        Position of the chunk in the list given to :func:`run_chunks`.
    chunk : Chunk
        The chunk.
    """

    def __init__(self, message: str, index: int, chunk: Chunk):
        super().__init__(message)
        self.index = index
        self.chunk = chunk


def make_chunks(n: int, chunk_size: int) -> list[Chunk]:
    """Split labels ``0 .. n - 1`` into chunks of ``chunk_size`` (the last may be smaller).

    Parameters
    ----------
    n : int
        Number of labels (paths, scenarios), ``>= 1``.
    chunk_size : int
        Labels per chunk, ``>= 1``.

    Returns
    -------
    list of Chunk
        ``ceil(n / chunk_size)`` chunks without payload.

    Examples
    --------
    >>> [(c.start, c.stop) for c in make_chunks(10, 4)]
    [(0, 4), (4, 8), (8, 10)]
    """
    for name, v in (("n", n), ("chunk_size", chunk_size)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    n, chunk_size = int(n), int(chunk_size)
    return [Chunk(s, min(s + chunk_size, n)) for s in range(0, n, chunk_size)]


def _span(chunk: Chunk, dim: str) -> str:
    return f"{dim} {chunk.start}..{chunk.stop - 1}"


def _describe(index: int, chunk: Chunk, dim: str) -> str:
    return f"chunk {index} ({_span(chunk, dim)})"


def _check_chunks(chunks, dim: str) -> tuple[list[Chunk], int]:
    """Validate that `chunks` tile ``0 .. N - 1``; return them as a list and ``N``."""
    if isinstance(chunks, (str, bytes)) or not isinstance(chunks, Iterable):
        raise TypeError(f"chunks must be a sequence of Chunk, got {type(chunks).__name__}")
    chunks = list(chunks)
    if not chunks:
        raise ValueError("no chunks to run")
    for i, c in enumerate(chunks):
        if not isinstance(c, Chunk):
            raise TypeError(f"chunks[{i}] is a {type(c).__name__}, expected ssproj.uncertainty.distributed.Chunk")
    problems = []
    order = sorted(range(len(chunks)), key=lambda i: (chunks[i].start, chunks[i].stop))
    covered, last = 0, None  # labels 0 .. covered - 1 are covered, by chunk `last` at the end
    for i in order:
        c = chunks[i]
        if c.start > covered:
            problems.append(f"gap: no chunk covers {dim} {covered}..{c.start - 1}")
        elif c.start < covered:
            problems.append(f"overlap: chunks[{i}] ({_span(c, dim)}) overlaps chunks[{last}] "
                            f"({_span(chunks[last], dim)})")
        if c.stop > covered:
            covered, last = c.stop, i
    if problems:
        raise ValueError(f"chunks must tile {dim} 0..N-1 without gaps or overlaps:\n  " + "\n  ".join(problems))
    return chunks, covered


def _zarr_chunk_size(chunks: Sequence[Chunk]) -> int:
    """Zarr chunk length along the chunk dimension.

    The largest chunk size when every chunk starts on a multiple of it
    (e.g. :func:`make_chunks`), else the largest common divisor of the
    starts if not too small; otherwise chunks straddle Zarr chunks, which
    is correct (one writer, one region at a time) but slower.
    """
    big = max(c.size for c in chunks)
    starts = [c.start for c in chunks if c.start]
    if all(s % big == 0 for s in starts):
        return big
    g = math.gcd(*starts)
    return g if 4 * g >= big else big


# --------------------------------------------------------------------------- output
def _resolve_out(out, fmt: str | None) -> tuple[Path, str]:
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out must be a path, got {type(out).__name__}")
    out = Path(out)
    if fmt is None:
        fmt = "netcdf" if out.suffix.lower() in _NETCDF_SUFFIXES else "zarr"
    elif not isinstance(fmt, str) or fmt.lower() not in _FORMATS:
        raise ValueError(f"fmt must be one of {_FORMATS} or None, got {fmt!r}")
    fmt = fmt.lower()
    if fmt == "zarr" and out.exists() and not _is_zarr_store(out):
        raise FileExistsError(f"{out} exists and is not a Zarr store; refusing to replace it")
    if fmt == "netcdf" and out.is_dir():
        raise IsADirectoryError(f"{out} is a directory; a netCDF output must be a file")
    return out, fmt


def _is_zarr_store(path: Path) -> bool:
    return path.is_dir() and any((path / name).is_file() for name in ("zarr.json", ".zgroup", ".zarray"))


def _json_default(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def _check_attrs(attrs, fmt: str) -> dict:
    """Fail before any computation if `attrs` cannot be stored in `fmt`."""
    if attrs is None:
        return {}
    if not isinstance(attrs, Mapping):
        raise TypeError(f"attrs must be a mapping, got {type(attrs).__name__}")
    attrs = dict(attrs)
    for k, v in attrs.items():
        if not isinstance(k, str):
            raise TypeError(f"attribute names must be strings, got {k!r}")
        try:
            json.dumps(v, default=_json_default)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"attribute {k!r} cannot be stored ({exc}); use a string (e.g. JSON)") from None
        if fmt == "netcdf":
            items = np.asarray(v).ravel().tolist() if isinstance(v, (list, tuple, np.ndarray)) else [v]
            if not items or not all(isinstance(x, (str, numbers.Number)) and not isinstance(x, bool)
                                    for x in items):
                raise TypeError(f"attribute {k!r}={v!r} cannot be stored in netCDF: use strings, numbers "
                                "or non-empty lists of them (booleans and None are not allowed)")
    return attrs


def _fsync_tree(root: Path) -> None:
    """Flush every file (and, where possible, directory) under `root` to disk."""
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        with contextlib.suppress(OSError):  # directories cannot be opened on Windows
            fd = os.open(dirpath, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _publish_dir(tmp: Path, out: Path) -> None:
    """Move the complete store `tmp` to `out`, replacing a previous store there."""
    if not out.exists():
        os.replace(tmp, out)
        return
    old = out.parent / f".{out.name}.{uuid.uuid4().hex}.old"
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _zarr_kwargs() -> dict:
    import zarr

    # zarr-python 2 writes format 2 and xarray versions that predate zarr 3 lack the keyword
    return {"zarr_format": ZARR_FORMAT} if int(zarr.__version__.split(".")[0]) >= 3 else {}


class _ZarrSink:
    """Zarr store being filled region by region (one writer, one region at a time).

    The store is created from the first result received (any chunk): every
    variable with the chunk dimension gets its full length ``n`` (lazy, not
    written), the chunk coordinate is ``0 .. n - 1`` and the coordinates
    without the chunk dimension are written once. Later results must have
    the same variables, dimensions, dtypes and such coordinates.
    """

    def __init__(self, path: Path, dim: str, n: int, zchunk: int, attrs: dict):
        self.path = path
        self.dim = dim
        self.n = n
        self.zchunk = zchunk
        self.attrs = attrs
        self.written: set[int] = set()
        self._schema: dict | None = None
        self._static: dict[Hashable, xr.Variable] = {}
        self._drop: list[Hashable] = []

    # -- checks
    def _check(self, index: int, chunk: Chunk, ds) -> None:
        dim, where = self.dim, _describe(index, chunk, self.dim)
        if not isinstance(ds, xr.Dataset):
            raise TypeError(f"{where}: the task returned a {type(ds).__name__}, expected an xarray.Dataset")
        if dim not in ds.coords or ds[dim].dims != (dim,):
            raise ValueError(f"{where}: the result has no {dim!r} coordinate (the chunk's labels)")
        labels = ds[dim].values
        if labels.dtype.kind not in "iu" or not np.array_equal(labels, np.arange(chunk.start, chunk.stop)):
            got = f"{labels[:3].tolist()}...{labels[-1:].tolist()}" if labels.size > 4 else labels.tolist()
            raise ValueError(f"{where}: coordinate {dim!r} must be the integers {chunk.start}..{chunk.stop - 1} "
                             f"in order, got {got} ({labels.size} values, dtype {labels.dtype})")
        for name, var in ds.data_vars.items():
            if var.dims[:1] != (dim,):
                raise ValueError(f"{where}: data variable {name!r} has dimensions {var.dims}; every data "
                                 f"variable must have {dim!r} as its first dimension")
        for name, variable in ds.variables.items():
            if variable.dtype.kind == "O" and dim in variable.dims:
                raise TypeError(f"{where}: variable {name!r} has dtype object, which cannot be stored region by "
                                "region; use fixed-width strings (.astype(str)) or numbers")
        if self._schema is None:
            return
        schema = _schema_of(ds, dim)
        if schema != self._schema:
            diff = sorted(set(schema.items()) ^ set(self._schema.items()), key=str)
            names = sorted({d[0] for d in diff})
            lines = []
            for name in names:
                want, got = self._schema.get(name), schema.get(name)
                lines.append(f"{name!r}: expected {_fmt_schema(want)}, got {_fmt_schema(got)}")
            raise ValueError(f"{where}: the result does not match the first result received:\n  "
                             + "\n  ".join(lines))
        for name, static in self._static.items():
            if not static.equals(ds.variables[name]):
                raise ValueError(f"{where}: coordinate {name!r} differs from the first result received "
                                 f"(coordinates without {dim!r} must be the same in every chunk)")

    # -- writing
    def _create(self, ds: xr.Dataset) -> None:
        import dask.array as da

        dim, n = self.dim, self.n
        data_vars: dict[Hashable, xr.Variable] = {}
        coords: dict[Hashable, xr.Variable] = {}
        for name, var in ds.variables.items():
            enc = {k: var.encoding[k] for k in _KEEP_ENCODING if k in var.encoding}
            if name == dim:
                new = xr.Variable((dim,), np.arange(n, dtype=var.dtype), var.attrs)
            elif dim in var.dims:
                shape = tuple(n if d == dim else s for d, s in zip(var.dims, var.shape, strict=True))
                chunks = tuple(self.zchunk if d == dim else s for d, s in zip(var.dims, var.shape, strict=True))
                new = xr.Variable(var.dims, da.zeros(shape, dtype=var.dtype, chunks=chunks), var.attrs)
            else:
                new = var.copy(deep=False)
                self._static[name] = var
                self._drop.append(name)
            new.encoding = enc
            (data_vars if name in ds.data_vars else coords)[name] = new
        template = xr.Dataset(data_vars, coords=coords, attrs=self.attrs)
        self._drop.append(dim)
        # metadata and the coordinates only; the lazy zeros are never computed
        template.to_zarr(self.path, mode="w-", compute=False, consolidated=False, **_zarr_kwargs())

    def accept(self, index: int, chunk: Chunk, ds) -> bool:
        """Write the result of chunk `index` into its region; False for a duplicate (ignored)."""
        if index in self.written:
            logger.warning("duplicate result for %s ignored", _describe(index, chunk, self.dim))
            return False
        self._check(index, chunk, ds)
        if self._schema is None:
            self._create(ds)
            self._schema = _schema_of(ds, self.dim)
        region = ds.drop_vars(self._drop).copy(deep=False)  # new Variable objects: the result is not modified
        region.attrs = {}
        for var in region.variables.values():
            var.encoding = {}
        region.to_zarr(self.path, region={self.dim: slice(chunk.start, chunk.stop)}, mode="r+",
                       consolidated=False, **_zarr_kwargs())
        self.written.add(index)
        return True

    def missing(self, chunks: Sequence[Chunk]) -> list[int]:
        return [i for i in range(len(chunks)) if i not in self.written]

    def finish(self) -> None:
        """Consolidate the metadata and flush the store to disk."""
        import zarr

        zarr.consolidate_metadata(str(self.path))
        _fsync_tree(self.path)


def _schema_of(ds: xr.Dataset, dim: str) -> dict:
    """Name -> (is a data variable, dims, dtype, shape with None along `dim`)."""
    return {name: (name in ds.data_vars, var.dims, var.dtype,
                   tuple(None if d == dim else s for d, s in zip(var.dims, var.shape, strict=True)))
            for name, var in ds.variables.items()}


def _fmt_schema(entry) -> str:
    if entry is None:
        return "no such variable"
    is_data, dims, dtype, shape = entry
    kind = "data variable" if is_data else "coordinate"
    shape = tuple("*" if s is None else s for s in shape)
    return f"{kind} {dims} shape {shape} dtype {dtype}"


def _zarr_to_netcdf(store: Path, out: Path) -> None:
    """Convert a Zarr store to netCDF-4, one Zarr chunk in memory at a time."""
    import dask

    with xr.open_zarr(store, consolidated=True, chunks={}) as ds:
        for var in ds.variables.values():
            enc = {k: var.encoding[k] for k in ("dtype", "_FillValue", "scale_factor", "add_offset", "units",
                                                 "calendar") if k in var.encoding}
            if var.dtype.kind in "biuf" and var.ndim:
                enc.update(zlib=True, complevel=1)
            var.encoding = enc
        # the synchronous scheduler: sequential, bounded, and never a Dask client the caller made default
        with dask.config.set(scheduler="synchronous"), atomic_path(out) as tmp:
            ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4")


# --------------------------------------------------------------------------- running
def _task_name(task) -> str:
    return getattr(task, "__name__", type(task).__name__)


#: In-process runs keep their chunk results in memory (besides writing them) up to this many bytes, so
#: that the caller need not read back what it has just computed (see :func:`collect_chunks`). [bytes]
KEEP_IN_MEMORY_BYTES = 256 * 2**20


def _run_inprocess(task, chunks, sink: _ZarrSink, bar, keep: list | None = None) -> None:
    kept_bytes = 0
    for index, chunk in enumerate(chunks):
        try:
            ds = task(chunk)
        except Exception as exc:
            raise ChunkError(f"{_describe(index, chunk, sink.dim)} failed: {type(exc).__name__}: {exc}",
                             index, chunk) from exc
        sink.accept(index, chunk, ds)
        if keep is not None and kept_bytes >= 0:
            kept_bytes += int(ds.nbytes)
            if kept_bytes <= KEEP_IN_MEMORY_BYTES:
                keep.append(ds)
            else:  # too large to keep: the caller reads the store lazily
                keep.clear()
                kept_bytes = -1
        del ds
        bar.update(chunk.size)


def _run_dask(task, chunks, sink: _ZarrSink, retries: int, bar, *, workers, scheduler, memory_limit) -> None:
    import distributed

    with contextlib.ExitStack() as stack:
        if scheduler is not None:
            client = distributed.Client(scheduler, set_as_default=False)
            stack.callback(client.close)
        else:
            # no dashboard; the scheduler's small HTTP server (health, metrics) on a
            # free loopback port rather than the fixed default 8787
            cluster = distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None, memory_limit="auto" if memory_limit is None else memory_limit,
                scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"})
            stack.callback(cluster.close)
            client = distributed.Client(cluster, set_as_default=False)
            stack.callback(client.close)
        slots = sum(client.nthreads().values()) or (workers or 1)
        ahead = 2 * slots + 2
        # one key per chunk: readable on the dashboard, unique to this run (a key
        # shared with an earlier run on the same scheduler could return its result)
        run = uuid.uuid4().hex[:12]
        prefix = f"ssproj-{_task_name(task)}-{run}"
        index_of: dict[Any, int] = {}  # future key -> chunk index
        outstanding: dict[int, Any] = {}
        todo = iter(range(len(chunks)))
        ac = distributed.as_completed(loop=client.loop)

        def submit_next() -> bool:
            index = next(todo, None)
            if index is None:
                return False
            fut = client.submit(task, chunks[index], key=f"{prefix}-{index}", retries=retries, pure=False)
            index_of[fut.key] = index
            outstanding[index] = fut
            ac.add(fut)
            return True

        try:
            for _ in range(ahead):
                if not submit_next():
                    break
            for fut in ac:
                index = index_of[fut.key]
                outstanding.pop(index, None)
                chunk = chunks[index]
                if index in sink.written:
                    logger.warning("duplicate result for %s ignored", _describe(index, chunk, sink.dim))
                    del fut
                    submit_next()
                    continue
                try:
                    ds = fut.result()  # waits for a recomputation if the holding worker died
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as exc:  # including distributed's FutureCancelledError
                    raise ChunkError(f"{_describe(index, chunk, sink.dim)} failed: {type(exc).__name__}: {exc}",
                                     index, chunk) from exc
                del fut
                sink.accept(index, chunk, ds)
                del ds
                bar.update(chunk.size)
                submit_next()
        finally:
            if outstanding:
                with contextlib.suppress(Exception):
                    client.cancel(list(outstanding.values()))
                outstanding.clear()


def run_chunks(task: Callable[[Chunk], xr.Dataset], chunks: Sequence[Chunk], out, *, dim: str = "path",
               workers: int | None = None, scheduler: str | None = None, progress: bool = True,
               retries: int = 3, fmt: str | None = None, attrs: Mapping | None = None,
               memory_limit: str | int | float | None = None, keep: list | None = None) -> Path:
    """Run ``task(chunk)`` for every chunk and write the results to one Zarr or netCDF dataset.

    Parameters
    ----------
    task : callable
        ``task(chunk) -> xarray.Dataset``: a picklable top-level function
        (Dask workers import it). The dataset's data variables all have
        `dim` first, its coordinate `dim` holds the chunk's labels
        ``chunk.start .. chunk.stop - 1`` (integers, in order), and every
        other dimension and coordinate is the same for all chunks. Values
        are stored as returned (dtype kept; strings along `dim` need the
        same fixed width in every chunk, e.g. ``astype("<U32")``, and
        object arrays are refused). Global attributes of the
        results are dropped (they could differ by chunk; use `attrs`);
        variable attributes are taken from the first result received.
    chunks : sequence of Chunk
        Must tile ``0 .. N - 1`` without gaps or overlaps (in any order;
        in-process they run in the order given). See :func:`make_chunks`.
    out : str or Path
        Target: a ``.zarr`` directory or a ``.nc`` file. An existing Zarr
        store or file there is replaced when the run succeeds; any other
        existing directory is refused.
    dim : str
        Name of the chunk dimension (``"path"``, ``"scenario"``...).
    workers : int, optional
        Start a local Dask cluster with this many worker processes (one
        thread each, loopback interface only, no dashboard) for this run.
    scheduler : str, optional
        Address of a running ``dask.distributed`` scheduler, e.g.
        ``"tcp://10.0.0.5:8786"``. Its workers must be able to import
        `task`; results come back to this process, which writes them.
    progress : bool
        Show a progress bar (tqdm, stderr) counting labels of `dim`.
    retries : int
        With Dask, times a chunk whose task raised is re-run before the run
        fails (for transient failures on a cluster). In-process the first
        failure is final: it is raised at once, with its traceback. Worker
        processes that die are a separate matter, handled by Dask: their
        tasks are re-run elsewhere, up to
        ``distributed.scheduler.allowed-failures`` (default 3) deaths per
        task, after which the chunk fails with ``KilledWorker``.
    fmt : {"zarr", "netcdf"}, optional
        Output format; default from the suffix of `out` (``.nc``: netCDF,
        otherwise Zarr).
    attrs : mapping, optional
        Global attributes of the output (strings, numbers or lists of them;
        e.g. provenance as a JSON string). Checked before any task runs.
    memory_limit : str or number, optional
        Memory limit per worker of the local cluster (e.g. ``"4GiB"``);
        default ``"auto"`` (system memory / workers). Only with `workers`.
    keep : list, optional
        In-process only: the chunk results are also appended to it, in
        order, while they total at most :data:`KEEP_IN_MEMORY_BYTES` (the
        list is emptied if they grow larger).

    Returns
    -------
    pathlib.Path
        `out`, complete.

    Raises
    ------
    ChunkError
        A task failed (after `retries`); the message names the chunk and the
        original exception is chained. Nothing is written at `out`.
    ValueError
        Invalid arguments, chunks that do not tile ``0 .. N - 1``, or a
        result that does not fit (wrong labels, dimensions or dtypes; the
        chunk is named).
    RuntimeError
        Some chunks were never written (should not happen; names them).

    Notes
    -----
    Memory: the driver holds one chunk result at a time (plus the store's
    small metadata); with Dask at most ``2 x threads + 2`` tasks are
    submitted ahead, and results wait on the workers until the driver
    fetches them. Each region is written exactly once: a result for a chunk
    already written is ignored. The Zarr store (format 2, consolidated
    metadata, chunked along `dim` like the chunks) is written in a hidden
    temporary directory next to `out`, flushed to disk and renamed to `out`
    only on success (an existing store at `out` is moved aside, replaced,
    then deleted); it is removed on failure. netCDF output is converted from
    that temporary store at the end (netCDF-4, zlib level 1), streaming one
    Zarr chunk at a time, and moved into place atomically.
    """
    if not callable(task):
        raise TypeError(f"task must be callable, got {type(task).__name__}")
    if not isinstance(dim, str) or not dim:
        raise ValueError(f"dim must be a non-empty string, got {dim!r}")
    if workers is not None and scheduler is not None:
        raise ValueError("give either workers= (a local Dask cluster) or scheduler= (a running one), not both")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, numbers.Integral)
                                or workers < 1):
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler):
        raise ValueError(f"scheduler must be an address such as 'tcp://127.0.0.1:8786', got {scheduler!r}")
    if memory_limit is not None and workers is None:
        raise ValueError("memory_limit applies to the local Dask cluster started with workers=")
    if isinstance(retries, bool) or not isinstance(retries, numbers.Integral) or retries < 0:
        raise ValueError(f"retries must be an integer >= 0, got {retries!r}")
    chunks, n = _check_chunks(chunks, dim)
    out, fmt = _resolve_out(out, fmt)
    attrs = _check_attrs(attrs, fmt)

    from tqdm.auto import tqdm

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.{uuid.uuid4().hex}.zarr.tmp"
    sink = _ZarrSink(tmp, dim, n, _zarr_chunk_size(chunks), attrs)
    try:
        with tqdm(total=n, unit=dim, file=sys.stderr, disable=not progress) as bar:
            if workers is None and scheduler is None:
                _run_inprocess(task, chunks, sink, bar, keep)
            else:
                _run_dask(task, chunks, sink, int(retries), bar, workers=None if workers is None else int(workers),
                          scheduler=scheduler, memory_limit=memory_limit)
        missing = sink.missing(chunks)
        if missing:
            names = ", ".join(_describe(i, chunks[i], dim) for i in missing[:20])
            more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
            raise RuntimeError(f"{len(missing)} chunk(s) were never written: {names}{more}")
        sink.finish()
        if fmt == "zarr":
            _publish_dir(tmp, out)
        else:
            _zarr_to_netcdf(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def collect_chunks(task: Callable[[Chunk], xr.Dataset], chunks: Sequence[Chunk], out=None, *, dim: str = "path",
                   workers: int | None = None, scheduler: str | None = None, progress: bool = False,
                   attrs: Mapping[str, Any] | None = None) -> tuple[xr.Dataset, Path | None]:
    """Run chunks and return their results as one Dataset, wherever they run.

    * no `out`, in-process: the chunks' results concatenated in memory;
    * no `out`, on Dask (`workers` or `scheduler`): through a temporary
      store, loaded into memory and removed;
    * `out`: :func:`run_chunks` writes the store, opened lazily (bounded
      memory); in-process, results of at most :data:`KEEP_IN_MEMORY_BYTES`
      in all are returned from memory instead (the same values, not read
      back from the store just written).

    Returns
    -------
    (xarray.Dataset, Path or None)
        The results with `attrs`, and the store written (None without `out`).
    """
    if out is None and workers is None and scheduler is None:
        parts = [task(c) for c in chunks]
        ds = xr.concat(parts, dim=dim) if len(parts) > 1 else parts[0]
        ds.attrs = dict(attrs or {})
        return ds, None
    if out is None:
        with tempfile.TemporaryDirectory(prefix="ssproj-") as tmp:
            path = run_chunks(task, chunks, Path(tmp) / "results.zarr", dim=dim, workers=workers,
                              scheduler=scheduler, progress=progress, attrs=attrs)
            with open_result(path) as ds:
                return ds.load(), None
    kept: list[xr.Dataset] = []
    path = run_chunks(task, chunks, out, dim=dim, workers=workers, scheduler=scheduler, progress=progress,
                      attrs=attrs, keep=kept if workers is None and scheduler is None else None)
    if kept and len(kept) == len(chunks):
        ds = xr.concat(kept, dim=dim) if len(kept) > 1 else kept[0]
        ds.attrs = dict(attrs or {})
        return ds, path
    return open_result(path), path


def open_result(path) -> xr.Dataset:
    """Open a dataset written by :func:`run_chunks`, lazily (Dask arrays).

    Parameters
    ----------
    path : str or Path
        A Zarr store (directory) or a netCDF file.

    Returns
    -------
    xarray.Dataset
        Backed by the file; close it (or use ``with``) when done.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no result at {path}")
    if path.is_dir():
        return xr.open_zarr(path, consolidated=True if (path / ".zmetadata").is_file() else None)
    return xr.open_dataset(path, chunks={})


def _demo_task(chunk: Chunk) -> xr.Dataset:
    """Toy task: a Gaussian random walk over ``years`` years for each path of `chunk`.

    ``chunk.payload`` is ``(seed, years)`` (default ``(0, 10)``). Path ``i``
    draws from ``numpy.random.SeedSequence(seed, spawn_key=(i,))``, so it is
    the same whatever the chunking or the backend. Variable ``walk`` (path,
    year), dimensionless.
    """
    seed, years = chunk.payload if chunk.payload is not None else (0, 10)
    walk = np.empty((chunk.size, years))
    for k, i in enumerate(chunk.labels):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)))
        walk[k] = np.cumsum(rng.standard_normal(years))
    return xr.Dataset({"walk": (("path", "year"), walk, {"units": "1"})},
                      coords={"path": np.arange(chunk.start, chunk.stop, dtype=np.int64),
                              "year": np.arange(years, dtype=np.int64)})
