"""Decision-grade finance on the Lao baseline: deficit rules, funds, present values and liabilities.

Independent truths: the roll-forward's present-value identity recomputed
from the yearly flows, the floor of each rule, the depletion year that no
rule can move, and the liability of the pensioners of the valuation date
recomputed from annuity values built here from the documented mortality,
indexation and payment conventions (docs/methods/scheme.md).
"""
import warnings
from pathlib import Path

import numpy as np
import pytest

import ssproj
from ssproj.plan import closed_runs, compile_scenario

ROOT = Path(__file__).resolve().parents[1]
LAO = ROOT / "scenarios" / "lao_baseline.yaml"


@pytest.fixture(scope="module")
def lao():
    return ssproj.load_scenario(LAO)


@pytest.fixture(scope="module")
def lao_fund(lao):
    """The Lao baseline with no pension paid by the state (it pays the former civil-servant pensions in the
    baseline): the test bed of the state-paid blocks and of the fund's liabilities before any block."""
    return lao.with_changes({"state_paid_base_pensions": {"public": 0.0}})


@pytest.fixture(scope="module")
def rules(lao):
    """The Lao baseline under each rule for the pension fund (floor 0), and under state transfers with a floor."""
    out = {r: ssproj.project(lao.with_changes({"deficit_financing": {"long_term": r}}))
           for r in ("borrow", "state_transfer", "payable")}
    out["floor"] = ssproj.project(lao.with_changes({"deficit_financing": {"long_term": "state_transfer"},
                                                    "deficit_floor_ratio": {"long_term": 1.0}}))
    return out


def _pv(values, interest):
    """Present value at 1 January of the first year of mid-year flows (simple half-year), by hand."""
    pv, v = 0.0, 1.0
    for x, i in zip(values, interest, strict=True):
        v /= 1.0 + i
        pv += x * v * (1.0 + i / 2)
    return pv


def _population_q(ds, years):
    """Death probabilities in the calendar year of the documented rule (docs/methods/scheme.md), (Y, S, X)."""
    m = ds["mortality_rate"].sel(year=years).transpose("year", "sex", "age").to_numpy()
    qe = np.minimum(1.0, m / (1.0 + m / 2))
    q = np.empty_like(qe)
    q[:, :, :100] = 1.0 - np.sqrt((1.0 - qe[:, :, :100]) * (1.0 - qe[:, :, 1:]))
    q[:, :, 100] = qe[:, :, 100]
    return q


def _annuity_values(amounts, q, indexation, interest):
    """Sum over cells (sex, age) of the annual amounts in payment at a 31 December, each indexed at 1 January,
    paid to those alive at the start of the year and for half a year in the year of death, discounted mid-year."""
    total = 0.0
    for s in range(2):
        for x0 in np.nonzero(amounts[s])[0]:
            amount, alive, flows = float(amounts[s, x0]), 1.0, []
            for t in range(len(interest)):
                x = min(x0 + t, 100)
                amount *= 1.0 + indexation[t]
                flows.append(amount * alive * (1.0 - q[t, s, x] / 2))
                alive *= 1.0 - q[t, s, x]
            total += _pv(flows, interest)
    return total


def test_the_depletion_year_is_the_scheduled_flows_whatever_the_rule(rules):
    years = {r: p.indicators()["depletion_year"] for r, p in rules.items()}
    assert len(set(years.values())) == 1 and years["borrow"] == 2029  # the Lao back-cast reserve (issue 13)
    s = rules["borrow"].summary().loc[2024:]
    assert s.loc[2028, "reserve_end"] > 0 >= s.loc[2029, "reserve_end"]


def test_state_transfers_hold_the_floor_and_pay_the_shortfall(rules):
    for name, k in (("state_transfer", 0.0), ("floor", 1.0)):
        p = rules[name]
        s = p.summary().loc[2024:]
        scheduled = s["benefit_outgo"] + s["admin_cost"]
        # never below the floor (to rounding of the year's flows) and exactly at it whenever the state pays
        assert (s["reserve_end"] >= k * scheduled - 1e-9 * scheduled).all()
        paid = s["state_transfer"] > 0
        assert paid.sum() > 60
        # (to rounding of the year's flows: a reserve held at 0 is a few hundredths of a kip either side)
        assert (np.abs(s.loc[paid, "reserve_end"] - k * scheduled[paid]) <= 1e-12 * scheduled[paid]).all()
        # no investment income on a negative balance (there is none)
        assert (s["investment_income"] >= 0).all()
    # a floor of a year's outgo makes the state start paying before depletion
    first = {n: rules[n].summary().loc[2024:].query("state_transfer > 0").index[0] for n in ("state_transfer",
                                                                                            "floor")}
    assert first["floor"] < first["state_transfer"] == 2029
    # zero floor, reserve never negative: the roll-forward's PV identity makes the transfers the shortfall
    p = rules["state_transfer"]
    s = p.summary().loc[2024:]
    ds = p.dataset
    i = ds["investment_return"].sel(year=s.index).to_numpy()
    a = ds["admin_cost_rate"].sel(year=s.index).to_numpy()
    cost = (s["benefit_outgo"] + s["admin_cost"] - a * s["contribution_income"]).to_numpy()
    net = ((1 - a) * s["contribution_income"]).to_numpy()
    opening = float(ds["opening_reserve"].sel(fund="long_term"))
    for n in (25, 50, 75):
        shortfall = _pv(cost[:n] - net[:n], i[:n]) - opening
        ind = p.indicators()
        assert ind[f"pv_shortfall_{n}"] == pytest.approx(shortfall, rel=1e-12)
        assert ind[f"pv_state_transfers_{n}"] == pytest.approx(_pv(s["state_transfer"].to_numpy()[:n], i[:n]),
                                                               rel=1e-12)
        assert ind[f"pv_state_transfers_{n}"] == pytest.approx(shortfall, rel=1e-9)


def test_payable_benefits_are_what_contributions_pay_after_depletion(rules):
    p = rules["payable"]
    s = p.summary().loc[2024:]
    share = s["share_of_benefits_payable"]
    assert (share.loc[:2028] == 1).all() and (share.loc[2030:] < 1).all() and (share > 0).all()
    np.testing.assert_allclose(s["benefits_paid"], share * s["benefit_outgo"], rtol=1e-12)
    np.testing.assert_allclose(s["total_outgo"], s["benefits_paid"] + s["admin_cost"], rtol=1e-12)
    # once the reserve is gone: pay-as-you-go, outgo = contributions, no investment income, no state money
    after = s.loc[2030:]
    np.testing.assert_allclose(after["total_outgo"], after["contribution_income"], rtol=1e-9)
    assert (after["investment_income"].abs() <= 1e-12 * after["total_outgo"]).all()  # rounding of a 0 reserve
    assert (s["state_transfer"] == 0).all()
    # the 2100 share, by hand: what contributions leave after administration, over the scheduled benefits
    y = s.loc[2100]
    assert y["share_of_benefits_payable"] == pytest.approx((y["contribution_income"] - y["admin_cost"])
                                                           / y["benefit_outgo"], rel=1e-9)


def test_borrowing_carries_the_deficit_with_interest(rules):
    s = rules["borrow"].summary().loc[2024:]
    assert s.loc[2100, "reserve_end"] < 0 and s.loc[2100, "investment_income"] < 0
    np.testing.assert_array_equal(rules["borrow"].dataset["fund_reserve_end"].values,
                                  rules["borrow"].dataset["fund_reserve_end_scheduled"].values)


def test_the_other_funds_are_not_mixed_in(rules):
    p = rules["borrow"]
    all_funds, pension = p.summary("all").loc[2024:], p.summary().loc[2024:]
    parts = sum(p.summary(f).loc[2024:, "reserve_end"] for f in ("long_term", "short_term", "health"))
    np.testing.assert_allclose(all_funds["reserve_end"], parts, rtol=1e-12)
    assert pension.attrs["fund"] == "long_term" and all_funds.attrs["fund"] == "all"
    assert p.indicators()["gap_75"] != p.indicators(fund="all")["gap_75"]
    with pytest.raises(ValueError, match=r"not a fund of this projection.*'long_term', 'short_term', 'health'"):
        p.summary("pensions")


def test_ratios_and_present_values_rank_the_ceiling_consistently():
    """A higher ceiling lowers the GAP (a rate) but raises the money the pension fund lacks."""
    base = ssproj.project(ssproj.load_scenario(LAO))
    high = ssproj.project(ssproj.load_scenario(ROOT / "scenarios" / "lao_fin_ceiling_5x_min_wage.yaml"))
    b, h = base.indicators(), high.indicators()
    assert h["gap_75"] < b["gap_75"]
    assert h["pv_shortfall_75"] > b["pv_shortfall_75"]
    assert h["pv_shortfall_75_share_of_gdp"] > b["pv_shortfall_75_share_of_gdp"]   # GDP is the same: one yardstick
    row = ssproj.compare([base, high]).row("pv_shortfall_75_share_of_gdp")
    assert row["lao_fin_ceiling_5x_min_wage"] > row["lao_baseline"]


def test_liability_of_the_pensioners_equals_annuity_values_computed_here(lao_fund):
    """Old-age pensions in payment at 31 December 2023: their PV from the closed run of the engine against
    sum over cells of amount x indexed, mortality-weighted, discounted annuity built from the documented rules."""
    plan = compile_scenario(lao_fund)
    runs = closed_runs(plan, parts=("pensioners",))
    sp, res = runs["pensioners"]
    p = ssproj.project(lao_fund)
    ds = p.dataset
    years = sp.years
    i = ds["investment_return"].sel(year=years).to_numpy()
    k = ds["indexation"].sel(year=years).to_numpy()
    q_pop = _population_q(ds, years)
    engine_pv = _pv_rows(res.scheme.benefit_outgo[:, 0, :], i)                       # old age, by group
    amounts = sp.state0.M[0]                                                          # (G, S, X) at 31 Dec 2023
    for gi, g in enumerate(sp.groups):
        q = np.minimum(1.0, float(lao_fund.value("mortality_factor")[g]) * q_pop)
        expected = _annuity_values(amounts[gi], q, k, i)
        assert engine_pv[gi] == pytest.approx(expected, rel=1e-10), g
    # and the liability reported is that run's present value of every type (survivors arising included)
    liab = p.liabilities()
    all_types = _pv_rows(res.scheme.benefit_outgo.sum(axis=1) + res.scheme.lump_sums, i)
    np.testing.assert_allclose(liab.loc["adl_pensioners", list(sp.groups)].to_numpy(), all_types, rtol=1e-12)


def _pv_rows(flows, interest):
    """Present values of (Y, G) flows, group by group."""
    return np.array([_pv(flows[:, g], interest) for g in range(flows.shape[1])])


def test_liabilities_add_up_and_are_consistent(lao_fund):
    p = ssproj.project(lao_fund)
    liab = p.liabilities()
    t = liab["total"]
    assert t["accrued_to_date_liability"] == pytest.approx(
        t["adl_pensioners"] + t["adl_actives"] + t["adl_inactives"], rel=1e-12)
    np.testing.assert_allclose(liab.loc["accrued_to_date_liability", ["public", "private", "voluntary"]].sum(),
                               t["accrued_to_date_liability"], rtol=1e-12)
    assert t["implicit_pension_debt"] == pytest.approx(t["accrued_to_date_liability"] + t["adl_state_paid"]
                                                       - t["opening_reserve"], rel=1e-12)
    assert t["adl_state_paid"] == 0
    # the closed group owes more than what is accrued (future service), and less than the open group over 75 years
    assert t["pv_closed_group_benefits"] > t["accrued_to_date_liability"]
    assert t["closed_group_obligation"] == pytest.approx(t["pv_closed_group_benefits"]
                                                         - t["pv_closed_group_contributions"]
                                                         - t["opening_reserve"], rel=1e-12)
    assert t["open_group_shortfall_75"] == pytest.approx(p.indicators()["pv_shortfall_75"], rel=1e-12)
    assert t["open_group_shortfall_infinite"] > t["open_group_shortfall_75"]
    # a pension block paid by the state leaves the fund's ADL and goes to the state's
    paid = ssproj.project(lao_fund.with_changes({"state_paid_base_pensions": {"public": 1.0}})).liabilities()
    assert paid.loc["adl_pensioners", "public"] == 0
    assert paid.loc["adl_state_paid", "total"] == pytest.approx(liab.loc["adl_pensioners", "public"], rel=1e-12)
    assert paid.loc["implicit_pension_debt", "total"] == pytest.approx(t["implicit_pension_debt"], rel=1e-12)


def test_liabilities_need_the_scenario(lao, tmp_path):
    p = ssproj.project(lao)
    p.to_netcdf(tmp_path / "r.nc")
    again = ssproj.Projection.from_netcdf(tmp_path / "r.nc")
    with pytest.raises(ValueError, match="needs the scenario"):
        again.liabilities()
    head = again.headline()   # without the liabilities, the rest of the headline is there
    assert head["fund"] == "long_term" and "accrued_to_date_liability" not in head
    assert head["deficit_financing"] == "state_transfer"


def test_indicators_by_group_add_up_to_the_pension_fund(lao):
    """Each group's pensions against its own contributions, from a zero reserve: the groups' shortfalls less
    the fund's reserve are the fund's (the Lao set has no administrative cost other than the charge)."""
    p = ssproj.project(lao)
    fund = p.indicators()
    groups = {g: p.indicators(group=g) for g in ("public", "private", "voluntary")}
    opening = float(p.dataset["opening_reserve"].sel(fund="long_term"))
    for n in (25, 50, 75):
        total = sum(g[f"pv_shortfall_{n}"] for g in groups.values())
        assert total - opening == pytest.approx(fund[f"pv_shortfall_{n}"], rel=1e-12)
    # the GAP of a group, by hand: PV of its cost over PV of its net payroll (zero reserve)
    ds = p.dataset.sel(year=slice(2024, 2100), group="voluntary")
    i = ds["investment_return"].to_numpy()
    a = ds["admin_cost_rate"].to_numpy()
    cost = ds["benefit_outgo_by_type"].sum("benefit").to_numpy() + ds["lump_sums"].to_numpy()
    assert groups["voluntary"]["gap_75"] == pytest.approx(
        _pv(cost[:75], i[:75]) / _pv(((1 - a) * ds["insured_earnings"].to_numpy())[:75], i[:75]), rel=1e-12)
    assert np.isnan(groups["public"]["depletion_year"]) and groups["public"].attrs["group"] == "public"
    with pytest.raises(ValueError, match="long-term \\(pension\\) fund 'long_term'; fund 'short_term' is not it"):
        p.indicators(fund="short_term", group="public")
    with pytest.raises(ValueError, match="group='civil' is not an insured group"):
        p.indicators(group="civil")


def test_liabilities_at_later_dates(lao):
    """At the valuation date the closure in the kernel gives the three closed runs' ADL; at 31 December 2050 the
    pensioners' part equals annuity values of the projection's own pensions in payment that day."""
    p = ssproj.project(lao)
    by_year = p.liabilities(years=[2023, 2050])
    at_valuation = p.liabilities()["total"]
    for col in ("adl_pensioners", "accrued_to_date_liability", "implicit_pension_debt"):
        assert by_year.loc[2023, col] == pytest.approx(at_valuation[col], rel=1e-10), col
    assert by_year.loc[2023, "adl_members"] == pytest.approx(
        at_valuation["adl_actives"] + at_valuation["adl_inactives"], rel=1e-10)
    # old-age pensions in payment at 31 December 2050, valued from the Dataset's stocks
    from ssproj.plan import closed_at_runs
    runs = closed_at_runs(compile_scenario(lao), 2051)
    sp, res = runs["pensioners"]
    ds = p.dataset
    years = np.arange(2051, 2101)
    t0 = list(sp.years).index(2051)
    i = ds["investment_return"].sel(year=years).to_numpy()
    k = ds["indexation"].sel(year=years).to_numpy()
    q_pop = _population_q(ds, years)
    amounts = ds["pension_amounts"].sel(year=2050, benefit="old_age").transpose("group", "sex", "age").to_numpy()
    for gi, g in enumerate(sp.groups):
        q = np.minimum(1.0, float(lao.value("mortality_factor")[g]) * q_pop)
        expected = _annuity_values(amounts[gi], q, k, i)
        engine = _pv(res.scheme.benefit_outgo[t0:, 0, gi], i)
        assert engine == pytest.approx(expected, rel=1e-10), g
    assert by_year.loc[2050, "accrued_to_date_liability"] > by_year.loc[2023, "accrued_to_date_liability"]
    with pytest.raises(ValueError, match=r"years=\[2100\]: liabilities are valued at 31 December of 2023"):
        p.liabilities(years=[2100])


def test_state_paid_blocks_by_award_period_and_type(lao_fund):
    """Blocks by award date are differences of closed runs: they add up, and with the base block they are all."""
    ds0 = ssproj.project(lao_fund).dataset
    years = np.arange(2024, 2101)
    pensions = ds0["benefit_outgo_by_type"].sel(year=years, group="public")                        # (year, benefit)

    def paid(changes):
        return ssproj.project(lao_fund.with_changes(changes)).dataset["state_paid_pensions"].sel(
            year=years, group="public").to_numpy()

    every = paid({"state_paid_base_pensions": {"public": 1.0}, "state_paid_awarded_share": {"public": 1.0}})
    np.testing.assert_allclose(every, pensions.sum("benefit").to_numpy(), rtol=1e-10)
    early = paid({"state_paid_awarded_share": {"public": 1.0}, "state_paid_awarded_to": {"public": 2030}})
    late = paid({"state_paid_awarded_share": {"public": 1.0}, "state_paid_awarded_from": {"public": 2031}})
    whole = paid({"state_paid_awarded_share": {"public": 1.0}})
    np.testing.assert_allclose(early + late, whole, rtol=1e-10)
    assert early[years <= 2023 + 1].sum() > 0 and late[years <= 2030].sum() == 0.0
    # the type filter: the base block's old-age pensions only
    base = paid({"state_paid_base_pensions": {"public": 1.0}})
    old = paid({"state_paid_base_pensions": {"public": 1.0}, "state_paid_types": {"public": "old_age"}})
    assert 0 < old.sum() < base.sum()
    with pytest.raises(ssproj.ScenarioError, match=r"state_paid_awarded_from.public = 2020 must be after the "
                                                   r"valuation year 2023"):
        lao_fund.with_changes({"state_paid_awarded_share": {"public": 1.0},
                               "state_paid_awarded_from": {"public": 2020}})


def test_state_paid_types_without_a_share_are_named(lao_fund):
    from ssproj.scenario.checks import NoEffectWarning

    with pytest.warns(NoEffectWarning, match=r"state_paid_types for 'public' has no effect: it acts only when "
                                             r"state_paid_base_pensions or state_paid_awarded_share or "
                                             r"state_paid_pension_share > 0"):
        lao_fund.with_changes({"state_paid_types": {"public": "old_age"}})
    with warnings.catch_warnings():
        warnings.simplefilter("error", NoEffectWarning)
        lao_fund.with_changes({"state_paid_types": {"public": "old_age"}, "state_paid_pension_share": {"public": 0.5}})
