"""The public API is a contract (DESIGN §2): scripts, notebooks and checks rely on it.

This test pins it. A failure here means a change that users will notice:
names added to or removed from ``ssproj.__all__``, a parameter renamed or
moved, a subpackage that no longer imports, a CLI subcommand gone. If the
change is intended, update the pins below in the same commit and say so in
CHANGELOG.md ("add, don't rename": removing or renaming needs a deprecation
first).
"""
from __future__ import annotations

import argparse
import importlib
import inspect

import pytest

import ssproj

#: ``ssproj.__all__``, in its order, and the kind of each name.
PUBLIC = {
    "__version__": "str",
    "AssumptionSet": "class",
    "Comparison": "class",
    "IngestResult": "class",
    "LifeTable": "class",
    "Problem": "class",
    "Projection": "class",
    "Scenario": "class",
    "ScenarioError": "exception",
    "SensitivityResult": "class",
    "SolveResult": "class",
    "StochasticResult": "class",
    "SweepResult": "class",
    "TimePath": "class",
    "compare": "function",
    "ingest_registers": "function",
    "load_assumptions": "function",
    "load_scenario": "function",
    "project": "function",
    "rests_on": "function",
    "sensitivity": "function",
    "solve": "function",
    "stochastic": "function",
    "sweep": "function",
}

P, K = "positional_or_keyword", "keyword_only"

#: The parameters of the main functions: name and kind, in order.
SIGNATURES = {
    "project": [("scenario", P)],
    "load_scenario": [("path_or_dict", P), ("base_dir", K)],
    "load_assumptions": [("path_or_name", P), ("search_from", P)],
    "compare": [("results", P), ("reference", K), ("milestones", K)],
    "solve": [("scenario", P), ("spec", P), ("xtol", K)],
    "sensitivity": [("scenario", P), ("factors", P), ("metrics", K)],
    "stochastic": [("scenario", P), ("n_paths", P), ("seed", P), ("model", K), ("out", K), ("chunk_size", K),
                   ("workers", K), ("scheduler", K), ("progress", K), ("threads", K)],
    "sweep": [("spec", P), ("scenario", P), ("out", K), ("workers", K), ("scheduler", K), ("chunk_size", K),
              ("progress", K), ("evaluate", K), ("attrs", K)],
    "ingest_registers": [("members", P), ("pensions", P), ("valuation_year", K), ("groups", K),
                         ("earnings_floor", K), ("earnings_ceiling", K), ("minimum_pension", K),
                         ("maximum_pension", K), ("column_map", K), ("members_sheet", K), ("pensions_sheet", K)],
}

#: One subpackage per stage (docs/architecture.md), each importable under its own name.
SUBPACKAGES = ["kernels", "scenario", "demography", "scheme", "finance", "analysis", "uncertainty", "reporting",
               "io", "testing", "explore"]
MODULES = ["errors", "projection", "cli", "_version"]

#: ``ssproj --help`` lists these subcommands, in this order.
CLI_COMMANDS = ["run", "report", "assumptions", "validate", "compare", "solve", "calibrate", "backcast", "sensitivity",
                "stochastic", "sweep", "robustness", "explore", "import-wpp", "ingest"]


def _kind(obj) -> str:
    if isinstance(obj, str):
        return "str"
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if inspect.isfunction(obj):
        return "function"
    return type(obj).__name__


def test_all_is_pinned():
    assert list(ssproj.__all__) == list(PUBLIC)


@pytest.mark.parametrize("name", list(PUBLIC))
def test_each_public_name_is_importable_and_of_its_kind(name):
    obj = getattr(ssproj, name)
    assert _kind(obj) == PUBLIC[name], f"ssproj.{name} is a {_kind(obj)}, documented as a {PUBLIC[name]}"
    ns: dict = {}
    exec(f"from ssproj import {name}", ns)  # the spelling users write
    assert ns[name] is obj


def test_version_is_a_version_string():
    parts = ssproj.__version__.split(".")
    assert len(parts) >= 2 and all(p.isdigit() for p in parts[:2])


@pytest.mark.parametrize("name", list(SIGNATURES))
def test_main_function_signatures(name):
    params = inspect.signature(getattr(ssproj, name)).parameters.values()
    got = [(p.name, p.kind.name.lower()) for p in params]
    assert got == SIGNATURES[name]


def test_public_functions_and_classes_are_documented():
    for name in PUBLIC:
        obj = getattr(ssproj, name)
        if not isinstance(obj, str):
            assert inspect.getdoc(obj), f"ssproj.{name} has no docstring"


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_subpackage_imports_under_its_own_name(name):
    mod = importlib.import_module(f"ssproj.{name}")
    assert mod.__name__ == f"ssproj.{name}"
    assert hasattr(mod, "__path__"), f"ssproj.{name} should be a package (a folder with __init__.py)"
    assert getattr(ssproj, name, mod) is mod


@pytest.mark.parametrize("name", MODULES)
def test_top_level_module_imports_under_its_own_name(name):
    assert importlib.import_module(f"ssproj.{name}").__name__ == f"ssproj.{name}"


def test_cli_subcommands():
    from ssproj.cli import build_parser

    parser = build_parser()
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(subparsers) == 1
    assert list(subparsers[0].choices) == CLI_COMMANDS
    assert set(CLI_COMMANDS) == {"run", "validate", "compare", "report", "solve", "sensitivity", "stochastic",
                                 "sweep", "import-wpp", "ingest", "assumptions", "calibrate",
                                 "backcast", "robustness", "explore"}  # DESIGN §2, issues 13 and 14


def test_package_ships_its_type_marker():
    # PEP 561: type checkers read ssproj's annotations only when py.typed is installed with it
    from importlib.resources import files

    assert files("ssproj").joinpath("py.typed").is_file()
