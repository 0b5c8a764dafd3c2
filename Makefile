# Everyday commands. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run test install install-dev lock upgrade audit migrate demo lint format check fonts brand-images bench redis-down lighthouse screenshots cluster-up cluster-down cluster-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The locked versions, every file checked against its recorded hash; then the project itself,
# whose dependencies those are. `pip check` fails if pyproject.toml asks for something the
# lock lacks (run `make lock`).
$(VENV)/.installed: requirements/main.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/main.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip check
	touch $@

# The Nu HTML Checker for the browser tests; skipped (and its test skipped) without npm.
tests/browser/node_modules/.installed: tests/browser/package-lock.json
	if command -v npm >/dev/null; then npm ci --prefix tests/browser --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; fi

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# The lock: requirements/dev.txt (pyproject.toml's dependencies and its dev extra) and
# requirements/main.txt (without the extra, at the same versions), with the hashes of every
# file PyPI has for each version. One version of each package for every Python from 3.11 on.
# `make lock` after editing pyproject.toml keeps every pin it can; `make upgrade` takes the
# newest versions pyproject.toml allows.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--fork-strategy fewest --generate-hashes --custom-compile-command "make lock" --quiet
$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt

lock: | $(BIN)/uv
	$(UV_COMPILE) --extra dev $(UV_ARGS) -o requirements/dev.txt
	$(UV_COMPILE) -c requirements/dev.txt -o requirements/main.txt

upgrade:
	$(MAKE) lock UV_ARGS=--upgrade

# Known vulnerabilities in the locked versions, from PyPI's advisory data (AUDIT_ARGS="-s osv"
# asks OSV instead). --strict: a package that could not be checked fails the audit too.
# An advisory that cannot be fixed yet is accepted only here, one line each, with its reason:
#   --ignore-vuln GHSA-xxxx-xxxx-xxxx   (package: why it does not apply; when to look again)
AUDIT_IGNORE =
audit: install-dev
	$(BIN)/pip-audit --strict --disable-pip --require-hashes --progress-spinner off \
		-r requirements/dev.txt $(AUDIT_IGNORE) $(AUDIT_ARGS)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo_content

run: demo
	$(BIN)/python manage.py ensure_admin
	$(BIN)/python manage.py runserver $(HOST)

# In parallel, one worker per core; the browser tests in a run of their own, after the rest.
test: install-dev tests/browser/node_modules/.installed
	$(BIN)/python -m pytest -n auto -m "not browser"
	$(BIN)/python -m pytest -n auto -m browser

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install-dev
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# The web fonts in static/fonts/ (committed): the pinned Fontsource packages, installed into
# build/fonts/, merged and subset to Latin + Central European letters (needs npm).
FONTSOURCE = @fontsource/source-serif-4@5.3.1 @fontsource/source-sans-3@5.3.1
fonts: install-dev
	npm install --prefix build/fonts --no-audit --no-fund --loglevel=error --save-exact $(FONTSOURCE)
	$(BIN)/python manage.py build_fonts build/fonts/node_modules/@fontsource

# The favicons, app icons and default social card in static/img/ (committed), drawn from the mark.
brand-images: install-dev
	$(BIN)/python manage.py make_brand_images

# The benchmark (gunicorn + wrk on PostgreSQL); BENCH_ARGS=--quick for a short run.
bench: install-dev
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# A search and a cached page with Redis up, killed, paused and back (needs redis-server).
redis-down: install-dev
	$(BIN)/python bench/redis_down.py $(BENCH_ARGS)

# Lighthouse scores of the home, listing, publication and op-ed pages (needs npm and Chromium);
# LIGHTHOUSE_ARGS="--publications 200" for a smaller database.
lighthouse: install-dev
	$(BIN)/python bench/lighthouse.py $(LIGHTHOUSE_ARGS)

# Every page type in both languages at 1280 and 390 px, into docs/screenshots/ (needs Chromium).
screenshots: install-dev
	$(BIN)/python bench/screenshots.py

# Two app nodes behind nginx with PostgreSQL, Redis, SeaweedFS and a worker, on loopback
# (load/cluster.sh; needs nginx, PostgreSQL and Redis running). cluster-test starts one,
# runs the cluster test and stops it, whatever the outcome.
cluster-up: install-dev
	load/cluster.sh up

cluster-down:
	load/cluster.sh down

cluster-test: install-dev
	load/cluster.sh up && load/cluster.sh test; status=$$?; load/cluster.sh down; exit $$status

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles build .pytest_cache .ruff_cache
