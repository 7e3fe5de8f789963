# PeerPact developer commands. `make run` and `make test` set everything up from a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
export UV_NO_PROGRESS := 1
PY := $(UV) run --locked --no-sync python

.PHONY: help install run web worker seed migrate messages migrations test test-sqlite test-postgres check lint fmt typecheck audit bench soak clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-14s %s\n", $$1, $$2}'

install: ## Create the virtualenv from uv.lock (idempotent)
	@scripts/bootstrap.sh

run: install ## Migrate, seed demo data, start web (127.0.0.1:8000) + worker; Ctrl-C stops both
	@scripts/run.sh

web: install ## Start only the web server (development)
	@DEBUG=$${DEBUG:-true} $(PY) manage.py runserver 127.0.0.1:8000

worker: install ## Start only the background worker
	@DEBUG=$${DEBUG:-true} $(PY) manage.py worker

migrate: install ## Apply database migrations
	@DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput

messages: install ## Extract new or changed strings into locale/*/django.po (then translate them; install compiles)
	@DEBUG=true $(PY) manage.py makemessages --locale es --locale hi --locale ar
	@scripts/bootstrap.sh

migrations: install ## Create migrations for model changes
	@DEBUG=true $(PY) manage.py makemigrations

seed: install ## Create the demo community (idempotent)
	@DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo

test: install ## Run the whole suite on SQLite, then on PostgreSQL (browser tests included)
	@scripts/test.sh

test-sqlite: install ## Run the suite on SQLite only (extra pytest args: ARGS="-k journey")
	@scripts/test.sh --sqlite-only $(ARGS)

test-postgres: install ## Run the suite on PostgreSQL only
	@scripts/test.sh --postgres-only $(ARGS)

lint: install ## ruff lint + format check, migrations up to date
	@$(UV) run --locked --no-sync ruff check .
	@$(UV) run --locked --no-sync ruff format --check .
	@DEBUG=true $(PY) manage.py makemigrations --check --dry-run >/dev/null || { echo "Missing migrations: run 'make migrations'"; exit 1; }

fmt: install ## Format and auto-fix
	@$(UV) run --locked --no-sync ruff format .
	@$(UV) run --locked --no-sync ruff check --fix .

typecheck: install ## mypy with django-stubs
	@DEBUG=true $(UV) run --locked --no-sync mypy peerpact

audit: install ## Audit the locked dependencies for known vulnerabilities (pip-audit; needs network)
	@$(PY) scripts/audit.py

bench: install ## The benchmark suite (minutes; starts PostgreSQL); writes docs/performance.md. ARGS="--smoke" for the tiny run
	@scripts/bench.sh $(ARGS)

soak: install ## Long fault and fuzz runs (worker kills, PostgreSQL restart, fuzzing); prints the figures
	@scripts/soak.sh $(ARGS)

check: lint typecheck test ## Everything CI runs: lint, types, tests on both databases

clean: ## Remove the virtualenv and local data (var/)
	rm -rf .venv var .tools
