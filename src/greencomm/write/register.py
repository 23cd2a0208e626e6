"""Writing the register of titles (历年命名名录, docs/rules.md#register): the year's final titles
appended below the clerk's own rows, in the clerk's own columns, after a backup of the register
as it was; nothing is ever lost from it. A missing register is created."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from greencomm.errors import RegisterError
from greencomm.programme.layouts import REGISTER_COLUMNS, REGISTER_SHEET
from greencomm.read.guard import LOAD_MAX_MB, sheets_megabytes
from greencomm.read.inputs import Part
from greencomm.write.atomic import write_bytes
from greencomm.write.xlsx import fit_columns, set_value, style_header, to_bytes


def _new_register() -> tuple[Workbook, Worksheet, dict[str, int]]:
    book = Workbook()
    sheet: Worksheet = book.create_sheet(REGISTER_SHEET)
    del book[book.sheetnames[0]]
    sheet.append([c.header for c in REGISTER_COLUMNS])
    style_header(sheet, 1)
    return book, sheet, {c.key: n for n, c in enumerate(REGISTER_COLUMNS)}


def append_titles(
    register: Path, titles: pd.DataFrame, read: Part | None, now: dt.datetime | None = None
) -> tuple[int, Path | None]:
    """Append `titles` to the register `read` is (None: a register to create); returns how many,
    and the backup of the register as it was."""
    backup = None
    sheet: Worksheet
    if read is not None:
        [(_, found)] = read.places.keys()
        place = read.places[(register.name, found)]
        if sheets_megabytes(register) > LOAD_MAX_MB:
            raise RegisterError(
                f"{register}: 名录文件过大（工作表超过 {LOAD_MAX_MB} MB），无法安全更新；请删除多余的工作表后重试"
                f" / the register is too large to update safely"
            )
        book = openpyxl.load_workbook(register)
        sheet = book[found]
        columns = place.columns
        stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
        backup = register.with_name(f"{register.stem}.备份-{stamp}{register.suffix}")
        write_bytes(backup, register.read_bytes())
        first = place.last_row + 1
    else:
        book, sheet, columns = _new_register()
        first = 2
    for n, row in enumerate(titles.itertuples(index=False)):
        for col in REGISTER_COLUMNS:
            if col.key in columns:
                set_value(sheet.cell(first + n, columns[col.key] + 1), getattr(row, col.key))
    fit_columns(sheet)
    write_bytes(register, to_bytes(book))
    return len(titles), backup
