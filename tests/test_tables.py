"""Tests for ssproj.scenario.tables: schemas, checks with CSV line numbers, normalisation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ssproj.scenario.tables import MAX_PROBLEMS_PER_KIND, TABLE_SCHEMAS, load_table

TINY = Path(__file__).parent / "data" / "assumptions" / "tiny" / "demography"


def tiny_lines(name: str) -> list[str]:
    return (TINY / f"{name}.csv").read_text().splitlines()


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / f"{name}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def load_lines(tmp_path: Path, name: str, lines: list[str]):
    return load_table(name, write(tmp_path, name, lines))


def only_problem(problems):
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


# -- schemas --------------------------------------------------------------------------
SCHEME_TABLES = {
    "labour_force_participation", "employment_structure", "salary_scale", "entry_age_distribution",
    "invalidity_incidence", "family", "insured", "pensioners",
}
#: Scheme tables needed only by a parameter above 0 (``needs_table``), not by every set with groups.
NEEDED_TABLES = {"dependent_parents"}
DEMOGRAPHY_TABLES = [n for n in TABLE_SCHEMAS if n not in SCHEME_TABLES | NEEDED_TABLES]


def test_required_tables_match_formats_md():
    required = {n for n, s in TABLE_SCHEMAS.items() if s.required}
    assert required == {"population", "mortality", "fertility", "sex_ratio_at_birth", "net_migration"}
    assert set(TABLE_SCHEMAS) == (required | {"tfr", "net_migration_total", "life_expectancy", "vital_events"}
                                  | SCHEME_TABLES | NEEDED_TABLES)
    assert not any(TABLE_SCHEMAS[n].required or TABLE_SCHEMAS[n].scheme for n in NEEDED_TABLES)
    # scheme tables (docs/dev/scheme-spec.md): optional, required only with insured groups
    assert {n for n, s in TABLE_SCHEMAS.items() if s.scheme} == SCHEME_TABLES
    assert not any(TABLE_SCHEMAS[n].required for n in SCHEME_TABLES)


def test_schema_value_columns_and_units():
    assert TABLE_SCHEMAS["population"].value_names == ("persons",)
    assert TABLE_SCHEMAS["mortality"].values[0].unit == "deaths per person-year"
    assert TABLE_SCHEMAS["vital_events"].value_names == ("births", "deaths")
    assert TABLE_SCHEMAS["population"].time == "stock"
    assert TABLE_SCHEMAS["mortality"].time == "period"


# -- the tiny set loads, normalised ------------------------------------------------------
@pytest.mark.parametrize("name", DEMOGRAPHY_TABLES)
def test_tiny_tables_load_cleanly(name):
    df, problems = load_table(name, TINY / f"{name}.csv")
    assert problems == []
    assert len(df) == len(tiny_lines(name)) - 1
    schema = TABLE_SCHEMAS[name]
    for column in schema.value_names:
        assert df[column].dtype == np.float64
        assert df[column].notna().all()
    assert df.attrs["units"] == {c.name: c.unit for c in schema.values}


def test_population_is_a_stock_with_int_year_and_open_group():
    df, _ = load_table("population", TINY / "population.csv")
    assert list(df.columns) == ["year", "sex", "age_start", "age_end", "persons"]
    assert df["year"].dtype == np.int64
    assert df["age_start"].dtype == np.int64
    assert df["age_end"].dtype == np.float64
    male = df[df["sex"] == "male"]
    assert male["age_start"].tolist() == list(range(0, 101, 5))
    assert np.isnan(male["age_end"].iloc[-1])
    assert male["age_end"].iloc[0] == 4.0
    # male rows first, then female (the order of SEXES)
    assert df["sex"].iloc[0] == "male" and df["sex"].iloc[-1] == "female"


def test_year_tables_get_periods_and_keep_year():
    df, _ = load_table("tfr", TINY / "tfr.csv")
    assert list(df.columns) == ["year", "period_start", "period_end", "tfr"]
    np.testing.assert_array_equal(df["period_start"], df["year"].astype(float))
    np.testing.assert_array_equal(df["period_end"], df["year"].astype(float) + 1.0)
    assert df["period_start"].dtype == np.float64


def test_period_tables_keep_periods_without_year():
    df, _ = load_table("mortality", TINY / "mortality.csv")
    assert list(df.columns) == ["period_start", "period_end", "sex", "age_start", "age_end", "mx"]
    assert sorted(set(df["period_start"])) == [2020.5, 2025.5]
    # sorted by period, sex (male first), age
    first = df.iloc[:3]
    assert first["period_start"].tolist() == [2020.5] * 3
    assert first["sex"].tolist() == ["male"] * 3
    assert first["age_start"].tolist() == [0, 1, 5]


def test_single_age_becomes_groups_with_open_100():
    df, _ = load_table("net_migration", TINY / "net_migration.csv")
    assert "age" not in df.columns
    male = df[df["sex"] == "male"]
    assert male["age_start"].tolist() == list(range(101))
    np.testing.assert_array_equal(male["age_end"].iloc[:100], np.arange(100.0))
    assert np.isnan(male["age_end"].iloc[100])


def test_single_age_fertility_has_closed_groups(tmp_path):
    lines = ["year,age,asfr"] + [f"2020,{a},0.05" for a in range(15, 50)]
    df, problems = load_lines(tmp_path, "fertility", lines)
    assert problems == []
    np.testing.assert_array_equal(df["age_end"], df["age_start"].astype(float))


def test_rows_are_sorted(tmp_path):
    lines = tiny_lines("tfr")
    shuffled = [lines[0]] + lines[1:][::-1]
    df, problems = load_lines(tmp_path, "tfr", shuffled)
    assert problems == []
    assert df["year"].tolist() == sorted(df["year"].tolist())


def test_blank_lines_do_not_shift_line_numbers(tmp_path):
    lines = tiny_lines("tfr")
    lines.insert(2, "")  # blank line 3
    lines[5] = "2023,abc"  # line 6
    p = only_problem(load_lines(tmp_path, "tfr", lines)[1])
    assert p.line == 6
    assert p.key_path == "tfr"


# -- problems, each with file, line and column ------------------------------------------
def test_missing_file_names_full_path(tmp_path):
    df, problems = load_table("population", tmp_path / "nope" / "population.csv")
    assert df is None
    p = only_problem(problems)
    assert str((tmp_path / "nope" / "population.csv").resolve()) in p.message
    assert "table population: file not found" in p.message


def test_unknown_column_with_did_you_mean(tmp_path):
    lines = tiny_lines("population")
    lines[0] = "year,sex,age_start,age_end,persns"
    df, problems = load_lines(tmp_path, "population", lines)
    assert df is None
    messages = [str(p) for p in problems]
    assert any("persns: unknown column for table population; did you mean 'persons'?" in m for m in messages)
    assert any("persons: required column is missing" in m for m in messages)
    assert all(p.line == 1 for p in problems)


def test_extra_unknown_column(tmp_path):
    lines = [line + ",x" for line in tiny_lines("tfr")]
    lines[0] = "year,tfr,notes"
    p = only_problem(load_lines(tmp_path, "tfr", lines)[1])
    assert p.key_path == "notes" and "unknown column" in p.expected


def test_non_numeric_value_cites_line_and_column(tmp_path):
    lines = tiny_lines("population")
    lines[6] = "2020,male,25,29,many"  # line 7
    p = only_problem(load_lines(tmp_path, "population", lines)[1])
    assert (p.line, p.key_path, p.value) == (7, "persons", "many")
    assert str(p).endswith("population.csv:7: persons = 'many' is not a number")


def test_thousands_separator_hint(tmp_path):
    lines = tiny_lines("population")
    lines[6] = '2020,male,25,29,"1,234"'
    p = only_problem(load_lines(tmp_path, "population", lines)[1])
    assert "thousands separators" in p.hint


@pytest.mark.parametrize("cell", ["", "NaN", "nan", "NA"])
def test_missing_values(tmp_path, cell):
    lines = tiny_lines("mortality")
    lines[3] = lines[3].rsplit(",", 1)[0] + "," + cell  # line 4
    p = only_problem(load_lines(tmp_path, "mortality", lines)[1])
    assert (p.line, p.key_path) == (4, "mx")
    assert "missing value" in p.message or "empty cell" in p.message


def test_value_out_of_range(tmp_path):
    lines = tiny_lines("mortality")
    lines[9] = lines[9].rsplit(",", 1)[0] + ",-0.01"  # line 10
    p = only_problem(load_lines(tmp_path, "mortality", lines)[1])
    assert (p.line, p.key_path, p.value) == (10, "mx", -0.01)
    assert "is outside (0, 5] (deaths per person-year)" in p.expected


def test_zero_death_rate_is_out_of_range(tmp_path):
    lines = tiny_lines("mortality")
    lines[9] = lines[9].rsplit(",", 1)[0] + ",0"
    p = only_problem(load_lines(tmp_path, "mortality", lines)[1])
    assert "(0, 5]" in p.expected


def test_srb_per_100_hint(tmp_path):
    lines = tiny_lines("sex_ratio_at_birth")
    lines[1] = "2020,105"
    p = only_problem(load_lines(tmp_path, "sex_ratio_at_birth", lines)[1])
    assert p.line == 2
    assert "divide by 100" in p.hint


@pytest.mark.parametrize("sex, hint",
                         [("Male", "did you mean 'male'?"), ("f", "did you mean 'female'?"), ("other", None)])
def test_bad_sex(tmp_path, sex, hint):
    lines = tiny_lines("life_expectancy")
    lines[1] = f"2020,{sex},66.0"
    _df, problems = load_lines(tmp_path, "life_expectancy", lines)
    p = problems[0]
    assert (p.line, p.key_path, p.value) == (2, "sex", sex)
    assert "is not a sex (male | female)" in p.expected
    assert p.hint == hint


def test_duplicate_keys_name_both_lines(tmp_path):
    lines = tiny_lines("population")
    lines.append(lines[3])  # duplicate of line 4 at line 44
    p = only_problem(load_lines(tmp_path, "population", lines)[1])
    assert p.line == len(lines)
    assert "duplicate row (year 2020, sex male, age_start 10), also at line 4" in p.expected


def test_age_gap(tmp_path):
    lines = tiny_lines("population")
    del lines[3]  # male 10-14
    p = only_problem(load_lines(tmp_path, "population", lines)[1])
    assert p.line == 4
    assert "gap in the age groups of year 2020, sex male: group 15-19 follows 5-9" in p.expected


def test_age_overlap(tmp_path):
    lines = tiny_lines("population")
    lines[3] = "2020,male,8,14,339173"
    p = only_problem(load_lines(tmp_path, "population", lines)[1])
    assert "overlap" in p.expected and "8-14 follows 5-9" in p.expected


def test_ages_must_start_at_zero(tmp_path):
    lines = tiny_lines("population")
    del lines[1]  # male 0-4
    p = only_problem(load_lines(tmp_path, "population", lines)[1])
    assert "must start at 0" in p.expected
    assert p.value == 5


def test_open_group_100_required(tmp_path):
    lines = [line for line in tiny_lines("population") if ",100,," not in line]
    df, problems = load_lines(tmp_path, "population", lines)
    assert df is None
    assert len(problems) == 2  # one per sex
    assert "it must be the open group 100+" in problems[0].expected
    assert problems[0].value == "95-99"


def test_open_group_only_last(tmp_path):
    lines = tiny_lines("population")
    lines[20] = lines[20].replace(",95,99,", ",95,,")  # male 95+ before 100+
    p = only_problem(load_lines(tmp_path, "population", lines)[1])
    assert "is not the last group" in p.expected


def test_mortality_single_age_beyond_100(tmp_path):
    lines = tiny_lines("net_migration")
    lines[1] = "2020,male,101,-5.0"
    _df, problems = load_lines(tmp_path, "net_migration", lines)
    assert problems[0].key_path == "age" and "outside 0-100" in problems[0].expected


def test_fertility_ages_within_10_54(tmp_path):
    lines = tiny_lines("fertility")
    lines.insert(8, "2020.5,2025.5,50,54,0.001")
    lines.insert(9, "2020.5,2025.5,55,59,0.0001")
    p = only_problem(load_lines(tmp_path, "fertility", lines)[1])
    assert p.value == "55-59"
    assert "outside the fertility ages 10-54" in p.expected


def test_fertility_open_group_refused(tmp_path):
    lines = tiny_lines("fertility")
    lines[7] = "2020.5,2025.5,45,,0.00574"
    p = only_problem(load_lines(tmp_path, "fertility", lines)[1])
    assert p.value == "45+"


def test_period_end_after_start(tmp_path):
    lines = tiny_lines("fertility")
    lines[1] = "2020.5,2020.5,15,19,0.0574"
    p = only_problem(load_lines(tmp_path, "fertility", lines)[1])
    assert (p.line, p.key_path) == (2, "period_end")
    assert "must be greater than period_start (2020.5)" in p.expected


def test_overlapping_periods(tmp_path):
    lines = tiny_lines("fertility")
    lines = [lines[0]] + lines[1:8] + [line.replace("2025.5,2030.5", "2024.5,2029.5") for line in lines[8:]]
    p = only_problem(load_lines(tmp_path, "fertility", lines)[1])
    assert "period 2024.5-2029.5 overlaps period 2020.5-2025.5" in p.expected


def test_missing_sex_for_a_time(tmp_path):
    lines = [line for line in tiny_lines("life_expectancy") if not line.startswith("2021,female")]
    p = only_problem(load_lines(tmp_path, "life_expectancy", lines)[1])
    assert "no rows for female (year 2021)" in p.expected


def test_year_and_period_together(tmp_path):
    lines = ["year,period_start,period_end,age_start,age_end,asfr", "2020,2020,2021,15,19,0.1"]
    p = only_problem(load_lines(tmp_path, "fertility", lines)[1])
    assert "either a year column or period_start and period_end" in p.expected


def test_population_with_periods_hint(tmp_path):
    lines = ["period_start,period_end,sex,age_start,age_end,persons"]
    _df, problems = load_lines(tmp_path, "population", lines)
    assert any("stock at 1 July" in (p.hint or "") for p in problems)


def test_non_integer_year(tmp_path):
    lines = tiny_lines("tfr")
    lines[1] = "2020.5,2.5"
    p = only_problem(load_lines(tmp_path, "tfr", lines)[1])
    assert (p.line, p.key_path) == (2, "year") and "whole number" in p.expected


def test_repeated_problems_are_capped(tmp_path):
    lines = ["year,tfr"] + [f"{y},x" for y in range(2000, 2020)]
    _df, problems = load_lines(tmp_path, "tfr", lines)
    assert len(problems) == MAX_PROBLEMS_PER_KIND + 1
    assert f"... and {20 - MAX_PROBLEMS_PER_KIND} more rows" in problems[-1].expected


def test_empty_and_header_only_files(tmp_path):
    p = only_problem(load_lines(tmp_path, "tfr", [""])[1])
    assert "empty" in p.expected
    p = only_problem(load_lines(tmp_path, "tfr", ["year,tfr"])[1])
    assert "no data rows" in p.expected


def test_ragged_row(tmp_path):
    lines = tiny_lines("tfr")
    lines[3] = "2022,2.44,extra"
    df, problems = load_lines(tmp_path, "tfr", lines)
    assert df is None
    assert problems[0].line == 4
    assert "malformed CSV" in problems[0].expected


def test_duplicate_header(tmp_path):
    p = only_problem(load_lines(tmp_path, "tfr", ["year,tfr,tfr", "2020,2.5,2.5"])[1])
    assert p.key_path == "tfr" and "twice" in p.expected


def test_returned_table_is_independent_of_file(tmp_path):
    path = write(tmp_path, "tfr", tiny_lines("tfr"))
    df, _ = load_table("tfr", path)
    path.write_text("year,tfr\n2020,9\n")
    assert df["tfr"].iloc[0] == 2.5
    assert isinstance(df, pd.DataFrame)
