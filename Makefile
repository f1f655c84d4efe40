# Two commands for a newcomer: `make run` (the service with the shipped model) and `make test`.
# Both create the virtual environment .venv and install the project on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test score bench-speed bench-quality bench-service chromium clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: start the service (gunicorn, shipped model, SQLite in ./instance); prints a first API key
run: $(STAMP)
	$(BIN)/moderation serve

## score: score comments from the command line, e.g. make score TEXT="you are an idiot"
score: $(STAMP)
	$(BIN)/moderation score "$(TEXT)"

## chromium: Debian's browser for the page tests (needs root; skipped with a note otherwise)
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) ; } || echo "note: chromium is not installed; browser tests will be skipped"

## test: the whole test suite
test: $(STAMP) chromium
	$(BIN)/python -m pytest -q

bench-speed: $(STAMP)
	$(BIN)/python benchmarks/speed.py

bench-quality: $(STAMP)
	$(BIN)/python benchmarks/quality.py --recipe default

bench-service: $(STAMP)
	$(BIN)/python benchmarks/service_load.py

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache
