# Two commands do everything on a fresh clone:
#   make run    set up .venv, index the bundled corpus/, answer a sample question
#   make test   set up .venv, run the whole test suite
# and one refreshes the pinned versions they install:
#   make lock   resolve pyproject.toml's dependencies anew into requirements.lock
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
QUESTION ?= How much did the council invest in new social care posts?
LOCK   := requirements.lock
# where the CPU build of torch is found when locking (PyPI's torch is the CUDA build)
TORCH_WHEELS ?= /opt/wheels

.PHONY: setup run test smoke lint lock clean

# the pip that `python3 -m venv` gives is used as it is (23.2 here): the lock pins every package,
# so any pip the README allows installs the same versions
$(VENV)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	# the CPU build of torch first, so nothing later pulls a multi-GB CUDA build
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r $(LOCK)
	# the ray extra too, so CI runs the Ray build's tests (tests/test_ray.py) on a real local Ray
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[test,ray]'
	touch $@

setup: $(VENV)/.installed

run: setup
	$(BIN)/qa index
	$(BIN)/qa ask "$(QUESTION)"

test: setup
	$(BIN)/python -m pytest

# a wheel installed as a new user installs it (fresh venv, no extras, pip as venv gives it),
# then a corpus of every format indexed and asked (what CI runs after the tests)
smoke: setup
	$(BIN)/python tests/smoke_install.py

lock:
	test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/pip install --quiet uv; }
	$(BIN)/uv pip compile pyproject.toml --extra test --extra ray --python-version 3.11 --upgrade --quiet \
		$(if $(wildcard $(TORCH_WHEELS)),--find-links $(TORCH_WHEELS)) \
		--custom-compile-command 'make lock' -o $(LOCK)
	# torch as the Makefile installs it (the CPU build carries the local version +cpu)
	sed -E -i 's/^(torch==[^+ ]+)[+]cpu$$/\1/' $(LOCK)

lint: setup
	$(BIN)/ruff check qa embeddings tui tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
