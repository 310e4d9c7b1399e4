"""Labour force and employment by sector (DESIGN §5).

    labour force(t, s, x)   = population(t, s, x) x participation(s, x) x multiplier(t)
    employed(t, s, x)       = labour force x (1 - unemployment(t))
    employed(k, t, s, x)    = employed x share(k, s, x)   k = public, private, informal

The private (formal wage) share can be scaled over time by a multiplier;
the informal share absorbs the difference (it cannot fall below zero: the
private share is capped at 1 - public). Domestic workers are a share of
informal employment.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ssproj.demography.cohort import SEXES
from ssproj.kernels.lifetable import N_AGES
from ssproj.memo import cached_on

__all__ = ["SECTORS", "age_table", "labour_force", "employment_by_sector"]

SECTORS = ("public", "private", "informal")


def age_table(table: pd.DataFrame, columns, *, by_sex=True, key=None, fill=0.0, extend=False) -> np.ndarray:
    """Spread an age-group table to single ages 0..100 (see :func:`_age_table`; kept per table and arguments).

    Returns a new array each call (the kept one is not exposed to changes).
    """
    memo_key = ("age_table", repr(columns), by_sex, repr(key), float(fill), bool(extend))
    return cached_on(table, memo_key,
                     lambda: _age_table(table, columns, by_sex=by_sex, key=key, fill=fill, extend=extend)).copy()


def _age_table(table: pd.DataFrame, columns, *, by_sex=True, key=None, fill=0.0, extend=False) -> np.ndarray:
    """Spread an age-group table to single ages 0..100 (constant within groups).

    Parameters
    ----------
    table : DataFrame
        Normalised table with ``age_start``, ``age_end`` (NaN = open group),
        optionally ``sex`` and the value ``columns``.
    columns : str or sequence of str
        Value column(s).
    by_sex : bool
        Return a (2, ...) array by sex (male, female).
    key : tuple (column, value), optional
        Select rows first (e.g. ``("group", "private")``).
    fill : float
        Value at ages not covered by any group.
    extend : bool
        Extend the table flat instead: ages below its first age take the
        values of the first age, ages above its last age those of the last
        age (``fill`` then applies only where no row is selected). For the
        salary scale: members at ages the table does not cover still earn.

    Returns
    -------
    ndarray
        Shape ([2,] 101[, len(columns)]).
    """
    single = isinstance(columns, str)
    cols = [columns] if single else list(columns)
    rows = table if key is None else table[table[key[0]] == key[1]]
    sexes = SEXES if by_sex else (None,)
    out = np.full((len(sexes), N_AGES, len(cols)), fill, dtype=float)
    starts = rows["age_start"].to_numpy(dtype=int)
    ends = rows["age_end"].to_numpy(dtype=float)
    ends = np.where(np.isnan(ends), N_AGES - 1, ends).astype(int)
    values = rows[cols].to_numpy(dtype=float)
    sex_of_row = rows["sex"].to_numpy() if by_sex else None
    widths = ends - starts + 1
    ages = (np.concatenate([np.arange(a, b + 1) for a, b in zip(starts, ends, strict=True)]) if len(rows)
            else np.zeros(0, int))
    row_index = np.repeat(np.arange(len(rows)), widths)
    for i, sex in enumerate(sexes):
        sel = np.ones(len(row_index), bool) if sex_of_row is None else (sex_of_row[row_index] == sex)
        out[i, ages[sel], :] = values[row_index[sel]]
        if extend and sel.any():
            first, last = ages[sel].min(), ages[sel].max()
            out[i, :first, :] = out[i, first, :]
            out[i, last + 1 :, :] = out[i, last, :]
    if single:
        out = out[..., 0]
    return out if by_sex else out[0]


def labour_force(population, participation, multiplier=None):
    """Labour force by year, sex and age.

    Parameters
    ----------
    population : ndarray, shape (T, 2, 101)
        Persons at 1 July. [persons]
    participation : ndarray, shape (2, 101)
        Labour force participation rate. [1]
    multiplier : ndarray, shape (T,), optional
        Factor on participation in each year (result capped at 1). [1]
    """
    rate = np.broadcast_to(participation, population.shape)
    if multiplier is not None:
        rate = np.minimum(rate * np.asarray(multiplier)[:, None, None], 1.0)
    return population * rate


def employment_by_sector(labour, unemployment, structure, *, private_multiplier=None):
    """Employed persons by sector.

    Parameters
    ----------
    labour : ndarray, shape (T, 2, 101)
        Labour force. [persons]
    unemployment : ndarray, shape (T,)
        Unemployment rate. [1]
    structure : ndarray, shape (2, 101, 3)
        Shares of the employed in the public, private and informal sectors
        by sex and age (summing to 1 where anyone is employed). [1]
    private_multiplier : ndarray, shape (T,), optional
        Factor on the private share; the informal share absorbs the change.

    Returns
    -------
    ndarray, shape (3, T, 2, 101)
        Employed persons by sector. [persons]
    """
    employed = labour * (1.0 - np.asarray(unemployment))[:, None, None]
    T = labour.shape[0]
    public = np.broadcast_to(structure[..., 0], (T, 2, N_AGES))
    private = np.broadcast_to(structure[..., 1], (T, 2, N_AGES))
    if private_multiplier is not None:
        private = np.minimum(private * np.asarray(private_multiplier)[:, None, None], 1.0 - public)
    informal = np.maximum(1.0 - public - private, 0.0)
    covered = (structure.sum(axis=-1) > 0)[None]
    informal = np.where(covered, informal, 0.0)
    return np.stack([employed * public, employed * private, employed * informal])
