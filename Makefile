# One entry point for people and CI. Everything installs into ./.venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT := out
YEAR := 2026
STAMP := $(VENV)/.installed

.PHONY: demo test lint types unit sample-data templates docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q src  # as a wheel install does: bytecode even where PYTHONDONTWRITEBYTECODE is set
	touch $(STAMP)

## demo: install, then run the year's work on sample_data/ into out/, and the 绿色社区 year into out/绿色社区/
demo: GREEN = sample_data/green
demo: GREEN_ARGS = --config $(GREEN)/greencomm.toml --year $(YEAR)
demo: $(STAMP)
	rm -rf $(OUT) && mkdir -p $(OUT)
	$(BIN)/greencomm template --year $(YEAR) -o $(OUT)/申报汇总表模板.xlsx
	$(BIN)/greencomm validate sample_data/submissions --reviews sample_data/reviews \
		--register sample_data/register.xlsx --year $(YEAR) -o $(OUT)/校验结果
	@echo "--- sample_data/flawed: workbooks with planted mistakes; validate finds them and exits 1, as expected ---"
	$(BIN)/greencomm validate sample_data/flawed --year $(YEAR) -o $(OUT)/校验结果-问题样例 -q; test $$? -eq 1
	$(BIN)/greencomm score sample_data/submissions --year $(YEAR) -o $(OUT)/评审前-评分结果.xlsx -q
	$(BIN)/greencomm rank $(OUT)/评审前-评分结果.xlsx --year $(YEAR) -o $(OUT)/评审前-排名.xlsx -q
	$(BIN)/greencomm shortlist $(OUT)/评审前-排名.xlsx --year $(YEAR) -o $(OUT)/评审前-推荐现场评审名单.xlsx
	$(BIN)/greencomm score sample_data/submissions --reviews sample_data/reviews \
		--register sample_data/register.xlsx --year $(YEAR) -o $(OUT)/评分结果.xlsx -q
	$(BIN)/greencomm rank $(OUT)/评分结果.xlsx --year $(YEAR) -o $(OUT)/排名.xlsx -q
	$(BIN)/greencomm shortlist $(OUT)/排名.xlsx --year $(YEAR) -o $(OUT)/名单.xlsx --json > $(OUT)/名单.json
	cp sample_data/register.xlsx $(OUT)/历年命名名录.xlsx
	$(BIN)/greencomm publicize $(OUT)/名单.xlsx --year $(YEAR) --start $(YEAR)-12-01 -o $(OUT)/公示
	$(BIN)/greencomm report $(OUT)/名单.xlsx --year $(YEAR) --date $(YEAR)-12-20 \
		--narrative sample_data/年度总结素材.md -o $(OUT)/年度总结
	$(BIN)/greencomm name $(OUT)/名单.xlsx --year $(YEAR) --notice-start $(YEAR)-12-01 --date $(YEAR)-12-08 \
		-o $(OUT)/命名决定 -q
	$(BIN)/greencomm register add $(OUT)/名单.xlsx --register $(OUT)/历年命名名录.xlsx --year $(YEAR)
	@echo "--- 绿色社区 (sample_data/green): one tier, eight districts, its own greencomm.toml ---"
	mkdir -p $(OUT)/绿色社区
	$(BIN)/greencomm validate $(GREEN)/submissions --reviews $(GREEN)/reviews $(GREEN_ARGS) -o $(OUT)/绿色社区/校验结果
	$(BIN)/greencomm shortlist $(GREEN)/submissions $(GREEN_ARGS) -o $(OUT)/绿色社区/评审前-推荐现场评审名单.xlsx
	$(BIN)/greencomm shortlist $(GREEN)/submissions --reviews $(GREEN)/reviews $(GREEN_ARGS) \
		-o $(OUT)/绿色社区/名单.xlsx --json > $(OUT)/绿色社区/名单.json
	$(BIN)/greencomm publicize $(OUT)/绿色社区/名单.xlsx $(GREEN_ARGS) --start $(YEAR)-12-01 -o $(OUT)/绿色社区/公示
	$(BIN)/greencomm report $(OUT)/绿色社区/名单.xlsx $(GREEN_ARGS) --date $(YEAR)-12-20 \
		--narrative $(GREEN)/年度总结素材.md -o $(OUT)/绿色社区/年度总结
	$(BIN)/greencomm name $(OUT)/绿色社区/名单.xlsx $(GREEN_ARGS) --notice-start $(YEAR)-12-01 --date $(YEAR)-12-08 \
		-o $(OUT)/绿色社区/命名决定 -q
	@echo "demo outputs are in $(OUT)/ (the 绿色社区 year in $(OUT)/绿色社区/)"

## test: install, then every check: ruff, ruff format, mypy, pytest
test: lint types unit

lint: $(STAMP)
	$(BIN)/ruff check src tests sample_data tools benchmarks
	$(BIN)/ruff format --check src tests sample_data tools benchmarks

types: $(STAMP)
	$(BIN)/mypy src

unit: $(STAMP)
	$(BIN)/pytest -n auto --dist loadfile  # a process a core, each test file in one (its module fixtures made once)

sample-data: $(STAMP)
	$(BIN)/python sample_data/generate.py
	$(BIN)/python sample_data/generate_green.py

## templates: rebuild the Word templates (GB/T 9704 layout) from tools/make_docx_templates.py
templates: $(STAMP)
	$(BIN)/python tools/make_docx_templates.py

## docs: render docs/problems.md and the README's Layout from the code (tests/test_docs.py checks they are current)
docs: $(STAMP)
	$(BIN)/python tools/render_docs.py

## bench: the national-scale benchmark (the CLI on 1k/10k/100k communities, per-row and repeated); writes BENCHMARKS.md. Not part of test.
bench: $(STAMP)
	$(BIN)/python -m compileall -q src  # the program as installed: its bytecode current
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
