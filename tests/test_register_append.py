"""register add on a register the clerk built by hand: a formula column with its calculated values,
an Excel table over the data, drop-downs on 状态 (and one Excel keeps in its x14 extension),
conditional colours, a second sheet. After the year's titles are appended all of it still works:
earlier rows, formulas and their values unchanged, the table, validations and colours covering the
new rows, every other part of the workbook byte for byte, and greencomm reads the register again.
A read-only register, one with something where the new rows would go, or XML a byte search could
misread, is refused untouched, without a backup."""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import stat
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from typer.testing import CliRunner, Result

from greencomm.cli import app
from greencomm.programme import Programme
from greencomm.read.inputs import read_register
from greencomm.write.register import append_titles

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
SUBMISSIONS, REVIEWS = SAMPLE / "submissions", SAMPLE / "reviews"
SHEET, TABLE, BOOK = "xl/worksheets/sheet1.xml", "xl/tables/table1.xml", "xl/workbook.xml"
ROWS = list(openpyxl.load_workbook(SAMPLE / "register.xlsx")["历年命名名录"].iter_rows(values_only=True))
LAST = len(ROWS)  # the header and the titles of 2020–2025: the last data row
ADDED = 66  # the sample year's final titles
NEW_LAST = LAST + ADDED
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
X14_STATES = (  # a drop-down Excel keeps in its x14 extension (a list on another sheet), on 称号
    '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>说明!$A$2:$A$3</xm:f></x14:formula1>'
    f"<xm:sqref>D2:D{LAST}</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>"
).encode()
THIN = Side(style="thin")
runner = CliRunner()
# openpyxl warns that it drops the x14 drop-down when it reads the register (greencomm never saves through it)
pytestmark = pytest.mark.filterwarnings("ignore:Data Validation extension:UserWarning")


# ---------------------------------------------------------------- a register as the clerk keeps it
def _cached(formula: str, row: int) -> int:
    """What Excel calculated and saved for the formulas of the register built here."""
    return {"2019+1": 2020, "ROW()-1": row - 1, "COUNTA(历年命名名录!C:C)-1": LAST - 1}[formula]


def _with_values(sheet: bytes) -> bytes:
    """openpyxl writes a formula with an empty <v>; Excel writes the value it calculated."""

    def value(found: re.Match[bytes]) -> bytes:
        calculated = _cached(html.unescape(found[3].decode()), int(found[1]))
        return found[0].replace(b"<v></v>", f"<v>{calculated}</v>".encode())

    return re.sub(rb'<c r="[A-Z]+(\d+)"([^>]*)><f>([^<]*)</f><v></v>', value, sheet)


def _prefixed(sheet: bytes) -> bytes:
    """The sheet as the .NET Open XML SDK writes it: every element of the main namespace `x:`."""
    sheet = sheet.replace(b'xmlns="' + MAIN + b'"', b'xmlns:x="' + MAIN + b'"')
    return re.sub(rb"<(/?)([A-Za-z]+)(?=[\s>/])", rb"<\1x:\2", sheet)


def _as_excel_saves_it(path: Path, prefixed: bool) -> None:
    """Formulas with their values, no request to recalculate on opening, the x14 drop-down."""
    with zipfile.ZipFile(path) as old:
        parts = [(info, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(path, "w") as new:
        for info, data in parts:
            if info.filename.startswith("xl/worksheets/sheet"):
                data = _with_values(data)
            if info.filename == SHEET:
                data = data.replace(b"</worksheet>", X14_STATES + b"</worksheet>")
                data = _prefixed(data) if prefixed else data
            if info.filename == BOOK:
                data = data.replace(b' fullCalcOnLoad="1"', b"")
            new.writestr(info, data)


def _rewrite(path: Path, name: str, old: bytes, new: bytes) -> None:
    """One part of a workbook with `old` replaced by `new`."""
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in parts:
            archive.writestr(info, data.replace(old, new) if info.filename == name else data)


def build_register(
    path: Path, below: dict[int, Any] | None = None, prefixed: bool = False, table_to: int = LAST
) -> Path:
    """The sample register's titles in the clerk's own workbook: 年度 typed as a formula in the first
    rows, a 序号 formula column, a table (to row `table_to`), a drop-down and a colour on 状态, a 说明
    sheet. `below`: cells below the data, row → a value (None: an empty cell with a fill, a row
    formatted ahead)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "历年命名名录"
    sheet.append([*ROWS[0], "序号"])
    for n, row in enumerate(ROWS[1:], start=2):
        sheet.append([f"={row[0] - 1}+1" if n <= 6 else row[0], *row[1:], "=ROW()-1"])
        for cell in sheet[n]:
            cell.font, cell.border = Font(name="仿宋", size=12), Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    sheet.add_table(
        Table(displayName="名录", ref=f"A1:F{table_to}", tableStyleInfo=TableStyleInfo(name="TableStyleMedium2"))
    )
    states = DataValidation(type="list", formula1='"有效,撤销"')
    states.add(f"E2:E{LAST}")
    sheet.add_data_validation(states)
    revoked = CellIsRule(operator="equal", formula=['"撤销"'], fill=PatternFill("solid", fgColor="FFC7CE"))
    sheet.conditional_formatting.add(f"E2:E{LAST}", revoked)
    for row, value in (below or {}).items():
        sheet.cell(row, 1, value).fill = PatternFill("solid", fgColor="FFFF00")
    notes = book.create_sheet("说明")
    notes.append(["称号"])
    notes.append(["节能环保示范社区"])
    notes.append(["节能环保社区"])
    notes["B1"] = "=COUNTA(历年命名名录!C:C)-1"
    book.save(path)
    _as_excel_saves_it(path, prefixed)
    return path


@pytest.fixture(scope="module")
def shortlist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample year's final shortlist, judged with the clerk's register."""
    folder = tmp_path_factory.mktemp("final")
    register = build_register(folder / "名录.xlsx")
    target = folder / "名单.xlsx"
    args = ["shortlist", str(SUBMISSIONS), "--reviews", str(REVIEWS), "--register", str(register)]
    result = runner.invoke(app, [*args, "--year", "2026", "-o", str(target), "-q"])
    assert result.exit_code == 0, result.stderr
    return target


def register_add(shortlist: Path, register: Path) -> Result:
    return runner.invoke(app, ["register", "add", str(shortlist), "--register", str(register), "--year", "2026"])


def cells(path: Path, values: bool = False) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path, data_only=values)
    return list(book["历年命名名录"].iter_rows(values_only=True))


def part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


def backups(folder: Path) -> list[Path]:
    return sorted(folder.glob("*备份*"))


# ---------------------------------------------------------------- what the clerk built keeps working
def _libreoffice_rows(path: Path, folder: Path) -> list[list[str]] | None:
    """The register's first sheet as LibreOffice reads it (None without LibreOffice)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    command = [
        soffice,
        "--headless",
        f"-env:UserInstallation=file://{folder}/lo",
        "--convert-to",
        "csv:Text - txt - csv (StarCalc):44,34,76",
    ]
    subprocess.run([*command, "--outdir", str(folder / "csv"), str(path)], check=True, capture_output=True, timeout=180)
    with (folder / "csv" / f"{path.stem}.csv").open(encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_formulas_keep_their_values_and_the_register_reads_again(
    shortlist: Path, tmp_path: Path, programme: Programme
) -> None:
    register = build_register(tmp_path / "名录.xlsx")
    formulas, values = cells(register), cells(register, values=True)
    assert not any(p.is_error for p in read_register(register, programme).problems)
    result = register_add(shortlist, register)
    assert result.exit_code == 0, result.stderr
    assert cells(register)[:LAST] == formulas, "earlier rows and their formulas unchanged"
    assert cells(register, values=True)[:LAST] == values, "the values Excel calculated are still there"
    assert values[1][0] == 2020 and values[1][5] == 1 and values[-1][5] == LAST - 1
    assert b"fullCalcOnLoad" not in part(register, BOOK)
    read = read_register(register, programme)
    assert [p for p in read.problems if p.is_error] == []
    added = read.frame.iloc[LAST - 1 :]
    assert len(read.frame) == NEW_LAST - 1 and len(added) == ADDED
    assert (added.year == 2026).all() and (added.state == "有效").all()
    assert (added.title == "节能环保示范社区").sum() == 20 and added.community.str.endswith("社区").all()
    args = ["shortlist", str(SUBMISSIONS), "--reviews", str(REVIEWS), "--register", str(register), "--year", "2026"]
    again = runner.invoke(app, [*args, "-o", str(tmp_path / "名单.xlsx"), "-q"])
    assert again.exit_code == 0, again.stderr
    shown = _libreoffice_rows(register, tmp_path)
    if shown is not None:  # LibreOffice opens it and sees what Excel saved and what was added
        assert shown[1][:6] == ["2020", "芙蓉区", "石门桥社区", "节能环保示范社区", "有效", "1"]
        assert len(shown) == NEW_LAST and shown[-1][0] == "2026" and shown[-1][4] == "有效"


def test_only_the_register_sheet_and_its_table_change(shortlist: Path, tmp_path: Path) -> None:
    """Every other part byte for byte, in the same order and compression; in the sheet, the rows
    that were there and everything after them. Empty rows formatted ahead (the table made two rows
    longer) give way to the new rows, the table grows over them; a note far below stays where it was."""
    note = NEW_LAST + 20
    below = {LAST + 1: None, LAST + 2: None, note: "以上为历年命名名录"}
    register = build_register(tmp_path / "名录.xlsx", below, table_to=LAST + 2)
    before = register.read_bytes()
    assert register_add(shortlist, register).exit_code == 0
    with zipfile.ZipFile(backups(tmp_path)[0]) as old, zipfile.ZipFile(register) as new:
        assert [(i.filename, i.compress_type) for i in old.infolist()] == [
            (i.filename, i.compress_type) for i in new.infolist()
        ]
        changed = {i.filename for i in old.infolist() if old.read(i) != new.read(i.filename)}
    assert backups(tmp_path)[0].read_bytes() == before
    assert changed == {SHEET, TABLE}
    old_sheet, new_sheet = part(backups(tmp_path)[0], SHEET), part(register, SHEET)
    last_row = old_sheet.index(b"</row>", old_sheet.index(f'<row r="{LAST}"'.encode())) + len(b"</row>")
    assert new_sheet.startswith(old_sheet[:last_row]), "the rows that were there, and all before them"
    old_tail = old_sheet[old_sheet.index(f'<row r="{note}"'.encode()) :]
    new_tail = new_sheet[new_sheet.index(f'<row r="{note}"'.encode()) :]
    for column in b"DE":  # the validated and coloured ranges, grown
        new_tail = new_tail.replace(b"%c2:%c%d" % (column, column, NEW_LAST), b"%c2:%c%d" % (column, column, LAST))
    assert new_tail == old_tail, "the note, and everything after the rows"
    sheet = openpyxl.load_workbook(register)["历年命名名录"]
    assert sheet.cell(note, 1).value == "以上为历年命名名录" and sheet.cell(NEW_LAST, 1).value == 2026
    assert sheet.cell(LAST + 1, 1).style_id == sheet.cell(LAST, 1).style_id, (
        "a row formatted ahead takes the rows' look"
    )
    assert all(sheet.cell(r, 1).value is None for r in range(NEW_LAST + 1, note))
    assert sheet.tables["名录"].ref == f"A1:F{NEW_LAST}"


def test_the_table_drop_downs_and_colours_cover_the_new_rows(shortlist: Path, tmp_path: Path) -> None:
    register = build_register(tmp_path / "名录.xlsx")
    assert register_add(shortlist, register).exit_code == 0
    sheet = openpyxl.load_workbook(register)["历年命名名录"]
    table = sheet.tables["名录"]
    assert table.ref == f"A1:F{NEW_LAST}" and table.autoFilter.ref == f"A1:F{NEW_LAST}"
    assert [str(v.sqref) for v in sheet.data_validations.dataValidation] == [f"E2:E{NEW_LAST}"]
    assert [str(f.sqref) for f in sheet.conditional_formatting] == [f"E2:E{NEW_LAST}"]
    assert f"<xm:sqref>D2:D{NEW_LAST}</xm:sqref>".encode() in part(register, SHEET)
    assert f'<dimension ref="A1:F{NEW_LAST}"/>'.encode() in part(register, SHEET)


def test_new_rows_look_like_the_last_row(shortlist: Path, tmp_path: Path) -> None:
    """Each new cell takes the style of the cell above it; text is an inline string, never a formula."""
    register = build_register(tmp_path / "名录.xlsx")
    assert register_add(shortlist, register).exit_code == 0
    sheet = openpyxl.load_workbook(register)["历年命名名录"]
    for column in range(1, 7):
        above = sheet.cell(LAST, column)
        for row in (LAST + 1, NEW_LAST):
            new = sheet.cell(row, column)
            assert new.style_id == above.style_id and new.border.left.style == "thin", new.coordinate
    assert sheet.cell(NEW_LAST, 6).value is None, "序号 is the clerk's formula column: left for the clerk"
    xml = part(register, SHEET)
    new_rows = xml[xml.index(f'<row r="{LAST + 1}"'.encode()) : xml.index(b"</sheetData>")]
    assert new_rows.count(b't="inlineStr"') == 4 * ADDED and b"<f>" not in new_rows


def test_text_reads_back_as_written(tmp_path: Path, programme: Programme) -> None:
    """Text is an inline string, read back by greencomm as written: never a formula, `_x0041_` not
    read as "A", a control character no XML can hold shown as its picture (as in every workbook we write)."""
    register = build_register(tmp_path / "名录.xlsx")
    names = ["R&D <新>社区", "=1+1社区", "_x0041_社区", "铃\x07社区", "换\n行社区", " 前后有空格的社区 "]
    titles = pd.DataFrame(
        {"year": 2026, "district": "芙蓉区", "community": names, "title": "节能环保社区", "state": "有效"}
    )
    assert append_titles(register, titles, read_register(register, programme))[0] == len(names)
    read = read_register(register, programme)
    assert [p for p in read.problems if p.is_error] == []
    assert read.frame.community.tolist()[-len(names) :] == [*names[:3], "铃␇社区", "换\n行社区", "前后有空格的社区"]
    new_rows = part(register, SHEET).split(f'<row r="{LAST + 1}"'.encode())[1]
    assert new_rows.count(b't="inlineStr"') == 4 * len(names) and b"<f>" not in new_rows
    assert '<t xml:space="preserve"> 前后有空格的社区 </t>'.encode() in new_rows


def test_a_sheet_written_with_a_namespace_prefix_keeps_it(
    shortlist: Path, tmp_path: Path, programme: Programme
) -> None:
    register = build_register(tmp_path / "名录.xlsx", prefixed=True)
    before = cells(register)
    result = register_add(shortlist, register)
    assert result.exit_code == 0, result.stderr
    xml = part(register, SHEET)
    assert b"<row" not in xml and xml.count(b"<x:row ") == NEW_LAST
    assert f'<x:dimension ref="A1:F{NEW_LAST}"/>'.encode() in xml
    rows = cells(register)
    assert rows[:LAST] == before and rows[NEW_LAST - 1][0] == 2026
    read = read_register(register, programme)
    assert [p for p in read.problems if p.is_error] == [] and len(read.frame) == NEW_LAST - 1


# ---------------------------------------------------------------- refused, untouched
@pytest.mark.parametrize(
    "spoil, says",
    [
        (lambda path: build_register(path, {LAST + 2: "填表人：张三"}), f"第 {LAST + 2} 行已有内容"),
        (lambda path: os.chmod(build_register(path), 0o444), "只读"),
        (
            lambda path: _rewrite(build_register(path), SHEET, b"<sheetData>", "<!-- 勿动 --><sheetData>".encode()),
            "注释",
        ),
    ],
    ids=["a note where the new rows go", "read-only", "XML a byte search could misread"],
)
def test_a_register_that_cannot_take_the_rows_is_left_as_it_was(
    shortlist: Path, tmp_path: Path, spoil: Callable[[Path], object], says: str
) -> None:
    register = tmp_path / "名录.xlsx"
    spoil(register)
    before, mode = register.read_bytes(), stat.S_IMODE(register.stat().st_mode)
    result = register_add(shortlist, register)
    assert result.exit_code == 1
    assert says in result.stderr and str(register) in result.stderr
    assert register.read_bytes() == before and stat.S_IMODE(register.stat().st_mode) == mode
    assert backups(tmp_path) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["名录.xlsx"]


def test_the_register_keeps_its_mode_and_the_backup_follows_the_umask(shortlist: Path, tmp_path: Path) -> None:
    register = build_register(tmp_path / "名录.xlsx")
    register.chmod(0o664)  # shared with the office's group
    old = os.umask(0o027)
    try:
        assert register_add(shortlist, register).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(register.stat().st_mode) == 0o664
    [backup] = backups(tmp_path)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o640
