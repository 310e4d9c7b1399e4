"""Scheme kernel: hand-worked cohorts, conservation, survivors, earnings records, refunds, edge cases.

Also run with NUMBA_DISABLE_JIT=1 (tests/test_nojit.py).
"""
import numpy as np
import pytest

from ssproj.kernels.scheme import (
    INVALIDITY,
    OLD_AGE,
    ORPHAN,
    PARENT,
    WIDOW,
    MemberRecords,
    SchemeDrivers,
    SchemeOutputs,
    SchemeParams,
    SchemeState,
    scheme_kernel,
)

from .scheme_cases import NS, B, X, call_kernel, inputs, record_length, steady_records

#: Output names used by these tests, in the kernel's output order.
NAMES = ("actives", "inactives", "exposure", "service", "pensioners", "amounts", "entrants", "member_deaths",
         "invalidity", "lapses", "reentries", "retire_pension", "retire_lump", "awards", "awards_amount", "outgo",
         "lump", "p_deaths", "o_exits", "refunds", "refunds_amount")


def run(inp):
    return call_kernel(inp, NAMES)


def test_closed_cohort_pension_equals_hand_formula():
    inp = inputs(Y=3)
    inp["A"][0, 0, 59, 20] = 1000.0           # 1,000 men aged 59 with 20 years of service
    steady_records(inp)                       # at 12,000 a year
    inp["pensionable_age"][:] = 60
    out = run(inp)
    # at the end of year 0 they are 60, credit a 21st year (density 1) and retire:
    # pension = 1.5% x 21 x 12,000 = 3,780 a year each
    assert out["retire_pension"][0, 0] == pytest.approx(1000.0)
    assert out["awards_amount"][0, OLD_AGE, 0] == pytest.approx(1000 * 0.015 * 21 * 12000, rel=1e-14)
    assert out["pensioners"][1, OLD_AGE, 0, 0, 60] == pytest.approx(1000.0)
    assert out["outgo"][0, OLD_AGE, 0] == pytest.approx(0.5 * 3780 * 1000, rel=1e-14)   # half a year
    assert out["outgo"][1, OLD_AGE, 0] == pytest.approx(3780 * 1000, rel=1e-14)         # full year, no deaths
    assert out["exposure"][0, 0, 0, 59] == pytest.approx(500.0)  # retire at the birthday: half a year


# service at the start of the year -> credited service at retirement (n + 1) -> rate
@pytest.mark.parametrize("service, expected", [(22, 0.83), (23, 0.84), (24, 0.85), (30, 0.85)])
def test_public_formula_with_short_service_reduction(service, expected):
    inp = inputs(Y=1)
    inp["A"][0, 1, 54, service] = 10.0
    steady_records(inp)
    inp["pensionable_age"][:] = 55
    inp["base_rate"][:] = 0.85
    inp["accrual"][:] = 0.0
    inp["full_service"][:] = 25
    inp["short_reduction"][:] = 0.01
    inp["replacement_cap"][:] = 0.85
    inp["min_service"][:] = 23
    out = run(inp)
    assert out["awards_amount"][0, OLD_AGE, 0] == pytest.approx(10 * expected * 12000, rel=1e-12)


def test_short_service_gets_a_lump_sum_and_no_pension():
    inp = inputs(Y=1)
    inp["A"][0, 0, 59, 9] = 100.0
    steady_records(inp)
    inp["pensionable_age"][:] = 60
    inp["lump_months"][:] = 1.5
    out = run(inp)
    assert out["retire_lump"][0, 0] == pytest.approx(100.0)
    assert out["retire_pension"][0, 0] == 0.0
    assert out["lump"][0, 0] == pytest.approx(100 * 1.5 / 12 * 10 * 12000, rel=1e-14)


def test_minimum_and_maximum_pension_bind():
    inp = inputs(Y=1)
    inp["A"][0, 0, 59, 15] = 1.0
    inp["A"][0, 1, 59, 49] = 1.0
    steady_records(inp)
    inp["pensionable_age"][:] = 60
    inp["min_pension"][:] = 5000.0
    inp["max_pension"][:] = 8000.0
    out = run(inp)
    amounts = out["amounts"][1, OLD_AGE, 0]
    assert amounts[0, 60] == pytest.approx(5000.0)      # 1.5% x 16 x 12,000 = 2,880 -> minimum
    assert amounts[1, 60] == pytest.approx(8000.0)      # capped at 75% = 9,000 -> maximum 8,000


def test_entrants_fill_the_coverage_gap_at_service_zero():
    inp = inputs(Y=2)
    inp["A"][0, 0, 30, 5] = 100.0
    inp["target"][:, 0, 0] = 250.0
    inp["entry_dist"][0, 0, 20] = 0.5
    inp["entry_dist"][0, 0, 25] = 0.5
    out = run(inp)
    assert out["entrants"][0, 0] == pytest.approx(150.0)
    assert out["entrants"][1, 0] == pytest.approx(0.0)
    assert out["actives"][1, 0, 0, 21] == pytest.approx(75.0)
    assert out["service"][1, 0, 1] == pytest.approx(150.0)  # entrants credited a year


def test_survivors_of_members_who_die():
    inp = inputs(Y=1)
    inp["A"][0, 0, 40, 10] = 1000.0
    steady_records(inp)
    inp["qx"][:, 0, 40] = 0.01
    inp["married"][0, 40] = 0.8
    inp["spouse_gap"][0, 40] = -5
    inp["children"][0, 40] = 1.8
    out = run(inp)
    deaths = 10.0
    assert out["awards"][0, WIDOW, 0] == pytest.approx(deaths * 0.8)
    # widows of men aged 40 are women aged 35 at the death, 36 at the year end
    assert out["pensioners"][1, WIDOW, 0, 1, 36] == pytest.approx(deaths * 0.8)
    assert out["awards_amount"][0, WIDOW, 0] == pytest.approx(deaths * 0.8 * 0.3 * 12000)
    assert out["awards"][0, ORPHAN, 0] == pytest.approx(deaths * 1.8)
    assert out["awards_amount"][0, ORPHAN, 0] == pytest.approx(deaths * 1.8 * 0.2 * 12000)


def test_dependent_parents_of_members_who_die():
    """Lao rule: 30% of RE for one dependent parent, 50% for two (25% each); a single parent is a mother
    with the given share; parents are put at the deceased's age + gap + 1 and die at their own ages' rate."""
    inp = inputs(Y=2)
    inp["A"][0, 0, 40, 10] = 1000.0
    steady_records(inp)
    inp["qx"][:, 0, 40] = 0.01
    inp["qx"][:, :, 68] = 0.05   # the parents' age at 1 January of the second year
    inp["parent_rate"][:] = 0.3
    inp["parent_pair_rate"][:] = 0.5
    inp["parent_one"][0, 40] = 0.4
    inp["parent_two"][0, 40] = 0.1
    inp["parent_mother"][0, 40] = 0.75
    inp["parent_gap"][0, 40] = 27
    out = run(inp)
    deaths = 10.0
    # 4 single parents (3 mothers, 1 father) and 1 pair (1 mother, 1 father), aged 40 + 27 + 1 = 68 at the year end
    assert out["awards"][0, PARENT, 0] == pytest.approx(deaths * (0.4 + 2 * 0.1), rel=1e-14)
    assert out["pensioners"][1, PARENT, 0, 1, 68] == pytest.approx(3.0 + 1.0, rel=1e-14)
    assert out["pensioners"][1, PARENT, 0, 0, 68] == pytest.approx(1.0 + 1.0, rel=1e-14)
    amount = deaths * (0.4 * 0.3 + 0.1 * 0.5) * 12000
    assert out["awards_amount"][0, PARENT, 0] == pytest.approx(amount, rel=1e-14)
    assert out["amounts"][1, PARENT, 0, 1, 68] == pytest.approx((3.0 * 0.3 + 1.0 * 0.25) * 12000, rel=1e-14)
    assert out["outgo"][0, PARENT, 0] == pytest.approx(0.5 * amount, rel=1e-14)  # half a year in the award year
    # year 1: the parents die at the rate of their age (pensions of the survivors unchanged, no other exit)
    assert out["pensioners"][2, PARENT, 0].sum() == pytest.approx(6.0 * 0.95, rel=1e-14)
    assert out["outgo"][1, PARENT, 0] == pytest.approx(amount * (1 - 0.5 * 0.05), rel=1e-14)
    # no parents' pensions below the survivors' minimum service, nor with parent_rate 0
    inp["surv_min_service"][:] = 11
    assert run(inp)["awards"][:, PARENT].sum() == 0.0
    inp["surv_min_service"][:] = 5
    inp["parent_rate"][:] = 0.0
    assert run(inp)["awards"][:, PARENT].sum() == 0.0


@pytest.mark.parametrize(("rate", "pair", "each"), [(0.3, 0.5, 0.25), (0.3, 0.8, 0.3), (0.2, 2.0, 0.2)])
def test_two_parents_each_get_the_smaller_of_the_rate_and_half_the_pair_rate(rate, pair, each):
    inp = inputs(Y=1)
    inp["P"][OLD_AGE, 0, 1, 50] = 200.0            # a pensioner's death leaves parents too
    inp["M"][OLD_AGE, 0, 1, 50] = 200.0 * 5000
    inp["R"][OLD_AGE, 0, 1, 50] = 200.0 * 10000
    inp["qx"][:, 1, 50] = 0.02
    inp["parent_rate"][:] = rate
    inp["parent_pair_rate"][:] = pair
    inp["parent_two"][1, 50] = 1.0
    inp["parent_gap"][1, 50] = 30
    out = run(inp)
    assert out["awards"][0, PARENT, 0] == pytest.approx(8.0, rel=1e-14)
    assert out["awards_amount"][0, PARENT, 0] == pytest.approx(8.0 * each * 10000, rel=1e-14)
    assert out["pensioners"][1, PARENT, 0, :, 81].tolist() == pytest.approx([4.0, 4.0], rel=1e-14)


def test_no_survivors_below_minimum_service():
    inp = inputs(Y=1)
    inp["A"][0, 0, 40, 3] = 1000.0
    inp["qx"][:, 0, 40] = 0.01
    inp["married"][0, 40] = 0.8
    out = run(inp)
    assert out["awards"][0, WIDOW, 0] == 0.0


def test_invalidity_pension_awarded_to_eligible_actives():
    inp = inputs(Y=1)
    inp["A"][0, 1, 45, 2] = 500.0
    steady_records(inp)
    inp["inval_incidence"][1, 45] = 0.004
    inp["inval_min_service"][:] = 1
    out = run(inp)
    assert out["invalidity"][0, 0] == pytest.approx(2.0)
    assert out["awards_amount"][0, INVALIDITY, 0] == pytest.approx(2.0 * 0.6 * 12000)


def test_indexation_and_pensioner_mortality():
    inp = inputs(Y=2)
    inp["P"][OLD_AGE, 0, 0, 70] = 100.0
    inp["M"][OLD_AGE, 0, 0, 70] = 100.0 * 6000
    inp["R"][OLD_AGE, 0, 0, 70] = 100.0 * 8000
    inp["qx"][:, 0, 70] = 0.1
    inp["qx"][:, 0, 71] = 0.1
    inp["indexation"][:] = 0.05
    out = run(inp)
    # year 0: indexed 5% at 1 January, 10 die mid-year
    assert out["outgo"][0, OLD_AGE, 0] == pytest.approx(600_000 * 1.05 * (1 - 0.05), rel=1e-14)
    assert out["pensioners"][1, OLD_AGE, 0, 0, 71] == pytest.approx(90.0)
    assert out["amounts"][1, OLD_AGE, 0, 0, 71] == pytest.approx(90 * 6000 * 1.05, rel=1e-14)


def test_orphans_leave_at_the_age_limit():
    inp = inputs(Y=1)
    inp["P"][ORPHAN, 0, 1, 17] = 10.0
    inp["M"][ORPHAN, 0, 1, 17] = 10.0 * 2400
    out = run(inp)
    assert out["o_exits"][0, 0] == pytest.approx(10.0)
    assert out["pensioners"][1, ORPHAN].sum() == 0.0
    assert out["outgo"][0, ORPHAN, 0] == pytest.approx(0.5 * 10 * 2400)  # paid until the 18th birthday


def random_inputs(seed, G=2, Y=6):
    rng = np.random.default_rng(seed)
    inp = inputs(G=G, Y=Y)
    inp["A"][:, :, 18:70, :30] = rng.uniform(0, 50, (G, 2, 52, 30))
    inp["I"][:, :, 18:70, :20] = rng.uniform(0, 20, (G, 2, 52, 20))
    inp["P"][:, :, :, 50:100] = rng.uniform(0, 30, (B, G, 2, 50))
    inp["P"][ORPHAN, :, :, 18:] = 0.0
    inp["M"][:] = inp["P"] * 5000.0
    inp["R"][:] = inp["P"] * 7000.0
    inp["qx"][:] = rng.uniform(0.001, 0.2, (Y, 2, X))
    inp["qx"][:, :, 100] = 1.0
    inp["target"][:] = rng.uniform(0, 2e5, (Y, G, 2))
    inp["entry_dist"][:, :, 18:35] = 1.0 / 17
    inp["density"][:] = rng.uniform(0.5, 1.0, (Y, G))
    inp["lapse"][:] = rng.uniform(0, 0.2, (Y, G))
    inp["reentry"][:] = rng.uniform(0, 0.2, (Y, G))
    inp["inval_incidence"][:, 20:65] = rng.uniform(0, 0.01, (2, 45))
    inp["pensionable_age"][:] = rng.integers(55, 66, (Y, G, 2))
    inp["married"][:] = rng.uniform(0, 0.9, (2, X))
    inp["spouse_gap"][:] = rng.integers(-8, 8, (2, X))
    inp["children"][:, 20:60] = rng.uniform(0, 2, (2, 40))
    inp["indexation"][:] = rng.uniform(0, 0.1, Y)
    # records, revaluation, best or last N years, refunds of the short-service lapses
    inp["record_years"][:] = rng.integers(1, NS, G)
    inp["record_best"][:] = [g % 2 for g in range(G)]
    inp["earnings"][:] = rng.uniform(5000, 20000, (Y, G, 2, X))
    inp["drop_share"][:] = rng.uniform(0.02, 0.5, (Y, G, 2, X))
    inp["revaluation"][:] = rng.uniform(0, 0.06, (Y, G, 2))
    inp["min_service"][:] = 10
    inp["refund_share"][:] = rng.uniform(0.2, 1.0, (Y, G))
    inp["refund_months"][:] = rng.uniform(1, 12, (Y, G))
    inp["WA"][:] = inp["A"] * record_length(inp) * rng.uniform(5000, 20000, inp["A"].shape)
    inp["WI"][:] = inp["I"] * record_length(inp) * rng.uniform(5000, 20000, inp["I"].shape)
    return inp


@pytest.mark.parametrize("seed", range(5))
def test_members_and_pensioners_are_conserved_exactly(seed):
    inp = random_inputs(seed)
    out = run(inp)
    members = (out["actives"] + out["inactives"]).sum(axis=(2, 3))  # (Y+1, G)
    change = members[1:] - members[:-1]
    assert out["refunds"].sum() > 0
    flows = (out["entrants"] - out["member_deaths"] - out["invalidity"] - out["retire_pension"] - out["retire_lump"]
             - out["refunds"])
    np.testing.assert_allclose(change, flows, rtol=0, atol=1e-8 * members.max())
    assert np.all(out["refunds"] <= out["lapses"]) and np.all(out["refunds_amount"] <= out["lump"])
    pens = out["pensioners"].sum(axis=(1, 3, 4))  # (Y+1, G)
    pchange = pens[1:] - pens[:-1]
    pflows = out["awards"].sum(axis=1) - out["p_deaths"] - out["o_exits"]
    np.testing.assert_allclose(pchange, pflows, rtol=0, atol=1e-8 * pens.max())
    for key in ("actives", "inactives", "pensioners", "amounts", "outgo", "exposure", "refunds", "refunds_amount"):
        assert np.all(out[key] >= 0), key
        assert np.all(np.isfinite(out[key])), key


def test_zero_coverage_gives_zero_flows():
    inp = random_inputs(0)
    for k in ("A", "I", "P", "M", "R", "WA", "WI"):
        inp[k][:] = 0.0
    inp["target"][:] = 0.0
    out = run(inp)
    for key, value in out.items():
        assert np.all(value == 0.0), key


def test_early_retirement_with_reduction_and_ineligible_carry_on():
    inp = inputs(Y=1)
    inp["A"][0, 0, 57, 30] = 100.0   # eligible, 2 years before 60 at the year end (58)
    inp["A"][0, 0, 57, 5] = 50.0     # not eligible: carries on, no lump sum
    steady_records(inp)
    inp["pensionable_age"][:] = 60
    inp["early_window"][:] = 3
    inp["early_rate"][:] = 0.4
    inp["early_reduction"][:] = 0.05
    out = run(inp)
    assert out["retire_pension"][0, 0] == pytest.approx(40.0)
    assert out["retire_lump"][0, 0] == 0.0
    # 1.5% x 31 years x 12,000, reduced 5% x 2 years
    assert out["awards_amount"][0, OLD_AGE, 0] == pytest.approx(40 * 0.015 * 31 * 12000 * 0.9, rel=1e-12)
    assert out["actives"][1, 0, 0, 58] == pytest.approx(60.0 + 50.0)
    assert out["exposure"][0, 0, 0, 57] == pytest.approx(100 * (1 - 0.5 * 0.4) + 50.0)


def test_deferred_retirement_with_increment():
    inp = inputs(Y=3)
    inp["A"][0, 1, 59, 30] = 100.0
    steady_records(inp)
    inp["pensionable_age"][:] = 60
    inp["deferral_share"][:] = 0.25
    inp["deferral_years"][:] = 2
    inp["late_increment"][:] = 0.06
    out = run(inp)
    assert out["retire_pension"][0, 0] == pytest.approx(75.0)     # at 60
    assert out["retire_pension"][1, 0] == pytest.approx(0.0)      # the 25 work on at 61
    assert out["retire_pension"][2, 0] == pytest.approx(25.0)     # and retire at 62
    # service 33 at 62 (one credit a year), +6% x 2 years late
    assert out["awards_amount"][2, OLD_AGE, 0] == pytest.approx(25 * 0.015 * 33 * 12000 * 1.12, rel=1e-12)


def test_no_late_increment_for_on_time_retirement_at_a_fractional_age():
    inp = inputs(Y=1)
    inp["A"][0, 0, 60, 30] = 10.0          # reaches 61 = the first birthday at or after 60.5
    steady_records(inp)
    inp["pensionable_age"][:] = 60.5
    inp["late_increment"][:] = 0.06
    out = run(inp)
    assert out["awards_amount"][0, OLD_AGE, 0] == pytest.approx(10 * 0.015 * 31 * 12000, rel=1e-12)


def test_deferrer_who_lapses_gets_the_late_increment_when_claiming():
    inp = inputs(Y=2)
    inp["A"][0, 0, 59, 30] = 100.0
    steady_records(inp)
    inp["pensionable_age"][:] = 60
    inp["deferral_share"][:] = 1.0          # all defer at 60, for 3 years
    inp["deferral_years"][:] = 3
    inp["late_increment"][:] = 0.06
    inp["lapse"][1] = 1.0                   # in year 1 (age 60 -> 61) every deferrer lapses
    out = run(inp)
    assert out["retire_pension"][0, 0] == 0.0
    assert out["lapses"][1, 0] == pytest.approx(100.0)
    # they claim as inactives at 61: service 31 (credited at 60, none while lapsing),
    # 1 year past the normal retirement birthday 60: +6%
    assert out["retire_pension"][1, 0] == pytest.approx(100.0)
    assert out["awards_amount"][1, OLD_AGE, 0] == pytest.approx(100 * 0.015 * 31 * 12000 * 1.06, rel=1e-12)


def test_inactive_claiming_late_at_a_fractional_age_counts_from_ceil():
    inp = inputs(Y=1)
    inp["I"][0, 0, 61, 30] = 10.0           # inactive, claims at 62 (pensionable age 60.5 was lowered from 63)
    steady_records(inp)
    inp["pensionable_age"][:] = 60.5
    inp["deferral_years"][:] = 5
    inp["late_increment"][:] = 0.06
    out = run(inp)
    # 62 - ceil(60.5) = 1 year late: +6%; inactives credit no service
    assert out["awards_amount"][0, OLD_AGE, 0] == pytest.approx(10 * 0.015 * 30 * 12000 * 1.06, rel=1e-12)


def test_exposure_in_early_window_counts_only_eligible_leavers():
    inp = inputs(Y=1)
    inp["A"][0, 0, 57, 14] = 100.0         # n + 1 = 15 eligible only for those credited this year
    inp["pensionable_age"][:] = 60
    inp["early_window"][:] = 3
    inp["early_rate"][:] = 0.5
    inp["density"][:] = 0.5
    out = run(inp)
    # half are credited (eligible) and half of those leave at mid-year: 100 x 0.5 x (1 - 0.5 x 0.25)
    assert out["exposure"][0, 0, 0, 57] == pytest.approx(0.5 * 100 * (1 - 0.5 * 0.25))
    assert out["retire_pension"][0, 0] == pytest.approx(25.0)


def test_outputs_start_from_zero_even_if_reused():
    def case():
        inp = inputs(Y=1)
        inp["A"][0, 0, 40, 10] = 100.0
        steady_records(inp)
        inp["lapse"][:] = 0.1
        inp["refund_share"][:] = 0.5        # short-service lapses: refunds
        return inp

    first = run(case())
    assert first["refunds_amount"].sum() > 0
    inp = case()
    dirty = SchemeOutputs(*(np.full_like(v, 7.0) for v in first.values()))
    scheme_kernel(SchemeState(*(inp[k] for k in ("A", "I", "P", "M", "R"))),
                  MemberRecords(inp["WA"], inp["WI"]),
                  SchemeParams(**{k: inp[k] for k in SchemeParams._fields}),
                  SchemeDrivers(**{k: inp[k] for k in SchemeDrivers._fields}), dirty)
    out = dict(zip(NAMES, dirty, strict=True))
    for k in ("exposure", "entrants", "member_deaths", "awards", "outgo", "lump", "refunds", "refunds_amount"):
        np.testing.assert_array_equal(out[k], first[k])


def test_recruits_enter_on_top_of_the_coverage_gap():
    inp = inputs(Y=1)
    inp["A"][0, 1, 30, 5] = 100.0
    inp["target"][0, 0, 1] = 150.0           # gap of 50
    inp["recruits"][0, 0, 1] = 20.0          # plus 20 recruited by a channel
    inp["entry_dist"][0, 1, 25] = 1.0
    out = run(inp)
    assert out["entrants"][0, 0] == pytest.approx(70.0)
    inp = inputs(Y=1)
    inp["A"][0, 1, 30, 5] = 100.0
    inp["target"][0, 0, 1] = 60.0            # no gap: recruits still enter
    inp["recruits"][0, 0, 1] = 20.0
    inp["entry_dist"][0, 1, 25] = 1.0
    out = run(inp)
    assert out["entrants"][0, 0] == pytest.approx(20.0)
    assert out["actives"][1, 0, 1, 26] == pytest.approx(20.0)


# --------------------------------------------------------------------------- earnings records, by hand
def lapsed_cohort(Y):
    """10 women aged 30 with 5 credited years of earnings 10,000, 11,000, 12,000, 13,000 and 14,000
    (record 60,000 each) who all lapse in year 0; records revalued 2% at 1 January of year 0 as
    active ones, then 5% a year as active ones and 3% a year as deferred ones; pensionable age 60,
    minimum service 15, lump sums of 1.5 months per year of service."""
    inp = inputs(Y=Y)
    inp["record_years"][:] = 5
    inp["A"][0, 1, 30, 5] = 10.0
    inp["WA"][0, 1, 30, 5] = 10.0 * (10000 + 11000 + 12000 + 13000 + 14000)
    inp["lapse"][0] = 1.0
    inp["revaluation"][:, 0, 0] = 0.05
    inp["revaluation"][0, 0, 0] = 0.02
    inp["revaluation"][:, 0, 1] = 0.03
    inp["pensionable_age"][:] = 60
    inp["lump_months"][:] = 1.5
    return inp


def test_lapsed_member_gets_a_lump_sum_on_the_deferred_revalued_record():
    """Closed cohort by hand (:func:`lapsed_cohort`): the record is revalued at 1 January of year 0 as an
    active one (2%), then as a deferred one (3%; the active rule, 5%, no longer applies) at 1 January
    of years 1 to 29. At the birthday reaching 60 (age 59 at 1 January of year 29), below the minimum
    service, they get a lump sum of 1.5/12 x 5 years x RE, RE = record / 5."""
    # the record after 10 years, at age 40 (before the revaluation of year 10): 60,000 x 1.02 x 1.03^9
    inp = lapsed_cohort(10)
    run(inp)
    assert inp["I"][0, 1, 40, 5] == pytest.approx(10.0)
    assert inp["WI"][0, 1, 40, 5] == pytest.approx(10 * 60000 * 1.02 * 1.03 ** 9, rel=1e-13)
    assert inp["WA"].sum() == 0.0 and inp["WI"].sum() == inp["WI"][0, 1, 40, 5]
    out = run(lapsed_cohort(30))
    record = 60000 * 1.02 * 1.03 ** 29
    lump = 1.5 / 12 * 5 * (record / 5)                       # = 1.5/12 x record
    assert out["lapses"][0, 0] == pytest.approx(10.0)
    assert out["inactives"][29, 0, 1, 59] == pytest.approx(10.0)
    assert out["retire_lump"][29, 0] == pytest.approx(10.0)
    assert out["lump"][29, 0] == pytest.approx(10 * lump, rel=1e-13)
    assert out["lump"][:29].sum() == 0.0 and out["retire_pension"].sum() == 0.0
    assert out["actives"][1:].sum() == 0.0 and out["inactives"][30].sum() == 0.0


#: Insured earnings of a cohort aged 25 + y in year y (not monotonic: the oldest year dropped matters).
DIAGONAL = [10000.0, 14000.0, 9000.0, 16000.0, 12000.0, 11000.0, 20000.0, 8000.0, 15000.0, 13000.0, 17000.0,
            9500.0, 18000.0]


def diagonal_cohort(Y):
    """100 men aged 25 with no credited year and an empty record, contributing every year (density 1,
    no deaths, no lapses, no revaluation), last N = 5 years, earnings ``DIAGONAL`` along their diagonal
    and the exact share of the oldest year in their record; elsewhere earnings and shares that would
    show if used. Pensionable age 38: they retire in year 12 with 13 years of service."""
    inp = inputs(Y=Y)
    inp["record_years"][:] = 5
    inp["A"][0, 0, 25, 0] = 100.0
    inp["earnings"][:] = 1e6
    inp["drop_share"][:] = 0.9
    for y in range(Y):
        inp["earnings"][y, 0, 0, 25 + y] = DIAGONAL[y]
        if y >= 5:
            inp["drop_share"][y, 0, 0, 25 + y] = DIAGONAL[y - 5] / sum(DIAGONAL[y - 5:y])
    inp["pensionable_age"][:] = 38
    inp["accrual"][:] = 0.015
    inp["min_service"][:] = 10
    return inp


@pytest.mark.parametrize("years", range(1, 13))
def test_record_is_the_last_five_years_along_the_cohort_diagonal(years):
    inp = diagonal_cohort(years)
    run(inp)
    x = 25 + years
    assert inp["A"][0, 0, x, years] == pytest.approx(100.0)
    expected = sum(DIAGONAL[max(0, years - 5):years])       # the last min(n, 5) years' earnings
    assert inp["WA"][0, 0, x, years] == pytest.approx(100 * expected, rel=1e-13)
    assert inp["WA"].sum() == inp["WA"][0, 0, x, years]


def test_pension_is_the_rate_times_the_average_of_the_last_five_years():
    inp = diagonal_cohort(13)
    out = run(inp)
    assert out["retire_pension"][12, 0] == pytest.approx(100.0)
    assert out["retire_pension"][:12].sum() == 0.0
    average = sum(DIAGONAL[8:13]) / 5                         # earnings at ages 33 to 37 (years 8 to 12)
    pension = 0.015 * 13 * average
    assert out["awards_amount"][12, OLD_AGE, 0] == pytest.approx(100 * pension, rel=1e-13)
    assert out["amounts"][13, OLD_AGE, 0, 0, 38] == pytest.approx(100 * pension, rel=1e-13)
    assert out["actives"][13].sum() == 0.0


@pytest.mark.parametrize("best, w, expected", [
    (1, 20000.0, 60000.0 + 20000.0 - 9000.0),   # best years: a better year replaces the dropped one
    (1, 5000.0, 60000.0),                       # a worse one does not count
    (0, 5000.0, 60000.0 - 9000.0 + 5000.0),     # last years: the oldest year leaves whatever
])
def test_full_record_best_or_last_years(best, w, expected):
    """By hand: members with a full record of N = 5 years (9,000, 10,000, 12,000, 14,000, 15,000: 60,000;
    the dropped year's share h = 9,000 / 60,000) credit a year of earnings w."""
    inp = inputs(Y=1)
    inp["record_years"][:] = 5
    inp["record_best"][:] = best
    inp["A"][0, 1, 45, 7] = 10.0
    inp["WA"][0, 1, 45, 7] = 10.0 * 60000.0
    inp["earnings"][0, 0, 1, 45] = w
    inp["drop_share"][0, 0, 1, 45] = 9000.0 / 60000.0
    run(inp)
    assert inp["WA"][0, 1, 46, 8] == pytest.approx(10.0 * expected, rel=1e-14)


def test_refunds_by_hand():
    """1,000 actives with 3 credited years (below the minimum service, 15) and 500 with 20, each with a
    record of 11,000 a year revalued 2% at 1 January; 10% lapse, 40% of the short-service lapses take a
    refund of 6 months per year of service and leave."""
    inp = inputs(Y=1)
    inp["A"][0, 0, 30, 3] = 1000.0
    inp["A"][0, 0, 40, 20] = 500.0
    steady_records(inp, 11000.0)
    inp["revaluation"][:, 0, 0] = 0.02
    inp["lapse"][:] = 0.1
    inp["refund_share"][:] = 0.4
    inp["refund_months"][:] = 6.0
    out = run(inp)
    re = 11000.0 * 1.02
    assert out["lapses"][0, 0] == pytest.approx(150.0)
    assert out["refunds"][0, 0] == pytest.approx(0.4 * 100)           # none of the 50 with 20 years
    amount = 0.4 * 100 * 6 / 12 * 3 * re
    assert out["refunds_amount"][0, 0] == pytest.approx(amount, rel=1e-13)
    assert out["lump"][0, 0] == pytest.approx(amount, rel=1e-13)       # refunds are lump sums paid
    # the refunded leave; the other lapses stay inactive with their records
    assert out["inactives"][1, 0, 0, 31] == pytest.approx(60.0)
    assert out["inactives"][1, 0, 0, 41] == pytest.approx(50.0)
    assert out["actives"][1, 0].sum() == pytest.approx(900.0 + 450.0)
    assert (out["actives"][1] + out["inactives"][1]).sum() == pytest.approx(1500.0 - 40.0)
    assert inp["WI"][0, 0, 31, 3] == pytest.approx(60 * 3 * re, rel=1e-13)
    assert inp["WA"][0, 0, 31, 4] == pytest.approx(900 * (3 * re + 12000.0), rel=1e-13)


def test_survivors_and_invalidity_use_each_cell_s_reference_earnings():
    """Men aged 40: 1,000 actives with 10 years (RE 12,000), 500 with 20 (RE 30,000), 200 inactives with
    8 (RE 6,000, deferred revaluation 5%). Deaths 1%: the widows' pensions are 0.3 x the deaths'
    reference earnings; invalidity (2% of the survivors with 5+ years) pensions are clipped per cell."""
    inp = inputs(Y=1)
    inp["A"][0, 0, 40, 10] = 1000.0
    inp["A"][0, 0, 40, 20] = 500.0
    inp["I"][0, 0, 40, 8] = 200.0
    inp["WA"][0, 0, 40, 10] = 1000.0 * 10 * 12000.0
    inp["WA"][0, 0, 40, 20] = 500.0 * 20 * 30000.0
    inp["WI"][0, 0, 40, 8] = 200.0 * 8 * 6000.0
    inp["revaluation"][:, 0, 1] = 0.05
    inp["qx"][:, 0, 40] = 0.01
    inp["married"][0, 40] = 1.0
    inp["inval_incidence"][0, 40] = 0.02
    inp["inval_min_service"][:] = 5
    inp["min_pension"][:] = 8000.0
    inp["max_pension"][:] = 15000.0
    out = run(inp)
    dead_re = 10 * 12000.0 + 5 * 30000.0 + 2 * 6000.0 * 1.05
    assert out["awards"][0, WIDOW, 0] == pytest.approx(17.0)
    assert out["awards_amount"][0, WIDOW, 0] == pytest.approx(0.3 * dead_re, rel=1e-13)
    # 0.6 x 12,000 = 7,200 -> 8,000; 0.6 x 30,000 = 18,000 -> 15,000 (not 0.6 x the average)
    assert out["invalidity"][0, 0] == pytest.approx(0.02 * (990 + 495))
    assert out["awards_amount"][0, INVALIDITY, 0] == pytest.approx(0.02 * (990 * 8000 + 495 * 15000), rel=1e-13)
    assert out["pensioners"][1, INVALIDITY, 0, 0, 41] == pytest.approx(0.02 * (990 + 495))
