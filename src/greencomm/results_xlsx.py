"""The workbooks of `score`, `rank` and `shortlist`, formatted for people: frozen header, filters,
widths that fit Chinese, number formats, failing rows visibly marked.

Each one also carries the inputs as read (申报汇总表, 现场评审评分表, 历年命名名录, 创建活动 in
canonical form), so a later command given this workbook computes exactly the same results.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from greencomm import __version__
from greencomm.annotate import PROBLEM_SHEET, write_problem_rows
from greencomm.pipeline import Results, file_hashes
from greencomm.rubric import fmt
from greencomm.schema import (
    ACTIVITY_READ_COLUMNS,
    ACTIVITY_SHEET,
    REGISTER_COLUMNS,
    REGISTER_SHEET,
    RESULTS_SHEET,
    REVIEW_SHEET,
    SUBMISSION_SHEET,
    Column,
    review_columns,
    submission_columns,
)
from greencomm.shortlist import DEMONSTRATION, FAILED, ONSITE, PASSED, PENDING
from greencomm.xlsx import fit_columns, print_setup, set_value, style_header

MARKER = "greencomm 评分结果"
STATUS_FILLS = {
    DEMONSTRATION: PatternFill("solid", fgColor="C6EFCE"),
    ONSITE: PatternFill("solid", fgColor="C6EFCE"),
    PENDING: PatternFill("solid", fgColor="FFEB9C"),
    FAILED: PatternFill("solid", fgColor="FFC7CE"),
}
SOURCE_WORDS = {"review": "现场评审", "self": "自评（评审前）"}
SCORE_FORMAT = "0.00"

Row = list[Any]


def _sheet(book: Workbook, title: str) -> Worksheet:
    sheet: Worksheet = book.create_sheet(title)
    return sheet


def add_table(
    book: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Row],
    fills: Sequence[PatternFill | None] = (),
    score_columns: Sequence[int] = (),
    wrap_columns: Sequence[int] = (),
) -> Worksheet:
    """One sheet: a styled header row, the rows, 2-decimal score columns, a fill per row."""
    sheet = _sheet(book, title)
    sheet.append(list(headers))
    style_header(sheet, 1)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            set_value(sheet.cell(r, c), value)
        fill = fills[r - 2] if r - 2 < len(fills) else None
        if fill is not None:
            for c in range(1, len(row) + 1):
                sheet.cell(r, c).fill = fill
    for c in score_columns:
        for r in range(2, len(rows) + 2):
            sheet.cell(r, c).number_format = SCORE_FORMAT
    for c in wrap_columns:
        for r in range(2, len(rows) + 2):
            sheet.cell(r, c).alignment = Alignment(wrap_text=True, vertical="top")
    fit_columns(sheet, caps={c: 48 for c in wrap_columns})
    sheet.freeze_panes = "A2"
    if rows:
        sheet.auto_filter.ref = sheet.dimensions
    print_setup(sheet)
    return sheet


def _words(codes: Sequence[str]) -> str:
    return "、".join(codes)


# ---------------------------------------------------------------- score
def summary_sheet(book: Workbook, results: Results) -> None:
    rubric = results.programme.rubric
    ordered = results.ordered()
    items = [i.id for i in rubric.items]
    cats = [c.id for c in rubric.categories]
    headers = [
        "全市排名", "区内排名", "所属区", "所属街道", "社区名称", "社区类型", "申报类别",
        *[f"{i} {rubric.item(i).name}" for i in items],
        *[f"{c.id} {c.name}（{fmt(c.max)}）" for c in rubric.categories],
        "总分", "评审项小计", "评审分来源", "一票否决", "资格不符", "结果", "原因", "自评明显偏高",
    ]  # fmt: skip
    rows, fills = [], []
    for idx, row in ordered.iterrows():
        rows.append([
            row["rank"], row["district_rank"], row["district"], row["street"], row["community"],
            row["community_type"], row["target"],
            *[results.scores.points.at[idx, i] for i in items],
            *[results.scores.categories.at[idx, c] for c in cats],
            row["total"], row["review_subtotal"], SOURCE_WORDS[row["review_source"]],
            _words(row["vetoes"]), _words(row["eligibility"]), row["status"], "；".join(row["reasons"]),
            "是" if row["self_eval_flag"] else "",
        ])  # fmt: skip
        fills.append(STATUS_FILLS.get(row["status"]))
    first_score = 8
    score_cols = list(range(first_score, first_score + len(items) + len(cats) + 2))
    sheet = add_table(book, "评分汇总", headers, rows, fills, score_cols, wrap_columns=[len(headers) - 1])
    sheet.freeze_panes = "F2"


def detail_sheet(book: Workbook, results: Results) -> None:
    """Every point explained: input value → rule → points, and where the input came from."""
    rubric = results.programme.rubric
    frame = results.frame
    letters = results.report.submissions.letters
    rows = []
    for idx, row in results.ordered().iterrows():
        where = (str(frame.at[idx, "_file"]), str(frame.at[idx, "_sheet"]))
        for item in rubric.items:
            point = results.scores.point(idx, item.id)
            letter = letters.get(where, {}).get(item.id, "")
            cell = f"{where[0]} {where[1]}!{letter}{int(str(frame.at[idx, '_row']))}" if letter else ""
            rows.append([
                row["district"], row["community"], item.id, item.name, float(item.max), point.shown,
                point.rule, point.points, SOURCE_WORDS["review"] if point.shown.startswith("专家") else "", cell,
            ])  # fmt: skip
    headers = ["所属区", "社区名称", "编号", "考评项目", "满分", "填报值", "计分规则", "得分", "评审", "来源单元格"]
    add_table(book, "得分明细", headers, rows, score_columns=[8], wrap_columns=[7])


def provenance_sheet(book: Workbook, results: Results) -> None:
    """The rubric, the settings, the inputs' hashes and the version: how to get these numbers again."""
    programme = results.programme
    sheet = _sheet(book, RESULTS_SHEET)
    sheet.append([MARKER, __version__])
    sheet.append(["年度", programme.year])
    sheet.append(["评审", "已现场评审" if results.reviewed else "评审前（自评分代替评审项）"])
    sheet.append([])
    sheet.append(["输入文件", "SHA-256"])
    style_header(sheet, sheet.max_row)
    for entry in file_hashes(results.report.files):
        sheet.append([entry["file"], entry["sha256"]])
    sheet.append([])
    sheet.append(["评分标准", programme.rubric.title, programme.rubric.source])
    style_header(sheet, sheet.max_row)
    sheet.append(["编号", "考评项目", "满分", "计分方式", "填报列", "计分规则"])
    style_header(sheet, sheet.max_row)
    for item in programme.rubric.items:
        sheet.append([item.id, item.name, float(item.max), item.kind, item.column, item.rule_text()])
    sheet.append([])
    sheet.append(["设置（JSON）"])
    style_header(sheet, sheet.max_row)
    settings = json.dumps(programme.settings.model_dump(mode="json"), ensure_ascii=False, indent=1)
    for line in settings.splitlines():
        set_value(sheet.cell(sheet.max_row + 1, 1), line)
    sheet["A1"].font = Font(bold=True)
    fit_columns(sheet, caps={1: 60, 6: 60})


# ---------------------------------------------------------------- the inputs, as read
def _canonical(col: Column, value: Any) -> Any:
    """A typed value written back so it reads again as the same value."""
    if value is None:
        return None
    if col.type == "percent":
        return f"{fmt(value)}%"  # 0.5% stays 0.5%, never a fraction
    if col.type == "yesno":
        return col.words[0] if value else col.words[1]
    if isinstance(value, Decimal):
        return float(value) if value == Decimal(repr(float(value))) else str(value)
    if isinstance(value, dt.date):
        return value
    return value


def _embed(book: Workbook, title: str, columns: Sequence[Column], frame: pd.DataFrame) -> None:
    rows = [[_canonical(c, v) for c, v in zip(columns, values, strict=True)]
            for values in frame[[c.key for c in columns]].itertuples(index=False)]  # fmt: skip
    sheet = add_table(book, title, [c.header for c in columns], rows)
    for c, col in enumerate(columns, start=1):
        if col.type == "date":
            for r in range(2, len(rows) + 2):
                sheet.cell(r, c).number_format = "yyyy-mm-dd"


def embed_inputs(book: Workbook, results: Results) -> None:
    programme, report = results.programme, results.report
    _embed(book, SUBMISSION_SHEET, submission_columns(programme), report.submissions.frame)
    if len(report.submissions.activities):
        _embed(book, ACTIVITY_SHEET, ACTIVITY_READ_COLUMNS, report.submissions.activities)
    if report.reviews is not None:
        _embed(book, REVIEW_SHEET, review_columns(programme), report.reviews.frame)
    if report.register is not None:
        _embed(book, REGISTER_SHEET, REGISTER_COLUMNS, report.register.frame)


def _new_book() -> Workbook:
    book = Workbook()
    del book[book.sheetnames[0]]
    book.properties.creator = "greencomm"
    return book


def _finish(book: Workbook, results: Results, lang: str) -> Workbook:
    if results.problems:
        write_problem_rows(_sheet(book, PROBLEM_SHEET), results.problems, lang)
    provenance_sheet(book, results)
    embed_inputs(book, results)
    return book


def scored_workbook(results: Results, lang: str = "zh") -> Workbook:
    book = _new_book()
    summary_sheet(book, results)
    detail_sheet(book, results)
    return _finish(book, results, lang)


# ---------------------------------------------------------------- rank
def rank_workbook(results: Results, lang: str = "zh") -> Workbook:
    rubric = results.programme.rubric
    cat = rubric.ordering_category
    cat_name = next(c.name for c in rubric.categories if c.id == cat)
    headers = ["全市排名", "区内排名", "所属区", "社区名称", "申报类别", "①总分", f"②{cat}{cat_name}小计",
               "③评审项小计", "④区级称号获得年份", "结果"]  # fmt: skip
    book = _new_book()

    def rows_of(frame: pd.DataFrame) -> list[Row]:
        return [[r["rank"], r["district_rank"], r["district"], r["community"], r["target"], r["total"],
                 results.scores.categories.at[idx, cat], r["review_subtotal"], r["district_title_year"],
                 r["status"]] for idx, r in frame.iterrows()]  # fmt: skip

    ordered = results.ordered()
    add_table(book, "全市排名", headers, rows_of(ordered), score_columns=[6, 7, 8])
    by_district = ordered.sort_values(["district", "district_rank"], kind="mergesort")
    add_table(book, "区内排名", headers, rows_of(by_district), score_columns=[6, 7, 8])
    return _finish(book, results, lang)


# ---------------------------------------------------------------- shortlist
def _list_rows(frame: pd.DataFrame, extra: Callable[[pd.Series], Row]) -> list[Row]:
    return [[n, r["district"], r["street"], r["community"], r["total"], r["rank"], *extra(r)]
            for n, (_, r) in enumerate(frame.iterrows(), start=1)]  # fmt: skip


def shortlist_workbook(results: Results, lang: str = "zh") -> Workbook:
    book = _new_book()
    ordered = results.ordered()
    base = ["序号", "所属区", "所属街道", "社区名称", "总分", "全市排名"]
    top = DEMONSTRATION if results.reviewed else ONSITE
    sheets = [(top, "示范社区" if results.reviewed else "推荐现场评审")]
    if results.reviewed:
        sheets.append((PENDING, "待审定"))
    sheets.append((PASSED, "节能环保社区"))
    for status, title in sheets:
        chosen = ordered[ordered.status == status]
        add_table(book, title, [*base, "申报类别", "评审分来源"],
                  _list_rows(chosen, lambda r: [r["target"], SOURCE_WORDS[r["review_source"]]]),
                  score_columns=[5])  # fmt: skip
    failed = ordered[ordered.status == FAILED]
    add_table(book, "未通过", [*base, "申报类别", "原因"],
              _list_rows(failed, lambda r: [r["target"], "；".join(r["reasons"])]),
              fills=[STATUS_FILLS[FAILED]] * len(failed), score_columns=[5], wrap_columns=[8])  # fmt: skip
    money = results.money()
    rows: list[Row] = [[p["payer"], money["demonstrations"], p["per_community"], p["total"]] for p in money["payers"]]
    rows.append(["合计", money["demonstrations"], results.programme.settings.amount_per_demonstration, money["total"]])
    sheet = add_table(book, "奖励资金", ["出资单位", "示范社区（个）", "每个（元）", "合计（元）"], rows)
    for r in range(2, len(rows) + 2):
        for c in (3, 4):
            sheet.cell(r, c).number_format = "#,##0"
    sheet.cell(len(rows) + 1, 1).font = Font(bold=True)
    return _finish(book, results, lang)
