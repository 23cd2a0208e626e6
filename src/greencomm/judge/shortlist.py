"""Who gets which title (docs/rules.md#levels): the on-site list before review, the 示范社区 after it,
待审定 for ties across a cut-off, 节能环保社区 for the rest who meet the level, 未通过 with every
reason in words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from greencomm.check.eligibility import applies_for_demonstration
from greencomm.judge.levels import threshold_cents
from greencomm.judge.scoring import REVIEW, Scores, format_cents
from greencomm.programme import Programme
from greencomm.programme.rubric import fmt
from greencomm.read.values import map_unique

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
) -> pd.Series:
    """Every reason a community did not get what it applied for, in words. Each kind of reason is
    worked out for all rows at once; the rows then take theirs in one pass."""
    rubric, levels, quotas = programme.rubric, programme.levels, programme.settings.quotas
    veto_names = {v.id: v.name for v in rubric.vetoes}
    n = len(frame)
    got = status.to_numpy(dtype=object)
    total = scores.total_cents.to_numpy()
    applied_demo = applies_for_demonstration(frame, programme).to_numpy()
    not_titled = np.isin(got, [programme.title, FAILED])
    demo_miss = applied_demo & not_titled
    visit = (got == FAILED) | (got == PENDING) | demo_miss
    parts: list[list[list[str]]] = []  # vetoes and eligibility: a list for every row
    veto_keys = pd.Series([tuple(v) for v in vetoes.tolist()], dtype=object)
    parts.append(map_unique(veto_keys, lambda vs: [f"一票否决 {v}：{veto_names[v]}" for v in vs]).tolist())
    facts = pd.Series([(tuple(e), h) for e, h in zip(eligibility.tolist(), title_held.tolist(), strict=True)],
                      dtype=object)  # fmt: skip

    def eligibility_words(codes_held: tuple[tuple[str, ...], str]) -> list[str]:
        codes, held = codes_held
        return [f"资格 {q}：{rubric.eligibility[q].name}" + (f"（{held}）" if q == "Q3" else "") for q in codes]

    parts.append(map_unique(facts, eligibility_words).tolist())

    sparse: list[dict[int, str]] = []  # the other reasons: only for the rows that have them
    constant = np.zeros(n, dtype=np.int64)

    def when(mask: np.ndarray, text: Callable[[int], str], by: np.ndarray = constant) -> None:
        """`text(i)` for the rows of `mask` that are told why; rows equal in `by` (the figure the
        text shows) share one text, worked out once."""
        rows = np.flatnonzero(mask & visit)
        said: dict[int, str] = {}
        out: dict[int, str] = {}
        for i, key in zip(rows.tolist(), by[rows].tolist(), strict=True):
            if (words := said.get(key)) is None:
                words = said[key] = text(i)
            out[i] = words
        sparse.append(out)

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
        joined[i] = [*parts[0][i], *parts[1][i]]
    for kind in sparse:  # each kind of reason in turn: a row's reasons keep their order
        for i, words in kind.items():
            joined[i].append(words)
    return pd.Series(joined, index=frame.index, dtype=object)
