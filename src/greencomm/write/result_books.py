"""The workbooks of `score`, `rank` and `shortlist`, formatted for people — frozen header, filters,
widths that fit Chinese, 2-decimal scores, failing rows in red, printable — and written by a
Rust-backed writer (rustpy-xlsxwriter), so 100,000 communities take seconds, not minutes.

Each one also carries the inputs as read (申报汇总表, 现场评审评分表, 历年命名名录, 创建活动 in
canonical form), so a later command given this workbook computes exactly the same results. The
long per-item detail goes to a CSV beside the workbook when it would not fit one sheet.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import rustpy_xlsxwriter as rx

from greencomm import __version__
from greencomm.judge.results import Results
from greencomm.judge.shortlist import DEMONSTRATION, FAILED, ONSITE, PENDING
from greencomm.problems import LIST_HEADERS
from greencomm.programme.layouts import (
    ACTIVITY_SHEET,
    REGISTER_SHEET,
    RESULTS_SHEET,
    REVIEW_SHEET,
    SUBMISSION_SHEET,
    Column,
    activity_read_columns,
    register_columns,
    review_columns,
    submission_columns,
)
from greencomm.programme.rubric import fmt
from greencomm.read.values import map_unique
from greencomm.write.xlsx import display_width

MARKER = "greencomm 评分结果"
EXCEL_ROWS = 1_048_576
STATUS_COLOURS = {DEMONSTRATION: "#C6EFCE", ONSITE: "#C6EFCE", PENDING: "#FFEB9C", FAILED: "#FFC7CE"}
SOURCE_WORDS = {"review": "现场评审", "self": "自评（评审前）"}
WIDTH_SAMPLE = 400  # rows looked at to size a column
COLUMNS_PER_PAGE = 18
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
    freeze_col: int = 0


def _width(frame: pd.DataFrame, column: str, cap: int) -> float:
    sample = [column, *frame[column].head(WIDTH_SAMPLE).tolist()]
    return float(max(6, min(cap, max(display_width(v) for v in sample) + 2)))


def _plain(value: Any) -> Any:
    """Values the writer takes: Decimal → float, lists → text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    return value


def write_book(sheets: Sequence[ResultSheet]) -> bytes:
    """All sheets into one .xlsx, each formatted; text that looks like a formula stays text."""
    header = rx.Format().set_bold().set_background_color("#DDEBF7").set_border("thin").set_text_wrap()
    score = rx.Format().set_num_format("0.00")
    data: list[tuple[str, Any]] = []
    widths: dict[str, dict[str, float] | list[float]] = {}
    formats: dict[str, dict[str, rx.Format] | list[rx.Format]] = {}
    rows: dict[str, dict[int, rx.Format]] = {}
    filters: dict[str, bool] = {}
    freeze: dict[str, dict[str, int]] = {}
    pages: dict[str, dict[str, Any]] = {}
    heights: dict[str, dict[int, float]] = {}
    for sheet in sheets:
        frame = sheet.frame.copy()
        for column in frame.columns:
            if frame[column].dtype == object:
                frame[column] = [_plain(v) for v in frame[column].tolist()]
        data.append((sheet.name, frame))
        # scores are short numbers under wrapped headers: narrow columns keep the sheet readable
        widths[sheet.name] = {c: 9.0 if c in sheet.scores else _width(frame, c, 48 if c in sheet.wide else 30)
                              for c in frame.columns}  # fmt: skip
        formats[sheet.name] = {c: score for c in sheet.scores}
        rows[sheet.name] = {n + 1: rx.Format().set_background_color(colour) for n, colour in sheet.row_colours.items()}
        filters[sheet.name] = len(frame) > 0
        freeze[sheet.name] = {"row": 1, "col": sheet.freeze_col}
        heights[sheet.name] = {0: 45.0 if sheet.scores else 30.0}  # room for wrapped headers
        # a page holds about 18 readable columns: wider sheets print several pages wide
        wide = max(1, -(-len(frame.columns) // COLUMNS_PER_PAGE))
        pages[sheet.name] = {"landscape": True, "paper_size": 9, "fit_to_pages": (wide, 0), "repeat_rows": 0}
    buffer = io.BytesIO()
    rx.write_worksheets(
        data,
        buffer,
        freeze_panes=freeze,
        header_format={name: header for name, _ in data},
        column_widths=widths,
        column_formats=formats,
        row_formats=rows,
        autofilter=filters,
        page_setup=pages,
        row_heights=heights,
        datetime_format="yyyy-mm-dd",
    )
    return buffer.getvalue()


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
    columns["评审分来源"] = ordered.review_source.map(SOURCE_WORDS).to_numpy()
    columns["一票否决"] = ordered.vetoes.map("、".join).to_numpy()
    columns["资格不符"] = ordered.eligibility.map("、".join).to_numpy()
    columns["结果"] = ordered.status.to_numpy()
    columns["原因"] = ordered.reasons.map("；".join).to_numpy()
    columns["自评明显偏高"] = np.where(ordered.self_eval_flag.to_numpy(dtype=bool), "是", "")
    colours = {n: STATUS_COLOURS[s] for n, s in enumerate(ordered.status.tolist()) if s in STATUS_COLOURS}
    return ResultSheet("评分汇总", pd.DataFrame(columns), [*item_names, *cat_names, "总分", "评审项小计"], ["原因"],
                 colours, freeze_col=5)  # fmt: skip


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
    return ResultSheet("问题清单", pd.DataFrame(rows, columns=LIST_HEADERS[lang]), wide=LIST_HEADERS[lang][7:],
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


def _canonical(col: Column, values: pd.Series) -> list[Any]:
    """Typed values written back so they read again as the same values, each distinct value
    converted once. Text, choices, phones, whole numbers and years are written as they are."""
    if col.type in AS_READ:
        return values.tolist()
    convert = _converter(col)
    converted: list[Any] = map_unique(values, lambda v: None if v is None else convert(v)).tolist()
    return converted


def _embed(title: str, columns: Sequence[Column], frame: pd.DataFrame) -> ResultSheet:
    data = {c.header: _canonical(c, frame[c.key]) if c.key in frame else [None] * len(frame) for c in columns}
    return ResultSheet(title, pd.DataFrame(data, columns=[c.header for c in columns]))


def input_sheets(results: Results) -> list[ResultSheet]:
    programme, inputs = results.programme, results.inputs
    sheets = [_embed(SUBMISSION_SHEET, submission_columns(programme), results.standing)]
    if len(results.activities):
        sheets.append(_embed(ACTIVITY_SHEET, activity_read_columns(programme), results.activities))
    if inputs.reviews is not None:
        sheets.append(_embed(REVIEW_SHEET, review_columns(programme), inputs.reviews.frame))
    if inputs.register is not None:
        sheets.append(_embed(REGISTER_SHEET, register_columns(programme), inputs.register.frame))
    return sheets


def _finish(results: Results, lang: str, sheets: list[ResultSheet]) -> bytes:
    if results.problems:
        sheets.append(problems_sheet(results, lang))
    return write_book([*sheets, *provenance_sheets(results), *input_sheets(results)])


def scored_workbook(results: Results, lang: str = "zh") -> bytes:
    detail = (
        ResultSheet("得分明细", detail_frame(results), scores=["得分"], wide=["计分规则", "来源单元格"])
        if detail_fits(results)
        else ResultSheet("得分明细", pd.DataFrame({"说明": ["社区较多，得分明细另存为同名的 _得分明细.csv 文件"]}))
    )
    return _finish(results, lang, [summary_sheet(results), detail])


# ---------------------------------------------------------------- rank
def rank_workbook(results: Results, lang: str = "zh") -> bytes:
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
    sheets = [ResultSheet("全市排名", table(ordered), keys), ResultSheet("区内排名", table(by_district), keys)]
    return _finish(results, lang, sheets)


# ---------------------------------------------------------------- shortlist
def _list(frame: pd.DataFrame, results: Results, extra: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame({
        "序号": np.arange(1, len(frame) + 1), "所属区": frame.district.to_numpy(),
        "所属街道": frame.street.to_numpy(), "社区名称": frame.community.to_numpy(),
        "总分": results.scores.aligned(frame.index).total, "全市排名": frame["rank"].to_numpy(), **extra,
    })  # fmt: skip


def _applied(frame: pd.DataFrame, results: Results) -> dict[str, Any]:
    """The 申报类别 column, in a programme that has more than one title to apply for."""
    return {"申报类别": frame.target.to_numpy()} if results.programme.two_tier else {}


def shortlist_workbook(results: Results, lang: str = "zh") -> bytes:
    programme = results.programme
    ordered = results.ordered()
    lists = []
    if not results.reviewed:
        lists.append((ONSITE, "推荐现场评审"))
    elif programme.two_tier:
        lists += [(DEMONSTRATION, "示范社区"), (PENDING, "待审定")]
    if results.reviewed or programme.two_tier:
        lists.append((programme.title, programme.title))
    sheets = []
    for status, title in lists:
        chosen = ordered[ordered.status == status]
        extra = {**_applied(chosen, results), "评审分来源": chosen.review_source.map(SOURCE_WORDS).to_numpy()}
        sheets.append(ResultSheet(title, _list(chosen, results, extra), ["总分"]))
    failed = ordered[ordered.status == FAILED]
    extra = {**_applied(failed, results), "原因": failed.reasons.map("；".join).to_numpy()}
    sheets.append(ResultSheet("未通过", _list(failed, results, extra), ["总分"], ["原因"],
                        {n: STATUS_COLOURS[FAILED] for n in range(len(failed))}))  # fmt: skip
    money = results.money()
    if money["payers"] and programme.two_tier:  # no money, no money sheet
        rows = [[p["payer"], money["demonstrations"], p["per_community"], p["total"]] for p in money["payers"]]
        rows.append(["合计", money["demonstrations"], programme.settings.amount_per_demonstration, money["total"]])
        columns = ["出资单位", "示范社区（个）", "每个（元）", "合计（元）"]
        sheets.append(ResultSheet("奖励资金", pd.DataFrame(rows, columns=columns)))
    return _finish(results, lang, sheets)
