"""Small helpers for the workbooks greencomm writes: text that stays text, a header style, column
widths that fit Chinese."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from greencomm.read.values import XML_ILLEGAL, pictures

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


# The characters Unicode calls East Asian Wide or Fullwidth (unicodedata.east_asian_width W or F,
# assigned ones; ranges merged over unassigned code points): found by one regular expression, since
# a result workbook of 100,000 communities measures millions of characters (tests/test_outputs.py
# checks it against unicodedata).
_WIDE = re.compile(
    "["
    "\u1100-\u115f\u231a-\u231b\u2329-\u232a\u23e9-\u23ec\u23f0\u23f3\u25fd-\u25fe\u2614-\u2615"
    "\u2648-\u2653\u267f\u2693\u26a1\u26aa-\u26ab\u26bd-\u26be\u26c4-\u26c5\u26ce\u26d4\u26ea"
    "\u26f2-\u26f3\u26f5\u26fa\u26fd\u2705\u270a-\u270b\u2728\u274c\u274e\u2753-\u2755\u2757"
    "\u2795-\u2797\u27b0\u27bf\u2b1b-\u2b1c\u2b50\u2b55\u2e80-\u303e\u3041-\u3247\u3250-\u4dbf"
    "\u4e00-\ua4c6\ua960-\ua97c\uac00-\ud7a3\uf900-\ufad9\ufe10-\ufe19\ufe30-\ufe6b\uff01-\uff60"
    "\uffe0-\uffe6\U00016fe0-\U0001b2fb\U0001f004\U0001f0cf\U0001f18e\U0001f191-\U0001f19a"
    "\U0001f200-\U0001f320\U0001f32d-\U0001f335\U0001f337-\U0001f37c\U0001f37e-\U0001f393"
    "\U0001f3a0-\U0001f3ca\U0001f3cf-\U0001f3d3\U0001f3e0-\U0001f3f0\U0001f3f4\U0001f3f8-\U0001f43e"
    "\U0001f440\U0001f442-\U0001f4fc\U0001f4ff-\U0001f53d\U0001f54b-\U0001f54e\U0001f550-\U0001f567"
    "\U0001f57a\U0001f595-\U0001f596\U0001f5a4\U0001f5fb-\U0001f64f\U0001f680-\U0001f6c5\U0001f6cc"
    "\U0001f6d0-\U0001f6d2\U0001f6d5-\U0001f6df\U0001f6eb-\U0001f6ec\U0001f6f4-\U0001f6fc"
    "\U0001f7e0-\U0001f7f0\U0001f90c-\U0001f93a\U0001f93c-\U0001f945\U0001f947-\U0001f9ff"
    "\U0001fa70-\U0001faf6\U00020000-\U0003134a"
    "]"
)


def display_width(value: Any) -> int:
    """Columns needed to show a value: East Asian wide characters count double."""
    text = "" if value is None else str(value)
    return max(len(line) + len(_WIDE.findall(line)) for line in text.splitlines() or [""])


# A wide (CJK) character is drawn about 2.1 column-width units wide, not the 2 display_width counts,
# and a Latin word wraps whole: lines are counted on 90% of a column, or the last line of a row whose
# height is set would be cut off on paper (looked at as PDF).
WRAP_SHARE = 0.9


def wrapped_lines(text: str, width: float) -> int:
    """Lines a text wraps to in a column this wide, generously (no writer can measure it, and
    LibreOffice does not fit a row's height to wrapped text a file leaves unset)."""
    room = max((width - 1) * WRAP_SHARE, 1)
    return sum(max(1, math.ceil(display_width(part) / room)) for part in text.splitlines() or [""])


_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # where str.splitlines breaks a text
# Characters other than ASCII (narrow) and the wide ones Chinese text is made of — CJK symbols and
# punctuation, the unified ideographs, full-width forms (all within _WIDE, all 3 bytes in UTF-8)
_UNCOMMON = r"[^\x00-\x7f\x{3000}-\x{303e}\x{4e00}-\x{9fff}\x{ff01}-\x{ff60}]"


def wrapped_lines_of(values: Sequence[Any], width: float) -> np.ndarray:
    """`wrapped_lines` of every value of a column (None takes one line), over the whole column at
    once: a result workbook of 100,000 communities wraps 100,000 reasons. A text that breaks into
    lines of its own is counted one by one (rare); the rest by Arrow: a text of ASCII and the wide
    characters Chinese is written in has its wide characters counted from its size in bytes, any
    other is searched with the expression display_width uses."""
    try:  # a column of text (and blanks) goes to Arrow as it is
        texts = pa.array(values, pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # numbers among the text: each as str() shows it
        texts = pa.array([v if v is None or isinstance(v, str) else str(v) for v in values], pa.string())
    room = max((width - 1) * WRAP_SHARE, 1)
    chars = np.asarray(pc.fill_null(pc.utf8_length(texts), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    size = np.asarray(pc.fill_null(pc.binary_length(texts), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    wide = (size - chars) // 2  # ASCII and common wide characters alone: these take 3 bytes each
    other = np.flatnonzero(
        pc.fill_null(pc.match_substring_regex(texts, _UNCOMMON), False).to_numpy(zero_copy_only=False)
    )
    if len(other):  # the rest counted by the expression display_width uses
        found = pc.count_substring_regex(texts.take(pa.array(other)), _WIDE.pattern)
        wide[other] = np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)
    lines = np.asarray(np.maximum(np.ceil((chars + wide) / room), 1), dtype=np.int64)
    broken = pc.match_substring_regex(texts, f"[{_LINE_BREAKS}]")
    for n in np.flatnonzero(pc.fill_null(broken, False).to_numpy(zero_copy_only=False)).tolist():
        lines[n] = wrapped_lines(texts[n].as_py(), width)
    return lines


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
