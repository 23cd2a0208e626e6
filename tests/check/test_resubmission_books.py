"""The workbooks the resubmission rule compares (check/resubmissions.py `_workbooks`), made by one
stable sort of the rows by file, are the ones pandas' groupby makes — for rows of several files
interleaved in any order, files without a district named, blank dates and names, any row labels."""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections import Counter

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import greencomm.check  # noqa: F401 - loads the rule's module (the package's `resubmissions` is a function)
from greencomm.read.inputs import Part

_workbooks = sys.modules["greencomm.check.resubmissions"]._workbooks

FILES = ["甲区.xlsx", "乙区.xlsx", "甲区(终版).xlsx", "丙区.xlsx"]
ROW = st.tuples(
    st.sampled_from(FILES),
    st.one_of(st.none(), st.sampled_from(["芙蓉区", "天心区", "岳麓区"])),
    st.one_of(st.none(), st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31))),
    st.one_of(st.none(), st.sampled_from(["韭菜园社区", "定王台社区", "东茅街社区", "望月湖社区"])),
)


def _by_groupby(part: Part) -> list[tuple[object, ...]]:
    """What the rule compared before (pandas' groupby, a selection per file), field by field."""
    frame = part.frame
    out = []
    for file, rows in frame.groupby("_file", sort=True).groups.items():
        own = frame.loc[rows]
        named = [d for d in own._district_key.tolist() if d is not None]
        if not named:
            continue
        dates = [d for d in own.fill_date.tolist() if d is not None]
        out.append((str(file), Counter(named).most_common(1)[0][0], max(dates, default=dt.date.min),
                    part.modified.get(str(file), 0.0), frozenset(k for k in own._key.tolist() if k is not None),
                    list(rows)))  # fmt: skip
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(ROW, max_size=30), st.randoms(use_true_random=False))
def test_the_workbooks_compared_are_those_groupby_makes(rows: list[tuple[object, ...]], rnd: random.Random) -> None:
    labels = list(range(100, 100 + len(rows)))
    rnd.shuffle(labels)
    frame = pd.DataFrame(rows, columns=["_file", "_district_key", "fill_date", "_key"], index=labels, dtype=object)
    part = Part(frame, modified={f: float(n) for n, f in enumerate(FILES[:2])})
    made = [(b.file, b.district, b.filled, b.saved, b.communities, list(b.rows)) for b in _workbooks(part)]
    assert made == _by_groupby(part)
