"""The documentation builds without a single warning, and stays in step with the code.

The site is Sphinx + MyST Markdown (``docs/``). It is built here exactly as
CI and ``make docs`` build it, with warnings treated as errors, so that a
docstring that no longer parses, a module of the API reference that no
longer imports, or a broken link between pages fails the test suite.
"""
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _tail(text: str, lines: int = 80) -> str:
    return "\n".join(text.splitlines()[-lines:])


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    cmd = [
        sys.executable, "-m", "sphinx",
        "-W", "--keep-going",          # every warning is an error; report them all
        "-b", "html",
        "-d", str(tmp_path / "doctrees"),  # keep build caches out of the source tree
        str(DOCS), str(tmp_path / "html"),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, PYTHONWARNINGS="default"))
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, (
        f"sphinx-build failed (exit {proc.returncode}); rerun with\n  {' '.join(cmd)}\n"
        f"last lines of its output:\n{_tail(output)}"
    )
    for page in ("index", "getting-started", "methods/demography", "validation",
                 "reference/api", "reference/cli", "reference/parameters", "reference/glossary"):
        assert (tmp_path / "html" / f"{page}.html").is_file(), f"page {page} was not built"


def test_docs_config_fails_loudly_without_parameter_reference(monkeypatch):
    """A site without its parameter reference must not be published: conf.py raises."""
    from sphinx.errors import ConfigError

    import ssproj.scenario.parameters

    def broken():
        raise RuntimeError("defaults.yaml unreadable")

    monkeypatch.setattr(ssproj.scenario.parameters, "parameter_reference_markdown", broken)
    monkeypatch.setattr(sys, "path", list(sys.path))  # conf.py prepends src/; undo afterwards
    with pytest.raises(ConfigError, match=r"parameters\.md.*defaults\.yaml unreadable"):
        runpy.run_path(str(DOCS / "conf.py"))


def test_every_cli_command_is_documented():
    """Each ``ssproj`` command has its section in docs/reference/cli.md."""
    import argparse

    from ssproj.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    page = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    missing = [name for name in sub.choices if f"## `ssproj {name}`" not in page]
    assert not missing, (
        f"commands without a section in docs/reference/cli.md: {missing}; "
        "add a '## `ssproj NAME`' section with its options and an example"
    )
