"""The :class:`Scenario` class: a validated scenario, with provenance.

Scenarios are made by :func:`ssproj.scenario.load_scenario` (or
:meth:`Scenario.with_changes`), never by hand.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ssproj.errors import Problem, ScenarioError, did_you_mean
from ssproj.scenario.assumptions import AssumptionSet, TableSpec
from ssproj.scenario.common import normalise_input, plain_data
from ssproj.scenario.extends import MergedScenario
from ssproj.scenario.parameters import PER_KINDS, PER_WORDS
from ssproj.scenario.stochastic_spec import StochasticModel
from ssproj.scenario.strategy_spec import Strategy
from ssproj.scenario.timepath import TimePath
from ssproj.scenario.yamlio import YamlDocument

__all__ = ["Scenario", "ScenarioState"]


@dataclass(frozen=True)
class ScenarioState:
    """What `Scenario.with_changes` needs to re-validate."""

    merged: MergedScenario
    table_specs: Mapping[str, TableSpec]
    table_hashes: Mapping[str, str]
    applied: tuple[Any, ...]
    #: The validator, :func:`ssproj.scenario.loading.build_scenario` (passed in,
    #: not imported: loading builds scenarios, so it sits above this module).
    build: Callable[..., Scenario]


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
    strategy : ssproj.scenario.strategy_spec.Strategy or None
        The coverage-expansion strategy of the scenario's ``strategy:`` key
        (validated by `ssproj.scenario.strategy_spec.parse_strategy`), or None.
    stochastic : ssproj.scenario.stochastic_spec.StochasticModel or None
        The stochastic model of the scenario's ``stochastic:`` key
        (validated by `ssproj.scenario.stochastic_spec.parse_stochastic`), or None (then
        stochastic runs use `ssproj.scenario.stochastic_spec.DEFAULT_STOCHASTIC`).
    provenance : mapping
        ``ssproj_version``, ``scenario`` (name), ``scenario_files`` (the
        file loaded first, then the files it extends, each with ``path`` and
        ``sha256``), ``assumptions`` (``name``, ``path``, ``sha256`` of
        assumptions.yaml), ``tables`` (per table: ``path``, ``sha256``,
        ``source``, ``confidence``), ``sources``, ``seed`` and
        ``changes_applied`` (changes made with `with_changes` and `with_strategy`, in order).
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
    _state: ScenarioState = field(repr=False)
    strategy: Strategy | None = None
    stochastic: StochasticModel | None = None

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
        declared = {
            "group": self.assumptions.groups, "fund": self.assumptions.funds, "branch": self.assumptions.branches
        }[kind]
        if name not in declared:
            hint = did_you_mean(name, declared)
            raise KeyError(
                f"{PER_WORDS[kind]} {name!r} is not declared in the assumption set" + (f"; {hint}" if hint else "")
            )
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
        normalised = normalise_input(dict(changes))
        new_name = name if name is not None else f"{self.name}+" + "+".join(str(k) for k in normalised)
        return self._with_layers([{"changes": normalised}], "<with_changes>", new_name)

    def with_strategy(self, strategy: Strategy | Mapping[str, Any] | None, name: str | None = None) -> Scenario:
        """A copy with another coverage strategy, or none, validated like a file.

        Parameters
        ----------
        strategy : Strategy, mapping or None
            The new strategy: a `Strategy` (e.g. this scenario's, changed),
            its YAML form (as under a scenario's ``strategy:`` key) or None
            for no strategy. It replaces the current strategy whole.
        name : str, optional
            Name of the new scenario; default: this name followed by
            ``+strategy`` (or ``+no_strategy``).

        Returns
        -------
        Scenario
            Tables and the assumption set are reused, not re-read.
            ``provenance["changes_applied"]`` records ``{"strategy": None}``
            (the current strategy removed) and, unless `strategy` is None,
            ``{"strategy": <the new one>}``.

        Raises
        ------
        ScenarioError
            If the strategy is invalid (unknown channel kind, a value out of
            range, ...).
        """
        raw = strategy.to_dict() if isinstance(strategy, Strategy) else normalise_input(strategy)
        # layers merge mappings key by key: the strategy is first removed, so that the new one replaces it whole
        layers: list[dict[str, Any]] = [{"strategy": None}] + ([{"strategy": raw}] if raw is not None else [])
        new_name = name if name is not None else f"{self.name}+" + ("strategy" if raw is not None else "no_strategy")
        return self._with_layers(layers, "<with_strategy>", new_name)

    def _with_layers(self, layers: list[dict[str, Any]], label: str, name: str) -> Scenario:
        """A copy with these scenario layers laid over this scenario's, validated like a file."""
        docs = tuple(YamlDocument(data=data, file=None, label=label, base_dir=self._state.merged.chain[-1].base_dir)
                     for data in layers)
        merged = MergedScenario(list(self._state.merged.chain))
        for step in self._state.applied + docs:
            merged.add(step)
        return self._state.build(
            merged,
            name=name,
            path=self.path,
            preloaded=(self.assumptions, self._state.table_specs, self._state.table_hashes, dict(self.tables)),
            applied=self._state.applied + docs,
        )

    def rebase(self, base: Scenario, name: str | None = None) -> Scenario:
        """This scenario's own layers laid over `base`, a variant of the scenario it extends.

        A scenario that ``extends`` another (an option over a baseline) is
        rebuilt with its own files and `with_changes` layers on top of
        `base` instead of its parent: e.g. ``option.rebase(baseline.with_changes(c))``
        is the option with the changes `c` laid *under* its own. A change of
        the option to the same parameter lies over the base's as over any
        parent's (a time path starting after the start year keeps the
        base's values before its first year).

        Parameters
        ----------
        base : Scenario
            A scenario whose files are the first files of this one's
            ``extends`` chain (the same files, byte for byte), with any
            `with_changes` layers of its own.
        name : str, optional
            Name of the new scenario; default this scenario's name.

        Returns
        -------
        Scenario
            Validated like a file. Tables equal to `base`'s (same sha256)
            are `base`'s objects, the others this scenario's.

        Raises
        ------
        ValueError
            If this scenario does not extend `base`'s files.
        ScenarioError
            If the layers are invalid over `base`.
        """
        mine, theirs = list(self._state.merged.chain), list(base._state.merged.chain)

        def key(doc: YamlDocument) -> Any:
            return (doc.file, doc.sha256) if doc.file is not None else id(doc)

        if len(mine) <= len(theirs) or [key(d) for d in mine[: len(theirs)]] != [key(d) for d in theirs]:
            raise ValueError(
                f"scenario {self.name!r} does not extend scenario {base.name!r} (its files: "
                f"{' -> '.join(str(d.file or d.label) for d in mine)}; {base.name!r}'s: "
                f"{' -> '.join(str(d.file or d.label) for d in theirs)})")
        chain = theirs + list(base._state.applied) + mine[len(theirs):]
        merged = MergedScenario(chain)
        for step in self._state.applied:
            merged.add(step)
        same = {n for n, h in self._state.table_hashes.items() if base._state.table_hashes.get(n) == h}
        tables = {n: (base.tables[n] if n in same and n in base.tables else df) for n, df in self.tables.items()}
        assumptions = base.assumptions if base.assumptions.sha256 == self.assumptions.sha256 else self.assumptions
        return self._state.build(
            merged,
            name=self.name if name is None else name,
            path=self.path,
            preloaded=(assumptions, self._state.table_specs, self._state.table_hashes, tables),
            applied=self._state.applied,
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
        return plain_data(
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
