"""Parameter metadata: what may be set, its type, unit, range and default.

Every parameter is declared in ``defaults.yaml``, shipped inside the package
(it is part of the code's contract and must be present when ssproj is
installed without the repository's data). `load_parameter_specs` reads and
strictly validates it; `ParameterSpec.parse` validates one value against its
declaration; `parameter_reference_markdown` renders the reference page of
the documentation from it.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ssproj.errors import MISSING, Problem, ScenarioError, did_you_mean, display_path
from ssproj.scenario.tables import TABLE_SCHEMAS
from ssproj.scenario.timepath import BETWEEN_RULES, TimePath, parse_after, parse_timepath
from ssproj.scenario.yamlio import Where, dump_yaml, load_yaml_file

__all__ = [
    "CONFIDENCE_LEVELS",
    "PARAMETER_TYPES",
    "PER_KINDS",
    "DEFAULTS_PATH",
    "ParameterSpec",
    "check_confidence",
    "load_parameter_specs",
    "parameter_reference_markdown",
]

#: How much a value can be trusted: checked against the primary source,
#: taken from a secondary source, or assumed.
CONFIDENCE_LEVELS: tuple[str, ...] = ("verified", "secondary", "assumed")
#: Parameter types.
PARAMETER_TYPES: tuple[str, ...] = ("timepath", "float", "int", "bool", "str")
#: Kinds of entity a parameter may be given "per" (``per:`` in
#: defaults.yaml): insured groups, funds, short-term branches, all declared
#: by the assumption set.
PER_KINDS: tuple[str, ...] = ("group", "fund", "branch")
#: How the reference page and messages name each kind of entity.
PER_WORDS: Mapping[str, str] = MappingProxyType(
    {"group": "insured group", "fund": "fund", "branch": "short-term branch"}
)
#: Headings of the reference page by section (others: the section name, capitalised).
SECTION_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "demography": "Demography",
        "economy": "Economy",
        "labour": "Labour force",
        "coverage": "Coverage of the insured groups",
        "contributions": "Contributions",
        "benefits": "Benefits",
        "short_term": "Short-term benefits",
        "finance": "Finance",
    }
)
#: The package's parameter metadata file.
DEFAULTS_PATH: Path = Path(__file__).with_name("defaults.yaml")

#: The unit a parameter must have to be used by an ``{index: name}`` rule.
RATE_UNIT = "1/year"

_SPEC_KEYS = (
    "title",
    "description",
    "section",
    "unit",
    "type",
    "range",
    "between",
    "after",
    "choices",
    "per",
    "requires",
    "requires_any",
    "applies_when",
    "needs_table",
    "default",
    "source",
    "confidence",
)
_REQUIRED_KEYS = ("title", "description", "section", "unit", "type", "default", "source", "confidence")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")

_TYPE_WORDS = {
    "timepath": "a time path",
    "float": "a number",
    "int": "an integer",
    "bool": "true or false",
    "str": "a string",
}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fmt_bound(x: float | None, *, low: bool) -> str:
    if x is None:
        return "-inf" if low else "inf"
    return f"{x:g}"


def check_confidence(raw: Any, where: Where) -> list[Problem]:
    """Check a ``confidence`` value.

    Parameters
    ----------
    raw : object
        Must be one of `CONFIDENCE_LEVELS`.
    where : Where
        Position of the value.

    Returns
    -------
    list of Problem
        Empty if valid.
    """
    if isinstance(raw, str) and raw in CONFIDENCE_LEVELS:
        return []
    hint = did_you_mean(raw, CONFIDENCE_LEVELS, list_if_no_match=0) if isinstance(raw, str) else None
    return [
        where.problem(
            raw,
            "is not a confidence level (verified | secondary | assumed)",
            hint or "verified: checked against the primary source; secondary: from a secondary source; "
            "assumed: an assumption",
        )
    ]


@dataclass(frozen=True)
class ParameterSpec:
    """Declaration of one parameter (an entry of ``defaults.yaml``).

    Parameters
    ----------
    name : str
        Parameter name, lower case with underscores, e.g.
        ``"fertility_multiplier"``.
    title : str
        Short human name.
    description : str
        What the parameter does.
    section : str
        Group in the reference page (``"demography"``, ``"economy"``, ...).
    unit : str
        Unit of the value, ``"1"`` for dimensionless, ``"1/year"`` for
        rates per year.
    type : {"timepath", "float", "int", "bool", "str"}
        Value type.
    range : tuple of (float or None, float or None) or None
        Inclusive bounds (None = unbounded on that side); for a time path,
        every value. None for bool and str. [unit]
    between : str or None
        Default ``between`` rule for year maps (time paths only).
    after : str or dict or None
        Default ``after`` rule for year maps (time paths only), in YAML form.
    default : object
        Default value: a `TimePath` for time paths, else a Python scalar.
    choices : tuple of str or None
        Allowed values (str only); None = any non-empty string.
    source : str
        Where the default comes from.
    confidence : {"verified", "secondary", "assumed"}
        How far the default can be trusted.
    per : {None, "group", "fund", "branch"}, default None
        None for a global parameter (one value). Otherwise the value is
        given per insured group, fund or short-term branch: a mapping
        entity name -> value of `type`, and `default` applies to every
        entity not given (see `parse_entities`).
    requires : tuple of str, default ()
        Parameters that must all be > 0 in some projection year (for the
        same entity) for this one to have any effect (e.g. an early
        retirement reduction needs an early retirement window and rate). A
        scenario that changes this parameter while they are 0 throughout
        gets a :class:`ssproj.scenario.checks.NoEffectWarning`.
    requires_any : tuple of str, default ()
        Parameters of which at least one must be > 0 in some projection
        year (for the same entity) for this one to act (e.g. the types of
        pension the state pays act only with some state-paid share);
        otherwise a change of it gets a
        :class:`ssproj.scenario.checks.NoEffectWarning`.
    applies_when : tuple of (str, tuple of str), default ()
        String parameters of the same entity and the values one of which
        each must have for this one to act (e.g. the declared-income band
        acts only for groups with ``contribution_base: declared_income``);
        a scenario that changes it for another entity is refused. In
        defaults.yaml: ``{parameter: value}`` or ``{parameter: [values]}``.
    needs_table : str or None, default None
        An optional input table (:data:`ssproj.scenario.tables.TABLE_SCHEMAS`)
        the parameter needs when it is > 0 in some projection year: a
        scenario without the table is refused; a table given while the
        parameter is 0 throughout gets a
        :class:`ssproj.scenario.checks.NoEffectWarning`.
    declared_in : str
        Label of the metadata file, used in messages.
    """

    name: str
    title: str
    description: str
    section: str
    unit: str
    type: str
    range: tuple[float | None, float | None] | None
    between: str | None
    after: str | dict[str, Any] | None
    default: Any
    choices: tuple[str, ...] | None
    source: str
    confidence: str
    per: str | None = None
    requires: tuple[str, ...] = ()
    requires_any: tuple[str, ...] = ()
    applies_when: tuple[tuple[str, tuple[str, ...]], ...] = ()
    needs_table: str | None = None
    declared_in: str = field(default="ssproj defaults.yaml", compare=False, repr=False)

    # -- checks --------------------------------------------------------------
    @property
    def per_text(self) -> str:
        """``"per insured group"``, ``"per fund"``, ``"per short-term branch"``, or ``""``. [str]"""
        return f"per {PER_WORDS[self.per]}" if self.per is not None else ""

    @property
    def range_text(self) -> str:
        """Range as text, e.g. ``"[0, 3]"``. [str]"""
        if self.range is None:
            return ""
        low, high = self.range
        opening = "(" if low is None else "["
        closing = ")" if high is None else "]"
        return f"{opening}{_fmt_bound(low, low=True)}, {_fmt_bound(high, low=False)}{closing}"

    def range_message(self, value: float) -> str | None:
        """Message if `value` is outside the range, else None.

        Parameters
        ----------
        value : float
            A value of this parameter. [unit]
        """
        if self.range is None:
            return None
        low, high = self.range
        if (low is not None and value < low) or (high is not None and value > high):
            return f"is outside {self.range_text} (range declared in {self.declared_in})"
        return None

    def parse(
        self,
        raw: Any,
        where: Where,
        specs: Mapping[str, ParameterSpec] | None = None,
    ) -> tuple[Any, list[Problem]]:
        """Validate a value of this parameter and convert it.

        Parameters
        ----------
        raw : object
            The value as read from YAML (or given in Python).
        where : Where
            Position of the value, for problems.
        specs : mapping, optional
            All parameter specs, to check the target of an ``{index: name}``
            rule (it must be a time path with unit ``1/year``).

        Returns
        -------
        value : TimePath or float or int or bool or str or None
            None if invalid.
        problems : list of Problem
        """
        if self.type == "timepath":
            if hasattr(raw, "item") and callable(raw.item) and getattr(raw, "ndim", 1) == 0:
                raw = raw.item()
            path, problems = parse_timepath(
                raw,
                default_between=self.between or "linear",
                default_after=self.after if self.after is not None else "hold",
                where=where,
                check_value=self.range_message,
            )
            # the index rules of the path and of its `before` chain
            node, node_raw, node_at = path, raw, where
            while node is not None:
                if node.index_name is not None:
                    at = node_at
                    if isinstance(node_raw, Mapping) and "after" in node_raw:
                        at = node_at / "after" / "index"
                    problems += self.check_index_target(node.index_name, at, specs)
                node = node.before
                node_raw = node_raw.get("before") if isinstance(node_raw, Mapping) else None
                node_at = node_at / "before"
            return (path if not problems else None), problems

        if hasattr(raw, "item") and callable(raw.item) and getattr(raw, "ndim", 1) == 0:
            raw = raw.item()  # NumPy scalar from Python code
        expected = f"is not {_TYPE_WORDS[self.type]} ({self.name} has type {self.type})"
        if self.type == "float":
            if not _is_number(raw):
                return None, [where.problem(raw, expected, _number_hint(raw))]
            value: Any = float(raw)
            if not math.isfinite(value):
                return None, [where.problem(raw, "is not a finite number")]
        elif self.type == "int":
            if isinstance(raw, float) and raw.is_integer():
                return None, [where.problem(raw, expected, f"write {int(raw)} (no decimal point)")]
            if not isinstance(raw, int) or isinstance(raw, bool):
                return None, [where.problem(raw, expected, _number_hint(raw))]
            value = raw
        elif self.type == "bool":
            if not isinstance(raw, bool):
                return None, [where.problem(raw, expected, "write true or false")]
            return raw, []
        else:  # str
            if not isinstance(raw, str):
                return None, [where.problem(raw, expected)]
            if not raw.strip():
                return None, [where.problem(raw, "must be a non-empty string")]
            if self.choices is not None and raw not in self.choices:
                return None, [
                    where.problem(
                        raw,
                        f"is not one of: {', '.join(self.choices)}",
                        did_you_mean(raw, self.choices, list_if_no_match=0),
                    )
                ]
            return raw, []
        message = self.range_message(float(value))
        if message:
            return None, [where.problem(raw, message)]
        return value, []

    def parse_entities(
        self,
        raw: Any,
        where: Where,
        specs: Mapping[str, ParameterSpec] | None = None,
        entities: tuple[str, ...] | None = None,
    ) -> tuple[dict[str, Any] | None, list[Problem]]:
        """Validate the value of a ``per:`` parameter: a mapping entity -> value.

        Parameters
        ----------
        raw : object
            The value as read from YAML, e.g. ``{"public": 0.085,
            "private": {2027: 0.07}}``. Each entity's value is checked with
            `parse` (its problems cite ``<where>.<entity>``, e.g.
            ``changes.contribution_rate_employer.private[2027]``).
        where : Where
            Position of the mapping.
        specs : mapping, optional
            All parameter specs (for ``{index: name}`` rules).
        entities : tuple of str, optional
            The entities of kind `per` the assumption set declares; an
            entity not among them is an error with a did-you-mean. None:
            not known (the names are not checked).

        Returns
        -------
        values : dict or None
            Entity -> value for the entities given (in the order given);
            None if anything was invalid.
        problems : list of Problem
        """
        if self.per is None:
            raise ValueError(f"parameter {self.name!r} is not set per entity; use parse()")
        word = PER_WORDS[self.per]
        if hasattr(raw, "item") and callable(raw.item) and getattr(raw, "ndim", 1) == 0:
            raw = raw.item()
        if not isinstance(raw, Mapping):
            example = ", ".join(f"{e}: ..." for e in (entities or ("name1", "name2"))[:3])
            return None, [
                where.problem(
                    raw,
                    f"is not a mapping {word} -> value ({self.name} is set {self.per_text})",
                    f"write {self.name}: {{{example}}}; the default applies to every {word} not given",
                )
            ]
        problems: list[Problem] = []
        out: dict[str, Any] = {}
        for key, value in raw.items():
            at = where / key
            if not isinstance(key, str) or (entities is not None and key not in entities):
                hint: str | None
                if entities is not None and not entities:
                    hint = f"the assumption set declares no {word}s ({self.per}s: in assumptions.yaml)"
                else:
                    hint = did_you_mean(key, entities or ()) if isinstance(key, str) else None
                if not isinstance(key, str) and key is not None and str(key).lstrip("-").isdigit():
                    hint = (
                        f"{self.name} is set {self.per_text}: name the {word} first, e.g. "
                        f"{self.name}: {{{(entities or ('name',))[0]}: {{{key}: ...}}}}"
                    )
                problems.append(at.problem(MISSING, f"unknown {word} (not declared in the assumption set)", hint))
                continue
            value_parsed, value_problems = self.parse(value, at, specs)
            problems += value_problems
            if not value_problems:
                out[key] = value_parsed
        return (out if not problems else None), problems

    def check_index_target(
        self, target: str, where: Where, specs: Mapping[str, ParameterSpec] | None
    ) -> list[Problem]:
        """Check that `target` may be used in an ``{index: target}`` rule."""
        if specs is None:
            return []
        if target not in specs:
            return [
                where.problem(
                    target,
                    "is not a known parameter (an index must name a time-path parameter with unit 1/year)",
                    did_you_mean(target, [n for n, s in specs.items() if s.type == "timepath" and s.unit == RATE_UNIT]),
                )
            ]
        other = specs[target]
        if other.per is not None:
            return [
                where.problem(
                    target,
                    f"cannot be used as an index: it is set {other.per_text}; an index must be a global "
                    f"time path with unit {RATE_UNIT!r}",
                    did_you_mean(
                        target,
                        [n for n, s in specs.items() if s.type == "timepath" and s.unit == RATE_UNIT and s.per is None],
                        list_if_no_match=0,
                    ),
                )
            ]
        if other.type != "timepath" or other.unit != RATE_UNIT:
            return [
                where.problem(
                    target,
                    f"cannot be used as an index: it has type {other.type} and unit {other.unit!r}, "
                    f"an index must be a time path with unit {RATE_UNIT!r}",
                )
            ]
        if target == self.name:
            return [where.problem(target, "cannot index a parameter by itself")]
        return []


def _number_hint(raw: Any) -> str | None:
    if isinstance(raw, str):
        try:
            float(raw.strip().rstrip("%"))
        except ValueError:
            return None
        return "write a plain number without quotes (rates as fractions: 0.05, not 5%)"
    return None


def _validate_spec(name: Any, entry: Any, where: Where) -> tuple[ParameterSpec | None, list[Problem]]:
    """Validate one entry of defaults.yaml (everything but the default value)."""
    problems: list[Problem] = []
    if not isinstance(name, str) or not _NAME_RE.match(name):
        problems.append(
            where.problem(
                MISSING, "parameter names are lower case letters, digits and underscores, starting with a letter"
            )
        )
        return None, problems
    if not isinstance(entry, Mapping):
        return None, [where.problem(entry, "must be a mapping of title, description, unit, type, ...")]
    for key in entry:
        if key not in _SPEC_KEYS:
            problems.append((where / key).problem(MISSING, "unknown key", did_you_mean(key, _SPEC_KEYS)))
    for key in _REQUIRED_KEYS:
        if key not in entry:
            problems.append(where.problem(MISSING, f"required key '{key}' is missing"))

    for key in ("title", "description", "section", "source"):
        if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
            problems.append((where / key).problem(entry[key], "must be a non-empty string"))
    if "unit" in entry and (not isinstance(entry["unit"], str) or not entry["unit"].strip()):
        hint = f'quote it: unit: "{entry["unit"]}"' if _is_number(entry["unit"]) else None
        problems.append((where / "unit").problem(entry["unit"], "must be a non-empty string", hint))
    if "confidence" in entry:
        problems += check_confidence(entry["confidence"], where / "confidence")
    ptype = entry.get("type")
    if "type" not in entry:
        return None, problems
    if ptype not in PARAMETER_TYPES:
        problems.append(
            (where / "type").problem(
                ptype, f"is not a parameter type ({' | '.join(PARAMETER_TYPES)})", did_you_mean(ptype, PARAMETER_TYPES)
            )
        )
        return None, problems

    rng: tuple[float | None, float | None] | None = None
    if ptype in ("timepath", "float", "int"):
        raw_range = entry.get("range", MISSING)
        if raw_range is MISSING:
            problems.append(where.problem(MISSING, f"required key 'range' is missing (type {ptype} needs [low, high])"))
        elif (
            not isinstance(raw_range, list)
            or len(raw_range) != 2
            or not all(b is None or (_is_number(b) and math.isfinite(b)) for b in raw_range)
        ):
            problems.append(
                (where / "range").problem(raw_range, "must be [low, high] (numbers, or null for unbounded)")
            )
        else:
            low, high = raw_range
            if low is not None and high is not None and low > high:
                problems.append((where / "range").problem(raw_range, "has low > high"))
            rng = (None if low is None else float(low), None if high is None else float(high))
    elif "range" in entry:
        problems.append((where / "range").problem(MISSING, f"not allowed for type {ptype}"))

    between: str | None = None
    after: Any = None
    if ptype == "timepath":
        for key in ("between", "after"):
            if key not in entry:
                problems.append(where.problem(MISSING, f"required key '{key}' is missing (type timepath)"))
        if "between" in entry:
            between = entry["between"]
            if between not in BETWEEN_RULES:
                problems.append(
                    (where / "between").problem(
                        between, "is not a 'between' rule (step | linear | none)", did_you_mean(between, BETWEEN_RULES)
                    )
                )
        if "after" in entry:
            rule, rule_problems = parse_after(entry["after"], where / "after")
            problems += rule_problems
            if rule is not None:
                after = entry["after"]
    else:
        for key in ("between", "after"):
            if key in entry:
                problems.append((where / key).problem(MISSING, f"not allowed for type {ptype} (time paths only)"))

    choices: tuple[str, ...] | None = None
    if ptype == "str":
        raw_choices = entry.get("choices")
        if raw_choices is None and "choices" not in entry:
            pass  # any non-empty string (e.g. a fund name, checked against the assumption set)
        elif (
            not isinstance(raw_choices, list)
            or not raw_choices
            or not all(isinstance(c, str) for c in raw_choices)
            or len(set(raw_choices)) != len(raw_choices)
        ):
            problems.append(
                (where / "choices").problem(raw_choices, "must be a non-empty list of distinct strings (type str)")
            )
        else:
            choices = tuple(raw_choices)
    elif "choices" in entry:
        problems.append((where / "choices").problem(MISSING, f"not allowed for type {ptype} (str only)"))

    per = entry.get("per")
    if "per" in entry and per not in PER_KINDS:
        problems.append(
            (where / "per").problem(
                per, f"is not a kind of entity ({' | '.join(PER_KINDS)})", did_you_mean(per, PER_KINDS)
            )
        )

    conditions: dict[str, tuple[str, ...]] = {"requires": (), "requires_any": ()}
    for key in conditions:
        if key in entry:
            raw_req = entry[key]
            if not isinstance(raw_req, list) or not raw_req or not all(isinstance(r, str) for r in raw_req):
                problems.append((where / key).problem(raw_req, "must be a non-empty list of parameter names"))
            elif ptype not in ("timepath", "float", "int", "str"):
                problems.append((where / key).problem(MISSING, f"not allowed for type {ptype}"))
            else:
                conditions[key] = tuple(raw_req)

    applies_when: tuple[tuple[str, tuple[str, ...]], ...] = ()
    if "applies_when" in entry:
        raw_aw = entry["applies_when"]

        def _values(v):
            return (v,) if isinstance(v, str) else tuple(v) if isinstance(v, list) else None

        if (not isinstance(raw_aw, Mapping) or not raw_aw
                or not all(isinstance(k, str) and _values(v) and all(isinstance(x, str) for x in _values(v) or ())
                           for k, v in raw_aw.items())):
            problems.append((where / "applies_when").problem(
                raw_aw, "must be a mapping {parameter: value or [values]} of string parameters"))
        else:
            applies_when = tuple((k, _values(v)) for k, v in raw_aw.items())

    needs_table = entry.get("needs_table")
    if needs_table is not None:
        schema = TABLE_SCHEMAS.get(needs_table) if isinstance(needs_table, str) else None
        if schema is None or schema.required or schema.scheme:
            problems.append((where / "needs_table").problem(
                needs_table, "is not an optional input table (one that is neither required nor a scheme table)",
                did_you_mean(needs_table, TABLE_SCHEMAS) if isinstance(needs_table, str) else None))
        elif ptype not in ("timepath", "float", "int"):
            problems.append((where / "needs_table").problem(MISSING, f"not allowed for type {ptype}"))

    if problems:
        return None, problems
    spec = ParameterSpec(
        name=name,
        title=entry["title"].strip(),
        description=" ".join(entry["description"].split()),
        section=entry["section"].strip(),
        unit=entry["unit"].strip(),
        type=ptype,
        range=rng,
        between=between,
        after=after,
        default=None,
        choices=choices,
        source=entry["source"].strip(),
        confidence=entry["confidence"],
        per=per,
        requires=conditions["requires"],
        requires_any=conditions["requires_any"],
        applies_when=applies_when,
        needs_table=needs_table,
    )
    return spec, []


def _load_specs(path: Path) -> Mapping[str, ParameterSpec]:
    doc, problems = load_yaml_file(path)
    if doc is None:
        raise ScenarioError(problems)
    label = "ssproj defaults.yaml" if path.resolve() == DEFAULTS_PATH.resolve() else display_path(path)
    if not isinstance(doc.data, Mapping):
        raise ScenarioError(
            problems + [doc.where().problem(doc.data, "must be a mapping of parameter name -> metadata")]
        )
    specs: dict[str, ParameterSpec] = {}
    for name, entry in doc.data.items():
        spec, spec_problems = _validate_spec(name, entry, doc.where(name))
        problems += spec_problems
        if spec is not None:
            specs[spec.name] = ParameterSpec(**{**spec.__dict__, "declared_in": label})
    # Second pass: defaults (an index rule may name a parameter declared later) and requirements.
    for name, spec in list(specs.items()):
        for req, wants in spec.applies_when:
            other = specs.get(req)
            if other is None or other.per != spec.per or other.type != "str" or \
                    (other.choices is not None and not set(wants) <= set(other.choices)):
                problems.append(doc.where(name, "applies_when", req).problem(
                    list(wants),
                    f"is not a value of a string parameter declared {spec.per_text or 'globally'} like {name}",
                    did_you_mean(req, specs) if other is None else None))
        for key, reqs in (("requires", spec.requires), ("requires_any", spec.requires_any)):
            for i, req in enumerate(reqs):
                other = specs.get(req)
                if other is None or other.per != spec.per or other.type not in ("timepath", "float", "int"):
                    problems.append(doc.where(name, key, i).problem(
                        req, f"is not a numeric parameter declared {spec.per_text or 'globally'} like {name}",
                        did_you_mean(req, specs) if other is None else None))
        where = doc.where(name, "default")
        default, default_problems = spec.parse(doc.data[name]["default"], where, specs)
        if (
            spec.type == "timepath"
            and spec.after is not None
            and isinstance(spec.after, Mapping)
            and "index" in spec.after
        ):
            default_problems += spec.check_index_target(spec.after["index"], doc.where(name, "after", "index"), specs)
        problems += default_problems
        if not default_problems:
            specs[name] = ParameterSpec(**{**spec.__dict__, "default": default})
    if problems:
        raise ScenarioError(problems)
    return MappingProxyType(specs)


@functools.lru_cache(maxsize=8)
def _cached_specs(resolved: str) -> Mapping[str, ParameterSpec]:
    return _load_specs(Path(resolved))


def load_parameter_specs(path: str | Path | None = None) -> Mapping[str, ParameterSpec]:
    """Read and validate the parameter metadata (cached).

    Parameters
    ----------
    path : str or path-like, optional
        A metadata file in the ``defaults.yaml`` format; default: the one
        shipped with ssproj (`DEFAULTS_PATH`).

    Returns
    -------
    mapping of str to ParameterSpec
        Read-only, in file order.

    Raises
    ------
    ScenarioError
        Listing every problem in the file: unknown or missing keys, bad
        types, units, ranges, rules, confidence levels, defaults outside
        their range.
    """
    p = Path(path) if path is not None else DEFAULTS_PATH
    return _cached_specs(str(p.resolve()))


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _inline_yaml(value: Any) -> str:
    if isinstance(value, TimePath):
        value = value.to_yaml()
    return dump_yaml(value, flow=True)


def parameter_reference_markdown(path: str | Path | None = None) -> str:
    """Render the parameter reference page (Markdown, MyST-compatible).

    Parameters
    ----------
    path : str or path-like, optional
        Metadata file; default: the one shipped with ssproj.

    Returns
    -------
    str
        One section per ``section`` of the metadata (in order of first
        appearance, headed by `SECTION_TITLES`), one entry per parameter
        with its title, name, description, what it is given per (``per
        insured group``, ``per fund``, ``per short-term branch``), unit,
        type, range, default, rules, source and confidence.
    """
    specs = load_parameter_specs(path)
    sections: dict[str, list[ParameterSpec]] = {}
    for spec in specs.values():
        sections.setdefault(spec.section, []).append(spec)
    out = [
        "# Parameter reference",
        "",
        "Every parameter that a scenario's `changes` or an assumption set's",
        "`parameters` may set. Generated from `src/ssproj/defaults.yaml`; do not",
        "edit by hand. Time paths are written as a number, a year map",
        "`{2030: 1.0, 2050: 0.9}` (using the rules shown) or the long form with",
        "`values`, `between` and `after` (see the scenario guide).",
        "",
        "A parameter set *per insured group* (or *per fund*, *per short-term",
        "branch*) takes one value for each group, fund or branch the assumption",
        "set declares, written as a mapping such as",
        "`{public: 0.085, private: {2027: 0.07}}`; the default applies to every",
        "group, fund or branch not given. Rates are fractions (0.05, not 5%).",
        "",
    ]
    for section, members in sections.items():
        heading = SECTION_TITLES.get(section, section.replace("_", " ").capitalize())
        out += [f"## {heading}", ""]
        for spec in members:
            rows = [("Name", f"`{spec.name}`")]
            if spec.per is not None:
                example = {"group": "{public: ..., private: ...}", "fund": "{long_term: ..., short_term: ...}",
                           "branch": "{sickness: ..., maternity: ...}"}[spec.per]
                rows.append(("Given", f"{spec.per_text}: a mapping `{example}`"))
            rows += [
                ("Unit", f"`{spec.unit}`"),
                ("Type", "time path" if spec.type == "timepath" else spec.type),
            ]
            if spec.range is not None:
                rows.append(("Range", spec.range_text))
            if spec.choices is not None:
                rows.append(("Choices", ", ".join(f"`{c}`" for c in spec.choices)))
            default = f"`{_inline_yaml(spec.default)}`"
            if spec.per is not None:
                default += f" for every {PER_WORDS[spec.per]} not given"
            rows.append(("Default", default))
            if spec.type == "timepath":
                rows.append(("Rules", f"between: `{spec.between}`; after: `{_inline_yaml(spec.after)}`"))
            if spec.requires_any:
                rows.append(("Acts only when", " or ".join(f"`{r}` > 0" for r in spec.requires_any)
                             + " (otherwise a change of it gets a `NoEffectWarning`)"))
            if spec.requires:
                rows.append(("Acts only when", " and ".join(f"`{r}` > 0" for r in spec.requires)
                             + " (otherwise a change of it gets a `NoEffectWarning`)"))
            if spec.applies_when:
                rows.append(("Acts only for", ", ".join(f"`{r}: {' or '.join(v)}`" for r, v in spec.applies_when)
                             + " (a change for another one is refused)"))
            if spec.needs_table:
                rows.append(("Needs table", f"`{spec.needs_table}` when above 0 (a scenario without it is refused)"))
            rows += [("Source", spec.source), ("Confidence", spec.confidence)]
            out += [f"### {spec.title}", "", spec.description, "", "| | |", "|---|---|"]
            out += [f"| {k} | {_cell(v)} |" for k, v in rows]
            out.append("")
    return "\n".join(out).rstrip() + "\n"
