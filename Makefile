.PHONY: bootstrap demo test lint fmt bench

LINT_PATHS := $(wildcard src tests benchmarks)

bootstrap:
	bash scripts/bootstrap.sh

# The CJK font for the charts' Chinese labels (without it they are drawn in English).
demo: bootstrap
	bash scripts/debian.sh fonts-wqy-microhei
	.venv/bin/sunset demo --reset

# make test PYTEST_ARGS='-k ledger -x'
test:
	bash scripts/test.sh $(PYTEST_ARGS)

lint: bootstrap
	.venv/bin/ruff check $(LINT_PATHS)
	.venv/bin/ruff format --check $(LINT_PATHS)
	.venv/bin/mypy
	.venv/bin/lint-imports --no-cache

fmt: bootstrap
	.venv/bin/ruff check --fix $(LINT_PATHS)
	.venv/bin/ruff format $(LINT_PATHS)

bench: bootstrap
	.venv/bin/python benchmarks/run_all.py
