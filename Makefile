# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test check lint format venv clean bench postgres

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv
	$(BIN)/uv pip sync -q --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python -e . --no-deps
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/aiops demo $(DEMO_ARGS)

postgres:
	bash scripts/ensure-postgres.sh

test: $(STAMP) postgres
	$(BIN)/python -m compileall -q bot handlers integrations sandbox tests > /dev/null
	$(BIN)/python -m pytest -n 2 --dist loadfile -q $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/ruff check bot handlers integrations sandbox tests
	$(BIN)/ruff format --check bot handlers integrations sandbox tests
	$(BIN)/mypy bot integrations sandbox handlers
	$(BIN)/lint-imports --no-logo

format: $(STAMP)
	$(BIN)/ruff format bot handlers integrations sandbox tests
	$(BIN)/ruff check --fix bot handlers integrations sandbox tests

bench: $(STAMP)
	for f in tests/bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra sandbox -o requirements.lock --python-version 3.11

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
