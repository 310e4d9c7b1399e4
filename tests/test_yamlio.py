"""Tests for ssproj.scenario.yamlio (safe YAML with line numbers) and ssproj.errors."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from ssproj.errors import MISSING, Problem, ScenarioError, did_you_mean, display_path
from ssproj.scenario import yamlio
from ssproj.scenario.yamlio import SsprojLoader, Where, dump_yaml, format_key_path, load_yaml_file, parse_yaml


# -- scalars: YAML 1.2 core schema ---------------------------------------------
def test_integer_year_keys_are_ints():
    doc, problems = parse_yaml("x: {2024: 0.1, 2030: 0.2}\n")
    assert problems == []
    assert doc.data == {"x": {2024: 0.1, 2030: 0.2}}
    assert all(type(k) is int for k in doc.data["x"])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1e-3", 0.001),  # a string under PyYAML's YAML 1.1 rules
        ("-2.5E+2", -250.0),
        ("010", 10),  # octal 8 under YAML 1.1
        ("0o10", 8),
        ("0x1F", 31),
        ("no", "no"),  # False under YAML 1.1
        ("on", "on"),
        ("true", True),
        ("False", False),
        ("1:20", "1:20"),  # sexagesimal 80 under YAML 1.1
        ("2024-01-01", "2024-01-01"),  # a date under YAML 1.1
        ("~", None),
        ("none", "none"),
        (".inf", float("inf")),
    ],
)
def test_core_schema_scalars(text, expected):
    doc, problems = parse_yaml(f"v: {text}\n")
    assert problems == []
    assert doc.data["v"] == expected
    assert type(doc.data["v"]) is type(expected)


# -- safety ----------------------------------------------------------------------
def test_loader_is_a_safe_loader():
    import yaml

    assert issubclass(SsprojLoader, yaml.SafeLoader)


def test_python_tags_are_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    text = f"a: !!python/object/apply:os.system ['touch {marker}']\n"
    doc, problems = parse_yaml(text, tmp_path / "evil.yaml")
    assert doc is None
    assert not marker.exists()
    assert len(problems) == 1
    assert problems[0].line == 1
    assert "could not determine a constructor" in problems[0].expected


def test_recursive_alias_is_a_problem():
    doc, problems = parse_yaml("a: &x [1, *x]\n")
    assert doc is None
    assert "recursive alias" in problems[0].expected


def test_alias_bomb_is_stopped(monkeypatch):
    monkeypatch.setattr(yamlio, "MAX_NODES", 1000)
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 6):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    doc, problems = parse_yaml("\n".join(lines) + "\n")
    assert doc is None
    assert "more than 1,000 nodes" in problems[0].expected


# -- duplicate keys and malformed YAML ------------------------------------------
def test_duplicate_key_reports_full_path_and_both_lines():
    text = "changes:\n  x: 1\n  y: 2\n  x: 3\n"
    _doc, problems = parse_yaml(text, "s.yaml")
    assert len(problems) == 1
    p = problems[0]
    assert p.line == 4
    assert p.key_path == "changes.x"
    assert "duplicate key (first given at line 2)" in p.expected


def test_every_duplicate_is_reported():
    text = "a: 1\na: 2\nb:\n  c: 1\n  c: 2\n"
    _, problems = parse_yaml(text)
    assert [(p.key_path, p.line) for p in problems] == [("a", 2), ("b.c", 5)]


def test_merge_keys_are_refused():
    _, problems = parse_yaml("base: &b {x: 1}\nchild:\n  <<: *b\n")
    assert any("merge keys are not supported" in p.expected for p in problems)


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("a: 1\nb: [1, 2\nc: 3\n", 3, "expected ','"),
        ("a:\n  b: 1\n c: 2\n", 3, "expected <block end>"),
        ("a: 1\n  b: 2\n", 2, "mapping values are not allowed here"),
        ("a: 'unterminated\n", 2, "found unexpected end of stream"),
        ("a: 1\n---\nb: 2\n", 2, "expected a single document"),
    ],
)
def test_malformed_yaml_gives_line_and_message(text, line, fragment):
    doc, problems = parse_yaml(text, "bad.yaml")
    assert doc is None
    assert len(problems) == 1
    p = problems[0]
    assert p.line == line
    assert p.expected.startswith("invalid YAML: ")
    assert fragment in p.expected
    assert str(p).startswith("bad.yaml:" + str(line) + ": invalid YAML")


def test_not_utf8(tmp_path):
    f = tmp_path / "latin1.yaml"
    f.write_bytes("name: caf\xe9\n".encode("latin-1"))
    doc, problems = load_yaml_file(f)
    assert doc is None
    assert "not UTF-8" in problems[0].expected


def test_missing_file_names_full_path(tmp_path):
    doc, problems = load_yaml_file(tmp_path / "nope.yaml")
    assert doc is None
    assert str(tmp_path / "nope.yaml") in problems[0].expected


def test_empty_document_is_none():
    doc, problems = parse_yaml("# only a comment\n")
    assert problems == []
    assert doc.data is None


# -- line numbers ------------------------------------------------------------------
def test_lines_of_keys_and_items():
    text = "a: 1\nchanges:\n  x:\n    2020: 1.0\n    2030: 2.0\nlist:\n  - p\n  - q\n"
    doc, _ = parse_yaml(text, "f.yaml")
    assert doc.line(("a",)) == 1
    assert doc.line(("changes", "x")) == 3
    assert doc.line(("changes", "x", 2030)) == 5
    assert doc.line(("list", 1)) == 8
    # nearest ancestor for a path that has no line of its own
    assert doc.line(("changes", "x", 2030, "deeper")) == 5
    assert doc.line(("unknown",)) == 1


def test_where_builds_problems_with_file_line_and_key_path(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("changes:\n  retirement_age:\n    2031: 71\n")
    doc, _ = load_yaml_file(f)
    where = doc.where("changes") / "retirement_age" / 2031
    assert where.key_path == "changes.retirement_age[2031]"
    p = where.problem(71, "is outside [50, 70] (range declared in ssproj defaults.yaml)")
    assert p.line == 3
    assert p.file == f.resolve()
    assert p.message == "changes.retirement_age[2031] = 71 is outside [50, 70] (range declared in ssproj defaults.yaml)"


def test_format_key_path():
    assert format_key_path(("changes", "x", "values", 2031)) == "changes.x.values[2031]"
    assert format_key_path(()) == ""
    assert format_key_path(("list", 0, "a")) == "list[0].a"


# -- dumping -------------------------------------------------------------------------
def test_dump_round_trip_quotes_number_like_strings():
    data = {"s": "1e3", "t": "no", "u": 1e-5, "v": {2020: 1.0}, "w": np.float64(0.5), "n": None, "b": True}
    text = dump_yaml(data)
    doc, problems = parse_yaml(text)
    assert problems == []
    assert doc.data == {"s": "1e3", "t": "no", "u": 1e-5, "v": {2020: 1.0}, "w": 0.5, "n": None, "b": True}


def test_dump_flow():
    assert dump_yaml({"grow": 0.05}, flow=True) == "{grow: 0.05}"
    assert dump_yaml(1.0, flow=True) == "1.0"


# -- errors ------------------------------------------------------------------------
def test_problem_str_format(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    p = Problem(
        tmp_path / "scenarios" / "bad.yaml",
        7,
        "changes.retirement_age[2031]",
        71,
        "is outside [50, 70] (range declared in ssproj defaults.yaml)",
    )
    assert str(p) == (
        "scenarios/bad.yaml:7: changes.retirement_age[2031] = 71 is outside [50, 70] "
        "(range declared in ssproj defaults.yaml)"
    )


def test_problem_without_value_line_or_file():
    p = Problem("<scenario dict>", None, "changes.foo", MISSING, "unknown parameter", "did you mean 'bar'?")
    assert str(p) == "<scenario dict>: changes.foo: unknown parameter; did you mean 'bar'?"
    assert str(Problem(None, None, "", MISSING, "empty")) == "<input>: empty"


def test_display_path_outside_cwd_is_absolute(tmp_path, monkeypatch):
    inner = tmp_path / "inner"
    inner.mkdir()
    monkeypatch.chdir(inner)
    assert display_path(tmp_path / "x.yaml") == (tmp_path / "x.yaml").as_posix()
    assert display_path(inner / "x.yaml") == "x.yaml"


def test_scenario_error_lists_all_problems_and_dedups():
    a = Problem("<a>", 1, "x", 1, "is bad")
    b = Problem("<a>", 2, "y", MISSING, "unknown key", "did you mean 'z'?")
    err = ScenarioError([a, b, a])
    assert isinstance(err, ValueError)
    assert err.problems == [a, b]
    assert str(err).splitlines() == ["<a>:1: x = 1 is bad", "<a>:2: y: unknown key; did you mean 'z'?"]
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err)


def test_did_you_mean():
    assert did_you_mean("fertility_multiplyer", ["fertility_multiplier", "wage_growth"]) == (
        "did you mean 'fertility_multiplier'?"
    )
    assert did_you_mean("Male", ["male", "female"]) == "did you mean 'male'?"
    assert did_you_mean("zzz", ["a", "b"]) == "expected one of: a, b"
    assert did_you_mean("zzz", ["a", "b"], list_if_no_match=0) is None


def test_where_without_file():
    w = Where(lambda path: ("<TimePath>", None), ("values",)) / 2030
    assert str(w.problem("x", "is not a number")) == "<TimePath>: values[2030] = 'x' is not a number"


def test_fast_and_pure_python_parsers_agree_on_real_files():
    """The libyaml parser (used first, for speed) gives the same data, lines and problems."""
    import glob

    from ssproj.scenario import yamlio

    if len(yamlio._LOADERS) < 2:
        pytest.skip("PyYAML was built without libyaml: only the pure-Python parser exists")
    root = Path(__file__).resolve().parents[1]
    files = [root / "assumptions" / "lao" / "assumptions.yaml",
             *map(Path, glob.glob(str(root / "scenarios" / "*.yaml"))),
             *map(Path, glob.glob(str(root / "tests" / "data" / "bad_scenarios" / "duplicate_key.yaml")))]
    fast_cls = yamlio._LOADERS
    for f in files:
        doc_fast, prob_fast = yamlio.parse_yaml(f.read_bytes(), f)
        yamlio._LOADERS = (yamlio.SsprojLoader,)
        try:
            doc_slow, prob_slow = yamlio.parse_yaml(f.read_bytes(), f)
        finally:
            yamlio._LOADERS = fast_cls
        assert prob_fast == prob_slow, f
        if doc_slow is not None:
            assert doc_fast.data == doc_slow.data, f
            assert doc_fast.lines == doc_slow.lines, f
