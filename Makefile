# Two commands do all the set-up: `make dev` runs the platform, `make test` passes the tests.
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
HOST    ?= 127.0.0.1
PORT    ?= 8000
# Debian packages the tests drive: pgbouncer, gunicorn's load, nginx -t, Playwright's chromium.
TEST_DEBS := pgbouncer chromium nginx wrk libmariadb-dev pkg-config redis-server systemd

.PHONY: dev test bench install system-packages migrate demo clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev,test]"
	touch $@

install: $(VENV)/.installed

dev: install
	$(PY) manage.py tenants migrate
	$(PY) manage.py demo
	@echo "Serving http://localhost:$(PORT) (platform) and http://acme.localhost:$(PORT) (Acme)"
	$(PY) manage.py runserver $(HOST):$(PORT)

system-packages:
	@missing=""; for pkg in $(TEST_DEBS); do \
	  dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

test: system-packages install
	$(PY) -m pytest

bench: system-packages install
	@dpkg -s valgrind >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
	$(PY) bench/run.py
	$(PY) bench/pgbouncer.py
	$(PY) bench/instructions.py

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
