"""The re-check workbook (复查结果.xlsx, docs/rules.md#re-check): one row per titled community with
its outcome and why; every point explained as `score` explains it; the 状态变更记录 entries of the
outcomes, in exactly the columns `register update --decisions` reads, so the workbook itself is the
decision to record; the problems; how to get the same outcomes again (provenance, inputs as read).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from greencomm.judge.recheck import KEEP, NOT_RECHECKED, OUTCOMES, RECTIFY_BY, REVOKED_NOW, Rechecked
from greencomm.judge.results import Results
from greencomm.problems import Problem
from greencomm.programme.layouts import CHANGE_FIELDS, CHANGES_SHEET
from greencomm.programme.rubric import fmt
from greencomm.write.documents import in_district_order
from greencomm.write.result_books import (
    ResultSheet,
    detail_frame,
    input_sheets,
    problems_sheet,
    provenance_sheets,
    write_book,
)

OUTCOME_SHEET = "复查结果"
DETAIL_SHEET = "得分明细"
OUTCOME_COLOURS = {KEEP: "#C6EFCE", RECTIFY_BY: "#FFEB9C", REVOKED_NOW: "#FFC7CE", NOT_RECHECKED: "#D9D9D9"}


def in_order(done: Rechecked) -> pd.DataFrame:
    """The outcomes in the programme's district order (then as the register lists its titles)."""
    return in_district_order(done.table, done.results.programme.settings.districts).drop(columns="_d")


def _categories(done: Rechecked, table: pd.DataFrame) -> dict[str, list[float | None]]:
    """Each category's subtotal (the 示范 level asks each one for its share), blank when not re-checked."""
    out: dict[str, list[float | None]] = {}
    for c in done.results.programme.rubric.categories:
        cents: dict[Any, int] = done.results.scores.category_cents[c.id].to_dict()
        out[f"{c.id} {c.name}（{fmt(c.max)}）"] = [None if r is None else cents[r] / 100 for r in table.row]
    return out


def outcome_sheet(done: Rechecked) -> ResultSheet:
    """复查结果: 年度 … 原因, one row per titled community, coloured by outcome."""
    table = in_order(done)
    categories = _categories(done, table)
    frame = pd.DataFrame({
        "序号": np.arange(1, len(table) + 1), "命名年度": table.year.to_numpy(), "所属区": table.district.to_numpy(),
        "社区名称": table.community.to_numpy(), "称号": table.title.to_numpy(), "复查前状态": table.state.to_numpy(),
        "总分": table.total.to_numpy(), **categories, "一票否决": table.vetoes.map("、".join).to_numpy(),
        "等级标准": table.level.to_numpy(), "结论": table.outcome.to_numpy(), "整改期限": table.deadline.to_numpy(),
        "原因": table.reasons.map("；".join).to_numpy(),
    })  # fmt: skip
    colours = {n: OUTCOME_COLOURS[o] for n, o in enumerate(table.outcome)}
    return ResultSheet(OUTCOME_SHEET, frame, ["总分", *categories], ["原因", "等级标准"], colours, freeze_col=4)


def detail_sheet(done: Rechecked) -> ResultSheet:
    """得分明细 of the re-checked communities only (a row of the workbook that holds no title is not
    a re-check: its warning says so)."""
    results = done.results
    rechecked = results.ordered().index.isin(list(done.table.row.dropna()))
    detail = detail_frame(results)[np.repeat(rechecked, len(results.programme.rubric.items))]
    return ResultSheet(DETAIL_SHEET, detail.reset_index(drop=True), scores=["得分"], wide=["计分规则", "来源单元格"],
                       centred=["编号", "满分"], freeze_col=3)  # fmt: skip


def changes_sheet(done: Rechecked) -> ResultSheet:
    """状态变更记录: the entries of the outcomes, as `register update --decisions` reads them."""
    frame = pd.DataFrame({header: done.changes[key].tolist() for key, header in CHANGE_FIELDS},
                         columns=[header for _, header in CHANGE_FIELDS])  # fmt: skip
    return ResultSheet(CHANGES_SHEET, frame, wide=["原因"])


def _provenance(done: Rechecked, register: Path, date: dt.date, doc: str | None) -> list[ResultSheet]:
    """`score`'s provenance, with the re-check's own inputs: its date, 文号 and the register."""
    sheets = provenance_sheets(done.results)
    digest = hashlib.sha256(register.read_bytes()).hexdigest() if register.is_file() else ""
    extra = pd.DataFrame([("复查日期", date.isoformat()), ("文号", doc or ""), (str(register), digest)],
                         columns=sheets[0].frame.columns)  # fmt: skip
    sheets[0].frame = pd.concat([sheets[0].frame, extra], ignore_index=True)
    return sheets


def recheck_workbook(
    done: Rechecked, problems: list[Problem], register: Path, date: dt.date, doc: str | None, lang: str = "zh"
) -> bytes:
    """复查结果, 得分明细, 状态变更记录, the problems (when any), provenance and the inputs as read."""
    sheets = [outcome_sheet(done), detail_sheet(done), changes_sheet(done)]
    if problems:
        sheets.append(problems_sheet(_with_problems(done, problems), lang))
    return write_book([*sheets, *_provenance(done, register, date, doc), *input_sheets(done.results)])


def _with_problems(done: Rechecked, problems: list[Problem]) -> Results:
    """The results with the re-check's own problems, for problems_sheet (which reads .problems)."""
    return replace(done.results, problems=problems)


def counts(done: Rechecked) -> dict[str, int]:
    """How many of each outcome, every outcome named (0 included)."""
    found = done.table.outcome.value_counts()
    return {o: int(found.get(o, 0)) for o in OUTCOMES}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def recheck_json(done: Rechecked, files: list[Path], problems: list[Problem], lang: str = "zh") -> dict[str, Any]:
    """What `greencomm recheck --json` prints: the outcomes, the entries for the register, the files."""
    table = in_order(done)
    communities = [
        {k: _plain(r[k]) for k in ("year", "district", "community", "title", "state", "total", "vetoes", "level",
                                   "outcome", "deadline", "reasons")}
        for r in table.to_dict("records")
    ]  # fmt: skip
    changes = [{k: _plain(v) for k, v in e.items()} for e in done.changes.to_dict("records")]
    return {"year": done.results.programme.year, "counts": counts(done), "communities": communities,
            "changes": changes, "files": [str(f) for f in files],
            "problems": [p.to_dict(lang) for p in problems]}  # fmt: skip
