"""The architecture of the package: layers, no cycles, no hidden or private imports.

The layer order (lowest first: kernels, errors, variables; io; scenario;
demography; scheme; finance; reporting; projection; analysis; uncertainty;
cli) is fixed by the import-linter contracts in ``pyproject.toml``
(``[tool.importlinter]``), run here with ``lint-imports``. Independently of
import-linter, an ``ast`` walk checks that every ssproj module imports at
its top level (imports hidden in functions hide cycles and upward
imports), except heavy third-party libraries that only some commands use,
and that no module imports another's private names.
"""
from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import ssproj

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "ssproj"

#: Third-party libraries that may be imported inside the functions that use
#: them, so that ``import ssproj`` (and a cold ``ssproj run``) stays fast.
LAZY_ALLOWED = ("matplotlib", "dask", "distributed", "zarr", "scipy.interpolate", "scipy.optimize", "scipy.linalg",
                "netCDF4", "xlsxwriter", "openpyxl", "jinja2", "tqdm", "panel", "bokeh")
#: Of those, the ones ``import ssproj`` must not import.
NOT_ON_IMPORT = ("matplotlib", "dask", "distributed", "zarr", "scipy.interpolate", "scipy.optimize", "panel", "bokeh")


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(_module_name(p) for p in PACKAGE.rglob("*.py"))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module):
    """(node, inside a function, under ``if TYPE_CHECKING:``) for every import of a module."""
    out = []

    def visit(node: ast.AST, in_function: bool, type_checking: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                out.append((child, in_function, type_checking))
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    visit(ast.Module(body=[stmt], type_ignores=[]), in_function, True)
                for stmt in child.orelse:
                    visit(ast.Module(body=[stmt], type_ignores=[]), in_function, type_checking)
            else:
                visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)),
                      type_checking)

    visit(tree, False, False)
    return out


def _imported_modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    return [node.module or ""]


def _lazy_allowed(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in LAZY_ALLOWED)


def _all_imports():
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, in_function, type_checking in _imports(tree):
            yield path.relative_to(SRC), node, in_function, type_checking


def test_import_linter_contracts_are_kept():
    """The layers, forbidden and acyclic contracts of pyproject.toml (``lint-imports``)."""
    exe = Path(sys.executable).with_name("lint-imports")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "import sys; from importlinter.cli import "
                                            "lint_imports_command; sys.exit(lint_imports_command())"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_no_imports_inside_functions():
    """Every ssproj import is at module level; only heavy third-party libraries may be imported lazily."""
    hidden = [
        f"{path}:{node.lineno}: {ast.unparse(node)}"
        for path, node, in_function, type_checking in _all_imports()
        if in_function and not type_checking and not all(_lazy_allowed(m) for m in _imported_modules(node))
    ]
    assert not hidden, "imports inside functions (move them to the top of the module):\n" + "\n".join(hidden)


def test_no_relative_imports():
    relative = [f"{path}:{node.lineno}" for path, node, _f, _t in _all_imports()
                if isinstance(node, ast.ImportFrom) and node.level]
    assert not relative, relative


def test_no_private_names_imported_across_modules():
    """``from ssproj.x import _name`` is not allowed: a name shared between modules is public."""
    private = [
        f"{path}:{node.lineno}: {ast.unparse(node)}"
        for path, node, _f, _t in _all_imports()
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ssproj")
        and any(a.name.startswith("_") and not (a.name.startswith("__") and a.name.endswith("__"))
                and not a.name == "_version" for a in node.names)
    ]
    assert not private, "\n".join(private)


def test_no_import_cycles_between_modules():
    """No module imports, directly or through others, a module that imports it (the package root aside)."""
    import grimp  # a dependency of import-linter (the test extra): missing = a broken set-up, not a skip

    graph = grimp.build_graph("ssproj")
    cycles = []
    for module in sorted(graph.modules):
        if module == "ssproj":
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported != "ssproj" and graph.chain_exists(importer=imported, imported=module):
                cycles.append(f"{module} -> {imported} -> ... -> {module}")
    assert not cycles, "\n".join(cycles)


@pytest.mark.parametrize("module", MODULES)
def test_every_module_is_importable_by_its_own_name(module):
    importlib.import_module(module)


def test_import_ssproj_does_not_import_heavy_libraries():
    """A cold ``import ssproj`` (and so ``ssproj run``) does not load plotting, Dask, Zarr or scipy.interpolate."""
    code = f"import sys, ssproj; print(' '.join(m for m in {NOT_ON_IMPORT!r} if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"import ssproj imports {proc.stdout.strip()}"


@pytest.mark.parametrize(
    "name",
    ["project", "load_scenario", "load_assumptions", "compare", "solve", "sensitivity", "stochastic", "sweep",
     "LifeTable", "TimePath", "Scenario", "AssumptionSet", "Projection", "Comparison", "SolveResult",
     "SensitivityResult", "StochasticResult", "SweepResult", "Problem", "ScenarioError", "__version__"],
)
def test_public_api_names(name):
    assert getattr(ssproj, name) is not None
    assert name in ssproj.__all__
