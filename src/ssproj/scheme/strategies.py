"""Coverage-expansion strategies: channels that recruit insured persons.

A **strategy** (a scenario's ``strategy:`` key, see ``docs/strategies.md``)
is a named set of **channels**. Each channel works on one declared insured
group, its *parent*, from its ``start_year``:

* *recruiting* channels (``mobile_registration``, ``district_office``,
  ``information_centre``, ``labour_officers``, ``promoters``) and the
  *target* channel ``domestic_workers`` become an internal insured group
  ``<parent>.<channel>`` that inherits every per-group parameter of the
  parent, with the channel's overrides (``lapse_rate``,
  ``contribution_density``, ``earnings_level``, ``reentry_rate``,
  ``declared_income_min_ratio``, ``declared_income_max_ratio``). It has no
  base-year members and a coverage rate of 0 (a recruiting channel: its
  only entrants are the channel's recruits) or the channel's
  ``registration_share`` of the domestic workers (``domestic_workers``);
* *parameter* channels (``subsidy``, ``lower_floor``, ``coverage_target``)
  change parameters of the parent group (and of its channel groups) from
  their start year.

Recruits per year (persons, for years >= ``start_year``; 0 before):

===================== ==========================================================
kind                  recruits
===================== ==========================================================
mobile_registration   villages_per_year x turnout_per_village x registration_share
district_office       offices x catchment_workers x uptake_rate
information_centre    centres x visitors_per_centre x conversion
labour_officers       officers x registrations_per_officer
promoters             promoters x registrations_per_promoter
===================== ==========================================================

:func:`parse_strategy` validates the YAML form and returns ``(strategy,
problems)``; :func:`project_strategy_scheme` runs the scheme engine with
the channel groups (through :class:`StrategyScenario`) and adds the
channel results (``channel_recruits``, ``channel_cost``) to its Dataset.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ssproj.errors import MISSING, Problem, did_you_mean
from ssproj.scenario.timepath import YEAR_RANGE, TimePath, parse_timepath
from ssproj.scenario.yamlio import Where

__all__ = [
    "CHANNEL_KINDS",
    "COST_PAYERS",
    "Channel",
    "Strategy",
    "StrategyScenario",
    "channel_recruits",
    "parse_strategy",
    "project_strategy_scheme",
]

#: Who pays a channel's costs (``paid_by``).
COST_PAYERS = ("fund", "state")

# quantity -> (unit, lower bound, upper bound or None)
_QUANTITIES: dict[str, tuple[str, float, float | None]] = {
    "villages_per_year": ("villages/year", 0.0, None),
    "turnout_per_village": ("persons/village", 0.0, None),
    "registration_share": ("1", 0.0, 1.0),
    "offices": ("offices", 0.0, None),
    "catchment_workers": ("persons/office", 0.0, None),
    "uptake_rate": ("1/year", 0.0, 1.0),
    "centres": ("centres", 0.0, None),
    "visitors_per_centre": ("persons/(centre year)", 0.0, None),
    "conversion": ("1", 0.0, 1.0),
    "officers": ("officers", 0.0, None),
    "registrations_per_officer": ("persons/(officer year)", 0.0, None),
    "promoters": ("promoters", 0.0, None),
    "registrations_per_promoter": ("persons/(promoter year)", 0.0, None),
    "subsidy_share": ("1", 0.0, 1.0),
    "uptake": ("1", 0.0, 1.0),
    "coverage_rate": ("1", 0.0, 1.0),
    "share_female": ("1", 0.0, 1.0),
    "cost_fixed": ("currency/year", 0.0, None),
    "cost_per_registration": ("currency/person", 0.0, None),
    # per-group parameter overrides of a channel group (ranges of defaults.yaml)
    "lapse_rate": ("1/year", 0.0, 1.0),
    "reentry_rate": ("1/year", 0.0, 1.0),
    "contribution_density": ("1", 0.0, 1.0),
    "earnings_level": ("1", 0.0, 20.0),
    "declared_income_min_ratio": ("1", 0.0, 50.0),
    "declared_income_max_ratio": ("1", 0.0, 50.0),
}

#: Per-group parameters a channel group may override.
OVERRIDES = ("lapse_rate", "reentry_rate", "contribution_density", "earnings_level",
             "declared_income_min_ratio", "declared_income_max_ratio")

_RECRUITING = {
    "mobile_registration": ("villages_per_year", "turnout_per_village", "registration_share"),
    "district_office": ("offices", "catchment_workers", "uptake_rate"),
    "information_centre": ("centres", "visitors_per_centre", "conversion"),
    "labour_officers": ("officers", "registrations_per_officer"),
    "promoters": ("promoters", "registrations_per_promoter"),
}
_GROUP_COMMON = ("share_female", "cost_fixed", "cost_per_registration", "paid_by") + OVERRIDES
_BASE = ("kind", "group", "start_year", "description", "source")

#: Channel kinds -> (required keys, optional keys) besides ``kind``, ``group``,
#: ``start_year`` (required) and ``description``, ``source`` (optional).
CHANNEL_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    **{k: (v, _GROUP_COMMON) for k, v in _RECRUITING.items()},
    "domestic_workers": (("registration_share",), _GROUP_COMMON),
    "subsidy": (("subsidy_share",), ("uptake", "cost_fixed", "paid_by")),
    "lower_floor": (("declared_income_min_ratio",), ("uptake", "cost_fixed", "paid_by")),
    "coverage_target": (("coverage_rate",), ("cost_fixed", "paid_by")),
}
#: Kinds that make a channel group ``<parent>.<channel>``.
GROUP_KINDS = tuple(_RECRUITING) + ("domestic_workers",)
STRATEGY_KEYS = ("name", "description", "channels")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Channel:
    """One validated channel of a strategy.

    Parameters
    ----------
    name : str
        Channel name (a key of ``channels``).
    kind : str
        One of :data:`CHANNEL_KINDS`.
    group : str
        Parent insured group (declared in the assumption set).
    start_year : int
        First year the channel acts. [calendar year]
    quantities : mapping of str to TimePath
        The kind's quantities, ``share_female``, costs and overrides given.
        [units: see ``docs/strategies.md``]
    paid_by : {"fund", "state"}
        Who pays ``cost_fixed`` and ``cost_per_registration``.
    description, source : str
        Free text.
    """

    name: str
    kind: str
    group: str
    start_year: int
    quantities: Mapping[str, TimePath]
    paid_by: str = "fund"
    description: str = ""
    source: str = ""

    @property
    def group_name(self) -> str | None:
        """The channel group ``<parent>.<channel>``, or None for a parameter channel. [str]"""
        return f"{self.group}.{self.name}" if self.kind in GROUP_KINDS else None

    def to_dict(self) -> dict[str, Any]:
        """Plain YAML form."""
        out: dict[str, Any] = {"kind": self.kind, "group": self.group, "start_year": self.start_year}
        out.update({k: v.to_yaml() for k, v in self.quantities.items()})
        out["paid_by"] = self.paid_by
        if self.description:
            out["description"] = self.description
        if self.source:
            out["source"] = self.source
        return out


@dataclass(frozen=True)
class Strategy:
    """A named set of channels (validated).

    Parameters
    ----------
    name : str
    description : str
    channels : tuple of Channel
        In declaration order.
    """

    name: str
    description: str = ""
    channels: tuple[Channel, ...] = field(default_factory=tuple)

    @property
    def channel_groups(self) -> tuple[str, ...]:
        """Internal insured groups of the channels, in declaration order. [tuple of str]"""
        return tuple(c.group_name for c in self.channels if c.group_name is not None)

    def to_dict(self) -> dict[str, Any]:
        """Plain YAML form (as in a scenario's ``strategy:``)."""
        return {"name": self.name, "description": self.description,
                "channels": {c.name: c.to_dict() for c in self.channels}}


def _label_where() -> Where:
    return Where(lambda _p: ("<strategy>", None), ("strategy",))


def _range_check(key: str):
    _unit, lo, hi = _QUANTITIES[key]

    def check(v: float) -> str | None:
        if key.startswith("cost") and v < lo:
            return "is negative (a cost is >= 0)"
        if v < lo or (hi is not None and v > hi):
            return f"is outside [{lo:g}, {hi:g}]" if hi is not None else f"is negative (expected >= {lo:g})"
        return None

    return check


def parse_strategy(
    raw: Any,
    where: Where | None = None,
    *,
    groups: tuple[str, ...] | None = None,
    start_year: int | None = None,
    end_year: int | None = None,
) -> tuple[Strategy | None, list[Problem]]:
    """Validate the YAML form of a strategy, collecting every problem.

    Parameters
    ----------
    raw : mapping
        ``{name, description, channels: {name: {kind, group, start_year, ...}}}``.
    where : Where, optional
        Position of `raw` (for file, line and key path in problems).
    groups : tuple of str, optional
        Declared insured groups (``group`` must be one of them).
    start_year, end_year : int, optional
        The projection years: every time path must give a value from the
        channel's start year to `end_year`.

    Returns
    -------
    strategy : Strategy or None
        None if there were problems.
    problems : list of Problem
    """
    where = where if where is not None else _label_where()
    problems: list[Problem] = []
    if not isinstance(raw, Mapping):
        return None, [where.problem(raw, "must be a mapping {name: ..., description: ..., channels: {...}}")]
    for key in raw:
        if key not in STRATEGY_KEYS:
            problems.append((where / key).problem(MISSING, "unknown key in a strategy", did_you_mean(key, STRATEGY_KEYS)))
    name = raw.get("name", MISSING)
    if name is MISSING:
        problems.append(where.problem(MISSING, "required key 'name' is missing"))
    elif not isinstance(name, str) or not name.strip():
        problems.append((where / "name").problem(name, "must be a non-empty string"))
    description = raw.get("description") or ""
    if not isinstance(description, str):
        problems.append((where / "description").problem(description, "must be a string"))
    raw_channels = raw.get("channels", MISSING)
    channels: list[Channel] = []
    if raw_channels is MISSING:
        problems.append(where.problem(MISSING, "required key 'channels' is missing (a mapping channel name -> channel)"))
    elif not isinstance(raw_channels, Mapping) or not raw_channels:
        problems.append((where / "channels").problem(raw_channels, "must be a non-empty mapping channel name -> channel"))
    else:
        for cname, entry in raw_channels.items():
            ch, ch_problems = _parse_channel(cname, entry, where / "channels" / cname, groups, start_year, end_year)
            problems += ch_problems
            if ch is not None:
                channels.append(ch)
    if problems:
        return None, problems
    return Strategy(str(name).strip(), " ".join(str(description).split()), tuple(channels)), []


def _parse_channel(cname, entry, at, groups, start_year, end_year):
    problems: list[Problem] = []
    if not isinstance(cname, str) or not _NAME.match(cname):
        problems.append(at.problem(MISSING, "is not a valid channel name (lower case letters, digits and _)"))
    if not isinstance(entry, Mapping):
        return None, problems + [at.problem(entry, "must be a mapping {kind: ..., group: ..., start_year: ...}")]
    kind = entry.get("kind", MISSING)
    if kind is MISSING:
        return None, problems + [at.problem(MISSING, "required key 'kind' is missing",
                                            did_you_mean(None, CHANNEL_KINDS))]
    if kind not in CHANNEL_KINDS:
        return None, problems + [(at / "kind").problem(kind, "is not a channel kind", did_you_mean(kind, CHANNEL_KINDS))]
    required, optional = CHANNEL_KINDS[kind]
    allowed = _BASE + required + optional
    for key in entry:
        if key not in allowed:
            problems.append((at / key).problem(MISSING, f"unknown key in a channel of kind {kind}",
                                               did_you_mean(key, allowed, list_if_no_match=0)))
    for key in ("group", "start_year") + required:
        if key not in entry:
            problems.append(at.problem(MISSING, f"required key '{key}' is missing (kind {kind} needs "
                                                f"{', '.join(('group', 'start_year') + required)})"))
    group = entry.get("group")
    if "group" in entry:
        if not isinstance(group, str) or not group.strip():
            problems.append((at / "group").problem(group, "must be the name of a declared insured group"))
        elif groups is not None and group not in groups:
            problems.append((at / "group").problem(group, "is not an insured group declared in the assumption set",
                                                   did_you_mean(group, groups)))
    first = entry.get("start_year")
    if "start_year" in entry:
        if not isinstance(first, int) or isinstance(first, bool):
            problems.append((at / "start_year").problem(first, "is not an integer (a calendar year)"))
            first = None
        elif end_year is not None and not (start_year or YEAR_RANGE[0]) <= first <= end_year:
            problems.append((at / "start_year").problem(
                first, f"is outside the projection years {start_year}-{end_year}"))
            first = None
        elif not YEAR_RANGE[0] <= first <= YEAR_RANGE[1]:
            problems.append((at / "start_year").problem(first, "is not a plausible calendar year"))
            first = None
    paid_by = entry.get("paid_by", "fund")
    if paid_by not in COST_PAYERS:
        problems.append((at / "paid_by").problem(paid_by, "is not a payer (fund | state)",
                                                 did_you_mean(paid_by, COST_PAYERS)))
    texts = {}
    for key in ("description", "source"):
        value = entry.get(key, "")
        if not isinstance(value, str):
            problems.append((at / key).problem(value, "must be a string"))
        texts[key] = " ".join(str(value).split())
    quantities: dict[str, TimePath] = {}
    for key in required + optional:
        if key not in entry or key == "paid_by":
            continue
        kwargs = {"default_between": "linear", "default_after": "hold"}
        if key in OVERRIDES:
            kwargs["default_between"] = "step"
        tp, tp_problems = parse_timepath(entry[key], where=at / key, check_value=_range_check(key), **kwargs)
        problems += tp_problems
        if tp is None:
            continue
        if first is not None and tp.valid_from is not None and tp.valid_from > first:
            problems.append((at / key).problem(
                MISSING, f"starts in {tp.valid_from}, after the channel's start_year {first}",
                f"give a value for {first} (e.g. {{{first}: ..., {tp.valid_from}: ...}})"))
        elif end_year is not None and tp.after_kind == "none" and tp.last_year is not None \
                and tp.last_year < end_year:
            problems.append((at / key).problem(
                MISSING, f"ends in {tp.last_year} (after: none), before the projection's end_year {end_year}"))
        quantities[key] = tp
    if problems:
        return None, problems
    return Channel(cname, kind, group, int(first), quantities, paid_by, texts["description"], texts["source"]), []


# -----------------------------------------------------------------------------
# evaluation
# -----------------------------------------------------------------------------
def _from_start(ch: Channel, key: str, years: np.ndarray, resolve=None, fill: float = 0.0) -> np.ndarray:
    """A channel quantity by year: its path from ``start_year``, `fill` before."""
    years = np.asarray(years, dtype=np.int64)
    out = np.full(years.shape, fill, dtype=float)
    tp = ch.quantities.get(key)
    on = years >= ch.start_year
    if tp is not None and on.any():
        out[on] = tp.evaluate(years[on], resolve=resolve)
    return out


def channel_recruits(ch: Channel, years: Any, resolve=None) -> np.ndarray:
    """Recruits of a recruiting channel by year (0 before ``start_year`` and for other kinds). [persons/year]"""
    years = np.asarray(years, dtype=np.int64)
    if ch.kind not in _RECRUITING:
        return np.zeros(years.shape)
    out = np.where(years >= ch.start_year, 1.0, 0.0)
    for key in _RECRUITING[ch.kind]:
        out = out * _from_start(ch, key, years, resolve)
    return out


class StrategyScenario:
    """A scenario seen by :func:`ssproj.scheme.plan.project_scheme` with the channel groups of a strategy.

    Everything not listed here is the scenario's own (attribute access is
    passed through).

    * `groups`: the declared groups, then the channel groups
      ``<parent>.<channel>`` in declaration order;
    * `entity_info`: a channel group has its parent's title and sector
      (``domestic`` for a ``domestic_workers`` channel);
    * `value` / `path_values` of a per-group parameter: the parent's
      (after the parent's parameter channels) with the channel's
      overrides from its start year; coverage rate 0 for a recruiting
      channel group, ``registration_share`` (from its start year) for a
      ``domestic_workers`` group;
    * `tables`: ``salary_scale`` and ``entry_age_distribution`` get rows
      for the channel groups (copies of the parent's).

    Parameters
    ----------
    scenario : ssproj.scenario.Scenario
    strategy : Strategy
    """

    def __init__(self, scenario, strategy: Strategy):
        self._sc = scenario
        self.strategy = strategy
        self._channels = {c.group_name: c for c in strategy.channels if c.group_name is not None}
        from ssproj.scenario.parameters import load_parameter_specs

        self._per_group = {n for n, s in load_parameter_specs().items() if s.per == "group"}
        tables = dict(scenario.tables)
        for tname in ("salary_scale", "entry_age_distribution"):
            df = tables[tname]
            extra = []
            for gname, ch in self._channels.items():
                rows = df[df["group"] == ch.group].copy()
                rows["group"] = gname
                extra.append(rows)
            if extra:
                out = pd.concat([df] + extra, ignore_index=True)
                out.attrs = dict(df.attrs)
                tables[tname] = out
        self.tables = tables

    def __getattr__(self, name):
        return getattr(self._sc, name)

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(self._sc.groups) + tuple(self._channels)

    def entity_info(self, kind: str, name: str) -> dict[str, str]:
        if kind == "group" and name in self._channels:
            ch = self._channels[name]
            info = self._sc.entity_info("group", ch.group)
            info["title"] = f"{info['title']}: {ch.name} ({ch.kind})"
            if ch.kind == "domestic_workers":
                info["sector"] = "domestic"
            return info
        return self._sc.entity_info(kind, name)

    def value(self, name: str) -> Any:
        value = self._sc.value(name)
        if name in self._per_group:
            out = dict(value)
            for gname, ch in self._channels.items():
                out[gname] = value[ch.group]
            return out
        return value

    def path_values(self, name: str, years: Any = None) -> np.ndarray:
        if name not in self._per_group:
            return self._sc.path_values(name, years)
        yrs = np.asarray(self._sc.years if years is None else years)
        flat = yrs.reshape(-1).astype(np.int64)
        parents = self._parent_values(name, flat)
        rows = [parents[g] for g in self._sc.groups]
        for gname, ch in self._channels.items():
            r = parents[ch.group].copy()
            on = flat >= ch.start_year
            if name in ch.quantities:
                r[on] = ch.quantities[name].evaluate(flat[on], resolve=self._sc.path_values)
            if name == "coverage_rate":
                r = _from_start(ch, "registration_share", flat) if ch.kind == "domestic_workers" \
                    else np.zeros_like(r)
            rows.append(r)
        return np.stack(rows).reshape((len(rows),) + np.shape(yrs))

    def _parent_values(self, name: str, years: np.ndarray) -> dict[str, np.ndarray]:
        """Per-group values of the declared groups after the parameter channels."""
        base = self._sc.path_values(name, years)
        out = {g: base[i].copy() for i, g in enumerate(self._sc.groups)}
        if name in ("contribution_rate_state", "contribution_rate_employee"):
            added = self.subsidy_rates(years)
            for ch, g, rate in added:
                out[g] = out[g] + rate if name == "contribution_rate_state" else out[g] - rate
            return out
        for ch in self.strategy.channels:
            on = years >= ch.start_year
            g = ch.group
            if name == "declared_income_min_ratio" and ch.kind == "lower_floor":
                out[g][on] = _from_start(ch, "declared_income_min_ratio", years, self._sc.path_values)[on]
            elif name == "coverage_rate" and ch.kind == "coverage_target":
                out[g][on] = _from_start(ch, "coverage_rate", years, self._sc.path_values)[on]
            elif name == "coverage_rate" and ch.kind in ("subsidy", "lower_floor") and "uptake" in ch.quantities:
                out[g] = np.minimum(1.0, out[g] + _from_start(ch, "uptake", years, self._sc.path_values))
        return out

    def subsidy_rates(self, years: Any) -> list[tuple[Channel, str, np.ndarray]]:
        """Employee contribution rate taken over by the state, per subsidy channel and declared group.

        ``subsidy_share`` x the employee rate (after the subsidies declared
        before it), from the channel's start year. [1]
        """
        years = np.asarray(years, dtype=np.int64)
        base = self._sc.path_values("contribution_rate_employee", years)
        employee = {g: base[i].copy() for i, g in enumerate(self._sc.groups)}
        out = []
        for ch in self.strategy.channels:
            if ch.kind != "subsidy":
                continue
            rate = _from_start(ch, "subsidy_share", years, self._sc.path_values) * employee[ch.group]
            employee[ch.group] = employee[ch.group] - rate
            out.append((ch, ch.group, rate))
        return out


def _female_share(ch: Channel, employed: dict[str, np.ndarray], sector: str, years: np.ndarray, resolve):
    """``share_female`` by year, default the parent sector's female share of employment. [1]"""
    if "share_female" in ch.quantities:
        return _from_start(ch, "share_female", years, resolve, fill=0.5)
    e = employed[sector]  # (Y, 2, X)
    total = e.sum(axis=(1, 2))
    return np.divide(e[:, 1].sum(axis=1), total, out=np.full(total.shape, 0.5), where=total > 0)


def strategy_recruits(sc, demography: xr.Dataset, strategy: Strategy | None = None):
    """Persons registered by a strategy's recruiting channels.

    Returns
    -------
    view : StrategyScenario
        The scenario with the channel groups.
    registrations : ndarray, shape (Y, C)
        Persons registered by each channel (0 for other kinds). [persons/year]
    recruits : ndarray, shape (Y, G, 2)
        The same by group of ``view`` and sex. [persons/year]
    """
    from ssproj.scheme.plan import employment

    strategy = strategy if strategy is not None else sc.strategy
    view = StrategyScenario(sc, strategy)
    years = np.asarray(sc.scheme_years, dtype=np.int64)
    Y = len(years)
    groups = list(view.groups)
    resolve = sc.path_values
    _, employed, domestic = employment(sc, demography, years)
    by_sector = {"public": employed[0], "private": employed[1], "informal": employed[2], "domestic": domestic}

    C = len(strategy.channels)
    registrations = np.zeros((Y, C))
    recruits = np.zeros((Y, len(groups), 2))
    for ci, ch in enumerate(strategy.channels):
        if ch.kind not in _RECRUITING:
            continue
        r = channel_recruits(ch, years, resolve)
        registrations[:, ci] = r
        sector = sc.entity_info("group", ch.group)["sector"]
        f = _female_share(ch, by_sector, sector, years, resolve)
        gi = groups.index(ch.group_name)
        recruits[:, gi, 0] = r * (1.0 - f)
        recruits[:, gi, 1] = r * f
    return view, registrations, recruits


def strategy_inputs(sc, projection: xr.Dataset):
    """What a stochastic path of a strategy scenario re-uses from its central projection.

    Channel registrations and their costs are taken as in the central
    projection (they do not vary across paths).

    Parameters
    ----------
    sc : Scenario
        A scenario with a strategy.
    projection : xarray.Dataset
        Its deterministic projection (:func:`ssproj.project`).

    Returns
    -------
    view : StrategyScenario
    recruits : ndarray, shape (Y, G, 2)
        [persons/year]
    extra_admin : ndarray, shape (Y,)
        Channel costs paid by the fund. [currency/year]
    """
    view, _, recruits = strategy_recruits(sc, projection)
    years = np.asarray(sc.scheme_years, dtype=np.int64)
    extra = projection["channel_cost"].sel(cost_payer="fund", year=years).sum("channel").values
    return view, recruits, np.asarray(extra, dtype=np.float64)


def project_strategy_scheme(sc, demography: xr.Dataset, strategy: Strategy | None = None) -> xr.Dataset:
    """Project the scheme of a scenario with a coverage-expansion strategy.

    Parameters
    ----------
    sc : ssproj.scenario.Scenario
        A validated scenario with insured groups.
    demography : xarray.Dataset
        The demographic projection.
    strategy : Strategy, optional
        Default: the scenario's ``strategy``.

    Returns
    -------
    xarray.Dataset
        The scheme Dataset of :func:`ssproj.scheme.plan.project_scheme` over
        the declared groups and the channel groups, plus, on the dimension
        ``channel`` (coordinates ``channel_kind`` and ``channel_group``, the
        parent group):

        * ``channel_recruits`` (year, channel): persons registered by the
          channel (recruits; entrants of the group for ``domestic_workers``;
          0 for parameter channels). [persons/year]
        * ``channel_cost`` (year, channel, cost_payer): costs by payer
          (``fund``: administrative outgo of the long-term fund;
          ``state``: fiscal cost, including the contributions a subsidy
          pays). [currency/year]
    """
    from ssproj.scheme.plan import project_scheme

    strategy = strategy if strategy is not None else sc.strategy
    view, registrations, recruits = strategy_recruits(sc, demography, strategy)
    years = np.asarray(sc.scheme_years, dtype=np.int64)
    Y = len(years)
    C = len(strategy.channels)
    resolve = sc.path_values

    def costs(reg):
        cost = np.zeros((Y, C, 2))
        for ci, ch in enumerate(strategy.channels):
            c = _from_start(ch, "cost_fixed", years, resolve) + _from_start(ch, "cost_per_registration", years,
                                                                                 resolve) * reg[:, ci]
            cost[:, ci, COST_PAYERS.index(ch.paid_by)] += c
        return cost

    cost = costs(registrations)
    ds = project_scheme(view, demography, recruits=recruits, extra_admin_by_year=cost[:, :, 0].sum(axis=1))
    dom = [ci for ci, ch in enumerate(strategy.channels) if ch.kind == "domestic_workers"]
    if dom:
        for ci in dom:
            registrations[:, ci] = ds["entrants"].sel(group=strategy.channels[ci].group_name).values
        new_cost = costs(registrations)
        if not np.array_equal(new_cost[:, :, 0], cost[:, :, 0]):
            ds = project_scheme(view, demography, recruits=recruits,
                                extra_admin_by_year=new_cost[:, :, 0].sum(axis=1))
        cost = new_cost
    # subsidies: the state pays the subsidised share of the employee contributions
    earnings = ds["insured_earnings"]
    for ch, g, rate in view.subsidy_rates(years):
        ci = strategy.channels.index(ch)
        affected = [g] + [c.group_name for c in strategy.channels if c.group == g and c.group_name]
        cost[:, ci, 1] += rate * earnings.sel(group=affected).sum("group").values

    names = [c.name for c in strategy.channels]
    coords = {"channel": names, "cost_payer": list(COST_PAYERS),
              "channel_kind": ("channel", [c.kind for c in strategy.channels]),
              "channel_group": ("channel", [c.group for c in strategy.channels])}
    extra = xr.Dataset(
        {
            "channel_recruits": xr.DataArray(registrations, dims=("year", "channel"), attrs={
                "long_name": "Persons registered by the channel", "units": "persons/year"}),
            "channel_cost": xr.DataArray(cost, dims=("year", "channel", "cost_payer"), attrs={
                "long_name": "Costs of the channel by payer (fund: administrative outgo of the long-term "
                             "fund; state: fiscal cost, with subsidised contributions)",
                "units": "currency/year"}),
        },
        coords={"year": years, **coords},
    )
    return xr.merge([ds, extra])
