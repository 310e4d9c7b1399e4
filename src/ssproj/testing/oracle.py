"""NumPy-vectorised reference implementations of the kernels.

They compute the same steps as the Numba kernels with whole-array NumPy
operations (vectorised over all cells -- sex and age, and for the scheme
also group and service -- looping only over time, which is sequential).
Tests check the kernels against them; ``benchmarks/`` times the kernels
against them. They are not used by the projection itself.
"""
from __future__ import annotations

import numpy as np

__all__ = ["SCHEME_OUTPUTS", "life_tables_numpy", "project_population_numpy", "scheme_numpy"]


def _infant_ax(m0, female):
    m0 = np.asarray(m0, dtype=float)
    female = np.asarray(female, dtype=bool)
    male_a = np.where(m0 < 0.02300, 0.14929 - 1.99545 * m0,
                      np.where(m0 < 0.08307, 0.02832 + 3.26021 * m0, 0.29915))
    fem_a = np.where(m0 < 0.01724, 0.14903 - 2.05527 * m0,
                     np.where(m0 < 0.06891, 0.04667 + 3.88089 * m0, 0.31411))
    return np.where(female, fem_a, male_a)


def life_tables_numpy(mx, female):
    """Life tables for a stack of schedules.

    Parameters
    ----------
    mx : ndarray, shape (..., 101)
        Central death rates. [1/year]
    female : ndarray of bool, broadcastable to ``mx.shape[:-1]``

    Returns
    -------
    qx, lx, Lx : ndarray, shape (..., 101)
    """
    mx = np.asarray(mx, dtype=float)
    a = np.full(mx.shape, 0.5)
    a[..., 0] = _infant_ax(mx[..., 0], female)
    qx = np.minimum(mx / (1.0 + (1.0 - a) * mx), 1.0)
    qx[..., -1] = 1.0
    lx = np.concatenate([np.ones(mx.shape[:-1] + (1,)), np.cumprod(1.0 - qx[..., :-1], axis=-1)], axis=-1)
    dx = lx * qx
    Lx = np.empty_like(mx)
    Lx[..., :-1] = lx[..., 1:] + a[..., :-1] * dx[..., :-1]
    Lx[..., -1] = lx[..., -1] / mx[..., -1]
    return qx, lx, Lx


def project_population_numpy(pop0, mx, asfr, srb, mig):
    """Cohort-component projection, NumPy version of ``project_population_kernel``.

    Same arguments and conventions as
    :func:`ssproj.kernels.population.project_population_kernel`; returns
    ``(pop, births, deaths, floored)`` instead of filling output arrays.
    """
    T = mx.shape[0]
    n = pop0.shape[-1]
    pop = np.empty((T + 1, 2, n))
    births = np.empty((T, 2))
    deaths = np.empty((T, 2, n))
    floored = np.empty(T)
    pop[0] = pop0
    female = np.array([False, True])
    _, _, Lx = life_tables_numpy(mx, female[None, :])  # (T, 2, n)
    S = np.empty_like(Lx)
    with np.errstate(divide="ignore", invalid="ignore"):
        S[..., :-2] = np.where(Lx[..., :-2] == 0, 0.0, Lx[..., 1:-1] / Lx[..., :-2])
        denom = Lx[..., -2] + Lx[..., -1]
        S[..., -2] = np.where(denom == 0, 0.0, Lx[..., -1] / denom)
    S[..., -1] = S[..., -2]
    for t in range(T):
        start = pop[t] + 0.5 * mig[t]
        fl = -start[start < 0].sum()
        start = np.maximum(start, 0.0)
        new = np.empty((2, n))
        new[:, 1:-1] = start[:, :-2] * S[t, :, :-2]
        top = start[:, -2] + start[:, -1]
        new[:, -1] = top * S[t, :, -2]
        d = np.empty((2, n))
        d[:, :-2] = start[:, :-2] * (1.0 - S[t, :, :-2])
        d[:, -2:] = start[:, -2:] * (1.0 - S[t, :, -2])[:, None]
        end = new[:, 1:] + 0.5 * mig[t, :, 1:]
        fl += -end[end < 0].sum()
        new[:, 1:] = np.maximum(end, 0.0)
        b = np.sum(asfr[t] * 0.5 * (start[1] + new[1]))
        share_male = srb[t] / (1.0 + srb[t])
        births[t] = [b * share_male, b * (1.0 - share_male)]
        surv0 = births[t] * Lx[t, :, 0]
        d[:, 0] += births[t] - surv0
        age0 = surv0 + 0.5 * mig[t, :, 0]
        fl += -age0[age0 < 0].sum()
        new[:, 0] = np.maximum(age0, 0.0)
        pop[t + 1] = new
        deaths[t] = d
        floored[t] = fl
    return pop, births, deaths, floored


# ---------------------------------------------------------------------------
# scheme kernel
# ---------------------------------------------------------------------------

#: Output names of :func:`scheme_numpy`, in the order of the fields of
#: :class:`ssproj.kernels.scheme.SchemeOutputs` (the kernel's ``<name>_out``; some
#: names shortened: ``invalidity`` for ``invalidity_retirements``, ``lump_sum`` for
#: ``lump_sums``, ...).
SCHEME_OUTPUTS = (
    "actives", "inactives", "exposure", "service", "pensioners", "amounts",
    "entrants", "member_deaths", "invalidity", "lapses", "reentries",
    "retire_pension", "retire_lump",
    "awards_count", "awards_amount", "outgo", "lump_sum", "pensioner_deaths", "orphan_exits",
    "refunds", "refunds_amount",
)

_OLD_AGE, _INVALIDITY, _WIDOW, _ORPHAN, _PARENT = 0, 1, 2, 3, 4


def _age_up(arr, axis=-1):
    """Move every cell one age up along ``axis`` (x -> x+1, the last age stays)."""
    arr = np.moveaxis(arr, axis, -1)
    out = np.zeros_like(arr)
    out[..., 1:] = arr[..., :-1]
    out[..., -1] += arr[..., -1]
    return np.moveaxis(out, -1, axis)


def _pension_rate_numpy(n, base, accrual, cap_service, cap, full_service, reduction):
    """Vectorised :func:`ssproj.kernels.scheme._pension_rate` (broadcasting)."""
    rate = np.minimum(base + accrual * np.minimum(n, cap_service), cap)
    rate = np.where(n < full_service, rate - reduction * (full_service - n), rate)
    return np.maximum(rate, 0.0)


def _retirement_numpy(x1, last, pa, window, early_rate, reduction, deferral, defer_years, increment):
    """Vectorised :func:`ssproj.kernels.scheme._retirement` (broadcasting).

    Returns ``(share of actives, share of inactives, pension factor, early)``
    retiring at the birthday that brings members to age ``x1``.
    """
    at_end = (x1 >= last) | ((x1 >= pa + defer_years) & (x1 >= pa))   # everybody retires
    normal = ~at_end & (x1 >= pa)                                       # at or after pa, deferral
    first = normal & (x1 < pa + 1.0)                                    # the year of pa
    early = ~at_end & ~normal & (x1 >= pa - window)
    late = x1 - np.ceil(pa)
    f_act = np.where(at_end, 1.0,
                     np.where(first, np.where(defer_years > 0.0, 1.0 - deferral, 1.0),
                              np.where(early, early_rate, 0.0)))
    f_inact = np.where(at_end | normal, 1.0, 0.0)
    # late factor for everybody past ceil(pa), actives and inactives alike
    adj = np.where(at_end | normal, np.where(late > 0.0, 1.0 + increment * late, 1.0),
                   np.where(early, 1.0 - reduction * (pa - x1), 1.0))
    return f_act, f_inact, adj, early


def _survivors_numpy(dead, re, married, spouse_gap, children, widow_rate, orphan_rate, orphan_limit,
                     addP, addM, awards_count, awards_amount, orphan_exits, share=None, floor=None, min_age=None,
                     parents=None):
    """Widow(er)s' and orphans' awards for deaths ``dead`` (K, G, S, X) with reference earnings ``re``.

    Adds into ``addP, addM`` (B, G, S, X) and the year's ``awards_count,
    awards_amount`` (B, G) and ``orphan_exits`` (G,), as the kernel's
    ``_survivors`` does for each dying cell. ``share`` (G,) of the spouses
    qualify, each widow(er)'s pension is at least ``floor`` (G,)
    [currency/year]; returns the amounts (G,) awarded to survivors younger
    than ``min_age`` (G, S) at 1 January (not paid in the year of award).
    ``parents`` = ``(rate, pair_rate, one, two, mother, gap)``: dependent
    parents' pensions (one parent ``rate x RE``, each of two
    ``min(rate, pair_rate / 2) x RE``), at the deceased's age + gap + 1.
    """
    G, S, X = dead.shape[1:]
    last = X - 1
    # widow(er)s: to the other sex, at the deceased's age + gap + 1 (age at the year end)
    g4 = (None, slice(None), None, None)
    w = dead * married * (1.0 if share is None else np.asarray(share)[g4])
    w = np.where(w > 0.0, w, 0.0)
    amt = w * widow_rate * re
    if floor is not None:
        lo = np.asarray(floor)[g4]
        amt = np.where(widow_rate * re < lo, w * lo, amt)
    amt = amt.sum(axis=0)                                                      # (G, S, X) by deceased
    w = w.sum(axis=0)
    xa = np.clip(np.arange(X) + spouse_gap + 1, 0, last)                      # (S, X)
    other = (S - 1 - np.arange(S))[None, :, None]
    gidx = np.arange(G)[:, None, None]
    unpaid = np.zeros(G)
    if min_age is not None:
        young = (xa[None] - 1) < np.asarray(min_age)[:, ::-1][:, :, None]   # survivor of the other sex
        unpaid = np.where(young, amt, 0.0).sum(axis=(1, 2))
    np.add.at(addP[_WIDOW], (gidx, other, xa[None]), w)
    np.add.at(addM[_WIDOW], (gidx, other, xa[None]), amt)
    awards_count[_WIDOW] += w.sum(axis=(1, 2))
    awards_amount[_WIDOW] += amt.sum(axis=(1, 2))
    # orphans: spread evenly over ages 0..limit-1 at the death, half boys;
    # those reaching the limit at the year end leave after half a year
    if orphan_limit > 0:
        kids = dead * children
        kids = np.where(kids > 0.0, kids, 0.0)
        k_g = kids.sum(axis=(0, 2, 3))                                        # (G,)
        kre_g = (kids * re).sum(axis=(0, 2, 3))
        addP[_ORPHAN, :, :, 1:orphan_limit] += (k_g / (2.0 * orphan_limit))[:, None, None]
        addM[_ORPHAN, :, :, 1:orphan_limit] += (kre_g * orphan_rate / (2.0 * orphan_limit))[:, None, None]
        awards_count[_ORPHAN] += k_g
        awards_amount[_ORPHAN] += kre_g * orphan_rate
        orphan_exits += k_g / orphan_limit
    if parents is not None and parents[0] > 0.0:
        rate, pair, one, two, mother, gap = parents
        each_two = min(rate, 0.5 * pair)
        n_one = np.where(dead * one > 0.0, dead * one, 0.0).sum(axis=0)             # (G, S, X) by deceased
        n_two = np.where(dead * two > 0.0, dead * two, 0.0).sum(axis=0)
        a_one = np.where(dead * one > 0.0, dead * one * re, 0.0).sum(axis=0)
        a_two = np.where(dead * two > 0.0, dead * two * re, 0.0).sum(axis=0)
        xp = np.broadcast_to(np.clip(np.arange(X) + gap + 1, 0, last)[None], (G, S, X))
        gidx3 = np.broadcast_to(gidx, (G, S, X))
        for sp, single in ((0, 1.0 - mother), (1, mother)):                          # fathers, mothers
            cnt = n_one * single + n_two
            amt = (a_one * single * rate) + a_two * each_two
            np.add.at(addP[_PARENT], (gidx3, np.full((G, S, X), sp), xp), cnt)
            np.add.at(addM[_PARENT], (gidx3, np.full((G, S, X), sp), xp), amt)
            awards_count[_PARENT] += cnt.sum(axis=(1, 2))
            awards_amount[_PARENT] += amt.sum(axis=(1, 2))
    return unpaid


def scheme_numpy(
    A, I, P, M, R,
    target, recruits, entry_dist, qx, mortality_factor,
    density, lapse, reentry,
    inval_incidence, inval_min_service, inval_rate,
    pensionable_age, min_service, accrual, base_rate, full_service, short_reduction,
    service_cap, replacement_cap, min_pension, max_pension, lump_months,
    earnings, drop_share, revaluation, surv_min_service, widow_rate, orphan_rate, orphan_limit,
    married, spouse_gap, children, indexation,
    early_window, early_rate, early_reduction, deferral_share, deferral_years, late_increment,
    closed_from=None, closed_keep_members=1, min_in_payment=None,
    surv_share=None, surv_floor=None, surv_exit=None, surv_min_age=None, inval_convert=None, inval_recovery=None,
    WA=None, WI=None, record_years=None, record_best=None, refund_share=None, refund_months=None,
    parent_rate=None, parent_pair_rate=None, parent_one=None, parent_two=None, parent_mother=None, parent_gap=None,
    *, final_state=False,
):
    """Scheme projection, NumPy version of ``scheme_kernel`` (for tests and benchmarks).

    Computes the same year step as
    :func:`ssproj.kernels.scheme.scheme_kernel` (order of operations in
    :mod:`ssproj.kernels.scheme`) with whole-array NumPy operations over
    all (group, sex, age, service) cells: masks for eligibility, shifted
    slices for ageing and the service credit, ``np.add.at`` for the
    widow(er)s' ages. Only the loop over years is a Python loop. It is an
    independent check of the kernel and a baseline for its benchmark; the
    projection does not use it. Results equal the kernel's to rounding
    (sums are accumulated in another order).

    The members' earnings records move with them as in the kernel: at
    1 January (after a closure and the entrants) ``WA`` is revalued by
    ``1 + revaluation[y, g, 0]`` and ``WI`` by ``1 + revaluation[y, g, 1]``;
    each cell's members hold its average record (``ma = WA / A``,
    ``mv = WI / I``), every leaver takes it along (lapses to the
    inactives, re-entries to the actives) and a member's reference
    earnings are ``record / min(n, N)`` (an active member with n = 0: the
    year's ``earnings``; an inactive one: 0). Invalidity pensions, refunds,
    survivors' benefits (death-weighted average over the cell row's
    eligible service cells) and, at retirement, pensions and lump sums use
    these reference earnings. Actives credited with the year add
    ``earnings[y]`` to their record (``m + w`` while ``n < N``; then
    ``m (1 - h) + w`` for the last N years, or ``m + max(0, w - m h)`` for
    the best N years, ``h = drop_share[y]``); retiring credited actives use
    ``record / min(n + 1, N)``.

    Parameters
    ----------
    A, I, P, M, R : ndarray
        State at the start of the first year, shapes (G, 2, X, NS) for
        ``A, I`` and (5, G, 2, X) for ``P, M, R``; not modified.
    target, recruits, entry_dist, qx, mortality_factor, density, lapse, reentry, \
inval_incidence, inval_min_service, inval_rate, pensionable_age, \
min_service, accrual, base_rate, full_service, short_reduction, \
service_cap, replacement_cap, min_pension, max_pension, lump_months, \
surv_min_service, widow_rate, orphan_rate, orphan_limit, \
married, spouse_gap, children, indexation, early_window, early_rate, \
early_reduction, deferral_share, deferral_years, late_increment
        Same as for ``scheme_kernel``, same shapes and units.
        ``orphan_limit`` must not exceed X (the kernel would write out of
        its arrays).
    earnings : ndarray, shape (Y, G, 2, X)
        Insured earnings in year y of a contributor aged x at its start,
        added to the record of those who credit the year. [currency/year]
    drop_share : ndarray, shape (Y, G, 2, X)
        Share ``h`` of the oldest year in the full N-year record of the
        cohort aged x at 1 January of y (after revaluation). [1]
    revaluation : ndarray, shape (Y, G, 2)
        Revaluation at 1 January of y of the active (0) and inactive
        (deferred, 1) records. [1/year]
    surv_share, surv_floor, surv_exit : ndarray, shape (Y, G), optional
        Survivors' conditions of ``scheme_kernel`` (share of spouses who
        qualify, lowest widow(er)'s pension / minimum pension, exits other
        than death); None: every spouse, no minimum, no exit.
    surv_min_age : ndarray, shape (G, S), optional
        Age from which a widow(er)'s pension is paid; None: any age.
    parent_rate, parent_pair_rate : ndarray, shape (Y,), optional
    parent_one, parent_two, parent_mother : ndarray, shape (S, X), optional
    parent_gap : ndarray of int, shape (S, X), optional
        Dependent parents' pensions of ``scheme_kernel``; None (``parent_rate``):
        none are paid.
    inval_convert : ndarray of int, shape (G,), optional
        1 where invalidity pensions become old-age pensions at the
        pensionable age; None: never.
    inval_recovery : ndarray, shape (Y, G), optional
        Yearly rate at which invalidity pensions end on recovery; None: 0.
    min_in_payment : ndarray of int, shape (G,), optional
        1 where old-age and invalidity pensions in payment are raised to
        the year's minimum pension after indexation; None: nowhere.
    closed_from, closed_keep_members : int, optional
        The closure of ``scheme_kernel``: at the start of year
        ``closed_from`` the actives become inactive with their records
        (``closed_keep_members`` 1) or every member leaves (0); None: never.
    WA, WI : ndarray, shape (G, 2, X, NS), optional
        Earnings records of the actives and inactives at the start of the
        first year (:class:`ssproj.kernels.scheme.MemberRecords`: per cell,
        the sum over its members of the insured earnings of the years in
        their reference earnings) [currency/year x years]; not modified.
        They must be 0 in cells without members (as the kernel assumes).
        None: zeros (every member's reference earnings are then 0, except
        actives with no credited year).
    record_years : ndarray of int, shape (G,), optional
        N, the years of insured earnings in the reference earnings, each in
        1..NS-1. None: NS - 1 in every group (the career average: every
        credited year counts).
    record_best : ndarray of int, shape (G,), optional
        1 where the reference earnings are the (approximated) best N
        years, 0 the last N years; None: the last N years everywhere.
    refund_share, refund_months : ndarray, shape (Y, G), optional
        Share of the lapses of members below the minimum service for a
        pension who take a refund of ``refund_months/12 x n x RE`` and leave
        the scheme [1], [months/year]; None: no refunds.
    final_state : bool, optional
        Also return the state and the records at the end of the last year.

    Returns
    -------
    dict of ndarray
        Keys :data:`SCHEME_OUTPUTS` (the kernel's output arguments without
        ``_out``, in the same order as the fields of
        :class:`ssproj.kernels.scheme.SchemeOutputs`), same shapes and
        units: stocks ``actives, inactives`` (Y+1, G, 2, X), ``service``
        (Y+1, G, NS), ``pensioners, amounts`` (Y+1, 5, G, 2, X);
        ``exposure`` (Y, G, 2, X); flows (Y, G) or, for ``awards_count,
        awards_amount, outgo``, (Y, 5, G). ``refunds`` are persons,
        ``refunds_amount`` currency, also counted in ``lump_sum``.
    tuple of ndarray
        Only with ``final_state``: ``(A, I, P, M, R, WA, WI)`` at the end of
        the last year.

    Raises
    ------
    ValueError
        If ``orphan_limit`` exceeds the number of ages, if a record length
        is outside 1..NS-1 or if the records' shapes differ from ``A``'s.
    """
    A = np.array(A, dtype=float)
    I = np.array(I, dtype=float)
    P = np.array(P, dtype=float)
    M = np.array(M, dtype=float)
    R = np.array(R, dtype=float)
    G, S, X, NS = A.shape
    B = P.shape[0]
    Y = np.shape(target)[0]
    last = X - 1
    orphan_limit = int(orphan_limit)
    if orphan_limit > X:
        raise ValueError(f"orphan_limit {orphan_limit} exceeds the {X} ages")
    spouse_gap = np.asarray(spouse_gap)
    WA = np.zeros_like(A) if WA is None else np.array(WA, dtype=float)
    WI = np.zeros_like(I) if WI is None else np.array(WI, dtype=float)
    if WA.shape != A.shape or WI.shape != A.shape:
        raise ValueError(f"records of shapes {WA.shape}, {WI.shape}; expected {A.shape}")
    N = np.full(G, NS - 1, dtype=np.int64) if record_years is None else np.asarray(record_years, dtype=np.int64)
    if N.shape != (G,) or (N < 1).any() or (N > NS - 1).any():
        raise ValueError(f"record_years {N} must hold one value in 1..{NS - 1} per group")
    best = np.zeros(G, dtype=bool) if record_best is None else np.asarray(record_best) == 1
    refund_share = np.zeros((Y, G)) if refund_share is None else np.asarray(refund_share, dtype=float)
    refund_months = np.zeros((Y, G)) if refund_months is None else np.asarray(refund_months, dtype=float)
    earnings = np.asarray(earnings, dtype=float)
    drop_share = np.asarray(drop_share, dtype=float)
    revaluation = np.asarray(revaluation, dtype=float)

    z = np.zeros
    out = dict(
        actives=z((Y + 1, G, S, X)), inactives=z((Y + 1, G, S, X)), exposure=z((Y, G, S, X)),
        service=z((Y + 1, G, NS)), pensioners=z((Y + 1, B, G, S, X)), amounts=z((Y + 1, B, G, S, X)),
        entrants=z((Y, G)), member_deaths=z((Y, G)), invalidity=z((Y, G)), lapses=z((Y, G)),
        reentries=z((Y, G)), retire_pension=z((Y, G)), retire_lump=z((Y, G)),
        awards_count=z((Y, B, G)), awards_amount=z((Y, B, G)), outgo=z((Y, B, G)),
        lump_sum=z((Y, G)), pensioner_deaths=z((Y, G)), orphan_exits=z((Y, G)),
        refunds=z((Y, G)), refunds_amount=z((Y, G)),
    )
    ages = np.arange(X)
    x1 = np.minimum(ages + 1, last)                        # age at the year end
    n = np.arange(NS)
    n_up = np.minimum(n + 1, NS - 1)                       # service after a year's credit
    orphan_leaves = x1 >= orphan_limit                     # (X,)
    g4 = (slice(None), None, None, None)                   # (G,) -> (G, 1, 1, 1)
    # years in the record: min(n, N) before the year's credit, min(n + 1, N) after it (G, 1, 1, NS)
    ln = np.minimum(n[None, :], N[:, None])[:, None, None, :]
    ln_up = np.minimum(n_up[None, :], N[:, None])[:, None, None, :]
    has_years = ln > 0
    ln_div = np.maximum(ln, 1)                             # (divisor where ln > 0; the other cells are masked)
    growing = (n[None, :] < N[:, None])[:, None, None, :]  # the record is not full yet: the year is added
    best4 = best[g4]

    def surv_args(y):  # the survivors' conditions of year y for _survivors_numpy
        return (None if surv_share is None else np.asarray(surv_share)[y],
                None if surv_floor is None else np.asarray(surv_floor)[y] * min_pension[y],
                surv_min_age,
                None if parent_rate is None else (float(parent_rate[y]), float(parent_pair_rate[y]), parent_one,
                                                  parent_two, parent_mother, parent_gap))

    def average(total, count):  # total / count where count > 0, else 0
        return np.divide(total, count, out=np.zeros_like(total), where=count > 0.0)

    for y in range(Y + 1):
        # --- state at the start of year y
        out["actives"][y] = A.sum(axis=3)
        out["inactives"][y] = I.sum(axis=3)
        out["service"][y] = A.sum(axis=(1, 2))
        out["pensioners"][y] = P
        out["amounts"][y] = M
        if y == Y:
            break

        # --- 0. closure: nobody contributes or accrues from this year on (the records go with the members)
        if closed_from is not None and y == int(closed_from):
            if int(closed_keep_members) == 1:
                I = I + A
                WI = WI + WA
            else:
                I = np.zeros_like(I)
                WI = np.zeros_like(WI)
            A = np.zeros_like(A)
            WA = np.zeros_like(WA)

        # --- 1. indexation (and the minimum in payment)
        k = 1.0 + indexation[y]
        M *= k
        R *= k
        if min_in_payment is not None:
            on = (np.asarray(min_in_payment) == 1)[:, None, None]                         # (G, 1, 1)
            for b in (_OLD_AGE, _INVALIDITY):
                floor = P[b] * min_pension[y][:, None, None]
                M[b] = np.where(on & (M[b] < floor), floor, M[b])

        # --- 2. entrants at service 0 (with an empty record)
        # members summed in the kernel's (sequential) order: the gap can be a small
        # difference of two large numbers, which would magnify any other order's rounding
        members = np.cumsum(A.reshape(G, S, X * NS), axis=2)[:, :, -1]
        gap = target[y] - members                          # (G, S)
        gap = np.where(gap > 0.0, gap, 0.0) + recruits[y]
        gap = np.where(gap > 0.0, gap, 0.0)
        out["entrants"][y] = gap.sum(axis=1)
        A[:, :, :, 0] += gap[:, :, None] * entry_dist

        # --- records revalued at 1 January: each member holds the cell's average record
        ma = average(WA * (1.0 + revaluation[y][:, 0])[g4], A)                   # (G, S, X, NS)
        mv = average(WI * (1.0 + revaluation[y][:, 1])[g4], I)
        w = earnings[y][..., None]                                              # (G, S, X, 1)
        h = drop_share[y][..., None]
        rea = np.where(has_years, ma / ln_div, w)         # reference earnings of the actives
        rev = np.where(has_years, mv / ln_div, 0.0)       # and of the inactives

        # --- 3. member decrements, cell by cell
        q = np.minimum(qx[y][None] * mortality_factor[:, None, None], 1.0)    # (G, S, X)
        d = density[y][g4]
        q4 = q[..., None]
        inc = np.where((n[None, :] >= inval_min_service[y][:, None])[:, None, None, :],
                       inval_incidence[None, :, :, None], 0.0)                  # (G, S, X, NS)
        da = A * q4
        a1 = A - da
        di = a1 * inc
        a2 = a1 - di
        dl = a2 * lapse[y][g4]
        a3 = a2 - dl
        dv = I * q4
        v1 = I - dv
        dr = v1 * reentry[y][g4]
        v2 = v1 - dr
        # retirement at the birthday that brings members to age x1 (G, S, X) -> (G, S, X, 1)
        options = (v[y][:, None, None] for v in (early_window, early_rate, early_reduction,
                                                 deferral_share, deferral_years, late_increment))
        f_act, f_inact, adj, early = (v[..., None] for v in _retirement_numpy(
            x1[None, None, :], last, pensionable_age[y][:, :, None], *options))
        # members who retire at their birthday, on average at mid-year, contribute half a year;
        # in the early-retirement window only those with (n + 1) years for a pension may retire
        min_serv = min_service[y][g4]
        contrib_years = A - 0.5 * (da + di + dl) + 0.5 * dr
        eligible_share = (np.where(n + 1 >= min_serv, d, 0.0) + np.where(n >= min_serv, 1.0 - d, 0.0))
        leaving = np.where(early, f_act * eligible_share, f_act)
        retiring = (f_act > 0.0) | (f_inact > 0.0)
        contrib_years = contrib_years * (1.0 - 0.5 * leaving)
        out["exposure"][y] = d[..., 0] * contrib_years.sum(axis=3)
        dead = da + dv
        out["member_deaths"][y] = dead.sum(axis=(1, 2, 3))
        out["invalidity"][y] = di.sum(axis=(1, 2, 3))
        out["lapses"][y] = dl.sum(axis=(1, 2, 3))
        out["reentries"][y] = dr.sum(axis=(1, 2, 3))

        # refunds: of the lapses below the minimum service for a pension, a share takes
        # refund_months/12 x n x RE and leaves the scheme
        rshare = refund_share[y][g4]
        dref = np.where((rshare > 0.0) & (n < min_serv) & (dl > 0.0), dl * rshare, 0.0)
        dl_keep = dl - dref
        refund_amount = (dref * (refund_months[y][g4] / 12.0) * n * rea).sum(axis=(1, 2, 3))
        out["refunds"][y] = dref.sum(axis=(1, 2, 3))
        out["refunds_amount"][y] = refund_amount
        out["lump_sum"][y] += refund_amount

        addP = np.zeros_like(P)
        addM = np.zeros_like(M)
        addR = np.zeros_like(R)
        awards_count = out["awards_count"][y]
        awards_amount = out["awards_amount"][y]
        exits = out["orphan_exits"][y]

        # invalidity pensions, at the age at the year end: each clip(rate x own RE, min, max)
        inv_on = di > 0.0
        inv_each = np.minimum(np.maximum(inval_rate[y][g4] * rea, min_pension[y][g4]), max_pension[y][g4])
        di_x = di.sum(axis=3)                                                   # (G, S, X)
        row_on = di_x > 0.0
        di_pos = np.where(row_on, di_x, 0.0)
        inv_amt = np.where(row_on, np.where(inv_on, di * inv_each, 0.0).sum(axis=3), 0.0)
        inv_re = np.where(row_on, np.where(inv_on, di * rea, 0.0).sum(axis=3), 0.0)
        addP[_INVALIDITY] += _age_up(di_pos)
        addM[_INVALIDITY] += _age_up(inv_amt)
        addR[_INVALIDITY] += _age_up(inv_re)
        awards_count[_INVALIDITY] += di_pos.sum(axis=(1, 2))
        awards_amount[_INVALIDITY] += inv_amt.sum(axis=(1, 2))

        # --- 5. survivors of members who die (RE: the death-weighted average over the eligible cells)
        surv_ok = (n[None, :] >= surv_min_service[y][:, None])[:, None, None, :]
        dead_elig = np.where(surv_ok, dead, 0.0).sum(axis=3)                    # (G, S, X)
        dead_re = np.where(surv_ok, da * rea + dv * rev, 0.0).sum(axis=3)
        dead_elig = np.where(dead_elig > 0.0, dead_elig, 0.0)
        re_dead = average(dead_re, dead_elig)
        unpaid = _survivors_numpy(dead_elig[None], re_dead[None], married, spouse_gap, children, widow_rate[y],
                                  orphan_rate[y], orphan_limit, addP, addM, awards_count, awards_amount, exits,
                                  *surv_args(y))

        # --- 4. ageing, service credit and retirement
        end_a = a3 + dr
        end_v = v2 + dl_keep
        # records at the year end (leavers took the average record), and of those credited the year
        me = average(a3 * ma + dr * mv, end_a)
        mve = average(v2 * mv + dl_keep * ma, end_v)
        mc = np.where(growing, me + w, np.where(best4, me + np.maximum(0.0, w - me * h), me * (1.0 - h) + w))
        rate_args = (base_rate[y][:, None], accrual[y][:, None], service_cap[y][:, None],
                     replacement_cap[y][:, None], full_service[y][:, None], short_reduction[y][:, None])
        lo = min_pension[y][g4]
        hi = max_pension[y][g4]
        stays = []
        records = []
        # part 0: actives who credited a year of service (n + 1); part 1: the other
        # actives (n); part 2: inactives (n). Each part retires its share f with its own
        # reference earnings; the rest (and, in the early window, the ineligible) carries
        # on at age x1 with its record.
        for cnt, nn, f, m, re in ((end_a * d, n_up, f_act, mc, mc / ln_up),
                                  (end_a * (1.0 - d), n, f_act, me, np.where(has_years, me / ln_div, w)),
                                  (end_v, n, f_inact, mve, np.where(has_years, mve / ln_div, 0.0))):
            pos = cnt > 0.0
            leave = cnt * f
            eligible = nn >= min_serv                                                   # (G, 1, 1, NS)
            to_pension = pos & (f > 0.0) & eligible
            to_lump = pos & (f > 0.0) & ~eligible & ~early
            stay = np.where(to_pension | to_lump, cnt - leave, cnt)
            # cells where nobody retires carry everybody on, as they are
            stay = np.where(retiring, np.where(pos & (stay > 0.0), stay, 0.0), cnt)
            stays.append(stay)
            records.append(stay * m)
            pc = np.where(to_pension, leave, 0.0)
            lc = np.where(to_lump, leave, 0.0)
            rate = _pension_rate_numpy(nn[None, :], *rate_args)                         # (G, NS)
            pen = np.minimum(np.maximum(rate[:, None, None, :] * re * adj, lo), hi)
            p_count = pc.sum(axis=3)
            p_amount = (pc * pen).sum(axis=3)
            addP[_OLD_AGE] += _age_up(p_count)
            addM[_OLD_AGE] += _age_up(p_amount)
            addR[_OLD_AGE] += _age_up((pc * re).sum(axis=3))
            awards_count[_OLD_AGE] += p_count.sum(axis=(1, 2))
            awards_amount[_OLD_AGE] += p_amount.sum(axis=(1, 2))
            out["retire_pension"][y] += p_count.sum(axis=(1, 2))
            out["lump_sum"][y] += (lc * lump_months[y][g4] / 12.0 * nn * re).sum(axis=(1, 2, 3))
            out["retire_lump"][y] += lc.sum(axis=(1, 2, 3))
        # members who carry on: a year older, the credited ones one service cell up, with their records
        for credited, stay_a, _ in (stays, records):
            stay_a[..., 1:] += credited[..., :-1]
            stay_a[..., -1] += credited[..., -1]
        A = _age_up(stays[1], axis=2)
        I = _age_up(stays[2], axis=2)
        WA = _age_up(records[1], axis=2)
        WI = _age_up(records[2], axis=2)

        # --- 6. pensioners in payment (cells with nobody are dropped, as in the kernel)
        live = P != 0.0
        dp = np.where(live, P * q, 0.0)
        out["pensioner_deaths"][y] = dp.sum(axis=(0, 2, 3))
        paid = np.ones_like(M)
        paid[_ORPHAN][..., orphan_leaves] = 0.5   # orphans reaching the limit: until the birthday
        exit_q = np.broadcast_to(q, M.shape).copy()                          # (B, G, S, X)
        if surv_min_age is not None:
            paid[_WIDOW] = np.where(ages[None, None, :] < np.asarray(surv_min_age)[:, :, None], 0.0, 1.0)
        if surv_exit is not None:
            rho = np.asarray(surv_exit)[y][:, None, None]
            exit_q[_WIDOW] = q + rho - q * rho
        if inval_recovery is not None:
            rec = np.asarray(inval_recovery)[y][:, None, None]
            exit_q[_INVALIDITY] = q + rec - q * rec
        out["outgo"][y] = np.where(live, paid * M * (1.0 - 0.5 * exit_q), 0.0).sum(axis=(2, 3))
        own = slice(_OLD_AGE, _INVALIDITY + 1)
        with_surv = (dp[own] > 0.0) & (P[own] > 0.0)
        avg_re = np.divide(R[own], P[own], out=np.zeros_like(R[own]), where=with_surv)
        unpaid = unpaid + _survivors_numpy(np.where(with_surv, dp[own], 0.0), avg_re, married, spouse_gap,
                                           children, widow_rate[y], orphan_rate[y], orphan_limit, addP, addM,
                                           awards_count, awards_amount, exits, *surv_args(y))
        keep = 1.0 - exit_q
        kP = np.where(live, P * keep, 0.0)
        kM = np.where(live, M * keep, 0.0)
        kR = np.where(live, R * keep, 0.0)
        exits += kP[_ORPHAN][..., orphan_leaves].sum(axis=(1, 2))
        for arr in (kP, kM, kR):
            arr[_ORPHAN][..., orphan_leaves] = 0.0
        if inval_convert is not None:  # invalidity -> old age at the birthday reaching the pensionable age
            conv = ((np.asarray(inval_convert) == 1)[:, None, None]
                    & (x1[None, None, :] >= pensionable_age[y][:, :, None]))          # (G, S, X)
            for arr in (kP, kM, kR):
                arr[_OLD_AGE] += np.where(conv, arr[_INVALIDITY], 0.0)
                arr[_INVALIDITY] = np.where(conv, 0.0, arr[_INVALIDITY])
        addP += _age_up(kP)
        addM += _age_up(kM)
        addR += _age_up(kR)
        out["outgo"][y] += 0.5 * awards_amount
        out["outgo"][y][_WIDOW] -= 0.5 * unpaid

        # --- 7. end-of-year state
        P, M, R = addP, addM, addR

    if final_state:
        return out, (A, I, P, M, R, WA, WI)
    return out
