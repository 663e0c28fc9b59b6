# The two commands of the README quickstart:
#   make demo   install kg and build the graph from seeds/ into out/ (no server needed)
#   make test   install everything the tests need (Python extras, Chromium) and run them all
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: demo test install install-test system-deps clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

install: $(PY)
	$(PIP) install -q -e .

install-test: $(PY)
	$(PIP) install -q -e '.[test,dask]'

system-deps:
	bash scripts/system-deps.sh

demo: install
	$(VENV)/bin/kg build seeds/ --out out/

test: install-test system-deps
	$(PY) -m pytest

clean:
	rm -rf out/ .pytest_cache
