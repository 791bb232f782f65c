# The two commands of the README: `make run` and `make test`. Everything else they need is here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEV := DJANGO_DEBUG=true

.PHONY: run test install lint demo-reset browser
CHROMIUM := /usr/lib/chromium/chromium

# Installs (again) whenever a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## The portal with demo data on embedded defaults: SQLite, tasks in-process, email to the console.
## The reminder run goes once before the server starts, so its emails show on the console.
run: install
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py seed_demo
	$(DEV) $(PY) manage.py send_reminders
	$(DEV) $(PY) manage.py runserver 127.0.0.1:8000

## The whole test suite (SQLite unless DATABASE_URL is set).
test: install browser
	$(PY) -m pytest

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here).
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is not installed: browser tests will be skipped (apt-get install chromium)"; \
	  fi; \
	fi

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DJANGO_SETTINGS_MODULE=sscportal.test_settings $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m mypy

demo-reset:
	rm -f db.sqlite3
