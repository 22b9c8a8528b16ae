# Rathaus Mobil. Two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: install demo test lint browser-deps bench bench-pages clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 wird benötigt.")'
	@$(MAKE) --no-print-directory build-deps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

demo: install
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_demo --scenario offenbach
	@echo "Rathaus Mobil läuft auf http://127.0.0.1:8000 (Beenden mit Strg+C)"
	@# The worker beside the web server runs the background tasks ("Plan berechnen", large
	@# imports, report PDFs); the trap ends it with the server, on Strg+C as on any other exit.
	@# The worker also runs the daily jobs by itself (core/scheduler.py): schedule_jobs
	@# queues its first tick.
	$(PY) manage.py schedule_jobs -v 0
	$(PY) manage.py db_worker --no-reload -v 0 & WORKER=$$!; \
	trap 'kill $$WORKER 2>/dev/null; wait $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

# Debian's Chromium for the browser tests; Playwright never downloads a browser.
browser-deps:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installiere chromium (Debian) für die Browsertests ..."; \
	    (apt-get install -y -qq chromium >/dev/null 2>&1 || \
	     (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)); \
	  else \
	    echo "Hinweis: $(CHROMIUM) fehlt; als root installiert make test es selbst (apt-get install chromium)."; \
	  fi; \
	fi

# Debian packages pip needs to compile python-ldap (django-auth-ldap: the login through the
# directory, docs/security.md), so they come before pip: OpenLDAP's and Cyrus SASL's headers,
# a C compiler, and the headers of the Python that builds the venv. Run by the install step
# itself, only when pip is about to run; as root it installs what is missing, otherwise it
# stops with the apt-get line to run (README).
PY_INCLUDE := $(if $(PYTHON),$(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])' 2>/dev/null))
BUILD_DEPS := libldap2-dev:/usr/include/ldap.h libsasl2-dev:/usr/include/sasl/sasl.h \
  gcc:/usr/bin/gcc python3.11-dev:$(PY_INCLUDE)/Python.h
.PHONY: build-deps
build-deps:
	@missing=""; \
	for pair in $(BUILD_DEPS); do \
	  [ -e "$${pair#*:}" ] || missing="$$missing $${pair%%:*}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installiere$$missing (Debian), um python-ldap zu bauen ..."; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -qq --no-install-recommends $$missing >/dev/null 2>&1 || \
	    (apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null); \
	  else \
	    echo "Für python-ldap fehlt:$$missing. Bitte als root: apt-get install$$missing"; \
	    exit 1; \
	  fi; \
	fi

# Debian packages for the provisioning tests: a throw-away OpenLDAP (slapd, ldapmodify)
# and `wg` to check WireGuard keys. For the PDF exports (core/pdf.py, WeasyPrint; also
# needed in production): Pango, HarfBuzz's font subsetter and the DejaVu fonts. To read
# exports back in the tests (docs/exports.md): pdfinfo/pdftotext (poppler-utils) and
# LibreOffice Calc without its GUI. Debian's nginx: the deployment test puts it in front of
# gunicorn with deploy/nginx/rathausmobil.conf. Installed as root only if missing.
LIBDIR := /usr/lib/$(shell uname -m)-linux-gnu
SYSTEM_DEPS := slapd:/usr/sbin/slapd ldap-utils:/usr/bin/ldapmodify wireguard-tools:/usr/bin/wg \
  libpangoft2-1.0-0:$(LIBDIR)/libpangoft2-1.0.so.0 \
  libharfbuzz-subset0:$(LIBDIR)/libharfbuzz-subset.so.0 \
  fonts-dejavu-core:/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
  poppler-utils:/usr/bin/pdftotext \
  libreoffice-calc-nogui:/usr/lib/libreoffice/program/libsclo.so \
  nginx:/usr/sbin/nginx
.PHONY: system-deps
system-deps:
	@missing=""; \
	for pair in $(SYSTEM_DEPS); do \
	  [ -e "$${pair#*:}" ] || missing="$$missing $${pair%%:*}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installiere$$missing (Debian) für die Tests und den PDF-Export ..."; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -qq --no-install-recommends $$missing >/dev/null 2>&1 || \
	    (apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null); \
	  else \
	    echo "Hinweis:$$missing fehlt; als root installiert make test es selbst (make system-deps)."; \
	  fi; \
	fi

# The OpenID provider of the single sign-on tests (tests/oidc/provider.js, panva's
# oidc-provider on Node.js 20): installed from the lock file into tests/oidc/node_modules
# (git-ignored) when the lock file is newer. Without npm: a hint, and the tests are skipped
# (they fail in CI, RM_REQUIRE_BROWSER).
OIDC_DIR := tests/oidc
.PHONY: oidc-deps
oidc-deps:
	@if ! command -v npm >/dev/null; then \
	  echo "Hinweis: npm fehlt (Node.js 20); die Tests der Anmeldung über OpenID Connect brauchen es."; \
	elif [ ! -e $(OIDC_DIR)/node_modules/.package-lock.json ] || \
	     [ $(OIDC_DIR)/package-lock.json -nt $(OIDC_DIR)/node_modules/.package-lock.json ]; then \
	  echo "Installiere den OpenID-Provider der Tests (npm ci) ..."; \
	  npm ci --prefix $(OIDC_DIR) --no-audit --no-fund --silent; \
	fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run -v 0

test: install browser-deps system-deps oidc-deps lint
	$(VENV)/bin/pytest

# Backup and restore drill on the local PostgreSQL (docs/deployment.md "Backups"):
# pg_dump of a seeded database, pg_restore into a fresh one, the same figures and audit log.
.PHONY: backup-drill
backup-drill: install
	$(PY) deploy/backup/drill.py $(DRILL_ARGS)

# Load test with several servers (docs/loadtest.md): its own PostgreSQL database with the
# halver demo, two gunicorn app servers behind Debian's nginx with the shipped site file,
# two db_workers, locust with 200 users for 90 s; one app server is killed halfway. Prints
# requests per second and p95 per kind and exits 1 on any failed check. Needs Redis.
# More or less: make loadtest LOADTEST_ARGS="--users 100 --seconds 60"
.PHONY: loadtest
loadtest: install system-deps
	$(PY) deploy/loadtest/run.py $(LOADTEST_ARGS)

bench: install
	$(PY) bench/employee_list.py
	$(PY) bench/devices_access.py
	$(PY) bench/vpn_usage.py
	$(PY) bench/planner.py
	$(PY) bench/start_page.py
	$(PY) bench/lists.py

# The pages under load (50 concurrent sessions, gunicorn as in production) on PostgreSQL:
# builds the 50,000-staff city once in the database bench_pages. Needs wrk and Redis.
bench-pages: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = "0" ] && \
	  (apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)); } || \
	  { echo "wrk fehlt: apt-get install wrk"; exit 1; }
	$(PY) bench/pages.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
