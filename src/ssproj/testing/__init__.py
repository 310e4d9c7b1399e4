"""Test oracles: a plain NumPy reference of the engine (for tests, not for runs)."""
from ssproj.testing.oracle import *  # noqa: F403
from ssproj.testing.oracle import __all__  # noqa: F401
