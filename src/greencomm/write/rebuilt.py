"""The district's workbook as a new .xlsx, for the annotated copy of an .xls, .xlsb or .ods: those
cannot be edited in place (openpyxl writes OOXML only), so the copy is built from the values read —
every sheet in its order, hidden ones hidden, each value at its own cell — and then marked as an
.xlsx copy is. Formatting, formulas and merges are not carried over; the values are, so the copy
sent back corrected reads as the original did (docs/rules.md#untrusted-input)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from openpyxl.workbook.workbook import Workbook

from greencomm.programme.settings import Limits
from greencomm.read.binary import all_sheets
from greencomm.write.xlsx import fit_columns, set_value

# a number as the reader writes it, that a float holds exactly as shown (15 digits at most) and that
# no one typed as text: no leading zero (a phone number 0731…, a code 007 stay text)
_NUMBER = re.compile(r"^-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,9})?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$")  # the reader's form of a date cell


def cell_value(text: str) -> tuple[object, str | None]:
    """The value to write for a cell's text as read, and its number format: a number as a number
    and a date as a date, so the district sees its own cells; anything else as text."""
    if _NUMBER.match(text) and len(text.replace("-", "").replace(".", "").lstrip("0")) <= 15:
        return (float(text) if "." in text else int(text)), None
    if _DATE.match(text):
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            return text, None
        return when, "yyyy-mm-dd" if when.time() == dt.time() else "yyyy-mm-dd hh:mm:ss"
    return text, None


def rebuilt(source: Path | bytes, limits: Limits | None = None) -> Workbook:
    """Every sheet of the workbook, its values at their cells."""
    book = Workbook()
    del book[book.sheetnames[0]]
    for name, visible, columns, row0, col0 in all_sheets(source, limits or Limits()):
        sheet = book.create_sheet(name)
        if not visible:
            sheet.sheet_state = "hidden"
        for c, column in enumerate(columns):
            for r, text in enumerate(column.to_pylist()):
                if text is None or text == "":
                    continue
                value, number_format = cell_value(text)
                cell = sheet.cell(row0 + r, col0 + c)
                set_value(cell, value)
                if number_format:
                    cell.number_format = number_format
        fit_columns(sheet, maximum=40)
    if not book.sheetnames:
        book.create_sheet("Sheet1")
    elif all(book[n].sheet_state == "hidden" for n in book.sheetnames):
        book[book.sheetnames[0]].sheet_state = "visible"  # a workbook shows at least one sheet
    return book
