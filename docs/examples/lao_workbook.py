"""
Excel workbooks of the Lao baseline and a coverage strategy
===========================================================

Projects the Lao baseline and the mobile-registration-days strategy, and
writes

1. the run workbook of the baseline, ``results.xlsx`` (what ``ssproj run``
   writes): the banner of assumed inputs, a Read me sheet, native Excel
   charts, the tables with units and number formats, the provenance;
2. the comparison workbook of the two, ``comparison.xlsx`` (what ``ssproj
   compare`` writes).

Then opens both with openpyxl and prints their sheets, the first facts of
the Read me, a few headers with their number formats, and where the first
chart reads its data. The files go to the folder named by the environment
variable ``SSPROJ_EXAMPLE_OUT`` (a new temporary folder if it is not set).
Guide: docs/workbook.md. Run it from any folder::

    python docs/examples/lao_workbook.py
"""
import os
import re
import tempfile
import zipfile
from pathlib import Path

import openpyxl

import ssproj

ROOT = Path(__file__).resolve().parents[2]
out_dir = Path(os.environ.get("SSPROJ_EXAMPLE_OUT") or tempfile.mkdtemp(prefix="ssproj-examples-"))
out_dir.mkdir(parents=True, exist_ok=True)

base = ssproj.project(ssproj.load_scenario(ROOT / "scenarios" / "lao_baseline.yaml"))
mobile = ssproj.project(ssproj.load_scenario(ROOT / "scenarios" / "lao_cov_mobile_days.yaml"))

run = base.to_excel(out_dir / "results.xlsx")
cmp = ssproj.compare([base, mobile]).to_excel(out_dir / "comparison.xlsx")
print(f"wrote {run}\nwrote {cmp}\n")

for path in (run, cmp):
    book = openpyxl.load_workbook(path)
    print(f"{path.name}: sheets {book.sheetnames}")
    readme = book["Read me"]
    for row in readme.iter_rows(min_row=3, max_row=8, max_col=2, values_only=True):
        if row[0]:
            print(f"  {row[0]}: {str(row[1])[:90]}")
    with zipfile.ZipFile(path) as z:
        first_chart = z.read("xl/charts/chart1.xml").decode("utf-8")
    print(f"  first chart reads: {', '.join(re.findall(r'<c:f>([^<]*)</c:f>', first_chart))}\n")

summary = openpyxl.load_workbook(run)["summary"]
print("results.xlsx, sheet summary, row 2030:")
row = next(r for r in summary.iter_rows(min_row=2) if r[0].value == 2030)
for cell in row:
    header = summary.cell(1, cell.column).value
    if header.split(" [")[0] in ("contributors", "contribution_income", "reserve_end", "payg_cost_rate"):
        print(f"  {header:60s} {cell.value!r:>22}  format {cell.number_format}")
