# The portal's two everyday commands: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py

# `make run` is the embedded setup: SQLite, tasks in-process, local login, demo data.
RUN_ENV := DJANGO_DEBUG=$${DJANGO_DEBUG:-true}

.PHONY: run test venv venv-dev browser gettext compilemessages worker beat migrate messages lint \
	format bench bench-repairs drill clean screenshots

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed
venv-dev: $(VENV)/.installed-dev

# Debian's Chromium for the Playwright journeys (Playwright's own browser download cannot work
# on campus intranets) and a CJK font, so Chinese pages are laid out (and their widths checked at
# 360 px) with real glyphs. Installs when missing and we may; the browser tests skip loudly otherwise.
browser:
	@{ command -v chromium >/dev/null 2>&1 && dpkg -s fonts-wqy-microhei >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else echo "chromium or fonts-wqy-microhei missing: run 'sudo apt-get install chromium fonts-wqy-microhei' for the browser tests"; fi; }

# docs/screenshots/*.png, taken by the browser journeys at 360 px and desktop width. Chinese text
# needs a CJK font (fonts-wqy-microhei or fonts-noto-cjk) for Chromium.
screenshots: venv-dev browser compilemessages
	PORTAL_SCREENSHOTS=docs/screenshots $(VENV)/bin/pytest tests/browser/test_journey_shell.py tests/browser/test_command_centre.py -q

# GNU gettext's msgfmt turns locale/*.po into the .mo files Django reads; installed like chromium.
gettext:
	@command -v msgfmt >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; \
	  else echo "msgfmt missing: run 'sudo apt-get install gettext' to compile the translations"; fi; }

# Skipped, saying why, when msgfmt is missing or there is nothing to compile yet.
compilemessages: venv gettext
	@if ! command -v msgfmt >/dev/null 2>&1; then \
	  echo "compilemessages skipped: no msgfmt, pages show the English source texts"; \
	elif [ -z "$$(find . -path ./$(VENV) -prune -o -name '*.po' -print | head -n 1)" ]; then \
	  echo "compilemessages skipped: no .po files yet"; \
	else $(RUN_ENV) $(MANAGE) compilemessages --ignore=$(VENV) -v 0; fi

# `make run PORT=8001` serves on another port.
PORT ?= 8000

run: venv compilemessages
	$(RUN_ENV) $(MANAGE) migrate --noinput
	$(RUN_ENV) $(MANAGE) seed_demo
	@echo "Serving the portal at http://127.0.0.1:$(PORT)/ (demo accounts, password 'demo'); Ctrl-C stops it."
	$(RUN_ENV) $(MANAGE) runserver 127.0.0.1:$(PORT)

test: venv-dev browser compilemessages
	$(VENV)/bin/pytest $(PYTEST_ARGS)

worker: venv
	$(VENV)/bin/celery -A logistics worker -l info -Q interactive,bulk

beat: venv
	$(VENV)/bin/celery -A logistics beat -l info

migrate: venv
	$(MANAGE) migrate

messages: venv
	$(RUN_ENV) $(MANAGE) makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles --ignore=tests \
		--ignore=bench --ignore=docs --no-obsolete
	$(RUN_ENV) $(MANAGE) compilemessages --ignore=.venv

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: venv-dev
	$(PY) bench/run.py

# 100,000 repair requests in a database of its own (DATABASE_URL must name a *bench* database).
bench-repairs: venv-dev
	$(PY) bench/bench_repairs.py

# The fault drill (docs/reliability.md): private PostgreSQL, Redis, gunicorn, Celery on
# 127.0.0.1 only, e.g. `make drill DRILL_ARGS="--scenarios a,c --filings 30"`.
drill: venv-dev
	$(PY) bench/drill.py $(DRILL_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
