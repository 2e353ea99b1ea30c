# The two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
DEVLOCK := requirements-dev.lock
MO     := petition/translations/en/LC_MESSAGES/messages.mo
PO     := petition/translations/en/LC_MESSAGES/messages.po

.PHONY: run test lint format bench audit screenshots install lock translations extract-messages clean widget

run: install translations ## web + worker + Redis + SMTP sink, demo petitions loaded
	$(PY) -m petition.dev.stack

test: install translations ## the whole suite (set DATABASE_URL to run it on PostgreSQL)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install ## ruff: the lint rules and the formatting (CI runs this)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install translations ## benchmarks side by side with their baselines (see bench/)
	$(PY) bench/run.py $(BENCH_ARGS)

audit: install translations ## axe-core on every page in Chromium; records the results for /accessibilite
	A11Y_REPORT=docs/accessibility-audit.json REQUIRE_BROWSER=1 $(PY) -m pytest -q -p no:cacheprovider tests/browser/test_accessibility.py

screenshots: install translations ## every audited page, phone and desktop, FR and EN, in instance/screenshots/
	$(PY) -m petition.dev.screenshots $(SCREENSHOTS_ARGS)

widget: install ## rebuild petition/static/js/widget.min.js (pinned terser, npm) after editing widget.js or count.js
	$(PY) -m petition.dev.widget

install: $(STAMP)

# Installs the locked versions, each checked against its hash; pip's failure stops make.
$(STAMP): $(DEVLOCK)
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check --require-hashes -r $(DEVLOCK)
	touch $(STAMP)

# After changing requirements.txt or requirements-dev.txt: pin what they name and
# everything it needs, with hashes (pip-tools). Versions already locked are kept
# (pass LOCK_ARGS=--upgrade, or --upgrade-package NAME, to move them).
PIP_TOOLS := pip-tools==7.6.2
COMPILE   := $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
  --no-emit-find-links --no-emit-index-url --no-emit-trusted-host $(LOCK_ARGS)

lock: ## regenerate requirements.lock (production) and requirements-dev.lock from requirements*.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check $(PIP_TOOLS)
	$(COMPILE) --output-file $(LOCK) requirements.txt
	$(COMPILE) --constraint $(LOCK) --output-file $(DEVLOCK) requirements-dev.txt

translations: $(MO)

$(MO): $(PO) $(STAMP)
	$(VENV)/bin/pybabel -q compile -d petition/translations  # fuzzy entries stay out (tests/test_i18n.py)

extract-messages: install ## refresh the catalog after changing user-facing strings
	$(VENV)/bin/pybabel extract -F petition/babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  --project=petition --ignore-dirs='.venv instance .git bench' -o petition/translations/messages.pot .
	$(VENV)/bin/pybabel update -i petition/translations/messages.pot -d petition/translations --no-fuzzy-matching
	$(PY) -m petition.dev.catalogs  # French plural forms (French says "0 soutien")

clean:
	rm -rf $(VENV) instance .pytest_cache
