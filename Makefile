# ssproj: the two commands of the README.
#   make baseline   set up (virtualenv + ssproj) and run the Lao PDR baseline
#   make test       set up (with test and docs tools, and Chromium for the report and explorer tests), lint, run the test suite
# For contributors (CONTRIBUTING.md):
#   make lint       ruff (rules in pyproject.toml) and mypy on src/
#   make test-fast  lint and the quick tests (not the ones marked slow): under 2 minutes on 2 cores
# Needs only Python >= 3.11 with venv and pip, and access to PyPI.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= results/lao_baseline

.PHONY: baseline bytecode test test-fast lint bench docs browser clean-numba-cache clean

$(VENV)/.ssproj-run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.ssproj-test: pyproject.toml $(VENV)/.ssproj-run
	$(BIN)/python -m pip install --quiet -e ".[test,docs]"
	touch $@

# Numba's on-disk cache is not invalidated when a kernel *called* by a cached
# kernel changes in another module: start test runs from a clean cache.
clean-numba-cache:
	find src -name '*.nbi' -delete -o -name '*.nbc' -delete

# The report tests open the HTML reports, and the explorer's test its page (driven by Playwright), in headless
# Chromium (Debian's package; 'playwright install' is never needed).
# Installed here when missing and we are root (as in CI); otherwise the browser
# tests skip with a reason, except under CI=true, where they fail.
browser:
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y --no-install-recommends chromium; \
	elif [ -n "$$CI" ]; then echo "ERROR: Chromium is missing and cannot be installed without root" >&2; exit 1; \
	else echo "note: Chromium not found and not root: the browser tests will be skipped (sudo apt-get install chromium)"; fi

# An editable install is not byte-compiled as a wheel install is (and PYTHONDONTWRITEBYTECODE=1
# stops Python from doing it on first import): compile what changed, so every command starts faster.
bytecode:
	$(BIN)/python -m compileall -q src

baseline: $(VENV)/.ssproj-run bytecode
	$(BIN)/ssproj run scenarios/lao_baseline.yaml --out $(OUT)

lint: $(VENV)/.ssproj-test
	$(BIN)/ruff check src tests benchmarks docs/examples
	$(BIN)/mypy src

test: $(VENV)/.ssproj-test clean-numba-cache browser lint
	$(BIN)/python -m pytest

# The quick subset: everything but the tests marked slow (pyproject.toml, [tool.pytest.ini_options]), on
# every core (pytest-xdist). It keeps the Numba cache (a stale-cache doubt: make clean-numba-cache, or make test).
test-fast: $(VENV)/.ssproj-test lint
	$(BIN)/python -m pytest -m "not slow" -n auto -q

# Timings only (nothing asserted); run on a quiet machine (docs/benchmarks.md).
# The test extras bring psutil (memory of bench_stochastic.py).
bench: $(VENV)/.ssproj-test bytecode
	$(BIN)/python benchmarks/bench_population.py
	$(BIN)/python benchmarks/bench_scheme.py
	$(BIN)/python benchmarks/bench_project.py
	$(BIN)/python benchmarks/bench_stochastic.py

docs: $(VENV)/.ssproj-test
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) docs/_build results .pytest_cache .mypy_cache .ruff_cache
