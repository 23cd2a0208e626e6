"""On-site reviewers' scores → one number per item and community (programme.md, Scores).

Recusal (回避): a reviewer whose own district is the community's is left out, blank or filled; a
city-level expert (市直) is recused from nothing. A blank score of anyone else leaves that reviewer
out for that item (a blank is never 0). With 5 or more remaining, one highest and one lowest are
dropped; the mean is rounded half-up later, once, with the other items.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd

from greencomm.judge.scoring import ReviewedItem
from greencomm.problems import Problem
from greencomm.programme.layouts import Programme
from greencomm.read.values import name_key

Key = tuple[str, str]


def community_key(district: Any, community: Any) -> Key:
    return (name_key(district or ""), name_key(community or ""))


def aggregate_item(scores: list[Decimal], trim_from: int) -> tuple[Fraction | None, tuple[Decimal, ...], str]:
    """The mean of the remaining scores, trimmed when there are enough of them."""
    if not scores:
        return None, (), "无可用的专家评分"
    used = sorted(scores)
    if len(used) >= trim_from:
        used = used[1:-1]
        note = f"{len(scores)}位专家，去掉一个最高分和一个最低分，取{len(used)}位平均"
    else:
        note = f"{len(scores)}位专家平均"
    mean = sum((Fraction(s) for s in used), Fraction(0)) / len(used)
    return mean, tuple(used), note


def aggregate(
    reviews: pd.DataFrame, communities: pd.DataFrame, programme: Programme
) -> tuple[dict[Hashable, dict[str, ReviewedItem]], list[Problem]]:
    """Row index of `communities` → item → aggregate; problems of too few or no reviewers."""
    rules = programme.settings.review
    items = [i.id for i in programme.rubric.review_items]
    city_level = name_key(rules.city_level)
    rows_by_key: dict[Key, list[Hashable]] = defaultdict(list)
    for idx, d, c in zip(communities.index, communities.district, communities.community, strict=True):
        rows_by_key[community_key(d, c)].append(idx)
    collected: dict[Key, dict[str, list[Decimal]]] = {}
    for row in reviews.itertuples(index=False):
        key = community_key(row.district, row.community)
        if key not in rows_by_key:
            continue  # reported by validate as review-unknown-community
        by_item = collected.setdefault(key, {i: [] for i in items})
        reviewer_district = name_key(row.reviewer_district or "")
        if reviewer_district != city_level and reviewer_district == key[0]:
            continue  # 回避
        for item in items:
            value = getattr(row, item)
            if value is not None:
                by_item[item].append(Decimal(value))
    result: dict[Hashable, dict[str, ReviewedItem]] = {}
    problems: list[Problem] = []
    for key, given in collected.items():
        aggregated = {}
        for item, scores in given.items():
            mean, used, note = aggregate_item(scores, rules.trim_from)
            aggregated[item] = ReviewedItem(mean, used, note)
            params = {"community": f"{key[0]}{key[1]}", "count": len(scores), "min": rules.min_reviewers}
            if mean is None:
                problems.append(Problem("review-no-reviewers", field=item, params=params))
            elif len(scores) < rules.min_reviewers:
                problems.append(Problem("review-few-reviewers", field=item, params=params))
        if any(a.mean is None for a in aggregated.values()):
            continue  # not reviewed on every item: judged as not reviewed, so it cannot be chosen
        for idx in rows_by_key[key]:
            result[idx] = aggregated
    return result, problems
