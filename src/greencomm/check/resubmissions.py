"""Resubmissions (docs/rules.md#district-workbook): a district that sends its workbook again — a
corrected copy, a 终版, or our annotated copy returned with the fixes — means the newer one.

Two workbooks are the same district's when most of their named rows say the same 所属区. A
workbook is replaced by a newer one of its district that shares at least one community with it
(two parts of one district's list, with no community in common, both stand). Newer means: the
later 填报日期 (the latest in each workbook), then the file saved later, then the later file name.
The replaced workbook's rows are set aside whole — not scored, not ranked, no duplicates of the
newer one — and its own problems with it; the run says so with one warning naming both files.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from greencomm.problems import Problem
from greencomm.read.inputs import Part

EARLIEST = dt.date.min


@dataclass(frozen=True)
class Workbook:
    """One district workbook as the rule sees it."""

    file: str
    district: str
    filled: dt.date  # the latest 填报日期 in it (EARLIEST when none is given)
    saved: float  # when the file was last saved
    communities: frozenset[str]
    rows: pd.Index

    @property
    def order(self) -> tuple[dt.date, float, str]:
        return self.filled, self.saved, self.file


def _workbooks(part: Part) -> list[Workbook]:
    """Each workbook of the part with a district named, in file order: its rows picked out by one
    stable sort of the rows by file (a folder of 200 workbooks asked pandas for 200 row selections)."""
    frame = part.frame
    codes, files = pd.factorize(frame["_file"], sort=True)
    order = np.argsort(codes, kind="stable")  # each file's rows together, in the order they were read
    bounds = np.searchsorted(codes[order], np.arange(len(files) + 1))
    index = frame.index[order]
    districts, dates, keys = (frame[c].to_numpy()[order] for c in ("_district_key", "fill_date", "_key"))
    out = []
    for n, file in enumerate(files):
        own = slice(bounds[n], bounds[n + 1])
        named = [d for d in districts[own].tolist() if d is not None]
        if not named:
            continue  # no district named: nothing to compare with
        filled = [d for d in dates[own].tolist() if d is not None]
        out.append(
            Workbook(
                file=str(file),
                district=Counter(named).most_common(1)[0][0],
                filled=max(filled, default=EARLIEST),
                saved=part.modified.get(str(file), 0.0),
                communities=frozenset(k for k in keys[own].tolist() if k is not None),
                rows=index[own],
            )
        )
    return out


def _why(old: Workbook, new: Workbook) -> tuple[str, str]:
    if new.filled != old.filled:
        return (f"填报日期 {new.filled.isoformat()} 晚于 {old.filled.isoformat()}",
                f"filled in on {new.filled.isoformat()}, after {old.filled.isoformat()}")  # fmt: skip
    if new.saved != old.saved:
        return "填报日期相同，保存时间较晚", "the same 填报日期, saved later"
    return "填报日期与保存时间相同，文件名排序在后", "the same 填报日期 and time saved, later by name"


def superseded(part: Part) -> tuple[pd.Index, set[str], list[Problem]]:
    """The rows set aside, the files replaced, and one warning per replaced file."""
    books = sorted(_workbooks(part), key=lambda b: b.order)
    replaced: dict[str, Workbook] = {}  # replaced file → the newer workbook replacing it
    for n, old in enumerate(books):
        for new in reversed(books[n + 1 :]):  # the newest first
            if new.district == old.district and new.communities & old.communities:
                replaced[old.file] = new
                break
    rows = pd.Index([])
    problems = []
    for old in books:
        if old.file in replaced:
            new = replaced[old.file]
            rows = rows.append(old.rows)
            why, why_en = _why(old, new)
            problems.append(Problem("superseded-workbook", old.file, params={
                "newer": new.file, "count": len(old.rows), "why": why, "why_en": why_en}))  # fmt: skip
    return rows, set(replaced), problems
