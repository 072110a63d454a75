# dataprep developer tasks. `make demo` and `make test` work on a fresh clone (Python >= 3.11 required).
VENV ?= .venv
PYTHON ?= python3

.PHONY: demo test test-deps lint bench bench-scale bench-scale-10m bench-dedup-peers bench-build-vs-datatrove bench-floors

# Debian packages the tests need: tests/test_precommit.py drives the real pre-commit, which runs git;
# tests/test_report.py opens report.html in headless chromium through playwright.
TEST_DEB_PACKAGES := git chromium

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[build,dev,media]'
	touch $@

DEMO_OUT ?= out/demo

# Build Bedrock datasets from the raw samples of every supported shape, then check the outputs with validate.
demo: $(VENV)/.installed
	$(VENV)/bin/dataprep build sample_data/raw/finetune $(DEMO_OUT)/finetune --model llama3-1-8b-instruct --lang en
	$(VENV)/bin/dataprep validate $(DEMO_OUT)/finetune --model llama3-1-8b-instruct
	$(VENV)/bin/dataprep build sample_data/raw/pretraining $(DEMO_OUT)/pretraining --model titan-text-express \
	  --task continued-pretraining
	$(VENV)/bin/dataprep validate $(DEMO_OUT)/pretraining --model titan-text-express --task continued-pretraining
	@echo "outputs: $(DEMO_OUT)/finetune and $(DEMO_OUT)/pretraining (train.jsonl, validation.jsonl, rejected.jsonl, lineage.jsonl, manifest.json, report.html)"

# Installs missing TEST_DEB_PACKAGES only when running as root on a system with apt-get.
test-deps:
	@missing=""; \
	for p in $(TEST_DEB_PACKAGES); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing for the tests:$$missing (install them, or run make test as root)" >&2; exit 1; \
	  fi; \
	fi

test: $(VENV)/.installed test-deps
	$(VENV)/bin/python -m pytest -q -n 2

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

# The quick set (about 5 minutes); bench-scale adds the 10k / 100k / 1M scale curve (about 20 minutes).
bench: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_validate.py
	$(VENV)/bin/python benchmarks/bench_minhash.py
	$(VENV)/bin/python benchmarks/bench_build.py --skip-scale

bench-scale: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_build.py --skip-t0 --skip-cpt

# The README's scale figure (#17): 10k, 100k, 1M and 10M records in one run, written to
# benchmarks/results/scale.json and drawn as docs/scale.svg. About 75 minutes, with ~11 GB for the generated
# 10M corpus and ~21 GB more while its build runs. The plot is drawn even when a target was missed (the `-`).
bench-scale-10m: $(VENV)/.installed
	-$(VENV)/bin/python benchmarks/bench_build.py --skip-t0 --skip-cpt --skip-report-cost \
		--sizes 10000,100000,1000000,10000000 --timeout 5400 --scale-results benchmarks/results/scale.json
	$(VENV)/bin/python benchmarks/plot_scale.py benchmarks/results/scale.json docs/scale.svg

# dataprep's dedup against datatrove's and text-dedup's MinHash on T0 and GPTeacher (about 10 minutes; the first
# run also creates benchmarks/.peers-venv from benchmarks/peers-requirements.txt). Writes benchmarks/results/.
bench-dedup-peers: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_dedup_peers.py

# The whole T0 build against datatrove's MinHash pipeline on the same texts, same run (#17): the same script.
bench-build-vs-datatrove: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_dedup_peers.py --corpora t0 --tools dataprep,dataprep-build,datatrove \
	  --output benchmarks/results/build-vs-datatrove.json

# Each build stage against its floor on T0, same run (#17); floors from benchmarks/.peers-venv as above.
bench-floors: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_stage_floors.py --output benchmarks/results/stage-floors
