"""Back-casting: base stocks and reserves consistent with a scheme's history and rules.

When a fund's registers and accounts are not available, the stocks a
valuation starts from (insured persons by credited service, pensions in
payment with their amounts, the reserve of each fund) can be *built* by
running the scheme from the year each insured group started, under its
historical rules (contribution rates, ceilings, minimum wage, benefit
rules, known member counts at known dates), to the valuation date.
:func:`backcast` does that with the one engine and writes:

* ``insured.csv`` and ``pensioners.csv``: the stocks at 31 December of the
  valuation year, in the format of the assumption-set tables (single ages;
  ``insured`` with its ``service`` column);
* ``backcast.yaml``: a scenario that ``extends`` the scenario being
  rebuilt, with those tables, the reserve of each fund (``opening_reserve``)
  and, when the history has the state pay some pensions, the share of each
  group's pensions in payment that the state pays (``state_paid_base_pensions``);
* ``comparison.csv``: every published figure of the spec against the
  back-cast's value; ``history.csv``: the back-cast year by year;
  ``backcast.md``: both as a readable page;
* ``reconciliation.csv``/``.md`` when the history is first calibrated to
  known member counts (:func:`ssproj.analysis.calibrate.calibrate`).

Example spec (YAML)::

    description: Lao NSSF from the start of each scheme to 31 December 2023
    history: lao_history.yaml      # a scenario: start year, historical rules, stocks at the start
    rebuilds: lao_baseline.yaml    # its valuation year = the history's last year
    known:                         # optional: calibrate the history to these first
      source: member counts
      targets:
        - {measure: active_members, group: private, year: 2023, value: 142169}
    published:                     # compared, not fitted
      - {measure: active_members, group: voluntary, year: 2023, value: 43329,
         source: ILO/LSSO, confidence: verified}

Method and the Lao back-cast: ``docs/backcast.md``.
"""
from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ssproj._version import __version__
from ssproj.analysis.calibrate import MEASURES, CalibrationResult, calibrate
from ssproj.errors import MISSING, Problem, ScenarioError, did_you_mean
from ssproj.io.atomic import write_text_atomic
from ssproj.io.outdir import result_folder
from ssproj.plan import compile_scenario, scheme_and_economy
from ssproj.projection import Projection, project
from ssproj.scenario import load_scenario
from ssproj.scenario.yamlio import Where, dump_yaml, load_yaml_file
from ssproj.scheme.engine import run_scheme_state
from ssproj.scheme.plan import BENEFIT_TYPES

__all__ = ["backcast", "BackcastResult", "BackcastSpecError", "PublishedFigure", "load_backcast_spec",
           "FIGURES"]

#: How problems name a spec given as a mapping.
SPEC_LABEL = "<back-cast spec>"
_SPEC_KEYS = ("description", "history", "rebuilds", "known", "published")
_FIGURE_KEYS = ("measure", "year", "value", "group", "fund", "benefit", "payer", "source", "confidence", "note",
                "name")
_CONFIDENCE = ("verified", "secondary", "assumed")
_SEXES = ("male", "female")
_STATUSES = ("active", "inactive")

#: Measures a published figure can give: those of calibration targets, and the population.
FIGURES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    **{name: (m.variable, m.unit, m.entities) for name, m in MEASURES.items()},
    "population": ("population", "persons", ()),
}


class BackcastSpecError(ScenarioError):
    """Problems in a back-cast spec: every problem at once (file, line, key path, value, what was expected)."""


@dataclass(frozen=True)
class PublishedFigure:
    """A published (or previously assumed) figure the back-cast is compared with.

    ``measure`` is a key of :data:`FIGURES`; stocks are at 31 December of
    ``year`` (the population at 1 July), flows over the year; ``cells``
    select a group, fund, benefit or payer (all if absent).
    """

    name: str
    measure: str
    year: int
    value: float
    cells: tuple[tuple[str, str], ...]
    source: str
    confidence: str
    note: str = ""


def _read(spec: Any) -> tuple[Any, Where, str, Path | None, list[Problem]]:
    if isinstance(spec, Mapping):
        return spec, Where(lambda path: (SPEC_LABEL, None)), SPEC_LABEL, None, []
    path = Path(spec)
    doc, problems = load_yaml_file(path)
    if doc is None:
        return None, Where(lambda p: (str(path), None)), path.name, path.parent, problems
    return doc.data, doc.where(), path.name, path.parent, problems


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and math.isfinite(v)


def _parse_figure(item: Any, at: Where, history, last_year: int) -> tuple[PublishedFigure | None, list[Problem]]:
    if not isinstance(item, Mapping):
        return None, [at.problem(item, "must be a mapping {measure, year, value, source, confidence, ...}")]
    problems = [(at / k).problem(MISSING, "unknown key in a published figure", did_you_mean(k, _FIGURE_KEYS))
                for k in item if k not in _FIGURE_KEYS]
    measure = item.get("measure", MISSING)
    if measure is MISSING:
        problems.append(at.problem(MISSING, "required key 'measure' is missing", "expected one of: "
                                   + ", ".join(FIGURES)))
    elif not isinstance(measure, str) or measure not in FIGURES:
        problems.append((at / "measure").problem(measure, "is not a measure",
                                                 did_you_mean(measure, FIGURES, list_if_no_match=20)))
    first = int(history.start_year) if measure == "population" else int(history.scheme_years[0])
    year = item.get("year", MISSING)
    if year is MISSING or not isinstance(year, (int, np.integer)) or isinstance(year, bool) \
            or not first <= int(year) <= last_year:
        problems.append((at / "year").problem(year, f"must be a year the back-cast projects, {first}-{last_year}"))
    value = item.get("value", MISSING)
    if not _is_number(value):
        problems.append((at / "value").problem(value, "must be a number (the published figure, in the measure's "
                                                      "unit)"))
    for key in ("source",):
        if not isinstance(item.get(key), str) or not item[key].strip():
            problems.append((at / key).problem(item.get(key, MISSING), "must say where the figure comes from"))
    conf = item.get("confidence", MISSING)
    if conf not in _CONFIDENCE:
        problems.append((at / "confidence").problem(conf, "must be one of: " + ", ".join(_CONFIDENCE)))
    for key in ("note", "name"):
        if key in item and not isinstance(item[key], str):
            problems.append((at / key).problem(item[key], "must be a string"))
    entities = FIGURES[measure][2] if isinstance(measure, str) and measure in FIGURES else ()
    cells: list[tuple[str, str]] = []
    names = {"group": tuple(history.groups), "fund": tuple(history.funds), "benefit": BENEFIT_TYPES,
             "payer": ("employer", "employee", "state")}
    for key in ("group", "fund", "benefit", "payer"):
        if key not in item:
            continue
        v = item[key]
        if key not in entities:
            problems.append((at / key).problem(v, f"is not taken by {measure}",
                                               f"{measure} takes {', '.join(entities)}" if entities else None))
        elif not isinstance(v, str) or v not in names[key]:
            problems.append((at / key).problem(v, f"is not a {key} of the history scenario",
                                               did_you_mean(v, names[key])))
        else:
            cells.append((key, v))
    if problems:
        return None, problems
    label = item.get("name") or f"{measure} {year}" + "".join(f" {v}" for _k, v in cells)
    return PublishedFigure(str(label), str(measure), int(year), float(value), tuple(cells), item["source"].strip(),
                           str(conf), str(item.get("note", "")).strip()), []


def load_backcast_spec(spec: Any) -> dict[str, Any]:
    """Read and check a back-cast spec (a mapping or a YAML file).

    Returns
    -------
    dict
        ``history`` and ``rebuilds`` (loaded scenarios), ``known`` (the
        calibration targets mapping, or None), ``published`` (list of
        :class:`PublishedFigure`), ``description``, ``label``.

    Raises
    ------
    BackcastSpecError
        Every problem at once: unknown keys, scenarios that cannot be
        loaded, a history that does not end at the rebuilt scenario's
        valuation date, published figures outside the back-cast.
    """
    raw, where, label, base, problems = _read(spec)
    out: dict[str, Any] = {"label": label, "description": "", "known": None, "published": []}
    if raw is None and not problems:
        problems.append(where.problem(MISSING, "the back-cast spec is empty: it needs 'history' and 'rebuilds'"))
    if raw is not None and not isinstance(raw, Mapping):
        problems.append(where.problem(raw, "must be a mapping with 'history' and 'rebuilds'"))
        raw = None
    if raw is None:
        raise BackcastSpecError(problems)
    problems += [(where / k).problem(MISSING, "unknown key in a back-cast spec", did_you_mean(k, _SPEC_KEYS))
                 for k in raw if k not in _SPEC_KEYS]
    if raw.get("description") is not None and not isinstance(raw["description"], str):
        problems.append((where / "description").problem(raw["description"], "must be a string"))
    out["description"] = " ".join(str(raw.get("description") or "").split())
    for key, what in (("history", "the scenario that runs the scheme from its start to the valuation date"),
                      ("rebuilds", "the scenario whose base stocks the back-cast rebuilds")):
        ref = raw.get(key, MISSING)
        if not isinstance(ref, str) or not ref.strip():
            problems.append((where / key).problem(ref, f"must be a scenario file: {what}"))
            continue
        path = Path(ref) if base is None or Path(ref).is_absolute() else base / ref
        try:
            out[key] = load_scenario(path)
        except ScenarioError as exc:
            problems += list(exc.problems)
        except FileNotFoundError:
            problems.append((where / key).problem(ref, f"is not a file ({path})"))
    history, rebuilds = out.get("history"), out.get("rebuilds")
    if history is not None and rebuilds is not None:
        val = int(rebuilds.value("valuation_year"))
        if not history.groups:
            problems.append((where / "history").problem(raw["history"], "has no insured groups: nothing to run"))
        elif int(history.end_year) != val:
            problems.append((where / "history").problem(
                raw["history"], f"must end (projection.end_year) in the rebuilt scenario's valuation year {val}",
                f"it ends in {int(history.end_year)}"))
        elif tuple(history.groups) != tuple(rebuilds.groups) or tuple(history.funds) != tuple(rebuilds.funds):
            problems.append((where / "history").problem(
                raw["history"], "must have the insured groups and funds of the rebuilt scenario, in its order",
                f"groups {list(history.groups)} vs {list(rebuilds.groups)}"))
        elif int(history.value("valuation_year")) >= val:
            problems.append((where / "history").problem(
                raw["history"], f"must start before {val}: its valuation_year is the back-cast's start"))
        else:
            known = raw.get("known")
            if known is not None and not isinstance(known, Mapping):
                problems.append((where / "known").problem(known, "must be a calibration targets mapping "
                                                                 "{source, targets: [...]} (see ssproj calibrate)"))
            out["known"] = known
            items = raw.get("published", [])
            if not isinstance(items, (list, tuple)):
                problems.append((where / "published").problem(items, "must be a list of published figures"))
                items = []
            seen: set[tuple] = set()
            for i, item in enumerate(items):
                f, more = _parse_figure(item, where / "published" / i, history, val)
                problems += more
                if f is not None:
                    same = (f.measure, f.year, f.cells, f.source)
                    if same in seen:
                        problems.append((where / "published" / i).problem(MISSING, "repeats a figure above"))
                    seen.add(same)
                    out["published"].append(f)
    if problems:
        raise BackcastSpecError(sorted(problems, key=lambda p: (str(p.file), p.line if p.line is not None else 0)))
    return out


def _figure_value(ds, f: PublishedFigure) -> float:
    da = ds[FIGURES[f.measure][0]].sel(year=f.year)
    for key, v in f.cells:
        da = da.sel({key: v})
    return float(da.sum())


def _insured_table(state, groups) -> pd.DataFrame:
    """Actives and inactives by group, sex, single age and credited service (the ``insured`` table format).

    Each (group, sex, status) holds every age between its youngest and oldest
    member (the table's ages are contiguous); an age with nobody has one row
    of 0 persons at service 0.
    """
    rows = []
    for gi, g in enumerate(groups):
        for si, sex in enumerate(_SEXES):
            for status, arr in zip(_STATUSES, (state.A, state.I), strict=True):
                cell = np.asarray(arr[gi, si])                       # (X, NS)
                by_age = cell.sum(axis=1)
                ages = np.flatnonzero(by_age > 0)
                if ages.size == 0:
                    continue
                for x in range(int(ages[0]), int(ages[-1]) + 1):
                    ns = np.flatnonzero(cell[x] > 0)
                    for n in (ns if ns.size else [0]):
                        rows.append((g, sex, x, x, int(n), status, float(cell[x, n])))
    return pd.DataFrame(rows, columns=["group", "sex", "age_start", "age_end", "service", "status", "persons"])


def _pensioners_table(state, groups) -> pd.DataFrame:
    """Pensions in payment by type, group, sex and single age with their average monthly amount."""
    rows = []
    for b, btype in enumerate(BENEFIT_TYPES):
        for gi, g in enumerate(groups):
            for si, sex in enumerate(_SEXES):
                p = np.asarray(state.P[b, gi, si])
                m = np.asarray(state.M[b, gi, si])
                ages = np.flatnonzero(p > 0)
                if ages.size == 0:
                    continue
                for x in range(int(ages[0]), int(ages[-1]) + 1):
                    avg = m[x] / p[x] / 12.0 if p[x] > 0 else 0.0
                    rows.append((btype, g, sex, x, x, float(p[x]), float(avg)))
    return pd.DataFrame(rows, columns=["type", "group", "sex", "age_start", "age_end", "persons", "average_pension"])


@dataclass
class BackcastResult:
    """The answer of :func:`backcast`.

    Attributes
    ----------
    history : Scenario
        The history scenario as run (calibrated to ``known`` if given).
    rebuilds : Scenario
        The scenario whose base stocks are rebuilt.
    projection : Projection
        The history's projection (start of each scheme to the valuation date).
    insured, pensioners : pandas.DataFrame
        The stocks at 31 December of the valuation year (table formats of
        ``insured`` and ``pensioners``). [persons], [currency/month]
    reserves : dict
        Fund -> reserve at 31 December of the valuation year. [currency]
    reserves_scheduled : dict
        Fund -> the reserve had the fund paid everything itself (no state
        transfer, no benefit cut). [currency]
    state_paid_share : dict
        Group -> share of its pensions paid in the valuation year that the
        state pays (the history's state-paid pensions). [1]
    comparison : pandas.DataFrame
        One row per published figure: value, back-cast, difference.
    calibration : CalibrationResult or None
    """

    history: Any
    rebuilds: Any
    projection: Projection
    insured: pd.DataFrame
    pensioners: pd.DataFrame
    reserves: dict[str, float]
    reserves_scheduled: dict[str, float]
    state_paid_share: dict[str, float]
    comparison: pd.DataFrame
    calibration: CalibrationResult | None
    description: str
    label: str

    def __repr__(self) -> str:
        return (f"<BackcastResult {self.history.name!r} {int(self.history.value('valuation_year')) + 1}-"
                f"{int(self.history.end_year)} -> {self.rebuilds.name!r}: {self.insured['persons'].sum():,.0f} "
                f"insured, {self.pensioners['persons'].sum():,.0f} pensions in payment>")

    @property
    def valuation_year(self) -> int:
        return int(self.history.end_year)

    def history_table(self) -> pd.DataFrame:
        """The back-cast year by year: members, pensions and each fund's flows and reserve (scheme years)."""
        ds = self.projection.dataset
        years = [int(y) for y in self.history.scheme_years]
        d = ds.sel(year=years)
        t = pd.DataFrame(index=pd.Index(years, name="year"))
        for g in self.history.groups:
            t[f"actives_{g}"] = d["actives"].sel(group=g).sum(("sex", "age")).values
        def total(da):
            return da.sum([k for k in da.dims if k != "year"]).values
        for g in self.history.groups:
            t[f"pensioners_{g}"] = total(d["pensioners"].sel(group=g))
        t["contributions_all_funds"] = total(d["contributions"])
        t["pension_outgo"] = total(d["benefit_outgo_by_type"])
        t["state_paid_pensions"] = d["state_paid_pensions"].sum("group").values
        for f in self.history.funds:
            t[f"reserve_{f}"] = d["fund_reserve_end"].sel(fund=f).values
            t[f"reserve_scheduled_{f}"] = d["fund_reserve_end_scheduled"].sel(fund=f).values
            t[f"state_transfer_{f}"] = d["fund_state_transfer"].sel(fund=f).values
        return t

    def scenario_dict(self, extends: str, tables: Mapping[str, str], name: str | None = None) -> dict[str, Any]:
        """The rebuilt scenario (``extends`` the rebuilt one) as a scenario file's data."""
        first = int(self.history.value("valuation_year")) + 1
        changes: dict[str, Any] = {"opening_reserve": {f: float(v) for f, v in self.reserves.items()}}
        if any(v > 0 for v in self.state_paid_share.values()):
            changes["state_paid_base_pensions"] = {g: float(v) for g, v in self.state_paid_share.items()}
        desc = (f"{self.rebuilds.name} with base stocks and reserves back-cast by ssproj backcast from "
                f"{first} to 31 December {self.valuation_year} ({self.history.name})")
        return {"name": name or f"{self.rebuilds.name}_backcast", "extends": extends, "description": desc,
                "tables": dict(tables), "changes": changes}

    def _yaml_text(self, folder: Path, name: str | None = None) -> str:
        ext = os.path.relpath(Path(self.rebuilds.path).resolve(), Path(os.path.abspath(folder)))
        first = int(self.history.value("valuation_year")) + 1
        header = [f"# Written by ssproj {__version__} backcast ({self.label}): the stocks at 31 December "
                  f"{self.valuation_year} of a run of {self.history.name!r} from {first}.",
                  "# Source of every value below: back-cast under the history's rules; its confidence is that of "
                  "the history's inputs (see comparison.csv and backcast.md)."]
        for f, v in self.reserves.items():
            s = self.reserves_scheduled[f]
            header.append(f"# opening_reserve[{f}]: {v:.6g}" + (f" (had the fund paid everything itself: {s:.6g})"
                                                               if abs(s - v) > 1e-6 * max(1.0, abs(v)) else ""))
        for g, v in self.state_paid_share.items():
            if v > 0:
                header.append(f"# state_paid_base_pensions[{g}]: {v:.6g} (share of the group's pensions paid in "
                              f"{self.valuation_year} that the history has the state pay)")
        data = self.scenario_dict(Path(ext).as_posix(), {"insured": "insured.csv", "pensioners": "pensioners.csv"},
                                  name)
        return "\n".join(header) + "\n" + dump_yaml(data)

    def report(self) -> str:
        """A readable account: the stocks, the reserves and the comparison with the published figures."""
        first = int(self.history.value("valuation_year")) + 1
        ins = self.insured.groupby(["group", "status"], sort=False)["persons"].sum()
        pen = self.pensioners.groupby(["group", "type"], sort=False)["persons"].sum()
        lines = [f"backcast: {self.history.name!r} from {first} to 31 December {self.valuation_year} -> base "
                 f"stocks of {self.rebuilds.name!r}"]
        lines.append("insured at 31 December: " + ", ".join(
            f"{g} {ins.get((g, 'active'), 0.0):,.0f} active + {ins.get((g, 'inactive'), 0.0):,.0f} inactive"
            for g in self.history.groups))
        payroll = (self.pensioners["persons"] * self.pensioners["average_pension"] * 12).groupby(
            self.pensioners["group"], sort=False).sum()
        lines.append("pensions in payment: " + ", ".join(
            f"{g} {pen[g].sum() if g in pen.index.get_level_values(0) else 0:,.0f} "
            f"({payroll.get(g, 0.0):.4g} a year)" for g in self.history.groups))
        lines.append("reserves: " + ", ".join(
            f"{f} {v:.4g}" + (f" (fund alone: {self.reserves_scheduled[f]:.4g})"
                              if abs(self.reserves_scheduled[f] - v) > 1e-6 * max(1.0, abs(v)) else "")
            for f, v in self.reserves.items()))
        if any(v > 0 for v in self.state_paid_share.values()):
            lines.append("state-paid share of pensions: " + ", ".join(
                f"{g} {v:.1%}" for g, v in self.state_paid_share.items() if v > 0))
        if len(self.comparison):
            with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 38):
                shown = self.comparison[["figure", "published", "backcast", "relative_difference", "confidence",
                                         "source"]]
                lines.append(shown.to_string(index=False, float_format=lambda v: f"{v:.5g}"))
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The back-cast as a Markdown page: stocks, reserves, comparison, history."""
        first = int(self.history.value("valuation_year")) + 1
        out = [f"# Back-cast of `{self.rebuilds.name}`", "",
               (self.description + "\n\n" if self.description else "")
               + f"The scheme run by `{self.history.name}` from {first} to 31 December {self.valuation_year} "
               f"(ssproj {__version__}).", ""]
        out += ["## Comparison with the published figures", ""]
        cols = ["figure", "year", "published", "backcast", "difference", "relative_difference", "confidence",
                "source", "note"]
        out += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for _, r in self.comparison.iterrows():
            out.append("| " + " | ".join(f"{r[c]:.6g}" if isinstance(r[c], float) else str(r[c]) for c in cols)
                       + " |")
        out += ["", "## The back-cast year by year", ""]
        h = self.history_table()
        out += ["| year | " + " | ".join(h.columns) + " |", "|" + "---|" * (len(h.columns) + 1)]
        for y, r in h.iterrows():
            out.append(f"| {y} | " + " | ".join(f"{v:.6g}" for v in r.values) + " |")
        return "\n".join(out) + "\n"

    def write(self, out) -> dict[str, Path]:
        """Write the stocks, ``backcast.yaml``, the comparison and the history to `out`, as one folder."""
        out = Path(out)
        with result_folder(out, kind="backcast", scenario=self.rebuilds.name) as stage:
            def csv(df: pd.DataFrame, index: bool = False) -> str:
                return df.to_csv(index=index, lineterminator="\n", float_format="%.12g")
            written = {
                "insured": write_text_atomic(stage.path / "insured.csv", csv(self.insured)),
                "pensioners": write_text_atomic(stage.path / "pensioners.csv", csv(self.pensioners)),
                "scenario": write_text_atomic(stage.path / "backcast.yaml", self._yaml_text(out)),
                "comparison": write_text_atomic(stage.path / "comparison.csv", csv(self.comparison)),
                "history": write_text_atomic(stage.path / "history.csv", csv(self.history_table(), index=True)),
                "markdown": write_text_atomic(stage.path / "backcast.md", self.to_markdown()),
            }
            if self.calibration is not None:
                written["reconciliation"] = write_text_atomic(
                    stage.path / "reconciliation.csv",
                    self.calibration.table.to_csv(index=False, lineterminator="\n"))
            written = {k: stage.final(p) for k, p in written.items()}
        return written


def backcast(spec) -> BackcastResult:
    """Run a scheme from its start under its historical rules and take its stocks at the valuation date.

    Parameters
    ----------
    spec : mapping or path
        The back-cast spec (see the module docs and :func:`load_backcast_spec`).

    Returns
    -------
    BackcastResult

    Notes
    -----
    The history scenario is an ordinary scenario: its ``valuation_year``
    is the back-cast's start (stocks at 31 December of that year: its
    ``insured`` and ``pensioners`` tables, often empty but for a scheme
    that existed before), its ``end_year`` the rebuilt scenario's
    valuation year, and its parameters the historical rules as time paths
    (a group with no coverage before its start year has no members). With
    ``known`` it is first calibrated to the known counts
    (:func:`ssproj.analysis.calibrate.calibrate`). One engine run then
    gives the projection, and the scheme's state at its end: actives and
    inactives by single age and credited service, pensions in payment by
    type and single age with their amounts, and each fund's reserve. The
    members' earnings records and the reference earnings behind pensions
    in payment are not carried over: the rebuilt scenario derives them as
    it does for any base table.
    """
    s = load_backcast_spec(spec)
    history = s["history"]
    calibration = None
    # the calibration projects the history many times: each warning (e.g. the population's) is shown once
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if s["known"] is not None:
            calibration = calibrate(history, s["known"])
            history = calibration.scenario
        projection = calibration.projection if calibration is not None else project(history)
    seen: set[tuple] = set()
    for w in caught:
        if (w.category, str(w.message)) not in seen:
            seen.add((w.category, str(w.message)))
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    plan = compile_scenario(history)
    sp, econ = scheme_and_economy(plan)
    _out, state = run_scheme_state(sp, plan.demography, econ)
    groups = tuple(history.groups)
    ds = projection.dataset
    last = int(history.end_year)
    reserves = {f: float(ds["fund_reserve_end"].sel(year=last, fund=f)) for f in history.funds}
    scheduled = {f: float(ds["fund_reserve_end_scheduled"].sel(year=last, fund=f)) for f in history.funds}
    paid = ds["benefit_outgo_by_type"].sel(year=last).sum("benefit")
    state_paid = ds["state_paid_pensions"].sel(year=last)
    share = {g: (float(state_paid.sel(group=g)) / float(paid.sel(group=g)) if float(paid.sel(group=g)) > 0 else 0.0)
             for g in groups}
    rows = []
    for f in s["published"]:
        model = _figure_value(ds, f)
        rows.append({"figure": f.name, "measure": f.measure, "year": f.year,
                     "entity": ", ".join(f"{k}={v}" for k, v in f.cells) or "all", "published": f.value,
                     "backcast": model, "difference": model - f.value,
                     "relative_difference": (model - f.value) / abs(f.value) if f.value else math.nan,
                     "unit": FIGURES[f.measure][1], "confidence": f.confidence, "source": f.source, "note": f.note})
    comparison = pd.DataFrame(rows, columns=["figure", "measure", "year", "entity", "published", "backcast",
                                             "difference", "relative_difference", "unit", "confidence", "source",
                                             "note"])
    return BackcastResult(history, s["rebuilds"], projection, _insured_table(state, groups),
                          _pensioners_table(state, groups), reserves, scheduled, share, comparison, calibration,
                          s["description"], s["label"])
