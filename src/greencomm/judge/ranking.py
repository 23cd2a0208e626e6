"""Ordering (rank, docs/rules.md#ordering), the same keys everywhere: total, the ordering
category's subtotal and the review items' subtotal, high first; then 区级称号获得年份, earlier
first, blank last. Entries equal on all four keys share a rank (competition ranking 1, 2, 2, 4);
within a tie, lists show them in pinyin order of 社区名称, which decides nothing."""

from __future__ import annotations

from functools import lru_cache
from itertools import chain
from typing import Any

import pandas as pd
from pypinyin import Style
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

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


# pypinyin's lazy_pinyin taken apart: its own splitting of a name into words (runs of Chinese cut by
# its phrase dictionary, other runs whole), then each word converted on its own, as lazy_pinyin
# converts them (no tone sandhi: nothing depends on the words around). A province's names share
# their words (社区, 花园, 新村, and single characters): each is converted once, not once a name.
_WORDS = Pinyin()
_CONVERTER = UltimateConverter()
WORDS_KEPT = 1 << 16


@lru_cache(maxsize=WORDS_KEPT)
def _word_pinyin(word: str) -> tuple[str, ...]:
    return tuple(chain.from_iterable(_CONVERTER.convert(word, Style.TONE3, False, "default", strict=True)))


def pinyin_key(name: Any) -> str:
    """The key that orders names by their pinyin (tone numbers), the name itself breaking a tie:
    " ".join(lazy_pinyin(name, style=Style.TONE3)), word by word."""
    text = name_key(name or "")
    return " ".join(chain.from_iterable(_word_pinyin(w) for w in _WORDS.seg(text))) + "\x00" + text
