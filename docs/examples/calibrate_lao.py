"""
Calibration to a fund's aggregates: the Lao baseline against its 2024 figures
=============================================================================

A valuation starts by reproducing the fund's latest accounts. This script
writes a small targets file (hypothetical 2024 figures of the Lao fund:
enterprise employees' active members and insured earnings, voluntary
members, administrative costs) in a temporary folder and calibrates the
Lao baseline to it with :func:`ssproj.analysis.calibrate.calibrate`, as
``ssproj calibrate`` does: each target adjusts its default parameter
(coverage rate, earnings level, admin cost rate) by a constant factor over
the whole projection. It prints the reconciliation table and writes
``calibrated.yaml`` (a scenario extending the baseline),
``reconciliation.csv`` and ``reconciliation.md`` to the folder named by
``SSPROJ_EXAMPLE_OUT`` (default: a new temporary folder).

Run it from any folder::

    python docs/examples/calibrate_lao.py
"""
import os
import tempfile
from pathlib import Path

import ssproj
from ssproj.analysis.calibrate import calibrate

ROOT = Path(__file__).resolve().parents[2]
out = Path(os.environ.get("SSPROJ_EXAMPLE_OUT") or tempfile.mkdtemp(prefix="ssproj_calibrate_"))
out.mkdir(parents=True, exist_ok=True)

targets = out / "lsso_2024.yaml"
targets.write_text(
    'source: "LSSO annual report 2024 (hypothetical figures)"\n'
    "targets:\n"
    "  - {measure: active_members, group: private, year: 2024, value: 140000}\n"
    "  - {measure: insured_earnings, group: private, year: 2024, value: 5.3e12}\n"
    "  - {measure: active_members, group: voluntary, year: 2024, value: 40000}\n"
    "  - {measure: admin_cost, year: 2024, value: 6.0e10}\n",
    encoding="utf-8",
)

baseline = ssproj.load_scenario(ROOT / "scenarios" / "lao_baseline.yaml")
result = calibrate(baseline, targets)
print(result.report())
written = result.write(out / "lao_calibrated")
for role, path in written.items():
    print(f"wrote {role:<9} {path}")

# the calibrated scenario is an ordinary scenario file
calibrated = ssproj.load_scenario(written["scenario"])
print(ssproj.project(calibrated).summary().loc[[2024, 2050], ["contributors", "contribution_income"]])
