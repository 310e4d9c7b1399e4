"""Period life tables on single ages 0..100+, and annuity factors.

:class:`LifeTable` is the reusable life-table object of ssproj: the
projection kernel uses the same compiled functions
(:mod:`ssproj.kernels.lifetable`), valuations use its annuity factors.
"""
from __future__ import annotations

import numpy as np

from ssproj.kernels.lifetable import N_AGES, OPEN_AGE, life_table_into, survival_ratios_into

__all__ = ["LifeTable"]

#: Years summed for whole-life annuities. [years]
_HORIZON = 1000


class LifeTable:
    """A period life table by single age, radix 1, open group 100+.

    Build it with :meth:`from_mx`. Columns are NumPy arrays indexed by age
    0..100 (100 = 100+).

    Attributes
    ----------
    mx : ndarray
        Central death rate. [deaths per person-year]
    qx : ndarray
        Probability of dying between exact ages x and x+1 (1 for 100+). [1]
    lx : ndarray
        Survivors to exact age x per newborn. [1]
    dx : ndarray
        Deaths between x and x+1 per newborn. [1]
    Lx : ndarray
        Person-years lived between x and x+1 per newborn (100+: all years
        lived above 100). [years]
    Tx : ndarray
        Person-years lived above age x per newborn. [years]
    ex : ndarray
        Life expectancy at exact age x. [years]
    sex : str
        ``"male"`` or ``"female"`` (selects the infant a(0) rule).

    Notes
    -----
    ``q(x) = m(x) / (1 + (1 - a(x)) m(x))``, ``a(x) = 1/2`` above age 0,
    ``a(0)`` from Andreev & Kingkade (2015); ``L(100+) = l(100) / m(100)``.

    Examples
    --------
    >>> import numpy as np
    >>> from ssproj import LifeTable
    >>> lt = LifeTable.from_mx(np.full(101, 0.02), sex="female")
    >>> round(float(lt.ex[0]), 6)   # constant m: e(0) = 1/m
    50.0
    """

    def __init__(self, mx, qx, lx, Lx, sex):
        self.mx = mx
        self.qx = qx
        self.lx = lx
        self.Lx = Lx
        self.sex = sex
        self.dx = np.append(lx[:-1] - lx[1:], lx[-1])
        self.Tx = np.cumsum(Lx[::-1])[::-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            self.ex = np.where(lx > 0, self.Tx / lx, 0.0)

    @classmethod
    def from_mx(cls, mx, sex: str = "female") -> LifeTable:
        """Build a life table from central death rates by single age.

        Parameters
        ----------
        mx : array_like, shape (101,)
            m(x) for ages 0..99 and the open group 100+.
            [deaths per person-year]
        sex : {"male", "female"}
            Selects the infant a(0) formula.

        Raises
        ------
        ValueError
            Wrong length, negative or non-finite rates, unknown sex.
        """
        mx = np.asarray(mx, dtype=float)
        problems = []
        if mx.shape != (N_AGES,):
            problems.append(f"mx must have {N_AGES} values (ages 0..100+), got shape {mx.shape}")
        elif not np.all(np.isfinite(mx)) or np.any(mx < 0):
            bad = np.flatnonzero(~np.isfinite(mx) | (mx < 0))
            problems.append(f"mx must be finite and >= 0; bad at ages {bad.tolist()}")
        elif mx[OPEN_AGE] <= 0:
            problems.append("mx of the open group 100+ must be > 0")
        if sex not in ("male", "female"):
            problems.append(f"sex = {sex!r}: expected 'male' or 'female'")
        if problems:
            raise ValueError("; ".join(problems))
        qx, lx, Lx = np.empty(N_AGES), np.empty(N_AGES), np.empty(N_AGES)
        life_table_into(mx, sex == "female", qx, lx, Lx)
        return cls(mx.copy(), qx, lx, Lx, sex)

    @property
    def e0(self) -> float:
        """Life expectancy at birth. [years]"""
        return float(self.ex[0])

    def survival_ratios(self) -> np.ndarray:
        """Mid-year cohort survival ratios S(x) = L(x+1)/L(x) used by the projection. [1]"""
        out = np.empty(N_AGES)
        survival_ratios_into(self.Lx, out)
        return out

    def _survival_curve(self, age: int, horizon: int) -> np.ndarray:
        """k-year survival probabilities from age ``age``, k = 0..horizon-1.

        Beyond 100 the open group's constant force m(100+) is used.
        """
        k = np.arange(horizon)
        ages = age + k
        out = np.empty(horizon)
        inside = ages <= OPEN_AGE
        out[inside] = self.lx[ages[inside]] / self.lx[age]
        if np.any(~inside):
            over = ages[~inside] - OPEN_AGE
            out[~inside] = self.lx[OPEN_AGE] / self.lx[age] * np.exp(-self.mx[OPEN_AGE] * over)
        return out

    def annuity_due(self, age: int, interest: float, *, term: int | None = None,
                    frequency: int = 1) -> float:
        """Present value of a life annuity-due of 1 per year.

        Parameters
        ----------
        age : int
            Exact age at the valuation date. [years]
        interest : float
            Effective annual interest rate i (0.04 = 4%). [1/year]
        term : int, optional
            Temporary annuity of at most ``term`` years; whole life if None.
        frequency : int
            Payments per year (12 = monthly, 1/12 paid at the start of each
            month), by Woolhouse's two-term approximation
            ``ä(m) = ä - (m-1)/(2m) (1 - v^n n_p_x)``.

        Returns
        -------
        float
            ``ä_x = sum_k v^k k_p_x``. [years of payment]

        Notes
        -----
        Survival from the life table's l(x); after age 100 the open group's
        force of mortality m(100+) is held constant, so the tail is summed
        and whole-life annuities are summed over 1,000 years (the omitted
        tail is below 1e-15 for any m(100+) > 0.04).
        """
        if not 0 <= age <= OPEN_AGE:
            raise ValueError(f"age = {age}: expected 0..{OPEN_AGE}")
        if interest <= -1:
            raise ValueError(f"interest = {interest}: expected > -1")
        if frequency < 1:
            raise ValueError(f"frequency = {frequency}: expected >= 1")
        n = _HORIZON if term is None else int(term)
        p = self._survival_curve(age, n + 1)
        v = 1.0 / (1.0 + interest) ** np.arange(n + 1)
        value = float(np.sum(v[:n] * p[:n]))
        if frequency > 1:
            m = frequency
            value -= (m - 1) / (2 * m) * (1.0 - v[n] * p[n])
        return value

    def joint_annuity_due(self, other: LifeTable, age: int, other_age: int, interest: float, *,
                          kind: str = "last_survivor") -> float:
        """Annuity-due on two independent lives.

        Parameters
        ----------
        other : LifeTable
            Life table of the second life.
        age, other_age : int
            Ages of the two lives. [years]
        interest : float
            Effective annual interest rate. [1/year]
        kind : {"joint", "last_survivor", "reversionary"}
            ``joint``: paid while both live; ``last_survivor``: while either
            lives; ``reversionary``: to the second life after the first dies
            (the factor for a survivor's pension),
            ``ä_y - ä_xy``.

        Returns
        -------
        float
            Present value of 1 per year. [years of payment]
        """
        n = _HORIZON
        v = 1.0 / (1.0 + interest) ** np.arange(n)
        px = self._survival_curve(age, n)
        py = other._survival_curve(other_age, n)
        axy = float(np.sum(v * px * py))
        if kind == "joint":
            return axy
        ax = float(np.sum(v * px))
        ay = float(np.sum(v * py))
        if kind == "last_survivor":
            return ax + ay - axy
        if kind == "reversionary":
            return ay - axy
        raise ValueError(f"kind = {kind!r}: expected 'joint', 'last_survivor' or 'reversionary'")
