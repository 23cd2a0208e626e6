"""Reading a scored workbook back (the 评分汇总 sheet `greencomm score` writes), for `diff`: one row
per community with its ranks, status, total and the points of every item and category, as exact
decimals.

The workbook is untrusted like any submission (docs/rules.md#untrusted-input): it goes through the
guard and the sandboxed reader, and a cell that is not what `score` writes is a Problem naming the
file, sheet and cell. Nothing is compared from a workbook with such a cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from greencomm.errors import ScoresUnreadable
from greencomm.problems import Problem
from greencomm.programme.layouts import RESULTS_SHEET, SUBMISSION_SHEET
from greencomm.programme.settings import Limits
from greencomm.read.names import joined_keys
from greencomm.read.scan import column_letters
from greencomm.read.values import clean_text, to_decimal
from greencomm.read.workbook import Sheet, read_workbook

SCORES_SHEET = "评分汇总"  # the sheet result_books.summary_sheet writes
CENT = Decimal("0.01")
HOW = "greencomm score … -o 评分结果.xlsx"
# header → the frame's column; these must be there for a comparison to mean anything
REQUIRED = {"所属区": "district", "社区名称": "community", "全市排名": "rank", "区内排名": "district_rank",
            "总分": "total", "结果": "status"}  # fmt: skip
OPTIONAL = {"所属街道": "street"}
RANKS = frozenset({"rank", "district_rank"})
TEXT = frozenset({"district", "street", "community", "status"})
OPTIONAL_VALUE = frozenset({"street", "status"})  # may be blank; every other cell holds a value
# "A 组织管理（15）" is a category; "A1 创建领导小组和执行机构" an item (ids as the rubric has them)
CATEGORY = re.compile(r"^(\S+)\s+(.+)（[\d.]+）$")
ITEM = re.compile(r"^(\S+)\s+(.+)$")


@dataclass
class ScoreSheet:
    """A scored workbook's communities: `frame` has district, street, community, rank,
    district_rank, total, status (and `_row`, the Excel row), and one column of Decimal points per
    item id and per category id, as `items` and `categories` (id → name, in the workbook's order)
    name them."""

    frame: pd.DataFrame
    items: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    file: str = ""


def points(value: Any) -> Decimal | None:
    """A score as written (2 decimals), exactly: the cell's shortest decimal, to the cent."""
    number = to_decimal(value)
    return None if number is None else number.quantize(CENT, ROUND_HALF_UP)


def whole(value: Any) -> int | None:
    number = to_decimal(value)
    return int(number) if number is not None and number == number.to_integral_value() else None


def _refused(path: Path, detail: str, detail_en: str, sheet: str = SCORES_SHEET) -> ScoresUnreadable:
    problem = Problem("not-a-results-workbook", path.name, sheet, params={"detail": detail,
                      "detail_en": detail_en, "how": HOW})  # fmt: skip
    return ScoresUnreadable(f"{path}: 不是评分结果，未作比较 / not a scored workbook; nothing compared", [problem])


def _missing_sheet(path: Path, names: list[str]) -> ScoresUnreadable:
    if RESULTS_SHEET in names:  # greencomm's own, but of rank or shortlist
        return _refused(path, f"这是 rank 或 shortlist 写出的工作簿，没有工作表“{SCORES_SHEET}”",
                        f"written by rank or shortlist: it has no sheet “{SCORES_SHEET}”", "")  # fmt: skip
    if SUBMISSION_SHEET in names:
        return _refused(path, "这是区级申报表，还没有评分", "a district workbook, not yet scored", "")
    return _refused(path, f"没有工作表“{SCORES_SHEET}”", f"it has no sheet “{SCORES_SHEET}”", "")


def read_score_sheet(path: Path, limits: Limits | None = None, password: str | None = None) -> ScoreSheet:
    """The 评分汇总 of a workbook `score` wrote. Raises InputError for a file that is not a readable
    workbook and ScoresUnreadable, with a problem at each cell, for one that is not a scored workbook."""
    if not path.is_file():
        missing = "是文件夹，应为评分结果工作簿" if path.is_dir() else "文件不存在"
        missing_en = "a folder, not a scored workbook" if path.is_dir() else "no such file"
        raise ScoresUnreadable(f"{path}: {missing} / {missing_en}", [])
    book = read_workbook(path, password=password, limits=limits)
    if SCORES_SHEET not in book.sheet_names:
        raise _missing_sheet(path, book.sheet_names)
    sheet = book.sheet(SCORES_SHEET)
    if sheet.height == 0:
        raise _refused(path, f"工作表“{SCORES_SHEET}”是空的", f"the sheet “{SCORES_SHEET}” is empty")
    return _parse(path, sheet, book.recalculate)


def _parse(path: Path, sheet: Sheet, recalculate: bool) -> ScoreSheet:
    places: dict[str, int] = {}  # header → its column, the first of two alike
    for index, text in enumerate(clean_text(h) for h in sheet.head(1)[0]):
        places.setdefault(text, index)
    absent = [h for h in REQUIRED if h not in places]
    if absent:
        listed = "、".join(f"“{h}”" for h in absent)
        raise _refused(path, f"工作表“{SCORES_SHEET}”缺少列 {listed}", f"the sheet “{SCORES_SHEET}” lacks {listed}")
    keys = {h: k for h, k in (REQUIRED | OPTIONAL).items() if h in places}  # header → the frame's column
    items: dict[str, str] = {}
    categories: dict[str, str] = {}
    for text, index in places.items():  # the point columns stand before 总分, as summary_sheet puts them
        if index >= places["总分"] or text in keys:
            continue
        if (found := CATEGORY.match(text)) and found[1] not in categories:
            categories[found[1]] = found[2]
            keys[text] = found[1]
        elif (found := ITEM.match(text)) and found[1] not in items and not CATEGORY.match(text):
            items[found[1]] = found[2]
            keys[text] = found[1]
    filled = np.zeros(sheet.height, dtype=bool)
    for column in sheet.columns:
        filled |= column.is_valid().to_numpy(zero_copy_only=False)
    kept = np.flatnonzero(filled[1:]) + 1  # below the header, blank rows left out
    cells = _Cells(path.name, sheet, recalculate)
    data = {key: cells.column(places[head], head, kept, key) for head, key in keys.items()}
    frame = pd.DataFrame(data, columns=list(data))
    frame["_row"] = sheet.row0 + kept
    if "street" not in frame:
        frame["street"] = ""
    cells.duplicates(frame, places["社区名称"])
    if cells.problems:
        raise ScoresUnreadable(
            f"{path}: 工作表“{SCORES_SHEET}”中有 {len(cells.problems)} 个单元格不是 score 写出的值，未作比较"
            f" / {len(cells.problems)} cells of “{SCORES_SHEET}” are not what score writes; nothing compared",
            cells.problems,
        )
    return ScoreSheet(frame, items, categories, path.name)


class _Cells:
    """A sheet's cells parsed column by column, with a problem at every cell that holds no value of
    its column's kind (an Excel error, a formula never calculated, text where a number belongs)."""

    def __init__(self, file: str, sheet: Sheet, recalculate: bool) -> None:
        self.file, self.sheet = file, sheet
        facts = sheet.facts
        self.errors = facts.errors
        self.uncalculated = {ref for ref, calculated in facts.formulas.items() if recalculate or not calculated}
        self.problems: list[Problem] = []

    def ref(self, index: int, n: int) -> str:
        return f"{column_letters(self.sheet.col0 + index)}{self.sheet.row0 + n}"

    def _problem(self, code: str, ref: str, head: str, value: Any = None, **params: Any) -> None:
        self.problems.append(Problem(code, self.file, SCORES_SHEET, ref, head, value, params))

    def column(self, index: int, head: str, rows: np.ndarray, key: str) -> list[Any]:
        """The column's values in `rows` (text, whole ranks or points), each distinct cell parsed once."""
        parse: Callable[[Any], Any] = clean_text if key in TEXT else whole if key in RANKS else points
        raw = self.sheet.columns[index].to_pylist()
        parsed: dict[Any, Any] = {}
        values: list[Any] = []
        for n in rows.tolist():
            cell, ref = raw[n], self.ref(index, n)
            value = parsed[cell] if cell in parsed else parsed.setdefault(cell, None if cell is None else parse(cell))
            if ref in self.errors:
                self._problem("excel-error", ref, head, self.errors[ref])
            elif ref in self.uncalculated:
                self._problem("formula-not-calculated", ref, head, why="没有计算出的值",
                              why_en="it has no calculated value")  # fmt: skip
            elif cell is None or value == "":
                if key not in OPTIONAL_VALUE:
                    self._problem("missing-value", ref, head)
            elif value is None:
                self._problem("not-an-integer" if key in RANKS else "not-a-number", ref, head, cell)
            values.append(value)
        return values

    def duplicates(self, frame: pd.DataFrame, index: int) -> None:
        """A community twice in one result: which of the two to compare cannot be known."""
        keys = joined_keys(frame.district, frame.community)
        first: dict[str, int] = {}
        for key, row, district, community in zip(keys, frame._row, frame.district, frame.community, strict=True):
            if key is None:
                continue
            if key in first:
                other = f"{column_letters(self.sheet.col0 + index)}{first[key]}"
                ref = f"{column_letters(self.sheet.col0 + index)}{row}"
                self._problem("duplicate-community", ref, "社区名称", community, district=district,
                              community=community, other=other)  # fmt: skip
            else:
                first[key] = row
