"""Ordering (rank, docs/rules.md#ordering), the same keys everywhere: total, the ordering
category's subtotal and the review items' subtotal, high first; then 区级称号获得年份, earlier
first, blank last. Entries equal on all four keys share a rank (competition ranking 1, 2, 2, 4);
within a tie, lists show them in pinyin order of 社区名称, which decides nothing."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pypinyin import Style, lazy_pinyin

from greencomm.read.names import name_key

BLANK_YEAR = 10_000  # sorts after every real year
KEY_COLUMNS = ["key_total", "key_category", "key_review", "key_year"]


def ordering_keys(total: pd.Series, category: pd.Series, review: pd.Series, year: pd.Series) -> pd.DataFrame:
    """Integer keys, smallest first, from scores in integer cents: exact, so equal scores are equal keys."""
    return pd.DataFrame(
        {
            "key_total": -total.astype("int64"),
            "key_category": -category.astype("int64"),
            "key_review": -review.astype("int64"),
            "key_year": year.map(lambda y: BLANK_YEAR if y is None else int(y)).astype("int64"),
        },
        index=total.index,
    )


def competition_rank(keys: pd.DataFrame) -> pd.Series:
    """1 + the number of entries strictly ahead on the keys."""
    if keys.empty:
        return pd.Series([], dtype="int64", index=keys.index)
    ordered = keys.sort_values(KEY_COLUMNS, kind="mergesort")
    new_group = ordered.ne(ordered.shift()).any(axis=1)
    position = pd.Series(range(1, len(ordered) + 1), index=ordered.index)
    rank = position.where(new_group).ffill().astype("int64")
    return rank.reindex(keys.index)


def rank_within(keys: pd.DataFrame, groups: pd.Series) -> pd.Series:
    """Competition rank inside each group (the row's own 所属区, in or out of the programme)."""
    by = groups.fillna("")
    parts = [competition_rank(keys.loc[idx]) for _, idx in by.groupby(by).groups.items()]
    return pd.concat(parts).reindex(keys.index) if parts else pd.Series([], dtype="int64")


def pinyin_key(name: Any) -> str:
    text = name_key(name or "")
    return " ".join(lazy_pinyin(text, style=Style.TONE3)) + "\x00" + text
