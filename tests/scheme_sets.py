"""Build small synthetic assumption sets for analytic tests of the engine.

:func:`write_stationary_set` writes a closed, stationary population
(constant births and death rates, no migration, fertility at exactly
replacement level) with one insured group covering everybody aged 20-59,
constant wages, no ceiling, no survivors, no invalidity, no indexation.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from ssproj import LifeTable

AGES = np.arange(101)


def gompertz(scale=1.0):
    m = scale * (0.0004 + 0.00003 * np.exp(0.095 * (AGES + 0.5)))
    m[0] = 0.02
    return m


def _csv(path: Path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(header)] + [",".join("" if v is None else repr(v) if isinstance(v, float) else str(v)
                                           for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n")


def write_stationary_set(root: Path, *, births=10_000.0, accrual=0.015, entry_age=20, pension_age=60,
                         contribution_rate=0.10, mortality_scale=1.0, wage=1000.0, opening_reserve=0.0,
                         interest=0.0, coverage=1.0, base_members=True) -> Path:
    """Write the set and a scenario; return the scenario path."""
    root = Path(root)
    mx = {"male": gompertz(mortality_scale) * 1.2, "female": gompertz(mortality_scale)}
    srb = 1.05
    share = {"male": srb / (1 + srb), "female": 1 / (1 + srb)}
    L = {s: LifeTable.from_mx(mx[s], sex=s).Lx for s in mx}
    # fertility at ages 25-34 scaled so that p_f sum f(x) L_f(x) = 1: stationary
    shape = np.zeros(101)
    shape[25:35] = 1.0
    level = 1.0 / (share["female"] * np.sum(shape * L["female"]))
    asfr = shape * level
    demo, scheme = root / "demography", root / "scheme"
    _csv(demo / "population.csv", ["year", "sex", "age", "persons"],
         [(2020, s, int(x), float(births * share[s] * L[s][x])) for s in mx for x in AGES])
    _csv(demo / "mortality.csv", ["period_start", "period_end", "sex", "age", "mx"],
         [(p0, p0 + 100.0, s, int(x), float(mx[s][x])) for p0 in (2000.0, 2100.0) for s in mx for x in AGES])
    _csv(demo / "fertility.csv", ["period_start", "period_end", "age", "asfr"],
         [(p0, p0 + 100.0, int(x), float(asfr[x])) for p0 in (2000.0, 2100.0) for x in range(10, 55)])
    _csv(demo / "sex_ratio_at_birth.csv", ["year", "srb"], [(2020, srb)])
    _csv(demo / "net_migration.csv", ["year", "sex", "age", "persons"],
         [(2020, s, int(x), 0) for s in mx for x in AGES])
    _csv(scheme / "labour_force_participation.csv", ["sex", "age_start", "age_end", "rate"],
         [(s, 15, entry_age - 1, 0.0) for s in mx] + [(s, entry_age, pension_age - 1, 1.0) for s in mx]
         + [(s, pension_age, None, 0.0) for s in mx])
    _csv(scheme / "employment_structure.csv", ["sex", "age_start", "age_end", "public", "private", "informal"],
         [(s, 15, None, 0.0, 1.0, 0.0) for s in mx])
    _csv(scheme / "salary_scale.csv", ["group", "age_start", "age_end", "index"], [("all", 15, None, 1.0)])
    _csv(scheme / "entry_age_distribution.csv", ["group", "sex", "age_start", "age_end", "weight"],
         [("all", s, entry_age, entry_age, 1.0) for s in mx])
    _csv(scheme / "invalidity_incidence.csv", ["sex", "age_start", "age_end", "rate"], [(s, 15, None, 0.0) for s in mx])
    _csv(scheme / "family.csv", ["sex", "age_start", "age_end", "married", "spouse_age_difference", "children"],
         [(s, 15, None, 0.0, 0.0, 0.0) for s in mx])
    # base data: actives as in the stationary state, no pensioners (they build up)
    _csv(scheme / "insured.csv", ["group", "sex", "age", "status", "persons"],
         [("all", s, int(x), "active", float(births * share[s] * L[s][x]) if base_members else 0.0) for s in mx
          for x in range(entry_age, pension_age)])
    _csv(scheme / "pensioners.csv", ["type", "group", "sex", "age", "persons", "average_pension"],
         [("old_age", "all", "male", pension_age, 0.0, 0.0)])
    tables = {name: {"file": f"{folder}/{name}.csv", "source": "synthetic", "confidence": "assumed"}
              for folder, names in (("demography", ("population", "mortality", "fertility", "sex_ratio_at_birth",
                                                    "net_migration")),
                                    ("scheme", ("labour_force_participation", "employment_structure", "salary_scale",
                                                "entry_age_distribution", "invalidity_incidence", "family",
                                                "insured", "pensioners")))
              for name in names}
    p = lambda v: {"value": v, "source": "synthetic", "confidence": "assumed"}
    params = {
        "valuation_year": p(2020), "price_inflation": p(0.0), "wage_growth": p(0.0), "average_wage": p(wage),
        "minimum_wage": p(wage), "contribution_ceiling": p(1.0e30), "contribution_floor_ratio": p(0.0),
        "investment_return": p(interest), "unemployment_rate": p(0.0), "indexation_price_weight": p(1.0),
        "coverage_rate": p({"all": coverage}), "contribution_density": p({"all": 1.0}),
        "earnings_dispersion": p({"all": 0.0}), "contribution_rate_employer": p({"all": contribution_rate}),
        "pensionable_age_male": p({"all": pension_age}), "pensionable_age_female": p({"all": pension_age}),
        "accrual_rate": p({"all": accrual}), "replacement_cap": p({"all": 1.0}), "minimum_service": p({"all": 1}),
        "minimum_pension_ratio": p({"all": 0.0}), "maximum_pension_ratio": p({"all": 10.0}),
        "scheme_start_year": p({"all": 1900}), "long_term_share": p({"all": 1.0}),
        "opening_reserve": p({"long_term": opening_reserve}), "admin_cost_rate": p(0.0),
    }
    doc = {
        "name": "stationary", "country": "Stationaria (synthetic)", "country_code": 998, "currency": "STA",
        "sources": {"synthetic": {"citation": "ssproj test suite, synthetic stationary population"}},
        "groups": {"all": {"title": "Everybody aged 20-59", "sector": "private"}},
        "funds": {"long_term": {"title": "Pensions"}},
        "tables": tables, "parameters": params,
    }
    (root / "assumptions.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    scenario = root / "stationary.yaml"
    scenario.write_text(yaml.safe_dump({
        "name": "stationary", "assumptions": str(root / "assumptions.yaml"),
        "projection": {"start_year": 2020, "end_year": 2140},
    }, sort_keys=False))
    return scenario
