"""Uncertainty: shocks, stochastic paths, sweeps, and running them on Dask."""
