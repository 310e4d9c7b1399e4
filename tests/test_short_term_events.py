"""Short-term branches projected by event, qualifying conditions and packages of branches.

- each event branch's benefits equal the formula of docs/methods/scheme.md
  computed here with NumPy from the path's own arrays (contributors,
  fertility, insured earnings, death probabilities, pensioners);
- the qualifying share is the binomial tail, checked against an explicit
  sum, and bites on low-density members;
- a group covered by fewer branches pays to and draws from those only, and
  its shares must add up with them;
- cost-rate branches are unchanged by the event machinery (a cost-rate
  equivalent gives the long-term fund bit for bit).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import ssproj
from ssproj.errors import ScenarioError
from ssproj.plan import compile_scenario
from ssproj.scheme.engine import economy_paths, run_scheme
from ssproj.scheme.plan import qualifying_share

ROOT = Path(__file__).resolve().parents[1]
LAO = ROOT / "scenarios" / "lao_baseline.yaml"


@pytest.fixture(scope="module")
def lao():
    return ssproj.load_scenario(LAO)


def _path(sc):
    """The plan, the economy's paths and the outputs of one deterministic run (the engine's own run_scheme)."""
    plan = compile_scenario(sc)
    out = run_scheme(plan.scheme, plan.demography, plan.economy)
    return plan.scheme, economy_paths(plan.scheme, plan.economy), out


def _binomial_tail(m, n, d):
    return sum(math.comb(n, k) * d ** k * (1 - d) ** (n - k) for k in range(m, n + 1))


def test_qualifying_share_is_the_binomial_tail():
    for m, n, d in ((6, 12, 0.6), (3, 12, 0.9), (9, 12, 0.5), (12, 12, 0.95), (1, 6, 0.2)):
        assert float(qualifying_share(m, n, d)) == pytest.approx(_binomial_tail(m, n, d), rel=1e-12)
    assert float(qualifying_share(0, 12, 0.3)) == 1.0
    assert float(qualifying_share(13, 12, 0.99)) == 0.0  # more months than the window: nobody
    # it bites on low density: 9 months of 12, a member paying 60% of months against one paying 95%
    assert float(qualifying_share(9, 12, 0.6)) < 0.25 < 0.97 < float(qualifying_share(9, 12, 0.95))


def test_event_branches_follow_the_methods_page(lao):
    sp, econ, out = _path(lao.with_changes({"female_earnings_ratio": {"private": 0.75}}))  # women's own earnings
    Y, off_e = len(sp.years), len(sp.ext_years) - len(sp.years)
    kinds = dict(zip(sp.branches, sp.earnings.branch_kind, strict=True))
    assert [kinds[b] for b in ("maternity", "sickness", "funeral", "employment_injury")] == [1, 2, 3, 4]
    assert kinds["health_care"] == kinds["unemployment"] == 0
    d = sp.params.density                                                    # (Y, G)
    member_years = out.scheme.exposure / d[:, :, None, None]                # (Y, G, S, X)
    w = 12.0 * out.insured_wage[off_e:]                                     # (Y, G, S, X)
    q = np.minimum(out.qx[:, None] * sp.params.mortality_factor[None, :, None, None], 1.0)  # (Y, G, S, X)
    vol = lao.value("contribution_density")
    for b in ("maternity", "sickness", "funeral", "employment_injury"):
        bi = sp.branches.index(b)
        months = {"maternity": 6, "sickness": 3, "funeral": 6, "employment_injury": 0}[b]
        qual = np.array([[_binomial_tail(months, 12, dd) if months else 1.0 for dd in row] for row in d])
        if b == "maternity":
            events = (member_years[:, :, 1] * out.fertility[:, None, :] * w[:, :, 1]).sum(axis=2)
            factor = 15 / 52 * 1.0
        elif b == "sickness":
            events = (member_years * w).sum(axis=(2, 3))
            factor = (4.0 - 0.5 * 3.0) / 365 * 0.6
        elif b == "employment_injury":
            events = (member_years * w).sum(axis=(2, 3))
            factor = 0.006 * 6.0 / 12
        else:
            events = (member_years * q).sum(axis=(2, 3))
        expect = (events * qual).sum(axis=1)
        if b == "funeral":
            pens = out.scheme.pensioners[:Y, 0] + out.scheme.pensioners[:Y, 1]          # (Y, G, S, X) at 1 January
            expect = (expect + (pens * q).sum(axis=(1, 2, 3))) * 3.0 * econ.minimum_wage[0, off_e:]
        else:
            expect = expect * factor
        np.testing.assert_allclose(out.branch_events[:, bi], expect, rtol=1e-11)
    assert vol  # (the Lao densities are below 1 for some groups: the condition bites)
    assert (sp.earnings.branch_qualify[:, :, sp.branches.index("maternity")] < 1.0).any()


def test_event_branches_reach_the_short_term_fund(lao):
    res = ssproj.project(lao)
    ds = res.dataset.sel(year=lao.scheme_years)
    short = ["sickness", "maternity", "funeral", "employment_injury", "unemployment"]
    np.testing.assert_allclose(ds["branch_outgo"].sel(branch=short).sum("branch"),
                               ds["fund_benefits_scheduled"].sel(fund="short_term"), rtol=1e-12)
    # the funeral grant follows pensioner deaths: it grows faster than earnings as the scheme matures
    fun = ds["branch_outgo"].sel(branch="funeral")
    earn = ds["insured_earnings"].sum("group")
    assert float(fun.sel(year=2100) / earn.sel(year=2100)) > 2 * float(fun.sel(year=2024) / earn.sel(year=2024))
    # births fall: maternity falls as a share of earnings
    mat = ds["branch_outgo"].sel(branch="maternity")
    assert float(mat.sel(year=2070) / earn.sel(year=2070)) < float(mat.sel(year=2024) / earn.sel(year=2024))


def test_a_cost_rate_equivalent_leaves_the_pension_fund_unchanged(lao):
    cost = lao.with_changes({
        "branch_benefit": dict.fromkeys(("sickness", "maternity", "funeral", "employment_injury"), "cost_rate"),
        "cost_rate": {"sickness": 0.004, "maternity": 0.006, "funeral": 0.002, "employment_injury": 0.003},
    })
    a, b = ssproj.project(lao), ssproj.project(cost)
    assert a.summary().equals(b.summary())  # the headline (pension) fund, bit for bit
    assert not a.summary("all").equals(b.summary("all"))
    br = b.dataset.sel(year=lao.scheme_years)
    np.testing.assert_allclose(br["branch_outgo"].sel(branch="sickness"),
                               0.004 * br["insured_earnings"].sum("group"), rtol=1e-12)


def test_a_package_of_branches(lao):
    """Voluntary members buy maternity and funeral only: they pay to those branches alone and the others do
    not pay them."""
    pkg = lao.with_changes({"covered_branches": {"voluntary": "maternity, funeral"},
                            "long_term_share": {"voluntary": 0.6 + 0.04 + 0.03 + 0.02 + 0.245}})
    a, b = ssproj.project(lao), ssproj.project(pkg)
    da, db = a.dataset.sel(year=lao.scheme_years), b.dataset.sel(year=lao.scheme_years)
    plan = compile_scenario(pkg).scheme
    vi = list(plan.groups).index("voluntary")
    assert plan.earnings.branch_cover[vi].tolist() == [0.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    # sickness: the cost of the covered groups only (voluntary members' events no longer counted)
    sick_a = da["branch_outgo"].sel(branch="sickness")
    sick_b = db["branch_outgo"].sel(branch="sickness")
    assert (sick_b.sel(year=slice(2024, 2100)) < sick_a.sel(year=slice(2024, 2100))).all()
    # health care is a cost rate: on the covered groups' insured earnings
    ie = db["insured_earnings"]
    np.testing.assert_allclose(db["branch_outgo"].sel(branch="health_care"),
                               0.03 * ie.drop_sel(group="voluntary").sum("group"), rtol=1e-12)
    # contributions: the voluntary group's go to the pension fund and its two branches only
    contrib = db["contributions"].sum("payer")
    lt = (contrib * db["long_term_share"]).sum("group")
    np.testing.assert_allclose(db["contribution_income_by_fund"].sel(fund="long_term"), lt, rtol=1e-12)
    health = 0.245 * contrib.drop_sel(group="voluntary").sum("group")
    np.testing.assert_allclose(db["contribution_income_by_fund"].sel(fund="health"), health, rtol=1e-12)


def test_package_shares_and_names_are_checked(lao):
    # the Lao set reads the branch shares with contribution_share_rule: proportional (a package is rescaled:
    # tests/test_robustness.py); under the fixed rule a package must add up with the long-term share
    with pytest.raises(ScenarioError) as err:
        lao.with_changes({"covered_branches": {"voluntary": "maternity, funeral"}, "contribution_share_rule": "fixed"})
    text = str(err.value)
    assert "voluntary" in text and "covered_branches" in text and "must be 1" in text
    with pytest.raises(ScenarioError) as err:
        lao.with_changes({"covered_branches": {"voluntary": "maternity, burial"}})
    assert "'burial' not a declared branch" in str(err.value)


def test_a_flat_amount_follows_the_minimum_wage(lao):
    """contribution_base flat_amount: every voluntary member is insured on 1.2 x the minimum wage (below the
    ceiling), whatever their income, and pays the contribution rates on it."""
    flat = lao.with_changes({"contribution_base": {"voluntary": "flat_amount"},
                             "flat_income_ratio": {"voluntary": 1.2}})
    ds = ssproj.project(flat).dataset.sel(year=lao.scheme_years)
    mw = ds["minimum_wage"]
    ceiling = ds["contribution_ceiling"]
    per_member = ds["insured_earnings_per_member"].sel(group="voluntary")
    np.testing.assert_allclose(per_member, np.minimum(1.2 * mw, ceiling).broadcast_like(per_member), rtol=1e-12)
    v = ds.sel(group="voluntary")
    expect = 12 * (v["contributors"] * per_member).sum(("sex", "age"))
    np.testing.assert_allclose(v["insured_earnings"], expect, rtol=1e-10)
    gi = list(flat.groups).index("voluntary")
    rates = sum(flat.path_values(f"contribution_rate_{p}", lao.scheme_years)[gi]
                for p in ("employer", "employee", "state"))
    np.testing.assert_allclose(v["contributions"].sum("payer"), rates * v["insured_earnings"], rtol=1e-12)
