"""Toy chunk tasks for tests/test_distributed.py.

A module of its own so that Dask worker processes can import the tasks by
name: pytest puts ``tests/`` on ``sys.path`` (no ``__init__.py``, like
``scheme_sets``) and spawned workers inherit the parent's ``sys.path``.
"""
from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

SEXES = ("male", "female")


@dataclass(frozen=True)
class ToyJob:
    """What the toy task needs (the chunk payload).

    Attributes
    ----------
    seed : int
        Root seed; path ``i`` draws from ``SeedSequence(seed, spawn_key=(i,))``.
    n_years : int
        Length of each random walk (years).
    n_vars : int
        Number of float64 random-walk variables ``v00``, ``v01``...
    sleep : float
        Seconds to sleep per chunk (to give a test time to kill a worker).
    fail_at : int or None
        The chunk containing this path raises ``ValueError``.
    marker_dir : str or None
        Write ``start-<chunk start>-<pid>-<uuid>`` when the task starts and
        ``done-...`` when it ends (to watch progress from the test).
    """

    seed: int = 12345
    n_years: int = 30
    n_vars: int = 3
    sleep: float = 0.0
    fail_at: int | None = None
    marker_dir: str | None = None


def toy_arrays(job: ToyJob, start: int, stop: int) -> dict[str, np.ndarray]:
    """Random walks for paths ``start .. stop - 1``: ``(n_vars, paths, years)`` and friends."""
    n = stop - start
    walks = np.empty((job.n_vars, n, job.n_years))
    counts = np.empty((n,), dtype=np.int64)
    by_sex = np.empty((n, job.n_years, 2), dtype=np.float32)
    for k, i in enumerate(range(start, stop)):
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(job.seed, spawn_key=(i,))))
        steps = rng.standard_normal((job.n_vars, job.n_years))
        walks[:, k, :] = np.cumsum(steps, axis=1)
        counts[k] = int((steps > 0).sum())
        by_sex[k] = rng.standard_normal((job.n_years, 2)).astype(np.float32)
    return {"walks": walks, "counts": counts, "by_sex": by_sex}


def toy_dataset(job: ToyJob, start: int, stop: int) -> xr.Dataset:
    """The dataset of paths ``start .. stop - 1`` (dims path, year, sex)."""
    a = toy_arrays(job, start, stop)
    data = {f"v{j:02d}": (("path", "year"), a["walks"][j], {"units": "currency"}) for j in range(job.n_vars)}
    data["up_steps"] = (("path",), a["counts"], {"units": "steps"})
    data["by_sex"] = (("path", "year", "sex"), a["by_sex"], {"units": "1"})
    # one value NaN to check missing values survive the round trip
    if start <= 3 < stop:
        data["v00"][1][3 - start, 0] = np.nan
    return xr.Dataset(data, coords={"path": np.arange(start, stop, dtype=np.int64),
                                    "year": np.arange(2025, 2025 + job.n_years, dtype=np.int64),
                                    "sex": list(SEXES)})


def _mark(job: ToyJob, what: str, start: int) -> None:
    if job.marker_dir:
        Path(job.marker_dir, f"{what}-{start}-{os.getpid()}-{uuid.uuid4().hex}").touch()


def toy_task(chunk) -> xr.Dataset:
    """The chunk task: ``toy_dataset(chunk.payload, chunk.start, chunk.stop)``."""
    job: ToyJob = chunk.payload
    _mark(job, "start", chunk.start)
    if job.sleep:
        time.sleep(job.sleep)
    if job.fail_at is not None and chunk.start <= job.fail_at < chunk.stop:
        raise ValueError(f"toy failure at path {job.fail_at}")
    ds = toy_dataset(job, chunk.start, chunk.stop)
    _mark(job, "done", chunk.start)
    return ds


def bad_labels_task(chunk) -> xr.Dataset:
    """Returns labels shifted by one (a bug the runner must catch)."""
    ds = toy_dataset(chunk.payload, chunk.start, chunk.stop)
    return ds.assign_coords(path=ds["path"] + 1)


def drifting_dtype_task(chunk) -> xr.Dataset:
    """Chunks after the first return ``v00`` as float32 (the runner must refuse, not cast)."""
    ds = toy_dataset(chunk.payload, chunk.start, chunk.stop)
    return ds if chunk.start == 0 else ds.assign(v00=ds["v00"].astype(np.float32))


def flaky_task(chunk) -> xr.Dataset:
    """Fails the first time each chunk runs (``tried-<start>`` in ``marker_dir`` remembers), then works."""
    job: ToyJob = chunk.payload
    tried = Path(job.marker_dir, f"tried-{chunk.start}")
    if not tried.exists():
        tried.touch()
        raise OSError(f"transient failure at path {chunk.start}")
    return toy_dataset(job, chunk.start, chunk.stop)
