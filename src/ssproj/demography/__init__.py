"""Demography: graduation of UN data, life tables, the cohort-component projection, Lee-Carter mortality."""
