"""Ordering (rank, docs/rules.md#ordering), the same keys everywhere: total, the ordering
category's subtotal and the review items' subtotal, high first; then 区级称号获得年份, earlier
first, blank last. Entries equal on all four keys share a rank (competition ranking 1, 2, 2, 4);
within a tie, lists show them in pinyin order of 社区名称, which decides nothing."""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
from pypinyin import Style
from pypinyin.constants import RE_HANS
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

from greencomm.read.names import name_key

BLANK_YEAR = 10_000  # sorts after every real year
KEY_COLUMNS = ["key_total", "key_category", "key_review", "key_year"]


def ordering_keys(total: pd.Series, category: pd.Series, review: pd.Series, year: pd.Series) -> pd.DataFrame:
    """Integer keys, smallest first, from scores in integer cents: exact, so equal scores are equal keys."""
    years = year.to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "key_total": -total.astype("int64"),
            "key_category": -category.astype("int64"),
            "key_review": -review.astype("int64"),
            "key_year": np.where(pd.isna(years), BLANK_YEAR, years).astype(np.int64),  # whole column at once
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


# pypinyin's lazy_pinyin taken apart: its own splitting of a name into runs of Chinese and runs of
# anything else (pypinyin.seg.simpleseg, its character class RE_HANS), each run of Chinese cut into
# words by its phrase dictionary, then each word converted on its own, as lazy_pinyin converts them
# (no tone sandhi: nothing depends on the words around). A run is read alone, so each is read once:
# a province's names share their runs (枫树岭…社区) and their words (社区, 花园, 新村).
_WORDS = Pinyin()
_CONVERTER = UltimateConverter()
WORDS_KEPT = 1 << 16
_HANS = RE_HANS.pattern.removeprefix("^(?:").removesuffix(")+$")  # [...]: a character with pinyin
assert _HANS.startswith("[") and _HANS.endswith("]"), RE_HANS.pattern
_RUNS = re.compile(f"({_HANS}+)|[^{_HANS[1:]}+")  # a run of Chinese (group 1) or of anything else


@lru_cache(maxsize=WORDS_KEPT)
def _word_pinyin(word: str) -> tuple[str, ...]:
    return tuple(chain.from_iterable(_CONVERTER.convert(word, Style.TONE3, False, "default", strict=True)))


@lru_cache(maxsize=WORDS_KEPT)
def _run_pinyin(run: str) -> tuple[str, ...]:
    """A run of Chinese as its words' pinyin."""
    return tuple(chain.from_iterable(_word_pinyin(w) for w in _WORDS.seg(run)))


def _pinyin(run: re.Match[str]) -> tuple[str, ...]:
    """A run of Chinese read, any other kept as it is (what lazy_pinyin does with errors="default":
    a name's numbers, letters and marks are its own, not worth keeping)."""
    return _run_pinyin(run[0]) if run[1] else (run[0],)


def pinyin_key(name: Any) -> str:
    """The key that orders names by their pinyin (tone numbers), the name itself breaking a tie:
    " ".join(lazy_pinyin(name, style=Style.TONE3)), run by run."""
    text = name_key(name or "")
    return " ".join(chain.from_iterable(map(_pinyin, _RUNS.finditer(text)))) + "\x00" + text
