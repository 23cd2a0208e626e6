"""From a sheet's columns to a typed table: find the header row below any title rows, match the
headers as districts write them, parse every cell, and report each problem at its cell.

Work is done per column and per distinct value, never per row: a column of 100,000 cells with a
few hundred distinct entries is parsed a few hundred times, and blank or stray rows are found with
vectorised masks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.utils import get_column_letter

from greencomm.problems import Problem
from greencomm.rubric import fmt
from greencomm.schema import Column
from greencomm.values import (
    Parsed,
    clean_text,
    header_base,
    is_blank,
    parse_choice,
    parse_date,
    parse_integer,
    parse_number,
    parse_percent,
    parse_phone,
    parse_text,
    parse_year,
    parse_yes_no,
)
from greencomm.workbook import Sheet

HEADER_SCAN_ROWS = 30
MIN_HEADER_MATCHES = 3
META = ("_file", "_sheet", "_row")

PARSERS: dict[str, Callable[[object], Parsed]] = {
    "text": parse_text,
    "integer": parse_integer,
    "number": parse_number,
    "percent": parse_percent,
    "yesno": parse_yes_no,
    "year": parse_year,
    "date": parse_date,
    "phone": parse_phone,
}


@dataclass(frozen=True)
class Table:
    file: str
    sheet: str
    header_row: int  # the Excel row number of the header
    columns: dict[str, int]  # column key → 0-based Excel column index
    cells: dict[str, pa.Array]  # column key → its text in the kept rows
    rows: np.ndarray  # Excel row number of each kept row

    def address(self, key: str, row: int) -> str:
        return f"{get_column_letter(self.columns[key] + 1)}{row}"

    def letter(self, key: str) -> str:
        return get_column_letter(self.columns[key] + 1) if key in self.columns else ""

    @property
    def height(self) -> int:
        return len(self.rows)


def match_header(value: object, columns: tuple[Column, ...]) -> Column | None:
    if is_blank(value):
        return None
    base = header_base(value)
    for col in columns:
        if base in col.accepted:
            return col
    return None


def _header_row(head: list[list[str | None]], columns: tuple[Column, ...]) -> int | None:
    best, best_count = None, 0
    for r, row in enumerate(head):
        hits = {c.key for v in row if (c := match_header(v, columns))}
        if len(hits) > best_count:
            best, best_count = r, len(hits)
    return best if best_count >= MIN_HEADER_MATCHES else None


def _filled(column: pa.Array) -> np.ndarray:
    """True where a cell holds something other than white space."""
    trimmed = pc.utf8_trim_whitespace(column)
    return np.asarray(pc.fill_null(pc.not_equal(trimmed, ""), False).to_numpy(zero_copy_only=False), dtype=bool)


def locate_table(
    sheet: Sheet, file: str, columns: tuple[Column, ...], identity: tuple[str, ...]
) -> tuple[Table | None, list[Problem]]:
    """The table of a sheet, with problems of its structure (header, columns, stray rows)."""
    problems: list[Problem] = []
    head = sheet.head(HEADER_SCAN_ROWS)
    header = _header_row(head, columns)
    if header is None:
        return None, [Problem("header-not-found", file, sheet.name, params={"rows": HEADER_SCAN_ROWS})]
    excel_header = sheet.row0 + header
    found: dict[str, int] = {}
    for c, value in enumerate(head[header]):
        col = match_header(value, columns)
        excel_col = sheet.col0 - 1 + c
        where = f"{get_column_letter(excel_col + 1)}{excel_header}"
        if col is None:
            if not is_blank(value):
                problems.append(Problem("unknown-column", file, sheet.name, where, value=clean_text(value)))
        elif col.key in found:
            first = f"{get_column_letter(found[col.key] + 1)}{excel_header}"
            problems.append(Problem("duplicate-column", file, sheet.name, where, col.header, params={"other": first}))
        else:
            found[col.key] = excel_col
    for col in columns:
        if col.required and col.key not in found:
            problems.append(Problem("missing-column", file, sheet.name, field=col.header))
    data = [c.slice(header + 1) for c in sheet.columns]
    height = len(data[0]) if data else 0
    filled = np.zeros((len(data), height), dtype=bool)
    for n, column in enumerate(data):
        filled[n] = _filled(column)
    counts = filled.sum(axis=0)
    rows = np.arange(height) + excel_header + 1
    id_index = [found[k] - (sheet.col0 - 1) for k in identity if k in found]
    no_identity = ~filled[id_index].any(axis=0) if id_index else np.zeros(height, dtype=bool)
    stray = no_identity & (counts > 0) & (counts <= 2)
    for r in np.flatnonzero(stray):
        shown = "、".join(clean_text(data[c][r].as_py()) for c in range(len(data)) if filled[c, r])[:40]
        problems.append(Problem("ignored-row", file, sheet.name, f"A{rows[r]}", value=shown, params={"row": rows[r]}))
    keep = (counts > 0) & ~stray
    if not keep.any():
        problems.append(Problem("no-data-rows", file, sheet.name, f"A{excel_header + 1}"))
    if keep.all():  # the usual case: no blank or stray rows, nothing to pick out
        cells = {key: data[index - (sheet.col0 - 1)] for key, index in found.items()}
    else:
        kept = pa.array(np.flatnonzero(keep), pa.int64())
        cells = {key: data[index - (sheet.col0 - 1)].take(kept) for key, index in found.items()}
    return Table(file, sheet.name, excel_header, found, cells, rows[keep]), problems


def _range_problem(col: Column, value: Any) -> dict[str, str] | None:
    if not isinstance(value, int | Decimal) or isinstance(value, bool):
        return None
    number = Fraction(value)
    if col.above is not None and number <= col.above:
        return {"range": f"大于{fmt(col.above)}"}
    if col.maximum is not None and number > col.maximum:
        return {"range": f"{fmt(col.minimum or 0)}–{fmt(col.maximum)}"}
    return None


def parse_cell(col: Column, raw: object) -> Parsed:
    if col.type == "choice":
        return parse_choice(raw, col.choices)
    return PARSERS[col.type](raw)


def _judge(col: Column, raw: object) -> tuple[Any, str | None, dict[str, str]]:
    """One distinct value of a column: the typed value, or the problem code and its details."""
    value, code = parse_cell(col, raw)
    if code == "missing-value" and not col.value_required:
        return None, None, {}
    if code is None and (bounds := _range_problem(col, value)) is not None:
        return None, "number-out-of-range", bounds
    return value, code, {}


def parse_column(col: Column, cells: pa.Array) -> tuple[np.ndarray, list[tuple[int, str, str | None, dict[str, str]]]]:
    """Typed values of one column (an object array) and its problems as (position, code, raw,
    params), parsing each distinct text once; free text (names) is trimmed in one vectorised pass."""
    if col.type == "text":
        trimmed = pc.utf8_trim_whitespace(cells)
        values = np.asarray(trimmed.to_numpy(zero_copy_only=False), dtype=object)
        blank = ~_filled(cells)
        values[blank] = None
        missing = np.flatnonzero(blank) if col.value_required else np.zeros(0, dtype=np.int64)
        return values, [(int(n), "missing-value", None, {}) for n in missing]
    encoded = pc.dictionary_encode(cells)
    uniques: list[str | None] = [*encoded.dictionary.to_pylist(), None]
    judged = [_judge(col, raw) for raw in uniques]
    codes = np.asarray(encoded.indices.fill_null(len(uniques) - 1).to_numpy(zero_copy_only=False), dtype=np.int64)
    values = np.empty(len(judged), dtype=object)
    values[:] = [j[0] for j in judged]
    problems = []
    bad = [k for k, j in enumerate(judged) if j[1] is not None]
    if bad:
        for position in np.flatnonzero(np.isin(codes, bad)):
            _, code, params = judged[codes[position]]
            assert code is not None
            problems.append((int(position), code, uniques[codes[position]], params))
    return values[codes], problems


def parse_table(table: Table, columns: tuple[Column, ...]) -> tuple[pd.DataFrame, list[Problem]]:
    """One row per kept record: every column's parsed value (None when blank or wrong), plus _file,
    _sheet and _row so later stages can point at the cell."""
    problems: list[Problem] = []
    height = table.height
    data: dict[str, Any] = {"_file": [table.file] * height, "_sheet": [table.sheet] * height,
                            "_row": table.rows.tolist()}  # fmt: skip
    for col in columns:
        if col.key not in table.cells:
            data[col.key] = np.full(height, None, dtype=object)
            continue
        values, found = parse_column(col, table.cells[col.key])
        data[col.key] = values
        extra = {"choices": "、".join(col.choices)} if col.choices else {}
        for position, code, raw, params in found:
            row = int(table.rows[position])
            shown = clean_text(raw) if raw is not None else None
            problems.append(Problem(code, table.file, table.sheet, table.address(col.key, row), col.header, shown,
                                    {**extra, **params}))  # fmt: skip
    return pd.DataFrame(data, dtype=object), problems


def find_sheet(names: list[str], name: str) -> str | None:
    wanted = header_base(name)
    return next((s for s in names if header_base(s) == wanted), None)
