"""The ``extends`` chain of a scenario file and the merge of its documents.

A scenario may extend another (``extends: other.yaml``), which may extend
another: :func:`load_chain` follows the chain (reporting cycles and
missing files) and :class:`MergedScenario` merges it, remembering which
document gave each value (for the file and line of problems) and the
layers of each parameter change.
"""
from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ssproj.errors import MISSING, Problem
from ssproj.scenario.parameters import load_parameter_specs
from ssproj.scenario.yamlio import PathKey, Where, YamlDocument, load_yaml_file

__all__ = ["MergedScenario", "load_chain"]


class MergedScenario:
    """Merged scenario data, remembering which document gave each value.

    A parameter under ``changes`` is one value and is replaced whole, except
    a parameter set per entity: its mapping merges entity by entity, and the
    value of each entity (a time path) is replaced whole.

    `layers` keeps, for each change (``("changes", name)``, or
    ``("changes", name, entity)`` for a per-entity parameter), every
    document that gave it, root first, with the value it gave: a time path
    starting after the start year lies over the value below it.
    """

    def __init__(self, chain: list[YamlDocument]) -> None:
        self.per_names = frozenset(n for n, spec in load_parameter_specs().items() if spec.per is not None)
        self.chain = chain  # root ancestor first
        self.data: dict[Any, Any] = {}
        self.origins: dict[PathKey, YamlDocument] = {}
        self.layers: dict[PathKey, list[tuple[YamlDocument, Any]]] = {}
        for doc in chain:
            self.add(doc)

    def add(self, doc: YamlDocument) -> None:
        data = doc.data if isinstance(doc.data, Mapping) else {}
        if not self.origins:
            self.origins[()] = doc
            self.data = copy.deepcopy(dict(data))
        else:
            self.data = self._merge(self.data, data, (), doc)
        changes = data.get("changes")
        if isinstance(changes, Mapping):
            for pname, value in changes.items():
                if pname in self.per_names and isinstance(value, Mapping):
                    for entity, v in value.items():
                        self.layers.setdefault(("changes", pname, entity), []).append((doc, v))
                else:
                    self.layers.setdefault(("changes", pname), []).append((doc, value))

    def _merge(self, base: Any, over: Any, path: PathKey, doc: YamlDocument) -> Any:
        if len(path) == 2 and path[0] == "changes" and path[1] in self.per_names:
            whole = False  # entity by entity
        else:
            whole = (len(path) == 2 and path[0] in ("changes", "tables")) or (
                len(path) == 3 and path[0] == "changes" and path[1] in self.per_names
            )
        whole = whole or (isinstance(over, Mapping) and any(isinstance(k, int) for k in over))
        if isinstance(base, Mapping) and isinstance(over, Mapping) and not whole:
            out = dict(base)
            for key, value in over.items():
                if key in out:
                    out[key] = self._merge(out[key], value, path + (key,), doc)
                else:
                    self._set_origin(path + (key,), doc)
                    out[key] = copy.deepcopy(value)
            return out
        self._set_origin(path, doc)
        return copy.deepcopy(over)

    def _set_origin(self, path: PathKey, doc: YamlDocument) -> None:
        n = len(path)
        for key in [k for k in self.origins if len(k) > n and k[:n] == path]:
            del self.origins[key]
        self.origins[path] = doc
        # a value replaced whole drops the layers of what was below it (not those of `path` itself)
        for key in [k for k in self.layers if len(k) > n and k[:n] == path]:
            del self.layers[key]

    def doc_for(self, path: PathKey) -> YamlDocument:
        path = tuple(path)
        while path not in self.origins:
            path = path[:-1]
        return self.origins[path]

    def locate(self, path: PathKey) -> tuple[Any, int | None]:
        return self.doc_for(path).locate(path)

    def where(self, *path: Any) -> Where:
        return Where(self.locate, tuple(path))


def _chain_label(path: Path, start: Path) -> str:
    try:
        return Path(os.path.relpath(path, start)).as_posix()
    except ValueError:
        return path.as_posix()


def load_chain(leaf: YamlDocument) -> tuple[list[YamlDocument], list[Problem]]:
    """Follow ``extends`` from `leaf`; return the chain root-first."""
    chain = [leaf]
    problems: list[Problem] = []
    seen: list[Path | None] = [leaf.file]
    doc = leaf
    while True:
        if not isinstance(doc.data, Mapping):
            problems.append(
                doc.where().problem(
                    doc.data if doc.data is not None else MISSING,
                    "a scenario must be a mapping (assumptions, projection, changes, ...)"
                    if doc.data is not None
                    else "the scenario file is empty",
                )
            )
            if doc is not leaf:
                chain.pop()
            break
        ext = doc.data.get("extends")
        if ext is None:
            break
        at = doc.where("extends")
        if not isinstance(ext, str) or not ext.strip():
            problems.append(at.problem(ext, "must be the path of another scenario file (relative to this file)"))
            break
        target = (doc.base_dir / ext).resolve()
        if target in seen:
            start = leaf.base_dir
            labels = [_chain_label(p, start) if p is not None else leaf.label for p in seen]
            labels.append(_chain_label(target, start))
            problems.append(at.problem(ext, "creates a cycle: " + " -> ".join(labels)))
            break
        if not target.is_file():
            problems.append(at.problem(ext, f"names a file that does not exist: {target}"))
            break
        parent, parent_problems = load_yaml_file(target)
        problems += parent_problems
        if parent is None:
            break
        chain.append(parent)
        seen.append(target)
        doc = parent
    chain.reverse()
    return chain, problems
