"""Numba kernel of the social insurance scheme engine (DESIGN §6).

State at the start of calendar year y (= 31 December of y-1), per insured
group g, sex s (0 male, 1 female), age x (0..100, age at the start of the
year) and credited service n (0..NS-1 completed years, the last cell open):

* ``A[g,s,x,n]`` active members, ``I[g,s,x,n]`` inactive insured members;
* their earnings records ``WA[g,s,x,n]``, ``WI[g,s,x,n]``: the sum over the
  cell's members of the insured earnings of the years counted in their
  reference earnings (the last ``min(n, N)`` credited years, N the group's
  record length; ``N = NS - 1`` for the career average), revalued to the
  start of the year (:class:`MemberRecords`). A member's reference earnings
  are ``RE = record / min(n, N)`` (an active member with no completed year:
  the year's insured earnings; an inactive one: 0);
* pensioners by benefit type b (0 old age, 1 invalidity, 2 widow(er),
  3 orphan, 4 dependent parent): count ``P[b,g,s,x]``, total annual amount ``M[b,g,s,x]`` and,
  for old-age and invalidity pensions, the total annual reference earnings
  ``R[b,g,s,x]`` behind them (for survivors' benefits).

One year y, in this order (all rates for year y):

1. Indexation at 1 January: ``M *= 1 + k(y)``, ``R *= 1 + k(y)``;
   revaluation of the records: ``WA *= 1 + ra(y)``, ``WI *= 1 + rd(y)``
   (the group's rules for active and for deferred records).
2. New entrants at service 0 with an empty record: ``E[g,s] = max(0,
   target[g,s] - sum_x,n A) + recruits[g,s]`` (the coverage gap plus
   persons recruited by name, e.g. by a coverage-expansion channel), spread
   over ages by the entry-age distribution.
3. Members, cell by cell (q = death probability x group factor, i =
   invalidity incidence if n >= minimum service for invalidity, l = lapse,
   r = re-entry, d = contribution density):
   deaths ``a q``; invalidity ``a (1-q) i``; lapses ``a (1-q)(1-i) l``, of
   which, below the minimum service for a pension, the refund share takes
   a refund ``refund months/12 x n x RE`` and leaves; inactive deaths
   ``v q``; re-entries ``v (1-q) r``. Each leaver takes the cell's average
   record with them (lapses to the inactives, re-entries to the actives).
   Contributor exposure
   (contributor-years) ``d (a - (deaths + invalidity + lapses)/2 + re-entries/2)``,
   less half a year for the share of the actives who retire in the year
   (they retire at their birthday, on average at mid-year, and draw half
   a year of pension in the year). Actives still active at the year end
   credit one year of service with probability d, and add the year's
   insured earnings w to their record: while ``n < N`` the record grows
   (``m + w``); once it holds N years the oldest year leaves it, estimated
   as the share ``h`` it has in the cohort's own record (``m (1 - h) + w``,
   exact for members who contributed every year), or, for the best N
   years, the new year replaces it only if larger (``m + max(0, w - m h)``).
4. Ageing (x -> x+1, 100+ stays) and retirement at the birthday that brings
   a member to age x+1 (see :func:`_retirement`): normal retirement at the
   pensionable age pa (inactives always; actives except the share that
   defers), early retirement of a share of the eligible actives in the
   window before pa with a reduction per year early, deferred actives
   retiring ``deferral_years`` after pa with an increment per year late,
   and everybody at the last age. With credited service n' >= minimum
   service: an old-age pension ``clip(rate(n') RE f, min, max)`` with
   ``rate(n') = max(0, min(cap, base + accrual min(n', service cap))
   - reduction max(0, full service - n'))`` and f the early/late factor;
   otherwise (not early) a lump sum ``months/12 x n' x RE``
   (RE = the member's own reference earnings from their record, n' = n + 1
   for those credited a year of service in the year).
5. Deaths of members with n >= survivor minimum service and of old-age and
   invalidity pensioners give widow(er)s' pensions (``married`` x deaths, to
   the other sex at age x + gap, ``widow rate x RE``) and orphans' pensions
   (``children`` x deaths, spread evenly over ages 0..limit-1, half boys,
   ``orphan rate x RE`` each) and dependent parents' pensions (deaths x the
   probabilities of leaving one or two dependent parents, at age x + the
   parents' age difference; one parent is a mother with the given share,
   two are a mother and a father; ``parent rate x RE`` for one parent,
   ``min(parent rate, pair rate / 2) x RE`` each for two).
6. Pensioners die at the group's rate; the average amount survives with
   the cell; orphans leave at the age limit (paid half a year in that year).
7. New pensions are awarded on average at mid-year: half a year of each is
   paid in the year of award; they join the stock at the year end.

Benefit outgo of the year = amounts of the stock at 1 January less half a
year of those who die, plus half a year of new awards. People are
conserved exactly: for each group, members at the start + entrants -
deaths - invalidity retirements - retirements - refunds = members at the end.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

OLD_AGE = 0
INVALIDITY = 1
WIDOW = 2
ORPHAN = 3
PARENT = 4
N_TYPES = 5


@njit(cache=True)
def member_death_probability(qx, mortality_factor):
    """Probability that an insured person or a pensioner of a group dies in the year [1].

    ``min(1, qx x mortality_factor)``: the population's death probability
    at the sex and age ``qx`` [1] times the group's mortality factor
    (insured mortality / population mortality) [1], capped at 1. Used by the
    scheme kernel and by :func:`ssproj.kernels.engine.branch_events`.
    """
    q = qx * mortality_factor
    if q > 1.0:
        q = 1.0
    return q


@njit(cache=True)
def _pension_rate(n, base, accrual, cap_service, cap, full_service, reduction):
    nn = n if n < cap_service else cap_service
    rate = base + accrual * nn
    if rate > cap:
        rate = cap
    if n < full_service:
        rate -= reduction * (full_service - n)
    if rate < 0.0:
        rate = 0.0
    return rate


@njit(cache=True)
def _retirement(x1, last, pa, window, early_rate, reduction, deferral, defer_years, increment):
    """Shares retiring at the birthday that brings a member to age ``x1``.

    Returns ``(share of actives, share of inactives, pension factor, early)``:

    * ``x1 < pa - window``: nobody;
    * ``pa - window <= x1 < pa``: early retirement of ``early_rate`` of the
      eligible actives, pension x (1 - reduction x (pa - x1)); ``early`` is
      True (the ineligible carry on working, no lump sum);
    * ``pa <= x1 < pa + 1`` (``x1 = ceil(pa)``, the normal retirement
      birthday): everybody except ``deferral`` of the actives (who work on,
      if ``defer_years`` > 0), pension factor 1;
    * ``pa + 1 <= x1 < pa + defer_years``: actives are deferrers and carry on;
      inactives retire (deferrers who lapsed since claim now);
    * ``x1 >= pa + defer_years`` (or the last age): everybody.

    Everybody who retires past the normal retirement birthday ``ceil(pa)``,
    active or inactive, gets x (1 + increment x (x1 - ceil(pa))): a
    deferrer who lapses and claims later has deferred as much as one who
    works on. The early reduction concerns actives only (inactive members
    do not retire early: their share is 0 in the window).
    """
    if x1 >= last or (x1 >= pa + defer_years and x1 >= pa):
        # whole years past the first birthday at or after the pensionable age
        late = x1 - np.ceil(pa)
        return 1.0, 1.0, 1.0 + increment * late if late > 0.0 else 1.0, False
    if x1 >= pa:
        if x1 < pa + 1.0:
            return (1.0 - deferral) if defer_years > 0.0 else 1.0, 1.0, 1.0, False
        # x1 >= pa + 1 > ceil(pa): inactives claiming late get the increment
        return 0.0, 1.0, 1.0 + increment * (x1 - np.ceil(pa)), False
    if x1 >= pa - window:
        return early_rate, 0.0, 1.0 - reduction * (pa - x1), True
    return 0.0, 0.0, 1.0, False


class SchemeState(NamedTuple):
    """State of the scheme at the start of a year (modified in place by :func:`scheme_kernel`)."""

    A: np.ndarray  #: (G,S,X,NS) active members by credited service [persons]
    I: np.ndarray  #: (G,S,X,NS) inactive insured members by credited service [persons]
    P: np.ndarray  #: (B,G,S,X) pensions in payment [persons]
    M: np.ndarray  #: (B,G,S,X) total annual amount of the pensions in payment [currency/year]
    R: np.ndarray  #: (B,G,S,X) total annual reference earnings behind them [currency/year]


class MemberRecords(NamedTuple):
    """Earnings records of the members at the start of a year (modified in place by :func:`scheme_kernel`).

    A cell's record is the sum over its members of the insured earnings of
    the years counted in their reference earnings (the last ``min(n, N)``
    credited years), revalued to the start of the year.
    """

    WA: np.ndarray  #: (G,S,X,NS) records of the active members [currency/year x years]
    WI: np.ndarray  #: (G,S,X,NS) records of the inactive members [currency/year x years]


class SchemeParams(NamedTuple):
    """Inputs of :func:`scheme_kernel` that do not depend on the population or the economy.

    Shapes: Y years, G groups, S = 2 sexes, X = 101 ages. Per group and year
    (Y,G) unless stated.
    """

    recruits: np.ndarray  #: (Y,G,S) persons recruited on top of the coverage gap [persons/year]
    entry_dist: np.ndarray  #: (G,S,X) entry-age weights, summing to 1 [1]
    mortality_factor: np.ndarray  #: (G,) insured mortality / population mortality [1]
    density: np.ndarray  #: contribution density [1]
    lapse: np.ndarray  #: lapse rate of actives [1/year]
    reentry: np.ndarray  #: re-entry rate of inactives [1/year]
    inval_incidence: np.ndarray  #: (S,X) invalidity incidence [1/year]
    inval_min_service: np.ndarray  #: minimum service for invalidity [years]
    inval_rate: np.ndarray  #: invalidity pension / reference earnings [1]
    pensionable_age: np.ndarray  #: (Y,G,S) [years]
    min_service: np.ndarray  #: minimum service for an old-age pension [years]
    accrual: np.ndarray  #: accrual rate per year of service [1/year]
    base_rate: np.ndarray  #: flat part of the replacement rate [1]
    full_service: np.ndarray  #: service without short-service reduction [years]
    short_reduction: np.ndarray  #: reduction per year short of full service [1/year]
    service_cap: np.ndarray  #: service counted at most [years]
    replacement_cap: np.ndarray  #: replacement rate at most [1]
    lump_months: np.ndarray  #: lump sum, months of reference earnings per year of service [months/year]
    surv_min_service: np.ndarray  #: minimum service for survivors' pensions [years]
    widow_rate: np.ndarray  #: (Y,) widow(er)'s pension / reference earnings [1]
    orphan_rate: np.ndarray  #: (Y,) orphan's pension / reference earnings [1]
    orphan_limit: int  #: orphans are paid up to this age [years]
    married: np.ndarray  #: (S,X) probability of leaving a spouse [1]
    spouse_gap: np.ndarray  #: (S,X) int, spouse's age minus the member's [years]
    children: np.ndarray  #: (S,X) orphans left per death [persons]
    parent_rate: np.ndarray  #: (Y,) a dependent parent's pension / reference earnings [1]
    parent_pair_rate: np.ndarray  #: (Y,) two dependent parents' pensions together / reference earnings [1]
    parent_one: np.ndarray  #: (S,X) probability that a death leaves exactly one dependent parent [1]
    parent_two: np.ndarray  #: (S,X) probability that a death leaves two dependent parents [1]
    parent_mother: np.ndarray  #: (S,X) share of the single dependent parents who are mothers [1]
    parent_gap: np.ndarray  #: (S,X) int, dependent parents' age minus the member's [years]
    early_window: np.ndarray  #: years before the pensionable age when early retirement is open [years]
    early_rate: np.ndarray  #: share of the eligible actives retiring early at each birthday [1]
    early_reduction: np.ndarray  #: reduction per year early [1/year]
    deferral_share: np.ndarray  #: share of the actives deferring at the pensionable age [1]
    deferral_years: np.ndarray  #: years deferred [years]
    late_increment: np.ndarray  #: increment per year late [1/year]
    min_in_payment: np.ndarray  #: (G,) int: 1 if the minimum pension applies in payment (old age, invalidity)
    surv_share: np.ndarray  #: (Y,G) share of surviving spouses who meet the income conditions [1]
    surv_floor: np.ndarray  #: (Y,G) lowest widow(er)'s pension / minimum pension [1]
    surv_exit: np.ndarray  #: (Y,G) exits of widow(er)s' pensions other than death (remarriage) [1/year]
    surv_min_age: np.ndarray  #: (G,S) age from which a widow(er)'s pension is paid, by survivor's sex [years]
    inval_convert: np.ndarray  #: (G,) int: 1 if invalidity pensions become old-age pensions at the pensionable age
    inval_recovery: np.ndarray  #: (Y,G) yearly rate at which invalidity pensions end on recovery [1/year]
    record_years: np.ndarray  #: (G,) int: N, years of insured earnings in the reference earnings (1..NS-1) [years]
    record_best: np.ndarray  #: (G,) int: 1 for the best N years (approximated), 0 for the last N
    refund_share: np.ndarray  #: (Y,G) share of the lapses below the minimum service who take a refund [1]
    refund_months: np.ndarray  #: (Y,G) refund, months of own reference earnings per year of service [months/year]
    closed_from: int  #: year index at whose start the scheme closes (members stop; Y or more: never) [1]
    closed_keep_members: int  #: at the closure, 1: the members become inactive (keep their rights); 0: they leave


class SchemeDrivers(NamedTuple):
    """Inputs of :func:`scheme_kernel` that depend on the population or the economy (one path)."""

    target: np.ndarray  #: (Y,G,S) active members aimed at by the coverage rate [persons]
    qx: np.ndarray  #: (Y,S,X) population death probabilities of members [1]
    min_pension: np.ndarray  #: (Y,G) minimum pension [currency/year]
    max_pension: np.ndarray  #: (Y,G) maximum pension [currency/year]
    earnings: np.ndarray  #: (Y,G,S,X) insured earnings in year y of a contributor aged x at its start [currency/year]
    drop_share: np.ndarray  #: (Y,G,S,X) share of the oldest year in the cohort's full record at 1 January [1]
    revaluation: np.ndarray  #: (Y,G,2) revaluation at 1 January of active (0) and deferred (1) records [1/year]
    indexation: np.ndarray  #: (Y,) indexation of pensions in payment at 1 January [1/year]


class SchemeOutputs(NamedTuple):
    """Outputs of :func:`scheme_kernel` (stocks: index y = start of year y, Y+1 rows)."""

    actives: np.ndarray  #: (Y+1,G,S,X) [persons]
    inactives: np.ndarray  #: (Y+1,G,S,X) [persons]
    exposure: np.ndarray  #: (Y,G,S,X) contributor-years [contributor-years]
    service: np.ndarray  #: (Y+1,G,NS) actives by credited service [persons]
    pensioners: np.ndarray  #: (Y+1,B,G,S,X) [persons]
    amounts: np.ndarray  #: (Y+1,B,G,S,X) annual amount in payment at 1 January, before indexation [currency/year]
    entrants: np.ndarray  #: (Y,G) [persons/year]
    member_deaths: np.ndarray  #: (Y,G) [persons/year]
    invalidity_retirements: np.ndarray  #: (Y,G) [persons/year]
    lapses: np.ndarray  #: (Y,G) [persons/year]
    reentries: np.ndarray  #: (Y,G) [persons/year]
    retirements_pension: np.ndarray  #: (Y,G) [persons/year]
    retirements_lump_sum: np.ndarray  #: (Y,G) [persons/year]
    awards: np.ndarray  #: (Y,B,G) new pensions [persons/year]
    awards_amount: np.ndarray  #: (Y,B,G) annual amount of new pensions [currency/year]
    benefit_outgo: np.ndarray  #: (Y,B,G) pensions paid [currency/year]
    lump_sums: np.ndarray  #: (Y,G) lump sums and refunds paid [currency/year]
    pensioner_deaths: np.ndarray  #: (Y,G) [persons/year]
    orphan_exits: np.ndarray  #: (Y,G) orphans reaching the age limit [persons/year]
    refunds: np.ndarray  #: (Y,G) lapsing members who take a refund and leave [persons/year]
    refunds_amount: np.ndarray  #: (Y,G) refunds paid (also counted in ``lump_sums``) [currency/year]


@njit(cache=True)
def empty_scheme_outputs(Y, G, S, X, NS, B=N_TYPES):
    """Zeroed :class:`SchemeOutputs` for Y years, G groups, S sexes, X ages, NS service cells and
    B benefit types (allocated by the caller of the kernel)."""
    z = np.zeros
    return SchemeOutputs(
        z((Y + 1, G, S, X)), z((Y + 1, G, S, X)), z((Y, G, S, X)), z((Y + 1, G, NS)),
        z((Y + 1, B, G, S, X)), z((Y + 1, B, G, S, X)),
        z((Y, G)), z((Y, G)), z((Y, G)), z((Y, G)), z((Y, G)), z((Y, G)), z((Y, G)),
        z((Y, B, G)), z((Y, B, G)), z((Y, B, G)), z((Y, G)), z((Y, G)), z((Y, G)), z((Y, G)), z((Y, G)),
    )


def _scheme_kernel(state, records, params, drivers, out):
    """Project the scheme's insured persons and pensioners over Y years.

    Shapes (G groups, S = 2 sexes, X = 101 ages, NS service cells, B = 4
    benefit types, Y years):

    * state: ``A, I`` (G,S,X,NS) [persons]; ``P`` (B,G,S,X) [persons];
      ``M, R`` (B,G,S,X) [currency/year]; records ``WA, WI`` (G,S,X,NS)
      [currency/year x years] (see :class:`MemberRecords`).
    * ``target`` (Y,G,S) active members aimed at (coverage) [persons];
      ``recruits`` (Y,G,S) persons recruited in the year on top of the
      coverage gap [persons];
      ``entry_dist`` (G,S,X) weights summing to 1 [1];
      ``qx`` (Y,S,X) population death probabilities [1];
      ``mortality_factor`` (G,) [1].
    * per group and year (Y,G): ``density, lapse, reentry, inval_min_service,
      inval_rate, min_service, accrual, base_rate, full_service,
      short_reduction, service_cap, replacement_cap, min_pension,
      max_pension`` (annual amounts), ``lump_months``, ``surv_min_service``;
      ``pensionable_age`` (Y,G,S) [years]; ``inval_incidence`` (S,X) [1/year].
    * ``earnings`` (Y,G,S,X) insured earnings in year y of a contributor
      aged x at its start, added to the record of those who credit the
      year [currency/year]; ``drop_share`` (Y,G,S,X) share of the oldest
      year in the full N-year record of the cohort aged x at 1 January of
      y (after revaluation) [1]; ``revaluation`` (Y,G,2) rates at 1 January
      of y of the active (0) and deferred (1) records [1/year];
      ``record_years`` (G,) int N and ``record_best`` (G,) int (1: best N
      years, approximated; 0: last N years).
    * ``refund_share, refund_months`` (Y,G): share of the lapses of members
      below the minimum service for a pension who take a refund of
      ``refund_months/12 x n x RE`` and leave the scheme [1],
      [months/year].
    * ``widow_rate, orphan_rate, indexation`` (Y,) [1]; ``orphan_limit`` int;
      ``married, children`` (S,X) [1]; ``spouse_gap`` (S,X) int [years].
    * ``parent_rate, parent_pair_rate`` (Y,) [1]: a single dependent
      parent's pension and two parents' pensions together, per unit of
      reference earnings; ``parent_one, parent_two, parent_mother`` (S,X)
      [1]: probabilities that a death leaves one or two dependent parents
      and the share of single parents who are mothers; ``parent_gap``
      (S,X) int: the parents' age minus the deceased's [years].
    * ``surv_share, surv_floor, surv_exit`` (Y,G): share of surviving
      spouses who meet the income conditions [1], lowest widow(er)'s
      pension as a multiple of the minimum pension [1], exits of
      widow(er)s' pensions other than death (remarriage) [1/year];
      ``surv_min_age`` (G,S) age from which a widow(er)'s pension is paid,
      by the survivor's sex [years].
    * ``inval_convert`` (G,) int: 1 if invalidity pensions in payment
      become old-age pensions (same amount) at the birthday reaching the
      pensionable age; ``inval_recovery`` (Y,G) yearly rate at which
      invalidity pensions end on recovery [1/year].
    * ``min_in_payment`` (G,) int: 1 if, at each 1 January after
      indexation, old-age and invalidity pensions in payment are raised to
      the year's ``min_pension`` (on the cell's average amount).
    * ``closed_from`` int: at the start of that year (before indexation and
      entrants) every active member becomes inactive with the service
      credited so far (``closed_keep_members`` 1) or every member leaves
      (0); Y or more: never. Liabilities at a date use it.

    Outputs (first dimension Y, or Y+1 for stocks: index y = start of year y):
    ``actives_out, inactives_out`` (Y+1,G,S,X); ``exposure_out`` (Y,G,S,X)
    contributor-years; ``service_out`` (Y+1,G,NS) actives by service;
    ``pensioners_out, amounts_out`` (Y+1,B,G,S,X) (amounts: annual rate in
    payment at 1 January, before that year's indexation for y > 0 — see
    the wrapper); flows (Y,G) or (Y,B,G): entrants, member deaths,
    invalidity retirements, lapses, re-entries, retirements with a pension,
    retirements with a lump sum, awards (count, annual amount), benefit
    outgo by type, lump sums and refunds paid, pensioner deaths, orphans
    ageing out, refunds on exit (persons, amount).
    """
    A = state.A
    I = state.I
    P = state.P
    M = state.M
    R = state.R
    WA = records.WA
    WI = records.WI
    record_years = params.record_years
    record_best = params.record_best
    refund_share = params.refund_share
    refund_months = params.refund_months
    recruits = params.recruits
    entry_dist = params.entry_dist
    mortality_factor = params.mortality_factor
    density = params.density
    lapse = params.lapse
    reentry = params.reentry
    inval_incidence = params.inval_incidence
    inval_min_service = params.inval_min_service
    inval_rate = params.inval_rate
    pensionable_age = params.pensionable_age
    min_service = params.min_service
    accrual = params.accrual
    base_rate = params.base_rate
    full_service = params.full_service
    short_reduction = params.short_reduction
    service_cap = params.service_cap
    replacement_cap = params.replacement_cap
    lump_months = params.lump_months
    surv_min_service = params.surv_min_service
    widow_rate = params.widow_rate
    orphan_rate = params.orphan_rate
    orphan_limit = params.orphan_limit
    closed_from = params.closed_from
    keep_members = params.closed_keep_members == 1
    min_in_payment = params.min_in_payment
    surv_share = params.surv_share
    surv_floor = params.surv_floor
    surv_exit = params.surv_exit
    surv_min_age = params.surv_min_age
    inval_convert = params.inval_convert
    inval_recovery = params.inval_recovery
    unpaid = np.zeros(A.shape[0])  # (G,): widow(er)s' pensions awarded in the year and not yet payable
    married = params.married
    spouse_gap = params.spouse_gap
    children = params.children
    parent_rate = params.parent_rate
    parent_pair_rate = params.parent_pair_rate
    parent_one = params.parent_one
    parent_two = params.parent_two
    parent_mother = params.parent_mother
    parent_gap = params.parent_gap
    early_window = params.early_window
    early_rate = params.early_rate
    early_reduction = params.early_reduction
    deferral_share = params.deferral_share
    deferral_years = params.deferral_years
    late_increment = params.late_increment
    target = drivers.target
    qx = drivers.qx
    min_pension = drivers.min_pension
    max_pension = drivers.max_pension
    earnings = drivers.earnings
    drop_share = drivers.drop_share
    revaluation = drivers.revaluation
    indexation = drivers.indexation
    actives_out = out.actives
    inactives_out = out.inactives
    exposure_out = out.exposure
    service_out = out.service
    pensioners_out = out.pensioners
    amounts_out = out.amounts
    entrants_out = out.entrants
    member_deaths_out = out.member_deaths
    invalidity_out = out.invalidity_retirements
    lapses_out = out.lapses
    reentries_out = out.reentries
    retire_pension_out = out.retirements_pension
    retire_lump_out = out.retirements_lump_sum
    awards_count_out = out.awards
    awards_amount_out = out.awards_amount
    outgo_out = out.benefit_outgo
    lump_sum_out = out.lump_sums
    pensioner_deaths_out = out.pensioner_deaths
    orphan_exits_out = out.orphan_exits
    refunds_out = out.refunds
    refunds_amount_out = out.refunds_amount
    swapped = False
    orphans = np.zeros((A.shape[0], 2))  # (G, 2): orphans left in the year, and x parent's RE
    active_total = np.zeros((A.shape[0], A.shape[1]))  # (G, S): actives at the start of the year
    # deaths that leave survivors (a group's in a year: members by (s, x), old-age and invalidity
    # pensioners by (s, x)): sex x X + age, deaths, reference earnings; awarded by _survivors
    # (recorded, not awarded on the spot: a call with arrays in the loops costs reference counting)
    n_ev_max = 3 * A.shape[1] * A.shape[2]
    ev_sx = np.zeros(n_ev_max, dtype=np.int64)
    ev_dead = np.zeros(n_ev_max)
    ev_re = np.zeros(n_ev_max)
    n_ev = 0
    # top[g,s,x]: cells n >= top of A and I are empty (service beyond the highest non-empty cell);
    # ntop: the same for the state being built; wtop: for the work arrays (all of them at first)
    top = np.zeros((A.shape[0], A.shape[1], A.shape[2]), dtype=np.int64)
    ntop = np.zeros_like(top)
    wtop = np.full_like(top, A.shape[3])
    inv_len = np.zeros((A.shape[0], A.shape[3]))  # (G, NS): 1 / min(n, N), 0 for n = 0
    for g in range(A.shape[0]):
        if record_years[g] < 1 or record_years[g] > A.shape[3] - 1:
            raise ValueError("record_years must be between 1 and the number of service cells - 1")
        for n in range(1, A.shape[3]):
            inv_len[g, n] = 1.0 / (n if n < record_years[g] else record_years[g])
        for s in range(A.shape[1]):
            for x in range(A.shape[2]):
                for n in range(A.shape[3]):
                    # the record of a cell without members is 0 (it would join later members)
                    if A[g, s, x, n] == 0.0:
                        WA[g, s, x, n] = 0.0
                    if I[g, s, x, n] == 0.0:
                        WI[g, s, x, n] = 0.0
                    if A[g, s, x, n] != 0.0 or I[g, s, x, n] != 0.0:
                        top[g, s, x] = n + 1
    newA = np.empty_like(A)
    newI = np.empty_like(I)
    newWA = np.empty_like(WA)
    newWI = np.empty_like(WI)
    addP = np.empty_like(P)
    addM = np.empty_like(M)
    addR = np.empty_like(R)
    G = A.shape[0]
    S = A.shape[1]
    X = A.shape[2]
    NS = A.shape[3]
    B = P.shape[0]
    Y = target.shape[0]
    last = X - 1
    if orphan_limit > X:
        raise ValueError("orphan_limit exceeds the number of ages")
    if B != N_TYPES:
        raise ValueError("the pensioner arrays must have one row per benefit type (N_TYPES)")
    # flows are accumulated: start from zero whatever the caller passed
    for arr in (exposure_out,):
        arr[:] = 0.0
    for arr2 in (entrants_out, member_deaths_out, invalidity_out, lapses_out, reentries_out,
                 retire_pension_out, retire_lump_out, lump_sum_out, pensioner_deaths_out, orphan_exits_out,
                 refunds_out, refunds_amount_out):
        arr2[:] = 0.0
    for arr3 in (awards_count_out, awards_amount_out, outgo_out):
        arr3[:] = 0.0

    for y in range(Y + 1):
        # --- record the state at the start of year y
        for g in range(G):
            for n in range(NS):
                service_out[y, g, n] = 0.0
            for s in range(S):
                total = 0.0  # all actives of (g, s), summed in the order of the cells
                for x in range(X):
                    a_sum = 0.0
                    i_sum = 0.0
                    for n in range(top[g, s, x]):  # the cells above are empty
                        a = A[g, s, x, n]
                        a_sum += a
                        total += a
                        i_sum += I[g, s, x, n]
                        service_out[y, g, n] += a
                    actives_out[y, g, s, x] = a_sum
                    inactives_out[y, g, s, x] = i_sum
                active_total[g, s] = total
        for b in range(B):
            for g in range(G):
                for s in range(S):
                    for x in range(X):
                        pensioners_out[y, b, g, s, x] = P[b, g, s, x]
                        amounts_out[y, b, g, s, x] = M[b, g, s, x]
        if y == Y:
            break

        # --- 0. closure (liabilities at a date): from the start of this year nobody contributes or accrues. The
        # members become inactive with their service (or leave the scheme); the caller stops entrants, recruits
        # and re-entries from this year through their own arrays.
        if y == closed_from:
            for g in range(G):
                for s in range(S):
                    for x in range(X):
                        for n in range(top[g, s, x]):
                            if keep_members:
                                I[g, s, x, n] += A[g, s, x, n]
                                WI[g, s, x, n] += WA[g, s, x, n]
                            else:
                                I[g, s, x, n] = 0.0
                                WI[g, s, x, n] = 0.0
                            A[g, s, x, n] = 0.0
                            WA[g, s, x, n] = 0.0
                    active_total[g, s] = 0.0

        # --- 1. indexation of pensions in payment; where the minimum applies in payment, old-age and
        # invalidity pensions are raised to the year's minimum (the cell's average amount)
        k = 1.0 + indexation[y]
        for b in range(B):
            for g in range(G):
                floor = min_pension[y, g] if (min_in_payment[g] == 1 and b <= INVALIDITY) else 0.0
                for s in range(S):
                    for x in range(X):
                        M[b, g, s, x] *= k
                        R[b, g, s, x] *= k
                        if floor > 0.0 and M[b, g, s, x] < P[b, g, s, x] * floor:
                            M[b, g, s, x] = P[b, g, s, x] * floor

        # --- 2. new entrants
        for g in range(G):
            for s in range(S):
                gap = target[y, g, s] - active_total[g, s]
                if gap < 0.0:
                    gap = 0.0
                gap += recruits[y, g, s]
                if gap > 0.0:
                    entrants_out[y, g] += gap
                    for x in range(X):
                        A[g, s, x, 0] += gap * entry_dist[g, s, x]
                        if top[g, s, x] == 0:
                            top[g, s, x] = 1

        # the work arrays hold the state of two years ago: clear its non-empty cells
        for g in range(G):
            for s in range(S):
                for x in range(X):
                    k = wtop[g, s, x]
                    if k > 0:
                        newA[g, s, x, :k] = 0.0
                        newI[g, s, x, :k] = 0.0
                        newWA[g, s, x, :k] = 0.0
                        newWI[g, s, x, :k] = 0.0
                    ntop[g, s, x] = 0
        addP[:] = 0.0
        addM[:] = 0.0
        addR[:] = 0.0

        # --- 3-6. members and pensioners, group by group
        for g in range(G):
            orphans[g, 0] = 0.0
            orphans[g, 1] = 0.0
            mf = mortality_factor[g]
            d = density[y, g]
            lap = lapse[y, g]
            rer = reentry[y, g]
            inval_min = inval_min_service[y, g]
            surv_min = surv_min_service[y, g]
            min_serv = min_service[y, g]
            N = record_years[g]
            best = record_best[g] == 1
            fa = 1.0 + revaluation[y, g, 0]  # revaluation of the records at 1 January
            fv = 1.0 + revaluation[y, g, 1]
            ref_sh = refund_share[y, g]
            ref_m = refund_months[y, g] / 12.0
            inv_r = inval_rate[y, g]
            lo_pen = min_pension[y, g]
            hi_pen = max_pension[y, g]
            deaths_g = 0.0
            inval_g = 0.0
            lapses_g = 0.0
            reentries_g = 0.0
            for s in range(S):
                pa = pensionable_age[y, g, s]
                for x in range(X):
                    q = member_death_probability(qx[y, s, x], mf)
                    x1 = x + 1 if x < last else last
                    # retirement at the birthday in this year (age x1 at the year end):
                    # f_act share of actives, f_inact share of inactives, pension factor adj
                    f_act, f_inact, adj, early = _retirement(
                        x1, last, pa, early_window[y, g], early_rate[y, g], early_reduction[y, g],
                        deferral_share[y, g], deferral_years[y, g], late_increment[y, g])
                    retiring = f_act > 0.0 or f_inact > 0.0
                    w = earnings[y, g, s, x]
                    h = drop_share[y, g, s, x]
                    inc_x = inval_incidence[s, x]
                    # shares of a cell's members who die, become invalid, lapse, re-enter or stay
                    f_inv = (1.0 - q) * inc_x
                    f_stay = (1.0 - q) * (1.0 - lap)
                    f_lap = (1.0 - q) * lap
                    f_stay_i = (1.0 - q) * (1.0 - inc_x) * (1.0 - lap)
                    f_lap_i = (1.0 - q) * (1.0 - inc_x) * lap
                    f_re = (1.0 - q) * rer
                    f_keep = (1.0 - q) * (1.0 - rer)
                    exposure = 0.0
                    dead_eligible = 0.0
                    dead_re = 0.0  # sum of deaths x their reference earnings
                    inval_x = 0.0
                    inval_amt = 0.0
                    inval_re = 0.0
                    # carry: actives of cell n-1 who credited a year of service, still to be added
                    # to nA[n], and their records (kept in registers: no store-to-load chain between cells)
                    carry = 0.0
                    carry_w = 0.0
                    for n in range(top[g, s, x]):  # cells above the highest non-empty one are empty
                        a = A[g, s, x, n]
                        v = I[g, s, x, n]
                        if a == 0.0 and v == 0.0:
                            newA[g, s, x1, n] += carry
                            newWA[g, s, x1, n] += carry_w
                            carry = 0.0
                            carry_w = 0.0
                            continue
                        # records of the cell's actives and inactives (revalued at 1 January); they move
                        # with the decrements in proportion (no division: the same steps as the counts)
                        wa = WA[g, s, x, n] * fa
                        wv = WI[g, s, x, n] * fv
                        il = inv_len[g, n]  # 1 / min(n, N), 0 without a completed year
                        inc_n = inc_x if n >= inval_min else 0.0
                        da = a * q
                        a1 = a - da
                        di = a1 * inc_n
                        a2 = a1 - di
                        dl = a2 * lap
                        a3 = a2 - dl
                        # the records of those who stay or leave: the same shares, as products of the row's rates
                        if n >= inval_min:
                            wa3 = wa * f_stay_i
                            wdl = wa * f_lap_i
                        else:
                            wa3 = wa * f_stay
                            wdl = wa * f_lap
                        dv = v * q
                        v1 = v - dv
                        dr = v1 * rer
                        v2 = v1 - dr
                        wdr = wv * f_re
                        wv2 = wv * f_keep
                        # members reaching the pensionable age retire at their birthday,
                        # on average at mid-year: half a year of contributions
                        contrib_years = a - 0.5 * (da + di + dl) + 0.5 * dr
                        if f_act > 0.0:
                            # share of the cell's actives retiring; early: only the eligible
                            leaving = f_act
                            if early:
                                leaving = f_act * ((d if n + 1 >= min_serv else 0.0)
                                                   + ((1.0 - d) if n >= min_serv else 0.0))
                            contrib_years *= 1.0 - 0.5 * leaving
                        exposure += contrib_years
                        deaths_g += da + dv
                        inval_x += di
                        lapses_g += dl
                        reentries_g += dr
                        # reference earnings x persons: record x 1/min(n, N); an active member without a
                        # completed year: the year's earnings w; an inactive one: 0
                        if n >= surv_min:
                            dead_eligible += da + dv
                            dead_re += q * (wa + wv) * il if n > 0 else da * w
                        if di > 0.0:  # the minimum and maximum pension apply as to old-age pensions
                            di_re = wa * f_inv * il if n > 0 else di * w
                            amt = inv_r * di_re
                            if amt < di * lo_pen:
                                amt = di * lo_pen
                            if amt > di * hi_pen:
                                amt = di * hi_pen
                            inval_amt += amt
                            inval_re += di_re
                        dl_keep = dl
                        wdl_keep = wdl
                        if ref_sh > 0.0 and n < min_serv and dl > 0.0:
                            # lapses below the minimum service: a share takes a refund and leaves
                            dref = dl * ref_sh
                            wref = wdl * ref_sh
                            dl_keep = dl - dref
                            wdl_keep = wdl - wref
                            refunds_out[y, g] += dref
                            amt_ref = ref_m * n * (wref * il) if n > 0 else 0.0
                            refunds_amount_out[y, g] += amt_ref
                            lump_sum_out[y, g] += amt_ref
                        end_a = a3 + dr
                        end_v = v2 + dl_keep
                        wend_a = wa3 + wdr
                        wend_v = wv2 + wdl_keep
                        # those credited the year add w; once the record is full the oldest year leaves it
                        cnt_c = end_a * d
                        wk = wend_a * d
                        if n < N:
                            w_c = wk + cnt_c * w
                        elif best:
                            w_c = wk + max(0.0, cnt_c * w - wk * h)
                        else:
                            w_c = wk * (1.0 - h) + cnt_c * w
                        w_n = wend_a * (1.0 - d)
                        up = n + 1 if n + 1 < NS else NS - 1
                        if not retiring:
                            # active at the year end: a year of service with probability d
                            if n == up:  # the open last service cell
                                newA[g, s, x1, n] = ((newA[g, s, x1, n] + carry) + end_a * d) + end_a * (1.0 - d)
                                newWA[g, s, x1, n] += carry_w + w_c + w_n
                                carry = 0.0
                                carry_w = 0.0
                            else:
                                newA[g, s, x1, n] = (newA[g, s, x1, n] + carry) + end_a * (1.0 - d)
                                newWA[g, s, x1, n] += carry_w + w_n
                                carry = end_a * d
                                carry_w = w_c
                            newI[g, s, x1, n] += end_v
                            newWI[g, s, x1, n] += wend_v
                            continue
                        # part 0: actives who credited a year of service (n + 1); part 1: the
                        # other actives (n); part 2: inactives (n). Each part retires its
                        # share; the rest carries on into the next year at age x1.
                        for part in range(3):
                            if part == 0:
                                cnt, nn, f, wt = cnt_c, up, f_act, w_c
                            elif part == 1:
                                cnt, nn, f, wt = end_a * (1.0 - d), n, f_act, w_n
                            else:
                                cnt, nn, f, wt = end_v, n, f_inact, wend_v
                            if cnt <= 0.0:
                                continue
                            stay = cnt
                            w_stay = wt
                            if f > 0.0:
                                leave = cnt * f
                                # the member's own reference earnings
                                if nn > 0:
                                    re = wt / cnt * inv_len[g, nn]
                                else:
                                    re = w if part < 2 else 0.0
                                if nn >= min_serv:
                                    rate = _pension_rate(nn, base_rate[y, g], accrual[y, g], service_cap[y, g],
                                                         replacement_cap[y, g], full_service[y, g],
                                                         short_reduction[y, g])
                                    # early or late factor; inactives never retire early
                                    pen = rate * re * adj
                                    if pen < min_pension[y, g]:
                                        pen = min_pension[y, g]
                                    if pen > max_pension[y, g]:
                                        pen = max_pension[y, g]
                                    addP[OLD_AGE, g, s, x1] += leave
                                    addM[OLD_AGE, g, s, x1] += leave * pen
                                    addR[OLD_AGE, g, s, x1] += leave * re
                                    awards_count_out[y, OLD_AGE, g] += leave
                                    awards_amount_out[y, OLD_AGE, g] += leave * pen
                                    retire_pension_out[y, g] += leave
                                    stay -= leave
                                    w_stay = wt * (1.0 - f)
                                elif not early:
                                    lump_sum_out[y, g] += leave * lump_months[y, g] / 12.0 * nn * re
                                    retire_lump_out[y, g] += leave
                                    stay -= leave
                                    w_stay = wt * (1.0 - f)
                            if stay > 0.0:
                                if part == 2:
                                    newI[g, s, x1, nn] += stay
                                    newWI[g, s, x1, nn] += w_stay
                                else:
                                    newA[g, s, x1, nn] += stay
                                    newWA[g, s, x1, nn] += w_stay
                    if carry != 0.0:  # (only rows without retirement carry)
                        newA[g, s, x1, top[g, s, x]] += carry
                        newWA[g, s, x1, top[g, s, x]] += carry_w
                    exposure_out[y, g, s, x] += d * exposure
                    # cells written at age x1: service up to top + 1
                    if top[g, s, x] > 0:
                        nt = top[g, s, x] + 1 if top[g, s, x] < NS else NS
                        if nt > ntop[g, s, x1]:
                            ntop[g, s, x1] = nt
                    # invalidity pensions (awarded mid-year, at the member's age at year end)
                    if inval_x > 0.0:
                        addP[INVALIDITY, g, s, x1] += inval_x
                        addM[INVALIDITY, g, s, x1] += inval_amt
                        addR[INVALIDITY, g, s, x1] += inval_re
                        awards_count_out[y, INVALIDITY, g] += inval_x
                        awards_amount_out[y, INVALIDITY, g] += inval_amt
                    inval_g += inval_x
                    # survivors of members who die with enough service
                    if dead_eligible > 0.0:  # (awarded by _survivors, see below)
                        ev_sx[n_ev] = s * X + x
                        ev_dead[n_ev] = dead_eligible
                        ev_re[n_ev] = dead_re / dead_eligible
                        n_ev += 1
            member_deaths_out[y, g] += deaths_g
            invalidity_out[y, g] += inval_g
            lapses_out[y, g] += lapses_g
            reentries_out[y, g] += reentries_g

            # --- 6. pensioners in payment (of group g)
            pdeaths = 0.0  # accumulated in locals (registers), added to the outputs once
            for b in range(B):
                if b == WIDOW:
                    # survivors of the year's deaths of members and of old-age and invalidity
                    # pensioners, in the order of the deaths, before widow(er)s' pensions age
                    unpaid[g] = 0.0
                    _survivors(ev_sx, ev_dead, ev_re, n_ev, g, y, married, spouse_gap, children, widow_rate[y],
                               last, addP, addM, awards_count_out, awards_amount_out, orphans, surv_share[y, g],
                               surv_floor[y, g] * min_pension[y, g], surv_min_age, unpaid, parent_rate[y],
                               parent_pair_rate[y], parent_one, parent_two, parent_mother, parent_gap)
                    n_ev = 0
                outgo_b = 0.0
                for s in range(S):
                    for x in range(X):
                        p = P[b, g, s, x]
                        if p == 0.0:
                            continue
                        q = member_death_probability(qx[y, s, x], mf)
                        m = M[b, g, s, x]
                        r = R[b, g, s, x]
                        dp = p * q
                        pdeaths += dp
                        x1 = x + 1 if x < last else last
                        # orphans reaching the age limit are paid until the birthday: half a year
                        paid = 0.5 if (b == ORPHAN and x1 >= orphan_limit) else 1.0
                        exit_q = q
                        if b == WIDOW:
                            # paid from the age condition (age at 1 January); remarriage and other exits
                            if x < surv_min_age[g, s]:
                                paid = 0.0
                            exit_q = q + surv_exit[y, g] - q * surv_exit[y, g]
                        elif b == INVALIDITY:  # recovery ends the pension (half a year paid)
                            exit_q = q + inval_recovery[y, g] - q * inval_recovery[y, g]
                        outgo_b += paid * m * (1.0 - 0.5 * exit_q)
                        if b <= INVALIDITY and dp > 0.0 and p > 0.0:
                            ev_sx[n_ev] = s * X + x
                            ev_dead[n_ev] = dp
                            ev_re[n_ev] = r / p
                            n_ev += 1
                        keep = 1.0 - exit_q
                        if b == ORPHAN and x1 >= orphan_limit:
                            orphan_exits_out[y, g] += p * keep
                            continue
                        # (P, M, R are replaced by addP, addM, addR at the year end); an invalidity pension
                        # becomes an old-age pension, same amount, at the birthday reaching the pensionable age
                        bt = b
                        if b == INVALIDITY and inval_convert[g] == 1 and x1 >= pensionable_age[y, g, s]:
                            bt = OLD_AGE
                        addP[bt, g, s, x1] += p * keep
                        addM[bt, g, s, x1] += m * keep
                        addR[bt, g, s, x1] += r * keep
                outgo_out[y, b, g] += outgo_b
            pensioner_deaths_out[y, g] += pdeaths
            # orphans' pensions of the year's deaths
            _orphan_awards(g, orphans[g, 0], orphans[g, 1], orphan_rate[y], orphan_limit, addP, addM,
                           awards_count_out, awards_amount_out, orphan_exits_out, y)
            # half a year of new awards in the year of award
            for b in range(B):
                outgo_out[y, b, g] += 0.5 * (awards_amount_out[y, b, g] - (unpaid[g] if b == WIDOW else 0.0))

        # --- 7. end-of-year state: the work arrays become the state (no copy)
        P, addP = addP, P
        M, addM = addM, M
        R, addR = addR, R
        A, newA = newA, A
        I, newI = newI, I
        WA, newWA = newWA, WA
        WI, newWI = newWI, WI
        wtop, top, ntop = top, ntop, wtop
        swapped = not swapped
    if swapped:  # the end state is in the work arrays: copy it into the caller's
        state.A[...] = A
        state.I[...] = I
        state.P[...] = P
        state.M[...] = M
        state.R[...] = R
        records.WA[...] = WA
        records.WI[...] = WI


#: The scheme kernel (groups one after the other: a parallel build over groups was measured
#: no faster on 2 cores, the groups being of unequal size; paths run in parallel instead).
scheme_kernel = njit(cache=True)(_scheme_kernel)

@njit(cache=True)
def _survivors(ev_sx, ev_dead, ev_re, n_ev, g, y, married, spouse_gap, children, widow_rate, last,
               addP, addM, awards_count_out, awards_amount_out, orphans, share, floor, min_age, unpaid,
               parent_rate, pair_rate, parent_one, parent_two, parent_mother, parent_gap):
    """Award widow(er)s' pensions for the first ``n_ev`` recorded deaths of group g in year y
    (``ev_dead`` deaths of sex and age ``ev_sx = s X + x`` with reference earnings ``ev_re``),
    in the order recorded, and count the orphans they leave (``orphans[g] += (children,
    children x RE)``; awarded by :func:`_orphan_awards` once the group's deaths are known).

    ``share`` of the surviving spouses meet the income conditions; each pension
    is at least ``floor`` [currency/year]; a survivor younger than
    ``min_age[g, sex]`` at 1 January is not paid in the year of award (the
    amount is added to ``unpaid[g]``).

    Dependent parents: ``parent_one[s, x]`` and ``parent_two[s, x]`` of the
    deaths leave one or two dependent parents, at age ``x + parent_gap + 1``
    at the year end; a single parent is a mother with the share
    ``parent_mother[s, x]`` and is paid ``parent_rate x RE``; two parents
    (a mother and a father) are paid ``min(parent_rate, pair_rate / 2) x
    RE`` each."""
    X = married.shape[1]
    each_of_two = 0.5 * pair_rate if 0.5 * pair_rate < parent_rate else parent_rate
    for e in range(n_ev):
        s = ev_sx[e] // X
        x = ev_sx[e] - s * X
        dead = ev_dead[e]
        re = ev_re[e]
        other = 1 - s
        w = dead * married[s, x] * share
        if w > 0.0:
            xa = x + spouse_gap[s, x] + 1
            if xa < 0:
                xa = 0
            if xa > last:
                xa = last
            if widow_rate * re < floor:
                amt = w * floor
            else:
                amt = w * widow_rate * re  # (this order of products: the results without a floor unchanged)
            if xa - 1 < min_age[g, other]:
                unpaid[g] += amt
            addP[WIDOW, g, other, xa] += w
            addM[WIDOW, g, other, xa] += amt
            awards_count_out[y, WIDOW, g] += w
            awards_amount_out[y, WIDOW, g] += amt
        kids = dead * children[s, x]
        if kids > 0.0:
            orphans[g, 0] += kids
            orphans[g, 1] += kids * re
        if parent_rate > 0.0:
            one = dead * parent_one[s, x]
            two = dead * parent_two[s, x]
            if one > 0.0 or two > 0.0:
                xp = x + parent_gap[s, x] + 1
                if xp < 0:
                    xp = 0
                if xp > last:
                    xp = last
                mothers = one * parent_mother[s, x]
                fathers = one - mothers
                for sp in range(2):
                    single = fathers if sp == 0 else mothers
                    n_p = single + two
                    amt_p = (single * parent_rate + two * each_of_two) * re
                    addP[PARENT, g, sp, xp] += n_p
                    addM[PARENT, g, sp, xp] += amt_p
                    awards_count_out[y, PARENT, g] += n_p
                    awards_amount_out[y, PARENT, g] += amt_p


@njit(cache=True)
def _orphan_awards(g, kids, kids_re, orphan_rate, orphan_limit, addP, addM, awards_count_out, awards_amount_out,
                   orphan_exits_out, y):
    """Award the orphans' pensions of group g in year y: ``kids`` orphans left by the year's
    deaths, ``kids_re`` the sum of children x their parent's reference earnings.

    Orphans are spread evenly over ages 0..limit-1 at the year end (one half
    boys), each paid ``orphan_rate x RE`` of their parent; those reaching the
    age limit at the year end are paid for half a year and leave.
    """
    if kids <= 0.0 or orphan_limit <= 0:
        return
    each = kids / (2.0 * orphan_limit)
    each_amt = kids_re / (2.0 * orphan_limit) * orphan_rate
    for age in range(orphan_limit):
        xa = age + 1
        awards_count_out[y, 3, g] += 2.0 * each
        awards_amount_out[y, 3, g] += 2.0 * each_amt
        if xa >= orphan_limit:
            # reaches the limit at the year end: paid half a year only
            orphan_exits_out[y, g] += 2.0 * each
            continue
        for sex in range(2):
            addP[3, g, sex, xa] += each
            addM[3, g, sex, xa] += each_amt
