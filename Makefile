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

# The report tests open the HTML reports in headless Chromium (Debian's package).
# Installed here when missing and we are root (as in CI); otherwise the browser
# tests skip with a reason, except under CI=true, where they fail.
browser:
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y --no-install-recommends chromium; \
	elif [ -n "$$CI" ]; then echo "ERROR: Chromium is missing and cannot be installed without root" >&2; exit 1; \
	else echo "note: Chromium not found and not root: the browser tests will be skipped (sudo apt-get install chromium)"; fi

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
