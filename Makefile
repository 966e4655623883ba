# madoguchi: `make run` starts the demo office on SQLite; `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install install-test system-packages bench-packages run test lint typecheck bench catalogs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

run: install
	$(BIN)/madoguchi serve --always-open --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install-test
	$(BIN)/mypy

# chromium, the fonts and PostgreSQL: installed and started when run as root, else the
# command that does it is printed and make stops.
system-packages:
	bash .ci/system-packages

test: system-packages install-test lint typecheck
	$(BIN)/python -m pytest

# nginx and wrk for the benchmarks that run the proxy of docs/deploy.md; PostgreSQL and
# nats-server (system-packages) for the ones with several processes.
bench-packages:
	bash .ci/bench-packages

bench: system-packages bench-packages install-test
	$(BIN)/python -m bench

# Carry changes of the Japanese templates (*.pot) into every language's .po: a new message
# arrives untranslated, a changed one fuzzy. See docs/translations.md.
catalogs: install
	for pot in */locale/*.pot server/*/locale/*.pot; do \
		$(BIN)/pybabel update -i $$pot -d $$(dirname $$pot) -D $$(basename $$pot .pot) || exit 1; \
	done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
