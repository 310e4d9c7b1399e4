# ssproj: the two commands of the README.
#   make baseline   set up (virtualenv + ssproj) and run the Lao PDR baseline
#   make test       set up (with test and docs tools, and Chromium for the report tests) and run the test suite
# Needs only Python >= 3.11 with venv and pip, and access to PyPI.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= results/lao_baseline

.PHONY: baseline test bench docs browser clean-numba-cache clean

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

# The report tests open the HTML reports in headless Chromium (Debian's package;
# CI runs as root). tests/test_reports.py fails without it when CI=true.
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)

baseline: $(VENV)/.ssproj-run
	$(BIN)/ssproj run scenarios/lao_baseline.yaml --out $(OUT)

test: $(VENV)/.ssproj-test clean-numba-cache browser
	$(BIN)/python -m pytest

bench: $(VENV)/.ssproj-run
	$(BIN)/python benchmarks/bench_population.py
	$(BIN)/python benchmarks/bench_scheme.py

docs: $(VENV)/.ssproj-test
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) docs/_build results .pytest_cache
