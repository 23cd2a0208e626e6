"""On-site reviewers' scores → one number per item and community (docs/rules.md#reviewers).

Recusal (回避) is check.reviews.recused, the same rule `validate` applies. A blank score leaves that
reviewer out for that item (a blank is never 0). With 5 or more remaining, one highest and one
lowest are dropped; the mean is rounded half-up later, once, with the other items.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from greencomm.check.reviews import recused
from greencomm.judge.scoring import ReviewedItem
from greencomm.problems import Problem
from greencomm.programme import Programme
from greencomm.read.names import SEPARATOR


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
    """Row index of `communities` → item → aggregate; problems of too few or no reviewers. Rows
    are matched by the community key; a recused reviewer's row is left out (check.reviews)."""
    rules = programme.settings.review
    items = [i.id for i in programme.rubric.review_items]
    rows_by_key: dict[str, list[Hashable]] = defaultdict(list)
    for idx, key in zip(communities.index, communities._key, strict=True):
        if key is not None:
            rows_by_key[key].append(idx)
    collected: dict[str, dict[str, list[Decimal]]] = {}
    left_out = recused(reviews, programme) if len(reviews) else np.zeros(0, dtype=bool)
    scores_of = zip(*(reviews[i].tolist() for i in items), strict=True)
    for key, is_recused, row_scores in zip(reviews._key.tolist(), left_out.tolist(), scores_of, strict=True):
        if key not in rows_by_key:
            continue  # reported by check as review-unknown-community
        by_item = collected.setdefault(key, {i: [] for i in items})
        if is_recused:
            continue  # 回避
        for item, value in zip(items, row_scores, strict=True):
            if value is not None:
                by_item[item].append(Decimal(value))
    result: dict[Hashable, dict[str, ReviewedItem]] = {}
    problems: list[Problem] = []
    for key, given in collected.items():
        aggregated = {}
        for item, scores in given.items():
            mean, used, note = aggregate_item(scores, rules.trim_from)
            aggregated[item] = ReviewedItem(mean, used, note)
            params = {"community": key.replace(SEPARATOR, ""), "count": len(scores), "min": rules.min_reviewers}
            if mean is None:
                problems.append(Problem("review-no-reviewers", field=item, params=params))
            elif len(scores) < rules.min_reviewers:
                problems.append(Problem("review-few-reviewers", field=item, params=params))
        if any(a.mean is None for a in aggregated.values()):
            continue  # not reviewed on every item: judged as not reviewed, so it cannot be chosen
        for idx in rows_by_key[key]:
            result[idx] = aggregated
    return result, problems
