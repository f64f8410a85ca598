# The two ways in: `make run` serves the platform, `make test` runs the suite.
VENV ?= .venv
PY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)

.PHONY: run test bootstrap bench bench-city unit lint clean

bootstrap:
	@bash scripts/bootstrap.sh

run: bootstrap
	@$(PY) -m tools.platform run

test:
	@bash scripts/bootstrap.sh --with-postgres --with-browser
	@$(PY) -m pytest tests $(PYTEST_ARGS)

unit: bootstrap
	@$(PY) -m pytest tests/unit -q

# every figure of the benchmark table beside its baselines, SQLite and PostgreSQL
bench:
	@bash scripts/bootstrap.sh --with-postgres
	@PYTHONWARNINGS=ignore $(PY) -m tools.bench $(BENCH_ARGS)

# the same on the synthetic city of 2,000 branches and 60,000 members (long)
bench-city:
	@bash scripts/bootstrap.sh --with-postgres
	@PYTHONWARNINGS=ignore $(PY) -m tools.bench --profile city $(BENCH_ARGS)

clean:
	rm -rf data .pytest_cache
