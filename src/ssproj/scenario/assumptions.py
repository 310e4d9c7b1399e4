"""Assumption sets: finding, reading and validating a country's ``assumptions.yaml``.

An assumption set gives a country's sources, tables, insured groups,
funds, short-term branches and parameter values (the format is fixed in
``docs/dev/formats.md``). :func:`load_assumptions` reads one on its own;
``load_scenario`` reads the set a scenario names (with
:func:`find_assumptions` and :func:`read_assumption_set`).
"""
from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ssproj.errors import MISSING, Problem, ScenarioError, did_you_mean
from ssproj.scenario.common import ReadOnlyDict, freeze, is_int, plain_data, require_str, unknown_keys
from ssproj.scenario.parameters import PER_KINDS, PER_WORDS, ParameterSpec, check_confidence, load_parameter_specs
from ssproj.scenario.tables import SECTORS, TABLE_SCHEMAS
from ssproj.scenario.yamlio import Where, YamlDocument, load_yaml_file

__all__ = [
    "ASSUMPTIONS_ENV_VAR",
    "AssumptionSet",
    "AssumptionValue",
    "DemographicVariant",
    "TableSpec",
    "find_assumptions",
    "load_assumptions",
    "not_found_problem",
    "read_assumption_set",
]

#: Environment variable with extra folders (os.pathsep-separated) holding
#: assumption sets as ``<folder>/<name>/assumptions.yaml``.
ASSUMPTIONS_ENV_VAR = "SSPROJ_ASSUMPTIONS"
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
    "variants",
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
_IDENTIFIER_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SOURCE_KEYS = ("citation", "licence", "url", "datasets", "accessed", "notes")
TABLE_ENTRY_KEYS = ("file", "source", "confidence", "notes")
PARAMETER_ENTRY_KEYS = ("value", "source", "confidence", "notes", "plausible_range")
#: Keys of a demographic variant (``variants: {name: {...}}``).
VARIANT_KEYS = ("description", "tables")


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
class DemographicVariant:
    """A named demographic variant of an assumption set: a set of table overrides.

    A scenario selects it with ``demographic_variant: <name>``; its tables
    then replace the set's tables of the same names (and a scenario's own
    ``tables:`` replace those in turn).

    Parameters
    ----------
    name : str
        Identifier, e.g. ``"high"``.
    description : str
        What the variant assumes.
    tables : dict of str to TableSpec
        The tables it replaces (none for the variant the set's own tables
        are, e.g. ``medium``).
    """

    name: str
    description: str
    tables: Mapping[str, TableSpec]


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
    plausible_range : mapping or None
        Where the value is not known (``confidence: assumed``), the range
        it may plausibly take: entity (None for a global parameter or for
        every entity) -> :class:`PlausibleRange`. Read by
        :func:`ssproj.reporting.assumptions.assumption_drivers`.
    """

    value: Any
    source: str
    confidence: str
    notes: str | None = None
    plausible_range: Mapping[str | None, PlausibleRange] | None = None


@dataclass(frozen=True)
class PlausibleRange:
    """The plausible range of an assumed value: ``kind`` ``"value"`` (the value itself, the same in
    every year, from `low` to `high` [the parameter's unit]) or ``"factor"`` (the value in every
    year times `low` to times `high` [1])."""

    kind: str
    low: float
    high: float

    def text(self, unit: str = "") -> str:
        """E.g. ``"1e+12 to 4e+12 currency"`` or ``"x 0.7 to x 1.3"``."""
        if self.kind == "factor":
            return f"x {self.low:g} to x {self.high:g}"
        return f"{self.low:g} to {self.high:g}" + (f" {unit}" if unit not in ("", "-", "1") else "")


def _plausible_range(raw: Any, at: Where, spec: Any, entities: list[str] | None) -> tuple[Any, list[Problem]]:
    """Parse a parameter entry's ``plausible_range``: ``[low, high]`` (the value), ``{factor: [low, high]}``,
    or, for a parameter set per entity, a mapping entity -> one of those."""
    problems: list[Problem] = []
    expected = "[low, high] (the value), {factor: [low, high]}, or for a parameter set per entity a mapping " \
               "entity -> one of those"
    if spec.type not in ("timepath", "float", "int"):
        return None, [at.problem(raw, f"is not allowed for a parameter of type {spec.type} (numbers only)")]

    def one(item: Any, where: Where) -> PlausibleRange | None:
        kind = "value"
        if isinstance(item, Mapping) and set(item) == {"factor"}:
            kind, item, where = "factor", item["factor"], where / "factor"
        if (not isinstance(item, list) or len(item) != 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in item)
                or not item[0] < item[1]):
            problems.append(where.problem(item, f"must be {expected}, with low < high"))
            return None
        low, high = float(item[0]), float(item[1])
        if kind == "factor" and low <= 0.0:
            problems.append(where.problem(item, "a factor range must be above 0"))
            return None
        if kind == "value" and spec.range is not None:
            lo, hi = spec.range
            if (lo is not None and low < lo) or (hi is not None and high > hi):
                problems.append(where.problem(item, f"is outside the parameter's range {spec.range_text}"))
                return None
        return PlausibleRange(kind, low, high)

    if spec.per is not None and isinstance(raw, Mapping) and set(raw) != {"factor"}:
        out: dict[str | None, PlausibleRange] = {}
        for entity, item in raw.items():
            if entities is None or entity not in entities:
                problems.append((at / str(entity)).problem(entity, f"is not a declared {spec.per}",
                                                           did_you_mean(str(entity), entities or [])))
                continue
            r = one(item, at / str(entity))
            if r is not None:
                out[entity] = r
        return (out if not problems else None), problems
    r = one(raw, at)
    return ({None: r} if r is not None else None), problems


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
    document : ssproj.scenario.yamlio.YamlDocument
        The parsed ``assumptions.yaml`` (its data and the line of each
        key), for placing problems found by later checks.
    variants : dict of str to DemographicVariant
        Named demographic variants (``variants:``), in declaration order;
        empty for a set without them.
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
    document: YamlDocument = field(repr=False, compare=False)
    variants: Mapping[str, DemographicVariant] = field(default_factory=lambda: ReadOnlyDict({}))

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
        return plain_data(
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
                    n: {"value": v.value, "source": v.source, "confidence": v.confidence, "notes": v.notes,
                        **({"plausible_range": {("all" if e is None else e): {"kind": r.kind, "low": r.low,
                                                                              "high": r.high}
                                                for e, r in v.plausible_range.items()}}
                           if v.plausible_range else {})}
                    for n, v in self.parameters.items()
                },
                "groups": self.groups,
                "funds": self.funds,
                "branches": self.branches,
                "variants": {
                    n: {
                        "description": v.description,
                        "tables": {
                            t: {"file": ts.file, "source": ts.source, "confidence": ts.confidence, "notes": ts.notes}
                            for t, ts in v.tables.items()
                        },
                    }
                    for n, v in self.variants.items()
                },
                "sha256": self.sha256,
            }
        )


def _is_path_like(ref: str) -> bool:
    return (
        "/" in ref or os.sep in ref or (os.altsep is not None and os.altsep in ref) or ref.endswith((".yaml", ".yml"))
    )


def find_assumptions(
    ref: str | os.PathLike[str], search_from: str | os.PathLike[str] | None = None
) -> tuple[Path | None, list[Path]]:
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


def not_found_problem(ref: Any, looked: list[Path], where: Where) -> Problem:
    env = os.environ.get(ASSUMPTIONS_ENV_VAR, "")
    hint = None if env.strip() or _is_path_like(str(ref)) else (
        f"set {ASSUMPTIONS_ENV_VAR} to a folder holding <name>/assumptions.yaml to search more places"
    )
    return where.problem(
        ref, "names no assumption set that exists; looked in: " + ", ".join(str(p) for p in looked), hint
    )


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
            problems.append(at_section.problem(
                raw, f"must be a mapping of {PER_WORDS[kind]} name -> {{{', '.join(allowed)}}}",
                f"e.g. {section}: {{{example}}}",
            ))
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
                problems.append(
                    at.problem(entry, f"must be a mapping {{{', '.join(allowed)}}}", f"e.g. {section}: {{{example}}}")
                )
                continue
            article = "an" if PER_WORDS[kind][0] in "aeiou" else "a"
            entry_problems = unknown_keys(entry, allowed, at, f"{article} {PER_WORDS[kind]} declaration")
            if any(
                entry[k] is None or not isinstance(k, str) or not _IDENTIFIER_RE.match(k)
                for k in entry
                if k not in allowed
            ):  # {title: A, B} reads as {title: A, B: null}
                entry_problems = [
                    Problem(p.file, p.line, p.key_path, p.value, p.expected,
                            "in a {...} mapping a comma separates keys: quote a title that contains commas, "
                            "e.g. {title: 'Pensions (old age, invalidity)'}")
                    for p in entry_problems
                ]
            for key in allowed:
                entry_problems += require_str(entry, key, at)
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


def _read_table_entries(
    raw_tables: Mapping[Any, Any], at_tables: Where, raw_sources: Any, doc: YamlDocument, *, check_files: bool
) -> tuple[dict[str, TableSpec], list[Problem]]:
    """The entries ``name: {file, source, confidence, notes}`` of a ``tables`` mapping (of the set or a variant)."""
    problems: list[Problem] = []
    tables: dict[str, TableSpec] = {}
    for tname, entry in raw_tables.items():
        at = at_tables / tname
        if tname not in TABLE_SCHEMAS:
            problems.append(at.problem(MISSING, "unknown table", did_you_mean(tname, TABLE_SCHEMAS)))
            continue
        if not isinstance(entry, Mapping):
            hint = (
                f"write {tname}: {{file: {entry}, source: ..., confidence: ...}}"
                if isinstance(entry, str)
                else None
            )
            problems.append(at.problem(entry, "must be a mapping {file, source, confidence}", hint))
            continue
        entry_problems = unknown_keys(entry, TABLE_ENTRY_KEYS, at, "a table entry")
        entry_problems += require_str(entry, "file", at)
        entry_problems += require_str(entry, "source", at)
        entry_problems += require_str(entry, "notes", at, required=False)
        if "confidence" not in entry:
            entry_problems.append(
                at.problem(MISSING, "required key 'confidence' is missing (verified | secondary | assumed)")
            )
        else:
            entry_problems += check_confidence(entry["confidence"], at / "confidence")
        src = entry.get("source")
        if isinstance(src, str) and isinstance(raw_sources, Mapping) and src not in raw_sources:
            entry_problems.append(
                (at / "source").problem(
                    src,
                    "is not a source of this assumption set (a key of 'sources')",
                    did_you_mean(src, [str(s) for s in raw_sources]),
                )
            )
        if entry_problems:
            problems += entry_problems
            continue
        file = (doc.base_dir / entry["file"]).resolve()
        if check_files and not file.is_file():
            problems.append((at / "file").problem(entry["file"], f"names a file that does not exist: {file}"))
        tables[tname] = TableSpec(tname, file, entry["source"], entry["confidence"], entry.get("notes"))
    return tables, problems


def _read_variants(
    raw: Any, root: Where, raw_sources: Any, doc: YamlDocument, *, check_files: bool
) -> tuple[dict[str, DemographicVariant], list[Problem]]:
    """The ``variants`` section: name -> ``{description, tables}``, tables of the demography only."""
    if raw is None:
        return {}, []
    at_section = root / "variants"
    example = "variants: {high: {description: ..., tables: {tfr: {file: demography/variants/high/tfr.csv, ...}}}}"
    if not isinstance(raw, Mapping):
        return {}, [at_section.problem(raw, "must be a mapping of variant name -> {description, tables}",
                                       f"e.g. {example}")]
    problems: list[Problem] = []
    out: dict[str, DemographicVariant] = {}
    for name, entry in raw.items():
        at = at_section / name
        if not isinstance(name, str) or not _IDENTIFIER_RE.match(name):
            problems.append(at.problem(MISSING, "is not a valid variant name: names are lower case letters, digits "
                                       "and underscores, starting with a letter"))
            continue
        if not isinstance(entry, Mapping):
            problems.append(at.problem(entry, "must be a mapping {description, tables}", f"e.g. {example}"))
            continue
        entry_problems = unknown_keys(entry, VARIANT_KEYS, at, "a demographic variant")
        entry_problems += require_str(entry, "description", at, required=False)
        raw_tables = entry.get("tables", {})
        tables: dict[str, TableSpec] = {}
        if raw_tables is None:
            raw_tables = {}
        if not isinstance(raw_tables, Mapping):
            entry_problems.append((at / "tables").problem(
                raw_tables, "must be a mapping of table name -> {file, source, confidence} (may be empty: {})"))
        else:
            tables, table_problems = _read_table_entries(raw_tables, at / "tables", raw_sources, doc,
                                                         check_files=check_files)
            entry_problems += table_problems
            for tname in tables:
                if TABLE_SCHEMAS[tname].scheme:
                    entry_problems.append((at / "tables" / tname).problem(
                        MISSING, "is a scheme table; a demographic variant replaces demographic tables only ("
                        + ", ".join(t for t, sch in TABLE_SCHEMAS.items() if not sch.scheme) + ")"))
        problems += entry_problems
        if not entry_problems:
            out[name] = DemographicVariant(name, " ".join(str(entry.get("description", "")).split()), freeze(tables))
    return out, problems


def read_assumption_set(
    path: Path, specs: Mapping[str, ParameterSpec], *, check_files: bool
) -> tuple[AssumptionSet | None, list[Problem]]:
    doc, problems = load_yaml_file(path)
    if doc is None:
        return None, problems
    data = doc.data
    root = doc.where()
    if not isinstance(data, Mapping):
        return None, problems + [root.problem(data, "must be a mapping (name, country, sources, tables, ...)")]
    problems += unknown_keys(data, ASSUMPTION_SET_KEYS, root, "an assumption set")
    for key in ("name", "country", "currency"):
        problems += require_str(data, key, root)
    problems += require_str(data, "description", root, required=False)
    if "currency" in data and isinstance(data["currency"], str) and not re.fullmatch(r"[A-Z]{3}", data["currency"]):
        problems.append((root / "currency").problem(
            data["currency"], "is not an ISO 4217 currency code (three capital letters, e.g. LAK)"
        ))
    if "country_code" not in data:
        problems.append(root.problem(MISSING, "required key 'country_code' is missing (ISO 3166-1 numeric, e.g. 418)"))
    elif not is_int(data["country_code"]) or not 0 < data["country_code"] < 1000:
        problems.append(
            (root / "country_code").problem(data["country_code"], "is not an ISO 3166-1 numeric country code (1-999)")
        )

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
            problems += unknown_keys(entry, SOURCE_KEYS, at, "a source")
            problems += require_str(entry, "citation", at)
            for key in ("licence", "url", "notes"):
                problems += require_str(entry, key, at, required=False)
            if "datasets" in entry and (
                not isinstance(entry["datasets"], list) or not all(isinstance(d, str) for d in entry["datasets"])
            ):
                problems.append((at / "datasets").problem(entry["datasets"], "must be a list of strings"))
            if "accessed" in entry and not isinstance(entry["accessed"], str):
                problems.append(
                    (at / "accessed").problem(entry["accessed"], "must be a date written as text, e.g. 2024-07-11")
                )
            sources[sid] = dict(entry)

    # tables
    tables: dict[str, TableSpec] = {}
    raw_tables = data.get("tables", MISSING)
    if raw_tables is MISSING:
        problems.append(root.problem(MISSING, "required key 'tables' is missing"))
    elif not isinstance(raw_tables, Mapping):
        problems.append(
            (root / "tables").problem(raw_tables, "must be a mapping of table name -> {file, source, confidence}")
        )
    else:
        tables, table_problems = _read_table_entries(raw_tables, root / "tables", raw_sources, doc,
                                                     check_files=check_files)
        problems += table_problems
        if check_files:
            for tname, schema in TABLE_SCHEMAS.items():
                if schema.required and tname not in raw_tables:
                    problems.append((root / "tables").problem(
                        MISSING, f"required table '{tname}' is missing ({schema.title.lower()})"
                    ))

    # demographic variants: named sets of table overrides
    variants, variant_problems = _read_variants(data.get("variants"), root, raw_sources, doc,
                                                check_files=check_files)
    problems += variant_problems

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
        problems.append((root / "parameters").problem(
            raw_params, "must be a mapping of parameter name -> {value, source, confidence}"
        ))
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
            entry_problems = unknown_keys(entry, PARAMETER_ENTRY_KEYS, at, "a parameter entry")
            entry_problems += require_str(entry, "source", at)
            entry_problems += require_str(entry, "notes", at, required=False)
            if "confidence" not in entry:
                entry_problems.append(
                    at.problem(MISSING, "required key 'confidence' is missing (verified | secondary | assumed)")
                )
            else:
                entry_problems += check_confidence(entry["confidence"], at / "confidence")
            spec = specs[pname]
            if spec.per is not None:
                value, value_problems = spec.parse_entities(
                    entry["value"], at / "value", specs, entity_names[spec.per]
                )
                if value is not None:
                    value = freeze(value)
            else:
                value, value_problems = spec.parse(entry["value"], at / "value", specs)
            entry_problems += value_problems
            plausible = None
            if "plausible_range" in entry:
                plausible, range_problems = _plausible_range(
                    entry["plausible_range"], at / "plausible_range", spec,
                    list(entity_names[spec.per]) if spec.per is not None else None)
                entry_problems += range_problems
            if entry_problems:
                problems += entry_problems
                continue
            parameters[pname] = AssumptionValue(value, entry["source"], entry["confidence"], entry.get("notes"),
                                                freeze(plausible) if plausible is not None else None)

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
            sources=freeze(sources),
            tables=freeze(tables),
            parameters=freeze(parameters),
            groups=freeze(entities["group"]),
            funds=freeze(entities["fund"]),
            branches=freeze(entities["branch"]),
            sha256=doc.sha256 or "",
            document=doc,
            variants=freeze(variants),
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
        where = Where.in_memory("<load_assumptions>", ("assumptions",))
        raise ScenarioError([not_found_problem(os.fspath(path_or_name), looked, where)])
    aset, problems = read_assumption_set(found, specs, check_files=True)
    if problems or aset is None:
        raise ScenarioError(problems)
    return aset
