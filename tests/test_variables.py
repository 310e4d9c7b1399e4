"""The registry of output variables (src/ssproj/variables.yaml) is complete and consistent.

Every data variable of a projected Dataset, every summary column, indicator,
comparison row and stochastic path variable of real runs is registered, with
one unit from a closed vocabulary, and the generated documentation page
lists them all.
"""
import re
import warnings
from pathlib import Path

import pytest

import ssproj
from ssproj import variables

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

#: The closed vocabulary of units (a new unit is a deliberate change, here and in variables.yaml).
UNITS = {"persons", "persons/year", "contributor-years", "currency", "currency/year", "currency/month",
         "currency/person-year", "currency/USD", "1/year", "years", "calendar year", "1"}

def _project(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return ssproj.project(ssproj.load_scenario(SCENARIOS / name))


@pytest.fixture(scope="module")
def baseline():
    return _project("lao_baseline.yaml")


@pytest.fixture(scope="module")
def strategy():
    return _project("lao_cov_all_activities.yaml")


@pytest.fixture(scope="module")
def paths():
    return ssproj.stochastic(ssproj.load_scenario(SCENARIOS / "lao_stochastic.yaml"), 4, seed=1)


# ------------------------------------------------------------------ the registry itself

def test_registry_loads_with_unique_names_and_a_closed_unit_vocabulary():
    reg = variables.registry()
    names = [v.name for v in reg.variables]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})
    assert set(reg.units) == UNITS
    assert {v.unit for v in reg.variables} <= UNITS
    for v in reg.variables:
        assert v.definition and v.kinds, v.name
        assert set(v.dims) | set(v.path_dims) <= set(reg.dimensions), v.name
        assert "\n" not in v.definition, v.name
    assert reg is variables.registry()  # loaded once


def test_patterns_resolve_and_headers_attrs_follow_the_registry():
    assert variables.variable("insured_voluntary.mobile_days").name == "insured_<group>"
    assert variables.variable("pensioners_old_age").name == "pensioners_<benefit>"
    assert variables.variable("gap_75").name == "gap_<n>"
    assert variables.variable("reserve_ratio_2050").name == "reserve_ratio_<year>"
    assert variables.variable("insured_earnings").name == "insured_earnings"  # an exact name before a pattern
    assert variables.variable("contributors_gained").name == "contributors_gained"
    assert variables.find("no_such_variable") is None
    with pytest.raises(KeyError, match="not a registered output variable"):
        variables.variable("no_such_variable")
    assert variables.header("insured") == "insured [persons at 31 December]"
    assert variables.header("payg_cost_rate") == "payg_cost_rate [share of insured earnings]"
    assert variables.header("contributors") == "contributors [contributor-years]"
    assert variables.attrs("population") == {"long_name": variables.variable("population").definition,
                                             "units": "persons"}
    assert variables.unit("reserve_ratio") == "years"


def test_invalid_registry_lists_every_problem(tmp_path):
    bad = tmp_path / "variables.yaml"
    bad.write_text(
        "units: {persons: people}\n"
        "dimensions: {year: calendar year}\n"
        "sections:\n"
        "  - title: T\n"
        "    variables:\n"
        "      - {name: a, unit: people, definition: x, kinds: [summary]}\n"
        "      - {name: a, unit: persons, definition: x, kinds: [summary]}\n"
        "      - {name: b, unit: persons, definition: x, kinds: [dataset]}\n"
        "      - {name: c, unit: persons, definition: x, kinds: [comparison]}\n",
        encoding="utf-8")
    with pytest.raises(variables.RegistryError) as err:
        variables.load_registry(bad)
    text = str(err.value)
    for expected in ("unit 'people' is not in the vocabulary", "used twice", "needs its dims",
                     "a comparison row needs one of", "comparison_order"):
        assert expected in text


# ------------------------------------------------------------------ real runs are registered

def _dataset_mismatches(projection):
    problems = {}
    for name, da in projection.dataset.data_vars.items():
        v = variables.find(name)
        if v is None or "dataset" not in v.kinds:
            problems[name] = "not registered as a Dataset variable"
        elif da.attrs.get("units") != v.unit or tuple(da.dims) != v.dims:
            problems[name] = f"units {da.attrs.get('units')!r} dims {da.dims} vs registry {v.unit!r} {v.dims}"
    return problems


@pytest.mark.parametrize("which", ["baseline", "strategy"])
def test_demography_dataset_variables_follow_the_registry(which, request):
    """The variables that ssproj.projection itself sets take units, dims and long_name from the registry."""
    p = request.getfixturevalue(which)
    for name in ("population", "births", "deaths", "net_migration", "mortality_rate", "fertility_rate",
                 "sex_ratio_at_birth", "life_expectancy_at_birth", "population_floor_adjustment"):
        da = p.dataset[name]
        assert da.attrs == variables.attrs(name), name
        assert tuple(da.dims) == variables.variable(name).dims, name


@pytest.mark.parametrize("which", ["baseline", "strategy"])
def test_every_dataset_variable_is_registered_with_its_units_and_dims(which, request):
    """Every data variable (demography, scheme engine, strategy channels) has the registry's units and dims.

    The engine takes its attributes from ``ssproj.variables.attrs(name)``; a
    variable added to the engine must be added to ``variables.yaml``.
    """
    assert _dataset_mismatches(request.getfixturevalue(which)) == {}


@pytest.mark.parametrize("which", ["baseline", "strategy"])
def test_every_summary_column_and_indicator_is_registered(which, request):
    p = request.getfixturevalue(which)
    s = p.summary()
    for col in s.columns:
        v = variables.find(col)
        assert v is not None and "summary" in v.kinds, col
        assert s.attrs["units"][col] == v.label, col
    assert set(s.attrs["units"]) == set(s.columns)
    ind = p.indicators()
    for key in ind.index:
        v = variables.find(key)
        assert v is not None and "indicator" in v.kinds, key
    if which == "strategy":
        assert {"strategy_recruits", "strategy_cost_fund", "strategy_cost_state"} <= set(s.columns)


def test_every_comparison_row_is_registered(baseline, strategy):
    from ssproj.analysis.compare import COMPARISON_ROWS

    t = ssproj.compare([baseline, strategy]).table()
    for label in t.index:
        name = label.split(" ")[0]
        v = variables.find(name)
        assert v is not None and "comparison" in v.kinds, name
        assert name in COMPARISON_ROWS
        assert t.attrs["units"][label].split(" ")[0] == v.label.split(" ")[0], label
    assert [n for n in COMPARISON_ROWS if not variables.variable(n).is_pattern] == \
        [n for n in variables.registry().comparison_order if "<" not in n]


def test_every_path_variable_is_registered(paths):
    from ssproj.uncertainty.stochastic import PATH_VARIABLES

    ds = paths.dataset
    for name, da in ds.data_vars.items():
        v = variables.find(name)
        assert v is not None and "path" in v.kinds, name
        assert tuple(da.dims) == v.path_dims, name
        assert da.attrs["units"] == v.unit, name
    assert {k for k, da in ds.data_vars.items() if da.dims == ("path", "year")} == set(PATH_VARIABLES)
    assert paths.percentiles("reserve_ratio").attrs["units"] == variables.label("reserve_ratio")


def test_sensitivity_metric_units_come_from_the_registry():
    from ssproj.analysis.sensitivity import _metric_unit

    assert _metric_unit("gap_75", {}) == variables.label("gap_75")
    assert _metric_unit("depletion_year", {}) == "calendar year"
    assert _metric_unit("actuarial_balance_50", {}) == variables.label("actuarial_balance_50")
    assert _metric_unit("reserve_ratio_2050", {"reserve_ratio": variables.label("reserve_ratio")}) == \
        variables.label("reserve_ratio")


# ------------------------------------------------------------------ documentation

def test_reference_page_lists_every_variable():
    page = variables.variables_reference_markdown()
    for v in variables.registry().variables:
        assert f"| `{v.name}` |" in page, v.name
    for u in UNITS:
        assert f"| `{u}` |" in page, u
    assert not re.search(r"<[a-z]+>", re.sub(r"`[^`]*`", "", page)), "a placeholder outside code is read as HTML"


def test_projection_docstring_lists_every_variable():
    doc = ssproj.Projection.__doc__
    assert "@" not in doc
    for v in variables.registry().variables:
        if {"dataset", "summary", "indicator"} & set(v.kinds):
            assert f"``{v.name}``" in doc, v.name


def test_docs_build_writes_the_variables_page():
    conf = (ROOT / "docs" / "conf.py").read_text(encoding="utf-8")
    assert "variables_reference_markdown" in conf
    assert "reference/variables" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert "docs/reference/variables.md" in (ROOT / ".gitignore").read_text(encoding="utf-8")
