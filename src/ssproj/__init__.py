"""ssproj: actuarial projections of social security funds.

The public API (DESIGN §2)::

    import ssproj
    sc = ssproj.load_scenario("scenarios/lao_baseline.yaml")   # validated Scenario
    res = ssproj.project(sc)                                    # Projection
    res.dataset, res.population, res.summary()
    ssproj.rests_on(res)                                        # which assumed inputs drive the headline
    ssproj.compare([res_a, res_b]).table()                      # scenarios side by side
    ssproj.sensitivity(sc).tornado("gap_75")                    # one-at-a-time sensitivity
    ssproj.stochastic(sc, 1000, seed=1).depletion_probability() # stochastic paths
    ssproj.sweep("scenarios/sweeps/lao_contribution_retirement.yaml").indicators()
    ssproj.ingest_registers("members.csv", "pensions.csv", valuation_year=2023).write("data/2023")
"""
from ssproj._version import __version__
from ssproj.analysis.assumptions import rests_on
from ssproj.analysis.compare import Comparison, compare
from ssproj.analysis.sensitivity import SensitivityResult, sensitivity
from ssproj.analysis.solve import SolveResult, solve
from ssproj.demography.lifetable import LifeTable
from ssproj.errors import Problem, ScenarioError
from ssproj.io.registers import IngestResult, ingest_registers
from ssproj.projection import Projection, project
from ssproj.scenario import AssumptionSet, Scenario, load_assumptions, load_scenario
from ssproj.scenario.timepath import TimePath
from ssproj.uncertainty.stochastic import StochasticResult, stochastic
from ssproj.uncertainty.sweep import SweepResult, sweep

__all__ = [
    "__version__",
    "AssumptionSet",
    "Comparison",
    "IngestResult",
    "LifeTable",
    "Problem",
    "Projection",
    "Scenario",
    "ScenarioError",
    "SensitivityResult",
    "SolveResult",
    "StochasticResult",
    "SweepResult",
    "TimePath",
    "compare",
    "ingest_registers",
    "load_assumptions",
    "load_scenario",
    "project",
    "rests_on",
    "sensitivity",
    "solve",
    "stochastic",
    "sweep",
]
