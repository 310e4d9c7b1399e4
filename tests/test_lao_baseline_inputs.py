"""Checks of the Lao NSSF baseline inputs (assumptions/lao, scheme part).

The verified figures of the Lao scheme must stay in the data as published,
every parameter must say where it comes from and how far it can be trusted,
and the assumed figures must hang together (shares that add up, coverage
rates that reproduce the base-year member counts, a labour force calibrated
to the Labour Force Survey 2022). The reasons for every value are in
docs/lao-baseline.md.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
LAO = ROOT / "assumptions" / "lao"
SCHEME = LAO / "scheme"
DOC = ROOT / "docs" / "lao-baseline.md"
GROUPS = ("public", "private", "voluntary")

# Verified figures (sources in assumptions/lao/assumptions.yaml, `sources`)
TOTAL_RATE = {"public": 0.165, "private": 0.115, "voluntary": 0.09}  # Law on Social Security 2013/2018
CEILING = 4_500_000  # LAK/month since 1 January 2017, still in force
MINIMUM_WAGE_OCT_2024 = 2_500_000  # LAK/month from October 2024
VOLUNTARY_ACTIVES = 43_329  # informal workers voluntarily insured (ILO/LSSO)
ILO_INSURED_MEMBERS = 353_962  # insured members (ILO country profile, about 2022-23)
ILO_SELF_EMPLOYED = 26_793  # self-employed members in the same profile (7.6% of 353,962)
# Chosen total of active members at 31 Dec 2023: the ILO total without its
# self-employed members, plus the more recent voluntary count (see the docs page).
TOTAL_ACTIVES = ILO_INSURED_MEMBERS - ILO_SELF_EMPLOYED + VOLUNTARY_ACTIVES  # 370,498
#: The counts of 31 Dec 2023 the base tables are calibrated to (public assumed, private derived, voluntary verified).
COUNTS_2023 = {"public": 185_000, "private": TOTAL_ACTIVES - 185_000 - VOLUNTARY_ACTIVES,
               "voluntary": VOLUNTARY_ACTIVES}
EMPLOYED_2022 = 2_400_000  # Labour Force Survey 2022
UNEMPLOYMENT_2022 = 0.024  # Labour Force Survey 2022
INFORMAL_SHARE = 0.86  # Labour Force Survey 2022


@pytest.fixture(scope="module")
def aset():
    with open(LAO / "assumptions.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="module")
def params(aset):
    return aset["parameters"]


def _value(params, name):
    return params[name]["value"]


@pytest.fixture(scope="module")
def scenario():
    from ssproj import load_scenario

    return load_scenario(ROOT / "scenarios" / "lao_baseline.yaml")


@pytest.fixture(scope="module")
def population(scenario):
    """UN WPP 2024 population at 1 July by year, sex and single age, as projected by ssproj."""
    from ssproj import project

    return project(scenario).population


def test_scheme_part_is_marked_hand_written(aset):
    text = (LAO / "assumptions.yaml").read_text(encoding="utf-8")
    assert "HAND-WRITTEN FROM HERE TO THE END OF THE FILE" in text
    assert "hand-written: sources of the Lao NSSF scheme baseline" in text
    assert set(aset["groups"]) == set(GROUPS)
    assert list(aset["funds"]) == ["long_term", "short_term", "health"]
    assert {b: v["fund"] for b, v in aset["branches"].items()} == {
        "sickness": "short_term", "maternity": "short_term", "funeral": "short_term",
        "employment_injury": "short_term", "unemployment": "short_term", "health_care": "health",
    }
    assert {g: aset["groups"][g]["sector"] for g in GROUPS} == {
        "public": "public", "private": "private", "voluntary": "informal"}


def test_contribution_rates_are_the_legal_rates(params):
    er = _value(params, "contribution_rate_employer")
    ee = _value(params, "contribution_rate_employee")
    st = _value(params, "contribution_rate_state")
    assert (er["private"], ee["private"]) == (0.06, 0.055)
    assert (er["public"], ee["public"]) == (0.085, 0.08)
    assert (er["voluntary"], ee["voluntary"]) == (0.0, 0.09)
    for g in GROUPS:
        assert er[g] + ee[g] + st[g] == pytest.approx(TOTAL_RATE[g], abs=1e-12)
    assert _value(params, "contribution_base")["voluntary"] == "declared_income"
    # declared-income band 1.1M-2.7M LAK when the minimum wage was 1.1M
    assert _value(params, "declared_income_min_ratio")["voluntary"] == 1.0
    assert _value(params, "declared_income_max_ratio")["voluntary"] == pytest.approx(2_700_000 / 1_100_000, abs=1e-4)


def test_ceiling_is_frozen_and_minimum_wage_path(params, scenario):
    ceiling = _value(params, "contribution_ceiling")
    assert ceiling["values"][2017] == CEILING and ceiling["values"][2026] == CEILING
    years = np.array([2017, 2020, 2024, 2026])
    assert np.all(scenario.path_values("contribution_ceiling", years) == CEILING), "frozen through 2026"
    # assumed: the ceiling follows wages from 2027 (see the parameter's notes)
    wg = scenario.path_values("wage_growth", np.array([2027, 2028]))
    assert scenario.path_values("contribution_ceiling", np.array([2028]))[0] == pytest.approx(
        CEILING * (1 + wg[0]) * (1 + wg[1]))
    mw = scenario.path_values("minimum_wage", np.array([2023, 2024, 2025]))
    assert mw[2] == MINIMUM_WAGE_OCT_2024, "2.5M from October 2024 is the whole of 2025"
    assert mw[1] == pytest.approx((9 * 1_600_000 + 3 * 2_500_000) / 12)
    assert mw[0] == pytest.approx((4 * 1_200_000 + 5 * 1_300_000 + 3 * 1_600_000) / 12, abs=1)
    # after 2025 the minimum wage follows nominal wage growth
    wg = scenario.path_values("wage_growth", np.array([2026]))[0]
    assert scenario.path_values("minimum_wage", np.array([2026]))[0] == pytest.approx(MINIMUM_WAGE_OCT_2024 * (1 + wg))
    infl = _value(params, "price_inflation")
    assert (infl[2023], infl[2024]) == (0.31, 0.23)
    assert _value(params, "unemployment_rate") == UNEMPLOYMENT_2022
    assert _value(params, "valuation_year") == 2023


def test_every_parameter_has_source_confidence_and_reasons(aset, params):
    sources = aset["sources"]
    assert "wpp2024" in sources
    for name, entry in params.items():
        assert isinstance(entry.get("source"), str) and entry["source"].strip(), name
        assert entry.get("confidence") in ("verified", "secondary", "assumed"), name
        if entry["confidence"] != "verified":
            assert isinstance(entry.get("notes"), str) and len(entry["notes"]) >= 30, (
                f"{name}: a secondary or assumed value needs notes explaining it")
    for name, entry in aset["tables"].items():
        assert entry["source"] in sources, name
        assert entry["confidence"] in ("verified", "secondary", "assumed"), name
    for name in ("labour_force_participation", "employment_structure", "salary_scale", "entry_age_distribution",
                 "invalidity_incidence", "family", "insured", "pensioners"):
        entry = aset["tables"][name]
        assert entry["file"] == f"scheme/{name}.csv"
        assert (LAO / entry["file"]).is_file()
        assert len(entry.get("notes", "")) > 40, name


def test_docs_page_lists_every_parameter_and_table(aset, params):
    page = DOC.read_text(encoding="utf-8")
    scheme_tables = [t for t in aset["tables"] if (LAO / aset["tables"][t]["file"]).parent.name == "scheme"]
    missing = [n for n in list(params) + scheme_tables if f"`{n}`" not in page]
    assert not missing, f"docs/lao-baseline.md does not mention: {missing}"


def test_contribution_shares_sum_to_one(params):
    lt = _value(params, "long_term_share")
    branches = _value(params, "contribution_share")
    assert set(branches) == {"sickness", "maternity", "funeral", "employment_injury", "unemployment", "health_care"}
    for g in GROUPS:
        assert lt[g] + sum(branches.values()) == pytest.approx(1.0, abs=1e-12), g


def test_base_year_members(params):
    """The back-cast's members (ssproj backcast, docs/backcast.md): by single age and credited service, with the
    counts of 31 Dec 2023 met for private and voluntary members; public 2.2% short (the history's public employment
    would need a coverage above 1: reported by the calibration as not met)."""
    ins = pd.read_csv(SCHEME / "insured.csv")
    assert "service" in ins.columns and (ins.age_start == ins.age_end).all()
    act = ins[ins.status == "active"].groupby("group").persons.sum()
    assert act["voluntary"] == pytest.approx(VOLUNTARY_ACTIVES, rel=1e-9)
    assert act["private"] == pytest.approx(COUNTS_2023["private"], rel=1e-9)
    assert 0.97 * COUNTS_2023["public"] < act["public"] < COUNTS_2023["public"]
    assert act.sum() == pytest.approx(TOTAL_ACTIVES, rel=0.015)
    assert (ins.persons >= 0).all()
    # credited service fits the member's life: at most age - 15 years, and no more than the scheme's age for the
    # enterprise (2001) and voluntary (2015) schemes
    assert (ins.service <= ins.age_start - 15).all()
    for g, start in (("private", 2001), ("voluntary", 2015)):
        d = ins[(ins.group == g) & (ins.persons > 1e-9)]
        assert d.service.max() <= 2023 - start + 1, g


def test_pensioners_table(params):
    pen = pd.read_csv(SCHEME / "pensioners.csv")
    assert set(pen.type) <= {"old_age", "invalidity", "widow", "orphan", "parent"}
    assert (pen.persons >= 0).all() and (pen[pen.persons > 0].average_pension > 0).all()
    assert pen[(pen.type == "orphan") & (pen.persons > 0)].age_end.max() < _value(params, "orphan_age_limit")
    # the voluntary scheme (2015) is too young for old-age pensions (15 years needed)
    assert pen[(pen.type == "old_age") & (pen.group == "voluntary")].persons.sum() == 0
    by_group = pen[pen.type == "old_age"].groupby("group").persons.sum()
    assert by_group["public"] > by_group["private"], "the civil-servant scheme is the older one"


def test_tables_shape():
    es = pd.read_csv(SCHEME / "employment_structure.csv")
    assert np.allclose(es[["public", "private", "informal"]].sum(axis=1), 1.0, atol=1e-6)
    lfp = pd.read_csv(SCHEME / "labour_force_participation.csv")
    assert lfp.rate.between(0, 1).all()
    ss = pd.read_csv(SCHEME / "salary_scale.csv")
    assert set(ss.group) == set(GROUPS) and (ss["index"] > 0).all()
    for g, d in ss.groupby("group"):
        assert d.age_start.min() <= 15 and (d.age_end.isna().any() or d.age_end.max() >= 70), g
    ent = pd.read_csv(SCHEME / "entry_age_distribution.csv")
    assert np.allclose(ent.groupby(["group", "sex"]).weight.sum(), 1.0)
    inv = pd.read_csv(SCHEME / "invalidity_incidence.csv")
    assert inv.rate.between(0, 0.05).all()
    fam = pd.read_csv(SCHEME / "family.csv")
    assert fam.married.between(0, 1).all() and (fam.children >= 0).all()


def _employed(population, year, lfp, unemployment):
    """Employed persons by sex and age group of the participation table. [persons]"""
    out = {}
    for sex, d in lfp.groupby("sex"):
        pop = population.sel(year=year, sex=sex).values
        emp = []
        for _, r in d.iterrows():
            a1 = 100 if pd.isna(r.age_end) else int(r.age_end)
            emp.append(pop[int(r.age_start): a1 + 1].sum() * r.rate * (1 - unemployment))
        out[sex] = np.array(emp)
    return out


def test_labour_force_calibrated_to_lfs_2022(population):
    lfp = pd.read_csv(SCHEME / "labour_force_participation.csv")
    emp = _employed(population, 2022, lfp, UNEMPLOYMENT_2022)
    total = sum(v.sum() for v in emp.values())
    assert total == pytest.approx(EMPLOYED_2022, rel=0.005)


def test_coverage_rates_reproduce_base_members_and_informal_share(params, population):
    """coverage_rate x sector employment in 2024 = the member counts of 31 Dec 2023, and formal = 14% of employment."""
    lfp = pd.read_csv(SCHEME / "labour_force_participation.csv")
    es = pd.read_csv(SCHEME / "employment_structure.csv")
    emp = _employed(population, 2024, lfp, _value(params, "unemployment_rate"))
    sector_emp = {sec: sum((emp[s] * es[es.sex == s][sec].to_numpy()).sum() for s in emp)
                  for sec in ("public", "private", "informal")}
    total = sum(sector_emp.values())
    assert sector_emp["informal"] / total == pytest.approx(INFORMAL_SHARE, abs=0.002)
    cov = _value(params, "coverage_rate")
    for g, sec in (("public", "public"), ("private", "private"), ("voluntary", "informal")):
        assert cov[g] * sector_emp[sec] == pytest.approx(COUNTS_2023[g], rel=0.01), g


def test_scenario_validates(scenario):
    assert scenario.groups == GROUPS
    assert scenario.funds == ("long_term", "short_term", "health")
    assert scenario.scheme_years[0] == 2024 and scenario.scheme_years[-1] == 2100
