"""Run the worked-analysis notebooks top to bottom and save them with their outputs.

    .venv/bin/python docs/dev/run_notebooks.py            # every notebook in docs/notebooks
    .venv/bin/python docs/dev/run_notebooks.py lao_uncertainty

The notebooks are stored with the outputs of the current code, charts included,
so that a reader sees them without running anything (on GitHub, in the docs).
`tests/test_notebooks.py` runs them again and fails when a stored output is no
longer what the code prints: after a change that moves a figure on purpose,
run this script and commit the notebooks with the change.

What varies from run to run is kept out of the stored file: cell timings are
not recorded, and `normalise_text` masks elapsed times such as ``in 2.3 s``.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
#: Elapsed times printed by a cell (``300 paths in 2.3 s``): the only text that may differ between runs.
_ELAPSED = re.compile(r"\b\d+(?:\.\d+)? s\b")


def normalise_text(text: str) -> str:
    """Text output with elapsed times masked, for comparing two runs of a notebook."""
    return _ELAPSED.sub("<t> s", text)


def execute(path: Path, timeout: int = 1800) -> nbformat.NotebookNode:
    """The notebook at `path`, executed in its own folder with a fresh kernel (outputs replaced)."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def main(names: list[str]) -> int:
    paths = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    if names:
        paths = [p for p in paths if p.stem in names]
        unknown = set(names) - {p.stem for p in paths}
        if unknown:
            print(f"no such notebook in {NOTEBOOKS_DIR}: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
    for path in paths:
        nb = execute(path)
        nb.metadata.pop("widgets", None)
        nbformat.write(nb, path)
        images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                     for o in c.get("outputs", []))
        print(f"wrote {path.relative_to(NOTEBOOKS_DIR.parents[1])} ({images} charts)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
