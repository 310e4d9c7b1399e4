"""An interactive explorer of a scenario: levers, headline figures and charts in a local web app.

``ssproj explore SCENARIO`` serves it (:func:`serve`); in a notebook,
``ssproj.explore.app(scenario)`` is the same app (:func:`app`). The levers
and the changes they make are in :mod:`ssproj.explore.levers`, the state
without a user interface in :mod:`ssproj.explore.session`, the Panel app in
:mod:`ssproj.explore.webapp` (docs/explore.md).
"""
from ssproj.explore.levers import Lever, LeverChanges, apply_levers, lever_changes, levers_for
from ssproj.explore.session import Explorer, Figures, Update
from ssproj.explore.webapp import ExplorerApp, app, serve

__all__ = ["ExplorerApp", "Explorer", "Figures", "Lever", "LeverChanges", "Update", "app", "apply_levers",
           "lever_changes", "levers_for", "serve"]
