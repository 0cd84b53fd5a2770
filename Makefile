# The two commands: `make run` serves the seeded portal, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi
# Compiled modules are kept (__pycache__, ignored by git) even where the environment says not to
# (PYTHONDONTWRITEBYTECODE): otherwise every test run rewrites the tests' assertions again (7 s of processor) and
# every server, worker and command started compiles the app again (0.35 s each; a test run starts about a hundred).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-tools lint translations db seed bench bench-accountability bench-news bench-signin bench-pages wrk clean stack stack-down stack-smoke nginx load load-faults

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Re-install only when a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Compiled only when a catalogue changed, so that test runs side by side never rewrite a .mo file in use.
CATALOGUES := $(wildcard translations/*/LC_MESSAGES/messages.po)
translations: $(CATALOGUES:.po=.mo)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/flask translate compile

db: $(VENV)/.installed
	$(BIN)/flask db upgrade

seed: db
	$(BIN)/flask seed-demo

run: translations seed
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# axe-core for the browser tests, from the npm registry as tests/browser/package-lock.json pins it (Node.js and npm
# from Debian when the machine has none).
AXE := tests/browser/node_modules/.installed
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null)
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Everything a test run needs installed, for CI to make once before its lanes run side by side.
test-tools: translations $(AXE)

test: test-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The production topology on this machine (see docs/operations.md, "The production stack"): nginx, two gunicorn
# instances, the Celery worker and scheduler, PostgreSQL, Redis, object storage and an SMTP server.
nginx:
	@command -v nginx >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null)

stack: translations nginx
	$(BIN)/python -m deploy.stack up

stack-down: $(VENV)/.installed
	$(BIN)/python -m deploy.stack down

# CI: start the stack, walk through it as a resident and an official, stop it.
stack-smoke: translations nginx
	$(BIN)/python -m deploy.smoke --start

# ~100 simulated users for 3 minutes against a running stack (make stack in another terminal); with faults:
# PostgreSQL restarted, an app server and the worker killed, Redis stopped for 20 s, then the checks.
$(VENV)/.load-installed: requirements-load.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-load.txt
	touch $@

load: $(VENV)/.load-installed
	$(BIN)/python -m deploy.load --users $(or $(USERS),100) --minutes $(or $(MINUTES),3)

load-faults: $(VENV)/.load-installed
	$(BIN)/python -m deploy.load --users $(or $(USERS),100) --minutes $(or $(MINUTES),3) --faults

# A PostgreSQL database of the benchmarks' own, made when missing (kept between runs: seeding is long).
pg_database = psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$(1)'" | grep -q 1 \
	  || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $(1)"

# The inbox with 100,000 appeals, on SQLite and on PostgreSQL (see docs/benchmarks.md).
BENCH_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432/reqemsal_bench
bench: translations
	$(BIN)/python scripts/bench_inbox.py
	$(call pg_database,reqemsal_bench)
	$(BIN)/python scripts/bench_inbox.py --database-url $(BENCH_PG)

# The accountability pages with 1,000,000 appeals, on SQLite and on PostgreSQL (see docs/benchmarks.md).
BENCH_ACC_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432/reqemsal_bench_acc
bench-accountability: translations
	$(BIN)/python scripts/bench_accountability.py
	$(call pg_database,reqemsal_bench_acc)
	$(BIN)/python scripts/bench_accountability.py --database-url $(BENCH_ACC_PG)

# The news lists, an article page and search with 50,000 articles, on SQLite and on PostgreSQL (see docs/benchmarks.md).
BENCH_NEWS_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432/reqemsal_bench_news
bench-news: translations
	$(BIN)/python scripts/bench_news.py
	$(call pg_database,reqemsal_bench_news)
	$(BIN)/python scripts/bench_news.py --database-url $(BENCH_NEWS_PG)

# 20 residents signing in at once through gunicorn (gunicorn.conf.py), with the configured Argon2id parameters and the
# old ones, on SQLite and on PostgreSQL (see docs/benchmarks.md); fails when the 95th percentile reaches 1 s.
BENCH_SIGNIN_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432/reqemsal_bench_signin
bench-signin: translations
	$(BIN)/python scripts/bench_signin.py
	$(call pg_database,reqemsal_bench_signin)
	$(BIN)/python scripts/bench_signin.py --database-url $(BENCH_SIGNIN_PG)

# Every public page and each cabinet's landing page beside a bare Flask "hello" under the same gunicorn, loaded with
# wrk (see docs/benchmarks.md); fails when a page misses its target. Options: BENCH_PAGES_ARGS="--no-fail --only news".
wrk:
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)

bench-pages: translations wrk
	$(BIN)/python scripts/bench_pages.py $(BENCH_PAGES_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache tests/browser/node_modules
	find translations -name '*.mo' -delete
