"""The worked-analysis notebooks run from top to bottom with the current code."""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "docs" / "notebooks").glob("*.ipynb"))

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


def test_notebooks_are_stored_without_outputs():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        with_outputs = [i for i, c in enumerate(nb.cells)
                        if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count"))]
        assert not with_outputs, f"{path.name}: clear the outputs of cells {with_outputs} before committing"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_without_error(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    text = "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                     for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    missing = [s for s in EXPECTED_OUTPUT.get(path.stem, ()) if s not in text]
    assert not missing, f"{path.name}: expected in the outputs: {missing}"
