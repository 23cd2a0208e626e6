"""template: the blank district workbook, saved and read back as a district would open it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from conftest import YEAR, valid_row
from greencomm.api import validate
from greencomm.errors import ConfigError
from greencomm.programme import Programme, load_programme
from greencomm.programme.headers import header_base
from greencomm.programme.layouts import activity_columns, submission_columns
from greencomm.programme.rubric import fmt
from greencomm.programme.settings import Settings
from greencomm.read.tables import parse_cell
from greencomm.write.blank_workbook import DATA_ROWS, build_template
from greencomm.write.jinja import templates_path

HEADER_ROW = 3
FIRST, LAST = HEADER_ROW + 1, HEADER_ROW + DATA_ROWS
HAVE_NONE_HEADERS = {"近三年环境违法处罚", "近三年重大环境污染或安全事件"}


def _saved(programme: Programme, tmp_path: Path, templates_dir: Path | None = None) -> openpyxl.Workbook:
    path = tmp_path / "blank.xlsx"
    build_template(programme, templates_dir).save(path)
    return openpyxl.load_workbook(path)


def _validations(ws: Worksheet) -> dict[str, DataValidation]:
    """Each validated range (`B4:B203`) with its validation."""
    return {str(r): dv for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges}


def _options(dv: DataValidation) -> list[str]:
    assert dv.type == "list"
    assert dv.formula1 is not None
    return dv.formula1.strip('"').split(",")


def _texts(ws: Worksheet) -> str:
    return "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None)


def test_sheets_in_order(programme: Programme, tmp_path: Path) -> None:
    book = _saved(programme, tmp_path)
    assert book.sheetnames == ["申报汇总表", "创建活动", "填报说明"]
    assert book.active is not None and book.active.title == "申报汇总表"
    assert book.properties.creator == "greencomm"
    assert book.properties.title and str(YEAR) in book.properties.title


def test_title_notes_and_canonical_headers(programme: Programme, tmp_path: Path) -> None:
    ws = _saved(programme, tmp_path)["申报汇总表"]
    assert ws["A1"].value == f"{YEAR}年xx市××区节能环保社区申报汇总表"
    assert "2026年9月30日" in ws["A2"].value
    headers = [c.value for c in ws[HEADER_ROW]]
    assert headers == [c.header for c in submission_columns(programme)]
    assert all(c.font.bold and c.alignment.wrap_text for c in ws[HEADER_ROW])


def test_header_frozen_filtered_and_printable(programme: Programme, tmp_path: Path) -> None:
    ws = _saved(programme, tmp_path)["申报汇总表"]
    assert ws.freeze_panes is not None and ws.freeze_panes.endswith(str(FIRST))  # rows below the header
    assert ws.freeze_panes == "E4"  # 序号…社区名称 stay in view
    last = get_column_letter(len(submission_columns(programme)))
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:{last}{LAST}"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize or 0) == 8  # A3
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (3, 0)  # three pages wide, readable
    assert ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"$1:${HEADER_ROW}"


def test_widths_fit_chinese_headers(programme: Programme, tmp_path: Path) -> None:
    ws = _saved(programme, tmp_path)["申报汇总表"]
    community_type = ws.column_dimensions["E"].width  # 社区类型: its longest choice is 8 CJK characters
    assert community_type >= 2 * len("城中村或农民新村")


def test_every_choice_and_yes_no_column_has_a_dropdown(programme: Programme, tmp_path: Path) -> None:
    ws = _saved(programme, tmp_path)["申报汇总表"]
    validations = _validations(ws)
    for n, col in enumerate(submission_columns(programme), start=1):
        if col.type not in ("choice", "yesno") and col.key != "district":
            continue
        letter = get_column_letter(n)
        dv = validations[f"{letter}{FIRST}:{letter}{LAST}"]
        if col.key == "district":
            expected = list(programme.settings.districts)
        elif col.type == "yesno":
            expected = ["有", "无"] if col.header in HAVE_NONE_HEADERS else ["是", "否"]
        else:
            expected = list(col.choices)
        assert _options(dv) == expected, col.header
        assert dv.showErrorMessage and dv.error and dv.showInputMessage and dv.prompt
    # Q1 is a warning, so a district outside the list is not refused outright
    assert validations[f"B{FIRST}:B{LAST}"].errorStyle == "warning"


def test_number_year_and_date_validations(programme: Programme, tmp_path: Path) -> None:
    ws = _saved(programme, tmp_path)["申报汇总表"]
    validations = _validations(ws)
    for n, col in enumerate(submission_columns(programme), start=1):
        letter = get_column_letter(n)
        dv = validations.get(f"{letter}{FIRST}:{letter}{LAST}")
        if col.type == "integer":
            assert dv is not None and dv.type == "whole", col.header
            assert (dv.operator, dv.formula1) == (
                ("greaterThan", "0") if col.above == 0 else ("greaterThanOrEqual", "0")
            )
        elif col.maximum is not None:  # 自评分 of review items
            assert dv is not None and dv.type == "decimal"
            assert (dv.formula1, dv.formula2) == ("0", fmt(col.maximum))
        elif col.type == "year":
            assert dv is not None and (dv.type, dv.formula1, dv.formula2) == ("whole", "1990", str(YEAR))
        elif col.type == "date":
            assert dv is not None and dv.type == "date"
        elif col.type == "percent":
            assert dv is not None and (dv.type, dv.formula1, dv.formula2) == ("decimal", "0", "100")


def test_data_cells_are_preformatted(programme: Programme, tmp_path: Path) -> None:
    ws = _saved(programme, tmp_path)["申报汇总表"]
    expected = {"percent": "0.0%", "date": "yyyy-mm-dd", "phone": "@"}
    for n, col in enumerate(submission_columns(programme), start=1):
        if col.type in expected:
            for row in (FIRST, LAST):
                assert ws.cell(row, n).number_format == expected[col.type], (col.header, row)


def test_activity_sheet(programme: Programme, tmp_path: Path) -> None:
    ws = _saved(programme, tmp_path)["创建活动"]
    assert [c.value for c in ws[1]] == [c.header for c in activity_columns(programme)]
    assert ws.freeze_panes == "A2"
    validations = _validations(ws)
    last = DATA_ROWS + 1
    assert _options(validations[f"B2:B{last}"]) == ["培训", "宣传", "交流", "其他"]
    assert validations[f"A2:A{last}"].type == "date"
    assert validations[f"D2:D{last}"].type == "whole"
    assert ws["A2"].number_format == "yyyy-mm-dd"


def test_instructions_cover_the_rubric(programme: Programme, tmp_path: Path) -> None:
    ws = _saved(programme, tmp_path)["填报说明"]
    text = _texts(ws)
    rubric = programme.rubric
    for code in [*rubric.item_ids, *(v.id for v in rubric.vetoes), "Q1", "Q2", "Q3", "Q4"]:
        assert code in text, code
    assert "2026年9月30日" in text
    assert ws["A1"].font.bold
    # the rubric is a real table: a bold header row, then one row per category and item
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header = rows.index(["编号", "考评项目", "满分", "填报列", "计分规则"])
    assert ws.cell(header + 1, 1).font.bold
    by_id = {r[0]: r for r in rows[header + 1 :]}
    for item in rubric.items:
        assert by_id[item.id] == [item.id, item.name, int(item.max), item.column, item.rule_text()]
    for cat in rubric.categories:
        assert by_id[cat.id][1:3] == [cat.name, int(cat.max)]


def test_custom_templates_dir_is_used(programme: Programme, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "instructions.md.j2").write_text(
        "# 本区自定义说明 {{ year }}\n截止：{{ deadline }}\n| 编号 | 分 |\n|---|---|\n"
        "{% for c in categories %}| {{ c.id }} | {{ c.max }} |\n{% endfor %}",
        encoding="utf-8",
    )
    ws = _saved(programme, tmp_path, mine)["填报说明"]
    assert ws["A1"].value == "本区自定义说明 2026"
    assert ws["A2"].value == "截止：2026年9月30日"
    assert [c.value for c in ws[3]] == ["编号", "分"]
    assert [c.value for c in ws[4]] == ["A", 15]
    assert "一票否决" not in _texts(ws)


@pytest.mark.parametrize(
    "text",
    [
        "{{ no_such_name }}",  # StrictUndefined: a typo is an error, not a blank
        "{{ year.__class__.__mro__ }}",  # the sandbox refuses internals
        "{% for %}",
    ],
)
def test_broken_template_is_a_config_error(programme: Programme, tmp_path: Path, text: str) -> None:
    (tmp_path / "instructions.md.j2").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"instructions\.md\.j2"):
        build_template(programme, tmp_path)


def test_templates_path() -> None:
    assert templates_path(Path("/x")) == Path("/x")
    assert (templates_path() / "instructions.md.j2").is_file()


def test_many_districts_do_not_break_the_workbook(tmp_path: Path) -> None:
    base = load_programme(year=YEAR)
    districts = [f"第{n}测试新区" for n in range(60)]  # an inline list over Excel's 255 characters
    programme = Programme(Settings(year=YEAR, districts=districts), base.rubric)
    ws = _saved(programme, tmp_path)["申报汇总表"]
    assert all(len(dv.formula1 or "") <= 255 for dv in ws.data_validations.dataValidation)
    assert f"B{FIRST}:B{LAST}" not in _validations(ws)


def _as_excel_stores(col_type: str, value: Any) -> Any:
    """A value as Excel keeps it after a district types it in the formatted cell: 92% → 0.92."""
    if col_type == "percent" and isinstance(value, str) and value.endswith("%"):
        return float(Decimal(value[:-1]) / 100)
    if col_type == "date" and isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    return value


def _filled(programme: Programme, tmp_path: Path) -> Path:
    path = tmp_path / "filled.xlsx"
    book = build_template(programme)
    ws = book["申报汇总表"]
    rows = [valid_row(), valid_row(seq=2, community="文庙坪社区", target="节能环保示范社区")]
    for r, row in enumerate(rows, start=FIRST):
        for n, col in enumerate(submission_columns(programme), start=1):
            ws.cell(r, n, _as_excel_stores(col.type, row[col.key]))
    for n, value in enumerate([dt.datetime(YEAR, 4, 22), "培训", "创建骨干培训班", 60], start=1):
        book["创建活动"].cell(2, n, value)  # not append(): the pre-formatted rows count as used
    book.save(path)
    return path


def test_filled_template_reads_back(programme: Programme, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(_filled(programme, tmp_path))["申报汇总表"]
    for n, col in enumerate(submission_columns(programme), start=1):
        assert header_base(ws.cell(HEADER_ROW, n).value) in col.accepted, col.header
        _, problem = parse_cell(col, ws.cell(FIRST, n).value)
        assert problem is None or (problem == "missing-value" and not col.value_required), col.header
    assert parse_cell(submission_columns(programme)[7], ws["H4"].value) == (Decimal("92"), None)


def test_template_filled_without_activities_validates_clean(programme: Programme, tmp_path: Path) -> None:
    path = _filled(programme, tmp_path)
    book = openpyxl.load_workbook(path)
    for cell in book["创建活动"][2]:
        cell.value = None
    book.save(path)
    assert validate([path], programme).problems == []


def test_filled_template_validates_clean(programme: Programme, tmp_path: Path) -> None:
    report = validate([_filled(programme, tmp_path)], programme)
    assert report.problems == []
    assert len(report.submissions.frame) == 2
