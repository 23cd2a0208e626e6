"""From a sheet's columns to a typed table (docs/rules.md#values): find the header row below any title rows, match the
headers as districts write them, parse every cell, and report each problem at its cell.

Work is done per column and per distinct value, never per row: a column of 100,000 cells with a
few hundred distinct entries is parsed a few hundred times, and blank or stray rows are found with
vectorised masks.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from greencomm.problems import Problem
from greencomm.programme.headers import header_base
from greencomm.programme.layouts import Column
from greencomm.programme.rubric import fmt
from greencomm.read.fast import FAST_TYPES, Verdicts, judge_texts
from greencomm.read.scan import cell_position, column_letters
from greencomm.read.values import (
    CONTROL,
    Parsed,
    clean_text,
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
    pictures,
)
from greencomm.read.workbook import Sheet

HEADER_SCAN_ROWS = 30
MAX_TEXT = 500  # characters in one cell: [limits] max_text_chars
EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!", "#FIELD!")
_CONTROL = re.compile(CONTROL)
FORMAT = r"\p{Cf}"  # Unicode format characters, in the regex syntax of Arrow (RE2)
CellProblems = list[tuple[int, str, str | None, dict[str, str]]]  # (position, code, raw text, params)
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
        return f"{column_letters(self.columns[key] + 1)}{row}"

    def letter(self, key: str) -> str:
        return column_letters(self.columns[key] + 1) if key in self.columns else ""

    @property
    def height(self) -> int:
        return len(self.rows)


_FIGURE = re.compile(r"[0-9.,:%+\- ]+")  # what a header key cannot become when no header is made of it


class HeaderMatcher:
    """The column a header cell names (the first of `columns` that accepts it), each distinct cell
    text worked out once: a folder of 200 workbooks asks the same few hundred texts again and again."""

    def __init__(self, columns: tuple[Column, ...]) -> None:
        self.columns = columns
        self._accepting: dict[str, Column] = {}
        for col in columns:
            for base in col.accepted:
                self._accepting.setdefault(base, col)
        self._seen: dict[object, Column | None] = {}
        # a figure (`85.34`, `2026-09-10`, `30%`) names no column unless some header is one: the
        # cells under a header are mostly figures, each distinct, so they are told apart first
        self.figures_name_none = not any(_FIGURE.fullmatch(base) for base in self._accepting)

    def __call__(self, value: object) -> Column | None:
        try:
            return self._seen[value]
        except KeyError:
            col = None if is_blank(value) else self._accepting.get(header_base(value))
            if len(self._seen) > 100_000:  # bounded: data cells under the header are rarely repeated
                self._seen.clear()
            self._seen[value] = col
            return col
        except TypeError:  # a value that cannot be a key
            return None if is_blank(value) else self._accepting.get(header_base(value))


@lru_cache(maxsize=16)
def matcher(columns: tuple[Column, ...]) -> HeaderMatcher:
    """The matcher of a set of columns, made once per run: equal column sets share it."""
    return HeaderMatcher(columns)


def _header_row(sheet: Sheet, columns: tuple[Column, ...]) -> tuple[int | None, list[Any]]:
    """The row (0-based) of the sheet's first rows that names most columns (of equals, the first),
    if it names enough, and the cells of that row (see `_header_rows`)."""
    return _header_rows([sheet], columns)[0]


FIRST_ROWS = 6  # rows of each head looked at first, made Python values at once: the search mostly stops within them


@dataclass(frozen=True)
class _Rows:
    """Some rows of a sheet's head within an array of several heads' cells (`cells`): the cells that
    may name a column (`grid`, columns × rows), where its block of cells starts in the array
    (column after column), and the head's row its first row is."""

    cells: pa.Array
    grid: np.ndarray
    start: int
    top: int

    def where(self, row: int, every: bool = False) -> np.ndarray:
        """Where a row's cells that may name a column (`every`: all its cells) lie in `cells`."""
        columns = np.arange(len(self.grid)) if every else np.flatnonzero(self.grid[:, row - self.top])
        where: np.ndarray = columns * self.grid.shape[1] + row - self.top + self.start
        return where

    def candidates(self) -> list[np.ndarray]:
        """`where` of each of its rows, made at once."""
        rows, cols = np.nonzero(self.grid.T)  # row after row, each row's columns in order
        where = cols * self.grid.shape[1] + rows + self.start
        return np.split(where, np.cumsum(np.bincount(rows, minlength=self.grid.shape[1]))[:-1])

    def row_cells(self, index: int) -> list[Any]:
        """The cells that may name a column of its `index`th row, asked of Arrow alone."""
        return _taken(self.cells, [self.where(self.top + index)])[0]


def _header_rows(sheets: Sequence[Sheet], columns: tuple[Column, ...]) -> list[tuple[int | None, list[Any]]]:
    """`_header_row` of each sheet, their heads looked at together: a folder of 200 small workbooks
    asks Arrow what one asks. Only cells that may name a column are looked at one by one — blanks
    and figures are told apart over the heads at once — and the search stops when no row left has
    as many such cells as the best row names columns. The first rows of every head are looked at
    first (FIRST_ROWS): a row names no more columns than its sheet has, so a header naming a column
    in each ends the search there; the deeper rows of the heads whose search goes on are looked at
    after, each row asked of Arrow as it is reached."""
    match = matcher(columns)
    heights = [min(s.height, HEADER_SCAN_ROWS) if s.columns else 0 for s in sheets]
    firsts = [min(h, FIRST_ROWS) for h in heights]
    blocks = _head_rows(sheets, [0] * len(sheets), firsts, match)
    present = [b for b in blocks if b is not None]
    taken = iter(_taken(present[0].cells, [w for b in present for w in b.candidates()]) if present else [])
    searched: list[tuple[int | None, int]] = []  # each sheet's best row so far, and how many columns it names
    deep = []  # the sheets whose search goes on below the first rows
    for n, (sheet, height, block) in enumerate(zip(sheets, heights, blocks, strict=True)):
        if block is None:
            searched.append((None, 0))
            continue
        rows = [next(taken) for _ in range(block.grid.shape[1])]
        beyond = len(sheet.columns) if height > firsts[n] else 0  # the most a deeper row may name
        best, count, stopped = _best_row(block.grid, rows.__getitem__, match, beyond)
        searched.append((best, count))
        if not stopped and beyond:
            deep.append(n)
    below = _head_rows([sheets[n] for n in deep], [firsts[n] for n in deep], [heights[n] for n in deep], match)
    for n, block in zip(deep, below, strict=True):
        assert block is not None
        best, count, _ = _best_row(block.grid, block.row_cells, match, 0, block.top, *searched[n])
        searched[n], blocks[n] = (best, count), (block if best is not None and best >= block.top else blocks[n])
    found = [best if count >= MIN_HEADER_MATCHES else None for best, count in searched]
    by_cells: dict[int, list[tuple[int, _Rows, int]]] = {}  # the found rows, by the array they lie in
    for n, (block, row) in enumerate(zip(blocks, found, strict=True)):
        if block is not None and row is not None:
            by_cells.setdefault(id(block.cells), []).append((n, block, row))
    names: list[list[Any]] = [[] for _ in sheets]
    for mine in by_cells.values():
        for (n, _, _), row_names in zip(mine, _taken(mine[0][1].cells, [b.where(r, every=True) for _, b, r in mine]),
                                        strict=True):  # fmt: skip
            names[n] = row_names
    return list(zip(found, names, strict=True))


def _head_rows(
    sheets: Sequence[Sheet], tops: list[int], bottoms: list[int], match: HeaderMatcher
) -> list[_Rows | None]:
    """Rows `top` to `bottom` (not included) of each sheet's head, all in one array, with the cells
    that may name a column told apart at once; None for a sheet with no such rows."""
    spans = list(zip(sheets, tops, bottoms, strict=True))
    parts = [c.slice(top, bottom - top) for s, top, bottom in spans if bottom > top for c in s.columns]
    if not parts:
        return [None] * len(sheets)
    cells = _joined(parts)
    maybe = pc.is_valid(cells)
    if match.figures_name_none:
        maybe = pc.and_(maybe, pc.invert(pc.match_substring_regex(cells, f"^(?:{_FIGURE.pattern})$")))
    flags = np.asarray(maybe.to_numpy(zero_copy_only=False), dtype=bool)
    blocks: list[_Rows | None] = []
    start = 0
    for sheet, top, bottom in spans:
        if bottom <= top:
            blocks.append(None)
            continue
        size = len(sheet.columns) * (bottom - top)
        blocks.append(_Rows(cells, flags[start : start + size].reshape(-1, bottom - top), start, top))
        start += size
    return blocks


def _taken(cells: pa.Array, positions: list[np.ndarray]) -> list[list[Any]]:
    """The cells at each group of positions, as Python values, made in one conversion."""
    if not positions:
        return []
    flat = cells.take(pa.array(np.concatenate(positions), pa.int64())).to_pylist()
    bounds = np.cumsum([0, *map(len, positions)]).tolist()
    return [flat[a:b] for a, b in itertools.pairwise(bounds)]


def _best_row(
    grid: np.ndarray,
    cells_of: Callable[[int], list[Any]],
    match: HeaderMatcher,
    beyond: int = 0,
    top: int = 0,
    best: int | None = None,
    best_count: int = 0,
) -> tuple[int | None, int, bool]:
    """The row of some rows of a head (their cells that may name a column: `grid`, columns × rows,
    the first being row `top`) that names most columns, the first of equals, as a search that has
    found `best` naming `best_count` goes on; `cells_of(row)` gives a row's candidate cells, and
    `beyond` is the most a row below these may name. With whether the search stopped because no
    row left could name more."""
    offered = np.maximum.accumulate(grid.sum(axis=0)[::-1])[::-1]  # the most any row from here on offers
    room = np.maximum(offered, beyond)
    for row in range(grid.shape[1]):
        if best_count >= room[row]:
            return best, best_count, True
        hits = {c.key for v in cells_of(row) if (c := match(v)) is not None}
        if len(hits) > best_count:
            best, best_count = top + row, len(hits)
    return best, best_count, False


def _filled(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """True where a cell holds something other than white space: not empty, not all space (what
    trimming its white space and comparing with "" says, without making the trimmed text)."""
    filled = pc.and_(pc.greater(pc.binary_length(column), 0), pc.invert(pc.utf8_is_space(column)))
    return np.asarray(pc.fill_null(filled, False).to_numpy(zero_copy_only=False), dtype=bool)


def has_header(sheet: Sheet, columns: tuple[Column, ...]) -> bool:
    """Whether the sheet's first rows hold a header of these columns."""
    return _header_row(sheet, columns)[0] is not None


def locate_table(
    sheet: Sheet, file: str, columns: tuple[Column, ...], identity: tuple[str, ...]
) -> tuple[Table | None, list[Problem]]:
    """The table of a sheet, with problems of its structure (header, columns, stray rows)."""
    return locate_tables([(sheet, file)], columns, identity)[0]


def locate_tables(
    sheets: Sequence[tuple[Sheet, str]], columns: tuple[Column, ...], identity: tuple[str, ...]
) -> list[tuple[Table | None, list[Problem]]]:
    """`locate_table` of each sheet (with the name of its file), the sheets looked at together: a
    folder of 200 small workbooks asks Arrow what one asks."""
    headers = _header_rows([sheet for sheet, _ in sheets], columns)
    data = [[c.slice(header + 1) for c in sheet.columns] if header is not None else []
            for (sheet, _), (header, _) in zip(sheets, headers, strict=True)]  # fmt: skip
    filled = _filled_each(data)
    return [
        _table(sheet, file, columns, identity, header, names, cells, fill)
        for (sheet, file), (header, names), cells, fill in zip(sheets, headers, data, filled, strict=True)
    ]


def _filled_each(data: list[list[pa.Array]]) -> list[np.ndarray]:
    """`_filled` of each table's columns (columns × rows), all asked in one pass."""
    heights = [len(cells[0]) if cells else 0 for cells in data]
    parts = [c for cells, h in zip(data, heights, strict=True) if h for c in cells]
    flat = np.zeros(0, dtype=bool)
    if parts:
        flat = _filled(pa.chunked_array(parts, parts[0].type) if len({c.type for c in parts}) == 1 else _joined(parts))
    sizes = [len(cells) * h for cells, h in zip(data, heights, strict=True)]
    bounds = itertools.pairwise(np.cumsum([0, *sizes]).tolist())
    return [flat[a:b].reshape(len(cells), h) for (a, b), cells, h in zip(bounds, data, heights, strict=True)]


def _table(
    sheet: Sheet,
    file: str,
    columns: tuple[Column, ...],
    identity: tuple[str, ...],
    header: int | None,
    names: list[Any],
    data: list[pa.Array],
    filled: np.ndarray,
) -> tuple[Table | None, list[Problem]]:
    """A sheet's table, its header found (`header`, its cells `names`), the cells below it `data`
    and where they hold something (`filled`, columns × rows)."""
    problems: list[Problem] = []
    match = matcher(columns)
    if header is None:
        return None, [Problem("header-not-found", file, sheet.name, params={"rows": HEADER_SCAN_ROWS})]
    excel_header = sheet.row0 + header
    found: dict[str, int] = {}
    for c, value in enumerate(names):
        col = match(value)
        excel_col = sheet.col0 - 1 + c
        if col is None:
            if not is_blank(value):
                where = f"{column_letters(excel_col + 1)}{excel_header}"
                problems.append(Problem("unknown-column", file, sheet.name, where, value=clean_text(value)))
        elif col.key in found:
            where, first = (f"{column_letters(n + 1)}{excel_header}" for n in (excel_col, found[col.key]))
            problems.append(Problem("duplicate-column", file, sheet.name, where, col.header, params={"other": first}))
        else:
            found[col.key] = excel_col
    for col in columns:
        if col.required and col.key not in found:
            problems.append(Problem("missing-column", file, sheet.name, field=col.header))
    height = filled.shape[1]
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


def visible(text: str, limit: int = 100) -> str:
    """Text fit to show in a message: control characters as their pictures (U+0007 → ␇), cut short."""
    shown = pictures(text)
    return shown if len(shown) <= limit else shown[:limit] + "…"


def text_problem(raw: object, max_text: int) -> tuple[str, dict[str, str]] | None:
    """A cell that is no value whatever its column: an Excel error, control characters, a novel."""
    if not isinstance(raw, str):
        return None
    if raw.strip() in EXCEL_ERRORS:
        return "excel-error", {}
    if found := sorted(set(_CONTROL.findall(raw))):
        return "control-characters", {"chars": "、".join(f"U+{ord(c):04X}" for c in found)}
    if len(raw) > max_text:
        return "text-too-long", {"length": str(len(raw)), "limit": str(max_text)}
    return None


def _judge(col: Column, raw: object, max_text: int = MAX_TEXT) -> tuple[Any, str | None, dict[str, str]]:
    """One distinct value of a column: the typed value, or the problem code and its details."""
    if (bad := text_problem(raw, max_text)) is not None:
        return None, *bad
    value, code = parse_cell(col, raw)
    if code == "missing-value" and not col.value_required:
        return None, None, {}
    if code is None and (bounds := _range_problem(col, value)) is not None:
        return None, "number-out-of-range", bounds
    return value, code, {}


@dataclass(frozen=True)
class Coded:
    """A column's typed values as parsed, each distinct value once: row n holds
    `uniques[codes[n]]` — or, for free text, the trimmed text itself as Arrow (`text`; a blank or
    wrong cell is None in the values, whatever it holds here). What a result workbook carries is
    made from these over whole columns (greencomm.write.result_books), not value by value."""

    uniques: np.ndarray | None = None  # objects
    codes: np.ndarray | None = None  # int32, into uniques (kept while the inputs are: half the memory of int64)
    text: pa.Array | None = None
    # beside `uniques`: the text a number or percentage read by the fast readings was made from
    # (read/fast.py `_canonical`), null for the rest; None when none was
    canonical: pa.Array | None = None


def parse_column(col: Column, cells: pa.Array, max_text: int = MAX_TEXT) -> tuple[np.ndarray, CellProblems]:
    """Typed values of one column (an object array) and its problems as (position, code, raw,
    params), parsing each distinct text once; free text (names) is trimmed and checked in one
    vectorised pass. Invisible format characters (zero-width spaces, joiners, BOMs, direction
    marks and overrides: Unicode category Cf) are taken out before anything else, and said so:
    pasted into a name they would make two copies of one community differ, or turn its name round
    in the documents."""
    values, problems, _ = parse_coded(col, cells, max_text)
    return values, problems


# The first bytes (in UTF-8) of every character that is, or may one day be, a format character:
# U+00AD; U+0600–U+08FF and U+1800–U+18FF (Arabic, Syriac and Mongolian have theirs there);
# U+200B–U+200F, U+202A–U+202E, U+2060–U+206F; U+FEFF, U+FFF0–U+FFFB; any beyond U+FFFF.
_LEADS = np.zeros(256, dtype=bool)
_LEADS[[0xC2, *range(0xD8, 0xE3), 0xEF, *range(0xF0, 0x100)]] = True


def may_hold_format(cells: pa.Array) -> bool:
    """Whether a column's text may hold a format character (Unicode category Cf): False when no
    byte sequence of its UTF-8 can be one, told over the column's bytes at once — the regex over
    every cell cost a third of parsing a column, and a column all but never holds one. Answers
    True (look) for what it cannot tell, never False for a column that holds one."""
    if not (pa.types.is_string(cells.type) or pa.types.is_large_string(cells.type)):
        return True
    width = np.int32 if pa.types.is_string(cells.type) else np.int64
    offsets = np.frombuffer(
        cells.buffers()[1], dtype=width, count=len(cells) + 1, offset=cells.offset * width(0).itemsize
    )
    data = cells.buffers()[2]
    low, high = int(offsets[0]), int(offsets[-1])
    if data is None or high <= low:
        return False
    text = np.frombuffer(data, dtype=np.uint8, count=high - low, offset=low)
    if text.max() < 0xC2:  # ASCII (and stray continuation bytes): no character of two bytes or more
        return False
    at = np.flatnonzero(_LEADS[text])
    if not len(at):
        return False
    padded = np.concatenate([text, np.zeros(2, dtype=np.uint8)])  # a sequence cut short reads as zeros
    first, second, third = padded[at], padded[at + 1], padded[at + 2]
    two = ((first == 0xC2) & (second == 0xAD)) | ((first >= 0xD8) & (first <= 0xDF))
    arabic_mongolian = ((first == 0xE0) | (first == 0xE1)) & (second >= 0xA0) & (second <= 0xA3)
    punctuation = (first == 0xE2) & (
        ((second == 0x80) & (((third >= 0x8B) & (third <= 0x8F)) | ((third >= 0xAA) & (third <= 0xAE))))
        | ((second == 0x81) & (third >= 0xA0) & (third <= 0xAF))
    )
    specials = (first == 0xEF) & (
        ((second == 0xBB) & (third == 0xBF)) | ((second == 0xBF) & (third >= 0xB0) & (third <= 0xBB))
    )
    return bool((two | arabic_mongolian | punctuation | specials | (first >= 0xF0)).any())


def parse_coded(col: Column, cells: pa.Array, max_text: int = MAX_TEXT) -> tuple[np.ndarray, CellProblems, Coded]:
    """`parse_column`, and the values as `Coded`."""
    formatted = (
        np.flatnonzero(pc.fill_null(pc.match_substring_regex(cells, FORMAT), False).to_numpy(zero_copy_only=False))
        if may_hold_format(cells)
        else np.zeros(0, dtype=np.int64)
    )
    if not len(formatted):
        return _parse_column(col, cells, max_text)
    values, problems, coded = _parse_column(col, pc.replace_substring_regex(cells, FORMAT, ""), max_text)
    wrong = {n for n, *_ in problems}
    for n in formatted.tolist():
        if n not in wrong:  # one problem per cell: a worse one stands alone
            raw = cells[n].as_py()
            chars = "、".join(sorted({f"U+{ord(c):04X}" for c in raw if unicodedata.category(c) == "Cf"}))
            problems.append((n, "format-characters", raw, {"chars": chars}))
    return values, problems, coded


def _parse_column(col: Column, cells: pa.Array, max_text: int) -> tuple[np.ndarray, CellProblems, Coded]:
    if col.type == "text":
        trimmed = pc.utf8_trim_whitespace(cells)
        values = np.asarray(trimmed.to_numpy(zero_copy_only=False), dtype=object)
        blank = ~_filled(cells)
        values[blank] = None
        missing = np.flatnonzero(blank) if col.value_required else np.zeros(0, dtype=np.int64)
        problems: CellProblems = [(int(n), "missing-value", None, {}) for n in missing]
        suspect = pc.or_(
            pc.or_(pc.is_in(trimmed, pa.array(EXCEL_ERRORS)), pc.match_substring_regex(cells, CONTROL)),
            pc.greater(pc.utf8_length(cells), max_text),
        )
        for n in np.flatnonzero(pc.fill_null(suspect, False).to_numpy(zero_copy_only=False)).tolist():
            raw = cells[n].as_py()
            if (found := text_problem(raw, max_text)) is not None:
                values[n] = None
                problems.append((n, found[0], raw, found[1]))
        return values, problems, Coded(text=trimmed)
    encoded = pc.dictionary_encode(cells)
    texts = encoded.dictionary
    last = len(texts)  # the last entry: a blank cell
    # the common forms of the column's distinct texts at once; the rest one by one, exactly
    fast = judge_texts(col, texts) if col.type in FAST_TYPES else Verdicts.none(last)
    values = np.empty(last + 1, dtype=object)
    code_of = np.empty(last + 1, dtype=object)  # each entry's problem code, or None
    detail_of = np.empty(last + 1, dtype=object)
    values[:last], code_of[:last], detail_of[:last] = fast.values, fast.codes, fast.params
    rest = np.flatnonzero(~fast.known)
    for k, raw in zip([*rest.tolist(), last], [*texts.take(pa.array(rest)).to_pylist(), None], strict=True):
        values[k], code_of[k], detail_of[k] = _judge(col, raw, max_text)
    codes = np.asarray(encoded.indices.fill_null(last).to_numpy(zero_copy_only=False), dtype=np.int32)
    problems = []
    bad = np.flatnonzero(code_of.astype(bool))
    if len(bad):
        for position in np.flatnonzero(np.isin(codes, bad)).tolist():
            k = int(codes[position])
            problems.append((position, code_of[k], texts[k].as_py() if k < last else None, detail_of[k]))
    canonical = None if fast.canonical is None else pa.concat_arrays([fast.canonical, pa.nulls(1, pa.string())])
    return values[codes], problems, Coded(values, codes, canonical=canonical)


def parse_table(
    table: Table, columns: tuple[Column, ...], max_text: int = MAX_TEXT
) -> tuple[pd.DataFrame, list[Problem]]:
    """One row per kept record: every column's parsed value (None when blank or wrong), plus _file,
    _sheet and _row so later stages can point at the cell."""
    return parse_tables([table], columns, max_text)[0]


def parse_tables(
    tables: list[Table], columns: tuple[Column, ...], max_text: int = MAX_TEXT
) -> list[tuple[pd.DataFrame, list[Problem]]]:
    """`parse_table` of several tables at once (see `parse_joined`), each table's frame apart."""
    frame, offsets, problems, _ = joined_batches([parse_joined(tables, columns, max_text)])
    return [(frame.iloc[offsets[n] : offsets[n + 1]].reset_index(drop=True), problems[n]) for n in range(len(tables))]


# what parse_joined gives: each column's values (objects) over every table's rows, and the rest as Joined
Batch = tuple[dict[str, np.ndarray], np.ndarray, list[list[Problem]], dict[str, list[Coded]]]
Joined = tuple[pd.DataFrame, np.ndarray, list[list[Problem]], dict[str, list[Coded]]]  # what joined_batches gives


def parse_joined(tables: list[Table], columns: tuple[Column, ...], max_text: int = MAX_TEXT) -> Batch:
    """Several tables parsed as one: each column of all of them parsed together (a folder of 200
    small workbooks costs what one workbook of their rows costs). The columns of every table's rows
    in order — table n's are rows offsets[n] to offsets[n + 1] — each table's problems at its own
    cells, and the columns every table has as `Coded` (a list of one). `joined_batches` makes the
    frame."""
    heights = [t.height for t in tables]
    offsets = np.cumsum([0, *heights])
    total = int(offsets[-1])
    data: dict[str, Any] = {
        "_file": np.repeat(np.array([t.file for t in tables], dtype=object), heights),
        "_sheet": np.repeat(np.array([t.sheet for t in tables], dtype=object), heights),
        "_row": np.concatenate([t.rows for t in tables]).astype(object) if tables else np.zeros(0, dtype=object),
    }
    problems: list[list[Problem]] = [[] for _ in tables]
    coded: dict[str, list[Coded]] = {}
    for col in columns:
        having = [n for n, t in enumerate(tables) if col.key in t.cells]
        if len(having) < len(tables):
            data[col.key] = np.full(total, None, dtype=object)
        if not having:
            continue
        parts = [tables[n].cells[col.key] for n in having]
        starts = np.cumsum([0, *(len(c) for c in parts)])
        values, found, form = parse_coded(col, _joined(parts), max_text)
        if len(having) == len(tables):
            data[col.key] = values
            coded[col.key] = [form]
        else:
            for k, n in enumerate(having):
                data[col.key][offsets[n] : offsets[n + 1]] = values[starts[k] : starts[k + 1]]
        extra = {"choices": "、".join(col.choices)} if col.choices else {}
        for position, code, raw, params in found:
            k = int(np.searchsorted(starts, position, side="right")) - 1
            table = tables[having[k]]
            row = int(table.rows[position - starts[k]])
            shown = visible(clean_text(raw)) if raw is not None else None
            problems[having[k]].append(Problem(code, table.file, table.sheet, table.address(col.key, row), col.header,
                                               shown, {**extra, **params}))  # fmt: skip
    return data, offsets, problems, coded


def joined_batches(batches: list[Batch]) -> Joined:
    """Tables parsed in batches, one after another, as parse_joined would give them all at once
    (each cell is parsed on its own text alone, so how the tables are batched changes nothing), in
    one frame: each column's batches joined, the frame made once."""
    columns = batches[0][0].keys()
    # each column its own block, as made (not copied into one block of 100,000 × 50: 0.14 s)
    joined = {key: np.concatenate([batch[0][key] for batch in batches]) for key in columns}
    frame = pd.DataFrame(joined, dtype=object, copy=False)
    if len(batches) == 1:
        _, offsets, problems, coded = batches[0]
        return frame, offsets, problems, coded
    starts = np.cumsum([0, *(int(batch[1][-1]) for batch in batches)])
    offsets = np.concatenate([[0], *(b[1][1:] + start for b, start in zip(batches, starts[:-1], strict=True))])
    coded = {key: [form for batch in batches for form in batch[3][key]]
             for key in batches[0][3] if all(key in batch[3] for batch in batches)}  # fmt: skip
    return frame, offsets, [problems for batch in batches for problems in batch[2]], coded


def _joined(parts: list[pa.Array]) -> pa.Array:
    """Pieces of text columns as one array: cast to large text unless all are of one kind of text."""
    if {p.type for p in parts} not in ({pa.string()}, {pa.large_string()}):
        parts = [p.cast(pa.large_string()) for p in parts]
    return parts[0] if len(parts) == 1 else pa.concat_arrays(parts)


# ---------------------------------------------------------------- what the sheet's XML shows
WHY_NOT_CALCULATED = {
    "missing": ("没有计算结果", "it has no calculated value"),
    "recalculate": (
        "工作簿由程序生成、标记为打开时重新计算，公式的值从未算过",
        "the workbook was written by a program and flagged to recalculate on load: its values were never calculated",
    ),
}
MAX_MERGES = 200  # merged ranges looked at in one sheet: more is not a table a district fills in


def _ref(ref: str) -> tuple[int, int]:
    """(0-based column, Excel row) of `B7`."""
    position = cell_position(ref)
    assert position is not None
    return position[1] - 1, position[0]


def fact_problems(
    sheet: Sheet, table: Table, columns: tuple[Column, ...], recalculate: bool
) -> tuple[list[Problem], list[tuple[int, int, int, int]]]:
    """Problems the sheet's XML shows in the table's cells — merged ranges, Excel error values,
    formulas without a value (every formula, when the workbook was never calculated) — and the
    rectangles (first column, first row, last column, last row) they cover."""
    facts = sheet.facts
    headers = {c.key: c.header for c in columns}
    keys = {index: key for key, index in table.columns.items()}
    rows = table.rows
    problems: list[Problem] = []
    covered: list[tuple[int, int, int, int]] = []

    def in_table(ref: str) -> str | None:
        column, row = _ref(ref)
        key = keys.get(column)
        position = int(np.searchsorted(rows, row))
        return key if position < len(rows) and int(rows[position]) == row else None

    for span in facts.merged[:MAX_MERGES]:
        first, _, last = span.partition(":")
        (c1, r1), (c2, r2) = _ref(first), _ref(last or first)
        some_row = bool(((rows >= r1) & (rows <= r2)).any())
        if some_row and any(c1 <= index <= c2 for index in keys):
            problems.append(Problem("merged-cells", table.file, table.sheet, first, params={"range": span}))
            covered.append((c1, r1, c2, r2))
    for ref, error in facts.errors.items():
        if (key := in_table(ref)) is not None:
            problems.append(Problem("excel-error", table.file, table.sheet, ref, headers[key], error))
            covered.append((*_ref(ref), *_ref(ref)))
    for ref, calculated in facts.formulas.items():
        if (calculated and not recalculate) or (key := in_table(ref)) is None:
            continue
        zh, en = WHY_NOT_CALCULATED["recalculate" if recalculate else "missing"]
        params = {"why": zh, "why_en": en}
        problems.append(Problem("formula-not-calculated", table.file, table.sheet, ref, headers[key], params=params))
        covered.append((*_ref(ref), *_ref(ref)))
    return problems, covered


def is_covered(cell: str, covered: list[tuple[int, int, int, int]]) -> bool:
    if not covered or cell_position(cell) is None:
        return False
    column, row = _ref(cell)
    return any(c1 <= column <= c2 and r1 <= row <= r2 for c1, r1, c2, r2 in covered)


def blank_cells(frame: pd.DataFrame, table: Table, problems: list[Problem], start: int = 0) -> set[str]:
    """No value in a cell whose formula was never calculated or holds an Excel error (a reader may
    have seen a cached value, or the error's text). The table's rows begin at row `start` of the
    frame. The columns of the cells blanked."""
    keys = {index: key for key, index in table.columns.items()}
    blanked = set()
    for problem in problems:
        if problem.code in ("excel-error", "formula-not-calculated"):
            column, row = _ref(problem.cell)
            frame.at[start + int(np.searchsorted(table.rows, row)), keys[column]] = None
            blanked.add(keys[column])
    return blanked
