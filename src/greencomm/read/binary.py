"""Workbooks only the Rust reader reads: Excel 97-2003 (.xls), Excel binary (.xlsb), OpenDocument
(.ods) — still what many office PCs and WPS save by default (docs/rules.md#untrusted-input).

They go through the same guard and the same capped reading process as an .xlsx, and their cells
meet the same checks, but there is no OOXML to scan: a sheet's extent is known only once the
reading process has laid it out (a far cell or a huge sheet meets the process's memory and time
caps first, and whatever fits is then held to `[limits]` like an .xlsx), its sheet names and hidden
sheets are the reader's, and merged ranges and formulas without a calculated value cannot be seen
at all — nor, in an .ods, Excel error values. Each such file gets one warning saying what was not
checked (`cells-not-checked`), never a silent pass.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from greencomm.errors import InputError, ReadFailed
from greencomm.problems import Problem
from greencomm.programme.settings import Limits
from greencomm.read.guard import ODS, XLS, XLSB
from greencomm.read.sandbox import Caps, Request, read
from greencomm.read.scan import HEADER_ROWS, SheetFacts, column_letters
from greencomm.read.workbook import Sheet, Workbook, _read_failed, _refuse_far

# what each format cannot show (the warning's words), zh and en
FORMAT_NAMES = {
    XLS: ("Excel 97-2003（.xls）", "Excel 97-2003 (.xls)"),
    XLSB: ("Excel 二进制（.xlsb）", "Excel binary (.xlsb)"),
    ODS: ("OpenDocument（.ods）", "OpenDocument (.ods)"),
}
NOT_SEEN = ("合并单元格、没有计算结果的公式", "merged cells and formulas without a calculated value")
NOT_SEEN_ODS = ("合并单元格、没有计算结果的公式、Excel 错误值（#N/A 等）",
                "merged cells, formulas without a calculated value and error values (#N/A …)")  # fmt: skip
# calamine's names of Excel's error values
ERROR_TEXTS = {"Div0": "#DIV/0!", "NA": "#N/A", "Name": "#NAME?", "Null": "#NULL!", "Num": "#NUM!", "Ref": "#REF!",
               "Value": "#VALUE!", "GettingData": "#GETTING_DATA"}  # fmt: skip
_ERROR = re.compile(r"Error\((\w+)\)")


def _caps(limits: Limits) -> Caps:
    return Caps.of(limits)


def unchecked(file: str, kind: str) -> Problem:
    """The one warning of a file in a format whose cells cannot all be checked."""
    name, name_en = FORMAT_NAMES[kind]
    what, what_en = NOT_SEEN_ODS if kind == ODS else NOT_SEEN
    return Problem("cells-not-checked", file, params={"format": name, "format_en": name_en, "what": what,
                                                      "what_en": what_en})  # fmt: skip


def sheets(source: Path | bytes, token: str, limits: Limits, kind: str = "") -> tuple[list[str], set[str]]:
    """The sheet names in order and the hidden ones, as the reading process sees them (`ReadFailed`
    when it cannot open the file). `kind`: the format the guard found, for a file named otherwise."""
    said = read(Request(source, "", token, _caps(limits), mode="list", kind=kind)).said
    listed = [(str(name), str(state)) for name, state in said["sheets"]]
    return [name for name, _ in listed], {name for name, state in listed if state != "visible"}


def _valued(column: pa.Array) -> np.ndarray:
    """True where a cell holds a value (an .ods writes an empty string for a cell it shows empty)."""
    filled = pc.and_(pc.is_valid(column), pc.not_equal(column, ""))
    return np.asarray(pc.fill_null(filled, False).to_numpy(zero_copy_only=False), dtype=bool)


def whole_request(source: Path | bytes, name: str, token: str, limits: Limits, kind: str = "") -> Request:
    """What the reading process is asked for a sheet read whole."""
    return Request(source, name, token, _caps(limits), mode="whole", kind=kind)


def read_whole(
    source: Path | bytes, name: str, token: str, limits: Limits, kind: str = ""
) -> tuple[list[pa.Array], int, int, SheetFacts]:
    """A sheet's columns of text from its first valued row and column (as the .xlsx reader gives
    them), the Excel row and column of their first cell, and its facts: its Excel error cells, and
    `far`, the last valued cell, when it lies beyond `[limits]`. Raises ReadFailed."""
    whole = read(whole_request(source, name, token, limits, kind))
    answer, columns = whole.said, whole.columns()
    col0 = int(answer.get("col0", 1))
    facts = SheetFacts()
    for row, column, detail in answer.get("errors", []):
        found = _ERROR.search(str(detail))
        text = ERROR_TEXTS.get(found[1], f"#{found[1]}") if found else "#N/A"
        facts.errors[f"{column_letters(col0 + int(column))}{int(row) + 1}"] = text
    masks = [_valued(c) for c in columns]
    used = [n for n, mask in enumerate(masks) if mask.any()]
    if not used:
        return [], 1, 1, facts
    rows = np.logical_or.reduce([masks[n] for n in used])
    top, bottom = int(np.argmax(rows)), int(len(rows) - 1 - np.argmax(rows[::-1]))
    left, right = used[0], used[-1]
    if bottom + 1 > limits.max_rows + HEADER_ROWS:  # named by the farthest cell, as the .xlsx scan names it
        facts.far = f"{column_letters(col0 + next(n for n in reversed(used) if masks[n][bottom]))}{bottom + 1}"
    elif col0 + right > limits.max_columns:
        facts.far = f"{column_letters(col0 + right)}{len(rows) - int(np.argmax(masks[right][::-1]))}"
    if facts.far:
        return [], 1, 1, facts
    kept = [c.slice(top, bottom - top + 1) for c in columns[left : right + 1]]
    return kept, top + 1, col0 + left, facts


def all_sheets(source: Path | bytes, limits: Limits) -> list[tuple[str, bool, list[pa.Array], int, int]]:
    """Every sheet of a workbook as read — name, visible, columns, first row, first column — for a
    copy of it rebuilt from its values; a sheet that cannot be read comes empty."""
    token = uuid.uuid4().hex
    names, hidden = sheets(source, token, limits)
    out = []
    for name in names:
        try:
            columns, row0, col0, facts = read_whole(source, name, token, limits)
        except ReadFailed:
            columns, row0, col0, facts = [], 1, 1, SheetFacts()
        if facts.far:
            columns = []
        out.append((name, name not in hidden, columns, row0, col0))
    return out


# ---------------------------------------------------------------- for greencomm.read.workbook
def binary_book(path: Path, source: Path | bytes, kind: str, limits: Limits) -> Workbook:
    """The workbook with its sheet names and hidden sheets, as the reading process lists them."""
    book = Workbook(path, [], source, limits=limits, format=kind)
    try:
        book.sheet_names, book.hidden = sheets(source, book.token, limits, kind)
    except ReadFailed as exc:
        if exc.kind in ("memory", "time"):  # the Rust reader lays out an .xls whole when it opens it
            raise _read_failed(book, "", exc) from exc
        said = (exc.detail.strip().splitlines() or [exc.kind])[0]
        if "limit exceeded" in said:  # the reader's own cap on an .ods's repeated cells: a sheet too large
            raise InputError("sheet-too-large", path.name, detail=said, detail_en=said) from exc
        raise InputError("damaged-file", path.name, detail=said, detail_en=said) from exc
    return book


def read_binary(book: Workbook, name: str) -> Sheet:
    """A sheet of an .xls, .xlsb or .ods; refused as an .xlsx sheet is, when it reaches too far."""
    try:
        columns, row0, col0, facts = read_whole(book.source, name, book.token, book.limits, book.format)
    except ReadFailed as exc:
        raise _read_failed(book, name, exc) from exc
    if facts.far:
        raise _refuse_far(book, name, facts.far)
    return Sheet(name, columns, row0, col0, name not in book.hidden, facts)
