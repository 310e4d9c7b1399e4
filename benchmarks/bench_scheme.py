"""Benchmark: the scheme kernel (insured persons and pensioners) against its NumPy reference.

Times the Numba scheme kernel (``scheme_kernel``, after compilation; one
thread, as in the deterministic projection and in each stochastic path),
against the
NumPy-vectorised reference of the same step
(``ssproj.testing.oracle.scheme_numpy``) on inputs of the Lao baseline's
size: 3 groups x 2 sexes x 101 ages x 51 service years, 77 years
(2024-2100). The inputs are synthetic but realistic (members at ages
15-100 with 0-45 years of service and their earnings records, pensioners
of the four types, Gompertz mortality, a growing coverage target; the last
5 years, the career average and the best 10 years, revaluation, refunds).
Then the same on the Lao baseline's
own inputs (``compile_scenario`` and the drivers of one ``run_scheme``).
The whole projection (``run_path``, ``ssproj.project``, command-line runs)
is in ``bench_project.py``.

Run:  python benchmarks/bench_scheme.py [--repeat N] [--synthetic-only]
Prints the figures; it asserts nothing about timings (only that the
kernels and the reference agree: outputs, end state and earnings records).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    ROOT,
    SCENARIO,
    KernelRun,
    best_time,
    lao_scheme_inputs,
    mark,
    max_rel_diff,
    oracle_args,
    oracle_outputs,
)
from ssproj.kernels.scheme import N_TYPES

TARGET_KERNEL_MS = 20.0   # full deterministic scheme projection, 77 years, after compilation (design)
RTOL = 1e-10

X, NS = 101, 51
B = N_TYPES  # benefit types (old age, invalidity, widow(er), orphan, dependent parent)


def synthetic_inputs(G=3, Y=77, seed=20240726):
    """Kernel inputs of the Lao baseline's size, synthetic but realistic.

    Returns a dict keyed by the field names of the kernel's ``SchemeState``,
    ``MemberRecords``, ``SchemeParams`` and ``SchemeDrivers`` (the same
    names as the NumPy oracle's arguments). Money in LAK a year.

    Earnings: the average wage (+4.5% a year) x a salary scale by age x a
    group level. Group 0 counts the last 5 years, group 1 the career, group
    2 the best 10 years; active records are revalued with wages (so the
    revalued earnings of a cohort's past year are today's wage x the salary
    scale at that age, which gives the exact share of the oldest year),
    deferred ones with prices (3%). Groups 1 and 2 refund half the
    short-service lapses (one month per year of service).
    """
    rng = np.random.default_rng(seed)
    ages = np.arange(X, dtype=float)
    years = np.arange(Y, dtype=float)
    n = np.arange(NS)

    # members: age profile of covered workers x service (at most age - 15, at most 45)
    size = np.array([180_000.0, 120_000.0, 15_000.0])[:G] if G <= 3 else np.full(G, 50_000.0)
    profile = np.exp(-0.5 * ((ages - 38.0) / 12.0) ** 2)
    profile[:15] = 0.0
    profile[65:] *= np.exp(-0.25 * (ages[65:] - 64.0))   # a few members stay on past 64
    service = np.zeros((X, NS))
    for x in range(15, X):
        top = min(x - 15, 45)
        w = np.exp(-((top - n[: top + 1]) / max(top, 1) * 2.0) ** 2)
        service[x, : top + 1] = w / w.sum()
    A = np.zeros((G, 2, X, NS))
    I = np.zeros((G, 2, X, NS))
    for g in range(G):
        for s in range(2):
            share = 0.6 if s == 0 else 0.4
            a_x = size[g] * share * profile / profile.sum()
            A[g, s] = a_x[:, None] * service * rng.uniform(0.9, 1.1, (X, NS))
            I[g, s] = 0.15 * a_x[:, None] * service * rng.uniform(0.9, 1.1, (X, NS))
    A[:, :, :, 46:] = 0.0
    I[:, :, :, 46:] = 0.0

    # pensioners: old age 55+, invalidity 20+, widow(er)s 20+, orphans 0-17, dependent parents 50+
    P = np.zeros((B, G, 2, X))
    old = np.where(ages >= 55, np.exp(-0.08 * (ages - 55)), 0.0)
    inv = np.where(ages >= 20, np.exp(-0.5 * ((ages - 55) / 12.0) ** 2), 0.0)
    wid = np.where(ages >= 20, np.exp(-0.5 * ((ages - 65) / 12.0) ** 2), 0.0)
    orp = np.where(ages < 18, 1.0, 0.0)
    par = np.where(ages >= 50, np.exp(-0.5 * ((ages - 70) / 10.0) ** 2), 0.0)
    for g in range(G):
        scale = size[g] / 180_000.0
        P[0, g] = 30_000 * scale * old / old.sum()
        P[1, g] = 2_000 * scale * inv / inv.sum()
        P[2, g] = 4_000 * scale * wid / wid.sum()
        P[3, g] = 3_000 * scale * orp / orp.sum()
        P[4, g] = 500 * scale * par / par.sum()
    avg = np.array([18e6, 12e6, 7e6, 3e6, 5e6])[:, None, None, None]
    M = P * avg
    R = np.zeros_like(P)
    R[:2] = M[:2] / 0.75

    # mortality: Gompertz-Makeham, women lower, 1% a year improvement, q(100) = 1
    q = 0.0008 + 0.00004 * np.exp(0.094 * ages)
    q[0] = 0.04
    qx = np.empty((Y, 2, X))
    qx[:, 0] = np.minimum(q[None] * 0.99 ** years[:, None], 1.0)
    qx[:, 1] = np.minimum(0.75 * q[None] * 0.99 ** years[:, None], 1.0)
    qx[:, :, 100] = 1.0

    entry = np.exp(-0.5 * ((ages - 24.0) / 4.0) ** 2)
    entry[:15] = 0.0
    entry[45:] = 0.0
    entry_dist = np.broadcast_to(entry / entry.sum(), (G, 2, X)).copy()
    target = A.sum(axis=(2, 3))[None] * 1.02 ** (years[:, None, None] + 1)     # coverage grows 2% a year

    inc = np.where((ages >= 15) & (ages < 65), 0.0003 * np.exp(0.05 * (ages - 15)), 0.0)
    sal = np.where(ages >= 15, 0.5 + 0.9 * (1 - np.exp(-(ages - 15).clip(0) / 18.0)), 0.0)
    wage = 24e6 * 1.045 ** years                                              # LAK a year, +4.5% a year
    level = np.array([1.2, 1.0, 0.7])[:G] if G <= 3 else np.ones(G)
    earnings = wage[:, None, None, None] * sal[None, None, None, :] * level[None, :, None, None] * np.ones((1, G, 2, 1))
    record_years = np.array([5, NS - 1, 10] * G)[:G].astype(np.int64)
    record_best = np.array([0, 0, 1] * G)[:G].astype(np.int64)
    # past salary scale of a member aged x: sal_back[k, x] = sal(x - k) (0 before age 0)
    sal_back = np.zeros((NS, X))
    for k in range(NS):
        sal_back[k, k:] = sal[: X - k]
    drop_share = np.empty((Y, G, 2, X))
    record0 = np.zeros((G, X, NS))            # a member's record at the valuation date
    for g in range(G):
        N = record_years[g]
        full = sal_back[1: N + 1].sum(axis=0)                                     # (X,)
        h = np.divide(sal_back[N], full, out=np.full(X, 1.0 / N), where=full > 0)
        drop_share[:, g] = h[None, None, :]
        cum = np.concatenate([np.zeros((1, X)), np.cumsum(sal_back[1:], axis=0)])  # years 1..n back
        record0[g] = (24e6 / 1.045 * level[g] * cum[np.minimum(n, N)]).T          # wage of the last year
    revaluation = np.empty((Y, G, 2))
    revaluation[:, :, 0] = 0.045
    revaluation[:, :, 1] = 0.03
    WA = A * record0[:, None]
    WI = I * record0[:, None]

    married = np.clip(np.where(ages >= 18, 0.85 * (1 - np.exp(-(ages - 18).clip(0) / 6.0)), 0.0)
                      - np.where(ages >= 60, 0.01 * (ages - 60), 0.0), 0.0, 1.0)
    married = np.stack([married, 0.9 * married])
    spouse_gap = np.stack([np.full(X, -4), np.full(X, 4)]).astype(np.int64)
    children = np.where((ages >= 20) & (ages < 60), 2.2 * np.exp(-0.5 * ((ages - 38) / 9.0) ** 2), 0.0)
    children = np.stack([children, children])

    per = lambda v: np.full((Y, G), float(v))
    # group 0 like the public scheme (85% after 25 years, 1% per missing year), others accrual-based
    base = per(0.0)
    base[:, 0] = 0.85
    accrual = per(0.015)
    accrual[:, 0] = 0.0
    full = per(0.0)
    full[:, 0] = 25
    red = per(0.0)
    red[:, 0] = 0.01
    cap = per(0.75)
    cap[:, 0] = 0.85
    pens_age = np.empty((Y, G, 2))
    pens_age[:, :, 0] = 60
    pens_age[:, :, 1] = np.minimum(55 + years // 4, 60)[:, None]        # women's age rising to 60
    return dict(
        A=A, I=I, P=P, M=M, R=R, WA=WA, WI=WI,
        target=target, recruits=np.zeros((Y, G, 2)), entry_dist=entry_dist, qx=qx,
        mortality_factor=np.array([0.9, 1.0, 1.1])[:G],
        density=per(0.85), lapse=per(0.04), reentry=per(0.10),
        inval_incidence=np.stack([inc, 0.8 * inc]), inval_min_service=per(5), inval_rate=per(0.4),
        pensionable_age=pens_age, min_service=per(15), accrual=accrual, base_rate=base,
        full_service=full, short_reduction=red, service_cap=per(40), replacement_cap=cap,
        min_pension=wage[:, None] * 0.25 * np.ones((1, G)), max_pension=wage[:, None] * 3.0 * np.ones((1, G)),
        lump_months=per(1.5), earnings=earnings, drop_share=drop_share, revaluation=revaluation,
        record_years=record_years, record_best=record_best,
        refund_share=np.where(np.arange(G)[None, :] > 0, 0.5, 0.0) * np.ones((Y, 1)), refund_months=per(1.0),
        surv_min_service=per(5),
        widow_rate=np.full(Y, 0.5), orphan_rate=np.full(Y, 0.2), orphan_limit=18, closed_from=Y, closed_keep_members=1,
        min_in_payment=np.zeros(G, np.int64), surv_share=np.ones((Y, G)), surv_floor=np.zeros((Y, G)),
        surv_exit=np.zeros((Y, G)), surv_min_age=np.zeros((G, 2)), inval_convert=np.zeros(G, np.int64),
        inval_recovery=np.zeros((Y, G)),
        married=married, spouse_gap=spouse_gap, children=children, indexation=np.full(Y, 0.03),
        # dependent parents (30% for one, 50% for two): likelier for young deaths, parents 28 years older
        parent_rate=np.full(Y, 0.3), parent_pair_rate=np.full(Y, 0.5),
        parent_one=np.stack([np.clip(0.3 - 0.006 * (ages - 20), 0.0, 0.3)] * 2),
        parent_two=np.stack([np.clip(0.2 - 0.005 * (ages - 20), 0.0, 0.2)] * 2),
        parent_mother=np.full((2, X), 0.65), parent_gap=np.full((2, X), 28, np.int64),
        # early retirement up to 3 years before the pensionable age (20% take it, -5% a year early);
        # 10% defer by 2 years (+5% a year late)
        early_window=per(3), early_rate=per(0.2), early_reduction=per(0.05),
        deferral_share=per(0.1), deferral_years=per(2), late_increment=per(0.05),
    )


def time_kernels_and_reference(label, inp, repeat, first_call=True):
    """Time the kernel and the NumPy reference on ``inp``; print; return the kernel's time."""
    from ssproj.kernels.scheme import scheme_kernel
    from ssproj.testing.oracle import scheme_numpy

    serial = KernelRun(inp, scheme_kernel)
    t0 = time.perf_counter()
    serial()
    first = time.perf_counter() - t0
    args = oracle_args(inp)
    ref, ref_end = scheme_numpy(*args, final_state=True)
    worst = max_rel_diff(serial.out._asdict(), oracle_outputs(ref), RTOL)
    end = serial.state._asdict() | serial.records._asdict()
    worst = max(worst, max_rel_diff(end, dict(zip(end, ref_end, strict=True)), RTOL,
                                    "kernel and reference (end state and records)"))
    t_reset = best_time(serial.reset, repeat)
    t_serial = best_time(serial, repeat)
    t_numpy = best_time(lambda: scheme_numpy(*args), max(3, repeat // 2))
    mem, pen = serial.cells()
    cells = mem + pen
    print(f"{label}: {serial.G} groups x {serial.S} sexes x {serial.X} ages x {serial.NS} service x "
          f"{serial.Y} years")
    print(f"  cells: {mem:,} member + {pen:,} pensioner = {cells:,} cell-updates per projection")
    print(f"  kernel and reference agree: max relative difference {worst:.1e} (tolerance {RTOL:g})")
    if first_call:
        print(f"  first call (compile or load from cache): {first * 1e3:.1f} ms")
    print(f"  numba kernel              : {t_serial * 1e3:9.2f} ms   {cells / t_serial:14,.0f} cell-updates/s"
          f"   (of which {t_reset * 1e3:.2f} ms resetting the state)")
    print(f"  numpy reference           : {t_numpy * 1e3:9.2f} ms   {cells / t_numpy:14,.0f} cell-updates/s")
    print(f"  ratio numpy / numba: {t_numpy / t_serial:.1f}x")
    return t_serial


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timing repeats, the best is kept (default 7)")
    parser.add_argument("--synthetic-only", action="store_true", help="skip the Lao baseline's inputs")
    args = parser.parse_args(argv)

    figures = {"synthetic inputs": time_kernels_and_reference("scheme kernel, synthetic inputs",
                                                              synthetic_inputs(), args.repeat)}
    if not args.synthetic_only:
        import ssproj

        sc = ssproj.load_scenario(SCENARIO)
        inp, _, _ = lao_scheme_inputs(sc)
        print()
        figures["the Lao baseline's inputs"] = time_kernels_and_reference(
            f"scheme kernel, the inputs of {SCENARIO.relative_to(ROOT)}", inp, args.repeat, first_call=False)

    print(f"\ntarget (design): full deterministic scheme projection (kernel, 77 years) after compilation "
          f"<= {TARGET_KERNEL_MS:.0f} ms")
    for label, t_serial in figures.items():
        print(f"  {label}: {t_serial * 1e3:.1f} ms [{mark(t_serial * 1e3, TARGET_KERNEL_MS)}]")


if __name__ == "__main__":
    main()
