"""HTML reports and charts (ssproj.reporting), checked in a real headless browser.

The browser check opens each report in Debian's ``chromium`` (installed by
``make test``: see the Makefile), lets the page's inline script mark
``<body data-images-ok="true">`` once every embedded chart has loaded
(``complete && naturalWidth > 0``), and reads the rendered DOM back with
``--dump-dom``. In CI (``CI=true``) a missing Chromium is a failure;
locally the browser tests are skipped with the reason.
"""
import os
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

import ssproj
from ssproj.cli import main
from ssproj.reporting import plots
from ssproj.reporting.html import write_html

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
TINY = ROOT / "tests" / "data" / "scenarios"
IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


@pytest.fixture(scope="module")
def lao():
    return ssproj.project(ssproj.load_scenario(SCENARIOS / "lao_baseline.yaml"))


@pytest.fixture(scope="module")
def comparison(lao):
    rise = ssproj.project(ssproj.load_scenario(SCENARIOS / "lao_fin_contribution_rise.yaml"))
    return ssproj.compare([lao, rise], milestones=(2030, 2050, 2100))


@pytest.fixture(scope="module")
def reports(lao, comparison, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    return {"projection": write_html(lao, out / "lao.html"),
            "comparison": comparison.to_html(out / "cmp" / "report.html")}


# ------------------------------------------------------------------- plots

@pytest.mark.parametrize("func", [plots.population, plots.population_pyramid, plots.reserves_by_fund,
                                  plots.reserve_ratio, plots.cost_rate, plots.members, plots.coverage])
@pytest.mark.parametrize("target", ["projection", "dataset", "comparison"])
def test_every_plot_draws_on_the_given_axes(func, target, lao, comparison):
    obj = {"projection": lao, "dataset": lao.dataset, "comparison": comparison}[target]
    fig, ax = plt.subplots()
    try:
        assert func(obj, ax=ax) is ax
        assert ax.get_ylabel() and ax.get_title()
        assert ax.lines or ax.patches or ax.collections
        if target == "comparison" and func is not plots.population_pyramid:
            labels = " ".join(t.get_text() for t in ax.get_legend().get_texts())
            assert all(name in labels for name in comparison.names)
    finally:
        plt.close(fig)


def test_plots_make_their_own_axes_and_never_show(lao, comparison, monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() called"))
    ax = plots.population_pyramid(lao, 2050)
    assert "2050" in ax.get_title()
    ax2 = plots.scenario_series(comparison, "payg_cost_rate")
    assert ax2.get_ylabel() == "share of insured earnings"
    ax3 = plots.decomposition(comparison)
    assert len(ax3.patches) == 3 * len(comparison.decomposition())
    plt.close("all")
    with pytest.raises(ValueError, match="2300"):
        plots.population_pyramid(lao, 2300)
    with pytest.raises(TypeError, match="Projection"):
        plots.reserve_ratio("results.nc")


def test_scheme_plots_refuse_a_population_only_result():
    pop_only = ssproj.project(ssproj.load_scenario(TINY / "base.yaml"))
    assert "actives" not in pop_only.dataset
    with pytest.raises(ValueError, match="no scheme"):
        plots.cost_rate(pop_only)
    plt.close("all")


def test_style_file_is_package_data():
    assert plots.STYLE.is_file() and plots.STYLE.name == "ssproj.mplstyle"
    params = matplotlib.rc_params_from_file(str(plots.STYLE), use_default_template=False)
    assert params["axes.spines.top"] is False
    import tomllib

    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "*.mplstyle" in package_data["ssproj.reporting"] and "templates/*" in package_data["ssproj"]


# --------------------------------------------------------------- HTML text

def _charts_of(text):
    return re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="[^"]*" data-chart="([a-z_]+)"', text)


def _assert_self_contained(text):
    lowered = text.lower()
    for bad in ('src="http', "src='http", 'href="http', "href='http", "<script src", "<link ", "@import", "url("):
        assert bad not in lowered, f"external reference {bad!r} in the report"


def _assert_tables_have_units(text):
    tables = re.findall(r'<table class="report-table">.*?</table>', text, flags=re.S)  # not the provenance
    assert tables
    for table in tables:
        headers = re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", table, flags=re.S)
        assert "unit" in headers or all("[" in h for h in headers if h not in ("scenario", "year")), headers


def test_projection_report_content(reports, lao):
    text = reports["projection"].read_text(encoding="utf-8")
    assert _charts_of(text) == [cid for cid, *_ in plots.CHARTS]
    _assert_self_contained(text)
    _assert_tables_have_units(text)
    assert "Key figures by year" in text and "Long-range indicators" in text
    assert "persons at 1 July" in text and "billion LAK/year" in text
    # provenance: scenario, sources, version, seed
    prov = lao.provenance
    assert f"<dd>{prov['seed']}</dd>" in text and f"<dd>{ssproj.__version__}</dd>" in text
    assert "lao_baseline" in text and prov["assumptions"]["sha256"] in text
    assert all(key in text for key in prov["sources"])
    assert not list(reports["projection"].parent.glob("*.tmp"))


def test_comparison_report_content(reports, comparison):
    text = reports["comparison"].read_text(encoding="utf-8")
    # a contribution rise changes neither the population, the contributors nor the cost rate (outgo over
    # earnings): those charts are left out, and said so
    assert _charts_of(text) == ["state_cost", "reserve", "decomposition"]
    assert "Not drawn, equal in every scenario: Contributors, PAYG cost rate of the pension fund, Population" in text
    _assert_self_contained(text)
    _assert_tables_have_units(text)
    for caption in ("Summary: the scenarios ranked", "Comparison: one column per scenario",
                    "Differences from the reference", "Decomposition of the change in PAYG cost rate"):
        assert caption in text
    for name in comparison.names:
        assert f'<tr data-scenario="{name}">' in text  # each scenario's line of the one provenance section
    assert "demography [share of insured earnings]" in text


def test_population_only_report_has_no_scheme_charts(tmp_path):
    res = ssproj.project(ssproj.load_scenario(TINY / "base.yaml"))
    text = write_html(res, tmp_path / "pop.html").read_text(encoding="utf-8")
    assert _charts_of(text) == ["population", "pyramid"]
    assert "only the population is projected" in text


def test_report_is_written_atomically(lao, tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    target.write_text("old")
    import ssproj.reporting.html as h

    def boom(*a, **k):
        raise RuntimeError("rendering failed")

    monkeypatch.setattr(h, "render_html", boom)
    with pytest.raises(RuntimeError):
        lao.to_html(target)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.html"]


# ---------------------------------------------------------------- commands

@pytest.mark.slow
def test_cli_run_report_and_compare_write_html(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(TINY / "scheme_base.yaml"), "--out", str(out), "--html", "--quiet"]) == 0
    assert _charts_of((out / "report.html").read_text(encoding="utf-8"))
    assert main(["run", str(TINY / "scheme_base.yaml"), "--out", str(tmp_path / "plain"), "--quiet"]) == 0
    assert not (tmp_path / "plain" / "report.html").exists()
    capsys.readouterr()
    assert main(["report", str(out), "--html", str(tmp_path / "again.html")]) == 0
    assert "wrote html" in capsys.readouterr().out
    assert _charts_of((tmp_path / "again.html").read_text(encoding="utf-8"))
    cmp_out = tmp_path / "cmp"
    assert main(["compare", str(TINY / "scheme_base.yaml"), str(TINY / "scheme_child.yaml"),
                 "--out", str(cmp_out), "--quiet"]) == 0
    text = (cmp_out / "report.html").read_text(encoding="utf-8")
    assert "decomposition" in _charts_of(text)


# ----------------------------------------------------------------- browser

def _chromium():
    exe = shutil.which("chromium")
    if exe is None:
        message = ("chromium is not installed: run 'make test' (it installs Debian's chromium) or "
                   "'apt-get install -y --no-install-recommends chromium'")
        if IN_CI:
            pytest.fail(f"CI=true and {message}")
        pytest.skip(message)
    return exe


def _browse(exe, page: Path, profile: Path, *extra):
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--virtual-time-budget=10000", *extra, page.resolve().as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return proc


@pytest.mark.slow
@pytest.mark.parametrize("which", ["projection", "comparison"])
def test_report_renders_in_headless_chromium(which, reports, tmp_path):
    exe = _chromium()
    page = reports[which]
    dom = _browse(exe, page, tmp_path / "profile", "--dump-dom").stdout
    body = re.search(r"<body[^>]*>", dom)
    assert body, dom[:2000]
    n = len(_charts_of(page.read_text(encoding="utf-8")))
    assert f'data-images-loaded="{n}/{n}"' in body.group(0), body.group(0)
    assert 'data-images-ok="true"' in body.group(0), body.group(0)
    png = tmp_path / "shot.png"
    _browse(exe, page, tmp_path / "profile", "--hide-scrollbars", "--window-size=1200,1600",
            f"--screenshot={png}")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a real page, not a blank one
