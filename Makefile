# Everything a fresh machine (Python 3.11, pip, gcc) needs: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA := data
DEMO_OUT := $(VENV)/demo

.PHONY: demo test lint bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	bash scripts/demo.sh $(BIN) $(DEMO_OUT)

test: $(VENV)/.installed-test
	$(BIN)/ruff check w2v tests scripts
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed-test
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) build *.egg-info
