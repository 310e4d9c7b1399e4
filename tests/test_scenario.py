"""Tests for ssproj.scenario (load_scenario, load_assumptions, Scenario) and
ssproj.scenario.parameters (defaults.yaml metadata)."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from ssproj import _version
from ssproj.errors import ScenarioError
from ssproj.scenario import AssumptionSet, Scenario, find_assumptions, load_assumptions, load_scenario
from ssproj.scenario.parameters import DEFAULTS_PATH, load_parameter_specs, parameter_reference_markdown
from ssproj.scenario.timepath import TimePath
from ssproj.scenario.yamlio import Where, dump_yaml, parse_yaml

HERE = Path(__file__).parent
DATA = HERE / "data"
BAD = DATA / "bad_scenarios"
GOOD = DATA / "scenarios"
TINY = DATA / "assumptions" / "tiny"
REPO = HERE.parent


def problems_of(source, **kwargs):
    with pytest.raises(ScenarioError) as info:
        load_scenario(source, **kwargs)
    return info.value.problems


@pytest.fixture
def tiny_copy(tmp_path):
    """A writable copy of the tiny assumption set, with a scenario next to it."""
    shutil.copytree(TINY, tmp_path / "assumptions" / "tiny")
    (tmp_path / "scenarios").mkdir()
    scenario = tmp_path / "scenarios" / "s.yaml"
    scenario.write_text("assumptions: tiny\nprojection: {start_year: 2020, end_year: 2030}\n")
    return tmp_path


# =============================================================================
# Bad scenario files: one row per kind of mistake, precise message content
# =============================================================================
BAD_CASES = [
    # (file, file named in the location, line, fragments of the message)
    ("unknown_key.yaml", "unknown_key.yaml", 3,
     ["descripton: unknown key in a scenario", "did you mean 'description'?"]),
    ("wrong_type.yaml", "wrong_type.yaml", 4,
     ["projection.start_year = '2020' is not an integer (a calendar year)"]),
    ("rate_out_of_range.yaml", "rate_out_of_range.yaml", 9,
     ["changes.mortality_improvement[2031] = 0.2 is outside [-0.05, 0.1] (range declared in ssproj defaults.yaml)"]),
    ("missing_table.yaml", "missing_table.yaml", 7,
     ["tables.population = '../data/nowhere/population.csv' names a file that does not exist: "
      + str((DATA / "data" / "nowhere" / "population.csv").resolve())]),
    ("missing_assumptions.yaml", "missing_assumptions.yaml", 2,
     ["assumptions = 'nowhere' names no assumption set that exists; looked in: "
      + str((DATA / "assumptions" / "nowhere" / "assumptions.yaml").resolve())]),
    ("cycle_a.yaml", "cycle_b.yaml", 2,
     ["extends = 'cycle_a.yaml' creates a cycle: cycle_a.yaml -> cycle_b.yaml -> cycle_a.yaml"]),
    ("gap.yaml", "gap.yaml", 8,
     ["changes.migration_multiplier.values: gap", "missing 2022-2023"]),
    ("overlay_out_of_range.yaml", "overlay_out_of_range.yaml", 7,
     ["changes.mortality_improvement[2033] = 0.10648 is outside [-0.05, 0.1]", "7 later years too",
      "(value computed by the rule after: {grow: 0.1})"]),
    ("malformed.yaml", "malformed.yaml", 5,
     ["invalid YAML: mapping values are not allowed here"]),
    ("duplicate_key.yaml", "duplicate_key.yaml", 8,
     ["changes.fertility_multiplier: duplicate key (first given at line 7)"]),
    ("unknown_parameter.yaml", "unknown_parameter.yaml", 7,
     ["changes.fertility_multiplyer: unknown parameter", "did you mean 'fertility_multiplier'?"]),
    ("bad_confidence.yaml", "bad_confidence.yaml", 10,
     ["tables.tfr.confidence = 'verifed' is not a confidence level (verified | secondary | assumed)",
      "did you mean 'verified'?"]),
    ("after_none.yaml", "after_none.yaml", 7,
     ["changes.fertility_multiplier: time path ends in 2030 with after: none, but projection.end_year is 2040"]),
    ("bad_index.yaml", "bad_index.yaml", 9,
     ["changes.wage_growth.after.index = 'fertility_multiplier' cannot be used as an index",
      "unit '1/year'"]),
    ("start_not_in_population.yaml", "start_not_in_population.yaml", 4,
     ["projection.start_year = 2021 is not a year of the population table", "has 2020)"]),
    ("start_after_end.yaml", "start_after_end.yaml", 5,
     ["projection.end_year = 2010 must be after start_year (2020)"]),
    ("grows_out_of_range.yaml", "grows_out_of_range.yaml", 7,
     ["changes.fertility_multiplier[2034] = 3.038765625 is outside [0, 3]", "6 later years too",
      "after: {grow: 0.05}"]),
    ("extends_missing.yaml", "extends_missing.yaml", 2,
     ["extends = 'no_such_parent.yaml' names a file that does not exist: "
      + str((BAD / "no_such_parent.yaml").resolve())]),
    ("empty.yaml", "empty.yaml", None, ["the scenario file is empty"]),
    ("bad_table.yaml", "bad_population.csv", 5,
     ["persons = -100.0 is outside [0, 1e+10] (persons at 1 July)"]),
    # per-group parameters and scheme checks (assumption set tiny_scheme)
    ("unknown_group.yaml", "unknown_group.yaml", 8,
     ["changes.contribution_rate_employer.privat: unknown insured group", "did you mean 'private'?"]),
    ("group_rate_out_of_range.yaml", "group_rate_out_of_range.yaml", 10,
     ["changes.contribution_rate_employer.private[2027] = 1.5 is outside [0, 1] "
      "(range declared in ssproj defaults.yaml)"]),
    ("shares_not_one.yaml", "shares_not_one.yaml", 8,
     ["changes.long_term_share.private: the contribution shares of group 'private' sum to 0.95 in 2030, not 1",
      "long_term_share 0.85 + contribution_share 0.1 (sickness 0.07, maternity 0.03); 10 later years too"]),
    ("valuation_after_end.yaml", "valuation_after_end.yaml", 7,
     ["changes.valuation_year = 2040 must satisfy projection.start_year (2020) <= valuation_year "
      "< projection.end_year (2040)"]),
]


@pytest.mark.parametrize("name, located_in, line, fragments", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_scenario_message(name, located_in, line, fragments, monkeypatch):
    monkeypatch.delenv("SSPROJ_ASSUMPTIONS", raising=False)
    problems = problems_of(BAD / name)
    assert len(problems) == 1, "\n".join(map(str, problems))
    p = problems[0]
    assert Path(p.file).name == located_in
    assert p.line == line
    text = str(p)
    assert text.startswith(p.location + ": ")
    for fragment in fragments:
        assert fragment in text


def test_bad_fixtures_are_all_in_the_table():
    listed = {c[0] for c in BAD_CASES} | {"cycle_b.yaml", "several.yaml"}
    assert {p.name for p in BAD.glob("*.yaml")} == listed


def test_several_problems_in_one_file_all_reported():
    problems = problems_of(BAD / "several.yaml")
    lines = [str(p) for p in problems]
    assert [p.line for p in problems] == [6, 7, 9, 10]
    assert "projection.step: unknown key in projection; expected one of: end_year, start_year" in lines[0]
    assert "seed = -3 must be an integer from 0 to 9,223,372,036,854,775,807 (2^63 - 1)" in lines[1]
    assert "changes.fertility_multiplier[2030] = 3.5 is outside [0, 3]" in lines[2]
    assert "changes.wage_growht: unknown parameter; did you mean 'wage_growth'?" in lines[3]
    # str(error) lists every problem, one per line
    with pytest.raises(ScenarioError) as info:
        load_scenario(BAD / "several.yaml")
    assert str(info.value).splitlines() == lines


def test_missing_assumption_set_names_every_path(monkeypatch, tmp_path):
    extra1, extra2 = tmp_path / "one", tmp_path / "two"
    monkeypatch.setenv("SSPROJ_ASSUMPTIONS", os.pathsep.join([str(extra1), str(extra2)]))
    (p,) = problems_of(BAD / "missing_assumptions.yaml")
    text = str(p)
    expected = [
        (DATA / "assumptions" / "nowhere" / "assumptions.yaml").resolve(),
        (extra1 / "nowhere" / "assumptions.yaml").resolve(),
        (extra2 / "nowhere" / "assumptions.yaml").resolve(),
    ]
    positions = [text.index(str(e)) for e in expected]
    assert positions == sorted(positions)


def test_missing_scenario_file(tmp_path):
    (p,) = problems_of(tmp_path / "nope.yaml")
    assert "scenario file not found" in p.message and str(tmp_path / "nope.yaml") in p.message


def test_problems_in_a_parent_cite_the_parent(tmp_path, tiny_copy):
    d = tiny_copy / "scenarios"
    (d / "parent.yaml").write_text(
        "assumptions: tiny\nprojection: {start_year: 2020, end_year: 2030}\nchanges:\n  mortality_multiplier: 9\n"
    )
    (d / "child.yaml").write_text("extends: parent.yaml\nchanges:\n  fertility_multiplier: -1\n")
    problems = problems_of(d / "child.yaml")
    located = sorted((Path(p.file).name, p.line, p.key_path) for p in problems)
    assert located == [
        ("child.yaml", 3, "changes.fertility_multiplier"),
        ("parent.yaml", 4, "changes.mortality_multiplier"),
    ]


def test_problems_in_the_assumption_set_are_all_reported(tiny_copy):
    aset = tiny_copy / "assumptions" / "tiny" / "assumptions.yaml"
    text = aset.read_text()
    text = text.replace("currency: TNY", "currency: TNY\ncuntry_code: 1")
    text = text.replace("source: madeup, confidence: verified}", "source: madeup, confidence: sure}", 1)
    text = text.replace("tfr.csv, source: madeup", "tfr.csv, source: madup")
    text = text.replace("wage_growth: {value: 0.06, source: Tinyland wage survey (made up), confidence: assumed}",
                        "wage_growth: 0.06")
    aset.write_text(text)
    problems = problems_of(tiny_copy / "scenarios" / "s.yaml")
    messages = "\n".join(str(p) for p in problems)
    assert all(Path(p.file).name == "assumptions.yaml" for p in problems)
    assert "cuntry_code: unknown key in an assumption set; did you mean 'country_code'?" in messages
    assert "tables.population.confidence = 'sure' is not a confidence level" in messages
    assert "tables.tfr.source = 'madup' is not a source of this assumption set" in messages
    assert "did you mean 'madeup'?" in messages
    assert "parameters.wage_growth: must be a mapping {value, source, confidence}" in messages
    assert len(problems) == 4


def test_missing_table_of_the_set_names_full_path(tiny_copy):
    (tiny_copy / "assumptions" / "tiny" / "demography" / "mortality.csv").unlink()
    (p,) = problems_of(tiny_copy / "scenarios" / "s.yaml")
    missing = (tiny_copy / "assumptions" / "tiny" / "demography" / "mortality.csv").resolve()
    assert Path(p.file).name == "assumptions.yaml"
    assert p.key_path == "tables.mortality.file"
    assert str(missing) in p.message


def test_required_table_missing_from_the_set(tiny_copy):
    aset = tiny_copy / "assumptions" / "tiny" / "assumptions.yaml"
    aset.write_text("\n".join(l for l in aset.read_text().splitlines() if not l.startswith("  fertility:")) + "\n")
    (p,) = problems_of(tiny_copy / "scenarios" / "s.yaml")
    assert "required table 'fertility' is missing" in p.message


def test_index_cycle_is_an_error(tmp_path):
    problems = problems_of(
        {
            "assumptions": "tiny",
            "projection": {"start_year": 2020, "end_year": 2030},
            "changes": {
                "price_inflation": {"values": {2020: 0.02}, "after": {"index": "wage_growth"}},
                "wage_growth": {"values": {2020: 0.03}, "after": {"index": "price_inflation"}},
            },
        },
        base_dir=GOOD,
    )
    (p,) = problems
    assert "index rules form a cycle: price_inflation -> wage_growth -> price_inflation" in p.message


def test_self_index_is_an_error():
    (p,) = problems_of(
        {
            "assumptions": "tiny",
            "projection": {"start_year": 2020, "end_year": 2030},
            "changes": {"wage_growth": {"values": {2020: 0.03}, "after": {"index": "wage_growth"}}},
        },
        base_dir=GOOD,
    )
    assert "cannot index a parameter by itself" in p.message


def test_value_entry_in_changes_gets_a_specific_hint():
    (p,) = problems_of(
        {
            "assumptions": "tiny",
            "projection": {"start_year": 2020, "end_year": 2030},
            "changes": {"wage_growth": {"value": 0.03, "source": "x"}},
        },
        base_dir=GOOD,
    )
    assert "scenario changes give the value directly" in p.hint


def test_required_keys_missing():
    problems = problems_of({"description": "nothing else"}, base_dir=GOOD)
    messages = [p.message for p in problems]
    assert any("required key 'assumptions' is missing" in m for m in messages)
    assert any("required key 'projection' is missing" in m for m in messages)
    assert all(p.file == "<scenario dict>" for p in problems)


# =============================================================================
# Good paths
# =============================================================================
def test_base_scenario_loads():
    sc = load_scenario(GOOD / "base.yaml")
    assert isinstance(sc, Scenario)
    assert sc.name == "tiny_base"
    assert sc.description == "Tiny test country, baseline"
    assert sc.path == (GOOD / "base.yaml").resolve()
    assert (sc.start_year, sc.end_year, sc.seed) == (2020, 2060, 7)
    np.testing.assert_array_equal(sc.years, np.arange(2020, 2061))
    assert sc.years.dtype == np.int64
    assert isinstance(sc.assumptions, AssumptionSet)
    assert sc.assumptions.country_code == 999 and sc.assumptions.currency == "TNY"
    assert set(sc.tables) == {
        "population", "mortality", "fertility", "tfr", "sex_ratio_at_birth", "net_migration",
        "net_migration_total", "life_expectancy", "vital_events",
    }
    assert set(sc.parameters) == set(load_parameter_specs())


def test_parameter_resolution_and_sources():
    sc = load_scenario(GOOD / "base.yaml")
    # scenario change, short form with the declared rules (linear, hold)
    assert sc.value("fertility_multiplier") == TimePath({2020: 1.0, 2040: 0.9}, between="linear", after="hold")
    # 1.0 + (0.9 - 1.0) * (2030 - 2020) / 20 = 0.95
    np.testing.assert_allclose(sc.path_values("fertility_multiplier", [2020, 2030, 2040, 2060]), [1.0, 0.95, 0.9, 0.9])
    # long form, step
    np.testing.assert_allclose(sc.path_values("mortality_multiplier", [2029, 2030]), [1.0, 0.9])
    # assumption set value (step rule declared for price_inflation)
    np.testing.assert_allclose(sc.path_values("price_inflation", [2020, 2024, 2025, 2031]), [0.05, 0.05, 0.04, 0.03])
    # default
    assert sc.value("migration_multiplier") == TimePath(1.0)
    assert sc.parameter_sources["fertility_multiplier"] == {
        "source": "scenario base.yaml", "confidence": "assumed", "origin": "scenario"
    }
    assert sc.parameter_sources["price_inflation"] == {"source": "survey", "confidence": "secondary",
                                                       "origin": "assumptions"}
    assert sc.parameter_sources["migration_multiplier"]["origin"] == "defaults"
    assert sc.path_values("migration_multiplier").shape == sc.years.shape


def test_value_of_unknown_parameter():
    sc = load_scenario(GOOD / "base.yaml")
    with pytest.raises(KeyError, match="did you mean 'wage_growth'"):
        sc.value("wage_grwth")


def test_extends_deep_merge():
    sc = load_scenario(GOOD / "child.yaml")
    assert sc.name == "tiny_child"  # not inherited
    assert sc.description == "Tiny test country, baseline"  # inherited
    assert (sc.start_year, sc.end_year) == (2020, 2050)  # projection merged key by key
    assert sc.seed == 7
    # the child's year map replaces the parent's whole: no 2040 point left
    assert sc.value("fertility_multiplier").points == {2020: 1.2}
    np.testing.assert_array_equal(sc.path_values("fertility_multiplier", [2040]), [1.2])
    # the parent's other changes stay
    assert sc.value("mortality_multiplier").between == "step"
    assert sc.parameter_sources["mortality_multiplier"]["source"] == "scenario base.yaml"
    assert sc.parameter_sources["fertility_multiplier"]["source"] == "scenario child.yaml"
    files = [Path(f["path"]).name for f in sc.provenance["scenario_files"]]
    assert files == ["child.yaml", "base.yaml"]


def test_index_rule_through_other_parameter():
    sc = load_scenario(GOOD / "child.yaml")
    # wage_growth: 0.05 until 2029, 0.04 in 2030, then x(1 + price_inflation) with price_inflation = 0.03
    expected = {2029: 0.05, 2030: 0.04, 2031: 0.04 * 1.03, 2032: 0.04 * 1.03**2}
    np.testing.assert_allclose(sc.path_values("wage_growth", list(expected)), list(expected.values()))


def test_dict_scenario_with_base_dir():
    sc = load_scenario(
        {
            "assumptions": "tiny",
            "projection": {"start_year": 2020, "end_year": 2030},
            "tables": {"population": "../assumptions/tiny/demography/population.csv"},
            "changes": {"fertility_multiplier": TimePath({2020: 1.0, 2030: 0.5}), "wage_growth": np.float64(0.04)},
        },
        base_dir=GOOD,
    )
    assert sc.name == "unnamed" and sc.path is None
    assert sc.value("wage_growth") == TimePath(0.04)
    np.testing.assert_allclose(sc.path_values("fertility_multiplier", [2025]), [0.75])
    assert sc.provenance["tables"]["population"]["source"] == "scenario"
    assert sc.provenance["scenario_files"][0]["path"] == "<scenario dict>"


def test_dict_extends_a_file():
    sc = load_scenario({"name": "d", "extends": "base.yaml", "seed": 3}, base_dir=GOOD)
    assert (sc.name, sc.seed, sc.end_year) == ("d", 3, 2060)


def test_table_override_relative_to_the_file_that_gives_it(tiny_copy):
    d = tiny_copy / "scenarios"
    (d / "data").mkdir()
    tfr = d / "data" / "tfr.csv"
    tfr.write_text("year,tfr\n2020,1.9\n")
    (d / "parent.yaml").write_text("extends: s.yaml\ntables:\n  tfr: data/tfr.csv\n")
    (d / "sub").mkdir()
    (d / "sub" / "child.yaml").write_text("extends: ../parent.yaml\n")
    sc = load_scenario(d / "sub" / "child.yaml")
    assert sc.tables["tfr"]["tfr"].tolist() == [1.9]
    assert sc.provenance["tables"]["tfr"]["path"] == tfr.resolve().as_posix()


def test_optional_tables_absent_are_not_in_dict(tiny_copy):
    aset = tiny_copy / "assumptions" / "tiny" / "assumptions.yaml"
    aset.write_text("\n".join(l for l in aset.read_text().splitlines() if not l.startswith("  vital_events:")) + "\n")
    sc = load_scenario(tiny_copy / "scenarios" / "s.yaml")
    assert "vital_events" not in sc.tables
    assert "vital_events" not in sc.provenance["tables"]


def test_assumption_set_lookup_through_environment(tmp_path, monkeypatch):
    store = tmp_path / "store"
    shutil.copytree(TINY, store / "tiny")
    lonely = tmp_path / "elsewhere" / "s.yaml"
    lonely.parent.mkdir()
    lonely.write_text("assumptions: tiny\nprojection: {start_year: 2020, end_year: 2030}\n")
    monkeypatch.setenv("SSPROJ_ASSUMPTIONS", os.pathsep.join([str(tmp_path / "empty"), str(store)]))
    sc = load_scenario(lonely)
    assert sc.assumptions.path == (store / "tiny" / "assumptions.yaml").resolve()


def test_assumptions_given_as_path(tmp_path):
    s = tmp_path / "s.yaml"
    rel = os.path.relpath(TINY, tmp_path)
    s.write_text(f"assumptions: {rel}\nprojection: {{start_year: 2020, end_year: 2030}}\n")
    assert load_scenario(s).assumptions.name == "tiny"
    s.write_text(f"assumptions: {rel}/assumptions.yaml\nprojection: {{start_year: 2020, end_year: 2030}}\n")
    assert load_scenario(s).assumptions.name == "tiny"


def test_load_assumptions():
    aset = load_assumptions("tiny", search_from=GOOD)
    assert aset == load_assumptions(TINY / "assumptions.yaml")
    assert aset.tables["population"].file == (TINY / "demography" / "population.csv").resolve()
    assert aset.tables["vital_events"].confidence == "secondary"
    assert aset.parameters["wage_growth"].value == TimePath(0.06)
    assert aset.sources["madeup"]["licence"] == "BSD-3-Clause"
    json.dumps(aset.to_dict())


def test_load_assumptions_not_found_names_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("SSPROJ_ASSUMPTIONS", str(tmp_path))
    with pytest.raises(ScenarioError) as info:
        load_assumptions("nowhere", search_from=GOOD)
    text = str(info.value)
    assert str((DATA / "assumptions" / "nowhere" / "assumptions.yaml").resolve()) in text
    assert str((tmp_path / "nowhere" / "assumptions.yaml").resolve()) in text


def test_find_assumptions_without_search_from(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SSPROJ_ASSUMPTIONS", raising=False)
    shutil.copytree(TINY, tmp_path / "assumptions" / "tiny")
    found, looked = find_assumptions("tiny")
    assert found == (tmp_path / "assumptions" / "tiny" / "assumptions.yaml").resolve()
    assert looked == [found]


# -- sameness, immutability, serialisation -----------------------------------------------
def test_loading_twice_gives_equal_scenarios():
    a = load_scenario(GOOD / "child.yaml")
    b = load_scenario(GOOD / "child.yaml")
    assert a == b
    assert a.to_dict() == b.to_dict()
    assert a != load_scenario(GOOD / "base.yaml")


def test_pickle_round_trip():
    sc = load_scenario(GOOD / "child.yaml")
    again = pickle.loads(pickle.dumps(sc))
    assert again == sc
    np.testing.assert_array_equal(again.path_values("wage_growth"), sc.path_values("wage_growth"))


def test_scenario_is_read_only():
    sc = load_scenario(GOOD / "base.yaml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        sc.start_year = 2000
    with pytest.raises(TypeError, match="with_changes"):
        sc.parameters["fertility_multiplier"] = TimePath(2.0)
    with pytest.raises(TypeError):
        sc.tables.pop("population")
    with pytest.raises(ValueError):
        sc.years[0] = 1999


def test_to_dict_is_json_and_yaml_serialisable():
    sc = load_scenario(GOOD / "child.yaml")
    d = sc.to_dict()
    json.dumps(d)
    doc, problems = parse_yaml(dump_yaml(d))
    assert problems == [] and doc.data == d
    assert d["projection"] == {"start_year": 2020, "end_year": 2050}
    assert d["parameters"]["fertility_multiplier"] == {"values": {2020: 1.2}, "between": "linear", "after": "hold"}
    assert d["parameters"]["migration_multiplier"] == 1.0
    assert d["assumptions"]["currency"] == "TNY"
    assert d["tables"]["population"]["sha256"] == sc.provenance["tables"]["population"]["sha256"]


def test_repr():
    r = repr(load_scenario(GOOD / "base.yaml"))
    assert r.startswith("<Scenario 'tiny_base': 2020-2060, assumptions 'tiny'")
    assert "changes: fertility_multiplier, mortality_multiplier" in r


# -- with_changes ---------------------------------------------------------------------
def test_with_changes():
    sc = load_scenario(GOOD / "base.yaml")
    new = sc.with_changes({"migration_multiplier": {2020: 1.0, 2030: 0.0}, "fertility_multiplier": 1.5})
    assert new.name == "tiny_base+migration_multiplier+fertility_multiplier"
    np.testing.assert_allclose(new.path_values("migration_multiplier", [2025]), [0.5])
    assert new.value("fertility_multiplier") == TimePath(1.5)
    assert new.value("mortality_multiplier") == sc.value("mortality_multiplier")
    assert new.parameter_sources["migration_multiplier"] == {
        "source": "with_changes", "confidence": "assumed", "origin": "scenario"
    }
    assert new.provenance["changes_applied"] == (
        {"migration_multiplier": {2020: 1.0, 2030: 0.0}, "fertility_multiplier": 1.5},
    )
    # the original is unchanged, tables are shared rather than re-read
    assert sc.value("fertility_multiplier") != new.value("fertility_multiplier")
    assert sc.provenance["changes_applied"] == ()
    assert new.tables["population"] is sc.tables["population"]
    # changes stack
    newer = new.with_changes({"wage_growth": TimePath(0.02)}, name="n")
    assert newer.name == "n"
    assert newer.value("fertility_multiplier") == TimePath(1.5)
    assert len(newer.provenance["changes_applied"]) == 2


def test_with_changes_is_validated():
    sc = load_scenario(GOOD / "base.yaml")
    with pytest.raises(ScenarioError) as info:
        sc.with_changes({"fertility_multiplier": {2030: 9.0}, "wage_grwoth": 0.1})
    lines = str(info.value).splitlines()
    assert len(lines) == 2
    assert lines[0] == (
        "<with_changes>: changes.fertility_multiplier[2030] = 9.0 is outside [0, 3] "
        "(range declared in ssproj defaults.yaml)"
    )
    assert "did you mean 'wage_growth'?" in lines[1]


# -- changes "from year X": a time path starting after start_year lies over the value below ---
def test_with_strategy_replaces_the_strategy_whole_and_is_validated():
    sc = load_scenario(REPO / "scenarios" / "lao_cov_all_activities.yaml")
    off = sc.with_strategy(None)
    assert off.strategy is None and off.name == "lao_cov_all_activities+no_strategy"
    assert off.provenance["changes_applied"] == ({"strategy": None},)
    raw = sc.strategy.to_dict()
    del raw["channels"]["mobile_days"]
    raw["channels"]["promoters"]["promoters"] = 3.0
    fewer = sc.with_strategy(raw, name="fewer")
    assert fewer.name == "fewer"
    assert [c.name for c in fewer.strategy.channels] == [c.name for c in sc.strategy.channels][1:]
    assert fewer.strategy.channels[3].quantities["promoters"] == TimePath(3.0)
    assert fewer.provenance["changes_applied"][0] == {"strategy": None}
    assert fewer.provenance["changes_applied"][1]["strategy"]["name"] == "all_activities"
    # a Strategy object is taken as it is; parameter changes stack with it
    back = off.with_strategy(sc.strategy).with_changes({"indexation_extra": -0.01})
    assert back.strategy == sc.strategy and back.value("indexation_extra") == TimePath(-0.01)
    assert sc.strategy is not None and len(sc.provenance["changes_applied"]) == 0
    raw["channels"]["promoters"]["registrations_per_promoter"] = -1
    with pytest.raises(ScenarioError, match=r"strategy\.channels\.promoters\.registrations_per_promoter = -1 is "
                                            r"negative"):
        sc.with_strategy(raw)


def test_with_changes_from_a_later_year():
    sc = load_scenario(GOOD / "base.yaml")  # fertility_multiplier {2020: 1.0, 2040: 0.9}, linear
    new = sc.with_changes({"fertility_multiplier": {2030: 0.8}, "price_inflation": {2028: 0.1}})
    # before 2030 the scenario's path: 1.0 + (0.9 - 1.0) * 9 / 20 = 0.955 in 2029; from 2030 the change
    np.testing.assert_allclose(new.path_values("fertility_multiplier", [2020, 2029, 2030, 2060]),
                               [1.0, 0.955, 0.8, 0.8])
    # price_inflation of the set (step): 0.05 until 2024, 0.04 until 2027; then 0.1
    np.testing.assert_allclose(new.path_values("price_inflation", [2024, 2027, 2028, 2060]), [0.05, 0.04, 0.1, 0.1])
    assert new.value("fertility_multiplier") == TimePath(
        {2030: 0.8}, between="linear", after="hold", before=sc.value("fertility_multiplier")
    )
    assert new.parameter_sources["fertility_multiplier"] == {
        "source": "with_changes", "confidence": "assumed", "origin": "scenario", "from_year": 2030,
        "before": {"source": "scenario base.yaml", "confidence": "assumed", "origin": "scenario"},
    }
    assert new.parameter_sources["price_inflation"]["before"] == {
        "source": "survey", "confidence": "secondary", "origin": "assumptions"
    }
    assert sc.value("fertility_multiplier").before is None  # the original is unchanged
    # a second call lies over the first
    newer = new.with_changes({"fertility_multiplier": {2040: 0.5}})
    np.testing.assert_allclose(newer.path_values("fertility_multiplier", [2029, 2030, 2039, 2040]),
                               [0.955, 0.8, 0.8, 0.5])
    assert newer.parameter_sources["fertility_multiplier"]["before"]["source"] == "with_changes"
    assert newer.parameter_sources["fertility_multiplier"]["before"]["before"]["source"] == "scenario base.yaml"
    # a path from the start year (or earlier) still replaces the value whole
    whole = new.with_changes({"fertility_multiplier": {2020: 0.7}})
    assert whole.value("fertility_multiplier") == TimePath({2020: 0.7}) and "from_year" not in (
        whole.parameter_sources["fertility_multiplier"]
    )
    assert pickle.loads(pickle.dumps(newer)) == newer


def test_change_from_a_later_year_in_a_file(tmp_path):
    s = tmp_path / "s.yaml"
    s.write_text(f"assumptions: {TINY}\nprojection: {{start_year: 2020, end_year: 2040}}\n"
                 "changes:\n  fertility_multiplier: {2030: 0.8}\n")
    sc = load_scenario(s)
    np.testing.assert_allclose(sc.path_values("fertility_multiplier", [2020, 2029, 2030, 2040]), [1.0, 1.0, 0.8, 0.8])
    assert sc.value("fertility_multiplier") == TimePath({2030: 0.8}, before=1.0)
    assert sc.parameter_sources["fertility_multiplier"] == {
        "source": "scenario s.yaml", "confidence": "assumed", "origin": "scenario", "from_year": 2030,
        "before": {"source": "ssproj generic default (no change to the assumption set)", "confidence": "assumed",
                   "origin": "defaults"},
    }
    assert "changes: fertility_multiplier" in repr(sc)


def test_linear_change_starts_from_its_own_first_point():
    sc = load_scenario(GOOD / "base.yaml").with_changes(
        {"mortality_multiplier": {"values": {2035: 0.8, 2045: 0.6}, "between": "linear"}}
    )
    # the parent's step path gives 0.9 until 2034; 2035 is 0.8, not a line from 0.9; 2040 halfway to 0.6
    np.testing.assert_allclose(sc.path_values("mortality_multiplier", [2034, 2035, 2040, 2045]), [0.9, 0.8, 0.7, 0.6])


def test_extends_chain_of_later_changes(tmp_path):
    (tmp_path / "parent.yaml").write_text(
        f"assumptions: {TINY}\nprojection: {{start_year: 2020, end_year: 2050}}\n"
        "changes:\n  fertility_multiplier: {2025: 0.9}\n  migration_multiplier: {2030: 0.5}\n")
    (tmp_path / "child.yaml").write_text(
        "extends: parent.yaml\nchanges:\n  fertility_multiplier: {2030: 0.8}\n  migration_multiplier: {2025: 0.0}\n")
    sc = load_scenario(tmp_path / "child.yaml")
    # default 1.0 until 2024, the parent's 0.9 2025-2029, the child's 0.8 from 2030
    np.testing.assert_allclose(sc.path_values("fertility_multiplier", [2024, 2025, 2029, 2030]), [1.0, 0.9, 0.9, 0.8])
    assert sc.value("fertility_multiplier") == TimePath({2030: 0.8}, before=TimePath({2025: 0.9}, before=1.0))
    sources = sc.parameter_sources["fertility_multiplier"]
    assert (sources["source"], sources["from_year"]) == ("scenario child.yaml", 2030)
    assert (sources["before"]["source"], sources["before"]["from_year"]) == ("scenario parent.yaml", 2025)
    assert sources["before"]["before"]["origin"] == "defaults"
    # the child's change from 2025 covers every year of the parent's from 2030
    np.testing.assert_allclose(sc.path_values("migration_multiplier", [2024, 2025, 2030, 2050]), [1.0, 0.0, 0.0, 0.0])


def test_index_rules_below_and_in_a_later_change():
    sc = load_scenario(GOOD / "child.yaml")  # wage_growth: 0.04 in 2030, then x(1 + price_inflation = 0.03)
    # an index rule of the value below applies until the change
    below = sc.with_changes({"wage_growth": {2040: 0.1}})
    np.testing.assert_allclose(below.path_values("wage_growth", [2030, 2032, 2039, 2040]),
                               [0.04, 0.04 * 1.03**2, 0.04 * 1.03**9, 0.1])
    # an index rule of the change applies after its last year
    own = sc.with_changes({"wage_growth": {"values": {2035: 0.02}, "after": {"index": "price_inflation"}}})
    np.testing.assert_allclose(own.path_values("wage_growth", [2034, 2035, 2036]), [0.04 * 1.03**4, 0.02, 0.02 * 1.03])
    # the index itself changed from 2032: wage_growth follows
    idx = sc.with_changes({"price_inflation": {2032: 0.1}})
    np.testing.assert_allclose(idx.path_values("wage_growth", [2031, 2032, 2033]),
                               [0.04 * 1.03, 0.04 * 1.03 * 1.1, 0.04 * 1.03 * 1.1**2])
    # an index rule of the change is checked like any other
    with pytest.raises(ScenarioError, match="fertility_multiplier' cannot be used as an index"):
        sc.with_changes({"wage_growth": {"values": {2035: 0.02}, "after": {"index": "fertility_multiplier"}}})
    # a cycle through the value below is found: price_inflation -> wage_growth (below 2035) -> price_inflation
    with pytest.raises(ScenarioError,
                       match="index rules form a cycle: price_inflation -> wage_growth -> price_inflation"):
        sc.with_changes({"wage_growth": {2035: 0.03},
                         "price_inflation": {"values": {2020: 0.03}, "after": {"index": "wage_growth"}}})


def test_range_error_in_a_year_of_a_lower_change(tmp_path):
    (tmp_path / "parent.yaml").write_text(
        f"assumptions: {TINY}\nprojection: {{start_year: 2020, end_year: 2040}}\n"
        "changes:\n  mortality_improvement:\n    values: {2025: 0.09}\n    after: {grow: 0.05}\n")
    (tmp_path / "child.yaml").write_text("extends: parent.yaml\nchanges:\n  mortality_improvement: {2030: 0.05}\n")
    (p,) = problems_of(tmp_path / "child.yaml")
    # the parent's path gives 2025-2029: 0.09 x 1.05^3 = 0.10418625 > 0.1 in 2028, and 2029
    assert Path(p.file).name == "parent.yaml" and p.line == 4
    assert str(p).endswith(
        "changes.mortality_improvement[2028] = 0.10418625 is outside [-0.05, 0.1] (range declared in ssproj "
        "defaults.yaml); 1 later years too (value computed by the rule after: {grow: 0.05})"
    )
    # from 2030 the child's value: the parent's later years are not used, and not reported
    (tmp_path / "child.yaml").write_text("extends: parent.yaml\nchanges:\n  mortality_improvement: {2028: 0.05}\n")
    load_scenario(tmp_path / "child.yaml")


def test_before_written_in_a_change():
    sc = load_scenario(GOOD / "base.yaml")
    # a path with its own `before` that starts after 2020 lies over the value below too
    new = sc.with_changes({"fertility_multiplier": {"values": {2035: 0.7}, "before": {2030: 0.8}}})
    np.testing.assert_allclose(new.path_values("fertility_multiplier", [2029, 2030, 2035]), [0.955, 0.8, 0.7])
    assert new.parameter_sources["fertility_multiplier"]["from_year"] == 2030
    # levels are checked with their key path: `after: none` must reach the path above it
    with pytest.raises(ScenarioError) as info:
        sc.with_changes({"price_inflation": {"values": {2030: 0.02},
                                              "before": {"values": {2020: 0.05, 2025: 0.04}, "after": "none"}}})
    assert str(info.value) == (
        "<with_changes>: changes.price_inflation.before: time path ends in 2025 with after: none, but it gives the "
        "values up to 2029, below the path starting in 2030; give values up to 2029, or use after: hold"
    )
    with pytest.raises(ScenarioError, match=r"changes.fertility_multiplier.before\[2025\] = 4 is outside \[0, 3\]"):
        sc.with_changes({"fertility_multiplier": {"values": {2030: 0.8}, "before": {2020: 1.0, 2025: 4}}})


def test_a_path_of_the_assumption_set_must_still_cover_the_start_year(tiny_copy):
    aset = tiny_copy / "assumptions" / "tiny" / "assumptions.yaml"
    aset.write_text(aset.read_text().replace("value: {2020: 0.05, 2025: 0.04, 2030: 0.03}",
                                             "value: {2022: 0.05, 2025: 0.04, 2030: 0.03}"))
    s = tiny_copy / "scenarios" / "s.yaml"
    expected = "parameters.price_inflation.value: time path starts in 2022, after projection.start_year 2020"
    (p,) = problems_of(s)
    assert Path(p.file).name == "assumptions.yaml" and expected in str(p)
    assert p.hint == "give a value for 2020 or earlier"
    # a scenario change from a later year lies over it: still reported, at the set
    s.write_text(s.read_text() + "changes:\n  price_inflation: {2028: 0.02}\n")
    (p,) = problems_of(s)
    assert Path(p.file).name == "assumptions.yaml" and expected in str(p)
    # ... also when the change starts before the set's path (nothing of it can be laid under the change)
    s.write_text(s.read_text().replace("{2028: 0.02}", "{2021: 0.02}"))
    (p,) = problems_of(s)
    assert Path(p.file).name == "assumptions.yaml" and expected in str(p)
    # a change from the start year replaces it whole: nothing to report
    s.write_text(s.read_text().replace("{2021: 0.02}", "{2020: 0.02}"))
    load_scenario(s)


def test_resolved_scenario_round_trips_through_to_dict():
    sc = load_scenario(GOOD / "base.yaml").with_changes(
        {"fertility_multiplier": {2030: 0.8}, "wage_growth": {"values": {2030: 0.04},
                                                              "after": {"index": "price_inflation"}}}
    ).with_changes({"fertility_multiplier": {2040: 0.5}})
    d = json.loads(json.dumps(sc.to_dict(), sort_keys=True, default=str))  # as stored in result attrs
    assert d["parameters"]["fertility_multiplier"] == {
        "values": {"2040": 0.5}, "between": "linear", "after": "hold",
        "before": {"values": {"2030": 0.8}, "between": "linear", "after": "hold",
                   "before": {"values": {"2020": 1.0, "2040": 0.9}, "between": "linear", "after": "hold"}},
    }
    top = {"assumptions": d["assumptions"]["path"], "projection": d["projection"], "seed": d["seed"]}
    changed = [n for n, s in d["parameter_sources"].items() if s["origin"] == "scenario"]
    for changes in ({n: d["parameters"][n] for n in changed}, d["parameters"]):
        again = load_scenario({**top, "changes": changes})
        assert again.parameters == sc.parameters
        assert again.to_dict()["parameters"] == sc.to_dict()["parameters"]
        for n in changed:
            np.testing.assert_array_equal(again.path_values(n), sc.path_values(n))
    # a path with `before` read back is taken as written: nothing more is laid under it
    assert again.parameter_sources["fertility_multiplier"] == {
        "source": "scenario <scenario dict>", "confidence": "assumed", "origin": "scenario"
    }


# -- provenance ---------------------------------------------------------------------------
def test_provenance_contents():
    sc = load_scenario(GOOD / "base.yaml")
    prov = sc.provenance
    assert prov["ssproj_version"] == _version.__version__
    assert prov["scenario"] == "tiny_base"
    assert prov["seed"] == 7
    import hashlib

    def sha(p):
        return hashlib.sha256(Path(p).read_bytes()).hexdigest()

    assert prov["scenario_files"][0] == {"path": (GOOD / "base.yaml").resolve().as_posix(),
                                         "sha256": sha(GOOD / "base.yaml")}
    assert prov["assumptions"]["sha256"] == sha(TINY / "assumptions.yaml")
    assert set(prov["tables"]) == set(sc.tables)
    for name, entry in prov["tables"].items():
        assert entry["sha256"] == sha(TINY / "demography" / f"{name}.csv")
    assert prov["sources"]["madeup"]["citation"].startswith("ssproj test suite")


def test_provenance_hash_changes_when_a_table_changes(tiny_copy):
    scenario = tiny_copy / "scenarios" / "s.yaml"
    before = load_scenario(scenario)
    tfr = tiny_copy / "assumptions" / "tiny" / "demography" / "tfr.csv"
    tfr.write_text(tfr.read_text().replace("2020,2.50", "2020,2.51"))
    after = load_scenario(scenario)
    assert after.provenance["tables"]["tfr"]["sha256"] != before.provenance["tables"]["tfr"]["sha256"]
    assert after.provenance["tables"]["population"]["sha256"] == before.provenance["tables"]["population"]["sha256"]
    assert after.tables["tfr"]["tfr"].iloc[0] == 2.51
    assert after != before


def test_provenance_hash_changes_when_the_scenario_changes(tiny_copy):
    scenario = tiny_copy / "scenarios" / "s.yaml"
    before = load_scenario(scenario).provenance["scenario_files"][0]["sha256"]
    scenario.write_text(scenario.read_text() + "# a comment\n")
    assert load_scenario(scenario).provenance["scenario_files"][0]["sha256"] != before


# =============================================================================
# defaults.yaml and the parameter reference
# =============================================================================
def test_shipped_parameters():
    specs = load_parameter_specs()
    assert list(specs)[:6] == [
        "fertility_multiplier", "mortality_multiplier", "migration_multiplier",
        "mortality_improvement", "price_inflation", "wage_growth",
    ]
    # the scheme catalogue (docs/dev/scheme-spec.md section 4) is tested in test_scheme_inputs.py
    fm = specs["fertility_multiplier"]
    assert (fm.unit, fm.type, fm.range, fm.between, fm.after) == ("1", "timepath", (0.0, 3.0), "linear", "hold")
    assert fm.default == TimePath(1.0)
    mi = specs["mortality_improvement"]
    assert (mi.unit, mi.range, mi.between, mi.default) == ("1/year", (-0.05, 0.1), "step", TimePath(0.0))
    assert specs["migration_multiplier"].range == (-5.0, 5.0)
    assert specs["mortality_multiplier"].range == (0.05, 5.0)
    assert specs["price_inflation"].section == specs["wage_growth"].section == "economy"
    assert specs["wage_growth"].range == (-0.2, 2.0) and specs["wage_growth"].default == TimePath(0.05)
    assert all(s.confidence == "assumed" for s in specs.values())
    assert all(specs[n].per is None for n in list(specs)[:6])
    assert load_parameter_specs() is specs  # cached


def test_parameter_reference_markdown():
    md = parameter_reference_markdown()
    assert md.startswith("# Parameter reference")
    assert md.index("## Demography") < md.index("## Economy")
    for name, spec in load_parameter_specs().items():
        assert f"### {spec.title}" in md
        assert f"`{name}`" in md
    assert "| Range | [0.05, 5] |" in md
    assert "| Rules | between: `step`; after: `hold` |" in md


BAD_DEFAULTS = """\
good_rate:
  title: A rate
  description: x
  section: economy
  unit: 1/year
  type: timepath
  range: [0, 1]
  between: step
  after: hold
  default: 0.1
  source: test
  confidence: assumed
bad_one:
  title: Bad
  description: x
  section: economy
  unit: 1
  type: timepath
  range: [1, 0]
  between: lineer
  after: {index: nothing}
  default: 2.0
  source: test
  confidence: guess
  colour: red
no_default:
  title: x
  description: x
  section: x
  unit: "1"
  type: float
  range: [0, 1]
  source: x
  confidence: assumed
flag:
  title: x
  description: x
  section: x
  unit: "1"
  type: bool
  range: [0, 1]
  default: true
  source: x
  confidence: assumed
out_of_range:
  title: x
  description: x
  section: x
  unit: "1"
  type: int
  range: [0, 10]
  default: 11
  source: x
  confidence: assumed
"""


def test_bad_defaults_file_reports_everything(tmp_path):
    f = tmp_path / "defaults.yaml"
    f.write_text(BAD_DEFAULTS)
    with pytest.raises(ScenarioError) as info:
        load_parameter_specs(f)
    text = str(info.value)
    for fragment in [
        "bad_one.colour: unknown key",
        "no_default: required key 'default' is missing",
        "bad_one.unit = 1 must be a non-empty string; quote it",
        "bad_one.confidence = 'guess' is not a confidence level",
        "bad_one.range = [1, 0] has low > high",
        "bad_one.between = 'lineer' is not a 'between' rule",
        "flag.range: not allowed for type bool",
        "out_of_range.default = 11 is outside [0, 10]",
    ]:
        assert fragment in text, text


TYPED_DEFAULTS = """\
rate:
  title: Rate
  description: x
  section: s
  unit: 1/year
  type: timepath
  range: [0, 1]
  between: step
  after: hold
  default: 0.1
  source: x
  confidence: assumed
amount:
  title: Amount
  description: x
  section: s
  unit: currency/month
  type: float
  range: [0, null]
  default: 100.0
  source: x
  confidence: verified
age:
  title: Age
  description: x
  section: s
  unit: years
  type: int
  range: [50, 70]
  default: 60
  source: x
  confidence: secondary
flag:
  title: Flag
  description: x
  section: s
  unit: "1"
  type: bool
  default: false
  source: x
  confidence: assumed
rule:
  title: Rule
  description: x
  section: s
  unit: "1"
  type: str
  choices: [prices, wages]
  default: prices
  source: x
  confidence: assumed
indexed:
  title: Indexed
  description: x
  section: s
  unit: "1"
  type: timepath
  range: [0, null]
  between: linear
  after: {index: rate}
  default: {2020: 1.0}
  source: x
  confidence: assumed
"""


@pytest.fixture
def typed_specs(tmp_path):
    f = tmp_path / "defaults.yaml"
    f.write_text(TYPED_DEFAULTS)
    return load_parameter_specs(f)


@pytest.mark.parametrize(
    "name, raw, ok, fragment",
    [
        ("amount", 5, 5.0, None),
        ("amount", -1.0, None, "is outside [0, inf)"),
        ("amount", "5", None, "is not a number"),
        ("amount", True, None, "is not a number"),
        ("age", 65, 65, None),
        ("age", 65.0, None, "is not an integer"),
        ("age", 71, None, "is outside [50, 70]"),
        ("flag", True, True, None),
        ("flag", "yes", None, "is not true or false"),
        ("rule", "prices", "prices", None),
        ("rule", "wage", None, "is not one of: prices, wages"),
        ("rate", {2020: 0.1, 2031: 1.5}, None, "[2031] = 1.5 is outside [0, 1]"),
    ],
)
def test_parse_by_type(typed_specs, name, raw, ok, fragment):
    where = Where(lambda p: ("s.yaml", None), ("changes", name))
    value, problems = typed_specs[name].parse(raw, where, typed_specs)
    if fragment is None:
        assert problems == []
        assert value == ok and type(value) is type(ok)
    else:
        assert value is None
        assert len(problems) == 1 and fragment in str(problems[0])
        if name == "rule":
            assert problems[0].hint == "did you mean 'wages'?"


def test_typed_specs_defaults(typed_specs):
    assert typed_specs["amount"].range == (0.0, None)
    assert typed_specs["indexed"].default == TimePath({2020: 1.0}, after={"index": "rate"})
    md = parameter_reference_markdown(Path(typed_specs["amount"].declared_in))
    assert "| Choices | `prices`, `wages` |" in md
    assert "| Range | [0, inf) |" in md
    assert "after: `{index: rate}`" in md


def test_defaults_path_is_in_the_package():
    assert DEFAULTS_PATH.name == "defaults.yaml"
    assert DEFAULTS_PATH.parent.name == "scenario" and DEFAULTS_PATH.parent.parent.name == "ssproj"


# =============================================================================
# The user guide's example runs
# =============================================================================
def test_docs_example_runs(monkeypatch, capsys):
    text = (REPO / "docs" / "scenarios.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    monkeypatch.chdir(REPO)
    for block in blocks:
        exec(compile(block, "docs/scenarios.md", "exec"), {})
    out = capsys.readouterr().out
    assert "[1.  0.9 0.8 0.8]" in out
    assert "did you mean 'fertility_multiplier'?" in out
    assert "('public', 'private', 'voluntary')" in out  # the scheme example
    assert "[[0.085 0.085]\n [0.06  0.07 ]\n [0.    0.   ]]" in out
