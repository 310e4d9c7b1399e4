"""Scenarios and assumption sets: loading, validation, provenance.

`load_scenario` is the one validation gate of ssproj. It reads a scenario
YAML file (or a dict), follows its ``extends`` chain, finds and reads its
assumption set (with its insured groups, funds and short-term branches) and
every table, resolves every parameter (defaults.yaml ← assumption set ←
scenario changes; entity by entity for parameters set per group, fund or
branch; a change whose time path starts after ``projection.start_year``
lies over the value below it, which gives the years before its first year)
and checks all of it, including the checks across parameters of a
scheme (contribution shares, valuation year, long-term fund).
Every problem found is collected and reported at once in one
`ScenarioError`; code past `load_scenario` trusts its inputs.

The file formats are fixed in ``docs/dev/formats.md`` (the scheme inputs
in ``docs/dev/scheme-spec.md``); the user guide is ``docs/scenarios.md``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ssproj._version import __version__
from ssproj.errors import MISSING, Problem, ScenarioError, did_you_mean, display_path
from ssproj.scenario.parameters import DEFAULTS_PATH, PER_KINDS, PER_WORDS, ParameterSpec, check_confidence, load_parameter_specs
from ssproj.scenario.tables import SECTORS, TABLE_SCHEMAS, load_table
from ssproj.scenario.timepath import TimePath
from ssproj.scenario.yamlio import PathKey, Where, YamlDocument, dump_yaml, load_yaml_file, parse_yaml

__all__ = [
    "ASSUMPTIONS_ENV_VAR",
    "AssumptionSet",
    "AssumptionValue",
    "Scenario",
    "TableSpec",
    "find_assumptions",
    "load_assumptions",
    "load_scenario",
]

#: Environment variable with extra folders (os.pathsep-separated) holding
#: assumption sets as ``<folder>/<name>/assumptions.yaml``.
ASSUMPTIONS_ENV_VAR = "SSPROJ_ASSUMPTIONS"

SCENARIO_KEYS = (
    "name", "description", "assumptions", "extends", "projection", "seed", "tables", "changes", "strategy",
    "stochastic",
)
PROJECTION_KEYS = ("start_year", "end_year")
ASSUMPTION_SET_KEYS = (
    "name",
    "country",
    "country_code",
    "currency",
    "description",
    "sources",
    "tables",
    "parameters",
    "groups",
    "funds",
    "branches",
)
#: Keys allowed in the declaration of an insured group, a fund, a branch
#: (the first ones are required).
ENTITY_KEYS: Mapping[str, tuple[str, ...]] = {
    "group": ("title", "sector"),
    "fund": ("title",),
    "branch": ("title", "fund"),
}
#: Section of assumptions.yaml declaring each kind of entity.
ENTITY_SECTIONS: Mapping[str, str] = {"group": "groups", "fund": "funds", "branch": "branches"}
#: Tolerance of the check long_term_share + sum of contribution_share == 1.
SHARES_TOLERANCE = 1e-9
_IDENTIFIER_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SOURCE_KEYS = ("citation", "licence", "url", "datasets", "accessed", "notes")
TABLE_ENTRY_KEYS = ("file", "source", "confidence", "notes")
PARAMETER_ENTRY_KEYS = ("value", "source", "confidence", "notes")

#: Plausible projection years.
_YEAR_RANGE = (1800, 2500)


# -----------------------------------------------------------------------------
# small helpers
# -----------------------------------------------------------------------------
class _ReadOnlyDict(dict):  # type: ignore[type-arg]
    """A dict that refuses changes (Scenario fields must not be edited)."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("Scenario data is read-only; use Scenario.with_changes() to make a changed copy")

    __setitem__ = __delitem__ = __ior__ = _refuse  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))

    def __copy__(self) -> _ReadOnlyDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _ReadOnlyDict:
        return self


def _freeze(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return _ReadOnlyDict({k: _freeze(v) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return tuple(_freeze(v) for v in obj)
    return obj


def _plain(obj: Any) -> Any:
    """Convert to plain JSON/YAML-serialisable Python data."""
    if isinstance(obj, TimePath):
        return _plain(obj.to_yaml())
    if isinstance(obj, Mapping):
        return {_plain(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, Path):
        return obj.as_posix()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _normalise_input(obj: Any) -> Any:
    """Python objects given in a dict → the YAML forms the validator reads."""
    if isinstance(obj, TimePath):
        return obj.to_yaml()
    if isinstance(obj, Mapping):
        return {_normalise_input(k): _normalise_input(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_normalise_input(v) for v in obj]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _sha256_data(data: Any) -> str:
    text = json.dumps(_plain(data), sort_keys=False, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _unknown_keys(mapping: Mapping[Any, Any], allowed: tuple[str, ...], where: Where, what: str) -> list[Problem]:
    problems = []
    for key in mapping:
        if key not in allowed:
            problems.append((where / key).problem(MISSING, f"unknown key in {what}", did_you_mean(key, allowed)))
    return problems


def _require_str(mapping: Mapping[Any, Any], key: str, where: Where, *, required: bool = True) -> list[Problem]:
    if key not in mapping:
        return [where.problem(MISSING, f"required key '{key}' is missing")] if required else []
    value = mapping[key]
    if not isinstance(value, str) or not value.strip():
        return [(where / key).problem(value, "must be a non-empty string")]
    return []


# -----------------------------------------------------------------------------
# assumption sets
# -----------------------------------------------------------------------------
@dataclass(frozen=True)
class TableSpec:
    """Where one table of an assumption set (or a scenario override) lives.

    Parameters
    ----------
    name : str
        Table name, a key of `ssproj.scenario.tables.TABLE_SCHEMAS`.
    file : pathlib.Path
        Absolute path of the CSV file.
    source : str
        Source id (a key of the assumption set's ``sources``) or, for a
        scenario override, free text.
    confidence : {"verified", "secondary", "assumed"}
        How far the table can be trusted.
    notes : str or None
        Free text.
    """

    name: str
    file: Path
    source: str
    confidence: str
    notes: str | None = None


@dataclass(frozen=True)
class AssumptionValue:
    """A parameter value given by an assumption set.

    Parameters
    ----------
    value : TimePath or float or int or bool or str or mapping
        The validated value; for a parameter set per group, fund or branch,
        a read-only mapping entity -> value for the entities the set gives
        (the others take the default). [unit declared in defaults.yaml]
    source : str
        Source id or free text.
    confidence : {"verified", "secondary", "assumed"}
        How far the value can be trusted.
    notes : str or None
        Free text.
    """

    value: Any
    source: str
    confidence: str
    notes: str | None = None


@dataclass(frozen=True, eq=False)
class AssumptionSet:
    """A country's assumption set: its sources, tables and parameter values.

    Parameters
    ----------
    name : str
        Short name, e.g. ``"lao"``.
    path : pathlib.Path
        Absolute path of ``assumptions.yaml``.
    country : str
        Country name.
    country_code : int
        ISO 3166-1 numeric code (418 for Lao PDR).
    currency : str
        ISO 4217 code of the currency amounts are in, e.g. ``"LAK"``.
    description : str
        Free text.
    sources : dict
        Source id -> ``{citation, licence, url, datasets, accessed,
        notes}`` (citation required).
    tables : dict of str to TableSpec
        Tables of the set by name (files are not read here).
    parameters : dict of str to AssumptionValue
        Parameter values of the set.
    groups : dict
        Insured groups in declaration order: name -> ``{"title": str,
        "sector": "public" | "private" | "informal"}``. Empty for a set
        without a scheme (demography only).
    funds : dict
        Funds with their own reserve: name -> ``{"title": str}``.
    branches : dict
        Short-term branches: name -> ``{"title": str, "fund": str}`` (a
        declared fund).
    sha256 : str
        SHA-256 of ``assumptions.yaml`` (hex).
    """

    name: str
    path: Path
    country: str
    country_code: int
    currency: str
    description: str
    sources: Mapping[str, Any]
    tables: Mapping[str, TableSpec]
    parameters: Mapping[str, AssumptionValue]
    groups: Mapping[str, Mapping[str, str]]
    funds: Mapping[str, Mapping[str, str]]
    branches: Mapping[str, Mapping[str, str]]
    sha256: str
    _doc: YamlDocument = field(repr=False, compare=False)

    def entity_names(self, kind: str) -> tuple[str, ...]:
        """Names of the declared entities of one kind, in declaration order.

        Parameters
        ----------
        kind : {"group", "fund", "branch"}

        Returns
        -------
        tuple of str
        """
        return tuple({"group": self.groups, "fund": self.funds, "branch": self.branches}[kind])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AssumptionSet):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """The set as plain data (JSON/YAML-serialisable)."""
        return _plain(
            {
                "name": self.name,
                "path": self.path,
                "country": self.country,
                "country_code": self.country_code,
                "currency": self.currency,
                "description": self.description,
                "sources": self.sources,
                "tables": {
                    n: {"file": t.file, "source": t.source, "confidence": t.confidence, "notes": t.notes}
                    for n, t in self.tables.items()
                },
                "parameters": {
                    n: {"value": v.value, "source": v.source, "confidence": v.confidence, "notes": v.notes}
                    for n, v in self.parameters.items()
                },
                "groups": self.groups,
                "funds": self.funds,
                "branches": self.branches,
                "sha256": self.sha256,
            }
        )


def _is_path_like(ref: str) -> bool:
    return "/" in ref or os.sep in ref or (os.altsep is not None and os.altsep in ref) or ref.endswith((".yaml", ".yml"))


def find_assumptions(ref: str | os.PathLike[str], search_from: str | os.PathLike[str] | None = None) -> tuple[Path | None, list[Path]]:
    """Locate an assumption set's ``assumptions.yaml``.

    Parameters
    ----------
    ref : str or path-like
        A name (``"lao"``) or a path. A path (it contains a path separator
        or ends with ``.yaml``) is taken relative to `search_from`; a path
        to a folder means ``<folder>/assumptions.yaml``.
    search_from : str or path-like, optional
        The scenario file's folder (a file means its folder). Default: the
        current directory.

    Returns
    -------
    path : pathlib.Path or None
        The file found, or None.
    looked : list of pathlib.Path
        Every path tried, in order: for a name,
        ``<search_from>/../assumptions/<name>/assumptions.yaml`` (with no
        `search_from`: ``./assumptions/<name>/assumptions.yaml``), then
        ``<dir>/<name>/assumptions.yaml`` for each folder in
        ``$SSPROJ_ASSUMPTIONS``.
    """
    base = Path(search_from) if search_from is not None else Path.cwd()
    if base.is_file():
        base = base.parent
    text = os.fspath(ref)
    looked: list[Path] = []
    if isinstance(ref, os.PathLike) or _is_path_like(text):
        p = (base / text).resolve()
        candidate = p / "assumptions.yaml" if p.is_dir() else p
        looked.append(candidate)
        return (candidate if candidate.is_file() else None), looked
    first = (base.parent / "assumptions" / text) if search_from is not None else (base / "assumptions" / text)
    looked.append((first / "assumptions.yaml").resolve())
    for entry in os.environ.get(ASSUMPTIONS_ENV_VAR, "").split(os.pathsep):
        if entry.strip():
            looked.append((Path(entry.strip()) / text / "assumptions.yaml").resolve())
    for candidate in looked:
        if candidate.is_file():
            return candidate, looked
    return None, looked


def _not_found_problem(ref: Any, looked: list[Path], where: Where) -> Problem:
    env = os.environ.get(ASSUMPTIONS_ENV_VAR, "")
    hint = None if env.strip() or _is_path_like(str(ref)) else (
        f"set {ASSUMPTIONS_ENV_VAR} to a folder holding <name>/assumptions.yaml to search more places"
    )
    return where.problem(ref, "names no assumption set that exists; looked in: " + ", ".join(str(p) for p in looked), hint)


def _read_entities(
    data: Mapping[str, Any], root: Where
) -> tuple[dict[str, dict[str, dict[str, str]]], dict[str, tuple[str, ...]], list[Problem]]:
    """The ``groups``, ``funds`` and ``branches`` declarations of an assumption set.

    Returns
    -------
    entities : dict
        Kind (``"group"``, ``"fund"``, ``"branch"``) -> name -> declaration,
        in declaration order; entries with problems are left out.
    names : dict
        Kind -> every validly named entity (also those whose declaration
        has problems), so that values given for them are not reported as
        unknown too.
    problems : list of Problem
    """
    problems: list[Problem] = []
    out: dict[str, dict[str, dict[str, str]]] = {kind: {} for kind in PER_KINDS}
    names: dict[str, list[str]] = {kind: [] for kind in PER_KINDS}
    for kind in PER_KINDS:
        section = ENTITY_SECTIONS[kind]
        raw = data.get(section)
        if raw is None:
            continue
        at_section = root / section
        allowed = ENTITY_KEYS[kind]
        example = {
            "group": "public: {title: State employees, sector: public}",
            "fund": "long_term: {title: Pensions}",
            "branch": "sickness: {title: Sickness, fund: short_term}",
        }[kind]
        if not isinstance(raw, Mapping):
            problems.append(at_section.problem(raw, f"must be a mapping of {PER_WORDS[kind]} name -> {{{', '.join(allowed)}}}",
                                               f"e.g. {section}: {{{example}}}"))
            continue
        for name, entry in raw.items():
            at = at_section / name
            if not isinstance(name, str) or not _IDENTIFIER_RE.match(name):
                problems.append(
                    at.problem(MISSING, f"is not a valid {PER_WORDS[kind]} name: names are lower case letters, "
                               "digits and underscores, starting with a letter")
                )
                continue
            names[kind].append(name)
            if not isinstance(entry, Mapping):
                problems.append(at.problem(entry, f"must be a mapping {{{', '.join(allowed)}}}", f"e.g. {section}: {{{example}}}"))
                continue
            article = "an" if PER_WORDS[kind][0] in "aeiou" else "a"
            entry_problems = _unknown_keys(entry, allowed, at, f"{article} {PER_WORDS[kind]} declaration")
            if any(
                entry[k] is None or not isinstance(k, str) or not _IDENTIFIER_RE.match(k) for k in entry if k not in allowed
            ):  # {title: A, B} reads as {title: A, B: null}
                entry_problems = [
                    Problem(p.file, p.line, p.key_path, p.value, p.expected,
                            "in a {...} mapping a comma separates keys: quote a title that contains commas, "
                            "e.g. {title: 'Pensions (old age, invalidity)'}")
                    for p in entry_problems
                ]
            for key in allowed:
                entry_problems += _require_str(entry, key, at)
            if kind == "group" and isinstance(entry.get("sector"), str) and entry["sector"] not in SECTORS:
                entry_problems.append(
                    (at / "sector").problem(
                        entry["sector"],
                        f"is not an employment sector ({' | '.join(SECTORS)})",
                        did_you_mean(entry["sector"], SECTORS),
                    )
                )
            problems += entry_problems
            if not entry_problems:
                out[kind][name] = {key: " ".join(entry[key].split()) for key in allowed}
    # a branch belongs to a declared fund
    raw_branches = data.get("branches")
    if isinstance(raw_branches, Mapping):
        funds = names["fund"]  # also funds whose declaration has a problem (reported already)
        for name, decl in list(out["branch"].items()):
            if decl["fund"] not in funds:
                hint = did_you_mean(decl["fund"], funds) if funds else "declare it under funds: in assumptions.yaml"
                problems.append(
                    (root / "branches" / name / "fund").problem(decl["fund"], "is not a declared fund", hint)
                )
                del out["branch"][name]
    return out, {kind: tuple(n) for kind, n in names.items()}, problems


def _read_assumption_set(
    path: Path, specs: Mapping[str, ParameterSpec], *, check_files: bool
) -> tuple[AssumptionSet | None, list[Problem]]:
    doc, problems = load_yaml_file(path)
    if doc is None:
        return None, problems
    data = doc.data
    root = doc.where()
    if not isinstance(data, Mapping):
        return None, problems + [root.problem(data, "must be a mapping (name, country, sources, tables, ...)")]
    problems += _unknown_keys(data, ASSUMPTION_SET_KEYS, root, "an assumption set")
    for key in ("name", "country", "currency"):
        problems += _require_str(data, key, root)
    problems += _require_str(data, "description", root, required=False)
    if "currency" in data and isinstance(data["currency"], str) and not re.fullmatch(r"[A-Z]{3}", data["currency"]):
        problems.append((root / "currency").problem(data["currency"], "is not an ISO 4217 currency code (three capital letters, e.g. LAK)"))
    if "country_code" not in data:
        problems.append(root.problem(MISSING, "required key 'country_code' is missing (ISO 3166-1 numeric, e.g. 418)"))
    elif not _is_int(data["country_code"]) or not 0 < data["country_code"] < 1000:
        problems.append((root / "country_code").problem(data["country_code"], "is not an ISO 3166-1 numeric country code (1-999)"))

    # sources
    sources: dict[str, Any] = {}
    raw_sources = data.get("sources", MISSING)
    if raw_sources is MISSING:
        problems.append(root.problem(MISSING, "required key 'sources' is missing (source id -> {citation: ...})"))
    elif not isinstance(raw_sources, Mapping):
        problems.append((root / "sources").problem(raw_sources, "must be a mapping of source id -> {citation: ...}"))
    else:
        for sid, entry in raw_sources.items():
            at = root / "sources" / sid
            if not isinstance(sid, str):
                problems.append(at.problem(MISSING, "source ids must be strings"))
                continue
            if not isinstance(entry, Mapping):
                problems.append(at.problem(entry, "must be a mapping {citation: ..., licence: ..., ...}"))
                continue
            problems += _unknown_keys(entry, SOURCE_KEYS, at, "a source")
            problems += _require_str(entry, "citation", at)
            for key in ("licence", "url", "notes"):
                problems += _require_str(entry, key, at, required=False)
            if "datasets" in entry and (
                not isinstance(entry["datasets"], list) or not all(isinstance(d, str) for d in entry["datasets"])
            ):
                problems.append((at / "datasets").problem(entry["datasets"], "must be a list of strings"))
            if "accessed" in entry and not isinstance(entry["accessed"], str):
                problems.append((at / "accessed").problem(entry["accessed"], "must be a date written as text, e.g. 2024-07-11"))
            sources[sid] = dict(entry)

    # tables
    tables: dict[str, TableSpec] = {}
    raw_tables = data.get("tables", MISSING)
    if raw_tables is MISSING:
        problems.append(root.problem(MISSING, "required key 'tables' is missing"))
    elif not isinstance(raw_tables, Mapping):
        problems.append((root / "tables").problem(raw_tables, "must be a mapping of table name -> {file, source, confidence}"))
    else:
        for tname, entry in raw_tables.items():
            at = root / "tables" / tname
            if tname not in TABLE_SCHEMAS:
                problems.append(at.problem(MISSING, "unknown table", did_you_mean(tname, TABLE_SCHEMAS)))
                continue
            if not isinstance(entry, Mapping):
                hint = f"write {tname}: {{file: {entry}, source: ..., confidence: ...}}" if isinstance(entry, str) else None
                problems.append(at.problem(entry, "must be a mapping {file, source, confidence}", hint))
                continue
            entry_problems = _unknown_keys(entry, TABLE_ENTRY_KEYS, at, "a table entry")
            entry_problems += _require_str(entry, "file", at)
            entry_problems += _require_str(entry, "source", at)
            entry_problems += _require_str(entry, "notes", at, required=False)
            if "confidence" not in entry:
                entry_problems.append(at.problem(MISSING, "required key 'confidence' is missing (verified | secondary | assumed)"))
            else:
                entry_problems += check_confidence(entry["confidence"], at / "confidence")
            src = entry.get("source")
            if isinstance(src, str) and isinstance(raw_sources, Mapping) and src not in raw_sources:
                entry_problems.append(
                    (at / "source").problem(src, "is not a source of this assumption set (a key of 'sources')", did_you_mean(src, [str(s) for s in raw_sources]))
                )
            if entry_problems:
                problems += entry_problems
                continue
            file = (doc.base_dir / entry["file"]).resolve()
            if check_files and not file.is_file():
                problems.append((at / "file").problem(entry["file"], f"names a file that does not exist: {file}"))
            tables[tname] = TableSpec(tname, file, entry["source"], entry["confidence"], entry.get("notes"))
        if check_files:
            for tname, schema in TABLE_SCHEMAS.items():
                if schema.required and tname not in raw_tables:
                    problems.append((root / "tables").problem(MISSING, f"required table '{tname}' is missing ({schema.title.lower()})"))

    # insured groups, funds, short-term branches
    entities, entity_names, entity_problems = _read_entities(data, root)
    problems += entity_problems
    if check_files and entities["group"] and isinstance(raw_tables, Mapping):
        for tname, schema in TABLE_SCHEMAS.items():
            if schema.scheme and tname not in raw_tables:
                problems.append(
                    (root / "tables").problem(
                        MISSING,
                        f"required table '{tname}' is missing ({schema.title.lower()}; "
                        "scheme tables are required when the set declares insured groups)",
                    )
                )

    # parameters
    parameters: dict[str, AssumptionValue] = {}
    raw_params = data.get("parameters", None)
    if raw_params is not None and not isinstance(raw_params, Mapping):
        problems.append((root / "parameters").problem(raw_params, "must be a mapping of parameter name -> {value, source, confidence}"))
    elif raw_params:
        for pname, entry in raw_params.items():
            at = root / "parameters" / pname
            if pname not in specs:
                problems.append(at.problem(MISSING, "unknown parameter", did_you_mean(pname, specs)))
                continue
            if not isinstance(entry, Mapping) or "value" not in entry:
                problems.append(
                    at.problem(
                        MISSING,
                        "must be a mapping {value, source, confidence}",
                        f"write {pname}: {{value: ..., source: ..., confidence: assumed}}",
                    )
                )
                continue
            entry_problems = _unknown_keys(entry, PARAMETER_ENTRY_KEYS, at, "a parameter entry")
            entry_problems += _require_str(entry, "source", at)
            entry_problems += _require_str(entry, "notes", at, required=False)
            if "confidence" not in entry:
                entry_problems.append(at.problem(MISSING, "required key 'confidence' is missing (verified | secondary | assumed)"))
            else:
                entry_problems += check_confidence(entry["confidence"], at / "confidence")
            spec = specs[pname]
            if spec.per is not None:
                value, value_problems = spec.parse_entities(
                    entry["value"], at / "value", specs, entity_names[spec.per]
                )
                if value is not None:
                    value = _freeze(value)
            else:
                value, value_problems = spec.parse(entry["value"], at / "value", specs)
            entry_problems += value_problems
            if entry_problems:
                problems += entry_problems
                continue
            parameters[pname] = AssumptionValue(value, entry["source"], entry["confidence"], entry.get("notes"))

    if problems:
        return None, problems
    return (
        AssumptionSet(
            name=data["name"],
            path=doc.file if doc.file is not None else path.resolve(),
            country=data["country"],
            country_code=data["country_code"],
            currency=data["currency"],
            description=" ".join(str(data.get("description", "")).split()),
            sources=_freeze(sources),
            tables=_freeze(tables),
            parameters=_freeze(parameters),
            groups=_freeze(entities["group"]),
            funds=_freeze(entities["fund"]),
            branches=_freeze(entities["branch"]),
            sha256=doc.sha256 or "",
            _doc=doc,
        ),
        [],
    )


def load_assumptions(
    path_or_name: str | os.PathLike[str], search_from: str | os.PathLike[str] | None = None
) -> AssumptionSet:
    """Find, read and validate an assumption set.

    Parameters
    ----------
    path_or_name : str or path-like
        A name (``"lao"``) or a path to ``assumptions.yaml`` or its folder;
        see `find_assumptions` for the lookup.
    search_from : str or path-like, optional
        Folder of the scenario file referring to the set. Default: the
        current directory.

    Returns
    -------
    AssumptionSet

    Raises
    ------
    ScenarioError
        Listing every problem: set not found (with every path looked in),
        invalid YAML, unknown or missing keys, bad sources, table entries
        (unknown table, missing file, bad confidence, unknown source),
        missing required tables (the scheme tables too when the set
        declares insured groups), invalid group, fund and branch
        declarations, invalid parameter values (unknown groups, funds or
        branches with a did-you-mean). The checks across parameters and the
        table contents need a projection and are made by `load_scenario`.
    """
    specs = load_parameter_specs()
    found, looked = find_assumptions(path_or_name, search_from)
    if found is None:
        where = Where(lambda _path: ("<load_assumptions>", None), ("assumptions",))
        raise ScenarioError([_not_found_problem(os.fspath(path_or_name), looked, where)])
    aset, problems = _read_assumption_set(found, specs, check_files=True)
    if problems or aset is None:
        raise ScenarioError(problems)
    return aset


# -----------------------------------------------------------------------------
# the extends chain and its merge
# -----------------------------------------------------------------------------
class _Merged:
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


def _load_chain(leaf: YamlDocument) -> tuple[list[YamlDocument], list[Problem]]:
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


# -----------------------------------------------------------------------------
# Scenario
# -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Resolved:
    """A parameter value (of one entity for a per-entity parameter) and where it comes from.

    For a scenario change laid over the value below it (a time path starting
    after the start year), `value` is the combined path, `base` the value
    below (itself a `_Resolved`) and `from_year` the first year of the
    change.
    """

    value: Any
    where: Where
    origin: str
    source: str
    confidence: str
    base: _Resolved | None = None
    from_year: int | None = None


@dataclass(frozen=True)
class _State:
    """What `Scenario.with_changes` needs to re-validate."""

    merged: _Merged
    table_specs: Mapping[str, TableSpec]
    table_hashes: Mapping[str, str]
    applied: tuple[Any, ...]


@dataclass(frozen=True, eq=False, repr=False)
class Scenario:
    """A validated scenario: everything a projection needs, with provenance.

    Made by `load_scenario` (or `Scenario.with_changes`), never by hand:
    the loader is the one place inputs are checked. Treat every field as
    read-only (the mappings refuse changes; do not modify the tables in
    place).

    Parameters
    ----------
    name : str
        Scenario name (the file's ``name``, else the file stem).
    description : str
        Free text.
    path : pathlib.Path or None
        The scenario file, or None for a scenario given as a dict.
    start_year : int
        First projection year; the base population is that of 1 July of
        this year. [calendar year]
    end_year : int
        Last projection year. [calendar year]
    years : numpy.ndarray of int64
        ``np.arange(start_year, end_year + 1)`` (read-only). [calendar year]
    seed : int
        Seed for stochastic runs (default 0).
    assumptions : AssumptionSet
        The assumption set (country, currency, sources, table specs, its
        parameter values).
    tables : mapping of str to pandas.DataFrame
        Normalised tables by name (see `ssproj.scenario.tables`); optional tables the
        set does not have are absent. Units are in each table's
        ``attrs["units"]``.
    parameters : mapping of str to object
        Every parameter declared in defaults.yaml, resolved: defaults ←
        assumption set ← scenario changes. A `TimePath` for time-path
        parameters, a Python scalar otherwise; for a parameter set per
        group, fund or branch, a read-only mapping entity -> value with
        every declared entity, in declaration order (empty if the set
        declares none). [unit declared in defaults.yaml]
    parameter_sources : mapping of str to mapping
        For each parameter: ``source``, ``confidence`` and ``origin``
        (``"defaults"``, ``"assumptions"`` or ``"scenario"``). For a
        scenario change laid over the value below it (a time path
        starting after `start_year`), also ``from_year`` (its first year)
        and ``before`` (the same entry for the value below, which may
        itself have ``from_year`` and ``before``). For a per-entity
        parameter ``source``, ``confidence`` and ``origin`` are of its
        most specific layer, and ``entities`` gives the entry of each
        entity.
    strategy : ssproj.scheme.strategies.Strategy or None
        The coverage-expansion strategy of the scenario's ``strategy:`` key
        (validated by `ssproj.scheme.strategies.parse_strategy`), or None.
    stochastic : ssproj.uncertainty.stochastic.StochasticModel or None
        The stochastic model of the scenario's ``stochastic:`` key
        (validated by `ssproj.uncertainty.stochastic.parse_stochastic`), or None (then
        stochastic runs use `ssproj.uncertainty.stochastic.DEFAULT_STOCHASTIC`).
    provenance : mapping
        ``ssproj_version``, ``scenario`` (name), ``scenario_files`` (the
        file loaded first, then the files it extends, each with ``path`` and
        ``sha256``), ``assumptions`` (``name``, ``path``, ``sha256`` of
        assumptions.yaml), ``tables`` (per table: ``path``, ``sha256``,
        ``source``, ``confidence``), ``sources``, ``seed`` and
        ``changes_applied`` (changes made with `with_changes`, in order).
    """

    name: str
    description: str
    path: Path | None
    start_year: int
    end_year: int
    years: np.ndarray
    seed: int
    assumptions: AssumptionSet
    tables: Mapping[str, pd.DataFrame]
    parameters: Mapping[str, Any]
    parameter_sources: Mapping[str, Mapping[str, str]]
    provenance: Mapping[str, Any]
    _state: _State = field(repr=False)
    strategy: Any = None
    stochastic: Any = None

    # -- entities ------------------------------------------------------------------
    @property
    def groups(self) -> tuple[str, ...]:
        """Insured groups of the assumption set, in declaration order (``()`` if none). [tuple of str]"""
        return self.assumptions.entity_names("group")

    @property
    def funds(self) -> tuple[str, ...]:
        """Funds of the assumption set, in declaration order. [tuple of str]"""
        return self.assumptions.entity_names("fund")

    @property
    def branches(self) -> tuple[str, ...]:
        """Short-term branches of the assumption set, in declaration order. [tuple of str]"""
        return self.assumptions.entity_names("branch")

    def entity_info(self, kind: str, name: str) -> dict[str, str]:
        """The declaration of an insured group, a fund or a branch.

        Parameters
        ----------
        kind : {"group", "fund", "branch"}
        name : str
            A declared name.

        Returns
        -------
        dict
            A new dict: for a group ``{"title", "sector"}`` (sector
            ``"public"``, ``"private"`` or ``"informal"``), for a fund
            ``{"title"}``, for a branch ``{"title", "fund"}``.

        Raises
        ------
        ValueError
            For an unknown kind.
        KeyError
            For an undeclared name (with a did-you-mean).
        """
        if kind not in PER_KINDS:
            raise ValueError(f"kind must be one of {', '.join(PER_KINDS)}, not {kind!r}")
        declared = {"group": self.assumptions.groups, "fund": self.assumptions.funds, "branch": self.assumptions.branches}[kind]
        if name not in declared:
            hint = did_you_mean(name, declared)
            raise KeyError(f"{PER_WORDS[kind]} {name!r} is not declared in the assumption set" + (f"; {hint}" if hint else ""))
        return dict(declared[name])

    @property
    def scheme_years(self) -> np.ndarray:
        """Years the scheme is projected for: ``valuation_year + 1`` .. `end_year`.

        Returns
        -------
        numpy.ndarray of int64
            Read-only; empty if the valuation year is not before `end_year`
            (possible only for a set without insured groups). [calendar year]
        """
        years = np.arange(int(self.parameters["valuation_year"]) + 1, self.end_year + 1, dtype=np.int64)
        years.setflags(write=False)
        return years

    # -- access ------------------------------------------------------------------
    def value(self, name: str) -> Any:
        """The resolved value of a parameter.

        Parameters
        ----------
        name : str
            Parameter name (declared in defaults.yaml).

        Returns
        -------
        TimePath or float or int or bool or str or mapping
            For a parameter set per group, fund or branch: a read-only dict
            entity -> value (every declared entity, in declaration order).
            [unit declared in defaults.yaml]

        Raises
        ------
        KeyError
            For an unknown name (with a did-you-mean).
        """
        if name not in self.parameters:
            hint = did_you_mean(name, self.parameters)
            raise KeyError(f"unknown parameter {name!r}" + (f"; {hint}" if hint else ""))
        return self.parameters[name]

    def path_values(self, name: str, years: Any = None) -> np.ndarray:
        """Evaluate a parameter year by year.

        Parameters
        ----------
        name : str
            A time-path parameter (a float or int parameter is broadcast).
        years : array_like of int, optional
            Calendar years; default: the projection years `years`.

        Returns
        -------
        numpy.ndarray of float64
            One value per year, shape ``np.shape(years)``. For a parameter
            set per group, fund or branch: shape ``(n_entities,) +
            np.shape(years)``, rows in declaration order (`groups`, `funds`
            or `branches`); ``(0, n_years)`` if the set declares none.
            ``{index: other}`` rules are resolved through the other
            parameter's path. [unit declared in defaults.yaml]

        Raises
        ------
        TypeError
            For a bool or str parameter.
        ValueError
            For years the path does not cover (never the projection years).
        """
        value = self.value(name)
        yrs = self.years if years is None else np.asarray(years)
        if isinstance(value, Mapping):
            out = np.empty((len(value),) + np.shape(yrs), dtype=np.float64)
            for i, (entity, v) in enumerate(value.items()):
                out[i] = self._evaluate(f"{name}[{entity}]", v, yrs)
            return out
        return self._evaluate(name, value, yrs)

    def _evaluate(self, label: str, value: Any, yrs: np.ndarray) -> np.ndarray:
        if isinstance(value, TimePath):
            return value.evaluate(yrs, resolve=self.path_values)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return np.full(np.shape(yrs), float(value), dtype=np.float64)
        raise TypeError(f"parameter {label!r} is a {type(value).__name__}, not a time path or a number")

    def with_changes(self, changes: Mapping[str, Any], name: str | None = None) -> Scenario:
        """A copy with more parameter changes, validated like a file.

        Parameters
        ----------
        changes : mapping
            Parameter name -> value in any form a scenario's ``changes``
            accepts (number, year map, long form, or a `TimePath`). A given
            parameter replaces the current value whole, except a parameter
            set per group, fund or branch, whose mapping replaces only the
            entities it names, e.g. ``{"contribution_rate_employer":
            {"private": {2027: 0.07}}}``; and a time path whose first year
            is after `start_year` (as in that example), which replaces the
            current value from its first year only: the years before keep
            the current value.
        name : str, optional
            Name of the new scenario; default: this name followed by
            ``+`` and the changed parameter names.

        Returns
        -------
        Scenario
            Tables and the assumption set are reused, not re-read.
            ``provenance["changes_applied"]`` records `changes`.

        Raises
        ------
        ScenarioError
            If a change is invalid (unknown parameter, bad value, ...).
        """
        if not isinstance(changes, Mapping):
            raise ScenarioError(
                [Problem("<with_changes>", None, "changes", changes, "must be a mapping of parameter name -> value")]
            )
        normalised = _normalise_input(dict(changes))
        layer = YamlDocument(
            data={"changes": normalised},
            file=None,
            label="<with_changes>",
            base_dir=self._state.merged.chain[-1].base_dir,
        )
        merged = _Merged(list(self._state.merged.chain))
        for step in self._state.applied:
            merged.add(step)
        merged.add(layer)
        new_name = name if name is not None else f"{self.name}+" + "+".join(str(k) for k in normalised)
        return _build(
            merged,
            name=new_name,
            path=self.path,
            preloaded=(self.assumptions, self._state.table_specs, self._state.table_hashes, dict(self.tables)),
            applied=self._state.applied + (layer,),
        )

    # -- output ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The fully resolved scenario as plain data.

        Returns
        -------
        dict
            JSON/YAML-serialisable (str, int, float, bool, None, lists and
            dicts; year keys are ints): ``name``, ``description``, ``path``,
            ``projection``, ``seed``, ``assumptions`` (country metadata),
            ``tables`` (file, source, confidence, sha256), ``parameters``
            (each in YAML form: a number or the long time-path form),
            ``parameter_sources`` and ``provenance``. For the ``attrs`` of
            results.
        """
        prov_tables = self.provenance["tables"]
        extra = {"strategy": self.strategy.to_dict()} if self.strategy is not None else {}
        if self.stochastic is not None:
            extra["stochastic"] = self.stochastic.to_dict()
        return _plain(
            {
                "name": self.name,
                "description": self.description,
                "path": self.path,
                "projection": {"start_year": self.start_year, "end_year": self.end_year},
                "seed": self.seed,
                "assumptions": {
                    "name": self.assumptions.name,
                    "path": self.assumptions.path,
                    "country": self.assumptions.country,
                    "country_code": self.assumptions.country_code,
                    "currency": self.assumptions.currency,
                    "description": self.assumptions.description,
                },
                "tables": {n: dict(prov_tables[n]) for n in self.tables},
                "parameters": dict(self.parameters),
                "parameter_sources": self.parameter_sources,
                "provenance": self.provenance,
                **extra,
            }
        )

    # -- dunder --------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        if self.to_dict() != other.to_dict() or set(self.tables) != set(other.tables):
            return False
        return all(self.tables[n].equals(other.tables[n]) for n in self.tables)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        changed = [n for n, s in self.parameter_sources.items() if s["origin"] == "scenario"]
        return (
            f"<Scenario {self.name!r}: {self.start_year}-{self.end_year}, assumptions "
            f"{self.assumptions.name!r} ({self.assumptions.country}), {len(self.tables)} tables, "
            f"changes: {', '.join(changed) if changed else 'none'}>"
        )


# -----------------------------------------------------------------------------
# validation
# -----------------------------------------------------------------------------
def _check_top(merged: _Merged) -> tuple[dict[str, Any], list[Problem]]:
    """Keys and types of the merged scenario (not its parameters)."""
    data = merged.data
    root = merged.where()
    problems = _unknown_keys(data, SCENARIO_KEYS, root, "a scenario")
    out: dict[str, Any] = {}

    if "description" in data and data["description"] is not None and not isinstance(data["description"], str):
        problems.append((root / "description").problem(data["description"], "must be a string"))
    out["description"] = " ".join(str(data.get("description") or "").split())

    ref = data.get("assumptions", MISSING)
    if ref is MISSING:
        problems.append(root.problem(MISSING, "required key 'assumptions' is missing (an assumption set name or path)"))
    elif not isinstance(ref, str) or not ref.strip():
        problems.append((root / "assumptions").problem(ref, "must be an assumption set name (e.g. lao) or a path"))
    else:
        out["assumptions"] = ref.strip()

    proj = data.get("projection", MISSING)
    if proj is MISSING:
        problems.append(root.problem(MISSING, "required key 'projection' is missing ({start_year: ..., end_year: ...})"))
    elif not isinstance(proj, Mapping):
        problems.append((root / "projection").problem(proj, "must be a mapping {start_year: ..., end_year: ...}"))
    else:
        at = root / "projection"
        problems += _unknown_keys(proj, PROJECTION_KEYS, at, "projection")
        years_ok = True
        for key in PROJECTION_KEYS:
            if key not in proj:
                problems.append(at.problem(MISSING, f"required key '{key}' is missing"))
                years_ok = False
            elif not _is_int(proj[key]):
                hint = f"write {int(proj[key])}" if isinstance(proj[key], float) and proj[key].is_integer() else None
                problems.append((at / key).problem(proj[key], "is not an integer (a calendar year)", hint))
                years_ok = False
            elif not _YEAR_RANGE[0] <= proj[key] <= _YEAR_RANGE[1]:
                problems.append((at / key).problem(proj[key], f"is outside the plausible years {_YEAR_RANGE[0]}-{_YEAR_RANGE[1]}"))
                years_ok = False
        if years_ok:
            if proj["start_year"] >= proj["end_year"]:
                problems.append(
                    (at / "end_year").problem(proj["end_year"], f"must be after start_year ({proj['start_year']})")
                )
            else:
                out["start_year"], out["end_year"] = proj["start_year"], proj["end_year"]

    seed = data.get("seed", 0)
    if not _is_int(seed) or seed < 0:
        problems.append((root / "seed").problem(seed, "must be a non-negative integer"))
    else:
        out["seed"] = seed

    raw_tables = data.get("tables") or {}
    overrides: dict[str, TableSpec] = {}
    if not isinstance(raw_tables, Mapping):
        problems.append((root / "tables").problem(raw_tables, "must be a mapping of table name -> CSV path"))
    else:
        for tname, entry in raw_tables.items():
            at = root / "tables" / tname
            if tname not in TABLE_SCHEMAS:
                problems.append(at.problem(MISSING, "unknown table", did_you_mean(tname, TABLE_SCHEMAS)))
                continue
            base_dir = merged.doc_for(at.path).base_dir
            if isinstance(entry, str) and entry.strip():
                overrides[tname] = TableSpec(tname, (base_dir / entry).resolve(), "scenario", "assumed")
            elif isinstance(entry, Mapping):
                entry_problems = _unknown_keys(entry, TABLE_ENTRY_KEYS, at, "a table entry")
                entry_problems += _require_str(entry, "file", at)
                for key in ("source", "notes"):
                    entry_problems += _require_str(entry, key, at, required=False)
                if "confidence" in entry:
                    entry_problems += check_confidence(entry["confidence"], at / "confidence")
                problems += entry_problems
                if not entry_problems:
                    overrides[tname] = TableSpec(
                        tname,
                        (base_dir / entry["file"]).resolve(),
                        entry.get("source", "scenario"),
                        entry.get("confidence", "assumed"),
                        entry.get("notes"),
                    )
            else:
                problems.append(at.problem(entry, "must be a CSV path (relative to this file) or {file, source, confidence}"))
    out["table_overrides"] = overrides
    return out, problems


def _needs_base(value: Any, start: int | None) -> bool:
    """Whether a change lies over the value below it: a time path with no
    value in `start` (its first year is after it)."""
    if start is None or not isinstance(value, TimePath):
        return False
    valid_from = value.valid_from
    return valid_from is not None and valid_from > start


def _check_changes(
    merged: _Merged,
    specs: Mapping[str, ParameterSpec],
    entity_names: Mapping[str, tuple[str, ...]] | None,
    start: int | None,
) -> tuple[dict[str, list[_Resolved]], dict[str, dict[str, list[_Resolved]]], set[str], list[Problem]]:
    """The scenario's ``changes``, validated.

    A change is the value given by the last document of the ``extends``
    chain (or `Scenario.with_changes` call) that gives it. If it is a time
    path that starts after `start`, it lies over the value below it, so the
    change of the document before that gives it is read too, and so on down
    to a change that has a value in `start` (or the assumption set's value
    or the default, applied by `_build`). Changes below that are not used
    and not checked.

    Parameters
    ----------
    merged : _Merged
    specs : mapping
    entity_names : mapping or None
        Kind -> entity names declared by the assumption set; None if the
        set could not be read (entity names are then not checked).
    start : int or None
        ``projection.start_year``; None if not valid (each change is then
        taken whole).

    Returns
    -------
    changes : dict
        Global parameter -> its changes, the last document's first: each
        but the last starts after `start`.
    per_changes : dict
        Per-entity parameter -> entity -> its changes, likewise.
    invalid : set of str
        Parameters with an invalid change.
    problems : list of Problem
    """
    raw = merged.data.get("changes")
    root = merged.where()
    if raw is None:
        return {}, {}, set(), []
    if not isinstance(raw, Mapping):
        return {}, {}, set(), [(root / "changes").problem(raw, "must be a mapping of parameter name -> value")]
    out: dict[str, list[_Resolved]] = {}
    per_out: dict[str, dict[str, list[_Resolved]]] = {}
    invalid: set[str] = set()
    problems: list[Problem] = []

    def label_of(doc: YamlDocument) -> str:
        if doc.file is None and doc.label == "<with_changes>":
            return "with_changes"
        return f"scenario {doc.file.name if doc.file is not None else doc.label}"

    def layers_below(key: PathKey, top: _Resolved, spec: ParameterSpec) -> list[_Resolved] | None:
        """`top` and the changes below it that it lies over (None if one is invalid)."""
        stack = [top]
        layers = merged.layers.get(key, [])
        for doc, raw_value in reversed(layers[:-1]):
            if not _needs_base(stack[-1].value, start):
                break
            at = doc.where(*key)
            parsed, parse_problems = spec.parse(raw_value, at, specs)
            problems.extend(parse_problems)
            if parsed is None or parse_problems:
                return None
            stack.append(_Resolved(parsed, at, "scenario", label_of(doc), "assumed"))
        return stack

    for pname, value in raw.items():
        at = root / "changes" / pname
        if pname not in specs:
            problems.append(at.problem(MISSING, "unknown parameter", did_you_mean(pname, specs)))
            continue
        spec = specs[pname]
        names = entity_names.get(spec.per) if (entity_names is not None and spec.per is not None) else None
        if (
            isinstance(value, Mapping)
            and "value" in value
            and "values" not in value
            and not (names is not None and "value" in names)
        ):
            example = (f"{pname}: {{{(names or ('name',))[0]}: 1.1}}" if spec.per is not None
                       else f"{pname}: 1.1 or {pname}: {{2030: 1.1}}")
            problems.append(
                (at / "value").problem(
                    MISSING,
                    "unknown key in a scenario change",
                    f"scenario changes give the value directly, e.g. {example} "
                    "(value/source/confidence entries belong in an assumption set)",
                )
            )
            invalid.add(pname)
            continue
        if spec.per is not None:
            parsed_map, value_problems = spec.parse_entities(value, at, specs, names)
            problems += value_problems
            if parsed_map is None:
                invalid.add(pname)
                continue
            per_out[pname] = {}
            for entity, v in parsed_map.items():
                top = _Resolved(v, at / entity, "scenario", label_of(merged.doc_for((at / entity).path)), "assumed")
                stack = layers_below(("changes", pname, entity), top, spec)
                if stack is None:
                    invalid.add(pname)
                else:
                    per_out[pname][entity] = stack
            if pname in invalid:
                del per_out[pname]
            continue
        parsed, value_problems = spec.parse(value, at, specs)
        problems += value_problems
        if parsed is not None and not value_problems:
            top = _Resolved(parsed, at, "scenario", label_of(merged.doc_for(at.path)), "assumed")
            stack = layers_below(("changes", pname), top, spec)
            if stack is None:
                invalid.add(pname)
            else:
                out[pname] = stack
        else:
            invalid.add(pname)
    return out, per_out, invalid, problems


def _index_cycles(values: Mapping[str, _Resolved]) -> list[Problem]:
    """Cycles of ``{index: name}`` rules among the global parameters (the
    rules of a path's `before` chain count too: they are evaluated)."""
    problems: list[Problem] = []
    reported: set[frozenset[str]] = set()
    done: set[str] = set()

    def targets(name: str) -> list[str]:
        v = values[name].value
        return [t for t in (v.index_names if isinstance(v, TimePath) else ()) if t in values]

    def visit(name: str, chain: list[str]) -> None:
        for target in targets(name):
            if target in chain:
                cycle = chain[chain.index(target):] + [target]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    problems.append(
                        values[cycle[0]].where.problem(MISSING, "index rules form a cycle: " + " -> ".join(cycle))
                    )
            elif target not in done:
                visit(target, chain + [target])
        done.add(name)

    for start in values:
        if start not in done:
            visit(start, [start])
    return problems


def _levels(r: _Resolved) -> list[tuple[TimePath, Where]]:
    """The paths a resolved time path is made of, top first, each with its position.

    A change laid over the value below it, and a path written with
    ``before:``, give several: each applies from its own first year up to
    the first year of the one above it (the top one: to the end).
    """
    out: list[tuple[TimePath, Where]] = []
    layer: _Resolved | None = r
    while layer is not None:
        stop = layer.base.value if layer.base is not None else None
        node: TimePath | None = layer.value
        at = layer.where
        while node is not None and node is not stop:
            out.append((node, at))
            node, at = node.before, at / "before"
        layer = layer.base
    return out


def _check_paths(
    values: Mapping[str, _Resolved],
    per_values: Mapping[str, Mapping[str, _Resolved]],
    specs: Mapping[str, ParameterSpec],
    start: int,
    end: int,
) -> tuple[list[Problem], set[str]]:
    """Year-dependent checks of every time path against the projection.

    A path made of several (a change laid over the value below it, or a
    path with ``before:``) is checked level by level, over the years each
    level gives: the lowest must have a value in `start`, each must reach
    the first year of the one above it (`after: none`), and a value a rule
    computes in a projection year must be in range; problems cite the
    level (file, key path, year).

    Parameters
    ----------
    values : mapping
        Global parameters, resolved.
    per_values : mapping
        Per-entity parameters: name -> entity -> resolved value.
    specs : mapping
    start, end : int
        Projection years. [calendar year]

    Returns
    -------
    problems : list of Problem
    bad : set of str
        Parameters with a problem (or depending through an index rule on
        one), so later checks can skip them.
    """
    problems: list[Problem] = []
    bad: set[str] = set()  # parameter names with a problem
    bad_items: set[tuple[Any, ...]] = set()  # the paths (key paths) with a problem
    items: list[tuple[str, _Resolved]] = list(values.items())
    for pname, by_entity in per_values.items():
        items += [(pname, r) for r in by_entity.values()]
    levels_of: dict[int, list[tuple[TimePath, Where]]] = {}
    for pname, r in items:
        tp = r.value
        if not isinstance(tp, TimePath) or tp.is_constant:
            continue
        levels = levels_of[id(r)] = _levels(r)
        bottom, bottom_at = levels[-1]
        if bottom.first_year is not None and bottom.first_year > start:
            bad.add(pname)
            bad_items.add(r.where.path)
            problems.append(
                bottom_at.problem(
                    MISSING,
                    f"time path starts in {bottom.first_year}, after projection.start_year {start}",
                    f"give a value for {start} or earlier",
                )
            )
        upto = end  # last year the level gives
        for k, (node, at) in enumerate(levels):
            if node.after_kind == "none" and node.last_year is not None and node.last_year < upto:
                bad.add(pname)
                bad_items.add(r.where.path)
                if k == 0:
                    problems.append(
                        at.problem(
                            MISSING,
                            f"time path ends in {node.last_year} with after: none, but projection.end_year is {end}",
                            f"give values up to {end}, or use after: hold",
                        )
                    )
                else:
                    problems.append(
                        at.problem(
                            MISSING,
                            f"time path ends in {node.last_year} with after: none, but it gives the values up to "
                            f"{upto}, below the path starting in {upto + 1}",
                            f"give values up to {upto}, or use after: hold",
                        )
                    )
            if node.first_year is None:
                break
            upto = min(upto, node.first_year - 1)
            if upto < start:
                break
    cycle_problems = _index_cycles(values)
    problems += cycle_problems
    if cycle_problems:
        return problems, bad | set(values) | set(per_values)

    def depends_on_bad(tp: Any) -> bool:
        seen: set[str] = set()
        todo = list(tp.index_names) if isinstance(tp, TimePath) else []
        while todo:
            nxt = todo.pop()
            if nxt not in values or nxt in seen:
                continue
            seen.add(nxt)
            if values[nxt].where.path in bad_items:
                return True
            v = values[nxt].value
            if isinstance(v, TimePath):
                todo += v.index_names
        return False

    def resolve(n: str, yrs: np.ndarray) -> np.ndarray:
        return values[n].value.evaluate(yrs, resolve=resolve)

    years = np.arange(start, end + 1)
    for pname, r in items:
        tp = r.value
        if not isinstance(tp, TimePath) or tp.is_constant or r.where.path in bad_items:
            continue
        if depends_on_bad(tp):
            bad.add(pname)
            continue
        try:
            evaluated = tp.evaluate(years, resolve=resolve)
        except ValueError as exc:
            bad.add(pname)
            problems.append(r.where.problem(MISSING, f"cannot be evaluated over {start}-{end}: {exc}"))
            continue
        spec = specs[pname]
        # which level gives each year: the first (from the top) that starts at or before it
        level_of = np.full(years.shape, -1)
        for k, (node, _at) in enumerate(levels_of[id(r)]):
            free = level_of < 0
            level_of[free if node.first_year is None else free & (years >= node.first_year)] = k
        for k, (node, at) in enumerate(levels_of[id(r)]):
            given = set(node.years)
            outside = [
                (int(y), float(v))
                for y, v in zip(years[level_of == k], evaluated[level_of == k])
                if int(y) not in given and spec.range_message(float(v)) is not None
            ]
            if not outside:
                continue
            bad.add(pname)
            year, v = outside[0]
            more = f"; {len(outside) - 1} later years too" if len(outside) > 1 else ""
            rule = (
                f"between: {node.between}" if year < (node.last_year or year)
                else f"after: {dump_yaml(node.after, flow=True)}"
            )
            problems.append(
                (at / year).problem(
                    round(v, 10),
                    f"{spec.range_message(v)}{more} (value computed by the rule {rule})",
                )
            )
    return problems, bad


_ORIGIN_RANK = {"defaults": 0, "assumptions": 1, "scenario": 2}


def _source_entry(r: _Resolved) -> dict[str, Any]:
    """``{source, confidence, origin}``; for a change laid over the value
    below it, also ``from_year`` and ``before`` (the entry of that value)."""
    entry: dict[str, Any] = {"source": r.source, "confidence": r.confidence, "origin": r.origin}
    if r.base is not None:
        entry["from_year"] = r.from_year
        entry["before"] = _source_entry(r.base)
    return entry


def _per_source_entry(spec: ParameterSpec, by_entity: Mapping[str, _Resolved]) -> dict[str, Any]:
    """Sources of a per-entity parameter: those of its most specific layer, and per entity."""
    top: dict[str, Any] = {"source": spec.source, "confidence": spec.confidence, "origin": "defaults"}
    best = -1
    for r in by_entity.values():
        if _ORIGIN_RANK[r.origin] > best:
            best = _ORIGIN_RANK[r.origin]
            top = {"source": r.source, "confidence": r.confidence, "origin": r.origin}
    top["entities"] = {e: _source_entry(r) for e, r in by_entity.items()}
    return top


def _location_problem(at: Where, key_path: str, value: Any, expected: str, hint: str | None = None) -> Problem:
    """A problem about `key_path`, located (file, line) at `at`."""
    p = at.problem(value, expected, hint)
    return Problem(p.file, p.line, key_path, value, expected, hint)


def _check_scheme(
    merged: _Merged,
    aset: AssumptionSet,
    resolved: Mapping[str, _Resolved],
    per_resolved: Mapping[str, Mapping[str, _Resolved]],
    skip: set[str],
    start: int,
    end: int,
) -> list[Problem]:
    """Checks across parameters, for a set that declares a scheme.

    - ``long_term_fund`` names a declared fund (when groups or funds are
      declared);
    - ``start_year <= valuation_year < end_year`` (when groups are declared);
    - for each group and projection year, ``long_term_share`` plus the
      ``contribution_share`` of every branch is 1 (±`SHARES_TOLERANCE`).

    Parameters in `skip` (already reported as invalid) are not checked.
    """
    problems: list[Problem] = []
    set_root = aset._doc.where()
    if (aset.groups or aset.funds) and "long_term_fund" not in skip:
        r = resolved["long_term_fund"]
        if r.value not in aset.funds:
            declared = ", ".join(aset.funds) if aset.funds else "none declared"
            expected = f"is not a declared fund of the assumption set (funds: {declared})"
            hint = did_you_mean(r.value, aset.funds, list_if_no_match=0) if aset.funds else None
            if r.origin == "defaults":
                at = set_root / "funds" if "funds" in aset._doc.data else set_root
                problems.append(
                    _location_problem(
                        at,
                        "long_term_fund",
                        r.value,
                        f"(the default) {expected}",
                        hint or f"declare a fund {r.value!r} under funds:, or set the parameter long_term_fund "
                        "to the fund that pays pensions",
                    )
                )
            else:
                problems.append(r.where.problem(r.value, expected, hint))

    if not aset.groups:
        return problems

    if "valuation_year" not in skip:
        r = resolved["valuation_year"]
        vy = r.value
        if not start <= vy < end:
            expected = (
                f"must satisfy projection.start_year ({start}) <= valuation_year < projection.end_year ({end})"
            )
            hint = "the scheme is projected for the years after the valuation year, up to end_year"
            if r.origin == "defaults":
                problems.append(
                    _location_problem(
                        merged.where("projection"),
                        "valuation_year",
                        vy,
                        f"(the default) {expected}",
                        "set valuation_year (the year of the scheme's base data) in the assumption set's parameters",
                    )
                )
            else:
                problems.append(r.where.problem(vy, expected, hint))

    if not {"long_term_share", "contribution_share"} & skip:
        years = np.arange(start, end + 1)

        def resolve(n: str, yrs: np.ndarray) -> np.ndarray:
            return resolved[n].value.evaluate(yrs, resolve=resolve)

        def evaluate(value: Any) -> np.ndarray:
            if isinstance(value, TimePath):
                return value.evaluate(years, resolve=resolve)
            return np.full(years.shape, float(value))

        try:
            branch_shares = {b: evaluate(r.value) for b, r in per_resolved["contribution_share"].items()}
            group_shares = {g: evaluate(r.value) for g, r in per_resolved["long_term_share"].items()}
        except ValueError:  # pragma: no cover - a path that cannot be evaluated was reported already
            return problems
        branch_total = np.sum(list(branch_shares.values()), axis=0) if branch_shares else np.zeros(years.shape)
        for group, lts in group_shares.items():
            total = lts + branch_total
            wrong = np.flatnonzero(np.abs(total - 1.0) > SHARES_TOLERANCE)
            if not wrong.size:
                continue
            i = int(wrong[0])
            # cite the most specific layer that set one of the shares (the scenario before the set)
            r = per_resolved["long_term_share"][group]
            for b in per_resolved["contribution_share"].values():
                if _ORIGIN_RANK[b.origin] > _ORIGIN_RANK[r.origin]:
                    r = b
            detail = ", ".join(f"{b} {v[i]:.10g}" for b, v in branch_shares.items())
            more = f"; {wrong.size - 1} later years too" if wrong.size > 1 else ""
            problems.append(
                r.where.problem(
                    MISSING,
                    f"the contribution shares of group {group!r} sum to {total[i]:.10g} in {int(years[i])}, not 1: "
                    f"long_term_share {lts[i]:.10g} + contribution_share "
                    f"{branch_total[i]:.10g} ({detail if detail else 'no branches declared'}){more}",
                    "for each group and year, long_term_share plus the contribution_share of every branch must be 1",
                )
            )
    return problems


def _build(
    merged: _Merged,
    *,
    name: str,
    path: Path | None,
    preloaded: tuple[AssumptionSet, Mapping[str, TableSpec], Mapping[str, str], dict[str, pd.DataFrame]] | None = None,
    applied: tuple[Any, ...] = (),
) -> Scenario:
    """Validate merged scenario data and build the `Scenario` (or raise)."""
    specs = load_parameter_specs()
    top, problems = _check_top(merged)

    aset: AssumptionSet | None = None
    table_specs: dict[str, TableSpec] = {}
    table_hashes: dict[str, str] = {}
    tables: dict[str, pd.DataFrame] = {}
    if preloaded is not None:
        aset, table_specs_ro, table_hashes_ro, tables = preloaded
        table_specs, table_hashes = dict(table_specs_ro), dict(table_hashes_ro)
    elif "assumptions" in top:
        at = merged.where("assumptions")
        found, looked = find_assumptions(top["assumptions"], merged.doc_for(at.path).base_dir)
        if found is None:
            problems.append(_not_found_problem(top["assumptions"], looked, at))
        else:
            aset, set_problems = _read_assumption_set(found, specs, check_files=False)
            problems += set_problems
        if aset is not None:
            set_where = aset._doc.where
            table_specs = dict(aset.tables)
            table_specs.update(top["table_overrides"])
            for tname, schema in TABLE_SCHEMAS.items():
                if schema.required and tname not in table_specs:
                    problems.append(
                        set_where("tables").problem(MISSING, f"required table '{tname}' is missing ({schema.title.lower()})")
                    )
                elif schema.scheme and aset.groups and tname not in table_specs:
                    problems.append(
                        set_where("tables").problem(
                            MISSING,
                            f"required table '{tname}' is missing ({schema.title.lower()}; "
                            "scheme tables are required when the set declares insured groups)",
                        )
                    )
            for tname, spec in table_specs.items():
                if not spec.file.is_file():
                    if tname in top["table_overrides"]:
                        entry_at = merged.where("tables", tname)
                        if isinstance(merged.data["tables"][tname], Mapping):
                            entry_at = entry_at / "file"
                        raw_value = merged.data["tables"][tname]
                        raw_value = raw_value["file"] if isinstance(raw_value, Mapping) else raw_value
                    else:
                        entry_at = set_where("tables", tname, "file")
                        raw_value = aset._doc.data["tables"][tname]["file"]
                    what = "a directory, not a CSV file" if spec.file.is_dir() else "a file that does not exist"
                    problems.append(entry_at.problem(raw_value, f"names {what}: {spec.file}"))
                    continue
                table_hashes[tname] = _sha256_file(spec.file)
                groups = aset.entity_names("group") if "group" in TABLE_SCHEMAS[tname].keys else None
                df, table_problems = load_table(tname, spec.file, groups=groups)
                problems += table_problems
                if df is not None:
                    tables[tname] = df

    # projection against the population table
    start, end = top.get("start_year"), top.get("end_year")
    if start is not None and "population" in tables:
        available = sorted(set(tables["population"]["year"].tolist()))
        if start not in available:
            shown = ", ".join(str(y) for y in available[:10]) + (" ..." if len(available) > 10 else "")
            problems.append(
                merged.where("projection", "start_year").problem(
                    start,
                    f"is not a year of the population table ({display_path(table_specs['population'].file)} has {shown})",
                    "the projection starts from the population at 1 July of start_year",
                )
            )
            start = None

    # parameters: defaults <- assumption set <- scenario changes (entity by entity for per parameters;
    # a change starting after start_year lies over the value below it, see `lay`)
    entity_names = {kind: aset.entity_names(kind) for kind in PER_KINDS} if aset is not None else None
    changes, per_changes, invalid, change_problems = _check_changes(merged, specs, entity_names, start)

    def lay(stack: list[_Resolved], below: _Resolved) -> _Resolved:
        """Apply a change and the changes it lies over (`stack`, top first) to `below`."""
        for r in reversed(stack):
            if _needs_base(r.value, start):
                value = r.value
                below_from = below.value.valid_from
                if below_from is None or below_from < value.valid_from:
                    value = value.with_before(below.value)
                # else: the value below starts even later (an error of its own, reported by
                # _check_paths at its position): nothing of it can be laid under the change
                below = _Resolved(
                    value, r.where, r.origin, r.source, r.confidence, base=below, from_year=r.value.valid_from
                )
            else:
                below = r
        return below

    resolved: dict[str, _Resolved] = {}
    per_resolved: dict[str, dict[str, _Resolved]] = {}
    default_of: dict[str, _Resolved] = {}
    for pname, spec in specs.items():
        default = _Resolved(
            spec.default,
            Where(lambda _p: (DEFAULTS_PATH, None), (pname, "default")),
            "defaults",
            spec.source,
            spec.confidence,
        )
        default_of[pname] = default
        if spec.per is None:
            resolved[pname] = default
        else:
            per_resolved[pname] = {e: default for e in (entity_names or {}).get(spec.per, ())}
    if aset is not None:
        for pname, av in aset.parameters.items():
            if pname in per_resolved:
                for entity, v in av.value.items():
                    per_resolved[pname][entity] = _Resolved(
                        v, aset._doc.where("parameters", pname, "value", entity), "assumptions", av.source, av.confidence
                    )
            else:
                resolved[pname] = _Resolved(
                    av.value, aset._doc.where("parameters", pname, "value"), "assumptions", av.source, av.confidence
                )
    for pname, stack in changes.items():
        resolved[pname] = lay(stack, resolved[pname])
    for pname, by_entity in per_changes.items():
        for entity, stack in by_entity.items():
            per_resolved[pname][entity] = lay(stack, per_resolved[pname].get(entity, default_of[pname]))
    problems += change_problems
    if start is not None and end is not None:
        path_problems, bad = _check_paths(resolved, per_resolved, specs, start, end)
        problems += path_problems
        if aset is not None:
            problems += _check_scheme(merged, aset, resolved, per_resolved, bad | invalid, start, end)

    strategy = None
    if "strategy" in merged.data and merged.data["strategy"] is not None:
        from ssproj.scheme.strategies import parse_strategy

        strategy, strategy_problems = parse_strategy(
            merged.data["strategy"],
            merged.where("strategy"),
            groups=aset.entity_names("group") if aset is not None else None,
            start_year=start,
            end_year=end,
        )
        problems += strategy_problems
        if aset is not None and not aset.groups:
            problems.append(merged.where("strategy").problem(
                MISSING, "a strategy needs insured groups, and the assumption set declares none"))

    stochastic = None
    if "stochastic" in merged.data and merged.data["stochastic"] is not None:
        from ssproj.uncertainty.stochastic import parse_stochastic

        stochastic, stochastic_problems = parse_stochastic(merged.data["stochastic"], merged.where("stochastic"))
        problems += stochastic_problems

    if problems or aset is None or start is None or end is None or "seed" not in top:
        if not problems:  # pragma: no cover - every early exit above records a problem
            problems.append(merged.where().problem(MISSING, "scenario could not be validated"))
        raise ScenarioError(problems)

    chain_files = []
    for doc in reversed(merged.chain):
        chain_files.append(
            {"path": doc.file.as_posix() if doc.file is not None else doc.label, "sha256": doc.sha256 or _sha256_data(doc.data)}
        )
    provenance = {
        "ssproj_version": __version__,
        "scenario": name,
        "scenario_files": chain_files,
        "assumptions": {"name": aset.name, "path": aset.path.as_posix(), "sha256": aset.sha256},
        "tables": {
            n: {
                "path": table_specs[n].file.as_posix(),
                "sha256": table_hashes[n],
                "source": table_specs[n].source,
                "confidence": table_specs[n].confidence,
            }
            for n in tables
        },
        "sources": _plain(aset.sources),
        "seed": top["seed"],
        "changes_applied": [_plain(layer.data["changes"]) for layer in applied],
    }
    years = np.arange(start, end + 1, dtype=np.int64)
    years.setflags(write=False)
    return Scenario(
        name=name,
        description=top["description"],
        path=path,
        start_year=int(start),
        end_year=int(end),
        years=years,
        seed=int(top["seed"]),
        assumptions=aset,
        tables=_ReadOnlyDict({n: tables[n] for n in TABLE_SCHEMAS if n in tables}),
        parameters=_ReadOnlyDict(
            {
                n: resolved[n].value if n in resolved else _ReadOnlyDict({e: r.value for e, r in per_resolved[n].items()})
                for n in specs
            }
        ),
        parameter_sources=_freeze(
            {
                n: _source_entry(resolved[n]) if n in resolved else _per_source_entry(specs[n], per_resolved[n])
                for n in specs
            }
        ),
        provenance=_freeze(provenance),
        _state=_State(merged, _freeze(table_specs), _freeze(table_hashes), applied),
        strategy=strategy,
        stochastic=stochastic,
    )


def load_scenario(
    path_or_dict: str | os.PathLike[str] | Mapping[str, Any], *, base_dir: str | os.PathLike[str] | None = None
) -> Scenario:
    """Load and validate a scenario, its ``extends`` chain, assumption set and tables.

    Parameters
    ----------
    path_or_dict : str or path-like or mapping
        A scenario YAML file, or the same content as a dict (values may
        also be `TimePath` objects, NumPy scalars and paths).
    base_dir : str or path-like, optional
        For a dict: the folder that relative paths (``extends``, table
        files, an assumption set path) and the assumption set lookup start
        from, as if the dict were a file in it. Default: the current
        directory. Ignored for a file.

    Returns
    -------
    Scenario
        Validated; code past this point trusts it. Loading the same inputs
        twice gives equal scenarios.

    Raises
    ------
    ScenarioError
        With every problem found, each citing file, line and key path:
        invalid YAML, duplicate or unknown keys (with a did-you-mean),
        wrong types, values out of range (per year for time paths), an
        ``extends`` cycle (with the chain), a missing file, assumption set
        (with every path looked in) or table (with its path), time paths
        of the assumption set or the defaults that start after
        ``projection.start_year`` (a scenario change may: it lies over the
        value below it), gaps, ``after: none`` paths ending before the
        years they must give (``projection.end_year``, or the first year of
        a change laid over them), a start year missing
        from the population table, every table problem, unknown groups,
        funds or branches (in parameter values and in the ``group`` column
        of tables) and, for a set with insured groups, a
        ``long_term_share`` plus ``contribution_share`` of the branches
        other than 1 for a group and year, a ``long_term_fund`` that is not
        a declared fund, and a ``valuation_year`` outside
        [``start_year``, ``end_year``).

    Examples
    --------
    >>> sc = load_scenario("scenarios/lao_baseline.yaml")  # doctest: +SKIP
    >>> sc.path_values("fertility_multiplier")[:3]  # doctest: +SKIP
    array([1., 1., 1.])
    """
    if isinstance(path_or_dict, Mapping):
        data = _normalise_input(dict(path_or_dict))
        base = Path(base_dir).resolve() if base_dir is not None else Path.cwd().resolve()
        leaf = YamlDocument(
            data=data, file=None, label="<scenario dict>", lines={}, sha256=_sha256_data(data), base_dir=base
        )
        problems: list[Problem] = []
        path = None
        default_name = "unnamed"
    else:
        file = Path(path_or_dict)
        if not file.is_file():
            what = "is a directory, not a scenario file" if file.is_dir() else "scenario file not found"
            raise ScenarioError([Problem(file.resolve(), None, "", MISSING, f"{what}: {file.resolve()}")])
        raw = file.read_bytes()
        doc, problems = parse_yaml(raw, file)
        if doc is None:
            raise ScenarioError(problems)
        leaf = doc
        path = doc.file
        default_name = file.stem
    chain, chain_problems = _load_chain(leaf)
    problems += chain_problems
    if not chain or not isinstance(leaf.data, Mapping):
        raise ScenarioError(problems)
    merged = _Merged(chain)

    name = default_name
    leaf_where = leaf.where("name")
    raw_name = leaf.data.get("name")
    if raw_name is not None:
        if isinstance(raw_name, str) and raw_name.strip() and "\n" not in raw_name:
            name = raw_name.strip()
        else:
            problems.append(leaf_where.problem(raw_name, "must be a non-empty one-line string"))
    try:
        scenario = _build(merged, name=name, path=path)
    except ScenarioError as exc:
        raise ScenarioError(problems + exc.problems) from None
    if problems:
        raise ScenarioError(problems)
    return scenario
