"""Lee-Carter fit and simulated deviations of k.

The truth is independent of the code under test: synthetic rates built
from known a, b, k; random walks with known drift and volatility; closed-form
variances of the simulated deviations. Statistical tolerances are stated
with their basis; all seeds are fixed, so the tests are deterministic.
"""
from pathlib import Path

import numpy as np
import pytest

import ssproj
from ssproj.demography.cohort import mortality_rates
from ssproj.demography.leecarter import LeeCarter, LeeCarterSet, deviation_multiplier

ROOT = Path(__file__).resolve().parents[1]


def known_model(n_t=12, n_x=15, seed=1):
    rng = np.random.default_rng(seed)
    a = np.linspace(-8.0, -1.0, n_x) + 0.1 * rng.standard_normal(n_x)
    b = rng.uniform(0.2, 1.0, n_x)
    b[3] = -0.1                                   # a negative b is allowed
    b /= b.sum()
    k = np.cumsum(rng.normal(-1.0, 2.0, n_t))
    k -= k.mean()
    return a, b, k


@pytest.mark.parametrize("start, h", [(2000.0, 1.0), (1953.0, 5.0)])
def test_exact_rank_one_data_is_recovered(start, h):
    a, b, k = known_model()
    times = start + h * np.arange(k.size)
    mx = np.exp(a[None, :] + k[:, None] * b[None, :])
    lc = LeeCarter.fit(mx, times, ages=np.arange(20, 20 + a.size))
    np.testing.assert_allclose(lc.a, a, rtol=0, atol=1e-10)
    np.testing.assert_allclose(lc.b, b, rtol=0, atol=1e-10)
    np.testing.assert_allclose(lc.k, k, rtol=0, atol=1e-10)
    assert lc.explained_variance == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(lc.fitted_log_m(), np.log(mx), rtol=0, atol=1e-10)
    assert lc.step == pytest.approx(h)
    assert lc.n_steps == k.size - 1
    assert lc.ages[0] == 20


def test_drift_sigma_and_standard_error_by_hand_with_five_year_steps():
    # k observed every h = 5 years with steps 1 and 3: span 10 years,
    # d = 4/10 = 0.4 per year; u = (1 - 2, 3 - 2) = (-1, 1);
    # sigma^2 = (1 + 1) / (n - 1 = 1) / 5 = 0.4 per year; se = sqrt(0.4 / 10) = 0.2.
    k = np.array([0.0, 1.0, 4.0]) - 5.0 / 3.0
    b = np.array([0.5, 0.3, 0.2])
    a = np.array([-6.0, -4.0, -2.0])
    lc = LeeCarter.fit(np.exp(a + k[:, None] * b), [1990.0, 1995.0, 2000.0])
    assert lc.drift == pytest.approx(0.4, rel=1e-12)
    assert lc.sigma == pytest.approx(np.sqrt(0.4), rel=1e-12)
    assert lc.drift_se == pytest.approx(0.2, rel=1e-12)
    np.testing.assert_allclose(lc.central_k([2000.0, 2010.0]), [k[-1], k[-1] + 4.0], rtol=1e-12)


def random_walk(rng, n_steps, h, drift, sigma, n_pop=1, corr=None):
    """k at n_steps + 1 times h years apart: steps N(drift h, sigma^2 h), correlated across populations."""
    corr = np.eye(n_pop) if corr is None else np.asarray(corr)
    steps = drift * h + np.sqrt(h) * sigma * (rng.standard_normal((n_steps, n_pop)) @ np.linalg.cholesky(corr).T)
    return np.vstack([np.zeros((1, n_pop)), np.cumsum(steps, axis=0)])


@pytest.mark.parametrize("h, n_steps", [(1.0, 2000), (5.0, 2000)])
def test_random_walk_drift_and_sigma_are_estimated(h, n_steps):
    drift, sigma = -0.05, 0.4            # per year
    rng = np.random.default_rng(20240601)
    k = random_walk(rng, n_steps, h, drift, sigma)[:, 0]
    a = np.linspace(-7, -1, 10)
    b = np.linspace(1, 2, 10)
    b /= b.sum()
    times = 1900.0 + h * np.arange(n_steps + 1)
    lc = LeeCarter.fit(np.exp(a + k[:, None] * b), times)
    span = h * n_steps
    # d_hat - d ~ N(0, sigma^2 / span) exactly for a random walk with drift.
    se = sigma / np.sqrt(span)
    assert abs(lc.drift - drift) < 3 * se
    assert lc.drift_se == pytest.approx(se, rel=0.1)
    # (n-1) s^2 / sigma^2 ~ chi2(n-1), so sd(s / sigma) ~ 1 / sqrt(2 (n-1)) (1.6% for n = 2000);
    # allow 4 of those.
    assert abs(lc.sigma / sigma - 1) < 4 / np.sqrt(2 * (n_steps - 1))


def test_correlation_of_innovations_is_recovered():
    rho, n_steps = 0.7, 2000
    rng = np.random.default_rng(7)
    k = random_walk(rng, n_steps, 1.0, -0.3, 0.5, n_pop=2, corr=[[1, rho], [rho, 1]])
    a = np.linspace(-7, -1, 8)
    b = np.linspace(1, 2, 8)
    b /= b.sum()
    mx = np.exp(a[None, None, :] + k[:, :, None] * b[None, None, :])
    lcs = LeeCarterSet.fit(mx, 1800 + np.arange(n_steps + 1))
    assert lcs.names == ("male", "female")
    r = lcs.corr[0, 1]
    # Fisher: atanh(r) ~ N(atanh(rho), 1 / (n - 3)); allow 4 standard errors.
    assert abs(np.arctanh(r) - np.arctanh(rho)) < 4 / np.sqrt(n_steps - 3)
    assert lcs.corr[1, 0] == r and np.all(np.diag(lcs.corr) == 1.0)


def test_correlation_falls_back_to_identity_with_two_steps():
    a, b, k = known_model(n_t=3)
    mx = np.exp(a + k[:, None] * b)
    lcs = LeeCarterSet.fit(np.stack([mx, mx * 1.1], axis=1), [2000, 2005, 2010])
    np.testing.assert_array_equal(lcs.corr, np.eye(2))


@pytest.fixture(scope="module")
def two_sexes():
    rng = np.random.default_rng(3)
    k = random_walk(rng, 40, 1.0, -1.0, 1.5, n_pop=2, corr=[[1, 0.6], [0.6, 1]])
    a = np.linspace(-7, -1, 6)
    b = np.array([[0.3, 0.25, 0.2, 0.1, 0.1, 0.05], [0.2, 0.2, 0.2, 0.2, 0.1, 0.1]])
    mx = np.exp(a[None, None, :] + k[:, :, None] * b[None, :, :])
    return LeeCarterSet.fit(mx, 1980 + np.arange(41))


def test_simulated_deviations_have_the_random_walk_moments(two_sexes):
    lcs = two_sexes
    n_paths, n_years = 20000, 50
    sig, se, c = lcs.sigma, lcs.drift_se, lcs.corr
    with_drift = lcs.simulate_deviations(np.random.default_rng(11), n_paths, n_years)
    no_drift = lcs.simulate_deviations(np.random.default_rng(11), n_paths, n_years, drift_uncertainty=False)
    assert with_drift.shape == (n_paths, n_years, 2)
    for h in (1, 10, 50):
        for dev, uncertain in ((with_drift, True), (no_drift, False)):
            x = dev[:, h - 1, :]
            var = sig ** 2 * h + (se ** 2 * h ** 2 if uncertain else 0.0)    # theory, per population
            # mean: se = sqrt(var / n); variance of normal data: se(s^2) = var sqrt(2 / (n - 1)).
            assert np.all(np.abs(x.mean(axis=0)) < 4 * np.sqrt(var / n_paths))
            assert np.all(np.abs(x.var(axis=0, ddof=1) / var - 1) < 4 * np.sqrt(2 / (n_paths - 1)))
            # cross covariance C_01 (sig0 sig1 h + se0 se1 h^2 [with drift]); se of a sample covariance of
            # normals: sqrt((v0 v1 + cov^2) / n).
            cov = c[0, 1] * (sig[0] * sig[1] * h + (se[0] * se[1] * h ** 2 if uncertain else 0.0))
            sample = np.cov(x.T)[0, 1]
            assert abs(sample - cov) < 4 * np.sqrt((var[0] * var[1] + cov ** 2) / n_paths)
    # common random numbers: the two settings differ by exactly the linear drift term
    diff = with_drift - no_drift
    np.testing.assert_allclose(diff, diff[:, :1, :] * np.arange(1, n_years + 1)[None, :, None], rtol=1e-9,
                               atol=1e-12)


def test_draw_order_and_per_path_generators(two_sexes):
    lcs = two_sexes
    n_years, scale = 7, 1.3
    rng = np.random.default_rng(5)
    z_drift = rng.standard_normal((1, 2))          # documented order: drift draws first,
    z = rng.standard_normal((1, n_years, 2))       # then the innovations
    chol = np.linalg.cholesky(lcs.corr)
    eps = (z @ chol.T) * (lcs.sigma * scale)
    delta = (z_drift @ chol.T) * (lcs.drift_se * scale)
    expected = np.cumsum(eps, axis=1) + delta[:, None, :] * np.arange(1, n_years + 1)[None, :, None]
    got = lcs.simulate_deviations(np.random.default_rng(5), 1, n_years, sigma_scale=scale)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)

    def per_path(i):
        rng = np.random.default_rng(np.random.SeedSequence(99, spawn_key=(i,)))
        return lcs.simulate_deviations(rng, 1, n_years)[0]

    batch = np.stack([per_path(i) for i in range(5)])
    np.testing.assert_array_equal(per_path(3), batch[3])
    np.testing.assert_array_equal(batch, np.stack([per_path(i) for i in range(5)]))
    assert not np.array_equal(batch[0], batch[1])
    # zero scale: no deviation at all
    assert not np.any(lcs.simulate_deviations(np.random.default_rng(1), 3, 4, sigma_scale=0.0))


def test_deviation_multiplier_shape_and_values():
    b = np.array([[0.5, 0.3, 0.2], [0.1, 0.4, 0.5]])
    d = np.arange(2 * 4 * 2, dtype=float).reshape(2, 4, 2) / 10
    f = deviation_multiplier(b, d)
    assert f.shape == (2, 4, 2, 3)
    assert f[1, 2, 0, 1] == pytest.approx(np.exp(0.3 * d[1, 2, 0]), rel=1e-15)
    assert f[0, 3, 1, 2] == pytest.approx(np.exp(0.5 * d[0, 3, 1]), rel=1e-15)
    with pytest.raises(ValueError, match=r"deviations has shape \(2, 4, 3\); expected \(\.\.\., n_years, 2\)"):
        deviation_multiplier(b, np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match=r"b has shape \(3,\); expected \(S, X\)"):
        deviation_multiplier(b[0], d)


def test_bad_inputs_give_clear_errors():
    a, b, k = known_model(n_t=6, n_x=5)
    mx = np.exp(a + k[:, None] * b)
    times = np.arange(2000, 2006)
    bad = mx.copy()
    bad[2, 4] = 0.0
    bad[5, 1] = -1.0
    with pytest.raises(ValueError, match=r"finite and > 0.*2 bad cell\(s\): mx\[2, 4\] = 0\.0, mx\[5, 1\] = -1\.0"):
        LeeCarter.fit(bad, times)
    with pytest.raises(ValueError, match=r"mx\[0, 0\] = nan"):
        LeeCarter.fit(np.where(np.eye(6, 5, dtype=bool) & (np.arange(6)[:, None] == 0), np.nan, mx), times)
    with pytest.raises(ValueError, match="equally spaced; got steps"):
        LeeCarter.fit(mx, [2000, 2001, 2002, 2004, 2005, 2006])
    with pytest.raises(ValueError, match="strictly increasing"):
        LeeCarter.fit(mx, times[::-1])
    with pytest.raises(ValueError, match=r"times has shape \(5,\); expected \(6,\)"):
        LeeCarter.fit(mx, times[:5])
    with pytest.raises(ValueError, match=r"mx has shape \(5,\); expected a 2-D array"):
        LeeCarter.fit(mx[0], times)
    with pytest.raises(ValueError, match=r"ages has shape \(4,\); expected \(5,\)"):
        LeeCarter.fit(mx, times, ages=np.arange(4))
    with pytest.raises(ValueError, match="at least 3"):
        LeeCarter.fit(mx[:2], times[:2])
    with pytest.raises(ValueError, match="do not change over time"):
        LeeCarter.fit(np.tile(mx[0], (6, 1)), times)
    with pytest.raises(ValueError, match=r"expected a 3-D array \(T times, S populations, X ages\)"):
        LeeCarterSet.fit(mx, times)
    with pytest.raises(ValueError, match=r"LeeCarterSet.fit: times must be equally spaced"):
        LeeCarterSet.fit(np.stack([mx, mx], axis=1), [2000, 2001, 2002, 2004, 2005, 2006])
    with pytest.raises(ValueError, match=r"population 'female': LeeCarter.fit: the log death rates do not change"):
        LeeCarterSet.fit(np.stack([mx, np.tile(mx[0], (6, 1))], axis=1), times)
    with pytest.raises(ValueError, match=r"mx\[1, 0, 3\] = -2\.0"):
        m3 = np.stack([mx, mx], axis=1)
        m3[1, 0, 3] = -2.0
        LeeCarterSet.fit(m3, times)
    with pytest.raises(ValueError, match=r"3 name\(s\)"):
        LeeCarterSet.fit(np.stack([mx, mx], axis=1), times, names=("a", "b", "c"))
    lcs = LeeCarterSet.fit(np.stack([mx, mx * np.exp(0.01 * np.arange(6))[:, None]], axis=1), times)
    with pytest.raises(ValueError, match="n_paths = 0; expected an integer >= 1"):
        lcs.simulate_deviations(np.random.default_rng(0), 0, 5)
    with pytest.raises(ValueError, match=r"sigma_scale = -1.0; expected finite factor\(s\) >= 0"):
        lcs.simulate_deviations(np.random.default_rng(0), 1, 5, sigma_scale=-1.0)
    with pytest.raises(ValueError, match=r"sum\(b\) = .*; expected 1"):
        LeeCarter(ages=np.arange(3), times=[1, 2, 3], a=np.zeros(3), b=np.ones(3), k=np.array([-1.0, 0, 1]),
                  drift=1.0, sigma=0.1, drift_se=0.05, n_steps=2)


@pytest.fixture(scope="module")
def lao():
    sc = ssproj.load_scenario(ROOT / "scenarios" / "lao_baseline.yaml")
    # Period centres 1988, 1993, ..., 2018 of the UN 5-year periods (1985.5-1990.5 ...):
    # mortality_rates evaluates calendar year y at y + 0.5, so y = centre - 0.5 gives
    # each period's own graduated schedule (no interpolation between periods).
    centres = np.arange(1988, 2019, 5).astype(float)
    mx = mortality_rates(sc.tables["mortality"], centres - 0.5)
    return LeeCarterSet.fit(mx, centres), mx


def test_fit_on_lao_mortality(lao):
    lcs, mx = lao
    assert mx.shape == (7, 2, 101)
    assert lcs.names == ("male", "female")
    assert lcs.b.shape == (2, 101) and lcs.k.shape == (7, 2)
    assert np.all((lcs.b > 0).mean(axis=1) > 0.9)        # b > 0 at most ages
    assert np.all(lcs.drift < 0)                         # mortality falling
    assert np.all(lcs.explained_variance > 0.9)
    assert np.all(lcs.sigma > 0) and np.all(lcs.drift_se > 0)
    assert -1 <= lcs.corr[0, 1] <= 1
    np.testing.assert_allclose(lcs.b.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(lcs.k.sum(axis=0), 0.0, atol=1e-9)
    # the fitted model reproduces the rates closely (rank one explains > 90% of the variance)
    resid = lcs.fitted_log_m() - np.log(mx)
    assert np.sqrt(np.mean(resid ** 2)) < 0.1
