"""
Member registers in: from a fund's records to the scheme tables
===============================================================

A fund keeps one row per member and one row per pension in payment. This
script makes a small synthetic register of that kind (400 members and 80
pensions of a made-up fund, with a few typical mistakes: a duplicated
member number, an impossible date, a sex coded ``X``, earnings below the
minimum wage, a pensioner born in the future), writes it as a CSV file and
an Excel workbook in a temporary folder, and ingests it with
:func:`ssproj.ingest_registers`, as ``ssproj ingest`` does:

* the rows that pass the checks become the ``insured`` table (members by
  group, sex, status, single age and completed years of service at
  31 December 2023) and the ``pensioners`` table (pensions by type, group,
  sex and age, with their average monthly amount), in the format of an
  assumption set's scheme tables;
* the data-quality report says, for each check, how many rows it flagged
  and which (numbered as in the source file), and which rows were left out.

The register's columns are named as the fund's export names them
(``MEMBER_NO``, ``GENDER``, ``DOB``...) and its sexes coded ``M``/``F``; a
column map translates them. The output folder is the one named by
``SSPROJ_EXAMPLE_OUT`` (default: a new temporary folder).

Run it from any folder::

    python docs/examples/ingest_register.py
"""
import datetime as dt
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import ssproj

VALUATION_YEAR = 2023
MINIMUM_WAGE = 1_300_000       # [LAK/month] the earnings floor checked
CEILING = 4_500_000            # [LAK/month] the contribution ceiling checked
rng = np.random.default_rng(2023)
work = Path(tempfile.mkdtemp(prefix="ssproj_register_"))
out = Path(os.environ.get("SSPROJ_EXAMPLE_OUT") or tempfile.mkdtemp(prefix="ssproj_example_")) / "lao_2023"


def day(year: int) -> dt.date:
    return dt.date(int(year), int(rng.integers(1, 13)), int(rng.integers(1, 29)))


# -- a members register: one row per member, columns as the fund names them --
members = []
for k in range(400):
    age = int(rng.integers(18, 60))
    months = int(rng.integers(0, 12 * (age - 17)))
    entry_year = VALUATION_YEAR - months // 12 - 1
    members.append({
        "MEMBER_NO": f"LA{100000 + k}",
        "GENDER": "M" if rng.random() < 0.55 else "F",
        "DOB": day(VALUATION_YEAR - age).strftime("%d/%m/%Y"),        # day/month/year
        "SCHEME": str(rng.choice(["public", "private", "voluntary"], p=[0.3, 0.55, 0.15])),
        "ENTRY_DATE": day(entry_year).isoformat(),                     # ISO
        "CONTRIB_MONTHS": months,
        "LAST_WAGE": int(rng.integers(MINIMUM_WAGE, CEILING)),
        "STATUS": "active" if rng.random() < 0.8 else "inactive",
    })
members[57]["MEMBER_NO"] = members[12]["MEMBER_NO"]     # a duplicated member number
members[101]["DOB"] = "30/02/1985"                       # a date that does not exist
members[230]["GENDER"] = "X"                              # an unknown code
members[310]["LAST_WAGE"] = 450_000                       # earnings below the minimum wage (kept, counted)
pd.DataFrame(members).to_csv(work / "members.csv", index=False)

# -- a pensions register: one row per pension in payment --
pensions = []
for k in range(80):
    ptype = str(rng.choice(["old_age", "invalidity", "widow", "orphan"], p=[0.6, 0.1, 0.2, 0.1]))
    age = int(rng.integers(5, 17)) if ptype == "orphan" else int(rng.integers(45, 95))
    pensions.append({
        "PENSION_NO": f"P{5000 + k}", "GENDER": "F" if ptype == "widow" else str(rng.choice(["M", "F"])),
        "DOB": day(VALUATION_YEAR - age), "SCHEME": "public" if rng.random() < 0.7 else "private",
        "TYPE": ptype, "AWARDED": day(VALUATION_YEAR - int(rng.integers(0, min(age, 20)))),
        "MONTHLY_AMOUNT": int(rng.integers(600_000, 3_000_000)),
    })
pensions[40]["DOB"] = dt.date(2031, 5, 1)                 # born after the valuation date
pd.DataFrame(pensions).to_excel(work / "pensions.xlsx", index=False)   # dates as Excel date cells

# -- the column map: our field -> their column, and their codes -> ours --
(work / "columns.yaml").write_text("""\
sex: GENDER
birth_date: DOB
group: SCHEME
members:
  id: MEMBER_NO
  entry_date: ENTRY_DATE
  months_contributed: CONTRIB_MONTHS
  last_earnings: LAST_WAGE
  status: STATUS
pensions:
  id: PENSION_NO
  type: TYPE
  award_date: AWARDED
  monthly_amount: MONTHLY_AMOUNT
values:
  sex: {M: male, F: female}
""", encoding="utf-8")

result = ssproj.ingest_registers(
    work / "members.csv", work / "pensions.xlsx", valuation_year=VALUATION_YEAR,
    groups=["public", "private", "voluntary"], earnings_floor=MINIMUM_WAGE, earnings_ceiling=CEILING,
    column_map=work / "columns.yaml")

print(result.summary())
print()
print("Rows left out of the tables, with the reason:")
excluded = result.issues[result.issues["blocking"]]
print(excluded[["register", "row", "id", "check", "column", "value", "problem"]].to_string(index=False))
print()
print("The insured table (first rows):")
print(result.insured.head(8).to_string(index=False))
print()
print("Pensions in payment by type:")
p = result.pensioners
by_type = p.assign(amount=p["persons"] * p["average_pension"]).groupby("type")[["persons", "amount"]].sum()
by_type["average_pension"] = by_type["amount"] / by_type["persons"]
print(by_type[["persons", "average_pension"]].to_string(float_format=lambda v: f"{v:,.0f}"))
print()
for role, path in result.write(out).items():
    print(f"wrote {role:<11} {path}")
