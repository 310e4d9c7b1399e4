"""Tests for ssproj.scenario.timepath.TimePath: every rule, parsing, round trips."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssproj.errors import ScenarioError
from ssproj.scenario.timepath import TimePath, parse_timepath
from ssproj.scenario.yamlio import Where, dump_yaml, parse_yaml


def where_in(label: str = "s.yaml") -> Where:
    return Where(lambda path: (label, None), ("changes", "x"))


# -- evaluation, one test per rule, hand-computed values ----------------------------
def test_constant():
    tp = TimePath(0.7)
    assert tp.is_constant
    assert tp.first_year is None and tp.last_year is None
    out = tp.evaluate([1900, 2020, 2400])
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [0.7, 0.7, 0.7])


def test_step():
    tp = TimePath({2020: 1.0, 2023: 2.0, 2025: 5.0}, between="step", after="hold")
    np.testing.assert_array_equal(
        tp.evaluate(np.arange(2020, 2028)), [1.0, 1.0, 1.0, 2.0, 2.0, 5.0, 5.0, 5.0]
    )


def test_linear():
    tp = TimePath({2020: 1.0, 2030: 2.0, 2040: 0.0}, between="linear", after="hold")
    np.testing.assert_allclose(
        tp.evaluate([2020, 2023, 2030, 2035, 2040, 2041]), [1.0, 1.3, 2.0, 1.0, 0.0, 0.0]
    )


def test_between_none_with_every_year():
    tp = TimePath({2020: 1.0, 2021: 4.0, 2022: 2.0}, between="none", after="hold")
    np.testing.assert_array_equal(tp.evaluate([2020, 2021, 2022, 2023]), [1.0, 4.0, 2.0, 2.0])


def test_between_none_gap_is_an_error():
    with pytest.raises(ScenarioError) as info:
        TimePath({2020: 1.0, 2021: 1.0, 2024: 1.0, 2026: 1.0}, between="none")
    message = str(info.value)
    assert "gap" in message
    assert "missing 2022-2023, 2025" in message


def test_hold():
    tp = TimePath({2020: 3.0, 2025: 4.0}, between="linear", after="hold")
    np.testing.assert_array_equal(tp.evaluate([2025, 2026, 2100]), [4.0, 4.0, 4.0])


def test_after_none_raises_after_last_year():
    tp = TimePath({2020: 3.0, 2025: 4.0}, after="none")
    np.testing.assert_array_equal(tp.evaluate([2020, 2025]), [3.0, 4.0])
    assert not tp.covers(2026) and tp.covers(2025)
    with pytest.raises(ValueError, match="ends in 2025"):
        tp.evaluate([2024, 2026])


def test_grow():
    # 100 * 1.1**1 = 110, 100 * 1.1**2 = 121, 100 * 1.1**3 = 133.1
    tp = TimePath({2020: 50.0, 2030: 100.0}, between="step", after={"grow": 0.1})
    np.testing.assert_allclose(tp.evaluate([2029, 2030, 2031, 2032, 2033]), [50.0, 100.0, 110.0, 121.0, 133.1])


def test_index():
    # value 200 in 2030, then x(1 + 0.10) in 2031, x(1 + 0.20) in 2032, x(1 - 0.50) in 2033:
    # 220, 264, 132
    rates = {2031: 0.10, 2032: 0.20, 2033: -0.50}
    calls = []

    def resolve(name, years):
        calls.append((name, years.tolist()))
        return np.array([rates[int(y)] for y in years])

    tp = TimePath({2025: 100.0, 2030: 200.0}, between="linear", after={"index": "price_inflation"})
    out = tp.evaluate([2025, 2030, 2031, 2032, 2033], resolve=resolve)
    np.testing.assert_allclose(out, [100.0, 200.0, 220.0, 264.0, 132.0])
    assert calls == [("price_inflation", [2031, 2032, 2033])]
    assert tp.index_name == "price_inflation"


def test_index_needs_resolver_only_after_last_year():
    tp = TimePath({2020: 1.0}, after={"index": "price_inflation"})
    np.testing.assert_array_equal(tp.evaluate([2020]), [1.0])
    with pytest.raises(ValueError, match="needs a resolver"):
        tp.evaluate([2021])


def test_before_first_year_raises():
    tp = TimePath({2020: 1.0})
    with pytest.raises(ValueError, match="starts in 2020; no value for 2018-2019"):
        tp.evaluate([2018, 2019, 2020])


def test_evaluate_keeps_shape_and_accepts_whole_floats():
    tp = TimePath({2020: 0.0, 2022: 2.0})
    out = tp.evaluate(np.array([[2020, 2021], [2022, 2023]]))
    assert out.shape == (2, 2)
    np.testing.assert_array_equal(out, [[0.0, 1.0], [2.0, 2.0]])
    np.testing.assert_array_equal(tp.evaluate([2021.0]), [1.0])
    with pytest.raises(ValueError, match="whole calendar years"):
        tp.evaluate([2021.5])
    assert tp.evaluate(2021).shape == ()


# -- properties -------------------------------------------------------------------------
points = st.dictionaries(
    st.integers(min_value=1950, max_value=2150),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    min_size=1,
    max_size=8,
)


@given(points, st.sampled_from(["step", "linear"]))
def test_given_years_return_given_values(pts, between):
    tp = TimePath(pts, between=between)
    years = sorted(pts)
    np.testing.assert_array_equal(tp.evaluate(years), [float(pts[y]) for y in years])


@given(points)
def test_linear_stays_within_given_values(pts):
    tp = TimePath(pts, between="linear", after="hold")
    years = np.arange(min(pts), max(pts) + 5)
    out = tp.evaluate(years)
    assert out.min() >= min(pts.values()) - 1e-6
    assert out.max() <= max(pts.values()) + 1e-6


# -- representation ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "tp",
    [
        TimePath(1.5),
        TimePath({2020: 1.0, 2030: 0.5}, between="step", after="none"),
        TimePath({2024: 60.0, 2030: 62.0}, between="linear", after={"grow": 0.02}),
        TimePath({2020: 0.05}, between="none", after={"index": "price_inflation"}),
        TimePath({2027: 0.07}, between="step", before=0.06),
        TimePath({2030: 0.9, 2040: 0.7}, before=TimePath({2025: 0.9}, before={"values": {2020: 1.0}, "after": "none"})),
        TimePath({2035: 0.02}, after={"index": "a"}, before=TimePath({2020: 0.05}, after={"index": "b"})),
    ],
)
def test_round_trips(tp):
    assert TimePath.from_yaml(tp.to_yaml()) == tp
    doc, problems = parse_yaml(dump_yaml({"x": tp.to_yaml()}))
    assert problems == []
    assert TimePath.from_yaml(doc.data["x"]) == tp
    assert eval(repr(tp), {"TimePath": TimePath}) == tp
    assert pickle.loads(pickle.dumps(tp)) == tp
    assert hash(TimePath.from_yaml(tp.to_yaml())) == hash(tp)


def test_equality_depends_on_rules_and_values():
    a = TimePath({2020: 1.0, 2030: 2.0}, between="linear")
    assert a == TimePath({2030: 2, 2020: 1}, between="linear")
    assert a != TimePath({2020: 1.0, 2030: 2.0}, between="step")
    assert a != TimePath({2020: 1.0, 2030: 2.0}, after="none")
    assert a != TimePath({2020: 1.0, 2030: 2.5})
    assert TimePath(1.0) != TimePath({2020: 1.0})
    # a `before` is part of the path
    b = TimePath({2030: 2.0}, before=1.0)
    assert b == TimePath({2030: 2.0}, before=TimePath(1.0)) and hash(b) == hash(TimePath({2030: 2.0}, before=1.0))
    assert b != TimePath({2030: 2.0}) and b != TimePath({2030: 2.0}, before=1.5)
    assert b.own == TimePath({2030: 2.0})


def test_repr_is_clear():
    assert repr(TimePath({2030: 1.0, 2050: 0.9}, between="linear", after="hold")) == (
        "TimePath({2030: 1.0, 2050: 0.9}, between='linear', after='hold')"
    )
    assert repr(TimePath(2)) == "TimePath(2.0)"
    assert repr(TimePath({2027: 0.07}, between="step", before=0.06)) == (
        "TimePath({2027: 0.07}, between='step', after='hold', before=TimePath(0.06))"
    )


def test_immutable():
    tp = TimePath({2020: 1.0})
    with pytest.raises(AttributeError):
        tp.between = "step"


def test_properties():
    tp = TimePath({2030: 2.0, 2020: 1.0}, between="step", after={"grow": 0.01})
    assert tp.years == (2020, 2030)
    assert tp.values == (1.0, 2.0)
    assert tp.points == {2020: 1.0, 2030: 2.0}
    assert (tp.first_year, tp.last_year) == (2020, 2030)
    assert tp.after == {"grow": 0.01}
    assert tp.after_kind == "grow"
    assert tp.to_yaml() == {"values": {2020: 1.0, 2030: 2.0}, "between": "step", "after": {"grow": 0.01}}


# -- parsing ------------------------------------------------------------------------------
def test_short_form_uses_declared_rules():
    tp, problems = parse_timepath({2020: 1, 2030: 2}, default_between="step", default_after={"grow": 0.1})
    assert problems == []
    assert tp.between == "step" and tp.after == {"grow": 0.1}


def test_long_form_overrides_declared_rules():
    tp, problems = parse_timepath(
        {"values": {2020: 1}, "after": "none"}, default_between="step", default_after="hold"
    )
    assert problems == []
    assert tp.between == "step" and tp.after == "none"


def test_year_keys_given_as_text_are_read():
    tp, problems = parse_timepath({"2020": 1.0, "2030": 2.0})
    assert problems == []
    assert tp.years == (2020, 2030)


@pytest.mark.parametrize(
    "raw, key_path, fragment, hint",
    [
        ({2020: "high"}, "changes.x[2020]", "= 'high' is not a number", None),
        ({2020: "5%"}, "changes.x[2020]", "is not a number", "0.05, not 5%"),
        ({2020: float("nan")}, "changes.x[2020]", "is not a finite number", None),
        ({2020: 1.0, "twenty": 2.0}, "changes.x.twenty", "is not a year", None),
        ({20300: 1.0}, "changes.x[20300]", "outside the plausible range", None),
        ({}, "changes.x", "time path has no years", None),
        ("high", "changes.x", "is not a time path", None),
        ([1, 2], "changes.x", "is not a time path", None),
        ({"values": {2020: 1}, "betwen": "step"}, "changes.x.betwen", "unknown key in a time path",
         "did you mean 'between'?"),
        ({"value": {2020: 1}}, "changes.x.value", "is not a year", "did you mean 'values'?"),
        ({"between": "step"}, "changes.x", "has no 'values'", None),
        ({"values": 1.0}, "changes.x.values", "must be a year map", None),
        ({"values": {2020: 1}, "between": "lin"}, "changes.x.between", "is not a 'between' rule",
         "did you mean 'linear'?"),
        ({"values": {2020: 1}, "after": "grow"}, "changes.x.after", "is not an 'after' rule", "after: {grow: 0.02}"),
        ({"values": {2020: 1}, "after": {"grow": -1.5}}, "changes.x.after.grow", "must be greater than -1", None),
        ({"values": {2020: 1}, "after": {"grow": "fast"}}, "changes.x.after.grow", "is not a number", None),
        ({"values": {2020: 1}, "after": {"index": 3}}, "changes.x.after.index", "must be the name", None),
        ({"values": {2020: 1}, "after": {"grwo": 0.1}}, "changes.x.after.grwo", "unknown 'after' rule",
         "did you mean 'grow'?"),
        ({"values": {2020: 1}, "after": {"grow": 0.1, "index": "a"}}, "changes.x.after", "exactly one key", None),
    ],
)
def test_parse_problems(raw, key_path, fragment, hint):
    tp, problems = parse_timepath(raw, where=where_in())
    assert tp is None
    assert len(problems) == 1, problems
    p = problems[0]
    assert p.key_path == key_path
    assert fragment in p.message
    if hint is not None:
        assert hint in (p.hint or "")


def test_parse_reports_every_problem_at_once():
    _, problems = parse_timepath(
        {"values": {2020: "a", 2021: "b"}, "between": "zig", "after": "later"}, where=where_in()
    )
    assert sorted(p.key_path for p in problems) == [
        "changes.x.after",
        "changes.x.between",
        "changes.x.values[2020]",
        "changes.x.values[2021]",
    ]


def test_check_value_hook_cites_the_year():
    def check(v):
        return "is outside [0, 3]" if not 0 <= v <= 3 else None

    _, problems = parse_timepath({2020: 1.0, 2031: 4.0, 2032: -1.0}, where=where_in(), check_value=check)
    assert [str(p) for p in problems] == [
        "s.yaml: changes.x[2031] = 4.0 is outside [0, 3]",
        "s.yaml: changes.x[2032] = -1.0 is outside [0, 3]",
    ]


def test_bool_is_not_a_number():
    _, problems = parse_timepath(True, where=where_in())
    assert "is not a time path" in problems[0].message


def test_constructor_raises_scenario_error_with_problems():
    with pytest.raises(ScenarioError) as info:
        TimePath({2020: "x"}, between="sideways")
    assert len(info.value.problems) == 2


# -- before: the values before the first given year ---------------------------------------
def test_before_gives_the_years_before_the_first_given_year():
    base = TimePath({2020: 0.06, 2025: 0.065}, between="step", after="hold")
    tp = TimePath({2027: 0.07, 2030: 0.09}, between="linear", after="hold", before=base)
    # before 2027 the base (0.06 until 2024, 0.065 from 2025); from 2027 the path's own rules:
    # 0.07 + (0.09 - 0.07) * 1/3 = 0.076667 in 2028
    np.testing.assert_allclose(
        tp.evaluate([2020, 2024, 2025, 2026, 2027, 2028, 2030, 2040]),
        [0.06, 0.06, 0.065, 0.065, 0.07, 0.07 + 0.02 / 3, 0.09, 0.09],
    )
    # a base without a value there is still an error, naming the years
    with pytest.raises(ValueError, match="starts in 2020; no value for 2018-2019"):
        tp.evaluate([2018, 2019, 2027])
    assert tp.evaluate(np.array([[2026, 2027]])).shape == (1, 2)


def test_linear_does_not_interpolate_from_the_before_values():
    tp = TimePath({2030: 0.8, 2040: 0.6}, between="linear", before=1.0)
    # 2029 is the base's 1.0; 2030 is the path's first point 0.8 (no line from 1.0); 2035 halfway to 0.6
    np.testing.assert_allclose(tp.evaluate([2029, 2030, 2035, 2040]), [1.0, 0.8, 0.7, 0.6])


def test_before_properties():
    base = TimePath({2020: 1.0}, after={"index": "price_inflation"})
    tp = TimePath({2030: 2.0}, after={"index": "wage_growth"}, before=base)
    assert tp.before == base
    assert (tp.first_year, tp.last_year, tp.years) == (2030, 2030, (2030,))
    assert tp.valid_from == 2020 and base.valid_from == 2020
    assert TimePath({2030: 2.0}, before=1.0).valid_from is None  # the constant: from -inf
    assert tp.index_name == "wage_growth"
    assert tp.index_names == ("wage_growth", "price_inflation")
    assert TimePath(1.0).index_names == () and TimePath(1.0).before is None
    assert tp.covers(2020) and not tp.covers(2019)
    assert not tp.is_constant
    assert tp.to_yaml() == {
        "values": {2030: 2.0}, "between": "linear", "after": {"index": "wage_growth"},
        "before": {"values": {2020: 1.0}, "between": "linear", "after": {"index": "price_inflation"}},
    }


def test_before_index_rule_uses_the_resolver():
    # base: 100 in 2020, then x1.1 a year; the path's own 500 from 2023
    calls = []

    def resolve(name, years):
        calls.append((name, years.tolist()))
        return np.full(years.shape, 0.1)

    tp = TimePath({2023: 500.0}, before=TimePath({2020: 100.0}, after={"index": "price_inflation"}))
    np.testing.assert_allclose(tp.evaluate([2020, 2021, 2022, 2023, 2024], resolve=resolve), [100, 110, 121, 500, 500])
    assert calls == [("price_inflation", [2021, 2022])]


def test_with_before_lays_a_path_over_another():
    base = TimePath({2020: 1.0, 2040: 0.9})
    top = TimePath({2030: 0.8})
    tp = top.with_before(base)
    assert tp == TimePath({2030: 0.8}, before=base)
    assert top.before is None  # unchanged
    # a path with its own before gets the base at the bottom of its chain
    partial = TimePath({2035: 0.7}, before=TimePath({2030: 0.8}))
    assert partial.with_before(base) == TimePath({2035: 0.7}, before=TimePath({2030: 0.8}, before=base))
    # 2029: 1.0 + (0.9 - 1.0) * 9 / 20 = 0.955
    np.testing.assert_allclose(partial.with_before(base).evaluate([2029, 2030, 2035]), [0.955, 0.8, 0.7])
    with pytest.raises(ValueError, match="constant"):
        TimePath(0.5).with_before(base)
    # a base that starts at or after the path's first year would never be used
    with pytest.raises(ValueError, match="base starts in 2035, not before the first year 2030 of the path"):
        top.with_before(TimePath({2035: 1.0}))
    with pytest.raises(ValueError, match="not before the first year 2030"):
        partial.with_before(TimePath({2030: 1.0}))
    with pytest.raises(TypeError):
        top.with_before(1.0)
    with pytest.raises(ScenarioError, match="takes no 'before'"):
        TimePath(0.5, before=1.0)


def test_before_is_parsed_with_the_same_defaults_and_checks():
    def check(v):
        return "is outside [0, 3]" if not 0 <= v <= 3 else None

    tp, problems = parse_timepath(
        {"values": {2030: 2}, "before": {2020: 1, 2025: 2}}, default_between="step", default_after="none",
        check_value=check,
    )
    assert problems == []
    assert tp.before == TimePath({2020: 1.0, 2025: 2.0}, between="step", after="none")
    _, problems = parse_timepath({"values": {2030: 2}, "before": {2020: 1, 2025: 4}}, where=where_in(),
                                 check_value=check)
    assert [str(p) for p in problems] == ["s.yaml: changes.x.before[2025] = 4 is outside [0, 3]"]


@pytest.mark.parametrize(
    "raw, key_path, fragment",
    [
        ({"values": {2030: 1}, "before": {2035: 2}}, "changes.x.before",
         "starts in 2035, not before the first given year 2030: it would never be used"),
        ({"values": {2030: 1}, "before": {2030: 2}}, "changes.x.before", "starts in 2030, not before"),
        ({"values": {2030: 1}, "before": "low"}, "changes.x.before", "is not a time path"),
        ({"values": {2030: 1}, "before": {"values": {2020: 1}, "after": "grow"}}, "changes.x.before.after",
         "is not an 'after' rule"),
        ({"values": {2030: 1}, "befor": 1.0}, "changes.x.befor", "unknown key in a time path"),
    ],
)
def test_before_problems(raw, key_path, fragment):
    tp, problems = parse_timepath(raw, where=where_in())
    assert tp is None
    assert len(problems) == 1, problems
    assert problems[0].key_path == key_path
    assert fragment in problems[0].message


@given(points, points, st.sampled_from(["step", "linear"]))
def test_with_before_is_the_base_before_the_first_year_and_the_path_after(top_pts, base_pts, between):
    top = TimePath(top_pts, between=between)
    base = TimePath(base_pts, between="step", after="hold")
    first, base_first = min(top_pts), min(base_pts)
    if base_first >= first:
        with pytest.raises(ValueError, match="would never be used"):
            top.with_before(base)
        return
    tp = top.with_before(base)
    years = np.arange(base_first, max(max(top_pts), max(base_pts)) + 3)
    # where(years < first, base, path): both evaluated only where they have a value
    expected = np.where(years < first, base.evaluate(years), top.evaluate(np.maximum(years, first)))
    np.testing.assert_array_equal(tp.evaluate(years), expected)
    assert tp.valid_from == base_first
    assert TimePath.from_yaml(tp.to_yaml()) == tp and pickle.loads(pickle.dumps(tp)) == tp


def test_a_batched_resolver_gives_each_path_as_alone():
    """An {index: rate} path evaluated with K paths of the rate at once: row k is the path of rate k alone."""
    tp = TimePath({2020: 100.0, 2022: 110.0}, after={"index": "wage_growth"})
    years = np.arange(2019, 2031)
    rates = np.array([[0.01 * (k + 1)] * 8 for k in range(3)])  # 2023..2030, K = 3

    def batched(name, yrs):
        return rates[:, np.asarray(yrs) - 2023]

    out = tp.with_before(TimePath(90.0)).evaluate(years, batched)
    assert out.shape == (3, len(years))
    for k in range(3):
        alone = tp.with_before(TimePath(90.0)).evaluate(years, lambda name, yrs, k=k: rates[k, np.asarray(yrs) - 2023])
        np.testing.assert_array_equal(out[k], alone)
