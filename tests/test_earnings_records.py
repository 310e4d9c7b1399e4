"""Earnings records that move with members, in the whole engine (the kernel's own cases are in tests/kernels).

- the records' drivers (the year's insured earnings, revaluation rates, the
  oldest year's share, the records at the valuation date) equal the
  formulas of docs/methods/scheme.md computed here with NumPy from the
  path's insured earnings and economy;
- with no revaluation, density 1, no lapses and a minimum service above the
  reference period, each new old-age pension equals base rate x the
  average insured earnings of the retiring cohort's last N years (the old
  cohort formula, computed here);
- revaluation, refunds on exit and the career average act as declared,
  and people are conserved with refunds.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ssproj
from ssproj.plan import compile_scenario
from ssproj.scheme.engine import economy_paths, run_scheme
from ssproj.scheme.plan import N_SERVICE

ROOT = Path(__file__).resolve().parents[1]
LAO = ROOT / "scenarios" / "lao_baseline.yaml"
GROUPS = ("public", "private", "voluntary")


@pytest.fixture(scope="module")
def lao():
    return ssproj.load_scenario(LAO)


def _path(sc):
    """The plan, the economy's paths and the outputs of one deterministic run (the engine's own run_scheme)."""
    plan = compile_scenario(sc)
    out = run_scheme(plan.scheme, plan.demography, plan.economy)
    return plan.scheme, economy_paths(plan.scheme, plan.economy), out


def test_record_drivers_follow_the_methods_page(lao):
    sc = lao.with_changes({
        "earnings_revaluation": {"public": "mixed", "private": "wages", "voluntary": "fixed"},
        "earnings_revaluation_price_weight": {"public": 0.3},
        "earnings_revaluation_rate": {"voluntary": 0.03},
        "deferred_revaluation": {"private": "none"},
        "reference_period": {"private": 4},
        # women earn less than men, in private from the start, in public from 2030 (a time path)
        "female_earnings_ratio": {"private": 0.8, "public": {2020: 1.0, 2030: 0.7}},
    })
    sp, econ, out = _path(sc)
    Y = len(sp.years)
    TE = len(sp.ext_years)
    off = TE - Y
    assert off == 5  # the longest record (5 years) of history
    pi, wg = econ.price_inflation[0], econ.wage_growth[0]
    weights = {"public": (0.3, 0.7, 0.0), "private": (0.0, 1.0, 0.0), "voluntary": (0.0, 0.0, 0.03)}
    # the Lao set revalues deferred rights by prices; private's changed to none
    deferred = {"public": (1.0, 0.0, 0.0), "private": (0.0, 0.0, 0.0), "voluntary": (1.0, 0.0, 0.0)}
    iw = out.insured_wage                                                 # (TE, G, S, X) [currency/month]
    for gi, g in enumerate(sp.groups):
        wp, ww, c = weights[g]
        np.testing.assert_allclose(out.revaluation[:, gi, 0], wp * pi + ww * wg + c, rtol=1e-15)
        dp, dw, dc = deferred[g]
        np.testing.assert_allclose(out.revaluation[:, gi, 1], dp * pi + dw * wg + dc, rtol=1e-15)
        np.testing.assert_allclose(out.earnings[:, gi], 12.0 * iw[off:, gi], rtol=1e-15)
        # the active rule's index over the history (its own wage growth, the first year's prices) and after
        aw = econ.average_wage[0]
        hist_wg = np.concatenate([[wg[0]], aw[1:off] / aw[:off - 1] - 1.0])
        rates = np.concatenate([wp * pi[0] + ww * hist_wg + c, out.revaluation[:, gi, 0]])
        V = np.cumprod(1.0 + rates)
        N = int(sp.params.record_years[gi])
        assert N == {"public": 1, "private": 4, "voluntary": 5}[g]
        for s in range(2):
            for y in (0, 4, 7, Y - 1):
                te = off + y
                for x in (18, 40, 59):
                    terms = [iw[te - k, gi, s, x - k] / V[te - k] for k in range(1, N + 1)]
                    assert out.drop_share[y, gi, s, x] == pytest.approx(terms[-1] / sum(terms), rel=1e-13)
            for x, n in ((30, 0), (30, 2), (45, N), (45, 20), (60, N_SERVICE - 1)):
                expect = sum(12.0 * iw[off - k, gi, s, x - k] * V[off - 1] / V[off - k]
                             for k in range(1, min(n, N) + 1))
                assert out.record0[gi, s, x, n] == pytest.approx(expect, rel=1e-13, abs=0.0)


def test_a_full_career_retires_on_the_cohorts_last_years(lao):
    """No revaluation, density 1, no lapse or re-entry, no minimum or maximum: every new private-sector pension
    is 50% of the cohort's average insured earnings over its last 5 years (docs/methods/scheme.md)."""
    sc = lao.with_changes({
        "contribution_density": {"private": 1.0}, "lapse_rate": {"private": 0.0}, "reentry_rate": {"private": 0.0},
        "minimum_pension_ratio": {"private": 0.0}, "maximum_pension_ratio": {"private": 10.0},
        "accrual_rate": {"private": 0.0}, "base_rate": {"private": 0.5}, "replacement_cap": {"private": 1.0},
        "minimum_service": {"private": 10}, "pensionable_age_female": {"private": 60},
        "earnings_revaluation": {"private": "none"}, "deferred_revaluation": {"private": "none"},
    })
    sp, _, out = _path(sc)
    gi = sp.groups.index("private")
    base_inactive = sp.state0.I[gi].sum(axis=(0, 2))                          # (X,) by age at the valuation date
    Y, off = len(sp.years), len(sp.ext_years) - len(sp.years)
    iw = out.insured_wage
    sco = out.scheme
    checked = 0
    for y in range(Y):
        # retirees of the year are 59 at 1 January (aged 59 - y at the valuation date); where no inactive
        # member of the base data is among them, every pension is of members who contributed every year
        # (year 0 also retires the actives past the pensionable age)
        if y == 0 or (y <= 59 and base_inactive[59 - y] > 0) or sco.awards[y, 0, gi] == 0.0:
            continue
        cohort = 12.0 / 5 * sum(iw[off + y - j, gi, 0, 59 - j] for j in range(5))  # (men and women: the same)
        assert sco.awards_amount[y, 0, gi] / sco.awards[y, 0, gi] == pytest.approx(0.5 * cohort, rel=1e-11)
        checked += 1
    assert checked > 10


def test_deferred_rights_are_revalued_by_their_own_rule(lao):
    """Voluntary members who stop paying keep their record; a higher deferred revaluation raises what they get
    (lump sums), not what continuing members get at award."""
    none = ssproj.project(lao.with_changes({"deferred_revaluation": {"voluntary": "none"}}))
    wages = ssproj.project(lao.with_changes({"deferred_revaluation": {"voluntary": "wages"}}))
    lump = {k: float(r.dataset["lump_sums"].sel(group="voluntary").sum()) for k, r in (("none", none),
                                                                                        ("wages", wages))}
    assert lump["wages"] > 1.2 * lump["none"] > 0
    # the other groups do not move
    for g in ("public", "private"):
        assert np.array_equal(none.dataset["lump_sums"].sel(group=g), wages.dataset["lump_sums"].sel(group=g),
                              equal_nan=True)


def test_refunds_on_exit_are_paid_and_the_refunded_leave(lao):
    sc = lao.with_changes({"refund_on_exit_share": {"voluntary": 1.0},
                           "refund_months_per_year": {"voluntary": 0.9}})
    res = ssproj.project(sc)
    base = ssproj.project(lao)
    d, b = res.dataset, base.dataset
    v = d.sel(group="voluntary")
    assert float(v["refunds"].sum()) > 0 and float(v["refunds_amount"].sum()) > 0
    assert float(b["refunds"].sum()) == 0.0
    # refunds are paid with the lump sums
    assert float(v["lump_sums"].sum()) > float(v["refunds_amount"].sum())
    # people are conserved: members change by entrants - exits, refunds included
    years = sc.scheme_years
    x = d.sel(year=years, group="voluntary")
    members = (x["actives"] + x["inactives"]).sum(("sex", "age")).values
    start = float((d["base_actives"] + d["base_inactives"]).sel(group="voluntary").sum())
    previous = np.concatenate([[start], members[:-1]])
    flows = (x["entrants"] - x["member_deaths"] - x["invalidity_retirements"] - x["retirements_pension"]
             - x["retirements_lump_sum"] - x["refunds"]).values
    np.testing.assert_allclose(members - previous, flows, rtol=0, atol=1e-7 * members.max())
    # fewer deferred members left: fewer lump sums at the pensionable age later on
    later = slice(2060, 2100)
    assert float(v["retirements_lump_sum"].sel(year=later).sum()) < float(
        b["retirements_lump_sum"].sel(group="voluntary", year=later).sum())


def test_the_career_average_counts_every_credited_year(lao):
    sc = lao.with_changes({"reference_earnings": {"private": "career"}})
    sp = compile_scenario(sc).scheme
    assert sp.params.record_years[list(sp.groups).index("private")] == N_SERVICE - 1
    assert len(sp.ext_years) == len(sp.years) + N_SERVICE - 1  # 50 years of earnings history
    res, base = ssproj.project(sc), ssproj.project(lao)
    # a career average of nominal earnings is below the last 5 years' average: lower lump sums
    assert float(res.dataset["lump_sums"].sel(group="private").sum()) < float(
        base.dataset["lump_sums"].sel(group="private").sum())


def test_women_earn_the_declared_share_of_men_and_the_group_average_holds(lao):
    """female_earnings_ratio: women's mean earnings are rho x men's at every age and year; the group's average
    over its active members at the valuation date is the same as with rho = 1 (docs/methods/scheme.md)."""
    rho = {"public": 0.9, "private": 0.7, "voluntary": {2020: 0.8, 2040: 1.0}}
    _, _, out1 = _path(lao)
    sp, _, out = _path(lao.with_changes({"female_earnings_ratio": rho}))
    me, me1 = out.mean_earnings, out1.mean_earnings                          # (TE, G, S, X) [currency/month]
    years = sp.ext_years
    for gi, g in enumerate(sp.groups):
        r = rho[g] if not isinstance(rho[g], dict) else np.where(years >= 2040, 1.0, 0.8)
        np.testing.assert_allclose(me[:, gi, 1], np.asarray(r).reshape(-1, 1) * me[:, gi, 0], rtol=1e-14)
        # the valuation year's average over the group's active members is unchanged
        te = int(np.flatnonzero(years == sp.valuation_year)[0])
        actives = sp.state0.A[gi].sum(axis=2)                               # (S, X)
        assert (actives * me[te, gi]).sum() == pytest.approx((actives * me1[te, gi]).sum(), rel=1e-13)
        assert me[te, gi, 0, 40] > me1[te, gi, 0, 40] > me[te, gi, 1, 40]   # men above, women below the scale
    # the women's lower earnings reach contributions and pensions: the private group's contributions fall less
    # than its women's share of earnings would alone (men earn more), and new pensions change
    assert not np.array_equal(out.scheme.awards_amount, out1.scheme.awards_amount)
    np.testing.assert_array_equal(_path(lao.with_changes({"female_earnings_ratio": dict.fromkeys(GROUPS, 1.0)}))[2]
                                  .insured_earnings, out1.insured_earnings)  # rho = 1: bit for bit
