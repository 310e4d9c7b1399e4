"""Money flows of the funds: contributions by payer and fund, outgo, administrative costs and reserves.

:func:`finance` turns the engine's totals (insured earnings, long-term
benefits, members) into every fund's income, outgo and reserve; the
deterministic projection and each stochastic path use it alike.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ssproj.finance.fund import roll_forward_rows

if TYPE_CHECKING:
    from ssproj.scheme.plan import SchemePlan

__all__ = ["finance", "state_paid_pensions"]


def state_paid_pensions(plan: SchemePlan, pension_outgo, base_block=None, awarded_block=None) -> np.ndarray:
    """Pensions paid by the state budget, by type and group: not charged to the fund.

    Parameters
    ----------
    plan : SchemePlan
        ``state_paid_base`` (G,), ``state_paid_awarded`` (G,),
        ``state_paid_share`` (Y, G) and ``state_paid_types`` (B, G).
    pension_outgo : ndarray, shape (..., Y, B, G)
        Pensions paid by type and group (not lump sums). [currency/year]
    base_block : ndarray, shape (..., Y, B, G), optional
        The part paid to the pensioners of the valuation date and the
        survivors arising from them (the engine closed at the first scheme
        year, members leaving); needed when any ``state_paid_base`` > 0.
    awarded_block : ndarray, shape (..., Y, B, G), optional
        The part paid for the pensions awarded in each group's award period
        and the survivors arising from them (:func:`ssproj.plan.state_paid_blocks`);
        needed when any ``state_paid_awarded`` > 0. [currency/year]

    Returns
    -------
    ndarray, shape (..., Y, B, G)
        ``t (b L + w W + s (P - b L - w W))``, with ``t`` the types covered,
        ``b``, ``w`` the base-block and award-block shares, ``L``, ``W`` the
        blocks, ``s`` the share of the other pensions and ``P`` all
        pensions. [currency/year]
    """
    pension_outgo = np.asarray(pension_outgo, dtype=float)
    blocks = np.zeros_like(pension_outgo)
    for share, block, name in ((plan.state_paid_base, base_block, "base_block"),
                               (plan.state_paid_awarded, awarded_block, "awarded_block")):
        if np.any(share > 0):
            if block is None:
                raise ValueError(f"state_paid_pensions: {name} is needed when its share is > 0")
            blocks = blocks + share * np.asarray(block, dtype=float)
    share_y = plan.state_paid_share[:, None, :]                                  # (Y, 1, G)
    return plan.state_paid_types * (blocks + share_y * (pension_outgo - blocks))


def finance(plan: SchemePlan, insured_earnings, long_term_benefits, members_mid, investment_return,
            branch_events=None) -> dict:
    """Contributions, outgo and reserves of every fund.

    Parameters
    ----------
    plan : SchemePlan
    insured_earnings : ndarray, shape (..., Y, G)
        Insured earnings of contributors. [currency/year]
    long_term_benefits : ndarray, shape (..., Y)
        Pensions and lump sums paid by the long-term fund (less the
        pensions the state pays, :func:`state_paid_pensions`). [currency/year]
    members_mid : ndarray, shape (..., Y)
        Average number of active members in the year. [persons]
    investment_return : ndarray, shape (..., Y)
        Nominal return on reserves. [1/year]
    branch_events : ndarray, shape (..., Y, Br), optional
        Benefits of the branches projected by event
        (:func:`ssproj.kernels.engine.branch_events`); needed when a branch
        is. Cost-rate branches pay their cost rate x the insured earnings of
        the groups they cover. [currency/year]

    Returns
    -------
    dict of ndarray
        ``contributions`` (..., Y, P, G), ``contribution_income_by_fund``,
        ``admin_cost``, ``outgo_by_fund`` (scheduled outgo: benefits and
        administrative costs), ``fund_benefits_scheduled`` (..., Y, F),
        ``branch_outgo`` (..., Y, Br) [currency/year]; the roll-forward of
        each fund under its deficit financing rule
        (:func:`ssproj.finance.fund.roll_forward_rows`):
        ``fund_reserve_start``, ``fund_investment_income``,
        ``fund_total_income``, ``fund_total_outgo``, ``fund_reserve_end``,
        ``fund_state_transfer``, ``fund_benefits_paid``,
        ``fund_reserve_end_scheduled`` (..., Y, F) [currency,
        currency/year]. Leading dimensions (paths) are independent.
    """
    insured_earnings = np.asarray(insured_earnings, dtype=float)
    lead = insured_earnings.shape[:-2]
    Y = len(plan.years)
    F = len(plan.funds)
    contributions = plan.contribution_rates * insured_earnings[..., None, :]  # (..., Y, P, G)
    total_contrib = contributions.sum(axis=-2)  # (..., Y, G)
    contrib_by_fund = np.zeros(lead + (Y, F))
    contrib_by_fund[..., plan.lt_fund] += (total_contrib * plan.long_term_share).sum(axis=-1)
    cover = plan.earnings.branch_cover  # (G, Br): the groups each branch covers (their packages)
    # branch_scale (Y, G) is 1 unless contribution_share_rule: proportional rescales a group's branch shares
    # (x * 1.0 is exact: under the fixed rule the sums are those of the shares as given, bit for bit)
    covered_contrib = total_contrib * plan.branch_scale  # (..., Y, G)
    for bi, fi in enumerate(plan.branch_fund):
        contrib_by_fund[..., fi] += (covered_contrib * cover[:, bi]).sum(axis=-1) * plan.branch_share[:, bi]

    covered_earnings = np.moveaxis(insured_earnings[..., None] * cover, -2, -1).sum(axis=-1)  # (..., Y, Br)
    branch_outgo = plan.cost_rate * covered_earnings  # (..., Y, Br)
    by_event = plan.earnings.branch_kind != 0
    if by_event.any():
        if branch_events is None:
            raise ValueError("branches projected by event need branch_events")
        branch_outgo = np.where(by_event, np.asarray(branch_events, dtype=float), branch_outgo)
    benefits_by_fund = np.zeros(lead + (Y, F))
    benefits_by_fund[..., plan.lt_fund] += long_term_benefits
    for bi, fi in enumerate(plan.branch_fund):
        benefits_by_fund[..., fi] += branch_outgo[..., bi]
    admin = (plan.admin_cost_rate * total_contrib.sum(axis=-1) + plan.admin_cost_per_member * members_mid)
    contrib_total = contrib_by_fund.sum(axis=-1)
    weights = np.divide(contrib_by_fund, contrib_total[..., None], out=np.full_like(contrib_by_fund, 1.0 / F),
                        where=contrib_total[..., None] > 0)
    admin_by_fund = admin[..., None] * weights
    admin_by_fund[..., plan.lt_fund] += plan.extra_admin
    outgo_by_fund = benefits_by_fund + admin_by_fund

    ret = np.broadcast_to(np.asarray(investment_return, dtype=float), lead + (Y,))
    out = {"contributions": contributions, "contribution_income_by_fund": contrib_by_fund,
           "admin_cost": admin_by_fund, "outgo_by_fund": outgo_by_fund, "branch_outgo": branch_outgo,
           "fund_benefits_scheduled": benefits_by_fund}

    def rows(a):  # (..., Y, F) -> (paths x funds, Y)
        return np.moveaxis(a, -1, -2).reshape(-1, Y)

    n_lead = int(np.prod(lead, dtype=np.int64))
    res = roll_forward_rows(
        np.tile(plan.opening_reserve, n_lead), np.tile(plan.deficit_rule, n_lead),
        rows(contrib_by_fund), rows(outgo_by_fund), rows(np.broadcast_to(ret[..., None], lead + (Y, F))),
        benefits=rows(benefits_by_fund), floor=rows(plan.deficit_floor_ratio * outgo_by_fund))
    for k, v in res._asdict().items():
        if k != "net_cash_flow":  # (income - outgo: not kept)
            out[f"fund_{k}"] = np.moveaxis(v.reshape(lead + (F, Y)), -2, -1)
    return out
