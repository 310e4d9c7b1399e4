"""The scheme: labour force and coverage, earnings, the plan of arrays, the engine, coverage-expansion strategies."""
