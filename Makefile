# The two commands: `make demo` runs the product, `make test` runs every check and test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: demo test venv lint typecheck checks pytest fuzz bench-reserve bench-routing bench-orders bench-sync bench-forecast clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# The seeds log to var/log/seed.log (config/settings/local.py): the console shows what they built.
demo: export DEMO_LOG_FILE = seed.log
demo: venv
	$(PY) manage.py migrate --noinput --verbosity 0
	$(PY) manage.py seed_demo --seed 42 --if-empty
	$(PY) manage.py seed_demo_orders --seed 42
	$(PY) manage.py seed_demo_returns
	$(PY) manage.py seed_store_orders
	$(PY) manage.py seed_demo_partners
	$(PY) manage.py analytics_backfill
	$(PY) manage.py seed_demo --carrier-accounts
	$(PY) bin/demo.py

test: venv lint typecheck checks pytest

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: venv
	$(VENV)/bin/mypy .

checks: venv
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=$$($(PY) -c 'print("x"*64)')-check-deploy-only ALLOWED_HOSTS=example.com \
		CHANNEL_CREDENTIALS_KEY=$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
		$(PY) manage.py check --deploy --fail-level WARNING

pytest: venv
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest -p no:cacheprovider --create-db $(PYTEST_ARGS)

# The bounded API schema fuzz alone (`make pytest` runs it too, as part of the suite).
fuzz: venv
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest -p no:cacheprovider --create-db tests/api_fuzz $(PYTEST_ARGS)

bench-reserve: venv
	$(PY) bench/reserve.py $(BENCH_ARGS)

bench-routing: venv
	$(PY) bench/routing.py $(BENCH_ARGS)

bench-orders: venv
	$(PY) bench/orders_http.py $(BENCH_ARGS)

bench-sync: venv
	$(PY) bench/sync.py $(BENCH_ARGS)

bench-kpi: venv  # the KPI dashboard's reads over a year of 1M orders, against a scan of the rows
	$(PY) bench/kpi.py $(BENCH_ARGS)

bench-forecast: venv
	$(PY) bench/forecast.py $(BENCH_ARGS)

clean:
	rm -rf var/*.sqlite3 var/celery-broker var/staticfiles
