"""The explorer's state without a user interface: levers in, headline figures and chart series out.

:class:`Explorer` holds a scenario at rest, its levers
(:func:`ssproj.explore.levers.levers_for`), the values moved so far, the
reference projection and the last valid result. Each :meth:`Explorer.set`
applies the levers to the scenario (validated like a file), projects it
and computes the headline figures (:data:`HEADLINE`) and the series of the
charts (:data:`SERIES`); an invalid value gives the validation message
and keeps the last valid result. The Panel app
(:mod:`ssproj.explore.webapp`) shows an :class:`Explorer`; scripts and tests
can drive one directly.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ssproj.analysis.compare import state_money
from ssproj.errors import ScenarioError
from ssproj.explore.levers import Lever, LeverChanges, apply_levers, lever_changes, levers_for
from ssproj.finance import indicators as ind
from ssproj.projection import Projection, project
from ssproj.scenario.model import Scenario

__all__ = ["GAP_HORIZON", "HEADLINE", "SERIES", "Explorer", "Figures", "Update", "figures", "format_figure",
           "state_cost"]

#: Valuation period of the GAP and of the PV shortfall (shortened to the scheme years if longer). [years]
GAP_HORIZON = 75
#: The year of the contributors shown (the last scheme year if the projection ends before). [calendar year]
CONTRIBUTORS_YEAR = 2050

#: Headline figures: key -> (label, unit). ``{n}``: the GAP horizon, ``{year}``: the contributors' year,
#: ``{years}``: the scheme years.
HEADLINE: dict[str, tuple[str, str]] = {
    "depletion_year": ("Pension fund depletion year", "calendar year"),
    "gap": ("GAP over {n} years", "% of insured earnings"),
    "pv_shortfall_share_of_gdp": ("PV shortfall over {n} years", "% of the PV of GDP"),
    "contributors": ("Contributors in {year}", "contributor-years"),
    "state_cost_share_of_gdp": ("Cost to the state, PV {years}", "% of the PV of GDP"),
}

#: Chart series by scheme year: column -> (label, unit).
SERIES: dict[str, tuple[str, str]] = {
    "reserve_share_of_gdp": ("Reserve at 31 December", "% of GDP"),
    "income_share_of_gdp": ("Contributions", "% of GDP"),
    "outgo_share_of_gdp": ("Scheduled outgo", "% of GDP"),
    "state_transfer_share_of_gdp": ("State transfers", "% of GDP"),
    "contributors": ("Contributors", "contributor-years"),
}


@dataclass(frozen=True)
class Figures:
    """The figures the explorer shows for one projection.

    Parameters
    ----------
    headline : dict
        Key of :data:`HEADLINE` -> value, in the unit there (% as
        percentages; ``depletion_year`` NaN if the reserve lasts).
    labels : dict
        Key of :data:`HEADLINE` -> its label, with the horizon and years.
    series : pandas.DataFrame
        Indexed by scheme year, columns of :data:`SERIES` (% as
        percentages).
    banner : str
        The banner on assumed inputs (:attr:`ssproj.Projection.assumption_banner`).
    projection : Projection
    """

    headline: dict[str, float]
    labels: dict[str, str]
    series: pd.DataFrame
    banner: str
    projection: Projection


def state_cost(projection: Projection, reference: Projection) -> float:
    """The state's money over the common scheme years in present value, as a share of the PV of GDP.

    ``cost_to_state_share_of_gdp`` of
    :meth:`ssproj.Comparison.table`: the state's money by year
    (:func:`ssproj.analysis.compare.state_money`: its contributions, its deficit
    transfers to every fund, the pensions it pays and the costs of the
    coverage channels it pays other than subsidised contributions (those are
    among its contributions)), discounted mid-year at the reference's
    projected return, over the PV of the reference's GDP.

    Parameters
    ----------
    projection, reference : Projection
        With a scheme.

    Returns
    -------
    float
        [share of the PV of the reference's GDP]
    """
    years = np.intersect1d(_scheme_years(projection), _scheme_years(reference))
    money = state_money(projection, years)
    ref = reference.dataset[["investment_return", "gdp"]].sel(year=years)
    interest = ref["investment_return"].to_numpy()
    return ind.present_value(money, interest) / ind.present_value(ref["gdp"].to_numpy(), interest)


def _scheme_years(projection: Projection) -> np.ndarray:
    return projection.summary().dropna(subset=["total_outgo"]).index.to_numpy()


def figures(projection: Projection, reference: Projection) -> Figures:
    """The headline figures and chart series of a projection (:class:`Figures`).

    Parameters
    ----------
    projection : Projection
        With a scheme.
    reference : Projection
        The reference of the state's cost (its return and GDP discount).
    """
    s = projection.summary().dropna(subset=["total_outgo"])
    years = s.index.to_numpy()
    n = min(GAP_HORIZON, len(years))
    indicators = projection.indicators(horizons=(n,), milestones=())
    year = CONTRIBUTORS_YEAR if CONTRIBUTORS_YEAR in s.index else int(years[-1])
    headline = {
        "depletion_year": float(indicators["depletion_year"]),
        "gap": 100.0 * float(indicators[f"gap_{n}"]),
        "pv_shortfall_share_of_gdp": 100.0 * float(indicators[f"pv_shortfall_{n}_share_of_gdp"]),
        "contributors": float(s.loc[year, "contributors"]),
        "state_cost_share_of_gdp": 100.0 * state_cost(projection, reference),
    }
    span = f"{years[0]}-{years[-1]}"
    labels = {k: label.format(n=n, year=year, years=span) for k, (label, _unit) in HEADLINE.items()}
    gdp = projection.dataset["gdp"].sel(year=years).to_numpy()
    series = pd.DataFrame({
        "reserve_share_of_gdp": 100.0 * s["reserve_share_of_gdp"].to_numpy(),
        "income_share_of_gdp": 100.0 * s["contribution_income"].to_numpy() / gdp,
        "outgo_share_of_gdp": 100.0 * s["outgo_share_of_gdp"].to_numpy(),
        "state_transfer_share_of_gdp": 100.0 * s["state_transfer"].to_numpy() / gdp,
        "contributors": s["contributors"].to_numpy(),
    }, index=pd.Index(years, name="year"))
    return Figures(headline, labels, series, projection.assumption_banner, projection)


@dataclass(frozen=True)
class Update:
    """The outcome of moving levers.

    Parameters
    ----------
    ok : bool
        False if the values are invalid: then `figures` are those of the last
        valid values.
    message : str
        The validation message ('' when ok).
    notes : tuple of str
        Warnings of the validation (e.g. a change with no effect).
    figures : Figures
    scenario : Scenario
        The scenario the figures are of.
    changes : LeverChanges
        What the levers change (those of the invalid values when not ok).
    seconds : float
        Time taken: validation, projection and figures. [s]
    """

    ok: bool
    message: str
    notes: tuple[str, ...]
    figures: Figures
    scenario: Scenario
    changes: LeverChanges = field(default_factory=LeverChanges)
    seconds: float = 0.0


class Explorer:
    """A scenario, its levers and what they give, without a user interface.

    Parameters
    ----------
    scenario : Scenario
        The scenario at rest (with insured groups).
    reference : Scenario or Projection, optional
        What the charts show as the reference line and the state's cost is
        discounted with; default the scenario at rest.

    Attributes
    ----------
    levers : list of ssproj.explore.levers.Lever
        :func:`ssproj.explore.levers.levers_for` of the scenario.
    values : dict
        The lever values moved so far (key -> value).
    reference : Figures
        The figures of the reference.
    last : Update
        The last update (at first: the scenario at rest).
    """

    def __init__(self, scenario: Scenario, reference: Scenario | Projection | None = None):
        t0 = time.perf_counter()
        self.scenario = scenario
        self.levers: list[Lever] = levers_for(scenario)
        self._by_key = {lv.key: lv for lv in self.levers}
        self.values: dict[str, Any] = {}
        at_rest = project(scenario)
        if reference is None:
            ref = at_rest
        else:
            ref = reference if isinstance(reference, Projection) else project(reference)
        self._reference_projection = ref
        self.reference = figures(ref, ref)
        self._at_rest = figures(at_rest, ref)
        self.last = Update(True, "", (), self._at_rest, scenario, seconds=time.perf_counter() - t0)

    def fresh(self) -> Explorer:
        """A new explorer of the same scenario, every lever at rest, sharing the projections made (for a new
        browser session: nothing is projected again)."""
        out = copy.copy(self)
        out.values = {}
        out.last = Update(True, "", (), self._at_rest, self.scenario)
        return out

    def warm_up(self) -> float:
        """Move one lever of each family once and back, so that the caches and compiled kernels the moves need
        are ready; the levers are left as they were.

        Returns
        -------
        float
            The median time of those moves. [s]
        """
        values, last = dict(self.values), self.last
        moves: list[tuple[str, Any]] = []
        done: set[tuple[str, str]] = set()  # one move per family and kind of control
        for lever in self.levers:
            if (lever.family, lever.kind) in done or lever.key == "reform_year":
                continue
            done.add((lever.family, lever.kind))
            if lever.kind in ("number", "integer"):
                moves.append((lever.key, lever.initial + (lever.step or 1)))
            elif lever.kind == "choice":
                moves.append((lever.key, next(c for c in lever.choices if c != lever.initial)))
            else:
                moves.append((lever.key, not lever.initial))
        seconds = []
        try:
            for key, value in moves:
                self.values = {key: value}
                seconds.append(self.update().seconds)
        finally:
            self.values, self.last = values, last
        return float(np.median(seconds)) if seconds else 0.0

    def lever(self, key: str) -> Lever:
        """The lever named `key`."""
        return self._by_key[key]

    def value(self, key: str) -> Any:
        """The current value of a lever (its value at rest unless moved)."""
        return self.values.get(key, self._by_key[key].initial)

    def set(self, key: str | None = None, value: Any = None, **values: Any) -> Update:
        """Move one lever (`key`, `value`) or several (``key=value``; keys with brackets need the first form)
        and recompute.

        Returns
        -------
        Update
            Also kept as :attr:`last`. Invalid values are kept (they are what
            the controls show) and reported in ``message`` until changed.

        Raises
        ------
        KeyError
            For a key that is not a lever of the scenario.
        """
        moved = dict(values)
        if key is not None:
            moved[key] = value
        unknown = [k for k in moved if k not in self._by_key]
        if unknown:
            raise KeyError(f"not levers of scenario {self.scenario.name!r}: {', '.join(unknown)}")
        self.values.update(moved)
        return self.update()

    def reset(self) -> Update:
        """Every lever back at rest."""
        self.values.clear()
        return self.update()

    def update(self) -> Update:
        """Apply the current lever values, project and compute the figures (:class:`Update`)."""
        t0 = time.perf_counter()
        try:
            changes = lever_changes(self.scenario, self.values, self.levers)
            scenario, notes = apply_levers(self.scenario, changes)
        except (ScenarioError, ValueError) as exc:
            self.last = replace(self.last, ok=False, message=str(exc), notes=(),
                                seconds=time.perf_counter() - t0)
            return self.last
        if scenario is self.scenario:
            figs = self._at_rest
        else:
            figs = figures(project(scenario), self._reference_projection)
        self.last = Update(True, "", tuple(notes), figs, scenario, changes, time.perf_counter() - t0)
        return self.last

    def headline_table(self) -> pd.DataFrame:
        """The headline figures now and in the reference, with their units (rows: :data:`HEADLINE`)."""
        now = self.last.figures
        return pd.DataFrame({
            "figure": [now.labels[k] for k in HEADLINE],
            "value": [now.headline[k] for k in HEADLINE],
            "reference": [self.reference.headline[k] for k in HEADLINE],
            "unit": [unit for _label, unit in HEADLINE.values()],
        }, index=pd.Index(list(HEADLINE), name="key"))


def format_figure(key: str, value: float) -> str:
    """A headline figure as the explorer shows it: a year, a percentage (2 decimals) or a count."""
    if isinstance(value, float) and math.isnan(value):
        return "none" if key == "depletion_year" else "-"
    if key == "depletion_year":
        return f"{value:.0f}"
    if HEADLINE[key][1].startswith("%"):
        return f"{value:.2f}%"
    return f"{value:,.0f}"
