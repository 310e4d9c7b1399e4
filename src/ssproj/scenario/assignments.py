"""Parameter changes given as text, ``KEY=VALUE``: the command line's ``--set``.

Each assignment is one change of a scenario's ``changes:`` block written on
one line::

    contribution_rate_employer[private]=0.06      # one group of a per-group parameter
    wage_growth={2030: 0.04, 2040: 0.035}         # a year map (YAML flow style)
    pensionable_age_male[private][2031]=61        # from 2031 on (a time path starting later)
    contribution_rate_employer.private=0.06       # the key path of ssproj's messages works too

The key is a parameter name followed by groups (funds, branches) and years
in brackets or after dots; the value is read with the project's safe YAML
reader (:func:`ssproj.scenario.yamlio.parse_yaml`: plain data only, YAML 1.2
numbers). The assignments are gathered into one mapping of changes and
applied with :meth:`ssproj.scenario.Scenario.with_changes`, so they are
validated exactly like a scenario file's ``changes:`` block and recorded in
the result's provenance (``changes_applied``). Every problem, of the text or
of the changes, is reported at once in one :class:`AssignmentError`, each
placed at the assignment it comes from (``--set #2: ...``).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ssproj.errors import MISSING, Problem, ScenarioError
from ssproj.scenario.model import Scenario
from ssproj.scenario.yamlio import PathKey, format_key_path, parse_yaml

__all__ = ["AssignmentError", "apply_assignments", "parse_assignments"]

#: The first part of a key: a parameter name.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: The parts after it: ``.name`` or ``[name or year]``.
_PART = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*([^\[\]]*?)\s*\]")
_KEY_FORMS = "NAME=VALUE, NAME[group]=VALUE or NAME[group][year]=VALUE"
_KEY_PATHS = "NAME, NAME[group] or NAME[group][year] (a parameter name, then groups or years in brackets)"
#: The label of the layer `Scenario.with_changes` adds (its problems name it as their file).
_WITH_CHANGES = "<with_changes>"


class AssignmentError(ScenarioError):
    """Problems of ``KEY=VALUE`` assignments (``--set``): a `ScenarioError` listing every problem."""


def _key_path(key: str) -> PathKey | None:
    """``"x[private][2031]"`` -> ``("x", "private", 2031)``; None if `key` is not a key path."""
    head = _NAME.match(key)
    if head is None:
        return None
    parts: list[Any] = [head.group()]
    pos = head.end()
    while pos < len(key):
        m = _PART.match(key, pos)
        if m is None:
            return None
        text = m.group(1) if m.group(1) is not None else m.group(2)
        if not text:
            return None
        parts.append(int(text) if re.fullmatch(r"-?\d+", text) else text)
        pos = m.end()
    return tuple(parts)


def parse_assignments(texts: Sequence[str], label: str = "--set") -> tuple[dict[str, Any], list[tuple[PathKey, int]],
                                                                           list[Problem]]:
    """Read ``KEY=VALUE`` texts into one mapping of scenario changes.

    Parameters
    ----------
    texts : sequence of str
        The assignments, in order.
    label : str, default ``"--set"``
        How problems name an assignment: ``"<label> #<n>"``, n from 1.

    Returns
    -------
    changes : dict
        Parameter name -> value, as under a scenario's ``changes:`` key
        (bracketed parts nest: ``x[private]=1`` gives ``{"x": {"private": 1}}``).
    paths : list of (tuple, int)
        The key path of each assignment read, with its number (from 1).
    problems : list of Problem
        Malformed text, a value that is not YAML, a key given twice (also
        a key inside another one given whole). The assignments without
        problems are in `changes`.
    """
    changes: dict[str, Any] = {}
    paths: list[tuple[PathKey, int]] = []
    problems: list[Problem] = []
    for n, text in enumerate(texts, start=1):
        where = f"{label} #{n}"
        key, eq, value_text = str(text).partition("=")
        key = key.strip()
        if not eq:
            problems.append(Problem(where, None, "", text, f"is not an assignment: expected {_KEY_FORMS}",
                                    "e.g. contribution_rate_employer[private]=0.06"))
            continue
        path = _key_path(key)
        if path is None:
            problems.append(Problem(where, None, "", key, f"is not a key: expected {_KEY_PATHS}"))
            continue
        shown = format_key_path(path)
        if not value_text.strip():
            problems.append(Problem(where, None, shown, MISSING, "has no value after '='",
                                    "e.g. 0.06, 62 or {2030: 0.1, 2040: 0.12}"))
            continue
        doc, yaml_problems = parse_yaml(value_text, label=where)
        if doc is None or yaml_problems:
            for p in yaml_problems or [Problem(where, None, "", MISSING, "cannot be read")]:
                problems.append(Problem(where, None, shown, value_text.strip(), p.expected.replace(
                    "invalid YAML", "is not a YAML value", 1), p.hint))
            continue
        clash = next(((q, m) for q, m in paths if q[:len(path)] == path or path[:len(q)] == q), None)
        if clash is not None:
            q, m = clash
            what = "is also set by" if q == path else ("includes what is set by" if len(q) > len(path)
                                                        else "is inside what is set by")
            problems.append(Problem(where, None, shown, MISSING, f"{what} {label} #{m} ({format_key_path(q)})",
                                    "give each parameter, group or year once"))
            continue
        node = changes
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = doc.data
        paths.append((path, n))
    return changes, paths, problems


def _relocate(problem: Problem, paths: Sequence[tuple[PathKey, int]], label: str) -> Problem:
    """A problem of `Scenario.with_changes` placed at the assignment(s) it comes from."""
    if str(problem.file) != _WITH_CHANGES:
        return problem  # e.g. a check that names the scenario file
    shown = problem.key_path[len("changes."):] if problem.key_path.startswith("changes.") else problem.key_path

    def within(outer: str, inner: str) -> bool:
        return inner == outer or (inner.startswith(outer) and inner[len(outer)] in ".[")

    numbers = [n for q, n in paths if within(format_key_path(q), shown) or within(shown, format_key_path(q))]
    where = f"{label} " + ", ".join(f"#{n}" for n in numbers) if numbers else label
    return Problem(where, None, shown, problem.value, problem.expected, problem.hint)


def apply_assignments(scenario: Scenario, texts: Sequence[str], *, label: str = "--set",
                      name: str | None = None) -> Scenario:
    """`scenario` with the ``KEY=VALUE`` changes of `texts`, validated like a scenario's ``changes:``.

    Parameters
    ----------
    scenario : Scenario
    texts : sequence of str
        Assignments (see :func:`parse_assignments`); none: `scenario` itself.
    label : str, default ``"--set"``
        How problems name an assignment.
    name : str, optional
        Name of the new scenario (default that of
        :meth:`Scenario.with_changes`: the name followed by ``+`` and the
        parameter names).

    Returns
    -------
    Scenario
        ``scenario.with_changes(changes)``: ``provenance["changes_applied"]``
        ends with the changes.

    Raises
    ------
    AssignmentError
        Every problem of every assignment: malformed text and the problems
        of the changes themselves (unknown parameter with a did-you-mean,
        value out of range, ...), each placed at its assignment
        (``--set #2: ...``).
    """
    if not texts:
        return scenario
    changes, paths, problems = parse_assignments(texts, label)
    new = scenario
    if changes:
        try:
            new = scenario.with_changes(changes, name=name)
        except ScenarioError as exc:
            problems += [_relocate(p, paths, label) for p in exc.problems]
    if problems:
        number = re.compile(rf"{re.escape(label)} #(\d+)")
        raise AssignmentError(sorted(problems, key=lambda p: int(m.group(1)) if (m := number.match(str(p.file)))
                                     else len(texts) + 1))
    return new
