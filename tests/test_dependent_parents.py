"""Dependent parents' pensions at the scenario level: the table they need, its checks, the plan, the Lao set.

The kernel's arithmetic (one parent, two parents, the pair rate, ages,
mortality) is checked by hand in tests/kernels/test_scheme_kernel.py and
against the NumPy oracle in tests/kernels/test_scheme_reference.py.
"""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

import ssproj
from ssproj.errors import ScenarioError
from ssproj.plan import compile_scenario
from ssproj.scenario.checks import NoEffectWarning
from ssproj.scenario.tables import load_table

ROOT = Path(__file__).resolve().parents[1]
LAO = ROOT / "scenarios" / "lao_baseline.yaml"
SCHEME = Path(__file__).parent / "data" / "assumptions" / "tiny_scheme"
TABLE = """sex,age_start,age_end,one_parent,two_parents,mother_share,parent_age_difference
male,20,39,0.4,0.1,0.6,28
male,40,59,0.2,0.02,0.8,27.6
female,20,39,0.4,0.1,0.6,28
female,40,59,0.2,0.02,0.8,27.6
"""
ENTRY = """  dependent_parents:
    file: scheme/dependent_parents.csv
    source: madeup
    confidence: assumed
"""


@pytest.fixture
def tiny(tmp_path):
    """A writable copy of tiny_scheme and a scenario file next to it; returns (root, scenario path)."""
    shutil.copytree(SCHEME, tmp_path / "assumptions" / "tiny_scheme")
    (tmp_path / "scenarios").mkdir()
    s = tmp_path / "scenarios" / "s.yaml"
    s.write_text("assumptions: tiny_scheme\nprojection: {start_year: 2020, end_year: 2040}\n")
    return tmp_path, s


def _add_table(root: Path, text: str = TABLE) -> Path:
    aset = root / "assumptions" / "tiny_scheme"
    (aset / "scheme" / "dependent_parents.csv").write_text(text)
    yaml = aset / "assumptions.yaml"
    yaml.write_text(yaml.read_text().replace("tables:\n", "tables:\n" + ENTRY, 1))
    return aset / "scheme" / "dependent_parents.csv"


def test_parent_rate_without_the_table_is_refused(tiny):
    _, s = tiny
    s.write_text(s.read_text() + "changes:\n  parent_rate: 0.3\n")
    with pytest.raises(ScenarioError) as info:
        ssproj.load_scenario(s)
    (p,) = info.value.problems
    assert Path(p.file) == s.resolve() and p.key_path == "changes.parent_rate" and p.line == 4
    assert "the table 'dependent_parents'" in p.message and "the scenario give none" in p.message
    assert "one_parent, two_parents, mother_share, parent_age_difference" in p.hint


def test_the_table_without_parent_rate_is_named(tiny):
    root, s = tiny
    _add_table(root)
    with pytest.warns(NoEffectWarning, match="the table 'dependent_parents' has no effect: it is used only when "
                                             "parent_rate > 0"):
        ssproj.load_scenario(s)
    s.write_text(s.read_text() + "changes:\n  parent_rate: 0.3\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", NoEffectWarning)
        sc = ssproj.load_scenario(s)
    params = compile_scenario(sc).scheme.params
    # spread to single ages (0 outside the groups given), the age difference rounded to whole years
    assert params.parent_one[0, 19] == 0.0 and params.parent_one[0, 20] == 0.4 and params.parent_one[1, 59] == 0.2
    assert params.parent_two[1, 45] == 0.02 and params.parent_mother[0, 30] == 0.6
    assert params.parent_gap[0, 30] == 28 and params.parent_gap[0, 45] == 28 and params.parent_gap[0, 60] == 0
    assert np.all(params.parent_rate == 0.3) and np.all(params.parent_pair_rate == 2.0)


def test_one_and_two_parents_exclude_each_other(tmp_path):
    path = tmp_path / "dependent_parents.csv"
    path.write_text(TABLE.replace("female,20,39,0.4,0.1", "female,20,39,0.8,0.3"))
    df, problems = load_table("dependent_parents", path)
    assert df is None
    (p,) = problems
    assert (p.line, p.key_path) == (4, "one_parent + two_parents")
    assert "the probabilities sum to 1.1, more than 1" in p.message


def test_parents_both_rate_without_parent_rate_is_named(lao):
    with pytest.warns(NoEffectWarning, match="parents_both_rate has no effect: it acts only when parent_rate > 0"):
        lao.with_changes({"parent_rate": 0.0, "parents_both_rate": 0.6})


@pytest.fixture(scope="module")
def lao():
    return ssproj.load_scenario(LAO)


def test_lao_pays_dependent_parents_and_nothing_else_moves_without_them(lao):
    ds = ssproj.project(lao).dataset
    outgo = ds["benefit_outgo_by_type"].sum("group")
    parents = outgo.sel(benefit="parent")
    assert float(parents.sel(year=2024)) > 0.0
    # a small share of the pension outgo (assumed table): between 0.5% and 3% in 2050
    share = float(parents.sel(year=2050) / outgo.sel(year=2050).sum())
    assert 0.005 < share < 0.03
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoEffectWarning)  # the table is then unused: named, not an error
        off = ssproj.project(lao.with_changes({"parent_rate": 0.0})).dataset
    off_outgo = off["benefit_outgo_by_type"].sum("group")
    # no new parents' pension; those in payment at the valuation date (the back-cast's) run off
    assert float(off["new_pensions"].sel(benefit="parent").sum()) == 0.0
    stock = off["pensioners"].sel(benefit="parent").sum(("group", "sex", "age")).sel(year=slice(2024, 2100))
    assert (np.diff(stock.values) <= 0).all() and 0 < float(stock.sel(year=2100)) < 1e-3 * float(stock.sel(year=2024))
    # the other types do not depend on the parents' pensions
    for b in ("old_age", "invalidity", "widow", "orphan"):
        np.testing.assert_array_equal(outgo.sel(benefit=b).values, off_outgo.sel(benefit=b).values)
