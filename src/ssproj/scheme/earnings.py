"""Insured earnings: floors, ceilings and the spread of earnings.

Average earnings of a group at an age are the mean of a lognormal
distribution of individual earnings with a given standard deviation of log
earnings. Contributions are levied on earnings clipped to [floor, ceiling],
whose expectation has a closed form, so a ceiling frozen in nominal terms
while wages rise shows up as a growing share of earnings above it.
"""
from __future__ import annotations

import numpy as np

from ssproj.kernels.earnings import expected_clipped_many, share_above_many

__all__ = ["expected_clipped", "share_above"]


def _map(kernel, *arrays):
    """Broadcast `arrays`, run a 1-D kernel over them and reshape the result."""
    b = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in arrays))
    flat = [np.ascontiguousarray(a).ravel() for a in b]
    out = np.empty(flat[0].shape[0])
    kernel(*flat, out)
    return out.reshape(b[0].shape)


def expected_clipped(mean, sigma, floor, ceiling):
    """Mean of lognormal earnings clipped to ``[floor, ceiling]``.

    Parameters
    ----------
    mean : array_like
        Mean earnings, E[X]. [currency/month]
    sigma : array_like
        Standard deviation of log earnings (0 = everyone earns the mean). [1]
    floor, ceiling : array_like
        Contribution floor and ceiling, ``floor <= ceiling``. [currency/month]

    Returns
    -------
    ndarray
        ``E[min(max(X, floor), ceiling)]`` (0 where ``mean <= 0``). [currency/month]

    Notes
    -----
    With ``X ~ LN(mu, sigma)``, ``mu = ln E[X] - sigma^2/2``,
    ``E[X; X <= b] = E[X] Phi((ln b - mu - sigma^2)/sigma)``, so

    .. math::

        E[\\mathrm{clip}(X, F, C)] = F\\,P(X<F) + E[X; F \\le X \\le C] + C\\,P(X>C).

    The formula is written once, in :func:`ssproj.kernels.earnings.clipped_with_logs`,
    which the engine uses; this function maps it over arrays.
    """
    return _map(expected_clipped_many, mean, sigma, floor, ceiling)


def share_above(mean, sigma, ceiling):
    """Share of total earnings above the ceiling, ``1 - E[min(X, C)] / E[X]`` (0 where E[X] <= 0). [1]"""
    return _map(share_above_many, mean, sigma, ceiling)
