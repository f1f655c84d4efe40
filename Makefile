# Two commands for a newcomer: `make run` (the service with the shipped model) and `make test`.
# Both create the virtual environment .venv and install the project on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test docs score bench-speed bench-quality bench-service bench-archive chromium faketime php postgresql clean

# The second test run moves the clock to another month, year and time zone (and another hash seed), so no test
# can depend on today's date, the local zone or set order.
SHIFTED_DATE := 2027-03-15

# Files with blocks written by cog from real command output and benchmark results (see `make docs`).
DOCS := README.md service/README.md models/README.md

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[service,report,test]'
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

## faketime: Debian's libfaketime for the shifted-clock run (needs root; that run is skipped with a note otherwise)
faketime:
	@command -v faketime >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq faketime >/dev/null) ; } || echo "note: faketime is not installed; the shifted-clock run will be skipped"

## postgresql: Debian's PostgreSQL for the tests of the shared-database backend (needs root; skipped with a note
## otherwise). The tests start their own server in a temporary directory; the package's own cluster is not used.
postgresql:
	@{ command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 ; } || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq postgresql >/dev/null) ; } || echo "note: PostgreSQL is not installed; the PostgreSQL backend tests will be skipped"

## php: Debian's php-cli, which replays the WordPress Akismet plugin's requests (needs root; skipped with a note otherwise)
php:
	@command -v php >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq php-cli >/dev/null) ; } || echo "note: php-cli is not installed; the WordPress plugin tests will be skipped"

## docs: write the documentation's generated blocks (command output, benchmark figures) and the service README's
## example outputs (from a real server) from the real thing
docs: $(STAMP)
	$(BIN)/python tests/service/test_readme.py --write
	$(BIN)/cog -r $(DOCS)

## test: the docs are current, then the whole test suite on the real clock and again at $(SHIFTED_DATE)
test: $(STAMP) chromium faketime php postgresql
	$(BIN)/cog --check --check-fail-msg "run 'make docs'" $(DOCS)
	$(BIN)/python -m pytest -q
	@if command -v faketime >/dev/null 2>&1; then \
	  echo "== again with the clock at $(SHIFTED_DATE), TZ=Pacific/Kiritimati, PYTHONHASHSEED=4242"; \
	  MODERATION_TEST_SHIFTED_DATE=$(SHIFTED_DATE) TZ=Pacific/Kiritimati PYTHONHASHSEED=4242 \
	    faketime '$(SHIFTED_DATE) 12:00:00 UTC' $(BIN)/python -m pytest -q -p no:cacheprovider; \
	else echo "note: faketime is not installed; skipped the shifted-clock run"; fi

## bench-*: print a benchmark's table; OUT=benchmarks/results/NAME.json also replaces the committed results
bench-speed: $(STAMP)
	$(BIN)/python benchmarks/speed.py $(if $(OUT),--out $(OUT))

bench-quality: $(STAMP)
	$(BIN)/python benchmarks/quality.py --recipe default $(if $(OUT),--out $(OUT))

bench-service: $(STAMP)
	$(BIN)/python benchmarks/service_load.py $(if $(OUT),--out $(OUT))

bench-archive: $(STAMP)
	$(BIN)/python benchmarks/archive.py $(if $(OUT),--out $(OUT))

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache
