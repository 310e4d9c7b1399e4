"""Lee-Carter mortality model and simulated deviations of its time index.

The model (Lee & Carter, 1992) for central death rates ``m(x, t)``::

    log m(x, t) = a_x + b_x k_t + e(x, t),    sum_x b_x = 1,  sum_t k_t = 0

is fitted by singular value decomposition, and the time index ``k_t`` is
modelled as a random walk with drift. :class:`LeeCarter` is one population;
:class:`LeeCarterSet` fits one model per population (e.g. the two sexes)
and estimates the correlation of their random-walk innovations.

For stochastic projections only the *deviation* of ``k`` from its central
trend is simulated (:meth:`LeeCarterSet.simulate_deviations`); it is turned
into a factor on a central mortality schedule (for instance the UN
projection used by the deterministic projection) by
:func:`deviation_multiplier`: ``m_sim(x, t) = m_central(x, t) exp(b_x D(t))``.

Conventions: times are calendar years (decimal, e.g. period centres 1953,
1958, ...), equally spaced ``h`` years apart; rates of change of ``k`` are
per year, whatever ``h`` is.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["LeeCarter", "LeeCarterSet", "deviation_multiplier"]

#: Relative tolerance for "equally spaced" times. [1]
_SPACING_RTOL = 1e-6
#: Tolerance for the normalisations sum(b) = 1 and sum(k) = 0. [1]
_NORM_TOL = 1e-8
#: Fewest h-year steps of k for which a correlation of innovations is estimated.
_MIN_STEPS_FOR_CORR = 3
#: Most offending cells listed in an error message.
_MAX_LISTED = 10


# --------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------

def _readonly(a) -> np.ndarray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


def _check_times(times, n: int, caller: str) -> tuple[np.ndarray, float]:
    """Check that ``times`` has ``n`` finite, strictly increasing, equally spaced values; return (times, h)."""
    times = np.asarray(times, dtype=np.float64)
    if times.shape != (n,):
        raise ValueError(f"{caller}: times has shape {times.shape}; expected ({n},), one calendar year per "
                         "row of mx")
    if not np.all(np.isfinite(times)):
        raise ValueError(f"{caller}: times must be finite; got {times.tolist()}")
    steps = np.diff(times)
    if np.any(steps <= 0):
        raise ValueError(f"{caller}: times must be strictly increasing; got {times.tolist()}")
    h = float((times[-1] - times[0]) / (n - 1))
    if np.any(np.abs(steps - h) > _SPACING_RTOL * h):
        raise ValueError(f"{caller}: times must be equally spaced; got steps {steps.tolist()} "
                         f"(expected every step equal, e.g. {h:g} years)")
    return times, h


def _bad_cells(mx: np.ndarray, index_names: tuple[str, ...]) -> str:
    bad = np.argwhere(~np.isfinite(mx) | ~(mx > 0))
    listed = [f"mx[{', '.join(str(i) for i in cell)}] = {float(mx[tuple(cell)])!r}" for cell in bad[:_MAX_LISTED]]
    more = f" and {len(bad) - _MAX_LISTED} more" if len(bad) > _MAX_LISTED else ""
    return (f"mx must be finite and > 0 (central death rates, indexed [{', '.join(index_names)}]); "
            f"{len(bad)} bad cell(s): {', '.join(listed)}{more}")


def _psd_cholesky(c: np.ndarray) -> np.ndarray:
    """Lower-triangular L with L L' = c for a positive semi-definite c.

    The ordinary Cholesky factor when c is positive definite; otherwise (a
    singular correlation matrix, e.g. perfectly correlated innovations) the
    triangular factor of the QR decomposition of the symmetric square root.
    """
    try:
        return np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        w, v = np.linalg.eigh(c)
        root = v * np.sqrt(np.clip(w, 0.0, None))          # root root' = c
        r = np.asarray(np.linalg.qr(root.T, mode="r"))      # root' = Q r  =>  c = r' r (mode "r": r alone)
        r = r * np.where(np.diag(r) < 0, -1.0, 1.0)[:, None]
        return np.ascontiguousarray(r.T)


def _correlation_problems(corr: np.ndarray, s: int) -> list[str]:
    if corr.shape != (s, s):
        return [f"corr has shape {corr.shape}; expected ({s}, {s}), one row and column per population"]
    problems = []
    if not np.all(np.isfinite(corr)):
        return ["corr must be finite"]
    if not np.allclose(corr, corr.T, rtol=0.0, atol=1e-12):
        problems.append("corr is not symmetric")
    if not np.allclose(np.diag(corr), 1.0, rtol=0.0, atol=1e-12):
        problems.append(f"corr has diagonal {np.diag(corr).tolist()}; expected all 1")
    if not problems:
        w = np.linalg.eigvalsh(corr)
        if w.min() < -1e-10:
            problems.append(f"corr is not positive semi-definite (smallest eigenvalue {w.min():.3g})")
    return problems


# --------------------------------------------------------------------------
# One population
# --------------------------------------------------------------------------

@dataclass(frozen=True, eq=False, repr=False)
class LeeCarter:
    """A fitted Lee-Carter model of one population.

    Build it with :meth:`fit`; arrays are read-only copies.

    Attributes
    ----------
    ages : ndarray, shape (X,)
        Ages of the columns of the fitted rates. [years]
    times : ndarray, shape (T,)
        Calendar years of the rows (e.g. period centres), strictly increasing
        and equally spaced ``h = step`` years apart. [year]
    a : ndarray, shape (X,)
        Mean log death rate by age, ``a_x = mean_t log m(x, t)`` (as fitted;
        see :meth:`fit`). [log of deaths per person-year]
    b : ndarray, shape (X,)
        Sensitivity of log m to k, ``sum_x b_x = 1``. [1]
    k : ndarray, shape (T,)
        Mortality index, ``sum_t k_t = 0``. [1]
    drift : float
        Estimated drift of the random walk of k. [1/year]
    sigma : float
        Standard deviation of the innovation of k over one year (over ``h``
        years it is ``sigma sqrt(h)``). [1/sqrt(year)]
    drift_se : float
        Standard error of ``drift``. [1/year]
    n_steps : int
        Number of h-year differences of k used, ``T - 1``.
    explained_variance : float
        Share of the variance of the time-centred log rates explained by the
        first singular component (NaN if the model was built by hand). [1]
    """

    ages: np.ndarray
    times: np.ndarray
    a: np.ndarray
    b: np.ndarray
    k: np.ndarray
    drift: float
    sigma: float
    drift_se: float
    n_steps: int
    explained_variance: float = float("nan")

    def __post_init__(self):
        problems = []
        ages = np.asarray(self.ages, dtype=np.float64)
        times = np.asarray(self.times, dtype=np.float64)
        a = np.asarray(self.a, dtype=np.float64)
        b = np.asarray(self.b, dtype=np.float64)
        k = np.asarray(self.k, dtype=np.float64)
        if ages.ndim != 1:
            problems.append(f"ages has shape {ages.shape}; expected a 1-D array (X,)")
        if times.ndim != 1 or times.size < 2:
            problems.append(f"times has shape {times.shape}; expected a 1-D array of at least 2 years")
        if ages.ndim == 1:
            for name, arr in (("a", a), ("b", b)):
                if arr.shape != ages.shape:
                    problems.append(f"{name} has shape {arr.shape}; expected {ages.shape} like ages")
        if times.ndim == 1 and k.shape != times.shape:
            problems.append(f"k has shape {k.shape}; expected {times.shape} like times")
        for name, arr in (("ages", ages), ("times", times), ("a", a), ("b", b), ("k", k)):
            if not np.all(np.isfinite(arr)):
                problems.append(f"{name} must be finite")
        if not problems:
            if abs(b.sum() - 1.0) > _NORM_TOL:
                problems.append(f"sum(b) = {b.sum():.12g}; expected 1")
            if abs(k.sum()) > _NORM_TOL * max(1.0, float(np.abs(k).max(initial=0.0))) * k.size:
                problems.append(f"sum(k) = {k.sum():.12g}; expected 0")
            if times.size >= 2:
                steps = np.diff(times)
                h = (times[-1] - times[0]) / (times.size - 1)
                if np.any(steps <= 0) or np.any(np.abs(steps - h) > _SPACING_RTOL * abs(h)):
                    problems.append(f"times must be strictly increasing and equally spaced; got {times.tolist()}")
            if self.n_steps != times.size - 1:
                problems.append(f"n_steps = {self.n_steps}; expected len(times) - 1 = {times.size - 1}")
        for name in ("sigma", "drift_se"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v >= 0):
                problems.append(f"{name} = {v!r}; expected a finite value >= 0")
        if not np.isfinite(self.drift):
            problems.append(f"drift = {self.drift!r}; expected a finite value")
        if problems:
            raise ValueError("LeeCarter: " + "; ".join(problems))
        for name, arr in (("ages", ages), ("times", times), ("a", a), ("b", b), ("k", k)):
            object.__setattr__(self, name, _readonly(arr))
        for name in ("drift", "sigma", "drift_se", "explained_variance"):
            object.__setattr__(self, name, float(getattr(self, name)))
        object.__setattr__(self, "n_steps", int(self.n_steps))

    @classmethod
    def fit(cls, mx, times, ages=None) -> LeeCarter:
        """Fit the model to a matrix of central death rates.

        Parameters
        ----------
        mx : array_like, shape (T, X)
            Central death rates by time (rows) and age (columns), all finite
            and > 0. [deaths per person-year]
        times : array_like, shape (T,)
            Calendar year of each row, strictly increasing and equally spaced
            ``h`` years apart (e.g. period centres 1953, 1958, ...); T >= 3.
            [year]
        ages : array_like, shape (X,), optional
            Age of each column (default 0, 1, ..., X-1). [years]

        Returns
        -------
        LeeCarter

        Raises
        ------
        ValueError
            Wrong shapes, non-positive or non-finite rates (the bad cells are
            listed), times not strictly increasing or not equally spaced,
            fewer than 3 times, or rates that do not change over time.

        Notes
        -----
        With ``L = log mx`` (T x X):

        * ``a_x = mean_t L(t, x)``;
        * ``Z = L - a = s_1 u_1 v_1' + ...`` (SVD); ``b = v_1 / c``,
          ``k = s_1 u_1 c`` with ``c = sum(v_1)``, so ``sum b = 1`` and
          (because the columns of Z have mean 0) ``sum k = 0``;
          ``explained_variance = s_1^2 / sum_i s_i^2``.

        The index k follows a random walk with drift observed every ``h``
        years: ``k_{j+1} - k_j = d h + u_j``, ``u_j ~ N(0, sigma^2 h)``
        independent. With ``n = T - 1`` steps and span ``t_T - t_1 = n h``:

        * ``d = (k_T - k_1) / (t_T - t_1)`` (maximum likelihood);
        * ``sigma^2 = sum_j u_j^2 / ((n - 1) h)`` with ``u_j = Δk_j - d h``:
          the unbiased estimator (one degree of freedom is used by d, since
          ``sum_j u_j = 0``), divided by h to express it per year;
        * ``drift_se = sigma / sqrt(t_T - t_1)``, since
          ``var(d) = sigma^2 (t_T - t_1) / (t_T - t_1)^2``.

        The index is not re-estimated to match observed deaths (Lee-Carter's
        second stage): ``a + b k_T`` is the fitted, not the observed, jump-off
        schedule.
        """
        mx = np.asarray(mx, dtype=np.float64)
        if mx.ndim != 2:
            raise ValueError(f"LeeCarter.fit: mx has shape {mx.shape}; expected a 2-D array (T times, X ages)")
        n_t, n_x = mx.shape
        if n_t < 3:
            raise ValueError(f"LeeCarter.fit: mx has {n_t} time(s); expected at least 3 to estimate the "
                             "drift and the volatility of k")
        if n_x < 1:
            raise ValueError("LeeCarter.fit: mx has no ages; expected at least 1 column")
        times, h = _check_times(times, n_t, "LeeCarter.fit")
        if ages is None:
            ages = np.arange(n_x, dtype=np.float64)
        ages = np.asarray(ages, dtype=np.float64)
        if ages.shape != (n_x,):
            raise ValueError(f"LeeCarter.fit: ages has shape {ages.shape}; expected ({n_x},), one age per "
                             "column of mx")
        if not (np.all(np.isfinite(mx)) and np.all(mx > 0)):
            raise ValueError("LeeCarter.fit: " + _bad_cells(mx, ("time", "age")))
        return cls._fit_log(np.log(mx), times, h, ages)

    @classmethod
    def _fit_log(cls, log_m: np.ndarray, times: np.ndarray, h: float, ages: np.ndarray) -> LeeCarter:
        a = log_m.mean(axis=0)
        z = log_m - a
        u, s, vt = np.linalg.svd(z, full_matrices=False)
        total = float(np.sum(s ** 2))
        c = float(vt[0].sum())
        flat = np.abs(z).max() <= 1e-12 * max(1.0, float(np.abs(log_m).max()))
        if flat or total == 0.0 or abs(c) < 1e-12 * np.abs(vt[0]).sum():
            raise ValueError("LeeCarter.fit: the log death rates do not change over time in a way the model "
                             "can normalise (no variation, or first age profile b sums to 0); expected rates "
                             "that change over time")
        b = vt[0] / c
        k = u[:, 0] * s[0] * c
        # Enforce sum k = 0 exactly (it holds up to rounding); keep a + b k unchanged.
        shift = k.mean()
        k = k - shift
        a = a + b * shift
        n = len(times) - 1
        span = float(times[-1] - times[0])
        drift = float((k[-1] - k[0]) / span)
        resid = np.diff(k) - drift * h
        sigma = float(np.sqrt(np.sum(resid ** 2) / ((n - 1) * h)))
        return cls(ages=ages, times=times, a=a, b=b, k=k, drift=drift, sigma=sigma,
                   drift_se=sigma / np.sqrt(span), n_steps=n, explained_variance=float(s[0] ** 2 / total))

    def __repr__(self) -> str:
        return (f"LeeCarter(ages {self.ages[0]:g}..{self.ages[-1]:g} ({self.ages.size}), "
                f"times {self.times[0]:g}..{self.times[-1]:g} every {self.step:g} ({self.times.size}), "
                f"drift={self.drift:.6g}/year, sigma={self.sigma:.6g}, drift_se={self.drift_se:.6g}, "
                f"explained_variance={self.explained_variance:.4g})")

    @property
    def step(self) -> float:
        """Spacing ``h`` of ``times``. [years]"""
        return float((self.times[-1] - self.times[0]) / (self.times.size - 1))

    @property
    def jump_off(self) -> float:
        """Last fitted time ``t_T``, the start of projections of k. [year]"""
        return float(self.times[-1])

    def innovations(self) -> np.ndarray:
        """Innovations ``u_j = k_{j+1} - k_j - drift h`` of the h-year steps, shape (T-1,). [1]"""
        return np.diff(self.k) - self.drift * self.step

    def fitted_log_m(self) -> np.ndarray:
        """Fitted ``a_x + b_x k_t``, shape (T, X). [log of deaths per person-year]"""
        return self.a[None, :] + self.k[:, None] * self.b[None, :]

    def central_k(self, years) -> np.ndarray:
        """Central (expected) path of k: ``k_T + drift (years - t_T)``.

        Parameters
        ----------
        years : array_like
            Calendar years (any shape). [year]

        Returns
        -------
        ndarray, same shape as ``years``
            [1]
        """
        years = np.asarray(years, dtype=np.float64)
        return self.k[-1] + self.drift * (years - self.jump_off)


# --------------------------------------------------------------------------
# Several populations
# --------------------------------------------------------------------------

@dataclass(frozen=True, eq=False, repr=False)
class LeeCarterSet:
    """Lee-Carter models of several populations (e.g. male, female) with correlated innovations.

    Build it with :meth:`fit`. All models share ``ages`` and ``times``.

    Attributes
    ----------
    names : tuple of str
        Population names, in the order of the S axis (e.g. ``("male", "female")``).
    models : tuple of LeeCarter
        One fitted model per population.
    corr : ndarray, shape (S, S)
        Correlation of the random-walk innovations of the populations'
        indices k (identity when fewer than 3 steps were available). [1]
    """

    names: tuple[str, ...]
    models: tuple[LeeCarter, ...]
    corr: np.ndarray
    _chol: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        names = tuple(self.names)
        models = tuple(self.models)
        corr = np.asarray(self.corr, dtype=np.float64)
        problems = []
        if not models:
            problems.append("models is empty; expected one LeeCarter per population")
        if len(names) != len(models):
            problems.append(f"{len(names)} name(s) for {len(models)} model(s); expected one name per model")
        if len(set(names)) != len(names):
            problems.append(f"names {list(names)} are not unique")
        if not all(isinstance(m, LeeCarter) for m in models):
            problems.append("models must all be LeeCarter instances")
        elif models:
            first = models[0]
            for name, m in zip(names, models, strict=True):
                if m.ages.shape != first.ages.shape or not np.array_equal(m.ages, first.ages):
                    problems.append(f"model {name!r} has different ages from the first model")
                if m.times.shape != first.times.shape or not np.array_equal(m.times, first.times):
                    problems.append(f"model {name!r} has different times from the first model")
        problems += _correlation_problems(corr, len(models))
        if problems:
            raise ValueError("LeeCarterSet: " + "; ".join(problems))
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "models", models)
        object.__setattr__(self, "corr", _readonly(corr))
        object.__setattr__(self, "_chol", _readonly(_psd_cholesky(corr)))

    @classmethod
    def fit(cls, mx, times, ages=None, names=None) -> LeeCarterSet:
        """Fit one Lee-Carter model per population and correlate their innovations.

        Parameters
        ----------
        mx : array_like, shape (T, S, X)
            Central death rates by time, population and age, all finite and
            > 0 (e.g. the output of :func:`ssproj.demography.cohort.mortality_rates`,
            with S = 2 for male, female). [deaths per person-year]
        times : array_like, shape (T,)
            Calendar years of the rows, strictly increasing and equally
            spaced; T >= 3 (see :meth:`LeeCarter.fit`). [year]
        ages : array_like, shape (X,), optional
            Ages of the columns (default 0..X-1). [years]
        names : sequence of str, optional
            Population names; default ``("male", "female")`` when S = 2,
            otherwise ``("0", "1", ...)``.

        Returns
        -------
        LeeCarterSet

        Raises
        ------
        ValueError
            As :meth:`LeeCarter.fit` (naming the population), or a wrong
            number of names.

        Notes
        -----
        The correlation is the sample correlation of the h-year innovations
        ``u_j`` of the populations (:meth:`LeeCarter.innovations`, which
        have mean 0 by construction), ``C_rs = sum_j u_rj u_sj /
        sqrt(sum_j u_rj^2 sum_j u_sj^2)``. With fewer than 3 steps (two
        innovations summing to 0 are always perfectly correlated) the
        identity is used; a population with zero innovations is taken as
        uncorrelated with the others.
        """
        mx = np.asarray(mx, dtype=np.float64)
        if mx.ndim != 3:
            raise ValueError(f"LeeCarterSet.fit: mx has shape {mx.shape}; expected a 3-D array "
                             "(T times, S populations, X ages)")
        n_t, n_s, _ = mx.shape
        if names is None:
            names = ("male", "female") if n_s == 2 else tuple(str(i) for i in range(n_s))
        names = tuple(str(n) for n in names)
        if len(names) != n_s:
            raise ValueError(f"LeeCarterSet.fit: {len(names)} name(s) {list(names)} for {n_s} populations; "
                             "expected one name per population (axis 1 of mx)")
        if n_t < 3:
            raise ValueError(f"LeeCarterSet.fit: mx has {n_t} time(s); expected at least 3 to estimate the "
                             "drift and the volatility of k")
        _check_times(times, n_t, "LeeCarterSet.fit")
        if not (np.all(np.isfinite(mx)) and np.all(mx > 0)):
            raise ValueError("LeeCarterSet.fit: " + _bad_cells(mx, ("time", "population", "age")))
        models = []
        for s, name in enumerate(names):
            try:
                models.append(LeeCarter.fit(mx[:, s, :], times, ages))
            except ValueError as exc:
                raise ValueError(f"LeeCarterSet.fit: population {name!r}: {exc}") from None
        n_steps = models[0].n_steps
        corr = np.eye(n_s)
        if n_steps >= _MIN_STEPS_FOR_CORR:
            u = np.stack([m.innovations() for m in models], axis=1)       # (n, S)
            norm = np.sqrt(np.sum(u ** 2, axis=0))
            ok = norm > 0
            cross = u.T @ u
            with np.errstate(divide="ignore", invalid="ignore"):
                c = cross / np.outer(norm, norm)
            both = np.outer(ok, ok)
            corr = np.where(both, c, 0.0)
            corr = np.clip(0.5 * (corr + corr.T), -1.0, 1.0)
            np.fill_diagonal(corr, 1.0)
        return cls(names=names, models=tuple(models), corr=corr)

    def __repr__(self) -> str:
        models = ", ".join(f"{n}={m!r}" for n, m in zip(self.names, self.models, strict=True))
        return f"LeeCarterSet({models}, corr={np.round(self.corr, 4).tolist()})"

    # -- stacked views -----------------------------------------------------

    @property
    def ages(self) -> np.ndarray:
        """Ages, shape (X,). [years]"""
        return self.models[0].ages

    @property
    def times(self) -> np.ndarray:
        """Fitted calendar years, shape (T,). [year]"""
        return self.models[0].times

    @property
    def jump_off(self) -> float:
        """Last fitted time, the start of projections of k. [year]"""
        return self.models[0].jump_off

    @property
    def a(self) -> np.ndarray:
        """a by population and age, shape (S, X). [log of deaths per person-year]"""
        return np.stack([m.a for m in self.models])

    @property
    def b(self) -> np.ndarray:
        """b by population and age, shape (S, X). [1]"""
        return np.stack([m.b for m in self.models])

    @property
    def k(self) -> np.ndarray:
        """k by time and population, shape (T, S). [1]"""
        return np.stack([m.k for m in self.models], axis=1)

    @property
    def drift(self) -> np.ndarray:
        """Drift of k by population, shape (S,). [1/year]"""
        return np.array([m.drift for m in self.models])

    @property
    def sigma(self) -> np.ndarray:
        """Annual innovation standard deviation of k by population, shape (S,). [1/sqrt(year)]"""
        return np.array([m.sigma for m in self.models])

    @property
    def drift_se(self) -> np.ndarray:
        """Standard error of the drift by population, shape (S,). [1/year]"""
        return np.array([m.drift_se for m in self.models])

    @property
    def explained_variance(self) -> np.ndarray:
        """Share of variance explained by the first component, by population, shape (S,). [1]"""
        return np.array([m.explained_variance for m in self.models])

    def fitted_log_m(self) -> np.ndarray:
        """Fitted log rates, shape (T, S, X). [log of deaths per person-year]"""
        return np.stack([m.fitted_log_m() for m in self.models], axis=1)

    def central_k(self, years) -> np.ndarray:
        """Central path of k by population, shape ``np.shape(years) + (S,)``. [1]"""
        return np.stack([m.central_k(years) for m in self.models], axis=-1)

    # -- simulation ----------------------------------------------------------

    def simulate_deviations(self, rng: np.random.Generator, n_paths: int, n_years: int, *,
                            drift_uncertainty: bool = True, sigma_scale=1.0) -> np.ndarray:
        """Simulate deviations of k from its central trend.

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of random numbers; the result depends only on its state.
            For reproducible per-path results, give each path its own
            generator and call with ``n_paths=1``.
        n_paths : int
            Number of paths (>= 1).
        n_years : int
            Number of years after the jump-off (>= 1).
        drift_uncertainty : bool
            Add the estimation error of the drift (drawn once per path).
        sigma_scale : float or array_like, shape (S,)
            Factor on ``sigma`` and ``drift_se`` (e.g. to widen the fan). [1]

        Returns
        -------
        ndarray, shape (n_paths, n_years, S)
            ``D(h)``, the simulated k minus the central k, in year
            ``h = 1..n_years`` after the jump-off. [1]

        Notes
        -----
        ``D(h) = delta h + sum_{j<=h} eps_j`` with annual innovations
        ``eps_j ~ N(0, Sigma)``, ``Sigma = diag(sigma s) C diag(sigma s)``,
        and the drift error ``delta ~ N(0, diag(drift_se s) C
        diag(drift_se s))`` (``s = sigma_scale``, ``C = corr``), both through
        the lower Cholesky factor of C.

        Draw order (fixed, whatever the arguments):

        1. ``rng.standard_normal((n_paths, S))`` for delta -- drawn even
           when ``drift_uncertainty`` is False (then discarded), so both
           settings give the same innovations from the same generator;
        2. ``rng.standard_normal((n_paths, n_years, S))`` for eps.

        Each call therefore consumes ``n_paths (n_years + 1) S`` standard
        normals.
        """
        n_s = len(self.models)
        n_paths = _positive_int("n_paths", n_paths)
        n_years = _positive_int("n_years", n_years)
        scale = np.asarray(sigma_scale, dtype=np.float64)
        if scale.ndim > 1 or (scale.ndim == 1 and scale.shape != (n_s,)):
            raise ValueError(f"LeeCarterSet.simulate_deviations: sigma_scale has shape {scale.shape}; "
                             f"expected a scalar or ({n_s},), one factor per population")
        if not (np.all(np.isfinite(scale)) and np.all(scale >= 0)):
            raise ValueError(f"LeeCarterSet.simulate_deviations: sigma_scale = {scale.tolist()}; "
                             "expected finite factor(s) >= 0")
        scale = np.broadcast_to(scale, (n_s,))
        z_drift = rng.standard_normal((n_paths, n_s))
        z = rng.standard_normal((n_paths, n_years, n_s))
        # eps = z L' diag(sigma s): rows of z are N(0, I), so eps ~ N(0, diag C diag).
        out = np.cumsum(z @ self._chol.T, axis=1)
        out *= self.sigma * scale
        if drift_uncertainty:
            delta = (z_drift @ self._chol.T) * (self.drift_se * scale)        # (n_paths, S)
            out += delta[:, None, :] * np.arange(1, n_years + 1, dtype=np.float64)[None, :, None]
        return out


def _positive_int(name: str, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"LeeCarterSet.simulate_deviations: {name} = {value!r}; expected an integer >= 1")
    return int(value)


def deviation_multiplier(b, deviations) -> np.ndarray:
    """Factor on a central mortality schedule from simulated deviations of k.

    Parameters
    ----------
    b : array_like, shape (S, X)
        Age sensitivities by population (:attr:`LeeCarterSet.b`). [1]
    deviations : array_like, shape (..., n_years, S)
        Deviations of k from its central path
        (:meth:`LeeCarterSet.simulate_deviations`). [1]

    Returns
    -------
    ndarray, shape (..., n_years, S, X)
        ``exp(b_sx D_s)``: multiply the central m(x) of each year and
        population by it. [1]
    """
    b = np.asarray(b, dtype=np.float64)
    d = np.asarray(deviations, dtype=np.float64)
    if b.ndim != 2:
        raise ValueError(f"deviation_multiplier: b has shape {b.shape}; expected (S, X), populations by ages")
    if d.ndim < 2 or d.shape[-1] != b.shape[0]:
        raise ValueError(f"deviation_multiplier: deviations has shape {d.shape}; expected (..., n_years, "
                         f"{b.shape[0]}) with one column per population of b {b.shape}")
    return np.exp(d[..., None] * b)
