"""Scheme inputs (docs/dev/scheme-spec.md, sections 1-4): insured groups,
funds and branches declared by an assumption set, parameters given per
entity, cross-parameter checks, the scheme tables and the accessors the
engine uses."""

from __future__ import annotations

import json
import pickle
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from ssproj.errors import ScenarioError
from ssproj.scenario import load_assumptions, load_scenario
from ssproj.scenario.parameters import load_parameter_specs, parameter_reference_markdown
from ssproj.scenario.tables import TABLE_SCHEMAS, load_table
from ssproj.scenario.timepath import TimePath
from ssproj.scenario.yamlio import Where

HERE = Path(__file__).parent
DATA = HERE / "data"
GOOD = DATA / "scenarios"
TINY = DATA / "assumptions" / "tiny"
SCHEME = DATA / "assumptions" / "tiny_scheme"
BASE = {"assumptions": "tiny_scheme", "projection": {"start_year": 2020, "end_year": 2040}}


def problems_of(source, **kwargs):
    with pytest.raises(ScenarioError) as info:
        load_scenario(source, **kwargs)
    return info.value.problems


def scenario(changes=None, **top):
    """A scenario dict on tiny_scheme, 2020-2040."""
    return {**BASE, **top, **({"changes": changes} if changes is not None else {})}


@pytest.fixture
def scheme_copy(tmp_path):
    """A writable copy of tiny_scheme with a scenario next to it."""
    shutil.copytree(SCHEME, tmp_path / "assumptions" / "tiny_scheme")
    (tmp_path / "scenarios").mkdir()
    s = tmp_path / "scenarios" / "s.yaml"
    s.write_text("assumptions: tiny_scheme\nprojection: {start_year: 2020, end_year: 2040}\n")
    return tmp_path


def edit_set(root: Path, old: str, new: str) -> Path:
    path = root / "assumptions" / "tiny_scheme" / "assumptions.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return path


# =============================================================================
# 1. groups, funds, branches
# =============================================================================
def test_entities_are_declared_in_order():
    aset = load_assumptions(SCHEME / "assumptions.yaml")
    assert tuple(aset.groups) == ("public", "private", "voluntary")
    assert aset.groups["voluntary"] == {"title": "Voluntary members", "sector": "informal"}
    assert tuple(aset.funds) == ("long_term", "short_term")
    assert aset.funds["long_term"] == {"title": "Pensions (old age, invalidity, survivors)"}
    assert aset.branches["maternity"] == {"title": "Maternity", "fund": "short_term"}
    d = aset.to_dict()
    json.dumps(d)
    assert list(d["groups"]) == ["public", "private", "voluntary"]

    sc = load_scenario(GOOD / "scheme_base.yaml")
    assert sc.groups == ("public", "private", "voluntary")
    assert sc.funds == ("long_term", "short_term")
    assert sc.branches == ("sickness", "maternity")
    assert sc.entity_info("group", "private") == {"title": "Enterprise employees", "sector": "private"}
    assert sc.entity_info("fund", "short_term") == {"title": "Short-term benefits"}
    assert sc.entity_info("branch", "sickness") == {"title": "Sickness", "fund": "short_term"}
    info = sc.entity_info("group", "public")
    info["sector"] = "changed"  # a copy: the scenario is unchanged
    assert sc.entity_info("group", "public")["sector"] == "public"
    with pytest.raises(KeyError, match="did you mean 'public'"):
        sc.entity_info("group", "publik")
    with pytest.raises(ValueError, match="kind must be one of group, fund, branch"):
        sc.entity_info("sector", "public")


def test_bad_declarations_are_all_reported_with_lines(scheme_copy):
    path = edit_set(scheme_copy, "    sector: public\n", "    sector: publc\n    colour: blue\n")
    edit_set(scheme_copy, "  voluntary:\n    title: Voluntary members\n    sector: informal\n",
             "  voluntary:\n    title: Voluntary members\n  Self_Employed: {title: x, sector: informal}\n")
    edit_set(scheme_copy, "maternity: {title: Maternity, fund: short_term}",
             "maternity: {title: Maternity, fund: shortterm}")
    edit_set(scheme_copy, "short_term: {title: Short-term benefits}", "short_term: {title: Short-term benefits, x}")
    problems = problems_of(scheme_copy / "scenarios" / "s.yaml")
    lines = {p.key_path: (p.line, p.message) for p in problems}
    text = path.read_text().splitlines()

    def line_of(fragment):
        return next(i for i, line in enumerate(text, 1) if fragment in line)

    assert lines["groups.public.sector"] == (
        line_of("sector: publc"),
        "groups.public.sector = 'publc' is not an employment sector (public | private | informal); "
        "did you mean 'public'?",
    )
    assert lines["groups.public.colour"][1] == (
        "groups.public.colour: unknown key in an insured group declaration; expected one of: sector, title"
    )
    assert lines["groups.voluntary"] == (line_of("  voluntary:"), "groups.voluntary: required key 'sector' is missing")
    assert "is not a valid insured group name" in lines["groups.Self_Employed"][1]
    assert lines["branches.maternity.fund"][1] == (
        "branches.maternity.fund = 'shortterm' is not a declared fund; did you mean 'short_term'?"
    )
    # a comma inside a {...} title: the fragment becomes a key, the hint says why
    assert "quote a title that contains commas" in lines["funds.short_term.x"][1]
    assert all(Path(p.file).name == "assumptions.yaml" for p in problems)
    assert len(problems) == 6, "\n".join(map(str, problems))


def test_set_without_groups_has_no_entities():
    sc = load_scenario(GOOD / "base.yaml")  # the demography-only set 'tiny'
    assert sc.groups == () and sc.funds == () and sc.branches == ()
    assert sc.value("contribution_rate_employer") == {}
    assert sc.path_values("contribution_rate_employer").shape == (0, len(sc.years))
    assert sc.parameter_sources["contribution_rate_employer"]["entities"] == {}
    # no scheme checks: the default valuation_year (2023) and long_term_fund are not checked
    np.testing.assert_array_equal(sc.scheme_years, np.arange(2024, 2061))


def test_per_group_value_in_a_set_without_groups():
    (p,) = problems_of(
        {"assumptions": "tiny", "projection": {"start_year": 2020, "end_year": 2030},
         "changes": {"coverage_rate": {"public": 0.5}}},
        base_dir=GOOD,
    )
    assert p.key_path == "changes.coverage_rate.public"
    assert "unknown insured group" in p.message
    assert "the assumption set declares no insured groups" in p.message


# =============================================================================
# 2. parameters per entity
# =============================================================================
def test_merge_defaults_set_scenario_extends_with_changes():
    """contribution_rate_employer through every layer, group by group."""
    base = load_scenario(GOOD / "scheme_base.yaml")
    assert base.value("contribution_rate_employer") == {
        "public": TimePath(0.085),                                                   # assumption set
        "private": TimePath({2020: 0.06, 2027: 0.07}, between="step", after="hold"),  # scenario
        "voluntary": TimePath(0.0),                                                  # default
    }
    assert list(base.value("contribution_rate_employer")) == ["public", "private", "voluntary"]
    sources = base.parameter_sources["contribution_rate_employer"]
    assert sources["origin"] == "scenario" and sources["source"] == "scenario scheme_base.yaml"
    assert sources["entities"] == {
        "public": {"source": "law", "confidence": "verified", "origin": "assumptions"},
        "private": {"source": "scenario scheme_base.yaml", "confidence": "assumed", "origin": "scenario"},
        "voluntary": {"source": "ssproj generic default", "confidence": "assumed", "origin": "defaults"},
    }

    child = load_scenario(GOOD / "scheme_child.yaml")  # extends scheme_base.yaml
    rates = child.value("contribution_rate_employer")
    assert rates["public"] == TimePath(0.09)                      # the child
    assert rates["private"] == base.value("contribution_rate_employer")["private"]  # the parent, kept
    assert rates["voluntary"] == TimePath(0.0)
    # a time path inside the per-group mapping is replaced whole
    assert child.value("coverage_rate")["voluntary"] == TimePath(0.05)
    assert child.value("coverage_rate")["private"] == TimePath({2020: 0.4, 2030: 0.6}, between="linear")
    entities = child.parameter_sources["contribution_rate_employer"]["entities"]
    assert entities["public"]["source"] == "scenario scheme_child.yaml"
    assert entities["private"]["source"] == "scenario scheme_base.yaml"

    varied = child.with_changes({"contribution_rate_employer": {"voluntary": {2020: 0.0, 2030: 0.02}}})
    rates = varied.value("contribution_rate_employer")
    assert rates["public"] == TimePath(0.09)
    assert rates["private"] == child.value("contribution_rate_employer")["private"]
    np.testing.assert_allclose(varied.path_values("contribution_rate_employer", [2029, 2030])[2], [0.0, 0.02])
    assert varied.parameter_sources["contribution_rate_employer"]["entities"]["voluntary"] == {
        "source": "with_changes", "confidence": "assumed", "origin": "scenario"
    }
    assert varied.provenance["changes_applied"] == (
        {"contribution_rate_employer": {"voluntary": {2020: 0.0, 2030: 0.02}}},
    )
    # changes stack, still group by group
    again = varied.with_changes({"contribution_rate_employer": {"public": TimePath(0.1)}}, name="again")
    assert again.value("contribution_rate_employer")["voluntary"] == rates["voluntary"]
    assert again.value("contribution_rate_employer")["public"] == TimePath(0.1)
    assert child.value("contribution_rate_employer")["voluntary"] == TimePath(0.0)  # original unchanged


def test_default_applies_to_entities_not_given():
    sc = load_scenario(GOOD / "scheme_base.yaml")
    assert sc.value("reference_period") == {"public": 5, "private": 10, "voluntary": 5}
    assert sc.value("contribution_base") == {"public": "wage", "private": "wage", "voluntary": "declared_income"}
    assert sc.value("pensionable_age_female")["private"] == TimePath(60.0)
    assert sc.value("cost_rate") == {"sickness": TimePath(0.05), "maternity": TimePath(0.02)}
    assert sc.value("opening_reserve") == {"long_term": 1.5e6, "short_term": 2.0e5}
    assert sc.parameter_sources["mortality_factor"]["origin"] == "defaults"
    assert set(sc.parameter_sources["mortality_factor"]["entities"]) == {"public", "private", "voluntary"}
    with pytest.raises(TypeError, match="contribution_base"):
        sc.path_values("contribution_base")


def test_path_values_shape_and_order():
    sc = load_scenario(GOOD / "scheme_base.yaml")
    coverage = sc.path_values("coverage_rate")
    assert coverage.shape == (3, len(sc.years)) and coverage.dtype == np.float64
    np.testing.assert_allclose(
        sc.path_values("coverage_rate", [2020, 2025, 2030, 2040]),
        [[1.0, 1.0, 1.0, 1.0],            # public
         [0.4, 0.5, 0.6, 0.6],            # private: linear 2020-2030, then hold
         [0.02, 0.04, 0.06, 0.10]],       # voluntary: the scenario's long form
    )
    # step rule of the parameter for a year map of the set
    np.testing.assert_allclose(sc.path_values("contribution_rate_employee", [2024, 2025])[1], [0.055, 0.06])
    # float and int per parameters are broadcast; funds and branches in declaration order
    np.testing.assert_allclose(sc.path_values("opening_reserve", [2023, 2024]), [[1.5e6, 1.5e6], [2.0e5, 2.0e5]])
    np.testing.assert_allclose(sc.path_values("cost_rate", [2030]), [[0.05], [0.02]])
    assert sc.path_values("reference_period", sc.scheme_years).shape == (3, len(sc.scheme_years))
    # a global parameter is still 1-D
    assert sc.path_values("wage_growth").shape == sc.years.shape
    # an index rule of the set resolves through the global path: 2000 x 1.06 x 1.06
    np.testing.assert_allclose(sc.path_values("average_wage", [2020, 2022]), [2000.0, 2000.0 * 1.06**2])


def test_scheme_years():
    sc = load_scenario(GOOD / "scheme_base.yaml")  # valuation_year 2022, end 2040
    np.testing.assert_array_equal(sc.scheme_years, np.arange(2023, 2041))
    assert sc.scheme_years.dtype == np.int64
    with pytest.raises(ValueError):
        sc.scheme_years[0] = 2000
    later = sc.with_changes({"valuation_year": 2030})
    np.testing.assert_array_equal(later.scheme_years, np.arange(2031, 2041))


def test_index_rule_of_a_per_group_parameter():
    sc = load_scenario(scenario({"earnings_level": {"private": {"values": {2020: 1.0},
                                                                "after": {"index": "wage_growth"}}}}),
                       base_dir=GOOD)
    # wage_growth 0.06 from the set: 1.06^(t - 2020)
    np.testing.assert_allclose(sc.path_values("earnings_level", [2020, 2023])[1], [1.0, 1.06**3])
    np.testing.assert_allclose(sc.path_values("earnings_level", [2023])[0], [1.0])


def test_per_parameter_cannot_be_an_index():
    (p,) = problems_of(scenario({"average_wage": {"values": {2020: 1.0}, "after": {"index": "lapse_rate"}}}),
                       base_dir=GOOD)
    assert p.key_path == "changes.average_wage.after.index"
    assert "cannot be used as an index: it is set per insured group" in p.message


def test_unknown_entities_with_did_you_mean(scheme_copy):
    problems = problems_of(scenario({
        "contribution_rate_employer": {"privat": 0.07, "public": 0.1},
        "cost_rate": {"sicknes": 0.01},
        "opening_reserve": {"longterm": 1.0},
    }), base_dir=GOOD)
    messages = sorted(p.message for p in problems)
    assert messages == [
        "changes.contribution_rate_employer.privat: unknown insured group (not declared in the assumption set); "
        "did you mean 'private'?",
        "changes.cost_rate.sicknes: unknown short-term branch (not declared in the assumption set); "
        "did you mean 'sickness'?",
        "changes.opening_reserve.longterm: unknown fund (not declared in the assumption set); "
        "did you mean 'long_term'?",
    ]
    # in the assumption set too, with its line
    path = edit_set(scheme_copy, "value: {public: 0.085, private: 0.06}", "value: {public: 0.085, privte: 0.06}")
    (p,) = problems_of(scheme_copy / "scenarios" / "s.yaml")
    assert Path(p.file) == path.resolve()
    assert p.line == next(i for i, l in enumerate(path.read_text().splitlines(), 1) if "privte" in l)
    assert p.key_path == "parameters.contribution_rate_employer.value.privte"
    assert p.hint == "did you mean 'private'?"


def test_per_group_value_must_be_a_mapping():
    problems = problems_of(scenario({"contribution_rate_employer": 0.07, "coverage_rate": {2030: 0.5}}), base_dir=GOOD)
    by_key = {p.key_path: p for p in problems}
    p = by_key["changes.contribution_rate_employer"]
    assert "is not a mapping insured group -> value (contribution_rate_employer is set per insured group)" in p.message
    assert "contribution_rate_employer: {public: ..., private: ..., voluntary: ...}" in p.hint
    p = by_key["changes.coverage_rate[2030]"]
    assert "name the insured group first, e.g. coverage_rate: {public: {2030: ...}}" in p.hint
    assert len(problems) == 2


def test_value_entry_hint_for_per_parameter():
    (p,) = problems_of(scenario({"coverage_rate": {"value": {"public": 0.5}, "source": "x"}}), base_dir=GOOD)
    assert "scenario changes give the value directly, e.g. coverage_rate: {public: 1.1}" in p.hint


def test_range_errors_per_entity_and_year():
    problems = problems_of(scenario({
        "contribution_rate_employer": {"private": {2020: 0.06, 2027: 1.5}, "public": -0.1},
        "earnings_level": {"voluntary": {"values": {2020: 19.0}, "after": {"grow": 0.1}}},
        "mortality_factor": {"public": 0.05},
        "reference_period": {"private": 5.0},
        "contribution_base": {"voluntary": "declared"},
    }), base_dir=GOOD)
    messages = [p.message for p in problems]
    assert messages == [
        "changes.contribution_rate_employer.private[2027] = 1.5 is outside [0, 1] "
        "(range declared in ssproj defaults.yaml)",
        "changes.contribution_rate_employer.public = -0.1 is outside [0, 1] (range declared in ssproj defaults.yaml)",
        "changes.mortality_factor.public = 0.05 is outside [0.1, 5] (range declared in ssproj defaults.yaml)",
        "changes.reference_period.private = 5.0 is not an integer (reference_period has type int); "
        "write 5 (no decimal point)",
        "changes.contribution_base.voluntary = 'declared' is not one of: wage, declared_income, flat_amount; "
        "did you mean 'declared_income'?",
        # value computed by a rule, per entity: 19 x 1.1 = 20.9 > 20 from 2021
        "changes.earnings_level.voluntary[2021] = 20.9 is outside [0, 20] (range declared in ssproj defaults.yaml); "
        "19 later years too (value computed by the rule after: {grow: 0.1})",
    ]


def test_per_entity_time_path_of_the_set_starting_late_cites_the_entity(scheme_copy):
    edit_set(scheme_copy, "private: {2020: 0.055, 2025: 0.06}", "private: {2022: 0.055, 2025: 0.06}")
    s = scheme_copy / "scenarios" / "s.yaml"
    (p,) = problems_of(s)
    assert Path(p.file).name == "assumptions.yaml"
    assert p.key_path == "parameters.contribution_rate_employee.value.private"
    assert "time path starts in 2022, after projection.start_year 2020" in p.message
    # a scenario change from a later year lies over it: it is still used, still reported
    s.write_text(s.read_text() + "changes:\n  contribution_rate_employee: {private: {2030: 0.07}}\n")
    (p,) = problems_of(s)
    assert p.key_path == "parameters.contribution_rate_employee.value.private"


# -- changes "from year X" per entity ---------------------------------------------------------
def test_per_entity_change_from_a_later_year():
    sc = load_scenario(GOOD / "overlay.yaml")
    years = list(range(2020, 2041))
    rates = sc.path_values("contribution_rate_employer", years)
    np.testing.assert_array_equal(rates[0], [0.085] * 21)               # public: the set's, unchanged
    np.testing.assert_array_equal(rates[1], [0.06] * 7 + [0.07] * 14)   # private: the set's 0.06 until 2026
    np.testing.assert_array_equal(rates[2], [0.0] * 21)                 # voluntary: the default
    assert sc.value("contribution_rate_employer")["private"] == TimePath(
        {2027: 0.07}, between="step", after="hold", before=TimePath(0.06)
    )
    # coverage of enterprise employees: the set's 0.4 -> 0.6 (linear 2020-2030) until 2024, then 0.7
    np.testing.assert_allclose(sc.path_values("coverage_rate", [2020, 2024, 2025, 2040])[1], [0.4, 0.48, 0.7, 0.7])
    np.testing.assert_allclose(sc.path_values("coverage_rate", [2020, 2040])[[0, 2]], [[1.0, 1.0], [0.02, 0.02]])
    # a global parameter: the default 1.0 until 2029
    np.testing.assert_array_equal(sc.path_values("fertility_multiplier", [2020, 2029, 2030, 2040]),
                                  [1.0, 1.0, 0.8, 0.8])
    sources = sc.parameter_sources["contribution_rate_employer"]
    assert sources["entities"]["private"] == {
        "source": "scenario overlay.yaml", "confidence": "assumed", "origin": "scenario", "from_year": 2027,
        "before": {"source": "law", "confidence": "verified", "origin": "assumptions"},
    }
    assert sources["entities"]["public"] == {"source": "law", "confidence": "verified", "origin": "assumptions"}
    assert {k: sources[k] for k in ("source", "origin")} == {"source": "scenario overlay.yaml", "origin": "scenario"}
    assert "from_year" not in sources  # per entity only
    assert sc.parameter_sources["fertility_multiplier"]["from_year"] == 2030
    assert pickle.loads(pickle.dumps(sc)) == sc and load_scenario(GOOD / "overlay.yaml") == sc


def test_per_entity_changes_from_later_years_through_extends():
    sc = load_scenario(GOOD / "overlay_child.yaml")  # the parent from 2025, the child from 2030
    years = [2020, 2024, 2025, 2029, 2030, 2035, 2040]
    rates = sc.path_values("contribution_rate_employer", years)
    np.testing.assert_array_equal(rates[1], [0.06, 0.06, 0.065, 0.065, 0.07, 0.07, 0.07])
    np.testing.assert_array_equal(rates[0], [0.085] * 7)
    # fertility: default 1.0, the parent's 0.9 from 2025, the child's 0.9 -> 0.7 (linear) from 2030
    np.testing.assert_allclose(sc.path_values("fertility_multiplier", years), [1.0, 1.0, 0.9, 0.9, 0.9, 0.8, 0.7])
    private = sc.parameter_sources["contribution_rate_employer"]["entities"]["private"]
    assert (private["source"], private["from_year"]) == ("scenario overlay_child.yaml", 2030)
    assert (private["before"]["source"], private["before"]["from_year"]) == ("scenario overlay_parent.yaml", 2025)
    assert private["before"]["before"] == {"source": "law", "confidence": "verified", "origin": "assumptions"}


def test_per_entity_with_changes_from_a_later_year():
    sc = load_scenario(GOOD / "scheme_base.yaml")  # private: {2020: 0.06, 2027: 0.07}
    new = sc.with_changes({"contribution_rate_employer": {"public": {2030: 0.1}, "private": {2035: 0.08}}})
    rates = new.path_values("contribution_rate_employer", [2026, 2027, 2029, 2030, 2034, 2035])
    np.testing.assert_array_equal(rates[0], [0.085, 0.085, 0.085, 0.1, 0.1, 0.1])
    np.testing.assert_array_equal(rates[1], [0.06, 0.07, 0.07, 0.07, 0.07, 0.08])
    np.testing.assert_array_equal(rates[2], [0.0] * 6)
    entities = new.parameter_sources["contribution_rate_employer"]["entities"]
    assert entities["public"]["before"]["origin"] == "assumptions"
    assert new.parameter_sources["contribution_rate_employer"]["entities"]["private"]["before"]["source"] == (
        "scenario scheme_base.yaml"
    )


def test_per_entity_change_from_a_later_year_range_error_cites_entity_and_year():
    (p,) = problems_of(scenario({"contribution_rate_employer": {"private": {"values": {2030: 0.9},
                                                                             "after": {"grow": 0.1}}}}), base_dir=GOOD)
    # 0.9 x 1.1^2 = 1.089 > 1 in 2032
    assert p.message == (
        "changes.contribution_rate_employer.private[2032] = 1.089 is outside [0, 1] (range declared in ssproj "
        "defaults.yaml); 8 later years too (value computed by the rule after: {grow: 0.1})"
    )


def test_shares_checked_with_a_change_from_a_later_year():
    problems = problems_of(scenario({"contribution_share": {"sickness": {2030: 0.1}}}), base_dir=GOOD)
    assert problems[0].message.split("; for each")[0] == (
        "changes.contribution_share.sickness: the contribution shares of group 'public' sum to 1.03 in 2030, not 1: "
        "long_term_share 0.9 + contribution_share 0.13 (sickness 0.1, maternity 0.03); 10 later years too"
    )
    # compensated from the same year: fine
    load_scenario(scenario({"contribution_share": {"sickness": {2030: 0.1}},
                            "long_term_share": {g: {2030: 0.87} for g in ("public", "private", "voluntary")}}),
                  base_dir=GOOD)


def test_per_entity_round_trip_through_to_dict():
    sc = load_scenario(GOOD / "overlay_child.yaml")
    d = json.loads(json.dumps(sc.to_dict(), sort_keys=True, default=str))
    assert d["parameters"]["contribution_rate_employer"]["private"] == {
        "values": {"2030": 0.07}, "between": "step", "after": "hold",
        "before": {"values": {"2025": 0.065}, "between": "step", "after": "hold", "before": 0.06},
    }
    again = load_scenario({"assumptions": d["assumptions"]["path"], "projection": d["projection"],
                           "changes": d["parameters"]})
    assert again.parameters == sc.parameters
    np.testing.assert_array_equal(again.path_values("contribution_rate_employer"),
                                  sc.path_values("contribution_rate_employer"))


def test_with_changes_per_entity_is_validated():
    sc = load_scenario(GOOD / "scheme_base.yaml")
    with pytest.raises(ScenarioError) as info:
        sc.with_changes({"contribution_rate_employer": {"private": {2020: 0.06, 2027: 1.5}, "publik": 0.1}})
    assert str(info.value).splitlines() == [
        "<with_changes>: changes.contribution_rate_employer.private[2027] = 1.5 is outside [0, 1] "
        "(range declared in ssproj defaults.yaml)",
        "<with_changes>: changes.contribution_rate_employer.publik: unknown insured group "
        "(not declared in the assumption set); did you mean 'public'?",
    ]


def test_scheme_scenario_round_trips():
    sc = load_scenario(GOOD / "scheme_child.yaml")
    assert pickle.loads(pickle.dumps(sc)) == sc
    assert load_scenario(GOOD / "scheme_child.yaml") == sc
    d = sc.to_dict()
    json.dumps(d)
    assert d["parameters"]["contribution_rate_employer"]["public"] == 0.09
    assert d["parameters"]["opening_reserve"] == {"long_term": 1.5e6, "short_term": 2.0e5}
    with pytest.raises(TypeError, match="with_changes"):
        sc.parameters["coverage_rate"]["public"] = TimePath(0.5)


# =============================================================================
# 4. cross-parameter checks
# =============================================================================
def test_shares_must_sum_to_one_per_group_and_year():
    # the set: long-term 0.9 + sickness 0.07 + maternity 0.03 = 1 for every group
    load_scenario(scenario(), base_dir=GOOD)
    # a branch share raised from 2030 in the scenario: every group is wrong from 2030, cited at the change
    problems = problems_of(scenario({"contribution_share": {"sickness": {2020: 0.07, 2030: 0.1}}}), base_dir=GOOD)
    assert [p.message.split("; for each")[0] for p in problems] == [
        f"changes.contribution_share.sickness: the contribution shares of group {g!r} sum to 1.03 in 2030, not 1: "
        "long_term_share 0.9 + contribution_share 0.13 (sickness 0.1, maternity 0.03); 10 later years too"
        for g in ("public", "private", "voluntary")
    ]
    assert problems[0].hint.startswith("for each group and year, long_term_share plus the contribution_share")
    # compensated in the same change: fine
    load_scenario(scenario({"contribution_share": {"sickness": {2020: 0.07, 2030: 0.1}},
                            "long_term_share": {g: {2020: 0.9, 2030: 0.87}
                                                for g in ("public", "private", "voluntary")}}),
                  base_dir=GOOD)
    # within the tolerance of 1e-9
    load_scenario(scenario({"long_term_share": {"public": 0.9 + 1e-10}}), base_dir=GOOD)
    (p,) = problems_of(scenario({"long_term_share": {"public": 0.9 + 1e-8}}), base_dir=GOOD)
    assert "group 'public' sum to 1.00000001 in 2020" in p.message


def test_shares_check_skipped_when_a_share_is_invalid():
    (p,) = problems_of(scenario({"contribution_share": {"sickness": 1.5}}), base_dir=GOOD)
    assert "is outside [0, 1]" in p.message


def test_valuation_year_within_the_projection(scheme_copy):
    load_scenario(scenario({"valuation_year": 2020}), base_dir=GOOD)  # start_year <= valuation_year
    (p,) = problems_of(scenario({"valuation_year": 2019}), base_dir=GOOD)
    assert p.message == (
        "changes.valuation_year = 2019 must satisfy projection.start_year (2020) <= valuation_year "
        "< projection.end_year (2040); the scheme is projected for the years after the valuation year, up to end_year"
    )
    # the set's value, cited in the set
    (p,) = problems_of({**BASE, "projection": {"start_year": 2020, "end_year": 2022}}, base_dir=GOOD)
    assert Path(p.file).name == "assumptions.yaml" and p.key_path == "parameters.valuation_year.value"
    # the default (2023), cited at the scenario's projection
    path = edit_set(scheme_copy, "  valuation_year: {value: 2022, source: madeup, confidence: verified}\n", "")
    (scheme_copy / "scenarios" / "s.yaml").write_text(
        "assumptions: tiny_scheme\nprojection: {start_year: 2020, end_year: 2023}\n")
    (p,) = problems_of(scheme_copy / "scenarios" / "s.yaml")
    assert (Path(p.file).name, p.line, p.key_path, p.value) == ("s.yaml", 2, "valuation_year", 2023)
    assert "(the default) must satisfy" in p.message
    assert path.exists()


def test_long_term_fund_must_be_declared(scheme_copy):
    (p,) = problems_of(scenario({"long_term_fund": "long_trm"}), base_dir=GOOD)
    assert p.message == (
        "changes.long_term_fund = 'long_trm' is not a declared fund of the assumption set "
        "(funds: long_term, short_term); did you mean 'long_term'?"
    )
    load_scenario(scenario({"long_term_fund": "short_term"}), base_dir=GOOD)
    # the default 'long_term' with no such fund: cited at the set's funds
    edit_set(scheme_copy, "  long_term:  {title: 'Pensions (old age, invalidity, survivors)'}\n", "")
    edit_set(scheme_copy, "value: {long_term: 1.5e6, short_term: 2.0e5}", "value: {short_term: 2.0e5}")
    (p,) = problems_of(scheme_copy / "scenarios" / "s.yaml")
    assert p.key_path == "long_term_fund" and Path(p.file).name == "assumptions.yaml"
    assert "(the default) is not a declared fund of the assumption set (funds: short_term)" in p.message


# =============================================================================
# 3. scheme tables
# =============================================================================
SCHEME_TABLES = [n for n, s in TABLE_SCHEMAS.items() if s.scheme]


@pytest.mark.parametrize("name", SCHEME_TABLES)
def test_tiny_scheme_tables_load_cleanly(name):
    groups = ("public", "private", "voluntary")
    df, problems = load_table(name, SCHEME / "scheme" / f"{name}.csv", groups=groups)
    assert problems == []
    schema = TABLE_SCHEMAS[name]
    assert "year" not in df.columns and "period_start" not in df.columns
    assert df["age_start"].dtype == np.int64 and df["age_end"].dtype == np.float64
    for column in schema.value_names:
        assert df[column].dtype == np.float64
    assert df.attrs["units"] == {c.name: c.unit for c in schema.values}
    if "group" in df.columns:  # groups in declaration order
        seen = list(dict.fromkeys(df["group"]))
        assert seen == [g for g in groups if g in seen]


def test_scheme_tables_normalised():
    df, _ = load_table("insured", SCHEME / "scheme" / "insured.csv", groups=("public", "private", "voluntary"))
    assert list(df.columns) == ["group", "sex", "status", "age_start", "age_end", "service", "persons"]
    assert df["service"].dtype == np.int64
    assert df[["group", "sex", "status"]].iloc[0].tolist() == ["public", "male", "active"]
    df, _ = load_table("pensioners", SCHEME / "scheme" / "pensioners.csv")
    assert list(df.columns) == ["type", "group", "sex", "age_start", "age_end", "persons", "average_pension"]
    assert df["type"].tolist()[:1] == ["old_age"] and df["type"].tolist()[-1] == "orphan"
    df, _ = load_table("labour_force_participation", SCHEME / "scheme" / "labour_force_participation.csv")
    assert list(df.columns) == ["sex", "age_start", "age_end", "rate"]
    assert df["age_start"].iloc[0] == 15 and np.isnan(df["age_end"].iloc[3])  # starts at 15, ends 65+


def test_single_age_and_no_service(tmp_path):
    lines = ["group,sex,age,status,persons"]
    lines += [f"public,{s},{a},active,10" for s in ("male", "female") for a in (20, 21, 22)]
    path = tmp_path / "insured.csv"
    path.write_text("\n".join(lines) + "\n")
    df, problems = load_table("insured", path)
    assert problems == []
    assert list(df.columns) == ["group", "sex", "status", "age_start", "age_end", "persons"]
    np.testing.assert_array_equal(df["age_end"], df["age_start"].astype(float))
    path.write_text("sex,age,rate\n" + "".join(f"{s},{a},0.5\n" for s in ("male", "female") for a in range(15, 101)))
    df, problems = load_table("labour_force_participation", path)
    assert problems == [] and np.isnan(df["age_end"].iloc[-1]) and df["age_start"].iloc[-1] == 100


G = ("public", "private")
# (table, CSV lines, groups passed, line, column, fragment of the message)
BAD_TABLES = [
    ("labour_force_participation",
     ["sex,age_start,age_end,rate", "male,15,64,0.8", "male,65,,1.2", "female,15,64,0.6", "female,65,,0.2"],
     None, 3, "rate", "rate = 1.2 is outside [0, 1] (share of the population in the labour force, [1])"),
    ("labour_force_participation",
     ["sex,age_start,age_end,rate", "male,15,64,0.8", "male,65,70,0.2", "female,15,64,0.6", "female,65,,0.2"],
     None, 3, "age_end", "is the last age group of sex male: it must be an open group"),
    ("labour_force_participation",
     ["sex,age_start,age_end,rate", "male,15,24,0.8", "male,30,,0.2", "female,15,24,0.6", "female,25,,0.2"],
     None, 3, "age_start", "gap in the age groups of sex male: group 30+ follows 15-24"),
    ("labour_force_participation",
     ["sex,age_start,age_end,rate", "male,15,64,0.8", "male,65,,0.2"],
     None, 2, "sex", "no rows for female (the table); the table needs both sexes"),
    ("employment_structure",
     ["sex,age_start,age_end,public,private,informal", "male,15,,0.1,0.2,0.6", "female,15,,0.1,0.2,0.7"],
     None, 2, "public + private + informal", "the shares sum to 0.9, not 1 (±1e-06)"),
    ("salary_scale",
     ["group,age_start,age_end,index", "public,15,70,1.0", "privat,15,70,1.0"],
     G, 3, "group", "privat' is not an insured group of the assumption set (groups: public, private); "
                    "did you mean 'private'?"),
    ("salary_scale",
     ["group,age_start,age_end,index", "public,15,39,1.0", "public,40,69,1.0", "private,15,,1.0"],
     G, 3, "age_end", "age_end = 69 is the last age of group public: the age groups must reach age 70 at least"),
    ("salary_scale",
     ["group,age_start,age_end,index", "public,20,,1.0", "private,15,,1.0"],
     G, 2, "age_start", "is the first age of group public: the age groups must start at 15 or below"),
    ("salary_scale",
     ["group,age_start,age_end,index", "public,15,,1.0"],
     G, None, "group", "no rows for the insured group private (table salary_scale needs every group"),
    ("salary_scale",
     ["group,age_start,age_end,index", "public,15,,0", "private,15,,1.0"],
     G, 2, "index", "index = 0.0 is outside (0, 50]"),
    ("entry_age_distribution",
     ["group,sex,age_start,age_end,weight", "public,male,20,29,1", "public,female,20,29,0",
      "private,male,20,29,1", "private,female,20,29,1"],
     G, 3, "weight", "the weights of group public, sex female sum to 0; give at least one positive weight"),
    ("entry_age_distribution",
     ["group,sex,age_start,age_end,weight", "public,male,20,29,1", "public,male,25,34,1",
      "public,female,20,29,1"],
     None, 3, "age_start", "overlap in the age groups of group public, sex male: group 25-34 follows 20-29"),
    ("entry_age_distribution",
     ["group,sex,age_start,age_end,weight", "public,male,20,29,1"],
     None, 2, "sex", "no rows for female (group public); every group needs both sexes"),
    ("invalidity_incidence",
     ["sex,age_start,age_end,rate", "m,15,64,0.001", "female,15,64,0.001"],
     None, 2, "sex", "sex = 'm' is not a sex (male | female); did you mean 'male'?"),
    ("family",
     ["sex,age_start,age_end,married,spouse_age_difference,children", "male,15,,1.5,-3,1", "female,15,,0.5,3,1"],
     None, 2, "married", "married = 1.5 is outside [0, 1] (probability of leaving a spouse, [1])"),
    ("insured",
     ["group,sex,age,status,persons", "public,male,30,retired,10"],
     None, 2, "status", "status = 'retired' is not a status (active | inactive)"),
    ("insured",
     ["group,sex,age,status,service,persons", "public,male,30,active,61,10"],
     None, 2, "service", "service = 61 is outside 0-60 (single years)"),
    ("insured",
     ["group,sex,age,status,services,persons", "public,male,30,active,1,10"],
     None, 1, "services", "unknown column for table insured; did you mean 'service'?"),
    ("insured",
     ["group,sex,age,status,persons", "Public,male,30,active,10"],
     None, 2, "group", "is not a group name (lower case letters, digits and underscores, starting with a letter)"),
    ("insured",
     ["group,sex,age,status,persons", "public,male,30,active,-1"],
     None, 2, "persons", "persons = -1.0 is outside [0, 1e+10] (persons at 31 December of valuation_year)"),
    ("insured",
     ["group,sex,age,status,persons", "public,male,30,active,1", "public,male,30,active,2"],
     None, 3, "age_start", "duplicate row (group public, sex male, status active, age_start 30), also at line 2"),
    ("pensioners",
     ["type,group,sex,age_start,age_end,persons,average_pension", "survivor,public,female,40,,1,100"],
     None, 2, "type", "type = 'survivor' is not a type (old_age | invalidity | widow | orphan | parent)"),
    ("pensioners",
     ["type,group,sex,age_start,age_end,persons,average_pension", "old_age,public,male,60,,1,100",
      "old_age,public,male,70,,1,100"],
     None, 2, "age_end", "open age group 60+ of type old_age, group public, sex male is not the last group"),
    ("pensioners",
     ["type,group,sex,age_start,age_end,persons,average_pension", "old_age,public,male,60,,1,-5"],
     None, 2, "average_pension", "average_pension = -5.0 is outside [0, 1e+15] (currency/month)"),
]


@pytest.mark.parametrize(
    "name, lines, groups, line, column, fragment", BAD_TABLES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD_TABLES)],
)
def test_bad_scheme_tables(tmp_path, name, lines, groups, line, column, fragment):
    path = tmp_path / f"{name}.csv"
    path.write_text("\n".join(lines) + "\n")
    df, problems = load_table(name, path, groups=groups)
    assert df is None
    assert len(problems) == 1, [str(p) for p in problems]
    (p,) = problems
    assert (Path(p.file), p.line, p.key_path) == (path.resolve(), line, column)
    assert fragment in p.message, p.message


def test_every_scheme_table_has_a_bad_case():
    assert {c[0] for c in BAD_TABLES} == set(SCHEME_TABLES)


def test_table_groups_are_checked_against_the_set(scheme_copy):
    csv = scheme_copy / "assumptions" / "tiny_scheme" / "scheme" / "insured.csv"
    csv.write_text(csv.read_text().replace("voluntary,female,15,29,active", "volunteer,female,15,29,active"))
    (p,) = problems_of(scheme_copy / "scenarios" / "s.yaml")
    assert Path(p.file) == csv.resolve() and p.key_path == "group"
    assert p.line == next(i for i, l in enumerate(csv.read_text().splitlines(), 1) if l.startswith("volunteer"))
    assert "is not an insured group of the assumption set (groups: public, private, voluntary)" in p.message
    assert p.hint == "did you mean 'voluntary'?"


def test_scheme_tables_are_required_with_groups(scheme_copy):
    path = scheme_copy / "assumptions" / "tiny_scheme" / "assumptions.yaml"
    path.write_text("\n".join(l for l in path.read_text().splitlines()
                              if not l.startswith(("  family:", "  pensioners:"))) + "\n")
    problems = problems_of(scheme_copy / "scenarios" / "s.yaml")
    assert sorted(p.message for p in problems) == [
        "tables: required table 'family' is missing (family statistics of members by sex and age; "
        "scheme tables are required when the set declares insured groups)",
        "tables: required table 'pensioners' is missing (pensions in payment at 31 december of the valuation year; "
        "scheme tables are required when the set declares insured groups)",
    ]
    with pytest.raises(ScenarioError, match="required table 'family' is missing"):
        load_assumptions(path)


# =============================================================================
# the catalogue (defaults.yaml) and the reference page
# =============================================================================
CATALOGUE = {
    # name: (section, per, type, unit, range, default)
    "price_inflation": ("economy", None, "timepath", "1/year", (-0.1, 2.0), 0.03),
    "wage_growth": ("economy", None, "timepath", "1/year", (-0.2, 2.0), 0.05),
    "average_wage": ("economy", None, "timepath", "currency/month", (0.0, None), 1.0),
    "minimum_wage": ("economy", None, "timepath", "currency/month", (0.0, None), 1.0),
    "contribution_ceiling": ("economy", None, "timepath", "currency/month", (0.0, None), 1.0e30),
    "contribution_floor_ratio": ("economy", None, "timepath", "1", (0.0, 5.0), 0.0),
    "investment_return": ("economy", None, "timepath", "1/year", (-0.5, 2.0), 0.05),
    "gdp": ("economy", None, "timepath", "currency/year", (0.0, None), 1.0),
    "gdp_growth": ("economy", None, "timepath", "1/year", (-0.5, 2.0), 0.05),
    "exchange_rate": ("economy", None, "timepath", "currency/USD", (0.0, None), 1.0),
    "participation_multiplier": ("labour", None, "timepath", "1", (0.0, 2.0), 1.0),
    "unemployment_rate": ("labour", None, "timepath", "1", (0.0, 1.0), 0.03),
    "private_share_multiplier": ("labour", None, "timepath", "1", (0.0, 10.0), 1.0),
    "domestic_worker_share": ("labour", None, "timepath", "1", (0.0, 1.0), 0.0),
    "coverage_rate": ("coverage", "group", "timepath", "1", (0.0, 1.0), 0.0),
    "contribution_density": ("coverage", "group", "timepath", "1", (0.0, 1.0), 1.0),
    "lapse_rate": ("coverage", "group", "timepath", "1/year", (0.0, 1.0), 0.0),
    "reentry_rate": ("coverage", "group", "timepath", "1/year", (0.0, 1.0), 0.0),
    "earnings_level": ("coverage", "group", "timepath", "1", (0.0, 20.0), 1.0),
    "earnings_dispersion": ("coverage", "group", "float", "1", (0.0, 3.0), 0.6),
    "mortality_factor": ("coverage", "group", "float", "1", (0.1, 5.0), 1.0),
    "contribution_base": ("coverage", "group", "str", "-", None, "wage"),
    "declared_income_min_ratio": ("coverage", "group", "timepath", "1", (0.0, 50.0), 1.0),
    "declared_income_max_ratio": ("coverage", "group", "timepath", "1", (0.0, 50.0), 1.0),
    "contribution_rate_employer": ("contributions", "group", "timepath", "1", (0.0, 1.0), 0.0),
    "contribution_rate_employee": ("contributions", "group", "timepath", "1", (0.0, 1.0), 0.0),
    "contribution_rate_state": ("contributions", "group", "timepath", "1", (0.0, 1.0), 0.0),
    "long_term_share": ("contributions", "group", "timepath", "1", (0.0, 1.0), 1.0),
    "contribution_share": ("contributions", "branch", "timepath", "1", (0.0, 1.0), 0.0),
    "pensionable_age_male": ("benefits", "group", "timepath", "years", (40.0, 80.0), 60.0),
    "pensionable_age_female": ("benefits", "group", "timepath", "years", (40.0, 80.0), 60.0),
    "minimum_service": ("benefits", "group", "timepath", "years", (0.0, 50.0), 15.0),
    "accrual_rate": ("benefits", "group", "timepath", "1/year", (0.0, 0.1), 0.015),
    "base_rate": ("benefits", "group", "timepath", "1", (0.0, 1.5), 0.0),
    "full_service": ("benefits", "group", "timepath", "years", (0.0, 60.0), 0.0),
    "short_service_reduction": ("benefits", "group", "timepath", "1/year", (0.0, 0.2), 0.0),
    "service_cap": ("benefits", "group", "timepath", "years", (0.0, 60.0), 50.0),
    "replacement_cap": ("benefits", "group", "timepath", "1", (0.0, 2.0), 0.75),
    "reference_period": ("benefits", "group", "int", "years", (1.0, 50.0), 5),
    "minimum_pension_ratio": ("benefits", "group", "timepath", "1", (0.0, 5.0), 0.0),
    "maximum_pension_ratio": ("benefits", "group", "timepath", "1", (0.0, 10.0), 10.0),
    "lump_sum_months_per_year": ("benefits", "group", "timepath", "months/year", (0.0, 24.0), 1.0),
    "invalidity_min_service": ("benefits", "group", "timepath", "years", (0.0, 50.0), 1.0),
    "invalidity_rate": ("benefits", "group", "timepath", "1", (0.0, 1.5), 0.6),
    "survivor_min_service": ("benefits", "group", "timepath", "years", (0.0, 50.0), 5.0),
    "widow_rate": ("benefits", None, "timepath", "1", (0.0, 1.0), 0.3),
    "orphan_rate": ("benefits", None, "timepath", "1", (0.0, 1.0), 0.2),
    "orphan_age_limit": ("benefits", None, "int", "years", (0.0, 30.0), 18),
    "indexation_price_weight": ("benefits", None, "timepath", "1", (0.0, 1.0), 1.0),
    "indexation_extra": ("benefits", None, "timepath", "1/year", (-0.2, 0.2), 0.0),
    "cost_rate": ("short_term", "branch", "timepath", "1", (0.0, 1.0), 0.0),
    "opening_reserve": ("finance", "fund", "float", "currency", (None, None), 0.0),
    "admin_cost_rate": ("finance", None, "timepath", "1", (0.0, 1.0), 0.0),
    "admin_cost_per_member": ("finance", None, "timepath", "currency/year", (0.0, None), 0.0),
    "long_term_fund": ("finance", None, "str", "-", None, "long_term"),
    "valuation_year": ("finance", None, "int", "year", (1990.0, 2100.0), 2023),
}
UNITS = {"currency/month", "currency/year", "currency", "currency/USD", "1", "1/year", "years", "months/year",
         "year", "-"}


def test_catalogue_matches_the_spec():
    specs = load_parameter_specs()
    for name, (section, per, ptype, unit, rng, default) in CATALOGUE.items():
        spec = specs[name]
        assert (spec.section, spec.per, spec.type, spec.unit, spec.range) == (section, per, ptype, unit, rng), name
        assert spec.default == (TimePath(default) if ptype == "timepath" else default), name
        assert spec.confidence == "assumed" and spec.source == "ssproj generic default", name
    assert all(specs[n].unit in UNITS for n in CATALOGUE)
    assert specs["contribution_base"].choices == ("wage", "declared_income", "flat_amount")
    for name in ("average_wage", "minimum_wage", "admin_cost_per_member"):
        assert specs[name].after == {"index": "wage_growth"} and specs[name].between == "step"
    assert specs["gdp"].after == {"index": "gdp_growth"}
    assert specs["contribution_ceiling"].after == "hold"
    for name in ("coverage_rate", "participation_multiplier", "private_share_multiplier"):
        assert specs[name].between == "linear"
    sections = list(dict.fromkeys(s.section for s in specs.values()))
    assert sections == ["demography", "economy", "labour", "coverage", "contributions", "benefits",
                        "short_term", "finance"]


def test_reference_page_shows_per_and_sections():
    md = parameter_reference_markdown()
    headings = re.findall(r"^## (.+)$", md, flags=re.M)
    assert headings == ["Demography", "Economy", "Labour force", "Coverage of the insured groups",
                        "Contributions", "Benefits", "Short-term benefits", "Finance"]
    entry = md[md.index("### Employer contribution rate"):]
    entry = entry[: entry.index("\n### ")]
    assert "| Given | per insured group: a mapping `{public: ..., private: ...}` |" in entry
    assert "| Default | `0.0` for every insured group not given |" in entry
    assert "| Given | per short-term branch" in md and "| Given | per fund" in md
    wage = md[md.index("### Nominal wage growth"):]
    assert "| Given |" not in wage[: wage.index("\n### ")]


def test_metadata_per_key_is_validated(tmp_path):
    f = tmp_path / "defaults.yaml"
    f.write_text(
        "rate:\n  title: r\n  description: d\n  section: s\n  unit: '1'\n  type: float\n  range: [0, 1]\n"
        "  per: grup\n  default: 0.5\n  source: x\n  confidence: assumed\n"
    )
    with pytest.raises(ScenarioError, match=r"rate.per = 'grup' is not a kind of entity \(group \| fund \| branch\); "
                                            r"did you mean 'group'\?"):
        load_parameter_specs(f)


def test_parse_entities_directly():
    spec = load_parameter_specs()["coverage_rate"]
    where = Where(lambda p: ("s.yaml", None), ("changes", "coverage_rate"))
    values, problems = spec.parse_entities({"public": 0.5, "private": {2020: 0.1}}, where,
                                           entities=("public", "private"))
    assert problems == [] and values == {"public": TimePath(0.5), "private": TimePath({2020: 0.1}, between="linear")}
    # entities unknown (None): names are not checked
    values, problems = spec.parse_entities({"anything": 0.5}, where)
    assert problems == [] and list(values) == ["anything"]
    with pytest.raises(ValueError, match="not set per entity"):
        load_parameter_specs()["wage_growth"].parse_entities({}, where)
