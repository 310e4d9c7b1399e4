"""`TimePath`: the one type for parameters that vary with calendar year.

A time path is a mapping year -> value plus two rules (see
``docs/dev/formats.md``):

``between`` (years between two given years)
    ``step``: the value holds until the next given year;
    ``linear``: straight line between the given years;
    ``none``: every year from the first to the last must be given
    (a missing year is a "gap" error).
``after`` (years after the last given year)
    ``hold``: the last value;
    ``none``: no value (an error if a projection year needs one);
    ``{grow: g}``: last value × (1 + g)^(t − last);
    ``{index: name}``: last value × ∏_{s=last+1}^{t} (1 + name(s)), where
    ``name`` is another time-path parameter with unit ``1/year``.

``before`` (years before the first given year), optional
    another time path (any form, possibly with its own ``before``) that
    gives the values before the first given year; without it there is no
    value there. ``between`` never interpolates across this boundary: the
    path's own rules start at its first given point.

A bare scalar is a constant from −∞ to +∞.

In YAML a time path is written as a scalar (``0.9``), a short year map
(``{2030: 1.0, 2050: 0.9}``, whose rules come from the parameter's entry in
``defaults.yaml``), or in long form::

    values: {2025: 1.0, 2060: 0.8}
    between: linear
    after: {grow: 0.01}
    before: 1.0            # optional

A scenario change that starts after ``projection.start_year`` is stored as
a path whose ``before`` is the value the parameter had without the change
(see `TimePath.with_before` and ``docs/dev/formats.md``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ssproj.errors import MISSING, Problem, ScenarioError, did_you_mean
from ssproj.scenario.yamlio import Where

__all__ = ["BETWEEN_RULES", "AFTER_RULES", "TimePath", "parse_timepath", "parse_after"]

#: Rules for years between two given years.
BETWEEN_RULES: tuple[str, ...] = ("step", "linear", "none")
#: Rules for years after the last given year (``grow`` and ``index`` are
#: written as one-key mappings).
AFTER_RULES: tuple[str, ...] = ("hold", "none", "grow", "index")

#: Plausible calendar years for a year key; outside this is almost surely a typo.
YEAR_RANGE: tuple[int, int] = (1800, 2500)

_LONG_FORM_KEYS = ("values", "between", "after", "before")

Resolver = Callable[[str, np.ndarray], np.ndarray]


def _label() -> Where:
    """A `Where` for programmatic input (no file)."""
    return Where.in_memory("<TimePath>")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _format_after(kind: str, arg: float | str | None) -> str | dict[str, float | str]:
    if kind in ("hold", "none"):
        return kind
    return {kind: arg}  # type: ignore[dict-item]


def _year_list(years: list[int]) -> str:
    """Compact list of years: ``2021-2023, 2027``."""
    runs: list[str] = []
    start = prev = years[0]
    for y in years[1:] + [None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        runs.append(str(start) if start == prev else f"{start}-{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(runs)


def parse_after(raw: Any, where: Where) -> tuple[tuple[str, float | str | None] | None, list[Problem]]:
    """Parse an ``after`` rule.

    Parameters
    ----------
    raw : object
        ``"hold"``, ``"none"``, ``{"grow": g}`` (g a number > −1, [1/year])
        or ``{"index": name}``.
    where : Where
        Position of the rule, for problems.

    Returns
    -------
    rule : tuple or None
        ``(kind, argument)``: ``("hold", None)``, ``("grow", 0.02)``,
        ``("index", "price_inflation")``; None if invalid.
    problems : list of Problem
    """
    if isinstance(raw, str):
        if raw in ("hold", "none"):
            return (raw, None), []
        hint = did_you_mean(raw, ["hold", "none"])
        if raw in ("grow", "index"):
            hint = f"write {{{raw}: ...}}, e.g. after: {{grow: 0.02}} or after: {{index: price_inflation}}"
        return None, [where.problem(raw, "is not an 'after' rule (hold | none | {grow: g} | {index: name})", hint)]
    if isinstance(raw, Mapping):
        if len(raw) != 1:
            return None, [
                where.problem(
                    dict(raw), "must have exactly one key, grow or index", "e.g. after: {grow: 0.02}"
                )
            ]
        ((kind, arg),) = raw.items()
        if kind == "grow":
            if not _is_number(arg) or not math.isfinite(float(arg)):
                return None, [(where / "grow").problem(arg, "is not a number (a growth rate per year, e.g. 0.02)")]
            if float(arg) <= -1.0:
                return None, [(where / "grow").problem(arg, "must be greater than -1 (a rate per year)")]
            return ("grow", float(arg)), []
        if kind == "index":
            if not isinstance(arg, str) or not arg:
                return None, [
                    (where / "index").problem(arg, "must be the name of a time-path parameter (a rate per year)")
                ]
            return ("index", arg), []
        return None, [
            (where / str(kind)).problem(MISSING, "unknown 'after' rule", did_you_mean(kind, ["grow", "index"]))
        ]
    return None, [where.problem(raw, "is not an 'after' rule (hold | none | {grow: g} | {index: name})")]


def _parse_year(key: Any) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, (int, np.integer)):
        return int(key)
    if isinstance(key, str) and key.strip().lstrip("+-").isdigit():
        return int(key.strip())
    return None


def parse_timepath(
    raw: Any,
    *,
    default_between: str = "linear",
    default_after: Any = "hold",
    where: Where | None = None,
    check_value: Callable[[float], str | None] | None = None,
) -> tuple[TimePath | None, list[Problem]]:
    """Parse a time path from its YAML form, collecting problems.

    Parameters
    ----------
    raw : object
        A number, a year map ``{year: value}``, the long form
        ``{values: {...}, between: ..., after: ..., before: ...}``, or a
        `TimePath`. ``before`` (optional) is itself a time path, parsed with
        the same defaults and checks; problems in it cite ``<where>.before``.
    default_between : str, default "linear"
        ``between`` rule for a year map or a long form without one.
    default_after : str or dict, default "hold"
        ``after`` rule for a year map or a long form without one.
    where : Where, optional
        Position of `raw`, for problems.
    check_value : callable, optional
        ``check_value(v)`` returns a message (e.g. ``"is outside [0, 3]"``)
        if a given value is not allowed, else None; called for every given
        value, problems cite its year.

    Returns
    -------
    path : TimePath or None
        None if there were problems.
    problems : list of Problem
    """
    where = where if where is not None else _label()
    if isinstance(raw, TimePath):
        raw = raw.to_yaml()
    problems: list[Problem] = []

    def check(value: Any, at: Where) -> float | None:
        if not _is_number(value):
            hint = None
            if isinstance(value, str):
                try:
                    float(value.replace("%", ""))
                    hint = "write a plain number without quotes (rates as fractions: 0.05, not 5%)"
                except ValueError:
                    pass
            problems.append(at.problem(value, "is not a number", hint))
            return None
        v = float(value)
        if not math.isfinite(v):
            problems.append(at.problem(value, "is not a finite number"))
            return None
        if check_value is not None:
            message = check_value(v)
            if message:
                problems.append(at.problem(value, message))
                return None
        return v

    if _is_number(raw):
        v = check(raw, where)
        return (TimePath._make(v, (), (), "linear", ("hold", None)) if v is not None else None), problems

    if not isinstance(raw, Mapping):
        return None, [
            where.problem(
                raw,
                "is not a time path (a number, a year map {2030: 1.0, 2050: 0.9} or "
                "{values: {...}, between: ..., after: ...})",
            )
        ]

    long_keys = [k for k in raw if isinstance(k, str) and k in _LONG_FORM_KEYS]
    values_where = where
    between_raw: Any = default_between
    after_raw: Any = default_after
    between_where = after_where = where
    before_path: TimePath | None = None
    before_given = False
    if long_keys:
        for key in raw:
            if key not in _LONG_FORM_KEYS:
                hint = did_you_mean(key, _LONG_FORM_KEYS) if isinstance(key, str) else None
                if key == "value":
                    hint = "did you mean 'values'? (a year map: values: {2030: 1.0})"
                if _parse_year(key) is not None:
                    hint = "put year keys under 'values:'"
                problems.append((where / key).problem(MISSING, "unknown key in a time path", hint))
        if "values" not in raw:
            problems.append(where.problem(MISSING, "time path has no 'values' (a year map {year: value})"))
            return None, problems
        year_map = raw["values"]
        values_where = where / "values"
        if "between" in raw:
            between_raw, between_where = raw["between"], where / "between"
        if "after" in raw:
            after_raw, after_where = raw["after"], where / "after"
        if "before" in raw:
            before_given = True
            before_path, before_problems = parse_timepath(
                raw["before"],
                default_between=default_between,
                default_after=default_after,
                where=where / "before",
                check_value=check_value,
            )
            problems += before_problems
        if not isinstance(year_map, Mapping):
            problems.append(values_where.problem(year_map, "must be a year map {year: value}"))
            return None, problems
    else:
        year_map = raw

    if between_raw not in BETWEEN_RULES:
        problems.append(
            between_where.problem(
                between_raw, "is not a 'between' rule (step | linear | none)", did_you_mean(between_raw, BETWEEN_RULES)
            )
        )
    after, after_problems = parse_after(after_raw, after_where)
    problems += after_problems

    if not year_map:
        problems.append(values_where.problem(MISSING, "time path has no years (give at least one {year: value})"))
        return None, problems
    points: dict[int, float] = {}
    for key, value in year_map.items():
        year = _parse_year(key)
        if year is None:
            hint = did_you_mean(key, _LONG_FORM_KEYS, list_if_no_match=0) if isinstance(key, str) else None
            problems.append(
                (values_where / key).problem(MISSING, "is not a year (year keys are integers, e.g. 2030)", hint)
            )
            continue
        at = values_where / year
        if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
            problems.append(
                at.problem(MISSING, f"year {year} is outside the plausible range {YEAR_RANGE[0]}-{YEAR_RANGE[1]}")
            )
            continue
        if year in points:
            problems.append(at.problem(MISSING, "year given twice (once as text, once as a number)"))
            continue
        v = check(value, at)
        if v is not None:
            points[year] = v
    if problems:
        return None, problems

    years = sorted(points)
    if before_given and before_path is not None:
        valid_from = before_path.valid_from
        if valid_from is not None and valid_from >= years[0]:
            problems.append(
                (where / "before").problem(
                    MISSING,
                    f"starts in {valid_from}, not before the first given year {years[0]}: it would never be used",
                    f"'before' gives the values of the years before {years[0]}",
                )
            )
            return None, problems
    if between_raw == "none":
        missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
        if missing:
            problems.append(
                values_where.problem(
                    MISSING,
                    f"gap: between: none needs every year from {years[0]} to {years[-1]}, "
                    f"missing {_year_list(missing)}",
                    "give the missing years, or use between: step or between: linear",
                )
            )
            return None, problems
    if after is None:  # cannot happen: an invalid rule was reported above
        return None, problems
    return (
        TimePath._make(None, tuple(years), tuple(points[y] for y in years), between_raw, after, before_path),
        problems,
    )


class TimePath:
    """A parameter value that varies by calendar year.

    Parameters
    ----------
    values : float or mapping of int to float
        A constant, or values by calendar year. [unit of the parameter]
    between : {"step", "linear", "none"}, default "linear"
        Rule for years between two given years.
    after : {"hold", "none"} or {"grow": g} or {"index": name}, default "hold"
        Rule for years after the last given year. ``g`` is a growth rate
        [1/year]; ``name`` a time-path parameter with unit ``1/year``.
    before : TimePath or float or mapping, optional
        Values of the years before the first given year (a time path in
        any form). Default: none, there is no value before the first year.
        Only for a path with years (not a constant); it must have a value
        in at least one year before the first given year.

    Raises
    ------
    ScenarioError
        If the values or rules are invalid (e.g. a gap with
        ``between="none"``).

    Notes
    -----
    ``after={"grow": g}``: v(t) = v(T)·(1 + g)^(t − T) for t > T, the last
    given year. ``after={"index": name}``: v(t) = v(T)·∏_{s=T+1}^{t}
    (1 + r(s)) with r the named parameter's path.

    With ``before``: v(t) = before(t) for t < F, the first given year,
    and the path's own rules from F on (``between: linear`` starts at the
    point of F; it does not interpolate from the ``before`` values).

    A constant (a bare scalar) has no years: `first_year` and `last_year`
    are None and it has a value in every year.

    Examples
    --------
    >>> tp = TimePath({2020: 1.0, 2030: 2.0}, between="linear", after={"grow": 0.1})
    >>> tp.evaluate([2020, 2025, 2030, 2032]).round(4).tolist()
    [1.0, 1.5, 2.0, 2.42]
    >>> TimePath({2027: 0.07}, before=0.06).evaluate([2026, 2027]).tolist()
    [0.06, 0.07]
    """

    __slots__ = ("_constant", "_years", "_values", "_between", "_after", "_before")
    _constant: float | None
    _years: tuple[int, ...]
    _values: tuple[float, ...]
    _between: str
    _after: tuple[str, float | str | None]
    _before: TimePath | None

    def __init__(
        self,
        values: float | Mapping[int, float],
        between: str = "linear",
        after: str | Mapping[str, float | str] = "hold",
        before: TimePath | float | Mapping[Any, Any] | None = None,
    ) -> None:
        if _is_number(values):
            if before is not None:
                raise ScenarioError(
                    [_label().problem(MISSING, "a constant has a value in every year; it takes no 'before'")]
                )
            raw: Any = values
        else:
            raw = {"values": values, "between": between, "after": after}
            if before is not None:
                raw["before"] = before
        parsed, problems = parse_timepath(raw, default_between=between, default_after=after)
        if problems or parsed is None:
            raise ScenarioError(problems)
        for slot in self.__slots__:
            object.__setattr__(self, slot, getattr(parsed, slot))

    @classmethod
    def _make(
        cls,
        constant: float | None,
        years: tuple[int, ...],
        values: tuple[float, ...],
        between: str,
        after: tuple[str, float | str | None],
        before: TimePath | None = None,
    ) -> TimePath:
        self = object.__new__(cls)
        object.__setattr__(self, "_constant", constant)
        object.__setattr__(self, "_years", years)
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_between", between)
        object.__setattr__(self, "_after", after)
        object.__setattr__(self, "_before", before)
        return self

    @classmethod
    def from_yaml(cls, raw: Any, *, between: str = "linear", after: Any = "hold") -> TimePath:
        """Build a time path from its YAML form.

        Parameters
        ----------
        raw : object
            A number, a year map or the long form.
        between, after : optional
            Rules used when `raw` does not give them (a year map, or a long
            form without them).

        Raises
        ------
        ScenarioError
            With every problem found.
        """
        parsed, problems = parse_timepath(raw, default_between=between, default_after=after)
        if problems or parsed is None:
            raise ScenarioError(problems)
        return parsed

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("TimePath is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            TimePath._make,
            (self._constant, self._years, self._values, self._between, self._after, self._before),
        )

    # -- properties ----------------------------------------------------------
    @property
    def is_constant(self) -> bool:
        """True for a bare scalar (the same value in every year)."""
        return self._constant is not None

    @property
    def constant(self) -> float | None:
        """The value of a constant path, else None."""
        return self._constant

    @property
    def years(self) -> tuple[int, ...]:
        """Given years, ascending (empty for a constant)."""
        return self._years

    @property
    def values(self) -> tuple[float, ...]:
        """Given values, in the order of `years`."""
        return self._values

    @property
    def points(self) -> dict[int, float]:
        """Given ``{year: value}`` (a new dict; empty for a constant)."""
        return dict(zip(self._years, self._values, strict=True))

    @property
    def between(self) -> str:
        """Rule between given years: ``"step"``, ``"linear"`` or ``"none"``."""
        return self._between

    @property
    def after(self) -> str | dict[str, float | str]:
        """Rule after the last year, in YAML form: ``"hold"``, ``"none"``,
        ``{"grow": g}`` or ``{"index": name}``."""
        return _format_after(*self._after)

    @property
    def after_kind(self) -> str:
        """``"hold"``, ``"none"``, ``"grow"`` or ``"index"``."""
        return self._after[0]

    @property
    def index_name(self) -> str | None:
        """Parameter named by this path's own ``{index: name}`` rule, else
        None (see `index_names` for those of `before` too)."""
        return self._after[1] if self._after[0] == "index" else None  # type: ignore[return-value]

    @property
    def index_names(self) -> tuple[str, ...]:
        """Parameters named by the ``{index: name}`` rules of this path and
        of its `before` chain (each once, this path's first)."""
        names: list[str] = []
        node: TimePath | None = self
        while node is not None:
            name = node.index_name
            if name is not None and name not in names:
                names.append(name)
            node = node._before
        return tuple(names)

    @property
    def before(self) -> TimePath | None:
        """The path giving the values before `first_year`, or None (no
        value there)."""
        return self._before

    @property
    def own(self) -> TimePath:
        """This path without its `before` (itself if it has none)."""
        if self._before is None:
            return self
        return TimePath._make(self._constant, self._years, self._values, self._between, self._after)

    @property
    def first_year(self) -> int | None:
        """First given year (None for a constant: valid from −∞). With a
        `before`, the year from which this path's own values apply; see
        `valid_from` for the first year with a value."""
        return self._years[0] if self._years else None

    @property
    def valid_from(self) -> int | None:
        """First year with a value: `first_year`, or that of the `before`
        chain; None if valid from −∞ (a constant, or a `before` chain
        ending in one)."""
        node: TimePath = self
        while node._before is not None:
            node = node._before
        return node.first_year

    @property
    def last_year(self) -> int | None:
        """Last given year (None for a constant: valid to +∞)."""
        return self._years[-1] if self._years else None

    def with_before(self, base: TimePath) -> TimePath:
        """This path laid over `base`: `base` gives the years before it.

        Parameters
        ----------
        base : TimePath
            The path below, e.g. the value of a parameter without a
            scenario's change.

        Returns
        -------
        TimePath
            A path equal to this one with `base` as the `before` of the
            last path of its `before` chain (as `before` itself if it has
            none): v(t) = this path's value where it has one, else `base`.

        Raises
        ------
        ValueError
            For a constant (it has a value in every year), or if `base` has
            no value before `valid_from` (it would never be used; such a
            path could not be read back from its YAML form).
        """
        if not isinstance(base, TimePath):
            raise TypeError(f"base must be a TimePath, not {type(base).__name__}")
        if self._constant is not None:
            raise ValueError("a constant time path has a value in every year; it takes no 'before'")
        bottom = self.valid_from
        if base.valid_from is not None and bottom is not None and base.valid_from >= bottom:
            raise ValueError(
                f"base starts in {base.valid_from}, not before the first year {bottom} of the path: "
                "it would never be used"
            )
        below = base if self._before is None else self._before.with_before(base)
        return TimePath._make(None, self._years, self._values, self._between, self._after, below)

    # -- evaluation ----------------------------------------------------------
    def covers(self, year: int) -> bool:
        """Whether the path has a value in `year` (ignoring index inputs)."""
        if self.is_constant:
            return True
        if year < self._years[0]:
            return self._before is not None and self._before.covers(year)
        return not (year > self._years[-1] and self._after[0] == "none")

    def evaluate(self, years: Any, resolve: Resolver | None = None) -> np.ndarray:
        """Values in the given calendar years.

        Parameters
        ----------
        years : int or array_like of int
            Calendar years.
        resolve : callable, optional
            ``resolve(name, years) -> ndarray`` gives the values of another
            time-path parameter in `years`; needed only for an
            ``{index: name}`` rule when a year after the last is asked for.
            It may return shape ``(K, len(years))``: K paths of the other
            parameter (e.g. stochastic ones), each evaluated exactly as a
            single path would be; the result then has shape ``(K,) +
            shape(years)``. [1/year]

        Returns
        -------
        numpy.ndarray of float64
            Same shape as `years` (with a leading path dimension for a
            batched `resolve`). [unit of the parameter]

        Raises
        ------
        ValueError
            If a year is before the first given year (and `before` has no
            value for it), falls in a gap, is after the last with ``after:
            none``, or an index rule needs `resolve` and none was given. A
            validated `Scenario` never raises here for its projection years.

        Notes
        -----
        Years before the first given year are evaluated by `before` (one
        call for all of them), the others by this path's own rules.
        """
        yrs = np.asarray(years)
        if yrs.size and not np.issubdtype(yrs.dtype, np.integer):
            if not np.all(np.mod(yrs, 1) == 0):
                raise ValueError(f"years must be whole calendar years, got {yrs!r}")
        yrs = yrs.astype(np.int64)
        flat = yrs.ravel()
        if self._constant is not None:
            return np.full(yrs.shape, self._constant, dtype=np.float64)
        given = np.asarray(self._years, dtype=np.int64)
        vals = np.asarray(self._values, dtype=np.float64)
        first, last = int(given[0]), int(given[-1])
        out = np.empty(flat.shape, dtype=np.float64)

        before = flat < first
        if before.any():
            if self._before is None:
                raise ValueError(
                    f"time path starts in {first}; no value for {_year_list(sorted(set(flat[before].tolist())))}"
                )
            earlier = self._before.evaluate(flat[before], resolve)
            if earlier.ndim == 2:  # a batched resolver (see `resolve`)
                out = np.array(np.broadcast_to(out, (earlier.shape[0],) + out.shape))
            out[..., before] = earlier
        inside = (flat <= last) & ~before
        if inside.any():
            t = flat[inside]
            if self._between == "linear":
                out[..., inside] = np.interp(t, given, vals)
            else:
                pos = np.searchsorted(given, t, side="right") - 1
                if self._between == "none":
                    missing = given[pos] != t
                    if missing.any():
                        raise ValueError(f"gap: no value for {_year_list(sorted(set(t[missing].tolist())))}")
                out[..., inside] = vals[pos]
        later = flat > last
        if later.any():
            t = flat[later]
            kind, arg = self._after
            v_last = float(vals[-1])
            if kind == "hold":
                out[..., later] = v_last
            elif kind == "none":
                raise ValueError(
                    f"time path ends in {last} (after: none); no value for "
                    f"{_year_list(sorted(set(t.tolist())))}"
                )
            elif kind == "grow":
                out[..., later] = v_last * (1.0 + float(arg)) ** (t - last)  # type: ignore[arg-type]
            else:  # index
                if resolve is None:
                    raise ValueError(f"after: {{index: {arg}}} needs a resolver for years after {last}")
                span = np.arange(last + 1, int(t.max()) + 1, dtype=np.int64)
                rates = np.asarray(resolve(str(arg), span), dtype=np.float64)
                if rates.shape[-1:] != span.shape or rates.ndim > 2:
                    raise ValueError(f"resolver returned shape {rates.shape} for {span.size} years")
                factor = np.cumprod(1.0 + rates, axis=-1)
                if factor.ndim == 2 and out.ndim == 1:  # a batched resolver: one row per path
                    out = np.array(np.broadcast_to(out, (factor.shape[0],) + out.shape))
                out[..., later] = v_last * factor[..., t - (last + 1)]
        return out.reshape(out.shape[:-1] + yrs.shape)

    # -- conversion ----------------------------------------------------------
    def to_yaml(self) -> float | dict[str, Any]:
        """YAML form: a float for a constant, else the long form.

        Returns
        -------
        float or dict
            ``{"values": {year: value}, "between": ..., "after": ...}``,
            plus ``"before"`` (its YAML form, nested) for a path with a
            `before`; `parse_timepath` / `TimePath.from_yaml` read it back
            to an equal path.
        """
        if self._constant is not None:
            return float(self._constant)
        out: dict[str, Any] = {"values": self.points, "between": self._between, "after": self.after}
        if self._before is not None:
            out["before"] = self._before.to_yaml()
        return out

    # -- dunder --------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TimePath):
            return NotImplemented
        return self._key() == other._key()

    def _key(self) -> tuple[Any, ...]:
        if self._constant is not None:
            return ("constant", self._constant)
        below = self._before._key() if self._before is not None else None
        return (self._years, self._values, self._between, self._after, below)

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        if self._constant is not None:
            return f"TimePath({self._constant!r})"
        points = ", ".join(f"{y}: {v!r}" for y, v in zip(self._years, self._values, strict=True))
        below = f", before={self._before!r}" if self._before is not None else ""
        return f"TimePath({{{points}}}, between={self._between!r}, after={self.after!r}{below})"
