"""Small helpers for the workbooks greencomm writes: text that stays text, a header style, column
widths that fit Chinese (measured by greencomm.write.text_width)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from greencomm.read.values import XML_ILLEGAL, pictures
from greencomm.write.text_width import display_width, wrapped_lines

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="9BAFC4")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
_LOOKS_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")  # OOXML reads _x0041_ as "A": written as _x005F_x0041_


def set_value(cell: Cell | MergedCell, value: Any) -> None:
    """Write a value so that data never becomes a formula or an error: text (`=1+1`, `#N/A`) stays
    text, and reads back as written (`_x0041_` escaped; a control character XML cannot hold is shown
    as its picture, ␇)."""
    if isinstance(cell, MergedCell):
        raise ValueError(f"{cell.coordinate} is inside a merged range")
    if isinstance(value, Decimal | Fraction):
        value = float(value)
    elif value is not None and not isinstance(value, int | float | bool | str | dt.date | dt.datetime):
        value = str(value)
    if isinstance(value, str):
        value = _LOOKS_ESCAPED.sub(r"_x005F_\1", value)
        value = pictures(value, XML_ILLEGAL)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def fit_row_heights(sheet: Worksheet, columns: Sequence[int], line_points: float = 15.0) -> None:
    """Rows as tall as the wrapped text of these columns needs (after the widths are set)."""
    widths = {c: sheet.column_dimensions[get_column_letter(c)].width or 8.43 for c in columns}
    for number, row in enumerate(sheet.iter_rows(min_row=2), start=2):
        lines = max((wrapped_lines(str(cell.value), widths[cell.column]) for cell in row
                     if cell.column in widths and cell.value is not None), default=1)  # fmt: skip
        if lines > 1:
            sheet.row_dimensions[number].height = line_points * lines + 3


def style_header(sheet: Worksheet, row: int) -> None:
    for cell in sheet[row]:
        if cell.value is None:
            continue
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def fit_columns(sheet: Worksheet, caps: dict[int, int] | None = None, minimum: int = 6, maximum: int = 50) -> None:
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is not None:
                widths[cell.column] = max(widths.get(cell.column, 0), display_width(cell.value))
    for col, width in widths.items():
        cap = (caps or {}).get(col, maximum)
        sheet.column_dimensions[get_column_letter(col)].width = max(minimum, min(cap, width + 2))


def print_setup(sheet: Worksheet, header_rows: str = "1:1") -> None:
    """Landscape A4, one page wide, the header repeated: printable as it is mailed."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = header_rows


def to_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
