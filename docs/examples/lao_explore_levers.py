"""
The explorer's levers, without a browser
========================================

Build the explorer of the Lao coverage strategy of all six activities
(``ssproj.explore.app``, the app ``ssproj explore`` serves, here not
served), list its levers, then move some as a user would in the browser
and print the headline figures after each move, against the reference
(the scenario as given), with the time each move took: the scenario is
changed, validated and projected again each time.

1. raise the employers' rate of enterprise employees from 6% to 8% in 2027;
2. raise the pensionable age of women from 55 to 60, one year every second
   year from 2027;
3. double the village promoters (and their fixed costs);
4. switch the strategy off: the baseline's coverage;
5. an invalid value: the validation message, not a traceback.

Each figure is what ``ssproj.project`` gives for the changed scenario
(``tests/test_explore.py`` checks it); the last lines print the changes the
levers made, as a scenario file extending the scenario would say them.
Many inputs are assumptions (the banner says how many): read the figures
as what the method shows, not as a valuation. Run it from any folder::

    python docs/examples/lao_explore_levers.py
"""
from pathlib import Path

import ssproj
import ssproj.explore
from ssproj.explore.session import format_figure
from ssproj.explore.webapp import changes_markdown

ROOT = Path(__file__).resolve().parents[2]
scenario = ssproj.load_scenario(ROOT / "scenarios" / "lao_cov_all_activities.yaml")
explorer_app = ssproj.explore.app(scenario)  # in a notebook, this object displays as the app
explorer = explorer_app.explorer

print(f"Levers of scenario {scenario.name!r} (key: label, value at rest):")
for lever in explorer.levers:
    print(f"  {lever.key:40s} {lever.label}: {lever.initial}")
print()
print(explorer.last.figures.banner)
print()


def show(title: str, update) -> None:
    print(f"{title}: {'ok' if update.ok else 'NOT APPLIED'} ({update.seconds:.2f} s)")
    if not update.ok:
        print("  " + update.message.replace("\n", "\n  "))
        return
    for key, label in update.figures.labels.items():
        now, ref = update.figures.headline[key], explorer.reference.headline[key]
        print(f"  {label:34s} {format_figure(key, now):>10s}   (reference {format_figure(key, ref)})")


show("1. employers' rate, enterprise employees 8%", explorer_app.set("contribution_rate_employer[private]", 8.0))
show("2. and women's pensionable age 60 by 2035", explorer_app.set("pensionable_age_female", 60))
show("3. and twice the village promoters", explorer_app.set("channel_scale[promoters]", 2.0))
show("4. and the strategy switched off", explorer_app.set("strategy", False))
show("5. and an employee rate of 150%", explorer_app.set("contribution_rate_employee[private]", 150.0))
explorer_app.set("contribution_rate_employee[private]", 5.5)  # back to a valid value
print()
print(changes_markdown(explorer.last.changes))
