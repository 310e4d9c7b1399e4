"""Analysis over projections: compare, solve, sensitivity."""
