# Everything a fresh machine needs, installed by the project's own files.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv/.synced
CHROMIUM := /usr/bin/chromium
PYTEST_WORKERS ?= 2

.PHONY: demo test check unit setup browser clean bench

setup: $(VENV)

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV): $(UV) uv.lock pyproject.toml
	$(UV) sync --locked --quiet
	touch $@

# Debian's Chromium for the browser tests (a browser download by Playwright fails on these machines).
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

demo: $(VENV)
	.venv/bin/sdf demo

check: $(VENV)
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench
	.venv/bin/mypy

test: $(VENV) browser check
	.venv/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup

bench: $(VENV)
	.venv/bin/python bench/ingest.py

clean:
	rm -rf .venv .tools .sdf .pytest_cache .mypy_cache .ruff_cache
