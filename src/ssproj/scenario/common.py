"""Small helpers shared by the scenario modules: read-only data, plain data, hashes and key checks.

Validated scenarios and assumption sets hold read-only mappings
(:class:`ReadOnlyDict`, :func:`freeze`) and are written out as plain
JSON/YAML data (:func:`plain_data`); the validators share the checks of
unknown and required keys (:func:`unknown_keys`, :func:`require_str`).
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ssproj.errors import MISSING, Problem, did_you_mean
from ssproj.scenario.timepath import TimePath
from ssproj.scenario.yamlio import Where

__all__ = ["ReadOnlyDict", "covered_branches", "freeze", "is_int", "normalise_input", "plain_data", "require_str",
           "sha256_data", "sha256_file", "unknown_keys"]


class ReadOnlyDict(dict):
    """A dict that refuses changes (Scenario fields must not be edited)."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("Scenario data is read-only; use Scenario.with_changes() to make a changed copy")

    __setitem__ = __delitem__ = __ior__ = _refuse  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))

    def __copy__(self) -> ReadOnlyDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> ReadOnlyDict:
        return self


def freeze(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return ReadOnlyDict({k: freeze(v) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return tuple(freeze(v) for v in obj)
    return obj


_PLAIN = frozenset({str, int, float, bool, type(None)})


def plain_data(obj: Any) -> Any:
    """Convert to plain JSON/YAML-serialisable Python data."""
    t = type(obj)
    if t in _PLAIN:  # exact types first (NumPy scalars, subclasses of float, go the long way)
        return obj
    if t is dict:
        return {plain_data(k): plain_data(v) for k, v in obj.items()}
    if isinstance(obj, TimePath):
        return plain_data(obj.to_yaml())
    if isinstance(obj, Mapping):
        return {plain_data(k): plain_data(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain_data(v) for v in obj]
    if isinstance(obj, Path):
        return obj.as_posix()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def normalise_input(obj: Any) -> Any:
    """Python objects given in a dict → the YAML forms the validator reads."""
    if isinstance(obj, TimePath):
        return obj.to_yaml()
    if isinstance(obj, Mapping):
        return {normalise_input(k): normalise_input(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [normalise_input(v) for v in obj]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_data(data: Any) -> str:
    text = json.dumps(plain_data(data), sort_keys=False, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def unknown_keys(mapping: Mapping[Any, Any], allowed: tuple[str, ...], where: Where, what: str) -> list[Problem]:
    problems = []
    for key in mapping:
        if key not in allowed:
            problems.append((where / key).problem(MISSING, f"unknown key in {what}", did_you_mean(key, allowed)))
    return problems


def require_str(mapping: Mapping[Any, Any], key: str, where: Where, *, required: bool = True) -> list[Problem]:
    if key not in mapping:
        return [where.problem(MISSING, f"required key '{key}' is missing")] if required else []
    value = mapping[key]
    if not isinstance(value, str) or not value.strip():
        return [(where / key).problem(value, "must be a non-empty string")]
    return []


def covered_branches(value: str, branches) -> list[str]:
    """The branches named by a ``covered_branches`` value: ``"all"``, ``"none"`` or names separated by
    commas (unknown names raise ValueError)."""
    text = str(value).strip()
    if text == "all":
        return list(branches)
    if text == "none":
        return []
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in branches]
    if unknown or not names:
        raise ValueError(f"covered_branches {value!r}: {', '.join(map(repr, unknown)) or 'no name'} not a declared "
                         f"branch (branches: {', '.join(branches) or 'none'}; or all, none)")
    return names
