"""LifeTable: identities, and annuity factors against a peer library.

The peer is pyliferisk (https://github.com/franciscogarate/pyliferisk), an
independent implementation of commutation functions. It takes q(x) per
mille; after age 100 we give it the open group's constant force,
q = 1 - exp(-m(100+)), which is the survival LifeTable assumes there.
"""
import numpy as np
import pytest
from pyliferisk import Actuarial, annuity

from ssproj import LifeTable


def realistic_mx():
    ages = np.arange(101) + 0.5
    m = 0.0003 + 0.00004 * np.exp(0.095 * ages)
    m[0] = 0.025
    m[1:5] = 0.002
    m[100] = 0.55
    return m


@pytest.fixture(scope="module")
def lt():
    return LifeTable.from_mx(realistic_mx(), sex="female")


@pytest.fixture(scope="module")
def peer(lt):
    q = list(lt.qx[:100]) + [1.0 - np.exp(-lt.mx[100])] * 150
    return lambda i: Actuarial(qx=[v * 1000.0 for v in q] + [1000.0], i=i)


def test_columns_are_consistent(lt):
    np.testing.assert_allclose(lt.lx[1:], lt.lx[:-1] * (1 - lt.qx[:-1]), rtol=1e-14)
    np.testing.assert_allclose(lt.dx[:-1], lt.lx[:-1] - lt.lx[1:], rtol=1e-14)
    assert lt.Tx[0] == pytest.approx(lt.Lx.sum(), rel=1e-14)
    assert lt.ex[60] == pytest.approx(lt.Lx[60:].sum() / lt.lx[60], rel=1e-14)
    # central death rate identity: d(x) / L(x) = m(x) for every age, open group included
    np.testing.assert_allclose(lt.dx / lt.Lx, lt.mx, rtol=1e-12)


@pytest.mark.parametrize("interest", [0.01, 0.03, 0.07])
@pytest.mark.parametrize("age", [0, 20, 60, 65, 85, 100])
def test_whole_life_annuity_due_matches_pyliferisk(lt, peer, age, interest):
    assert lt.annuity_due(age, interest) == pytest.approx(annuity(peer(interest), age, "w", 0), rel=1e-10)


@pytest.mark.parametrize("age", [30, 60, 65])
def test_temporary_and_monthly_annuities_match_pyliferisk(lt, peer, age):
    mt = peer(0.04)
    assert lt.annuity_due(age, 0.04, term=10) == pytest.approx(annuity(mt, age, 10, 0), rel=1e-10)
    assert lt.annuity_due(age, 0.04, frequency=12) == pytest.approx(annuity(mt, age, "w", 0, 12), rel=1e-10)


def test_annuity_at_zero_interest_is_curtate_expectation_plus_one(lt):
    # sum_{k>=0} kp_x = 1 + curtate e_x, with survival after 100 at the open
    # group's constant force: l(100 + j) = l(100) exp(-m j).
    age = 70
    curtate = lt.lx[age + 1:101].sum() / lt.lx[age] + lt.lx[100] / lt.lx[age] * (
        np.exp(-lt.mx[100]) / (1 - np.exp(-lt.mx[100])))
    assert lt.annuity_due(age, 0.0) == pytest.approx(1 + curtate, rel=1e-12)


def test_joint_life_identities(lt):
    men = LifeTable.from_mx(realistic_mx() * 1.3, sex="male")
    i = 0.03
    axy = men.joint_annuity_due(lt, 65, 60, i, kind="joint")
    last = men.joint_annuity_due(lt, 65, 60, i, kind="last_survivor")
    rev = men.joint_annuity_due(lt, 65, 60, i, kind="reversionary")
    ax, ay = men.annuity_due(65, i), lt.annuity_due(60, i)
    assert last == pytest.approx(ax + ay - axy, rel=1e-12)
    assert rev == pytest.approx(ay - axy, rel=1e-12)
    assert 0 < axy < min(ax, ay)


@pytest.mark.parametrize(
    "mx, sex, message",
    [
        (np.full(100, 0.01), "female", "101 values"),
        (np.r_[np.full(100, 0.01), -1.0], "female", "finite and >= 0"),
        (np.r_[np.full(100, 0.01), 0.0], "female", "open group"),
        (np.full(101, 0.01), "woman", "expected 'male' or 'female'"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(mx, sex, message):
    with pytest.raises(ValueError, match=message):
        LifeTable.from_mx(mx, sex=sex)
