"""Demographic inputs and the cohort-component population projection.

Functions here turn the (validated, normalised) demographic tables of a
scenario into annual arrays on single ages 0..100+, and run the Numba
kernel :func:`ssproj.kernels.population.project_population_kernel`.

Time conventions (DESIGN §3): stocks at 1 July; calendar-year rates and
flows belong to calendar year ``y`` (decimal centre ``y + 0.5``); the
projection interval from 1 July ``t`` to 1 July ``t+1`` uses the average of
the calendar-year inputs of ``t`` and ``t+1`` (geometric mean for death
rates, arithmetic mean otherwise), which is the value at the interval's
centre (1 January ``t+1``) under linear interpolation.
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ssproj.demography.graduation import graduate_counts, graduate_mx, graduate_rates_cumulative, interpolate_in_time
from ssproj.kernels.engine import DemographyInputs, no_shocks, run_population
from ssproj.kernels.lifetable import N_AGES
from ssproj.kernels.population import interval_rates
from ssproj.memo import array_key, cached_on

__all__ = [
    "SEXES",
    "AGES",
    "DemographicInputs",
    "base_population",
    "mortality_rates",
    "fertility_rates",
    "sex_ratio_at_birth",
    "net_migrants",
    "build_demographic_inputs",
    "scenario_demographic_inputs",
    "project_population",
    "vital_events",
]

SEXES = ("male", "female")
AGES = np.arange(N_AGES)
FERTILE_MIN, FERTILE_MAX = 10, 54


def period_centres(table: pd.DataFrame) -> pd.Series:
    """Centre of each row's period, ``(period_start + period_end) / 2``. [calendar year]"""
    return 0.5 * (table["period_start"] + table["period_end"])


def base_population(table: pd.DataFrame, year: int) -> np.ndarray:
    """Population at 1 July of ``year`` on single ages, graduated if abridged.

    Parameters
    ----------
    table : DataFrame
        Normalised population table (``year, sex, age_start, age_end,
        persons``).
    year : int
        Base year; must be in the table.

    Returns
    -------
    ndarray, shape (2, 101)
        Persons at 1 July by sex (male, female) and single age 0..100+.
        Group totals of the table are preserved exactly.
    """
    def build():
        rows = table[table["year"] == year]
        if rows.empty:
            raise ValueError(f"no population for 1 July {year}")
        out = np.empty((2, N_AGES))
        for s, sex in enumerate(SEXES):
            g = rows[rows["sex"] == sex]
            out[s] = graduate_counts(g["age_start"].to_numpy(), g["age_end"].to_numpy(), g["persons"].to_numpy())
        return out

    # graduated once per table and year (scenarios of one assumption set share it)
    return cached_on(table, ("base_population", int(year)), build).copy()


def _needed_periods(centres: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Mask of the periods whose centres bracket ``times`` (for interpolation)."""
    lo = centres[centres <= times.min()]
    hi = centres[centres >= times.max()]
    first = lo.max() if lo.size else centres.min()
    last = hi.min() if hi.size else centres.max()
    return (centres >= first) & (centres <= last)


_GRADUATED_CACHE: OrderedDict[bytes, tuple] = OrderedDict()
_CACHE_SIZE = 16


def graduated_mortality(table: pd.DataFrame, times: np.ndarray):
    """Graduated schedules of the periods needed for ``times`` (cached by content).

    Graduation is deterministic, so results are kept for the last few
    distinct tables (keyed by a hash of the table's contents and the periods
    needed): repeated projections of one assumption set (sensitivity runs,
    the solver, sweeps) graduate once.

    Returns
    -------
    centres : numpy.ndarray
        Period centres graduated. [calendar year]
    schedules : numpy.ndarray
        Graduated death rates, one schedule (by sex and single age) per centre.
    """
    table = table.assign(_c=period_centres(table))
    all_centres = np.unique(table["_c"].to_numpy())
    keep = all_centres[_needed_periods(all_centres, times)]
    key = hashlib.sha256(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes()
                         + keep.tobytes()).digest()
    if key in _GRADUATED_CACHE:
        _GRADUATED_CACHE.move_to_end(key)
        centres, schedules = _GRADUATED_CACHE[key]
        return centres, schedules.copy()
    centres, schedules = _graduate_periods(table, keep)
    _GRADUATED_CACHE[key] = (centres, schedules.copy())
    while len(_GRADUATED_CACHE) > _CACHE_SIZE:
        _GRADUATED_CACHE.popitem(last=False)
    return centres, schedules


def _graduate_periods(table: pd.DataFrame, keep: np.ndarray):
    centres = []
    schedules = []
    for c, g in table[table["_c"].isin(keep)].groupby("_c", sort=True):
        sched = np.empty((2, N_AGES))
        for s, sex in enumerate(SEXES):
            gs = g[g["sex"] == sex]
            sched[s] = graduate_mx(gs["age_start"].to_numpy(), gs["age_end"].to_numpy(), gs["mx"].to_numpy())
        centres.append(c)
        schedules.append(sched)
    return np.asarray(centres), np.asarray(schedules)


def mortality_rates(table, years, *, multiplier=None, improvement=None) -> np.ndarray:
    """Central death rates for calendar years on single ages.

    Parameters
    ----------
    table : DataFrame
        Normalised mortality table (``period_start, period_end, sex,
        age_start, age_end, mx``).
    years : array_like of int
        Calendar years wanted.
    multiplier : array_like, optional
        Factor on all rates for each year. [1]
    improvement : array_like, optional
        Annual rate of decline of the rates for each year, applied
        cumulatively to years whose centre lies after the centre of the
        table's last period (the table's own trend is used before). [1/year]

    Returns
    -------
    ndarray, shape (len(years), 2, 101)
        m(x) by year, sex and age. [deaths per person-year]

    Notes
    -----
    Each period's schedule is graduated to single ages
    (:func:`ssproj.demography.graduation.graduate_mx`), then ``log m`` is interpolated
    linearly in time between period centres and held after the last.
    """
    years = np.asarray(years)
    centres, schedules = graduated_mortality(table, years + 0.5)
    m = interpolate_in_time(centres, schedules, years + 0.5, log=True)
    if improvement is not None:
        improvement = np.asarray(improvement, dtype=float)
        after = (years + 0.5) > centres.max()
        factor = np.cumprod(np.where(after, 1.0 - improvement, 1.0))
        m = m * factor[:, None, None]
    if multiplier is not None:
        m = m * np.asarray(multiplier, dtype=float)[:, None, None]
    return m


def fertility_rates(table, years, *, tfr_table=None, multiplier=None) -> np.ndarray:
    """Age-specific fertility rates of women for calendar years.

    Parameters
    ----------
    table : DataFrame
        Normalised fertility table (``period_start, period_end, age_start,
        age_end, asfr``).
    years : array_like of int
        Calendar years wanted.
    tfr_table : DataFrame, optional
        Annual total fertility (``year, tfr``). When given, the age pattern
        interpolated from ``table`` is rescaled in each year to this TFR
        (interpolated linearly between given years, held outside).
    multiplier : array_like, optional
        Factor on the TFR of each year. [1]

    Returns
    -------
    ndarray, shape (len(years), 101)
        f(x) by year and single age, zero outside 10-54.
        [births per woman per year]
    """
    years = np.asarray(years)

    def graduate():
        centres, schedules = [], []
        for c, g in table.assign(_c=period_centres(table)).groupby("_c", sort=True):
            single = graduate_rates_cumulative(
                g["age_start"].to_numpy(), g["age_end"].to_numpy(), g["asfr"].to_numpy(),
                min_age=FERTILE_MIN, max_age=FERTILE_MAX,
            )
            sched = np.zeros(N_AGES)
            sched[FERTILE_MIN : FERTILE_MAX + 1] = single
            centres.append(c)
            schedules.append(sched)
        return np.asarray(centres), np.asarray(schedules)

    # the periods' single-age schedules, graduated once per table
    centres, schedules = cached_on(table, "fertility_schedules", graduate)
    f = interpolate_in_time(centres, schedules, years + 0.5)
    if tfr_table is not None:
        tfr = interpolate_in_time(period_centres(tfr_table).to_numpy(), tfr_table["tfr"].to_numpy(), years + 0.5)
        total = f.sum(axis=1)
        scale = np.divide(tfr, total, out=np.zeros_like(total), where=total > 0)
        f = f * scale[:, None]
    if multiplier is not None:
        f = f * np.asarray(multiplier, dtype=float)[:, None]
    return f


def sex_ratio_at_birth(table, years) -> np.ndarray:
    """Sex ratio at birth for calendar years [males per female]."""
    years = np.asarray(years)
    return interpolate_in_time(period_centres(table).to_numpy(), table["srb"].to_numpy(), years + 0.5)


def net_migrants(table, years, *, total_table=None, multiplier=None) -> np.ndarray:
    """Net migrants by calendar year, sex and single age.

    Parameters
    ----------
    table : DataFrame
        Normalised net migration by single age (``year, sex, age_start,
        persons``; age 100 = 100+).
    years : array_like of int
        Calendar years wanted.
    total_table : DataFrame, optional
        Net migrants, all ages (``year, persons``). For a year with a total
        but no age detail, the age-sex pattern of the nearest year with
        detail is scaled to the total.
    multiplier : array_like, optional
        Factor on all net migrants of each year. [1]

    Returns
    -------
    ndarray, shape (len(years), 2, 101)
        Net migrants (immigrants minus emigrants). [persons per year]
        Years after the last year with data repeat the last year; years
        before the first repeat the first.
    """
    years = np.asarray(years)
    detail_years = np.unique(table["year"].to_numpy().astype(int))
    dense = np.zeros((len(detail_years), 2, N_AGES))
    yi = np.searchsorted(detail_years, table["year"].to_numpy().astype(int))
    si = np.where(table["sex"].to_numpy() == SEXES[0], 0, 1)
    dense[yi, si, table["age_start"].to_numpy().astype(int)] = table["persons"].to_numpy(dtype=float)
    detail = {int(y): dense[i] for i, y in enumerate(detail_years)}
    totals = {}
    if total_table is not None:
        totals = dict(zip(total_table["year"].astype(int), total_table["persons"].astype(float), strict=True))
    out = np.empty((len(years), 2, N_AGES))
    for i, y in enumerate(years):
        y = int(y)
        if y in detail:
            out[i] = detail[y]
            continue
        nearest = detail_years[np.argmin(np.abs(detail_years - y))]
        pattern = detail[int(nearest)]
        if y in totals:
            s = pattern.sum()
            if s != 0:
                out[i] = pattern * (totals[y] / s)
            else:
                out[i] = totals[y] / pattern.size
        else:
            out[i] = pattern
    if multiplier is not None:
        out = out * np.asarray(multiplier, dtype=float)[:, None, None]
    return out


@dataclass(frozen=True)
class DemographicInputs:
    """Annual demographic inputs of a projection, on single ages.

    Attributes
    ----------
    years : ndarray of int, shape (n,)
        Calendar years ``start .. end``; stocks at 1 July of each.
    population0 : ndarray, shape (2, 101)
        Population at 1 July of ``years[0]``. [persons]
    mx : ndarray, shape (n, 2, 101)
        Calendar-year central death rates. [1/year]
    asfr : ndarray, shape (n, 101)
        Calendar-year fertility rates. [births per woman per year]
    srb : ndarray, shape (n,)
        Sex ratio at birth. [males per female]
    migration : ndarray, shape (n, 2, 101)
        Calendar-year net migrants. [persons]
    """

    years: np.ndarray
    population0: np.ndarray
    mx: np.ndarray
    asfr: np.ndarray
    srb: np.ndarray
    migration: np.ndarray

    def interval_inputs(self):
        """Inputs of the ``n - 1`` projection intervals 1 July t -> 1 July t+1.

        Returns ``(mx, asfr, srb, migration)`` with a leading dimension of
        ``n - 1``: geometric mean of adjacent years for death rates,
        arithmetic mean for the others.
        """
        n = self.mx.shape[0]
        mx = np.empty((n - 1,) + self.mx.shape[1:])
        asfr = np.empty((n - 1,) + self.asfr.shape[1:])
        interval_rates(np.ascontiguousarray(self.mx, dtype=np.float64),
                       np.ascontiguousarray(self.asfr, dtype=np.float64), mx, asfr)
        srb = 0.5 * (self.srb[:-1] + self.srb[1:])
        mig = 0.5 * (self.migration[:-1] + self.migration[1:])
        return mx, asfr, srb, mig

    def kernel_inputs(self, lc_b=None) -> DemographyInputs:
        """The engine's :class:`~ssproj.kernels.engine.DemographyInputs` (C-contiguous float64).

        Death and fertility rates are by calendar year (the engine forms
        the interval rates, after any shocks); the sex ratio at birth and
        net migrants by interval. `lc_b` (2, 101): Lee-Carter age response
        of mortality shocks [1] (zeros: no mortality shocks).
        """
        srb = 0.5 * (self.srb[:-1] + self.srb[1:])
        mig = 0.5 * (self.migration[:-1] + self.migration[1:])
        c = np.ascontiguousarray
        b = np.zeros_like(self.population0) if lc_b is None else np.asarray(lc_b, dtype=np.float64)
        return DemographyInputs(c(self.population0, dtype=np.float64), c(self.mx, dtype=np.float64),
                                c(self.asfr, dtype=np.float64), c(srb, dtype=np.float64), c(mig, dtype=np.float64),
                                c(b))


def build_demographic_inputs(tables, years, *, fertility_multiplier=None, mortality_multiplier=None,
                             mortality_improvement=None, migration_multiplier=None) -> DemographicInputs:
    """Assemble :class:`DemographicInputs` from a scenario's tables.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Normalised tables ``population``, ``mortality``, ``fertility``,
        ``sex_ratio_at_birth``, ``net_migration`` and optionally ``tfr``
        and ``net_migration_total``.
    years : array_like of int
        Projection years (first = base year of the population).
    fertility_multiplier, mortality_multiplier, mortality_improvement, migration_multiplier : array_like, optional
        Scenario levers, one value per year (see the parameter reference).
    """
    years = np.asarray(years, dtype=np.int64)
    return DemographicInputs(
        years=years,
        population0=base_population(tables["population"], int(years[0])),
        mx=mortality_rates(tables["mortality"], years, multiplier=mortality_multiplier,
                           improvement=mortality_improvement),
        asfr=fertility_rates(tables["fertility"], years, tfr_table=tables.get("tfr"),
                             multiplier=fertility_multiplier),
        srb=sex_ratio_at_birth(tables["sex_ratio_at_birth"], years),
        migration=net_migrants(tables["net_migration"], years, total_table=tables.get("net_migration_total"),
                               multiplier=migration_multiplier),
    )


def scenario_demographic_inputs(scenario) -> DemographicInputs:
    """:func:`build_demographic_inputs` for a validated scenario: its tables,
    projection years and fertility, mortality and migration levers.

    Kept for the scenario's population table and these values
    (:func:`ssproj.memo.cached_on`): scenarios derived from one assumption
    set with the same demographic levers share the result, graduated once.
    """
    tables = scenario.tables
    years = np.asarray(scenario.years, dtype=np.int64)
    levers = {name: scenario.path_values(name) for name in
              ("fertility_multiplier", "mortality_multiplier", "mortality_improvement", "migration_multiplier")}
    names = ("mortality", "fertility", "tfr", "sex_ratio_at_birth", "net_migration", "net_migration_total")
    key = ("demographic_inputs", tuple(id(tables.get(n)) for n in names),
           array_key(years, *(levers[n] for n in sorted(levers))))

    def build():
        # the entry holds the other tables, so their ids in the key cannot be reused while it is kept
        return tuple(tables.get(n) for n in names), build_demographic_inputs(tables, years, **levers)

    return cached_on(tables["population"], key, build)[1]


def vital_events(inputs: DemographicInputs, population: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Calendar-year births and deaths consistent with the mid-year stocks.

    Parameters
    ----------
    inputs : DemographicInputs
    population : ndarray, shape (n, 2, 101)
        Persons at 1 July of each year. [persons]

    Returns
    -------
    births : ndarray, shape (n, 2)
        ``sum_x f(x) F(x)`` split by the sex ratio at birth (male, female). [persons/year]
    deaths : ndarray, shape (n, 2, 101)
        ``m(x) P(x)``. [persons/year]
    """
    b = (inputs.asfr * population[:, 1, :]).sum(axis=1)
    share_male = inputs.srb / (1.0 + inputs.srb)
    births = np.stack([b * share_male, b * (1.0 - share_male)], axis=1)
    return births, inputs.mx * population


def project_population(inputs: DemographicInputs) -> dict:
    """Run the cohort-component projection.

    Parameters
    ----------
    inputs : DemographicInputs

    Returns
    -------
    dict of ndarray
        ``population`` (n, 2, 101) persons at 1 July; calendar-year flows
        consistent with the mid-year stocks: ``births`` (n, 2) = sum_x f(x)
        F(x) split by the sex ratio, ``deaths`` (n, 2, 101) = m(x) P(x),
        ``net_migration`` (n, 2, 101); interval flows (n-1, ...) that close
        the balancing equation exactly: ``interval_births``,
        ``interval_deaths``, ``interval_migration``, ``interval_floored``;
        ``e0`` (n, 2) period life expectancy at birth [years].
    """
    n = len(inputs.years)
    pop = np.empty((n, 2, N_AGES))
    ib = np.empty((n - 1, 2))
    idth = np.empty((n - 1, 2, N_AGES))
    fl = np.empty(n - 1)
    e0 = np.empty((n, 2))
    demo = inputs.kernel_inputs()
    run_population(demo, no_shocks(1, n), 0, pop, ib, idth, fl, e0)
    births, deaths = vital_events(inputs, pop)
    return {
        "population": pop,
        "births": births,
        "deaths": deaths,
        "net_migration": inputs.migration.copy(),
        "interval_births": ib,
        "interval_deaths": idth,
        "interval_migration": demo.mig_i,
        "interval_floored": fl,
        "e0": e0,
    }
