"""From a sheet's grid to a typed table: find the header row below any title rows, match the headers
as districts write them, parse every cell, and report each problem at its cell."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd
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
    columns: dict[str, int]  # column key → 0-based index
    records: list[tuple[int, list[Any]]]  # (Excel row number, cells)

    def address(self, key: str, row: int) -> str:
        return f"{get_column_letter(self.columns[key] + 1)}{row}"

    def letter(self, key: str) -> str:
        return get_column_letter(self.columns[key] + 1) if key in self.columns else ""


def match_header(value: object, columns: tuple[Column, ...]) -> Column | None:
    if is_blank(value):
        return None
    base = header_base(value)
    for col in columns:
        if base in col.accepted:
            return col
    return None


def _header_row(sheet: Sheet, columns: tuple[Column, ...]) -> int | None:
    best, best_count = None, 0
    for r, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        hits = {c.key for v in row if (c := match_header(v, columns))}
        if len(hits) > best_count:
            best, best_count = r, len(hits)
    return best if best_count >= MIN_HEADER_MATCHES else None


def locate_table(
    sheet: Sheet, file: str, columns: tuple[Column, ...], identity: tuple[str, ...]
) -> tuple[Table | None, list[Problem]]:
    """The table of a sheet, with problems of its structure (header, columns, stray rows)."""
    problems: list[Problem] = []
    header = _header_row(sheet, columns)
    if header is None:
        return None, [Problem("header-not-found", file, sheet.name, params={"rows": HEADER_SCAN_ROWS})]
    found: dict[str, int] = {}
    for c, value in enumerate(sheet.rows[header]):
        col = match_header(value, columns)
        where = f"{get_column_letter(c + 1)}{header + 1}"
        if col is None:
            if not is_blank(value):
                problems.append(Problem("unknown-column", file, sheet.name, where, value=clean_text(value)))
        elif col.key in found:
            first = f"{get_column_letter(found[col.key] + 1)}{header + 1}"
            problems.append(Problem("duplicate-column", file, sheet.name, where, col.header, params={"other": first}))
        else:
            found[col.key] = c
    for col in columns:
        if col.required and col.key not in found:
            problems.append(Problem("missing-column", file, sheet.name, field=col.header))
    records = []
    id_cols = [found[k] for k in identity if k in found]
    for r in range(header + 1, len(sheet.rows)):
        row = sheet.rows[r]
        filled = [v for v in row if not is_blank(v)]
        if not filled:
            continue
        if id_cols and all(c >= len(row) or is_blank(row[c]) for c in id_cols) and len(filled) <= 2:
            shown = "、".join(clean_text(v) for v in filled)[:40]
            problems.append(Problem("ignored-row", file, sheet.name, f"A{r + 1}", value=shown, params={"row": r + 1}))
            continue
        records.append((r + 1, row))
    if not records:
        problems.append(Problem("no-data-rows", file, sheet.name, f"A{header + 2}"))
    return Table(file, sheet.name, header + 1, found, records), problems


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


def parse_table(table: Table, columns: tuple[Column, ...]) -> tuple[pd.DataFrame, list[Problem]]:
    """One row per record: every column's parsed value (None when blank or wrong), plus _file,
    _sheet and _row so later stages can point at the cell."""
    problems: list[Problem] = []
    data: dict[str, list[Any]] = {k: [] for k in META}
    present = [c for c in columns if c.key in table.columns]
    for col in columns:
        data[col.key] = []
    for row_number, row in table.records:
        data["_file"].append(table.file)
        data["_sheet"].append(table.sheet)
        data["_row"].append(row_number)
        for col in columns:
            if col not in present:
                data[col.key].append(None)
                continue
            c = table.columns[col.key]
            raw = row[c] if c < len(row) else None
            value, code = parse_cell(col, raw)
            params: dict[str, str] = {}
            if code == "missing-value" and not col.value_required:
                code = None
            if code is None and (bounds := _range_problem(col, value)) is not None:
                code, params, value = "number-out-of-range", bounds, None
            if code is not None:
                problems.append(_cell_problem(table, col, row_number, raw, code, params))
            data[col.key].append(value)
    return pd.DataFrame(data, dtype=object), problems


def _cell_problem(table: Table, col: Column, row: int, raw: object, code: str, params: dict[str, str]) -> Problem:
    extra = {"choices": "、".join(col.choices)} if col.choices else {}
    return Problem(
        code,
        table.file,
        table.sheet,
        table.address(col.key, row),
        col.header,
        clean_text(raw) if raw is not None else None,
        {**extra, **params},
    )


def find_sheet(sheets: list[Sheet], name: str) -> Sheet | None:
    wanted = header_base(name)
    return next((s for s in sheets if header_base(s.name) == wanted), None)
