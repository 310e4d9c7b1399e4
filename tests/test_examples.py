"""Every gallery script in docs/examples/ runs, as a user would run it.

Each script runs in a new Python process, from a temporary working folder
(the scripts find the repository from their own path), with the Agg
backend and ``SSPROJ_EXAMPLE_OUT`` pointing to a temporary folder. Scripts
named ``plot_*.py`` must save a real PNG figure there.
"""
import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.py"))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIN_PNG_BYTES = 10_000  # an empty or blank figure is far smaller


def test_examples_exist():
    assert any(p.name.startswith("plot_") for p in EXAMPLES), "no plot_*.py example in docs/examples/"


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_has_a_titled_docstring(script):
    doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8")))
    assert doc, f"{script.name}: start with a module docstring (title, then what it shows)"
    lines = doc.strip().splitlines()
    assert len(lines) >= 3 and set(lines[1]) == {"="}, (
        f"{script.name}: the docstring's first line is the title, underlined with '='"
    )


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script, tmp_path):
    out_dir = tmp_path / "out"
    work = tmp_path / "cwd"
    work.mkdir()
    env = dict(os.environ, MPLBACKEND="Agg", SSPROJ_EXAMPLE_OUT=str(out_dir))
    proc = subprocess.run([sys.executable, str(script)], cwd=work, env=env,
                          capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, (
        f"{script.name} exited with {proc.returncode}; last lines:\n"
        + "\n".join(output.splitlines()[-40:])
    )
    assert not any(work.iterdir()), f"{script.name} wrote into the working folder: {list(work.iterdir())}"
    if script.name.startswith("plot_"):
        pngs = sorted(out_dir.glob("*.png"))
        assert pngs, f"{script.name} saved no PNG in SSPROJ_EXAMPLE_OUT ({out_dir}); output:\n{output[-2000:]}"
        for png in pngs:
            data = png.read_bytes()
            assert data.startswith(PNG_SIGNATURE), f"{png.name} is not a PNG file"
            assert len(data) > MIN_PNG_BYTES, f"{png.name} is only {len(data)} bytes: an empty figure?"
