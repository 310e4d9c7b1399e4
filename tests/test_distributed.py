"""ssproj.uncertainty.distributed: chunked runs in-process and on Dask, written to Zarr/netCDF.

Dask clusters listen on the loopback interface only. The toy task lives in
tests/_dask_tasks.py so that worker processes can import it.
"""
from __future__ import annotations

import os
import shutil
import signal
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from _dask_tasks import ToyJob, bad_labels_task, drifting_dtype_task, flaky_task, toy_dataset, toy_task
from ssproj.uncertainty import distributed as sd
from ssproj.uncertainty.distributed import Chunk, ChunkError, make_chunks, open_result, run_chunks

ATTRS = {"title": "toy run", "provenance": '{"seed": 12345}', "n_paths": 1000}


def with_job(chunks, job):
    return [Chunk(c.start, c.stop, job) for c in chunks]


def assert_identical(a: xr.Dataset, b: xr.Dataset, *, same_dtype: bool = True) -> None:
    """Same variables, same values bit for bit (NaN where NaN), same dtypes."""
    assert set(a.variables) == set(b.variables)
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.variables:
        x, y = a[name].values, b[name].values
        assert a[name].dims == b[name].dims, name
        if same_dtype or x.dtype.kind in "biuf":
            assert x.dtype == y.dtype, (name, x.dtype, y.dtype)
        if x.dtype.kind == "f":
            assert np.array_equal(x.view(f"u{x.itemsize}"), y.view(f"u{y.itemsize}")), name  # bit for bit
        else:
            assert np.array_equal(x, y), name


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def job():
    return ToyJob(seed=12345, n_years=30, n_vars=3)


@pytest.fixture(scope="module")
def expected(job):
    """All 1000 paths computed in memory in one go."""
    return toy_dataset(job, 0, 1000)


@pytest.fixture(scope="module")
def inprocess(job, tmp_path_factory):
    path = run_chunks(toy_task, with_job(make_chunks(1000, 100), job), tmp_path_factory.mktemp("ip") / "r.zarr",
                      progress=False, attrs=ATTRS)
    with open_result(path) as ds:
        yield ds.load()


@pytest.fixture(scope="module")
def cluster():
    """A loopback LocalCluster with 2 single-threaded worker processes, and a client to it."""
    import distributed  # a declared dependency: a missing one must fail, not skip
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cl, distributed.Client(cl, set_as_default=False) as cli:
        yield cl, cli


# --------------------------------------------------------------------------- chunks
def test_make_chunks():
    assert [(c.start, c.stop) for c in make_chunks(10, 4)] == [(0, 4), (4, 8), (8, 10)]
    assert [(c.start, c.stop) for c in make_chunks(3, 10)] == [(0, 3)]
    assert make_chunks(6, 3)[1].size == 3 and list(make_chunks(6, 3)[1].labels) == [3, 4, 5]
    for n, size in ((0, 1), (5, 0), (2.5, 1), (True, 1), (5, -1)):
        with pytest.raises(ValueError, match="positive integer"):
            make_chunks(n, size)


def test_chunk_checks_its_bounds():
    assert Chunk(np.int64(2), np.int32(5)).start == 2
    with pytest.raises(ValueError, match="0 <= start < stop"):
        Chunk(5, 5)
    with pytest.raises(ValueError, match="0 <= start < stop"):
        Chunk(-1, 3)
    with pytest.raises(TypeError, match="integer"):
        Chunk(0.0, 3)
    assert "payload" not in repr(Chunk(0, 1, payload="x" * 1000))  # error messages stay short


@pytest.mark.parametrize("bounds, message", [
    ([(0, 10), (12, 20)], r"gap: no chunk covers path 10\.\.11"),
    ([(5, 10)], r"gap: no chunk covers path 0\.\.4"),
    ([(0, 10), (8, 20)], r"overlap: chunks\[1\] \(path 8\.\.19\) overlaps chunks\[0\] \(path 0\.\.9\)"),
    ([(0, 10), (0, 10)], r"overlap"),
    ([(0, 20), (5, 10)], r"overlap: chunks\[1\] \(path 5\.\.9\) overlaps chunks\[0\]"),
])
def test_chunks_must_tile(tmp_path, bounds, message):
    calls = []
    with pytest.raises(ValueError, match=message):
        run_chunks(calls.append, [Chunk(a, b) for a, b in bounds], tmp_path / "r.zarr", progress=False)
    assert not calls and not list(tmp_path.iterdir())


def test_chunk_list_errors(tmp_path):
    with pytest.raises(ValueError, match="no chunks"):
        run_chunks(toy_task, [], tmp_path / "r.zarr")
    with pytest.raises(TypeError, match=r"chunks\[1\] is a tuple"):
        run_chunks(toy_task, [Chunk(0, 2), (2, 4)], tmp_path / "r.zarr")
    # gaps and overlaps are all reported at once
    with pytest.raises(ValueError) as err:
        run_chunks(toy_task, [Chunk(0, 5), Chunk(3, 8), Chunk(10, 12)], tmp_path / "r.zarr", dim="scenario")
    assert "overlap" in str(err.value) and "gap: no chunk covers scenario 8..9" in str(err.value)


def test_argument_errors(tmp_path):
    chunks = make_chunks(4, 2)
    with pytest.raises(ValueError, match="not both"):
        run_chunks(toy_task, chunks, tmp_path / "r.zarr", workers=2, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="memory_limit"):
        run_chunks(toy_task, chunks, tmp_path / "r.zarr", memory_limit="1GiB")
    with pytest.raises(ValueError, match="workers must be"):
        run_chunks(toy_task, chunks, tmp_path / "r.zarr", workers=0)
    with pytest.raises(ValueError, match="fmt must be"):
        run_chunks(toy_task, chunks, tmp_path / "r.zarr", fmt="hdf5")
    with pytest.raises(ValueError, match="retries"):
        run_chunks(toy_task, chunks, tmp_path / "r.zarr", retries=-1)
    # attributes netCDF cannot hold fail before any task runs
    with pytest.raises(TypeError, match=r"'flag'.*netCDF"):
        run_chunks(toy_task, chunks, tmp_path / "r.nc", attrs={"flag": True})
    with pytest.raises(TypeError, match="'obj'"):
        run_chunks(toy_task, chunks, tmp_path / "r.zarr", attrs={"obj": object()})
    assert not list(tmp_path.iterdir())


# --------------------------------------------------------------------------- results
@pytest.mark.parametrize("bounds", [
    None,                                                       # make_chunks(1000, 100)
    [(0, 1000)],                                                # one chunk
    [(530, 1000), (0, 130), (200, 530), (130, 200)],            # irregular, out of order
])
def test_inprocess_equals_direct(tmp_path, job, expected, bounds):
    chunks = make_chunks(1000, 100) if bounds is None else [Chunk(a, b) for a, b in bounds]
    path = run_chunks(toy_task, with_job(chunks, job), tmp_path / "r.zarr", progress=False, attrs=ATTRS)
    assert path == tmp_path / "r.zarr" and path.is_dir()
    assert leftovers(tmp_path) == []
    with open_result(path) as ds:
        assert ds.attrs == ATTRS
        assert ds["v01"].attrs["units"] == "currency"
        assert np.isnan(ds["v00"].values[3, 0])
        assert_identical(ds.load(), expected)


@pytest.mark.slow
def test_local_cluster_bit_identical(tmp_path, job, expected, inprocess):
    path = run_chunks(toy_task, with_job(make_chunks(1000, 100), job), tmp_path / "r.zarr", workers=2,
                      progress=False, attrs=ATTRS)
    with open_result(path) as ds:
        assert ds.attrs == ATTRS
        ds = ds.load()
    assert_identical(ds, inprocess)
    assert_identical(ds, expected)


def test_netcdf_equals_zarr(tmp_path, job, inprocess):
    path = run_chunks(toy_task, with_job(make_chunks(1000, 100), job), tmp_path / "r.nc", progress=False,
                      attrs=ATTRS)
    assert path.is_file() and leftovers(tmp_path) == []
    with open_result(path) as ds:
        assert ds.attrs == ATTRS
        assert_identical(ds.load(), inprocess, same_dtype=False)  # netCDF-4 reads strings back as objects
    # fmt= overrides the suffix
    other = run_chunks(toy_task, with_job(make_chunks(1000, 250), job), tmp_path / "r.data", fmt="netcdf",
                       progress=False)
    with open_result(other) as ds:
        assert_identical(ds.load(), inprocess, same_dtype=False)


def test_demo_task(tmp_path):
    path = run_chunks(sd._demo_task, [Chunk(c.start, c.stop, (7, 5)) for c in make_chunks(9, 4)],
                      tmp_path / "walks.zarr", progress=False)
    with open_result(path) as ds:
        assert ds["walk"].shape == (9, 5)
        np.testing.assert_array_equal(ds["walk"].values, sd._demo_task(Chunk(0, 9, (7, 5)))["walk"].values)


def test_progress_bar(tmp_path, job, capsys):
    run_chunks(toy_task, with_job(make_chunks(40, 10), job), tmp_path / "r.zarr", progress=True)
    err = capsys.readouterr().err
    assert "40/40" in err and "path/s" in err
    run_chunks(toy_task, with_job(make_chunks(40, 10), job), tmp_path / "s.zarr", progress=False)
    assert capsys.readouterr().err == ""


def test_inprocess_starts_no_dask(tmp_path, job, monkeypatch):
    import distributed  # a declared dependency: a missing one must fail, not skip

    def forbidden(*args, **kwargs):
        raise AssertionError("the in-process backend must not use dask.distributed")

    monkeypatch.setattr(distributed, "Client", forbidden)
    monkeypatch.setattr(distributed, "LocalCluster", forbidden)
    run_chunks(toy_task, with_job(make_chunks(20, 10), job), tmp_path / "r.zarr", progress=False)


# --------------------------------------------------------------------------- memory
N_BIG, YEARS_BIG, VARS_BIG, CHUNK_BIG = 10_000, 80, 20, 500
FULL_BYTES = N_BIG * YEARS_BIG * VARS_BIG * 8  # 128 MB of float64 walks
PEAK_LIMIT = 40e6


def _traced_peak(task, chunks, out) -> float:
    """Peak of Python-tracked allocations (numpy included) during the run, in bytes above the start."""
    # warm up first, so that first-time imports (codecs, backends) are not counted
    run_chunks(task, chunks[:1], out.with_name("warm-up.zarr"), progress=False)
    shutil.rmtree(out.with_name("warm-up.zarr"))
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        run_chunks(task, chunks, out, progress=False)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_bounded_memory(tmp_path):
    job = ToyJob(seed=99, n_years=YEARS_BIG, n_vars=VARS_BIG)
    chunks = with_job(make_chunks(N_BIG, CHUNK_BIG), job)
    t0 = time.perf_counter()
    peak = _traced_peak(toy_task, chunks, tmp_path / "big.zarr")
    elapsed = time.perf_counter() - t0
    print(f"\n{N_BIG} paths x {YEARS_BIG} years x {VARS_BIG} vars ({FULL_BYTES / 1e6:.0f} MB): "
          f"peak traced {peak / 1e6:.1f} MB, {elapsed:.1f} s with tracemalloc")
    assert peak < PEAK_LIMIT, f"driver peak {peak / 1e6:.1f} MB for a {FULL_BYTES / 1e6:.0f} MB result"
    with open_result(tmp_path / "big.zarr") as ds:
        assert ds.sizes["path"] == N_BIG
        np.testing.assert_array_equal(ds["path"].values, np.arange(N_BIG))
        for name in [f"v{j:02d}" for j in range(VARS_BIG)]:
            assert ds[name].shape == (N_BIG, YEARS_BIG)
        for name in ("v00", f"v{VARS_BIG - 1:02d}"):  # every region was written (unwritten = NaN)
            assert int(ds[name].notnull().sum()) == N_BIG * YEARS_BIG - (name == "v00")
        for a, b in ((0, 3), (4990, 5010), (N_BIG - 2, N_BIG)):
            assert_identical(ds.isel(path=slice(a, b)).load(), toy_dataset(job, a, b))


@pytest.mark.slow
def test_memory_probe_catches_hoarding(tmp_path):
    """Control: the same probe fails a run that keeps every result (here the task keeps them).

    On 4,000 paths (51 MB of walks) to save time; the full 10,000 would be 128 MB.
    """
    job = ToyJob(seed=99, n_years=YEARS_BIG, n_vars=VARS_BIG)
    n = 4_000
    kept = []

    def hoarding_task(chunk):
        ds = toy_task(chunk)
        kept.append(ds)
        return ds

    peak = _traced_peak(hoarding_task, with_job(make_chunks(n, CHUNK_BIG), job), tmp_path / "big.zarr")
    print(f"\nhoarding {n} paths: peak traced {peak / 1e6:.1f} MB")
    assert peak > n * YEARS_BIG * VARS_BIG * 8 > PEAK_LIMIT


# --------------------------------------------------------------------------- failures
def test_failure_leaves_nothing_and_names_the_chunk(tmp_path, job):
    out = tmp_path / "r.zarr"
    bad = ToyJob(seed=job.seed, n_years=job.n_years, n_vars=job.n_vars, fail_at=345)
    with pytest.raises(ChunkError, match=r"chunk 3 \(path 300\.\.399\) failed: ValueError: toy failure") as err:
        run_chunks(toy_task, with_job(make_chunks(1000, 100), bad), out, progress=False)
    assert err.value.index == 3 and err.value.chunk.start == 300
    assert isinstance(err.value.__cause__, ValueError)
    assert not list(tmp_path.iterdir())
    # a previous result at the target survives a failed run, and is replaced by a successful one
    run_chunks(toy_task, with_job(make_chunks(20, 10), job), out, progress=False)
    with pytest.raises(ChunkError):
        run_chunks(toy_task, with_job(make_chunks(1000, 100), bad), out, progress=False, retries=0)
    with open_result(out) as ds:
        assert ds.sizes["path"] == 20
    run_chunks(toy_task, with_job(make_chunks(30, 10), job), out, progress=False)
    with open_result(out) as ds:
        assert ds.sizes["path"] == 30
    assert leftovers(tmp_path) == []
    # same for netCDF
    with pytest.raises(ChunkError, match="chunk 3"):
        run_chunks(toy_task, with_job(make_chunks(1000, 100), bad), tmp_path / "r.nc", progress=False, retries=0)
    assert not (tmp_path / "r.nc").exists() and leftovers(tmp_path) == []


def test_inprocess_does_not_retry(tmp_path, job):
    calls = []

    def flaky(chunk):
        calls.append(chunk.start)
        if chunk.start == 10:
            raise OSError("transient")
        return toy_task(chunk)

    with pytest.raises(ChunkError, match=r"chunk 1 \(path 10\.\.19\) failed: OSError: transient"):
        run_chunks(flaky, with_job(make_chunks(30, 10), job), tmp_path / "r.zarr", progress=False, retries=3)
    assert calls == [0, 10]  # failed at once, and the run stopped there


def test_bad_results_are_refused(tmp_path, job):
    with pytest.raises(ValueError, match=r"chunk 0 \(path 0\.\.9\): coordinate 'path' must be the integers 0\.\.9"):
        run_chunks(bad_labels_task, with_job(make_chunks(30, 10), job), tmp_path / "r.zarr", progress=False)
    with pytest.raises(ValueError, match=r"(?s)chunk 1 \(path 10\.\.19\).*'v00'.*float64.*float32"):
        run_chunks(drifting_dtype_task, with_job(make_chunks(30, 10), job), tmp_path / "r.zarr", progress=False)

    def transposed(chunk):
        return toy_task(chunk).transpose("year", "path", "sex")

    with pytest.raises(ValueError, match="'path' as its first dimension"):
        run_chunks(transposed, with_job(make_chunks(30, 10), job), tmp_path / "r.zarr", progress=False)

    def other_years(chunk):
        ds = toy_task(chunk)
        return ds if chunk.start == 0 else ds.assign_coords(year=ds["year"] + 1)

    with pytest.raises(ValueError, match="coordinate 'year' differs"):
        run_chunks(other_years, with_job(make_chunks(30, 10), job), tmp_path / "r.zarr", progress=False)
    def object_labels(chunk):
        ds = toy_task(chunk)
        return ds.assign(label=("path", np.array([f"p{i}" for i in chunk.labels], dtype=object)))

    with pytest.raises(TypeError, match="'label' has dtype object"):
        run_chunks(object_labels, with_job(make_chunks(30, 10), job), tmp_path / "r.zarr", progress=False)
    with pytest.raises(TypeError, match=r"expected an xarray\.Dataset"):
        run_chunks(lambda c: 1, make_chunks(30, 10), tmp_path / "r.zarr", progress=False)
    assert not list(tmp_path.iterdir())


def test_refuses_to_replace_a_non_zarr_directory(tmp_path, job):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "keep.txt").write_text("precious")
    with pytest.raises(FileExistsError, match="not a Zarr store"):
        run_chunks(toy_task, with_job(make_chunks(10, 5), job), tmp_path / "results", progress=False)
    with pytest.raises(IsADirectoryError):
        run_chunks(toy_task, with_job(make_chunks(10, 5), job), tmp_path / "results", fmt="netcdf", progress=False)
    assert (tmp_path / "results" / "keep.txt").read_text() == "precious"


def test_duplicates_ignored_and_missing_chunks_reported(tmp_path, job, monkeypatch):
    chunks = with_job(make_chunks(30, 10), job)
    sink = sd._ZarrSink(tmp_path / "s.zarr", "path", 30, 10, {})
    assert sink.accept(1, chunks[1], toy_task(chunks[1]))
    assert not sink.accept(1, chunks[1], toy_dataset(ToyJob(seed=1), 10, 20))  # a duplicate is not written
    assert sink.missing(chunks) == [0, 2]
    with xr.open_zarr(tmp_path / "s.zarr", consolidated=False) as ds:
        assert_identical(ds.isel(path=slice(10, 20)).load(), toy_dataset(job, 10, 20))

    def skips_one(task, chunks, sink, bar, keep=None):
        for i, c in enumerate(chunks):
            if i != 1:
                sink.accept(i, c, task(c))

    monkeypatch.setattr(sd, "_run_inprocess", skips_one)
    with pytest.raises(RuntimeError, match=r"1 chunk\(s\) were never written: chunk 1 \(path 10\.\.19\)"):
        run_chunks(toy_task, chunks, tmp_path / "r.zarr", progress=False)
    assert not (tmp_path / "r.zarr").exists() and leftovers(tmp_path) == []


# --------------------------------------------------------------------------- Dask failures
@pytest.mark.slow
def test_dask_task_failure(tmp_path, job, cluster):
    _, client = cluster
    bad = ToyJob(seed=job.seed, n_years=job.n_years, n_vars=job.n_vars, fail_at=345)
    with pytest.raises(ChunkError, match=r"chunk 3 \(path 300\.\.399\) failed: ValueError: toy failure"):
        run_chunks(toy_task, with_job(make_chunks(1000, 100), bad), tmp_path / "r.zarr",
                   scheduler=client.scheduler.address, progress=False, retries=0)
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_dask_retries(tmp_path, job, cluster):
    _, client = cluster
    flaky = ToyJob(seed=job.seed, n_years=job.n_years, n_vars=job.n_vars, marker_dir=str(tmp_path))
    chunks = with_job(make_chunks(40, 10), flaky)
    path = run_chunks(flaky_task, chunks, tmp_path / "r.zarr", scheduler=client.scheduler.address,
                      progress=False, retries=1)
    with open_result(path) as ds:
        assert_identical(ds.load(), toy_dataset(job, 0, 40))
    for p in tmp_path.glob("tried-*"):
        p.unlink()
    with pytest.raises(ChunkError, match="OSError: transient failure"):
        run_chunks(flaky_task, chunks, tmp_path / "s.zarr", scheduler=client.scheduler.address,
                   progress=False, retries=0)
    assert not (tmp_path / "s.zarr").exists()


@pytest.mark.slow
def test_killed_worker_costs_no_results(tmp_path, job, inprocess, cluster):
    """SIGKILL a worker process in the middle of a task: the run completes, identical to in-process."""
    cl, client = cluster
    marks = tmp_path / "marks"
    marks.mkdir()
    slow = ToyJob(seed=job.seed, n_years=job.n_years, n_vars=job.n_vars, sleep=0.25, marker_dir=str(marks))
    chunks = with_job(make_chunks(1000, 50), slow)  # 20 chunks
    worker_pids = set(client.run(os.getpid).values())
    outcome = {}

    def run():
        try:
            outcome["path"] = run_chunks(toy_task, chunks, tmp_path / "r.zarr", scheduler=cl.scheduler_address,
                                         progress=False, attrs=ATTRS)
        except BaseException as exc:  # reported below
            outcome["error"] = exc

    def names(kind):
        return [p.name.split("-") for p in marks.iterdir() if p.name.startswith(kind + "-")]

    t0 = time.perf_counter()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    killed = None
    deadline = time.monotonic() + 30
    while killed is None and thread.is_alive() and time.monotonic() < deadline:
        done = {(s, pid) for _, s, pid, _ in names("done")}
        busy = [(s, int(pid)) for _, s, pid, _ in names("start") if (s, pid) not in done]
        if len(done) >= 4 and busy:
            killed = busy[0]
            assert killed[1] in worker_pids
            os.kill(killed[1], signal.SIGKILL)  # a worker process of our cluster, mid-task
        time.sleep(0.02)
    assert killed is not None, f"no worker was killed: {outcome or 'run still going after 30 s'}"
    thread.join(timeout=90)
    assert not thread.is_alive(), "run_chunks hung after a worker was killed"
    elapsed = time.perf_counter() - t0
    assert "error" not in outcome, outcome.get("error")
    starts = names("start")
    print(f"\nkilled worker pid {killed[1]} during chunk at path {killed[0]}; {len(starts)} task starts "
          f"for {len(chunks)} chunks; {elapsed:.1f} s")
    assert len(starts) > len(chunks)  # the killed task ran again
    assert {s for _, s, _, _ in starts} == {str(c.start) for c in chunks}
    with open_result(outcome["path"]) as ds:
        ds = ds.load()
    np.testing.assert_array_equal(ds["path"].values, np.arange(1000))  # every path once
    assert_identical(ds, inprocess)


def test_in_process_results_come_from_memory_when_small(tmp_path, job, monkeypatch):
    """collect_chunks with a store, in-process: the results just computed (not read back), equal to the store;
    above KEEP_IN_MEMORY_BYTES the store is opened lazily instead."""
    chunks = with_job(make_chunks(30, 10), job)
    ds, path = sd.collect_chunks(toy_task, chunks, tmp_path / "a.zarr", attrs={"k": "v"})
    assert all(isinstance(v.data, np.ndarray) for v in ds.variables.values())  # in memory, no Dask
    with open_result(path) as back:
        xr.testing.assert_identical(ds, back.load())
    monkeypatch.setattr(sd, "KEEP_IN_MEMORY_BYTES", 100)
    lazy, _ = sd.collect_chunks(toy_task, chunks, tmp_path / "b.zarr", attrs={"k": "v"})
    assert any(not isinstance(v.data, np.ndarray) for v in lazy.data_vars.values())  # read lazily from the store
    xr.testing.assert_identical(lazy.load(), ds)
    lazy.close()
