"""Input sets for the scheme kernel, shared by its reference tests.

``inputs`` gives neutral inputs (nothing happens), ``random_inputs`` a
small random projection that exercises every branch of the kernel (earnings
records with revaluation, last and best N years for N from 1 to NS - 1,
refunds, cells with no credited year), ``steady_records`` the records of
members who earned the same every year, and ``run_kernel`` calls
:func:`ssproj.kernels.scheme.scheme_kernel` on a copy and returns its
outputs keyed like :func:`ssproj.testing.oracle.scheme_numpy`.
"""
import numpy as np

from ssproj.kernels.scheme import (
    N_TYPES,
    ORPHAN,
    MemberRecords,
    SchemeDrivers,
    SchemeParams,
    SchemeState,
    empty_scheme_outputs,
    scheme_kernel,
)
from ssproj.testing.oracle import SCHEME_OUTPUTS

X, NS, B = 101, 51, N_TYPES

#: Names of the state arrays, first arguments of the kernel.
STATE = ("A", "I", "P", "M", "R")
#: Names of the members' earnings records, the kernel's second argument.
RECORDS = ("WA", "WI")


def call_kernel(inp, names=SCHEME_OUTPUTS):
    """Run the kernel on the arrays of ``inp`` (modified in place: state and records) and return
    its outputs as a dict keyed by ``names`` (in :class:`SchemeOutputs` order)."""
    G = inp["A"].shape[0]
    Y = inp["target"].shape[0]
    state = SchemeState(*(inp[k] for k in STATE))
    records = MemberRecords(*(inp[k] for k in RECORDS))
    params = SchemeParams(**{k: inp[k] for k in SchemeParams._fields})
    drivers = SchemeDrivers(**{k: inp[k] for k in SchemeDrivers._fields})
    out = empty_scheme_outputs(Y, G, 2, X, NS, B)
    scheme_kernel(state, records, params, drivers, out)
    assert len(names) == len(out._fields)
    return dict(zip(names, out, strict=True))


def record_length(inp):
    """(G, 1, 1, NS) years in the record of a member of each cell: ``min(n, N)``."""
    return np.minimum(np.arange(NS)[None, :], inp["record_years"][:, None])[:, None, None, :]


def steady_records(inp, yearly=12000.0):
    """Set the records ``WA, WI`` of the members ``A, I`` of ``inp`` to those of members who earned
    ``yearly`` in each year of their record (reference earnings ``yearly`` from one credited year);
    returns ``inp``."""
    ln = record_length(inp)
    inp["WA"][:] = inp["A"] * ln * yearly
    inp["WI"][:] = inp["I"] * ln * yearly
    return inp


def inputs(G=1, Y=3):
    """Neutral inputs: no deaths, no decrements, nobody enters, nobody retires.

    Records: empty (fill them with :func:`steady_records` after setting ``A, I``);
    earnings 12,000 a year, the career average (N = NS - 1), no revaluation, no refunds.
    """
    z = lambda *shape: np.zeros(shape)
    f = lambda v, *shape: np.full(shape, float(v))
    return dict(
        A=z(G, 2, X, NS), I=z(G, 2, X, NS), P=z(B, G, 2, X), M=z(B, G, 2, X), R=z(B, G, 2, X),
        WA=z(G, 2, X, NS), WI=z(G, 2, X, NS),
        target=z(Y, G, 2), recruits=z(Y, G, 2), entry_dist=z(G, 2, X), qx=z(Y, 2, X), mortality_factor=f(1, G),
        density=f(1, Y, G), lapse=z(Y, G), reentry=z(Y, G),
        inval_incidence=z(2, X), inval_min_service=z(Y, G), inval_rate=f(0.6, Y, G),
        pensionable_age=f(200, Y, G, 2), min_service=f(15, Y, G), accrual=f(0.015, Y, G), base_rate=z(Y, G),
        full_service=z(Y, G), short_reduction=z(Y, G), service_cap=f(50, Y, G), replacement_cap=f(0.75, Y, G),
        min_pension=z(Y, G), max_pension=f(1e30, Y, G), lump_months=f(1, Y, G),
        earnings=f(12000, Y, G, 2, X), drop_share=f(1.0 / (NS - 1), Y, G, 2, X), revaluation=z(Y, G, 2),
        record_years=np.full(G, NS - 1, np.int64), record_best=np.zeros(G, np.int64),
        refund_share=z(Y, G), refund_months=f(1, Y, G),
        surv_min_service=f(5, Y, G), widow_rate=f(0.3, Y),
        orphan_rate=f(0.2, Y), orphan_limit=18, closed_from=Y, closed_keep_members=1,
        min_in_payment=np.zeros(G, np.int64), surv_share=f(1.0, Y, G), surv_floor=z(Y, G), surv_exit=z(Y, G),
        surv_min_age=z(G, 2), inval_convert=np.zeros(G, np.int64), inval_recovery=z(Y, G), married=z(2, X),
        spouse_gap=np.zeros((2, X), np.int64),
        children=z(2, X), indexation=z(Y),
        parent_rate=z(Y), parent_pair_rate=f(2, Y), parent_one=z(2, X), parent_two=z(2, X), parent_mother=f(0.5, 2, X),
        parent_gap=np.zeros((2, X), np.int64),
        early_window=z(Y, G), early_rate=z(Y, G), early_reduction=z(Y, G), deferral_share=z(Y, G),
        deferral_years=z(Y, G), late_increment=z(Y, G),
    )


#: Record lengths N the random cases cycle through (by seed and group).
RECORD_YEARS = (1, 2, 3, 5, 10, 35, NS - 1)


def random_inputs(seed, G=2, Y=4):
    """A small random projection: every decrement, both retirement outcomes, survivors, orphans,
    dependent parents, refunds; records revalued at random rates, last or best N years with N from
    :data:`RECORD_YEARS`, members with no credited year (n = 0) active and inactive."""
    rng = np.random.default_rng(seed)
    u = rng.uniform
    inp = inputs(G=G, Y=Y)
    inp["A"][:, :, 15:101, :46] = u(0, 50, (G, 2, 86, 46))
    inp["A"][:, :, 40:70, NS - 1] = u(0, 5, (G, 2, 30))         # the open service cell
    inp["I"][:, :, 15:101, :30] = u(0, 20, (G, 2, 86, 30))
    inp["P"][:, :, :, 40:101] = u(0, 30, (B, G, 2, 61))
    inp["P"][ORPHAN] = 0.0
    inp["P"][ORPHAN, :, :, 0:25] = u(0, 10, (G, 2, 25))           # some already past the limit
    inp["M"][:] = inp["P"] * u(3000, 9000, inp["P"].shape)
    inp["R"][:] = inp["P"] * u(5000, 15000, inp["P"].shape)
    inp["target"][:] = u(0, 3e5, (Y, G, 2))
    inp["recruits"][:] = u(0, 2e3, (Y, G, 2))
    w = u(0, 1, (G, 2, 20))
    inp["entry_dist"][:, :, 15:35] = w / w.sum(axis=2, keepdims=True)
    inp["qx"][:] = np.sort(u(0.0005, 0.3, (Y, 2, X)), axis=2)
    inp["qx"][:, :, 100] = 1.0
    inp["mortality_factor"][:] = u(0.7, 1.5, G)                    # q clipped at 1 at the top ages
    inp["density"][:] = u(0.5, 1.0, (Y, G))
    inp["density"][0, 0] = 1.0                                      # nobody left uncredited
    inp["lapse"][:] = u(0, 0.2, (Y, G))
    inp["reentry"][:] = u(0, 0.2, (Y, G))
    inp["inval_incidence"][:, 20:65] = u(0, 0.01, (2, 45))
    inp["inval_min_service"][:] = rng.integers(0, 6, (Y, G))
    inp["inval_rate"][:] = u(0.3, 0.7, (Y, G))
    inp["pensionable_age"][:] = rng.integers(55, 66, (Y, G, 2)) + rng.choice([0.0, 0.5], (Y, G, 2))
    inp["min_service"][:] = rng.integers(5, 25, (Y, G))
    inp["accrual"][:] = u(0.01, 0.02, (Y, G))
    inp["base_rate"][:] = u(0, 0.4, (Y, G))
    inp["full_service"][:] = rng.integers(0, 35, (Y, G))
    inp["short_reduction"][:] = u(0, 0.03, (Y, G))
    inp["service_cap"][:] = rng.integers(20, 51, (Y, G))
    inp["replacement_cap"][:] = u(0.6, 0.9, (Y, G))
    inp["min_pension"][:] = u(0, 3000, (Y, G))
    inp["max_pension"][:] = u(6000, 12000, (Y, G))
    inp["lump_months"][:] = u(0.5, 2, (Y, G))
    inp["earnings"][:] = u(5000, 20000, (Y, G, 2, X))
    inp["drop_share"][:] = u(0.02, 0.6, (Y, G, 2, X))
    inp["revaluation"][:] = u(0, 0.08, (Y, G, 2))
    inp["record_years"][:] = [RECORD_YEARS[(seed + 3 * g) % len(RECORD_YEARS)] for g in range(G)]
    inp["record_best"][:] = [(seed + g) % 2 for g in range(G)]
    inp["refund_share"][:] = u(0, 1, (Y, G))
    inp["refund_share"][Y - 1, 0] = 0.0                             # a year without refunds
    inp["refund_months"][:] = u(0, 24, (Y, G))
    # records: min(n, N) years of earnings a member (none at n = 0), by cell
    ln = record_length(inp)
    inp["WA"][:] = inp["A"] * ln * u(5000, 20000, inp["A"].shape)
    inp["WI"][:] = inp["I"] * ln * u(3000, 15000, inp["I"].shape)
    inp["surv_min_service"][:] = rng.integers(0, 10, (Y, G))
    inp["widow_rate"][:] = u(0.2, 0.6, Y)
    inp["orphan_rate"][:] = u(0.1, 0.3, Y)
    inp["orphan_limit"] = int(rng.integers(15, 26))
    inp["married"][:] = u(0, 0.9, (2, X))
    inp["spouse_gap"][:] = rng.integers(-10, 10, (2, X))
    inp["children"][:, 18:75] = u(0, 2, (2, 57))
    inp["parent_rate"][:] = u(0.1, 0.4, Y)
    inp["parent_rate"][Y - 1] = 0.0                                 # a year without parents' pensions
    inp["parent_pair_rate"][:] = u(0.2, 0.8, Y)
    inp["parent_one"][:, 15:90] = u(0, 0.4, (2, 75))
    inp["parent_two"][:, 15:90] = u(0, 0.4, (2, 75))
    inp["parent_mother"][:] = u(0, 1, (2, X))
    inp["parent_gap"][:] = rng.integers(15, 45, (2, X))
    inp["indexation"][:] = u(0, 0.1, Y)
    inp["early_window"][:] = rng.integers(0, 6, (Y, G))
    inp["early_rate"][:] = u(0, 0.5, (Y, G))
    inp["early_reduction"][:] = u(0, 0.06, (Y, G))
    inp["deferral_share"][:] = u(0, 0.4, (Y, G))
    inp["deferral_years"][:] = rng.integers(0, 4, (Y, G))
    inp["late_increment"][:] = u(0, 0.08, (Y, G))
    return inp


def copy_inputs(inp):
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in inp.items()}


def run_kernel(inp):
    """Run the kernel on a copy of ``inp``: (outputs keyed by ``SCHEME_OUTPUTS``, end state and
    records ``(A, I, P, M, R, WA, WI)``)."""
    inp = copy_inputs(inp)
    out = call_kernel(inp)
    return out, tuple(inp[k] for k in STATE + RECORDS)
