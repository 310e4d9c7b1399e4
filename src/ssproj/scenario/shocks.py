"""Correlated economic shocks: a first-order vector autoregression, VAR(1).

Each variable ``x`` is the *deviation* of an economic assumption (investment
return, wage growth, price inflation, ...) from its central
(deterministic) path, in the assumption's own unit (a fraction per year for
rates)::

    x_t = Phi x_{t-1} + L eps_t,    eps_t ~ N(0, I),    L L' = Sigma

    Sigma = diag(sd) R diag(sd),    L = diag(sd) chol(R)

with ``R`` the correlation matrix of the innovations. ``L`` is computed from
``R`` and then scaled, so a variable with ``sd = 0`` is exactly 0 on every
path (unless ``Phi`` feeds other variables into it).

**YAML schema.** :meth:`VARModel.from_mapping` reads the mapping found at
``stochastic.economy`` of a scenario (the key path is only used in
messages)::

    stochastic:
      economy:
        variables:                 # required; order = order of the model's variables
          investment_return:
            phi: 0.5               # AR(1) coefficient [1]; required unless `phi` matrix below
            sd: 0.02               # innovation standard deviation [unit of the variable], >= 0
          wage_growth: {phi: 0.6, sd: 0.015}
          price_inflation: {phi: 0.7, sd: 0.02}
        correlation:               # optional; default: uncorrelated
          investment_return,price_inflation: 0.5     # "a,b": correlation of the innovations
          wage_growth,price_inflation: 0.6           # pairs not listed are 0
        phi:                       # optional full VAR matrix instead of per-variable phi:
          - [0.5, 0.0, 0.1]        # row i = equation of variable i, column j = lagged
          - [0.0, 0.6, 0.2]        # variable j, both in the order of `variables`
          - [0.0, 0.0, 0.7]

Rules: ``variables`` is a non-empty mapping; each variable has exactly the
keys ``sd`` and (unless the ``phi`` matrix is given) ``phi``; per-variable
``phi`` and the ``phi`` matrix are mutually exclusive. ``correlation`` is
either a mapping of ``"name_a,name_b"`` pairs (spaces around names
ignored; each unordered pair at most once; distinct known names) or a full
n x n matrix (list of lists). Numbers must be real and finite; the
correlation must be a valid (symmetric, unit-diagonal, positive definite)
correlation matrix, and ``Phi`` must be stationary (spectral radius < 1).
Any other key is an error. All problems are reported together in one
`ValueError`, one line per problem, each starting with its key path.

**Why in the scenario layer.** Validating a scenario's ``stochastic:``
block (:mod:`ssproj.scenario.stochastic_spec`) means building this model
(a valid correlation matrix, a stationary ``Phi``), and the validated model
is what a stochastic run simulates; the class needs nothing of ssproj
(NumPy and SciPy only), so it lives here, below every stage that uses it,
rather than as a separate spec class duplicating its fields.
"""
from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["VARModel"]

_TOP_KEYS = ("variables", "correlation", "phi")
_VARIABLE_KEYS = ("phi", "sd")
#: Tolerance for the symmetry and unit diagonal of a correlation matrix.
_CORR_TOL = 1e-12


# --------------------------------------------------------------------------
# Checks, each returning a list of (field, message) problems
# --------------------------------------------------------------------------

def _check_phi(phi: np.ndarray, n: int) -> list[tuple[str, str]]:
    if phi.shape != (n, n):
        return [("phi", f"has shape {phi.shape}; expected ({n}, {n}), one row and column per variable")]
    if not np.all(np.isfinite(phi)):
        return [("phi", "must be finite")]
    radius = float(np.max(np.abs(np.linalg.eigvals(phi)))) if n else 0.0
    if radius >= 1.0:
        return [("phi", f"is not stationary: spectral radius {radius:.6g}; expected < 1 "
                        "(all eigenvalues inside the unit circle)")]
    return []


def _check_sd(sd: np.ndarray, n: int) -> list[tuple[str, str]]:
    if sd.shape != (n,):
        return [("sd", f"has shape {sd.shape}; expected ({n},), one standard deviation per variable")]
    problems = []
    if not np.all(np.isfinite(sd)):
        problems.append(("sd", f"{sd.tolist()} must be finite"))
    elif np.any(sd < 0):
        problems.append(("sd", f"{sd.tolist()} has negative values; expected standard deviations >= 0"))
    return problems


def _check_corr(corr: np.ndarray, n: int) -> list[tuple[str, str]]:
    if corr.shape != (n, n):
        return [("corr", f"has shape {corr.shape}; expected ({n}, {n}), one row and column per variable")]
    if not np.all(np.isfinite(corr)):
        return [("corr", "must be finite")]
    problems = []
    if not np.allclose(corr, corr.T, rtol=0.0, atol=_CORR_TOL):
        problems.append(("corr", "is not symmetric; expected corr[i, j] == corr[j, i]"))
    diag = np.diag(corr)
    if not np.allclose(diag, 1.0, rtol=0.0, atol=_CORR_TOL):
        problems.append(("corr", f"has diagonal {diag.tolist()}; expected all 1"))
    off = corr[~np.eye(n, dtype=bool)]
    if np.any(np.abs(off) > 1.0):
        problems.append(("corr", "has entries outside [-1, 1]"))
    if not problems and n:
        w = float(np.linalg.eigvalsh(corr).min())
        try:
            np.linalg.cholesky(corr)
            pd = w > 0
        except np.linalg.LinAlgError:
            pd = False
        if not pd:
            problems.append(("corr", f"is not positive definite (smallest eigenvalue {w:.3g}); expected a "
                                     "valid correlation matrix (check for inconsistent correlations)"))
    return problems


def _format(problems: list[tuple[str, str]], head: str) -> str:
    return head + "\n" + "\n".join(f"  {where}: {msg}" for where, msg in problems)


def _number(value) -> float | None:
    """``value`` as a finite float, or None if it is not a real finite number (bools excluded)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def _matrix(value, n: int) -> np.ndarray | str:
    """A list-of-lists n x n matrix of finite numbers, or a message saying what is wrong."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        return f"{value!r} is not a matrix; expected a list of {n} rows of {n} numbers"
    rows = list(value)
    if len(rows) != n or any(isinstance(r, (str, bytes)) or not isinstance(r, (Sequence, np.ndarray))
                             or len(r) != n for r in rows):
        return f"expected a list of {n} rows of {n} numbers (one per variable), got {value!r}"
    out = np.empty((n, n))
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            x = _number(v)
            if x is None:
                return f"[{i}][{j}] = {v!r} is not a finite number"
            out[i, j] = x
    return out


# --------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class VARModel:
    """A stationary Gaussian VAR(1) of deviations from central assumptions.

    Attributes
    ----------
    names : tuple of str
        Variable names, in the order of the model's axes.
    phi : ndarray, shape (n, n)
        Autoregressive matrix: ``x_t = phi x_{t-1} + ...``; row i is the
        equation of variable i. Spectral radius < 1. [1]
    sd : ndarray, shape (n,)
        Standard deviations of the innovations, >= 0. [unit of each
        variable, e.g. 1/year for rates]
    corr : ndarray, shape (n, n)
        Correlation matrix of the innovations (symmetric, unit diagonal,
        positive definite). [1]

    Raises
    ------
    ValueError
        On construction, listing every problem found (shapes, non-finite
        values, negative sd, correlation not symmetric / not unit diagonal /
        not positive definite, non-stationary phi with its spectral radius).
    """

    names: tuple[str, ...]
    phi: np.ndarray
    sd: np.ndarray
    corr: np.ndarray
    _chol: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        names = (self.names,) if isinstance(self.names, str) else tuple(self.names)
        problems: list[tuple[str, str]] = []
        if not names:
            problems.append(("names", "is empty; expected at least one variable"))
        if not all(isinstance(s, str) and s for s in names):
            problems.append(("names", f"{list(names)} must be non-empty strings"))
        if len(set(names)) != len(names):
            problems.append(("names", f"{list(names)} are not unique"))
        n = len(names)
        phi, sd, corr = (np.asarray(v, dtype=np.float64) for v in (self.phi, self.sd, self.corr))
        problems += _check_phi(phi, n) + _check_sd(sd, n) + _check_corr(corr, n)
        if problems:
            raise ValueError(_format(problems, f"invalid VARModel ({len(problems)} problem(s)):"))
        object.__setattr__(self, "names", names)
        for name, arr in (("phi", phi), ("sd", sd), ("corr", corr)):
            arr = arr.copy()
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        chol = sd[:, None] * np.linalg.cholesky(corr)
        chol.setflags(write=False)
        object.__setattr__(self, "_chol", chol)

    # -- constructors ----------------------------------------------------------

    @classmethod
    def ar1(cls, names, phi, sd, corr=None) -> VARModel:
        """Independent AR(1) dynamics per variable (diagonal ``phi``) with correlated innovations.

        Parameters
        ----------
        names : sequence of str
            Variable names.
        phi : sequence of float, shape (n,)
            AR(1) coefficient of each variable, ``|phi| < 1``. [1]
        sd : sequence of float, shape (n,)
            Innovation standard deviations, >= 0. [unit of the variable]
        corr : array_like, shape (n, n), optional
            Innovation correlation matrix (default identity). [1]
        """
        names = (names,) if isinstance(names, str) else tuple(names)
        phi = np.asarray(phi, dtype=np.float64)
        if phi.ndim != 1:
            raise ValueError(f"VARModel.ar1: phi has shape {phi.shape}; expected ({len(names)},), one AR(1) "
                             "coefficient per variable (use VARModel(...) for a full matrix)")
        phi_m = np.diag(phi)
        corr = np.eye(len(names)) if corr is None else corr
        return cls(names=names, phi=phi_m, sd=sd, corr=corr)

    @classmethod
    def from_mapping(cls, d, where: str = "stochastic.economy") -> VARModel:
        """Build a model from a plain mapping (parsed YAML); see the module docstring for the schema.

        Parameters
        ----------
        d : mapping
            The content of ``where``: keys ``variables``, optional
            ``correlation``, optional ``phi``.
        where : str
            Key path of ``d``, used as the prefix of messages.

        Returns
        -------
        VARModel

        Raises
        ------
        ValueError
            Listing every problem, one per line, each naming its key path,
            e.g. ``stochastic.economy.variables.wage_growth.sd: -0.1 is
            negative; expected a standard deviation >= 0``.
        """
        problems: list[tuple[str, str]] = []
        if not isinstance(d, Mapping):
            raise ValueError(_format([(where, f"{d!r} is not a mapping; expected keys "
                                              f"{', '.join(_TOP_KEYS)}")], "invalid economic shock model:"))
        for key in d:
            if key not in _TOP_KEYS:
                problems.append((f"{where}.{key}", f"unknown key; expected one of {', '.join(_TOP_KEYS)}"))

        # variables -----------------------------------------------------------
        variables = d.get("variables")
        names: list[str] = []
        phi_diag: list[float] = []
        sd: list[float] = []
        phi_ok = True
        has_matrix = "phi" in d
        if variables is None:
            problems.append((f"{where}.variables", "is missing; expected a mapping of variable name -> "
                                                   "{phi, sd}"))
            phi_ok = False
        elif not isinstance(variables, Mapping) or not variables:
            problems.append((f"{where}.variables", f"{variables!r} is not a non-empty mapping; expected "
                                                   "variable name -> {phi, sd}"))
            phi_ok = False
        else:
            for name, spec in variables.items():
                path = f"{where}.variables.{name}"
                if not isinstance(name, str) or not name or "," in name:
                    problems.append((path, "variable names must be non-empty strings without commas"))
                names.append(str(name))
                if not isinstance(spec, Mapping):
                    problems.append((path, f"{spec!r} is not a mapping; expected keys phi, sd"))
                    phi_ok = False
                    continue
                for key in spec:
                    if key not in _VARIABLE_KEYS:
                        problems.append((f"{path}.{key}", "unknown key; expected phi, sd"))
                # sd
                if "sd" not in spec:
                    problems.append((f"{path}.sd", "is missing; expected the innovation standard deviation"))
                else:
                    x = _number(spec["sd"])
                    if x is None:
                        problems.append((f"{path}.sd", f"{spec['sd']!r} is not a finite number"))
                    elif x < 0:
                        problems.append((f"{path}.sd", f"{spec['sd']!r} is negative; expected a standard "
                                                       "deviation >= 0"))
                    else:
                        sd.append(x)
                # phi
                if has_matrix:
                    if "phi" in spec:
                        problems.append((f"{path}.phi", f"given together with the matrix {where}.phi; "
                                                        "expected one or the other"))
                elif "phi" not in spec:
                    problems.append((f"{path}.phi", f"is missing; expected the AR(1) coefficient (or a "
                                                    f"matrix at {where}.phi)"))
                    phi_ok = False
                else:
                    x = _number(spec["phi"])
                    if x is None:
                        problems.append((f"{path}.phi", f"{spec['phi']!r} is not a finite number"))
                        phi_ok = False
                    else:
                        phi_diag.append(x)
        n = len(names)
        known = n > 0 and len(set(names)) == n

        # phi -------------------------------------------------------------------
        phi = None
        if has_matrix:
            if known:
                m = _matrix(d["phi"], n)
                if isinstance(m, str):
                    problems.append((f"{where}.phi", m))
                else:
                    phi = m
        elif phi_ok and known:
            phi = np.diag(phi_diag)
        if phi is not None:
            phi_path = f"{where}.phi" if has_matrix else f"{where}.variables.*.phi"
            problems += [(phi_path, msg) for _, msg in _check_phi(phi, n)]

        # correlation -------------------------------------------------------------
        corr = None
        cpath = f"{where}.correlation"
        spec = d.get("correlation")
        if spec is None:
            corr = np.eye(n) if known else None
        elif isinstance(spec, Mapping):
            corr = np.eye(n) if known else None
            index = {name: i for i, name in enumerate(names)}
            seen: dict[frozenset, str] = {}
            for key, value in spec.items():
                kpath = f"{cpath}.{key}"
                parts = [p.strip() for p in key.split(",")] if isinstance(key, str) else []
                if len(parts) != 2 or not all(parts):
                    problems.append((kpath, "expected a key 'name_a,name_b' naming two variables"))
                    corr = None
                    continue
                unknown = [p for p in parts if p not in index]
                if unknown:
                    problems.append((kpath, f"unknown variable(s) {', '.join(unknown)}; expected names from "
                                            f"{where}.variables: {', '.join(names)}"))
                    corr = None
                    continue
                if parts[0] == parts[1]:
                    problems.append((kpath, "a variable's correlation with itself is 1; expected two "
                                            "different variables"))
                    corr = None
                    continue
                pair = frozenset(parts)
                if pair in seen:
                    problems.append((kpath, f"the pair is also given as {cpath}.{seen[pair]}; expected each "
                                            "pair once"))
                    corr = None
                    continue
                seen[pair] = key
                x = _number(value)
                if x is None or not -1.0 <= x <= 1.0:
                    problems.append((kpath, f"{value!r} is not a correlation; expected a number in [-1, 1]"))
                    corr = None
                    continue
                if corr is not None:
                    i, j = index[parts[0]], index[parts[1]]
                    corr[i, j] = corr[j, i] = x
        elif known:
            m = _matrix(spec, n)
            if isinstance(m, str):
                problems.append((cpath, m))
            else:
                corr = m
        if corr is not None:
            problems += [(cpath, msg) for _, msg in _check_corr(corr, n)]

        if problems:
            raise ValueError(_format(problems, f"invalid economic shock model at {where} "
                                               f"({len(problems)} problem(s)):"))
        assert phi is not None and corr is not None  # every way of leaving either unset adds a problem
        return cls(names=tuple(names), phi=phi, sd=np.asarray(sd), corr=corr)

    # -- properties -----------------------------------------------------------------

    @property
    def n(self) -> int:
        """Number of variables."""
        return len(self.names)

    @property
    def cholesky(self) -> np.ndarray:
        """Lower-triangular ``L = diag(sd) chol(corr)`` with ``L L' = Sigma``, shape (n, n). [unit of the variables]"""
        return self._chol

    @property
    def covariance(self) -> np.ndarray:
        """Innovation covariance ``Sigma = diag(sd) corr diag(sd)``, shape (n, n). [unit squared]"""
        return self.sd[:, None] * self.corr * self.sd[None, :]

    def stationary_covariance(self) -> np.ndarray:
        """Covariance of the stationary distribution, ``S = phi S phi' + Sigma``, shape (n, n). [unit squared]"""
        from scipy.linalg import solve_discrete_lyapunov  # heavy: imported where used

        return solve_discrete_lyapunov(self.phi, self.covariance)

    def covariance_at(self, h: int, x0_zero: bool = True) -> np.ndarray:
        """Covariance of ``x_h``, h years after the start, shape (n, n).

        Parameters
        ----------
        h : int
            Horizon (>= 0). [years]
        x0_zero : bool
            True: ``x_0`` is fixed (e.g. 0, as in :meth:`simulate`), giving
            ``sum_{j<h} phi^j Sigma phi^j'``. False: ``x_0`` is drawn from
            the stationary distribution, adding ``phi^h S phi^h'`` (the
            result is then S at every h).

        Returns
        -------
        ndarray, shape (n, n)
            [unit squared]
        """
        if isinstance(h, (bool, np.bool_)) or not isinstance(h, (int, np.integer)) or h < 0:
            raise ValueError(f"VARModel.covariance_at: h = {h!r}; expected an integer >= 0")
        p = np.zeros((self.n, self.n)) if x0_zero else self.stationary_covariance()
        sigma = self.covariance
        for _ in range(int(h)):
            p = self.phi @ p @ self.phi.T + sigma
        return p

    # -- simulation -------------------------------------------------------------------

    def simulate(self, rng: np.random.Generator, n_paths: int, n_years: int, x0=None) -> np.ndarray:
        """Simulate paths of the deviations.

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of random numbers; the result depends only on its state.
            For per-path reproducibility give each path its own generator
            and call with ``n_paths=1``.
        n_paths : int
            Number of paths (>= 1).
        n_years : int
            Number of simulated years (>= 1).
        x0 : array_like, shape (n,) or (n_paths, n), optional
            State before the first year (default 0). [unit of the variables]

        Returns
        -------
        ndarray, shape (n_paths, n_years, n)
            ``x_1 .. x_{n_years}``, ``x_t = phi x_{t-1} + L eps_t``.
            [unit of the variables]

        Notes
        -----
        Draw order: one call ``rng.standard_normal((n_paths, n_years, n))``
        (``eps``), i.e. ``n_paths n_years n`` standard normals per call.
        """
        for name, value in (("n_paths", n_paths), ("n_years", n_years)):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"VARModel.simulate: {name} = {value!r}; expected an integer >= 1")
        n = self.n
        if x0 is not None:
            x0 = np.asarray(x0, dtype=np.float64)
            if x0.shape not in ((n,), (n_paths, n)) or not np.all(np.isfinite(x0)):
                raise ValueError(f"VARModel.simulate: x0 has shape {x0.shape}; expected finite values of "
                                 f"shape ({n},) or ({n_paths}, {n})")
        return self.paths_from_normals(rng.standard_normal((n_paths, n_years, n)), x0)

    def paths_from_normals(self, z: np.ndarray, x0=None) -> np.ndarray:
        """The paths of :meth:`simulate` given its standard normals.

        Parameters
        ----------
        z : ndarray, shape (n_paths, n_years, n)
            Independent standard normals ``eps``. [1]
        x0 : array_like, shape (n,) or (n_paths, n), optional
            State before the first year (default 0). [unit of the variables]

        Returns
        -------
        ndarray, shape (n_paths, n_years, n)
            ``x_t = phi x_{t-1} + L eps_t``. [unit of the variables]

        Notes
        -----
        Each path is computed with element-wise products and sums over the
        last axis (no matrix library call, whose summation order may depend
        on the number of rows): a path's values do not depend on the other
        paths computed with it, so paths simulated one at a time (each from
        its own generator) can be recursed together.
        """
        z = np.asarray(z, dtype=np.float64)
        n_paths, n_years, n = z.shape
        x = np.zeros((n_paths, n)) if x0 is None else np.array(np.broadcast_to(x0, (n_paths, n)), dtype=np.float64)
        out = (z[:, :, None, :] * self._chol[None, None, :, :]).sum(axis=-1)   # innovations L eps_t
        phi = self.phi
        if np.any(phi):
            for t in range(n_years):
                x = (x[:, None, :] * phi[None, :, :]).sum(axis=-1) + out[:, t, :]
                out[:, t, :] = x
        return out
