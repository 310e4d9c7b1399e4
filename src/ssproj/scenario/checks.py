"""The checks of a merged scenario: its keys, its changes, its time paths and its scheme.

Each check returns the problems it finds (never raises), so that
``load_scenario`` reports every problem at once. Parameter values travel
as :class:`Resolved` (a value, where it comes from, and for a change laid
over the value below it, that value).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ssproj.errors import MISSING, Problem, did_you_mean
from ssproj.scenario.assumptions import TABLE_ENTRY_KEYS, AssumptionSet, TableSpec
from ssproj.scenario.common import covered_branches, is_int, require_str, unknown_keys
from ssproj.scenario.extends import MergedScenario
from ssproj.scenario.parameters import ParameterSpec, check_confidence
from ssproj.scenario.tables import TABLE_SCHEMAS
from ssproj.scenario.timepath import TimePath
from ssproj.scenario.yamlio import PathKey, Where, YamlDocument, dump_yaml

__all__ = ["PROJECTION_KEYS", "SCENARIO_KEYS", "SHARES_TOLERANCE", "Resolved", "check_changes", "check_paths",
           "check_scheme", "check_tables_needed", "check_top", "needs_base", "per_source_entry", "source_entry"]

SCENARIO_KEYS = (
    "name", "description", "assumptions", "extends", "projection", "seed", "tables", "changes", "strategy",
    "stochastic", "demographic_variant",
)
PROJECTION_KEYS = ("start_year", "end_year")
#: Tolerance of the check long_term_share + sum of contribution_share == 1.
SHARES_TOLERANCE = 1e-9
#: Plausible projection years.
_YEAR_RANGE = (1800, 2500)
#: Longest projection [years]: end_year - start_year.
MAX_HORIZON = 150
#: Largest seed: it is stored with the results as a 64-bit integer.
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class Resolved:
    """A parameter value (of one entity for a per-entity parameter) and where it comes from.

    For a scenario change laid over the value below it (a time path starting
    after the start year), `value` is the combined path, `base` the value
    below (itself a `Resolved`) and `from_year` the first year of the
    change.
    """

    value: Any
    where: Where
    origin: str
    source: str
    confidence: str
    base: Resolved | None = None
    from_year: int | None = None


def check_top(merged: MergedScenario) -> tuple[dict[str, Any], list[Problem]]:
    """Keys and types of the merged scenario (not its parameters)."""
    data = merged.data
    root = merged.where()
    problems = unknown_keys(data, SCENARIO_KEYS, root, "a scenario")
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
        problems.append(
            root.problem(MISSING, "required key 'projection' is missing ({start_year: ..., end_year: ...})")
        )
    elif not isinstance(proj, Mapping):
        problems.append((root / "projection").problem(proj, "must be a mapping {start_year: ..., end_year: ...}"))
    else:
        at = root / "projection"
        problems += unknown_keys(proj, PROJECTION_KEYS, at, "projection")
        years_ok = True
        for key in PROJECTION_KEYS:
            if key not in proj:
                problems.append(at.problem(MISSING, f"required key '{key}' is missing"))
                years_ok = False
            elif not is_int(proj[key]):
                hint = f"write {int(proj[key])}" if isinstance(proj[key], float) and proj[key].is_integer() else None
                problems.append((at / key).problem(proj[key], "is not an integer (a calendar year)", hint))
                years_ok = False
            elif not _YEAR_RANGE[0] <= proj[key] <= _YEAR_RANGE[1]:
                problems.append(
                    (at / key).problem(proj[key], f"is outside the plausible years {_YEAR_RANGE[0]}-{_YEAR_RANGE[1]}")
                )
                years_ok = False
        if years_ok:
            if proj["start_year"] >= proj["end_year"]:
                problems.append(
                    (at / "end_year").problem(proj["end_year"], f"must be after start_year ({proj['start_year']})")
                )
            elif proj["end_year"] - proj["start_year"] > MAX_HORIZON:
                problems.append((at / "end_year").problem(
                    proj["end_year"],
                    f"is more than {MAX_HORIZON} years after start_year ({proj['start_year']})",
                    f"a projection runs at most {MAX_HORIZON} years (actuarial valuations look 50-100 years ahead; "
                    "beyond the UN's tables the assumptions only hold their last values)"))
            else:
                out["start_year"], out["end_year"] = proj["start_year"], proj["end_year"]

    seed = data.get("seed", 0)
    if not is_int(seed) or not 0 <= seed <= MAX_SEED:
        problems.append((root / "seed").problem(seed, f"must be an integer from 0 to {MAX_SEED:,} (2^63 - 1)"))
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
                entry_problems = unknown_keys(entry, TABLE_ENTRY_KEYS, at, "a table entry")
                entry_problems += require_str(entry, "file", at)
                for key in ("source", "notes"):
                    entry_problems += require_str(entry, key, at, required=False)
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
                problems.append(
                    at.problem(entry, "must be a CSV path (relative to this file) or {file, source, confidence}")
                )
    out["table_overrides"] = overrides
    return out, problems


def needs_base(value: Any, start: int | None) -> bool:
    """Whether a change lies over the value below it: a time path with no
    value in `start` (its first year is after it)."""
    if start is None or not isinstance(value, TimePath):
        return False
    valid_from = value.valid_from
    return valid_from is not None and valid_from > start


def check_changes(
    merged: MergedScenario,
    specs: Mapping[str, ParameterSpec],
    entity_names: Mapping[str, tuple[str, ...]] | None,
    start: int | None,
) -> tuple[dict[str, list[Resolved]], dict[str, dict[str, list[Resolved]]], set[str], list[Problem]]:
    """The scenario's ``changes``, validated.

    A change is the value given by the last document of the ``extends``
    chain (or `Scenario.with_changes` call) that gives it. If it is a time
    path that starts after `start`, it lies over the value below it, so the
    change of the document before that gives it is read too, and so on down
    to a change that has a value in `start` (or the assumption set's value
    or the default, applied by `build_scenario`). Changes below that are not used
    and not checked.

    Parameters
    ----------
    merged : MergedScenario
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
    out: dict[str, list[Resolved]] = {}
    per_out: dict[str, dict[str, list[Resolved]]] = {}
    invalid: set[str] = set()
    problems: list[Problem] = []

    def label_of(doc: YamlDocument) -> str:
        if doc.file is None and doc.label == "<with_changes>":
            return "with_changes"
        return f"scenario {doc.file.name if doc.file is not None else doc.label}"

    def layers_below(key: PathKey, top: Resolved, spec: ParameterSpec) -> list[Resolved] | None:
        """`top` and the changes below it that it lies over (None if one is invalid)."""
        stack = [top]
        layers = merged.layers.get(key, [])
        for doc, raw_value in reversed(layers[:-1]):
            if not needs_base(stack[-1].value, start):
                break
            at = doc.where(*key)
            parsed, parse_problems = spec.parse(raw_value, at, specs)
            problems.extend(parse_problems)
            if parsed is None or parse_problems:
                return None
            stack.append(Resolved(parsed, at, "scenario", label_of(doc), "assumed"))
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
                top = Resolved(v, at / entity, "scenario", label_of(merged.doc_for((at / entity).path)), "assumed")
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
            top = Resolved(parsed, at, "scenario", label_of(merged.doc_for(at.path)), "assumed")
            stack = layers_below(("changes", pname), top, spec)
            if stack is None:
                invalid.add(pname)
            else:
                out[pname] = stack
        else:
            invalid.add(pname)
    return out, per_out, invalid, problems


def _index_cycles(values: Mapping[str, Resolved]) -> list[Problem]:
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


def _levels(r: Resolved) -> list[tuple[TimePath, Where]]:
    """The paths a resolved time path is made of, top first, each with its position.

    A change laid over the value below it, and a path written with
    ``before:``, give several: each applies from its own first year up to
    the first year of the one above it (the top one: to the end).
    """
    out: list[tuple[TimePath, Where]] = []
    layer: Resolved | None = r
    while layer is not None:
        stop = layer.base.value if layer.base is not None else None
        node: TimePath | None = layer.value
        at = layer.where
        while node is not None and node is not stop:
            out.append((node, at))
            node, at = node.before, at / "before"
        layer = layer.base
    return out


def check_paths(
    values: Mapping[str, Resolved],
    per_values: Mapping[str, Mapping[str, Resolved]],
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
    items: list[tuple[str, Resolved]] = list(values.items())
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
                for y, v in zip(years[level_of == k], evaluated[level_of == k], strict=True)
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


def source_entry(r: Resolved) -> dict[str, Any]:
    """``{source, confidence, origin}``; for a change laid over the value
    below it, also ``from_year`` and ``before`` (the entry of that value)."""
    entry: dict[str, Any] = {"source": r.source, "confidence": r.confidence, "origin": r.origin}
    if r.base is not None:
        entry["from_year"] = r.from_year
        entry["before"] = source_entry(r.base)
    return entry


def per_source_entry(spec: ParameterSpec, by_entity: Mapping[str, Resolved]) -> dict[str, Any]:
    """Sources of a per-entity parameter: those of its most specific layer, and per entity."""
    top: dict[str, Any] = {"source": spec.source, "confidence": spec.confidence, "origin": "defaults"}
    best = -1
    for r in by_entity.values():
        if _ORIGIN_RANK[r.origin] > best:
            best = _ORIGIN_RANK[r.origin]
            top = {"source": r.source, "confidence": r.confidence, "origin": r.origin}
    top["entities"] = {e: source_entry(r) for e, r in by_entity.items()}
    return top


def _location_problem(at: Where, key_path: str, value: Any, expected: str, hint: str | None = None) -> Problem:
    """A problem about `key_path`, located (file, line) at `at`."""
    p = at.problem(value, expected, hint)
    return Problem(p.file, p.line, key_path, value, expected, hint)


def check_scheme(
    merged: MergedScenario,
    aset: AssumptionSet,
    resolved: Mapping[str, Resolved],
    per_resolved: Mapping[str, Mapping[str, Resolved]],
    skip: set[str],
    start: int,
    end: int,
) -> list[Problem]:
    """Checks across parameters, for a set that declares a scheme.

    - ``long_term_fund`` and ``headline_fund`` name declared funds (when
      groups or funds are declared; ``headline_fund`` left at its default
      names the long-term fund if no fund is called ``long_term``);
    - ``start_year <= valuation_year < end_year`` (when groups are declared);
    - for each group and projection year, ``long_term_share`` plus the
      ``contribution_share`` of every branch is 1 (±`SHARES_TOLERANCE`);
      under ``contribution_share_rule: proportional``, the branches take
      what the long-term share leaves, so some covered branch must have a
      share wherever the long-term share is below 1.

    Parameters in `skip` (already reported as invalid) are not checked.
    """
    problems: list[Problem] = []
    set_root = aset.document.where()
    for fund_param in ("long_term_fund", "headline_fund"):
        if not (aset.groups or aset.funds) or fund_param in skip or fund_param not in resolved:
            continue
        r = resolved[fund_param]
        if fund_param == "headline_fund" and r.origin == "defaults":
            continue  # the default names the long-term fund when no fund is called long_term
        if r.value not in aset.funds:
            declared = ", ".join(aset.funds) if aset.funds else "none declared"
            expected = f"is not a declared fund of the assumption set (funds: {declared})"
            hint = did_you_mean(r.value, aset.funds, list_if_no_match=0) if aset.funds else None
            if r.origin == "defaults":
                at = set_root / "funds" if "funds" in aset.document.data else set_root
                problems.append(
                    _location_problem(
                        at,
                        fund_param,
                        r.value,
                        f"(the default) {expected}",
                        hint or f"declare a fund {r.value!r} under funds:, or set the parameter {fund_param} "
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

    if not {"long_term_share", "contribution_share", "contribution_share_rule"} & skip:
        years = np.arange(start, end + 1)
        proportional = resolved["contribution_share_rule"].value == "proportional"

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
        cover_of = per_resolved.get("covered_branches", {})
        for group, lts in group_shares.items():
            covered = list(branch_shares)
            rc = cover_of.get(group)
            if rc is not None and "covered_branches" not in skip:
                try:
                    covered = covered_branches(rc.value, list(aset.branches))
                except ValueError as exc:
                    problems.append(rc.where.problem(rc.value, str(exc).split(": ", 1)[-1],
                                                     "all, none, or declared branch names separated by commas"))
                    continue
            branch_total = (np.sum([branch_shares[b] for b in covered], axis=0) if covered
                            else np.zeros(years.shape))
            if proportional:  # the covered branches share 1 - long_term_share: some must have a share
                lost = np.flatnonzero((1.0 - lts > SHARES_TOLERANCE) & (branch_total <= 0.0))
                if lost.size:
                    i = int(lost[0])
                    r = per_resolved["long_term_share"][group]
                    more = f"; {lost.size - 1} later years too" if lost.size > 1 else ""
                    problems.append(r.where.problem(
                        MISSING, f"under contribution_share_rule: proportional, group {group!r} sends "
                                 f"{1.0 - lts[i]:.10g} of its contributions to its short-term branches in "
                                 f"{int(years[i])}, but none of them has a contribution_share{more}",
                        "give the group's branches a contribution_share, or a long_term_share of 1"))
                continue
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
            detail = ", ".join(f"{b} {branch_shares[b][i]:.10g}" for b in covered)
            more = f"; {wrong.size - 1} later years too" if wrong.size > 1 else ""
            problems.append(
                r.where.problem(
                    MISSING,
                    f"the contribution shares of group {group!r} sum to {total[i]:.10g} in {int(years[i])}, not 1: "
                    f"long_term_share {lts[i]:.10g} + contribution_share "
                    f"{branch_total[i]:.10g} ({detail if detail else 'no branches covered'}){more}",
                    "for each group and year, long_term_share plus the contribution_share of every branch the group "
                    "is covered by (covered_branches) must be 1",
                )
            )

    # a state-paid award period: after the valuation year (the pensions in payment then have their own parameter)
    period = ("state_paid_awarded_share", "state_paid_awarded_from", "state_paid_awarded_to")
    if not set(period) & skip and "valuation_year" not in skip and all(p in per_resolved for p in period):
        vy = resolved["valuation_year"].value
        for group, share in per_resolved["state_paid_awarded_share"].items():
            if not share.value > 0:
                continue
            first = per_resolved["state_paid_awarded_from"][group]
            last = per_resolved["state_paid_awarded_to"][group]
            if first.value <= vy and first.origin != "defaults":  # the default: from the first scheme year
                problems.append(first.where.problem(
                    first.value, f"must be after the valuation year {vy} for group {group!r} (the pensions in payment "
                                 "at the valuation date are state_paid_base_pensions)"))
            elif last.value < first.value:
                problems.append(last.where.problem(
                    last.value, f"is before state_paid_awarded_from ({first.value}) for group {group!r}"))
            elif last.value <= vy:
                problems.append(last.where.problem(
                    last.value, f"must be after the valuation year {vy} for group {group!r}: no pension is awarded "
                                "in the period (the pensions in payment at the valuation date are "
                                "state_paid_base_pensions)",
                    "e.g. a scenario extending a back-cast history: set state_paid_awarded_share to 0 and the share "
                    "of the block in payment with state_paid_base_pensions"))
    return problems


def check_tables_needed(
    resolved: Mapping[str, Resolved],
    per_resolved: Mapping[str, Mapping[str, Resolved]],
    specs: Mapping[str, ParameterSpec],
    table_names: set[str] | frozenset[str],
    table_where: Any,
    skip: set[str],
    start: int,
    end: int,
) -> tuple[list[Problem], list[Problem]]:
    """Parameters declared with ``needs_table``: their table must be given when they act.

    A parameter above 0 in some projection year (for some entity) without
    its table is an error (cited where the parameter is set); a table given
    while every parameter that needs it is 0 throughout is a warning
    (:class:`NoEffectWarning`, cited at the table's entry, ``table_where(name)``).
    Parameters in `skip` (already reported as invalid) are not judged.

    Returns
    -------
    problems, warnings : list of Problem
    """
    problems: list[Problem] = []
    notes: list[Problem] = []
    years = np.arange(start, end + 1)
    used: dict[str, bool] = {}
    for pname, spec in specs.items():
        if spec.needs_table is None or pname in skip:
            continue
        stack = list(per_resolved.get(pname, {}).values()) if spec.per is not None else [resolved.get(pname)]
        acting = []
        for r in stack:
            if r is None:
                continue
            try:
                v = (np.asarray(r.value.evaluate(years), dtype=float) if isinstance(r.value, TimePath)
                     else np.full(years.shape, float(r.value)))
            except (ValueError, TypeError):  # an index rule: judged where it is resolved
                continue
            if (v > 0).any():
                acting.append(r)
        used[spec.needs_table] = used.get(spec.needs_table, False) or bool(acting)
        if acting and spec.needs_table not in table_names:
            schema = TABLE_SCHEMAS[spec.needs_table]
            r = acting[0]
            problems.append(r.where.problem(
                r.value if not isinstance(r.value, TimePath) else MISSING,
                f"{pname} is above 0, so the table {spec.needs_table!r} ({schema.title.lower()}) is needed, and the "
                "assumption set and the scenario give none",
                f"add it under tables: (columns {', '.join(schema.value_names)}), or set {pname} to 0"))
    for tname, acts in used.items():
        if not acts and tname in table_names:
            users = ", ".join(p for p, sp in specs.items() if sp.needs_table == tname)
            notes.append(table_where(tname).problem(
                MISSING, f"the table {tname!r} has no effect: it is used only when {users} > 0, and that is 0 in "
                         f"every projection year {start}-{end} (set it, or remove the table)"))
    return problems, notes


# ----------------------------------------------------------------------------- no silent no-op
class NoEffectWarning(UserWarning):
    """A value of the scenario that cannot change the result while the scenario's other values
    stay as they are (e.g. an early retirement reduction without an early retirement window)."""


#: Sections of defaults.yaml whose parameters act without insured groups (the population).
SCHEME_FREE_SECTIONS = ("demography",)


def no_effect_checks(
    changes: Mapping[str, list[Resolved]],
    per_changes: Mapping[str, Mapping[str, list[Resolved]]],
    resolved: Mapping[str, Resolved],
    per_resolved: Mapping[str, Mapping[str, Resolved]],
    specs: Mapping[str, ParameterSpec],
    aset: AssumptionSet,
    start: int,
    end: int,
    unchanged: Mapping[str, Any] | None = None,
    per_unchanged: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[list[Problem], list[Problem]]:
    """The scenario's changes that cannot affect the result: errors, and warnings where a user may mean them.

    A change that leaves the value as it was (`unchanged`, `per_unchanged`:
    the values before the scenario's changes; e.g. a resolved scenario
    written back with :meth:`Scenario.to_dict`) is not judged.

    One rule for every parameter, not a list of special cases:

    * a change whose first year is after ``end`` (error);
    * a change of a parameter outside :data:`SCHEME_FREE_SECTIONS` when the
      assumption set declares no insured groups: only the population is
      projected (warning: a base scenario of economic assumptions may be
      shared by population-only scenarios);
    * a change of a parameter declared with ``requires: [...]`` in
      defaults.yaml while one of those parameters is 0 in every projection
      year for the same entity (warning: the user may set it ahead of the
      other; the message names both).

    Returns
    -------
    problems : list of Problem
    warnings : list of Problem
        For :class:`NoEffectWarning` (``str()`` of each: file, line, key path, message).
    """
    problems: list[Problem] = []
    notes: list[Problem] = []
    years = np.arange(start, end + 1)
    entries: list[tuple[str, str | None, list[Resolved]]] = [(p, None, s) for p, s in changes.items()]
    entries += [(p, e, s) for p, by in per_changes.items() for e, s in by.items()]

    def values(r: Resolved) -> np.ndarray | None:
        v = r.value
        try:
            if isinstance(v, TimePath):
                return np.asarray(v.evaluate(years), dtype=float)
            return np.full(years.shape, float(v))
        except (ValueError, TypeError):  # an index rule or a non-number: not judged here
            return None

    if not aset.groups:  # the assumption set's own scheme parameters, if it has no scheme
        for pname in aset.parameters:
            spec = specs.get(pname)
            if spec is not None and spec.section not in SCHEME_FREE_SECTIONS \
                    and aset.parameters[pname].value != spec.default:
                notes.append(aset.document.where("parameters", pname).problem(
                    MISSING, f"{pname} concerns the insured scheme (section {spec.section}), but the assumption set "
                             f"{aset.name!r} declares no insured groups: only the population is projected, so it "
                             "has no effect"))
    for pname, entity, stack in entries:
        spec = specs.get(pname)
        if spec is None:
            continue
        final = (per_resolved.get(pname, {}).get(entity) if entity is not None else resolved.get(pname))
        before = ((per_unchanged or {}).get(pname, {}).get(entity) if entity is not None
                  else (unchanged or {}).get(pname))
        if final is not None and before is not None and final.value == before:
            continue
        who = f" for {entity!r}" if entity is not None else ""
        for r in stack:
            first = r.value.valid_from if isinstance(r.value, TimePath) else None
            if first is not None and first > end:
                problems.append(r.where.problem(
                    MISSING, f"starts in {first}, after the projection's end year {end}: it cannot change the result",
                    f"give a value for a year up to {end}, or remove the change"))
            if not aset.groups and spec.section not in SCHEME_FREE_SECTIONS:
                notes.append(r.where.problem(
                    MISSING, f"{pname} concerns the insured scheme (section {spec.section}), but the assumption set "
                             f"{aset.name!r} declares no insured groups: only the population is projected, so it "
                             "has no effect"))
        if entity is not None and stack:
            for req, wants in spec.applies_when:
                other = per_resolved.get(req, {}).get(entity)
                if other is not None and other.value not in wants:
                    problems.append(stack[-1].where.problem(
                        MISSING, f"acts only for a {spec.per} with {req}: {' or '.join(wants)}, and {entity!r} has "
                                 f"{req}: {other.value}: it cannot change the result"))
        if not stack:
            continue

        def never_positive(req: str, entity: str | None = entity) -> bool:
            other = per_resolved.get(req, {}).get(entity) if entity is not None else resolved.get(req)
            v = values(other) if other is not None else None
            return v is not None and not (v > 0).any()

        for req in spec.requires:
            if never_positive(req):
                notes.append(stack[-1].where.problem(
                    MISSING, f"{pname}{who} has no effect: it acts only when {req} > 0, and {req}{who} is 0 in every "
                             f"projection year {start}-{end} (set {req} too, or remove the change)"))
        if spec.requires_any and all(never_positive(req) for req in spec.requires_any):
            names = " or ".join(spec.requires_any)
            notes.append(stack[-1].where.problem(
                MISSING, f"{pname}{who} has no effect: it acts only when {names} > 0, and each is 0 in every "
                         f"projection year {start}-{end} (set one of them too, or remove the change)"))
    return problems, notes

