"""VAR(1) economic shocks: distributions against closed forms, validation, reproducibility.

Statistical tolerances are 4 standard errors of the sampling distribution
of the statistic checked (stated at each check); seeds are fixed, so the
tests are deterministic.
"""
import numpy as np
import pytest
from scipy import stats

from ssproj.scenario.shocks import VARModel

ECONOMY = {
    "variables": {
        "investment_return": {"phi": 0.5, "sd": 0.02},
        "wage_growth": {"phi": 0.6, "sd": 0.015},
        "price_inflation": {"phi": 0.7, "sd": 0.02},
    },
    "correlation": {"investment_return,price_inflation": 0.5, "wage_growth, price_inflation": 0.6},
}

PHI = np.array([[0.5, 0.2, 0.0], [0.1, 0.4, -0.2], [0.0, 0.3, 0.6]])
SD = np.array([0.02, 0.015, 0.01])
CORR = np.array([[1.0, 0.3, 0.5], [0.3, 1.0, -0.2], [0.5, -0.2, 1.0]])


def per_path_rng(seed, i):
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)))


def test_ar1_percentiles_match_the_normal_distribution():
    phi, sd = np.array([0.6, 0.9, 0.0]), np.array([0.02, 0.01, 0.03])
    model = VARModel.ar1(["a", "b", "c"], phi, sd, corr=CORR)
    n = 50_000
    x = model.simulate(np.random.default_rng(20240101), n, 20)
    assert x.shape == (n, 20, 3)
    for h in (1, 5, 20):
        # x_h ~ N(0, sd^2 (1 - phi^(2h)) / (1 - phi^2)) from x_0 = 0
        scale = sd * np.sqrt((1 - phi ** (2 * h)) / (1 - phi ** 2))
        for p in (0.05, 0.50, 0.95):
            q = stats.norm.ppf(p) * scale
            # sampling sd of a p-quantile: sqrt(p (1-p) / n) / pdf(q)
            se = np.sqrt(p * (1 - p) / n) / stats.norm.pdf(q, scale=scale)
            got = np.quantile(x[:, h - 1, :], p, axis=0)
            assert np.all(np.abs(got - q) < 4 * se), (h, p, got, q)


def test_var_covariance_at_horizon_and_stationary():
    model = VARModel(("r", "w", "p"), PHI, SD, CORR)
    # deterministic identities: one step gives Sigma; the stationary covariance solves S = phi S phi' + Sigma
    sigma = np.diag(SD) @ CORR @ np.diag(SD)
    np.testing.assert_allclose(model.covariance_at(1), sigma, rtol=1e-14)
    np.testing.assert_array_equal(model.covariance_at(0), np.zeros((3, 3)))
    s = model.stationary_covariance()
    np.testing.assert_allclose(PHI @ s @ PHI.T + sigma, s, rtol=1e-12)
    np.testing.assert_allclose(model.covariance_at(200), s, rtol=1e-10)
    np.testing.assert_allclose(model.covariance_at(3, x0_zero=False), s, rtol=1e-12)
    np.testing.assert_allclose(model.cholesky @ model.cholesky.T, sigma, rtol=1e-14)

    n = 50_000
    x = model.simulate(np.random.default_rng(77), n, 60)
    for h, target in ((3, model.covariance_at(3)), (60, s)):
        sample = np.cov(x[:, h - 1, :].T)
        # se of a sample covariance of normals: sqrt((s_ii s_jj + s_ij^2) / n)
        se = np.sqrt((np.outer(np.diag(target), np.diag(target)) + target ** 2) / n)
        assert np.all(np.abs(sample - target) < 4 * se), (h, sample, target)


def test_correlation_of_innovations_is_recovered():
    model = VARModel(("r", "w", "p"), PHI, SD, CORR)
    n = 20_000
    x = model.simulate(np.random.default_rng(3), n, 2)
    eps = x[:, 1, :] - x[:, 0, :] @ PHI.T             # L eps_2, independent across paths
    r = np.corrcoef(eps.T)
    # Fisher: atanh(r) ~ N(atanh(rho), 1 / (n - 3)); 4 standard errors
    off = ~np.eye(3, dtype=bool)
    assert np.all(np.abs(np.arctanh(r[off]) - np.arctanh(CORR[off])) < 4 / np.sqrt(n - 3))
    np.testing.assert_allclose(eps.std(axis=0, ddof=1) / SD, 1, atol=4 / np.sqrt(2 * (n - 1)))


def test_zero_sd_gives_exactly_zero_paths():
    model = VARModel.ar1(["a", "b", "c"], [0.5, 0.5, 0.5], [0.0, 0.02, 0.0], corr=CORR)
    x = model.simulate(np.random.default_rng(1), 100, 10)
    assert np.all(x[:, :, [0, 2]] == 0.0)
    assert np.all(x[:, :, 1] != 0.0)
    quiet = VARModel(("r", "w", "p"), PHI, np.zeros(3), CORR)
    assert not np.any(quiet.simulate(np.random.default_rng(1), 10, 10))


def test_start_value_decays_geometrically():
    model = VARModel.ar1(["a", "b"], [0.5, -0.8], [0.0, 0.0])
    x = model.simulate(np.random.default_rng(0), 2, 4, x0=[1.0, 2.0])
    np.testing.assert_allclose(x[0, :, 0], 0.5 ** np.arange(1, 5), rtol=1e-15)
    np.testing.assert_allclose(x[1, :, 1], 2 * (-0.8) ** np.arange(1, 5), rtol=1e-15)


def test_draw_order_and_reproducibility():
    model = VARModel(("r", "w", "p"), PHI, SD, CORR)
    a = model.simulate(np.random.default_rng(42), 4, 6)
    np.testing.assert_array_equal(a, model.simulate(np.random.default_rng(42), 4, 6))
    # documented draw order: one standard_normal((n_paths, n_years, n)) call
    z = np.random.default_rng(42).standard_normal((4, 6, 3))
    x, expected = np.zeros((4, 3)), np.empty((4, 6, 3))
    for t in range(6):
        x = x @ PHI.T + z[:, t, :] @ model.cholesky.T
        expected[:, t, :] = x
    np.testing.assert_allclose(a, expected, rtol=1e-12, atol=1e-15)
    # per-path generators: path i alone equals path i of the batch
    batch = np.concatenate([model.simulate(per_path_rng(2024, i), 1, 6) for i in range(8)])
    for i in (0, 5):
        np.testing.assert_array_equal(model.simulate(per_path_rng(2024, i), 1, 6)[0], batch[i])
    assert not np.array_equal(batch[0], batch[1])


def test_from_mapping_builds_the_model():
    m = VARModel.from_mapping(ECONOMY)
    assert m.names == ("investment_return", "wage_growth", "price_inflation")
    np.testing.assert_array_equal(m.phi, np.diag([0.5, 0.6, 0.7]))
    np.testing.assert_array_equal(m.sd, [0.02, 0.015, 0.02])
    np.testing.assert_array_equal(m.corr, [[1, 0, 0.5], [0, 1, 0.6], [0.5, 0.6, 1]])
    full = {
        "variables": {name: {"sd": spec["sd"]} for name, spec in ECONOMY["variables"].items()},
        "phi": PHI.tolist(),
        "correlation": CORR.tolist(),
    }
    m = VARModel.from_mapping(full)
    np.testing.assert_array_equal(m.phi, PHI)
    np.testing.assert_array_equal(m.corr, CORR)


def test_constructor_reports_all_problems_at_once():
    with pytest.raises(ValueError) as err:
        VARModel(("a", "b"), [[1.2, 0.0], [0.0, 0.5]], [0.01, 0.02], [[1.0, 1.5], [1.5, 1.0]])
    msg = str(err.value)
    assert "phi: is not stationary: spectral radius 1.2" in msg
    assert "corr: has entries outside [-1, 1]" in msg
    with pytest.raises(ValueError) as err:
        VARModel(("a", "b", "c"), np.eye(3) * 0.5, [0.01, -0.02, 0.0],
                 [[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    msg = str(err.value)
    assert "2 problem(s)" in msg
    assert "sd: [0.01, -0.02, 0.0] has negative values" in msg
    assert "corr: is not positive definite (smallest eigenvalue" in msg
    with pytest.raises(ValueError) as err:
        VARModel(("a", "b", "c"), np.eye(2), [0.1, 0.1], [[1.0, 0.2, 0.0], [0.3, 2.0, 0.0], [0.0, 0.0, 1.0]])
    msg = str(err.value)
    assert "phi: has shape (2, 2); expected (3, 3)" in msg
    assert "sd: has shape (2,); expected (3,)" in msg
    assert "corr: is not symmetric" in msg
    assert "corr: has diagonal [1.0, 2.0, 1.0]; expected all 1" in msg
    with pytest.raises(ValueError, match="names: \\['a', 'a'\\] are not unique"):
        VARModel(("a", "a"), np.zeros((2, 2)), [0.1, 0.1], np.eye(2))
    model = VARModel.ar1(["a"], [0.5], [0.1])
    with pytest.raises(ValueError, match="n_years = 0; expected an integer >= 1"):
        model.simulate(np.random.default_rng(0), 1, 0)
    with pytest.raises(ValueError, match=r"x0 has shape \(2,\); expected finite values of shape \(1,\)"):
        model.simulate(np.random.default_rng(0), 1, 3, x0=[0.0, 0.0])


def test_from_mapping_reports_all_problems_with_key_paths():
    bad = {
        "variables": {
            "investment_return": {"phi": 0.5, "sd": 0.02, "mean": 0.04},
            "wage_growth": {"phi": 1.3, "sd": -0.1},
            "price_inflation": {"sd": "high"},
        },
        "correlation": {"investment_return,gdp": 0.2, "wage_growth,investment_return": 1.5},
        "horizon": 50,
    }
    with pytest.raises(ValueError) as err:
        VARModel.from_mapping(bad)
    lines = str(err.value).splitlines()
    expected = [
        "stochastic.economy.horizon: unknown key",
        "stochastic.economy.variables.investment_return.mean: unknown key",
        "stochastic.economy.variables.wage_growth.sd: -0.1 is negative; expected a standard deviation >= 0",
        "stochastic.economy.variables.price_inflation.sd: 'high' is not a finite number",
        "stochastic.economy.variables.price_inflation.phi: is missing",
        "stochastic.economy.correlation.investment_return,gdp: unknown variable(s) gdp",
        "stochastic.economy.correlation.wage_growth,investment_return: 1.5 is not a correlation",
    ]
    for text in expected:
        assert any(line.strip().startswith(text) for line in lines), (text, lines)
    assert f"({len(expected)} problem(s))" in lines[0]

    # phi matrix: non-stationary and a non-PD correlation, reported together; per-variable phi clashes
    bad = {
        "variables": {"a": {"sd": 0.01, "phi": 0.2}, "b": {"sd": 0.01}, "c": {"sd": 0.01}},
        "phi": [[0.9, 0.5, 0.0], [0.5, 0.9, 0.0], [0.0, 0.0, 0.1]],
        "correlation": {"a,b": 0.9, "b,c": 0.9, "a,c": -0.9},
    }
    with pytest.raises(ValueError) as err:
        VARModel.from_mapping(bad, where="economy")
    msg = str(err.value)
    assert "economy.variables.a.phi: given together with the matrix economy.phi" in msg
    assert "economy.phi: is not stationary: spectral radius 1.4" in msg
    assert "economy.correlation: is not positive definite" in msg

    with pytest.raises(ValueError) as err:
        VARModel.from_mapping({"variables": {"a": {"sd": 0.01, "phi": 0.1}, "b": {"sd": 0.01, "phi": 0.1}},
                               "correlation": {"a,b": 0.1, "b, a": 0.2, "a,a": 0.5},
                               "phi_matrix": None})
    msg = str(err.value)
    assert "stochastic.economy.correlation.b, a: the pair is also given as" in msg
    assert "stochastic.economy.correlation.a,a: a variable's correlation with itself is 1" in msg
    assert "stochastic.economy.phi_matrix: unknown key; expected one of variables, correlation, phi" in msg

    with pytest.raises(ValueError, match=r"stochastic.economy.phi: expected a list of 2 rows of 2 numbers"):
        VARModel.from_mapping({"variables": {"a": {"sd": 0.01}, "b": {"sd": 0.01}}, "phi": [[0.1, 0.0]]})
    with pytest.raises(ValueError, match=r"stochastic.economy.variables: is missing"):
        VARModel.from_mapping({})
