# The targets CI runs (.ci/run) are the ones you run: `make check test`.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: system-packages install up test test-fast test-browser lint format typecheck imports prometheus check bench contracts i18n clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Java 17, Maven, python3-venv and Prometheus (with promtool) with apt-get, if missing.
system-packages:
	bash scripts/install-system-packages.sh

## Run the whole system: infrastructure, migrations, demo data, four services.
up: system-packages $(STAMP)
	$(BIN)/gridcase up

## The whole test suite against real PostgreSQL and Kafka (started by the tests).
test: system-packages $(STAMP)
	$(BIN)/pytest -q --durations=15

## Unit tests only (pure domain code, no servers).
test-fast: $(STAMP)
	$(BIN)/pytest -q tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy shared services gridcase tests bench deploy

imports: $(STAMP)
	$(BIN)/lint-imports

## Prometheus configuration and alert rules: syntax, then every rule's unit tests.
PROMTOOL ?= promtool
prometheus:
	@command -v $(PROMTOOL) >/dev/null 2>&1 || { \
	  echo "promtool not found: install Debian's prometheus package (make system-packages)" >&2; \
	  exit 1; }
	$(PROMTOOL) check config deploy/prometheus/prometheus.yml
	$(PROMTOOL) check rules deploy/prometheus/rules/*.yml
	$(PROMTOOL) test rules deploy/prometheus/tests/*.yml

check: lint typecheck imports prometheus

bench: $(STAMP)
	$(BIN)/python bench/latency.py

## Browser tests of the web app (Debian's chromium through Playwright).
test-browser: system-packages $(STAMP)
	$(BIN)/pytest -q tests/e2e/dashboard

## Extract the web app's messages and merge them into its catalogues (then translate
## the new entries; the catalogues are compiled when the service starts).
WEB := services/mediation/entrypoints/web
i18n: $(STAMP)
	$(BIN)/pybabel extract -F $(WEB)/babel.cfg -k N_ --no-location --omit-header --sort-output -o $(WEB)/locale/messages.pot $(WEB)
	$(BIN)/pybabel update -i $(WEB)/locale/messages.pot -d $(WEB)/locale --no-wrap --no-fuzzy-matching

## Regenerate the published contracts (a contract test fails until they are committed).
contracts: $(STAMP)
	$(BIN)/gridcase asyncapi
	$(BIN)/python deploy/grafana/build_dashboard.py

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache
