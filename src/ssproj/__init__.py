"""ssproj: actuarial projections of social security funds.

The public API (DESIGN §2)::

    import ssproj
    sc = ssproj.load_scenario("scenarios/lao_baseline.yaml")   # validated Scenario
    res = ssproj.project(sc)                                    # Projection
    res.dataset, res.population, res.summary()
    ssproj.compare([res_a, res_b]).table()                      # scenarios side by side
"""
from ._version import __version__
from .compare import Comparison, compare
from .errors import Problem, ScenarioError
from .lifetable import LifeTable
from .projection import Projection, project
from .scenario import AssumptionSet, Scenario, load_assumptions, load_scenario
from .solve import SolveResult, solve
from .timepath import TimePath

__all__ = [
    "__version__",
    "AssumptionSet",
    "Comparison",
    "LifeTable",
    "Problem",
    "Projection",
    "Scenario",
    "ScenarioError",
    "SolveResult",
    "TimePath",
    "compare",
    "load_assumptions",
    "load_scenario",
    "project",
    "solve",
]
