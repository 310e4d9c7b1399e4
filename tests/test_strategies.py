"""Coverage-expansion strategies (ssproj.scheme.strategies): recruits, accounting, costs, validation."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ssproj
from ssproj.errors import ScenarioError
from ssproj.scheme.strategies import StrategyScenario, parse_strategy

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "scenarios" / "scheme_base.yaml"

MOBILE = {"kind": "mobile_registration", "group": "voluntary", "start_year": 2025,
          "villages_per_year": {2025: 30, 2027: 120}, "turnout_per_village": 150, "registration_share": 0.22,
          "lapse_rate": 0.25, "contribution_density": 0.6, "cost_fixed": 3.0e5, "cost_per_registration": 40.0,
          "paid_by": "fund"}
OFFICE = {"kind": "district_office", "group": "voluntary", "start_year": 2026, "offices": {2026: 2, 2028: 6},
          "catchment_workers": 5000, "uptake_rate": 0.03, "cost_fixed": 1.0e5, "paid_by": "state"}
CENTRE = {"kind": "information_centre", "group": "private", "start_year": 2025, "centres": 4,
          "visitors_per_centre": 1200, "conversion": 0.1}
OFFICERS = {"kind": "labour_officers", "group": "voluntary", "start_year": 2025, "officers": 200,
            "registrations_per_officer": {2025: 10, 2030: 25}, "lapse_rate": 0.0, "reentry_rate": 0.0}
PROMOTERS = {"kind": "promoters", "group": "voluntary", "start_year": 2027, "promoters": {2027: 100, 2030: 400},
             "registrations_per_promoter": 12, "share_female": 0.6}
RECRUITING = {"mobile": MOBILE, "office": OFFICE, "centre": CENTRE, "officers": OFFICERS, "promoters": PROMOTERS}


def tiny(channels, changes=None):
    data = {"extends": str(TINY), "name": "tiny_strategy",
            "strategy": {"name": "test", "channels": channels}}
    if changes:
        data["changes"] = changes
    return ssproj.load_scenario(data)


@pytest.fixture(scope="module")
def base():
    sc = ssproj.load_scenario(TINY)
    return sc, ssproj.project(sc)


@pytest.fixture(scope="module")
def all_recruiting():
    sc = tiny(RECRUITING)
    return sc, ssproj.project(sc)


def test_recruits_equal_the_hand_formulas(all_recruiting):
    _, res = all_recruiting
    r = res.dataset["channel_recruits"]
    # mobile: 30 villages x 150 x 0.22 = 990 in 2025; 75 villages (linear) in 2026; 120 from 2027
    assert float(r.sel(channel="mobile", year=2025)) == pytest.approx(990.0, rel=1e-12)
    assert float(r.sel(channel="mobile", year=2026)) == pytest.approx(75 * 150 * 0.22, rel=1e-12)
    assert float(r.sel(channel="mobile", year=2040)) == pytest.approx(120 * 150 * 0.22, rel=1e-12)
    assert float(r.sel(channel="office", year=2027)) == pytest.approx(4 * 5000 * 0.03, rel=1e-12)
    assert float(r.sel(channel="centre", year=2030)) == pytest.approx(4 * 1200 * 0.1, rel=1e-12)
    assert float(r.sel(channel="officers", year=2025)) == pytest.approx(200 * 10, rel=1e-12)
    assert float(r.sel(channel="officers", year=2028)) == pytest.approx(200 * 19, rel=1e-12)
    assert float(r.sel(channel="promoters", year=2029)) == pytest.approx(300 * 12, rel=1e-12)
    # recruits are the group's entrants (coverage rate 0), split by share_female
    ds = res.dataset
    np.testing.assert_allclose(ds["entrants"].sel(group="voluntary.promoters").values,
                               r.sel(channel="promoters").values, rtol=1e-12)
    summary = res.summary()
    np.testing.assert_allclose(summary.loc[2023:, "strategy_recruits"], r.sum("channel").sel(year=slice(2023, None)))


def test_nothing_happens_before_the_start_year(all_recruiting, base):
    sc, res = all_recruiting
    ds = res.dataset
    for name, spec in RECRUITING.items():
        g = f"{spec['group']}.{name}"
        before = ds.sel(year=slice(None, spec["start_year"] - 1))
        for var in ("entrants", "insured_earnings"):
            assert float(before[var].sel(group=g).fillna(0).sum()) == 0.0, (name, var)
        assert float(before["actives"].sel(group=g).fillna(0).sum()) == 0.0
        assert float(before["channel_recruits"].sel(channel=name).fillna(0).sum()) == 0.0
        assert float(before["channel_cost"].sel(channel=name).fillna(0).sum()) == 0.0
        assert float(ds["entrants"].sel(group=g, year=spec["start_year"])) > 0.0, name
    # the declared groups are untouched by recruiting channels
    _, b = base
    for g in sc.assumptions.groups:
        np.testing.assert_array_equal(ds["actives"].sel(group=g).values, b.dataset["actives"].sel(group=g).values)


def test_head_counts_of_every_channel_group_are_conserved(all_recruiting):
    """Members (actives + inactives): previous + entrants - deaths - invalidity - retirements = now.

    Lapses and re-entries move members between actives and inactives and
    cancel out; the engine reports deaths and retirements of actives and
    inactives together.
    """
    sc, res = all_recruiting
    ds = res.dataset
    years = sc.scheme_years
    d = ds.sel(year=years)
    for name, spec in RECRUITING.items():
        g = f"{spec['group']}.{name}"
        x = d.sel(group=g)
        members = (x["actives"] + x["inactives"]).sum(("sex", "age")).values
        previous = np.concatenate([[0.0], members[:-1]])
        flows = (x["entrants"] - x["member_deaths"] - x["invalidity_retirements"]
                 - x["retirements_pension"] - x["retirements_lump_sum"] - x["refunds"]).values
        np.testing.assert_allclose(members - previous, flows, rtol=0, atol=1e-9 * members.max())
        if spec.get("lapse_rate", 0.0) > 0:
            assert x["lapses"].values[-1] > 0 and x["inactives"].sum().values > 0
    # lapse rate 0, re-entry 0: no inactives, so actives alone change by
    # recruited - died - invalidity - retired (pension + lump sum)
    x = d.sel(group="voluntary.officers")
    assert float(x["inactives"].sum()) == 0.0 and float(x["lapses"].sum()) == 0.0
    actives = x["actives"].sum(("sex", "age")).values
    flows = (x["channel_recruits"].sel(channel="officers") - x["member_deaths"] - x["invalidity_retirements"]
             - x["retirements_pension"] - x["retirements_lump_sum"]).values
    np.testing.assert_allclose(np.diff(np.concatenate([[0.0], actives])), flows, rtol=0,
                               atol=1e-9 * actives.max())


def test_zero_reach_equals_the_baseline_exactly(base):
    _, b = base
    zero = {k: dict(v, cost_fixed=0.0, cost_per_registration=0.0) for k, v in RECRUITING.items()}
    zero["mobile"]["villages_per_year"] = 0
    zero["office"]["offices"] = 0
    zero["centre"]["conversion"] = 0.0
    zero["officers"]["officers"] = 0
    zero["promoters"]["registrations_per_promoter"] = 0
    res = ssproj.project(tiny(zero))
    s, sb = res.summary(), b.summary()
    assert float(res.dataset["channel_recruits"].fillna(0).sum()) == 0.0
    # per group: identical to the bit; totals over groups: up to the order of floating-point summation
    per_group = [c for c in sb.columns if c.startswith(("insured_", "contributors_"))]
    pd.testing.assert_frame_equal(s[per_group], sb[per_group], check_exact=True)
    pd.testing.assert_frame_equal(s[sb.columns], sb, check_exact=False, rtol=1e-13, atol=0)
    for g in ("actives", "inactives", "pensioners", "contributions", "benefit_outgo_by_type"):
        declared = res.dataset[g].sel(group=list(b.dataset["group"].values))
        np.testing.assert_array_equal(declared.values, b.dataset[g].values)
    for name in ("admin_cost", "outgo_by_fund", "fund_reserve_end"):
        np.testing.assert_allclose(res.dataset[name].values, b.dataset[name].values, rtol=1e-13, atol=0)


def test_more_recruits_never_lower_contributors(base):
    _, b = base
    one = ssproj.project(tiny({"mobile": MOBILE})).summary().loc[2024:]
    more = ssproj.project(tiny({"mobile": dict(MOBILE, turnout_per_village=300)})).summary().loc[2024:]
    assert (more["contributors"] >= one["contributors"]).all()
    assert (more["contributors"] > one["contributors"]).any()
    assert (one["contributors"] >= b.summary().loc[2024:, "contributors"]).all()
    assert (more["contribution_income"] >= one["contribution_income"]).all()


def test_costs_by_payer(all_recruiting, base):
    sc, res = all_recruiting
    ds = res.dataset
    cost = ds["channel_cost"]
    recruits = ds["channel_recruits"]
    # mobile (fund): 300,000 a year + 40 per registration, at the wage level of its start year (2025)
    np.testing.assert_allclose(cost.sel(channel="mobile", cost_payer="fund", year=2025), 3.0e5 + 40 * 990.0)
    assert float(cost.sel(channel="mobile", cost_payer="state").fillna(0).sum()) == 0.0
    # office (state): 100,000 a year from 2026, growing with the average wage after 2026 (cost_index: wages)
    years = np.arange(2026, 2041)
    wages = np.cumprod(1.0 + np.where(years > 2026, sc.path_values("wage_growth", years), 0.0))
    np.testing.assert_allclose(cost.sel(channel="office", cost_payer="state", year=years), 1.0e5 * wages,
                               rtol=1e-12)
    assert wages[-1] > 1.1
    assert float(cost.sel(channel="office", cost_payer="fund").fillna(0).sum()) == 0.0
    assert float(recruits.sel(channel="office", year=2030)) > 0
    # fund-paid costs are administrative outgo of the long-term fund; state-paid ones are not
    _, b = base
    years = sc.scheme_years
    extra = ds["admin_cost"].sel(year=years, fund="long_term") - b.dataset["admin_cost"].sel(year=years,
                                                                                            fund="long_term")
    fund_cost = cost.sel(cost_payer="fund", year=years).sum("channel")
    per_member = float(sc.path_values("admin_cost_per_member", [2030])[0])
    if per_member == 0:  # admin cost is otherwise a share of contributions, which the recruits raise
        assert (extra.values >= fund_cost.values - 1e-6).all()
    s = res.summary().loc[years]
    np.testing.assert_allclose(s["strategy_cost_fund"], fund_cost.values)
    np.testing.assert_allclose(s["strategy_cost_state"], cost.sel(cost_payer="state", year=years).sum("channel"))


def test_fund_costs_are_in_the_long_term_fund_outgo(base):
    """Same recruits, with and without a fund-paid cost: outgo differs by exactly the cost."""
    free = ssproj.project(tiny({"mobile": dict(MOBILE, cost_fixed=0.0, cost_per_registration=0.0)})).dataset
    paid = ssproj.project(tiny({"mobile": MOBILE})).dataset
    years = ssproj.load_scenario(TINY).scheme_years
    diff = (paid["outgo_by_fund"] - free["outgo_by_fund"]).sel(year=years)
    cost = paid["channel_cost"].sel(cost_payer="fund", channel="mobile", year=years).values
    np.testing.assert_allclose(diff.sel(fund="long_term").values, cost, rtol=1e-9)
    assert float(np.abs(diff.sel(fund="short_term")).max()) == 0.0
    np.testing.assert_array_equal(paid["contributions"].values, free["contributions"].values)
    # state-paid: fiscal cost, not fund outgo
    state = ssproj.project(tiny({"mobile": dict(MOBILE, paid_by="state")})).dataset
    np.testing.assert_array_equal(state["outgo_by_fund"].values, free["outgo_by_fund"].values)
    np.testing.assert_allclose(state["channel_cost"].sel(cost_payer="state", channel="mobile").values,
                               paid["channel_cost"].sel(cost_payer="fund", channel="mobile").values)


def test_channel_costs_follow_their_index():
    """cost_index: the amounts are at the start year's level, then fixed, or growing with prices or wages."""
    sc = tiny({"office": dict(OFFICE, cost_index="none")})
    years = np.arange(2026, 2041)
    fixed = ssproj.project(sc).dataset["channel_cost"].sel(channel="office", cost_payer="state", year=years)
    np.testing.assert_array_equal(fixed.values, 1.0e5)
    prices = ssproj.project(tiny({"office": dict(OFFICE, cost_index="prices")})).dataset["channel_cost"]
    level = np.cumprod(1.0 + np.where(years > 2026, sc.path_values("price_inflation", years), 0.0))
    np.testing.assert_allclose(prices.sel(channel="office", cost_payer="state", year=years).values, 1.0e5 * level,
                               rtol=1e-12)
    with pytest.raises(ScenarioError, match=r"cost_index = 'salaries' is not an index \(wages \| prices \| none\)"):
        tiny({"office": dict(OFFICE, cost_index="salaries")})


def test_domestic_worker_channel_reaches_its_coverage_target():
    spec = {"kind": "domestic_workers", "group": "voluntary", "start_year": 2026,
            "registration_share": {2026: 0.1, 2030: 0.5}, "cost_per_registration": 10.0, "paid_by": "state"}
    sc = tiny({"domestic": spec}, changes={"domestic_worker_share": 0.05})
    ds = ssproj.project(sc).dataset
    years = sc.scheme_years
    g = "voluntary.domestic"
    d = ds.sel(year=years, group=g)
    # the target is registration_share x domestic workers (informal x domestic_worker_share)
    dom = ds["domestic_workers"].sel(year=years).sum("age")
    share = np.interp(years, [2026, 2030], [0.1, 0.5]) * (years >= 2026)
    np.testing.assert_allclose(d["coverage_target"].values, share[:, None] * dom.values, rtol=1e-12)
    np.testing.assert_allclose(dom.values, 0.05 * ds["employed"].sel(year=years, sector="informal").sum("age").values,
                               rtol=1e-12)
    # actives at the start of each year + entrants = the target, from the start year
    actives = d["actives"].sum(("sex", "age")).values
    start = np.concatenate([[0.0], actives[:-1]])
    reached = start + d["entrants"].values
    on = years >= 2026
    np.testing.assert_allclose(reached[on], d["coverage_target"].sum("sex").values[on], rtol=1e-9)
    assert reached[~on].sum() == 0.0
    # its registrations are its entrants; cost per registration, paid by the state
    np.testing.assert_allclose(ds["channel_recruits"].sel(channel="domestic", year=years).values, d["entrants"].values)
    level = np.cumprod(1.0 + np.where(years > 2026, sc.path_values("wage_growth", years), 0.0))
    np.testing.assert_allclose(ds["channel_cost"].sel(channel="domestic", cost_payer="state", year=years).values,
                               10.0 * d["entrants"].values * level, rtol=1e-12)


def test_subsidy_moves_the_employee_rate_to_the_state(base):
    _sc, _b = base
    spec = {"kind": "subsidy", "group": "voluntary", "start_year": 2028, "subsidy_share": 0.5}
    st = tiny({"sub": spec, "mobile": MOBILE})
    view = StrategyScenario(st, st.strategy)
    years = np.array([2027, 2028, 2035])
    groups = list(view.groups)
    emp = view.path_values("contribution_rate_employee", years)
    state = view.path_values("contribution_rate_state", years)
    for g in ("voluntary", "voluntary.mobile"):
        np.testing.assert_allclose(emp[groups.index(g)], [0.09, 0.045, 0.045])
        np.testing.assert_allclose(state[groups.index(g)], [0.0, 0.045, 0.045])
    np.testing.assert_allclose(emp[groups.index("private")], st.path_values("contribution_rate_employee",
                                                                            years)[1])
    ds = ssproj.project(st).dataset
    contrib = ds["contributions"].sel(group=["voluntary", "voluntary.mobile"]).sum("group")
    cost = ds["channel_cost"].sel(channel="sub", cost_payer="state")
    np.testing.assert_allclose(cost.sel(year=slice(2028, 2040)).values,
                               contrib.sel(payer="state", year=slice(2028, 2040)).values, rtol=1e-12)
    assert float(cost.sel(year=slice(None, 2027)).fillna(0).sum()) == 0.0


def test_parameter_channels_change_the_parent_from_their_start_year(base):
    sc, _ = base
    st = tiny({
        "floor": {"kind": "lower_floor", "group": "voluntary", "start_year": 2027, "declared_income_min_ratio": 0.5,
                  "uptake": 0.01},
        "target": {"kind": "coverage_target", "group": "private", "start_year": 2030, "coverage_rate": 0.8},
    })
    view = StrategyScenario(st, st.strategy)
    years = np.array([2026, 2027, 2030])
    vol, priv = sc.groups.index("voluntary"), sc.groups.index("private")
    floor = view.path_values("declared_income_min_ratio", years)[vol]
    np.testing.assert_allclose(floor, [sc.path_values("declared_income_min_ratio", [2026])[vol][0], 0.5, 0.5])
    cov = view.path_values("coverage_rate", years)
    base_cov = sc.path_values("coverage_rate", years)
    np.testing.assert_allclose(cov[vol], base_cov[vol] + [0.0, 0.01, 0.01])
    np.testing.assert_allclose(cov[priv], [base_cov[priv][0], base_cov[priv][1], 0.8])
    assert view.groups == sc.groups  # parameter channels make no group


def test_with_changes_keeps_the_strategy_and_to_dict_shows_it():
    st = tiny({"mobile": MOBILE})
    again = st.with_changes({"wage_growth": 0.05})
    assert again.strategy == st.strategy
    assert st.to_dict()["strategy"]["channels"]["mobile"]["kind"] == "mobile_registration"
    assert "strategy" not in ssproj.load_scenario(TINY).to_dict()


def test_worked_example_validates_on_the_lao_baseline():
    sc = ssproj.load_scenario(ROOT / "docs" / "examples" / "strategy_example.yaml")
    assert [c.kind for c in sc.strategy.channels] == ["mobile_registration", "labour_officers", "promoters",
                                                      "domestic_workers", "subsidy"]
    s = ssproj.project(sc).summary()
    assert s.loc[2025, "strategy_recruits"] == pytest.approx(30 * 150 * 0.22 + 200 * 10, rel=1e-12)
    assert s.loc[2024, "strategy_recruits"] == 0.0


BAD = [
    ("kind", {"kind": "mobile_registation"},
     "strategy.channels.c.kind = 'mobile_registation' is not a channel kind; did you mean 'mobile_registration'?"),
    ("missing", {"kind": "promoters", "promoters": 10},
     "strategy.channels.c: required key 'registrations_per_promoter' is missing (kind promoters needs group, "
     "start_year, promoters, registrations_per_promoter)"),
    ("group", {"group": "volunteers"},
     "strategy.channels.c.group = 'volunteers' is not an insured group declared in the assumption set; "
     "did you mean 'voluntary'?"),
    ("cost", {"cost_fixed": -5}, "strategy.channels.c.cost_fixed = -5 is negative (a cost is >= 0)"),
    ("rate", {"registration_share": 1.5}, "strategy.channels.c.registration_share = 1.5 is outside [0, 1]"),
    ("rate_by_year", {"lapse_rate": {2025: 0.2, 2030: 1.2}},
     "strategy.channels.c.lapse_rate[2030] = 1.2 is outside [0, 1]"),
    ("unknown_key", {"lapse_rat": 0.1},
     "strategy.channels.c.lapse_rat: unknown key in a channel of kind mobile_registration; did you mean 'lapse_rate'?"),
    ("payer", {"paid_by": "donor"},
     "strategy.channels.c.paid_by = 'donor' is not a payer (fund | state); expected one of: fund, state"),
    ("late_path", {"villages_per_year": {2027: 30}},
     "strategy.channels.c.villages_per_year: starts in 2027, after the channel's start_year 2025; "
     "give a value for 2025 (e.g. {2025: ..., 2027: ...})"),
    ("start_year", {"start_year": 2101},
     "strategy.channels.c.start_year = 2101 is outside the projection years 2020-2040"),
]


@pytest.mark.parametrize("case, change, message", BAD, ids=[b[0] for b in BAD])
def test_bad_strategy_gives_its_precise_message(case, change, message, tmp_path):
    channel = dict(MOBILE)
    channel.update(change)
    if change.get("kind") == "promoters":
        for key in ("villages_per_year", "turnout_per_village", "registration_share"):
            channel.pop(key)
    text = ssproj.scenario.yamlio.dump_yaml({"extends": str(TINY),
                                             "strategy": {"name": "bad", "channels": {"c": channel}}})
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ssproj.ScenarioError) as err:
        ssproj.load_scenario(path)
    messages = [p.message for p in err.value.problems]
    assert messages == [message]
    problem = err.value.problems[0]
    assert Path(problem.file).resolve() == path.resolve() and problem.line is not None


def test_every_problem_is_reported_at_once():
    bad = {"kind": "promoters", "group": "nobody", "start_year": 2025, "promoters": -1, "cost_fixed": -1}
    with pytest.raises(ssproj.ScenarioError) as err:
        tiny({"a": bad, "b": {"kind": "subsid"}})
    text = str(err.value)
    for part in ("'nobody' is not an insured group", "promoters = -1 is negative", "cost_fixed = -1 is negative",
                 "required key 'registrations_per_promoter'",
                 "'subsid' is not a channel kind; did you mean 'subsidy'?"):
        assert part in text, part


def test_parse_strategy_returns_problems_without_raising():
    strategy, problems = parse_strategy({"name": "x", "channels": {"m": MOBILE}}, groups=("voluntary",))
    assert problems == [] and strategy.channel_groups == ("voluntary.m",)
    strategy, problems = parse_strategy({"nmae": "x", "channels": {}})
    assert strategy is None
    assert [p.message for p in problems] == [
        "strategy.nmae: unknown key in a strategy; did you mean 'name'?",
        "strategy: required key 'name' is missing",
        "strategy.channels = {} must be a non-empty mapping channel name -> channel",
    ]


def test_channel_values_recomputed_from_the_projection(all_recruiting):
    """Each recruiting channel's group: contributions, benefits and costs in present value, by hand."""
    sc, res = all_recruiting
    ds = res.dataset
    values = res.channel_values(milestones=(2040,))
    years = sc.scheme_years
    i = ds["investment_return"].sel(year=years).to_numpy()
    v = np.cumprod(1.0 / (1.0 + i)) * (1.0 + i / 2)
    d = ds.sel(year=years, group="voluntary.mobile")
    contrib = d["contributions"].sum("payer").to_numpy()
    pensions = d["benefit_outgo_by_type"].sum("benefit").to_numpy() + d["lump_sums"].to_numpy()
    short = (ds["branch_outgo"].sel(year=years).sum("branch").to_numpy() * d["insured_earnings"].to_numpy()
             / ds["insured_earnings"].sel(year=years).sum("group").to_numpy())
    cost = ds["channel_cost"].sel(year=years, channel="mobile", cost_payer="fund").to_numpy()
    a = ds["admin_cost_rate"].sel(year=years).to_numpy()
    row = values.loc["mobile"]
    assert row["recruits"] == pytest.approx(float(ds["channel_recruits"].sel(channel="mobile").sum()), rel=1e-12)
    assert row["pv_contributions"] == pytest.approx(float(np.sum(contrib * v)), rel=1e-12)
    assert row["pv_benefits"] == pytest.approx(float(np.sum((pensions + short) * v)), rel=1e-12)
    net = float(np.sum(((1 - a) * contrib - pensions - short - cost) * v))
    assert row["net_pv_fund"] == pytest.approx(net, rel=1e-12)
    assert row["net_pv_per_recruit"] == pytest.approx(net / row["recruits"], rel=1e-12)
    share = sc.value("long_term_share")["voluntary"].evaluate(years)
    assert row["pv_contributions_pension_fund"] == pytest.approx(float(np.sum(contrib * share * v)), rel=1e-12)
    total = values.loc["all channels"]
    channels = values.drop(index="all channels")
    assert total["pv_benefits"] == pytest.approx(channels["pv_benefits"].sum(), rel=1e-12)
    assert total["recruits"] == pytest.approx(channels["recruits"].sum(), rel=1e-12)
    with pytest.raises(ValueError, match="no coverage-expansion strategy"):
        ssproj.project(ssproj.load_scenario(TINY)).channel_values()
