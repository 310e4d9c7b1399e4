"""Scenarios and assumption sets: loading, validation, provenance.

`load_scenario` is the one validation gate of ssproj. It reads a scenario
YAML file (or a dict), follows its ``extends`` chain, finds and reads its
assumption set (with its insured groups, funds and short-term branches) and
every table (those of the demographic variant the scenario selects with
``demographic_variant``, if any, in place of the set's), resolves every parameter (defaults.yaml ← assumption set ←
scenario changes; entity by entity for parameters set per group, fund or
branch; a change whose time path starts after ``projection.start_year``
lies over the value below it, which gives the years before its first year)
and checks all of it, including the checks across parameters of a
scheme (contribution shares, valuation year, long-term fund).
Every problem found is collected and reported at once in one
`ScenarioError`; code past `load_scenario` trusts its inputs.

The work is split by job: :mod:`ssproj.scenario.assumptions` (assumption
sets), :mod:`ssproj.scenario.extends` (the ``extends`` chain and its
merge), :mod:`ssproj.scenario.checks` (the checks), :mod:`ssproj.scenario.model`
(the `Scenario` class); this module builds the scenario from them.

The file formats are fixed in ``docs/dev/formats.md`` (the scheme inputs
in ``docs/dev/scheme-spec.md``); the user guide is ``docs/scenarios.md``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ssproj._version import __version__
from ssproj.errors import MISSING, Problem, ScenarioError, did_you_mean, display_path
from ssproj.scenario.assumptions import (
    AssumptionSet,
    DemographicVariant,
    TableSpec,
    find_assumptions,
    not_found_problem,
    read_assumption_set,
)
from ssproj.scenario.checks import (
    NoEffectWarning,
    Resolved,
    check_changes,
    check_paths,
    check_scheme,
    check_tables_needed,
    check_top,
    needs_base,
    no_effect_checks,
    per_source_entry,
    source_entry,
)
from ssproj.scenario.common import ReadOnlyDict, freeze, normalise_input, plain_data, sha256_data, sha256_file
from ssproj.scenario.extends import MergedScenario, load_chain
from ssproj.scenario.model import Scenario, ScenarioState
from ssproj.scenario.parameters import DEFAULTS_PATH, PER_KINDS, load_parameter_specs
from ssproj.scenario.stochastic_spec import parse_stochastic
from ssproj.scenario.strategy_spec import parse_strategy
from ssproj.scenario.tables import TABLE_SCHEMAS, load_table
from ssproj.scenario.yamlio import Where, YamlDocument, parse_yaml

__all__ = ["VARIANT_KEY", "build_scenario", "load_scenario"]

#: Scenario key that selects a demographic variant of the assumption set (``variants:`` in
#: its assumptions.yaml).
VARIANT_KEY = "demographic_variant"


def _select_variant(ref: Any, aset: AssumptionSet, at: Where) -> tuple[DemographicVariant | None, list[Problem]]:
    """The variant a scenario's ``demographic_variant`` names, or the problem with it."""
    names = list(aset.variants)
    where_declared = f"variants: in {display_path(aset.path)}"
    if not names:
        return None, [at.problem(ref, f"names a demographic variant, but the assumption set {aset.name!r} declares "
                                      f"none ({where_declared})",
                                 "ssproj import-wpp writes the UN's variants when it reads the UN's CSV downloads")]
    if not isinstance(ref, str) or ref not in aset.variants:
        hint = did_you_mean(ref, names, list_if_no_match=0)
        return None, [at.problem(ref, f"is not a demographic variant of the assumption set {aset.name!r}; "
                                      f"expected one of: {', '.join(names)} ({where_declared})", hint)]
    return aset.variants[ref], []


def build_scenario(
    merged: MergedScenario,
    *,
    name: str,
    path: Path | None,
    preloaded: tuple[AssumptionSet, Mapping[str, TableSpec], Mapping[str, str], dict[str, pd.DataFrame]] | None = None,
    applied: tuple[Any, ...] = (),
) -> Scenario:
    """Validate merged scenario data and build the `Scenario` (or raise)."""
    specs = load_parameter_specs()
    variant_ref = merged.data.get(VARIANT_KEY)
    top, problems = check_top(merged)
    variant: DemographicVariant | None = None

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
            problems.append(not_found_problem(top["assumptions"], looked, at))
        else:
            aset, set_problems = read_assumption_set(found, specs, check_files=False)
            problems += set_problems
        if aset is not None:
            set_where = aset.document.where
            table_specs = dict(aset.tables)
            if variant_ref is not None:  # the variant's tables replace the set's; the scenario's replace both
                variant, variant_problems = _select_variant(variant_ref, aset, merged.where(VARIANT_KEY))
                problems += variant_problems
                if variant is not None:
                    table_specs.update(variant.tables)
            table_specs.update(top["table_overrides"])
            for tname, schema in TABLE_SCHEMAS.items():
                if schema.required and tname not in table_specs:
                    problems.append(
                        set_where("tables").problem(
                            MISSING, f"required table '{tname}' is missing ({schema.title.lower()})"
                        )
                    )
                elif schema.scheme and aset.groups and tname not in table_specs:
                    problems.append(
                        set_where("tables").problem(
                            MISSING,
                            f"required table '{tname}' is missing ({schema.title.lower()}; "
                            "scheme tables are required when the set declares insured groups)",
                        )
                    )
            for tname, tspec in table_specs.items():
                if not tspec.file.is_file():
                    if tname in top["table_overrides"]:
                        entry_at = merged.where("tables", tname)
                        if isinstance(merged.data["tables"][tname], Mapping):
                            entry_at = entry_at / "file"
                        raw_value = merged.data["tables"][tname]
                        raw_value = raw_value["file"] if isinstance(raw_value, Mapping) else raw_value
                    elif variant is not None and tname in variant.tables:
                        entry_at = set_where("variants", variant.name, "tables", tname, "file")
                        raw_value = aset.document.data["variants"][variant.name]["tables"][tname]["file"]
                    else:
                        entry_at = set_where("tables", tname, "file")
                        raw_value = aset.document.data["tables"][tname]["file"]
                    what = "a directory, not a CSV file" if tspec.file.is_dir() else "a file that does not exist"
                    problems.append(entry_at.problem(raw_value, f"names {what}: {tspec.file}"))
                    continue
                table_hashes[tname] = sha256_file(tspec.file)
                groups = aset.entity_names("group") if "group" in TABLE_SCHEMAS[tname].keys else None
                df, table_problems = load_table(tname, tspec.file, groups=groups)
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
                    f"is not a year of the population table "
                    f"({display_path(table_specs['population'].file)} has {shown})",
                    "the projection starts from the population at 1 July of start_year",
                )
            )
            start = None

    # parameters: defaults <- assumption set <- scenario changes (entity by entity for per parameters;
    # a change starting after start_year lies over the value below it, see `lay`)
    entity_names = {kind: aset.entity_names(kind) for kind in PER_KINDS} if aset is not None else None
    changes, per_changes, invalid, change_problems = check_changes(merged, specs, entity_names, start)

    def lay(stack: list[Resolved], below: Resolved) -> Resolved:
        """Apply a change and the changes it lies over (`stack`, top first) to `below`."""
        for r in reversed(stack):
            if needs_base(r.value, start):
                value = r.value
                below_from = below.value.valid_from
                if below_from is None or below_from < value.valid_from:
                    value = value.with_before(below.value)
                # else: the value below starts even later (an error of its own, reported by
                # check_paths at its position): nothing of it can be laid under the change
                below = Resolved(
                    value, r.where, r.origin, r.source, r.confidence, base=below, from_year=r.value.valid_from
                )
            else:
                below = r
        return below

    resolved: dict[str, Resolved] = {}
    per_resolved: dict[str, dict[str, Resolved]] = {}
    default_of: dict[str, Resolved] = {}
    for pname, spec in specs.items():
        default = Resolved(
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
            per_resolved[pname] = dict.fromkeys((entity_names or {}).get(spec.per, ()), default)
    if aset is not None:
        for pname, av in aset.parameters.items():
            if pname in per_resolved:
                for entity, v in av.value.items():
                    per_resolved[pname][entity] = Resolved(
                        v,
                        aset.document.where("parameters", pname, "value", entity),
                        "assumptions",
                        av.source,
                        av.confidence,
                    )
            else:
                resolved[pname] = Resolved(
                    av.value, aset.document.where("parameters", pname, "value"), "assumptions", av.source, av.confidence
                )
    unchanged = {p: r.value for p, r in resolved.items()}  # before the scenario's changes
    per_unchanged = {p: {e: r.value for e, r in by.items()} for p, by in per_resolved.items()}
    for pname, stack in changes.items():
        resolved[pname] = lay(stack, resolved[pname])
    for pname, by_entity in per_changes.items():
        for entity, stack in by_entity.items():
            per_resolved[pname][entity] = lay(stack, per_resolved[pname].get(entity, default_of[pname]))
    problems += change_problems
    no_effect: list[Problem] = []
    if start is not None and end is not None:
        path_problems, bad = check_paths(resolved, per_resolved, specs, start, end)
        problems += path_problems
        if aset is not None:
            problems += check_scheme(merged, aset, resolved, per_resolved, bad | invalid, start, end)
            ne_problems, no_effect = no_effect_checks(changes, per_changes, resolved, per_resolved, specs, aset,
                                                      start, end, unchanged, per_unchanged)
            problems += ne_problems

            def table_where(tname: str, aset: AssumptionSet = aset) -> Where:
                if tname in top.get("table_overrides", {}):
                    return merged.where("tables", tname)
                if variant is not None and tname in variant.tables:
                    return aset.document.where("variants", variant.name, "tables", tname)
                return aset.document.where("tables", tname)

            need_problems, need_notes = check_tables_needed(resolved, per_resolved, specs, set(table_specs),
                                                            table_where, bad | invalid, start, end)
            problems += need_problems
            no_effect += need_notes
            no_effect += _service_given_notes(tables.get("insured"), per_resolved.get("scheme_start_year", {}))

    strategy = None
    if "strategy" in merged.data and merged.data["strategy"] is not None:
        strategy, strategy_problems = parse_strategy(
            merged.data["strategy"],
            merged.where("strategy"),
            groups=aset.entity_names("group") if aset is not None else None,
            start_year=start,
            end_year=end,
        )
        problems += strategy_problems
        # a channel that sets a parameter for its group acts only where the parameter acts
        for ch in strategy.channels if strategy is not None else ():
            for qname in ch.quantities:
                qspec = specs.get(qname)
                for req, wants in qspec.applies_when if qspec is not None else ():
                    other = per_resolved.get(req, {}).get(ch.group)
                    if other is not None and other.value not in wants:
                        want = " or ".join(wants)
                        problems.append(merged.where("strategy", "channels", ch.name, qname).problem(
                            MISSING, f"a {ch.kind} channel sets {qname}, which acts only for a group with "
                                     f"{req}: {want}; group {ch.group!r} has {req}: {other.value}, so the channel "
                                     "cannot change the result", f"choose a group with {req}: {want}"))
        if aset is not None and not aset.groups:
            problems.append(merged.where("strategy").problem(
                MISSING, "a strategy needs insured groups, and the assumption set declares none"))

    stochastic = None
    if "stochastic" in merged.data and merged.data["stochastic"] is not None:
        stochastic, stochastic_problems = parse_stochastic(merged.data["stochastic"], merged.where("stochastic"))
        problems += stochastic_problems
        if stochastic is not None and start is not None and end is not None:
            problems += _check_stochastic_years(stochastic, merged.where("stochastic"), start, end, tables)

    if problems or aset is None or start is None or end is None or "seed" not in top:
        if not problems:  # pragma: no cover - every early exit above records a problem
            problems.append(merged.where().problem(MISSING, "scenario could not be validated"))
        raise ScenarioError(problems)
    for note in no_effect:
        warnings.warn(str(note), NoEffectWarning, stacklevel=4)

    chain_files = []
    for doc in reversed(merged.chain):
        chain_files.append(
            {
                "path": doc.file.as_posix() if doc.file is not None else doc.label,
                "sha256": doc.sha256 or sha256_data(doc.data),
            }
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
        "sources": plain_data(aset.sources),
        "seed": top["seed"],
        "changes_applied": [plain_data(layer.data["changes"]) for layer in applied],
    }
    if variant_ref is not None:
        provenance["demographic_variant"] = variant_ref
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
        tables=ReadOnlyDict({n: tables[n] for n in TABLE_SCHEMAS if n in tables}),
        parameters=ReadOnlyDict(
            {
                n: (
                    resolved[n].value
                    if n in resolved
                    else ReadOnlyDict({e: r.value for e, r in per_resolved[n].items()})
                )
                for n in specs
            }
        ),
        parameter_sources=freeze(
            {
                n: source_entry(resolved[n]) if n in resolved else per_source_entry(specs[n], per_resolved[n])
                for n in specs
            }
        ),
        provenance=freeze(provenance),
        _state=ScenarioState(merged, freeze(table_specs), freeze(table_hashes), applied, build_scenario),
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
        from the population table, a ``demographic_variant`` the
        assumption set does not declare, every table problem, unknown groups,
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
        data = normalise_input(dict(path_or_dict))
        base = Path(base_dir).resolve() if base_dir is not None else Path.cwd().resolve()
        leaf = YamlDocument(
            data=data, file=None, label="<scenario dict>", lines={}, sha256=sha256_data(data), base_dir=base
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
    chain, chain_problems = load_chain(leaf)
    problems += chain_problems
    if not chain or not isinstance(leaf.data, Mapping):
        raise ScenarioError(problems)
    merged = MergedScenario(chain)

    name = default_name
    leaf_where = leaf.where("name")
    raw_name = leaf.data.get("name")
    if raw_name is not None:
        if isinstance(raw_name, str) and raw_name.strip() and "\n" not in raw_name:
            name = raw_name.strip()
        else:
            problems.append(leaf_where.problem(raw_name, "must be a non-empty one-line string"))
    try:
        scenario = build_scenario(merged, name=name, path=path)
    except ScenarioError as exc:
        raise ScenarioError(problems + exc.problems) from None
    if problems:
        raise ScenarioError(problems)
    return scenario


def _service_given_notes(insured: pd.DataFrame | None, start_years: Mapping[str, Any]) -> list[Problem]:
    """``scheme_start_year`` only bounds the service the engine imputes: a group whose insured rows all give their
    service has nothing imputed, so a start year set for it cannot change the result (a named warning)."""
    notes: list[Problem] = []
    if insured is None or "service" not in insured.columns:
        return notes
    for group, r in start_years.items():
        rows = insured[insured["group"] == group]
        if r.origin != "defaults" and len(rows) and rows["service"].notna().all():
            notes.append(r.where.problem(
                r.value, f"scheme_start_year for {group!r} has no effect: the insured table gives the credited service "
                         "of every member of the group, and the start year only bounds the service imputed to "
                         "members without one", "remove it, or leave the service column empty for the group"))
    return notes


def _check_stochastic_years(model, at: Where, start: int, end: int, tables: Mapping[str, pd.DataFrame]
                            ) -> list[Problem]:
    """A stochastic block's years against the projection and the mortality data (nothing clipped silently)."""
    problems: list[Problem] = []
    if model.start_year is not None and not start < model.start_year <= end:
        problems.append((at / "start_year").problem(
            model.start_year, f"is outside the projection years after the first, {start + 1}-{end}",
            "the shocks start in a projected year; leave it out to shock from the first scheme year"))
    mort = model.mortality
    table = tables.get("mortality")
    if mort is not None and table is not None and {"period_start", "period_end"} <= set(table.columns):
        centres = 0.5 * (table["period_start"] + table["period_end"])
        first, last = float(centres.min()), float(centres.max())
        for key in ("fit_from", "fit_to"):
            year = getattr(mort, key)
            if year is not None and not first <= year <= last:
                problems.append((at / "mortality" / key).problem(
                    year, f"is outside the periods of the mortality table (centred {first:g} to {last:g})",
                    "the Lee-Carter fit uses the periods centred from fit_from to fit_to; nothing outside the "
                    "table can be fitted"))
    return problems
