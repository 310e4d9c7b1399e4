"""The scheme kernel equals its NumPy-vectorised reference.

:func:`ssproj.testing.oracle.scheme_numpy` recomputes every step of
:func:`ssproj.kernels.scheme.scheme_kernel` with whole-array operations;
the two sum in different orders, so they agree to rounding (relative
1e-10), not bit for bit: every output, the end state and the members'
earnings records. Also run with NUMBA_DISABLE_JIT=1 (tests/test_nojit.py):
the cases are kept small.
"""
import numpy as np
import pytest

from ssproj.kernels.scheme import INVALIDITY, OLD_AGE, ORPHAN, WIDOW
from ssproj.testing.oracle import SCHEME_OUTPUTS, scheme_numpy

from .scheme_cases import (
    NS,
    RECORDS,
    STATE,
    X,
    copy_inputs,
    inputs,
    random_inputs,
    run_kernel,
    steady_records,
)

RTOL = 1e-10


def assert_same(inp):
    """Run kernel and reference on ``inp``; assert every output, the end state and the records agree."""
    kernel, kernel_state = run_kernel(inp)
    ref, ref_state = scheme_numpy(**copy_inputs(inp), final_state=True)
    assert tuple(ref) == SCHEME_OUTPUTS
    for key in SCHEME_OUTPUTS:
        assert ref[key].shape == kernel[key].shape, key
        scale = np.abs(kernel[key]).max()
        np.testing.assert_allclose(ref[key], kernel[key], rtol=RTOL, atol=1e-13 * scale, err_msg=key)
    for name, k, r in zip(STATE + RECORDS, kernel_state, ref_state, strict=True):
        np.testing.assert_allclose(r, k, rtol=RTOL, atol=1e-13 * np.abs(k).max(), err_msg=name)
    return kernel


@pytest.mark.parametrize("seed", range(4))
def test_kernel_equals_reference_on_random_inputs(seed):
    inp = random_inputs(seed, G=2, Y=4)
    out = assert_same(inp)
    # the case is not degenerate: every kind of flow happens
    for key in ("entrants", "member_deaths", "invalidity", "lapses", "reentries", "retire_pension",
                "retire_lump", "lump_sum", "pensioner_deaths", "orphan_exits", "refunds", "refunds_amount"):
        assert out[key].sum() > 0, key
    for b in (OLD_AGE, INVALIDITY, WIDOW, ORPHAN):
        assert out["awards_count"][:, b].sum() > 0, b
    assert (out["refunds"][-1, 0] == 0.0) and (out["refunds_amount"][-1, 0] == 0.0)   # refund share 0


@pytest.mark.parametrize("record_years", [1, 2, 7, NS - 2, NS - 1])
@pytest.mark.parametrize("best", [0, 1])
def test_record_rules_equal_the_reference(record_years, best):
    """Last or best N years for N from 1 to NS - 1 in both groups, with revaluation, refunds and
    members in the open service cell (where even the career average drops its oldest year)."""
    inp = random_inputs(5, G=2, Y=4)
    inp["record_years"][:] = record_years
    inp["record_best"][:] = best
    ln = np.minimum(np.arange(NS)[None, :], inp["record_years"][:, None])[:, None, None, :]
    inp["WA"][:] = inp["A"] * ln * 11000.0
    inp["WI"][:] = inp["I"] * ln * 9000.0
    inp["revaluation"][:, 1, 1] = 0.0                 # one group with no deferred revaluation
    out = assert_same(inp)
    assert out["refunds"].sum() > 0 and out["retire_pension"].sum() > 0


def test_reference_defaults_for_records_and_refunds():
    """Omitted records are empty, N is NS - 1 (career average), last years, no refunds."""
    inp = random_inputs(2, G=2, Y=3)
    explicit = copy_inputs(inp)
    explicit["WA"][:] = 0.0
    explicit["WI"][:] = 0.0
    explicit["record_years"][:] = NS - 1
    explicit["record_best"][:] = 0
    explicit["refund_share"][:] = 0.0
    full = scheme_numpy(**explicit)
    for key in ("WA", "WI", "record_years", "record_best", "refund_share", "refund_months"):
        del inp[key]
    default = scheme_numpy(**inp)
    for key in SCHEME_OUTPUTS:
        np.testing.assert_array_equal(default[key], full[key], err_msg=key)
    assert default["refunds"].sum() == 0.0


@pytest.mark.parametrize("record_years", [[0, 5], [5, NS]])
def test_reference_rejects_record_lengths_outside_1_to_ns_minus_1(record_years):
    inp = inputs(G=2, Y=1)
    inp["record_years"] = np.array(record_years, dtype=np.int64)
    with pytest.raises(ValueError, match="record_years"):
        scheme_numpy(**inp)


def test_reference_does_not_modify_its_inputs():
    inp = random_inputs(7, G=1, Y=2)
    before = copy_inputs(inp)
    scheme_numpy(**inp)
    for key, value in before.items():
        np.testing.assert_array_equal(inp[key], value, err_msg=key)


@pytest.mark.parametrize("pensionable_age", [99.0, 100.0, 100.5, 101.0, 200.0])
@pytest.mark.parametrize("deferral", [False, True])
def test_retirement_at_100_and_beyond(pensionable_age, deferral):
    """New age 100 is the last cell: 99- and 100-year-olds both reach it, and all retire there."""
    inp = inputs(G=1, Y=3)
    for x in (97, 98, 99, 100):
        inp["A"][0, :, x, [0, 10, 30, NS - 1]] = 10.0 + x
        inp["I"][0, :, x, [3, 20]] = 5.0
    steady_records(inp)
    inp["revaluation"][:] = [0.02, 0.01]
    inp["qx"][:, :, 90:] = 0.2                         # nobody dies for sure at 100
    inp["pensionable_age"][:] = pensionable_age
    inp["density"][:] = 0.7
    inp["married"][:] = 0.5
    inp["spouse_gap"][:] = 3
    inp["late_increment"][:] = 0.05
    if deferral:
        inp["deferral_share"][:] = 0.3
        inp["deferral_years"][:] = 5
        inp["early_window"][:] = 3
        inp["early_rate"][:] = 0.5
        inp["early_reduction"][:] = 0.04
    out = assert_same(inp)
    assert out["retire_pension"][0].sum() > 0 and out["retire_lump"][0].sum() > 0
    assert out["actives"][-1].sum() == 0.0 and out["inactives"][-1].sum() == 0.0


@pytest.mark.parametrize("orphan_limit", [0, 1, 2, 18, 100, X])
def test_orphans_at_the_limit(orphan_limit):
    inp = inputs(G=1, Y=2)
    inp["orphan_limit"] = orphan_limit
    inp["P"][ORPHAN, :, :, :] = 4.0                   # orphans of every age, some past the limit
    inp["M"][ORPHAN] = inp["P"][ORPHAN] * 2400.0
    inp["P"][OLD_AGE, :, :, 60:90] = 50.0
    inp["M"][OLD_AGE] = inp["P"][OLD_AGE] * 6000.0
    inp["R"][OLD_AGE] = inp["P"][OLD_AGE] * 9000.0
    inp["A"][:, :, 25:60, 5:20:3] = 3.0
    steady_records(inp)
    inp["qx"][:] = 0.02
    inp["qx"][:, :, 100] = 1.0
    inp["children"][:, 20:90] = 1.5
    inp["married"][:, 20:90] = 0.6
    out = assert_same(inp)
    if orphan_limit == 0:
        assert out["awards_count"][:, ORPHAN].sum() == 0.0
        assert out["pensioners"][1:, ORPHAN].sum() == 0.0
    if orphan_limit == 1:
        # every orphan awarded reaches the limit at the year end
        np.testing.assert_allclose(out["orphan_exits"][1:], out["awards_count"][1:, ORPHAN], rtol=1e-12)
    if 0 < orphan_limit < X:
        assert out["pensioners"][1:, ORPHAN, :, :, orphan_limit:].sum() == 0.0


def test_reference_rejects_an_orphan_limit_beyond_the_ages():
    inp = inputs(G=1, Y=1)
    inp["orphan_limit"] = X + 1
    with pytest.raises(ValueError, match="orphan_limit"):
        scheme_numpy(**inp)


def test_zero_populations():
    inp = random_inputs(3, G=2, Y=3)
    for k in STATE + RECORDS:
        inp[k][:] = 0.0
    inp["target"][:] = 0.0
    inp["recruits"][:] = 0.0
    out = assert_same(inp)
    for key, value in out.items():
        assert np.all(value == 0.0), key
    ref = scheme_numpy(**inp)
    for key, value in ref.items():
        assert np.all(value == 0.0), key


def test_an_empty_group_next_to_a_populated_one():
    inp = random_inputs(4, G=2, Y=2)
    for k in ("A", "I") + RECORDS:
        inp[k][1] = 0.0
    for k in ("P", "M", "R"):
        inp[k][:, 1] = 0.0
    inp["target"][:, 1] = 0.0
    inp["recruits"][:, 1] = 0.0
    out = assert_same(inp)
    for key in ("actives", "inactives", "exposure", "service"):
        assert np.all(out[key][:, 1] == 0.0), key
    for key in ("pensioners", "amounts"):
        assert np.all(out[key][:, :, 1] == 0.0), key
    assert np.all(out["outgo"][:, :, 1] == 0.0)
    assert out["actives"][:, 0].sum() > 0


def test_spouse_ages_clipped_at_0_and_100():
    inp = inputs(G=1, Y=2)
    inp["A"][0, :, 20, 10] = 100.0                    # young members: spouses 60 years younger -> age 0
    inp["A"][0, :, 95, 10] = 100.0                    # old members: spouses 60 years older -> age 100
    steady_records(inp)
    inp["P"][OLD_AGE, 0, :, 90] = 100.0               # old pensioners likewise
    inp["M"][OLD_AGE] = inp["P"][OLD_AGE] * 6000.0
    inp["R"][OLD_AGE] = inp["P"][OLD_AGE] * 8000.0
    inp["qx"][:] = 0.05
    inp["married"][:] = 0.7
    inp["spouse_gap"][:, :50] = -60
    inp["spouse_gap"][:, 50:] = 60
    out = assert_same(inp)
    widows = out["pensioners"][1, WIDOW, 0]
    assert widows[:, 0].sum() > 0 and widows[:, 100].sum() > 0
    assert widows[:, 1:100].sum() == 0.0


@pytest.mark.parametrize("case", ["everyone_retires", "no_density", "min_above_max", "rate_floored",
                                  "pension_without_service"])
def test_extreme_parameters(case):
    inp = random_inputs(11, G=1, Y=2)
    if case == "everyone_retires":                    # entrants too, in their first year
        inp["pensionable_age"][:] = 0.0
    elif case == "no_density":                         # no service credit, no exposure
        inp["density"][:] = 0.0
    elif case == "min_above_max":                      # the maximum wins, as in the kernel
        inp["min_pension"][:] = 20000.0
        inp["max_pension"][:] = 7000.0
    elif case == "rate_floored":                       # short-service reduction below zero
        inp["full_service"][:] = 200.0
        inp["short_reduction"][:] = 0.05
        inp["min_service"][:] = 0.0
    elif case == "pension_without_service":            # n = 0 retires with a pension: RE from the year's
        inp["min_service"][:] = 0.0                    # earnings (actives not credited) or 0 (inactives)
        inp["base_rate"][:] = 0.3
        inp["full_service"][:] = 0.0
        inp["min_pension"][:] = 0.0
        inp["density"][:] = 0.6
        inp["pensionable_age"][:] = 40.0
        inp["A"][0, :, 39, 0] = 100.0
        inp["I"][0, :, 39, 0] = 100.0
        inp["WA"][0, :, 39, 0] = 0.0
        inp["WI"][0, :, 39, 0] = 0.0
    out = assert_same(inp)
    if case == "no_density":
        assert out["exposure"].sum() == 0.0
    if case == "everyone_retires":
        assert out["actives"][1:].sum() == 0.0 and out["inactives"][1:].sum() == 0.0


@pytest.mark.parametrize("keep", [1, 0])
def test_closure_at_a_year_equals_the_reference(keep):
    """The closure used for liabilities at a date: actives become inactive (or everyone leaves) at the start of
    the year; with entrants, recruits and re-entries stopped by the caller, nobody contributes from then on."""
    inp = random_inputs(3, G=2, Y=4)
    inp["closed_from"], inp["closed_keep_members"] = 2, keep
    for key in ("target", "recruits", "reentry"):
        inp[key][2:] = 0.0
    before = run_kernel(random_inputs(3, G=2, Y=4))[0]
    out = assert_same(inp)
    assert out["exposure"][2:].sum() == 0.0 and out["entrants"][2:].sum() == 0.0
    assert out["actives"][3:].sum() == 0.0
    np.testing.assert_array_equal(out["exposure"][:2], before["exposure"][:2])  # nothing changes before it
    if keep:
        # the members' rights stay: inactives at the end of the closure year's start = actives + inactives before
        np.testing.assert_allclose(out["inactives"][2].sum(), before["inactives"][2].sum(), rtol=1e-12)
        assert out["retire_pension"][2:].sum() + out["retire_lump"][2:].sum() > 0
    else:
        assert out["inactives"][3:].sum() == 0.0 and out["retire_pension"][2:].sum() == 0.0


def test_minimum_in_payment_and_invalidity_limits_equal_the_reference():
    """A minimum that binds in payment (old age and invalidity, raised each 1 January) and at the award of
    invalidity pensions, with a maximum that binds too."""
    inp = random_inputs(5, G=2, Y=4)
    inp["min_in_payment"] = np.array([1, 0], dtype=np.int64)
    typical = float(np.median(inp["M"][inp["P"] > 0] / inp["P"][inp["P"] > 0]))
    inp["min_pension"] = np.full_like(inp["min_pension"], typical)          # binds on about half the cells
    inp["max_pension"] = np.full_like(inp["max_pension"], 3.0 * typical)
    out = assert_same(inp)
    # group 0: no old-age or invalidity pension in payment below the minimum after the first year
    for b in (OLD_AGE, INVALIDITY):
        p, m = out["pensioners"][1:, b, 0], out["amounts"][1:, b, 0]
        assert (m >= p * typical * (1 - 1e-12)).all()
    # group 1: the minimum applies at award only, so some pensions in payment stay below it
    p, m = out["pensioners"][1:, OLD_AGE, 1], out["amounts"][1:, OLD_AGE, 1]
    assert (m < p * typical * (1 - 1e-9)).any()
    # invalidity awards: between the minimum and the maximum, per pension
    for g in (0, 1):
        n, amount = out["awards_count"][:, INVALIDITY, g], out["awards_amount"][:, INVALIDITY, g]
        on = n > 0
        assert on.any()
        assert (amount[on] >= n[on] * typical * (1 - 1e-12)).all() and (amount[on] <= n[on] * 3 * typical
                                                                         * (1 + 1e-12)).all()


def test_survivors_conditions_equal_the_reference():
    """Share of spouses who qualify, a minimum widow(er)'s pension, exits (remarriage) and ages from which
    the pension is paid, on random inputs."""
    inp = random_inputs(9, G=2, Y=4)
    inp["surv_share"] = np.full_like(inp["surv_share"], 0.6)
    inp["surv_floor"] = np.full_like(inp["surv_floor"], 0.8)
    inp["surv_exit"] = np.full_like(inp["surv_exit"], 0.05)
    inp["surv_min_age"] = np.array([[60.0, 55.0], [0.0, 45.0]])
    out = assert_same(inp)
    base = run_kernel(random_inputs(9, G=2, Y=4))[0]
    assert out["awards_count"][:, WIDOW].sum() < base["awards_count"][:, WIDOW].sum()
    assert out["outgo"][:, WIDOW].sum() < base["outgo"][:, WIDOW].sum()


def test_a_young_widow_is_paid_from_the_age_condition():
    """Closed cohort by hand: a widow aged 40 in the stock, pension 1,200 a year, paid only from age 55
    (no deaths, no indexation): nothing for 15 years, then 1,200 a year."""
    inp = inputs(G=1, Y=20)
    inp["P"][WIDOW, 0, 1, 40] = 1.0
    inp["M"][WIDOW, 0, 1, 40] = 1200.0
    inp["R"][WIDOW, 0, 1, 40] = 2000.0
    inp["surv_min_age"] = np.array([[0.0, 55.0]])
    out = run_kernel(inp)[0]
    paid = out["outgo"][:, WIDOW, 0]
    np.testing.assert_array_equal(paid[:15], 0.0)        # ages 40..54 at 1 January
    np.testing.assert_allclose(paid[15:], 1200.0, rtol=1e-15)
    assert out["pensioners"][-1, WIDOW, 0, 1].sum() == 1.0   # she keeps her right meanwhile


def test_invalidity_conversion_and_recovery_equal_the_reference():
    inp = random_inputs(11, G=2, Y=4)
    inp["inval_convert"] = np.array([1, 0], dtype=np.int64)
    inp["inval_recovery"] = np.full_like(inp["inval_recovery"], 0.03)
    out = assert_same(inp)
    base = run_kernel(random_inputs(11, G=2, Y=4))[0]
    assert out["outgo"][:, INVALIDITY].sum() < base["outgo"][:, INVALIDITY].sum()


def test_an_invalidity_pension_becomes_old_age_at_the_pensionable_age():
    """By hand: an invalidity pensioner aged 57, pension 1,000, pensionable age 60, no deaths, no indexation:
    converted at the birthday reaching 60 (age 59 at 1 January, 60 at the year end); the outgo is the same."""
    inp = inputs(G=1, Y=5)
    inp["P"][INVALIDITY, 0, 0, 57] = 1.0
    inp["M"][INVALIDITY, 0, 0, 57] = 1000.0
    inp["R"][INVALIDITY, 0, 0, 57] = 2000.0
    inp["pensionable_age"][:] = 60.0
    kept = run_kernel({k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in inp.items()})[0]
    inp["inval_convert"] = np.array([1], dtype=np.int64)
    conv = run_kernel(inp)[0]
    np.testing.assert_array_equal(conv["outgo"].sum(axis=1), kept["outgo"].sum(axis=1))
    # start of each year: ages 57, 58, 59 invalidity; from the start of year 3 (age 60) old age
    np.testing.assert_array_equal(conv["pensioners"][:3, INVALIDITY].sum(axis=(1, 2, 3)), 1.0)
    np.testing.assert_array_equal(conv["pensioners"][3:, OLD_AGE, 0, 0, 60:].sum(axis=1), 1.0)
    assert conv["pensioners"][3:, INVALIDITY].sum() == 0.0 and kept["pensioners"][3:, OLD_AGE].sum() == 0.0
    assert conv["awards_count"].sum() == 0.0   # a conversion is not a new pension
