"""Plausible ranges of assumed inputs and the banner that names those that drive the headline."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import ssproj
from ssproj.analysis.assumptions import assumption_banner, assumption_drivers, range_factors
from ssproj.cli import main
from ssproj.errors import ScenarioError
from ssproj.scenario.assumptions import PlausibleRange

ROOT = Path(__file__).resolve().parents[1]
LAO = ROOT / "scenarios" / "lao_baseline.yaml"
SCHEME = Path(__file__).parent / "data" / "assumptions" / "tiny_scheme"


@pytest.fixture(scope="module")
def lao():
    return ssproj.load_scenario(LAO)


def _tiny(tmp_path, old, new):
    shutil.copytree(SCHEME, tmp_path / "assumptions" / "tiny_scheme")
    yaml = tmp_path / "assumptions" / "tiny_scheme" / "assumptions.yaml"
    text = yaml.read_text()
    assert old in text
    yaml.write_text(text.replace(old, new, 1))
    s = tmp_path / "s.yaml"
    s.write_text("assumptions: assumptions/tiny_scheme\nprojection: {start_year: 2020, end_year: 2040}\n")
    return s, yaml


def test_ranges_are_read_in_each_form(lao):
    p = lao.assumptions.parameters
    assert dict(p["minimum_pension_ratio"].plausible_range) == {None: PlausibleRange("value", 0.5, 1.0)}
    assert dict(p["opening_reserve"].plausible_range) == {"long_term": PlausibleRange("value", 1e12, 4e12)}
    assert dict(p["earnings_level"].plausible_range) == {None: PlausibleRange("factor", 0.8, 1.2)}
    assert p["widow_rate"].plausible_range is None
    assert lao.assumptions.to_dict()["parameters"]["opening_reserve"]["plausible_range"] == {
        "long_term": {"kind": "value", "low": 1e12, "high": 4e12}}


@pytest.mark.parametrize(("entry", "key_path", "fragment"), [
    ("plausible_range: [0.9, 0.1]", "parameters.wage_growth.plausible_range", "with low < high"),
    ("plausible_range: [0.0, 5.0]", "parameters.wage_growth.plausible_range", "outside the parameter's range"),
    ("plausible_range: {factor: [0, 2]}", "parameters.wage_growth.plausible_range.factor", "must be above 0"),
    ("plausible_range: {factor: 2}", "parameters.wage_growth.plausible_range.factor", "must be [low, high]"),
    ("plausible_range: {public: [0.1, 0.2]}", "parameters.wage_growth.plausible_range",
     "must be [low, high] (the value), {factor: [low, high]}"),
])
def test_a_bad_range_is_refused_with_its_place(tmp_path, entry, key_path, fragment):
    s, yaml = _tiny(tmp_path, "wage_growth: {value: 0.06, source: madeup, confidence: assumed}",
                    f"wage_growth: {{value: 0.06, source: madeup, confidence: assumed, {entry}}}")
    with pytest.raises(ScenarioError) as info:
        ssproj.load_scenario(s)
    (p,) = info.value.problems
    assert Path(p.file) == yaml.resolve() and p.key_path == key_path and p.line == 49
    assert fragment in p.message, p.message


def test_a_range_for_an_entity_the_set_does_not_declare(tmp_path):
    s, _ = _tiny(tmp_path, "  valuation_year: {value: 2022, source: madeup, confidence: verified}\n",
                 "  valuation_year: {value: 2022, source: madeup, confidence: verified}\n"
                 "  lapse_rate: {value: {public: 0.05}, source: madeup, confidence: assumed, "
                 "plausible_range: {publik: [0.01, 0.1]}}\n")
    with pytest.raises(ScenarioError, match=r"parameters\.lapse_rate\.plausible_range\.publik = 'publik' is not a "
                                            r"declared group; did you mean 'public'\?"):
        ssproj.load_scenario(s)


def test_factors_follow_the_ranges_and_drop_what_the_scenario_sets(lao):
    names = [f["name"] for f in range_factors(lao)]
    assert sorted(names) == sorted(["contribution_density[voluntary]", "lapse_rate[voluntary]", "earnings_level",
                                    "long_term_share", "minimum_pension_ratio", "base_pension_scale",
                                    "indexation_price_weight", "opening_reserve[long_term]"])
    f = {f["name"]: f for f in range_factors(lao)}
    assert f["opening_reserve[long_term]"]["low"] == {"opening_reserve": {"long_term": 1e12}}
    assert f["minimum_pension_ratio"]["high"]["minimum_pension_ratio"]["public"]["values"][2050] == 1.0
    lvl = lao.path_values("earnings_level", [2030])[:, 0]
    got = [f["earnings_level"]["low"]["earnings_level"][g]["values"][2030] for g in lao.groups]
    assert got == pytest.approx(list(0.8 * lvl), rel=1e-15)
    changed = lao.with_changes({"minimum_pension_ratio": {"public": 0.7, "private": 0.7, "voluntary": 0.7}})
    assert "minimum_pension_ratio" not in [f["name"] for f in range_factors(changed)]


def test_drivers_are_the_headline_at_each_end_of_the_range(lao):
    d = assumption_drivers(lao).set_index("factor")
    for name, low, high in (("minimum_pension_ratio", 0.5, 1.0), ("indexation_price_weight", 0.5, 1.0)):
        change = lambda v, n=name: ({n: dict.fromkeys(lao.groups, v)} if n == "minimum_pension_ratio" else {n: v})
        at_low = ssproj.project(lao.with_changes(change(low))).indicators()["gap_75"]
        at_high = ssproj.project(lao.with_changes(change(high))).indicators()["gap_75"]
        assert d.loc[name, "low"] == pytest.approx(at_low, rel=1e-12)
        assert d.loc[name, "high"] == pytest.approx(at_high, rel=1e-12)
        assert d.loc[name, "swing"] == pytest.approx(abs(at_high - at_low), rel=1e-12)
    assert list(d["swing"]) == sorted(d["swing"], reverse=True)
    assert d.index[0] == "minimum_pension_ratio"  # the minimum pension drives the Lao GAP most


def test_the_banner_names_the_inputs_that_move_the_headline_most(lao):
    d = assumption_drivers(lao)
    text = assumption_banner(lao, drivers=d)
    lines = text.splitlines()
    table = ssproj.reporting.assumptions.assumption_table(lao)
    given = table[table["origin"] != "defaults"]
    n = int((given["confidence"] == "assumed").sum())
    assert lines[0].startswith(f"ASSUMED INPUTS: {n} of the {len(given)} inputs of this scenario are assumed")
    assert "declared for 7 of them" in lines[1]  # 8 ranges; the long-term share does not move the GAP (no swing)
    assert [line.split(" ")[3] for line in lines[2:]] == list(d["factor"].head(3))
    assert lines[2] == "  - minimum_pension_ratio 0.5 to 1 (assumed): gap_75 32.4% to 38.5% (central 38.5%)"


def test_without_ranges_the_banner_says_the_dependence_is_not_measured(tmp_path):
    s, _ = _tiny(tmp_path, "confidence: verified}", "confidence: verified}")  # the tiny set as it is
    sc = ssproj.load_scenario(s)
    assert assumption_banner(sc).splitlines()[1] == ("No assumed input declares a plausible range: how far gap_75 "
                                                     "depends on them is not measured.")


def test_no_banner_without_assumed_inputs(tmp_path):
    s, yaml = _tiny(tmp_path, "confidence: assumed", "confidence: verified")
    yaml.write_text(yaml.read_text().replace("confidence: assumed", "confidence: verified"))
    assert assumption_banner(ssproj.load_scenario(s)) == ""


def test_run_prints_the_banner_and_the_report_shows_it(tmp_path, capsys):
    assert main(["run", str(LAO), "--out", str(tmp_path / "out"), "--html"]) == 0
    printed = capsys.readouterr().out
    assert "ASSUMED INPUTS:" in printed and "- minimum_pension_ratio 0.5 to 1 (assumed)" in printed
    assert printed.index("ASSUMED INPUTS:") < printed.index("At milestone years")  # before the table
    html = (tmp_path / "out" / "report.html").read_text()
    assert '<div class="banner compact" role="note">' in html and "minimum_pension_ratio 0.5 to 1 (assumed)" in html
