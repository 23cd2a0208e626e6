"""Who gets which title (docs/rules.md#levels): the on-site list before review, the 示范社区 after it,
待审定 for ties across a cut-off, 节能环保社区 for the rest who meet the level, 未通过 with every
reason in words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from greencomm.check.eligibility import applies_for_demonstration
from greencomm.judge.levels import threshold_cents
from greencomm.judge.scoring import REVIEW, Scores, format_cents
from greencomm.programme import Programme
from greencomm.programme.rubric import fmt
from greencomm.read.values import distinct

# The statuses; a community that gets the title has the title's name as its status (节能环保社区,
# 绿色社区…: Programme.title).
ONSITE, DEMONSTRATION, PENDING, FAILED = "推荐现场评审", "示范社区", "待审定", "未通过"


def status_order(programme: Programme) -> dict[str, int]:
    """The statuses in the order lists and counts show them."""
    return {DEMONSTRATION: 0, PENDING: 1, ONSITE: 2, programme.title: 3, FAILED: 4}


@dataclass(frozen=True)
class Cut:
    """The result of cutting an ordered candidate list at a quota."""

    chosen: pd.Index  # confirmed
    tied: pd.Index  # tied on every key across the cut-off (待审定 after review)


def cut(ranks: pd.Series, quota: int, grow_on_tie: bool) -> Cut:
    """The first `quota` by rank. Entries tied on all keys across the cut-off are never split by
    chance: before review the list grows to take them all (grow_on_tie); after review they are all
    marked 待审定 and the confirmed count is reduced."""
    ordered = ranks.sort_values(kind="mergesort")
    if len(ordered) <= quota:
        return Cut(ordered.index, pd.Index([]))
    last_in, first_out = ordered.iloc[quota - 1], ordered.iloc[quota]
    if last_in != first_out:
        return Cut(ordered.index[:quota], pd.Index([]))
    if grow_on_tie:
        return Cut(ordered.index[ordered <= last_in], pd.Index([]))
    return Cut(ordered.index[ordered < last_in], ordered.index[ordered == last_in])


def decide(
    frame: pd.DataFrame,
    scores: Scores,
    ranks: pd.Series,
    candidate: pd.Series,
    pass_level: pd.Series,
    reviewed: bool,
    programme: Programme,
) -> tuple[pd.Series, pd.Index]:
    """Status of every row, and the tied rows (待审定). Before review the first 30 candidates are
    推荐现场评审; after review only reviewed candidates can be chosen and the first 20 are 示范社区.
    A one-tier programme reviews every candidate on site: before review they are all 推荐现场评审,
    after it those reviewed that reach the level get the title."""
    quotas = programme.settings.quotas
    status = pd.Series(FAILED, index=frame.index, dtype=object)
    if not programme.two_tier:
        if reviewed:
            status[pass_level & (scores.review_source == REVIEW)] = programme.title
        else:
            status[candidate] = ONSITE
        return status, pd.Index([])
    status[pass_level] = programme.title
    if reviewed:
        pool = candidate & (scores.review_source == REVIEW)
        chosen = cut(ranks[pool], quotas.demonstration, grow_on_tie=False)
        status[chosen.chosen] = DEMONSTRATION
        status[chosen.tied] = PENDING
        return status, chosen.tied
    chosen = cut(ranks[candidate], quotas.onsite, grow_on_tie=True)
    status[chosen.chosen] = ONSITE
    return status, pd.Index([])


def _category_words(name: str, cents: np.ndarray, words: str) -> Callable[[int], str]:
    return lambda i: f"{name}得分 {format_cents(cents[i])} {words}"


@dataclass(frozen=True)
class Reasons:
    """Every row's reasons: as Python lists (the table's column), and the same lists in Arrow for
    the writers (made over the columns, not converted text by text)."""

    lists: pd.Series
    arrow: pa.ListArray


def reasons(
    frame: pd.DataFrame,
    scores: Scores,
    status: pd.Series,
    vetoes: pd.Series,
    eligibility: pd.Series,
    candidate: pd.Series,
    reviewed: bool,
    programme: Programme,
    title_held: pd.Series,
) -> Reasons:
    """Every reason a community did not get what it applied for, in words. Each kind of reason is
    worked out for all rows at once, each distinct text once; the rows then take theirs."""
    rubric, levels, quotas = programme.rubric, programme.levels, programme.settings.quotas
    veto_names = {v.id: v.name for v in rubric.vetoes}
    n = len(frame)
    got = status.to_numpy(dtype=object)
    total = scores.total_cents.to_numpy()
    applied_demo = applies_for_demonstration(frame, programme).to_numpy()
    not_titled = np.isin(got, [programme.title, FAILED])
    demo_miss = applied_demo & not_titled
    visit = (got == FAILED) | (got == PENDING) | demo_miss
    veto_keys = pd.Series([tuple(v) for v in vetoes.tolist()], dtype=object).to_numpy()
    facts = pd.Series([(tuple(e), h) for e, h in zip(eligibility.tolist(), title_held.tolist(), strict=True)],
                      dtype=object).to_numpy()  # fmt: skip

    def eligibility_words(codes_held: tuple[tuple[str, ...], str]) -> list[str]:
        codes, held = codes_held
        return [f"资格 {q}：{rubric.eligibility[q].name}" + (f"（{held}）" if q == "Q3" else "") for q in codes]

    # vetoes, then eligibility: a list for every row, worded once for each distinct value
    listed = [_Listed.of(veto_keys, lambda vs: [f"一票否决 {v}：{veto_names[v]}" for v in vs]),
              _Listed.of(facts, eligibility_words)]  # fmt: skip
    sparse: list[_Sparse] = []  # the other reasons: only for the rows that have them

    def when(mask: np.ndarray, text: Callable[[int], str], by: np.ndarray | None = None) -> None:
        """`text(i)` for the rows of `mask` that are told why; rows equal in `by` (the figure the
        text shows) share one text, worked out once."""
        sparse.append(_Sparse.of(np.flatnonzero(mask & visit), text, by))

    pass_words, demo_words = fmt(levels.pass_total), fmt(levels.demonstration_total)
    # a one-tier programme judges scores only after the on-site review
    if programme.two_tier or reviewed:
        below = total < threshold_cents(levels.pass_total)
        when(below, lambda i: f"总分 {format_cents(total[i])} 低于 {pass_words} 分", total)
    if not programme.two_tier and reviewed:
        # only a candidate misses the inspection; a vetoed or ineligible community was never due one
        when((scores.review_source != REVIEW).to_numpy() & candidate.to_numpy(dtype=bool), lambda i: "未参加现场评审")
    below_demo = demo_miss & (total < threshold_cents(levels.demonstration_total))
    when(below_demo, lambda i: f"总分 {format_cents(total[i])} 低于示范社区标准 {demo_words} 分", total)
    for cat in rubric.categories:
        floor = levels.category_share * cat.max
        cents = scores.category_cents[cat.id].to_numpy()
        words = f"低于该类满分 {fmt(cat.max)} 的 {fmt(levels.category_share * 100)}%（{fmt(floor)} 分）"
        when(demo_miss & (cents < threshold_cents(floor)), _category_words(cat.name, cents, words), cents)
    missed = demo_miss & candidate.to_numpy(dtype=bool)  # in the running, not chosen: where it fell
    if not reviewed:
        when(missed, lambda i: f"未进入前 {quotas.onsite} 名推荐现场评审")
    else:
        unreviewed = (scores.review_source != REVIEW).to_numpy()
        when(missed & unreviewed, lambda i: "未参加现场评审")
        when(missed & ~unreviewed, lambda i: f"评审后排名未进入前 {quotas.demonstration} 名")
    tie = f"与第 {quotas.demonstration} 名在全部排序项上并列，提请领导小组审定"
    when(got == PENDING, lambda i: tie)
    joined: list[list[str]] = [[] for _ in range(n)]
    for i in np.flatnonzero(visit).tolist():
        joined[i] = [*listed[0].words[listed[0].codes[i]], *listed[1].words[listed[1].codes[i]]]
    for kind in sparse:  # each kind of reason in turn: a row's reasons keep their order
        for i, code in zip(kind.rows.tolist(), kind.codes.tolist(), strict=True):
            joined[i].append(kind.texts[code])
    return Reasons(pd.Series(joined, index=frame.index, dtype=object), _in_arrow(n, visit, listed, sparse))


@dataclass(frozen=True)
class _Listed:
    """A list of words for every row: row i's are `words[codes[i]]`."""

    codes: np.ndarray
    words: list[list[str]]

    @classmethod
    def of(cls, keys: np.ndarray, word: Callable[[Any], list[str]]) -> _Listed:
        codes, uniques = distinct(keys)
        return cls(codes, [word(u) for u in uniques])


@dataclass(frozen=True)
class _Sparse:
    """One kind of reason: the `rows` (ascending) that have it, each the text `texts[codes[n]]`."""

    rows: np.ndarray
    codes: np.ndarray
    texts: list[str]

    @classmethod
    def of(cls, rows: np.ndarray, text: Callable[[int], str], by: np.ndarray | None) -> _Sparse:
        keys = by[rows] if by is not None else np.zeros(len(rows), dtype=np.int64)
        codes, uniques = pd.factorize(keys)  # in the order the rows first show them
        first = np.zeros(len(uniques), dtype=np.int64)
        first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # the earliest row wins, written last
        return cls(rows, np.asarray(codes, dtype=np.int64), [text(int(rows[f])) for f in first.tolist()])


def _in_arrow(n: int, visit: np.ndarray, listed: list[_Listed], sparse: list[_Sparse]) -> pa.ListArray:
    """The rows' lists of reasons as Arrow lists, put together over whole columns (a row's vetoes,
    its eligibility, then each other kind in turn, as `reasons` lists them): every distinct text in
    one array, each reason placed as its number there, the texts taken once at the end."""
    counts = np.zeros(n, dtype=np.int64)
    sizes = []
    for kind in listed:  # how many words each row's list of this kind holds
        size = np.array([len(w) for w in kind.words], dtype=np.int64)[kind.codes] * visit
        sizes.append(size)
        counts += size
    for other in sparse:
        counts[other.rows] += 1
    offsets = np.concatenate([[0], np.cumsum(counts)])
    numbers = np.zeros(int(offsets[-1]), dtype=np.int64)
    filled = offsets[:-1].copy()  # where each row's next reason goes
    texts: list[str] = []
    for kind, size in zip(listed, sizes, strict=True):  # a row's words one after another, in their order
        starts = np.concatenate([[0], np.cumsum([len(w) for w in kind.words])])[:-1].astype(np.int64) + len(texts)
        texts += [word for words in kind.words for word in words]
        rows = np.flatnonzero(size)
        each = size[rows]
        within = np.arange(int(each.sum())) - np.repeat(np.cumsum(each) - each, each)  # a word's place in its list
        numbers[np.repeat(filled[rows], each) + within] = np.repeat(starts[kind.codes[rows]], each) + within
        filled[rows] += each
    for other in sparse:
        numbers[filled[other.rows]] = other.codes + len(texts)
        texts += other.texts
        filled[other.rows] += 1
    values = pa.array(texts, pa.string()).take(pa.array(numbers))
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int64()).cast(pa.int32()), values)
