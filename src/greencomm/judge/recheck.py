"""Re-checks of titled communities (复查, docs/rules.md#re-check): each community that holds a title
(有效 or 整改) is scored by the current rubric — the scores come from the ordinary pipeline
(greencomm.judge.results), never worked out again — and held to its title's level:

- 保留: it meets the level (exactly the threshold keeps the title); a title under 整改 that passes
  is restored (an entry 恢复);
- 限期整改: below the level, or a veto, with a deadline `[recheck] deadline_days` after the re-check;
- 撤销: below the level or a veto at a re-check while already under 整改 (整改不合格), or a veto at
  once when `[recheck] revoke_on_veto`;
- 未复查: a titled community the re-check workbook does not hold.

The outcomes give the 状态变更记录 entries (整改, 撤销, 恢复) that `register update` appends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from greencomm.check.cells import where
from greencomm.check.eligibility import TitleBlocks
from greencomm.judge.levels import is_candidate, meets_pass_level
from greencomm.judge.results import Results
from greencomm.judge.titles import holding
from greencomm.problems import Problem
from greencomm.programme.layouts import CHANGE_FIELDS, RECTIFY, RECTIFYING, RESTORE, REVOKE, recheck_columns
from greencomm.programme.rubric import fmt

KEEP, RECTIFY_BY, REVOKED_NOW, NOT_RECHECKED = "保留", "限期整改", "撤销", "未复查"
OUTCOMES = (KEEP, RECTIFY_BY, REVOKED_NOW, NOT_RECHECKED)
ENTRY_OF = {RECTIFY_BY: RECTIFY, REVOKED_NOW: REVOKE}  # the 状态变更记录 entry an outcome gives
PUT_RIGHT = "整改后复查合格"  # why a title under 整改 is restored
# Problems of applying for a title, not of holding one: eligibility is not asked again at a re-check
APPLYING_ONLY = frozenset({"eligibility-q1", "eligibility-q2", "eligibility-q3", "eligibility-q4",
                           "register-disagrees", "late-submission"})  # fmt: skip


@dataclass
class Rechecked:
    """One row per titled community (its latest title held) with its outcome; the entries for the
    register; the results the scores came from."""

    table: pd.DataFrame
    changes: pd.DataFrame
    results: Results


def _levels(results: Results, with_vetoes: bool = True) -> tuple[pd.Series, pd.Series]:
    """Whether each row meets the 节能环保社区 level and the 示范社区 level (judge.levels), by its
    score and vetoes (or its score alone): eligibility is not asked again of a title's holder."""
    frame, index = results.frame, results.frame.index
    none: pd.Series = pd.Series([[] for _ in index], index=index, dtype=object)
    free = pd.Series(False, index=index, dtype=bool)
    blocks = TitleBlocks(free, free, pd.Series("", index=index, dtype=object), [])
    veto = results.table.vetoes if with_vetoes else none
    passes = meets_pass_level(results.scores, veto, none, blocks, results.programme)
    demo = results.programme.demonstration_title
    if demo is None:
        return passes, passes
    as_demo = frame.assign(target=demo)  # held to the 示范 level, whatever the workbook says it applies for
    return passes, is_candidate(as_demo, results.scores, veto, none, blocks, results.programme)


def latest_held(current: pd.DataFrame) -> pd.DataFrame:
    """Each community's latest title still held (有效 or 整改) — the one a re-check is about."""
    held = holding(current)
    held = held[held._key.notna() & held.year.notna()]
    return held.sort_values("year", kind="stable").drop_duplicates("_key", keep="last")


def _why(row: dict[str, Any], total: str, level: str, vetoes: list[str]) -> list[str]:
    out = [f"一票否决：{v}" for v in vetoes]
    if row["below"]:
        out.append(f"总分 {total}，未达到{row['title']}等级（{level}）")
    return out


def recheck(results: Results, current: pd.DataFrame, date: dt.date, doc: str | None = None) -> Rechecked:
    """The outcome of every titled community of `current` (current_titles) on the re-check
    `results`, dated `date`; `doc` the 文号 of the entries (blank until the notice has one)."""
    programme = results.programme
    settings = programme.settings.recheck
    passes, demo_level = _levels(results)
    score_passes, score_demo = _levels(results, with_vetoes=False)
    by_key = {k: i for i, k in zip(results.frame.index, results.frame._key, strict=True) if k is not None}
    levels = programme.levels
    rows, entries = [], []
    for title in latest_held(current).to_dict("records"):
        idx = by_key.get(title["_key"])
        row: dict[str, Any] = {k: title[k] for k in ("year", "district", "community", "title", "state")}
        row["row"] = idx  # the community's row of the results (None: not in the workbook)
        is_demo = title["title"] == programme.demonstration_title
        level = (
            f"总分≥{fmt(levels.demonstration_total)}，各类别≥{fmt(levels.category_share * 100)}%"
            if is_demo
            else f"总分≥{fmt(levels.pass_total)}"
        )
        row.update(level=level, total=None, vetoes=[], outcome=NOT_RECHECKED, reasons=[], deadline=None)
        if idx is None:
            row["reasons"] = ["复查表中没有该社区"]
            rows.append(row)
            continue
        vetoes = list(results.table.vetoes[idx])
        meets = bool((demo_level if is_demo else passes)[idx])
        below = not bool((score_demo if is_demo else score_passes)[idx])
        row.update(total=results.scores.total_cents[idx] / 100, vetoes=vetoes, below=below)
        if meets:
            row["outcome"] = KEEP
            if title["state"] == RECTIFYING:  # put right: the title is restored
                row["reasons"] = [PUT_RIGHT]
                entries.append({**row, "change": RESTORE, "reason": PUT_RIGHT})
        else:
            total = f"{results.scores.total_cents[idx] / 100:.2f}"
            row["reasons"] = _why(row, total, level, vetoes)
            if title["state"] == RECTIFYING:
                row["outcome"], why = REVOKED_NOW, "整改期满复查仍不合格：" + "；".join(row["reasons"])
            elif vetoes and settings.revoke_on_veto:
                row["outcome"], why = REVOKED_NOW, "；".join(row["reasons"])
            else:
                row["outcome"] = RECTIFY_BY
                row["deadline"] = date + dt.timedelta(days=settings.deadline_days)
                why = "；".join(row["reasons"]) + f"；限{row['deadline'].isoformat()}前整改"
            entries.append({**row, "change": ENTRY_OF[row["outcome"]], "reason": why})
        row.pop("below", None)
        rows.append(row)
    table = pd.DataFrame(rows, columns=["year", "district", "community", "title", "state", "level", "total",
                                        "vetoes", "outcome", "reasons", "deadline", "row"])  # fmt: skip
    table["total"] = pd.Series([r["total"] for r in rows], index=table.index, dtype=object)  # None: not re-checked
    table["row"] = pd.Series([r["row"] for r in rows], index=table.index, dtype=object)  # labels, not floats
    changes = pd.DataFrame(
        [{**{k: e.get(k) for k, _ in CHANGE_FIELDS}, "date": date, "doc": doc} for e in entries],
        columns=[k for k, _ in CHANGE_FIELDS],
    )
    return Rechecked(table, changes, results)


def recheck_problems(results: Results, table: pd.DataFrame) -> tuple[list[Problem], list[Problem]]:
    """(the problems a re-check shows, the errors that stop it). Those of applying for a title are
    left out; a row of the workbook whose community holds no title is a warning at its name; an
    error stops the re-check when it is in a column the re-check reads, or names no cell (a file or
    sheet not read): a wrong 所属街道 or 联系电话 changes no outcome (docs/rules.md#re-check)."""
    checked = set(table.row.dropna())
    part, frame = results.inputs.submissions, results.frame
    untitled = [
        Problem(
            "recheck-untitled",
            **where(part, row, "community"),
            field="社区名称",
            value=row["community"],
            params={"district": row["district"] or ""},
        )
        for idx, row in frame.iterrows()
        if idx not in checked
    ]
    shown = [p for p in results.problems if p.code not in APPLYING_ONLY] + untitled
    unread = {c.header for c in recheck_columns(results.programme) if not c.required}
    return shown, [p for p in shown if p.is_error and (p.field not in unread or not p.cell)]
