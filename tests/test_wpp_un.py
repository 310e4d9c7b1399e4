"""Importing the UN's own WPP 2024 CSV downloads, and selecting a demographic variant in a scenario.

Fixtures (built by ``tests/data/wpp_un/make_fixtures.py``, see the README
there): ``tests/data/wpp_un/`` holds the UN's files (``WPP2024_*.csv.gz``,
the UN's columns, thousands as the UN gives them) for Lao PDR (418) and
location 116, a stand-in "Cambodia" whose numbers are Viet Nam's, for 2020
(population) and 2020-2029 (rates); ``tests/data/wpp_tidy/`` holds the same
Lao data as tidy wpp2024 extracts. In the UN files, calendar year t carries
the values of the WPP 5-year period that contains t + 1/2, so each of their
rows can be compared with a row of the tidy tables.
"""
from __future__ import annotations

import csv
import gzip
import json
import math
import re
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

import ssproj
from ssproj.cli import main
from ssproj.io.wpp import WPPImportError, WPPImportWarning, import_wpp
from ssproj.io.wpp_un import ROGERS_CASTRO, migration_age_pattern
from ssproj.scenario.assumptions import load_assumptions

ROOT = Path(__file__).resolve().parents[1]
UN = ROOT / "tests" / "data" / "wpp_un"
TIDY = ROOT / "tests" / "data" / "wpp_tidy"
LAO, CAMBODIA = 418, 116
SINGLE_AGE_FILES = ("WPP2024_PopulationBySingleAgeSex_Medium_1950-2023.csv.gz", "WPP2024_Fertility_by_Age1.csv.gz",
                    "WPP2024_Life_Table_Complete_Medium_Female_1950-2023.csv.gz",
                    "WPP2024_Life_Table_Complete_Medium_Female_2024-2100.csv.gz",
                    "WPP2024_Life_Table_Complete_Medium_Male_1950-2023.csv.gz",
                    "WPP2024_Life_Table_Complete_Medium_Male_2024-2100.csv.gz")


# --------------------------------------------------------------------------- helpers


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def read_un(name: str) -> tuple[list[str], list[list[str]]]:
    with gzip.open(UN / name, "rt", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def write_un(folder: Path, name: str, header: list[str], rows: list[list[str]], *, compress: bool = True) -> None:
    text = "\ufeff" + "".join(",".join(_quote(v) for v in r) + "\n" for r in [header, *rows])
    if compress:
        (folder / name).write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    else:
        (folder / name).write_text(text, encoding="utf-8")


def _quote(v: str) -> str:
    return f'"{v}"' if "," in v else v


def un_source(tmp_path: Path, *, drop: tuple[str, ...] = (), single_ages: bool = True, name: str = "un") -> Path:
    """A copy of the UN fixtures in tmp_path (without the files named in `drop`, or the single-age ones)."""
    folder = tmp_path / name
    folder.mkdir()
    for p in UN.glob("*.csv.gz"):
        if p.name in drop or (not single_ages and p.name in SINGLE_AGE_FILES):
            continue
        shutil.copy(p, folder / p.name)
    return folder


def edit_un(folder: Path, name: str, edit) -> None:
    """Rewrite one file of a fixture copy: ``edit(header, rows) -> (header, rows)``."""
    header, rows = read_un(name)
    header, rows = edit(header, rows)
    write_un(folder, name, header, rows)


def import_quiet(*args, **kwargs) -> Path:
    with pytest.warns(WPPImportWarning):  # constant_mortality is left out (and Cambodia has no known currency)
        return import_wpp(*args, **kwargs)


def un_error(tmp_path: Path, folder: Path, code: int = LAO, **kwargs) -> str:
    out = tmp_path / "bad_out"
    with pytest.raises(WPPImportError) as info:
        import_wpp(folder, code, out, **kwargs)
    assert not out.exists() or not any(out.rglob("*")), "nothing may be written on error"
    return str(info.value)


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    """Lao from the tidy extracts, from the UN's 5-year files and from the UN's single-age files."""
    base = tmp_path_factory.mktemp("sets")
    five = un_source(base, single_ages=False, name="un5")
    out = {
        "tidy": import_wpp(TIDY, LAO, base / "assumptions" / "lao_tidy", name="lao_tidy").parent,
        "un5": import_quiet(five, LAO, base / "assumptions" / "lao_un5", name="lao_un5").parent,
        "un1": import_quiet(UN, LAO, base / "assumptions" / "lao", name="lao").parent,
    }
    (base / "scenarios").mkdir()
    out["root"] = base
    return out


def table(set_dir: Path, name: str) -> list[dict]:
    return read_csv(set_dir / "demography" / f"{name}.csv")


def period_of(year: int, periods) -> tuple[float, float]:
    """The tidy period (written mid-year to mid-year) that contains calendar year `year`'s middle."""
    return next(p for p in periods if p[0] <= year + 0.5 < p[1])


# --------------------------------------------------------------------------- same tables as the tidy extracts


def test_un_files_give_the_tidy_tables(sets):
    """The UN's 5-year files and the tidy extracts give the same tables, to the rounding of the UN layout.

    Tolerances: none (exact) for counts in persons (the UN gives thousands with
    3 decimals, i.e. whole persons), death rates, life expectancy and the sex
    ratio at birth (same digits in both layouts); 5e-7 births per woman for
    ASFR (written as births per 1,000 women with 3 decimals); 5e-5 children
    per woman for the TFR (4 decimals in the UN layout).
    """
    tidy, un = sets["tidy"], sets["un5"]
    assert table(un, "population") == table(tidy, "population")  # same header, same rows, persons at 1 July 2020

    mx_tidy = table(tidy, "mortality")
    periods = sorted({(float(r["period_start"]), float(r["period_end"])) for r in mx_tidy})
    by_key = {(float(r["period_start"]), r["sex"], r["age_start"], r["age_end"]): float(r["mx"]) for r in mx_tidy}
    mx_un = table(un, "mortality")
    assert list(mx_un[0]) == ["year", "sex", "age_start", "age_end", "mx"]
    assert sorted({int(r["year"]) for r in mx_un}) == list(range(2020, 2030))
    assert len(mx_un) == 10 * 2 * 22
    for r in mx_un:
        start = period_of(int(r["year"]), periods)[0]
        assert float(r["mx"]) == by_key[(start, r["sex"], r["age_start"], r["age_end"])], r

    fx_tidy = table(tidy, "fertility")
    by_key = {(float(r["period_start"]), r["age_start"]): float(r["asfr"]) for r in fx_tidy}
    fx_un = table(un, "fertility")
    assert list(fx_un[0]) == ["year", "age_start", "age_end", "asfr"]
    assert len(fx_un) == 10 * 7
    for r in fx_un:
        start = period_of(int(r["year"]), periods)[0]
        assert float(r["asfr"]) == pytest.approx(by_key[(start, r["age_start"])], abs=5e-7)

    def years(rows, n=2030):
        return [r for r in rows if int(r["year"]) < n]

    tfr_un = table(un, "tfr")
    for a, b in zip(tfr_un, years(table(tidy, "tfr")), strict=True):
        assert a["year"] == b["year"] and float(a["tfr"]) == pytest.approx(float(b["tfr"]), abs=5e-5)
    for name in ("sex_ratio_at_birth", "net_migration_total", "life_expectancy", "vital_events"):
        un_rows = table(un, name)
        assert un_rows == years(table(tidy, name)), name
        assert un_rows, name
    assert [float(r["srb"]) for r in table(un, "sex_ratio_at_birth")][:1] == [1.053]


def test_un_single_ages_regroup_to_the_tidy_tables(sets):
    """The UN's single ages (population, complete life tables, fertility by age 1) regroup to the tidy tables.

    Population: whole persons whose group sums are exact. Death rates: the
    rate of each 5-year group implied by its single ages (a single-age life
    table with a = 1/2, as in ssproj's graduation) within a relative 2e-5 of
    the tidy rate (the UN layout has 6 significant digits). Fertility: the
    mean over a group's single ages within 5e-7 births per woman (3
    decimals of births per 1,000 women).
    """
    tidy, un = sets["tidy"], sets["un1"]
    pop_un = table(un, "population")
    assert len(pop_un) == 2 * 101 and pop_un[-1]["age_start"] == "100" and pop_un[-1]["age_end"] == ""
    single = {(r["sex"], int(r["age_start"])): int(r["persons"]) for r in pop_un}
    for r in table(tidy, "population"):
        a, b = int(r["age_start"]), 100 if r["age_end"] == "" else int(r["age_end"])
        assert sum(single[(r["sex"], x)] for x in range(a, b + 1)) == int(r["persons"])

    mx_tidy = table(tidy, "mortality")
    periods = sorted({(float(r["period_start"]), float(r["period_end"])) for r in mx_tidy})
    rates = {}
    for r in table(un, "mortality"):
        rates.setdefault((int(r["year"]), r["sex"]), {})[int(r["age_start"])] = float(r["mx"])
    for (year, sex), m in rates.items():
        start = period_of(year, periods)[0]
        for r in (r for r in mx_tidy if float(r["period_start"]) == start and r["sex"] == sex):
            a = int(r["age_start"])
            if r["age_end"] in ("", r["age_start"]):
                assert m[a] == pytest.approx(float(r["mx"]), rel=5e-6)  # age 0 and 100+ as given
                continue
            ages = range(a, int(r["age_end"]) + 1)
            lx, deaths, years_lived = 1.0, 0.0, 0.0
            for x in ages:
                q = m[x] / (1 + 0.5 * m[x])
                deaths += lx * q
                years_lived += lx * (1 - 0.5 * q)
                lx *= 1 - q
            assert deaths / years_lived == pytest.approx(float(r["mx"]), rel=2e-5), (year, sex, a)

    fx = {}
    for r in table(un, "fertility"):
        fx.setdefault(int(r["year"]), {})[int(r["age_start"])] = float(r["asfr"])
    assert sorted(fx[2020]) == list(range(15, 50))
    for r in table(tidy, "fertility"):
        for year in (y for y in fx if period_of(y, periods)[0] == float(r["period_start"])):
            a = int(r["age_start"])
            mean = sum(fx[year][x] for x in range(a, a + 5)) / 5
            assert mean == pytest.approx(float(r["asfr"]), abs=5e-7)


def test_net_migration_by_age_spreads_the_total_with_a_model_schedule(sets):
    """The UN files give net migration in total only: from 2023 the total is spread over ages (an assumption)."""
    un = sets["un5"]
    totals = {int(r["year"]): int(r["persons"]) for r in table(un, "net_migration_total")}
    by_age = table(un, "net_migration")
    assert sorted({int(r["year"]) for r in by_age}) == list(range(2023, 2030))  # from 2023, as the tidy import
    for year in range(2023, 2030):
        rows = [r for r in by_age if int(r["year"]) == year]
        assert len(rows) == 202
        assert sum(int(r["persons"]) for r in rows) == totals[year] < 0  # Lao PDR: net emigration
    doc = yaml.safe_load((un / "assumptions.yaml").read_text())
    entry = doc["tables"]["net_migration"]
    assert entry["confidence"] == "assumed" and "Rogers-Castro" in entry["notes"]
    assert doc["tables"]["net_migration_total"]["confidence"] == "verified"
    shares = migration_age_pattern()
    assert math.fsum(s for _, _, s in shares) == pytest.approx(1.0, abs=1e-12)
    female = [s for sex, _, s in shares if sex == "female"]
    assert max(range(101), key=female.__getitem__) in range(18, 26)  # labour-force peak near mu2 = 20
    assert sum(female[15:40]) > 0.3 and female[100] < 5e-5  # half of the migrants are women, most aged 15-39
    assert ROGERS_CASTRO["c"] == 0.0


# --------------------------------------------------------------------------- variants


def test_variants_are_written_and_declared(sets, tmp_path):
    un = sets["un1"]
    doc = yaml.safe_load((un / "assumptions.yaml").read_text())
    assert list(doc["variants"]) == ["medium", "high", "low", "zero_migration"]
    assert doc["variants"]["medium"]["tables"] == {}
    assert set(doc["variants"]["high"]["tables"]) == {"fertility", "tfr"}  # Lao: no projected births to differ
    assert set(doc["variants"]["zero_migration"]["tables"]) == {"net_migration", "net_migration_total"}
    assert "0.5 child above" in doc["variants"]["high"]["description"]
    for name, entry in doc["variants"].items():
        for t, spec in entry["tables"].items():
            assert spec["file"] == f"demography/variants/{name}/{t}.csv" and (un / spec["file"]).is_file()
    assert "constant_mortality" in doc["sources"]["wpp2024"]["notes"]  # left out, and said why

    tidy_tfr = {(r["variant"], r["year"]): float(r["tfr_children_per_woman"])
                for r in read_csv(TIDY / "fertility_tfr_by_year.csv")}
    high = {r["year"]: float(r["tfr"]) for r in read_csv(un / "demography" / "variants" / "high" / "tfr.csv")}
    medium = {r["year"]: float(r["tfr"]) for r in table(un, "tfr")}
    for y in range(2020, 2030):
        expect = tidy_tfr[("high", str(y))] if y >= 2024 else medium[str(y)]
        assert high[str(y)] == pytest.approx(expect, abs=5e-5)
    zero = read_csv(un / "demography" / "variants" / "zero_migration" / "net_migration_total.csv")
    assert all((int(r["persons"]) == 0) == (int(r["year"]) >= 2024) for r in zero)

    aset = load_assumptions(un / "assumptions.yaml")
    assert list(aset.variants) == ["medium", "high", "low", "zero_migration"]
    assert list(json.loads(json.dumps(aset.to_dict()))["variants"]["high"]["tables"]) == ["fertility", "tfr"]
    assert aset.variants["high"].tables["tfr"].file == (un / "demography/variants/high/tfr.csv").resolve()

    with pytest.warns(WPPImportWarning, match="'constant_mortality' not imported: its mortality differs"):
        import_wpp(UN, LAO, tmp_path / "default")
    some = import_wpp(UN, LAO, tmp_path / "some", variants=["High"])  # a UN label works too
    assert list(yaml.safe_load(some.read_text())["variants"]) == ["medium", "high"]
    none = import_wpp(UN, LAO, tmp_path / "none", variants=[])
    assert list(yaml.safe_load(none.read_text())["variants"]) == ["medium"]


def _project(root: Path, set_name: str, end: int = 2029, variant: str | None = None):
    data = {"assumptions": set_name, "projection": {"start_year": 2020, "end_year": end}}
    if variant is not None:
        data["demographic_variant"] = variant
    return ssproj.load_scenario(data, base_dir=root / "scenarios")


def test_a_scenario_selects_a_variant_and_high_grows_faster(sets):
    root = sets["root"]
    medium = _project(root, "lao")
    high = _project(root, "lao", variant="high")
    low = _project(root, "lao", variant="low")
    assert high.provenance["demographic_variant"] == "high" and "demographic_variant" not in medium.provenance
    assert high.provenance["tables"]["tfr"]["path"].endswith("demography/variants/high/tfr.csv")
    assert high.provenance["tables"]["mortality"] == medium.provenance["tables"]["mortality"]
    assert _project(root, "lao", variant="medium").provenance["tables"] == medium.provenance["tables"]
    pop = {name: ssproj.project(sc).summary()["total_population"] for name, sc in
           (("medium", medium), ("high", high), ("low", low))}
    for y in range(2020, 2025):  # births of the variants differ from 2024; the stock at 1 July 2024 barely
        assert pop["high"][y] == pytest.approx(pop["medium"][y], rel=2e-3)
    assert pop["high"][2029] > pop["medium"][2029] * 1.005
    assert pop["low"][2029] < pop["medium"][2029] * 0.995
    # the scenario's own tables: still replace the variant's
    own = ssproj.load_scenario({"assumptions": "lao", "projection": {"start_year": 2020, "end_year": 2029},
                                "demographic_variant": "high",
                                "tables": {"tfr": str(root / "assumptions" / "lao" / "demography" / "tfr.csv")}},
                               base_dir=root / "scenarios")
    assert own.provenance["tables"]["tfr"]["source"] == "scenario"
    assert own.provenance["tables"]["fertility"]["path"].endswith("variants/high/fertility.csv")


def test_a_child_scenario_inherits_or_replaces_the_variant(sets):
    root = sets["root"]
    (root / "scenarios" / "base_high.yaml").write_text(
        "assumptions: lao\nprojection: {start_year: 2020, end_year: 2029}\ndemographic_variant: high\n")
    (root / "scenarios" / "child.yaml").write_text("extends: base_high.yaml\n")
    (root / "scenarios" / "child_medium.yaml").write_text("extends: base_high.yaml\ndemographic_variant: medium\n")
    assert ssproj.load_scenario(root / "scenarios" / "child.yaml").provenance["demographic_variant"] == "high"
    back = ssproj.load_scenario(root / "scenarios" / "child_medium.yaml")
    assert back.provenance["tables"]["tfr"]["path"].endswith("lao/demography/tfr.csv")
    changed = ssproj.load_scenario(root / "scenarios" / "child.yaml").with_changes({"fertility_multiplier": 0.9})
    assert changed.provenance["tables"]["tfr"]["path"].endswith("variants/high/tfr.csv")


def test_unknown_variant_names_file_line_key_value_and_expected(sets):
    root = sets["root"]
    bad = root / "scenarios" / "bad_variant.yaml"
    bad.write_text("assumptions: lao\nprojection: {start_year: 2020, end_year: 2029}\ndemographic_variant: hihg\n")
    with pytest.raises(ssproj.ScenarioError) as info:
        ssproj.load_scenario(bad)
    msg = str(info.value)
    assert "bad_variant.yaml:3: demographic_variant = 'hihg' is not a demographic variant of the assumption set " \
           "'lao'; expected one of: medium, high, low, zero_migration" in msg
    assert "did you mean 'high'?" in msg
    assert len(info.value.problems) == 1
    with pytest.raises(ssproj.ScenarioError, match=r"demographic_variant = 3 is not a demographic variant"):
        _project(root, "lao", variant=3)
    with pytest.raises(ssproj.ScenarioError, match="declares none"):
        _project(root, "lao_tidy", variant="high")  # the tidy extracts give no variants
    assert main(["validate", str(bad)]) == 1


def _set_with(tmp_path: Path, sets, edit) -> Path:
    """A copy of the UN Lao set whose assumptions.yaml is edited by ``edit(doc)``."""
    folder = tmp_path / "assumptions" / "lao_edit"
    shutil.copytree(sets["un1"], folder)
    doc = yaml.safe_load((folder / "assumptions.yaml").read_text())
    edit(doc)
    (folder / "assumptions.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    (tmp_path / "scenarios").mkdir(exist_ok=True)
    return folder


def test_bad_variant_declarations_are_clear_errors(sets, tmp_path):
    def edit(doc):
        doc["variants"]["high"]["tables"]["insured"] = doc["variants"]["high"]["tables"]["tfr"]
        doc["variants"]["Bad-Name"] = {"tables": {}}
        doc["variants"]["low"]["extra"] = 1
        doc["variants"]["zero_migration"]["tables"]["net_migration"]["file"] = "demography/none.csv"

    folder = _set_with(tmp_path, sets, edit)
    with pytest.raises(ssproj.ScenarioError) as info:
        load_assumptions(folder / "assumptions.yaml")
    msg = str(info.value)
    assert "variants.high.tables.insured" in msg and "is a scheme table" in msg
    assert "variants.Bad-Name" in msg and "not a valid variant name" in msg
    assert "variants.low.extra" in msg
    assert "variants.zero_migration.tables.net_migration.file = 'demography/none.csv' names a file that does not " \
           "exist" in msg
    # through a scenario: the missing file of the selected variant is cited at its entry
    folder2 = _set_with(tmp_path / "s2", sets, lambda d: d["variants"]["zero_migration"]["tables"]["net_migration"]
                        .update(file="demography/none.csv"))
    with pytest.raises(ssproj.ScenarioError, match=r"assumptions.yaml:\d+: variants\.zero_migration\.tables\."
                                                    r"net_migration\.file = 'demography/none.csv' names a file"):
        ssproj.load_scenario({"assumptions": str(folder2), "projection": {"start_year": 2020, "end_year": 2029},
                              "demographic_variant": "zero_migration"}, base_dir=tmp_path / "s2")


# --------------------------------------------------------------------------- re-runs, formats


def test_rerun_is_byte_identical_and_overwrite_drops_old_variants(tmp_path):
    first = import_quiet(UN, LAO, tmp_path / "a").parent
    import_quiet(UN, LAO, tmp_path / "b")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert len(files) == 1 + 9 + 6  # high and low: fertility, tfr; zero_migration: net_migration(_total)
    for rel in files:
        assert (tmp_path / "b" / rel).read_bytes() == (first / rel).read_bytes(), rel
    with pytest.raises(FileExistsError, match="overwrite"):
        import_wpp(UN, LAO, first, variants=["low"])
    import_wpp(UN, LAO, first, variants=["low"], overwrite=True)
    assert sorted(p.name for p in (first / "demography" / "variants").iterdir()) == ["low"]
    import_wpp(TIDY, LAO, first, overwrite=True)  # the tidy extracts: no variants left behind
    assert not (first / "demography" / "variants").exists()
    assert "variants" not in yaml.safe_load((first / "assumptions.yaml").read_text())


def test_uncompressed_files_and_other_names_of_the_folder(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    for p in UN.glob("*.csv.gz"):
        header, rows = read_un(p.name)
        write_un(plain, p.name[: -len(".gz")], header, rows, compress=False)
    (plain / "README.txt").write_text("my notes\n")
    (plain / "WPP2024_TotalPopulationBySex.csv").write_text("SortOrder,LocID\n")  # a UN file ssproj does not use
    a = import_quiet(UN, LAO, tmp_path / "gz").parent
    b = import_quiet(plain, LAO, tmp_path / "plain_out").parent
    for p in sorted((a / "demography").rglob("*.csv")):
        assert (b / p.relative_to(a)).read_bytes() == p.read_bytes(), p.name
    assert "WPP2024_TotalPopulationBySex.csv" in yaml.safe_load((b / "assumptions.yaml").read_text())[
        "sources"]["wpp2024"]["notes"]


def test_cambodia_gets_a_currency_from_the_command_line(tmp_path):
    with pytest.warns(WPPImportWarning, match="no currency is known for Cambodia"):
        with pytest.warns(WPPImportWarning, match="constant_mortality"):
            doc = yaml.safe_load(import_wpp(UN, CAMBODIA, tmp_path / "c").read_text())
    assert (doc["name"], doc["currency"], doc["country_code"]) == ("cambodia", "XXX", 116)
    path = import_quiet(UN, CAMBODIA, tmp_path / "k", currency="KHR")
    assert yaml.safe_load(path.read_text())["currency"] == "KHR"
    load_assumptions(path)


# --------------------------------------------------------------------------- bad files


def test_missing_files_name_what_to_download(tmp_path):
    folder = un_source(tmp_path, drop=("WPP2024_Life_Table_Abridged_Medium_2024-2100.csv.gz",
                                       "WPP2024_Demographic_Indicators_Medium.csv.gz"), single_ages=False)
    msg = un_error(tmp_path, folder)
    assert "life table file missing: download WPP2024_Life_Table_Abridged_Medium_2024-2100.csv.gz from " \
           "https://population.un.org/wpp/downloads" in msg
    assert "no demographic indicators file: download WPP2024_Demographic_Indicators_Medium.csv.gz" in msg
    jan = un_source(tmp_path, drop=("WPP2024_PopulationByAge5GroupSex_Medium.csv.gz",), single_ages=False,
                    name="jan")
    shutil.copy(UN / "WPP2024_PopulationByAge5GroupSex_Medium.csv.gz",
                jan / "WPP2024_Population1JanuaryByAge5GroupSex_Medium.csv.gz")
    msg = un_error(tmp_path, jan)
    assert "no population file" in msg and "at 1 January" in msg and "1 July" in msg


def test_folder_with_no_or_both_formats(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "WPP2022_Demographic_Indicators_Medium.zip").write_bytes(b"PK")
    msg = un_error(tmp_path, empty)
    assert "no WPP 2024 files found" in msg and "WPP2022_Demographic_Indicators_Medium.zip" in msg
    both = un_source(tmp_path)
    shutil.copy(TIDY / "population_by_age5_sex.csv", both)
    assert "holds both the UN's CSV downloads" in un_error(tmp_path, both)


def test_unknown_location_lists_the_codes(tmp_path):
    msg = un_error(tmp_path, UN, code=999)
    assert "unknown location code 999; codes present: 116 (Cambodia), 418 (Lao People's Democratic Republic)" in msg


def test_bad_values_name_file_line_and_column(tmp_path):
    folder = un_source(tmp_path, single_ages=False)

    def bad_population(header, rows):
        i, j = header.index("PopMale"), header.index("PopTotal")
        rows[2][i] = "12.3x"
        rows[3][j] = str(float(rows[3][j]) + 5)
        return header, rows

    def srb_as_ratio(header, rows):
        i = header.index("SRB")
        rows[0][i] = "1.053"
        return header, rows

    def no_asfr(header, rows):
        i = header.index("ASFR")
        return header[:i] + header[i + 1:], [r[:i] + r[i + 1:] for r in rows]

    edit_un(folder, "WPP2024_PopulationByAge5GroupSex_Medium.csv.gz", bad_population)
    edit_un(folder, "WPP2024_Demographic_Indicators_Medium.csv.gz", srb_as_ratio)
    edit_un(folder, "WPP2024_Fertility_by_Age5.csv.gz", no_asfr)
    msg = un_error(tmp_path, folder)
    assert "WPP2024_Fertility_by_Age5.csv.gz:1: missing column 'ASFR'" in msg
    folder2 = un_source(tmp_path, single_ages=False, name="un2")
    edit_un(folder2, "WPP2024_PopulationByAge5GroupSex_Medium.csv.gz", bad_population)
    edit_un(folder2, "WPP2024_Demographic_Indicators_Medium.csv.gz", srb_as_ratio)
    msg = un_error(tmp_path, folder2)
    assert "WPP2024_PopulationByAge5GroupSex_Medium.csv.gz:4: PopMale: '12.3x' is not a number" in msg
    assert re.search(r"WPP2024_PopulationByAge5GroupSex_Medium.csv.gz:5: PopMale \+ PopFemale = [\d.]+ thousand "
                     r"differs from PopTotal", msg)
    assert "WPP2024_Demographic_Indicators_Medium.csv.gz:2: SRB: 1.053 is not males per 100 female births" in msg
    assert "age groups incomplete" in msg  # the row with the bad value is missing from its year


def test_gaps_duplicates_and_horizons(tmp_path):
    folder = un_source(tmp_path, single_ages=False)

    def drop_year(header, rows):
        t = header.index("Time")
        return header, [r for r in rows if not (r[1] == "418" and r[t] == "2026")]

    def duplicate(header, rows):
        return header, rows + [rows[0]]

    def short(header, rows):
        t = header.index("Time")
        return header, [r for r in rows if not (r[1] == "418" and r[t] == "2029")]

    edit_un(folder, "WPP2024_Life_Table_Abridged_Medium_2024-2100.csv.gz", drop_year)
    edit_un(folder, "WPP2024_Fertility_by_Age5.csv.gz", duplicate)
    msg = un_error(tmp_path, folder)  # every problem at once
    assert "life tables, Medium variant: years missing: 2026" in msg
    assert "WPP2024_Fertility_by_Age5.csv.gz:310: duplicated row: variant/year/age Medium 2020 15 (lines 2 and " \
           "310)" in msg
    folder2 = un_source(tmp_path, single_ages=False, name="un2")
    edit_un(folder2, "WPP2024_Demographic_Indicators_Medium.csv.gz", short)
    assert "the files end in different years: life tables 2029, fertility 2029, indicators 2028" in \
        un_error(tmp_path, folder2)


def test_a_damaged_file_is_reported(tmp_path):
    folder = un_source(tmp_path, single_ages=False)
    data = (folder / "WPP2024_Fertility_by_Age5.csv.gz").read_bytes()
    (folder / "WPP2024_Fertility_by_Age5.csv.gz").write_bytes(data[: len(data) // 2])
    assert "WPP2024_Fertility_by_Age5.csv.gz: cannot be read" in un_error(tmp_path, folder)


def test_variants_asked_for_must_exist_and_be_buildable(tmp_path):
    msg = un_error(tmp_path, UN, variants=["hihg", "constant_mortality"])
    assert "demographic variant 'hihg' is not in the files; variants present: constant_mortality, high, low, " \
           "zero_migration; did you mean 'high'?" in msg
    assert "demographic variant 'constant_mortality' (Constant mortality) cannot be imported: its mortality " \
           "differs from the Medium variant's" in msg
    no_other = un_source(tmp_path, drop=("WPP2024_Demographic_Indicators_OtherVariants.csv.gz",))
    msg = un_error(tmp_path, no_other, variants=["high"])
    assert "cannot be imported: the indicators files" in msg  # High is in the fertility files only
    with pytest.raises(WPPImportError, match="the tidy wpp2024 extracts hold the medium variant only"):
        import_wpp(TIDY, LAO, tmp_path / "t", variants=["high"])


# --------------------------------------------------------------------------- command line


def test_cli_imports_with_currency_and_variants(tmp_path, capsys):
    out = tmp_path / "assumptions" / "cambodia"
    code = main(["import-wpp", "--source", str(UN), "--country", "116", "--currency", "KHR",
                 "--variants", "low,high", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert f"wrote assumption set {out / 'assumptions.yaml'}" in printed
    assert "demographic variants (a scenario's demographic_variant): medium, low, high" in printed
    assert main(["import-wpp", "--source", str(UN), "--country", "116", "--variants", "nope",
                 "--out", str(tmp_path / "x")]) == 1
    assert "demographic variant 'nope' is not in the files" in capsys.readouterr().err


def _blocks(markdown: str, language: str) -> list[str]:
    """The code blocks of one language, dedented (blocks inside list items are indented)."""
    return [textwrap.dedent(b) for b in re.findall(rf"```{language}\n(.*?)\n *```", markdown, flags=re.DOTALL)]


def test_the_documented_cambodia_example_runs(tmp_path, monkeypatch, capsys):
    """docs/assumptions.md, "Making a set for another country": its commands, on the fixtures.

    The only change is the folder of the UN's files (``--source``): the
    fixtures' location 116 stands in for the real download.
    """
    page = (ROOT / "docs" / "assumptions.md").read_text(encoding="utf-8")
    section = page.split("## Making a set for another country", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for block in _blocks(section, "bash") for line in block.splitlines()
                if line.strip().startswith("ssproj ")]
    files = {}
    for block in _blocks(section, "yaml"):
        first, _, body = block.partition("\n")
        assert first.startswith("# scenarios/"), f"a scenario block must start with its file name: {first}"
        files[first[2:].strip()] = body
    assert any(c.startswith("ssproj import-wpp") and "--country 116" in c for c in commands)
    assert "scenarios/cambodia_baseline.yaml" in files and "scenarios/cambodia_high.yaml" in files
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    for command in commands:
        argv = command.split()[1:]
        if argv[0] == "import-wpp":
            argv[argv.index("--source") + 1] = str(UN)
            with pytest.warns(WPPImportWarning, match="constant_mortality"):
                assert main(argv) == 0, capsys.readouterr().err
        else:
            assert main(argv) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "ok: " in printed
    sc = ssproj.load_scenario(tmp_path / "scenarios" / "cambodia_high.yaml")
    assert sc.assumptions.currency == "KHR" and sc.provenance["demographic_variant"] == "high"
