# One entry point for people and CI. Everything installs into ./.venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT := out
YEAR := 2026
STAMP := $(VENV)/.installed

.PHONY: demo test lint types unit sample-data clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: install, then run the year's work on sample_data/ into out/
demo: $(STAMP)
	rm -rf $(OUT) && mkdir -p $(OUT)
	$(BIN)/greencomm template --year $(YEAR) -o $(OUT)/申报汇总表模板.xlsx
	$(BIN)/greencomm validate sample_data/submissions --reviews sample_data/reviews \
		--register sample_data/register.xlsx --year $(YEAR) -o $(OUT)/校验结果
	-$(BIN)/greencomm validate sample_data/flawed --year $(YEAR) -o $(OUT)/校验结果-问题样例 -q
	@echo "demo outputs are in $(OUT)/"

## test: install, then every check: ruff, ruff format, mypy, pytest
test: lint types unit

lint: $(STAMP)
	$(BIN)/ruff check src tests sample_data
	$(BIN)/ruff format --check src tests sample_data

types: $(STAMP)
	$(BIN)/mypy src

unit: $(STAMP)
	$(BIN)/pytest

sample-data: $(STAMP)
	$(BIN)/python sample_data/generate.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
