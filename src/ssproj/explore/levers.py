"""The levers of the explorer and the scenario changes they make.

A lever is one control of the explorer (:mod:`ssproj.explore.webapp`): a
contribution rate, the target pensionable age, the ceiling rule, the
indexation, a state subsidy, the deficit financing rule, the coverage
strategy and the scale of each of its channels. :func:`levers_for` lists
those a scenario offers, each at rest at the scenario's own value;
:func:`lever_changes` turns lever values into the changes of the scenario
(:class:`LeverChanges`: parameter changes for
:meth:`ssproj.Scenario.with_changes` and, when the strategy is switched off
or a channel scaled, the strategy for :meth:`ssproj.Scenario.with_strategy`),
and :func:`apply_levers` makes the changed scenario, validated like a file.
A lever at rest changes nothing, so all levers at rest give the scenario
itself.

Every change starts in the *reform year* (lever ``reform_year``) and holds
after it; the years before keep the scenario's values (a time path
starting after the first projection year lies over the value below it,
:meth:`ssproj.Scenario.with_changes`). Nothing here depends on a user
interface: the app and the tests drive the same functions.
"""
from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ssproj.scenario.model import Scenario
from ssproj.scenario.strategy_spec import RECRUITING_QUANTITIES

__all__ = ["CEILING_RULES", "DEFICIT_RULES", "KEEP", "SCALED_QUANTITIES", "Lever", "LeverChanges", "apply_levers",
           "lever_changes", "levers_for"]

#: Ceiling rules of lever ``ceiling_rule`` -> label. ``scenario``: the scenario's own path;
#: ``frozen``: its value in the reform year, held in nominal terms; ``wages``: that value, raised with
#: wage growth; ``minimum_wage``: ``ceiling_multiple`` x the minimum wage of each year; ``none``: no ceiling.
CEILING_RULES = {
    "scenario": "as in the scenario",
    "frozen": "frozen (nominal)",
    "wages": "raised with wages",
    "minimum_wage": "multiple of the minimum wage",
    "none": "no ceiling",
}
#: The no-ceiling value of ``contribution_ceiling`` (its default in defaults.yaml). [currency/month]
NO_CEILING = 1.0e30
#: Deficit financing rules (parameter ``deficit_financing``) -> label.
DEFICIT_RULES = {
    "borrow": "the fund borrows",
    "state_transfer": "the state pays the deficit",
    "payable": "benefits cut to what is payable",
}
#: Channel kind -> the quantities a channel scale multiplies: the channel's reach (villages, offices,
#: centres, officers, promoters; the share of domestic workers registered; the subsidised share; ...)
#: and, for the channels that recruit, its fixed costs (the costs per registration follow the recruits); those
#: the channel gives (a channel giving none has no scale).
SCALED_QUANTITIES: dict[str, tuple[str, ...]] = {
    **{kind: (quantities[0], "cost_fixed") for kind, quantities in RECRUITING_QUANTITIES.items()},
    "domestic_workers": ("registration_share", "cost_fixed"),
    "subsidy": ("subsidy_share", "uptake"),
    "lower_floor": ("uptake",),
    "coverage_target": ("coverage_rate",),
}
#: ``LeverChanges.strategy`` when the strategy is left as the scenario has it.
KEEP = "keep"


@dataclass(frozen=True)
class Lever:
    """One control of the explorer.

    Parameters
    ----------
    key : str
        Its name in the values given to :func:`lever_changes`, e.g.
        ``"contribution_rate_employer[private]"``, ``"ceiling_rule"``,
        ``"channel_scale[promoters]"``.
    family : str
        The section it is shown in: ``"reform"``, ``"contributions"``,
        ``"pensionable age"``, ``"ceiling"``, ``"indexation"``,
        ``"state subsidy"``, ``"financing"``, ``"strategy"``.
    label : str
        What the control says, with its unit.
    kind : {"number", "integer", "choice", "switch"}
    initial : float, int, str or bool
        The value at rest: the scenario's own (in the reform year for a
        time path), in the unit of the control.
    start, end, step : float, optional
        Range and step of a number or integer (the control's bounds; the
        validation of the scenario is the judge of the value).
    choices : mapping of str to str
        Value -> label, for a choice.
    factor : float
        Parameter value = control value x factor (0.01 for a control in %).
    help : str
        One sentence on what it changes.
    """

    key: str
    family: str
    label: str
    kind: str
    initial: Any
    start: float | None = None
    end: float | None = None
    step: float | None = None
    choices: Mapping[str, str] = field(default_factory=dict)
    factor: float = 1.0
    help: str = ""


@dataclass(frozen=True)
class LeverChanges:
    """What lever values change in a scenario.

    Parameters
    ----------
    parameters : dict
        Parameter changes for :meth:`ssproj.Scenario.with_changes` (empty:
        none).
    strategy : mapping, None or ``"keep"``
        The strategy for :meth:`ssproj.Scenario.with_strategy` (its YAML
        form; None: no strategy), or :data:`KEEP`.
    """

    parameters: dict[str, Any] = field(default_factory=dict)
    strategy: Any = KEEP

    @property
    def empty(self) -> bool:
        """True if nothing changes."""
        return not self.parameters and isinstance(self.strategy, str) and self.strategy == KEEP


def default_reform_year(scenario: Scenario) -> int:
    """The reform year at rest: the third scheme year (2027 for the Lao scenarios, as their financing options),
    or the first projection year without a scheme. [calendar year]"""
    years = scenario.scheme_years
    if len(years) == 0:
        return scenario.start_year
    return int(years[min(3, len(years) - 1)])


def _at(scenario: Scenario, name: str, year: int) -> dict[str, float]:
    """Entity -> value of a per-entity time-path parameter in `year`."""
    values = scenario.path_values(name, [year])[:, 0]
    return {str(e): float(v) for e, v in zip(scenario.value(name), values, strict=True)}


def _most_common(values) -> float:
    return Counter(values).most_common(1)[0][0]


def _pct(x: float) -> float:
    """A share as a percentage, rounded to the control's precision (no 6.000000000000001)."""
    return round(100.0 * x, 6)


def levers_for(scenario: Scenario, reform_year: int | None = None) -> list[Lever]:
    """The levers a scenario offers, each at rest at the scenario's value.

    Parameters
    ----------
    scenario : Scenario
        A scenario with a scheme (insured groups).
    reform_year : int, optional
        The year whose values the levers start from (default
        :func:`default_reform_year`).

    Returns
    -------
    list of ssproj.explore.levers.Lever
        In display order: the reform year; per insured group the employer
        and employee contribution rates; the share of contributions to the
        pension fund (with short-term branches); the target pensionable
        ages of men and women and the pace of the change; the ceiling rule
        and its multiple of the minimum wage; the indexation of pensions
        (weight of prices, extra points); the state's contribution for
        each group without an employer (for every group if all have one);
        the deficit financing rule of the funds; with a strategy, the
        strategy switch and a scale per channel.

    Raises
    ------
    ValueError
        If the scenario has no insured groups.
    """
    groups = scenario.groups
    if not groups:
        raise ValueError(f"scenario {scenario.name!r} has no insured groups: there is no scheme to explore")
    first = int(scenario.scheme_years[0])
    year = default_reform_year(scenario) if reform_year is None else int(reform_year)
    out = [Lever("reform_year", "reform", "Reform year (every change starts then)", "integer", year,
                 first, scenario.end_year, 1,
                 help="The first year of every change below; the years before keep the scenario's values.")]
    employer = _at(scenario, "contribution_rate_employer", year)
    employee = _at(scenario, "contribution_rate_employee", year)
    for g in groups:
        title = scenario.entity_info("group", g)["title"]
        for payer, rates in (("employer", employer), ("employee", employee)):
            out.append(Lever(f"contribution_rate_{payer}[{g}]", "contributions", f"{g}: {payer} rate [%]",
                             "number", _pct(rates[g]), 0.0, 30.0, 0.1, factor=0.01,
                             help=f"Contribution of the {payer} of {title}, in % of insured earnings."))
    if scenario.branches:
        share = _most_common(_at(scenario, "long_term_share", year).values())
        out.append(Lever("long_term_share", "contributions", "Share of contributions to the pension fund [%]",
                         "number", _pct(share), 0.0, 100.0, 1.0, factor=0.01,
                         help="For every group; the short-term branches share the rest in their present "
                              "proportions."))
    for sex in ("male", "female"):
        ages = _at(scenario, f"pensionable_age_{sex}", year)
        word = "men" if sex == "male" else "women"
        out.append(Lever(f"pensionable_age_{sex}", "pensionable age", f"Pensionable age, {word} [years]",
                         "integer", round(_most_common(ages.values())), 40, 80, 1,
                         help=f"The target for {word} of every group, reached one year at a time from the "
                              f"reform year."))
    out.append(Lever("pensionable_age_pace", "pensionable age", "Years between one-year steps", "integer", 2,
                     1, 10, 1, help="1: one year more every year; 2: every second year; ..."))
    out.append(Lever("ceiling_rule", "ceiling", "Contribution ceiling", "choice", "scenario",
                     choices=dict(CEILING_RULES),
                     help="Highest monthly earnings on which contributions are paid (and benefits computed)."))
    ceiling = float(scenario.path_values("contribution_ceiling", [year])[0])
    wage = float(scenario.path_values("minimum_wage", [year])[0])
    multiple = round(ceiling / wage, 1) if wage > 0 and ceiling < NO_CEILING else 5.0
    out.append(Lever("ceiling_multiple", "ceiling", "Ceiling, multiple of the minimum wage", "number", multiple,
                     0.5, 30.0, 0.5, help="Used by the rule 'multiple of the minimum wage'."))
    weight = float(scenario.path_values("indexation_price_weight", [year])[0])
    extra = float(scenario.path_values("indexation_extra", [year])[0])
    out.append(Lever("indexation_price_weight", "indexation", "Indexation: weight of prices [%]", "number",
                     _pct(weight), 0.0, 100.0, 5.0, factor=0.01,
                     help="Pensions in payment follow this weight of prices and the rest of wages."))
    out.append(Lever("indexation_extra", "indexation", "Indexation: extra points a year [%]", "number",
                     _pct(extra), -5.0, 5.0, 0.1, factor=0.01,
                     help="Added to the yearly indexation (negative: pensions raised by less)."))
    subsidised = [g for g in groups if employer[g] == 0.0] or list(groups)
    state = _at(scenario, "contribution_rate_state", year)
    for g in subsidised:
        out.append(Lever(f"contribution_rate_state[{g}]", "state subsidy", f"{g}: state contribution [%]",
                         "number", _pct(state[g]), 0.0, 30.0, 0.1, factor=0.01,
                         help=f"Paid by the state for {scenario.entity_info('group', g)['title']}, in % of "
                              f"insured earnings (a fiscal cost)."))
    rules = scenario.value("deficit_financing")
    head = str(scenario.value("headline_fund"))
    out.append(Lever("deficit_financing", "financing", "Deficit financing rule (every fund)", "choice",
                     str(rules.get(head, next(iter(rules.values())))), choices=dict(DEFICIT_RULES),
                     help="What happens when a fund's income and reserve do not cover its outgo."))
    if scenario.strategy is not None:
        out.append(Lever("strategy", "strategy", f"Coverage strategy '{scenario.strategy.name}'", "switch", True,
                         help="Off: the scenario without its strategy (no channel recruits)."))
        for ch in scenario.strategy.channels:
            scaled = [q for q in SCALED_QUANTITIES[ch.kind] if q in ch.quantities]
            if scaled:
                out.append(Lever(f"channel_scale[{ch.name}]", "strategy", f"{ch.name} ({ch.kind}): scale", "number",
                                 1.0, 0.0, 5.0, 0.1, help=f"Multiplies {' and '.join(scaled)} of the channel."))
    return out


def _scaled(value: Any, factor: float) -> Any:
    """The YAML form of a time path (a number, a year map or the long form) multiplied by `factor`."""
    if isinstance(value, Mapping):
        if "values" in value:
            out = dict(value, values=_scaled(value["values"], factor))
            if "before" in out:
                out["before"] = _scaled(out["before"], factor)
            return out
        return {k: _scaled(v, factor) for k, v in value.items()}
    return round(float(value) * factor, 12)


def _pensionable_ages(now: float, target: int, year: int, pace: int) -> dict[int, int] | None:
    """Year map from `now` to `target` one year at a time, a step every `pace` years from `year`."""
    start = round(now)
    if start == target:
        return None
    sign = 1 if target > start else -1
    return {year + k * pace: start + sign * (k + 1) for k in range(abs(target - start))}


def lever_changes(scenario: Scenario, values: Mapping[str, Any], levers: list[Lever] | None = None) -> LeverChanges:
    """The scenario changes that lever values make.

    Parameters
    ----------
    scenario : Scenario
        The scenario at rest.
    values : mapping
        Lever key -> value (in the control's unit); levers not given are at
        rest.
    levers : list of ssproj.explore.levers.Lever, optional
        :func:`levers_for` of the scenario (given to save its computation).

    Returns
    -------
    LeverChanges
        Only the levers moved from rest change anything. From the reform
        year Y on: contribution rates ``{group: {Y: rate}}``; the pension
        fund share ``{group: {Y: share}}`` for every group with each
        branch's ``contribution_share`` scaled so that the shares still
        add up to 1; pensionable ages one year at a time, every
        ``pensionable_age_pace`` years from Y, for each group not at the
        target; the ceiling as the rule says (the scenario's value in Y,
        held or raised with wage growth; the multiple of each year's
        minimum wage; 1e30, no ceiling); the indexation weight and extra;
        the state's contribution; the deficit rule of every fund. A
        strategy switched off gives ``strategy=None``; a channel scale
        other than 1 multiplies the channel's :data:`SCALED_QUANTITIES`.

    Raises
    ------
    KeyError
        For a value whose key is not a lever of the scenario.
    """
    levers = levers if levers is not None else levers_for(scenario)
    by_key = {lv.key: lv for lv in levers}
    unknown = [k for k in values if k not in by_key]
    if unknown:
        raise KeyError(f"not levers of scenario {scenario.name!r}: {', '.join(unknown)}; levers: "
                       f"{', '.join(by_key)}")

    def value(key: str) -> Any:
        return values.get(key, by_key[key].initial)

    def moved(key: str) -> bool:
        if key not in by_key or key not in values:
            return False
        new, initial = values[key], by_key[key].initial
        if isinstance(initial, float):
            return not math.isclose(float(new), initial, rel_tol=1e-12, abs_tol=1e-12)
        return bool(new != initial)

    def param(key: str) -> float:
        return round(float(value(key)) * by_key[key].factor, 12)

    year = int(value("reform_year"))
    changes: dict[str, Any] = {}
    for name in ("contribution_rate_employer", "contribution_rate_employee", "contribution_rate_state"):
        per = {g: {year: param(f"{name}[{g}]")} for g in scenario.groups if moved(f"{name}[{g}]")}
        if per:
            changes[name] = per
    if moved("long_term_share"):
        share = param("long_term_share")
        now = _at(scenario, "long_term_share", year)
        below = 1.0 - _most_common(now.values())
        changes["long_term_share"] = {g: {year: share} for g in scenario.groups}
        branches = _at(scenario, "contribution_share", year)
        ratio = (1.0 - share) / below if below > 0 else 0.0
        changes["contribution_share"] = {b: {year: round(v * ratio, 12)} for b, v in branches.items()}
    if moved("pensionable_age_male") or moved("pensionable_age_female"):  # the pace alone changes nothing
        pace = int(value("pensionable_age_pace"))
        for sex in ("male", "female"):
            key = f"pensionable_age_{sex}"
            if not moved(key):
                continue
            ages = _at(scenario, key, year)
            steps = {g: p for g in scenario.groups
                     if (p := _pensionable_ages(ages[g], int(value(key)), year, pace)) is not None}
            if steps:
                changes[key] = steps
    rule = value("ceiling_rule")
    if rule != "scenario":
        ceiling = float(scenario.path_values("contribution_ceiling", [year])[0])
        if rule == "frozen":
            changes["contribution_ceiling"] = {"values": {year: ceiling}, "between": "step", "after": "hold"}
        elif rule == "wages":
            changes["contribution_ceiling"] = {"values": {year: ceiling}, "between": "step",
                                               "after": {"index": "wage_growth"}}
        elif rule == "minimum_wage":
            years = list(range(year, scenario.end_year + 1))
            wages = scenario.path_values("minimum_wage", years)
            k = float(value("ceiling_multiple"))
            changes["contribution_ceiling"] = {"values": {y: round(k * float(w), 2) for y, w in zip(years, wages,
                                                                                                    strict=True)},
                                               "between": "step", "after": "hold"}
        elif rule == "none":
            changes["contribution_ceiling"] = {year: NO_CEILING}
        else:
            raise ValueError(f"ceiling_rule {rule!r} is not one of {', '.join(CEILING_RULES)}")
    for name in ("indexation_price_weight", "indexation_extra"):
        if moved(name):
            changes[name] = {year: param(name)}
    if moved("deficit_financing"):
        changes["deficit_financing"] = {f: str(value("deficit_financing")) for f in scenario.funds}
    strategy: Any = KEEP
    if scenario.strategy is not None:
        if not value("strategy"):
            strategy = None
        else:
            scales = {ch.name: float(value(f"channel_scale[{ch.name}]")) for ch in scenario.strategy.channels
                      if f"channel_scale[{ch.name}]" in by_key}
            if any(moved(f"channel_scale[{name}]") for name in scales):
                raw = scenario.strategy.to_dict()
                for ch in scenario.strategy.channels:
                    if ch.name not in scales:
                        continue
                    entry = raw["channels"][ch.name]
                    for q in SCALED_QUANTITIES[ch.kind]:
                        if q in entry:
                            entry[q] = _scaled(entry[q], scales[ch.name])
                strategy = raw
    return LeverChanges(changes, strategy)


def apply_levers(scenario: Scenario, changes: LeverChanges) -> tuple[Scenario, list[str]]:
    """The scenario with lever changes, validated like a file.

    Parameters
    ----------
    scenario : Scenario
    changes : LeverChanges
        From :func:`lever_changes`.

    Returns
    -------
    (Scenario, list of str)
        The changed scenario (`scenario` itself if nothing changes) and the
        warnings its validation gave (e.g. a change with no effect), as
        text.

    Raises
    ------
    ScenarioError
        If a change is invalid; its message says which and why.
    """
    if changes.empty:
        return scenario, []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = scenario
        if changes.parameters:
            out = out.with_changes(changes.parameters, name=f"{scenario.name}+levers")
        if not (isinstance(changes.strategy, str) and changes.strategy == KEEP):
            out = out.with_strategy(changes.strategy, name=f"{scenario.name}+levers")
    return out, [str(w.message) for w in caught]
