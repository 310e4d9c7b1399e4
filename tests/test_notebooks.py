"""The worked-analysis notebooks run from top to bottom with the current code, and are stored with its outputs."""
import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))

# the script that runs and saves the notebooks (docs/dev/run_notebooks.py): the tests run them the same way
_spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "docs" / "dev" / "run_notebooks.py")
run_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_notebooks)

#: Charts each notebook must show (issue 14: the charts appear, in the stored notebook and in a fresh run).
EXPECTED_CHARTS = {"lao_coverage_strategies": 3, "lao_uncertainty": 4}

#: Text each notebook must print (in its outputs), so that a notebook that runs
#: but no longer produces its tables fails.
EXPECTED_OUTPUT = {
    # the banner of the assumed inputs that drive the baseline near the top (issue 13), the comparison and the
    # decomposition produced tables, the solver a report
    "lao_coverage_strategies": ("ASSUMED INPUTS: 115 of the 185 inputs", "- minimum_pension_ratio 0.5 to 1 (assumed)",
                                "contributors_gained 2040", "demography", "solve: scenario"),
    # the banner of the assumed inputs that drive the central projection, sensitivity ranking, stochastic runs
    # with percentiles and probabilities of depletion, life expectancy percentiles and the sweep's indicator table
    "lao_uncertainty": ("ASSUMED INPUTS: ", "- minimum_pension_ratio 0.5 to 1 (assumed)",
                        "GAP 75, largest swing first", "300 paths in", "Probability that the reserve is exhausted",
                        "reserve_ratio_p50", "payg_cost_rate_p95", "probability_of_depletion",
                        "deterministic depletion year of the package", "Life expectancy at birth [years]",
                        "9 variants in", "employee_plus2_ages_62-60", "actuarial_balance_75"),
}


def test_there_are_notebooks():
    assert NOTEBOOKS


def test_every_notebook_has_its_expected_output():
    assert {p.stem for p in NOTEBOOKS} == set(EXPECTED_OUTPUT)


def test_each_notebook_shows_what_its_results_rest_on_near_the_top():
    # issue 13: the banner of the assumed inputs that drive the headline, within the first three code cells
    for path in NOTEBOOKS:
        code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        assert any("print(ssproj.rests_on(" in src for src in code[:3]), f"{path.name}: no banner near the top"


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _outputs(cell) -> list:
    """A cell's outputs as comparable items: (kind, text with elapsed times masked) or (kind, 'chart')."""
    items = []
    for o in cell.get("outputs", []):
        kind = o.get("output_type")
        if kind == "stream":
            items.append((o.get("name"), run_notebooks.normalise_text(o.get("text", ""))))
        elif kind in ("execute_result", "display_data"):
            data = o.get("data", {})
            if "image/png" in data:
                items.append((kind, "chart"))
            else:
                items.append((kind, run_notebooks.normalise_text(str(data.get("text/plain", "")))))
        else:
            items.append((kind, o.get("ename", "")))
    return items


def _charts(nb) -> int:
    return sum(text == "chart" for c in _code_cells(nb) for _, text in _outputs(c))


def test_notebooks_are_stored_with_their_outputs():
    # issue 14: a reader sees the results without running anything; docs/dev/run_notebooks.py saves them
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        not_run = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and not c.get("execution_count")]
        assert not not_run, f"{path.name}: cells {not_run} were not run: python docs/dev/run_notebooks.py"
        errors = [o for c in _code_cells(nb) for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{path.name}: stored with an error"
        assert _charts(nb) == EXPECTED_CHARTS[path.stem], f"{path.name}: {_charts(nb)} charts stored"


def test_notebooks_draw_on_the_inline_backend():
    # a notebook that picks a non-interactive backend (matplotlib.use("Agg")) shows no chart in Jupyter
    for path in NOTEBOOKS:
        code = "\n".join(c.source for c in _code_cells(nbformat.read(path, as_version=4)))
        assert "matplotlib.use(" not in code, f"{path.name}: sets a matplotlib backend"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_and_its_stored_outputs_are_current(path):
    stored = nbformat.read(path, as_version=4)
    nb = run_notebooks.execute(path)
    errors = [o for c in _code_cells(nb) for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors[:1]
    text = "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                     for c in _code_cells(nb) for o in c.get("outputs", []))
    missing = [s for s in EXPECTED_OUTPUT.get(path.stem, ()) if s not in text]
    assert not missing, f"{path.name}: expected in the outputs: {missing}"
    assert _charts(nb) == EXPECTED_CHARTS[path.stem]
    # what the notebook prints and draws now is what is stored (elapsed times aside; charts compared by presence)
    stale = [i for i, (new, old) in enumerate(zip(_code_cells(nb), _code_cells(stored), strict=True))
             if _outputs(new) != _outputs(old)]
    assert not stale, (f"{path.name}: the stored outputs of code cells {stale} are not what the code gives now: "
                       "run python docs/dev/run_notebooks.py and commit the notebook")
