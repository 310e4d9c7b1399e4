"""Solve for lever values that meet financial targets.

A *spec* (a dict or a YAML file) names the **levers** (what may change:
contribution rates raised in steps, pensionable ages raised in steps, or the
level of a parameter from a given year) and the **targets** (what the
projection must satisfy: a reserve ratio, no depletion, a bound on an
indicator). :func:`solve` returns the lowest lever values that meet every
target, as scenario changes (:class:`SolveResult`). Method and examples:
``docs/solve.md``.

A spec is validated like a scenario: :func:`load_spec` checks its form and
:func:`solve` checks it against the scenario (parameters, groups, years)
before any projection runs; every problem is reported at once in one
:class:`ssproj.errors.ScenarioError` (file, line, key path, value, what was
expected, a did-you-mean for unknown keys), e.g.::

    spec.yaml:9: targets[0].untill: unknown key in a target; did you mean 'until'?

Example spec (YAML)::

    levers:
      - type: contribution_rate
        parameters: [contribution_rate_employer]
        groups: [public, private]
        start_year: 2026
        every_years: 3
        max_step: 0.01
        granularity: 0.001
    targets:
      - reserve_ratio >= 1 until 2050
"""
from __future__ import annotations

import inspect
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ssproj.errors import MISSING, Problem, ScenarioError, did_you_mean
from ssproj.io.atomic import write_text_atomic
from ssproj.projection import Projection, project
from ssproj.scenario import load_scenario
from ssproj.scenario.timepath import YEAR_RANGE, TimePath
from ssproj.scenario.yamlio import Where, dump_yaml, is_finite_number, read_spec

__all__ = ["solve", "SolveResult", "load_spec", "parse_spec", "check_spec", "Lever", "Target", "SpecError"]

_LEVER_TYPES = ("contribution_rate", "pensionable_age", "level")
_SEXES = ("male", "female")
_SPEC_KEYS = ("description", "levers", "targets")
_STEPPED_KEYS = ("every_years", "max_step", "granularity", "last_year")
#: Keys of each lever type.
_LEVER_KEYS: dict[str, tuple[str, ...]] = {
    "contribution_rate": ("type", "parameters", "groups", "start_year") + _STEPPED_KEYS,
    "pensionable_age": ("type", "sexes", "groups", "start_year") + _STEPPED_KEYS,
    "level": ("type", "parameter", "groups", "start_year", "bounds", "prefer"),
}
_TARGET_KEYS = ("name", "op", "value", "from", "until", "fund")
_TARGET_EXAMPLES = ("e.g. 'reserve_ratio >= 1 until 2050', 'no_depletion from 2030 until 2060', 'gap_50 <= 0.25' or "
                    "'reserve_ratio >= 1 until 2050 for all'")
#: How problems name a spec given as a mapping.
SPEC_LABEL = "<solve spec>"


class SpecError(ScenarioError):
    """Problems in a solve spec: a `ScenarioError` listing every problem (file, line, key path)."""


# -----------------------------------------------------------------------------
# spec
# -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """One target.

    ``kind`` is ``"reserve_ratio"`` (reserve ratio >= ``value`` in every
    year from ``from_year`` to ``until``), ``"no_depletion"`` (scheduled
    reserve at 31 December > 0 in every year from ``from_year`` to
    ``until``) or ``"indicator"`` (``Projection.indicators()[name]``
    compared with ``value`` by ``op``, ``"<="`` or ``">="``). ``fund``:
    the fund it concerns, ``"all"`` for all funds together, None for the
    headline fund. ``where`` is its position in the spec (for messages).
    """

    kind: str
    value: float = 0.0
    until: int | None = None
    from_year: int | None = None
    name: str = ""
    op: str = ">="
    fund: str | None = None
    where: Where | None = field(default=None, compare=False, repr=False)

    def label(self) -> str:
        span = (f" from {self.from_year}" if self.from_year else "") + (f" until {self.until}" if self.until else "")
        span += f" for {self.fund}" if self.fund is not None else ""
        if self.kind == "reserve_ratio":
            return f"reserve_ratio >= {self.value:g}{span}"
        if self.kind == "no_depletion":
            return f"no_depletion{span}"
        return f"{self.name} {self.op} {self.value:g}" + (f" for {self.fund}" if self.fund is not None else "")


@dataclass(frozen=True)
class Lever:
    """One lever (see :func:`load_spec` for the keys); ``where`` is its position in the spec."""

    type: str
    parameters: tuple[str, ...]
    groups: tuple[str, ...] | None
    start_year: int
    every_years: int = 1
    max_step: float = 0.0
    granularity: float | None = None
    last_year: int | None = None
    bounds: tuple[float, float] | None = None
    prefer: str = "low"
    where: Where | None = field(default=None, compare=False, repr=False)
    #: False for what is valid of a lever with problems (start_year 0 if not valid): only its names are checked.
    complete: bool = field(default=True, compare=False, repr=False)

    @property
    def stepped(self) -> bool:
        return self.type != "level"

    def label(self) -> str:
        who = f" ({', '.join(self.groups)})" if self.groups else ""
        if self.stepped:
            return (f"{self.type} {'+'.join(self.parameters)}{who}: steps <= {self.max_step:g} every "
                    f"{self.every_years} years from {self.start_year}")
        return f"level of {self.parameters[0]}{who} from {self.start_year} in {list(self.bounds or ())}"


_TARGET_RE = re.compile(
    r"^\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:(?P<op><=|>=)\s*(?P<value>[-+0-9.eE]+))?"
    r"(?:\s+from\s+(?P<from>\d{4}))?(?:\s+until\s+(?P<until>\d{4}))?(?:\s+for\s+(?P<fund>[A-Za-z0-9_.\-]+))?\s*$"
)
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _unknown_keys(raw: Mapping, at: Where, allowed: tuple[str, ...], what: str) -> list[Problem]:
    return [(at / key).problem(MISSING, f"unknown key in {what}", did_you_mean(key, allowed))
            for key in raw if key not in allowed]


def _year(raw: Mapping, key: str, at: Where, problems: list[Problem], *, required: bool = False) -> int | None:
    """``raw[key]`` as a calendar year; None if absent or null (a problem if `required`) or invalid (a problem)."""
    value = raw.get(key)
    if value is None:
        if required:
            problems.append(at.problem(MISSING, f"required key '{key}' is missing (a calendar year)"))
        return None
    if not _is_int(value) or not YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
        problems.append((at / key).problem(value, "must be a calendar year (an integer)"))
        return None
    return int(value)


def _names(value: Any, at: Where, what: str, problems: list[Problem]) -> tuple[str, ...] | None:
    """A name or a non-empty list of distinct names, as a tuple; None (and problems) if not."""
    if isinstance(value, str):
        if not value.strip():
            problems.append(at.problem(value, f"must be {what}: a name or a non-empty list of names"))
            return None
        return (value,)
    if not isinstance(value, (list, tuple)) or not value:
        problems.append(at.problem(value, f"must be {what}: a name or a non-empty list of names"))
        return None
    ok = True
    first: dict[str, int] = {}
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            problems.append((at / i).problem(item, "must be a name (a non-empty string)"))
            ok = False
        elif item in first:
            problems.append((at / i).problem(item, f"is given twice (also {(at / first[item]).key_path})"))
            ok = False
        else:
            first[item] = i
    return tuple(value) if ok else None


def _partial(kind: str, params: tuple[str, ...], groups: tuple[str, ...] | None, start: int | None,
             at: Where) -> Lever:
    """What is valid of a lever with problems: its names (and start year) are still checked against the scenario."""
    return Lever(kind, params, groups, start if start is not None else 0, where=at, complete=False)


def _parse_lever(item: Any, at: Where | None = None) -> tuple[Lever | None, list[Problem]]:
    """Validate one lever (its form only; :func:`solve` checks it against the scenario).

    A lever with problems comes back incomplete (``complete`` False) if its
    parameter names are valid, else as None.
    """
    at = at if at is not None else Where.in_memory(SPEC_LABEL)
    if not isinstance(item, Mapping):
        return None, [at.problem(item, f"must be a mapping with 'type' ({', '.join(_LEVER_TYPES)}), "
                                       "'start_year' and the keys of its type")]
    problems: list[Problem] = []
    kind = item.get("type", MISSING)
    if kind is MISSING:
        problems.append(at.problem(MISSING, "required key 'type' is missing", did_you_mean(None, _LEVER_TYPES)))
    elif not isinstance(kind, str) or kind not in _LEVER_TYPES:
        problems.append((at / "type").problem(kind, "is not a lever type", did_you_mean(kind, _LEVER_TYPES)))
        kind = MISSING
    every_key = tuple(dict.fromkeys(k for keys in _LEVER_KEYS.values() for k in keys))
    allowed = _LEVER_KEYS[kind] if kind is not MISSING else every_key
    for key in item:
        if key in allowed:
            continue
        owners = [t for t, keys in _LEVER_KEYS.items() if key in keys]
        if owners:
            problems.append((at / key).problem(
                MISSING, f"is not a key of a {kind} lever (only of {' and '.join(owners)} levers)",
                "a {} lever takes {}".format(kind, ", ".join(allowed))))
        else:
            what = f"a {kind} lever" if kind is not MISSING else "a lever"
            problems.append((at / key).problem(MISSING, f"unknown key in {what}", did_you_mean(key, allowed)))
    groups = None
    if item.get("groups") is not None:
        groups = _names(item["groups"], at / "groups", "insured groups", problems)
    start = _year(item, "start_year", at, problems, required=True)
    if kind is MISSING:
        return None, problems
    if kind == "level":
        param = item.get("parameter", MISSING)
        if param is MISSING:
            problems.append(at.problem(MISSING, "required key 'parameter' is missing (the parameter to set)"))
        elif not isinstance(param, str) or not _NAME_RE.match(param):
            problems.append((at / "parameter").problem(param, "must be a parameter name"))
        bounds = item.get("bounds", MISSING)
        if bounds is MISSING:
            problems.append(at.problem(MISSING, "required key 'bounds' is missing ([low, high]: the range searched)"))
        elif not isinstance(bounds, (list, tuple)) or len(bounds) != 2:
            problems.append((at / "bounds").problem(bounds, "must be [low, high]: two numbers"))
        else:
            bad = [k for k, b in enumerate(bounds) if not is_finite_number(b)]
            for k in bad:
                problems.append((at / "bounds" / k).problem(bounds[k], "must be a number"))
            if not bad and not bounds[0] < bounds[1]:
                problems.append((at / "bounds").problem(list(bounds), "must be [low, high] with low < high"))
        prefer = item.get("prefer", "low")
        if not isinstance(prefer, str) or prefer not in ("low", "high"):
            problems.append((at / "prefer").problem(prefer, "must be low or high (the end of the bounds the answer "
                                                            "should be closest to)"))
        if problems:
            named = isinstance(param, str) and _NAME_RE.match(param) is not None
            return (_partial("level", (param,), groups, start, at) if named else None), problems
        assert start is not None and isinstance(bounds, (list, tuple))
        return Lever("level", (param,), groups, start, bounds=(float(bounds[0]), float(bounds[1])), prefer=prefer,
                     where=at), []
    params: tuple[str, ...] | None
    if kind == "contribution_rate":
        params = _names(item.get("parameters", "contribution_rate_employer"), at / "parameters",
                        "contribution_rate_* parameters", problems)
        for k, p in enumerate(params or ()):
            if not p.startswith("contribution_rate_"):
                problems.append((at / "parameters" / k).problem(
                    p, "is not a contribution_rate_* parameter", "use a level lever for other parameters"))
    else:
        sexes = _names(item.get("sexes", list(_SEXES)), at / "sexes", "sexes (male, female)", problems)
        for k, s in enumerate(sexes or ()):
            if s not in _SEXES:
                problems.append((at / "sexes" / k).problem(s, "is not a sex", did_you_mean(s, _SEXES)))
        params = tuple(f"pensionable_age_{s}" for s in sexes or ())
    every = item.get("every_years", 1)
    if not _is_int(every) or every < 1:
        problems.append((at / "every_years").problem(every, "must be a whole number of years >= 1"))
    max_step = item.get("max_step", MISSING)
    if max_step is MISSING:
        problems.append(at.problem(MISSING, "required key 'max_step' is missing (the largest step, a number >= 0)"))
        max_step = None
    elif not is_finite_number(max_step) or max_step < 0:
        problems.append((at / "max_step").problem(max_step, "must be a number >= 0 (the largest step, in the "
                                                            "parameter's unit)"))
        max_step = None
    gran = item.get("granularity")
    if gran is not None:
        if not is_finite_number(gran) or gran <= 0:
            problems.append((at / "granularity").problem(gran, "must be a number > 0 (steps are multiples of it)"))
        elif max_step is not None and gran > max_step * (1 + 1e-9):
            problems.append((at / "granularity").problem(
                gran, f"is larger than max_step ({max_step:g}): no step could be taken"))
    last = _year(item, "last_year", at, problems)
    if last is not None and start is not None and last < start:
        problems.append((at / "last_year").problem(last, f"is before start_year ({start})"))
    if problems:
        return (_partial(kind, params, groups, start, at) if params else None), problems
    assert start is not None and params is not None and max_step is not None
    return Lever(kind, params, groups, start, int(every), float(max_step),
                 float(gran) if gran is not None else None, last, where=at), []


def _parse_target(item: Any, at: Where | None = None) -> tuple[Target | None, list[Problem]]:
    """Validate one target (its form only; :func:`solve` checks its years and indicator name)."""
    at = at if at is not None else Where.in_memory(SPEC_LABEL)
    problems: list[Problem] = []
    d: dict[str, Any]
    if isinstance(item, str):
        m = _TARGET_RE.match(item)
        if not m:
            words = [w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", item)[1:]
                     if w not in ("from", "until", "for", "e", "E")]
            hint = did_you_mean(words[0], ("from", "until", "for")) if words else None
            return None, [at.problem(item, f"is not a target ({_TARGET_EXAMPLES})", hint)]
        d = {"name": m["name"]}
        if m["op"]:
            d["op"] = m["op"]
            try:
                d["value"] = float(m["value"])
            except ValueError:
                return None, [(at / "value").problem(m["value"], "is not a number")]
        for key in ("from", "until"):
            if m[key]:
                d[key] = int(m[key])
        if m["fund"]:
            d["fund"] = m["fund"]
    elif isinstance(item, Mapping):
        problems += _unknown_keys(item, at, _TARGET_KEYS, "a target")
        d = {k: v for k, v in item.items() if k in _TARGET_KEYS}
        name = d.get("name", MISSING)
        if name is MISSING:
            problems.append(at.problem(MISSING, "required key 'name' is missing (reserve_ratio, no_depletion or an "
                                                "indicator such as gap_50)"))
        elif not isinstance(name, str) or not _NAME_RE.match(name):
            problems.append((at / "name").problem(name, "must be reserve_ratio, no_depletion or an indicator name"))
        if "op" in d and d["op"] not in ("<=", ">="):
            problems.append((at / "op").problem(d["op"], "must be '<=' or '>='"))
        if "value" in d and not is_finite_number(d["value"]):
            problems.append((at / "value").problem(d["value"], "must be a number"))
        for key in ("from", "until"):
            if key in d:
                d[key] = _year(d, key, at, problems)
        if "fund" in d and not (isinstance(d["fund"], str) and d["fund"]):
            problems.append((at / "fund").problem(d["fund"], "must be the name of a fund, or all"))
        if problems:
            return None, problems
    else:
        return None, [at.problem(item, f"must be a string or a mapping {{name, op, value, from, until}} "
                                       f"({_TARGET_EXAMPLES})")]
    name, op, value = d.get("name"), d.get("op"), d.get("value", 0.0)
    from_year, until, fund = d.get("from"), d.get("until"), d.get("fund")
    if name == "reserve_ratio":
        if op is not None and op != ">=":
            problems.append((at / "op").problem(op, "must be '>=' for reserve_ratio ('reserve_ratio >= k')"))
        if "value" not in d:
            problems.append(at.problem(MISSING, "required key 'value' is missing (reserve_ratio takes '>= k')"))
    elif name == "no_depletion":
        for key in ("op", "value"):
            if key in d:
                problems.append((at / key).problem(d[key], "is not taken by no_depletion (it means a reserve > 0)"))
    else:
        if op is None:
            problems.append(at.problem(MISSING, f"required key 'op' is missing (an indicator target takes "
                                                f"'{name} <= value' or '{name} >= value')"))
        if "value" not in d:
            problems.append(at.problem(MISSING, f"required key 'value' is missing (an indicator target takes "
                                                f"'{name} <= value' or '{name} >= value')"))
        for key in ("from", "until"):
            if d.get(key) is not None:
                problems.append((at / key).problem(
                    d[key], "is not taken by an indicator target (indicators summarise the whole projection)"))
    if from_year is not None and until is not None and from_year > until:
        problems.append((at / "from").problem(from_year, f"is after until ({until})"))
    if problems:
        return None, problems
    if name == "reserve_ratio":
        return Target("reserve_ratio", float(value), until, from_year, fund=fund, where=at), []
    if name == "no_depletion":
        return Target("no_depletion", 0.0, until, from_year, fund=fund, where=at), []
    return Target("indicator", float(value), None, None, str(name), str(op), fund=fund, where=at), []


def parse_spec(raw: Any, where: Where | None = None) -> tuple[list[Lever], list[Target], list[Problem]]:
    """Validate the form of a solve spec, collecting every problem.

    Parameters
    ----------
    raw : mapping
        ``{levers: [...], targets: [...], description}`` (see :func:`load_spec`).
    where : Where, optional
        Position of `raw` (file, line and key path in problems); default:
        the label ``<solve spec>``.

    Returns
    -------
    levers : list of Lever
        The levers without problems.
    targets : list of Target
        The targets without problems.
    problems : list of Problem
    """
    levers, targets, problems, _ok = _parse_spec(raw, where)
    return [lever for lever in levers if lever.complete], targets, problems


def _parse_spec(raw: Any, where: Where | None) -> tuple[list[Lever], list[Target], list[Problem], bool]:
    """`parse_spec`, and whether every target was valid."""
    where = where if where is not None else Where.in_memory(SPEC_LABEL)
    if raw is None:
        return [], [], [where.problem(MISSING, "the solve spec is empty: it needs 'levers' and 'targets'")], False
    if not isinstance(raw, Mapping):
        return [], [], [where.problem(raw, "must be a mapping with 'levers' and 'targets' (a solve spec)")], False
    problems = _unknown_keys(raw, where, _SPEC_KEYS, "a solve spec")
    description = raw.get("description")
    if description is not None and not isinstance(description, str):
        problems.append((where / "description").problem(description, "must be a string"))
    levers: list[Lever] = []
    targets: list[Target] = []
    targets_ok = True
    for key, what, example in (("levers", "levers", "mappings with 'type'"),
                               ("targets", "targets", "e.g. 'reserve_ratio >= 1 until 2050'")):
        items = raw.get(key, MISSING)
        if items is MISSING:
            problems.append(where.problem(MISSING, f"required key '{key}' is missing (a list of {what}: {example})"))
            targets_ok = targets_ok and key != "targets"
            continue
        if not isinstance(items, (list, tuple)) or not items:
            problems.append((where / key).problem(items, f"must be a non-empty list of {what} ({example})"))
            targets_ok = targets_ok and key != "targets"
            continue
        labels: dict[str, int] = {}
        for i, item in enumerate(items):
            at = where / key / i
            parsed: Lever | Target | None
            parsed, item_problems = (_parse_lever if key == "levers" else _parse_target)(item, at)
            problems += item_problems
            if item_problems or parsed is None:
                targets_ok = targets_ok and key != "targets"
                if isinstance(parsed, Lever):
                    levers.append(parsed)  # incomplete: its names are still checked against the scenario
                continue
            label = parsed.label()
            if label in labels:
                problems.append(at.problem(MISSING, f"is the same {what[:-1]} as {key}[{labels[label]}] ({label})",
                                           "remove one"))
                continue
            labels[label] = i
            if isinstance(parsed, Lever):
                levers.append(parsed)
            else:
                targets.append(parsed)
    return levers, targets, problems, targets_ok


def _read_spec(spec: Any) -> tuple[list[Lever], list[Target], list[Problem], bool]:
    """Levers, targets and problems of a spec given as a mapping or a file, and whether every target was valid."""
    raw, where, _label, _base, problems = read_spec(spec, SPEC_LABEL, "a solve spec")
    if raw is None:
        return [], [], problems, False
    levers, targets, more, targets_ok = _parse_spec(raw, where)
    return levers, targets, problems + more, targets_ok


def load_spec(spec: Mapping[str, Any] | str | os.PathLike[str]) -> tuple[list[Lever], list[Target]]:
    """Read a solve spec (a mapping or a YAML file) into levers and targets.

    Parameters
    ----------
    spec : mapping or path
        ``levers``: a list of mappings, each with ``type``:

        - ``contribution_rate``: ``parameters`` (default
          ``[contribution_rate_employer]``), ``groups`` (default: all),
          ``start_year``, ``every_years`` (default 1), ``max_step`` [share
          of insured earnings], optional ``granularity`` and
          ``last_year``. Each step is *added* to the current rate of each
          parameter and group; steps never decrease.
        - ``pensionable_age``: the same, with ``sexes`` (default both)
          instead of ``parameters``; steps in years of age.
        - ``level``: ``parameter``, optional ``groups`` (for a per-group
          parameter), ``start_year`` (from which the level applies),
          ``bounds: [low, high]`` and ``prefer`` (``low``, the default, or
          ``high``: the end of the bounds the answer should be closest
          to).

        ``targets``: a list of strings or mappings: ``reserve_ratio >= k
        [from Y] [until T]``, ``no_depletion [from Y] [until T]``, or
        ``NAME <= r`` / ``NAME >= r`` for an indicator of
        :meth:`ssproj.Projection.indicators` (e.g. ``gap_50 <= 0.25``,
        ``actuarial_balance_50 >= 0``); a mapping has the keys ``name``,
        ``op``, ``value``, ``from`` and ``until``.

        Any other key is an error. Optional keys given as null take their
        default.

    Returns
    -------
    tuple of (list of Lever, list of Target)

    Raises
    ------
    SpecError
        A `ScenarioError` (so a ``ValueError``) listing every problem of
        the spec's form, each with file (or ``<solve spec>``), line, key
        path, value and what was expected. What depends on the scenario
        (parameters, groups, years) is checked by :func:`solve`.
    """
    levers, targets, problems, _ok = _read_spec(spec)
    if problems:
        raise SpecError(problems)
    return levers, targets


def _indicator_names(scenario) -> tuple[str, ...]:
    """Names of :meth:`Projection.indicators` (default arguments) for `scenario`."""
    params = inspect.signature(Projection.indicators).parameters
    years = {int(y) for y in scenario.scheme_years}
    names = ["depletion_year"]
    for n in params["horizons"].default:
        names += [f"gap_{n}", f"summarized_income_rate_{n}", f"summarized_cost_rate_{n}", f"actuarial_balance_{n}"]
    names += [f"reserve_ratio_{y}" for y in params["milestones"].default if y in years]
    return tuple(names)


def _step_years(lever: Lever, last_target: int) -> list[int]:
    """Step years of a stepped lever: ``start_year`` every ``every_years`` to ``last_year`` or the last target."""
    last = lever.last_year if lever.last_year is not None else last_target
    return list(range(lever.start_year, last + 1, lever.every_years)) or [lever.start_year]


def _last_target_year(scenario, targets: list[Target]) -> int:
    """The last ``until`` of the targets (the default last step year), else the projection's end year."""
    return max((t.until for t in targets if t.until is not None), default=scenario.end_year)


def _is_numeric(value: Any) -> bool:
    if isinstance(value, Mapping):
        return all(_is_numeric(v) for v in value.values())
    return isinstance(value, TimePath) or is_finite_number(value)


def _check_groups(lever: Lever, param: str, value: Any, at: Where, scenario) -> list[Problem]:
    if lever.groups is None:
        return []
    if not isinstance(value, Mapping):
        return [(at / "groups").problem(list(lever.groups), f"is given but {param} is not set per insured group")]
    entities = tuple(value)
    what = ("is not an insured group declared in the assumption set" if entities == tuple(scenario.groups)
            else f"is not one of the entities {param} is set for")
    return [(at / "groups" / k).problem(g, what, did_you_mean(g, entities))
            for k, g in enumerate(lever.groups) if g not in entities]


def _first_problem(exc: ScenarioError) -> str:
    first = exc.problems[0].message
    first = first[len("changes."):] if first.startswith("changes.") else first
    return first + (f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else "")


def check_spec(scenario, levers: list[Lever], targets: list[Target], *,
               targets_complete: bool = True) -> list[Problem]:
    """Check levers and targets against a scenario, collecting every problem (no projection is run).

    Target years must lie in the years the scheme is projected; a lever's
    parameters and groups must exist in the scenario, its years must lie in
    the projection (and, without indicator targets, not after the last
    target year), and its range (stepped levers: every step at
    ``max_step``; level levers: both bounds) must give valid scenarios.

    Parameters
    ----------
    scenario : Scenario
    levers, targets : list
        As returned by :func:`parse_spec` (``where`` locates problems).
        An incomplete lever (one with problems) has its names and start
        year checked only.
    targets_complete : bool, default True
        False if some targets had problems (then the last target year is
        not known and levers are not checked against it).

    Returns
    -------
    list of Problem
    """
    if not scenario.groups:
        return [Problem(scenario.path if scenario.path is not None else f"<scenario {scenario.name}>", None, "",
                        MISSING, f"scenario {scenario.name!r} has no scheme (its assumption set declares no insured "
                                 "groups): solve needs one")]
    problems: list[Problem] = []
    first, end = int(scenario.scheme_years[0]), int(scenario.end_year)
    indicators = _indicator_names(scenario)
    funds = tuple(scenario.funds)
    for t in targets:
        at = t.where if t.where is not None else Where.in_memory(SPEC_LABEL)
        if t.fund is not None and t.fund != "all" and t.fund not in funds:
            problems.append((at / "fund").problem(t.fund, f"is not a fund of the scenario ({', '.join(funds)}) "
                                                          "nor all", did_you_mean(t.fund, funds, list_if_no_match=0)))
        if t.kind == "indicator":
            if t.name not in indicators:
                problems.append((at / "name").problem(
                    t.name, "is not reserve_ratio, no_depletion or an indicator of Projection.indicators()",
                    did_you_mean(t.name, indicators + ("reserve_ratio", "no_depletion"), list_if_no_match=0)))
            continue
        for key, year in (("from", t.from_year), ("until", t.until)):
            if year is not None and not first <= year <= end:
                problems.append((at / key).problem(
                    year, f"is outside the years the scheme is projected, {first}-{end}"))
    last_target = _last_target_year(scenario, targets)
    # the last year any target looks at (levers starting later cannot help); unknown if a target is invalid
    horizon = None
    if targets and targets_complete and not problems:
        horizon = max(end if t.kind == "indicator" or t.until is None else t.until for t in targets)
    for lever in levers:
        at = lever.where if lever.where is not None else Where.in_memory(SPEC_LABEL)
        before = len(problems)
        lo, span = (first, "years the scheme is projected") if lever.stepped else (scenario.start_year,
                                                                                   "projection years")
        if not lever.complete and not lever.start_year:
            pass  # its start_year has a problem already
        elif not lo <= lever.start_year <= end:
            problems.append((at / "start_year").problem(lever.start_year, f"is outside the {span}, {lo}-{end}"))
        elif horizon is not None and lever.start_year > horizon:
            problems.append((at / "start_year").problem(
                lever.start_year, f"is after the last target year {horizon}: the lever could not help meet them"))
        if lever.last_year is not None and lever.last_year > end:
            problems.append((at / "last_year").problem(lever.last_year, f"is after the projection's end year {end}"))
        for k, p in enumerate(lever.parameters):
            if lever.type == "level":
                p_at = at / "parameter"
            elif lever.type == "pensionable_age":
                p_at = at / "sexes"
            else:
                p_at = at / "parameters" / k
            if p not in scenario.parameters:
                problems.append(p_at.problem(p, "is not a parameter of the scenario",
                                             did_you_mean(p, scenario.parameters)))
                continue
            value = scenario.value(p)
            if lever.stepped and not isinstance(value, Mapping):
                problems.append(p_at.problem(p, "is not set per insured group: a stepped lever raises a per-group "
                                                "parameter"))
                continue
            if not lever.stepped and not _is_numeric(value):
                problems.append(p_at.problem(p, "is not a number or a time path: a level lever sets a numeric "
                                                "parameter"))
                continue
            problems += _check_groups(lever, p, value, at, scenario)
        if len(problems) > before or not targets_complete or not lever.complete:
            continue
        # the lever's range must make valid scenarios (the search evaluates its ends)
        if lever.stepped:
            hi = lever.max_step
            if lever.granularity is not None:
                hi = _round(math.floor(hi / lever.granularity + 1e-9) * lever.granularity)
            changes = _stepped_changes(scenario, lever, dict.fromkeys(_step_years(lever, last_target), hi))
            try:
                scenario.with_changes(changes)
            except ScenarioError as exc:
                problems.append((at / "max_step").problem(
                    lever.max_step, f"is too large: with every step at max_step, {_first_problem(exc)}",
                    "lower max_step, or end the steps earlier with last_year"))
        else:
            assert lever.bounds is not None
            for k, b in enumerate(lever.bounds):
                try:
                    scenario.with_changes(_level_changes(scenario, lever, b))
                except ScenarioError as exc:
                    problems.append((at / "bounds" / k).problem(b, f"is not a valid value: {_first_problem(exc)}"))
    return problems


# -----------------------------------------------------------------------------
# evaluation
# -----------------------------------------------------------------------------
class _Evaluator:
    """Projects candidate scenarios (cached) and measures target margins."""

    def __init__(self, scenario, targets: list[Target]):
        self.base = scenario
        self.targets = targets
        self.runs = 0
        self._cache: dict[str, Any] = {}

    def run(self, changes: dict[str, Any]):
        key = dump_yaml(changes, flow=True)
        if key not in self._cache:
            sc = self.base.with_changes(changes) if changes else self.base
            proj = project(sc)
            self.runs += 1
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = (sc, proj, self.margins(proj))
        return self._cache[key]

    def margins(self, proj) -> pd.DataFrame:
        """Margins by year (rows) and target (columns); >= 0 (> 0 for no_depletion) is met.

        Indicator targets are in row ``0`` (not by year)."""
        if "actives" not in proj.dataset:
            raise ValueError("solve needs a projection with a scheme (the assumption set declares no groups)")
        cols = {}
        indicators: dict = {}
        for t in self.targets:
            if t.kind in ("reserve_ratio", "no_depletion"):
                s = proj.summary(t.fund).dropna(subset=["total_outgo"])
                lo = t.from_year if t.from_year is not None else int(s.index[0])
                hi = t.until if t.until is not None else int(s.index[-1])
                rr = s["reserve_ratio"].loc[lo:hi]
                if t.kind == "no_depletion":  # the reserve under the scheduled flows, whatever the deficit rule
                    sched = proj.dataset["fund_reserve_end_scheduled"].sel(year=s.index)
                    sched = sched.sum("fund") if t.fund == "all" else sched.sel(
                        fund=t.fund if t.fund is not None else proj.dataset.attrs["headline_fund"])
                    rr = pd.Series(sched.to_numpy(), index=s.index).loc[lo:hi] / s["total_outgo"].loc[lo:hi]
                cols[t.label()] = rr - t.value
            else:
                if t.fund not in indicators:
                    indicators[t.fund] = proj.indicators(fund=t.fund)
                ind = indicators[t.fund]
                if t.name not in ind.index:  # checked by check_spec before any projection
                    at = t.where if t.where is not None else Where.in_memory(SPEC_LABEL)
                    raise SpecError([(at / "name").problem(t.name, "is not an indicator of Projection.indicators()",
                                                           did_you_mean(t.name, ind.index, list_if_no_match=0))])
                v = float(ind[t.name])
                cols[t.label()] = pd.Series({0: (t.value - v) if t.op == "<=" else (v - t.value)})
        return pd.DataFrame(cols)

    @staticmethod
    def window_margin(m: pd.DataFrame, lo: int | None, hi: int | None, include_indicators: bool) -> float:
        """The worst margin over years lo..hi (and of indicator targets if asked), strictness folded in."""
        years = m.index[m.index > 0]
        sel = years[(years >= (lo if lo is not None else -1)) & (years <= (hi if hi is not None else 10**6))]
        vals = []
        for col in m.columns:
            part = m.loc[sel, col].dropna()
            if col.startswith("no_depletion") and len(part):
                # strict: a zero reserve is depleted
                vals.append(float(part.min()) - 1e-12)
            elif len(part):
                vals.append(float(part.min()))
            if include_indicators and 0 in m.index and not math.isnan(m.loc[0, col]):
                vals.append(float(m.loc[0, col]))
        return min(vals) if vals else math.inf


def _round(v: float) -> float:
    return float(round(v, 10))


def _stepped_changes(base, lever: Lever, schedule: dict[int, float]) -> dict[str, Any]:
    """Scenario changes of a stepped lever: cumulative increases added to the current paths."""
    cum = {}
    total = 0.0
    for y in sorted(schedule):
        total += schedule[y]
        cum[y] = total
    nonzero = [y for y in sorted(cum) if cum[y] > 0]
    if not nonzero:
        return {}
    first = nonzero[0]
    years = np.arange(first, base.end_year + 1)
    add = np.zeros(len(years))
    for y in sorted(cum):
        add[years >= y] = cum[y]
    out: dict[str, Any] = {}
    for p in lever.parameters:
        value = base.value(p)
        groups = lever.groups if lever.groups is not None else tuple(value)
        per: dict[str, Any] = {}
        for g in groups:
            if g not in value:  # checked by check_spec before any projection
                at = lever.where if lever.where is not None else Where.in_memory(SPEC_LABEL)
                raise SpecError([(at / "groups").problem(g, "is not an insured group of the scenario",
                                                         did_you_mean(g, value))])
            cur = base._evaluate(f"{p}[{g}]", value[g], years)
            new = cur + add
            points = {}
            for i, y in enumerate(years):
                if i == 0 or new[i] != new[i - 1]:
                    points[int(y)] = _round(new[i])
            per[g] = points
        out[p] = per
    return out


def _level_changes(base, lever: Lever, level: float) -> dict[str, Any]:
    p = lever.parameters[0]
    value = base.value(p)
    if isinstance(value, Mapping):
        groups = lever.groups if lever.groups is not None else tuple(value)
        return {p: {g: {lever.start_year: _round(level)} for g in groups}}
    return {p: {lever.start_year: _round(level)}}


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in a.items()}
    for k, v in b.items():
        if k in out and isinstance(out[k], dict) and isinstance(v, dict) and not any(isinstance(x, int) for x in v):
            out[k].update(v)
        else:
            out[k] = v
    return out


# -----------------------------------------------------------------------------
# result
# -----------------------------------------------------------------------------
@dataclass
class SolveResult:
    """The answer of :func:`solve`.

    Attributes
    ----------
    changes : dict
        Lever values as scenario changes (the ``changes:`` of a scenario
        file; ``{}`` if the targets are met without change).
    scenario : Scenario
        The input scenario with `changes` applied.
    projection : Projection
        Its projection.
    margins : pandas.DataFrame
        Target margins by year (columns: targets); a target is met where
        its margin is >= 0 (> 0 for ``no_depletion``). Indicator targets
        are in row ``0``.
    feasible : bool
        True if every target is met.
    missed_by : dict
        Target -> its worst margin (negative: the target is missed by that
        much, in the target's unit).
    steps : dict
        Lever label -> ``{year: increase}`` (stepped levers) or the level.
    runs : int
        Number of projections run.
    """

    changes: dict[str, Any]
    scenario: Any
    projection: Any
    margins: pd.DataFrame
    feasible: bool
    missed_by: dict[str, float]
    steps: dict[str, Any]
    runs: int
    base: Any = field(repr=False, default=None)
    levers: list[Lever] = field(repr=False, default_factory=list)
    targets: list[Target] = field(repr=False, default_factory=list)

    def __repr__(self) -> str:
        status = "feasible" if self.feasible else "INFEASIBLE"
        levers = "; ".join(f"{k}: {v}" for k, v in self.steps.items())
        return f"<SolveResult {status}, {self.runs} projections, {levers}>"

    def report(self) -> str:
        """A readable account: targets, lever values, margins, changes."""
        lines = [f"solve: scenario {self.base.name!r}: {'all targets met' if self.feasible else 'INFEASIBLE'} "
                 f"({self.runs} projections)"]
        lines.append("targets (worst margin; negative = missed by):")
        for t in self.targets:
            m = self.missed_by[t.label()]
            ok = m > 0 if t.kind == "no_depletion" else m >= 0
            worst = ""
            col = self.margins[t.label()].dropna()
            if t.kind != "indicator" and len(col):
                worst = f" in {int(col.idxmin())}"
            lines.append(f"  {t.label():<40} {'met   ' if ok else 'MISSED'} margin {m:+.4f}{worst}")
        lines.append("levers:")
        for lever in self.levers:
            v = self.steps[lever.label()]
            if isinstance(v, dict):
                shown = ", ".join(f"{y}: +{d:g}" for y, d in v.items() if d > 0) or "no change"
                lines.append(f"  {lever.label()}\n    steps: {shown} (total +{sum(v.values()):g})")
            else:
                lines.append(f"  {lever.label()}\n    level: {'no change' if v is None else format(v, 'g')}")
        lines.append("changes:")
        lines.append("  " + (dump_yaml(self.changes).rstrip().replace("\n", "\n  ") if self.changes else "{}"))
        return "\n".join(line for line in lines if line != "...")

    def scenario_dict(self, name: str | None = None, extends: str | None = None) -> dict[str, Any]:
        """The solved scenario as a scenario file's data (``extends`` the input)."""
        base = self.base
        ext = extends if extends is not None else (str(base.path) if base.path is not None else None)
        if ext is None:
            raise ValueError("the input scenario has no file to extend: pass extends=")
        desc = (f"Solved by ssproj.solve from {base.name!r}: " + "; ".join(t.label() for t in self.targets)
                + (" (all met)" if self.feasible else " (INFEASIBLE: closest result)"))
        return {"name": name or f"{base.name}_solved", "extends": ext, "description": desc,
                "changes": self.changes}

    def to_yaml(self, path, name: str | None = None, extends=None) -> Path:
        """Write the solved scenario (extending the input file) atomically.

        The ``extends`` path is relative to the new file's folder. `extends`:
        the scenario file to extend instead of the input's file (one that
        gives the input scenario, e.g. its file with the changes made by
        ``ssproj solve --set``).
        """
        path = Path(path)
        if self.base.path is None and extends is None:
            raise ValueError("the input scenario has no file to extend")
        path.parent.mkdir(parents=True, exist_ok=True)
        ext = os.path.relpath(Path(extends if extends is not None else self.base.path).resolve(), path.parent.resolve())
        data = self.scenario_dict(name=name, extends=Path(ext).as_posix())
        header = "# Written by ssproj solve.\n" + "".join(f"# target: {t.label()}\n" for t in self.targets)
        return write_text_atomic(path, header + dump_yaml(data))


# -----------------------------------------------------------------------------
# solver
# -----------------------------------------------------------------------------
def _lowest(f, hi: float, gran: float | None, xtol: float) -> tuple[float, bool]:
    """The lowest x in [0, hi] with f(x) >= 0, f increasing; (hi, False) if none.

    Continuous: brentq on f, then the feasible side; on a grid of ``gran``:
    bisection on the grid index."""
    if gran is not None:
        hi = _round(math.floor(hi / gran + 1e-9) * gran)  # the largest step on the grid
    if f(0.0) >= 0:
        return 0.0, True
    if hi <= 0 or f(hi) < 0:
        return hi, False
    if gran is not None:
        lo_i, hi_i = 0, round(hi / gran)
        while hi_i - lo_i > 1:
            mid = (lo_i + hi_i) // 2
            if f(_round(mid * gran)) >= 0:
                hi_i = mid
            else:
                lo_i = mid
        return _round(hi_i * gran), True
    from scipy.optimize import brentq  # heavy: imported where used (a cold `ssproj run` starts faster)

    x = brentq(f, 0.0, hi, xtol=xtol)
    while f(x) < 0 and x < hi:
        x = min(hi, x + xtol)
    return x, True


def solve(scenario, spec, *, xtol: float | None = None) -> SolveResult:
    """The lowest lever values that meet the targets.

    Parameters
    ----------
    scenario : Scenario or path
        The scenario to start from (a loaded `Scenario` or a file).
    spec : mapping or path
        Levers and targets (see :func:`ssproj.analysis.solve.load_spec`).
    xtol : float, optional
        Tolerance of continuous searches (levers without ``granularity``);
        default 1e-5 of the lever's unit (1e-3 points of contribution).

    Returns
    -------
    SolveResult

    Raises
    ------
    SpecError
        A `ScenarioError` listing every problem of the spec, of its form
        (:func:`load_spec`) and against the scenario (:func:`check_spec`),
        found before any projection runs.

    Notes
    -----
    Each stepped lever is solved greedily, period by period: in each step
    year (``start_year``, then every ``every_years`` until the last target
    year or ``last_year``) the lowest increase in ``[0, max_step]`` that
    meets every year-by-year target from that year up to the year before
    the next step year (to the last target year for the last step, with the
    indicator targets) is found by ``scipy.optimize.brentq`` (bisection on
    the grid with ``granularity``). If even ``max_step`` is not enough it is
    taken and the search goes on. The result is the lexicographically
    lowest schedule (lowest first step, then lowest second step, ...). A
    ``level`` lever is found by ``brentq`` between its bounds. Several
    levers are combined lexicographically, in the order given: each later
    lever only works on what the earlier ones (at their values found) leave
    missed; a lever is not used if the targets are already met.
    """
    if not hasattr(scenario, "with_changes"):
        scenario = load_scenario(scenario)
    # every problem of the spec, of its form and against the scenario, before any projection
    levers, targets, problems, targets_ok = _read_spec(spec)
    problems += check_spec(scenario, levers, targets, targets_complete=targets_ok)
    if problems:
        # top to bottom in a spec file (a stable sort: the order found for a mapping, without lines)
        raise SpecError(sorted(problems, key=lambda p: p.line if p.line is not None else 0))
    ev = _Evaluator(scenario, targets)
    last_target = _last_target_year(scenario, targets)
    changes: dict[str, Any] = {}
    steps: dict[str, Any] = {}

    def all_margin(ch):
        return ev.window_margin(ev.run(ch)[2], None, None, True)

    for lever in levers:
        if lever.stepped:
            if all_margin(changes) >= 0:
                steps[lever.label()] = {}
                continue
            tol = xtol if xtol is not None else 1e-5
            step_years = _step_years(lever, last_target)
            schedule: dict[int, float] = {}
            for k, y in enumerate(step_years):
                later = dict.fromkeys(step_years[k + 1:], lever.max_step)

                def ahead(d, y=y, later=later, changes=changes, lever=lever, schedule=schedule):
                    # every target from this step year on, the later steps at their maximum
                    ch = _merge(changes, _stepped_changes(scenario, lever, {**schedule, y: d, **later}))
                    return ev.window_margin(ev.run(ch)[2], y, None, True)

                d, _ok = _lowest(ahead, lever.max_step, lever.granularity, tol)
                # not ok: even max_step now and later is not enough: max_step, and go on
                schedule[y] = _round(d)
            changes = _merge(changes, _stepped_changes(scenario, lever, schedule))
            steps[lever.label()] = schedule
        else:
            lo_b, hi_b = lever.bounds  # type: ignore[misc]
            base_m = all_margin(changes)

            def g(v, changes=changes, lever=lever):
                return all_margin(_merge(changes, _level_changes(scenario, lever, v)))

            pref, other = (lo_b, hi_b) if lever.prefer == "low" else (hi_b, lo_b)
            if base_m >= 0:
                steps[lever.label()] = None
                continue
            m_pref, m_other = g(pref), g(other)
            if m_pref >= 0:
                best = pref
            elif m_other < 0:
                best = other if m_other > m_pref else pref
            else:
                tol = xtol if xtol is not None else 1e-5 * max(1.0, abs(hi_b - lo_b))
                from scipy.optimize import brentq  # heavy: imported where used

                best = brentq(g, lo_b, hi_b, xtol=tol)
                while g(best) < 0:
                    best += (other - pref) / abs(other - pref) * tol
            changes = _merge(changes, _level_changes(scenario, lever, best))
            steps[lever.label()] = _round(best)
    sc, proj, margins = ev.run(changes)
    missed = {}
    for t in targets:
        col = margins[t.label()].dropna()
        missed[t.label()] = float(col.min()) if len(col) else math.nan
    feasible = ev.window_margin(margins, None, None, True) >= 0
    for lever in levers:
        steps.setdefault(lever.label(), {} if lever.stepped else None)
    return SolveResult(changes=changes, scenario=sc, projection=proj, margins=margins, feasible=bool(feasible),
                       missed_by=missed, steps=steps, runs=ev.runs, base=scenario, levers=levers, targets=targets)
