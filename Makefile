# The two commands of the README: `make run` (install, index if needed, start the UI) and `make test`.
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: setup run test bench eval

setup:
	bash scripts/setup.sh

run: setup
	$(VENV)/bin/jianggao serve --host $(HOST) --port $(PORT)

test: setup
	bash scripts/setup-browser.sh
	JIANGGAO_FULL_SETUP=1 $(VENV)/bin/python -m pytest -q

bench: setup
	$(VENV)/bin/python scripts/bench_index.py

eval: setup
	bash scripts/eval.sh
