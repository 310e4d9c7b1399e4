"""Nothing silently ignored: every documented parameter changes some result, and what cannot is refused or named.

The walk changes each parameter declared in ``defaults.yaml`` on the Lao
baseline (with the other values its effect needs: ``requires`` in
defaults.yaml, or the conditions listed in ``CONDITIONS``) and checks that
the summary or the indicators move; display-only parameters are listed
with the place they show up. The second half checks the guard itself:
changes after the horizon, scheme parameters without a scheme, parameters
whose condition is never met, channel keys a kind does not use.
"""
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ssproj
from ssproj.errors import ScenarioError
from ssproj.scenario.checks import NoEffectWarning
from ssproj.scenario.parameters import load_parameter_specs

ROOT = Path(__file__).resolve().parents[1]
LAO = ROOT / "scenarios" / "lao_baseline.yaml"
SPECS = load_parameter_specs()

#: Parameters that only show up where they are documented to (no figure is computed from them).
DISPLAY_ONLY = {"exchange_rate": "exchange_rate"}  # -> the Dataset variable that carries it

#: Other values a parameter's effect needs on the Lao baseline, besides its ``requires`` (the baseline's
#: own values make it inert: e.g. every pension is at the minimum, so the accrual rate does not show).
CONDITIONS = {
    "accrual_rate": {"minimum_pension_ratio": 0.0},
    "base_rate": {"minimum_pension_ratio": 0.0},
    "service_cap": {"minimum_pension_ratio": 0.0},
    "replacement_cap": {"minimum_pension_ratio": 0.0},
    "full_service": {"minimum_pension_ratio": 0.0},
    "short_service_reduction": {"minimum_pension_ratio": 0.0},
    "reference_period": {"minimum_pension_ratio": 0.0},
    "maximum_pension_ratio": {"minimum_pension_ratio": 0.0},
    "late_retirement_increment": {"deferral_share": 0.5, "deferral_years": 3.0},
    "deferral_years": {"deferral_share": 0.5},
    "deficit_floor_ratio": {"deficit_financing": "state_transfer"},
    "state_paid_types": {"state_paid_base_pensions": 1.0},
    "earnings_revaluation_price_weight": {"earnings_revaluation": "mixed"},
    "earnings_revaluation_rate": {"earnings_revaluation": "fixed"},
    "deferred_revaluation_price_weight": {"deferred_revaluation": "mixed"},
    "deferred_revaluation_rate": {"deferred_revaluation": "fixed"},
    "flat_income_ratio": {"contribution_base": "flat_amount"},
}

#: Values to try where a generic change would not act (a cap far above what binds, a share set with others).
VALUES = {
    "service_cap": 10,
    "maximum_pension_ratio": 0.05,
    "replacement_cap": 0.1,
    "indexation_price_weight": 0.5,
    "indexation_extra": 0.01,
    "early_retirement_window": 5.0,
    "early_retirement_rate": 0.5,
    "early_retirement_reduction": 0.05,
    "deferral_share": 0.5,
    "deferral_years": 3.0,
    "late_retirement_increment": 0.05,
    "state_paid_awarded_from": 2030,
    "survivor_min_age_female": 60.0,
    "survivor_min_age_male": 65.0,
    "survivor_minimum_ratio": 1.0,
    "invalidity_recovery_rate": 0.05,
    "state_paid_awarded_to": 2040,
    "earnings_revaluation_rate": 0.03,
    "deferred_revaluation_rate": 0.03,
    "refund_on_exit_share": 0.5,
}


#: Parameters that act only with a strategy channel: walked on a scenario that has one.
ON_SCENARIO = {"domestic_worker_share": "lao_cov_domestic_workers",
               # imputed service only: the Lao baseline's insured table gives service (back-cast), its history not
               "scheme_start_year": "backcast/lao_history"}


@pytest.fixture(scope="module")
def lao():
    return ssproj.load_scenario(LAO)


def _outputs(sc):
    """The summary and indicators of the headline fund and of all funds together (a branch's parameter acts on
    its own fund only), and the Dataset."""
    res = ssproj.project(sc)
    summary = res.summary().join(res.summary("all").add_suffix(" (all funds)"))
    indicators = pd.concat([res.indicators(), res.indicators(fund="all").add_suffix(" (all funds)")])
    return summary, indicators, res.dataset


def _new_value(sc, name, spec):
    """A value of `name` different from the scenario's, inside its range."""
    if name in VALUES:
        v = VALUES[name]
    elif spec.type == "str":
        current = sc.value(name)
        current = next(iter(current.values())) if isinstance(current, dict) else current
        if spec.choices:
            v = next(c for c in spec.choices if c != current)
        else:  # a fund name
            v = next(f for f in sc.funds if f != current)
    else:
        raw = sc.path_values(name) if spec.type == "timepath" else np.asarray(
            list(sc.value(name).values()) if isinstance(sc.value(name), dict) else sc.value(name), dtype=float)
        m = float(np.mean(raw))
        lo, hi = spec.range or (None, None)
        candidates = [m * 1.25, m * 0.8, m + 0.05, m - 0.05, 1.0, 0.5] if spec.type != "int" else [m + 1, m - 1]
        v = next(c for c in candidates if c != m and (lo is None or c >= lo) and (hi is None or c <= hi))
        v = int(v) if spec.type == "int" else v
    return dict.fromkeys(_entities(sc, spec), v) if spec.per else v


def _entities(sc, spec):
    """The entities the parameter acts for (those meeting its ``applies_when``)."""
    names = {"group": sc.groups, "fund": sc.funds, "branch": sc.branches}[spec.per]
    return [e for e in names if all(sc.value(req)[e] in wants for req, wants in spec.applies_when)]


#: Checked together (a group's contribution shares sum to 1): test_contribution_shares_change_a_result; the
#: branches a group is covered by, with its long-term share: tests/test_short_term_events.py (a package); the rule
#: that reads the shares acts only when they do not add up: test_the_share_rule_changes_a_result.
TOGETHER = ("long_term_share", "contribution_share", "covered_branches", "contribution_share_rule")


def _walkable():
    return sorted(n for n in SPECS if n not in TOGETHER)


@pytest.mark.parametrize("name", _walkable())
def test_every_parameter_changes_a_result(lao, name):
    spec = SPECS[name]
    if name in ON_SCENARIO:
        lao = ssproj.load_scenario(ROOT / "scenarios" / f"{ON_SCENARIO[name]}.yaml")
    base_changes = {}
    for req in spec.requires:
        base_changes[req] = {e: VALUES.get(req, 1.0) for e in _entities(lao, spec)} if spec.per else 1.0
    for other, value in CONDITIONS.get(name, {}).items():
        base_changes[other] = dict.fromkeys(_entities(lao, SPECS[other]), value) if SPECS[other].per else value
    with warnings.catch_warnings():  # a condition alone may itself wait for another (window and rate)
        warnings.simplefilter("ignore", NoEffectWarning)
        base = lao.with_changes(base_changes) if base_changes else lao
    changes = {name: _new_value(base, name, spec)}
    with warnings.catch_warnings():
        warnings.simplefilter("error", NoEffectWarning)  # a walk change must never be flagged as inert
        changed = base.with_changes(changes)
    before, after = _outputs(base), _outputs(changed)
    if name in DISPLAY_ONLY:
        var = DISPLAY_ONLY[name]
        assert not np.array_equal(before[2][var].values, after[2][var].values, equal_nan=True)
        return
    moved = [c for c in before[0].columns if not np.array_equal(before[0][c].values, after[0][c].values,
                                                                equal_nan=True)]
    moved += [k for k in before[1].index if not (before[1][k] == after[1][k]
                                                 or (np.isnan(before[1][k]) and np.isnan(after[1][k])))]
    assert moved, f"changing {name} to {changes[name]} moved nothing in the summary or the indicators"


def test_contribution_shares_change_a_result(lao):
    """long_term_share (per group) and contribution_share (per branch) sum to 1 for each group: moved together."""
    y0 = lao.start_year
    lts = {g: float(lao.value("long_term_share")[g].evaluate([y0])[0]) for g in lao.groups}
    shares = {b: float(tp.evaluate([y0])[0]) for b, tp in lao.value("contribution_share").items()}
    branch = next(iter(shares))
    changed = lao.with_changes({"long_term_share": {g: v - 0.05 for g, v in lts.items()},
                                "contribution_share": {branch: shares[branch] + 0.05}})
    a, b = _outputs(lao)[0], _outputs(changed)[0]
    assert not np.array_equal(a["reserve_end"].values, b["reserve_end"].values, equal_nan=True)


def test_the_share_rule_changes_a_result(lao):
    """contribution_share_rule: with shares that add up to 1 both rules give the same figures, bit for bit; a
    long-term share changed alone is refused under fixed and moves the funds' income under proportional."""
    assert lao.value("contribution_share_rule") == "proportional"
    fixed = lao.with_changes({"contribution_share_rule": "fixed"})
    a, b = _outputs(lao)[0], _outputs(fixed)[0]
    pd.testing.assert_frame_equal(a, b)
    lower = {"long_term_share": dict.fromkeys(lao.groups, 0.5)}
    with pytest.raises(ScenarioError, match=r"sum to 0\.9 in 2020, not 1"):
        fixed.with_changes(lower)
    moved = _outputs(lao.with_changes(lower))[0]
    assert not np.array_equal(a["reserve_end (all funds)"].values, moved["reserve_end (all funds)"].values)
    assert not np.array_equal(a["reserve_end"].values, moved["reserve_end"].values, equal_nan=True)


# --------------------------------------------------------------------------- the guard
def test_a_change_after_the_horizon_is_an_error(lao):
    with pytest.raises(ScenarioError) as err:
        lao.with_changes({"wage_growth": {2150: 0.05}})
    assert ("changes.wage_growth: starts in 2150, after the projection's end year 2100: it cannot change the "
            "result; give a value for a year up to 2100, or remove the change") in str(err.value)


def test_a_condition_never_met_is_a_named_warning(lao):
    with pytest.warns(NoEffectWarning) as record:
        lao.with_changes({"early_retirement_reduction": {"private": 0.05}})
    messages = [str(w.message) for w in record]
    assert any("changes.early_retirement_reduction.private: early_retirement_reduction for 'private' has no "
               "effect: it acts only when early_retirement_window > 0, and early_retirement_window for 'private' "
               "is 0 in every projection year 2020-2100" in m for m in messages), messages
    with warnings.catch_warnings():  # with the window and the rate set, nothing to say
        warnings.simplefilter("error", NoEffectWarning)
        lao.with_changes({"early_retirement_reduction": {"private": 0.05}, "early_retirement_window": {"private": 5},
                          "early_retirement_rate": {"private": 0.5}})


def test_a_scheme_parameter_without_a_scheme_is_a_named_warning():
    sc = ssproj.load_scenario(ROOT / "scenarios" / "thailand_wpp2024.yaml")
    with pytest.warns(NoEffectWarning, match="wage_growth concerns the insured scheme .section economy., but the "
                                             "assumption set 'thailand' declares no insured groups"):
        sc.with_changes({"wage_growth": 0.04})


def test_scheme_parameters_of_an_assumption_set_without_a_scheme_are_named():
    with pytest.warns(NoEffectWarning, match=r"tiny/assumptions.yaml:\d+: parameters.wage_growth: wage_growth "
                                             r"concerns the insured scheme .section economy., but the assumption "
                                             r"set 'tiny' declares no insured groups"):
        ssproj.load_scenario(ROOT / "tests" / "data" / "scenarios" / "base.yaml")


def test_a_parameter_for_another_kind_of_group_is_an_error(lao):
    with pytest.raises(ScenarioError, match=r"changes.declared_income_min_ratio.private: acts only for a group with "
                                            r"contribution_base: declared_income, and 'private' has "
                                            r"contribution_base: wage: it cannot change the result"):
        lao.with_changes({"declared_income_min_ratio": {"private": 0.5}})


# Channel keys a kind does not use, and a lower_floor channel on a wage group: tests/test_hostile_inputs.py
# (cases domestic-share-female, lower-floor-wage-group); the same channel on a declared-income group acts
# (test_every_channel_key_changes_a_result).


# --------------------------------------------------------------------------- every channel key
from ssproj.scenario.strategy_spec import CHANNEL_KINDS, NOT_USED_BY_KIND  # noqa: E402

#: A working channel of each kind (required keys), on a group where it acts.
CHANNEL_BASE = {
    "mobile_registration": {"group": "voluntary", "villages_per_year": 50, "turnout_per_village": 40,
                            "registration_share": 0.2},
    "district_office": {"group": "voluntary", "offices": 5, "catchment_workers": 2000, "uptake_rate": 0.02},
    "information_centre": {"group": "voluntary", "centres": 5, "visitors_per_centre": 500, "conversion": 0.2},
    "labour_officers": {"group": "voluntary", "officers": 100, "registrations_per_officer": 20},
    "promoters": {"group": "voluntary", "promoters": 500, "registrations_per_promoter": 6},
    "domestic_workers": {"group": "private", "registration_share": 0.3},
    "subsidy": {"group": "voluntary", "subsidy_share": 0.5},
    "lower_floor": {"group": "voluntary", "declared_income_min_ratio": 0.5},
    "coverage_target": {"group": "voluntary", "coverage_rate": 0.1},
}
#: A second value for each key (the walk sets it, or changes it from the first).
KEY_VALUES = {
    "villages_per_year": 80, "turnout_per_village": 60, "registration_share": 0.4, "offices": 8,
    "catchment_workers": 3000, "uptake_rate": 0.04, "centres": 8, "visitors_per_centre": 800, "conversion": 0.3,
    "officers": 150, "registrations_per_officer": 30, "promoters": 800, "registrations_per_promoter": 9,
    "subsidy_share": 0.8, "uptake": 0.5, "coverage_rate": 0.2, "share_female": 0.9,
    "cost_fixed": 5e9, "cost_per_registration": 1e5, "paid_by": "state", "cost_index": "none",
    "lapse_rate": 0.5, "reentry_rate": 0.3, "contribution_density": 0.4, "earnings_level": 2.0,
    "declared_income_min_ratio": 1.5, "declared_income_max_ratio": 1.2,
}
#: Keys that change no figure by design: they show in the scenario carried by the results (attrs["scenario"]).
CHANNEL_DISPLAY_ONLY = ("description", "source")


def _channel_yaml(kind, body):
    lines = [f"name: walk_{kind}", f"extends: {LAO.as_posix()}", "strategy:", "  name: walk", "  channels:",
             "    ch:", f"      kind: {kind}", "      start_year: 2026"]
    lines += [f"      {k}: {v}" for k, v in body.items()]
    return "\n".join(lines) + "\n"


def _channel_cases():
    for kind, (required, optional) in CHANNEL_KINDS.items():
        for key in (*required, *optional):
            if (kind, key) not in NOT_USED_BY_KIND and key not in CHANNEL_DISPLAY_ONLY:
                yield kind, key


@pytest.mark.slow  # 87 pairs of strategy projections, about a minute
@pytest.mark.parametrize("kind, key", list(_channel_cases()))
def test_every_channel_key_changes_a_result(tmp_path, kind, key):
    base_body = dict(CHANNEL_BASE[kind])
    if key == "uptake" and kind == "lower_floor":  # without an uptake the floor applies to everybody
        base_body["uptake"] = 0.2
    changed_body = {**base_body, key: KEY_VALUES[key]}
    if key in ("paid_by", "cost_per_registration", "cost_index"):  # they move a cost: give the channel one
        base_body.setdefault("cost_fixed", 1e9)
        changed_body.setdefault("cost_fixed", 1e9)
    if key.startswith("declared_income_"):  # the band acts on a declared-income group only
        base_body["group"] = changed_body["group"] = "voluntary"
    (tmp_path / "a.yaml").write_text(_channel_yaml(kind, base_body))
    (tmp_path / "b.yaml").write_text(_channel_yaml(kind, changed_body))
    a = ssproj.project(ssproj.load_scenario(tmp_path / "a.yaml")).summary()
    b = ssproj.project(ssproj.load_scenario(tmp_path / "b.yaml")).summary()
    moved = [c for c in a.columns if c in b.columns
             and not np.array_equal(a[c].values, b[c].values, equal_nan=True)]
    assert moved, f"{kind} channel: setting {key} to {KEY_VALUES[key]} moved nothing in the summary"


def test_a_cost_index_without_costs_is_refused(tmp_path):
    body = {**CHANNEL_BASE["promoters"], "cost_index": "prices"}
    (tmp_path / "a.yaml").write_text(_channel_yaml("promoters", body))
    with pytest.raises(ScenarioError, match=r"strategy\.channels\.ch\.cost_index: moves the channel's cost_fixed "
                                            r"and cost_per_registration, and the channel gives neither"):
        ssproj.load_scenario(tmp_path / "a.yaml")


def test_display_only_channel_keys_show_in_the_provenance(tmp_path):
    body = {**CHANNEL_BASE["promoters"], "description": "'walk description'", "source": "'walk source'"}
    (tmp_path / "a.yaml").write_text(_channel_yaml("promoters", body))
    text = str(ssproj.project(ssproj.load_scenario(tmp_path / "a.yaml")).dataset.attrs["scenario"])
    assert "walk description" in text and "walk source" in text
