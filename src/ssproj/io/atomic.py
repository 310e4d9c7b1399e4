"""Atomic file writing: a result file is either complete or absent.

Each file is written to a temporary file in the destination directory,
flushed and fsync'ed, then moved over the destination with
:func:`os.replace`, which is atomic on POSIX and Windows. A crash or an
error mid-write leaves the previous file (if any) untouched and no partial
file behind; the exception raised carries the destination in its
``ssproj_file`` attribute (for messages such as "no space left on device
while writing results.nc", see :mod:`ssproj.io.outdir`).

Writing a whole result folder as a unit (staged, with a manifest and a
lock) is :func:`ssproj.io.outdir.result_folder`'s job; the writers use
these functions for the files inside it.
"""
from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

__all__ = ["atomic_path", "write_text_atomic", "write_bytes_atomic"]


@contextlib.contextmanager
def atomic_path(path, *, suffix: str | None = None):
    """Yield a temporary path next to ``path``; move it into place on success.

    Parameters
    ----------
    path : str or Path
        Final destination.
    suffix : str, optional
        Suffix of the temporary file (some writers pick a format from it);
        defaults to the destination's suffix.

    Examples
    --------
    >>> with atomic_path("out/results.nc") as tmp:      # doctest: +SKIP
    ...     dataset.to_netcdf(tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # a unique name created exclusively, with the mode a plain open() gives
    # (0o666 less the umask; mkstemp would make it readable by its owner only)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}{suffix or path.suffix}.tmp"
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if getattr(exc, "ssproj_file", None) is None:
            # the file whose writing failed, for clear messages (ssproj.io.outdir: "disk full while writing X")
            with contextlib.suppress(AttributeError, TypeError):
                exc.ssproj_file = path  # type: ignore[attr-defined]
        raise


def write_bytes_atomic(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomic(path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically and return the path."""
    return write_bytes_atomic(path, text.encode(encoding))
