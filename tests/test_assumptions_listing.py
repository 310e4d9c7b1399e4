"""``ssproj assumptions``: every input of a scenario with its value, layer, source and confidence."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import ssproj
from ssproj.cli import main
from ssproj.reporting.assumptions import ASSUMPTION_COLUMNS, UNMARKED, assumption_table, value_text
from ssproj.scenario.parameters import load_parameter_specs
from ssproj.scenario.timepath import TimePath

ROOT = Path(__file__).resolve().parents[1]
LAO = ROOT / "scenarios" / "lao_baseline.yaml"


@pytest.fixture(scope="module")
def lao():
    return ssproj.load_scenario(LAO)


def test_every_parameter_of_the_set_is_listed_with_its_own_mark(lao):
    table = assumption_table(lao)
    assert tuple(table.columns) == ASSUMPTION_COLUMNS
    params = table[table["kind"] == "parameter"]
    specs = load_parameter_specs()
    # one row per global parameter, one per entity for the others
    expected = sum(len(lao.value(n)) if s.per else 1 for n, s in specs.items())
    assert len(params) == expected
    for name, given in lao.assumptions.parameters.items():
        rows = params[params["name"] == name]
        if specs[name].per:  # the entities the set gives carry its mark; the others the default's
            for entity in given.value:
                row = rows[rows["entity"] == entity].iloc[0]
                assert (row["origin"], row["confidence"], row["source"]) == ("assumptions", given.confidence,
                                                                             given.source)
        else:
            (row,) = rows.itertuples()
            assert (row.origin, row.confidence, row.source) == ("assumptions", given.confidence, given.source)
            assert row.notes == (given.notes or "")
    at_default = params[~params["name"].isin(list(lao.assumptions.parameters))]
    assert set(at_default["origin"]) == {"defaults"} and set(at_default["confidence"]) == {"assumed"}
    tables = table[table["kind"] == "table"]
    assert list(tables["name"]) == list(lao.provenance["tables"])
    assert list(tables["confidence"]) == [t["confidence"] for t in lao.provenance["tables"].values()]


def test_a_scenario_change_is_listed_as_the_scenario_s(lao):
    sc = lao.with_changes({"contribution_rate_employee": {"private": 0.06}, "widow_rate": 0.35})
    t = assumption_table(sc).set_index(["name", "entity"])
    assert t.loc[("contribution_rate_employee", "private"), "origin"] == "scenario"
    assert t.loc[("contribution_rate_employee", "private"), "value"] == "0.06"
    assert t.loc[("contribution_rate_employee", "public"), "origin"] == "assumptions"
    assert t.loc[("widow_rate", ""), "value"] == "0.35"
    assert t.loc[("widow_rate", ""), "origin"] == "scenario"


def test_channels_carry_their_confidence_or_are_listed_unmarked(tmp_path):
    path = ROOT / "scenarios" / "lao_cov_promoters.yaml"
    sc = ssproj.load_scenario(path)
    t = assumption_table(sc)
    ch = t[t["kind"] == "channel"]
    assert list(ch["name"]) == [f"promoters.{q}" for q in sc.strategy.channels[0].quantities]
    assert set(ch["confidence"]) == {"assumed"} and set(ch["entity"]) == {"voluntary"}
    assert ch.set_index("name").loc["promoters.registrations_per_promoter", "value"] == "6"
    # the same channel without its confidence line
    text = path.read_text().replace("      confidence: assumed\n", "", 1)
    text = text.replace("extends: lao_baseline.yaml", f"extends: {ROOT / 'scenarios' / 'lao_baseline.yaml'}", 1)
    (tmp_path / "s.yaml").write_text(text)
    t = assumption_table(ssproj.load_scenario(tmp_path / "s.yaml"))
    assert set(t[t["kind"] == "channel"]["confidence"]) == {UNMARKED}


def test_a_channel_confidence_must_be_a_mark(tmp_path):
    path = ROOT / "scenarios" / "lao_cov_promoters.yaml"
    text = path.read_text().replace("      confidence: assumed\n", "      confidence: guessed\n", 1)
    text = text.replace("extends: lao_baseline.yaml", f"extends: {ROOT / 'scenarios' / 'lao_baseline.yaml'}", 1)
    (tmp_path / "s.yaml").write_text(text)
    with pytest.raises(ssproj.errors.ScenarioError, match=r"strategy\.channels\.promoters\.confidence"):
        ssproj.load_scenario(tmp_path / "s.yaml")


@pytest.mark.parametrize(("value", "text"), [
    (0.0125, "0.0125"), (4_500_000.0, "4,500,000"), (2.5e-5, "2.5e-05"), (True, "true"), ("last_years", "last_years"),
    (TimePath.from_yaml(0.3), "0.3"),
    (TimePath.from_yaml({2020: 0.05, 2025: 0.08}), "2020: 0.05; 2025: 0.08"),
    (TimePath.from_yaml({2020: 1.0, 2021: 2.0, 2022: 3.0, 2023: 4.0, 2024: 5.0}),
     "2020: 1; 2021: 2; 2022: 3; ...; 2024: 5"),
])
def test_value_text(value, text):
    assert value_text(value) == text


def test_the_command_prints_counts_and_writes_the_whole_table(tmp_path, capsys, lao):
    out = tmp_path / "inputs.csv"
    assert main(["assumptions", str(LAO), "--confidence", "verified", "--csv", str(out)]) == 0
    printed = capsys.readouterr().out
    table = assumption_table(lao)
    given = table[table["origin"] != "defaults"]
    n = {c: int((given["confidence"] == c).sum()) for c in ("verified", "secondary", "assumed")}
    assert (f"{len(given)} inputs set by the assumption set or the scenario: {n['verified']} verified, "
            f"{n['secondary']} secondary, {n['assumed']} assumed") in printed
    lines = printed.splitlines()
    body = lines[lines.index(next(l for l in lines if l.startswith("input"))) + 1:]
    shown = [l for l in body if l and not l.startswith(("(", "wrote"))]
    assert len(shown) == n["verified"] and all(" verified " in l for l in shown)
    back = pd.read_csv(out, keep_default_na=False, dtype=str)
    assert back.shape == table.shape and list(back["name"]) == list(table["name"])


def test_piped_into_head_is_not_an_error():
    """The reader stops after 2 of some 330 lines: the command exits 0 without an error message."""
    proc = subprocess.run(["bash", "-o", "pipefail", "-c",
                           f"'{sys.executable}' -m ssproj.cli assumptions '{LAO}' --all | head -2"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.stdout.count("\n") == 2
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
