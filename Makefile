# Planbot: `make run` sets up and opens the main job; `make test` sets up and runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: run test install install-dev ingest lint bench eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

# torch 2.13.0 first: pip takes its CPU build from this machine's disk, and
# sentence-transformers then finds it instead of pulling a CUDA build.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

ingest: install
	$(BIN)/planbot ingest

run: ingest
	$(BIN)/planbot chat

test: install-dev
	$(BIN)/python -m pytest -q

eval: install
	$(BIN)/planbot eval --suite evals/suite.toml --output artifacts/eval-suite.json --report artifacts/eval-suite.md

bench: install-dev
	$(BIN)/python bench/bench_core.py

lint: install-dev
	$(BIN)/ruff check planbot ingest index bot evals tests bench

clean:
	rm -rf $(VENV) .planbot artifacts
