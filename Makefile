# The two commands of a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
SOURCES := jazzcore tests bench pages streamlit_app.py

.PHONY: run test test-fast lint format bench clean

# The venv is rebuilt whenever a requirements file changes.
$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(VENV)/bin/streamlit run streamlit_app.py --server.address 127.0.0.1 --server.port $(PORT)

test: $(VENV)/.installed-dev
	$(PY) -m pytest -q tests

# The inner loop: everything but the slow tests (training through the UI, Keras, browser).
test-fast: $(VENV)/.installed-dev
	$(PY) -m pytest -q -m "not slow and not browser" tests

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check $(SOURCES)
	$(VENV)/bin/ruff format --check $(SOURCES)

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format $(SOURCES)
	$(VENV)/bin/ruff check --fix $(SOURCES)

bench: $(VENV)/.installed
	for b in bench/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache
