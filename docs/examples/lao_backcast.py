"""
Back-casting the Lao NSSF's base data from its history
======================================================

The Lao fund's registers and accounts are not public, so the stocks its
valuation starts from are built by running the schemes from their start
under their historical rules (:func:`ssproj.analysis.backcast.backcast`, as
``ssproj backcast`` does): the civil-servant scheme from 31 December 2000,
the enterprise scheme from 2001, voluntary insurance from 2015, calibrated
to the member counts of 31 December 2023. The script prints the comparison
with the published figures, the reserve year by year, and the headline
results of the rebuilt scenario under the two readings of who pays the
former civil-servant pensions; it writes the result folders to the folder
named by ``SSPROJ_EXAMPLE_OUT`` (default: a new temporary folder).

Run it from any folder::

    python docs/examples/lao_backcast.py
"""
import os
import tempfile
import warnings
from pathlib import Path

import ssproj
from ssproj.analysis.backcast import backcast

ROOT = Path(__file__).resolve().parents[2]
out = Path(os.environ.get("SSPROJ_EXAMPLE_OUT") or tempfile.mkdtemp(prefix="ssproj_backcast_"))
out.mkdir(parents=True, exist_ok=True)
warnings.simplefilter("ignore", UserWarning)  # the UN's net emigration of 2004 exceeds a few ages (580 persons)

for spec in ("lao_backcast.yaml", "lao_backcast_fund_paid.yaml"):
    result = backcast(ROOT / "scenarios" / "backcast" / spec)
    print(result.report())
    history = result.history_table()
    print((history[["contributions_all_funds", "pension_outgo", "state_paid_pensions", "reserve_long_term",
                    "state_transfer_long_term"]].loc[[2005, 2010, 2015, 2020, 2023]] / 1e12).round(3)
          .to_string(header=["contributions (all funds)", "pensions paid", "state-paid", "reserve", "state transfer"]))
    written = result.write(out / spec.removesuffix(".yaml"))
    headline = ssproj.project(ssproj.load_scenario(written["scenario"])).headline()
    print(f"rebuilt scenario: pension fund depletion {headline['depletion_year']:.0f}, GAP 75 "
          f"{headline['gap_75']:.1%}, PV shortfall 75 {headline['pv_shortfall_75_share_of_gdp']:.2%} of PV GDP "
          f"(trillion LAK above; written to {written['scenario'].parent})\n")
