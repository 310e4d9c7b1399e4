"""Scenarios: YAML input, time paths, parameter declarations, tables, assumption sets.

``load_scenario()`` is the one gate: everything downstream trusts the
:class:`Scenario` it returns.
"""
from ssproj.scenario.loader import AssumptionSet, Scenario, find_assumptions, load_assumptions, load_scenario

__all__ = ["AssumptionSet", "Scenario", "find_assumptions", "load_assumptions", "load_scenario"]
