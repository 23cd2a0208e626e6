"""Files districts send: .xls and .ods (and .xlsb) read like an .xlsx, through the same guard and
reading process; and a folder given in the wrong place recognised and refused once."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import WriteBook, convert, valid_row
from greencomm.cli import app
from greencomm.errors import InputError
from greencomm.read.guard import ODS, XLS, XLSB, XLSX, open_book
from greencomm.write.rebuilt import cell_value

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
SOFFICE = shutil.which("soffice")
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
UNSEEN_IN_XLS = {"merged-cells", "formula-not-calculated"}  # what the cells-not-checked warning names


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    base = tmp_path_factory.mktemp("converted")
    books = sorted((SAMPLE / "submissions").glob("*.xlsx"))
    return {fmt: convert(books, fmt, base / fmt) for fmt in ("xls", "ods")}


def _run(args: list[str], tmp_path: Path) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--year", "2026", "--json"])
    assert result.exit_code in (0, 1), result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def _same_names(doc: dict[str, Any], suffix: str) -> dict[str, Any]:
    """The document with the converted files' names as the originals'."""
    loaded: dict[str, Any] = json.loads(json.dumps(doc, ensure_ascii=False).replace(f"{suffix}", ".xlsx"))
    return loaded


def _keys(problems: list[dict[str, Any]]) -> set[tuple[str, str, str, str]]:
    return {(p["file"], p["sheet"], p["cell"], p["code"]) for p in problems if p["code"] != "cells-not-checked"}


# ---------------------------------------------------------------- the sample year, converted
@needs_libreoffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_the_sample_year_scores_the_same_in_xls_and_ods(converted: dict[str, Path], fmt: str, tmp_path: Path) -> None:
    original = _run(["score", str(SAMPLE / "submissions"), "-o", str(tmp_path / "a.xlsx")], tmp_path)
    other = _run(["score", str(converted[fmt]), "-o", str(tmp_path / "b.xlsx")], tmp_path)
    same = _same_names(other, f".{fmt}")
    assert same["communities"] == original["communities"]  # scores, ranks, statuses, reasons
    assert same["counts"] == original["counts"]
    assert _keys(same["problems"]) == _keys(original["problems"])
    warned = {p["file"] for p in other["problems"] if p["code"] == "cells-not-checked"}
    assert warned == {p.name for p in converted[fmt].glob(f"*.{fmt}")}, "said once per file"


@needs_libreoffice
def test_an_xls_gets_an_annotated_xlsx_copy_that_reads_as_the_original(
    converted: dict[str, Path], tmp_path: Path
) -> None:
    xls = converted["xls"] / "2026年雨花区节能环保社区申报汇总表.xls"
    out = tmp_path / "校验结果"
    first = _run(["validate", str(xls), "-o", str(out)], tmp_path)
    copy = out / "2026年雨花区节能环保社区申报汇总表_问题标注.xlsx"
    assert copy.exists()
    book = openpyxl.load_workbook(copy)
    assert book.sheetnames[0] == "问题清单"
    marked = [p for p in first["problems"] if p["cell"] and p["sheet"] == "申报汇总表"]
    assert marked
    for p in marked:
        cell = book["申报汇总表"][p["cell"]]
        colour = "FFC7CE" if p["severity"] == "error" else "FFEB9C"
        assert str(cell.fill.fgColor.rgb).endswith(colour), p
        assert cell.comment is not None and "greencomm" in cell.comment.author
    codes = [row[7].value for row in book["问题清单"].iter_rows(min_row=2)]
    assert "cells-not-checked" in codes
    # the copy holds the values read: sent back as it is, it is read as the .xls was
    again = _run(["validate", str(copy)], tmp_path)
    assert {k[1:] for k in _keys(again["problems"])} == {k[1:] for k in _keys(first["problems"])}


@needs_libreoffice
def test_the_planted_errors_are_found_in_the_xls(tmp_path: Path) -> None:
    from greencomm.api import validate
    from greencomm.programme import load_programme

    planted = json.loads((SAMPLE / "flawed" / "planted.json").read_text(encoding="utf-8"))
    folder = convert(sorted((SAMPLE / "flawed").glob("*.xlsx")), "xls", tmp_path / "xls")
    run = validate([folder], load_programme(year=2026))
    found = {(p.file.replace(".xls", ".xlsx"), p.sheet, p.cell, p.code) for p in run.problems}
    warned = {p.file.replace(".xls", ".xlsx") for p in run.problems if p.code == "cells-not-checked"}
    for plant in planted:
        key = (plant["file"], plant["sheet"], plant["cell"], plant["code"])
        if plant["code"] in UNSEEN_IN_XLS:  # an .xls shows no merges; LibreOffice calculated the formula
            assert plant["file"] in warned, plant
        else:
            assert key in found, plant


@needs_libreoffice
def test_a_hidden_sheet_and_a_far_column_of_an_xls(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(SAMPLE / "submissions" / "2026年芙蓉区节能环保社区申报汇总表.xlsx")
    book["申报汇总表"].sheet_state = "hidden"  # the table kept out of sight, a note shown instead
    book.create_sheet("说明", 0)["A1"] = "见隐藏表"
    book.create_sheet("宽表")["IV3"] = "far"  # column 256, beyond [limits] max_columns = 200
    book.active = 0
    book.save(tmp_path / "a.xlsx")
    xls = convert([tmp_path / "a.xlsx"], "xls", tmp_path / "xls") / "a.xls"
    doc = _run(["validate", str(xls)], tmp_path)
    assert ("申报汇总表", "hidden-sheet") in {(p["sheet"], p["code"]) for p in doc["problems"]}
    assert doc["communities"] > 0
    from greencomm.read.workbook import read_workbook

    with pytest.raises(InputError) as refused:
        read_workbook(xls).sheet("宽表")
    assert refused.value.code == "sheet-too-large" and refused.value.problem.cell == "IV3"


@needs_libreoffice
def test_an_office_document_that_is_no_workbook_is_refused(tmp_path: Path) -> None:
    from docx import Document

    doc = Document()
    doc.add_paragraph("说明")
    doc.save(tmp_path / "note.docx")
    word = convert([tmp_path / "note.docx"], "doc", tmp_path / "doc") / "note.doc"
    renamed = word.rename(word.with_suffix(".xls"))
    with pytest.raises(InputError) as refused:
        open_book(renamed)
    assert refused.value.code == "not-a-workbook" and "Office 97-2003" in str(refused.value)


# ---------------------------------------------------------------- without LibreOffice
MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest'
    ' xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def _ods(body: str) -> bytes:
    """An .ods holding one sheet of the given rows (OpenDocument XML)."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content'
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="申报汇总表">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", MANIFEST)
        archive.writestr("content.xml", content)
    return out.getvalue()


FAR = (
    '<table:table-row><table:table-cell office:value-type="string"><text:p>所属区</text:p></table:table-cell>'
    '</table:table-row><table:table-row table:number-rows-repeated="1048574"><table:table-cell/></table:table-row>'
    '<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
    '<table:table-cell office:value-type="float" office:value="1"/></table:table-row>'
)
HUGE = (
    '<table:table-row table:number-rows-repeated="100000">'
    '<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="150"/>'
    "</table:table-row>"
)  # 15 million cells in 800 bytes, all within the row and column limits


@pytest.mark.parametrize(("body", "words"), [(FAR, "Cell limit exceeded"), (HUGE, "内存超过上限 512 MB")])
def test_a_far_cell_or_a_huge_sheet_in_an_ods_is_refused_and_the_batch_goes_on(
    body: str, words: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bad.ods").write_bytes(_ods(body))
    good = openpyxl.load_workbook(SAMPLE / "submissions" / "2026年芙蓉区节能环保社区申报汇总表.xlsx")
    good.save(tmp_path / "good.xlsx")
    (tmp_path / "greencomm.toml").write_text("[limits]\nmax_read_mb = 512\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", str(tmp_path), "--year", "2026", "--json", "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    bad = [p for p in doc["problems"] if p["file"] == "bad.ods" and p["code"] == "sheet-too-large"]
    assert bad and words in bad[0]["message"], doc["problems"]
    assert doc["communities"] > 0  # the other workbook was read


def test_the_guard_tells_the_formats_apart_by_content(tmp_path: Path) -> None:
    ods = tmp_path / "named.xlsx"
    ods.write_bytes(_ods(""))
    assert open_book(ods)[1] == ODS
    xlsb = tmp_path / "b.xlsb"
    with zipfile.ZipFile(xlsb, "w") as archive:
        archive.writestr("xl/workbook.bin", b"\x00" * 16)
    assert open_book(xlsb)[1] == XLSB
    html = tmp_path / "export.xls"  # what web systems save as "Excel"
    html.write_bytes(b"<html><body><table><tr><td>1</td></tr></table></body></html>")
    with pytest.raises(InputError) as refused:
        open_book(html)
    assert refused.value.code == "not-a-workbook" and "扩展名为 .xls" in str(refused.value)
    assert XLS == "xls"


def test_the_guard_hands_over_what_an_xlsx_holds_as_it_reads_it(write_submission: WriteBook, tmp_path: Path) -> None:
    """An .xlsx's xl/workbook.xml and its rels come with the guard's answer when it opened the zip
    (the file opened and its directory parsed once while a folder is listed): none for another
    format, for a file let through before, or when a part is missing (reading the workbook says so)."""
    from greencomm.read import guard

    path = write_submission([valid_row()])
    guard._PASSED.clear()
    opened = open_book(path)
    with zipfile.ZipFile(path) as archive:
        assert opened.parts == tuple(archive.read(part) for part in guard.BOOK_PARTS) and opened.kind == XLSX
    assert open_book(path).parts is None  # let through before: read_workbook reads them (or has them)
    no_rels = tmp_path / "no-rels.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(no_rels, "w") as archive:
        for item in source.infolist():
            if item.filename != guard.BOOK_PARTS[1]:
                archive.writestr(item, source.read(item))
    assert open_book(no_rels).parts is None
    ods = tmp_path / "named.xlsx"
    ods.write_bytes(_ods(""))
    assert open_book(ods).parts is None


def test_a_damaged_xlsb_is_refused_not_a_crash(tmp_path: Path) -> None:
    xlsb = tmp_path / "b.xlsb"
    with zipfile.ZipFile(xlsb, "w") as archive:
        archive.writestr("xl/workbook.bin", b"\x00" * 16)
    result = runner.invoke(app, ["validate", str(xlsb), "--year", "2026", "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "(damaged-file)" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("text", "value"),
    [("85", 85), ("0.7345", 0.7345), ("-3", -3), ("07318456789", "07318456789"),
     ("1234567890123456", "1234567890123456"), ("85%", "85%"), ("true", "true"), ("=1+1", "=1+1")],
)  # fmt: skip
def test_a_rebuilt_copy_writes_numbers_as_numbers_and_keeps_the_rest_as_text(text: str, value: object) -> None:
    assert cell_value(text)[0] == value


# ---------------------------------------------------------------- the wrong folder
WRONG = [
    (["score", str(SAMPLE / "reviews")], "这些看起来是现场评审评分表，不是申报汇总表", " --reviews "),
    (["score", str(SAMPLE / "submissions"), "--reviews", str(SAMPLE / "submissions")],
     "这些看起来是申报汇总表，不是现场评审评分表", "命令的文件/文件夹参数"),
    (["validate", str(SAMPLE / "register.xlsx")], "这些看起来是历年命名名录，不是申报汇总表", " --register "),
    (["score", str(SAMPLE / "submissions"), "--register", str(SAMPLE / "reviews" / "现场评审评分表_01_张建华.xlsx")],
     "这些看起来是现场评审评分表，不是历年命名名录", " --reviews "),
]  # fmt: skip


@pytest.mark.parametrize(("args", "said", "belongs"), WRONG)
def test_a_folder_given_in_the_wrong_place_is_said_once_and_nothing_is_written(
    args: list[str], said: str, belongs: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, [*args, "--year", "2026", "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert result.stderr.count(said) == 1 and "(wrong-kind-of-workbook)" in result.stderr
    assert f"请作为{belongs}给出" in result.stderr
    assert "missing-column" not in result.stderr and "缺少必填列" not in result.stderr
    assert not out.exists()


def test_the_wrong_folder_in_english(tmp_path: Path) -> None:
    result = runner.invoke(app, ["score", str(SAMPLE / "reviews"), "--year", "2026", "-o", str(tmp_path / "o.xlsx")],
                           env={"GREENCOMM_LANG": "en"})  # fmt: skip
    assert result.exit_code == 1
    assert "these look like review sheets, not submissions: 现场评审评分表_01_张建华.xlsx" in result.stderr
    assert "give review sheets as --reviews" in result.stderr


def test_the_right_folders_are_not_refused(tmp_path: Path) -> None:
    args = ["score", str(SAMPLE / "submissions"), "--reviews", str(SAMPLE / "reviews"), "--register",
            str(SAMPLE / "register.xlsx"), "--year", "2026", "-o", str(tmp_path / "o.xlsx")]  # fmt: skip
    result = runner.invoke(app, args)
    assert "wrong-kind-of-workbook" not in result.stderr and (tmp_path / "o.xlsx").exists()


@needs_libreoffice
def test_an_xls_and_an_xlsx_of_one_name_get_a_copy_each(converted: dict[str, Path], tmp_path: Path) -> None:
    name = "2026年雨花区节能环保社区申报汇总表"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(converted["xls"] / f"{name}.xls", inbox)
    shutil.copy(SAMPLE / "submissions" / f"{name}.xlsx", inbox)
    _run(["validate", str(inbox), "-o", str(tmp_path / "o")], tmp_path)
    copies = sorted(p.name for p in (tmp_path / "o").glob("*_问题标注.xlsx"))
    assert copies == [f"{name}.xlsx_问题标注.xlsx", f"{name}_问题标注.xlsx"]  # in name order: .xls first
