"""The workbooks of `score`, `rank` and `shortlist`, formatted for people — frozen header, filters,
widths that fit Chinese, 2-decimal scores, failing rows in red, printable — and written by a
Rust-backed writer (rustpy-xlsxwriter), so 100,000 communities take seconds, not minutes.

Each one also carries the inputs as read (申报汇总表, 现场评审评分表, 历年命名名录, 创建活动 in
canonical form), so a later command given this workbook computes exactly the same results. The
long per-item detail goes to a CSV beside the workbook when it would not fit one sheet.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import re
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import rustpy_xlsxwriter as rx

from greencomm import __version__
from greencomm.judge.results import Results, standing
from greencomm.judge.shortlist import DEMONSTRATION, FAILED, ONSITE, PENDING
from greencomm.problems import LIST_HEADERS
from greencomm.programme import Programme
from greencomm.programme.layouts import (
    ACTIVITY_SHEET,
    CHANGES_SHEET,
    OBJECTION_SHEET,
    REGISTER_SHEET,
    RESULTS_SHEET,
    REVIEW_SHEET,
    SUBMISSION_SHEET,
    Column,
    activity_read_columns,
    change_columns,
    objection_columns,
    register_columns,
    review_columns,
    submission_columns,
)
from greencomm.programme.rubric import fmt
from greencomm.read.inputs import Inputs
from greencomm.read.tables import Coded
from greencomm.read.values import map_unique
from greencomm.write.joined_book import join, row_formats
from greencomm.write.sheet_rows import Layout, Rows, column_values, data_rows
from greencomm.write.text_width import WRAP_SHARE, display_width, wrapped_lines, wrapped_lines_of

MARKER = "greencomm 评分结果"
EXCEL_ROWS = 1_048_576
STATUS_COLOURS = {DEMONSTRATION: "#C6EFCE", ONSITE: "#C6EFCE", PENDING: "#FFEB9C", FAILED: "#FFC7CE"}
SOURCE_WORDS = {"review": "现场评审", "self": "自评（评审前）"}
WIDTH_SAMPLE = 400  # rows looked at to size a column
WIDE_COLUMN = 66  # long text (a reason, a source cell's file and address) on one line where it can be
# Paper (A4 landscape, margins below): about 140 column-width units fit across at 100%; a sheet
# may shrink to 80% before its print is too small to read, so a page holds 175 units.
PAGE_UNITS = 140 / 0.8
MARGINS = {"left": 0.5, "right": 0.5, "top": 0.6, "bottom": 0.7, "header": 0.3, "footer": 0.3}  # inches
FOOTER = "&C&A　第 &P 页，共 &N 页"  # the sheet's name on every page: a loose page is known
LINE_POINTS = 15.0  # one line of 11 pt text
ANY_NUMBER = 1e15  # the bounds of a rule every score meets
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?%?")


@dataclass
class ResultSheet:
    """One sheet to write: a table (header row and rows), with what makes it readable."""

    name: str
    frame: pd.DataFrame
    scores: Sequence[str] = ()  # columns shown with 2 decimals
    wide: Sequence[str] = ()  # long text columns: capped width
    row_colours: dict[int, str] = field(default_factory=dict)  # data row (0-based) → fill
    freeze_col: int = 0  # columns kept in view on screen, and printed on every page
    title: str = ""  # a title row above the header, for lists people print (never on a sheet read back)
    centred: Sequence[str] = ()  # short numbers beside text (满分 before 填报值) that would run into it
    plain: bool = False  # its values are text, whole numbers or blanks already: the writer takes them as they are


def _width(frame: pd.DataFrame, column: str, cap: int) -> float:
    """Wide enough for the text on one line (a wide character is drawn a little wider than two
    units, hence WRAP_SHARE), up to `cap`; longer text wraps."""
    sample = [column, *_listed(frame[column].head(WIDTH_SAMPLE))]
    return float(max(6, min(cap, math.ceil(max(display_width(v) for v in sample) / WRAP_SHARE) + 2)))


def _python(series: pd.Series) -> np.ndarray:
    """A column's values as Python values, a blank as None (a column kept in Arrow included)."""
    if isinstance(series.dtype, pd.ArrowDtype):
        return np.asarray(series.array.to_numpy(dtype=object, na_value=None))
    return np.asarray(series.to_numpy())


def _listed(series: pd.Series) -> list[Any]:
    return list(_python(series).tolist())


def _each(series: pd.Series, fn: Callable[[Any], Any]) -> np.ndarray:
    """`fn` of each value, as objects. Series.map would take the texts it gives into Arrow's text
    type, and `to_numpy` turn them back (a third of a second at 100,000 rows)."""
    out = np.empty(len(series), dtype=object)
    out[:] = [fn(v) for v in series.tolist()]
    return out


def _plain(value: Any) -> Any:
    """Values the writer takes: Decimal → float, lists → text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    return value


def _row_lines(frame: pd.DataFrame, columns: Sequence[str], widths: dict[str, float]) -> np.ndarray:
    """Lines each row's wrapped text takes: LibreOffice does not fit a row to wrapped text whose
    height the file leaves unset, so it would print the first line only (each value counted once)."""
    lines = np.ones(len(frame), dtype=np.int64)
    for c in columns:
        values = frame[c]
        texts = column_values(values) if isinstance(values.dtype, pd.ArrowDtype) else _listed(values)
        lines = np.maximum(lines, wrapped_lines_of(texts, widths[c]))
    return lines


def _wrapped(frame: pd.DataFrame, sheet: ResultSheet, widths: dict[str, float]) -> list[str]:
    """Columns whose values are wider than the column: wrapped, or the next cell would cut them off."""

    def longest(c: str) -> float:
        return max((display_width(v) for v in _listed(frame[c].head(WIDTH_SAMPLE))), default=0) / WRAP_SHARE

    return [c for c in frame.columns if c in sheet.wide or longest(c) + 1 > widths[c]]


def _page(sheet: ResultSheet, widths: list[float], top: int) -> dict[str, Any]:
    """A4 landscape, the header (and the columns kept in view) on every page, gridlines so each value
    stands in its own box, the sheet's name and page in the footer; as many pages wide as the
    columns need to stay readable (docs/rules.md#documents)."""
    kept = sum(widths[: sheet.freeze_col])
    wide = max(1, -(-int(sum(widths) - kept) // int(PAGE_UNITS - kept)))
    page: dict[str, Any] = {"landscape": True, "paper_size": 9, "fit_to_pages": (wide, 0), "repeat_rows": top,
                            "print_gridlines": True, "margins": MARGINS, "footer": FOOTER}  # fmt: skip
    if sheet.freeze_col:
        page["repeat_columns"] = (0, sheet.freeze_col - 1)
    return page


def write_book(sheets: Sequence[ResultSheet]) -> bytes:
    """All sheets into one .xlsx, each formatted; text that looks like a formula stays text.

    The writer gives a cell either its row's format or its column's, never both: so a sheet whose
    rows are coloured wraps its text through the row formats and shows 2-decimal scores through a
    conditional format (one that every number meets), and its rows stay coloured across every column.

    A sheet of a million cells or more whose cells take no format but the header's (the inputs
    carried by a large year) has its rows made apart, in a thread, and spliced in
    (write/sheet_rows.py, write/joined_book.py); `BookWriter.start` starts them before the other
    sheets are even made. A sheet of 100,000 cells or more whose rows are coloured or tall (the
    未通过 list of a large year) has its rows made apart once the rest is written, each colour by
    the number the writer gave it. The rows the writer repeats at a sheet's end are dropped."""
    with BookWriter() as book:
        return book.finish(sheets)


class BookWriter:
    """One result workbook being written: `carry` (optional) has the sheets of the inputs it carries
    made in a thread, rows and all, while the results are still being judged; `start` (optional)
    sets the rows of its large plain sheets being made in that thread at once; `finish` writes the
    rest and splices them in."""

    def __init__(self) -> None:
        self.looks = _Looks()
        self.prepared: dict[str, tuple[pd.DataFrame, dict[str, Any]]] = {}
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.making: dict[str, Future[Rows | None]] = {}
        self.carrying: Future[list[ResultSheet]] | None = None

    def __enter__(self) -> BookWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self.pool.shutdown(wait=True)

    def start(self, sheets: Sequence[ResultSheet]) -> None:
        """Start making the rows of the large plain sheets among `sheets`."""
        for sheet in sheets:
            if made_apart(*sheet.frame.shape):
                self.prepared[sheet.name] = _prepare(sheet, self.looks)
                if _plain_sheet(sheet, self.prepared[sheet.name][1]):
                    self.making[sheet.name] = self.pool.submit(data_rows, sheet.frame)

    def carry(self, make: Callable[[], list[ResultSheet]]) -> None:
        """Start making the sheets `make` makes (the inputs carried), and then the rows of the large
        ones, in the writer's thread: `carried` gives the sheets once made, their rows still being made."""
        self.carrying = self.pool.submit(self._carried, make)

    def _carried(self, make: Callable[[], list[ResultSheet]]) -> list[ResultSheet]:
        sheets = make()
        self.start(sheets)  # their rows made next in this thread, while the rest of the book is made
        return sheets

    def carried(self) -> list[ResultSheet] | None:
        """The sheets `carry` started, once made; None when it was not called."""
        return None if self.carrying is None else self.carrying.result()

    def finish(self, sheets: Sequence[ResultSheet]) -> bytes:
        if not self.making:  # nothing started: the large ones among these start now
            self.start(sheets)
        for sheet in sheets:
            if sheet.name not in self.prepared:
                self.prepared[sheet.name] = _prepare(sheet, self.looks)
        data = [(s.name, self.prepared[s.name][0]) for s in sheets]
        options = _options(data, {s.name: self.prepared[s.name][1] for s in sheets})
        laid = [
            s.name for s in sheets if s.name not in self.making and s.frame.size >= LAID_CELLS and _laid(s, options)
        ]
        apart = {*self.making, *laid}
        mended = {s.name: None for s in sheets if s.name not in apart and _repeats(s, options)}
        if apart:
            joined = self._with_rows_apart(data, options, laid, mended)
            if joined is not None:
                return joined
        book = _write(data, options)  # in one call: a value the writer writes its own way, or nothing large
        mended = {s.name: None for s in sheets if _repeats(s, options)}
        return (join(book, mended) if mended else None) or book

    def _with_rows_apart(
        self, data: list[tuple[str, Any]], options: Options, laid: list[str], mended: dict[str, None]
    ) -> bytes | None:
        """The workbook written with its large sheets cut short — the plain ones to their header,
        the `laid` ones to their header and a row of each colour — and their rows spliced in; None
        when a value is one the writer writes its own way."""
        frames, cut = dict(data), {key: dict(value) for key, value in options.items()}
        for name in self.making:
            frames[name] = frames[name].iloc[:0]
            cut["row_heights"][name] = _header_heights(name, options)
        models = {name: _models(name, options) for name in laid}
        for name, picked in models.items():
            frames[name] = frames[name].iloc[picked].reset_index(drop=True)
            top, formats = options["header_row"][name], options["row_formats"].get(name, {})
            cut["row_formats"][name] = {top + 1 + n: formats[top + 1 + d] for n, d in enumerate(picked)
                                        if top + 1 + d in formats}  # fmt: skip
            cut["row_heights"][name] = _header_heights(name, options)
        main = _write([(name, frames[name]) for name, _ in data], cut)
        whole = dict(data)
        rows: dict[str, Rows | None] = {}
        for name, picked in models.items():  # while the large plain ones are still being made
            layout = _layout(main, name, options, picked, len(whole[name]))
            rows[name] = data_rows(whole[name], layout) if layout is not None else None
        rows |= {name: making.result() for name, making in self.making.items()}
        return join(main, {**mended, **rows}) if None not in rows.values() else None


def _laid(sheet: ResultSheet, options: Options) -> bool:
    """A sheet whose rows can be made apart with their formats and heights: no column formats (its
    cells take their row's format alone), no merged cells but a title's."""
    merges = options["merge_ranges"].get(sheet.name, [])
    return not options["column_formats"].get(sheet.name) and all(m[0] == m[2] == 0 for m in merges)


def _header_heights(name: str, options: Options) -> dict[int, float]:
    top = options["header_row"][name]
    return {r: h for r, h in options["row_heights"].get(name, {}).items() if r <= top}


def _models(name: str, options: Options) -> list[int]:
    """The data rows (from 0) that show each of a sheet's row formats first: the workbook holds the
    sheet by them, and the numbers the writer gives their formats are every row's."""
    top = options["header_row"][name]
    firsts: dict[int, int] = {}
    for row, look in options["row_formats"].get(name, {}).items():  # in one pass: no sorted copy of every row
        if firsts.get(key := id(look), row) >= row:
            firsts[key] = row
    return sorted(row - top - 1 for row in firsts.values()) or [0]


def _layout(main: bytes, name: str, options: Options, picked: list[int], count: int) -> Layout | None:
    """Where a sheet's `count` rows lie and how they look, each row's format by the number the
    writer gave it in `main` (where the `picked` rows show them); None when `main` does not."""
    top = options["header_row"][name]
    numbers = row_formats(main, name, [top + 2 + n for n in range(len(picked))])
    formats = options["row_formats"].get(name, {})
    number: dict[int, int] = {}
    for n, d in enumerate(picked):
        if (look := formats.get(top + 1 + d)) is not None:
            given = numbers[n] if numbers is not None else None
            if given is None:
                return None
            number[id(look)] = given
    each = np.full(count, -1, dtype=np.int64)
    for row, look in formats.items():
        each[row - top - 1] = number[id(look)]
    heights = np.zeros(count)
    for row, points in options["row_heights"].get(name, {}).items():
        if row > top:
            heights[row - top - 1] = points
    return Layout(top, each if formats else None, heights)


def _repeats(sheet: ResultSheet, options: Options) -> bool:
    """Whether the writer repeats a row of this sheet: after the last row it writes, when that row
    has its own height or format, it writes that row again, empty, under the same number (Excel
    would call the workbook damaged; `join` drops it). So in a sheet of coloured or tall rows, and
    in one without a value under its header (the header's height)."""
    top = options["header_row"][sheet.name]
    tall = any(row > top for row in options["row_heights"].get(sheet.name, {}))
    return tall or sheet.name in options["row_formats"] or _blank(sheet.frame)


def _blank(frame: pd.DataFrame) -> bool:
    """No value in any row."""
    return all(bool((frame[c].isna() | frame[c].eq("")).all()) for c in frame.columns)  # most stop at the first


class _Looks:
    """The formats every sheet shares."""

    def __init__(self) -> None:
        self.header = (rx.Format().set_bold().set_background_color("#DDEBF7").set_border("thin").set_text_wrap()
                       .set_align("center").set_align("vcenter"))  # fmt: skip
        self.title = rx.Format().set_bold().set_font_size(14).set_align("center").set_align("vcenter")
        self.two_places = rx.Format().set_num_format("0.00")


def _prepare(sheet: ResultSheet, looks: _Looks) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A sheet's frame as the writer takes it, and the writer's options for it."""
    frame = sheet.frame
    if not sheet.plain:
        frame = frame.copy(deep=False)  # the columns converted below are replaced, not changed
        for column in frame.columns:
            if frame[column].dtype == object:
                frame[column] = [_plain(v) for v in frame[column].tolist()]
    top = 1 if sheet.title else 0  # the header's row
    # scores are short numbers under wrapped headers: narrow columns keep the sheet readable
    width = {c: 9.0 if c in sheet.scores else _width(frame, c, WIDE_COLUMN if c in sheet.wide else 30)
             for c in frame.columns}  # fmt: skip
    wrapped = _wrapped(frame, sheet, width)
    lines = max((wrapped_lines(str(c), width[c]) for c in frame.columns), default=1)
    heights = {top: LINE_POINTS * max(2, lines) + 4}  # the header's wrapped lines, centred
    tall = _row_lines(frame, wrapped, width)
    heights |= {top + 1 + int(n): LINE_POINTS * int(tall[n]) + 3 for n in np.flatnonzero(tall > 1)}
    options: dict[str, Any] = {
        "header_format": looks.header, "header_row": top, "column_widths": width, "row_heights": heights,
        "conditional_formats": {c: {"type": "cell", "criteria": "between", "min": -ANY_NUMBER, "max": ANY_NUMBER,
                                    "format": looks.two_places} for c in sheet.scores},
        "autofilter": len(frame) > 0, "freeze_panes": {"row": top + 1, "col": sheet.freeze_col},
        "page_setup": _page(sheet, list(width.values()), top),
    }  # fmt: skip
    if sheet.row_colours:
        plain = rx.Format().set_text_wrap().set_align("top") if wrapped else None
        fills = {colour: rx.Format().set_background_color(colour).set_text_wrap().set_align("top")
                 for colour in set(sheet.row_colours.values())}  # fmt: skip
        by_row = {n: fills[colour] for n, colour in sheet.row_colours.items()}
        if plain is not None:
            by_row = {n: by_row.get(n, plain) for n in range(len(frame))}
        options["row_formats"] = {n + top + 1: f for n, f in by_row.items()}
    else:
        column_formats = {c: rx.Format().set_text_wrap().set_align("top") for c in wrapped}
        column_formats |= {c: rx.Format().set_align("center").set_align("top") for c in sheet.centred}
        options["column_formats"] = column_formats
    if sheet.title:
        last = max(1, len(frame.columns) - 1)  # a merge needs two cells
        options["merge_ranges"] = [(0, 0, 0, last, sheet.title, looks.title)]
        heights[0] = 30.0
    return frame, options


OPTION_KEYS = ("freeze_panes", "header_format", "header_row", "merge_ranges", "column_widths", "column_formats",
               "conditional_formats", "row_formats", "autofilter", "page_setup", "row_heights")  # fmt: skip


def _options(data: list[tuple[str, Any]], each: dict[str, dict[str, Any]]) -> Options:
    """The writer's options by option, then by sheet."""
    return {key: {name: each[name][key] for name, _ in data if key in each[name]} for key in OPTION_KEYS}


Options = dict[str, dict[str, Any]]  # the writer's per-sheet options, by sheet name
LAID_CELLS = 100_000  # a sheet this large has its rows made apart once the rest is written (formats by number)
APART_CELLS = 1_000_000  # a sheet this large has its rows made apart (write/sheet_rows.py, write/joined_book.py)


def made_apart(rows: int, columns: int) -> bool:
    """Whether a sheet this large has its rows made apart."""
    return rows * columns >= APART_CELLS


def _plain_sheet(sheet: ResultSheet, options: dict[str, Any]) -> bool:
    """A sheet whose cells take no format but the header's: a table read back (the inputs carried)."""
    formatted = ("column_formats", "conditional_formats", "row_formats", "merge_ranges")
    return not sheet.title and not any(options.get(key) for key in formatted)


def _write(data: list[tuple[str, Any]], options: Options) -> bytes:
    """The sheets written by one call of the writer, through a file of its own: written to memory,
    the writer holds the sheets' XML there too (about 100 MB more for 100,000 × 50 cells)."""
    names = {name for name, _ in data}
    chosen: dict[str, Any] = {key: {n: v for n, v in value.items() if n in names} for key, value in options.items()}
    data = [(name, _objects(frame)) for name, frame in data]
    with tempfile.TemporaryDirectory(prefix="greencomm-") as folder:
        target = Path(folder) / "book.xlsx"
        rx.write_worksheets(data, str(target), **chosen, datetime_format="yyyy-mm-dd")
        return target.read_bytes()


def _objects(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its columns kept in Arrow (the inputs a large year carries) as Python values,
    a blank as None: what the writer takes."""
    kept = [c for c in frame.columns if isinstance(frame[c].dtype, pd.ArrowDtype)]
    if not kept:
        return frame
    return frame.assign(**{c: pd.Series(_python(frame[c]), index=frame.index, dtype=object) for c in kept})


# ---------------------------------------------------------------- score
def summary_sheet(results: Results) -> ResultSheet:
    rubric = results.programme.rubric
    ordered = results.ordered()
    points = results.scores.aligned(ordered.index)
    columns: dict[str, Any] = {
        "全市排名": ordered["rank"].to_numpy(), "区内排名": ordered["district_rank"].to_numpy(),
        "所属区": ordered.district.to_numpy(), "所属街道": ordered.street.to_numpy(),
        "社区名称": ordered.community.to_numpy(), "社区类型": ordered.community_type.to_numpy(),
        **_applied(ordered, results),
    }  # fmt: skip
    item_names = [f"{i.id} {i.name}" for i in rubric.items]
    for item, name in zip(rubric.items, item_names, strict=True):
        columns[name] = points.items[item.id]
    cat_names = [f"{c.id} {c.name}（{fmt(c.max)}）" for c in rubric.categories]
    for cat, name in zip(rubric.categories, cat_names, strict=True):
        columns[name] = points.categories[cat.id]
    columns["总分"] = points.total
    columns["评审项小计"] = points.review
    columns["评审分来源"] = _each(ordered.review_source, SOURCE_WORDS.get)
    columns["一票否决"] = _each(ordered.vetoes, "、".join)
    columns["资格不符"] = _each(ordered.eligibility, "、".join)
    columns["结果"] = ordered.status.to_numpy()
    columns["原因"] = _each(ordered.reasons, "；".join)
    columns["自评明显偏高"] = np.where(ordered.self_eval_flag.to_numpy(dtype=bool), "是", "")
    # 全市排名 … 社区名称 stay in view and print on every page (the header is read back as it is: no title)
    return ResultSheet("评分汇总", pd.DataFrame(columns), [*item_names, *cat_names, "总分", "评审项小计"], ["原因"],
                 _status_colours(ordered), freeze_col=5)  # fmt: skip


def _status_colours(frame: pd.DataFrame) -> dict[int, str]:
    """Each row's fill by its status (data rows counted from 0)."""
    return {n: STATUS_COLOURS[s] for n, s in enumerate(frame.status.tolist()) if s in STATUS_COLOURS}


def detail_frame(results: Results) -> pd.DataFrame:
    """Every point explained: input value → rule → points, and where the input came from."""
    rubric, scores, frame = results.programme.rubric, results.scores, results.frame
    submissions = results.inputs.submissions
    ordered = results.ordered()
    at = scores.aligned(ordered.index).at
    n, k = len(ordered), len(rubric.items)
    points = [[scores.point(r, i.id) for i in rubric.items] for r in ordered.index]
    files, sheets, rows = (frame[c].to_numpy()[at] for c in ("_file", "_sheet", "_row"))
    cells = [
        f"{files[p]} {sheets[p]}!{cell}" if (cell := submissions.address(files[p], sheets[p], i.id, rows[p])) else ""
        for p in range(n) for i in rubric.items
    ]  # fmt: skip
    flat = [pt for row in points for pt in row]
    return pd.DataFrame(
        {
            "所属区": np.repeat(ordered.district.to_numpy(), k),
            "社区名称": np.repeat(ordered.community.to_numpy(), k),
            "编号": [i.id for i in rubric.items] * n,
            "考评项目": [i.name for i in rubric.items] * n,
            "满分": [float(i.max) for i in rubric.items] * n,
            "填报值": [p.shown for p in flat],
            "计分规则": [p.rule for p in flat],
            "得分": [float(p.points) for p in flat],
            "评审": [SOURCE_WORDS["review"] if p.shown.startswith("专家") else "" for p in flat],
            "来源单元格": cells,
        }
    )


def detail_fits(results: Results) -> bool:
    return len(results.table) * len(results.programme.rubric.items) < EXCEL_ROWS - 1


def defused(value: object) -> object:
    """Text a spreadsheet would take for a formula (`=…`, `+…`, `-…`, `@…`, or after a tab or a
    carriage return) behind an apostrophe; numbers and other text unchanged (OWASP's CSV injection)."""
    if isinstance(value, str) and value.startswith(CSV_FORMULA_START) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def detail_csv(results: Results) -> bytes:
    """The detail as CSV (UTF-8 with BOM, so Excel opens Chinese right), for years too large for a
    sheet; no text in it can run as a formula when the file is opened."""
    frame = detail_frame(results)
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = map_unique(frame[column], defused)
    return "\ufeff".encode() + frame.to_csv(index=False).encode("utf-8")


def provenance_sheets(results: Results) -> list[ResultSheet]:
    """How to get these numbers again: version, inputs and their hashes, settings, the rubric."""
    programme = results.programme
    rows = [(MARKER, __version__), ("年度", str(programme.year)),
            ("评审", "已现场评审" if results.reviewed else "评审前（自评分代替评审项）")]  # fmt: skip
    rows += [(entry["file"], entry["sha256"]) for entry in results.inputs.hashes]
    settings = json.dumps(programme.settings.model_dump(mode="json"), ensure_ascii=False, indent=1)
    rows += [("设置" if n == 0 else "", line) for n, line in enumerate(settings.splitlines())]
    rows += [("评分标准", f"{programme.rubric_title}（{programme.rubric.source}）")]
    rubric = pd.DataFrame(
        [(i.id, i.name, float(i.max), i.kind, i.column, i.rule_text()) for i in programme.rubric.items],
        columns=["编号", "考评项目", "满分", "计分方式", "填报列", "计分规则"],
    )
    return [
        ResultSheet(RESULTS_SHEET, pd.DataFrame(rows, columns=["项目", "内容"]), wide=["项目", "内容"]),
        ResultSheet("评分标准", rubric, wide=["计分规则"]),
    ]


def problems_sheet(results: Results, lang: str) -> ResultSheet:
    rows = [p.list_row(lang) for p in results.problems]
    colours = {n: "#FFC7CE" if p.is_error else "#FFEB9C" for n, p in enumerate(results.problems)}
    wide = [LIST_HEADERS[lang][0], *LIST_HEADERS[lang][7:]]  # the file's name, the problem, how to fix it
    return ResultSheet("问题清单", pd.DataFrame(rows, columns=LIST_HEADERS[lang]), wide=wide,
                 row_colours=colours)  # fmt: skip


# ---------------------------------------------------------------- the inputs, as read
AS_READ = frozenset({"text", "choice", "phone", "integer", "year"})  # typed as str or int: written as they are


def _converter(col: Column) -> Callable[[Any], Any]:
    """How a column's typed value is written back so it reads again as the same value."""
    if col.type == "percent":
        return lambda v: f"{fmt(v)}%"  # 0.5% stays 0.5%, never a fraction
    if col.type == "yesno":
        return lambda v: col.words[0] if v else col.words[1]

    def plain(v: Any) -> Any:
        if isinstance(v, Decimal):
            return str(v)
        if isinstance(v, dt.date):
            return v.isoformat()
        return v

    return plain


def _carried_column(col: Column, coded: list[Coded], values: pd.Series, at: np.ndarray | None) -> pa.Array | None:
    """`_canonical` over whole columns, from the column as parsed (`coded`, every row of the
    submissions; `at`: the positions of the rows that stand, None for all): each distinct value
    converted once and the rows taking theirs by index, in Arrow — a large year's inputs are never
    turned back into Python values one by one. Free text is blank where `values` is (a blank or
    wrong cell). None when the values are not all text or all whole numbers (then `_canonical`
    writes them)."""
    convert = _converter(col)
    known: dict[Any, Any] = {}  # each distinct value converted once, whichever batch has it first

    def text_of(value: Any) -> Any:
        if value is None:
            return None
        if (text := known.get(value)) is None:
            text = known[value] = convert(value)
        return text

    parts = []
    free = False  # free text: its blanks are told by `values`
    for form in coded:
        if form.text is not None:
            parts.append(form.text.cast(pa.string()))
            free = True
            continue
        assert form.uniques is not None and form.codes is not None
        shown = _written_back(col, form, text_of)
        if shown is None:
            return None
        parts.append(shown.take(pa.array(form.codes)))
    if len({part.type for part in parts}) > 1:
        return None
    arrow = pa.concat_arrays(parts) if parts else pa.array([], pa.string())
    if at is not None:
        arrow = arrow.take(pa.array(at))
    if len(arrow) != len(values):
        return None
    if not free:
        return arrow
    blank = values.isna().to_numpy(dtype=bool)
    return pc.if_else(pa.array(blank), pa.scalar(None, arrow.type), arrow) if blank.any() else arrow


# a number's text as read (read/fast.py `_canonical`) that is also its text written back: no zero
# leading or trailing, and not below 10⁻⁶, where str(Decimal) turns to an exponent (1E-7)
_WRITTEN_AS_READ = r"^-?([1-9][0-9]*(\.[0-9]*[1-9])?|0|0\.0{0,5}[1-9]([0-9]*[1-9])?)$"
_SUFFIX = {"number": "", "percent": "%"}  # what `_converter` puts after the number


def _written_back(col: Column, form: Coded, text_of: Callable[[Any], Any]) -> pa.Array | None:
    """Each distinct value of a parsed column as `_converter` writes it back, in Arrow: a number or
    percentage from the text it was read from where that is the text written back, the rest one by
    one (`text_of`). None when they are not all text or all whole numbers."""
    assert form.uniques is not None
    usable = None
    if form.canonical is not None and col.type in _SUFFIX:
        usable = pc.fill_null(pc.match_substring_regex(form.canonical, _WRITTEN_AS_READ), False)
    if usable is None or not pc.any(usable).as_py():
        shown = form.uniques.tolist() if col.type in AS_READ else [text_of(v) for v in form.uniques.tolist()]
        kinds = {type(v) for v in shown} - {type(None)}
        kind = pa.string() if kinds <= {str} else pa.int64() if kinds == {int} else None
        try:
            return None if kind is None else pa.array(shown, kind)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError):  # a whole number beyond 64 bits
            return None
    assert form.canonical is not None
    rest = np.flatnonzero(~usable.to_numpy(zero_copy_only=False))
    others = np.full(len(form.uniques), None, dtype=object)
    others[rest] = [text_of(v) for v in form.uniques[rest].tolist()]
    if not all(v is None or type(v) is str for v in others[rest].tolist()):
        return None
    read = pc.binary_join_element_wise(form.canonical, _SUFFIX[col.type], "")
    return pc.if_else(usable, read, pa.array(others, pa.string()))


def _canonical(col: Column, values: pd.Series) -> list[Any]:
    """Typed values written back so they read again as the same values, each distinct value
    converted once. Text, choices, phones, whole numbers and years are written as they are."""
    if col.type in AS_READ:
        return values.tolist()
    convert = _converter(col)
    converted: list[Any] = map_unique(values, lambda v: None if v is None else convert(v)).tolist()
    return converted


def _embed(
    title: str,
    columns: Sequence[Column],
    frame: pd.DataFrame,
    coded: dict[str, list[Coded]] | None = None,
    at: np.ndarray | None = None,
) -> ResultSheet:
    """A sheet of the inputs as read. A sheet large enough to have its rows made apart takes the
    columns it can from `coded` (see `_carried_column`), kept in Arrow for the rows to be made from."""
    whole = coded is not None and made_apart(len(frame), len(columns))
    data: dict[str, pd.Series] = {}
    for c in columns:
        if c.key not in frame:
            data[c.header] = pd.Series([None] * len(frame), dtype=object)
            continue
        arrow = _carried_column(c, coded[c.key], frame[c.key], at) if whole and coded and c.key in coded else None
        data[c.header] = (pd.Series(pd.arrays.ArrowExtensionArray(arrow)) if arrow is not None
                          else pd.Series(_canonical(c, frame[c.key]), dtype=object))  # fmt: skip
    return ResultSheet(title, pd.DataFrame(data, columns=[c.header for c in columns]), plain=True)


def input_sheets(results: Results) -> list[ResultSheet]:
    return carried_sheets(results.programme, results.inputs, results.replaced)


def carried_early(programme: Programme, inputs: Inputs) -> bool:
    """Whether the inputs' sheets are worth making while the inputs are checked and judged: a
    submissions sheet large enough to have its rows made apart. A smaller one is made after, as the
    rest of the book is: made beside checking, it would cost more of Python's lock than it saves."""
    return made_apart(len(inputs.submissions.frame), len(submission_columns(programme)))


def carried_sheets(programme: Programme, inputs: Inputs, replaced: set[str]) -> list[ResultSheet]:
    """The sheets of the inputs as read, but the workbooks a newer one of their district `replaced`:
    known once the inputs are read, before they are checked and judged."""
    submitted, rows = inputs.submissions.frame, standing(inputs, replaced)
    at = None if rows is submitted else submitted.index.get_indexer(rows.index)  # the rows that stand, by position
    sheets = [_embed(SUBMISSION_SHEET, submission_columns(programme), rows, inputs.submissions.coded, at)]
    activities = standing(inputs, replaced, inputs.activities)
    if len(activities):
        sheets.append(_embed(ACTIVITY_SHEET, activity_read_columns(programme), activities))
    if inputs.reviews is not None:
        sheets.append(_embed(REVIEW_SHEET, review_columns(programme), inputs.reviews.frame))
    if inputs.register is not None:
        sheets.append(_embed(REGISTER_SHEET, register_columns(programme), inputs.register.frame))
        if inputs.register.changes is not None:  # carried too: Q3 from this workbook goes by the same statuses
            sheets.append(_embed(CHANGES_SHEET, change_columns(programme), inputs.register.changes))
    if inputs.objections is not None:
        sheets.append(_embed(OBJECTION_SHEET, objection_columns(), inputs.objections.frame))
    return sheets


def _finish(results: Results, lang: str, lead: Callable[[], list[ResultSheet]], book: BookWriter | None) -> bytes:
    """The workbook: the sheets `lead` makes, the problems, how the results were made, and the
    inputs carried — those made first (or by `book` while the results were judged), so that a large
    year's rows are being made while the rest are."""
    with contextlib.nullcontext(book) if book is not None else BookWriter() as writer:
        if writer.carrying is None:
            writer.carry(lambda: input_sheets(results))
        sheets = lead()
        if results.problems:
            sheets.append(problems_sheet(results, lang))
        carried = writer.carried()
        assert carried is not None
        return writer.finish([*sheets, *provenance_sheets(results), *carried])


def scored_workbook(results: Results, lang: str = "zh", book: BookWriter | None = None) -> bytes:
    return _finish(results, lang, lambda: _score_sheets(results), book)


def _score_sheets(results: Results) -> list[ResultSheet]:
    detail = (
        ResultSheet(
            "得分明细",
            detail_frame(results),
            scores=["得分"],
            wide=["考评项目", "计分规则", "来源单元格"],
            centred=["编号", "满分"],
            freeze_col=3,  # 所属区, 社区名称, 编号 on every page
        )
        if detail_fits(results)
        else ResultSheet("得分明细", pd.DataFrame({"说明": ["社区较多，得分明细另存为同名的 _得分明细.csv 文件"]}))
    )
    return [summary_sheet(results), detail]


# ---------------------------------------------------------------- rank
def rank_workbook(results: Results, lang: str = "zh", book: BookWriter | None = None) -> bytes:
    return _finish(results, lang, lambda: _rank_sheets(results), book)


def _rank_sheets(results: Results) -> list[ResultSheet]:
    rubric = results.programme.rubric
    cat = rubric.ordering_category
    cat_name = next(c.name for c in rubric.categories if c.id == cat)

    def table(frame: pd.DataFrame) -> pd.DataFrame:
        points = results.scores.aligned(frame.index)
        return pd.DataFrame({
            "全市排名": frame["rank"].to_numpy(), "区内排名": frame["district_rank"].to_numpy(),
            "所属区": frame.district.to_numpy(), "社区名称": frame.community.to_numpy(),
            **_applied(frame, results), "①总分": points.total,
            f"②{cat}{cat_name}小计": points.categories[cat],
            "③评审项小计": points.review,
            "④区级称号获得年份": frame.district_title_year.to_numpy(), "结果": frame.status.to_numpy(),
        })  # fmt: skip

    ordered = results.ordered()
    keys = ["①总分", f"②{cat}{cat_name}小计", "③评审项小计"]
    by_district = ordered.sort_values(["district", "district_rank"], kind="mergesort")
    sheets = [ResultSheet(name, table(frame), keys, row_colours=_status_colours(frame), freeze_col=4)
              for name, frame in (("全市排名", ordered), ("区内排名", by_district))]  # fmt: skip
    return sheets


# ---------------------------------------------------------------- shortlist
def _list(results: Results, frame: pd.DataFrame, at: np.ndarray, extra: dict[str, Any]) -> pd.DataFrame:
    """A list's rows — `frame`, the rows `at` of the results in rank order — as plain values (text,
    numbers, blanks: the writer takes them as they are); its names in Arrow where the results hold
    them so (`_texts`)."""
    columns = {
        "序号": np.arange(1, len(frame) + 1), "所属区": _texts(results, frame, "district", at),
        "所属街道": _texts(results, frame, "street", at), "社区名称": _texts(results, frame, "community", at),
        "总分": results.scores.aligned(frame.index).total, "全市排名": frame["rank"].to_numpy(), **extra,
    }  # fmt: skip
    kept = {name: values for name, values in columns.items() if isinstance(values, pd.Series)}
    table = pd.DataFrame({name: values for name, values in columns.items() if name not in kept}, dtype=object)
    return table.assign(**{name: values.set_axis(table.index) for name, values in kept.items()})[list(columns)]


def _texts(results: Results, frame: pd.DataFrame, column: str, at: np.ndarray) -> Any:
    """A column of text of `frame`, the rows `at` in rank order: kept in Arrow when the results
    hold it so (the rows are made from it as it is, no Python text in between), else as objects."""
    values = results.in_arrow(column)
    if values is None or isinstance(values, pa.ListArray):
        return frame[column].to_numpy()
    return pd.Series(pd.arrays.ArrowExtensionArray(values.take(pa.array(at, pa.int64()))))


def _reasons(results: Results, frame: pd.DataFrame, at: np.ndarray) -> Any:
    """The reasons of `frame`, the rows `at` in rank order, each row's joined by "；" (by Arrow when
    the results hold them in it)."""
    lists = results.in_arrow("reasons")
    if not isinstance(lists, pa.ListArray):
        return _each(frame.reasons, "；".join)
    return pd.Series(pd.arrays.ArrowExtensionArray(pc.binary_join(lists.take(pa.array(at, pa.int64())), "；")))


def _applied(frame: pd.DataFrame, results: Results) -> dict[str, Any]:
    """The 申报类别 column, in a programme that has more than one title to apply for."""
    return {"申报类别": frame.target.to_numpy()} if results.programme.two_tier else {}


LIST_HEADINGS = {ONSITE: "推荐现场评审社区", PENDING: "待审定社区", FAILED: "未通过社区"}  # a title names its own list


def _list_title(results: Results, status: str, count: int) -> str:
    """A printed list's title: 2026年xx市节能环保示范社区名单（20个）, marked as before review when it is."""
    programme = results.programme
    demonstration = programme.demonstration_title if status == DEMONSTRATION else None
    heading = demonstration or LIST_HEADINGS.get(status, status)  # the programme's title names its own list
    stage = "" if results.reviewed else "（现场评审前）"
    return f"{programme.year}年{programme.settings.city}{heading}名单{stage}（{count}个）"


def shortlist_workbook(results: Results, lang: str = "zh", book: BookWriter | None = None) -> bytes:
    return _finish(results, lang, lambda: _shortlist_sheets(results), book)


def _shortlist_sheets(results: Results) -> list[ResultSheet]:
    programme = results.programme
    ordered = results.ordered()
    lists = []
    if not results.reviewed:
        lists.append((ONSITE, "推荐现场评审"))
    elif programme.two_tier:
        lists += [(DEMONSTRATION, "示范社区"), (PENDING, "待审定")]
    if results.reviewed or programme.two_tier:
        lists.append((programme.title, programme.title))
    statuses = ordered.status.to_numpy()
    sheets = []
    for status, title in lists:
        at = np.flatnonzero(statuses == status)
        chosen = ordered.iloc[at]
        extra = {**_applied(chosen, results), "评审分来源": _each(chosen.review_source, SOURCE_WORDS.get)}
        sheets.append(ResultSheet(title, _list(results, chosen, at, extra), ["总分"],
                                  title=_list_title(results, status, len(at)), plain=True))  # fmt: skip
    at = np.flatnonzero(statuses == FAILED)
    failed = ordered.iloc[at]
    extra = {**_applied(failed, results), "原因": _reasons(results, failed, at)}
    sheets.append(ResultSheet("未通过", _list(results, failed, at, extra), ["总分"], ["原因"],
                        {n: STATUS_COLOURS[FAILED] for n in range(len(at))},
                        title=_list_title(results, FAILED, len(at)), plain=True))  # fmt: skip
    money = results.money()
    if money["payers"] and programme.two_tier:  # no money, no money sheet
        rows = [[p["payer"], money["demonstrations"], p["per_community"], p["total"]] for p in money["payers"]]
        rows.append(["合计", money["demonstrations"], programme.settings.amount_per_demonstration, money["total"]])
        columns = ["出资单位", "示范社区（个）", "每个（元）", "合计（元）"]
        heading = f"{programme.year}年{programme.settings.city}{programme.demonstration_title}奖励资金"
        sheets.append(ResultSheet("奖励资金", pd.DataFrame(rows, columns=columns), title=heading))
    return sheets
