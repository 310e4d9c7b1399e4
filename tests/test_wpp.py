"""Tests of ssproj.io.wpp.import_wpp on small synthetic WPP-format extracts.

The extracts are built in ``tmp_path`` with the columns of the real files
(see data/wpp2024/README.md); no test reads the real data.
"""
from __future__ import annotations

import copy
import csv
import math
import random
from pathlib import Path

import pytest
import yaml

from ssproj.io.wpp import WPPImportError, WPPImportWarning, import_wpp

LAO, THA, VNM = 418, 764, 704
NAMES = {LAO: "Lao People's Democratic Republic", THA: "Thailand", VNM: "Viet Nam"}

PERIODS = [(y, y + 5) for y in range(1950, 2030, 5)]  # 1950-1955 ... 2025-2030
POP_YEARS = [2015, 2020]
EST_YEARS = list(range(2019, 2024))  # annual estimates 2019-2023
MED_YEARS = list(range(2024, 2031))  # medium 2024-2030
MIG_AGE_YEARS = [2023] + MED_YEARS
POP_GROUPS = [(a, a + 4) for a in range(0, 100, 5)] + [(100, None)]
MX_GROUPS = [(0, 0), (1, 4)] + [(a, a + 4) for a in range(5, 100, 5)] + [(100, None)]
ASFR_GROUPS = [(a, a + 4) for a in range(15, 50, 5)]
PASFR = [5.0, 20.0, 25.0, 22.0, 16.0, 9.0, 3.0]  # sums to 100
PROJ_ONLY = ["low", "high", "pi80_lower", "pi80_upper", "pi95_lower", "pi95_upper"]
OUTLIER = 999.0  # value of every low/high/pi row: must never reach the output

OUT_FILES = [
    "population", "mortality", "fertility", "tfr", "sex_ratio_at_birth", "net_migration",
    "net_migration_total", "life_expectancy", "vital_events",
]


def _grp(a, b):
    if b is None:
        return f"{a}+"
    return str(a) if a == b else f"{a}-{b}"


def _period_variant(start):
    if start + 5 <= 2020:
        return "estimate"
    return "estimate+medium" if start == 2020 else "medium"


def _annual_variant(year):
    return "estimate" if year <= 2023 else "medium"


def make_tables(codes=(LAO, THA), names=NAMES):
    """Rows of every source file (dicts of strings), for the given countries."""
    t: dict[str, list[dict]] = {k: [] for k in [
        "population_by_age5_sex.csv", "mortality_rates_by_age5_sex.csv",
        "fertility_asfr_by_age5.csv", "fertility_tfr_by_year.csv",
        "sex_ratio_at_birth_by_year.csv", "net_migration_projection_by_age_sex.csv",
        "net_migration_by_year.csv", "life_expectancy_at_birth_by_sex.csv",
        "vital_events_by_year.csv"]}
    for k, code in enumerate(codes):
        ident = {"country_code": str(code), "country": names[code]}
        for y in POP_YEARS:
            for i, (a, b) in enumerate(POP_GROUPS):
                m = 100_000 * (k + 1) + 1000 * (21 - i) + y % 100  # persons, not thousands
                f = m + 7
                for sex, v in (("male", m), ("female", f), ("both", m + f)):
                    t["population_by_age5_sex.csv"].append(dict(
                        ident, year=str(y), reference_date=f"{y}-07-01", sex=sex,
                        age_group=_grp(a, b), age_start=str(a),
                        age_end="" if b is None else str(b), population_persons=str(v)))
        for s, e in PERIODS:
            for variant in [_period_variant(s)] + (["low"] if s >= 2025 else []):
                for sex_i, sex in enumerate(("male", "female", "both")):
                    for i, (a, b) in enumerate(MX_GROUPS):
                        mx = OUTLIER if variant == "low" else round(
                            0.00005 * (1 + sex_i) * math.exp(0.09 * 5 * i) * (1 - (s - 1950) / 200), 10)
                        t["mortality_rates_by_age5_sex.csv"].append(dict(
                            ident, period=f"{s}-{e}", period_start_year=str(s),
                            period_end_year=str(e), variant=variant, sex=sex,
                            age_group=_grp(a, b), age_start=str(a),
                            age_end="" if b is None else f"{b}.0",
                            mx_deaths_per_person_year=repr(mx)))
            tfr = round(6.0 - (s - 1950) * 0.05 - k * 0.3, 4)
            for (a, b), p in zip(ASFR_GROUPS, PASFR, strict=True):
                t["fertility_asfr_by_age5.csv"].append(dict(
                    ident, period=f"{s}-{e}", period_start_year=str(s), period_end_year=str(e),
                    variant=_period_variant(s), age_group=_grp(a, b), age_start=str(a),
                    age_end=str(b), pasfr_percent=repr(p), tfr_period_children_per_woman=repr(tfr),
                    asfr_births_per_woman_per_year=repr(tfr * p / 100 / 5)))
        mig_by_age = {}
        for y in MIG_AGE_YEARS:
            total = 0
            for sex in ("male", "female"):
                for age in range(101):
                    v = -(y - 2000) - age if age < 60 else 0
                    total += v
                    t["net_migration_projection_by_age_sex.csv"].append(dict(
                        ident, year=str(y), variant=_annual_variant(y), sex=sex, age=str(age),
                        net_migrants_persons=str(v)))
            mig_by_age[y] = total
        for y in EST_YEARS + MED_YEARS:
            v = _annual_variant(y)
            variants = [v] + (PROJ_ONLY if v == "medium" else [])
            for var in variants:
                out = var != v
                t["fertility_tfr_by_year.csv"].append(dict(
                    ident, year=str(y), variant=var,
                    tfr_children_per_woman=repr(OUTLIER if out else 2.0 + (2030 - y) / 100)))
                mig = mig_by_age.get(y, -1000 * (k + 1) - y % 10)
                t["net_migration_by_year.csv"].append(dict(
                    ident, year=str(y), variant=var,
                    net_migrants_persons=str(999_999 if out else mig + (1 if y == 2025 else 0))))
                for sex, e0 in (("male", 70.0), ("female", 75.0), ("both", 72.5)):
                    t["life_expectancy_at_birth_by_sex.csv"].append(dict(
                        ident, year=str(y), variant=var, sex=sex,
                        e0_years=repr(OUTLIER / 10 if out else e0 + (y - 2019) / 10)))
            t["sex_ratio_at_birth_by_year.csv"].append(dict(
                ident, year=str(y), variant=v, srb_males_per_female="1.05"))
            t["vital_events_by_year.csv"].append(dict(
                ident, year=str(y), variant=v, births_persons=str(150_000 + y),
                deaths_persons=str(50_000 + y), population_change_persons="0",
                cbr_per_1000="20.0", cdr_per_1000="7.0", cnmr_per_1000="0.0",
                natural_change_rate_per_1000="13.0", growth_rate_percent="1.3"))
    return t


def write_tables(folder: Path, tables) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for fname, rows in tables.items():
        with (folder / fname).open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    return folder


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def base_tables():
    return make_tables()


@pytest.fixture
def tables(base_tables):
    return copy.deepcopy(base_tables)


@pytest.fixture
def src(tmp_path, base_tables):
    return write_tables(tmp_path / "wpp", base_tables)


@pytest.fixture
def lao(tmp_path, src):
    out = tmp_path / "out" / "lao"
    import_wpp(src, LAO, out)
    return out


def _error(tmp_path, tables, code=LAO) -> str:
    s = write_tables(tmp_path / "bad", tables)
    out = tmp_path / "bad_out"
    with pytest.raises(WPPImportError) as info:
        import_wpp(s, code, out)
    assert not out.exists() or not any(out.rglob("*")), "nothing may be written on error"
    return str(info.value)


# --------------------------------------------------------------------------- output


def test_returns_yaml_path_and_writes_every_table(tmp_path, src):
    path = import_wpp(src, LAO, tmp_path / "set")
    assert path == tmp_path / "set" / "assumptions.yaml"
    assert sorted(p.stem for p in (tmp_path / "set" / "demography").glob("*.csv")) == sorted(OUT_FILES)
    assert not list((tmp_path / "set").rglob(".*.tmp")), "temporary files left behind"


def test_period_convention_mid_year(lao):
    mx = read_csv(lao / "demography" / "mortality.csv")
    assert list(mx[0]) == ["period_start", "period_end", "sex", "age_start", "age_end", "mx"]
    assert mx[0]["period_start"] == "1950.5" and mx[0]["period_end"] == "1955.5"
    periods = sorted({(float(r["period_start"]), float(r["period_end"])) for r in mx})
    assert periods == [(s + 0.5, e + 0.5) for s, e in PERIODS]
    fx = read_csv(lao / "demography" / "fertility.csv")
    assert list(fx[0]) == ["period_start", "period_end", "age_start", "age_end", "asfr"]
    assert sorted({(r["period_start"], r["period_end"]) for r in fx})[0] == ("1950.5", "1955.5")
    assert sorted({(float(r["period_start"]), float(r["period_end"])) for r in fx}) == periods


def test_mortality_groups_sexes_and_values(lao, base_tables):
    mx = read_csv(lao / "demography" / "mortality.csv")
    assert len(mx) == len(PERIODS) * 2 * len(MX_GROUPS)
    assert {r["sex"] for r in mx} == {"male", "female"}
    groups = [(int(r["age_start"]), None if r["age_end"] == "" else int(r["age_end"]))
              for r in mx if r["period_start"] == "2025.5" and r["sex"] == "male"]
    assert groups == MX_GROUPS
    src = {(r["period_start_year"], r["sex"], r["age_start"]): float(r["mx_deaths_per_person_year"])
           for r in base_tables["mortality_rates_by_age5_sex.csv"]
           if r["country_code"] == "418" and r["variant"] != "low"}
    for r in mx:
        key = (str(int(float(r["period_start"]) - 0.5)), r["sex"], r["age_start"])
        assert float(r["mx"]) == src[key]
    assert all("e" not in r["mx"] for r in mx), "floats are written positionally"
    assert max(float(r["mx"]) for r in mx) < 10.0, "the 'low' rows (999) must not be used"


def test_variant_selection_estimates_then_medium(lao):
    tfr = read_csv(lao / "demography" / "tfr.csv")
    assert [int(r["year"]) for r in tfr] == EST_YEARS + MED_YEARS
    for r in tfr:
        assert float(r["tfr"]) == 2.0 + (2030 - int(r["year"])) / 100
    mig = read_csv(lao / "demography" / "net_migration_total.csv")
    assert [int(r["year"]) for r in mig] == EST_YEARS + MED_YEARS
    assert all(int(r["persons"]) != 999_999 for r in mig), "pi/low/high rows leaked"
    e0 = read_csv(lao / "demography" / "life_expectancy.csv")
    assert len(e0) == 2 * len(EST_YEARS + MED_YEARS)
    assert {r["sex"] for r in e0} == {"male", "female"}
    assert max(float(r["e0"]) for r in e0) < 90
    by_age = read_csv(lao / "demography" / "net_migration.csv")
    assert sorted({int(r["year"]) for r in by_age}) == MIG_AGE_YEARS
    assert len(by_age) == len(MIG_AGE_YEARS) * 2 * 101
    srb = read_csv(lao / "demography" / "sex_ratio_at_birth.csv")
    assert [r["year"] for r in srb] == [str(y) for y in EST_YEARS + MED_YEARS]
    assert {r["srb"] for r in srb} == {"1.05"}


def test_variant_selection_uses_year_boundary(tmp_path, tables):
    """An 'estimate' row after 2023 or a 'medium' row before 2024 is not selected."""
    ident = {"country_code": "418", "country": NAMES[LAO]}
    tables["fertility_tfr_by_year.csv"] += [
        dict(ident, year="2025", variant="estimate", tfr_children_per_woman="7.5"),
        dict(ident, year="2023", variant="medium", tfr_children_per_woman="8.5"),
    ]
    s = write_tables(tmp_path / "s", tables)
    import_wpp(s, LAO, tmp_path / "o")
    tfr = {r["year"]: float(r["tfr"]) for r in read_csv(tmp_path / "o" / "demography" / "tfr.csv")}
    assert tfr["2025"] == 2.05 and tfr["2023"] == 2.07


def test_open_age_group_has_empty_age_end(lao):
    pop = read_csv(lao / "demography" / "population.csv")
    assert list(pop[0]) == ["year", "sex", "age_start", "age_end", "persons"]
    open_rows = [r for r in pop if r["age_end"] == ""]
    assert {r["age_start"] for r in open_rows} == {"100"}
    assert len(open_rows) == len(POP_YEARS) * 2
    mx = read_csv(lao / "demography" / "mortality.csv")
    assert {r["age_start"] for r in mx if r["age_end"] == ""} == {"100"}
    assert all(r["age_end"] != "" for r in mx if r["age_start"] != "100")
    text = (lao / "demography" / "population.csv").read_text()
    assert "\n2015,female,100,," in text
    assert ".0," not in text, "ages are integers"


def test_population_units_are_persons(lao, base_tables):
    pop = read_csv(lao / "demography" / "population.csv")
    assert len(pop) == len(POP_YEARS) * 2 * len(POP_GROUPS)
    keys = [(int(r["year"]), r["sex"], int(r["age_start"])) for r in pop]
    assert keys == sorted(keys), "rows sorted by year, sex, age"
    src = {(r["year"], r["sex"], r["age_start"]): r["population_persons"]
           for r in base_tables["population_by_age5_sex.csv"] if r["country_code"] == "418"}
    for r in pop:
        assert r["persons"] == src[(r["year"], r["sex"], r["age_start"])]
    total_2020 = sum(int(r["persons"]) for r in pop if r["year"] == "2020")
    expected = sum(int(v) for (y, s, _), v in src.items() if y == "2020" and s != "both")
    assert total_2020 == expected > 4_000_000


def test_fertility_and_migration_values(lao):
    fx = read_csv(lao / "demography" / "fertility.csv")
    first = [r for r in fx if r["period_start"] == "1950.5"]
    assert [(r["age_start"], r["age_end"]) for r in first] == [(str(a), str(b)) for a, b in ASFR_GROUPS]
    assert 5 * sum(float(r["asfr"]) for r in first) == pytest.approx(6.0, rel=1e-12)
    mig = read_csv(lao / "demography" / "net_migration.csv")
    assert {r["age"] for r in mig} == {str(a) for a in range(101)}
    tot = {r["year"]: int(r["persons"]) for r in read_csv(lao / "demography" / "net_migration_total.csv")}
    s2023 = sum(int(r["persons"]) for r in mig if r["year"] == "2023")
    assert s2023 == tot["2023"] < 0


def test_assumptions_yaml(tmp_path, src, lao):
    text = (lao / "assumptions.yaml").read_text()
    assert text.startswith("#")
    assert "CC BY 3.0 IGO" in text.split("\nname:")[0]
    doc = yaml.safe_load(text)
    assert doc["name"] == "lao"
    assert doc["country"] == NAMES[LAO] and doc["country_code"] == 418
    assert doc["currency"] == "LAK"
    wpp = doc["sources"]["wpp2024"]
    assert "World Population Prospects 2024" in wpp["citation"]
    assert wpp["licence"] == "CC BY 3.0 IGO"
    assert "popAge5dt" in wpp["datasets"] and "migprojAge1dt" in wpp["datasets"]
    assert len(wpp["datasets"]) == 15
    assert "thousands" in wpp["notes"]
    assert list(doc["tables"]) == OUT_FILES
    for t, entry in doc["tables"].items():
        assert entry["file"] == f"demography/{t}.csv"
        assert (lao / entry["file"]).is_file()
        assert entry["source"] == "wpp2024" and entry["confidence"] == "verified"
        assert entry["notes"]
    assert "1 July" in doc["tables"]["population"]["notes"]
    assert "1950.5" in doc["tables"]["mortality"]["notes"]

    tha = yaml.safe_load(import_wpp(src, THA, tmp_path / "t").read_text())
    assert (tha["name"], tha["currency"]) == ("thailand", "THB")
    custom = yaml.safe_load(import_wpp(src, "418", tmp_path / "c", name="lao_test").read_text())
    assert custom["name"] == "lao_test"


def test_names_and_currency_for_other_countries(tmp_path):
    names = {VNM: "Viet Nam", 384: "Côte d'Ivoire"}
    s = write_tables(tmp_path / "src", make_tables((VNM, 384), names))
    vnm = yaml.safe_load(import_wpp(s, VNM, tmp_path / "v").read_text())
    assert (vnm["name"], vnm["currency"]) == ("viet_nam", "VND")
    with pytest.warns(WPPImportWarning, match=r"no currency is known for Côte d'Ivoire.*--currency"):
        civ = yaml.safe_load(import_wpp(s, 384, tmp_path / "c").read_text())
    assert civ["name"] == "cote_d_ivoire"
    # a set must name a currency (assumptions.yaml is refused without one): ISO 4217 "no currency"
    assert civ["currency"] == "XXX"
    xof = import_wpp(s, 384, tmp_path / "x", currency="XOF")
    assert yaml.safe_load(xof.read_text())["currency"] == "XOF"
    assert "--country 384 --currency XOF --out" in xof.read_text()
    with pytest.raises(WPPImportError, match="not an ISO 4217 code"):
        import_wpp(s, 384, tmp_path / "y", currency="cfa")


def test_vital_events_without_projection_is_accepted(tmp_path, tables):
    tables["vital_events_by_year.csv"] = [
        r for r in tables["vital_events_by_year.csv"] if r["variant"] == "estimate"]
    s = write_tables(tmp_path / "s", tables)
    doc = yaml.safe_load(import_wpp(s, LAO, tmp_path / "o").read_text())
    ve = read_csv(tmp_path / "o" / "demography" / "vital_events.csv")
    assert [int(r["year"]) for r in ve] == EST_YEARS
    assert "no projection" in doc["tables"]["vital_events"]["notes"]


# --------------------------------------------------------------------------- re-runs


def test_rerun_gives_identical_bytes(tmp_path, src, lao):
    before = {p.relative_to(lao): p.read_bytes() for p in sorted(lao.rglob("*")) if p.is_file()}
    assert len(before) == 10
    import_wpp(src, LAO, lao, overwrite=True)
    other = tmp_path / "elsewhere"
    import_wpp(src, LAO, other)
    for rel, data in before.items():
        assert (lao / rel).read_bytes() == data, rel
        assert (other / rel).read_bytes() == data, rel
    assert sorted(p.relative_to(lao) for p in lao.rglob("*") if p.is_file()) == sorted(before)


def test_output_does_not_depend_on_source_row_order(tmp_path, tables, lao):
    rng = random.Random(20240711)
    for rows in tables.values():
        rng.shuffle(rows)
    other = tmp_path / "shuffled_out"
    import_wpp(write_tables(tmp_path / "shuffled", tables), LAO, other)
    for p in sorted(lao.rglob("*.*")):
        assert (other / p.relative_to(lao)).read_bytes() == p.read_bytes(), p.name
    mig = read_csv(other / "demography" / "net_migration.csv")
    keys = [(int(r["year"]), r["sex"], int(r["age"])) for r in mig]
    assert keys == sorted(keys)


def test_refuses_to_overwrite(src, lao):
    yaml_path = lao / "assumptions.yaml"
    yaml_path.write_text("edited by hand\n")
    with pytest.raises(FileExistsError, match="overwrite"):
        import_wpp(src, LAO, lao)
    assert yaml_path.read_text() == "edited by hand\n"
    yaml_path.unlink()
    with pytest.raises(FileExistsError, match=r"population\.csv"):
        import_wpp(src, LAO, lao)  # a table alone is enough to refuse
    import_wpp(src, LAO, lao, overwrite=True)
    assert yaml.safe_load(yaml_path.read_text())["name"] == "lao"


# --------------------------------------------------------------------------- errors


def test_unknown_country_lists_codes(tmp_path, src):
    with pytest.raises(WPPImportError) as info:
        import_wpp(src, 999, tmp_path / "x")
    msg = str(info.value)
    assert "unknown country code 999" in msg
    assert "418 (Lao People's Democratic Republic)" in msg and "764 (Thailand)" in msg
    assert isinstance(info.value, ValueError)
    assert len(info.value.problems) == 1
    assert not (tmp_path / "x").exists()


def test_missing_column_names_file_and_column(tmp_path, tables):
    for r in tables["mortality_rates_by_age5_sex.csv"]:
        del r["mx_deaths_per_person_year"]
    msg = _error(tmp_path, tables)
    assert "mortality_rates_by_age5_sex.csv:1: missing column 'mx_deaths_per_person_year'" in msg


def test_every_problem_is_listed_one_per_line(tmp_path, tables):
    del tables["sex_ratio_at_birth_by_year.csv"]
    for r in tables["fertility_tfr_by_year.csv"]:
        del r["variant"]
    msg = _error(tmp_path, tables)
    lines = msg.splitlines()
    assert lines[0].endswith("for country 418: 2 problems")
    assert any(ln.endswith("sex_ratio_at_birth_by_year.csv: source file not found") for ln in lines)
    assert any("fertility_tfr_by_year.csv:1: missing column 'variant'" in ln for ln in lines)
    assert len(lines) == 3


def test_duplicated_row_after_variant_selection(tmp_path, tables):
    rows = tables["fertility_tfr_by_year.csv"]
    dup = next(r for r in rows if r["country_code"] == "418" and r["year"] == "2026"
               and r["variant"] == "medium")
    rows.append(dict(dup))
    msg = _error(tmp_path, tables)
    assert "fertility_tfr_by_year.csv: duplicated row after variant selection: 2026" in msg
    # a duplicate among rows that are not selected is not a problem
    tables2 = make_tables()
    extra = next(r for r in tables2["fertility_tfr_by_year.csv"] if r["variant"] == "pi80_lower")
    tables2["fertility_tfr_by_year.csv"].append(dict(extra))
    import_wpp(write_tables(tmp_path / "ok", tables2), LAO, tmp_path / "ok_out")


def test_missing_age_group_and_period(tmp_path, tables):
    tables["population_by_age5_sex.csv"] = [
        r for r in tables["population_by_age5_sex.csv"]
        if not (r["country_code"] == "418" and r["year"] == "2020" and r["sex"] == "male"
                and r["age_start"] == "50")]
    tables["mortality_rates_by_age5_sex.csv"] = [
        r for r in tables["mortality_rates_by_age5_sex.csv"]
        if not (r["country_code"] == "418" and r["period_start_year"] == "1990")]
    tables["net_migration_projection_by_age_sex.csv"] = [
        r for r in tables["net_migration_projection_by_age_sex.csv"]
        if not (r["country_code"] == "418" and r["year"] == "2027" and r["sex"] == "female"
                and r["age"] == "100")]
    msg = _error(tmp_path, tables)
    assert "population_by_age5_sex.csv: age groups incomplete: 2020 male age 50-54" in msg
    assert "periods not contiguous: 1985-1990 is followed by 1995-2000" in msg
    assert "2027 female ages 100" in msg
    assert "Thailand" not in msg  # only the selected country is checked


def test_identity_5_sum_asfr_equals_tfr(tmp_path, tables):
    rows = tables["fertility_asfr_by_age5.csv"]
    r = next(r for r in rows if r["country_code"] == "418" and r["period_start_year"] == "2000"
             and r["age_start"] == "25")
    r["asfr_births_per_woman_per_year"] = repr(float(r["asfr_births_per_woman_per_year"]) * 1.001)
    msg = _error(tmp_path, tables)
    assert "period 2000-2005: 5 * sum(asfr)" in msg


def test_migration_by_age_must_match_total(tmp_path, tables):
    r = next(r for r in tables["net_migration_by_year.csv"]
             if r["country_code"] == "418" and r["year"] == "2028" and r["variant"] == "medium")
    r["net_migrants_persons"] = str(int(r["net_migrants_persons"]) + 5000)
    msg = _error(tmp_path, tables)
    assert "year 2028: net migration summed over ages" in msg


def test_population_must_be_mid_year(tmp_path, tables):
    for r in tables["population_by_age5_sex.csv"]:
        if r["year"] == "2015":
            r["reference_date"] = "2015-12-31"
    msg = _error(tmp_path, tables)
    assert "not 1 July 2015" in msg


def test_bad_values_and_year_gaps(tmp_path, tables):
    r = next(r for r in tables["population_by_age5_sex.csv"]
             if r["country_code"] == "418" and r["sex"] == "female")
    r["population_persons"] = "1234.567"  # thousands with decimals, not persons
    r2 = next(r for r in tables["sex_ratio_at_birth_by_year.csv"] if r["country_code"] == "418")
    r2["srb_males_per_female"] = "105"  # per 100 females, not a ratio
    tables["life_expectancy_at_birth_by_sex.csv"] = [
        r for r in tables["life_expectancy_at_birth_by_sex.csv"] if r["year"] != "2021"]
    msg = _error(tmp_path, tables)
    assert "population_by_age5_sex.csv:3: population_persons: '1234.567' is not a whole number" in msg
    assert "srb_males_per_female: 105.0 is not a ratio" in msg
    assert "life_expectancy_at_birth_by_sex.csv: years missing: 2021" in msg


def test_tables_must_end_in_the_same_year(tmp_path, tables):
    tables["sex_ratio_at_birth_by_year.csv"] = [
        r for r in tables["sex_ratio_at_birth_by_year.csv"] if r["year"] != "2030"]
    msg = _error(tmp_path, tables)
    assert "tables end in different years" in msg and "sex_ratio_at_birth 2029" in msg


def test_missing_source_dir_and_bad_arguments(tmp_path, src):
    with pytest.raises(WPPImportError, match="source directory not found"):
        import_wpp(tmp_path / "nope", LAO, tmp_path / "o")
    with pytest.raises(WPPImportError, match="UN location code"):
        import_wpp(src, "Lao", tmp_path / "o")
    with pytest.raises(WPPImportError, match="not a valid assumption set name"):
        import_wpp(src, LAO, tmp_path / "o", name="../evil")
