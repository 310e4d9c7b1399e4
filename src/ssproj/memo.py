"""Results kept on the objects they are computed from (tables of an assumption set).

A scenario's tables are loaded once per assumption set and shared, as the
same objects, by every scenario derived from it (``with_changes``, the
scenarios of a sensitivity run, a sweep or the solver). What is computed
from a table alone, or from a table and a few parameter values (graduated
demographic rates, base-year members and pensioners, age tables), is kept
under the table's identity and those values, so a changed scenario rebuilds
only what its changes touch.
"""
from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

__all__ = ["MAX_ENTRIES", "array_key", "cached_on", "clear"]

T = TypeVar("T")

#: Most entries kept (least recently used dropped first).
MAX_ENTRIES = 512
_CACHE: OrderedDict[tuple[int, Hashable], tuple[weakref.ref, Any]] = OrderedDict()


def array_key(*arrays) -> tuple:
    """A hashable key of arrays' shapes, types and values (None kept as None)."""
    out: list[Hashable] = []
    for a in arrays:
        if a is None:
            out.append(None)
            continue
        a = np.ascontiguousarray(a)
        out.append((a.shape, a.dtype.str, a.tobytes()))
    return tuple(out)


def cached_on(obj: Any, key: Hashable, build: Callable[[], T]) -> T:
    """``build()``, computed once for `obj` (by identity, while it lives) and `key`.

    Parameters
    ----------
    obj : object
        What the result is computed from (must support weak references, as
        pandas DataFrames do); the entry is dropped when it is gone.
    key : hashable
        Everything else the result depends on.
    build : callable
        Computes the result. Callers must not modify what it returns.
    """
    k = (id(obj), key)
    hit = _CACHE.get(k)
    if hit is not None and hit[0]() is obj:
        _CACHE.move_to_end(k)
        return hit[1]
    value = build()
    try:
        ref = weakref.ref(obj)
    except TypeError:  # cannot be referenced weakly: do not keep
        return value
    _CACHE[k] = (ref, value)
    while len(_CACHE) > MAX_ENTRIES:
        _CACHE.popitem(last=False)
    return value


def clear() -> None:
    """Drop every kept result."""
    _CACHE.clear()
