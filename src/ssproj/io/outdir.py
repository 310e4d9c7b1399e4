"""Result folders written as a unit: staged, listed in a manifest, locked, swapped in by rename.

:func:`result_folder` is the one way ssproj writes a folder of results
(``ssproj run``, ``stochastic``, ``sweep``, ``robustness``, ``compare``, ``sensitivity``,
``solve``, ``ingest`` and the ``write`` methods of the result classes)::

    with result_folder("results/lao", kind="projection", scenario="lao") as stage:
        write_files_into(stage.path)          # a hidden sibling: results/.lao.<uuid>.tmp
    # here results/lao holds the new files and manifest.json, or (on error) the previous result

* **Staging.** Every file goes into a temporary sibling folder
  ``.<name>.<uuid>.tmp`` next to the target. When the body of the ``with``
  has finished, ``manifest.json`` is written last (kind of result, scenario
  name, a hash of the inputs when the caller gives one, ssproj version, and
  every file with its size and sha256; no time stamp, so identical runs
  write identical bytes), every file is flushed to disk, and the staged
  folder replaces the target: the previous folder is renamed aside
  (``.<name>.<uuid>.old``), the new one renamed in, the old one deleted. An
  error (or a kill) before that leaves the previous complete result as it
  was and the staged folder is removed (by the next run, after a kill).
  *The window*: between the two renames (two system calls, microseconds)
  the target does not exist; a run killed exactly there leaves the previous
  result complete in ``.<name>.<uuid>.old``, and the next run into the same
  folder renames it back before starting.
* **Lock.** ``<target>.lock`` next to the target, created with ``O_EXCL``,
  holds the pid and host of the writing process. A second run into the same
  folder fails at once with :class:`ResultFolderLocked` naming the folder and
  the pid. A lock whose process is gone (same host, pid not alive) is taken
  over; on Windows, or for a lock of another host, it has to be deleted by
  hand.
* **Stale debris.** At the start of a run, under the lock, staged and
  set-aside folders of killed runs next to the target (``.<name>.<32 hex
  digits>.tmp`` / ``.old``) and temporary files of killed per-file writes
  inside the target (``.<file>.<32 hex digits>...tmp``), older than the
  current run, are removed.
* **Clear errors.** A full disk (``ENOSPC``) or quota (``EDQUOT``), also
  when a library wraps it (xlsxwriter), and netCDF's ``NetCDF: HDF error``
  become a one-line :class:`ResultFolderError` (an :class:`OSError`) naming
  the file and the folder, and saying that the previous result is unchanged.
* **Only result folders are replaced.** An existing target must be a folder
  holding only files ssproj writes (those in its manifest, or the names of
  ssproj's result files); any other folder (``--out ~``) is refused.

Nested use: inside a ``result_folder`` block, a writer that opens
``result_folder`` on the staged folder itself (``Projection.write(stage.path)``)
writes straight into it, without a second stage, lock or manifest.

:func:`verify_result_folder` checks a folder against its manifest (``ssproj
report``); :func:`safe_name` turns a scenario name into a folder name.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ssproj._version import __version__
from ssproj.errors import display_path

__all__ = [
    "MANIFEST", "EXCEL_CREATED", "ResultFolderError", "ResultFolderLocked", "IncompleteResultError", "StagedFolder",
    "result_folder", "verify_result_folder", "read_manifest", "inputs_sha256", "safe_name", "fix_workbook_properties",
]

#: Name of the manifest file of a result folder (written last).
MANIFEST = "manifest.json"
#: ``format`` field of a manifest: tells an ssproj manifest from any other ``manifest.json``.
MANIFEST_FORMAT = "ssproj result folder"
MANIFEST_VERSION = 1

#: Creation date written into every Excel workbook (xlsxwriter would write the current time, so two
#: identical runs would write different bytes).
EXCEL_CREATED = datetime(2000, 1, 1, tzinfo=UTC)

#: Names of the files and folders ssproj writes into result folders: an existing folder holding only
#: these (and its manifest's files) may be replaced by a new result; any other folder is refused.
KNOWN_NAMES = frozenset({
    MANIFEST, "provenance.json", "report.html", "summary.csv",
    "results.nc", "population.csv", "results.xlsx",                                         # run
    "paths.zarr", "paths.nc", "depletion_probability.csv", "fan_charts.png",                # stochastic
    "sweep.zarr", "sweep.nc", "indicators.csv", "reserve_ratio.csv", "payg_cost_rate.csv",  # sweep
    "comparison.xlsx", "comparison.csv", "differences.csv", "relative_differences.csv",     # compare
    "decomposition.csv",
    "sensitivity.csv", "sensitivity.xlsx", "tornado.png",                                   # sensitivity
    "solution.yaml", "scenario.yaml",                                                       # solve
    "insured.csv", "pensioners.csv", "data_quality.md", "data_quality.csv",                 # ingest
    "data_quality_rows.csv",
    "calibrated.yaml", "reconciliation.csv", "reconciliation.md",                           # calibrate
    "robustness.csv", "effects.csv", "grid.csv", "robustness.md",                          # robustness
    "backcast.yaml", "history.csv", "backcast.md",                                          # backcast
})
_KNOWN_PATTERN = re.compile(r"percentiles_[A-Za-z0-9_]+\.csv")
#: Temporary files of the per-file atomic writers (ssproj.io.atomic, run_chunks): ``.<name>.<uuid>...tmp``.
_TEMP_FILE = re.compile(r"\.(?P<name>.+?)\.[0-9a-f]{32}(\.[^/]*)?\.tmp")
_TAKEOVER_GRACE = 30.0  # [s] an empty lock, or a takeover guard, older than this is stale

_active_lock = threading.Lock()
_active: dict[Path, StagedFolder] = {}


class ResultFolderError(OSError):
    """A result folder could not be written (disk full, locked, not a result folder...).

    An :class:`OSError` whose ``str()`` is the whole message (one line), so
    the command line shows it without a traceback.
    """

    def __init__(self, message: str, *, errno_: int | None = None) -> None:
        super().__init__(message)
        if errno_ is not None:
            self.errno = errno_

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "result folder error"


class ResultFolderLocked(ResultFolderError):
    """Another run is writing the same result folder (``folder``, ``pid`` of the other process)."""

    def __init__(self, message: str, folder: Path, pid: int | None) -> None:
        super().__init__(message, errno_=errno.EBUSY)
        self.folder = folder
        self.pid = pid


class IncompleteResultError(ValueError):
    """A result folder on disk is incomplete, altered, or not an ssproj result."""


# --------------------------------------------------------------------------- small helpers
def safe_name(name: object) -> str:
    """A folder name from a scenario name: ``[A-Za-z0-9._-]`` kept, anything else replaced by ``_``.

    Leading dots become ``_`` too (no hidden folders), so the name can never
    lead out of the folder it is joined to.

    Raises
    ------
    ValueError
        The name is empty, ``.`` or ``..`` (also after replacement).

    Examples
    --------
    >>> safe_name("../../x")
    '___.._x'
    >>> safe_name("Lao PDR/2024")
    'Lao_PDR_2024'
    """
    text = re.sub(r"[^A-Za-z0-9._-]", "_", str(name))
    if text in ("", ".", ".."):
        raise ValueError(f"scenario name {name!r} cannot be used as a folder name; give the output folder with --out")
    stripped = text.lstrip(".")
    return "_" * (len(text) - len(stripped)) + stripped  # no hidden folders (nor ssproj's own .<name>... temp names)


def inputs_sha256(data: Any) -> str:
    """sha256 of `data` as canonical JSON (sorted keys): the hash of a result's inputs (its provenance)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fix_workbook_properties(book: Any) -> None:
    """Give an xlsxwriter workbook fixed document properties (creation date :data:`EXCEL_CREATED`).

    Identical tables then make identical ``.xlsx`` bytes. `book` is an
    ``xlsxwriter.Workbook`` (``pandas.ExcelWriter(..., engine="xlsxwriter").book``).
    """
    book.set_properties({"created": EXCEL_CREATED})


def _sha256_file(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
            size += len(block)
    return size, h.hexdigest()


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":  # pragma: no cover - directories cannot be opened on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _files_under(root: Path) -> list[Path]:
    """Every file under `root` (relative, sorted as POSIX paths)."""
    out = []
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            out.append((Path(dirpath) / name).relative_to(root))
    return sorted(out, key=lambda p: p.as_posix())


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) would terminate the process on Windows
        return True
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: alive, another user's
        return True
    return True


# --------------------------------------------------------------------------- the lock
class _Lock:
    """``<target>.lock``: O_EXCL file with the owner's pid, host and a token."""

    def __init__(self, path: Path, folder: Path) -> None:
        self.path = path
        self.folder = folder
        self.token = uuid.uuid4().hex
        self.held = False

    def _owner(self) -> dict | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError:
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def _refuse(self, owner: dict) -> ResultFolderLocked:
        pid = owner.get("pid") if isinstance(owner.get("pid"), int) else None
        who = f"pid {pid}" if pid is not None else "an unknown process"
        host = owner.get("host")
        if host and host != socket.gethostname():
            who += f" on {host}"
        return ResultFolderLocked(
            f"{display_path(self.folder)} is being written by another ssproj run ({who}); wait for it to finish, "
            f"or, if that process is gone, delete the lock file {display_path(self.path)}",
            self.folder, pid)

    def _stale(self, owner: dict) -> bool:
        if not owner:  # empty or unreadable: a process killed between creating and writing it, if old
            try:
                return time.time() - self.path.stat().st_mtime > _TAKEOVER_GRACE
            except FileNotFoundError:
                return True
        pid = owner.get("pid")
        return (owner.get("host") == socket.gethostname() and isinstance(pid, int) and not _pid_alive(pid))

    def acquire(self) -> None:
        content = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "token": self.token}) + "\n"
        for _attempt in range(5):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                pass
            except OSError as exc:  # a parent that does not exist or cannot be written
                raise ResultFolderError(
                    f"cannot write the result folder {display_path(self.folder)}: its lock file "
                    f"{display_path(self.path)} cannot be created ({exc.strerror or exc}); choose an output "
                    "folder in a place you can write to") from exc
            else:
                try:
                    os.write(fd, content.encode("utf-8"))
                finally:
                    os.close(fd)
                self.held = True
                return
            owner = self._owner()
            if owner is None:  # released meanwhile: try again
                continue
            if not self._stale(owner):
                raise self._refuse(owner)
            self._take_over(owner)
        raise self._refuse(self._owner() or {})

    def _take_over(self, owner: dict) -> None:
        """Remove a stale lock, under a guard so that two runs cannot both remove locks."""
        guard = self.path.with_name(self.path.name + ".takeover")
        try:
            fd = os.open(guard, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            with contextlib.suppress(FileNotFoundError):
                if time.time() - guard.stat().st_mtime > _TAKEOVER_GRACE:
                    guard.unlink()  # left by a run killed during a takeover
            return
        os.close(fd)
        try:
            if self._owner() == owner:  # still the same stale lock (not a new one made meanwhile)
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
        finally:
            with contextlib.suppress(FileNotFoundError):
                guard.unlink()

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        owner = self._owner()
        if owner and owner.get("token") == self.token:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()


# --------------------------------------------------------------------------- staging
class StagedFolder:
    """A result folder being written: write files into :attr:`path`.

    Attributes
    ----------
    target : Path
        The folder the result will be in once complete.
    path : Path
        Where to write now (the hidden staged folder; the target's own
        path for a nested use inside another stage's path).
    kind, scenario, inputs_sha256 : str or None
        What the manifest records; may be set or changed inside the block.
    """

    def __init__(self, target: Path, path: Path, kind: str | None, scenario: str | None,
                 inputs_sha256: str | None, shown: Path | None = None) -> None:
        self.target = target
        self.shown = shown if shown is not None else target  # the target as the caller gave it
        self.path = path
        self.kind = kind
        self.scenario = scenario
        self.inputs_sha256 = inputs_sha256
        self.existed = False

    def final(self, path) -> Path:
        """Where a file written at `path` (under :attr:`path`) will be once the folder is complete."""
        p = Path(path)
        try:
            rel = Path(os.path.abspath(p)).relative_to(self.path)
        except ValueError:
            return p
        return self.shown / rel

    def adopt(self, path) -> Path | None:
        """Carry an existing file or Zarr store of the target folder over into the new folder.

        For a result whose store was written into the target folder before
        the folder is rewritten (``stochastic(out="f/paths.zarr")`` then
        ``result.write("f")``): the store is hard-linked (copied where links
        are not possible) into the staged folder, so that it is part of the
        new result and the previous folder stays complete until the swap.
        Returns the staged path, or None if `path` is not inside the target.
        """
        src = Path(os.path.abspath(path))
        try:
            rel = src.relative_to(self.target)
        except ValueError:
            return None
        dest = self.path / rel
        if dest.exists() or not src.exists():
            return dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dest, copy_function=_link_or_copy)
        else:
            _link_or_copy(src, dest)
        return dest


def _link_or_copy(src, dst) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _known(name: str) -> bool:
    return name in KNOWN_NAMES or bool(_KNOWN_PATTERN.fullmatch(name)) or bool(_TEMP_FILE.fullmatch(name))


def _check_replaceable(target: Path) -> None:
    """Refuse to replace a folder that is not an ssproj result folder."""
    if not os.path.lexists(target):
        return
    if target.is_symlink() or not target.is_dir():
        raise ResultFolderError(f"{display_path(target)} exists and is not a folder; choose another output folder")
    listed: set[str] = set()
    with contextlib.suppress(IncompleteResultError, OSError):
        listed = {entry["path"].split("/")[0] for entry in read_manifest(target)["files"]}
    foreign = sorted(e.name for e in target.iterdir() if e.name not in listed and not _known(e.name))
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise ResultFolderError(
            f"{display_path(target)} holds files ssproj did not write ({shown}); a result folder is replaced as "
            f"a whole, so move them away or choose another output folder")


def _clean_stale(target: Path, started: float) -> None:
    """Remove debris of killed runs (the lock is held: no other ssproj run writes here)."""
    pattern = re.compile(r"\." + re.escape(target.name) + r"\.[0-9a-f]{32}\.(tmp|old)")
    stale = [e for e in target.parent.iterdir() if pattern.fullmatch(e.name)]
    aside = sorted((e for e in stale if e.name.endswith(".old")), key=lambda e: e.stat().st_mtime)
    if aside and not os.path.lexists(target):
        # killed between the two renames of a swap: the set-aside folder is the last complete result
        os.replace(aside[-1], target)
        stale.remove(aside[-1])
    for entry in stale:
        with contextlib.suppress(OSError):
            if entry.lstat().st_mtime < started:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink()
    if target.is_dir() and not target.is_symlink():
        for entry in target.iterdir():
            if _TEMP_FILE.fullmatch(entry.name):
                with contextlib.suppress(OSError):
                    if entry.lstat().st_mtime < started:
                        if entry.is_dir():
                            shutil.rmtree(entry, ignore_errors=True)
                        else:
                            entry.unlink()


def _write_manifest(stage: StagedFolder) -> None:
    files = []
    for rel in _files_under(stage.path):
        if rel.as_posix() == MANIFEST:
            continue
        p = stage.path / rel
        size, digest = _sha256_file(p)
        with open(p, "rb") as fh:  # flushed to disk before the folder is published
            os.fsync(fh.fileno())
        files.append({"path": rel.as_posix(), "size": size, "sha256": digest})
    manifest = {
        "format": MANIFEST_FORMAT,
        "manifest_version": MANIFEST_VERSION,
        "kind": stage.kind,
        "scenario": stage.scenario,
        "inputs_sha256": stage.inputs_sha256,
        "ssproj_version": __version__,
        "files": files,
    }
    data = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
    with open(stage.path / MANIFEST, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    for dirpath, _dirs, _files in os.walk(stage.path):
        _fsync_dir(Path(dirpath))


def _swap(stage: Path, target: Path) -> None:
    """Replace `target` by `stage`: old aside, new in, old deleted (previous result kept on failure)."""
    if not os.path.lexists(target):
        os.replace(stage, target)
        _fsync_dir(target.parent)
        return
    old = target.parent / f".{target.name}.{uuid.uuid4().hex}.old"
    os.replace(target, old)
    try:
        os.replace(stage, target)  # the window: between these two renames `target` does not exist
    except BaseException:
        os.replace(old, target)
        raise
    _fsync_dir(target.parent)
    shutil.rmtree(old, ignore_errors=True)


def _file_being_written(exc: BaseException, stage: StagedFolder) -> str | None:
    """The file (relative to the folder) a failed write was writing, if the error tells; None otherwise.

    :func:`ssproj.io.atomic.atomic_path` records its destination on the
    exception (``ssproj_file``); an OSError may name its file (``filename``).
    """
    for attribute in ("ssproj_file", "filename"):
        for e in _chain(exc):
            name = getattr(e, attribute, None)
            if isinstance(name, (str, os.PathLike)):
                p = Path(os.path.abspath(name))
                try:
                    return _visible(p.relative_to(stage.path))
                except ValueError:
                    return display_path(p)
    return None


def _visible(rel: Path) -> str:
    """``.results.nc.<uuid>.nc.tmp`` -> ``results.nc`` (the file a temporary file becomes)."""
    parts = []
    for part in rel.parts:
        m = _TEMP_FILE.fullmatch(part)
        parts.append(m.group("name") if m else part)
        if m:
            break
    return "/".join(parts)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, its causes and contexts, and exceptions wrapped in its arguments (xlsxwriter's FileCreateError)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [x for x in (e.__cause__, e.__context__) if x is not None]
        todo += [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]


def _into(exc: BaseException, stage: StagedFolder, folder: str) -> str:
    name = _file_being_written(exc, stage)
    return f"{name} into {folder}" if name else f"into {folder}"


def _translate(exc: BaseException, stage: StagedFolder) -> ResultFolderError | None:
    """A clear one-line error for a full disk or a netCDF/HDF5 failure while writing; None for others."""
    if isinstance(exc, ResultFolderError):
        return None
    folder = display_path(stage.target)
    kept = (f"the previous result in {folder} is unchanged" if stage.existed
            else f"{folder} was not created")
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            what = "no space left on device" if e.errno == errno.ENOSPC else "disk quota exceeded"
            return ResultFolderError(f"{what} while writing {_into(exc, stage, folder)}; {kept}", errno_=e.errno)
    for e in _chain(exc):
        if isinstance(e, (RuntimeError, OSError)) and "HDF error" in str(e):
            free = ""
            with contextlib.suppress(OSError):
                free = f", {shutil.disk_usage(stage.target.parent).free / 2**20:,.0f} MiB free"
            return ResultFolderError(
                f"the netCDF library failed while writing {_into(exc, stage, folder)} "
                f"(NetCDF: HDF error; usually a full disk or a failing file system{free}); {kept}")
    return None


def _enclosing_stage(path: Path) -> StagedFolder | None:
    with _active_lock:
        for stage_path, stage in _active.items():
            if path == stage_path or stage_path in path.parents:
                return stage
    return None


@contextlib.contextmanager
def result_folder(target, *, kind: str, scenario: str | None = None,
                  inputs_sha256: str | None = None) -> Iterator[StagedFolder]:
    """Write the result folder `target` as a unit (see the module docs).

    Parameters
    ----------
    target : str or Path
        The result folder. An existing one must be an ssproj result folder
        (see :data:`KNOWN_NAMES`); it is replaced when the block succeeds.
    kind : str
        Kind of result for the manifest: ``"projection"``, ``"stochastic"``,
        ``"sweep"``, ``"comparison"``, ``"sensitivity"``, ``"solve"``,
        ``"registers"``, ``"calibration"``, ``"backcast"``.
    scenario : str, optional
        Scenario (or sweep) name for the manifest.
    inputs_sha256 : str, optional
        Hash of the inputs (see :func:`inputs_sha256`) for the manifest.

    Yields
    ------
    StagedFolder
        Write the files into its ``path``.

    Raises
    ------
    ResultFolderLocked
        Another run is writing `target` (at once, before the block runs).
    ResultFolderError
        `target` is not a result folder, the disk is full, or netCDF failed;
        the previous result (if any) is unchanged.
    """
    shown = Path(target)
    target = Path(os.path.abspath(target))
    outer = _enclosing_stage(target)
    if outer is not None:  # nested: write straight into the enclosing staged folder
        if target == outer.path:
            outer.kind = outer.kind or kind
            outer.scenario = outer.scenario or scenario
            outer.inputs_sha256 = outer.inputs_sha256 or inputs_sha256
            yield outer
        else:
            target.mkdir(parents=True, exist_ok=True)
            yield StagedFolder(outer.target / target.relative_to(outer.path), target, kind, scenario, inputs_sha256,
                               outer.final(target))
        return
    if target.name in ("", ".", "..") or target.parent == target:
        raise ResultFolderError(f"{display_path(target)} cannot be a result folder; give a folder with a name")
    started = time.time()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file on the way, a place that cannot be written
        blocking = next((p for p in (target.parent, *target.parent.parents) if p.is_file()), None)
        why = f"{display_path(blocking)} is a file, not a folder" if blocking is not None else (exc.strerror or exc)
        raise ResultFolderError(
            f"cannot write the result folder {display_path(target)}: its parent folder "
            f"{display_path(target.parent)} cannot be created ({why}); choose an output folder "
            "in a place you can write to") from exc
    lock = _Lock(target.parent / f"{target.name}.lock", target)
    lock.acquire()
    try:
        _clean_stale(target, started)
        _check_replaceable(target)
        stage = StagedFolder(target, target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp", kind, scenario,
                             inputs_sha256, shown)
        stage.existed = os.path.lexists(target)
        try:
            stage.path.mkdir()
        except OSError as exc:
            clear = _translate(exc, stage)
            if clear is None:
                raise
            raise clear from exc
        with _active_lock:
            _active[stage.path] = stage
        try:
            yield stage
            _write_manifest(stage)
            _swap(stage.path, target)
        except BaseException as exc:
            shutil.rmtree(stage.path, ignore_errors=True)
            clear = _translate(exc, stage)
            if clear is not None:
                raise clear from exc
            raise
        finally:
            with _active_lock:
                _active.pop(stage.path, None)
    finally:
        lock.release()


# --------------------------------------------------------------------------- reading
def read_manifest(folder) -> dict:
    """The manifest of a result folder (checked for form, not against the files).

    Raises
    ------
    IncompleteResultError
        No manifest, or a file that is not an ssproj manifest.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    where = display_path(folder)
    if not path.is_file():
        raise IncompleteResultError(
            f"{where}: no {MANIFEST}: not a complete ssproj result folder (an interrupted run, another program's "
            f"folder, or a result written before ssproj recorded manifests); write it again")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IncompleteResultError(f"{display_path(path)}: unreadable manifest ({exc})") from None
    if (not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or not isinstance(data.get("files"), list)
            or not all(isinstance(f, dict) and isinstance(f.get("path"), str) for f in data["files"])):
        raise IncompleteResultError(f"{display_path(path)}: not an ssproj manifest; {where} is not an ssproj result "
                                    f"folder")
    return data


def verify_result_folder(folder, kind: str | None = None) -> dict:
    """Check that every file of a result folder's manifest is there, unchanged; return the manifest.

    Files in the folder that the manifest does not list (a report written
    there later) are allowed.

    Raises
    ------
    IncompleteResultError
        No manifest, a result of another `kind`, or files missing or
        changed (all named, on one line).
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    where = display_path(folder)
    if kind is not None and manifest.get("kind") != kind:
        raise IncompleteResultError(f"{where} holds a result of kind {manifest.get('kind')!r}, not a {kind} result")
    problems = []
    for entry in manifest["files"]:
        p = folder / entry["path"]
        if not p.is_file():
            problems.append(f"{entry['path']} is missing")
            continue
        size, digest = _sha256_file(p)
        if size != entry.get("size") or digest != entry.get("sha256"):
            problems.append(f"{entry['path']} differs from the file written (sha256 in {MANIFEST})")
    if problems:
        raise IncompleteResultError(f"{where}: incomplete or altered result folder: {'; '.join(problems)}; "
                                    f"write the result again")
    return manifest

