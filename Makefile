# The two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
MO     := petition/translations/en/LC_MESSAGES/messages.mo
PO     := petition/translations/en/LC_MESSAGES/messages.po

.PHONY: run test lint format bench audit screenshots install translations extract-messages clean

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

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -c "import flask, rq, flask_babel, pytest"  # fail here, not later, if pip did
	touch $(STAMP)

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
