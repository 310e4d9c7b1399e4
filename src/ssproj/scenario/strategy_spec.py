"""The ``strategy:`` block of a scenario: coverage-expansion strategies, validated.

A strategy is a named set of channels, each working on one declared
insured group from its ``start_year`` (the kinds and what they do:
``docs/strategies.md`` and :mod:`ssproj.scheme.strategies`, which projects
them). This module holds the *spec*: the channel kinds and their
quantities (:data:`CHANNEL_KINDS`), the validated :class:`Strategy` and
:class:`Channel` and :func:`parse_strategy`, which checks the YAML form.
It sits in the scenario layer because ``load_scenario`` validates a
scenario's ``strategy:`` block with everything else; it needs only
time paths and the problem reporting of that layer.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ssproj.errors import MISSING, Problem, did_you_mean
from ssproj.scenario.parameters import check_confidence
from ssproj.scenario.timepath import YEAR_RANGE, TimePath, parse_timepath
from ssproj.scenario.yamlio import Where

__all__ = [
    "CHANNEL_KINDS",
    "COST_PAYERS",
    "GROUP_KINDS",
    "OVERRIDES",
    "RECRUITING_QUANTITIES",
    "STRATEGY_KEYS",
    "Channel",
    "Strategy",
    "parse_strategy",
]

#: Who pays a channel's costs (``paid_by``).
COST_PAYERS = ("fund", "state")
#: How a channel's costs move after its start year (``cost_index``): with the average wage (default: the
#: costs are mostly staff and allowances), with prices, or not at all (fixed nominal amounts).
COST_INDEXES = ("wages", "prices", "none")

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

#: Recruiting channel kinds -> the quantities whose product is the recruits.
RECRUITING_QUANTITIES = {
    "mobile_registration": ("villages_per_year", "turnout_per_village", "registration_share"),
    "district_office": ("offices", "catchment_workers", "uptake_rate"),
    "information_centre": ("centres", "visitors_per_centre", "conversion"),
    "labour_officers": ("officers", "registrations_per_officer"),
    "promoters": ("promoters", "registrations_per_promoter"),
}
_GROUP_COMMON = ("share_female", "cost_fixed", "cost_per_registration", "paid_by", "cost_index") + OVERRIDES
_BASE = ("kind", "group", "start_year", "description", "source", "confidence")

#: Channel kinds -> (required keys, optional keys) besides ``kind``, ``group``,
#: ``start_year`` (required) and ``description``, ``source``, ``confidence`` (optional).
CHANNEL_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    **{k: (v, _GROUP_COMMON) for k, v in RECRUITING_QUANTITIES.items()},
    # the sex of registered domestic workers is that of the domestic workers projected: no share_female
    "domestic_workers": (("registration_share",), tuple(k for k in _GROUP_COMMON if k != "share_female")),
    "subsidy": (("subsidy_share",), ("uptake", "cost_fixed", "paid_by", "cost_index")),
    "lower_floor": (("declared_income_min_ratio",), ("uptake", "cost_fixed", "paid_by", "cost_index")),
    "coverage_target": (("coverage_rate",), ("cost_fixed", "paid_by", "cost_index")),
}
#: Keys that some kinds take and others do not act on: why, for the message that refuses them.
NOT_USED_BY_KIND = {
    ("domestic_workers", "share_female"): "domestic workers are registered with the sexes of the domestic "
                                          "workers projected (domestic_worker_share): share_female would have "
                                          "no effect",
}
#: Kinds that act only on groups contributing on declared income (contribution_base: declared_income).
DECLARED_INCOME_KINDS = ("lower_floor",)
#: Kinds that make a channel group ``<parent>.<channel>``.
GROUP_KINDS = tuple(RECRUITING_QUANTITIES) + ("domestic_workers",)
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
    cost_index : {"wages", "prices", "none"}
        How the costs move after ``start_year``: they are given at the
        wage and price level of ``start_year`` and grow with the average
        wage, with prices, or not at all.
    description, source : str
        Free text.
    confidence : {"verified", "secondary", "assumed"} or ""
        How far the channel's numbers can be trusted ("" if the channel
        does not say).
    """

    name: str
    kind: str
    group: str
    start_year: int
    quantities: Mapping[str, TimePath]
    paid_by: str = "fund"
    cost_index: str = "wages"
    description: str = ""
    source: str = ""
    confidence: str = ""

    @property
    def group_name(self) -> str | None:
        """The channel group ``<parent>.<channel>``, or None for a parameter channel. [str]"""
        return f"{self.group}.{self.name}" if self.kind in GROUP_KINDS else None

    def to_dict(self) -> dict[str, Any]:
        """Plain YAML form."""
        out: dict[str, Any] = {"kind": self.kind, "group": self.group, "start_year": self.start_year}
        out.update({k: v.to_yaml() for k, v in self.quantities.items()})
        out["paid_by"] = self.paid_by
        out["cost_index"] = self.cost_index
        if self.description:
            out["description"] = self.description
        if self.source:
            out["source"] = self.source
        if self.confidence:
            out["confidence"] = self.confidence
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
    return Where.in_memory("<strategy>", ("strategy",))


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
            problems.append(
                (where / key).problem(MISSING, "unknown key in a strategy", did_you_mean(key, STRATEGY_KEYS))
            )
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
        problems.append(
            where.problem(MISSING, "required key 'channels' is missing (a mapping channel name -> channel)")
        )
    elif not isinstance(raw_channels, Mapping) or not raw_channels:
        problems.append(
            (where / "channels").problem(raw_channels, "must be a non-empty mapping channel name -> channel")
        )
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
        return None, problems + [
            (at / "kind").problem(kind, "is not a channel kind", did_you_mean(kind, CHANNEL_KINDS))
        ]
    required, optional = CHANNEL_KINDS[kind]
    allowed = _BASE + required + optional
    for key in entry:
        if (kind, key) in NOT_USED_BY_KIND:
            problems.append((at / key).problem(MISSING, f"not taken by a channel of kind {kind}",
                                               NOT_USED_BY_KIND[kind, key]))
        elif key not in allowed:
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
    cost_index = entry.get("cost_index", "wages")
    if cost_index not in COST_INDEXES:
        problems.append((at / "cost_index").problem(cost_index, f"is not an index ({' | '.join(COST_INDEXES)})",
                                                    did_you_mean(str(cost_index), COST_INDEXES)))
    elif "cost_index" in entry and not any(k in entry for k in ("cost_fixed", "cost_per_registration")):
        problems.append((at / "cost_index").problem(
            MISSING, "moves the channel's cost_fixed and cost_per_registration, and the channel gives neither: "
                     "it cannot change the result", "give the channel's costs, or remove cost_index"))
    texts = {}
    for key in ("description", "source"):
        value = entry.get(key, "")
        if not isinstance(value, str):
            problems.append((at / key).problem(value, "must be a string"))
        texts[key] = " ".join(str(value).split())
    confidence = entry.get("confidence", "")
    if "confidence" in entry:
        problems += check_confidence(confidence, at / "confidence")
    quantities: dict[str, TimePath] = {}
    for key in required + optional:
        if key not in entry or key in ("paid_by", "cost_index"):
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
    assert isinstance(group, str) and first is not None  # a missing or invalid group or start_year adds a problem
    return Channel(cname, kind, group, int(first), quantities, paid_by, cost_index, texts["description"],
                   texts["source"], str(confidence)), []
