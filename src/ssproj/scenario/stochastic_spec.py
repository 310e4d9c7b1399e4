"""The ``stochastic:`` block of a scenario: sources of uncertainty, validated.

:func:`parse_stochastic` checks the YAML form (``load_scenario`` calls it
for a scenario's ``stochastic:`` block, so every problem of a scenario is
reported at once) and returns a :class:`StochasticModel`: the economic
VAR(1) and the fertility AR(1) as :class:`ssproj.scenario.shocks.VARModel`
objects, the Lee-Carter settings as a :class:`MortalityModel`. The
numerics of a stochastic run (fitting Lee-Carter, drawing paths, running
the engine) are in :mod:`ssproj.uncertainty.stochastic`.

Why ``VARModel`` lives in the scenario layer too (:mod:`ssproj.scenario.shocks`):
its validation (:meth:`~ssproj.scenario.shocks.VARModel.from_mapping`: a
valid correlation matrix, a stationary ``Phi``) is part of checking the
scenario, and the validated model is what a run simulates, so splitting a
"spec" from the "model" would duplicate its fields. The class depends on
nothing else of ssproj (NumPy and SciPy only), so it can sit as low as the
scenario layer without pulling anything up.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ssproj.errors import MISSING, Problem, did_you_mean
from ssproj.scenario.shocks import VARModel
from ssproj.scenario.yamlio import Where

__all__ = ["DEFAULT_STOCHASTIC", "SHOCKABLE", "MortalityModel", "StochasticModel", "default_model",
           "parse_stochastic"]

#: The stochastic model used when a scenario has no ``stochastic:`` block
#: (a generic, illustrative calibration; see docs/uncertainty.md).
DEFAULT_STOCHASTIC: dict = {
    "economy": {
        "variables": {
            "investment_return": {"phi": 0.5, "sd": 0.02},
            "wage_growth": {"phi": 0.6, "sd": 0.015},
            "price_inflation": {"phi": 0.7, "sd": 0.015},
        },
        "correlation": {
            "price_inflation,wage_growth": 0.6,
            "investment_return,price_inflation": 0.3,
            "investment_return,wage_growth": 0.2,
        },
    },
    "mortality": {"model": "lee_carter", "fit_from": 1990, "drift_uncertainty": True, "sigma_scale": 1.0},
    "fertility": {"phi": 0.9, "sd": 0.03},
}

#: Series the economic model may shock (scenario parameters). [1/year]
SHOCKABLE = ("investment_return", "wage_growth", "price_inflation")
_TOP_KEYS = ("description", "start_year", "economy", "mortality", "fertility")
_MORTALITY_KEYS = ("model", "fit_from", "fit_to", "drift_uncertainty", "sigma_scale")
_FERTILITY_KEYS = ("phi", "sd")


def _label_where() -> Where:
    return Where.in_memory("<stochastic>", ("stochastic",))


@dataclass(frozen=True)
class MortalityModel:
    """Lee-Carter mortality uncertainty.

    Attributes
    ----------
    fit_from, fit_to : int or None
        Past period centres used in the fit (``fit_to`` default: the
        scenario's first projection year). [calendar year]
    drift_uncertainty : bool
        Draw each path's drift from its estimation error.
    sigma_scale : float
        Factor on the fitted innovation and drift standard deviations
        (past rates from the UN are smoothed, so fitted volatility is a
        lower bound). [1]
    """

    fit_from: int | None = 1990
    fit_to: int | None = None
    drift_uncertainty: bool = True
    sigma_scale: float = 1.0

    def to_dict(self) -> dict:
        return {"model": "lee_carter", "fit_from": self.fit_from, "fit_to": self.fit_to,
                "drift_uncertainty": self.drift_uncertainty, "sigma_scale": self.sigma_scale}


@dataclass(frozen=True)
class StochasticModel:
    """Sources of uncertainty of a stochastic projection (see the module docs).

    Attributes
    ----------
    economy : ssproj.scenario.shocks.VARModel or None
        VAR(1) on deviations of the shocked series from the scenario; None = no economic shocks.
    mortality : MortalityModel or None
    fertility : ssproj.scenario.shocks.VARModel or None
        AR(1) on the log fertility level (one variable ``log_fertility``).
    start_year : int or None
        First shocked year (default: the first scheme year). [calendar year]
    description : str
    origin : str
        ``"scenario"`` or ``"defaults"`` (:data:`DEFAULT_STOCHASTIC`).
    """

    economy: Any = None
    mortality: MortalityModel | None = None
    fertility: Any = None
    start_year: int | None = None
    description: str = ""
    origin: str = "scenario"
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict:
        """The YAML form (as validated), for provenance."""
        return json.loads(json.dumps(self.raw, default=str))


def _unknown_keys(raw: Mapping, at: Where, allowed, what: str) -> list[Problem]:
    return [(at / key).problem(MISSING, f"unknown key in {what}", did_you_mean(key, allowed))
            for key in raw if key not in allowed]


def parse_stochastic(raw: Any, where: Where | None = None, *, origin: str = "scenario"
                     ) -> tuple[StochasticModel | None, list[Problem]]:
    """Validate the ``stochastic:`` block of a scenario, collecting every problem.

    Parameters
    ----------
    raw : mapping
        ``{description, start_year, economy, mortality, fertility}``; each of
        the last three may be omitted (the default of
        :data:`DEFAULT_STOCHASTIC` is used) or ``false`` (that source of
        uncertainty is switched off). ``economy`` follows
        :meth:`ssproj.scenario.shocks.VARModel.from_mapping`; ``mortality`` is
        ``{model: lee_carter, fit_from, fit_to, drift_uncertainty,
        sigma_scale}``; ``fertility`` is ``{phi, sd}``.
    where : Where, optional
        Position of `raw` (file, line and key path in problems).

    Returns
    -------
    (StochasticModel or None, list of Problem)
    """
    where = where if where is not None else _label_where()
    problems: list[Problem] = []
    if not isinstance(raw, Mapping):
        return None, [where.problem(raw, "must be a mapping {start_year, economy, mortality, fertility}")]
    problems += _unknown_keys(raw, where, _TOP_KEYS, "a stochastic model")
    start = raw.get("start_year")
    if start is not None and (isinstance(start, bool) or not isinstance(start, int) or not 1800 <= start <= 2500):
        problems.append((where / "start_year").problem(start, "must be a calendar year (an integer)"))
    description = raw.get("description", "") or ""
    if not isinstance(description, str):
        problems.append((where / "description").problem(description, "must be a string"))

    def part(key):
        value = raw.get(key, DEFAULT_STOCHASTIC[key])
        return None if value is False or value is None else value

    economy = None
    econ_raw = part("economy")
    if econ_raw is not None:
        variables = econ_raw.get("variables") if isinstance(econ_raw, Mapping) else None
        for name in (variables if isinstance(variables, Mapping) else ()):
            if name not in SHOCKABLE:
                problems.append((where / "economy" / "variables" / name).problem(
                    MISSING, f"cannot be shocked; expected one of {', '.join(SHOCKABLE)}",
                    did_you_mean(name, SHOCKABLE)))
        try:
            economy = VARModel.from_mapping(econ_raw, where="")
        except ValueError as exc:
            # one problem per line ".key.path: message", placed at its key path
            for line in str(exc).splitlines()[1:]:
                line = line.strip()
                key, _, message = line.partition(": ")
                at = where / "economy"
                for piece in key.strip(".").split(".") if key.strip(".") else ():
                    at = at / piece
                problems.append(at.problem(MISSING, message or line))

    mortality = None
    mort_raw = part("mortality")
    if mort_raw is not None:
        at = where / "mortality"
        if not isinstance(mort_raw, Mapping):
            problems.append(at.problem(mort_raw, "must be a mapping {model: lee_carter, fit_from, ...} or false"))
        else:
            problems += _unknown_keys(mort_raw, at, _MORTALITY_KEYS, "a mortality model")
            if mort_raw.get("model", "lee_carter") != "lee_carter":
                problems.append((at / "model").problem(mort_raw.get("model"), "must be lee_carter"))
            kw = {}
            for key in ("fit_from", "fit_to"):
                v = mort_raw.get(key, DEFAULT_STOCHASTIC["mortality"].get(key))
                if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 1800 <= v <= 2500):
                    problems.append((at / key).problem(v, "must be a calendar year (an integer)"))
                kw[key] = v
            du = mort_raw.get("drift_uncertainty", True)
            if not isinstance(du, bool):
                problems.append((at / "drift_uncertainty").problem(du, "must be true or false"))
            scale = mort_raw.get("sigma_scale", 1.0)
            if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 <= scale <= 100:
                problems.append((at / "sigma_scale").problem(scale, "must be a number between 0 and 100"))
            if kw.get("fit_from") and kw.get("fit_to") and kw["fit_from"] >= kw["fit_to"]:
                problems.append((at / "fit_to").problem(kw["fit_to"], f"must be after fit_from ({kw['fit_from']})"))
            if not problems:
                mortality = MortalityModel(kw["fit_from"], kw["fit_to"], du, float(scale))

    fertility = None
    fert_raw = part("fertility")
    if fert_raw is not None:
        at = where / "fertility"
        if not isinstance(fert_raw, Mapping):
            problems.append(at.problem(fert_raw, "must be a mapping {phi, sd} or false"))
        else:
            problems += _unknown_keys(fert_raw, at, _FERTILITY_KEYS, "a fertility model")
            phi, sd = fert_raw.get("phi", MISSING), fert_raw.get("sd", MISSING)
            for key, v, lo, hi, what in (("phi", phi, -0.999999, 0.999999, "an autocorrelation in (-1, 1)"),
                                         ("sd", sd, 0.0, 1.0, "a standard deviation of the log level in [0, 1]")):
                if v is MISSING:
                    problems.append(at.problem(MISSING, f"required key '{key}' is missing ({what})"))
                elif isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                    problems.append((at / key).problem(v, f"must be {what}"))
            if not problems:
                fertility = VARModel.ar1(("log_fertility",), [float(phi)], [float(sd)], np.eye(1))
    if problems:
        return None, problems
    plain = {"start_year": start, "economy": econ_raw if econ_raw is not None else False,
             "mortality": mortality.to_dict() if mortality else False,
             "fertility": dict(fert_raw) if fert_raw is not None else False}
    if description:
        plain["description"] = " ".join(description.split())
    return StochasticModel(economy, mortality, fertility, start, " ".join(description.split()), origin,
                           raw=plain), []


def default_model() -> StochasticModel:
    """:data:`DEFAULT_STOCHASTIC` as a :class:`StochasticModel`."""
    model, problems = parse_stochastic(DEFAULT_STOCHASTIC, origin="defaults")
    assert not problems, problems
    assert model is not None
    return model
