# One command to set up and run, one to set up and test (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test system-packages
setup: $(BIN)/policyqa

$(BIN)/policyqa: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q bot index  # bytecode now: a cold ask need not compile the modules first
	touch $@

run: setup
	$(BIN)/policyqa

system-packages:
	sh scripts/system-packages.sh tests/system-packages.txt

test: setup system-packages
	$(BIN)/pytest
