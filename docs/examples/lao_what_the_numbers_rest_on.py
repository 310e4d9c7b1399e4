"""
What the Lao numbers rest on
============================

Every input of a scenario carries a source and a confidence mark
(``verified``, ``secondary``, ``assumed``). This example

1. counts the Lao baseline's inputs by mark and lists the assumed ones set
   by the assumption set (what ``ssproj assumptions`` prints);
2. projects each assumed input that declares a ``plausible_range`` at both
   ends of its range and shows how far the GAP over 75 years moves
   (``assumption_drivers``);
3. prints the banner that ``ssproj run`` shows under the headline
   (``assumption_banner``).

Guide: docs/assumptions.md. Run it from any folder::

    python docs/examples/lao_what_the_numbers_rest_on.py
"""
from pathlib import Path

import ssproj
from ssproj.analysis.assumptions import assumption_banner, assumption_drivers
from ssproj.reporting.assumptions import assumption_table, format_assumption_table

ROOT = Path(__file__).resolve().parents[2]
scenario = ssproj.load_scenario(ROOT / "scenarios" / "lao_baseline.yaml")

# 1. The inputs by confidence mark, and the assumed ones the assumption set gives.
table = assumption_table(scenario)
print(format_assumption_table(table, title="1. Inputs of the Lao baseline", confidence=["assumed"],
                              origins=["assumptions"], width=40))

# 2. How far each ranged assumption moves the GAP over 75 years (share of insured earnings).
drivers = assumption_drivers(scenario, "gap_75")
shown = drivers.set_index("factor")[["description", "low", "high", "swing"]].copy()
for col in ("low", "high", "swing"):
    shown[col] = (100 * shown[col]).round(2)
print("\n2. GAP 75 [% of insured earnings] at each end of the plausible ranges")
print(shown.to_string())

# 3. The banner of `ssproj run`.
print("\n3. The banner\n")
print(assumption_banner(scenario, drivers=drivers))
