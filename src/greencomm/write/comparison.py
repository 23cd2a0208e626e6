"""What `greencomm diff` shows: the comparison of two scored workbooks as a terminal table, as the
`--json` document and as a workbook (对比.xlsx). Every changed community with its total, ranks and
status old → new and the items that moved ("B1 +1.50、C2 −0.40"); one whose own points did not
move is said to have moved with others."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Group
from rich.table import Table

from greencomm.judge.compare import Change, Comparison, Entry, Moved, Place, Points
from greencomm.write.result_books import ResultSheet, write_book

MINUS = "\u2212"  # a real minus sign: "−0.40" reads as a loss at a glance
WORDS = {
    "zh": {
        "title": "评分对比", "who": "社区", "district": "所属区", "community": "社区名称", "total": "总分",
        "rank": "全市排名", "district_rank": "区内排名", "status": "结果", "delta": "总分变化", "items": "变化项目",
        "sep": "、",
        "rank_with_others": "排名随他人变化", "status_with_others": "结果随他人变化",
        "added": "新增（仅在新表）", "removed": "删除（仅在旧表）", "old_only": "仅在旧表的项目",
        "new_only": "仅在新表的项目", "none": "两份评分结果没有差别",
        "summary": "有变化 {changed} 个社区（其中 {others} 个随他人变化），未变 {unchanged} 个，"
        "新增 {added} 个，删除 {removed} 个",
    },
    "en": {
        "title": "Scores compared", "who": "Community", "district": "District", "community": "Community",
        "total": "Total",
        "rank": "City rank", "district_rank": "District rank", "status": "Status", "delta": "Δ total",
        "items": "Items moved",
        "sep": ", ", "rank_with_others": "rank moved with others", "status_with_others": "status moved with others",
        "added": "Added (only in NEW)", "removed": "Removed (only in OLD)", "old_only": "items only in OLD",
        "new_only": "items only in NEW", "none": "the two scored workbooks are the same",
        "summary": "{changed} communities changed ({others} moved with others), {unchanged} unchanged,"
        " {added} added, {removed} removed",
    },
}  # fmt: skip


def signed(delta: Decimal | int, places: int = 2) -> str:
    """+1.50, −0.40, 0.00 (points) or +2, −1 (ranks)."""
    text = f"{abs(delta):.{places}f}" if places else str(abs(delta))
    return f"+{text}" if delta > 0 else f"{MINUS}{text}" if delta < 0 else text


def _score(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def moved(value: Moved[Any], show: Callable[[Any], str] = str) -> str:
    """85.50 → 87.00, or 85.50 when it did not move."""
    return f"{show(value.old)} → {show(value.new)}" if value.changed else show(value.new)


def items_moved(change: Change, lang: str = "zh") -> str:
    """What moved this community: "B1 +1.50、C2 −0.40", or that it moved with others."""
    words = WORDS[lang]
    if change.with_others:
        return words["rank_with_others" if change.rank.changed or change.district_rank.changed else
                     "status_with_others"]  # fmt: skip
    return words["sep"].join(f"{i} {signed(p.delta)}" for i, p in change.items.items())


def _summary(comparison: Comparison, lang: str) -> str:
    others = sum(c.with_others for c in comparison.changed)
    return WORDS[lang]["summary"].format(changed=len(comparison.changed), others=others,
                                         unchanged=comparison.unchanged, added=len(comparison.added),
                                         removed=len(comparison.removed))  # fmt: skip


def summary_line(comparison: Comparison, lang: str = "zh") -> str:
    return _summary(comparison, lang) if not comparison.is_same else WORDS[lang]["none"]


def _entries(title: str, entries: list[Entry], words: dict[str, str]) -> Table:
    table = Table(title=title)
    for key in ("district", "community", "total", "rank", "status"):
        table.add_column(words[key], justify="right" if key in ("total", "rank") else "left")
    for e in entries:
        table.add_row(e.district, e.community, _score(e.total), str(e.rank), e.status)
    return table


def view(comparison: Comparison, old: Path, new: Path, lang: str = "zh") -> Group:
    """The changed communities as a table, then those added and removed, and the counts."""
    words = WORDS[lang]
    parts: list[Any] = []
    if comparison.changed:
        table = Table(title=f"{words['title']}: {old.name} → {new.name}", caption=_summary(comparison, lang))
        for key in ("who", "total", "delta", "rank", "district_rank", "status", "items"):
            right = key in ("delta", "rank", "district_rank")
            table.add_column(words[key], justify="right" if right else "left", overflow="fold")
        for c in comparison.changed:
            delta = signed(c.total.delta) if c.total.changed else ""
            table.add_row(f"{c.district} {c.community}", moved(c.total, _score), delta, moved(c.rank),
                          moved(c.district_rank), moved(c.status), items_moved(c, lang))  # fmt: skip
        parts.append(table)
    if comparison.added:
        parts.append(_entries(words["added"], comparison.added, words))
    if comparison.removed:
        parts.append(_entries(words["removed"], comparison.removed, words))
    for side in ("old_only", "new_only"):
        ids = getattr(comparison, side)
        if ids:
            names = {**comparison.items, **comparison.categories}
            parts.append(f"{words[side]}: " + words["sep"].join(f"{i} {names.get(i, '')}".strip() for i in ids))
    if not comparison.changed:
        parts.append(summary_line(comparison, lang))
    return Group(*parts)


# ---------------------------------------------------------------- --json
def _number(value: Decimal | int | None) -> float | int | None:
    """A JSON number: points with at most 2 decimals, ranks whole."""
    if value is None or isinstance(value, int):
        return value
    return float(value)


def _pair(value: Points | Place) -> dict[str, Any]:
    return {"old": _number(value.old), "new": _number(value.new), "delta": _number(value.delta)}


def comparison_json(comparison: Comparison, old: Path, new: Path) -> dict[str, Any]:
    def entry(e: Entry) -> dict[str, Any]:
        return {"district": e.district, "community": e.community, "total": _number(e.total), "rank": e.rank,
                "status": e.status}  # fmt: skip

    return {
        "old": str(old),
        "new": str(new),
        "changed": [
            {
                "district": c.district,
                "community": c.community,
                "total": _pair(c.total),
                "rank": _pair(c.rank),
                "district_rank": _pair(c.district_rank),
                "status": {"old": c.status.old, "new": c.status.new},
                "items": {i: _pair(p) for i, p in c.items.items()},
                "categories": {i: _pair(p) for i, p in c.categories.items()},
                "with_others": c.with_others,
            }
            for c in comparison.changed
        ],
        "added": [entry(e) for e in comparison.added],
        "removed": [entry(e) for e in comparison.removed],
        "unchanged": comparison.unchanged,
        "old_only": comparison.old_only,
        "new_only": comparison.new_only,
    }


# ---------------------------------------------------------------- 对比.xlsx
def _entry_frame(entries: list[Entry]) -> pd.DataFrame:
    return pd.DataFrame([(e.district, e.community, e.total, e.rank, e.status) for e in entries],
                        columns=["所属区", "社区名称", "总分", "全市排名", "结果"])  # fmt: skip


def comparison_workbook(comparison: Comparison, old: Path, new: Path) -> bytes:
    """变化 (one row per changed community), 项目变化 (one row per item that moved), 新增, 删除 and
    说明 (the two workbooks and the counts)."""
    changed = pd.DataFrame(
        [(c.district, c.community, c.total.old, c.total.new, c.total.delta, c.rank.old, c.rank.new,
          c.district_rank.old, c.district_rank.new, c.status.old, c.status.new, items_moved(c))
         for c in comparison.changed],
        columns=["所属区", "社区名称", "总分（旧）", "总分（新）", "总分变化", "全市排名（旧）", "全市排名（新）",
                 "区内排名（旧）", "区内排名（新）", "结果（旧）", "结果（新）", "变化项目"],
    )  # fmt: skip
    names = {**comparison.categories, **comparison.items}
    moves = pd.DataFrame(
        [(c.district, c.community, i, names.get(i, ""), p.old, p.new, p.delta)
         for c in comparison.changed for i, p in c.items.items()],
        columns=["所属区", "社区名称", "编号", "考评项目", "旧", "新", "变化"],
    )  # fmt: skip
    notes = pd.DataFrame(
        [("旧", str(old)), ("新", str(new)), ("结果", summary_line(comparison)),
         ("仅在旧表的项目", "、".join(comparison.old_only)), ("仅在新表的项目", "、".join(comparison.new_only))],
        columns=["项目", "内容"],
    )  # fmt: skip
    return write_book([
        ResultSheet("变化", changed, scores=["总分（旧）", "总分（新）", "总分变化"], wide=["变化项目"], freeze_col=2),
        ResultSheet("项目变化", moves, scores=["旧", "新", "变化"], freeze_col=2),
        ResultSheet("新增", _entry_frame(comparison.added), scores=["总分"]),
        ResultSheet("删除", _entry_frame(comparison.removed), scores=["总分"]),
        ResultSheet("说明", notes, wide=["内容"]),
    ])  # fmt: skip
