"""Cells that hold no value a person meant: merged ranges, Excel error values, formulas never
calculated, control characters, novels in a cell, and a hidden sheet — each a problem at its cell,
the same whichever reader reads it."""

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from conftest import WriteBook, valid_row
from greencomm.api import validate
from greencomm.programme import Programme
from make_corpus import rewrite_part

ROWS = [valid_row(seq=n, community=f"第{n}社区") for n in range(1, 6)]  # rows 3–7 below title and header


def _edit(path: Path, change: Callable[[openpyxl.worksheet.worksheet.Worksheet], None]) -> Path:
    book = openpyxl.load_workbook(path)
    sheet = book["申报汇总表"]
    change(sheet)
    book.save(path)
    return path


def _xml(text: str) -> str:
    """Text as openpyxl writes it into a sheet: non-ASCII as character references."""
    return "".join(f"&#{ord(c)};" if ord(c) > 127 else c for c in text)


def _letter(sheet: openpyxl.worksheet.worksheet.Worksheet, header: str) -> str:
    return next(c.column_letter for c in sheet[2] if c.value == header)


def _problems(programme: Programme, path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[tuple[str, str]]]:
    """(cell, code) of every problem, by reader: both must agree."""
    out = {}
    for engine in ("fastexcel", "openpyxl"):
        monkeypatch.setenv("GREENCOMM_READER", engine)
        report = validate([path], programme)
        out[engine] = [(p.cell, p.code) for p in report.problems]
    assert out["fastexcel"] == out["openpyxl"]
    return out


def test_merged_cells_in_the_data_are_one_error_at_their_first_cell(
    write_submission: WriteBook, programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _edit(write_submission(ROWS), lambda s: (s.merge_cells("B3:B5"), s.merge_cells("A1:H1")))
    report = validate([path], programme)
    merged = [p for p in report.problems if p.code == "merged-cells"]
    assert [(p.cell, p.params["range"]) for p in merged] == [("B3", "B3:B5")]  # the title's merge is no problem
    assert "合并了单元格 B3:B5" in merged[0].text() and "取消合并" in merged[0].hint()
    assert not [p for p in report.problems if p.cell in ("B4", "B5")], "no second problem inside the merge"
    _problems(programme, path, monkeypatch)


def test_a_merged_note_row_below_the_table_is_only_an_ignored_row(
    write_submission: WriteBook, programme: Programme
) -> None:
    def note(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        sheet["A9"] = "填表说明：各项数据以2026年8月31日为准"
        sheet.merge_cells("A9:AR9")

    report = validate([_edit(write_submission(ROWS), note)], programme)
    assert [p.code for p in report.problems] == ["ignored-row"]


def test_excel_error_values_are_named(
    write_submission: WriteBook, programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    def errors(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        sheet[f"{_letter(sheet, '户数')}4"] = "#DIV/0!"
        sheet[f"{_letter(sheet, '社区名称')}5"] = "#N/A"

    path = _edit(write_submission(ROWS), errors)
    assert 't="e"' in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    report = validate([path], programme)
    found = {p.cell: (p.code, p.value) for p in report.problems}
    households, community = _letter(openpyxl.load_workbook(path)["申报汇总表"], "户数"), "D"
    assert found[f"{households}4"] == ("excel-error", "#DIV/0!")
    assert found[f"{community}5"] == ("excel-error", "#N/A")
    frame = report.submissions.frame
    assert frame.loc[frame._row == 4, "households"].iloc[0] is None
    blanked = frame.loc[frame._row == 5]  # keyed again once its name is blanked: no key of "#N/A"
    assert blanked.community.iloc[0] is None and blanked._key.iloc[0] is None
    assert "Excel 错误值 #DIV/0!" in next(p for p in report.problems if p.code == "excel-error").text()
    _problems(programme, path, monkeypatch)


def test_text_that_spells_an_excel_error_is_one_too(write_submission: WriteBook, programme: Programme) -> None:
    report = validate([write_submission([valid_row(street="#REF!")])], programme)
    assert [(p.code, p.value) for p in report.problems] == [("excel-error", "#REF!")]


@pytest.mark.parametrize("flagged", [True, False])
def test_formulas_without_a_calculated_value(
    write_submission: WriteBook, programme: Programme, monkeypatch: pytest.MonkeyPatch, flagged: bool
) -> None:
    def formulas(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        column = _letter(sheet, "常住人口")
        sheet[f"{column}3"] = f"={_letter(sheet, '户数')}3*3"

    path = _edit(write_submission(ROWS), formulas)  # openpyxl writes no value and asks to recalculate
    if not flagged:
        path = rewrite_part(path, "xl/workbook.xml", lambda xml: re.sub(r"<calcPr[^>]*/>", "", xml))
    report = validate([path], programme)
    found = [p for p in report.problems if p.code == "formula-not-calculated"]
    assert [p.cell for p in found] == [f"{_letter(openpyxl.load_workbook(path)['申报汇总表'], '常住人口')}3"]
    assert ("从未算过" in found[0].text()) if flagged else ("没有计算结果" in found[0].text())
    assert "在 Excel 或 WPS 中打开、保存后重新发送" in found[0].hint()
    assert not [p for p in report.problems if p.code == "missing-value"]
    _problems(programme, path, monkeypatch)


def test_a_calculated_formula_in_a_workbook_flagged_to_recalculate_is_not_trusted(
    write_submission: WriteBook, programme: Programme
) -> None:
    """Written by a program with a made-up cached value: the value was never calculated."""
    path = write_submission(ROWS)
    book = openpyxl.load_workbook(path)
    column = _letter(book["申报汇总表"], "常住人口")
    with_formula = rf'(<c r="{column}3"[^>]*?)( t="n")?>(<v>[^<]*</v>)'
    path = rewrite_part(path, "xl/worksheets/sheet1.xml", lambda xml: re.sub(with_formula, r"\1><f>1+1</f>\3", xml))
    assert "<f>1+1</f><v>" in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    report = validate([path], programme)
    assert [(p.cell, p.code) for p in report.problems] == [(f"{column}3", "formula-not-calculated")]
    frame = report.submissions.frame
    assert frame.loc[frame._row == 3, "population"].iloc[0] is None
    unflagged = rewrite_part(path, "xl/workbook.xml", lambda xml: re.sub(r"<calcPr[^>]*/>", "", xml))
    assert validate([unflagged], programme).problems == []  # saved by Excel: its value is trusted


def test_control_characters_and_long_text(
    write_submission: WriteBook, programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [*ROWS[:3], valid_row(seq=4, community="第4社区", street="定王台" + "街" * 600)]
    path = rewrite_part(write_submission(rows), "xl/worksheets/sheet1.xml",
                  lambda xml: xml.replace(_xml("第2社区"), _xml("第2") + "_x0007_" + _xml("社区"))
                                 .replace(_xml("李娟"), _xml("李") + "_x000B_" + _xml("娟"), 1))  # fmt: skip
    report = validate([path], programme)
    found = {p.code: p for p in report.problems}
    control = [p for p in report.problems if p.code == "control-characters"]
    contact = _letter(openpyxl.load_workbook(path)["申报汇总表"], "联系人")
    assert {(p.cell, p.params["chars"]) for p in control} == {("D4", "U+0007"), (f"{contact}3", "U+000B")}
    assert next(p for p in control if p.cell == "D4").value == "第2␇社区", "shown with the control's picture"
    long = found["text-too-long"]
    assert long.cell == "C6" and long.params == {"length": "603", "limit": "500"} and len(long.value) <= 101
    frame = report.submissions.frame
    assert frame.loc[frame._row == 4, "community"].iloc[0] is None
    _problems(programme, path, monkeypatch)


def test_the_text_limit_is_a_setting(write_submission: WriteBook, tmp_path: Path) -> None:
    from greencomm.programme import load_programme

    (tmp_path / "greencomm.toml").write_text("year = 2026\n[limits]\nmax_text_chars = 1000\n", encoding="utf-8")
    programme = load_programme(tmp_path / "greencomm.toml")
    report = validate([write_submission([valid_row(street="街" * 600)])], programme)
    assert report.problems == []


def test_a_hidden_submission_sheet_is_read_with_a_warning(write_submission: WriteBook, programme: Programme) -> None:
    def hide(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        sheet.parent.create_sheet("封面")
        sheet.sheet_state = "hidden"

    report = validate([_edit(write_submission(ROWS), hide)], programme)
    assert [(p.sheet, p.code, p.severity) for p in report.problems] == [("申报汇总表", "hidden-sheet", "warning")]
    assert len(report.submissions.frame) == 5


def test_a_problem_inside_a_merged_range_is_shown_on_its_first_cell(write_submission: WriteBook) -> None:
    from greencomm.problems import Problem
    from greencomm.write.annotate import annotate

    path = _edit(write_submission(ROWS), lambda s: s.merge_cells("B3:B5"))
    problems = [Problem("merged-cells", path.name, "申报汇总表", "B3", params={"range": "B3:B5"}),
                Problem("missing-value", path.name, "申报汇总表", "B4", "所属区")]  # fmt: skip
    sheet = annotate(path, problems)["申报汇总表"]
    comment = sheet["B3"].comment
    assert comment is not None and "合并了单元格" in comment.text and "“所属区”为空" in comment.text


def test_review_sheets_get_the_same_checks(write_submission: WriteBook, programme: Programme, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "现场评审评分表"
    sheet.append(["评审专家", "专家所在区", "所属区", "社区名称", "A2", "A3", "B3", "F1"])
    sheet.append(["王专家", "市直", "芙蓉区", "第1社区", 3, "#N/A", 2.5, 5])
    sheet.append(["李专家", "市直", "芙蓉区", "第1社区", 3, 2.5, 2.5, 5])
    sheet.merge_cells("C2:C3")
    book.save(tmp_path / "评审.xlsx")
    report = validate([write_submission(ROWS)], programme, reviews=[tmp_path / "评审.xlsx"])
    assert {(p.cell, p.code) for p in report.problems if p.is_error} == {("F2", "excel-error"), ("C2", "merged-cells")}
