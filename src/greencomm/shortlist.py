"""Who gets which title (programme.md, Levels): the on-site list before review, the 示范社区 after it,
待审定 for ties across a cut-off, 节能环保社区 for the rest who meet the level, 未通过 with every
reason in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from greencomm.rubric import fmt
from greencomm.rules import threshold_cents
from greencomm.schema import DEMO_TITLE, Programme
from greencomm.scoring import REVIEW, Scores, format_cents

ONSITE, DEMONSTRATION, PENDING, PASSED, FAILED = "推荐现场评审", "示范社区", "待审定", "节能环保社区", "未通过"
STATUS_ORDER = {DEMONSTRATION: 0, PENDING: 1, ONSITE: 2, PASSED: 3, FAILED: 4}


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
    推荐现场评审; after review only reviewed candidates can be chosen and the first 20 are 示范社区."""
    quotas = programme.settings.quotas
    status = pd.Series(FAILED, index=frame.index, dtype=object)
    status[pass_level] = PASSED
    if reviewed:
        pool = candidate & (scores.review_source == REVIEW)
        chosen = cut(ranks[pool], quotas.demonstration, grow_on_tie=False)
        status[chosen.chosen] = DEMONSTRATION
        status[chosen.tied] = PENDING
        return status, chosen.tied
    chosen = cut(ranks[candidate], quotas.onsite, grow_on_tie=True)
    status[chosen.chosen] = ONSITE
    return status, pd.Index([])


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
    """Every reason a community did not get what it applied for, in words. Only the rows that have
    reasons are visited."""
    rubric, levels, quotas = programme.rubric, programme.levels, programme.settings.quotas
    veto_names = {v.id: v.name for v in rubric.vetoes}
    pass_cents = threshold_cents(levels.pass_total)
    demo_cents = threshold_cents(levels.demonstration_total)
    floors = {c.id: (c, levels.category_share * c.max) for c in rubric.categories}
    floor_cents = {cid: threshold_cents(floor) for cid, (_, floor) in floors.items()}
    floor_words = {
        cid: f"的 {fmt(levels.category_share * 100)}%（{fmt(floor)} 分）" for cid, (_, floor) in floors.items()
    }
    pass_words, demo_words = fmt(levels.pass_total), fmt(levels.demonstration_total)
    total: dict[Any, int] = scores.total_cents.to_dict()
    applied_demo = frame.target == DEMO_TITLE
    needs = (
        (status == FAILED) | (status == PENDING) | (applied_demo & status.isin([PASSED, FAILED]))
    )  # fmt: skip
    said_of: dict[Any, list[str]] = {}
    category: dict[str, dict[Any, int]] = {c: scores.category_cents[c].to_dict() for c in floors}
    visit = frame.index[needs.to_numpy()]
    # plain dicts for the rows visited: a Series lookup per element costs microseconds each
    got_of, vetoes_of, eligibility_of = status[visit].to_dict(), vetoes[visit].to_dict(), eligibility[visit].to_dict()
    demo_of, candidate_of = applied_demo[visit].to_dict(), candidate[visit].to_dict()
    held_of, source_of = title_held[visit].to_dict(), scores.review_source[visit].to_dict()
    for idx in visit:
        got = got_of[idx]
        said: list[str] = [f"一票否决 {v}：{veto_names[v]}" for v in vetoes_of[idx]]
        said += [
            f"资格 {q}：{rubric.eligibility[q].name}" + (f"（{held_of[idx]}）" if q == "Q3" else "")
            for q in eligibility_of[idx]
        ]
        if total[idx] < pass_cents:
            said.append(f"总分 {format_cents(total[idx])} 低于 {pass_words} 分")
        if demo_of[idx] and got in (PASSED, FAILED):
            if total[idx] < demo_cents:
                said.append(f"总分 {format_cents(total[idx])} 低于示范社区标准 {demo_words} 分")
            for cat_id, (cat, _) in floors.items():
                got_cents = category[cat_id][idx]
                if got_cents < floor_cents[cat_id]:
                    said.append(
                        f"{cat.name}得分 {format_cents(got_cents)} 低于该类满分 {fmt(cat.max)} {floor_words[cat_id]}"
                    )
            if candidate_of[idx]:  # in the running, not chosen: say where it fell, with any other reason
                if not reviewed:
                    said.append(f"未进入前 {quotas.onsite} 名推荐现场评审")
                elif source_of[idx] != REVIEW:
                    said.append("未参加现场评审")
                else:
                    said.append(f"评审后排名未进入前 {quotas.demonstration} 名")
        if got == PENDING:
            said.append(f"与第 {quotas.demonstration} 名在全部排序项上并列，提请领导小组审定")
        said_of[idx] = said
    return pd.Series([said_of.get(i, []) for i in frame.index], index=frame.index, dtype=object)
