"""Scenarios: YAML input, time paths, parameter declarations, tables, assumption sets.

``load_scenario()`` is the one gate: everything downstream trusts the
:class:`Scenario` it returns. Modules, lowest first:

- :mod:`~ssproj.scenario.yamlio`, :mod:`~ssproj.scenario.timepath`,
  :mod:`~ssproj.scenario.parameters`, :mod:`~ssproj.scenario.tables`:
  YAML with positions, time paths, parameter declarations, tables;
- :mod:`~ssproj.scenario.shocks`, :mod:`~ssproj.scenario.strategy_spec`,
  :mod:`~ssproj.scenario.stochastic_spec`: the ``strategy:`` and
  ``stochastic:`` blocks of a scenario, validated;
- :mod:`~ssproj.scenario.common`: read-only and plain data, key checks;
- :mod:`~ssproj.scenario.assumptions`: assumption sets;
- :mod:`~ssproj.scenario.extends`: the ``extends`` chain and its merge;
- :mod:`~ssproj.scenario.checks`: the checks of a merged scenario;
- :mod:`~ssproj.scenario.model`: the :class:`Scenario` class;
- :mod:`~ssproj.scenario.loading`: :func:`load_scenario`.
"""
from ssproj.scenario.assumptions import AssumptionSet, find_assumptions, load_assumptions
from ssproj.scenario.loading import load_scenario
from ssproj.scenario.model import Scenario

__all__ = ["AssumptionSet", "Scenario", "find_assumptions", "load_assumptions", "load_scenario"]
