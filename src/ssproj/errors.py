"""Validation problems and the one exception that reports them.

`load_scenario` collects every problem it finds in a scenario, its
``extends`` chain, its assumption set and the tables, then raises a single
`ScenarioError` that lists them all, one per line::

    scenarios/bad.yaml:7: changes.retirement_age[2031] = 71 is outside [50, 70] (range declared in ssproj defaults.yaml)

Code past `load_scenario` trusts its inputs, so these messages are the
user's only feedback: each says where (file and line), what (key path and
value) and what was expected, with a did-you-mean hint where one helps.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["MISSING", "Problem", "ScenarioError", "did_you_mean", "display_path"]


class _Missing:
    """Sentinel for a `Problem` that concerns a key, not a value."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


#: Value of a `Problem` about a key that is absent or unknown rather than a
#: value that is wrong.
MISSING: Any = _Missing()


def display_path(path: str | os.PathLike[str] | None) -> str:
    """Show a file path relative to the current directory when possible.

    Parameters
    ----------
    path : str or path-like or None
        A file path. Labels such as ``"<scenario dict>"`` (starting with
        ``<``) are returned unchanged.

    Returns
    -------
    str
        The path relative to the current working directory if the file lies
        under it, else the absolute path; ``"<input>"`` for None.
    """
    if path is None:
        return "<input>"
    text = os.fspath(path)
    if text.startswith("<"):
        return text
    p = Path(text)
    try:
        absolute = p if p.is_absolute() else Path.cwd() / p
        return absolute.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return p.as_posix()


def show_value(value: Any, limit: int = 80) -> str:
    """Render a value for an error message (numbers plain, strings quoted).

    Parameters
    ----------
    value : object
        The offending value.
    limit : int, default 80
        Longer renderings are cut and end with an ellipsis. [characters]

    Returns
    -------
    str
    """
    if isinstance(value, bool) or value is None:
        text = repr(value)
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value) if math.isfinite(value) else str(value)
    elif hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        return show_value(value.item(), limit)
    else:
        text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def did_you_mean(word: Any, choices: Iterable[str], *, list_if_no_match: int = 12) -> str | None:
    """Suggest the closest allowed name for a misspelt key.

    Parameters
    ----------
    word : object
        The unknown key (non-strings get no suggestion).
    choices : iterable of str
        The allowed names.
    list_if_no_match : int, default 12
        If nothing is close and there are at most this many choices, list
        them all instead.

    Returns
    -------
    str or None
        ``"did you mean 'x'?"``, ``"expected one of: a, b"`` or None.
    """
    options = sorted(str(c) for c in choices)
    if isinstance(word, str):
        close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
        if not close:
            lowered = {o.lower(): o for o in options}
            if word.lower() in lowered:
                close = [lowered[word.lower()]]
        if close:
            return f"did you mean {close[0]!r}?"
    if options and len(options) <= list_if_no_match:
        return "expected one of: " + ", ".join(options)
    return None


@dataclass(frozen=True, eq=True)
class Problem:
    """One thing wrong with a scenario, an assumption set or a table.

    Parameters
    ----------
    file : str or path-like or None
        The file the problem is in (scenario YAML, assumptions.yaml,
        defaults.yaml or a table CSV). Labels in angle brackets, such as
        ``"<scenario dict>"``, name inputs that are not files.
    line : int or None
        1-based line in `file`; for CSV tables the header is line 1.
    key_path : str
        Where in the document, e.g. ``"changes.retirement_age[2031]"`` or,
        for tables, the column name. Empty for whole-file problems.
    value : object
        The offending value, or `MISSING` when the problem is about a key
        (unknown, absent) rather than a value.
    expected : str
        What is wrong, phrased to follow the value: ``"is outside [50, 70]
        (range declared in ssproj defaults.yaml)"``, or to follow the key
        path when `value` is `MISSING`: ``"unknown key"``.
    hint : str or None
        How to fix it, e.g. ``"did you mean 'fertility_multiplier'?"``.
    """

    file: str | os.PathLike[str] | None
    line: int | None
    key_path: str
    value: Any
    expected: str
    hint: str | None = None

    @property
    def location(self) -> str:
        """``file:line`` (or just the file) for display. [str]"""
        where = display_path(self.file)
        return f"{where}:{self.line}" if self.line is not None else where

    @property
    def message(self) -> str:
        """The problem without its location. [str]"""
        if self.key_path and self.value is not MISSING:
            text = f"{self.key_path} = {show_value(self.value)} {self.expected}"
        elif self.key_path:
            text = f"{self.key_path}: {self.expected}"
        elif self.value is not MISSING:
            text = f"{show_value(self.value)} {self.expected}"
        else:
            text = self.expected
        if self.hint:
            text = f"{text}; {self.hint}"
        return text

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class ScenarioError(ValueError):
    """Raised by the loaders with every problem found, not just the first.

    Parameters
    ----------
    problems : sequence of Problem
        At least one problem. Exact duplicates are dropped; order is kept.

    Attributes
    ----------
    problems : list of Problem
        The problems, in the order found (file by file, top to bottom).
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        unique: list[Problem] = []
        seen: set[str] = set()
        for p in problems:
            key = str(p)
            if key not in seen:
                seen.add(key)
                unique.append(p)
        self.problems: list[Problem] = unique
        super().__init__(self._render())

    def _render(self) -> str:
        if not self.problems:
            return "invalid input (no details)"
        return "\n".join(str(p) for p in self.problems)

    def __str__(self) -> str:
        return self._render()

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[list[Problem]]]:
        return (type(self), (self.problems,))
