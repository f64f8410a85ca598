# The two ways in: `make run` serves the platform, `make test` runs the suite.
VENV ?= .venv
PY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)

.PHONY: run test bootstrap bench unit lint clean

bootstrap:
	@bash scripts/bootstrap.sh

run: bootstrap
	@$(PY) -m tools.platform run

test:
	@bash scripts/bootstrap.sh --with-postgres
	@$(PY) -m pytest tests $(PYTEST_ARGS)

unit: bootstrap
	@$(PY) -m pytest tests/unit -q

bench: bootstrap
	@$(PY) -m tools.bench $(BENCH_ARGS)

clean:
	rm -rf data .pytest_cache
