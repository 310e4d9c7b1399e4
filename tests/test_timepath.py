"""Tests for ssproj.timepath.TimePath: every rule, parsing, round trips."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssproj.errors import ScenarioError
from ssproj.timepath import TimePath, parse_timepath
from ssproj.yamlio import Where, dump_yaml, parse_yaml


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


def test_repr_is_clear():
    assert repr(TimePath({2030: 1.0, 2050: 0.9}, between="linear", after="hold")) == (
        "TimePath({2030: 1.0, 2050: 0.9}, between='linear', after='hold')"
    )
    assert repr(TimePath(2)) == "TimePath(2.0)"


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
        ({"values": {2020: 1}, "betwen": "step"}, "changes.x.betwen", "unknown key in a time path", "did you mean 'between'?"),
        ({"value": {2020: 1}}, "changes.x.value", "is not a year", "did you mean 'values'?"),
        ({"between": "step"}, "changes.x", "has no 'values'", None),
        ({"values": 1.0}, "changes.x.values", "must be a year map", None),
        ({"values": {2020: 1}, "between": "lin"}, "changes.x.between", "is not a 'between' rule", "did you mean 'linear'?"),
        ({"values": {2020: 1}, "after": "grow"}, "changes.x.after", "is not an 'after' rule", "after: {grow: 0.02}"),
        ({"values": {2020: 1}, "after": {"grow": -1.5}}, "changes.x.after.grow", "must be greater than -1", None),
        ({"values": {2020: 1}, "after": {"grow": "fast"}}, "changes.x.after.grow", "is not a number", None),
        ({"values": {2020: 1}, "after": {"index": 3}}, "changes.x.after.index", "must be the name", None),
        ({"values": {2020: 1}, "after": {"grwo": 0.1}}, "changes.x.after.grwo", "unknown 'after' rule", "did you mean 'grow'?"),
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
