# Two commands do all the set-up: `make dev` runs the platform, `make test` passes the tests.
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
HOST    ?= 127.0.0.1
PORT    ?= 8000
# Debian packages the tests drive: pgbouncer, gunicorn's load, nginx -t, Playwright's chromium.
TEST_DEBS := pgbouncer chromium nginx wrk libmariadb-dev pkg-config redis-server systemd
TEST_DEBS += rabbitmq-server  # the worker tests' broker (tests/servers.py starts it if it is not running)

.PHONY: dev test lint bench install system-packages migrate demo stop clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev,test]"
	touch $@

install: $(VENV)/.installed

dev: install
	$(PY) -m settings.embedded start
	$(PY) manage.py tenants migrate
	$(PY) manage.py demo
	@echo "Serving the platform console on http://localhost:$(PORT)/ and Acme on http://acme.localhost:$(PORT)/jobs/ (staff: /admin/)"
	@# Background tasks: with a broker, a worker (and beat) beside runserver; Ctrl-C stops both.
	@if [ -n "$$CELERY_BROKER_URL" ]; then echo "Celery worker with beat on $$CELERY_BROKER_URL"; \
	  DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-settings.dev} $(VENV)/bin/celery -A controlplane \
	  worker --beat --loglevel INFO --schedule var/celerybeat-schedule & \
	else echo "No CELERY_BROKER_URL: background tasks run eagerly inside the server"; fi
	$(PY) manage.py runserver $(HOST):$(PORT)

system-packages:
	@missing=""; for pkg in $(TEST_DEBS); do \
	  dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: install
	$(VENV)/bin/lint-imports

test: system-packages install lint
	$(PY) -m pytest

bench: system-packages install
	@dpkg -s valgrind >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
	$(PY) bench/run.py
	$(PY) bench/pgbouncer.py
	$(PY) bench/instructions.py
	$(PY) bench/fleet.py --tenants $(or $(FLEET_TENANTS),100)
	$(PY) bench/tasks.py
	$(PY) bench/move.py --rows $(or $(MOVE_ROWS),100000)
	$(PY) bench/soak.py --requests $(or $(SOAK_REQUESTS),10000)

stop:  # the embedded PostgreSQL that `make dev` started (it outlives runserver)
	@test ! -x $(PY) || $(PY) -m settings.embedded stop

clean: stop
	rm -rf $(VENV) var staticfiles test-artifacts
