# Two commands set up a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: help run test test-fast e2e lint format migrate seed messages compilemessages check-deploy bench vendor clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the platform with its test tools

migrate: install ## Apply database migrations
	$(PY) manage.py migrate --noinput

seed: migrate ## Load the division list and the demo data (idempotent)
	$(PY) manage.py seed_demo

run: seed ## Run web, worker and beat with demo data at http://127.0.0.1:$(PORT)
	PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start

test: install ## Run the whole suite (SQLite unless DATABASE_URL is set)
	TESTING=true $(VENV)/bin/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

test-fast: install ## The suite without browser and worker tests
	TESTING=true $(VENV)/bin/pytest -n 2 -m "not e2e and not worker" $(PYTEST_ARGS)

lint: install ## ruff check and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install ## Format the code with ruff
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: install ## Extract translatable strings into locale/ and each app's locale/
	$(PY) manage.py makemessages -l zh_Hans --ignore '.venv/*' --ignore 'var/*' --ignore 'grids/*' --ignore 'policing/*' --ignore 'disputes/*' --ignore 'dashboards/*' --ignore 'audit/*' --ignore 'integrations/*' --ignore 'tests/*' --ignore 'bench/*'
	for app in grids policing disputes dashboards audit integrations; do (cd $$app && ../$(PY) ../manage.py makemessages -l zh_Hans); done

compilemessages: install ## Compile the translation catalogues (.mo files are committed)
	$(PY) manage.py compilemessages --ignore '.venv/*'

check-deploy: install ## Django's deployment checks under production variables
	DEBUG=false SECRET_KEY=$$($(PY) -c "import secrets;print(secrets.token_urlsafe(64))") FIELD_HASH_KEY=check FIELD_ENCRYPTION_KEYS=$$($(PY) -c "import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())") \
	ALLOWED_HOSTS=hongsibu.example.org $(PY) manage.py check --deploy --fail-level WARNING

bench: install ## Benchmarks: make bench DATASET=S|M|L (PostgreSQL and Redis)
	$(PY) bench/run.py --dataset $(or $(DATASET),S)

vendor: ## Refresh static/vendor from npm (package.json)
	rm -rf var/npm && mkdir -p var/npm && cp package.json var/npm/ && cd var/npm && npm install --no-audit --no-fund
	cp var/npm/node_modules/bootstrap/dist/css/bootstrap.min.css* var/npm/node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* static/vendor/bootstrap/
	cp var/npm/node_modules/bootstrap-icons/font/bootstrap-icons.min.css static/vendor/bootstrap-icons/
	cp var/npm/node_modules/bootstrap-icons/font/fonts/*.woff* static/vendor/bootstrap-icons/fonts/
	cp var/npm/node_modules/echarts/dist/echarts.min.js static/vendor/echarts/
	cp -r var/npm/node_modules/leaflet/dist/leaflet.js var/npm/node_modules/leaflet/dist/leaflet.js.map var/npm/node_modules/leaflet/dist/leaflet.css var/npm/node_modules/leaflet/dist/images static/vendor/leaflet/

clean: ## Remove the local database, broker and caches (keeps .venv)
	rm -rf var/db.sqlite3* var/broker var/cache var/celerybeat-schedule*
