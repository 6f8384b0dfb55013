# Two commands on a fresh machine: `make run` and `make test`. Nothing is installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test typecheck install install-test clean benchmarks mutation

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The stamp files make a second `make run` / `make test` skip the install.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# The lm extra's torch is the CPU build: torch==2.13.0 is a file on this machine's disk (a bare `torch` would pull a
# CUDA build of several GB). Installing it adds about 1 min of CPU, 3.5 min wall on a busy machine.
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet 'torch==2.13.0'
	$(BIN)/pip install --quiet -e '.[all,lm,test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/natlat score

# The package as its users' type checkers see it (mypy, [tool.mypy] in pyproject.toml; py.typed is shipped).
typecheck: install-test
	$(BIN)/python -m mypy

test: install-test typecheck
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) build *.egg-info

# The figures of benchmarks/RESULTS.md. fidelity.py compares with the compressors' own CLIs (Debian's zstd, lz4).
benchmarks: install-test
	command -v zstd >/dev/null && command -v lz4 >/dev/null || (apt-get update -qq && apt-get install -y -qq zstd lz4)
	$(BIN)/pip install --quiet -e '.[all,test,bench]'
	$(BIN)/python benchmarks/accuracy.py
	$(BIN)/python benchmarks/model_speed.py
	$(BIN)/python benchmarks/tiny_mixtures.py
	$(BIN)/python benchmarks/compressors.py
	$(BIN)/python benchmarks/fidelity.py
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/interval_coverage.py
	$(BIN)/python benchmarks/text_coders.py
	$(BIN)/python benchmarks/text_coders.py --build-lm /tmp/natlat-lm10m --lm /tmp/natlat-lm10m --lm-threads 1 --lm-only

# Mutation testing (benchmarks/MUTATION.md): mutmut over the estimators, model coders, priors and table serialisation
# ([tool.mutmut] in pyproject.toml), one mutant at a time under nice. Slow (hours for all four modules on 2 cores), so
# not part of `make test`; MUTANTS='natlat_compress.conditions.*' runs one module.
mutation: install-test
	$(BIN)/pip install --quiet -e '.[all,test,mutation]'
	NATLAT_SHARED=$(abspath ../shared) nice -n 19 $(BIN)/mutmut run --max-children 1 $(MUTANTS) || true
	$(BIN)/python benchmarks/mutation_report.py
