# dataprep developer tasks. `make demo` and `make test` work on a fresh clone (Python >= 3.11 required).
VENV ?= .venv
PYTHON ?= python3

.PHONY: demo test test-deps lint bench

# Debian packages the tests need: tests/test_precommit.py drives the real pre-commit, which runs git.
TEST_DEB_PACKAGES := git

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

# Validate each sample dataset folder (train.jsonl + validation.jsonl) against a model that accepts its format.
demo: $(VENV)/.installed
	@set -e; \
	for spec in \
	  "prompt-completion llama3-1-8b-instruct fine-tuning" \
	  "claude-messages claude-3-haiku fine-tuning" \
	  "bedrock-conversation nova-micro fine-tuning" \
	  "pretraining titan-text-express continued-pretraining"; do \
	  set -- $$spec; dir=sample_data/bedrock/$$1; \
	  echo "== $$dir ($$(wc -l < $$dir/train.jsonl) train + $$(wc -l < $$dir/validation.jsonl) validation records), $$2, $$3"; \
	  echo "\$$ dataprep validate $$dir --model $$2 --task $$3"; \
	  $(VENV)/bin/dataprep validate $$dir --model $$2 --task $$3; \
	done

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
	$(VENV)/bin/python -m pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

bench: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_validate.py
