# Two commands do everything on a fresh clone:
#   make run    set up .venv, index the bundled corpus/, answer a sample question
#   make test   set up .venv, run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
QUESTION ?= How much did the council invest in new social care posts?

.PHONY: setup run test lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# the CPU build of torch first, so nothing later pulls a multi-GB CUDA build
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

run: setup
	$(BIN)/qa index
	$(BIN)/qa ask "$(QUESTION)"

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check qa embeddings tui tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
