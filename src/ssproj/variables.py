"""The registry of output variables: name, unit, dimensions and definition of every figure ssproj produces.

One file, ``src/ssproj/variables.yaml`` (shipped with the package), holds
every variable of :attr:`ssproj.Projection.dataset`, every column of
:meth:`~ssproj.Projection.summary`, every key of
:meth:`~ssproj.Projection.indicators`, every row of
:meth:`ssproj.analysis.compare.Comparison.table` and every variable of a
stochastic result. The summary columns, comparison rows, path variables,
Excel and CSV headers, netCDF attributes and the documentation page of
variables (``docs/reference/variables.md``, from
:func:`variables_reference_markdown`) are all derived from it, so a unit is
written once.

A name may be a *pattern* with a placeholder: ``<group>`` (an insured
group), ``<benefit>`` (a type of pension), ``<n>`` (a number of years) or
``<year>`` (a calendar year), e.g. ``insured_<group>`` or ``gap_<n>``;
:func:`variable` resolves ``insured_private`` or ``gap_75`` to it.

Units come from a closed vocabulary (:func:`units`): ``persons``,
``persons/year``, ``contributor-years``, ``currency``, ``currency/year``,
``currency/month``, ``currency/person-year``, ``currency/USD``, ``1/year``,
``years``, ``calendar year`` and ``1``. A short *qualifier* ("at 31
December", "share of insured earnings") is kept apart from the unit and
added to it in headers (:func:`label`, :func:`header`).

This module is low level: it imports only the standard library, PyYAML and
:mod:`ssproj.errors`.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import yaml

from ssproj.errors import did_you_mean

__all__ = [
    "KINDS",
    "PERIODS",
    "NEEDS",
    "VARIABLES_PATH",
    "Variable",
    "Registry",
    "RegistryError",
    "load_registry",
    "registry",
    "variable",
    "find",
    "of_kind",
    "units",
    "unit",
    "label",
    "header",
    "attrs",
    "variables_reference_markdown",
    "docstring_list",
]

#: The registry file shipped with ssproj.
VARIABLES_PATH: Path = Path(__file__).with_name("variables.yaml")
#: Where a variable appears: ``dataset`` (variable of
#: :attr:`Projection.dataset <ssproj.Projection>`), ``summary`` (column of
#: :meth:`Projection.summary <ssproj.Projection.summary>`), ``indicator``
#: (key of :meth:`Projection.indicators <ssproj.Projection.indicators>`),
#: ``comparison`` (row of ``Comparison.table()``), ``path`` (variable of a
#: stochastic result).
KINDS: tuple[str, ...] = ("dataset", "summary", "indicator", "comparison", "path")
#: What the kinds are called on the documentation page.
KIND_WORDS: Mapping[str, str] = MappingProxyType({
    "dataset": "Dataset", "summary": "summary", "indicator": "indicators", "comparison": "comparison",
    "path": "stochastic paths"})
#: Periods of a comparison row: one row per milestone year, one over the
#: common scheme years, or a single row.
PERIODS: tuple[str, ...] = ("milestones", "years", "once")
#: Conditions of presence: the assumption set declares insured groups
#: (``scheme``), the scenario has a coverage-expansion strategy (``strategy``).
NEEDS: tuple[str, ...] = ("scheme", "strategy")

_PLACEHOLDERS = {"group": r".+", "benefit": r"[A-Za-z0-9_.\-]+", "n": r"\d+", "year": r"\d{4}"}
_PLACEHOLDER_RE = re.compile(r"<([a-z]+)>")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*(<[a-z]+>)?[a-z0-9_]*$")
_KEYS = ("name", "unit", "qualifier", "definition", "kinds", "dims", "path_dims", "needs", "period")


@dataclass(frozen=True)
class Variable:
    """One output variable of the registry.

    Attributes
    ----------
    name : str
        The name, or a pattern with a placeholder (``insured_<group>``).
    unit : str
        Unit, from the closed vocabulary of :func:`units` (the netCDF
        ``units`` attribute).
    qualifier : str
        Written after the unit in headers, after a space unless it starts
        with a comma ("at 31 December", ", nominal sum"); for unit ``1``,
        written instead of it ("share of insured earnings"). May be ``""``.
    definition : str
        One line (the netCDF ``long_name``).
    kinds : tuple of str
        Where the variable appears, from :data:`KINDS`.
    dims : tuple of str
        Dimensions of the Dataset variable (kind ``dataset``); otherwise
        those of its first kind: ``("year",)`` for a summary column, ``()``
        for an indicator or comparison row, ``("path", "year")`` for a path
        variable.
    path_dims : tuple of str
        Dimensions of the path variable of a stochastic result (``()`` if
        not a path variable).
    needs : str
        ``""``, ``"scheme"`` or ``"strategy"`` (see :data:`NEEDS`).
    period : str
        For a comparison row, one of :data:`PERIODS`; else ``""``.
    section : str
        Title of its section (on the documentation page).
    """

    name: str
    unit: str
    qualifier: str
    definition: str
    kinds: tuple[str, ...]
    dims: tuple[str, ...]
    path_dims: tuple[str, ...]
    needs: str
    period: str
    section: str

    @property
    def is_pattern(self) -> bool:
        """Whether the name holds a placeholder such as ``<group>``."""
        return "<" in self.name

    @property
    def label(self) -> str:
        """The unit as written in headers: unit and qualifier (``persons at 31 December``)."""
        if not self.qualifier:
            return self.unit
        if self.unit == "1":
            return self.qualifier
        return f"{self.unit}{'' if self.qualifier.startswith(',') else ' '}{self.qualifier}"

    @property
    def attrs(self) -> dict:
        """netCDF attributes: ``{"long_name": definition, "units": unit}``."""
        return {"long_name": self.definition, "units": self.unit}

    def dims_in(self, kind: str) -> tuple[str, ...]:
        """Dimensions of the variable where it appears as ``kind`` (one of :data:`KINDS`)."""
        if kind not in self.kinds:
            raise KeyError(f"{self.name!r} is not a {kind} variable (it is: {', '.join(self.kinds)})")
        if kind == "dataset":
            return self.dims
        if kind == "summary":
            return ("year",)
        if kind == "path":
            return self.path_dims
        return ()

    def instance(self, **values) -> Variable:
        """The variable with its placeholders filled in, e.g. ``instance(n=75)`` of ``gap_<n>``."""
        def fill(text):
            return _PLACEHOLDER_RE.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0),
                                       text)
        return Variable(fill(self.name), self.unit, fill(self.qualifier), fill(self.definition), self.kinds,
                        self.dims, self.path_dims, self.needs, self.period, self.section)


@dataclass(frozen=True)
class Registry:
    """The loaded registry (see :func:`load_registry`).

    Attributes
    ----------
    variables : tuple of Variable
        In file order (summary columns in the order of
        :meth:`Projection.summary <ssproj.Projection.summary>`).
    units : mapping of str to str
        The unit vocabulary: unit -> meaning.
    dimensions : mapping of str to str
        Dimension name -> meaning.
    sections : tuple of str
        Section titles, in order.
    comparison_order : tuple of str
        Names of the comparison rows, in the order of ``Comparison.table()``.
    path : str
        The file read.
    """

    variables: tuple[Variable, ...]
    units: Mapping[str, str]
    dimensions: Mapping[str, str]
    sections: tuple[str, ...]
    comparison_order: tuple[str, ...]
    path: str

    @functools.cached_property
    def _by_name(self) -> Mapping[str, Variable]:
        return MappingProxyType({v.name: v for v in self.variables})

    @functools.cached_property
    def _patterns(self) -> tuple:
        out = []
        for v in self.variables:
            if v.is_pattern:
                rx = "".join(f"(?:{_PLACEHOLDERS[p]})" if i % 2 else re.escape(p)
                             for i, p in enumerate(_PLACEHOLDER_RE.split(v.name)))
                out.append((re.compile(f"^{rx}$"), v))
        return tuple(out)

    def find(self, name: str) -> Variable | None:
        """The variable called ``name`` (an exact name first, then a pattern), or None."""
        v = self._by_name.get(name)
        if v is not None:
            return v
        for rx, v in self._patterns:
            if rx.match(name):
                return v
        return None

    def of_kind(self, kind: str) -> tuple[Variable, ...]:
        """The variables of one kind (see :data:`KINDS`), in file order."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        return tuple(v for v in self.variables if kind in v.kinds)


class RegistryError(ValueError):
    """The registry file is invalid (every problem listed)."""


def load_registry(path: str | Path | None = None) -> Registry:
    """Read and check a registry file.

    Parameters
    ----------
    path : str or path-like, optional
        Default: :data:`VARIABLES_PATH`, the file shipped with ssproj.

    Returns
    -------
    Registry

    Raises
    ------
    RegistryError
        Listing every problem: unknown keys or kinds, a unit outside the
        vocabulary, an unknown dimension, a repeated name, a comparison row
        without a period, ``comparison_order`` not naming exactly the
        comparison rows.
    """
    path = Path(path) if path is not None else VARIABLES_PATH
    with open(path, encoding="utf-8") as fh:
        # a package file, read with libyaml when available (safe loader: plain data only)
        doc = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    problems: list[str] = []
    vocab = {str(k): str(v) for k, v in (doc.get("units") or {}).items()}
    dimensions = {str(k): str(v) for k, v in (doc.get("dimensions") or {}).items()}
    variables, sections, seen = [], [], set()
    for sec in doc.get("sections") or []:
        title = str(sec.get("title", ""))
        sections.append(title)
        for raw in sec.get("variables") or []:
            name = str(raw.get("name", ""))
            where = f"{name or '?'} ({title})"
            extra = sorted(set(raw) - set(_KEYS))
            if extra:
                problems.append(f"{where}: unknown keys {extra}; expected {', '.join(_KEYS)}")
            if not _NAME_RE.match(name) or any(p not in _PLACEHOLDERS for p in _PLACEHOLDER_RE.findall(name)):
                problems.append(f"{where}: invalid name; expected lower_case with at most one placeholder "
                                f"<{'>, <'.join(_PLACEHOLDERS)}>")
            if name in seen:
                problems.append(f"{where}: the name is used twice")
            seen.add(name)
            unit_ = str(raw.get("unit", ""))
            if unit_ not in vocab:
                hint = did_you_mean(unit_, vocab)
                problems.append(f"{where}: unit {unit_!r} is not in the vocabulary" + (f"; {hint}" if hint else ""))
            definition = " ".join(str(raw.get("definition", "")).split())
            if not definition:
                problems.append(f"{where}: no definition")
            kinds = tuple(str(k) for k in raw.get("kinds") or ())
            bad = [k for k in kinds if k not in KINDS]
            if not kinds or bad:
                problems.append(f"{where}: kinds {list(kinds)}; expected some of {', '.join(KINDS)}")
            if "dims" in raw:
                dims = tuple(str(d) for d in raw["dims"] or ())
            elif "dataset" in kinds:
                problems.append(f"{where}: a Dataset variable needs its dims")
                dims = ()
            elif kinds and kinds[0] == "summary":
                dims = ("year",)
            elif kinds and kinds[0] == "path":
                dims = ("path", "year")
            else:
                dims = ()
            path_dims = (tuple(str(d) for d in raw.get("path_dims") or ()) or ("path", "year")) \
                if "path" in kinds else ()
            unknown = [d for d in dims + path_dims if d not in dimensions]
            if unknown:
                problems.append(f"{where}: unknown dimensions {unknown}")
            needs = str(raw.get("needs") or "")
            if needs and needs not in NEEDS:
                problems.append(f"{where}: needs {needs!r}; expected one of {', '.join(NEEDS)}")
            period = str(raw.get("period") or "")
            if ("comparison" in kinds) != bool(period) or (period and period not in PERIODS):
                problems.append(f"{where}: period {period!r}: a comparison row needs one of {', '.join(PERIODS)}, "
                                "other variables none")
            variables.append(Variable(name, unit_, str(raw.get("qualifier") or ""), definition, kinds, dims,
                                      path_dims, needs, period, title))
    order = tuple(str(n) for n in doc.get("comparison_order") or ())
    rows = [v.name for v in variables if "comparison" in v.kinds]
    if sorted(order) != sorted(rows):
        problems.append(f"comparison_order {list(order)} must list each comparison row once: {rows}")
    if problems:
        raise RegistryError(f"{path}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    return Registry(tuple(variables), MappingProxyType(vocab), MappingProxyType(dimensions), tuple(sections),
                    order, str(path))


@functools.cache
def registry() -> Registry:
    """The registry shipped with ssproj, loaded once."""
    return load_registry()


def find(name: str) -> Variable | None:
    """The registered variable ``name`` (a pattern resolved, e.g. ``gap_75`` -> ``gap_<n>``), or None."""
    return registry().find(name)


def variable(name: str) -> Variable:
    """The registered variable ``name`` (a pattern resolved, e.g. ``insured_private`` -> ``insured_<group>``).

    Raises
    ------
    KeyError
        If no variable has that name or matches it.
    """
    v = registry().find(name)
    if v is None:
        hint = did_you_mean(name, [x.name for x in registry().variables])
        raise KeyError(f"{name!r} is not a registered output variable (src/ssproj/variables.yaml)"
                       + (f"; {hint}" if hint else ""))
    return v


def of_kind(kind: str) -> tuple[Variable, ...]:
    """The variables of one kind (see :data:`KINDS`), in registry order."""
    return registry().of_kind(kind)


def units() -> Mapping[str, str]:
    """The closed vocabulary of units: unit -> meaning."""
    return registry().units


def unit(name: str) -> str:
    """Unit of a variable (from the vocabulary of :func:`units`), e.g. ``"persons"``."""
    return variable(name).unit


def label(name: str) -> str:
    """Unit of a variable as written in headers, e.g. ``"persons at 31 December"`` (see :attr:`Variable.label`)."""
    return variable(name).label


def header(name: str) -> str:
    """Column header of a variable: ``"name [label]"``, e.g. ``"insured [persons at 31 December]"``."""
    return f"{name} [{label(name)}]"


def attrs(name: str) -> dict:
    """netCDF attributes of a variable: ``{"long_name": definition, "units": unit}``."""
    return dict(variable(name).attrs)


# ------------------------------------------------------------------ documentation

def _md(text: str) -> str:
    """Text safe in a Markdown table cell: placeholders as code, pipes escaped."""
    return _PLACEHOLDER_RE.sub(r"`<\1>`", text).replace("|", "\\|")


def variables_reference_markdown(path: str | Path | None = None) -> str:
    """Render the reference page of output variables (Markdown, MyST-compatible).

    Parameters
    ----------
    path : str or path-like, optional
        Registry file; default: the one shipped with ssproj.

    Returns
    -------
    str
        The unit vocabulary, the dimensions, then one table per section of
        the registry: name, unit (with its qualifier), dimensions, where the
        variable appears, and its definition.
    """
    reg = registry() if path is None else load_registry(path)
    out = [
        "# Output variables",
        "",
        "Every figure that ssproj produces: the variables of `Projection.dataset`,",
        "the columns of `Projection.summary()`, the keys of `Projection.indicators()`,",
        "the rows of `Comparison.table()` and the variables of a stochastic result.",
        "Generated from `src/ssproj/variables.yaml`; do not edit by hand. A name",
        "with a placeholder stands for several: `<group>` an insured group, `<benefit>`",
        "a type of pension, `<n>` a number of years, `<year>` a calendar year.",
        "",
        "Dimensions are those of the Dataset variable; a summary column is by",
        "`year`, an indicator or comparison row is a single number (per milestone",
        "year or period of the comparison), a stochastic variable is by `path`",
        "and `year` (and the dimension shown). Sensitivity metrics are",
        "indicators, or summary columns at a year (`total_population_2050`).",
        "",
        "## Units",
        "",
        "| unit | meaning |",
        "| --- | --- |",
    ]
    out += [f"| `{u}` | {_md(m)} |" for u, m in reg.units.items()]
    out += ["", "Headers and tables write the unit with its qualifier, e.g.",
            "`insured [persons at 31 December]`; a dimensionless figure (unit `1`)",
            "is labelled by its qualifier alone, e.g. `payg_cost_rate [share of insured earnings]`.",
            "", "## Dimensions", "", "| dimension | meaning |", "| --- | --- |"]
    out += [f"| `{d}` | {_md(m)} |" for d, m in reg.dimensions.items()]
    for title in reg.sections:
        out += ["", f"## {title}", "", "| name | unit | dimensions | appears in | definition |",
                "| --- | --- | --- | --- | --- |"]
        for v in reg.variables:
            if v.section != title:
                continue
            unit_ = f"`{v.unit}`" + (f" ({_md(v.qualifier)})" if v.qualifier else "")
            dims = ", ".join(v.dims) if v.dims else "–"
            if v.path_dims and v.path_dims != ("path", "year") and "dataset" not in v.kinds:
                dims = ", ".join(v.path_dims)
            where = ", ".join(KIND_WORDS[k] for k in v.kinds)
            if v.needs:
                where += f" (with a {v.needs})"
            out.append(f"| `{v.name}` | {unit_} | {dims} | {where} | {_md(v.definition)} |")
    return "\n".join(out) + "\n"


def docstring_list(kinds: Iterable[str], indent: str = "") -> str:
    """A reStructuredText bullet list of the variables of some kinds, for docstrings.

    Parameters
    ----------
    kinds : iterable of str
        Kinds (see :data:`KINDS`); a variable of several is listed once.
    indent : str
        Prefix of every line.

    Returns
    -------
    str
        One bullet per variable: name, dimensions (and "with a scheme" or
        "with a strategy" when present only then), definition and unit
        label in brackets.
    """
    kinds = tuple(kinds)
    lines = []
    for v in registry().variables:
        shown = [k for k in kinds if k in v.kinds]
        if not shown:
            continue
        notes = [", ".join(v.dims_in(shown[0]))] if v.dims_in(shown[0]) else []
        if v.needs:
            notes.append(f"with a {v.needs}")
        where = f" ({'; '.join(notes)})" if notes else ""
        lines.append(f"{indent}- ``{v.name}``{where}: {v.definition}. [{v.label}]")
    return "\n".join(lines)
