# The two commands: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_DISABLE_TELEMETRY := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run test setup ingest-demo bench clean-store experiments

setup: $(STAMP)

# Re-installs only when a requirements file changed; quick when already set up.
$(STAMP): requirements.txt train/requirements-corpus.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -r train/requirements-corpus.txt
	@touch $(STAMP)

run: setup
	$(PY) -m app $(ARGS)

test: setup
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: setup
	$(PY) -m benchmarks.bench_embed
	$(PY) -m benchmarks.bench_store

# docs/experiments.md and its figures, for the shipped models on the demo set (~10 min on 2 cores)
experiments: setup
	$(PY) -m experiments run all --model mini-clap --model mini-slap --out docs/experiments \
		--report docs/experiments.md --html cdn --speak 2

clean-store:
	rm -rf data/store
