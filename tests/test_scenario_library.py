"""The Lao scenario library (``scenarios/lao_fin_*.yaml``, ``scenarios/lao_cov_*.yaml``).

* every scenario file in ``scenarios/`` validates;
* each financing option moves its key indicator in the direction its file
  and ``docs/scenario-library.md`` state, against the baseline, and leaves it
  unchanged before the option starts;
* each coverage strategy has more contributors than the baseline in 2040, and
  the combined strategy copies the single-activity channels exactly;
* every library scenario is listed in ``docs/scenario-library.md``.
"""
from functools import cache
from pathlib import Path

import numpy as np
import pytest

import ssproj

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
LIBRARY_DOC = ROOT / "docs" / "scenario-library.md"
ALL_FILES = sorted(SCENARIOS.glob("*.yaml"))
FIN_FILES = sorted(SCENARIOS.glob("lao_fin_*.yaml"))
COV_FILES = sorted(SCENARIOS.glob("lao_cov_*.yaml"))


@cache
def _projection(stem: str):
    return ssproj.project(ssproj.load_scenario(SCENARIOS / f"{stem}.yaml"))


@cache
def _summary(stem: str):
    return _projection(stem).summary()


def _state_contributions(stem: str):
    """Contributions paid by the state, all groups, by scheme year [LAK/year]."""
    ds = _projection(stem).dataset
    series = ds["contributions"].sel(payer="state").sum("group").to_pandas()
    return series.loc[_summary(stem).index]


def _column(stem: str, indicator: str):
    if indicator == "state_contributions":
        return _state_contributions(stem)
    return _summary(stem)[indicator]


# ------------------------------------------------------------------ validation

@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_every_scenario_file_validates(path):
    sc = ssproj.load_scenario(path)
    assert sc.years[0] <= sc.years[-1]


@pytest.mark.parametrize("path", FIN_FILES + COV_FILES, ids=lambda p: p.name)
def test_library_scenarios_extend_the_baseline_and_say_what_they_are(path):
    import yaml

    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert spec.get("extends") == "lao_baseline.yaml"
    assert spec.get("name") == path.stem
    assert len(str(spec.get("description", ""))) > 40, "a description of what the option represents"


def test_the_library_has_the_options_it_promises():
    assert len(FIN_FILES) >= 4
    assert len(COV_FILES) >= 5


# --------------------------------------------------------- financing options

# (scenario, indicator, first year of the change, years checked, direction)
# direction +1: scenario > baseline in every checked year; -1: scenario < baseline.
# In every scheme year before the first year the indicator equals the baseline's.
FINANCING = [
    ("lao_fin_ceiling_frozen", "share_of_earnings_above_ceiling", 2027, range(2027, 2101), +1),
    ("lao_fin_ceiling_frozen", "payg_cost_rate", 2027, [2030, 2040, 2050, 2075, 2100], +1),
    ("lao_fin_ceiling_5x_min_wage", "share_of_earnings_above_ceiling", 2027, range(2027, 2101), -1),
    ("lao_fin_contribution_rise", "average_contribution_rate", 2027, range(2027, 2101), +1),
    ("lao_fin_contribution_rise", "state_transfer", 2027, [2030, 2040, 2050, 2075, 2100], -1),
    ("lao_fin_retirement_age", "pensioners_old_age", 2027, [2030, 2035, 2040, 2050], -1),
    ("lao_fin_indexation_mix", "payg_cost_rate", 2027, [2030, 2040, 2050, 2075, 2100], +1),
    ("lao_fin_indexation_prices_minus1", "payg_cost_rate", 2027, [2030, 2040, 2050, 2075, 2100], -1),
    ("lao_fin_state_subsidy", "state_contributions", 2026, range(2026, 2101), +1),
    ("lao_fin_state_subsidy", "average_contribution_rate", 2026, range(2026, 2101), +1),
    ("lao_fin_legacy_fund_paid", "state_paid_pensions", 2024, range(2024, 2101), -1),
    ("lao_fin_legacy_fund_paid", "state_transfer", 2024, range(2024, 2081), +1),  # the block dies out by 2100
]
#: Options that act on the base-year data: they change their indicator from the first scheme year on.
FROM_VALUATION_DATE = {"lao_fin_legacy_fund_paid"}


@pytest.mark.parametrize("stem, indicator, first, years, direction", FINANCING,
                         ids=[f"{c[0]}-{c[1]}" for c in FINANCING])
def test_financing_option_moves_its_indicator(stem, indicator, first, years, direction):
    base = _column("lao_baseline", indicator)
    alt = _column(stem, indicator)
    before = [y for y in base.index if y < first]
    assert before or stem in FROM_VALUATION_DATE, "the option must start after the first scheme year"
    np.testing.assert_allclose(alt.loc[before].to_numpy(), base.loc[before].to_numpy(),
                               rtol=1e-9, atol=1e-12,
                               err_msg=f"{stem} changes {indicator} before {first}")
    years = list(years)
    diff = (alt.loc[years] - base.loc[years]).to_numpy() * direction
    scale = np.maximum(np.abs(base.loc[years].to_numpy()), 1e-12)
    wrong = [y for y, d, s in zip(years, diff, scale, strict=True) if not d > 1e-6 * s]
    assert not wrong, (f"{stem}: {indicator} should be {'above' if direction > 0 else 'below'} "
                       f"the baseline in {wrong}")


def test_legacy_pensions_charged_to_the_fund_are_what_the_state_paid():
    """The same engine run: what the state paid in the baseline (the former civil-servant pensions), the fund pays;
    with no reserve under that reading (the back-cast), the pension fund is depleted at once."""
    base, alt = _summary("lao_baseline"), _summary("lao_fin_legacy_fund_paid")
    np.testing.assert_allclose(alt["benefit_outgo"], base["benefit_outgo"] + base["state_paid_pensions"],
                               rtol=1e-12)
    assert (alt["state_paid_pensions"].loc[2024:] == 0.0).all()
    paid = _projection("lao_baseline").dataset["state_paid_pensions"].sel(year=base.index)
    assert float(paid.sel(group=["private", "voluntary"]).sum()) == 0.0
    # the block dies out: all of it in 2024, a sliver by 2100
    assert paid.sel(group="public", year=2100) < 0.01 * paid.sel(group="public", year=2024)
    dep_base = _projection("lao_baseline").indicators()["depletion_year"]
    dep_alt = _projection("lao_fin_legacy_fund_paid").indicators()["depletion_year"]
    assert dep_alt == 2024 and dep_base > dep_alt + 4


def test_every_financing_option_has_a_direction_check():
    checked = {c[0] for c in FINANCING}
    assert {p.stem for p in FIN_FILES} == checked


def test_ceiling_is_five_times_the_minimum_wage_from_2027():
    sc = ssproj.load_scenario(SCENARIOS / "lao_fin_ceiling_5x_min_wage.yaml")
    years = list(range(2027, 2101))
    ratio = sc.path_values("contribution_ceiling", years) / sc.path_values("minimum_wage", years)
    np.testing.assert_allclose(ratio, 5.0, rtol=1e-9)
    assert sc.path_values("contribution_ceiling", [2026])[0] == 4_500_000


def test_frozen_ceiling_stays_at_4_5_million():
    sc = ssproj.load_scenario(SCENARIOS / "lao_fin_ceiling_frozen.yaml")
    np.testing.assert_array_equal(sc.path_values("contribution_ceiling", range(2017, 2101)), 4_500_000)


def test_contribution_rise_keeps_the_allocation_shares_adding_to_one():
    sc = ssproj.load_scenario(SCENARIOS / "lao_fin_contribution_rise.yaml")
    years = [2026, 2027, 2031, 2032, 2100]
    branches = sc.path_values("contribution_share", years).sum(axis=0)
    long_term = sc.path_values("long_term_share", years)  # one row per group
    np.testing.assert_allclose(long_term + branches, 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(long_term[:, 0], 0.60)
    np.testing.assert_allclose(long_term[:, -1], 0.685)


# ------------------------------------------------------------ coverage strategies

@pytest.mark.parametrize("path", COV_FILES, ids=lambda p: p.name)
def test_coverage_scenario_has_more_contributors_in_2040(path):
    base = _summary("lao_baseline").loc[2040, "contributors"]
    alt = _summary(path.stem).loc[2040, "contributors"]
    assert alt > base


def test_all_activities_adds_more_than_any_single_activity():
    combined = SCENARIOS / "lao_cov_all_activities.yaml"
    assert combined in COV_FILES
    top = _summary(combined.stem).loc[2040, "contributors"]
    for path in COV_FILES:
        if path != combined:
            assert _summary(path.stem).loc[2040, "contributors"] < top, path.name


def test_all_activities_copies_the_single_activity_channels():
    import yaml

    def channels(path):
        return yaml.safe_load(path.read_text(encoding="utf-8"))["strategy"]["channels"]

    combined = channels(SCENARIOS / "lao_cov_all_activities.yaml")
    singles = {}
    for path in COV_FILES:
        if path.stem != "lao_cov_all_activities":
            singles.update(channels(path))
    assert combined == singles


# ------------------------------------------------------------------ documentation

def test_every_library_scenario_is_listed_in_the_doc():
    doc = LIBRARY_DOC.read_text(encoding="utf-8")
    missing = [p.name for p in FIN_FILES + COV_FILES + [SCENARIOS / "lao_baseline.yaml"]
               if p.name not in doc]
    assert not missing, f"add to docs/scenario-library.md: {missing}"


def test_library_doc_is_in_the_toctree():
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert "\nscenario-library\n" in index
