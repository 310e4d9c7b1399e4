"""The interactive explorer (ssproj.explore, ``ssproj explore``).

Three layers, each checked for its own job:

- the levers (``ssproj.explore.levers``): which scenario changes each lever
  makes, checked on the changed scenario's resolved values;
- the state and the app without a browser (``Explorer``, ``ExplorerApp``): a
  lever moved as the browser moves it (the widget's throttled value) gives
  the headline figures and chart series of a projection of the changed
  scenario made directly; the levers that reproduce a shipped financing
  option give that option's figures, projected from its own file (the
  independent truth); an invalid value shows the validation message; the
  app displays in a Jupyter kernel and moves from code there;
- the page in headless Chromium (Debian's package, driven by Playwright): it
  loads with no console error and no request to another host, and moving a
  lever changes an indicator and a chart's data. In CI (``CI=true``) a
  missing Chromium or Playwright is a failure; locally those tests are
  skipped with the reason, as the report tests are (tests/test_reports.py).
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import nbclient
import nbformat
import numpy as np
import param
import pytest

import ssproj
from ssproj.cli import main
from ssproj.explore import Explorer, app, apply_levers, lever_changes, levers_for
from ssproj.explore.levers import KEEP, NO_CEILING
from ssproj.explore.session import state_cost
from ssproj.explore.webapp import SOURCE_NAMES, ExplorerApp, css_class, free_port

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
CHROMIUM = "/usr/bin/chromium"
#: Chromium's switches: nothing it does by itself may reach the network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def coverage():
    """A scenario with a strategy of six channels (every lever family)."""
    return ssproj.load_scenario(SCENARIOS / "lao_cov_all_activities.yaml")


@pytest.fixture(scope="module")
def baseline():
    return ssproj.load_scenario(SCENARIOS / "lao_baseline.yaml")


# ----------------------------------------------------------------- levers -> changes

def test_levers_of_a_scenario_at_rest_change_nothing(coverage):
    levers = levers_for(coverage)
    keys = [lv.key for lv in levers]
    assert keys[0] == "reform_year" and levers[0].initial == 2027
    for key in ("contribution_rate_employer[private]", "contribution_rate_employee[voluntary]", "long_term_share",
                "pensionable_age_male", "pensionable_age_female", "ceiling_rule", "indexation_price_weight",
                "indexation_extra", "contribution_rate_state[voluntary]", "deficit_financing", "strategy",
                "channel_scale[promoters]", "channel_scale[domestic_workers]"):
        assert key in keys
    # the state subsidy is offered for the groups without an employer (the voluntary members)
    assert [k for k in keys if k.startswith("contribution_rate_state")] == ["contribution_rate_state[voluntary]"]
    rest = {lv.key: lv.initial for lv in levers}
    assert rest["contribution_rate_employer[private]"] == 6.0 and rest["pensionable_age_female"] == 55
    assert rest["deficit_financing"] == "state_transfer" and rest["strategy"] is True
    changes = lever_changes(coverage, rest, levers)
    assert changes.empty
    assert apply_levers(coverage, changes) == (coverage, [])
    with pytest.raises(KeyError, match="not levers"):
        lever_changes(coverage, {"contribution_rate": 5})


@pytest.mark.parametrize("values, expected", [
    ({"contribution_rate_employer[private]": 8.0}, {"contribution_rate_employer": {"private": {2027: 0.08}}}),
    ({"reform_year": 2030, "contribution_rate_employee[public]": 9.0, "contribution_rate_employee[private]": 5.5},
     {"contribution_rate_employee": {"public": {2030: 0.09}}}),
    ({"contribution_rate_state[voluntary]": 3.0}, {"contribution_rate_state": {"voluntary": {2027: 0.03}}}),
    ({"pensionable_age_female": 58},
     {"pensionable_age_female": {g: {2027: 56, 2029: 57, 2031: 58} for g in ("public", "private", "voluntary")}}),
    ({"pensionable_age_male": 62, "pensionable_age_pace": 1},
     {"pensionable_age_male": {g: {2027: 61, 2028: 62} for g in ("public", "private", "voluntary")}}),
    ({"pensionable_age_pace": 1}, {}),  # the pace alone changes nothing
    ({"indexation_price_weight": 50.0, "indexation_extra": -1.0},
     {"indexation_price_weight": {2027: 0.5}, "indexation_extra": {2027: -0.01}}),
    ({"deficit_financing": "borrow"},
     {"deficit_financing": {"long_term": "borrow", "short_term": "borrow", "health": "borrow"}}),
    ({"ceiling_rule": "none"}, {"contribution_ceiling": {2027: NO_CEILING}}),
])
def test_lever_changes(coverage, values, expected):
    changes = lever_changes(coverage, values)
    assert changes.parameters == expected
    assert changes.strategy == KEEP


def test_pension_fund_share_keeps_the_shares_adding_up_to_one(coverage):
    changes = lever_changes(coverage, {"long_term_share": 70.0})
    changed, _notes = apply_levers(coverage, changes)
    years = [2026, 2027, 2060]
    lts = changed.path_values("long_term_share", years)
    np.testing.assert_allclose(lts[:, 0], 0.6)  # before the reform year: the scenario's
    np.testing.assert_allclose(lts[:, 1:], 0.7)
    branches = changed.path_values("contribution_share", years)
    np.testing.assert_allclose(lts[0] + branches.sum(axis=0), 1.0)
    base = coverage.path_values("contribution_share", [2027])[:, 0]
    np.testing.assert_allclose(branches[:, 1], base * 0.3 / 0.4)  # in their present proportions


@pytest.mark.parametrize("rule", ["frozen", "wages", "minimum_wage", "none"])
def test_ceiling_rules(coverage, rule):
    changed, _notes = apply_levers(coverage, lever_changes(coverage, {"ceiling_rule": rule, "ceiling_multiple": 4.0}))
    years = np.arange(2020, 2101)
    new = changed.path_values("contribution_ceiling", years)
    old = coverage.path_values("contribution_ceiling", years)
    before = years < 2027
    np.testing.assert_array_equal(new[before], old[before])
    after = ~before
    if rule == "frozen":
        np.testing.assert_allclose(new[after], old[years == 2027][0])
    elif rule == "wages":  # the scenario's own rule after 2026 (indexed to wages): unchanged
        np.testing.assert_allclose(new[after], old[after])
    elif rule == "minimum_wage":
        np.testing.assert_allclose(new[after], 4.0 * coverage.path_values("minimum_wage", years[after]), rtol=1e-9)
    else:
        np.testing.assert_allclose(new[after], NO_CEILING)


def test_strategy_levers(coverage):
    assert lever_changes(coverage, {"strategy": False}).strategy is None
    changes = lever_changes(coverage, {"channel_scale[promoters]": 2.0, "channel_scale[domestic_workers]": 0.5})
    assert changes.parameters == {}
    changed, _notes = apply_levers(coverage, changes)
    new = {c.name: c for c in changed.strategy.channels}
    old = {c.name: c for c in coverage.strategy.channels}
    years = np.arange(2025, 2101)
    for name, factor, scaled in (("promoters", 2.0, ("promoters", "cost_fixed")),
                                 ("domestic_workers", 0.5, ("registration_share", "cost_fixed"))):
        for q, path in old[name].quantities.items():
            expect = path.evaluate(years) * (factor if q in scaled else 1.0)
            np.testing.assert_allclose(new[name].quantities[q].evaluate(years), expect, rtol=1e-12)
    assert new["mobile_days"] == old["mobile_days"]
    # switched off, the scales do nothing
    assert lever_changes(coverage, {"strategy": False, "channel_scale[promoters]": 2.0}).strategy is None


def test_invalid_lever_values_give_the_validation_message(coverage):
    with pytest.raises(ssproj.ScenarioError, match=r"contribution_rate_employee\.private\[2027\] = 1\.5 is outside"):
        apply_levers(coverage, lever_changes(coverage, {"contribution_rate_employee[private]": 150.0}))
    with pytest.raises(ssproj.ScenarioError, match=r"registration_share.* is outside \[0, 1\]"):
        apply_levers(coverage, lever_changes(coverage, {"channel_scale[domestic_workers]": 3.0}))


@pytest.mark.filterwarnings("ignore:.*declares no insured groups")
def test_a_scenario_without_a_scheme_has_no_levers():
    tiny = ssproj.load_scenario(ROOT / "tests" / "data" / "scenarios" / "base.yaml")
    with pytest.raises(ValueError, match="no insured groups"):
        levers_for(tiny)


# ----------------------------------------------------------------- the explorer and the app, no browser

def _headline_truth(projection, reference):
    """The explorer's headline figures, from the public API: indicators, summary and compare."""
    ind = projection.indicators(horizons=(75,), milestones=())
    name = projection.dataset.attrs["scenario_name"]
    cmp = ssproj.compare([reference, projection], reference=0)
    state = cmp.row("cost_to_state_share_of_gdp").iloc[1]
    return {"depletion_year": float(ind["depletion_year"]), "gap": 100 * ind["gap_75"],
            "pv_shortfall_share_of_gdp": 100 * ind["pv_shortfall_75_share_of_gdp"],
            "contributors": float(projection.summary().loc[2050, "contributors"]),
            "state_cost_share_of_gdp": 100 * state, "name": name}


def _assert_headline(figures, truth):
    for key, value in figures.headline.items():
        if math.isnan(truth[key]):
            assert math.isnan(value), key
        else:
            assert value == pytest.approx(truth[key], rel=1e-10, abs=1e-12), key


@pytest.fixture(scope="module")
def baseline_explorer(baseline):
    return Explorer(baseline)


@pytest.mark.slow
@pytest.mark.parametrize("option, values", [
    ("lao_fin_indexation_prices_minus1.yaml", {"indexation_extra": -1.0}),
    ("lao_fin_indexation_mix.yaml", {"indexation_price_weight": 50.0}),
    ("lao_fin_state_subsidy.yaml", {"reform_year": 2026, "contribution_rate_state[voluntary]": 3.0}),
    ("lao_fin_ceiling_frozen.yaml", {"reform_year": 2024, "ceiling_rule": "frozen"}),
])
def test_levers_reproduce_the_shipped_financing_options(baseline_explorer, option, values):
    """The levers that make a shipped option give its figures, projected from its own file."""
    explorer = baseline_explorer.fresh()
    update = explorer.set(**values)
    assert update.ok, update.message
    shipped = ssproj.project(ssproj.load_scenario(SCENARIOS / option))
    reference = baseline_explorer.reference.projection
    _assert_headline(update.figures, _headline_truth(shipped, reference))
    s = shipped.summary().dropna(subset=["total_outgo"])
    np.testing.assert_allclose(update.figures.series["reserve_share_of_gdp"], 100 * s["reserve_share_of_gdp"])
    np.testing.assert_allclose(update.figures.series["contributors"], s["contributors"])
    # the reference stays the scenario at rest
    _assert_headline(explorer.reference, _headline_truth(reference, reference))
    assert explorer.reset().changes.empty and explorer.last.figures.headline == explorer.reference.headline


@pytest.mark.slow
def test_app_starts_from_another_scenario(baseline_explorer):
    rise = ssproj.load_scenario(SCENARIOS / "lao_fin_contribution_rise.yaml")
    ex = ExplorerApp(baseline_explorer.fresh(), {"rise": rise})
    assert ex._start.options == ["lao_baseline", "rise"]
    ex._start.value = "rise"  # as the browser chooses it
    assert ex.explorer.scenario is rise
    reference = baseline_explorer.reference.projection
    _assert_headline(ex.explorer.last.figures, _headline_truth(ssproj.project(rise), reference))
    _assert_headline(ex.explorer.reference, _headline_truth(reference, reference))  # the same reference
    # its levers start from its own values: the employers' rate of enterprise employees in 2027 is 7%
    assert ex.widgets["contribution_rate_employer[private]"].value == 7.0
    update = ex.set("contribution_rate_employer[private]", 9.0)
    direct = ssproj.project(rise.with_changes({"contribution_rate_employer": {"private": {2027: 0.09}}}))
    _assert_headline(update.figures, _headline_truth(direct, reference))
    assert ex.start_from("lao_baseline").changes.empty
    assert ex.explorer.scenario is baseline_explorer.scenario
    with pytest.raises(KeyError, match="not a scenario to start from"):
        ex.start_from("nothing")


@pytest.mark.slow
def test_state_cost_is_that_of_the_comparison(baseline_explorer):
    reference = baseline_explorer.reference.projection
    borrow = ssproj.project(baseline_explorer.scenario.with_changes({"contribution_rate_state": {"voluntary": 0.05}}))
    expect = ssproj.compare([reference, borrow]).row("cost_to_state_share_of_gdp").iloc[1]
    assert state_cost(borrow, reference) == pytest.approx(expect, rel=1e-12)
    assert state_cost(reference, reference) > 0  # the pensions the state pays, its transfers


@pytest.fixture(scope="module")
def coverage_app(coverage):
    return app(coverage)


def _move_as_the_browser(widget, value):
    """What a move in the browser does to the widget: its value, then its throttled value (sliders)."""
    if "value_throttled" in widget.param:
        with param.edit_constant(widget):
            widget.param.update(value=value, value_throttled=value)
    else:
        widget.value = value


@pytest.mark.slow
def test_app_callbacks_update_the_indicators_and_charts(coverage_app, coverage):
    ex = coverage_app
    ex.reset()
    before = dict(ex._sources["now"].data)
    _move_as_the_browser(ex.widgets["contribution_rate_employer[private]"], 8.0)
    update = ex.explorer.last
    assert update.ok and ex.explorer.values == {"contribution_rate_employer[private]": 8.0}
    direct = ssproj.project(coverage.with_changes({"contribution_rate_employer": {"private": {2027: 0.08}}}))
    truth = _headline_truth(direct, ex.explorer.reference.projection)
    _assert_headline(update.figures, truth)
    assert f"{truth['pv_shortfall_share_of_gdp']:.2f}%" in ex._headline.object
    s = direct.summary().dropna(subset=["total_outgo"])
    now = ex._sources["now"].data
    np.testing.assert_allclose(now["reserve_share_of_gdp"], 100 * s["reserve_share_of_gdp"])
    assert not np.allclose(now["reserve_share_of_gdp"], before["reserve_share_of_gdp"])
    assert "changes:\n  contribution_rate_employer:\n    private:\n      2027: 0.08\n" in ex._changes.object
    assert "changed, validated and projected in" in ex._status.object
    # the strategy switched off: the scenario without it; the channel scales are disabled
    _move_as_the_browser(ex.widgets["strategy"], False)
    assert ex.widgets["channel_scale[promoters]"].disabled
    direct = ssproj.project(coverage.with_changes({"contribution_rate_employer": {"private": {2027: 0.08}}})
                            .with_strategy(None))
    _assert_headline(ex.explorer.last.figures, _headline_truth(direct, ex.explorer.reference.projection))
    assert ex.explorer.last.scenario.strategy is None
    ex.reset()
    assert ex.widgets["strategy"].value is True and not ex.widgets["channel_scale[promoters]"].disabled
    assert ex.widgets["contribution_rate_employer[private]"].value == 6.0
    assert ex.explorer.last.figures.headline == ex.explorer.reference.headline
    assert "Every lever at rest" in ex._status.object


@pytest.mark.slow
def test_app_shows_the_validation_message_not_a_traceback(coverage_app):
    ex = coverage_app
    ex.reset()
    shown = ex._headline.object
    ex.set("contribution_rate_employee[private]", 150.0)
    assert not ex.explorer.last.ok and ex._error.visible
    assert "contribution_rate_employee.private[2027] = 1.5 is outside [0, 1]" in ex._error.object
    assert "Traceback" not in ex._error.object
    assert ex._headline.object == shown  # the figures of the last valid values
    ex.set("contribution_rate_employee[private]", 6.5)
    assert ex.explorer.last.ok and not ex._error.visible
    assert ex.explorer.values == {"contribution_rate_employee[private]": 6.5}
    ex.reset()


@pytest.mark.slow
def test_app_shows_the_banner_and_displays_in_a_notebook(coverage_app):
    assert "ASSUMED INPUTS" in coverage_app._banner.object
    bundle = coverage_app._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "text/html" in data
    assert coverage_app.__panel__() is coverage_app.layout


@pytest.mark.slow
def test_app_runs_in_a_jupyter_kernel(baseline_explorer):
    """In a notebook, the app is the cell's output (Panel's JavaScript inlined, no CDN); it moves from code."""
    nb = nbformat.v4.new_notebook()
    baseline_file = str(SCENARIOS / "lao_baseline.yaml")
    nb.cells = [
        nbformat.v4.new_code_cell(f"import sys; sys.path.insert(0, {str(ROOT / 'src')!r})\n"
                                  "import ssproj, ssproj.explore\n"
                                  f"ex = ssproj.explore.app(ssproj.load_scenario({baseline_file!r}))\n"
                                  "ex"),
        nbformat.v4.new_code_cell("print(repr(ex.set('indexation_extra', -1.0).figures.headline['gap']))"),
    ]
    nbclient.NotebookClient(nb, timeout=900, kernel_name="python3").execute()
    outputs = [o for c in nb.cells for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    app_output = nb.cells[0].outputs[-1]
    assert app_output.output_type == "execute_result"
    assert "application/vnd.holoviews_exec.v0+json" in app_output.data
    html_parts = [o.data["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert html_parts and not any("cdn." in h for h in html_parts)
    direct = ssproj.project(baseline_explorer.scenario.with_changes({"indexation_extra": {2027: -0.01}}))
    gap = float(nb.cells[1].outputs[0].text)
    assert gap == pytest.approx(100 * direct.indicators(horizons=(75,))["gap_75"], rel=1e-10)


# ----------------------------------------------------------------- command line

def test_cli_explore_help_and_errors(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["explore", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--port" in out and "--reference" in out
    with pytest.raises(SystemExit) as exc:
        main(["explore", "x.yaml", "--port", "70000"])
    assert exc.value.code == 2
    assert main(["explore", str(tmp_path / "missing.yaml")]) == 1
    assert "ERROR:" in capsys.readouterr().err


def test_the_command_line_does_not_import_panel():
    """Panel is imported by the explorer only: no other command pays for it."""
    code = "import sys, ssproj.cli, ssproj.explore; print([m for m in ('panel', 'bokeh') if m in sys.modules])"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# ----------------------------------------------------------------- the page in headless Chromium

def _playwright():
    message = None
    if not Path(CHROMIUM).exists():
        message = ("chromium is not installed: run 'make test' (it installs Debian's chromium) or "
                   "'apt-get install -y --no-install-recommends chromium'")
    try:
        from playwright.sync_api import sync_playwright  # test extra; never 'playwright install'
    except ImportError:
        message = message or "playwright is not installed: pip install -e '.[test]'"
    if message:
        if IN_CI:
            pytest.fail(f"CI=true and {message}")
        pytest.skip(message)
    return sync_playwright


@pytest.fixture(scope="module")
def server():
    """``ssproj explore`` on a free port, in a subprocess, until the module's tests end."""
    _playwright()
    port = free_port()
    cmd = [sys.executable, "-m", "ssproj.cli", "explore", str(SCENARIOS / "lao_cov_all_activities.yaml"),
           "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONUNBUFFERED": "1"})
    lines = []
    try:
        deadline = time.monotonic() + 900  # a cold Numba cache compiles the kernels first
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip())
            if "serving http://" in line or time.monotonic() > deadline:
                break
        assert any("serving http://" in line for line in lines), "\n".join(lines)
        assert any(line.startswith("warm:") for line in lines), "\n".join(lines)
        yield f"http://localhost:{port}/", lines
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.slow
def test_explorer_page_in_headless_chromium(server, tmp_path):
    url, _lines = server
    sync_playwright = _playwright()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            requests, errors = [], []
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url, wait_until="networkidle", timeout=120_000)
            cell = page.locator("td.ssproj-value[data-key='pv_shortfall_share_of_gdp']")
            cell.wait_for(timeout=60_000)
            status = page.locator(".ssproj-seconds")
            assert status.get_attribute("data-update") == "1"
            assert "ASSUMED INPUTS" in page.locator(".ssproj-banner").inner_text()
            before = cell.inner_text()
            read = ("() => Array.from(Bokeh.documents[0].get_model_by_name('" + SOURCE_NAMES["now"]
                    + "').data.reserve_share_of_gdp)")
            reserve_before = page.evaluate(read)
            # move a lever: type the private employers' rate in its box, as a user does
            box = page.locator(f".{css_class('contribution_rate_employer[private]')} input").first
            box.fill("9")
            t0 = time.perf_counter()
            box.press("Enter")
            page.locator(".ssproj-seconds[data-update='2']").wait_for(timeout=60_000)  # (CSS pierces shadow roots)
            latency = time.perf_counter() - t0
            after = cell.inner_text()
            reserve_after = page.evaluate(read)
            page.screenshot(path=str(tmp_path / "explore.png"), full_page=True)
            print(f"lever -> indicator in the browser: {latency:.2f} s (on the server: "
                  f"{float(status.get_attribute('data-seconds') or 'nan'):.2f} s); pv shortfall {before} -> {after}")
            assert after != before
            assert reserve_after != reserve_before and len(reserve_after) == len(reserve_before)
            assert "projected in" in status.inner_text()
            assert not errors, errors
            hosts = {urlparse(u).hostname for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")}
            assert hosts <= {"localhost", "127.0.0.1"}, hosts
        finally:
            browser.close()
