"""Insured earnings under a floor and a ceiling (lognormal earnings)."""
import numpy as np
import pytest

from ssproj.scheme.earnings import expected_clipped, share_above


@pytest.mark.parametrize("floor, ceiling", [(0.0, 4.5e6), (1.6e6, 4.5e6), (2.5e6, 4.5e6), (0.0, 1e30), (5e6, 5e6)])
def test_closed_form_matches_simulation(floor, ceiling):
    rng = np.random.default_rng(1)
    sigma, mean = 0.6, 3.0e6
    x = mean * np.exp(rng.normal(-0.5 * sigma**2, sigma, 4_000_000))
    sim = np.clip(x, floor, ceiling)
    se = sim.std() / np.sqrt(sim.size)
    assert abs(expected_clipped(mean, sigma, floor, ceiling) - sim.mean()) < 5 * se + 1e-9 * mean


def test_limits():
    assert expected_clipped(3e6, 0.6, 0.0, 1e30) == pytest.approx(3e6, rel=1e-12)  # no floor, no ceiling
    assert expected_clipped(3e6, 0.0, 0.0, 2e6) == pytest.approx(2e6)             # no spread: min(mean, C)
    assert expected_clipped(3e6, 0.0, 4e6, 5e6) == pytest.approx(4e6)             # no spread: floor binds
    assert expected_clipped(0.0, 0.6, 1e6, 2e6) == 0.0                             # nobody earns


def test_frozen_ceiling_share_above_grows_with_wages():
    wages = 3e6 * 1.2 ** np.arange(5)   # wages inflate 20% a year, ceiling frozen at 4.5M
    shares = share_above(wages, 0.6, 4.5e6)
    assert np.all(np.diff(shares) > 0)
    rng = np.random.default_rng(2)
    x = wages[-1] * np.exp(rng.normal(-0.18, 0.6, 2_000_000))
    assert shares[-1] == pytest.approx(1 - np.minimum(x, 4.5e6).sum() / x.sum(), abs=2e-3)
